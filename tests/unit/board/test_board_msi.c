/*
 * MSI decoding of every field, bad addresses, delivery on the APIC bus;
 * PCI MSI capability (64-bit, per-vector masks, multiple messages) and
 * MSI-X (table, PBA pending bits, per-vector and function masks).
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "board/lapic.h"
#include "board/msi.h"
#include "board/pci_msi.h"

/* ---- decoding ---- */

START_TEST(decode_every_field)
{
	struct msi_fields f;

	ck_assert_int_eq(msi_decode(0xfee12008, 0x40 | (4 << 8) | (1 << 14) | (1 << 15), &f), 0);
	ck_assert_uint_eq(f.dest, 0x12);
	ck_assert(f.redir_hint);
	ck_assert(!f.logical);
	ck_assert_uint_eq(f.vector, 0x40);
	ck_assert_uint_eq(f.mode, APIC_DM_NMI);
	ck_assert(f.assert);
	ck_assert(f.level);

	ck_assert_int_eq(msi_decode(0xfeeab004, 0x00fe, &f), 0);
	ck_assert_uint_eq(f.dest, 0xab);
	ck_assert(!f.redir_hint);
	ck_assert(f.logical);
	ck_assert_uint_eq(f.vector, 0xfe);
	ck_assert_uint_eq(f.mode, APIC_DM_FIXED);
	ck_assert(!f.assert);
	ck_assert(!f.level);

	/* reserved address bits 11:4 and data bits 31:16, 13:11 are ignored */
	ck_assert_int_eq(msi_decode(0xfee00ff0, 0xffff3831, &f), 0);
	ck_assert_uint_eq(f.dest, 0);
	ck_assert_uint_eq(f.vector, 0x31);
	ck_assert_uint_eq(f.mode, 0);
}
END_TEST

START_TEST(decode_modes)
{
	struct msi_fields f;
	unsigned mode;

	for (mode = 0; mode < 8; mode++) {
		int ret = msi_decode(0xfee00000, 0x30 | (mode << 8), &f);

		if (mode == 3 || mode == 6) {
			ck_assert_int_eq(ret, -EINVAL);
		} else {
			ck_assert_int_eq(ret, 0);
			ck_assert_uint_eq(f.mode, mode);
		}
	}
}
END_TEST

START_TEST(decode_bad_addresses)
{
	static const uint64_t bad[] = {
		0, 0xfed00000, 0xfedffffc, 0xfef00000, 0xffe00000, 0x7ee00000,
		0x1fee00000ull, 0xfffffffffee00000ull, 0x80000000fee00000ull,
	};
	struct msi_fields f;
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(msi_decode(bad[i], 0x30, &f), -EINVAL);
	ck_assert_int_eq(msi_decode(0xfee00000, 0x30, &f), 0);
	ck_assert_int_eq(msi_decode(0xfeeffffc, 0x30, &f), 0);
	ck_assert_uint_eq(f.dest, 0xff);
}
END_TEST

/* ---- delivery ---- */

static struct timer_list tl;
static struct apic_bus bus;
static struct lapic cpu[3];

static void bus_setup(void)
{
	int i;

	timer_list_init(&tl);
	apic_bus_init(&bus, &tl);
	for (i = 0; i < 3; i++) {
		lapic_init(&cpu[i], &bus, i, i == 0);
		lapic_mmio_write(&cpu[i], APIC_SVR, 0x1ff, 4);
		lapic_mmio_write(&cpu[i], APIC_LDR, 1u << (24 + i), 4);
	}
}

static bool irr(int c, unsigned v) { return cpu[c].irr[v >> 5] & (1u << (v & 31)); }
static bool tmr(int c, unsigned v) { return cpu[c].tmr[v >> 5] & (1u << (v & 31)); }

