/*
 * virtio-blk (virtio 1.x section 5.2) over a raw file: read, write, flush,
 * get-id. Requests are parsed and checked on the thread that kicked the
 * queue (sector range, length a multiple of 512, read-only drives); the disk
 * I/O itself runs on the device's worker thread, which reads and writes the
 * guest buffers directly (host pointers from gmem_ptr: RAM never moves) and
 * hands finished requests back through the completion notifier.
 *
 * A device reset drops requests that have not started, waits for the one
 * in progress (so no I/O touches guest memory after the reset) and discards
 * every completion from before it (the generation counter).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"
#include "board/virtio_dev.h"
#include "board/virtio_mmio.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

#define BLK_SEG_MAX		(VIRTIO_BLK_QUEUE_SIZE - 2)

struct blk_req {
	struct blk_req *next;
	struct virtq_elem *elem;
	unsigned generation;
	uint32_t type;
	uint64_t sector;
	uint8_t *status;		/* host pointer to the status byte */
	uint8_t result;
	uint32_t used_len;
	size_t data_len;
	unsigned niov;
	struct iovec iov[];		/* the data buffers */
};

struct virtio_blk {
	struct virtio_device vdev;
	char *drive_id;			/* property "drive" */
	char *serial_prop;		/* property "serial" */
	const char *name;
	struct virtio_drive *drive;
	int fd;
	bool readonly;
	uint64_t capacity;		/* sectors */
	char serial[VIRTIO_BLK_ID_BYTES];
	uint8_t config[VIRTIO_BLK_CFG_LEN];

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t qlock;		/* guards everything below */
	pthread_cond_t work_cond, idle_cond;
	struct blk_req *submit, **submit_tail;
	struct blk_req *done, **done_tail;
	unsigned busy;			/* submitted, I/O not finished */
	unsigned generation;
	atomic_bool stop;
	void (*notify)(void *opaque);
	void *notify_opaque;
};

static void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_le64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t get_le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

/* ---- worker ---- */

static int blk_io(int fd, const struct iovec *iov, unsigned n, uint64_t off, bool write)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			ssize_t r = write ? pwrite(fd, p, left, (off_t)off) : pread(fd, p, left, (off_t)off);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return -EIO;	/* error, or the file shrank under us */
			p += r;
			left -= (size_t)r;
			off += (uint64_t)r;
		}
	}
	return 0;
}

static void blk_execute(struct virtio_blk *blk, struct blk_req *req)
{
	uint64_t off = req->sector * VIRTIO_BLK_SECTOR_SIZE;
	int r = 0;

	switch (req->type) {
	case VIRTIO_BLK_T_IN:
		r = blk_io(blk->fd, req->iov, req->niov, off, false);
		req->used_len = r < 0 ? 1 : (uint32_t)req->data_len + 1;
		break;
	case VIRTIO_BLK_T_OUT:
		r = blk_io(blk->fd, req->iov, req->niov, off, true);
		req->used_len = 1;
		break;
	case VIRTIO_BLK_T_FLUSH:
		r = fdatasync(blk->fd) < 0 ? -EIO : 0;
		req->used_len = 1;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		size_t n = req->data_len < VIRTIO_BLK_ID_BYTES ? req->data_len : VIRTIO_BLK_ID_BYTES;

		iov_from_buf(req->iov, req->niov, 0, blk->serial, n);
		req->used_len = (uint32_t)n + 1;
		break;
	}
	}
	req->result = r < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

static void blk_complete_locked(struct virtio_blk *blk);

/* the board lock, unless the device is going away (unrealize may hold it) */
static bool worker_lock_board(struct virtio_blk *blk)
{
	pthread_mutex_t *lock = blk->vdev.lock;

	if (!lock)
		return true;
	for (;;) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!pthread_mutex_timedlock(lock, &ts))
			return true;
		if (atomic_load(&blk->stop))
			return false;
	}
}

