/*
 * virtio-net with the loopback backend in a virtio-mmio slot: MAC and link
 * status in config space, a frame sent comes back with a VERSION_1 header,
 * frames wait for receive buffers, a too-small receive buffer, transmit
 * without a header -> NEEDS_RESET, a backend with no device, and errors.
 */
#include <check.h>
#include <errno.h>

#include "board/virtio_dev.h"
#include "tests/unit/board/test_board_virtio_driver.h"

#define TX_BUF		VD_BUF_BASE
#define RX_BUF		(VD_BUF_BASE + 0x10000)

static struct virtio_net_backend *lo;

static void setup(void)
{
	lo = virtio_net_loopback_new("n0");
	ck_assert_ptr_nonnull(lo);
}

static void teardown(void)
{
	vd_destroy();
	virtio_net_backend_free(lo);
}

static void start(const char *dev)
{
	const char *devs[] = { dev, NULL };

	vd_build("microvm", devs);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	ck_assert_uint_eq(vd_negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) |
				       VIRTIO_BIT(VIRTIO_NET_F_MAC) |
				       VIRTIO_BIT(VIRTIO_NET_F_STATUS)), 0x0b);
	vd_queue_setup(VIRTIO_NET_RXQ, 8);
	vd_queue_setup(VIRTIO_NET_TXQ, 8);
	vd_driver_ok();
}

static void send_frame(unsigned len, uint8_t fill)
{
	uint32_t id, used;

	memset(vd_ram(TX_BUF), 0, VIRTIO_NET_HDR_SIZE);
	memset(vd_ram(TX_BUF + 0x100), fill, len);
	vd_post(VIRTIO_NET_TXQ, (struct vd_buf[]){ { TX_BUF, VIRTIO_NET_HDR_SIZE, false },
						  { TX_BUF + 0x100, len, false } }, 2);
	vd_kick(VIRTIO_NET_TXQ);
	ck_assert(vd_get_used(VIRTIO_NET_TXQ, &id, &used, 0));
	ck_assert_uint_eq(used, 0);
}

static void post_rx(unsigned i, uint32_t len)
{
	vd_post(VIRTIO_NET_RXQ, (struct vd_buf[]){ { RX_BUF + 0x1000 * i, len, true } }, 1);
	vd_kick(VIRTIO_NET_RXQ);
}

START_TEST(test_config)
{
	start("virtio-net-device,netdev=n0,mac=52:54:00:ab:cd:ef");
	vd_wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES) & 0xffff,
			  1u << VIRTIO_NET_F_MAC);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_NET_F_STATUS), 0);
	ck_assert_uint_eq(vd_rd(0x100), 0xab005452);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x104, 2), 0xefcd);
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x106, 2), VIRTIO_NET_S_LINK_UP);
}
END_TEST

START_TEST(test_loopback)
{
	uint32_t id, len;
	uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { 0 };

	start("virtio-net-device,netdev=n0");
	post_rx(0, 1526);
	send_frame(60, 0x42);
	ck_assert(vd_get_used(VIRTIO_NET_RXQ, &id, &len, 0));
	ck_assert_uint_eq(len, VIRTIO_NET_HDR_SIZE + 60);
	hdr[10] = 1;					/* num_buffers */
	ck_assert_int_eq(memcmp(vd_ram(RX_BUF), hdr, sizeof(hdr)), 0);
	for (unsigned i = 0; i < 60; i++)
		ck_assert_uint_eq(*vd_ram(RX_BUF + VIRTIO_NET_HDR_SIZE + i), 0x42);
	/* no receive buffer: the frame waits until one is posted */
	send_frame(100, 0x43);
	ck_assert(!vd_get_used(VIRTIO_NET_RXQ, &id, &len, 0));
	post_rx(1, 1526);
	ck_assert(vd_get_used(VIRTIO_NET_RXQ, &id, &len, 0));
	ck_assert_uint_eq(len, VIRTIO_NET_HDR_SIZE + 100);
	ck_assert_uint_eq(*vd_ram(RX_BUF + 0x1000 + VIRTIO_NET_HDR_SIZE), 0x43);
}
END_TEST

START_TEST(test_small_rx_buffer)
{
	uint32_t id, len;

	start("virtio-net-device,netdev=n0");
	ck_assert_int_eq(virtio_net_backend_receive(lo, "x", 1), -EAGAIN);
	post_rx(0, 40);
	ck_assert_int_eq(virtio_net_backend_receive(lo, vd_ram(0), 100), -EMSGSIZE);
	/* the buffer is still there for a frame that fits */
	ck_assert_int_eq(virtio_net_backend_receive(lo, vd_ram(0), 28), 0);
	ck_assert(vd_get_used(VIRTIO_NET_RXQ, &id, &len, 0));
	ck_assert_uint_eq(len, 40);
}
END_TEST

START_TEST(test_tx_without_header)
{
	start("virtio-net-device,netdev=n0");
	vd_post(VIRTIO_NET_TXQ, (struct vd_buf[]){ { TX_BUF, 4, false } }, 1);
	vd_kick(VIRTIO_NET_TXQ);
	ck_assert_uint_ne(vd_rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(vd_used_idx(VIRTIO_NET_TXQ), 0);
}
END_TEST

START_TEST(test_no_netdev_and_errors)
{
	struct board_err err = { 0 };
	const char *badmac[] = { "virtio-net-device,mac=01:00:00:00:00:01", NULL };
	const char *badmac2[] = { "virtio-net-device,mac=52:54:00:12:34", NULL };
	const char *unknown[] = { "virtio-net-device,netdev=n9", NULL };

	/* a backend with no device */
	ck_assert_int_eq(virtio_net_backend_receive(lo, "x", 1), -ENODEV);
	ck_assert_int_lt(vd_build_err("microvm", badmac, &err), 0);
	ck_assert_msg(strstr(err.msg, "'mac'"), "%s", err.msg);
	vd_destroy();
	ck_assert_int_lt(vd_build_err("microvm", badmac2, &err), 0);
	vd_destroy();
	ck_assert_int_lt(vd_build_err("microvm", unknown, &err), 0);
	ck_assert_msg(strstr(err.msg, "'n9'"), "%s", err.msg);
	vd_destroy();
	/* no netdev: link down, frames sent go nowhere */
	start("virtio-net-device");
	ck_assert_uint_eq(board_mmio_read(&vd_board, VD_SLOT0 + 0x106, 2), 0);
	send_frame(60, 1);
}
END_TEST

Suite *board_virtio_net_suite(void)
{
	Suite *s = suite_create("board_virtio_net");
	TCase *tc = tcase_create("net");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config);
	tcase_add_test(tc, test_loopback);
	tcase_add_test(tc, test_small_rx_buffer);
	tcase_add_test(tc, test_tx_without_header);
	tcase_add_test(tc, test_no_netdev_and_errors);
	suite_add_tcase(s, tc);
	return s;
}