START_TEST(deliver_to_apics)
{
	ck_assert_int_eq(msi_deliver(&bus, 0xfee01000, 0x41), 1);
	ck_assert(irr(1, 0x41) && !irr(0, 0x41) && !irr(2, 0x41));
	ck_assert(!tmr(1, 0x41));
	/* logical flat, CPUs 0 and 2 */
	ck_assert_int_eq(msi_deliver(&bus, 0xfee05004, 0x42), 2);
	ck_assert(irr(0, 0x42) && !irr(1, 0x42) && irr(2, 0x42));
	/* physical broadcast */
	ck_assert_int_eq(msi_deliver(&bus, 0xfeeff000, 0x43), 3);
	/* level trigger sets TMR */
	ck_assert_int_eq(msi_deliver(&bus, 0xfee02000, 0xc044), 1);
	ck_assert(irr(2, 0x44) && tmr(2, 0x44));
	/* redirection hint: one target, the lowest TPR */
	lapic_mmio_write(&cpu[0], APIC_TPR, 0x50, 4);
	lapic_mmio_write(&cpu[1], APIC_TPR, 0x60, 4);
	lapic_mmio_write(&cpu[2], APIC_TPR, 0x70, 4);
	ck_assert_int_eq(msi_deliver(&bus, 0xfee0700c, 0x45), 1);
	ck_assert(irr(0, 0x45) && !irr(1, 0x45) && !irr(2, 0x45));
	/* lowest-priority mode without the hint behaves the same */
	ck_assert_int_eq(msi_deliver(&bus, 0xfee06004, 0x146), 1);
	ck_assert(irr(1, 0x46) && !irr(2, 0x46));
	/* NMI and ExtINT */
	ck_assert_int_eq(msi_deliver(&bus, 0xfee02000, 0x400), 1);
	ck_assert_uint_eq(lapic_take_event(&cpu[2], ~0u), LAPIC_EV_NMI);
	ck_assert_int_eq(msi_deliver(&bus, 0xfee01000, 0x700), 1);
	ck_assert(cpu[1].extint_pending);
	/* INIT: level de-assert is not an INIT */
	ck_assert_int_eq(msi_deliver(&bus, 0xfee01000, 0x8500), 0);
	ck_assert_int_eq(msi_deliver(&bus, 0xfee01000, 0x500), 1);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_INIT);
	/* bad ones deliver nothing */
	ck_assert_int_eq(msi_deliver(&bus, 0xfec00000, 0x47), -EINVAL);
	ck_assert_int_eq(msi_deliver(&bus, 0xfee00000, 0x347), -EINVAL);
	ck_assert(!irr(0, 0x47));
	/* the sink shape */
	{
		struct msi_sink s = { .send = msi_bus_send, .opaque = &bus };

		msi_send(&s, 0xfee00000, 0x48);
		ck_assert(irr(0, 0x48));
		msi_send(&s, 0xdead0000, 0x49);
		msi_send(NULL, 0xfee00000, 0x49);
		ck_assert(!irr(0, 0x49));
	}
}
END_TEST

/* ---- PCI MSI ---- */

#define MAX_MSGS 16
static uint64_t msg_addr[MAX_MSGS];
static uint32_t msg_data[MAX_MSGS];
static int nmsgs;

static void capture(void *opaque, uint64_t address, uint32_t data)
{
	if (nmsgs < MAX_MSGS) {
		msg_addr[nmsgs] = address;
		msg_data[nmsgs] = data;
	}
	nmsgs++;
}

static const struct msi_sink cap_sink = { .send = capture };
static uint8_t cfg[256];

static void cfg_setup(void)
{
	memset(cfg, 0, sizeof(cfg));
	nmsgs = 0;
}

static uint32_t cfg32(unsigned off) { return cfg[off] | cfg[off + 1] << 8 | cfg[off + 2] << 16 | (uint32_t)cfg[off + 3] << 24; }
static uint16_t cfg16(unsigned off) { return cfg[off] | cfg[off + 1] << 8; }

