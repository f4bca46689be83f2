/*
 * The PCI layer: config mechanism #1 through the ports (enable bit, every
 * width at every offset, absent functions), BAR sizing for each kind, BAR
 * decoding that follows the command register and the address, status
 * write-1-to-clear, the capability list, INTx with the PIIX swizzle and
 * sharing, devfn placement, and the 0xCF9 hand-off.
 *
 * Functions here are bare struct pci_device (no device type): they find the
 * board's "i440fx-pcihost" as a -device would.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/pci.h"

#define MiB (1ull << 20)

static struct board b;
static struct pci_bus *bus;

static void setup(void)
{
	struct board_err err = { 0 };
	struct device *host = NULL;

	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_int_eq(board_set_ram(&b, 64 * MiB, 0, &err), 0);
	ck_assert_msg(device_create(&b, "i440fx-pcihost", "pcihost", NULL, -1, NULL, &host, &err) == 0,
		      "%s", err.msg);
	bus = &((struct pci_host *)host)->bus;
}

static void teardown(void)
{
	board_destroy(&b);
}

/* A bare function on the bus; devfn PCI_DEVFN_AUTO picks the slot. */
static struct pci_device *fn_new(unsigned devfn, uint16_t vendor, uint16_t device, uint8_t pin)
{
	struct pci_device *d = calloc(1, sizeof(*d));
	struct pci_ids ids = {
		.vendor = vendor, .device = device, .revision = 0x5a,
		.class_code = 0xff0001, .intx_pin = pin,
	};
	struct board_err err = { 0 };

	ck_assert_ptr_nonnull(d);
	d->dev.board = &b;
	d->dev.name = "testfn";
	d->dev.node = -1;
	d->devfn_prop = devfn;
	ck_assert_msg(pci_device_init(d, &b, &ids, &err) == 0, "%s", err.msg);
	return d;
}

static void fn_free(struct pci_device *d)
{
	pci_device_exit(d);
	free(d);
}

static uint32_t caddr(unsigned busno, unsigned devfn, unsigned reg)
{
	return PCI_CONFIG_ENABLE | busno << 16 | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_read(unsigned devfn, unsigned reg, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(0, devfn, reg), 4);
	return (uint32_t)board_pio_read(&b, PCI_CONFIG_DATA + (reg & 3), size);
}

static void cfg_write(unsigned devfn, unsigned reg, uint32_t val, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(0, devfn, reg), 4);
	board_pio_write(&b, PCI_CONFIG_DATA + (reg & 3), val, size);
}

START_TEST(test_address_register)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, 0x80001234, 4);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 4), 0x80001234);
	/* bits 1:0 read as 0 */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, 0x80000803, 4);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 4), 0x80000800);
	/* Linux's probe: a byte at 0xCFB is not the address register */
	board_pio_write(&b, 0xcfb, 0x01, 1);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 4), 0x80000800);
	board_pio_write(&b, PCI_CONFIG_ADDRESS, 0x1234, 2);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 4), 0x80000800);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 1), 0xff);
	ck_assert_uint_eq(board_pio_read(&b, 0xcfa, 2), 0xffff);
}
END_TEST

START_TEST(test_enable_bit)
{
	struct pci_device *d = fn_new(PCI_DEVFN(4, 0), 0x1af4, 0x1003, 1);

	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(0, d->devfn, 0), 4);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_DATA, 4), 0x10031af4);
	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(0, d->devfn, 0) & ~PCI_CONFIG_ENABLE, 4);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_DATA, 4), 0xffffffff);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_DATA + 2, 2), 0xffff);
	/* a write without enable reaches nothing */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(0, d->devfn, PCI_INTERRUPT_LINE) & ~PCI_CONFIG_ENABLE, 4);
	board_pio_write(&b, PCI_CONFIG_DATA, 0x0b, 1);
	ck_assert_uint_eq(d->cfg[PCI_INTERRUPT_LINE], 0);
	fn_free(d);
}
END_TEST

