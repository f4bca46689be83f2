/*
 * QEMU's edu device on the pc board, added as "-device edu" is: PCI identity
 * and placement, BAR0 registers (identification, liveness, access sizes),
 * the factorial unit (timer and immediate completion, busy writes lost,
 * interrupt on completion), interrupt raise/ack over INTx (through PIRQ to
 * the 8259) and over MSI, DMA round trips and DMA with bad addresses.
 */
#include <check.h>
#include <errno.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/pci.h"
#include "board/pci_msi.h"
#include "board/pic.h"

#define EDU_DEVFN	PCI_DEVFN(2, 0)		/* first free slot after 00:0 and 00:1 */
#define EDU_BAR		0xe0000000ull
#define EDU_PIRQ	1			/* slot 2 INTA -> PIRQB */
#define MSI_CAP		0x40
#define RAM_SIZE	(128ull << 20)

static struct board b;
static void *fdt;
static struct pci_device *edu;

static uint64_t msi_addr;
static uint32_t msi_data;
static int msi_count;

static void msi_capture(void *opaque, uint64_t address, uint32_t data)
{
	msi_addr = address;
	msi_data = data;
	msi_count++;
}

static uint32_t cfg_read(unsigned reg, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | EDU_DEVFN << 8 | (reg & 0xfc), 4);
	return (uint32_t)board_pio_read(&b, PCI_CONFIG_DATA + (reg & 3), size);
}

static void cfg_write(unsigned reg, uint32_t val, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | EDU_DEVFN << 8 | (reg & 0xfc), 4);
	board_pio_write(&b, PCI_CONFIG_DATA + (reg & 3), val, size);
}

static uint64_t rd(unsigned off, unsigned size) { return board_mmio_read(&b, EDU_BAR + off, size); }
static void wr(unsigned off, uint64_t val, unsigned size) { board_mmio_write(&b, EDU_BAR + off, val, size); }

