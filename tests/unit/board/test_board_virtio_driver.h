/*
 * A tiny virtio-mmio driver for the virtio device suites: builds a board with
 * extra -device options, negotiates features as Linux's virtio_mmio does,
 * sets up split rings in guest RAM and posts buffer chains.
 * Header-only (static functions), included by test_board_virtio_*.c.
 */
#ifndef TEST_BOARD_VIRTIO_DRIVER_H
#define TEST_BOARD_VIRTIO_DRIVER_H

#include <check.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/virtio.h"
#include "board/virtio_mmio.h"
#include "board/virtqueue.h"

#define VD_SLOT0	0xfeb00000ull
#define VD_GSI0		16
#define VD_MAXQ		2
#define VD_RING_BASE	0x200000ull		/* queue q's rings at base + q * 0x10000 */
#define VD_BUF_BASE	0x400000ull

struct vd_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;			/* device-writable */
};

struct vd_queue {
	uint16_t size;
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen, next_desc;
};

static struct board vd_board;
static void *vd_fdt;
static uint64_t vd_base = VD_SLOT0;
static struct vd_queue vd_q[VD_MAXQ];

/* board name + NULL-terminated -device strings; returns board_build's result */
static inline int vd_build_err(const char *board, const char *const *devs, struct board_err *err)
{
	const void *base = board_dtb(board, NULL);
	size_t size = fdt_totalsize(base) + 8192;
	int r;

	vd_fdt = malloc(size);
	ck_assert_int_eq(fdt_open_into(base, vd_fdt, (int)size), 0);
	for (; devs && *devs; devs++)
		ck_assert_msg(board_fdt_add_device(vd_fdt, *devs, err) == 0, "%s", err->msg);
	ck_assert_int_eq(board_init(&vd_board), 0);
	r = board_build(&vd_board, vd_fdt, err);
	if (!r)
		board_reset(&vd_board, RESET_POWER_ON);
	vd_base = VD_SLOT0;
	memset(vd_q, 0, sizeof(vd_q));
	return r;
}

static inline void vd_build(const char *board, const char *const *devs)
{
	struct board_err err = { 0 };

	ck_assert_msg(vd_build_err(board, devs, &err) == 0, "%s: %s", board, err.msg);
}

static inline void vd_destroy(void)
{
	if (vd_fdt) {
		board_destroy(&vd_board);
		free(vd_fdt);
		vd_fdt = NULL;
	}
}

static inline uint32_t vd_rd(unsigned off) { return (uint32_t)board_mmio_read(&vd_board, vd_base + off, 4); }
static inline void vd_wr(unsigned off, uint32_t v) { board_mmio_write(&vd_board, vd_base + off, v, 4); }
static inline uint8_t *vd_ram(uint64_t gpa) { return vd_board.mem.ram + gpa; }

static inline int vd_irq(void)
{
	return gsi_router_input_level(gsi_router_find(&vd_board),
				      VD_GSI0 + (unsigned)((vd_base - VD_SLOT0) / VIRTIO_MMIO_SIZE));
}

/* Linux's virtio_mmio probe + virtio_dev_probe; returns the final status */
static inline uint32_t vd_negotiate(uint64_t features)
{
	vd_wr(VIRTIO_MMIO_STATUS, 0);
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vd_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	vd_wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	      VIRTIO_STATUS_FEATURES_OK);
	return vd_rd(VIRTIO_MMIO_STATUS);
}

static inline void vd_queue_setup(unsigned q, uint16_t size)
{
	struct vd_queue *vq = &vd_q[q];
	uint64_t base = VD_RING_BASE + q * 0x10000ull;

	memset(vd_ram(base), 0, 0x10000);
	vq->size = size;
	vq->desc = base;
	vq->avail = base + 0x4000;
	vq->used = base + 0x8000;
	vq->avail_idx = vq->used_seen = vq->next_desc = 0;
	vd_wr(VIRTIO_MMIO_QUEUE_SEL, q);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_ge(vd_rd(VIRTIO_MMIO_QUEUE_NUM_MAX), size);
	vd_wr(VIRTIO_MMIO_QUEUE_NUM, size);
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)vq->desc);
	vd_wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)vq->avail);
	vd_wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)vq->used);
	vd_wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	vd_wr(VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(vd_rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

static inline void vd_driver_ok(void)
{
	vd_wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	      VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static inline void vd_set_desc(struct vd_queue *vq, unsigned i, uint64_t addr, uint32_t len,
			uint16_t flags, uint16_t next)
{
	uint8_t *d = vd_ram(vq->desc + 16ull * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* chain of n buffers made available (not kicked); returns the head */
static inline uint16_t vd_post(unsigned q, const struct vd_buf *bufs, unsigned n)
{
	struct vd_queue *vq = &vd_q[q];
	uint16_t head = vq->next_desc % vq->size;
	unsigned i;

	for (i = 0; i < n; i++) {
		uint16_t d = (uint16_t)((head + i) % vq->size);
		uint16_t flags = (bufs[i].write ? VRING_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VRING_DESC_F_NEXT : 0);

		vd_set_desc(vq, d, bufs[i].gpa, bufs[i].len, flags, (uint16_t)((d + 1u) % vq->size));
	}
	vq->next_desc = (uint16_t)(vq->next_desc + n);
	memcpy(vd_ram(vq->avail + 4 + 2 * (vq->avail_idx % vq->size)), &head, 2);
	vq->avail_idx++;
	__atomic_store_n((uint16_t *)vd_ram(vq->avail + 2), vq->avail_idx, __ATOMIC_RELEASE);
	return head;
}

static inline void vd_kick(unsigned q) { vd_wr(VIRTIO_MMIO_QUEUE_NOTIFY, q); }

static inline uint16_t vd_used_idx(unsigned q)
{
	return __atomic_load_n((uint16_t *)vd_ram(vd_q[q].used + 2), __ATOMIC_ACQUIRE);
}

/* next used element; false if none arrives within timeout_ms */
static inline bool vd_get_used(unsigned q, uint32_t *id, uint32_t *len, unsigned timeout_ms)
{
	struct vd_queue *vq = &vd_q[q];
	struct timespec ts = { 0, 1000000 };
	unsigned waited = 0;
	uint8_t *e;

	while (vd_used_idx(q) == vq->used_seen) {
		if (waited++ >= timeout_ms)
			return false;
		nanosleep(&ts, NULL);
	}
	e = vd_ram(vq->used + 4 + 8 * (vq->used_seen % vq->size));
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	vq->used_seen++;
	return true;
}

#endif