static void *blk_worker(void *opaque)
{
	struct virtio_blk *blk = opaque;

	pthread_mutex_lock(&blk->qlock);
	for (;;) {
		void (*notify)(void *opaque);
		void *notify_opaque;
		struct blk_req *req;

		while (!blk->submit && !atomic_load(&blk->stop))
			pthread_cond_wait(&blk->work_cond, &blk->qlock);
		if (atomic_load(&blk->stop))
			break;
		req = blk->submit;
		blk->submit = req->next;
		if (!blk->submit)
			blk->submit_tail = &blk->submit;
		pthread_mutex_unlock(&blk->qlock);

		blk_execute(blk, req);

		pthread_mutex_lock(&blk->qlock);
		req->next = NULL;
		*blk->done_tail = req;
		blk->done_tail = &req->next;
		blk->busy--;
		pthread_cond_broadcast(&blk->idle_cond);
		if (blk->submit)
			continue;	/* finish the batch, then signal once */
		notify = blk->notify;
		notify_opaque = blk->notify_opaque;
		pthread_mutex_unlock(&blk->qlock);
		if (notify) {
			notify(notify_opaque);
		} else if (worker_lock_board(blk)) {
			blk_complete_locked(blk);
			if (blk->vdev.lock)
				pthread_mutex_unlock(blk->vdev.lock);
		}
		pthread_mutex_lock(&blk->qlock);
	}
	pthread_mutex_unlock(&blk->qlock);
	return NULL;
}

/* under the board lock */
static void blk_complete_locked(struct virtio_blk *blk)
{
	struct virtqueue *vq = &blk->vdev.vq[0];
	struct blk_req *list, *next;
	bool pushed = false;

	pthread_mutex_lock(&blk->qlock);
	list = blk->done;
	blk->done = NULL;
	blk->done_tail = &blk->done;
	pthread_mutex_unlock(&blk->qlock);
	for (; list; list = next) {
		next = list->next;
		if (list->generation == blk->generation) {
			*list->status = list->result;
			virtqueue_push(vq, list->elem, list->used_len);
			pushed = true;
		} else {
			free(list->elem);	/* from before a reset: its queue is gone */
		}
		free(list);
	}
	if (pushed)
		virtio_notify_queue(&blk->vdev, 0);
}

/* ---- request parsing (vCPU thread, board lock held) ---- */

static void blk_finish_now(struct virtio_blk *blk, struct blk_req *req, uint8_t status)
{
	*req->status = status;
	virtqueue_push(&blk->vdev.vq[0], req->elem, 1);
	free(req);
}

