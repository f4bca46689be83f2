/*
 * Split virtqueues and the virtio core, with rings the test builds in guest
 * memory: single, chained and indirect descriptors; every malformed ring
 * (index out of range, loop, chain too long, buffers/tables outside RAM,
 * nested or misplaced indirect tables, bad indirect length, readable after
 * writable, total length overflow, avail index running ahead) ends in
 * NEEDS_RESET with not one byte of guest memory written; interrupt
 * suppression (NO_INTERRUPT, EVENT_IDX); feature negotiation and status.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/memory.h"
#include "board/virtio.h"
#include "board/virtqueue.h"

#define RAM_SIZE	(1u << 20)
#define QSIZE		8
#define DESC		0x1000ull
#define AVAIL		0x2000ull
#define USED		0x3000ull
#define BUF		0x10000ull

static struct guest_mem mem;
static struct virtio_device vdev;
static struct virtqueue *vq;
static unsigned notifies, config_notifies, resets;
static uint8_t *snapshot;

static void ops_reset(struct virtio_device *d) { resets++; }
static const struct virtio_device_ops ops = { .reset = ops_reset };

static void t_notify(void *opaque, unsigned q)
{
	if (q == VIRTIO_NO_VECTOR)
		config_notifies++;
	else
		notifies++;
}
static const struct virtio_transport_ops tops = { .notify = t_notify };

static void wr16(uint64_t gpa, uint16_t v) { ck_assert_int_eq(gmem_write(&mem, gpa, &v, 2), 0); }
static uint16_t rd16(uint64_t gpa)
{
	uint16_t v;

	ck_assert_int_eq(gmem_read(&mem, gpa, &v, 2), 0);
	return v;
}
static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	ck_assert_int_eq(gmem_read(&mem, gpa, &v, 4), 0);
	return v;
}

static void set_desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
			uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	ck_assert_int_eq(gmem_write(&mem, table + 16ull * i, d, 16), 0);
}
static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	set_desc_at(DESC, i, addr, len, flags, next);
}

/* make head available (next slot) */
static void avail_add(uint16_t head)
{
	uint16_t idx = rd16(AVAIL + 2);

	wr16(AVAIL + 4 + 2 * (idx % vq->num), head);
	wr16(AVAIL + 2, idx + 1);
}

