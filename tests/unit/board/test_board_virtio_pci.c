/*
 * The virtio-pci modern transport, driven the way Linux's virtio_pci_modern
 * does it, on the pc board with "-device virtio-rng-pci": identity and
 * capability list, feature negotiation and the status sequence, queue setup
 * through the common config, notification, MSI-X vectors (queue and config),
 * ISR read-to-clear with INTx, NEEDS_RESET on a malformed ring, reset, and
 * bad register accesses.
 */
#include <check.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/pci.h"
#include "board/pci_msi.h"
#include "board/virtio.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

#define DEVFN		PCI_DEVFN(2, 0)
#define PIRQ		1			/* slot 2 INTA -> PIRQB */
#define BAR1		0xe0000000ull
#define BAR4		0xe0010000ull
#define DESC		0x100000ull
#define AVAIL		0x101000ull
#define USED		0x102000ull
#define BUF		0x110000ull
#define QSIZE		8

static struct board b;
static void *fdt;
static unsigned msix_cap;

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
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | DEVFN << 8 | (reg & 0xfc), 4);
	return (uint32_t)board_pio_read(&b, PCI_CONFIG_DATA + (reg & 3), size);
}

static void cfg_write(unsigned reg, uint32_t val, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | DEVFN << 8 | (reg & 0xfc), 4);
	board_pio_write(&b, PCI_CONFIG_DATA + (reg & 3), val, size);
}

static uint64_t common_rd(unsigned off, unsigned size)
{
	return board_mmio_read(&b, BAR4 + VIRTIO_PCI_COMMON_OFFSET + off, size);
}
static void common_wr(unsigned off, uint64_t val, unsigned size)
{
	board_mmio_write(&b, BAR4 + VIRTIO_PCI_COMMON_OFFSET + off, val, size);
}
static uint8_t status(void) { return (uint8_t)common_rd(VIRTIO_PCI_COMMON_STATUS, 1); }
static void set_status(uint8_t s) { common_wr(VIRTIO_PCI_COMMON_STATUS, s, 1); }

static void build(const char *opts)
{
	const void *base = board_dtb("pc", NULL);
	size_t size = fdt_totalsize(base) + 4096;
	struct board_err err = { 0 };

	fdt = malloc(size);
	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	ck_assert_msg(board_fdt_add_device(fdt, opts, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "pc: %s", err.msg);
	board_reset(&b, RESET_POWER_ON);
	b.msi.send = msi_capture;
	msi_count = 0;
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MSIX_BAR, (uint32_t)BAR1, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR, (uint32_t)BAR4, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR + 4, 0, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	msix_cap = pci_find_capability(pci_bus_device(pci_bus_of(device_find_type(&b,
					"virtio-rng-pci", NULL)), DEVFN), PCI_CAP_ID_MSIX);
	ck_assert_uint_ne(msix_cap, 0);
}

static void teardown(void)
{
	if (fdt) {
		board_destroy(&b);
		free(fdt);
		fdt = NULL;
	}
}

static void msix_entry(unsigned v, uint32_t data)
{
	board_mmio_write(&b, BAR1 + 16 * v + PCI_MSIX_ENTRY_ADDR_LO, 0xfee00000, 4);
	board_mmio_write(&b, BAR1 + 16 * v + PCI_MSIX_ENTRY_ADDR_HI, 0, 4);
	board_mmio_write(&b, BAR1 + 16 * v + PCI_MSIX_ENTRY_DATA, data, 4);
	board_mmio_write(&b, BAR1 + 16 * v + PCI_MSIX_ENTRY_CTRL, 0, 4);
}

static void msix_enable(bool on)
{
	cfg_write(msix_cap + PCI_MSIX_FLAGS, on ? PCI_MSIX_FLAGS_ENABLE : 0, 2);
}

/* Linux: reset, ACK, DRIVER, features, FEATURES_OK and its check */
static void negotiate(void)
{
	set_status(0);
	ck_assert_uint_eq(status(), 0);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 1u << VIRTIO_F_INDIRECT_DESC, 4);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 1, 4);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK);
}

/* queue 0 of QSIZE at DESC/AVAIL/USED with vector 1, then DRIVER_OK */
static void setup_queue(void)
{
	memset(b.mem.ram + DESC, 0, 0x3000);
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, QSIZE, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, (uint32_t)DESC, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_DESCHI, 0, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_AVAILLO, AVAIL, 8);	/* a 64-bit write also works */
	common_wr(VIRTIO_PCI_COMMON_Q_USEDLO, (uint32_t)USED, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_USEDHI, 0, 4);
	common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 1, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_NOFF, 2), 0);
	common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
		   VIRTIO_STATUS_DRIVER_OK);
}