/* 1: queued to the worker; 0: answered at once; -EIO: malformed, device stopped */
static int blk_handle(struct virtio_blk *blk, struct virtq_elem *e)
{
	uint8_t hdr[VIRTIO_BLK_REQ_HDR_SIZE];
	struct iovec *last;
	struct blk_req *req;
	unsigned nmax = e->out_num + e->in_num;

	if (e->out_len < VIRTIO_BLK_REQ_HDR_SIZE || e->in_len < 1) {
		virtio_error(&blk->vdev, "request without header or status byte");
		virtqueue_discard(&blk->vdev.vq[0], e);
		return -EIO;
	}
	req = calloc(1, sizeof(*req) + nmax * sizeof(struct iovec));
	if (!req) {
		virtio_error(&blk->vdev, "out of host memory");
		virtqueue_discard(&blk->vdev.vq[0], e);
		return -EIO;
	}
	virtq_elem_read(e, 0, hdr, sizeof(hdr));
	req->elem = e;
	req->type = get_le32(hdr);
	req->sector = get_le64(hdr + 8);
	last = &e->iov[e->out_num + e->in_num - 1];	/* zero-length buffers are never listed */
	req->status = (uint8_t *)last->iov_base + last->iov_len - 1;

	switch (req->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_GET_ID:
		req->data_len = e->in_len - 1;
		req->niov = iov_slice(e->iov + e->out_num, e->in_num, 0, req->data_len, req->iov, nmax);
		break;
	case VIRTIO_BLK_T_OUT:
		req->data_len = e->out_len - VIRTIO_BLK_REQ_HDR_SIZE;
		req->niov = iov_slice(e->iov, e->out_num, VIRTIO_BLK_REQ_HDR_SIZE, req->data_len,
				      req->iov, nmax);
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	default:
		guest_error("%s: request type %u not supported\n", blk->name, req->type);
		blk_finish_now(blk, req, VIRTIO_BLK_S_UNSUPP);
		return 0;
	}
	if (req->type == VIRTIO_BLK_T_IN || req->type == VIRTIO_BLK_T_OUT) {
		uint64_t n = req->data_len / VIRTIO_BLK_SECTOR_SIZE;

		if (req->data_len % VIRTIO_BLK_SECTOR_SIZE || req->sector > blk->capacity ||
		    n > blk->capacity - req->sector) {
			guest_error("%s: %s of %zu bytes at sector %" PRIu64 " is outside the %" PRIu64
				    " sectors of the disk\n", blk->name,
				    req->type == VIRTIO_BLK_T_IN ? "read" : "write", req->data_len,
				    req->sector, blk->capacity);
			blk_finish_now(blk, req, VIRTIO_BLK_S_IOERR);
			return 0;
		}
		if (req->type == VIRTIO_BLK_T_OUT && blk->readonly) {
			guest_error("%s: write to a read-only drive\n", blk->name);
			blk_finish_now(blk, req, VIRTIO_BLK_S_IOERR);
			return 0;
		}
	}
	pthread_mutex_lock(&blk->qlock);
	req->generation = blk->generation;
	*blk->submit_tail = req;
	blk->submit_tail = &req->next;
	blk->busy++;
	pthread_cond_signal(&blk->work_cond);
	pthread_mutex_unlock(&blk->qlock);
	return 1;
}

static void blk_queue_notify(struct virtio_device *vdev, unsigned q)
{
	struct virtio_blk *blk = (struct virtio_blk *)vdev;
	struct virtqueue *vq = &vdev->vq[0];
	struct virtq_elem *e;
	bool answered = false;
	int r;

	if (q != 0)
		return;
	do {
		while ((r = virtqueue_pop(vq, &e)) == 1) {
			r = blk_handle(blk, e);
			if (r < 0)
				return;
			answered |= r == 0;
		}
		if (r < 0)
			return;
	} while (virtqueue_enable_notify(vq));
	if (answered)
		virtio_notify_queue(vdev, 0);
}

/* drop what has not started, wait for what has, forget every completion */
static void blk_reset(struct virtio_device *vdev)
{
	struct virtio_blk *blk = (struct virtio_blk *)vdev;
	struct blk_req *req, *next;

	pthread_mutex_lock(&blk->qlock);
	for (req = blk->submit; req; req = next) {
		next = req->next;
		free(req->elem);
		free(req);
		blk->busy--;
	}
	blk->submit = NULL;
	blk->submit_tail = &blk->submit;
	while (blk->busy)
		pthread_cond_wait(&blk->idle_cond, &blk->qlock);
	for (req = blk->done; req; req = next) {
		next = req->next;
		free(req->elem);
		free(req);
	}
	blk->done = NULL;
	blk->done_tail = &blk->done;
	blk->generation++;
	pthread_mutex_unlock(&blk->qlock);
}

static const struct virtio_device_ops blk_ops = {
	.queue_notify = blk_queue_notify,
	.reset = blk_reset,
};

/* ---- setup ---- */