START_TEST(test_widths_and_offsets)
{
	struct pci_device *d = fn_new(PCI_DEVFN(4, 0), 0x1af4, 0x1003, 2);
	unsigned k;

	/* dword 0x08: revision 0x5a, class ff0001 */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x08, 4), 0xff00015a);
	for (k = 0; k < 4; k++)
		ck_assert_uint_eq(cfg_read(d->devfn, 0x08 + k, 1), (0xff00015au >> (8 * k)) & 0xff);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x00, 2), 0x1af4);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x02, 2), 0x1003);
	/* a word at 0xCFD covers register bytes 1-2 */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(0, d->devfn, 0), 4);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_DATA + 1, 2), 0x031a);
	/* a dword at 0xCFD leaves the data port: bytes 1-3, then 0xD00 unassigned */
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_DATA + 1, 4), 0xff10031a);

	/* writes: byte lanes hit the right register, read-only bytes stay */
	cfg_write(d->devfn, PCI_INTERRUPT_LINE, 0x0b, 1);
	cfg_write(d->devfn, PCI_INTERRUPT_PIN, 0x04, 1);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_INTERRUPT_LINE, 4), 0x0000020b);
	cfg_write(d->devfn, PCI_LATENCY_TIMER, 0x40, 1);
	cfg_write(d->devfn, PCI_CACHE_LINE_SIZE, 0x10, 1);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_CACHE_LINE_SIZE, 4), 0x00004010);
	cfg_write(d->devfn, PCI_INTERRUPT_LINE + 2, 0xffff, 2);	/* min_gnt/max_lat: RO */
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_INTERRUPT_LINE, 4), 0x0000020b);
	cfg_write(d->devfn, PCI_VENDOR_ID, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_VENDOR_ID, 4), 0x10031af4);
	/* command: only the implemented bits */
	cfg_write(d->devfn, PCI_COMMAND, 0xffff, 2);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_COMMAND, 2), 0x0547);
	fn_free(d);
}
END_TEST

START_TEST(test_absent_functions)
{
	struct pci_device *d = fn_new(PCI_DEVFN(4, 0), 0x1af4, 0x1003, 1);

	ck_assert_uint_eq(cfg_read(PCI_DEVFN(5, 0), 0, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(5, 0), 2, 2), 0xffff);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(5, 0), 3, 1), 0xff);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(4, 1), 0, 4), 0xffffffff);	/* other function */
	/* bus 1 does not exist, even at the devfn that does on bus 0 */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, caddr(1, d->devfn, 0), 4);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_DATA, 4), 0xffffffff);
	board_pio_write(&b, PCI_CONFIG_DATA, 0, 4);
	ck_assert_uint_eq(cfg_read(d->devfn, 0, 4), 0x10031af4);
	cfg_write(PCI_DEVFN(31, 7), PCI_COMMAND, 0xffff, 2);		/* dropped */
	/* single-function device: header type without the multi-function bit */
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_HEADER_TYPE, 1), 0x00);
	fn_free(d);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(4, 0), 0, 4), 0xffffffff);
}
END_TEST

static uint64_t probe_read(void *opaque, uint64_t off, unsigned size)
{
	return (uintptr_t)opaque + off;
}

static uint64_t last_write_off, last_write_val;
static int nwrites;

static void probe_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	last_write_off = off;
	last_write_val = val;
	nwrites++;
}

static const struct bus_ops probe_ops = { .read = probe_read, .write = probe_write };