static void post_buffer(uint16_t slot, uint16_t head, uint32_t len)
{
	uint8_t d[16] = { 0 };
	uint64_t addr = BUF + 0x100 * head;
	uint16_t flags = VRING_DESC_F_WRITE, idx;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(b.mem.ram + DESC + 16 * head, d, 16);
	memcpy(b.mem.ram + AVAIL + 4 + 2 * (slot % QSIZE), &head, 2);
	idx = (uint16_t)(slot + 1);
	memcpy(b.mem.ram + AVAIL + 2, &idx, 2);
}

static void kick(unsigned q)
{
	board_mmio_write(&b, BAR4 + VIRTIO_PCI_NOTIFY_OFFSET + VIRTIO_PCI_NOTIFY_OFF_MULT * q, q, 2);
}

static uint16_t used_idx(void)
{
	uint16_t v;

	memcpy(&v, b.mem.ram + USED + 2, 2);
	return v;
}

static int intx(void) { return board_gsi_line(&b, GSI_PIRQ_BASE + PIRQ)->level; }

START_TEST(test_identity_and_caps)
{
	unsigned p, types = 0;

	build("virtio-rng-pci");
	ck_assert_uint_eq(cfg_read(PCI_VENDOR_ID, 4), 0x10441af4);
	ck_assert_uint_eq(cfg_read(PCI_REVISION_ID, 4), 0x00ff0001);
	ck_assert_uint_eq(cfg_read(PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
	ck_assert_uint_eq(cfg_read(PCI_INTERRUPT_PIN, 1), 1);
	ck_assert_uint_ne(cfg_read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	/* BAR sizes: BAR1 4 KiB 32-bit, BAR4 16 KiB 64-bit prefetchable */
	cfg_write(PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(PCI_BASE_ADDRESS_0 + 4, 4), 0xfffff000);
	cfg_write(PCI_BASE_ADDRESS_0 + 16, 0xffffffff, 4);
	ck_assert_uint_eq(cfg_read(PCI_BASE_ADDRESS_0 + 16, 4), 0xffffc00c);
	cfg_write(PCI_BASE_ADDRESS_0 + 4, (uint32_t)BAR1, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 16, (uint32_t)BAR4, 4);
	/* walk the list: MSI-X with 2 vectors (1 queue + config), then the virtio caps */
	for (p = cfg_read(PCI_CAPABILITY_LIST, 1); p; p = cfg_read(p + 1, 1)) {
		unsigned id = cfg_read(p, 1);

		if (id == PCI_CAP_ID_MSIX) {
			ck_assert_uint_eq(cfg_read(p + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 1);
			ck_assert_uint_eq(cfg_read(p + PCI_MSIX_TABLE, 4), VIRTIO_PCI_MSIX_BAR);
			ck_assert_uint_eq(cfg_read(p + PCI_MSIX_PBA, 4),
					  VIRTIO_PCI_MSIX_PBA_OFFSET | VIRTIO_PCI_MSIX_BAR);
			continue;
		}
		ck_assert_uint_eq(id, PCI_CAP_ID_VNDR);
		ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_CAP_BAR, 1), VIRTIO_PCI_MODERN_BAR);
		switch (cfg_read(p + VIRTIO_PCI_CAP_CFG_TYPE, 1)) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			ck_assert_uint_eq(cfg_read(p + 2, 1), 16);
			ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_CAP_OFFSET, 4), 0);
			ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_CAP_LENGTH, 4), 0x38);
			types |= 1u << 1;
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			ck_assert_uint_eq(cfg_read(p + 2, 1), 20);
			ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_CAP_OFFSET, 4), 0x3000);
			ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_CAP_LENGTH, 4), 4);
			ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_NOTIFY_MULTIPLIER, 4), 4);
			types |= 1u << 2;
			break;
		case VIRTIO_PCI_CAP_ISR_CFG:
			ck_assert_uint_eq(cfg_read(p + VIRTIO_PCI_CAP_OFFSET, 4), 0x1000);
			types |= 1u << 3;
			break;
		default:
			ck_abort_msg("unexpected virtio capability type %u",
				     cfg_read(p + VIRTIO_PCI_CAP_CFG_TYPE, 1));
		}
	}
	ck_assert_uint_eq(types, 0xe);		/* rng has no device config: no type 4 */
}
END_TEST