START_TEST(msi_init_validation)
{
	struct pci_msi m;

	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x50, 3, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x50, 0, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x50, 64, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x3c, 1, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x52, 1, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0xec, 1, PCI_MSI_64BIT | PCI_MSI_MASKABLE,
				      &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 64, 0x40, 1, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, NULL, 256, 0x50, 1, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0xe8, 1, PCI_MSI_64BIT | PCI_MSI_MASKABLE,
				      &cap_sink), 0);
	/* placement and counts alone: nothing was written by the failed calls */
	ck_assert_uint_eq(cfg[0x50], 0);
}
END_TEST

START_TEST(msi_64bit_maskable)
{
	struct pci_msi m;

	cfg[0x51] = 0x77;			/* next pointer: the PCI layer's */
	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x50, 4, PCI_MSI_64BIT | PCI_MSI_MASKABLE,
				      &cap_sink), 0);
	ck_assert_uint_eq(cfg[0x50], PCI_CAP_ID_MSI);
	ck_assert_uint_eq(cfg[0x51], 0x77);
	ck_assert_uint_eq(cfg16(0x52), 0x0184);	/* maskable, 64-bit, 4 capable */
	ck_assert(!pci_msi_enabled(&m));
	ck_assert_int_eq(pci_msi_notify(&m, 0), -ENODEV);
	/* program: address (low bits read-only), high address, data, enable 8 -> 4 */
	ck_assert(pci_msi_config_write(&m, 0x54, 0xfee01003, 4));
	ck_assert_uint_eq(cfg32(0x54), 0xfee01000);
	ck_assert(pci_msi_config_write(&m, 0x58, 0, 4));
	ck_assert(pci_msi_config_write(&m, 0x5c, 0xffff4030, 4));
	ck_assert_uint_eq(cfg32(0x5c), 0x4030);	/* 16-bit data */
	ck_assert(pci_msi_config_write(&m, 0x52, 0xffff, 2));
	ck_assert_uint_eq(cfg16(0x52), 0x01a5);	/* enable, MME clamped to 4 (2) */
	ck_assert_uint_eq(pci_msi_nr_enabled(&m), 4);
	/* bus mastering off: dropped */
	ck_assert_int_eq(pci_msi_notify(&m, 0), -EIO);
	cfg[PCI_COMMAND] = PCI_COMMAND_MASTER;
	ck_assert_int_eq(pci_msi_notify(&m, 4), -EINVAL);
	ck_assert_int_eq(pci_msi_notify(&m, 3), 0);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msg_addr[0], 0xfee01000);
	ck_assert_uint_eq(msg_data[0], 0x4033);		/* vector in the low data bits */
	/* per-vector mask: pending, then delivered on unmask */
	ck_assert(pci_msi_config_write(&m, 0x60, 0xfffffff2, 4));
	ck_assert_uint_eq(cfg32(0x60), 0x2);		/* only 4 mask bits exist */
	ck_assert_int_eq(pci_msi_notify(&m, 1), 0);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert(pci_msi_is_pending(&m, 1));
	ck_assert_uint_eq(cfg32(0x64), 0x2);
	ck_assert(pci_msi_config_write(&m, 0x64, 0, 4));	/* pending is read-only */
	ck_assert_uint_eq(cfg32(0x64), 0x2);
	ck_assert(pci_msi_config_write(&m, 0x60, 0, 1));
	ck_assert_int_eq(nmsgs, 2);
	ck_assert_uint_eq(msg_data[1], 0x4031);
	ck_assert(!pci_msi_is_pending(&m, 1));
	/* masked while disabled: stays pending until enabled again */
	ck_assert(pci_msi_config_write(&m, 0x60, 0x1, 4));
	ck_assert_int_eq(pci_msi_notify(&m, 0), 0);
	ck_assert(pci_msi_config_write(&m, 0x52, 0x0020, 2));	/* disable */
	ck_assert(pci_msi_config_write(&m, 0x60, 0x0, 4));
	ck_assert_int_eq(nmsgs, 2);
	ck_assert(pci_msi_config_write(&m, 0x52, 0x0021, 2));
	ck_assert_int_eq(nmsgs, 3);
	/* the 64-bit address is used */
	ck_assert(pci_msi_config_write(&m, 0x58, 0x1, 4));
	pci_msi_notify(&m, 0);
	ck_assert_uint_eq(msg_addr[3], 0x1fee01000ull);
	/* writes outside the capability are not ours */
	ck_assert(!pci_msi_config_write(&m, 0x68, 0xffffffff, 4));
	ck_assert(!pci_msi_config_write(&m, 0x4c, 0xffffffff, 4));
	ck_assert(!pci_msi_config_write(&m, 0x50, 0xffffffff, 8));
	/* read-only ID byte */
	ck_assert(pci_msi_config_write(&m, 0x50, 0x12345678, 4));
	ck_assert_uint_eq(cfg[0x50], PCI_CAP_ID_MSI);
	ck_assert_uint_eq(cfg[0x51], 0x77);
	pci_msi_reset(&m);
	ck_assert_uint_eq(cfg16(0x52), 0x0184);
	ck_assert_uint_eq(cfg32(0x54), 0);
}
END_TEST

