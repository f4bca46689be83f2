/*
 * The notification-area hook of board/virtio.h: a VMM (KVM ioeventfd) is
 * told where each queue's kick lands exactly while the queue is enabled,
 * the device is DRIVER_OK and the transport decodes the address; and a kick
 * it catches goes through virtio_queue_notify() as an exit would.
 * virtio-rng-pci on pc (a BAR that moves and stops decoding) and
 * virtio-rng-device in a virtio-mmio slot on microvm (one register, the
 * queue index as the value).
 */
#include <check.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/pci.h"
#include "board/virtio.h"
#include "board/virtio_dev.h"
#include "board/virtio_mmio.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

#define DEVFN		PCI_DEVFN(3, 0)
#define BAR4		0xe0010000ull
#define BAR4_MOVED	0xe0100000ull
#define SLOT0		0xfeb00000ull
#define DESC		0x100000ull
#define AVAIL		0x101000ull
#define USED		0x102000ull
#define BUF		0x110000ull
#define QSIZE		8

static struct board b;
static void *fdt;

struct report {
	struct virtio_device *vdev;
	unsigned q;
	bool valid;
	struct virtio_notify_area area;
};

static struct report rep[16];
static unsigned nrep;

static void record(void *opaque, struct virtio_device *vdev, unsigned q,
		   const struct virtio_notify_area *area)
{
	ck_assert_ptr_eq(opaque, &nrep);
	ck_assert_uint_lt(nrep, 16);
	rep[nrep] = (struct report){ .vdev = vdev, .q = q, .valid = area != NULL };
	if (area)
		rep[nrep].area = *area;
	nrep++;
}

static const struct virtio_notify_hook hook = { .changed = record, .opaque = &nrep };

static void build(const char *board, const char *dev)
{
	const void *base = board_dtb(board, NULL);
	size_t size = fdt_totalsize(base) + 4096;
	struct board_err err = { 0 };

	fdt = malloc(size);
	ck_assert_int_eq(fdt_open_into(base, fdt, (int)size), 0);
	ck_assert_msg(board_fdt_add_device(fdt, dev, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_msg(board_build(&b, fdt, &err) == 0, "%s: %s", board, err.msg);
	board_reset(&b, RESET_POWER_ON);
	nrep = 0;
	memset(b.mem.ram + DESC, 0, 0x3000);
}

static void teardown(void)
{
	if (fdt) {
		board_destroy(&b);
		free(fdt);
		fdt = NULL;
	}
}

static void cfg_write(unsigned reg, uint32_t val, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | DEVFN << 8 | (reg & 0xfc), 4);
	board_pio_write(&b, PCI_CONFIG_DATA + (reg & 3), val, size);
}

static void common_wr(uint64_t bar, unsigned off, uint64_t val, unsigned size)
{
	board_mmio_write(&b, bar + VIRTIO_PCI_COMMON_OFFSET + off, val, size);
}

static void post_buffer(uint16_t slot)
{
	uint64_t addr = BUF;
	uint32_t len = 16;
	uint16_t flags = VRING_DESC_F_WRITE, head = 0, idx = (uint16_t)(slot + 1);

	memcpy(b.mem.ram + DESC, &addr, 8);
	memcpy(b.mem.ram + DESC + 8, &len, 4);
	memcpy(b.mem.ram + DESC + 12, &flags, 2);
	memcpy(b.mem.ram + AVAIL + 4 + 2 * slot, &head, 2);
	memcpy(b.mem.ram + AVAIL + 2, &idx, 2);
}

static uint16_t used_idx(void)
{
	uint16_t v;

	memcpy(&v, b.mem.ram + USED + 2, 2);
	return v;
}

static struct virtio_device *pci_vdev(void)
{
	struct device *d = device_find_type(&b, "virtio-rng-pci", NULL);
	struct virtio_device *v = virtio_pci_vdev(d);

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->id, VIRTIO_ID_RNG);
	return v;
}