START_TEST(test_features_and_status_sequence)
{
	build("virtio-rng-pci");
	set_status(0);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_NO_VECTOR);
	common_wr(VIRTIO_PCI_COMMON_DFSELECT, 0, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_DF, 4),
			  (1u << VIRTIO_F_INDIRECT_DESC) | (1u << VIRTIO_F_EVENT_IDX));
	common_wr(VIRTIO_PCI_COMMON_DFSELECT, 1, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_DF, 4), 1);	/* VERSION_1 */
	common_wr(VIRTIO_PCI_COMMON_DFSELECT, 2, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_DF, 4), 0);
	/* a legacy-only driver (no VERSION_1) is refused */
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	common_wr(VIRTIO_PCI_COMMON_GF, 1u << VIRTIO_F_INDIRECT_DESC, 4);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(status() & VIRTIO_STATUS_FEATURES_OK, 0);
	/* the real sequence */
	negotiate();
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 0, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), 1u << VIRTIO_F_INDIRECT_DESC);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), 1);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_CFGGENERATION, 1), 0);
	setup_queue();
	ck_assert_uint_eq(status(), 0x0f);
	/* queue 1 does not exist: size 0, and writes to it go nowhere */
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	/* an enabled queue's size and addresses are frozen */
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 4, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_DESCLO, 0x5000, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), QSIZE);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), (uint32_t)DESC);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_AVAILLO, 8), AVAIL);
	/* reset puts everything back */
	set_status(0);
	ck_assert_uint_eq(status(), 0);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	common_wr(VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_GF, 4), 0);
}
END_TEST

START_TEST(test_msix_queue_and_config_vectors)
{
	uint8_t zero[32] = { 0 };

	build("virtio-rng-pci");
	msix_entry(0, 0x30);
	msix_entry(1, 0x31);
	msix_enable(true);
	negotiate();
	common_wr(VIRTIO_PCI_COMMON_MSIX, 0, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_MSIX, 2), 0);
	/* a vector past the 2-entry table reads back as NO_VECTOR */
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_NO_VECTOR);
	setup_queue();
	memset(b.mem.ram + BUF, 0, 0x100);
	post_buffer(0, 0, 32);
	kick(0);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(*(uint32_t *)(b.mem.ram + USED + 8), 32);
	ck_assert_int_ne(memcmp(b.mem.ram + BUF, zero, 32), 0);	/* 2^-256 to fail */
	ck_assert_int_eq(memcmp(b.mem.ram + BUF + 32, zero, 32), 0);	/* not one byte more */
	ck_assert_int_eq(msi_count, 1);
	ck_assert_uint_eq(msi_addr, 0xfee00000);
	ck_assert_uint_eq(msi_data, 0x31);
	ck_assert_int_eq(intx(), 0);
	/* ISR is not used with MSI-X */
	ck_assert_uint_eq(board_mmio_read(&b, BAR4 + VIRTIO_PCI_ISR_OFFSET, 1), 0);
	/* a masked vector becomes pending, and goes out on unmask */
	board_mmio_write(&b, BAR1 + 16 + PCI_MSIX_ENTRY_CTRL, 1, 4);
	post_buffer(1, 1, 16);
	kick(0);
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert_int_eq(msi_count, 1);
	board_mmio_write(&b, BAR1 + 16 + PCI_MSIX_ENTRY_CTRL, 0, 4);
	ck_assert_int_eq(msi_count, 2);
	/* a malformed ring: NEEDS_RESET and the config vector */
	post_buffer(2, QSIZE + 1, 16);
	kick(0);
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert_uint_ne(status() & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_int_eq(msi_count, 3);
	ck_assert_uint_eq(msi_data, 0x30);
	/* the driver resets and the device works again */
	negotiate();
	setup_queue();
	post_buffer(0, 0, 8);
	kick(0);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_int_eq(msi_count, 4);
}
END_TEST

