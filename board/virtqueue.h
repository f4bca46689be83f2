/*
 * Split virtqueues (virtio 1.x section 2.7), device side.
 *
 * Contract
 * - Every value the guest controls is checked before use, and only through
 *   gmem_ptr() (ranges wholly in RAM): queue size (a power of two, 1..num_max
 *   <= 32768), ring addresses (aligned: descriptors 16, avail 2, used 4; the
 *   whole ring in RAM), the avail index (at most size entries ahead),
 *   descriptor heads and next indexes (< size), chain length (<= size, which
 *   also catches loops), indirect tables (only as the head descriptor, not
 *   with NEXT, length a non-zero multiple of 16 and at most 32768 entries,
 *   in RAM, no nested INDIRECT, their own loop bound), device-writable
 *   descriptors after every readable one, buffers in RAM, and each
 *   direction's total length <= UINT32_MAX.
 * - A violation calls virtio_error(): NEEDS_RESET, the queue and the device
 *   stop, nothing is written to the used ring and no buffer is touched.
 * - virtqueue_pop() returns one validated chain as host iovecs (driver ->
 *   device "out" ones first, then device -> driver "in" ones). Host pointers
 *   stay valid while the guest RAM mapping exists (RAM never moves), so a
 *   worker thread may fill them without the board lock.
 * - virtqueue_push() writes the used element, then (release barrier) the used
 *   index. virtqueue_should_notify() is NO_INTERRUPT / used_event
 *   (EVENT_IDX) suppression, with a full barrier before reading them. With
 *   EVENT_IDX the device publishes avail_event when it runs out of work.
 * - Callers hold the device's lock (the board lock) around pop/push.
 */
#ifndef BOARD_VIRTQUEUE_H
#define BOARD_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct virtio_device;

/* descriptor flags */
#define VRING_DESC_F_NEXT		1
#define VRING_DESC_F_WRITE		2
#define VRING_DESC_F_INDIRECT		4
/* avail.flags / used.flags */
#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

#define VRING_DESC_SIZE			16
#define VRING_USED_ELEM_SIZE		8
#define VRING_DESC_ALIGN		16
#define VRING_AVAIL_ALIGN		2
#define VRING_USED_ALIGN		4

/* bytes of each part for a queue of num entries (event fields included) */
static inline uint64_t vring_desc_size(unsigned num) { return (uint64_t)VRING_DESC_SIZE * num; }
static inline uint64_t vring_avail_size(unsigned num) { return 6 + 2ull * num; }
static inline uint64_t vring_used_size(unsigned num) { return 6 + 8ull * num; }

/* Event index arithmetic (16-bit wrap): should the other side be told? */
static inline bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

struct virtqueue {
	struct virtio_device *vdev;
	unsigned index;
	uint16_t num_max;		/* what the device offers */
	uint16_t num;			/* what the driver chose */
	bool enabled;
	bool broken;			/* a malformed ring stopped it */
	uint64_t desc, avail, used;	/* guest-physical ring addresses */
	uint16_t msix_vector;		/* PCI transport */

	uint16_t last_avail_idx;	/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used.idx */
	uint16_t signalled_used;	/* used.idx at the last interrupt */
	bool signalled_used_valid;
	unsigned inflight;		/* popped, not yet pushed */
	unsigned gen;			/* bumped by reset/disable: older elements are stale */
};

struct virtq_elem {
	uint16_t head;			/* id for the used ring */
	unsigned gen;			/* the queue's gen when popped */
	unsigned out_num, in_num;	/* iov[0..out_num) readable, then in_num writable */
	uint64_t out_len, in_len;	/* totals, each <= UINT32_MAX */
	struct iovec iov[];
};

void virtqueue_init(struct virtqueue *vq, struct virtio_device *vdev, unsigned index,
		    uint16_t num_max);
/* Back to the reset state: disabled, size num_max, addresses 0, indexes 0.
 * Elements popped before are stale: pushing them writes nothing. */
void virtqueue_reset(struct virtqueue *vq);
/* Driver took the queue down (virtio-mmio QueueReady = 0): as reset, but the
 * size, addresses and vector are kept for the driver to read back. */
void virtqueue_disable(struct virtqueue *vq);
/*
 * Enable with the current num/desc/avail/used: checks size, alignment and
 * that the rings lie in RAM. 0, or -EINVAL after virtio_error().
 */
int virtqueue_enable(struct virtqueue *vq);
/* Is the queue enabled, unbroken, on a device that is DRIVER_OK? */
bool virtqueue_ready(const struct virtqueue *vq);

/*
 * Take the next available chain. 1: *out is a malloc'd element (give it back
 * with virtqueue_push or virtqueue_discard); 0: nothing available (or the
 * queue is not ready); -EIO: malformed ring, virtio_error() was called.
 */
int virtqueue_pop(struct virtqueue *vq, struct virtq_elem **out);
/* Return elem to the used ring with len bytes written; frees elem. */
void virtqueue_push(struct virtqueue *vq, struct virtq_elem *elem, uint32_t len);
/* Drop a popped element without using it (reset, error paths); frees it. */
void virtqueue_discard(struct virtqueue *vq, struct virtq_elem *elem);
/* Give back the element popped last, unused: the next pop returns the same
 * chain again; frees it. */
void virtqueue_unpop(struct virtqueue *vq, struct virtq_elem *elem);
/* Is there an available chain (no side effects besides reading avail.idx)? */
bool virtqueue_has_work(struct virtqueue *vq);
/*
 * Done for now: with EVENT_IDX publish avail_event = last_avail_idx. Returns
 * true if the driver made more buffers available meanwhile (pop again).
 */
bool virtqueue_enable_notify(struct virtqueue *vq);
/* Should the driver get an interrupt for what was pushed since the last one? */
bool virtqueue_should_notify(struct virtqueue *vq);

/* Copy between an element's buffers and host memory; return bytes copied. */
size_t virtq_elem_read(const struct virtq_elem *e, size_t off, void *dst, size_t len);
size_t virtq_elem_write(const struct virtq_elem *e, size_t off, const void *src, size_t len);

/* iovec helpers: copy [off, off+len) of an iovec array; return bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t off, void *dst, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t off, const void *src,
		    size_t len);
/* The sub-array covering [off, off+len) into out (at most max entries); count. */
unsigned iov_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		   struct iovec *out, unsigned max);

#endif