START_TEST(test_bar_sizing)
{
	struct pci_device *d = fn_new(PCI_DEVFN(6, 0), 0x8086, 0x1111, 0);
	unsigned i;

	ck_assert_int_eq(pci_register_bar(d, 0, PCI_BAR_IO, 32, &probe_ops, NULL), 0);
	ck_assert_int_eq(pci_register_bar(d, 1, PCI_BAR_MEM32, 4096, &probe_ops, NULL), 0);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_MEM64 | PCI_BAR_PREFETCH, MiB, &probe_ops, NULL), 0);
	ck_assert_int_eq(pci_register_bar(d, 4, PCI_BAR_MEM32 | PCI_BAR_PREFETCH, 16, &probe_ops, NULL), 0);
	/* before sizing: the type bits */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x10, 4), 0x00000001);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x14, 4), 0x00000000);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x18, 4), 0x0000000c);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x20, 4), 0x00000008);
	for (i = 0; i < 6; i++)
		cfg_write(d->devfn, 0x10 + 4 * i, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x10, 4), 0xffffffe1);	/* I/O, 32 bytes */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x14, 4), 0xfffff000);	/* mem32, 4 KiB */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x18, 4), 0xfff0000c);	/* mem64 pf, 1 MiB */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x1c, 4), 0xffffffff);	/* its upper half */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x20, 4), 0xfffffff8);	/* mem32 pf, 16 bytes */
	ck_assert_uint_eq(cfg_read(d->devfn, 0x24, 4), 0x00000000);	/* unimplemented */
	/* a 64-bit BAR of 8 GiB: the mask reaches into the upper dword */
	fn_free(d);
	d = fn_new(PCI_DEVFN(6, 0), 0x8086, 0x1111, 0);
	ck_assert_int_eq(pci_register_bar(d, 0, PCI_BAR_MEM64, 8ull << 30, &probe_ops, NULL), 0);
	cfg_write(d->devfn, 0x10, 0xffffffff, 4);
	cfg_write(d->devfn, 0x14, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x10, 4), 0x00000004);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x14, 4), 0xfffffffe);

	/* bad registrations */
	ck_assert_int_eq(pci_register_bar(d, 1, PCI_BAR_MEM32, 16, &probe_ops, NULL), -EEXIST);
	ck_assert_int_eq(pci_register_bar(d, 0, PCI_BAR_MEM32, 16, &probe_ops, NULL), -EEXIST);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_MEM32, 48, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_IO, 512, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_IO, 2, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_IO | PCI_BAR_PREFETCH, 16, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_MEM32, 8, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 5, PCI_BAR_MEM64, 16, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 6, PCI_BAR_MEM32, 16, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 2, 7, 16, &probe_ops, NULL), -EINVAL);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_MEM32, 16, NULL, NULL), -EINVAL);
	fn_free(d);
}
END_TEST

