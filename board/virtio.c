/*
 * Virtio core: features, status, config space, interrupts, backend registry.
 * The rules are in board/virtio.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/log.h"
#include "board/virtio.h"
#include "board/virtqueue.h"

int virtio_init(struct virtio_device *vdev, const char *name, uint16_t id,
		const struct virtio_device_ops *ops, struct guest_mem *mem,
		pthread_mutex_t *lock, uint64_t features, void *config, unsigned config_len,
		unsigned nqueues, uint16_t queue_max)
{
	unsigned i;

	if (!ops || !mem || nqueues == 0 || nqueues > VIRTIO_MAX_QUEUES || !queue_max ||
	    (queue_max & (queue_max - 1)) || (config_len && !config))
		return -EINVAL;
	memset(vdev, 0, sizeof(*vdev));
	vdev->vq = calloc(nqueues, sizeof(*vdev->vq));
	if (!vdev->vq)
		return -ENOMEM;
	vdev->name = name ? name : "virtio";
	vdev->id = id;
	vdev->ops = ops;
	vdev->mem = mem;
	vdev->lock = lock;
	vdev->host_features = features | VIRTIO_COMMON_FEATURES;
	vdev->config = config;
	vdev->config_len = config_len;
	vdev->nqueues = nqueues;
	for (i = 0; i < nqueues; i++)
		virtqueue_init(&vdev->vq[i], vdev, i, queue_max);
	return 0;
}

void virtio_cleanup(struct virtio_device *vdev)
{
	free(vdev->vq);
	vdev->vq = NULL;
	vdev->nqueues = 0;
}

int virtio_attach(struct virtio_device *vdev, const struct virtio_transport_ops *ops,
		  void *opaque)
{
	if (vdev->transport)
		return -EBUSY;
	vdev->transport = ops;
	vdev->transport_opaque = opaque;
	return 0;
}

void virtio_detach(struct virtio_device *vdev)
{
	vdev->transport = NULL;
	vdev->transport_opaque = NULL;
}

/* ---- features ---- */

uint32_t virtio_get_host_features(const struct virtio_device *vdev, unsigned sel)
{
	return sel < 2 ? (uint32_t)(vdev->host_features >> (32 * sel)) : 0;
}

uint32_t virtio_get_guest_features(const struct virtio_device *vdev, unsigned sel)
{
	return sel < 2 ? (uint32_t)(vdev->guest_features >> (32 * sel)) : 0;
}

void virtio_set_guest_features(struct virtio_device *vdev, unsigned sel, uint32_t val)
{
	uint64_t offered, mask;

	if (vdev->status & VIRTIO_STATUS_FEATURES_OK) {
		guest_error("%s: driver features written after FEATURES_OK: ignored\n", vdev->name);
		return;
	}
	if (sel >= 2) {
		if (val) {
			guest_error("%s: driver feature word %u = 0x%x: nothing offered there\n",
				    vdev->name, sel, val);
			vdev->bad_features = true;
		}
		return;
	}
	offered = virtio_get_host_features(vdev, sel);
	if (val & ~offered) {
		guest_error("%s: driver accepted unoffered features 0x%" PRIx64 " in word %u\n",
			    vdev->name, (uint64_t)(val & ~offered), sel);
		vdev->bad_features = true;
	}
	mask = 0xffffffffull << (32 * sel);
	vdev->guest_features = (vdev->guest_features & ~mask) |
			       ((uint64_t)(val & offered) << (32 * sel));
}

/* ---- status ---- */

void virtio_reset(struct virtio_device *vdev)
{
	unsigned i;

	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	for (i = 0; i < vdev->nqueues; i++)
		virtqueue_reset(&vdev->vq[i]);
	vdev->status = 0;
	vdev->guest_features = 0;
	vdev->bad_features = false;
	vdev->isr = 0;
	if (vdev->transport && vdev->transport->reset)
		vdev->transport->reset(vdev->transport_opaque);
	virtio_notify_areas_sync(vdev);
}

static bool features_acceptable(struct virtio_device *vdev)
{
	if (vdev->bad_features)
		return false;
	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1)) {
		guest_error("%s: driver did not accept VIRTIO_F_VERSION_1 (legacy drivers are not "
			    "supported): FEATURES_OK refused\n", vdev->name);
		return false;
	}
	if (vdev->ops->features_ok && !vdev->ops->features_ok(vdev, vdev->guest_features))
		return false;
	return true;
}