static int blk_init(struct virtio_blk *blk, struct board *b, struct device *dev,
		    struct board_err *err)
{
	struct virtio_backend *be;
	uint64_t features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) |
			    VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	off_t size;
	int r;

	blk->name = dev->name;
	blk->fd = -1;
	if (!blk->drive_id || !*blk->drive_id)
		return board_err(err, -EINVAL, "%s: property 'drive' is required (-drive id=ID,... "
				 "and drive=ID)", dev->name);
	r = virtio_backend_claim(VIRTIO_BACKEND_DRIVE, blk->drive_id, blk, &be);
	if (r < 0)
		return board_err(err, r, "%s: drive '%s' %s", dev->name, blk->drive_id,
				 r == -EBUSY ? "is already used by another device" :
				 "does not exist (no -drive with that id)");
	blk->drive = (struct virtio_drive *)be;
	blk->readonly = blk->drive->readonly;
	blk->fd = open(blk->drive->path, (blk->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (blk->fd < 0) {
		r = -errno;
		board_err(err, r, "%s: drive '%s': cannot open '%s': %s", dev->name, blk->drive_id,
			  blk->drive->path, strerror(-r));
		goto fail;
	}
	size = lseek(blk->fd, 0, SEEK_END);
	if (size < 0) {
		r = -errno;
		board_err(err, r, "%s: '%s': cannot find its size", dev->name, blk->drive->path);
		goto fail;
	}
	/* a partial last sector is not visible to the guest */
	blk->capacity = (uint64_t)size / VIRTIO_BLK_SECTOR_SIZE;
	{
		/* GET_ID: up to 20 bytes, zero padded, not necessarily terminated */
		const char *id = blk->serial_prop && *blk->serial_prop ? blk->serial_prop :
				 blk->drive->serial;
		size_t n = strnlen(id, VIRTIO_BLK_ID_BYTES);

		memset(blk->serial, 0, sizeof(blk->serial));
		memcpy(blk->serial, id, n);
	}
	if (blk->readonly)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	put_le64(blk->config + VIRTIO_BLK_CFG_CAPACITY, blk->capacity);
	put_le32(blk->config + VIRTIO_BLK_CFG_SEG_MAX, BLK_SEG_MAX);
	put_le32(blk->config + VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_SECTOR_SIZE);

	r = virtio_init(&blk->vdev, dev->name, VIRTIO_ID_BLOCK, &blk_ops, &b->mem, &b->lock,
			features, blk->config, VIRTIO_BLK_CFG_LEN, 1, VIRTIO_BLK_QUEUE_SIZE);
	if (r < 0) {
		board_err(err, r, "%s: cannot set up the device", dev->name);
		goto fail;
	}
	pthread_mutex_init(&blk->qlock, NULL);
	pthread_cond_init(&blk->work_cond, NULL);
	pthread_cond_init(&blk->idle_cond, NULL);
	blk->submit_tail = &blk->submit;
	blk->done_tail = &blk->done;
	atomic_store(&blk->stop, false);
	r = -pthread_create(&blk->thread, NULL, blk_worker, blk);
	if (r < 0) {
		board_err(err, r, "%s: cannot start the I/O thread", dev->name);
		virtio_cleanup(&blk->vdev);
		goto fail;
	}
	blk->thread_started = true;
	return 0;
fail:
	if (blk->fd >= 0)
		close(blk->fd);
	blk->fd = -1;
	virtio_backend_release(&blk->drive->be, blk);
	blk->drive = NULL;
	return r;
}

static void blk_exit(struct virtio_blk *blk)
{
	if (blk->thread_started) {
		blk_reset(&blk->vdev);
		pthread_mutex_lock(&blk->qlock);
		atomic_store(&blk->stop, true);
		pthread_cond_broadcast(&blk->work_cond);
		pthread_mutex_unlock(&blk->qlock);
		pthread_join(blk->thread, NULL);
		blk->thread_started = false;
		pthread_cond_destroy(&blk->work_cond);
		pthread_cond_destroy(&blk->idle_cond);
		pthread_mutex_destroy(&blk->qlock);
		virtio_cleanup(&blk->vdev);
	}
	if (blk->fd >= 0)
		close(blk->fd);
	blk->fd = -1;
	if (blk->drive)
		virtio_backend_release(&blk->drive->be, blk);
	blk->drive = NULL;
}

/* ---- device types ---- */

struct virtio_blk_pci {
	struct virtio_pci vp;		/* first */
	struct virtio_blk blk;
};

struct virtio_blk_mmio {
	struct device dev;		/* first */
	struct virtio_blk blk;
};

#define BLK_PROPS(type) \
	{ .name = "drive", .kind = PROP_STRING, .offset = offsetof(type, blk.drive_id), \
	  .desc = "id of the -drive to use" }, \
	{ .name = "serial", .kind = PROP_STRING, .offset = offsetof(type, blk.serial_prop), \
	  .desc = "serial number reported by GET_ID (20 bytes)" }

static const struct device_prop blk_pci_props[] = {
	VIRTIO_PCI_PROPS(struct virtio_blk_pci, vp),
	BLK_PROPS(struct virtio_blk_pci),
	{ 0 }
};

static const struct device_prop blk_mmio_props[] = {
	BLK_PROPS(struct virtio_blk_mmio),
	{ 0 }
};

static int blk_pci_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_blk_pci *p = (struct virtio_blk_pci *)dev;
	int r = blk_init(&p->blk, b, dev, err);

	if (r < 0)
		return r;
	r = virtio_pci_realize(&p->vp, b, &p->blk.vdev, VIRTIO_PCI_CLASS_BLK, err);
	if (r < 0)
		blk_exit(&p->blk);
	return r;
}

