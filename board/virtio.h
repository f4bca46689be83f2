/*
 * Virtio 1.x, the device-independent core: feature negotiation, the device
 * status state machine, device configuration space with its generation
 * counter, interrupts through the transport, and the named backends the VMM
 * hands to devices (drives, network backends, character devices).
 *
 * Contract
 * - A struct virtio_device is embedded in a device backend (virtio_blk.c,
 *   virtio_net.c, ...). The backend fills id, host_features, config and its
 *   queues with virtio_init(), then a transport (virtio_pci.c, virtio_mmio.c)
 *   attaches itself with virtio_attach() and forwards the guest's register
 *   accesses to the virtio_*() calls below.
 * - Features: VIRTIO_F_VERSION_1 is always offered and must be accepted;
 *   INDIRECT_DESC and EVENT_IDX are offered by every device (a backend may
 *   clear them). Driver feature bits that were not offered are dropped and
 *   remembered: FEATURES_OK is then refused (the bit stays clear), as it is
 *   without VERSION_1 or when the backend's features_ok() says no.
 * - Status: writing 0 resets the device (queues, features, status, ISR, the
 *   backend through ops->reset). FEATURES_OK and DRIVER_OK are only taken in
 *   order; NEEDS_RESET is the device's: set by virtio_error() (a malformed
 *   ring, a bad request header), it stops every queue and raises a
 *   configuration interrupt until the driver resets the device.
 * - Config space: the backend's bytes (little endian); reads past the end are
 *   0 and logged, writes go to ops->config_write or are logged and dropped.
 *   virtio_config_changed() bumps config_generation and interrupts.
 * - Interrupts: virtio_notify_queue() honours the ring's suppression
 *   (NO_INTERRUPT / used_event) and hands the queue to the transport, which
 *   sends its MSI-X vector or sets ISR bit 0 and asserts its line.
 * - Notification areas: a VMM that can catch a driver's kick without an
 *   exit (KVM ioeventfd) installs a hook with virtio_set_notify_hook(). The
 *   core then tells it, per queue, where the kick lands while the queue is
 *   enabled, the device is DRIVER_OK and the transport decodes the address
 *   (a PCI BAR that is mapped), and that it lands nowhere (area NULL) as
 *   soon as one of these stops (reset, queue disabled, BAR moved or off,
 *   hook replaced). Transports call virtio_notify_areas_sync() after any
 *   change of theirs; the core compares with what it told and only reports
 *   differences. A caught kick goes to virtio_queue_notify(), the call the
 *   transports' exit paths make too.
 * - Locking: every call runs under the board lock (vCPU threads through bus
 *   dispatch, the main loop, or a device worker that took it).
 * - Errors are logged under -d guest_errors; nothing a guest writes crashes.
 */
#ifndef BOARD_VIRTIO_H
#define BOARD_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/error.h"
#include "board/memory.h"

/* device IDs (virtio 1.x section 5) */
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_ID_RNG			4

/* device status */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* device-independent feature bits */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_RING_PACKED		34

#define VIRTIO_BIT(b)			(1ull << (b))
#define VIRTIO_COMMON_FEATURES \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | \
	 VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

/* ISR / InterruptStatus bits */
#define VIRTIO_ISR_QUEUE		0x01
#define VIRTIO_ISR_CONFIG		0x02

#define VIRTIO_NO_VECTOR		0xffff
#define VIRTIO_QUEUE_MAX		32768	/* largest split ring */
#define VIRTIO_MAX_QUEUES		8

struct virtio_device;
struct virtqueue;

struct virtio_device_ops {
	/* the driver kicked queue q (vCPU thread, board lock held) */
	void (*queue_notify)(struct virtio_device *vdev, unsigned q);
	/* device reset (status 0, system reset): drop in-flight work */
	void (*reset)(struct virtio_device *vdev);
	/* optional: veto FEATURES_OK for this feature set */
	bool (*features_ok)(struct virtio_device *vdev, uint64_t features);
	/* optional: DRIVER_OK was just set (e.g. deliver pending input) */
	void (*driver_ok)(struct virtio_device *vdev);
	/* optional: a config write the device accepts (off < config_len) */
	void (*config_write)(struct virtio_device *vdev, unsigned off, uint64_t val,
			     unsigned size);
};

/* Where a queue's kick lands: a guest write of len bytes at addr (a port when pio). */
struct virtio_notify_area {
	uint64_t addr;
	unsigned len;
	bool pio;
	bool datamatch;			/* only a write of exactly data is this queue's */
	uint32_t data;
};

struct virtio_notify_hook {
	/* queue q's kicks land at *area from now on; area NULL: nowhere any more */
	void (*changed)(void *opaque, struct virtio_device *vdev, unsigned q,
			const struct virtio_notify_area *area);
	void *opaque;
};

/* What a transport gives the core. */
struct virtio_transport_ops {
	/* interrupt for queue q, or config change when q == VIRTIO_NO_VECTOR */
	void (*notify)(void *opaque, unsigned q);
	/* the device was reset: transport state (vectors, ISR line) back to 0 */
	void (*reset)(void *opaque);
	/* optional: where queue q (< nqueues) is kicked now; false if nowhere decoded */
	bool (*notify_area)(void *opaque, unsigned q, struct virtio_notify_area *area);
};