void virtio_set_status(struct virtio_device *vdev, uint8_t val)
{
	uint8_t old = vdev->status, set;

	if (!val) {
		virtio_reset(vdev);
		return;
	}
	if (old & ~val & ~VIRTIO_STATUS_NEEDS_RESET)
		guest_error("%s: driver cleared status bits 0x%x without a reset\n", vdev->name,
			    old & ~val & ~VIRTIO_STATUS_NEEDS_RESET);
	/* NEEDS_RESET belongs to the device: the driver can neither set nor clear it */
	val = (val & ~VIRTIO_STATUS_NEEDS_RESET) | (old & VIRTIO_STATUS_NEEDS_RESET);
	set = val & ~old;
	if ((set & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(vdev))
		val &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((set & VIRTIO_STATUS_DRIVER_OK) && !(val & VIRTIO_STATUS_FEATURES_OK)) {
		guest_error("%s: DRIVER_OK without FEATURES_OK: ignored\n", vdev->name);
		val &= ~VIRTIO_STATUS_DRIVER_OK;
	}
	vdev->status = val;
	if ((val & ~old & VIRTIO_STATUS_DRIVER_OK) && vdev->ops->driver_ok)
		vdev->ops->driver_ok(vdev);
	virtio_notify_areas_sync(vdev);
}

void virtio_error(struct virtio_device *vdev, const char *fmt, ...)
{
	bool first = !(vdev->status & VIRTIO_STATUS_NEEDS_RESET);

	if (log_enabled(LOG_GUEST_ERRORS)) {
		char msg[256];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		board_log(LOG_GUEST_ERRORS, "%s: %s: device needs reset\n", vdev->name, msg);
	}
	vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
	/* the spec asks for a configuration change notification once DRIVER_OK */
	if (first && (vdev->status & VIRTIO_STATUS_DRIVER_OK)) {
		vdev->isr |= VIRTIO_ISR_CONFIG;
		if (vdev->transport)
			vdev->transport->notify(vdev->transport_opaque, VIRTIO_NO_VECTOR);
	}
}

/* ---- config space ---- */

uint64_t virtio_config_read(struct virtio_device *vdev, unsigned off, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || off >= vdev->config_len ||
	    vdev->config_len - off < size) {
		guest_error("%s: config read of %u bytes at 0x%x outside its %u bytes\n",
			    vdev->name, size, off, vdev->config_len);
		return 0;
	}
	for (i = 0; i < size; i++)
		v |= (uint64_t)vdev->config[off + i] << (8 * i);
	return v;
}

void virtio_config_write(struct virtio_device *vdev, unsigned off, uint64_t val, unsigned size)
{
	if ((size != 1 && size != 2 && size != 4 && size != 8) || off >= vdev->config_len ||
	    vdev->config_len - off < size || !vdev->ops->config_write) {
		guest_error("%s: config write of %u bytes at 0x%x ignored\n", vdev->name, size, off);
		return;
	}
	vdev->ops->config_write(vdev, off, val, size);
}

void virtio_config_changed(struct virtio_device *vdev)
{
	vdev->config_generation++;
	if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	vdev->isr |= VIRTIO_ISR_CONFIG;
	if (vdev->transport)
		vdev->transport->notify(vdev->transport_opaque, VIRTIO_NO_VECTOR);
}

uint8_t virtio_isr_read_clear(struct virtio_device *vdev)
{
	uint8_t v = vdev->isr;

	vdev->isr = 0;
	return v;
}

/* ---- interrupts ---- */

void virtio_notify_queue(struct virtio_device *vdev, unsigned q)
{
	if (q >= vdev->nqueues || !virtqueue_should_notify(&vdev->vq[q]))
		return;
	/* the transport sets ISR bit 0 itself when it signals through INTx */
	if (vdev->transport)
		vdev->transport->notify(vdev->transport_opaque, q);
}

/* ---- kicks and where they land ---- */

void virtio_queue_notify(struct virtio_device *vdev, unsigned q)
{
	if (q >= vdev->nqueues) {
		guest_error("%s: notify for queue %u, which does not exist\n", vdev->name, q);
		return;
	}
	if (virtqueue_ready(&vdev->vq[q]) && vdev->ops->queue_notify)
		vdev->ops->queue_notify(vdev, q);
}