static void negotiate(uint64_t features)
{
	virtio_set_status(&vdev, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_set_status(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_guest_features(&vdev, 0, (uint32_t)features);
	virtio_set_guest_features(&vdev, 1, (uint32_t)(features >> 32));
	virtio_set_status(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK);
}

static void start_queue(uint16_t num)
{
	vq->num = num;
	vq->desc = DESC;
	vq->avail = AVAIL;
	vq->used = USED;
	ck_assert_int_eq(virtqueue_enable(vq), 0);
	virtio_set_status(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	ck_assert(virtqueue_ready(vq));
}

static void setup_ram(uint64_t ram)
{
	ck_assert_int_eq(gmem_init(&mem, ram, 0xe0000000ull), 0);
	ck_assert_int_eq(virtio_init(&vdev, "vq-test", VIRTIO_ID_RNG, &ops, &mem, NULL, 0, NULL, 0,
				     1, 256), 0);
	ck_assert_int_eq(virtio_attach(&vdev, &tops, NULL), 0);
	vq = &vdev.vq[0];
	notifies = config_notifies = resets = 0;
	snapshot = NULL;
}

static void setup(void) { setup_ram(RAM_SIZE); }

static void teardown(void)
{
	free(snapshot);
	virtio_cleanup(&vdev);
	gmem_destroy(&mem);
}

static void standard(void)
{
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	start_queue(QSIZE);
}

static void take_snapshot(void)
{
	snapshot = malloc(RAM_SIZE);
	ck_assert_int_eq(gmem_read(&mem, 0, snapshot, RAM_SIZE), 0);
}

/* the pop fails, the device needs a reset, and guest memory is untouched */
static void expect_broken(void)
{
	struct virtq_elem *e = NULL;

	take_snapshot();
	ck_assert_int_eq(virtqueue_pop(vq, &e), -EIO);
	ck_assert_ptr_null(e);
	ck_assert_uint_ne(vdev.status & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert(!virtqueue_ready(vq));
	ck_assert_int_eq(memcmp(snapshot, mem.ram, RAM_SIZE), 0);
	ck_assert_uint_eq(rd16(USED + 2), 0);
	/* one configuration interrupt tells the driver */
	ck_assert_uint_eq(config_notifies, 1);
	ck_assert_uint_eq(vdev.isr & VIRTIO_ISR_CONFIG, VIRTIO_ISR_CONFIG);
	/* and the queue stays stopped, even for a good chain */
	ck_assert_int_eq(virtqueue_pop(vq, &e), 0);
}

START_TEST(test_single_descriptor)
{
	struct virtq_elem *e = NULL;

	standard();
	ck_assert_int_eq(virtqueue_pop(vq, &e), 0);	/* empty */
	set_desc(3, BUF, 100, 0, 0);
	avail_add(3);
	ck_assert(virtqueue_has_work(vq));
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	ck_assert_uint_eq(e->head, 3);
	ck_assert_uint_eq(e->out_num, 1);
	ck_assert_uint_eq(e->in_num, 0);
	ck_assert_uint_eq(e->out_len, 100);
	ck_assert_ptr_eq(e->iov[0].iov_base, mem.ram + BUF);
	ck_assert_uint_eq(e->iov[0].iov_len, 100);
	ck_assert_uint_eq(vq->inflight, 1);
	ck_assert(!virtqueue_has_work(vq));
	virtqueue_push(vq, e, 0);
	ck_assert_uint_eq(rd16(USED + 2), 1);
	ck_assert_uint_eq(rd32(USED + 4), 3);
	ck_assert_uint_eq(rd32(USED + 8), 0);
	ck_assert_uint_eq(vq->inflight, 0);
	virtio_notify_queue(&vdev, 0);
	ck_assert_uint_eq(notifies, 1);
	/* the used ring wraps at the queue size */
	for (unsigned i = 0; i < QSIZE; i++) {
		avail_add(3);
		ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
		virtqueue_push(vq, e, i);
	}
	ck_assert_uint_eq(rd16(USED + 2), QSIZE + 1);
	ck_assert_uint_eq(rd32(USED + 4 + 8 * 0 + 4), QSIZE - 1);	/* slot 0 reused last */
}
END_TEST

START_TEST(test_chain_in_out)
{
	struct virtq_elem *e = NULL;
	uint8_t hdr[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[8];
	const char msg[] = "hello, virtio";

	standard();
	ck_assert_int_eq(gmem_write(&mem, BUF, hdr, 8), 0);
	set_desc(0, BUF, 4, VRING_DESC_F_NEXT, 5);
	set_desc(5, BUF + 4, 4, VRING_DESC_F_NEXT, 2);
	set_desc(2, BUF + 0x100, 5, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 7);
	set_desc(7, BUF + 0x200, 64, VRING_DESC_F_WRITE, 0);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	ck_assert_uint_eq(e->out_num, 2);
	ck_assert_uint_eq(e->in_num, 2);
	ck_assert_uint_eq(e->out_len, 8);
	ck_assert_uint_eq(e->in_len, 69);
	ck_assert_uint_eq(virtq_elem_read(e, 0, got, sizeof(got)), 8);
	ck_assert_int_eq(memcmp(got, hdr, 8), 0);
	ck_assert_uint_eq(virtq_elem_read(e, 6, got, 8), 2);	/* only 2 bytes left */
	/* a write crosses from the first writable buffer into the second */
	ck_assert_uint_eq(virtq_elem_write(e, 0, msg, sizeof(msg)), sizeof(msg));
	ck_assert_int_eq(memcmp(mem.ram + BUF + 0x100, msg, 5), 0);
	ck_assert_int_eq(memcmp(mem.ram + BUF + 0x200, msg + 5, sizeof(msg) - 5), 0);
	ck_assert_uint_eq(virtq_elem_write(e, 60, msg, sizeof(msg)), 9);
	virtqueue_push(vq, e, sizeof(msg));
	ck_assert_uint_eq(rd32(USED + 4), 0);
	ck_assert_uint_eq(rd32(USED + 8), sizeof(msg));
}
END_TEST

START_TEST(test_indirect)
{
	struct virtq_elem *e = NULL;
	const uint64_t table = 0x5000;

	standard();
	set_desc_at(table, 0, BUF, 16, VRING_DESC_F_NEXT, 2);
	set_desc_at(table, 2, BUF + 0x40, 32, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc_at(table, 1, BUF + 0x80, 1, VRING_DESC_F_WRITE, 0);
	set_desc(4, table, 3 * 16, VRING_DESC_F_INDIRECT, 0);
	avail_add(4);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	ck_assert_uint_eq(e->head, 4);
	ck_assert_uint_eq(e->out_num, 1);
	ck_assert_uint_eq(e->in_num, 2);
	ck_assert_ptr_eq(e->iov[1].iov_base, mem.ram + BUF + 0x40);
	ck_assert_ptr_eq(e->iov[2].iov_base, mem.ram + BUF + 0x80);
	ck_assert_uint_eq(e->in_len, 33);
	virtqueue_push(vq, e, 33);
	ck_assert_uint_eq(rd32(USED + 4), 4);
	ck_assert_uint_eq(rd32(USED + 8), 33);
}
END_TEST

START_TEST(test_long_chain_and_zero_length)
{
	struct virtq_elem *e = NULL;

	/* a full-size chain (every descriptor once) is legal; zero-length buffers are skipped */
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	start_queue(QSIZE);
	for (unsigned i = 0; i < QSIZE; i++)
		set_desc(i, BUF + i * 16, i == 3 ? 0 : 16,
			 i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	ck_assert_uint_eq(e->out_num, QSIZE - 1);
	ck_assert_uint_eq(e->out_len, 16 * (QSIZE - 1));
	virtqueue_push(vq, e, 0);
}
END_TEST

START_TEST(test_bad_head)
{
	standard();
	set_desc(0, BUF, 16, 0, 0);
	avail_add(QSIZE);
	expect_broken();
}
END_TEST

START_TEST(test_bad_next)
{
	standard();
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, QSIZE);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_loop)
{
	standard();
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, BUF, 16, VRING_DESC_F_NEXT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_self_loop)
{
	standard();
	set_desc(6, BUF, 16, VRING_DESC_F_NEXT, 6);
	avail_add(6);
	expect_broken();
}
END_TEST

START_TEST(test_buffer_outside_ram)
{
	standard();
	set_desc(0, RAM_SIZE - 8, 16, 0, 0);		/* straddles the end of RAM */
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_buffer_address_wraps)
{
	standard();
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, 0xfffffffffffffff0ull, 0x20, VRING_DESC_F_WRITE, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_readable_after_writable)
{
	standard();
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(1, BUF + 16, 16, 0, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_nested_indirect)
{
	standard();
	set_desc_at(0x5000, 0, 0x6000, 16, VRING_DESC_F_INDIRECT, 0);
	set_desc_at(0x6000, 0, BUF, 16, 0, 0);
	set_desc(0, 0x5000, 16, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_bad_length)
{
	standard();
	set_desc_at(0x5000, 0, BUF, 16, 0, 0);
	set_desc(0, 0x5000, 24, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_zero_length)
{
	standard();
	set_desc(0, 0x5000, 0, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_outside_ram)
{
	standard();
	set_desc(0, RAM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_with_next)
{
	standard();
	set_desc_at(0x5000, 0, BUF, 16, 0, 0);
	set_desc(0, 0x5000, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(1, BUF, 16, 0, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_in_chain)
{
	standard();
	set_desc_at(0x5000, 0, BUF, 16, 0, 0);
	set_desc(0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, 0x5000, 16, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_loop)
{
	standard();
	set_desc_at(0x5000, 0, BUF, 16, VRING_DESC_F_NEXT, 1);
	set_desc_at(0x5000, 1, BUF, 16, VRING_DESC_F_NEXT, 0);
	set_desc(0, 0x5000, 32, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_indirect_next_out_of_table)
{
	standard();
	set_desc_at(0x5000, 0, BUF, 16, VRING_DESC_F_NEXT, 2);	/* table has 2 entries */
	set_desc(0, 0x5000, 32, VRING_DESC_F_INDIRECT, 0);
	avail_add(0);
	expect_broken();
}
END_TEST

START_TEST(test_avail_index_runs_ahead)
{
	standard();
	set_desc(0, BUF, 16, 0, 0);
	wr16(AVAIL + 2, QSIZE + 1);
	expect_broken();
}
END_TEST

START_TEST(test_reset_recovers)
{
	struct virtq_elem *e = NULL;

	standard();
	avail_add(QSIZE + 3);
	ck_assert_int_eq(virtqueue_pop(vq, &e), -EIO);
	/* the driver resets and starts over: the queue works again */
	virtio_set_status(&vdev, 0);
	ck_assert_uint_eq(vdev.status, 0);
	ck_assert_uint_eq(resets, 1);
	ck_assert(!vq->enabled);
	ck_assert_uint_eq(vq->num, 256);
	memset(mem.ram + AVAIL, 0, 0x2000);
	standard();
	set_desc(1, BUF, 8, 0, 0);
	avail_add(1);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	virtqueue_push(vq, e, 0);
	ck_assert_uint_eq(rd16(USED + 2), 1);
}
END_TEST

START_TEST(test_stale_element)
{
	struct virtq_elem *old = NULL, *e = NULL;

	/* popped before a reset: pushing it afterwards writes nothing */
	standard();
	set_desc(0, BUF, 8, VRING_DESC_F_WRITE, 0);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &old), 1);
	virtio_set_status(&vdev, 0);
	memset(mem.ram + AVAIL, 0, 0x2000);
	standard();
	set_desc(1, BUF, 8, VRING_DESC_F_WRITE, 0);
	avail_add(1);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	take_snapshot();
	virtqueue_push(vq, old, 8);
	ck_assert_int_eq(memcmp(snapshot, mem.ram, RAM_SIZE), 0);
	ck_assert_uint_eq(vq->inflight, 1);
	virtqueue_push(vq, e, 4);
	ck_assert_uint_eq(rd16(USED + 2), 1);
	ck_assert_uint_eq(rd32(USED + 4), 1);
	/* virtio-mmio's QueueReady = 0 takes the queue down the same way */
	avail_add(1);
	ck_assert_int_eq(virtqueue_pop(vq, &old), 1);
	virtqueue_disable(vq);
	ck_assert_uint_eq(vq->num, QSIZE);
	ck_assert_uint_eq(vq->desc, DESC);
	virtqueue_push(vq, old, 8);
	ck_assert_uint_eq(rd16(USED + 2), 1);
}
END_TEST

START_TEST(test_enable_checks)
{
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vq->desc = DESC;
	vq->avail = AVAIL;
	vq->used = USED;
	vq->num = 6;					/* not a power of two */
	ck_assert_int_eq(virtqueue_enable(vq), -EINVAL);
	ck_assert_uint_ne(vdev.status & VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert(!vq->enabled);
	virtio_set_status(&vdev, 0);
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vq->desc = DESC; vq->avail = AVAIL; vq->used = USED;
	vq->num = 512;					/* above the maximum (256) */
	ck_assert_int_eq(virtqueue_enable(vq), -EINVAL);
	virtio_set_status(&vdev, 0);
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vq->desc = DESC + 8; vq->avail = AVAIL; vq->used = USED;	/* misaligned */
	ck_assert_int_eq(virtqueue_enable(vq), -EINVAL);
	virtio_set_status(&vdev, 0);
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vq->desc = DESC; vq->avail = AVAIL; vq->used = USED + 2;	/* used needs 4 */
	ck_assert_int_eq(virtqueue_enable(vq), -EINVAL);
	virtio_set_status(&vdev, 0);
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vq->num = 256;
	vq->desc = DESC; vq->avail = AVAIL; vq->used = RAM_SIZE - 0x400;	/* ring past RAM */
	ck_assert_int_eq(virtqueue_enable(vq), -EINVAL);
	virtio_set_status(&vdev, 0);
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1));
	vq->num = 256;
	vq->desc = DESC; vq->avail = AVAIL; vq->used = RAM_SIZE - vring_used_size(256) - 2;
	ck_assert_int_eq(virtqueue_enable(vq), 0);	/* exactly fits */
}
END_TEST

START_TEST(test_no_interrupt_flag)
{
	struct virtq_elem *e = NULL;

	standard();
	set_desc(0, BUF, 8, 0, 0);
	wr16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	virtqueue_push(vq, e, 0);
	virtio_notify_queue(&vdev, 0);
	ck_assert_uint_eq(notifies, 0);
	wr16(AVAIL, 0);
	virtio_notify_queue(&vdev, 0);
	ck_assert_uint_eq(notifies, 1);
}
END_TEST

START_TEST(test_event_idx)
{
	struct virtq_elem *e = NULL;
	const uint64_t used_event = AVAIL + 4 + 2 * QSIZE, avail_event = USED + 4 + 8 * QSIZE;

	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	start_queue(QSIZE);
	ck_assert(virtio_has_feature(&vdev, VIRTIO_F_EVENT_IDX));
	set_desc(0, BUF, 8, 0, 0);
	/* NO_INTERRUPT is ignored with EVENT_IDX; used_event rules */
	wr16(AVAIL, VRING_AVAIL_F_NO_INTERRUPT);
	wr16(used_event, 0);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	virtqueue_push(vq, e, 0);
	virtio_notify_queue(&vdev, 0);			/* first one always goes */
	ck_assert_uint_eq(notifies, 1);
	/* the driver wants an interrupt once used.idx passes 2 */
	wr16(used_event, 2);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	virtqueue_push(vq, e, 0);			/* used.idx 2: not yet */
	virtio_notify_queue(&vdev, 0);
	ck_assert_uint_eq(notifies, 1);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	virtqueue_push(vq, e, 0);			/* used.idx 3: crosses 2 */
	virtio_notify_queue(&vdev, 0);
	ck_assert_uint_eq(notifies, 2);
	virtio_notify_queue(&vdev, 0);			/* nothing new */
	ck_assert_uint_eq(notifies, 2);
	/* out of work: avail_event tells the driver where to kick next */
	ck_assert(!virtqueue_enable_notify(vq));
	ck_assert_uint_eq(rd16(avail_event), 3);
	avail_add(0);
	ck_assert(virtqueue_enable_notify(vq));		/* raced: more work */
}
END_TEST

START_TEST(test_length_overflow)
{
	struct virtq_elem *e = NULL;
	uint8_t before[0x3000], after[0x3000];

	/* two 2 GiB readable buffers (the same RAM twice) add up past 4 GiB - 1 */
	teardown();
	setup_ram(0x81000000ull);
	standard();
	set_desc(0, 0x1000000, 0x80000000u, VRING_DESC_F_NEXT, 1);
	set_desc(1, 0x1000000, 0x80000000u, 0, 0);
	avail_add(0);
	memcpy(before, mem.ram + DESC, sizeof(before));
	ck_assert_int_eq(virtqueue_pop(vq, &e), -EIO);
	ck_assert_uint_ne(vdev.status & VIRTIO_STATUS_NEEDS_RESET, 0);
	memcpy(after, mem.ram + DESC, sizeof(after));
	ck_assert_int_eq(memcmp(before, after, sizeof(before)), 0);
	/* but 4 GiB - 1 exactly is fine */
	virtio_set_status(&vdev, 0);
	memset(mem.ram + AVAIL, 0, 0x2000);
	standard();
	set_desc(0, 0x1000000, 0x80000000u, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(1, 0x1000000, 0x7fffffffu, VRING_DESC_F_WRITE, 0);
	avail_add(0);
	ck_assert_int_eq(virtqueue_pop(vq, &e), 1);
	ck_assert_uint_eq(e->in_len, 0xffffffffu);
	virtqueue_push(vq, e, 0);
}
END_TEST

START_TEST(test_features_and_status)
{
	/* offered: VERSION_1, INDIRECT_DESC, EVENT_IDX */
	ck_assert_uint_eq(virtio_get_host_features(&vdev, 0),
			  (1u << VIRTIO_F_INDIRECT_DESC) | (1u << VIRTIO_F_EVENT_IDX));
	ck_assert_uint_eq(virtio_get_host_features(&vdev, 1), 1);
	ck_assert_uint_eq(virtio_get_host_features(&vdev, 2), 0);
	/* without VERSION_1: FEATURES_OK refused */
	negotiate(VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	ck_assert_uint_eq(vdev.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* DRIVER_OK without FEATURES_OK is ignored */
	virtio_set_status(&vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(vdev.status & VIRTIO_STATUS_DRIVER_OK, 0);
	virtio_set_status(&vdev, 0);
	ck_assert_uint_eq(vdev.guest_features, 0);
	/* an unoffered bit: dropped, and FEATURES_OK refused */
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_RING_PACKED));
	ck_assert_uint_eq(vdev.guest_features, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	ck_assert_uint_eq(vdev.status & VIRTIO_STATUS_FEATURES_OK, 0);
	virtio_set_status(&vdev, 0);
	/* good: accepted, and features are frozen after FEATURES_OK */
	negotiate(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	ck_assert_uint_ne(vdev.status & VIRTIO_STATUS_FEATURES_OK, 0);
	virtio_set_guest_features(&vdev, 0, 0);
	ck_assert(virtio_has_feature(&vdev, VIRTIO_F_EVENT_IDX));
	/* the driver cannot set NEEDS_RESET itself */
	virtio_set_status(&vdev, vdev.status | VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(vdev.status & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* config space: none here, reads are 0 */
	ck_assert_uint_eq(virtio_config_read(&vdev, 0, 4), 0);
}
END_TEST

START_TEST(test_backend_registry)
{
	struct virtio_backend a = { .id = "hd0", .kind = VIRTIO_BACKEND_DRIVE };
	struct virtio_backend b = { .id = "hd0", .kind = VIRTIO_BACKEND_DRIVE };
	struct virtio_backend c = { .id = "hd0", .kind = VIRTIO_BACKEND_NETDEV };
	struct virtio_backend *got = NULL;
	int owner1, owner2;

	ck_assert_int_eq(virtio_backend_register(&a), 0);
	ck_assert_int_eq(virtio_backend_register(&b), -EEXIST);
	ck_assert_int_eq(virtio_backend_register(&c), 0);	/* other kind: fine */
	ck_assert_int_eq(virtio_backend_claim(VIRTIO_BACKEND_DRIVE, "hd1", &owner1, &got),
			 -ENOENT);
	ck_assert_int_eq(virtio_backend_claim(VIRTIO_BACKEND_DRIVE, "hd0", &owner1, &got), 0);
	ck_assert_ptr_eq(got, &a);
	ck_assert_int_eq(virtio_backend_claim(VIRTIO_BACKEND_DRIVE, "hd0", &owner2, &got),
			 -EBUSY);
	virtio_backend_release(&a, &owner1);
	ck_assert_int_eq(virtio_backend_claim(VIRTIO_BACKEND_DRIVE, "hd0", &owner2, &got), 0);
	virtio_backend_unregister(&a);
	virtio_backend_unregister(&c);
	ck_assert_ptr_null(virtio_backend_find(VIRTIO_BACKEND_DRIVE, "hd0"));
}
END_TEST

Suite *board_virtqueue_suite(void)
{
	Suite *s = suite_create("board_virtqueue");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_single_descriptor);
	tcase_add_test(tc, test_chain_in_out);
	tcase_add_test(tc, test_indirect);
	tcase_add_test(tc, test_long_chain_and_zero_length);
	tcase_add_test(tc, test_bad_head);
	tcase_add_test(tc, test_bad_next);
	tcase_add_test(tc, test_loop);
	tcase_add_test(tc, test_self_loop);
	tcase_add_test(tc, test_buffer_outside_ram);
	tcase_add_test(tc, test_buffer_address_wraps);
	tcase_add_test(tc, test_readable_after_writable);
	tcase_add_test(tc, test_nested_indirect);
	tcase_add_test(tc, test_indirect_bad_length);
	tcase_add_test(tc, test_indirect_zero_length);
	tcase_add_test(tc, test_indirect_outside_ram);
	tcase_add_test(tc, test_indirect_with_next);
	tcase_add_test(tc, test_indirect_in_chain);
	tcase_add_test(tc, test_indirect_loop);
	tcase_add_test(tc, test_indirect_next_out_of_table);
	tcase_add_test(tc, test_avail_index_runs_ahead);
	tcase_add_test(tc, test_reset_recovers);
	tcase_add_test(tc, test_stale_element);
	tcase_add_test(tc, test_enable_checks);
	tcase_add_test(tc, test_no_interrupt_flag);
	tcase_add_test(tc, test_event_idx);
	tcase_add_test(tc, test_length_overflow);
	tcase_add_test(tc, test_features_and_status);
	tcase_add_test(tc, test_backend_registry);
	suite_add_tcase(s, tc);
	return s;
}
