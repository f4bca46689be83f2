/*
 * Split virtqueue processing, device side. Every guest-controlled value is
 * checked before use; see board/virtqueue.h for the rules.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "board/log.h"
#include "board/memory.h"
#include "board/virtio.h"
#include "board/virtqueue.h"

#define VRING_INDIRECT_MAX	VIRTIO_QUEUE_MAX	/* entries in one indirect table */
#define ELEM_INITIAL_IOVS	8

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

void virtqueue_init(struct virtqueue *vq, struct virtio_device *vdev, unsigned index,
		    uint16_t num_max)
{
	memset(vq, 0, sizeof(*vq));
	vq->vdev = vdev;
	vq->index = index;
	vq->num_max = num_max;
	virtqueue_reset(vq);
}

void virtqueue_disable(struct virtqueue *vq)
{
	vq->enabled = false;
	vq->broken = false;
	vq->gen++;
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->inflight = 0;
}

void virtqueue_reset(struct virtqueue *vq)
{
	vq->num = vq->num_max;
	vq->enabled = false;
	vq->broken = false;
	vq->gen++;
	vq->desc = vq->avail = vq->used = 0;
	vq->msix_vector = VIRTIO_NO_VECTOR;
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->inflight = 0;
}

static void vq_error(struct virtqueue *vq, const char *what, uint64_t val)
{
	vq->broken = true;
	virtio_error(vq->vdev, "queue %u: %s (0x%" PRIx64 ")", vq->index, what, val);
}

int virtqueue_enable(struct virtqueue *vq)
{
	struct guest_mem *m = vq->vdev->mem;
	unsigned num = vq->num;

	if (!num || num > vq->num_max || (num & (num - 1))) {
		vq_error(vq, "queue size is not a power of two up to the maximum", num);
		return -EINVAL;
	}
	if ((vq->desc & (VRING_DESC_ALIGN - 1)) || (vq->avail & (VRING_AVAIL_ALIGN - 1)) ||
	    (vq->used & (VRING_USED_ALIGN - 1))) {
		vq_error(vq, "misaligned ring", vq->desc | vq->avail | vq->used);
		return -EINVAL;
	}
	if (!gmem_is_ram(m, vq->desc, vring_desc_size(num))) {
		vq_error(vq, "descriptor table outside RAM", vq->desc);
		return -EINVAL;
	}
	if (!gmem_is_ram(m, vq->avail, vring_avail_size(num))) {
		vq_error(vq, "available ring outside RAM", vq->avail);
		return -EINVAL;
	}
	if (!gmem_is_ram(m, vq->used, vring_used_size(num))) {
		vq_error(vq, "used ring outside RAM", vq->used);
		return -EINVAL;
	}
	vq->enabled = true;
	return 0;
}

bool virtqueue_ready(const struct virtqueue *vq)
{
	return vq->enabled && !vq->broken && virtio_driver_ok(vq->vdev);
}

/* ---- ring access (ranges re-checked each time: cheap, and RAM is all we trust) ---- */

static uint8_t *avail_ring(struct virtqueue *vq)
{
	return gmem_ptr(vq->vdev->mem, vq->avail, vring_avail_size(vq->num));
}

static uint8_t *used_ring(struct virtqueue *vq)
{
	return gmem_ptr(vq->vdev->mem, vq->used, vring_used_size(vq->num));
}

static uint16_t load16_acquire(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static uint16_t load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static void store16_release(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELEASE);
}

