/*
 * The virtio-mmio version 2 slot: empty slots, plugging backends into the
 * microvm's slots in order, the register file (magic, version, IDs, feature
 * windows, queue registers and their freezing while ready, QueueReady 0,
 * InterruptStatus/ACK and the GSI, status and config generation), bad
 * accesses, system reset, the kernel command line helper, and errors.
 */
#include <check.h>
#include <errno.h>

#include "board/virtio_dev.h"
#include "tests/unit/board/test_board_virtio_driver.h"

static void teardown(void) { vd_destroy(); }

START_TEST(test_empty_slots)
{
	char buf[64];

	vd_build("microvm", NULL);
	for (unsigned i = 0; i < 4; i++) {
		vd_base = VD_SLOT0 + VIRTIO_MMIO_SIZE * i;
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_VERSION), 2);
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), 0);
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR);
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0);
		vd_wr(VIRTIO_MMIO_STATUS, 0xf);		/* dropped */
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0);
		ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_CONFIG), 0);
	}
	ck_assert_int_eq(virtio_mmio_cmdline(device_find_type(&vd_board, "virtio-mmio", NULL),
					     buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_plug_order_and_cmdline)
{
	const char *devs[] = { "virtio-rng-device", "virtio-serial-device", NULL };
	struct device *slot;
	char buf[64];

	vd_build("microvm", devs);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + VIRTIO_MMIO_DEVICE_ID, 4),
			  VIRTIO_ID_RNG);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x200 + VIRTIO_MMIO_DEVICE_ID, 4),
			  VIRTIO_ID_CONSOLE);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x400 + VIRTIO_MMIO_DEVICE_ID, 4),
			  0);
	slot = device_find_type(&vd_board, "virtio-mmio", NULL);
	ck_assert_int_eq(virtio_mmio_cmdline(slot, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "virtio_mmio.device=512@0xfeb00000:16");
	slot = device_find_type(&vd_board, "virtio-mmio", slot);
	ck_assert_int_eq(virtio_mmio_cmdline(slot, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "virtio_mmio.device=512@0xfeb00200:17");
	ck_assert_int_eq(virtio_mmio_cmdline(slot, buf, 10), -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(virtio_mmio_cmdline(device_find_type(&vd_board, "isa-serial", NULL),
					     buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_too_many_and_wrong_board)
{
	struct board_err err = { 0 };
	const char *five[] = { "virtio-rng-device", "virtio-rng-device", "virtio-rng-device",
			       "virtio-rng-device", "virtio-rng-device", NULL };
	const char *pc[] = { "virtio-rng-device", NULL };

	ck_assert_int_lt(vd_build_err("microvm", five, &err), 0);
	ck_assert_msg(strstr(err.msg, "no free virtio-mmio slot"), "%s", err.msg);
	vd_destroy();
	ck_assert_int_lt(vd_build_err("pc", pc, &err), 0);
	ck_assert_msg(strstr(err.msg, "no free virtio-mmio slot"), "%s", err.msg);
}
END_TEST

START_TEST(test_registers)
{
	const char *devs[] = { "virtio-rng-device", NULL };

	vd_build("microvm", devs);
	/* feature windows */
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES), 1);
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 5);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* an unoffered feature makes FEATURES_OK fail */
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(40)), 0x03);
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	/* queue 1 does not exist */
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	vd_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	/* queue 0: 64 max; parameters read back; frozen while ready */
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	vd_queue_setup(0, 8);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_NUM), 8);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_DESC_LOW), (uint32_t)vd_q[0].desc);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_AVAIL_LOW), (uint32_t)vd_q[0].avail);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_USED_LOW), (uint32_t)vd_q[0].used);
	vd_wr(VIRTIO_MMIO_QUEUE_NUM, 4);
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_NUM), 8);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_DESC_HIGH), 0);
	/* QueueReady 0 takes the queue down (Linux's del_vq), and it can be set up again */
	vd_wr(VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	vd_queue_setup(0, 16);
	vd_driver_ok();
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0x0f);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_CONFIG_GENERATION), 0);
	/* no shared memory regions */
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	/* interrupt: status bits, the GSI, ACK of one bit at a time */
	vd_post(0, (struct vd_buf[]){ { VD_BUF_BASE, 8, true } }, 1);
	vd_kick(0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 1);
	vd_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_CONFIG);	/* not the pending one */
	ck_assert_int_eq(vd_irq(), 1);
	vd_wr(VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_ISR_QUEUE);
	ck_assert_int_eq(vd_irq(), 0);
	/* kick for a queue that does not exist: harmless */
	vd_kick(7);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0x0f);
	/* registers are 32-bit only */
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	board_mmio_write(&vd_board, VD_SLOT0 + VIRTIO_MMIO_STATUS, 0, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0x0f);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x2, 4), 0);	/* unaligned */
	/* system reset: the device is reset with the board */
	board_reset(&vd_board, RESET_CF9);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0);
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_int_eq(vd_irq(), 0);
}
END_TEST

START_TEST(test_bad_ring_needs_reset)
{
	const char *devs[] = { "virtio-rng-device", NULL };

	vd_build("microvm", devs);
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	/* a ring outside RAM cannot be enabled */
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x100);
	vd_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* before DRIVER_OK no config interrupt is sent */
	ck_assert_int_eq(vd_irq(), 0);
	/* a malformed chain after DRIVER_OK: config interrupt */
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	vd_queue_setup(0, 8);
	vd_driver_ok();
	vd_set_desc(&vd_q[0], 0, VD_BUF_BASE, 8, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 0);
	vd_post(0, NULL, 0);
	vd_kick(0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_STATUS), 0x4f);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_CONFIG);
	ck_assert_int_eq(vd_irq(), 1);
	ck_assert_uint_eq(vd_used_idx(0), 0);
}
END_TEST

Suite *board_virtio_mmio_suite(void)
{
	Suite *s = suite_create("board_virtio_mmio");
	TCase *tc = tcase_create("mmio");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_empty_slots);
	tcase_add_test(tc, test_plug_order_and_cmdline);
	tcase_add_test(tc, test_too_many_and_wrong_board);
	tcase_add_test(tc, test_registers);
	tcase_add_test(tc, test_bad_ring_needs_reset);
	suite_add_tcase(s, tc);
	return s;
}