START_TEST(msi_32bit_single)
{
	struct pci_msi m;

	ck_assert_int_eq(pci_msi_init(&m, cfg, 256, 0x40, 1, 0, &cap_sink), 0);
	ck_assert_uint_eq(m.len, 10);
	ck_assert_uint_eq(cfg16(0x42), 0x0000);
	ck_assert(pci_msi_config_write(&m, 0x44, 0xfee00000, 4));
	/* a dword write at +8 covers data and two bytes past the capability */
	ck_assert(pci_msi_config_write(&m, 0x48, 0xabcd0041, 4));
	ck_assert_uint_eq(cfg16(0x48), 0x0041);
	ck_assert_uint_eq(cfg16(0x4a), 0);
	ck_assert(pci_msi_config_write(&m, 0x42, 0x00f1, 2));
	ck_assert_uint_eq(pci_msi_nr_enabled(&m), 1);	/* MME clamped to 1 */
	cfg[PCI_COMMAND] = PCI_COMMAND_MASTER;
	ck_assert_int_eq(pci_msi_notify(&m, 1), -EINVAL);
	ck_assert_int_eq(pci_msi_notify(&m, 0), 0);
	ck_assert_uint_eq(msg_data[0], 0x41);
	ck_assert(!pci_msi_is_pending(&m, 0));
}
END_TEST

/* ---- MSI-X ---- */

START_TEST(msix_init_validation)
{
	struct pci_msix x;

	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 0, 1, 0, 1, 0x800, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 2049, 1, 0, 2, 0, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 4, 6, 0, 1, 0x800, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 4, 1, 0x4, 1, 0x800, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 4, 1, 0, 1, 0x38, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 4, 1, 0, 1, 0x40, &cap_sink), 0);
	pci_msix_destroy(&x);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0xf8, 4, 1, 0, 1, 0x800, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x61, 4, 1, 0, 1, 0x800, &cap_sink), -EINVAL);
	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x60, 2048, 0, 0, 0, 0x8000, &cap_sink), 0);
	ck_assert_uint_eq(pci_msix_table_size(&x), 32768);
	ck_assert_uint_eq(pci_msix_pba_size(&x), 256);
	pci_msix_destroy(&x);
}
END_TEST

static void entry(struct pci_msix *x, unsigned v, uint64_t addr, uint32_t data, uint32_t ctrl)
{
	pci_msix_table_write(x, v * 16 + 0, (uint32_t)addr, 4);
	pci_msix_table_write(x, v * 16 + 4, addr >> 32, 4);
	pci_msix_table_write(x, v * 16 + 8, data, 4);
	pci_msix_table_write(x, v * 16 + 12, ctrl, 4);
}

