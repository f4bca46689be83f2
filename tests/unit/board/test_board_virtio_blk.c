/*
 * virtio-blk on a temporary raw file, through a virtio-mmio slot of the
 * microvm board: identity, features and config, read/write/flush/get-id
 * through the ring with completion from the worker thread (default and with
 * a VMM-style notifier), out-of-range sectors and bad lengths ->
 * VIRTIO_BLK_S_IOERR with the file untouched, unsupported requests, read-only
 * drives, malformed requests -> NEEDS_RESET, reset with requests in flight,
 * and -drive / drive= errors.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "board/pci.h"
#include "board/virtio_dev.h"
#include "tests/unit/board/test_board_virtio_driver.h"
#include "tests/unit/common/harness.h"

#define SECTORS		64
#define HDR		VD_BUF_BASE
#define DATA		(VD_BUF_BASE + 0x1000)
#define STATUS		(VD_BUF_BASE + 0x20000)
#define TIMEOUT_MS	5000

static char *path;
static struct virtio_drive *drive;
static struct device *dev;

static void make_disk(void)
{
	static uint8_t img[SECTORS * 512];

	for (unsigned i = 0; i < SECTORS; i++)
		memset(img + 512 * i, i, 512);
	path = harness_write_temp(img, sizeof(img), ".img");
	ck_assert_ptr_nonnull(path);
}

static void add_drive(const char *extra)
{
	char opts[512];
	struct board_err err = { 0 };
	bool want = true;

	snprintf(opts, sizeof(opts), "file=%s,if=none,id=hd0%s", path, extra);
	ck_assert_msg(virtio_drive_add(opts, &drive, &want, &err) == 0, "%s", err.msg);
	ck_assert(!want);
}

static void setup(void)
{
	make_disk();
	drive = NULL;
	dev = NULL;
}

static void teardown(void)
{
	vd_destroy();
	virtio_drive_free(drive);
	drive = NULL;
	if (path) {
		unlink(path);
		free(path);
		path = NULL;
	}
}

static void start(const char *drive_extra, const char *dev_opts)
{
	const char *devs[] = { dev_opts ? dev_opts : "virtio-blk-device,drive=hd0", NULL };

	add_drive(drive_extra ? drive_extra : "");
	vd_build("microvm", devs);
	dev = device_find_type(&vd_board, "virtio-blk-device", NULL);
	ck_assert_ptr_nonnull(dev);
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) |
				       VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)), 0x0b);
	vd_queue_setup(0, 16);
	vd_driver_ok();
}

static void put_hdr(uint32_t type, uint64_t sector)
{
	uint8_t *h = vd_ram(HDR);

	memset(h, 0, 16);
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	*vd_ram(STATUS) = 0xee;
}

/* header, one data buffer (device-writable for reads), status; returns used len */
static uint32_t request(uint32_t type, uint64_t sector, uint32_t len, bool dev_writes)
{
	struct vd_buf bufs[3] = {
		{ HDR, 16, false },
		{ DATA, len, dev_writes },
		{ STATUS, 1, true },
	};
	uint32_t id, used_len;
	uint16_t head;

	put_hdr(type, sector);
	if (len)
		head = vd_post(0, bufs, 3);
	else
		head = vd_post(0, (struct vd_buf[]){ bufs[0], bufs[2] }, 2);
	vd_kick(0);
	ck_assert_msg(vd_get_used(0, &id, &used_len, TIMEOUT_MS), "no completion");
	ck_assert_uint_eq(id, head);
	return used_len;
}

static uint8_t file_byte(uint64_t off)
{
	int fd = open(path, O_RDONLY);
	uint8_t v = 0;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 1, (off_t)off), 1);
	close(fd);
	return v;
}

START_TEST(test_identity_and_config)
{
	start(NULL, NULL);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES),
			  (1u << VIRTIO_BLK_F_SEG_MAX) | (1u << VIRTIO_BLK_F_BLK_SIZE) |
			  (1u << VIRTIO_BLK_F_FLUSH) | (1u << VIRTIO_F_INDIRECT_DESC) |
			  (1u << VIRTIO_F_EVENT_IDX));
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES), 1);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x100, 8), SECTORS);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x100, 4), SECTORS);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x104, 4), 0);
	ck_assert_uint_eq(vd_rd(0x100 + VIRTIO_BLK_CFG_SEG_MAX), 254);
	ck_assert_uint_eq(vd_rd(0x100 + VIRTIO_BLK_CFG_BLK_SIZE), 512);
	/* past the config: 0 */
	ck_assert_uint_eq(vd_rd(0x100 + VIRTIO_BLK_CFG_LEN), 0);
	/* the other slots stay empty: device ID 0 */
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x200 + VIRTIO_MMIO_DEVICE_ID, 4), 0);
}
END_TEST