/* one fetch of the descriptor: the guest may change it under us */
static void desc_fetch(const uint8_t *table, unsigned i, struct vring_desc *d)
{
	uint8_t raw[VRING_DESC_SIZE];

	memcpy(raw, table + (size_t)i * VRING_DESC_SIZE, sizeof(raw));
	memcpy(&d->addr, raw, 8);
	memcpy(&d->len, raw + 8, 4);
	memcpy(&d->flags, raw + 12, 2);
	memcpy(&d->next, raw + 14, 2);
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

bool virtqueue_has_work(struct virtqueue *vq)
{
	uint8_t *avail;

	if (!virtqueue_ready(vq))
		return false;
	avail = avail_ring(vq);
	return avail && load16_acquire(avail + 2) != vq->last_avail_idx;
}

/* ---- chain walk ---- */

struct chain {
	struct virtq_elem *e;
	unsigned cap;
	bool seen_write;
};

static int chain_add(struct virtqueue *vq, struct chain *c, const struct vring_desc *d)
{
	struct virtq_elem *e = c->e;
	void *host;

	if (d->flags & VRING_DESC_F_WRITE) {
		c->seen_write = true;
	} else if (c->seen_write) {
		vq_error(vq, "readable descriptor after a writable one", d->addr);
		return -EIO;
	}
	if (!d->len)
		return 0;
	host = gmem_ptr(vq->vdev->mem, d->addr, d->len);
	if (!host) {
		vq_error(vq, "buffer outside RAM", d->addr);
		return -EIO;
	}
	if (d->flags & VRING_DESC_F_WRITE) {
		e->in_len += d->len;
		if (e->in_len > UINT32_MAX) {
			vq_error(vq, "writable buffers add up to more than 4 GiB", e->in_len);
			return -EIO;
		}
	} else {
		e->out_len += d->len;
		if (e->out_len > UINT32_MAX) {
			vq_error(vq, "readable buffers add up to more than 4 GiB", e->out_len);
			return -EIO;
		}
	}
	if (e->out_num + e->in_num == c->cap) {
		unsigned cap = c->cap * 2;
		struct virtq_elem *n = realloc(e, sizeof(*e) + cap * sizeof(struct iovec));

		if (!n) {
			vq_error(vq, "out of host memory for a chain", cap);
			return -EIO;
		}
		c->e = e = n;
		c->cap = cap;
	}
	e->iov[e->out_num + e->in_num].iov_base = host;
	e->iov[e->out_num + e->in_num].iov_len = d->len;
	if (d->flags & VRING_DESC_F_WRITE)
		e->in_num++;
	else
		e->out_num++;
	return 0;
}

static int chain_walk(struct virtqueue *vq, const uint8_t *ring_table, uint16_t head,
		      struct chain *c)
{
	const uint8_t *table = ring_table;
	unsigned table_num = vq->num, count = 0, i = head;
	bool indirect = false;
	struct vring_desc d;
	int r;

	for (;;) {
		desc_fetch(table, i, &d);
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (indirect) {
				vq_error(vq, "nested indirect descriptor", i);
				return -EIO;
			}
			if (count) {
				vq_error(vq, "indirect descriptor inside a chain", i);
				return -EIO;
			}
			if (d.flags & VRING_DESC_F_NEXT) {
				vq_error(vq, "indirect descriptor with NEXT", i);
				return -EIO;
			}
			if (!d.len || d.len % VRING_DESC_SIZE ||
			    d.len / VRING_DESC_SIZE > VRING_INDIRECT_MAX) {
				vq_error(vq, "bad indirect table length", d.len);
				return -EIO;
			}
			table = gmem_ptr(vq->vdev->mem, d.addr, d.len);
			if (!table) {
				vq_error(vq, "indirect table outside RAM", d.addr);
				return -EIO;
			}
			table_num = d.len / VRING_DESC_SIZE;
			indirect = true;
			i = 0;
			continue;
		}
		r = chain_add(vq, c, &d);
		if (r < 0)
			return r;
		count++;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		/* a chain can never be longer than its table: this also ends loops */
		if (count >= table_num) {
			vq_error(vq, indirect ? "indirect chain longer than its table (loop?)" :
				 "chain longer than the queue (loop?)", count);
			return -EIO;
		}
		i = d.next;
		if (i >= table_num) {
			vq_error(vq, "next descriptor index out of range", i);
			return -EIO;
		}
	}
}

int virtqueue_pop(struct virtqueue *vq, struct virtq_elem **out)
{
	unsigned num = vq->num;
	uint8_t *avail, *table;
	uint16_t avail_idx, head;
	struct chain c;

	if (!virtqueue_ready(vq))
		return 0;
	avail = avail_ring(vq);
	table = gmem_ptr(vq->vdev->mem, vq->desc, vring_desc_size(num));
	if (!avail || !table) {
		vq_error(vq, "ring outside RAM", avail ? vq->desc : vq->avail);
		return -EIO;
	}
	avail_idx = load16_acquire(avail + 2);
	if ((uint16_t)(avail_idx - vq->last_avail_idx) > num) {
		vq_error(vq, "available index ran more than the queue size ahead", avail_idx);
		return -EIO;
	}
	if (avail_idx == vq->last_avail_idx)
		return 0;
	head = load16(avail + 4 + 2 * (vq->last_avail_idx & (num - 1)));
	if (head >= num) {
		vq_error(vq, "head descriptor index out of range", head);
		return -EIO;
	}
	c.cap = ELEM_INITIAL_IOVS;
	c.seen_write = false;
	c.e = calloc(1, sizeof(*c.e) + c.cap * sizeof(struct iovec));
	if (!c.e) {
		vq_error(vq, "out of host memory for a chain", 0);
		return -EIO;
	}
	c.e->head = head;
	c.e->gen = vq->gen;
	if (chain_walk(vq, table, head, &c) < 0) {
		free(c.e);
		return -EIO;
	}
	vq->last_avail_idx++;
	vq->inflight++;
	*out = c.e;
	return 1;
}