static void blk_pci_reset(struct device *dev)
{
	virtio_pci_reset(&((struct virtio_blk_pci *)dev)->vp);
}

static void blk_pci_unrealize(struct device *dev)
{
	struct virtio_blk_pci *p = (struct virtio_blk_pci *)dev;

	virtio_pci_unrealize(&p->vp);
	blk_exit(&p->blk);
}

static struct device_type blk_pci_type = {
	.name = "virtio-blk-pci",
	.desc = "virtio block device on PCI (drive=ID from -drive)",
	.instance_size = sizeof(struct virtio_blk_pci),
	.props = blk_pci_props,
	.realize = blk_pci_realize,
	.reset = blk_pci_reset,
	.unrealize = blk_pci_unrealize,
};
DEVICE_TYPE(blk_pci_type);

static int blk_mmio_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct virtio_blk_mmio *m = (struct virtio_blk_mmio *)dev;
	int r = blk_init(&m->blk, b, dev, err);

	if (r < 0)
		return r;
	r = virtio_mmio_plug(dev, &m->blk.vdev, err);
	if (r < 0)
		blk_exit(&m->blk);
	return r;
}

static void blk_mmio_unrealize(struct device *dev)
{
	struct virtio_blk_mmio *m = (struct virtio_blk_mmio *)dev;

	virtio_mmio_unplug(&m->blk.vdev);
	blk_exit(&m->blk);
}

static struct device_type blk_mmio_type = {
	.name = "virtio-blk-device",
	.desc = "virtio block device in a virtio-mmio slot (drive=ID from -drive)",
	.instance_size = sizeof(struct virtio_blk_mmio),
	.props = blk_mmio_props,
	.realize = blk_mmio_realize,
	.unrealize = blk_mmio_unrealize,
};
DEVICE_TYPE(blk_mmio_type);

static struct virtio_blk *blk_of(struct device *dev)
{
	if (dev && dev->type == &blk_pci_type)
		return &((struct virtio_blk_pci *)dev)->blk;
	if (dev && dev->type == &blk_mmio_type)
		return &((struct virtio_blk_mmio *)dev)->blk;
	return NULL;
}

int virtio_blk_set_notifier(struct device *dev, void (*fn)(void *opaque), void *opaque)
{
	struct virtio_blk *blk = blk_of(dev);

	if (!blk || !blk->thread_started)
		return -EINVAL;
	pthread_mutex_lock(&blk->qlock);
	blk->notify = fn;
	blk->notify_opaque = opaque;
	pthread_mutex_unlock(&blk->qlock);
	return 0;
}

void virtio_blk_complete(struct device *dev)
{
	struct virtio_blk *blk = blk_of(dev);

	if (!blk || !blk->thread_started)
		return;
	if (blk->vdev.lock)
		pthread_mutex_lock(blk->vdev.lock);
	blk_complete_locked(blk);
	if (blk->vdev.lock)
		pthread_mutex_unlock(blk->vdev.lock);
}