START_TEST(msix_masks_and_pba)
{
	struct pci_msix x;
	unsigned v;

	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x70, 70, 2, 0x2000, 4, 0x100, &cap_sink), 0);
	ck_assert_uint_eq(cfg[0x70], PCI_CAP_ID_MSIX);
	ck_assert_uint_eq(cfg16(0x72), 69);
	ck_assert_uint_eq(cfg32(0x74), 0x2002);
	ck_assert_uint_eq(cfg32(0x78), 0x104);
	/* every entry masked after reset */
	for (v = 0; v < 70; v++)
		ck_assert_uint_eq(pci_msix_table_read(&x, v * 16 + 12, 4), 1);
	ck_assert_int_eq(pci_msix_notify(&x, 0), -ENODEV);
	cfg[PCI_COMMAND] = PCI_COMMAND_MASTER;
	/* only enable and function mask are writable in message control */
	ck_assert(pci_msix_config_write(&x, 0x72, 0xffff, 2));
	ck_assert_uint_eq(cfg16(0x72), 0xc000 | 69);
	ck_assert(pci_msix_config_write(&x, 0x74, 0, 4));
	ck_assert_uint_eq(cfg32(0x74), 0x2002);
	ck_assert(pci_msix_enabled(&x));
	ck_assert_int_eq(pci_msix_notify(&x, 70), -EINVAL);

	/* entry masked (and function masked): pending in the PBA */
	entry(&x, 0, 0xfee00000, 0x50, 1);
	ck_assert_int_eq(pci_msix_notify(&x, 0), 0);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert_uint_eq(pci_msix_pba_read(&x, 0, 8), 1);
	/* unmask the entry: still function-masked */
	pci_msix_table_write(&x, 12, 0, 4);
	ck_assert_int_eq(nmsgs, 0);
	ck_assert(pci_msix_is_pending(&x, 0));
	/* clear the function mask: delivered, PBA bit cleared */
	ck_assert(pci_msix_config_write(&x, 0x73, 0x80, 1));
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msg_addr[0], 0xfee00000);
	ck_assert_uint_eq(msg_data[0], 0x50);
	ck_assert_uint_eq(pci_msix_pba_read(&x, 0, 8), 0);
	/* unmasked entry: straight out */
	ck_assert_int_eq(pci_msix_notify(&x, 0), 0);
	ck_assert_int_eq(nmsgs, 2);
	/* vector 65 masked by its entry: pending bit in the second qword */
	entry(&x, 65, 0x1fee01000ull, 0x51, 1);
	ck_assert_int_eq(pci_msix_notify(&x, 65), 0);
	ck_assert_uint_eq(pci_msix_pba_read(&x, 8, 8), 2);
	ck_assert_uint_eq(pci_msix_pba_read(&x, 8, 1), 2);
	ck_assert_uint_eq(pci_msix_pba_read(&x, 12, 4), 0);
	/* PBA is read-only */
	pci_msix_pba_write(&x, 8, 0, 8);
	ck_assert(pci_msix_is_pending(&x, 65));
	/* vector control reserved bits read 0; a QWORD write unmasks */
	pci_msix_table_write(&x, 65 * 16 + 8, 0xfffffffe00000051ull, 8);
	ck_assert_uint_eq(pci_msix_table_read(&x, 65 * 16 + 12, 4), 0);
	ck_assert_int_eq(nmsgs, 3);
	ck_assert_uint_eq(msg_addr[2], 0x1fee01000ull);
	ck_assert_uint_eq(msg_data[2], 0x51);
	ck_assert_uint_eq(pci_msix_table_read(&x, 65 * 16, 8), 0x1fee01000ull);
	/* a device may withdraw a pending vector */
	pci_msix_table_write(&x, 12, 1, 4);
	pci_msix_notify(&x, 0);
	pci_msix_clear_pending(&x, 0);
	pci_msix_table_write(&x, 12, 0, 4);
	ck_assert_int_eq(nmsgs, 3);
	/* disabled MSI-X: nothing pending is sent */
	pci_msix_table_write(&x, 12, 1, 4);
	pci_msix_notify(&x, 0);
	ck_assert(pci_msix_config_write(&x, 0x72, 0x0000, 2));
	pci_msix_table_write(&x, 12, 0, 4);
	ck_assert_int_eq(nmsgs, 3);
	ck_assert(pci_msix_config_write(&x, 0x72, 0x8000, 2));
	ck_assert_int_eq(nmsgs, 4);
	/* bus mastering off */
	cfg[PCI_COMMAND] = 0;
	ck_assert_int_eq(pci_msix_notify(&x, 0), -EIO);
	/* out of range accesses */
	ck_assert_uint_eq(pci_msix_table_read(&x, 70 * 16, 4), 0);
	ck_assert_uint_eq(pci_msix_table_read(&x, 70 * 16 - 2, 4), 0);
	ck_assert_uint_eq(pci_msix_table_read(&x, ~0ull - 1, 4), 0);
	pci_msix_table_write(&x, 70 * 16, 0, 4);
	ck_assert_uint_eq(pci_msix_pba_read(&x, 16, 4), 0);
	ck_assert_uint_eq(pci_msix_pba_ops.read(&x, 0, 4), 0);
	ck_assert(!pci_msix_config_write(&x, 0x7c, 0xffffffff, 4));
	pci_msix_reset(&x);
	ck_assert_uint_eq(cfg16(0x72), 69);
	ck_assert_uint_eq(pci_msix_table_read(&x, 65 * 16 + 12, 4), 1);
	pci_msix_destroy(&x);
}
END_TEST