/* BAR4 at bar, memory decoding on, queue 0 enabled; DRIVER_OK if asked */
static void pci_setup(uint64_t bar, bool driver_ok)
{
	uint8_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;

	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR, (uint32_t)bar, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR + 4, 0, 4);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	common_wr(bar, VIRTIO_PCI_COMMON_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	common_wr(bar, VIRTIO_PCI_COMMON_GFSELECT, 1, 4);
	common_wr(bar, VIRTIO_PCI_COMMON_GF, 1, 4);
	common_wr(bar, VIRTIO_PCI_COMMON_STATUS, st, 1);
	common_wr(bar, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	common_wr(bar, VIRTIO_PCI_COMMON_Q_SIZE, QSIZE, 2);
	common_wr(bar, VIRTIO_PCI_COMMON_Q_DESCLO, DESC, 8);
	common_wr(bar, VIRTIO_PCI_COMMON_Q_AVAILLO, AVAIL, 8);
	common_wr(bar, VIRTIO_PCI_COMMON_Q_USEDLO, USED, 8);
	common_wr(bar, VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
	if (driver_ok)
		common_wr(bar, VIRTIO_PCI_COMMON_STATUS, st | VIRTIO_STATUS_DRIVER_OK, 1);
}

static void assert_pci_area(unsigned i, struct virtio_device *v, uint64_t bar)
{
	ck_assert_uint_lt(i, nrep);
	ck_assert_ptr_eq(rep[i].vdev, v);
	ck_assert_uint_eq(rep[i].q, 0);
	ck_assert(rep[i].valid);
	ck_assert_uint_eq(rep[i].area.addr, bar + VIRTIO_PCI_NOTIFY_OFFSET);
	ck_assert_uint_eq(rep[i].area.len, 2);
	ck_assert(!rep[i].area.pio);
	ck_assert(!rep[i].area.datamatch);
}

static void assert_gone(unsigned i, struct virtio_device *v)
{
	ck_assert_uint_lt(i, nrep);
	ck_assert_ptr_eq(rep[i].vdev, v);
	ck_assert_uint_eq(rep[i].q, 0);
	ck_assert(!rep[i].valid);
}

START_TEST(test_pci_valid_only_while_driver_ok)
{
	struct virtio_device *v;

	build("pc", "virtio-rng-pci,devfn=0x18");
	v = pci_vdev();
	virtio_set_notify_hook(v, &hook);
	ck_assert_uint_eq(nrep, 0);
	pci_setup(BAR4, false);
	ck_assert_uint_eq(nrep, 0);		/* enabled, but not DRIVER_OK yet */
	common_wr(BAR4, VIRTIO_PCI_COMMON_STATUS, 0xf, 1);
	ck_assert_uint_eq(nrep, 1);
	assert_pci_area(0, v, BAR4);
	/* unrelated writes report nothing new */
	common_wr(BAR4, VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	ck_assert_uint_eq(nrep, 1);

	/* a caught kick serves the queue as the exit would */
	post_buffer(0);
	virtio_queue_notify(v, 0);
	ck_assert_uint_eq(used_idx(), 1);
	virtio_queue_notify(v, 1);		/* no such queue: logged, nothing else */
	virtio_queue_notify(v, ~0u);
	ck_assert_uint_eq(used_idx(), 1);

	/* device reset */
	common_wr(BAR4, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	ck_assert_uint_eq(nrep, 2);
	assert_gone(1, v);
	/* a kick after the reset does nothing, however it arrives */
	post_buffer(1);
	virtio_queue_notify(v, 0);
	ck_assert_uint_eq(used_idx(), 1);
	virtio_set_notify_hook(v, NULL);
	ck_assert_uint_eq(nrep, 2);
	teardown();
}
END_TEST

START_TEST(test_pci_bar_moves_and_decoding)
{
	struct virtio_device *v;

	build("pc", "virtio-rng-pci,devfn=0x18");
	v = pci_vdev();
	virtio_set_notify_hook(v, &hook);
	pci_setup(BAR4, true);
	ck_assert_uint_eq(nrep, 1);
	assert_pci_area(0, v, BAR4);

	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR, (uint32_t)BAR4_MOVED, 4);
	ck_assert_uint_eq(nrep, 3);
	assert_gone(1, v);
	assert_pci_area(2, v, BAR4_MOVED);

	cfg_write(PCI_COMMAND, PCI_COMMAND_MASTER, 2);	/* memory decoding off */
	ck_assert_uint_eq(nrep, 4);
	assert_gone(3, v);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	ck_assert_uint_eq(nrep, 5);
	assert_pci_area(4, v, BAR4_MOVED);

	/* sizing with decoding off (as Linux does): nothing decodes meanwhile */
	cfg_write(PCI_COMMAND, PCI_COMMAND_MASTER, 2);
	ck_assert_uint_eq(nrep, 6);
	assert_gone(5, v);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR, 0xffffffff, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR + 4, 0xffffffff, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR, (uint32_t)BAR4, 4);
	cfg_write(PCI_BASE_ADDRESS_0 + 4 * VIRTIO_PCI_MODERN_BAR + 4, 0, 4);
	ck_assert_uint_eq(nrep, 6);
	cfg_write(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
	ck_assert_uint_eq(nrep, 7);
	assert_pci_area(6, v, BAR4);

	/* system reset: header and device back to reset */
	board_reset(&b, RESET_GUEST_OTHER);
	ck_assert_uint_eq(nrep, 8);
	assert_gone(7, v);
	teardown();
}
END_TEST

START_TEST(test_pci_hook_replaced)
{
	struct virtio_device *v;

	build("pc", "virtio-rng-pci,devfn=0x18");
	v = pci_vdev();
	pci_setup(BAR4, true);
	ck_assert_uint_eq(nrep, 0);		/* no hook: nothing to tell */
	virtio_set_notify_hook(v, &hook);	/* told the current area at once */
	ck_assert_uint_eq(nrep, 1);
	assert_pci_area(0, v, BAR4);
	virtio_set_notify_hook(v, &hook);	/* re-install: gone, then back */
	ck_assert_uint_eq(nrep, 3);
	assert_gone(1, v);
	assert_pci_area(2, v, BAR4);
	virtio_set_notify_hook(v, NULL);	/* the old hook learns it is all gone */
	ck_assert_uint_eq(nrep, 4);
	assert_gone(3, v);
	common_wr(BAR4, VIRTIO_PCI_COMMON_STATUS, 0, 1);
	ck_assert_uint_eq(nrep, 4);
	teardown();
}
END_TEST

START_TEST(test_pci_vdev_lookup)
{
	struct device *d;

	build("pc", "virtio-rng-pci,devfn=0x18");
	ck_assert_ptr_null(virtio_pci_vdev(NULL));
	ck_assert_ptr_null(virtio_mmio_vdev(NULL));
	for (d = b.devices; d; d = d->next) {
		bool rng = d->type && !strcmp(d->type->name, "virtio-rng-pci");

		ck_assert_msg((virtio_pci_vdev(d) != NULL) == rng, "%s", d->name);
		ck_assert_ptr_null(virtio_mmio_vdev(d));
	}
	teardown();
}
END_TEST

/* ioeventfd=off: the device never reports an area; kicks stay exits */
START_TEST(test_pci_ioeventfd_off)
{
	struct virtio_device *v;

	build("pc", "virtio-rng-pci,devfn=0x18,ioeventfd=off");
	v = pci_vdev();
	virtio_set_notify_hook(v, &hook);
	pci_setup(BAR4, true);
	ck_assert_uint_eq(nrep, 0);
	post_buffer(0);
	board_mmio_write(&b, BAR4 + VIRTIO_PCI_NOTIFY_OFFSET, 0, 2);
	ck_assert_uint_eq(used_idx(), 1);
	virtio_set_notify_hook(v, NULL);
	ck_assert_uint_eq(nrep, 0);
	teardown();
}
END_TEST

/* ---- virtio-mmio ---- */

static void mmio_wr(unsigned off, uint32_t val)
{
	board_mmio_write(&b, SLOT0 + off, val, 4);
}

static struct virtio_device *mmio_vdev_of(uint16_t id)
{
	struct device *slot = device_find_type(&b, "virtio-mmio", NULL);
	struct device *next = device_find_type(&b, "virtio-mmio", slot);
	struct virtio_device *v = virtio_mmio_vdev(slot);

	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->id, id);
	ck_assert_ptr_null(virtio_mmio_vdev(next));		/* empty slot */
	ck_assert_ptr_null(virtio_pci_vdev(slot));
	return v;
}

static struct virtio_device *mmio_vdev(void)
{
	struct virtio_device *v = mmio_vdev_of(VIRTIO_ID_RNG);

	/* the backend device itself is not a slot */
	ck_assert_ptr_null(virtio_mmio_vdev(device_find_type(&b, "virtio-rng-device", NULL)));
	return v;
}

START_TEST(test_mmio_datamatch_area)
{
	struct virtio_device *v;

	build("microvm", "virtio-rng-device");
	v = mmio_vdev();
	virtio_set_notify_hook(v, &hook);
	mmio_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_wr(VIRTIO_MMIO_STATUS, 0xb);
	mmio_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	mmio_wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	mmio_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, DESC);
	mmio_wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, AVAIL);
	mmio_wr(VIRTIO_MMIO_QUEUE_USED_LOW, USED);
	mmio_wr(VIRTIO_MMIO_STATUS, 0xf);
	ck_assert_uint_eq(nrep, 0);		/* DRIVER_OK, but the queue is not ready */
	mmio_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(nrep, 1);
	ck_assert(rep[0].valid);
	ck_assert_uint_eq(rep[0].area.addr, SLOT0 + VIRTIO_MMIO_QUEUE_NOTIFY);
	ck_assert_uint_eq(rep[0].area.len, 4);
	ck_assert(rep[0].area.datamatch);
	ck_assert_uint_eq(rep[0].area.data, 0);

	post_buffer(0);
	virtio_queue_notify(v, 0);
	ck_assert_uint_eq(used_idx(), 1);

	mmio_wr(VIRTIO_MMIO_QUEUE_READY, 0);	/* Linux deleting the queue */
	ck_assert_uint_eq(nrep, 2);
	assert_gone(1, v);
	mmio_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(nrep, 3);
	ck_assert(rep[2].valid && rep[2].area.datamatch && rep[2].area.data == 0);
	mmio_wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(nrep, 4);
	assert_gone(3, v);
	teardown();
}
END_TEST