START_TEST(test_read_write_flush_getid)
{
	uint8_t expect[1024];

	start(",serial=bringup-disk-0001", NULL);
	/* read sectors 3 and 4 */
	memset(vd_ram(DATA), 0x55, 2048);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 3, 1024, true), 1025);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_OK);
	memset(expect, 3, 512);
	memset(expect + 512, 4, 512);
	ck_assert_int_eq(memcmp(vd_ram(DATA), expect, 1024), 0);
	ck_assert_uint_eq(*vd_ram(DATA + 1024), 0x55);		/* nothing past the buffer */
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 1);
	vd_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 0);
	/* write sector 10 (the last one of the disk too) */
	memset(vd_ram(DATA), 0xab, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 10, 512, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(file_byte(10 * 512), 0xab);
	ck_assert_uint_eq(file_byte(10 * 512 + 511), 0xab);
	ck_assert_uint_eq(file_byte(11 * 512), 11);
	memset(vd_ram(DATA), 0xcd, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, SECTORS - 1, 512, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(file_byte(SECTORS * 512 - 1), 0xcd);
	/* read back what we wrote */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 10, 512, true), 513);
	ck_assert_uint_eq(*vd_ram(DATA + 7), 0xab);
	/* flush: no data buffer */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_OK);
	/* get-id: 20 bytes */
	memset(vd_ram(DATA), 0x77, 32);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_GET_ID, 0, 32, true), 21);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(memcmp(vd_ram(DATA), "bringup-disk-0001\0\0\0", 20), 0);
	ck_assert_uint_eq(*vd_ram(DATA + 20), 0x77);
}
END_TEST

START_TEST(test_bad_requests)
{
	start(NULL, NULL);
	/* reads and writes that leave the disk: IOERR, nothing transferred */
	memset(vd_ram(DATA), 0x55, 1024);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SECTORS - 1, 1024, true), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(*vd_ram(DATA), 0x55);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SECTORS, 512, true), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, UINT64_MAX / 256, 512, true), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, UINT64_MAX, 512, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(file_byte((SECTORS - 1) * 512), SECTORS - 1);
	/* a length that is not whole sectors */
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, 100, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(file_byte(0), 0);
	/* unknown type */
	ck_assert_uint_eq(request(11, 0, 512, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_UNSUPP);
	/* still healthy */
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* a request without a status byte is malformed: NEEDS_RESET */
	put_hdr(VIRTIO_BLK_T_IN, 0);
	vd_post(0, (struct vd_buf[]){ { HDR, 16, false } }, 1);
	vd_kick(0);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_ISR_CONFIG, 0);
	ck_assert_uint_eq(virtio_blk_inflight(dev), 0);
	/* a short header is malformed too */
	vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vd_queue_setup(0, 16);
	vd_driver_ok();
	vd_post(0, (struct vd_buf[]){ { HDR, 8, false }, { STATUS, 1, true } }, 2);
	vd_kick(0);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
}
END_TEST

START_TEST(test_readonly)
{
	start(",readonly=on", NULL);
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_BLK_F_RO), 0);
	memset(vd_ram(DATA), 0xab, 512);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, 512, false), 1);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(file_byte(0), 0);
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 1, 512, true), 513);
	ck_assert_uint_eq(*vd_ram(DATA), 1);
}
END_TEST

static atomic_int notified;
static pthread_t notify_thread;

static void notifier(void *opaque)
{
	notify_thread = pthread_self();
	atomic_fetch_add(&notified, 1);
}