START_TEST(test_bar_decode_follows_guest)
{
	struct pci_device *d = fn_new(PCI_DEVFN(6, 0), 0x8086, 0x1111, 0);
	void *tag = (void *)(uintptr_t)0x5000;

	ck_assert_int_eq(pci_register_bar(d, 0, PCI_BAR_IO, 32, &probe_ops, tag), 0);
	ck_assert_int_eq(pci_register_bar(d, 1, PCI_BAR_MEM32, 4096, &probe_ops, tag), 0);
	ck_assert_int_eq(pci_register_bar(d, 2, PCI_BAR_MEM64, 4096, &probe_ops, tag), 0);

	/* addresses programmed, decoding off: nothing there */
	cfg_write(d->devfn, 0x10, 0xc000, 4);
	cfg_write(d->devfn, 0x14, 0xe0000000, 4);
	ck_assert_uint_eq(pci_bar_address(d, 0), PCI_BAR_UNMAPPED);
	ck_assert_uint_eq(board_pio_read(&b, 0xc004, 4), 0xffffffff);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0000010, 4), 0xffffffff);

	/* memory on: only the memory BARs */
	cfg_write(d->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(pci_bar_address(d, 1), 0xe0000000);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0000010, 4), 0x5010);
	ck_assert_uint_eq(board_pio_read(&b, 0xc004, 4), 0xffffffff);
	/* the 64-bit BAR at 0 stays off */
	ck_assert_uint_eq(pci_bar_address(d, 2), PCI_BAR_UNMAPPED);

	/* I/O on too */
	cfg_write(d->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
	ck_assert_uint_eq(pci_bar_address(d, 0), 0xc000);
	ck_assert_uint_eq(board_pio_read(&b, 0xc004, 4), 0x5004);
	board_pio_write(&b, 0xc01f, 0xab, 1);
	ck_assert_uint_eq(last_write_off, 0x1f);
	ck_assert_uint_eq(last_write_val, 0xab);

	/* moving: the new address reaches the device, the old reads all ones */
	cfg_write(d->devfn, 0x14, 0xe0100000, 4);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0100ffc, 4), 0x5ffc);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0000010, 4), 0xffffffff);
	cfg_write(d->devfn, 0x10, 0xd020, 4);
	ck_assert_uint_eq(board_pio_read(&b, 0xd020, 2), 0x5000);
	ck_assert_uint_eq(board_pio_read(&b, 0xc000, 2), 0xffff);
	/* low bits below the size are not part of the address */
	cfg_write(d->devfn, 0x14, 0xe0200abc, 4);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x14, 4), 0xe0200000);
	ck_assert_uint_eq(pci_bar_address(d, 1), 0xe0200000);

	/* 64-bit BAR above 4 GiB, written in halves */
	cfg_write(d->devfn, 0x18, 0x00010000, 4);
	cfg_write(d->devfn, 0x1c, 0x00000080, 4);
	ck_assert_uint_eq(pci_bar_address(d, 2), 0x8000010000ull);
	ck_assert_uint_eq(board_mmio_read(&b, 0x8000010008ull, 8), 0x5008);

	/* 0, all ones and past the top of the space are not decoded */
	cfg_write(d->devfn, 0x14, 0, 4);
	ck_assert_uint_eq(pci_bar_address(d, 1), PCI_BAR_UNMAPPED);
	cfg_write(d->devfn, 0x14, 0xffffffff, 4);
	ck_assert_uint_eq(pci_bar_address(d, 1), PCI_BAR_UNMAPPED);
	cfg_write(d->devfn, 0x10, 0xffffffff, 4);
	ck_assert_uint_eq(pci_bar_address(d, 0), PCI_BAR_UNMAPPED);
	cfg_write(d->devfn, 0x10, 0x10000, 4);			/* I/O beyond 0xffff */
	ck_assert_uint_eq(pci_bar_address(d, 0), PCI_BAR_UNMAPPED);
	cfg_write(d->devfn, 0x10, 0xffe0, 4);			/* the last 32 ports fit */
	ck_assert_uint_eq(pci_bar_address(d, 0), 0xffe0);
	cfg_write(d->devfn, 0x1c, 0xffffffff, 4);
	cfg_write(d->devfn, 0x18, 0xffffffff, 4);
	ck_assert_uint_eq(pci_bar_address(d, 2), PCI_BAR_UNMAPPED);

	/* decoding off again */
	cfg_write(d->devfn, 0x14, 0xe0300000, 4);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0300000, 4), 0x5000);
	cfg_write(d->devfn, PCI_COMMAND, 0, 2);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0300000, 4), 0xffffffff);
	ck_assert_uint_eq(pci_bar_address(d, 0), PCI_BAR_UNMAPPED);

	/* reset: BAR addresses 0, decoding off; re-enabling maps nothing */
	cfg_write(d->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(pci_bar_address(d, 1), 0xe0300000);
	pci_device_reset(d);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x14, 4), 0);
	ck_assert_uint_eq(cfg_read(d->devfn, 0x10, 4), 1);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_COMMAND, 2), 0);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0300000, 4), 0xffffffff);

	/* leaving the bus unmaps */
	cfg_write(d->devfn, 0x14, 0xe0400000, 4);
	cfg_write(d->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0400000, 4), 0x5000);
	fn_free(d);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0400000, 4), 0xffffffff);
}
END_TEST

START_TEST(test_bar_overlap_stays_unmapped)
{
	struct pci_device *d1 = fn_new(PCI_DEVFN(6, 0), 0x8086, 0x1111, 0);
	struct pci_device *d2 = fn_new(PCI_DEVFN(7, 0), 0x8086, 0x2222, 0);

	ck_assert_int_eq(pci_register_bar(d1, 0, PCI_BAR_MEM32, 4096, &probe_ops, (void *)0x1000), 0);
	ck_assert_int_eq(pci_register_bar(d2, 0, PCI_BAR_MEM32, 4096, &probe_ops, (void *)0x2000), 0);
	cfg_write(d1->devfn, 0x10, 0xe0000000, 4);
	cfg_write(d2->devfn, 0x10, 0xe0000000, 4);
	cfg_write(d1->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	cfg_write(d2->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(pci_bar_address(d2, 0), PCI_BAR_UNMAPPED);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0000004, 4), 0x1004);
	/* the first moves away: the second takes the address on its next update */
	cfg_write(d1->devfn, 0x10, 0xe0001000, 4);
	cfg_write(d2->devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0000004, 4), 0x2004);
	ck_assert_uint_eq(board_mmio_read(&b, 0xe0001004, 4), 0x1004);
	fn_free(d1);
	fn_free(d2);
}
END_TEST