/* pc board + "-device <opts>", BAR0 programmed, memory and bus mastering on */
static void build(const char *opts)
{
	const void *base = board_dtb("pc", NULL);
	size_t size = fdt_totalsize(base) + 4096;
	struct board_err err = { 0 };
	struct device *dev;

	fdt = malloc(size);
	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	ck_assert_msg(board_fdt_add_device(fdt, opts, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "pc: %s", err.msg);
	board_reset(&b, RESET_POWER_ON);
	b.msi.send = msi_capture;
	msi_count = 0;
	dev = device_find_type(&b, "edu", NULL);
	ck_assert_ptr_nonnull(dev);
	edu = (struct pci_device *)dev;
	cfg_write(PCI_BASE_ADDRESS_0, (uint32_t)EDU_BAR, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void setup(void)
{
	clock_fake_enable(true);
	fdt = NULL;
}

static void teardown(void)
{
	if (fdt) {
		board_destroy(&b);
		free(fdt);
	}
	clock_fake_enable(false);
}

static void advance(uint64_t ns)
{
	clock_fake_set(clock_ns() + ns);
	board_lock(&b);
	timer_list_run(&b.timers, clock_ns());
	board_unlock(&b);
}

static int intx_level(void)
{
	return board_gsi_line(&b, GSI_PIRQ_BASE + EDU_PIRQ)->level;
}

START_TEST(test_pci_identity)
{
	build("edu");
	ck_assert_uint_eq(edu->devfn, EDU_DEVFN);
	ck_assert_uint_eq(cfg_read(0x00, 4), 0x11e81234);
	ck_assert_uint_eq(cfg_read(0x08, 4), 0x00ff0010);
	ck_assert_uint_eq(cfg_read(PCI_INTERRUPT_PIN, 1), 1);
	ck_assert_uint_ne(cfg_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	ck_assert_uint_eq(cfg_read(PCI_CAPABILITY_LIST, 1), MSI_CAP);
	ck_assert_uint_eq(cfg_read(MSI_CAP, 1), PCI_CAP_ID_MSI);
	ck_assert_uint_eq(cfg_read(MSI_CAP + 1, 1), 0);
	ck_assert_uint_eq(cfg_read(MSI_CAP + 2, 2), PCI_MSI_FLAGS_64BIT);
	/* BAR0: 1 MiB, 32-bit, not prefetchable */
	cfg_write(PCI_BASE_ADDRESS_0, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(PCI_BASE_ADDRESS_0, 4), 0xfff00000);
	cfg_write(PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(PCI_BASE_ADDRESS_0 + 4, 4), 0);
}
END_TEST

START_TEST(test_id_liveness_sizes)
{
	build("edu");
	ck_assert_uint_eq(rd(0x00, 4), 0x010000ed);
	wr(0x04, 0x12345678, 4);
	ck_assert_uint_eq(rd(0x04, 4), 0xedcba987);
	wr(0x04, 0, 4);
	ck_assert_uint_eq(rd(0x04, 4), 0xffffffff);
	/* below 0x80 only 4-byte accesses: others read all ones, writes are dropped */
	ck_assert_uint_eq(rd(0x00, 2), 0xffff);
	ck_assert_uint_eq(rd(0x00, 8), ~0ull);
	wr(0x04, 0x1, 2);
	ck_assert_uint_eq(rd(0x04, 4), 0xffffffff);
	/* unknown registers read all ones; the BAR's far end too */
	ck_assert_uint_eq(rd(0x30, 4), 0xffffffff);
	ck_assert_uint_eq(rd(0xffffc, 4), 0xffffffff);
	/* DMA registers: 8-byte accesses, 1-byte ones ignored */
	wr(0x80, 0x1122334455667788ull, 8);
	ck_assert_uint_eq(rd(0x80, 8), 0x1122334455667788ull);
	ck_assert_uint_eq(rd(0x80, 4), 0x55667788);
	ck_assert_uint_eq(rd(0x80, 1), 0xff);
	wr(0x80, 0x99, 1);
	ck_assert_uint_eq(rd(0x80, 8), 0x1122334455667788ull);
	/* a 4-byte write stores the zero-extended value, as QEMU */
	wr(0x80, 0xabcd, 4);
	ck_assert_uint_eq(rd(0x80, 8), 0xabcd);
	/* memory decoding off: the BAR is gone */
	cfg_write(PCI_COMMAND, 0, 2);
	ck_assert_uint_eq(rd(0x00, 4), 0xffffffff);
}
END_TEST

START_TEST(test_factorial_timer)
{
	build("edu");
	wr(0x08, 5, 4);
	ck_assert_uint_eq(rd(0x20, 4), 0x01);
	ck_assert_uint_eq(rd(0x08, 4), 5);		/* not yet */
	wr(0x08, 7, 4);					/* busy: lost */
	advance(20000);
	ck_assert_uint_eq(rd(0x20, 4), 0x00);
	ck_assert_uint_eq(rd(0x08, 4), 120);
	ck_assert_uint_eq(rd(0x24, 4), 0);		/* no interrupt asked for */
	ck_assert_int_eq(intx_level(), 0);
	/* 12! fits in 32 bits, 13! wraps, 34! and above are 0 */
	wr(0x08, 12, 4);
	advance(20000);
	ck_assert_uint_eq(rd(0x08, 4), 479001600);
	wr(0x08, 13, 4);
	advance(20000);
	ck_assert_uint_eq(rd(0x08, 4), (uint32_t)6227020800ull);
	wr(0x08, 0xffffffff, 4);
	advance(20000);
	ck_assert_uint_eq(rd(0x08, 4), 0);
	wr(0x08, 0, 4);
	advance(20000);
	ck_assert_uint_eq(rd(0x08, 4), 1);
}
END_TEST

START_TEST(test_factorial_irq_intx_to_pic)
{
	struct pic *pic;

	build("edu,delay-ns=0");
	pic = pic_find(&b);
	ck_assert_ptr_nonnull(pic);
	/* the firmware routes PIRQB to IRQ 11 */
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | PCI_DEVFN(1, 0) << 8 | 0x60, 4);
	board_pio_write(&b, PCI_CONFIG_DATA + EDU_PIRQ, 11, 1);
	/* status: only bit 7 is writable */
	wr(0x20, 0xff, 4);
	ck_assert_uint_eq(rd(0x20, 4), 0x80);
	wr(0x08, 4, 4);					/* immediate */
	ck_assert_uint_eq(rd(0x20, 4), 0x80);
	ck_assert_uint_eq(rd(0x08, 4), 24);
	ck_assert_uint_eq(rd(0x24, 4), 0x1);
	ck_assert_int_eq(intx_level(), 1);
	ck_assert_uint_ne(pic->chip[1].lines & (1u << 3), 0);
	ck_assert_uint_ne(cfg_read(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	wr(0x64, 0x1, 4);
	ck_assert_uint_eq(rd(0x24, 4), 0);
	ck_assert_int_eq(intx_level(), 0);
	ck_assert_uint_eq(pic->chip[1].lines & (1u << 3), 0);
	ck_assert_int_eq(msi_count, 0);
}
END_TEST

START_TEST(test_raise_ack_intx)
{
	build("edu");
	ck_assert_int_eq(intx_level(), 0);
	wr(0x60, 0x5, 4);
	ck_assert_uint_eq(rd(0x24, 4), 0x5);
	ck_assert_int_eq(intx_level(), 1);
	wr(0x64, 0x1, 4);
	ck_assert_uint_eq(rd(0x24, 4), 0x4);
	ck_assert_int_eq(intx_level(), 1);		/* one reason left */
	wr(0x64, 0x4, 4);
	ck_assert_int_eq(intx_level(), 0);
	wr(0x60, 0, 4);					/* nothing to raise */
	ck_assert_int_eq(intx_level(), 0);
	/* INTx disable in the command register masks it */
	wr(0x60, 0x8, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_DISABLE, 2);
	ck_assert_int_eq(intx_level(), 0);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_int_eq(intx_level(), 1);
	/* reset lowers it and clears the registers */
	board_reset(&b, RESET_CF9);
	ck_assert_int_eq(intx_level(), 0);
	cfg_write(PCI_BASE_ADDRESS_0, (uint32_t)EDU_BAR, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(rd(0x24, 4), 0);
}
END_TEST

START_TEST(test_raise_ack_msi)
{
	build("edu");
	cfg_write(MSI_CAP + PCI_MSI_ADDRESS_LO, 0xfee01000, 4);
	cfg_write(MSI_CAP + PCI_MSI_ADDRESS_HI, 0, 4);
	cfg_write(MSI_CAP + PCI_MSI_DATA_64, 0x4041, 2);
	cfg_write(MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);
	ck_assert_uint_eq(cfg_read(MSI_CAP + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE);
	wr(0x60, 0x2, 4);
	ck_assert_int_eq(msi_count, 1);
	ck_assert_uint_eq(msi_addr, 0xfee01000);
	ck_assert_uint_eq(msi_data, 0x4041);
	ck_assert_int_eq(intx_level(), 0);
	wr(0x64, 0x2, 4);
	ck_assert_uint_eq(rd(0x24, 4), 0);
	/* DMA completion by MSI */
	wr(0x80, 0x100000, 8);
	wr(0x88, 0x40000, 8);
	wr(0x90, 16, 8);
	wr(0x98, 0x1 | 0x4, 8);
	advance(20000);
	ck_assert_int_eq(msi_count, 2);
	ck_assert_uint_eq(rd(0x24, 4), 0x100);
	wr(0x64, 0x100, 4);
	/* without bus mastering the message is not sent */
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	wr(0x60, 0x1, 4);
	ck_assert_int_eq(msi_count, 2);
	ck_assert_int_eq(intx_level(), 0);
	/* MSI off with a reason pending: INTx takes over */
	cfg_write(MSI_CAP + PCI_MSI_FLAGS, 0, 2);
	ck_assert_int_eq(intx_level(), 1);
	wr(0x64, 0x1, 4);
	ck_assert_int_eq(intx_level(), 0);
}
END_TEST

START_TEST(test_dma_round_trip)
{
	uint8_t src[100], back[100], zero[100] = { 0 };
	unsigned i;

	build("edu");
	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(gmem_write(&b.mem, 0x100000, src, sizeof(src)), 0);
	/* RAM -> edu buffer at 0x40000 + 0x80 */
	wr(0x80, 0x100000, 8);
	wr(0x88, 0x40080, 8);
	wr(0x90, sizeof(src), 8);
	wr(0x98, 0x1, 8);
	ck_assert_uint_eq(rd(0x98, 8), 0x1);			/* running */
	wr(0x80, 0x5555, 8);					/* ignored while running */
	ck_assert_uint_eq(rd(0x80, 8), 0x100000);
	advance(20000);
	ck_assert_uint_eq(rd(0x98, 8), 0);
	/* edu -> RAM, with an interrupt */
	wr(0x80, 0x40080, 8);
	wr(0x88, 0x200000, 8);
	wr(0x98, 0x1 | 0x2 | 0x4, 8);
	ck_assert_int_eq(gmem_read(&b.mem, 0x200000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, zero, sizeof(back));		/* not before completion */
	advance(20000);
	ck_assert_int_eq(gmem_read(&b.mem, 0x200000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, src, sizeof(src));
	ck_assert_uint_eq(rd(0x98, 8), 0x6);
	ck_assert_uint_eq(rd(0x24, 4), 0x100);
	ck_assert_int_eq(intx_level(), 1);
	/* the address is clamped to the 28-bit DMA mask: 0x10200000 -> 0x200000 */
	wr(0x88, 0x10200000, 8);
	wr(0x80, 0x40080, 8);
	wr(0x98, 0x3, 8);
	ck_assert_int_eq(gmem_write(&b.mem, 0x200000, zero, sizeof(zero)), 0);
	advance(20000);
	ck_assert_int_eq(gmem_read(&b.mem, 0x200000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, src, sizeof(src));
}
END_TEST

/* Fill the buffer's first 64 bytes from RAM at 0x300000, then copy them to 0x400000. */
static void dma(uint64_t src, uint64_t dst, uint64_t cnt, uint64_t cmd)
{
	wr(0x80, src, 8);
	wr(0x88, dst, 8);
	wr(0x90, cnt, 8);
	wr(0x98, cmd, 8);
	advance(20000);
	ck_assert_uint_eq(rd(0x98, 8) & 1, 0);
}

START_TEST(test_dma_bad_addresses)
{
	uint8_t pat[64], back[64], ff[64];
	unsigned i;

	build("edu,dma_mask=0xffffffffff");
	memset(ff, 0xff, sizeof(ff));
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(0xa0 + i);
	ck_assert_int_eq(gmem_write(&b.mem, 0x300000, pat, sizeof(pat)), 0);
	ck_assert_int_eq(gmem_write(&b.mem, RAM_SIZE - 32, ff, 32), 0);
	dma(0x300000, 0x40000, sizeof(pat), 0x1);

	/* from beyond RAM, from across its end, from the PCI hole: the buffer keeps pat */
	dma(RAM_SIZE + 0x1000, 0x40000, sizeof(pat), 0x1);
	dma(RAM_SIZE - 32, 0x40000, sizeof(pat), 0x1);
	dma(EDU_BAR, 0x40000, sizeof(pat), 0x1);
	dma(~0ull - 8, 0x40000, sizeof(pat), 0x1);
	dma(0x40000, 0x400000, sizeof(pat), 0x3);
	ck_assert_int_eq(gmem_read(&b.mem, 0x400000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, pat, sizeof(pat));

	/* to beyond RAM and across its end: nothing written, RAM's last bytes intact */
	dma(0x40000, RAM_SIZE - 32, sizeof(pat), 0x3);
	ck_assert_int_eq(gmem_read(&b.mem, RAM_SIZE - 32, back, 32), 0);
	ck_assert_mem_eq(back, ff, 32);
	dma(0x40000, 0x100000000ull, sizeof(pat), 0x3);

	/* outside the device buffer, zero and huge counts: nothing moves, RUN clears */
	ck_assert_int_eq(gmem_write(&b.mem, 0x500000, ff, sizeof(ff)), 0);
	dma(0x40000 + 4096 - 32, 0x500000, 64, 0x3);		/* runs off the buffer */
	dma(0x3ffff, 0x500000, 16, 0x3);			/* starts before it */
	dma(0x40000, 0x500000, 0, 0x3);
	dma(0x40000, 0x500000, ~0ull, 0x3);
	dma(0x41000, 0x500000, 1, 0x3);
	ck_assert_int_eq(gmem_read(&b.mem, 0x500000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, ff, sizeof(ff));
	dma(0x500000, 0x41000 - 8, 64, 0x1);			/* into the buffer's end */
	/* the whole buffer, last byte included, is fine */
	dma(0x300000, 0x40000 + 4096 - 64, 64, 0x1);
	dma(0x40000 + 4096 - 64, 0x600000, 64, 0x3);
	ck_assert_int_eq(gmem_read(&b.mem, 0x600000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, pat, sizeof(pat));

	/* bus mastering off: nothing moves */
	ck_assert_int_eq(gmem_write(&b.mem, 0x700000, ff, sizeof(ff)), 0);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	dma(0x40000, 0x700000, 64, 0x3);
	ck_assert_int_eq(gmem_read(&b.mem, 0x700000, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, ff, sizeof(ff));
}
END_TEST

START_TEST(test_two_edus_and_devfn)
{
	const void *base = board_dtb("pc", NULL);
	size_t size = fdt_totalsize(base) + 4096;
	struct board_err err = { 0 };
	struct device *d1, *d2;

	fdt = malloc(size);
	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "edu,devfn=0x28", &err), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "edu", &err), 0);
	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "pc: %s", err.msg);
	d1 = device_find_type(&b, "edu", NULL);
	d2 = device_find_type(&b, "edu", d1);
	ck_assert_ptr_nonnull(d2);
	ck_assert_uint_eq(((struct pci_device *)d1)->devfn, 0x28);
	ck_assert_uint_eq(((struct pci_device *)d2)->devfn, PCI_DEVFN(2, 0));
	board_destroy(&b);
	/* the same devfn twice: the error names both */
	ck_assert_int_eq(board_fdt_add_device(fdt, "edu,devfn=0x28", &err), 0);
	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_int_eq(board_build(&b, fdt, &err), -EEXIST);
	ck_assert_str_eq(err.msg, "/edu@2: property 'devfn': 05.0 already used by /edu@0");
}
END_TEST

Suite *board_edu_suite(void)
{
	Suite *s = suite_create("board_edu");
	TCase *tc = tcase_create("edu");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_pci_identity);
	tcase_add_test(tc, test_id_liveness_sizes);
	tcase_add_test(tc, test_factorial_timer);
	tcase_add_test(tc, test_factorial_irq_intx_to_pic);
	tcase_add_test(tc, test_raise_ack_intx);
	tcase_add_test(tc, test_raise_ack_msi);
	tcase_add_test(tc, test_dma_round_trip);
	tcase_add_test(tc, test_dma_bad_addresses);
	tcase_add_test(tc, test_two_edus_and_devfn);
	suite_add_tcase(s, tc);
	return s;
}
