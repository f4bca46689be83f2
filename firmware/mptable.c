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

void mptable_setup(void)
{
	u16 ncpu = 1;
	u32 sig, feat, len, n = 0;
	u8 *t, *p, *fp;

	fw_cfg_read_entry(FW_CFG_NB_CPUS, &ncpu, 2);
	if (!ncpu || ncpu > MP_MAX_CPUS)
		ncpu = ncpu ? MP_MAX_CPUS : 1;
	len = 44 + 20 * ncpu + 8 + 8 + 8 * 15 + 8 * 2;
	/* the pointer first: in the EBDA fallback it must be in its first KiB */
	fp = mem_alloc_fseg(16, 16);
	t = mem_alloc_fseg(len, 16);
	if (!t || !fp) {
		log_error("mptable: no room for %u CPUs where legacy scans look\n", ncpu);
		return;
	}
	sig = fw_cpu_sig;
	feat = fw_cpu_features;
	p = t + 44;
	for (u32 i = 0; i < ncpu; i++, p += 20, n++) {
		p[0] = MPC_CPU;
		p[1] = (u8)i;		/* APIC ID */
		p[2] = 0x14;		/* APIC version */
		p[3] = CPU_EN | (i == 0 ? CPU_BP : 0);
		put_le32(p + 4, sig);
		put_le32(p + 8, feat);
	}
	p[0] = MPC_BUS;
	memcpy(p + 2, "ISA   ", 6);
	p += 8, n++;
	p[0] = MPC_IOAPIC;
	p[1] = (u8)ncpu;		/* IOAPIC ID after the CPUs' */
	p[2] = 0x11;
	p[3] = 1;
	put_le32(p + 4, IOAPIC_BASE);
	p += 8, n++;
	for (u8 irq = 0; irq < 16; irq++) {
		if (irq == 2)
			continue;
		p[0] = MPC_IOINT;
		p[1] = MP_INT;
		p[4] = 0;		/* ISA bus */
		p[5] = irq;
		p[6] = (u8)ncpu;
		p[7] = irq ? irq : 2;
		p += 8, n++;
	}
	p[0] = MPC_LINT;
	p[1] = MP_EXTINT;
	p[6] = 0xff;			/* all CPUs */
	p[7] = 0;			/* LINT0 */
	p += 8, n++;
	p[0] = MPC_LINT;
	p[1] = MP_NMI;
	p[6] = 0xff;
	p[7] = 1;
	n++;

	memcpy(t, "PCMP", 4);
	put_le16(t + 4, (u16)len);
	t[6] = MP_SPEC_REV;
	memcpy(t + 8, "BRINGUP ", 8);
	memcpy(t + 16, "FIRMWARE    ", 12);
	put_le16(t + 34, (u16)n);
	put_le32(t + 36, LAPIC_BASE);
	t[7] = (u8)-fw_sum8(t, len);

	memcpy(fp, "_MP_", 4);
	put_le32(fp + 4, (u32)(uintptr_t)t);
	fp[8] = 1;			/* length in 16-byte units */
	fp[9] = MP_SPEC_REV;
	fp[10] = (u8)-fw_sum8(fp, 16);
	log_detail("mptable: %u CPUs at %x\n", ncpu, (u32)(uintptr_t)fp);
	post(POST_MPTABLE);
}
