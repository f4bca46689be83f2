/*
 * MP specification 1.4 table from the CPU count: a floating pointer in the F
 * segment (where OSes scan for "_MP_"), processors with APIC IDs 0..n-1, the
 * ISA bus, one IOAPIC at 0xFEC00000 and the ISA IRQs wired to its pins (IRQ 0
 * on pin 2, as QEMU's boards do). For OSes without ACPI.
 */
#include "firmware/fw.h"

#define MP_MAX_CPUS		64
#define LAPIC_BASE		0xfee00000
#define IOAPIC_BASE		0xfec00000
#define MP_SPEC_REV		4
#define MPC_CPU			0
#define MPC_BUS			1
#define MPC_IOAPIC		2
#define MPC_IOINT		3
#define MPC_LINT		4
#define CPU_EN			1
#define CPU_BP			2
#define MP_INT			0
#define MP_NMI			1
#define MP_EXTINT		3

/*
 * Straight-line where it can be: under a JIT (QEMU's TCG) every branch and
 * call return is one more block to translate, while stores cost next to
 * nothing. So the CPU count is clamped by selects, the pointer and the
 * table are one allocation, the fixed entries are stores of whole words,
 * and the pointer's checksum is summed inline (constants and the table's
 * address).
 */
void mptable_setup(void)
{
	u16 nb_cpus = 1;
	u32 ncpu, len, n, tab, i = 0, sig, features;
	u8 *t, *p, *fp;

	fw_cfg_read_entry(FW_CFG_NB_CPUS, &nb_cpus, 2);
	/* 0 CPUs is taken as 1, too many as MP_MAX_CPUS */
	ncpu = nb_cpus > MP_MAX_CPUS ? MP_MAX_CPUS : nb_cpus;
	ncpu += !ncpu;
	len = 44 + 20 * ncpu + 8 + 8 + 8 * 15 + 8 * 2;
	n = ncpu + 1 + 1 + 15 + 2;
	/*
	 * The pointer first (in the EBDA fallback it must be in its first KiB),
	 * the table right after it: one allocation, where two would place them
	 * the same (both 16-byte aligned, the pointer 16 bytes long).
	 */
	fp = mem_alloc_fseg(16 + len, 16);
	if (!fp) {
		log_error("mptable: no room for %u CPUs where legacy scans look\n", ncpu);
		return;
	}
	t = fp + 16;
	/* the memory comes zeroed: zero fields are not written */
	p = t + 44;
	sig = fw_cpu_sig;	/* once: the stores through p could change them, says C */
	features = fw_cpu_features;
	do {
		/* type, APIC ID, APIC version 0x14, enabled */
		put_le32(p, MPC_CPU | i << 8 | 0x14 << 16 | CPU_EN << 24);
		put_le32(p + 4, sig);
		put_le32(p + 8, features);
		p += 20;
		OPAQUE(p);	/* kept as it is: gcc would work it out again from ncpu */
	} while (++i < ncpu);
	t[44 + 3] |= CPU_BP;		/* the first is the bootstrap processor */
	p[0] = MPC_BUS;
	memcpy(p + 2, "ISA   ", 6);
	/* IOAPIC ID after the CPUs', version 0x11, enabled */
	put_le32(p + 8, MPC_IOAPIC | ncpu << 8 | 0x11 << 16 | 1 << 24);
	put_le32(p + 12, IOAPIC_BASE);
	p += 16;
	/*
	 * The ISA IRQs, MP_INT (0) from ISA bus 0, to the IOAPIC's pins: IRQ 0 on
	 * pin 2, then IRQ n on pin n, IRQ 2's entry written over by IRQ 3's (p
	 * stays). A loop: under a JIT its body is translated once, where 15
	 * unrolled entries were each translated; the jump at its top starts a
	 * block there, so the first pass does not translate it a second time.
	 */
	put_le32(p, MPC_IOINT);
	put_le32(p + 4, ncpu << 16 | 2 << 24);
	p += 8;
	for (u32 irq = 1; irq < 16; irq++) {
		JIT_LOOP_TOP();
		put_le32(p, MPC_IOINT);
		put_le32(p + 4, irq * 0x01000100 | ncpu << 16);	/* source IRQ, pin */
		p += (irq != 2) << 3;
	}
	/* LINT0 ExtINT and LINT1 NMI, to all CPUs (0xff) */
	put_le32(p, MPC_LINT | MP_EXTINT << 8);
	put_le32(p + 4, 0xff << 16 | 0 << 24);
	put_le32(p + 8, MPC_LINT | MP_NMI << 8);
	put_le32(p + 12, 0xff << 16 | 1u << 24);

	memcpy(t, "PCMP", 4);
	put_le16(t + 4, (u16)len);
	t[6] = MP_SPEC_REV;
	/* 8-byte pieces: gcc stores them as immediates, a longer one by rep movs */
	memcpy(t + 8, "BRINGUP ", 8);
	memcpy(t + 16, "FIRMWARE", 8);
	memcpy(t + 24, "    ", 4);
	put_le16(t + 34, (u16)n);
	put_le32(t + 36, LAPIC_BASE);
	t[7] = (u8)-fw_sum8(t, len);

	tab = (u32)(uintptr_t)t;
	memcpy(fp, "_MP_", 4);
	put_le32(fp + 4, tab);
	fp[8] = 1;			/* length in 16-byte units */
	fp[9] = MP_SPEC_REV;
	fp[10] = (u8)-('_' + 'M' + 'P' + '_' + 1 + MP_SPEC_REV +
		       (tab & 0xff) + (tab >> 8 & 0xff) + (tab >> 16 & 0xff) + (tab >> 24));
	log_detail("mptable: %u CPUs at %x\n", ncpu, (u32)(uintptr_t)fp);
	post(POST_MPTABLE);
}
