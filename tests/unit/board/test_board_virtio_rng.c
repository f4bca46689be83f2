/*
 * virtio-rng in a virtio-mmio slot: buffers filled with exactly their
 * length (across chained buffers), the per-request cap, readable buffers
 * left alone, and interrupts.
 */
#include <check.h>

#include "tests/unit/board/test_board_virtio_driver.h"

#define BUF		VD_BUF_BASE

static void setup(void)
{
	const char *devs[] = { "virtio-rng-device", NULL };

	vd_build("microvm", devs);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	vd_queue_setup(0, 8);
	vd_driver_ok();
}

static void teardown(void) { vd_destroy(); }

static bool all_zero(uint64_t gpa, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (*vd_ram(gpa + i))
			return false;
	return true;
}

START_TEST(test_fill)
{
	uint32_t id, len;
	uint16_t head;

	memset(vd_ram(BUF), 0, 0x3000);
	head = vd_post(0, (struct vd_buf[]){ { BUF, 40, true }, { BUF + 0x1000, 24, true } }, 2);
	vd_kick(0);
	ck_assert(vd_get_used(0, &id, &len, 0));
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(len, 64);
	ck_assert(!all_zero(BUF, 40));			/* 2^-320 to fail */
	ck_assert(!all_zero(BUF + 0x1000, 24));
	ck_assert(all_zero(BUF + 40, 0x1000 - 40));	/* nothing past the buffers */
	ck_assert(all_zero(BUF + 0x1000 + 24, 0x1000 - 24));
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 1);
	vd_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
}
END_TEST

START_TEST(test_big_request_capped)
{
	uint32_t id, len;

	vd_post(0, (struct vd_buf[]){ { BUF, 100000, true } }, 1);
	vd_kick(0);
	ck_assert(vd_get_used(0, &id, &len, 0));
	ck_assert_uint_eq(len, 65536);
}
END_TEST

START_TEST(test_readable_buffer_untouched)
{
	uint32_t id, len;

	memset(vd_ram(BUF), 0x5a, 64);
	vd_post(0, (struct vd_buf[]){ { BUF, 64, false } }, 1);
	vd_kick(0);
	ck_assert(vd_get_used(0, &id, &len, 0));
	ck_assert_uint_eq(len, 0);
	for (unsigned i = 0; i < 64; i++)
		ck_assert_uint_eq(*vd_ram(BUF + i), 0x5a);
}
END_TEST

START_TEST(test_several_requests_one_kick)
{
	uint32_t id, len;

	for (unsigned i = 0; i < 5; i++)
		vd_post(0, (struct vd_buf[]){ { BUF + 0x100 * i, 16 + i, true } }, 1);
	vd_kick(0);
	for (unsigned i = 0; i < 5; i++) {
		ck_assert(vd_get_used(0, &id, &len, 0));
		ck_assert_uint_eq(len, 16 + i);
	}
	ck_assert(!vd_get_used(0, &id, &len, 0));
}
END_TEST

Suite *board_virtio_rng_suite(void)
{
	Suite *s = suite_create("board_virtio_rng");
	TCase *tc = tcase_create("rng");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_big_request_capped);
	tcase_add_test(tc, test_readable_buffer_untouched);
	tcase_add_test(tc, test_several_requests_one_kick);
	suite_add_tcase(s, tc);
	return s;
}
