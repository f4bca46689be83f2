/*
 * libFuzzer target: split virtqueue processing over a small guest RAM whose
 * content, ring addresses, queue size and features the fuzzer chooses. The
 * input is
 *   [u16 num] [u8 flags] [u16 desc] [u16 avail] [u16 used] [u8 n]
 *   [n ops] [guest memory content (zero-padded to RAM_SIZE)]
 * Each op pops a chain and pushes it back (writing into its buffers), checks
 * interrupt suppression, re-arms notifications, gives a chain back, changes
 * one byte of guest memory (a racing driver), or resets the device. Whatever
 * the memory holds, nothing may crash (ASan/UBSan), a popped chain's buffers
 * lie inside guest RAM, a failing pop leaves memory untouched and sets
 * NEEDS_RESET, and a push writes nothing outside the used ring.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board/memory.h"
#include "board/virtio.h"
#include "board/virtqueue.h"

#define RAM_SIZE	0x4000u
#define QUEUE_MAX	256

enum { OP_POP_PUSH, OP_NOTIFY, OP_ENABLE_NOTIFY, OP_UNPOP, OP_POKE, OP_RESET, OP_COUNT };

static const struct virtio_device_ops ops;
static void t_notify(void *opaque, unsigned q) { (void)opaque; (void)q; }
static const struct virtio_transport_ops tops = { .notify = t_notify };

static uint64_t take(const uint8_t **p, size_t *left, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n && *left; i++, (*p)++, (*left)--)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

struct params {
	uint16_t num;
	uint8_t flags;
	uint64_t desc, avail, used;
};

static void start(struct virtio_device *vdev, const struct params *pr)
{
	struct virtqueue *vq = &vdev->vq[0];
	uint64_t f = VIRTIO_BIT(VIRTIO_F_VERSION_1);

	if (pr->flags & 1)
		f |= VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	if (pr->flags & 2)
		f |= VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	virtio_set_status(vdev, 0);
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	virtio_set_guest_features(vdev, 0, (uint32_t)f);
	virtio_set_guest_features(vdev, 1, (uint32_t)(f >> 32));
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK);
	vq->num = pr->num;
	vq->desc = pr->desc;
	vq->avail = pr->avail;
	vq->used = pr->used;
	virtqueue_enable(vq);
	virtio_set_status(vdev, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void check_elem(struct guest_mem *mem, const struct virtq_elem *e)
{
	uint64_t out = 0, in = 0;
	unsigned i;

	for (i = 0; i < e->out_num + e->in_num; i++) {
		uint8_t *b = e->iov[i].iov_base;

		if (b < mem->ram || e->iov[i].iov_len > RAM_SIZE ||
		    (size_t)(b - mem->ram) > RAM_SIZE - e->iov[i].iov_len)
			abort();
		if (i < e->out_num)
			out += e->iov[i].iov_len;
		else
			in += e->iov[i].iov_len;
	}
	if (out != e->out_len || in != e->in_len || out > UINT32_MAX || in > UINT32_MAX)
		abort();
}

/* pop one chain; check it (or that a failure changed nothing) */
static int checked_pop(struct virtio_device *vdev, struct virtq_elem **e)
{
	static uint8_t before[RAM_SIZE];
	struct guest_mem *mem = vdev->mem;
	int r;

	memcpy(before, mem->ram, RAM_SIZE);
	r = virtqueue_pop(&vdev->vq[0], e);
	if (r < 0) {
		if (r != -EIO || !(vdev->status & VIRTIO_STATUS_NEEDS_RESET) ||
		    memcmp(before, mem->ram, RAM_SIZE))
			abort();
		return r;
	}
	if (r == 1)
		check_elem(mem, *e);
	return r;
}

static void checked_push(struct virtio_device *vdev, struct virtq_elem *e, uint32_t len)
{
	static uint8_t before[RAM_SIZE];
	struct virtqueue *vq = &vdev->vq[0];
	struct guest_mem *mem = vdev->mem;
	uint64_t used = vq->used, size = vring_used_size(vq->num), i;

	memcpy(before, mem->ram, RAM_SIZE);
	virtqueue_push(vq, e, len);
	for (i = 0; i < RAM_SIZE; i++)
		if (before[i] != mem->ram[i] && (i < used || i >= used + size))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem mem;
	struct virtio_device vdev;
	struct virtq_elem *e;
	struct params pr;
	const uint8_t *p = data, *opsb;
	size_t left = size, nops;
	uint8_t pattern[512];

	pr.num = (uint16_t)take(&p, &left, 2);
	pr.flags = (uint8_t)take(&p, &left, 1);
	pr.desc = take(&p, &left, 2);
	pr.avail = take(&p, &left, 2);
	pr.used = take(&p, &left, 2);
	/* flag bits 2..4 push an address far out (outside RAM, or wrapping) */
	if (pr.flags & 4)
		pr.desc |= 0xffffffffffff0000ull;
	if (pr.flags & 8)
		pr.avail += 0x100000000ull;
	if (pr.flags & 16)
		pr.used += RAM_SIZE - 0x100;
	nops = (size_t)take(&p, &left, 1);
	if (nops > left)
		nops = left;
	opsb = p;
	p += nops;
	left -= nops;

	if (gmem_init(&mem, RAM_SIZE, 0xe0000000ull) < 0)
		return 0;
	memcpy(mem.ram, p, left < RAM_SIZE ? left : RAM_SIZE);
	if (virtio_init(&vdev, "fuzz", VIRTIO_ID_RNG, &ops, &mem, NULL, 0, NULL, 0, 1,
			QUEUE_MAX) < 0) {
		gmem_destroy(&mem);
		return 0;
	}
	virtio_attach(&vdev, &tops, NULL);
	memset(pattern, 0xa5, sizeof(pattern));
	start(&vdev, &pr);

	for (size_t i = 0; i < nops; i++) {
		uint8_t op = opsb[i], arg = i + 1 < nops ? opsb[i + 1] : 0;

		switch (op % OP_COUNT) {
		case OP_POP_PUSH:
			if (checked_pop(&vdev, &e) == 1) {
				size_t n = e->in_len < sizeof(pattern) ? e->in_len : sizeof(pattern);
				uint8_t sink[512];

				virtq_elem_read(e, arg, sink, sizeof(sink));
				virtq_elem_write(e, arg % 8, pattern, n);
				checked_push(&vdev, e, op & 0x80 ? (uint32_t)e->in_len : arg);
			}
			break;
		case OP_NOTIFY:
			virtio_notify_queue(&vdev, 0);
			break;
		case OP_ENABLE_NOTIFY:
			virtqueue_enable_notify(&vdev.vq[0]);
			virtqueue_has_work(&vdev.vq[0]);
			break;
		case OP_UNPOP:
			if (checked_pop(&vdev, &e) == 1)
				virtqueue_unpop(&vdev.vq[0], e);
			break;
		case OP_POKE:
			mem.ram[((size_t)op << 8 | arg) % RAM_SIZE] = (uint8_t)(op ^ arg);
			i++;
			break;
		case OP_RESET:
			start(&vdev, &pr);
			break;
		}
	}
	/* drain whatever is left, bounded by the queue size */
	for (unsigned k = 0; k < QUEUE_MAX + 1 && checked_pop(&vdev, &e) == 1; k++)
		checked_push(&vdev, e, 0);
	virtio_cleanup(&vdev);
	gmem_destroy(&mem);
	return 0;
}