START_TEST(test_notifier_completion)
{
	struct vd_buf bufs[3] = { { HDR, 16, false }, { DATA, 512, true }, { STATUS, 1, true } };
	uint32_t id, len;
	unsigned waited = 0;

	start(NULL, NULL);
	atomic_store(&notified, 0);
	ck_assert_int_eq(virtio_blk_set_notifier(dev, notifier, NULL), 0);
	put_hdr(VIRTIO_BLK_T_IN, 5);
	vd_post(0, bufs, 3);
	vd_kick(0);
	while (!atomic_load(&notified) && waited++ < TIMEOUT_MS)
		usleep(1000);
	ck_assert_int_eq(atomic_load(&notified), 1);
	/* the I/O ran on the worker, not on this ("vCPU") thread */
	ck_assert(!pthread_equal(notify_thread, pthread_self()));
	ck_assert_uint_eq(*vd_ram(DATA), 5);		/* data is there... */
	ck_assert_uint_eq(vd_used_idx(0), 0);		/* ...but not yet completed */
	ck_assert_uint_eq(*vd_ram(STATUS), 0xee);
	virtio_blk_complete(dev);
	ck_assert(vd_get_used(0, &id, &len, 0));
	ck_assert_uint_eq(len, 513);
	ck_assert_uint_eq(*vd_ram(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(vd_irq(), 1);
	/* not a blk device */
	ck_assert_int_eq(virtio_blk_set_notifier(device_find_type(&vd_board, "virtio-mmio", NULL),
						 notifier, NULL), -EINVAL);
}
END_TEST

START_TEST(test_reset_with_requests_in_flight)
{
	uint16_t idx;

	start(NULL, NULL);
	for (unsigned i = 0; i < 8; i++) {
		struct vd_buf bufs[3] = { { HDR, 16, false }, { DATA + 512 * i, 512, true },
					  { STATUS + i, 1, true } };

		put_hdr(VIRTIO_BLK_T_IN, i);
		vd_post(0, bufs, 3);
	}
	vd_kick(0);
	vd_wr(VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(virtio_blk_inflight(dev), 0);
	idx = vd_used_idx(0);
	usleep(20000);
	ck_assert_uint_eq(vd_used_idx(0), idx);		/* nothing lands after the reset */
	/* and the device starts over cleanly */
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	vd_queue_setup(0, 16);
	vd_driver_ok();
	ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 7, 512, true), 513);
	ck_assert_uint_eq(*vd_ram(DATA), 7);
}
END_TEST

START_TEST(test_drive_errors)
{
	struct board_err err = { 0 };
	struct virtio_drive *d2 = NULL;
	bool want = false;
	const char *nope[] = { "virtio-blk-device,drive=nope", NULL };
	const char *twice[] = { "virtio-blk-device,drive=hd0", "virtio-blk-device,drive=hd0", NULL };
	const char *none[] = { "virtio-blk-device", NULL };

	ck_assert_int_lt(virtio_drive_add("if=virtio", &d2, &want, &err), 0);
	ck_assert_msg(strstr(err.msg, "file="), "%s", err.msg);
	ck_assert_int_lt(virtio_drive_add("file=x,format=qcow2", &d2, &want, &err), 0);
	ck_assert_msg(strstr(err.msg, "qcow2"), "%s", err.msg);
	ck_assert_int_lt(virtio_drive_add("file=x,if=ide", &d2, &want, &err), 0);
	ck_assert_msg(strstr(err.msg, "if=ide"), "%s", err.msg);
	ck_assert_int_lt(virtio_drive_add("file=x,bogus=1", &d2, &want, &err), 0);
	ck_assert_msg(strstr(err.msg, "bogus"), "%s", err.msg);
	ck_assert_int_lt(virtio_drive_add("file=x,readonly=maybe", &d2, &want, &err), 0);
	/* no id: virtioN, and the VMM should add the device */
	ck_assert_int_eq(virtio_drive_add("file=/nonexistent/disk.img,if=virtio", &d2, &want,
					  &err), 0);
	ck_assert(want);
	ck_assert_int_eq(strncmp(d2->id, "virtio", 6), 0);
	virtio_drive_free(d2);

	add_drive("");
	ck_assert_int_eq(virtio_drive_add("file=y,id=hd0", &d2, &want, &err), -EEXIST);
	ck_assert_int_lt(vd_build_err("microvm", nope, &err), 0);
	ck_assert_msg(strstr(err.msg, "'nope'"), "%s", err.msg);
	vd_destroy();
	ck_assert_int_lt(vd_build_err("microvm", twice, &err), 0);
	ck_assert_msg(strstr(err.msg, "already used"), "%s", err.msg);
	vd_destroy();
	ck_assert_int_lt(vd_build_err("microvm", none, &err), 0);
	ck_assert_msg(strstr(err.msg, "'drive'"), "%s", err.msg);
	vd_destroy();
	/* a drive whose file is gone */
	unlink(path);
	ck_assert_int_lt(vd_build_err("microvm", twice + 1, &err), 0);
	ck_assert_msg(strstr(err.msg, "cannot open"), "%s", err.msg);
}
END_TEST

START_TEST(test_pci_variant)
{
	const char *devs[] = { "virtio-blk-pci,drive=hd0", NULL };

	/* the same backend behind the PCI transport builds and finds its drive */
	add_drive("");
	vd_build("pc", devs);
	dev = device_find_type(&vd_board, "virtio-blk-pci", NULL);
	ck_assert_ptr_nonnull(dev);
	ck_assert_uint_eq(((struct pci_device *)dev)->cfg[PCI_DEVICE_ID], 0x42);
	ck_assert_uint_eq(((struct pci_device *)dev)->cfg[PCI_CLASS_DEVICE + 1], 0x01);
}
END_TEST

Suite *board_virtio_blk_suite(void)
{
	Suite *s = suite_create("board_virtio_blk");
	TCase *tc = tcase_create("blk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_identity_and_config);
	tcase_add_test(tc, test_read_write_flush_getid);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_readonly);
	tcase_add_test(tc, test_notifier_completion);
	tcase_add_test(tc, test_reset_with_requests_in_flight);
	tcase_add_test(tc, test_drive_errors);
	tcase_add_test(tc, test_pci_variant);
	suite_add_tcase(s, tc);
	return s;
}