START_TEST(test_intx_and_isr)
{
	build("virtio-rng-pci");
	negotiate();
	setup_queue();
	ck_assert_int_eq(intx(), 0);
	post_buffer(0, 0, 16);
	kick(0);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_int_eq(msi_count, 0);
	ck_assert_int_eq(intx(), 1);
	ck_assert_uint_ne(cfg_read(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, 0);
	/* read-to-clear */
	ck_assert_uint_eq(board_mmio_read(&b, BAR4 + VIRTIO_PCI_ISR_OFFSET, 1), VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(intx(), 0);
	ck_assert_uint_eq(board_mmio_read(&b, BAR4 + VIRTIO_PCI_ISR_OFFSET, 1), 0);
	/* enabling MSI-X silences a pending INTx */
	post_buffer(1, 1, 16);
	kick(0);
	ck_assert_int_eq(intx(), 1);
	msix_enable(true);
	ck_assert_int_eq(intx(), 0);
	msix_enable(false);
	ck_assert_int_eq(intx(), 1);
	/* a reset drops the line */
	set_status(0);
	ck_assert_int_eq(intx(), 0);
	/* NEEDS_RESET after DRIVER_OK: ISR bit 1 */
	negotiate();
	setup_queue();
	post_buffer(0, QSIZE, 16);
	kick(0);
	ck_assert_int_eq(intx(), 1);
	ck_assert_uint_eq(board_mmio_read(&b, BAR4 + VIRTIO_PCI_ISR_OFFSET, 1), VIRTIO_ISR_CONFIG);
	ck_assert_int_eq(intx(), 0);
}
END_TEST

START_TEST(test_system_reset)
{
	build("virtio-rng-pci");
	msix_entry(1, 0x31);
	msix_enable(true);
	negotiate();
	setup_queue();
	board_reset(&b, RESET_CF9);
	/* the PCI header is back to reset: BARs off; reprogram and look */
	ck_assert_uint_eq(cfg_read(PCI_COMMAND, 2), 0);
	ck_assert_uint_eq(cfg_read(msix_cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE, 0);
	cfg_write(PCI_BASE_ADDRESS_0 + 16, (uint32_t)BAR4, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	ck_assert_uint_eq(status(), 0);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
}
END_TEST

START_TEST(test_bad_accesses)
{
	build("virtio-rng-pci,vectors=4");
	ck_assert_uint_eq(cfg_read(msix_cap + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_QSIZE, 3);
	negotiate();
	/* wrong widths: ignored */
	common_wr(VIRTIO_PCI_COMMON_STATUS, 0, 4);
	ck_assert_uint_ne(status(), 0);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_DF, 1), 0);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_SIZE, 4), 0);
	/* read-only fields */
	common_wr(VIRTIO_PCI_COMMON_NUMQ, 7, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	/* a queue size that is not a power of two: enable refused, NEEDS_RESET */
	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 6, 2);
	common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	ck_assert_uint_eq(common_rd(VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	ck_assert_uint_ne(status() & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* notify for a queue that does not exist, unaligned, past the end: harmless */
	kick(3);
	board_mmio_write(&b, BAR4 + VIRTIO_PCI_NOTIFY_OFFSET + 1, 0, 1);
	board_mmio_write(&b, BAR4 + 0x3ff8, ~0ull, 8);
	ck_assert_uint_eq(board_mmio_read(&b, BAR4 + 0x3ff8, 8), 0);
	/* device config does not exist for rng */
	ck_assert_uint_eq(board_mmio_read(&b, BAR4 + VIRTIO_PCI_DEVICE_OFFSET, 4), 0);
	board_mmio_write(&b, BAR4 + VIRTIO_PCI_DEVICE_OFFSET, 1, 4);
	/* too many vectors is a clean error */
	teardown();
	{
		const void *base = board_dtb("pc", NULL);
		size_t size = fdt_totalsize(base) + 4096;
		struct board_err err = { 0 };

		fdt = malloc(size);
		ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
		ck_assert_int_eq(board_fdt_add_device(fdt, "virtio-rng-pci,vectors=129", &err), 0);
		ck_assert_int_eq(board_init(&b), 0);
		ck_assert_int_lt(board_build(&b, fdt, &err), 0);
		ck_assert_msg(strstr(err.msg, "vectors"), "%s", err.msg);
	}
}
END_TEST

Suite *board_virtio_pci_suite(void)
{
	Suite *s = suite_create("board_virtio_pci");
	TCase *tc = tcase_create("transport");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_identity_and_caps);
	tcase_add_test(tc, test_features_and_status_sequence);
	tcase_add_test(tc, test_msix_queue_and_config_vectors);
	tcase_add_test(tc, test_intx_and_isr);
	tcase_add_test(tc, test_system_reset);
	tcase_add_test(tc, test_bad_accesses);
	suite_add_tcase(s, tc);
	return s;
}