START_TEST(msix_to_apic)
{
	struct pci_msix x;
	struct msi_sink s = { .send = msi_bus_send, .opaque = &bus };

	ck_assert_int_eq(pci_msix_init(&x, cfg, 256, 0x70, 2, 0, 0, 0, 0x800, &s), 0);
	cfg[PCI_COMMAND] = PCI_COMMAND_MASTER;
	pci_msix_config_write(&x, 0x72, 0x8000, 2);
	entry(&x, 1, 0xfee02000, 0x61, 0);
	ck_assert_int_eq(pci_msix_notify(&x, 1), 0);
	ck_assert(irr(2, 0x61));
	/* a bad address programmed by the guest is dropped, not a crash */
	entry(&x, 0, 0x12345678, 0x62, 0);
	ck_assert_int_eq(pci_msix_notify(&x, 0), 0);
	ck_assert(!irr(0, 0x62) && !irr(1, 0x62) && !irr(2, 0x62));
	pci_msix_destroy(&x);
}
END_TEST

Suite *board_msi_suite(void)
{
	Suite *s = suite_create("board_msi");
	TCase *td = tcase_create("decode");
	TCase *tb = tcase_create("deliver");
	TCase *tp = tcase_create("pci");

	tcase_add_test(td, decode_every_field);
	tcase_add_test(td, decode_modes);
	tcase_add_test(td, decode_bad_addresses);
	suite_add_tcase(s, td);

	tcase_add_checked_fixture(tb, bus_setup, NULL);
	tcase_add_test(tb, deliver_to_apics);
	suite_add_tcase(s, tb);

	tcase_add_checked_fixture(tp, cfg_setup, NULL);
	tcase_add_checked_fixture(tp, bus_setup, NULL);
	tcase_add_test(tp, msi_init_validation);
	tcase_add_test(tp, msi_64bit_maskable);
	tcase_add_test(tp, msi_32bit_single);
	tcase_add_test(tp, msix_init_validation);
	tcase_add_test(tp, msix_masks_and_pba);
	tcase_add_test(tp, msix_to_apic);
	suite_add_tcase(s, tp);
	return s;
}