/* Two queues on one register: each is told apart by its index as the value. */
START_TEST(test_mmio_two_queues)
{
	struct virtio_net_backend *lo = virtio_net_loopback_new("nq0");
	struct virtio_device *v;

	ck_assert_ptr_nonnull(lo);
	build("microvm", "virtio-net-device,netdev=nq0");
	v = mmio_vdev_of(VIRTIO_ID_NET);
	virtio_set_notify_hook(v, &hook);
	mmio_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	mmio_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
	mmio_wr(VIRTIO_MMIO_STATUS, 0xb);
	for (unsigned q = 0; q < 2; q++) {
		mmio_wr(VIRTIO_MMIO_QUEUE_SEL, q);
		mmio_wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		mmio_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(DESC + 0x10000 * q));
		mmio_wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(AVAIL + 0x10000 * q));
		mmio_wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(USED + 0x10000 * q));
		mmio_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	}
	ck_assert_uint_eq(nrep, 0);
	mmio_wr(VIRTIO_MMIO_STATUS, 0xf);	/* both at once with DRIVER_OK */
	ck_assert_uint_eq(nrep, 2);
	for (unsigned q = 0; q < 2; q++) {
		ck_assert_uint_eq(rep[q].q, q);
		ck_assert(rep[q].valid && rep[q].area.datamatch);
		ck_assert_uint_eq(rep[q].area.addr, SLOT0 + VIRTIO_MMIO_QUEUE_NOTIFY);
		ck_assert_uint_eq(rep[q].area.data, q);
	}
	mmio_wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	mmio_wr(VIRTIO_MMIO_QUEUE_READY, 0);	/* only queue 1 goes */
	ck_assert_uint_eq(nrep, 3);
	ck_assert(!rep[2].valid);
	ck_assert_uint_eq(rep[2].q, 1);
	board_reset(&b, RESET_GUEST_OTHER);	/* and queue 0 with the system reset */
	ck_assert_uint_eq(nrep, 4);
	ck_assert(!rep[3].valid);
	ck_assert_uint_eq(rep[3].q, 0);
	teardown();
	virtio_net_backend_free(lo);
}
END_TEST

Suite *board_virtio_notify_suite(void)
{
	Suite *s = suite_create("board_virtio_notify");
	TCase *tc = tcase_create("notify");

	tcase_add_test(tc, test_pci_valid_only_while_driver_ok);
	tcase_add_test(tc, test_pci_bar_moves_and_decoding);
	tcase_add_test(tc, test_pci_hook_replaced);
	tcase_add_test(tc, test_pci_vdev_lookup);
	tcase_add_test(tc, test_pci_ioeventfd_off);
	tcase_add_test(tc, test_mmio_datamatch_area);
	tcase_add_test(tc, test_mmio_two_queues);
	suite_add_tcase(s, tc);
	return s;
}