START_TEST(test_status_w1c)
{
	struct pci_device *d = fn_new(PCI_DEVFN(6, 0), 0x8086, 0x1111, 0);

	/* the device saw a master abort and a parity error; DEVSEL is fixed */
	pci_set_word(d->cfg + PCI_STATUS, 0x2000 | 0x8000 | PCI_STATUS_DEVSEL_MEDIUM);
	cfg_write(d->devfn, PCI_STATUS, 0x0000, 2);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_STATUS, 2), 0xa200);
	cfg_write(d->devfn, PCI_STATUS, 0x2000, 2);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_STATUS, 2), 0x8200);
	/* a dword write to the command register with zeros in status clears nothing */
	cfg_write(d->devfn, PCI_COMMAND, 0x00000002, 4);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_COMMAND, 4), 0x82000002);
	/* byte lane of the high status byte; the read-only bits survive all ones */
	cfg_write(d->devfn, PCI_STATUS + 1, 0xff, 1);
	ck_assert_uint_eq(cfg_read(d->devfn, PCI_STATUS, 2), 0x0200);
	fn_free(d);
}
END_TEST

START_TEST(test_capability_list)
{
	struct pci_device *d = fn_new(PCI_DEVFN(6, 0), 0x8086, 0x1111, 0);
	unsigned p, n = 0;
	uint8_t ids[4];

	ck_assert_uint_eq(cfg_read(d->devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	ck_assert_uint_eq(pci_find_capability(d, 0x05), 0);
	ck_assert_int_eq(pci_add_capability(d, 0x09, 0, 8), 0x40);
	ck_assert_int_eq(pci_add_capability(d, 0x05, 0, 14), 0x48);
	ck_assert_int_eq(pci_add_capability(d, 0x11, 0x80, 12), 0x80);
	ck_assert_int_eq(pci_add_capability(d, 0x10, 0x4c, 4), -EEXIST);	/* inside MSI */
	ck_assert_int_eq(pci_add_capability(d, 0x10, 0x3c, 4), -EINVAL);	/* header */
	ck_assert_int_eq(pci_add_capability(d, 0x10, 0x82, 4), -EINVAL);	/* unaligned */
	ck_assert_int_eq(pci_add_capability(d, 0x10, 0xfc, 8), -EINVAL);	/* past the end */
	ck_assert_int_eq(pci_add_capability(d, 0x10, 0, 1), -EINVAL);
	ck_assert_int_eq(pci_add_capability(d, 0x10, 0, 0xc0), -ENOSPC);

	/* the guest's walk through the ports */
	ck_assert_uint_ne(cfg_read(d->devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	for (p = cfg_read(d->devfn, PCI_CAPABILITY_LIST, 1); p && n < 4; n++) {
		ids[n] = cfg_read(d->devfn, p, 1);
		p = cfg_read(d->devfn, p + 1, 1);
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(ids[0], 0x09);
	ck_assert_uint_eq(ids[1], 0x05);
	ck_assert_uint_eq(ids[2], 0x11);
	ck_assert_uint_eq(pci_find_capability(d, 0x05), 0x48);
	ck_assert_uint_eq(pci_find_capability(d, 0x11), 0x80);
	ck_assert_uint_eq(pci_find_capability(d, 0x10), 0);
	/* the list is read-only for the guest */
	cfg_write(d->devfn, PCI_CAPABILITY_LIST, 0, 1);
	cfg_write(d->devfn, 0x41, 0, 1);
	ck_assert_uint_eq(pci_find_capability(d, 0x11), 0x80);
	/* a corrupted list with a loop ends */
	d->cfg[0x81] = 0x40;
	ck_assert_uint_eq(pci_find_capability(d, 0x10), 0);
	fn_free(d);
}
END_TEST

START_TEST(test_intx_swizzle_and_sharing)
{
	/* slot 3 INTA -> PIRQC, slot 7 INTA -> PIRQC, slot 7 INTB -> PIRQD, slot 2 INTD -> PIRQA */
	struct pci_device *a = fn_new(PCI_DEVFN(3, 0), 0x8086, 0x1, 1);
	struct pci_device *c = fn_new(PCI_DEVFN(7, 0), 0x8086, 0x2, 1);
	struct pci_device *e = fn_new(PCI_DEVFN(7, 1), 0x8086, 0x3, 2);
	struct pci_device *f = fn_new(PCI_DEVFN(2, 0), 0x8086, 0x4, 4);
	struct pci_device *none = fn_new(PCI_DEVFN(9, 0), 0x8086, 0x5, 0);

	pci_set_irq(a, 1);
	ck_assert_int_eq(b.gsi[18].level, 1);
	ck_assert_int_eq(b.gsi[16].level + b.gsi[17].level + b.gsi[19].level, 0);
	ck_assert_uint_ne(cfg_read(a->devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	pci_set_irq(c, 1);
	pci_set_irq(a, 0);
	ck_assert_int_eq(b.gsi[18].level, 1);		/* shared: c still holds it */
	ck_assert_uint_eq(cfg_read(a->devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	pci_set_irq(c, 1);				/* repeated: counted once */
	pci_set_irq(c, 0);
	ck_assert_int_eq(b.gsi[18].level, 0);
	pci_set_irq(e, 1);
	ck_assert_int_eq(b.gsi[19].level, 1);
	pci_set_irq(f, 1);
	ck_assert_int_eq(b.gsi[16].level, 1);
	pci_set_irq(none, 1);				/* no pin: nothing, no crash */
	ck_assert_int_eq(b.gsi[17].level, 0);

	/* INTx disable masks the line, status still shows the request */
	cfg_write(e->devfn, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	ck_assert_int_eq(b.gsi[19].level, 0);
	ck_assert_uint_ne(cfg_read(e->devfn, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	cfg_write(e->devfn, PCI_COMMAND, 0, 2);
	ck_assert_int_eq(b.gsi[19].level, 1);
	/* reset and removal drop it */
	pci_device_reset(e);
	ck_assert_int_eq(b.gsi[19].level, 0);
	fn_free(f);
	ck_assert_int_eq(b.gsi[16].level, 0);
	fn_free(a);
	fn_free(c);
	fn_free(e);
	fn_free(none);
}
END_TEST

START_TEST(test_devfn_placement)
{
	struct pci_device *f0, *f3, *auto1, *auto2;
	struct pci_device bad = { 0 };
	struct pci_ids ids = { .vendor = 0x8086, .device = 1 };
	struct board_err err = { 0 };

	f3 = fn_new(PCI_DEVFN(0, 3), 0x8086, 0x7113, 0);
	auto1 = fn_new(PCI_DEVFN_AUTO, 0x8086, 0x1, 0);
	ck_assert_uint_eq(auto1->devfn, PCI_DEVFN(1, 0));	/* slot 0 has a function */
	f0 = fn_new(PCI_DEVFN(0, 0), 0x8086, 0x7000, 0);
	ck_assert_uint_eq(cfg_read(f0->devfn, PCI_HEADER_TYPE, 1), 0x80);
	auto2 = fn_new(PCI_DEVFN_AUTO, 0x8086, 0x2, 0);
	ck_assert_uint_eq(auto2->devfn, PCI_DEVFN(2, 0));
	fn_free(f3);
	ck_assert_uint_eq(cfg_read(f0->devfn, PCI_HEADER_TYPE, 1), 0x00);

	bad.dev.board = &b;
	bad.dev.name = "bad";
	bad.dev.node = -1;
	bad.devfn_prop = PCI_DEVFN(2, 0);
	ck_assert_int_eq(pci_device_init(&bad, &b, &ids, &err), -EEXIST);
	ck_assert_str_eq(err.msg, "bad: property 'devfn': 02.0 already used by testfn");
	board_err_clear(&err);
	bad.devfn_prop = 0x1ff;
	ck_assert_int_eq(pci_device_init(&bad, &b, &ids, &err), -EINVAL);
	ck_assert_str_eq(err.msg, "bad: property 'devfn': 0x1ff is not a devfn (0-0xff)");
	board_err_clear(&err);
	bad.devfn_prop = PCI_DEVFN(9, 0);
	ids.intx_pin = 5;
	ck_assert_int_eq(pci_device_init(&bad, &b, &ids, &err), -EINVAL);
	ck_assert_ptr_null(bad.bus);
	fn_free(f0);
	fn_free(auto1);
	fn_free(auto2);
}
END_TEST

START_TEST(test_no_host)
{
	struct board b2;
	struct board_err err = { 0 };
	struct pci_device d = { 0 };
	struct pci_ids ids = { .vendor = 0x8086, .device = 1 };

	ck_assert_int_eq(board_init(&b2), 0);
	d.dev.board = &b2;
	d.dev.name = "lonely";
	d.dev.node = -1;
	d.devfn_prop = PCI_DEVFN_AUTO;
	ck_assert_int_eq(pci_device_init(&d, &b2, &ids, &err), -ENODEV);
	ck_assert_str_eq(err.msg, "lonely: no PCI host bridge on the board");
	board_destroy(&b2);
}
END_TEST

static uint8_t cf9_val;
static int cf9_writes;

static uint64_t cf9_read(void *opaque, uint64_t off, unsigned size) { return cf9_val; }
static void cf9_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	cf9_val = (uint8_t)val;
	cf9_writes++;
}
static const struct bus_ops cf9_ops = { .read = cf9_read, .write = cf9_write };

START_TEST(test_cf9_handoff)
{
	static const struct bus_ops other = { .read = cf9_read };

	/* unclaimed: 0xCF9 reads all ones */
	ck_assert_uint_eq(board_pio_read(&b, PCI_RESET_CONTROL, 1), 0xff);
	ck_assert_int_eq(pci_bus_claim_cf9(bus, &cf9_ops, NULL), 0);
	ck_assert_int_eq(pci_bus_claim_cf9(bus, &other, NULL), -EBUSY);
	board_pio_write(&b, PCI_RESET_CONTROL, 0x02, 1);
	ck_assert_int_eq(cf9_writes, 1);
	ck_assert_uint_eq(board_pio_read(&b, PCI_RESET_CONTROL, 1), 0x02);
	/* the address register's dword does not leak into 0xCF9 */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, 0x80000600, 4);
	ck_assert_int_eq(cf9_writes, 1);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 4), 0x80000600);
	/* a word at 0xCF8 hands its high byte to 0xCF9 (the byte lane decodes) */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, 0x0400, 2);
	ck_assert_int_eq(cf9_writes, 2);
	ck_assert_uint_eq(cf9_val, 0x04);
	ck_assert_uint_eq(board_pio_read(&b, PCI_CONFIG_ADDRESS, 2), 0x04ff);
}
END_TEST

Suite *board_pci_suite(void)
{
	Suite *s = suite_create("board_pci");
	TCase *tc = tcase_create("pci");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_address_register);
	tcase_add_test(tc, test_enable_bit);
	tcase_add_test(tc, test_widths_and_offsets);
	tcase_add_test(tc, test_absent_functions);
	tcase_add_test(tc, test_bar_sizing);
	tcase_add_test(tc, test_bar_decode_follows_guest);
	tcase_add_test(tc, test_bar_overlap_stays_unmapped);
	tcase_add_test(tc, test_status_w1c);
	tcase_add_test(tc, test_capability_list);
	tcase_add_test(tc, test_intx_swizzle_and_sharing);
	tcase_add_test(tc, test_devfn_placement);
	tcase_add_test(tc, test_no_host);
	tcase_add_test(tc, test_cf9_handoff);
	suite_add_tcase(s, tc);
	return s;
}