static bool area_equal(const struct virtio_notify_area *a, const struct virtio_notify_area *b)
{
	return a->addr == b->addr && a->len == b->len && a->pio == b->pio &&
	       a->datamatch == b->datamatch && (!a->datamatch || a->data == b->data);
}

/* Where queue q's kick lands now, as the hook should know it. */
static bool area_now(struct virtio_device *vdev, unsigned q, struct virtio_notify_area *a)
{
	if (!vdev->notify_hook || !vdev->transport || !vdev->transport->notify_area ||
	    !(vdev->status & VIRTIO_STATUS_DRIVER_OK) || !vdev->vq[q].enabled)
		return false;
	memset(a, 0, sizeof(*a));
	return vdev->transport->notify_area(vdev->transport_opaque, q, a);
}

void virtio_notify_areas_sync(struct virtio_device *vdev)
{
	const struct virtio_notify_hook *h = vdev->notify_hook;

	for (unsigned q = 0; q < vdev->nqueues && q < VIRTIO_MAX_QUEUES; q++) {
		struct virtio_notify_area now;
		bool valid = area_now(vdev, q, &now);
		bool told = vdev->notify_told_mask & (1u << q);

		if (told && (!valid || !area_equal(&now, &vdev->notify_told[q]))) {
			vdev->notify_told_mask &= ~(1u << q);
			if (h)
				h->changed(h->opaque, vdev, q, NULL);
			told = false;
		}
		if (valid && !told) {
			vdev->notify_told[q] = now;
			vdev->notify_told_mask |= 1u << q;
			h->changed(h->opaque, vdev, q, &now);
		}
	}
}

void virtio_set_notify_hook(struct virtio_device *vdev, const struct virtio_notify_hook *hook)
{
	const struct virtio_notify_hook *old = vdev->notify_hook;

	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		if (!(vdev->notify_told_mask & (1u << q)))
			continue;
		vdev->notify_told_mask &= ~(1u << q);
		if (old)
			old->changed(old->opaque, vdev, q, NULL);
	}
	vdev->notify_hook = hook;
	virtio_notify_areas_sync(vdev);
}

/* ---- backend registry ---- */

static pthread_mutex_t backends_lock = PTHREAD_MUTEX_INITIALIZER;
static struct virtio_backend *backends;

static struct virtio_backend *find_locked(enum virtio_backend_kind kind, const char *id)
{
	struct virtio_backend *be;

	for (be = backends; be; be = be->next)
		if (be->kind == kind && !strcmp(be->id, id))
			return be;
	return NULL;
}

int virtio_backend_register(struct virtio_backend *be)
{
	int r = 0;

	if (!be->id || !*be->id)
		return -EINVAL;
	pthread_mutex_lock(&backends_lock);
	if (find_locked(be->kind, be->id)) {
		r = -EEXIST;
	} else {
		be->owner = NULL;
		be->next = backends;
		backends = be;
	}
	pthread_mutex_unlock(&backends_lock);
	return r;
}

void virtio_backend_unregister(struct virtio_backend *be)
{
	struct virtio_backend **p;

	pthread_mutex_lock(&backends_lock);
	for (p = &backends; *p; p = &(*p)->next) {
		if (*p == be) {
			*p = be->next;
			break;
		}
	}
	pthread_mutex_unlock(&backends_lock);
}

struct virtio_backend *virtio_backend_find(enum virtio_backend_kind kind, const char *id)
{
	struct virtio_backend *be;

	if (!id)
		return NULL;
	pthread_mutex_lock(&backends_lock);
	be = find_locked(kind, id);
	pthread_mutex_unlock(&backends_lock);
	return be;
}

int virtio_backend_claim(enum virtio_backend_kind kind, const char *id, void *owner,
			 struct virtio_backend **out)
{
	struct virtio_backend *be;
	int r = 0;

	if (!id)
		return -ENOENT;
	pthread_mutex_lock(&backends_lock);
	be = find_locked(kind, id);
	if (!be)
		r = -ENOENT;
	else if (be->owner)
		r = -EBUSY;
	else
		be->owner = owner;
	pthread_mutex_unlock(&backends_lock);
	if (!r)
		*out = be;
	return r;
}

void virtio_backend_release(struct virtio_backend *be, void *owner)
{
	if (!be)
		return;
	pthread_mutex_lock(&backends_lock);
	if (be->owner == owner)
		be->owner = NULL;
	pthread_mutex_unlock(&backends_lock);
}