unsigned virtio_blk_inflight(struct device *dev)
{
	struct virtio_blk *blk = blk_of(dev);
	unsigned n;

	if (!blk || !blk->thread_started)
		return 0;
	pthread_mutex_lock(&blk->qlock);
	n = blk->busy;
	pthread_mutex_unlock(&blk->qlock);
	return n;
}

/* ---- -drive ---- */

static unsigned drive_counter;

static bool opt_bool(const char *v, bool *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

static int drive_parse(struct virtio_drive *d, char *s, bool *want_device, struct board_err *err)
{
	bool if_none = false;
	char *item, *save = NULL;

	for (item = strtok_r(s, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		const char *k = item, *v;

		if (!eq)
			return board_err(err, -EINVAL, "-drive: '%s' is not key=value", item);
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(k, "file")) {
			free(d->path);
			d->path = strdup(v);
		} else if (!strcmp(k, "id")) {
			free(d->id);
			d->id = strdup(v);
		} else if (!strcmp(k, "if")) {
			if (strcmp(v, "virtio") && strcmp(v, "none"))
				return board_err(err, -EINVAL, "-drive: if=%s is not supported "
						 "(if=virtio or if=none with -device virtio-blk-pci)", v);
			if_none = !strcmp(v, "none");
		} else if (!strcmp(k, "format")) {
			if (strcmp(v, "raw"))
				return board_err(err, -EINVAL, "-drive: format=%s is not supported "
						 "(raw only; convert with qemu-img convert -O raw)", v);
		} else if (!strcmp(k, "readonly")) {
			if (!opt_bool(v, &d->readonly))
				return board_err(err, -EINVAL, "-drive: readonly=%s: on or off", v);
		} else if (!strcmp(k, "serial")) {
			if (strlen(v) > VIRTIO_BLK_ID_BYTES)
				return board_err(err, -EINVAL, "-drive: serial=%s is longer than %d",
						 v, VIRTIO_BLK_ID_BYTES);
			snprintf(d->serial, sizeof(d->serial), "%s", v);
		} else if (!strcmp(k, "media")) {
			if (strcmp(v, "disk"))
				return board_err(err, -EINVAL, "-drive: media=%s is not supported", v);
		} else if (strcmp(k, "cache") && strcmp(k, "aio") && strcmp(k, "discard")) {
			return board_err(err, -EINVAL, "-drive: unknown option '%s'", k);
		}
	}
	if (!d->path || !*d->path)
		return board_err(err, -EINVAL, "-drive: file= is required");
	*want_device = !if_none;
	return 0;
}

int virtio_drive_add(const char *opts, struct virtio_drive **out, bool *want_device,
		     struct board_err *err)
{
	struct virtio_drive *d = calloc(1, sizeof(*d));
	char *s = strdup(opts ? opts : "");
	bool want = true;
	int r;

	board_err_clear(err);
	if (!d || !s) {
		r = board_err(err, -ENOMEM, "-drive: out of memory");
		goto fail;
	}
	r = drive_parse(d, s, &want, err);
	if (r < 0)
		goto fail;
	if (!d->id) {
		char id[24];

		snprintf(id, sizeof(id), "virtio%u", drive_counter);
		d->id = strdup(id);
	}
	if (!d->id || !d->path) {
		r = board_err(err, -ENOMEM, "-drive: out of memory");
		goto fail;
	}
	d->be.id = d->id;
	d->be.kind = VIRTIO_BACKEND_DRIVE;
	r = virtio_backend_register(&d->be);
	if (r < 0) {
		board_err(err, r, "-drive: id '%s' is used twice", d->id);
		goto fail;
	}
	drive_counter++;
	free(s);
	*out = d;
	if (want_device)
		*want_device = want;
	return 0;
fail:
	free(s);
	if (d) {
		free(d->id);
		free(d->path);
		free(d);
	}
	return r;
}

void virtio_drive_free(struct virtio_drive *d)
{
	if (!d)
		return;
	virtio_backend_unregister(&d->be);
	free(d->id);
	free(d->path);
	free(d);
}
