/*
 * virtio-console (one port) in a virtio-mmio slot: the guest's output
 * reaches the chardev, input waits for receive buffers and is split across
 * them, the input buffer's limit, a console without chardev, and chardev
 * errors.
 */
#include <check.h>
#include <errno.h>

#include "board/virtio_dev.h"
#include "tests/unit/board/test_board_virtio_driver.h"

#define OUT_BUF		VD_BUF_BASE
#define IN_BUF		(VD_BUF_BASE + 0x10000)

static char captured[8192];
static size_t captured_len;
static unsigned writes;

static void capture(struct virtio_chardev *c, const void *buf, size_t len)
{
	if (captured_len + len <= sizeof(captured)) {
		memcpy(captured + captured_len, buf, len);
		captured_len += len;
	}
	writes++;
}

static struct virtio_chardev chr = {
	.be = { .id = "c0", .kind = VIRTIO_BACKEND_CHARDEV },
	.write = capture,
};

static void setup(void)
{
	captured_len = 0;
	writes = 0;
	ck_assert_int_eq(virtio_backend_register(&chr.be), 0);
}

static void teardown(void)
{
	vd_destroy();
	virtio_backend_unregister(&chr.be);
}

static void start(const char *dev)
{
	const char *devs[] = { dev, NULL };

	vd_build("microvm", devs);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_CONSOLE);
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	vd_queue_setup(VIRTIO_CONSOLE_RXQ, 8);
	vd_queue_setup(VIRTIO_CONSOLE_TXQ, 8);
	vd_driver_ok();
}

static uint32_t rx_post_and_get(uint64_t gpa, uint32_t len)
{
	uint32_t id, used;

	vd_post(VIRTIO_CONSOLE_RXQ, (struct vd_buf[]){ { gpa, len, true } }, 1);
	vd_kick(VIRTIO_CONSOLE_RXQ);
	if (!vd_get_used(VIRTIO_CONSOLE_RXQ, &id, &used, 0))
		return UINT32_MAX;
	return used;
}

START_TEST(test_output)
{
	uint32_t id, len;

	start("virtio-serial-device,chardev=c0");
	/* one port, no multiport */
	ck_assert_uint_eq(vd_rd(0x100 + 4), 1);
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES) & 0x7, 0);
	memcpy(vd_ram(OUT_BUF), "hello ", 6);
	memcpy(vd_ram(OUT_BUF + 0x100), "world\n", 6);
	vd_post(VIRTIO_CONSOLE_TXQ, (struct vd_buf[]){ { OUT_BUF, 6, false },
						      { OUT_BUF + 0x100, 6, false } }, 2);
	vd_kick(VIRTIO_CONSOLE_TXQ);
	ck_assert(vd_get_used(VIRTIO_CONSOLE_TXQ, &id, &len, 0));
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(captured_len, 12);
	ck_assert_int_eq(memcmp(captured, "hello world\n", 12), 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 1);
}
END_TEST

START_TEST(test_input)
{
	start("virtio-serial-device,chardev=c0");
	/* before any receive buffer: kept */
	ck_assert_int_eq(virtio_chardev_input(&chr, "abc", 3), 3);
	ck_assert_uint_eq(vd_used_idx(VIRTIO_CONSOLE_RXQ), 0);
	/* a 2-byte buffer takes 2, the next one the rest */
	memset(vd_ram(IN_BUF), 0, 64);
	ck_assert_uint_eq(rx_post_and_get(IN_BUF, 2), 2);
	ck_assert_int_eq(memcmp(vd_ram(IN_BUF), "ab", 2), 0);
	ck_assert_uint_eq(rx_post_and_get(IN_BUF + 16, 16), 1);
	ck_assert_uint_eq(*vd_ram(IN_BUF + 16), 'c');
	ck_assert_uint_eq(*vd_ram(IN_BUF + 17), 0);
	/* a posted buffer and no input: nothing comes back */
	ck_assert_uint_eq(rx_post_and_get(IN_BUF + 32, 16), UINT32_MAX);
	/* input now lands in that buffer at once, with an interrupt */
	vd_wr(VIRTIO_MMIO_INTERRUPT_ACK, 3);
	ck_assert_int_eq(virtio_chardev_input(&chr, "xyz", 3), 3);
	ck_assert_uint_eq(vd_used_idx(VIRTIO_CONSOLE_RXQ), 3);
	ck_assert_int_eq(memcmp(vd_ram(IN_BUF + 32), "xyz", 3), 0);
	ck_assert_int_eq(vd_irq(), 1);
}
END_TEST

START_TEST(test_input_limit)
{
	static char big[VIRTIO_CONSOLE_INPUT_BUF + 100];
	uint32_t total = 0, got;

	memset(big, 'q', sizeof(big));
	start("virtio-serial-device,chardev=c0");
	ck_assert_int_eq(virtio_chardev_input(&chr, big, 100), 100);
	/* the buffer holds VIRTIO_CONSOLE_INPUT_BUF bytes: the caller keeps the rest */
	ck_assert_int_eq(virtio_chardev_input(&chr, big, sizeof(big)),
			 VIRTIO_CONSOLE_INPUT_BUF - 100);
	ck_assert_int_eq(virtio_chardev_input(&chr, big, 1), 0);
	for (unsigned i = 0; i < 8 && total < VIRTIO_CONSOLE_INPUT_BUF; i++) {
		got = rx_post_and_get(IN_BUF + 0x1000 * i, 0x1000);
		ck_assert_uint_ne(got, UINT32_MAX);
		total += got;
	}
	ck_assert_uint_eq(total, VIRTIO_CONSOLE_INPUT_BUF);
	ck_assert_int_eq(virtio_chardev_input(&chr, big, 1), 1);
}
END_TEST

START_TEST(test_no_chardev)
{
	uint32_t id, len;

	start("virtio-serial-device");
	memcpy(vd_ram(OUT_BUF), "dropped", 7);
	vd_post(VIRTIO_CONSOLE_TXQ, (struct vd_buf[]){ { OUT_BUF, 7, false } }, 1);
	vd_kick(VIRTIO_CONSOLE_TXQ);
	ck_assert(vd_get_used(VIRTIO_CONSOLE_TXQ, &id, &len, 0));
	ck_assert_uint_eq(writes, 0);
	/* c0 is not bound to anything */
	ck_assert_int_eq(virtio_chardev_input(&chr, "x", 1), -ENODEV);
}
END_TEST

START_TEST(test_chardev_errors)
{
	struct board_err err = { 0 };
	const char *unknown[] = { "virtio-serial-device,chardev=nope", NULL };
	const char *twice[] = { "virtio-serial-device,chardev=c0",
				"virtio-serial-device,chardev=c0", NULL };

	ck_assert_int_lt(vd_build_err("microvm", unknown, &err), 0);
	ck_assert_msg(strstr(err.msg, "'nope'"), "%s", err.msg);
	vd_destroy();
	ck_assert_int_lt(vd_build_err("microvm", twice, &err), 0);
	ck_assert_msg(strstr(err.msg, "already used"), "%s", err.msg);
	vd_destroy();
	/* and the chardev is free again once that board is gone */
	start("virtio-serial-device,chardev=c0");
}
END_TEST

Suite *board_virtio_console_suite(void)
{
	Suite *s = suite_create("board_virtio_console");
	TCase *tc = tcase_create("console");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_output);
	tcase_add_test(tc, test_input);
	tcase_add_test(tc, test_input_limit);
	tcase_add_test(tc, test_no_chardev);
	tcase_add_test(tc, test_chardev_errors);
	suite_add_tcase(s, tc);
	return s;
}