struct virtio_device {
	const char *name;		/* for messages */
	uint16_t id;			/* VIRTIO_ID_* */
	const struct virtio_device_ops *ops;
	struct guest_mem *mem;		/* DMA through gmem_* only */
	pthread_mutex_t *lock;		/* the board lock (NULL: caller serializes, tests) */

	uint64_t host_features;
	uint64_t guest_features;
	bool bad_features;		/* driver wrote bits we did not offer */
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;			/* ISR status (PCI) / InterruptStatus (MMIO) */
	uint8_t *config;		/* backend's config bytes */
	unsigned config_len;

	unsigned nqueues;
	struct virtqueue *vq;		/* nqueues of them, owned */

	const struct virtio_transport_ops *transport;
	void *transport_opaque;

	const struct virtio_notify_hook *notify_hook;
	struct virtio_notify_area notify_told[VIRTIO_MAX_QUEUES];
	uint32_t notify_told_mask;	/* bit q: notify_told[q] was reported */
};

/*
 * Backend setup: nqueues queues of at most queue_max entries (a power of two
 * <= VIRTIO_QUEUE_MAX). features are the device-specific ones;
 * VIRTIO_COMMON_FEATURES are added. config: config_len bytes owned by the
 * backend. -EINVAL/-ENOMEM.
 */
int virtio_init(struct virtio_device *vdev, const char *name, uint16_t id,
		const struct virtio_device_ops *ops, struct guest_mem *mem,
		pthread_mutex_t *lock, uint64_t features, void *config, unsigned config_len,
		unsigned nqueues, uint16_t queue_max);
void virtio_cleanup(struct virtio_device *vdev);
/* Transport: route interrupts to it. -EBUSY if another transport has it. */
int virtio_attach(struct virtio_device *vdev, const struct virtio_transport_ops *ops,
		  void *opaque);
void virtio_detach(struct virtio_device *vdev);

/* Transport register helpers. sel is the 32-bit feature word index. */
uint32_t virtio_get_host_features(const struct virtio_device *vdev, unsigned sel);
void virtio_set_guest_features(struct virtio_device *vdev, unsigned sel, uint32_t val);
uint32_t virtio_get_guest_features(const struct virtio_device *vdev, unsigned sel);
void virtio_set_status(struct virtio_device *vdev, uint8_t val);
void virtio_reset(struct virtio_device *vdev);
static inline bool virtio_has_feature(const struct virtio_device *vdev, unsigned bit)
{
	return (vdev->guest_features >> bit) & 1;
}
static inline bool virtio_driver_ok(const struct virtio_device *vdev)
{
	return (vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vdev->status & VIRTIO_STATUS_NEEDS_RESET);
}
/* Config space access, size 1/2/4/8, little endian. */
uint64_t virtio_config_read(struct virtio_device *vdev, unsigned off, unsigned size);
void virtio_config_write(struct virtio_device *vdev, unsigned off, uint64_t val, unsigned size);
/* Backend changed its config: new generation, config interrupt (if DRIVER_OK). */
void virtio_config_changed(struct virtio_device *vdev);
/* Read-and-clear of the ISR byte (the transport lowers its line). */
uint8_t virtio_isr_read_clear(struct virtio_device *vdev);

/* The device found the driver's data malformed: NEEDS_RESET, queues stop. */
void virtio_error(struct virtio_device *vdev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Interrupt for queue q, honouring the ring's suppression. */
void virtio_notify_queue(struct virtio_device *vdev, unsigned q);

/* The driver kicked queue q: the backend's queue_notify if the queue is ready. */
void virtio_queue_notify(struct virtio_device *vdev, unsigned q);
/* Install (NULL: remove) the notification-area hook; the old one is told
 * every area it knows is gone, the new one every current area. */
void virtio_set_notify_hook(struct virtio_device *vdev, const struct virtio_notify_hook *hook);
/* Report what changed since the hook was last told (transports call it). */
void virtio_notify_areas_sync(struct virtio_device *vdev);

/* ---- named backends (the VMM registers them before board_build) ---- */

enum virtio_backend_kind {
	VIRTIO_BACKEND_DRIVE,		/* struct virtio_drive (virtio_dev.h) */
	VIRTIO_BACKEND_NETDEV,		/* struct virtio_net_backend */
	VIRTIO_BACKEND_CHARDEV,		/* struct virtio_chardev */
};

struct virtio_backend {
	const char *id;			/* -drive id=, -netdev id=, -chardev id= */
	enum virtio_backend_kind kind;
	void *owner;			/* the device using it, NULL if free */
	struct virtio_backend *next;
};

/* -EEXIST for a second backend of the same kind and id, -EINVAL without id. */
int virtio_backend_register(struct virtio_backend *be);
void virtio_backend_unregister(struct virtio_backend *be);
/* Find a free backend and mark it used by owner: -ENOENT unknown, -EBUSY taken. */
int virtio_backend_claim(enum virtio_backend_kind kind, const char *id, void *owner,
			 struct virtio_backend **out);
void virtio_backend_release(struct virtio_backend *be, void *owner);
struct virtio_backend *virtio_backend_find(enum virtio_backend_kind kind, const char *id);

#endif