void virtqueue_discard(struct virtqueue *vq, struct virtq_elem *elem)
{
	if (elem->gen == vq->gen && vq->inflight)
		vq->inflight--;
	free(elem);
}

void virtqueue_unpop(struct virtqueue *vq, struct virtq_elem *elem)
{
	if (elem->gen == vq->gen && vq->inflight) {
		vq->last_avail_idx--;
		vq->inflight--;
	}
	free(elem);
}

void virtqueue_push(struct virtqueue *vq, struct virtq_elem *elem, uint32_t len)
{
	uint8_t *used, entry[VRING_USED_ELEM_SIZE];
	uint32_t id = htole32(elem->head), l = htole32(len);

	/* an element from before a reset or a broken ring goes nowhere */
	if (elem->gen != vq->gen || !vq->inflight || !virtqueue_ready(vq)) {
		virtqueue_discard(vq, elem);
		return;
	}
	used = used_ring(vq);
	if (!used) {
		vq_error(vq, "used ring outside RAM", vq->used);
		virtqueue_discard(vq, elem);
		return;
	}
	memcpy(entry, &id, 4);
	memcpy(entry + 4, &l, 4);
	memcpy(used + 4 + (size_t)VRING_USED_ELEM_SIZE * (vq->used_idx & (vq->num - 1)), entry,
	       sizeof(entry));
	vq->used_idx++;
	/* the element must be visible before the index that publishes it */
	store16_release(used + 2, vq->used_idx);
	virtqueue_discard(vq, elem);
}

bool virtqueue_enable_notify(struct virtqueue *vq)
{
	uint8_t *used;

	if (!virtqueue_ready(vq))
		return false;
	if (virtio_has_feature(vq->vdev, VIRTIO_F_EVENT_IDX)) {
		used = used_ring(vq);
		if (!used)
			return false;
		store16_release(used + 4 + (size_t)VRING_USED_ELEM_SIZE * vq->num,
				vq->last_avail_idx);
	}
	/* publish before re-reading avail.idx, or a kick could be lost */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtqueue_has_work(vq);
}

bool virtqueue_should_notify(struct virtqueue *vq)
{
	uint16_t old = vq->signalled_used, new = vq->used_idx;
	bool valid = vq->signalled_used_valid;
	uint8_t *avail;

	if (!vq->enabled || !virtio_driver_ok(vq->vdev))
		return false;
	/* used.idx must be visible before we look at the driver's suppression */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail = avail_ring(vq);
	if (!avail)
		return false;
	if (virtio_has_feature(vq->vdev, VIRTIO_F_EVENT_IDX)) {
		vq->signalled_used = new;
		vq->signalled_used_valid = true;
		if (!valid)
			return true;
		return vring_need_event(load16(avail + 4 + 2 * (size_t)vq->num), new, old);
	}
	return !(load16(avail) & VRING_AVAIL_F_NO_INTERRUPT);
}

/* ---- copying ---- */

size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((uint8_t *)dst + done, (uint8_t *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t off, const void *src,
		    size_t len)
{
	size_t done = 0;
	unsigned i;

	for (i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((uint8_t *)iov[i].iov_base + off, (const uint8_t *)src + done, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

unsigned iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		   struct iovec *out, unsigned max)
{
	unsigned i, k = 0;

	for (i = 0; i < n && len && k < max; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len)
			chunk = len;
		out[k].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[k].iov_len = chunk;
		k++;
		len -= chunk;
		off = 0;
	}
	return k;
}

size_t virtq_elem_read(const struct virtq_elem *e, size_t off, void *dst, size_t len)
{
	return iov_to_buf(e->iov, e->out_num, off, dst, len);
}

size_t virtq_elem_write(const struct virtq_elem *e, size_t off, const void *src, size_t len)
{
	return iov_from_buf(e->iov + e->out_num, e->in_num, off, src, len);
}
