/*
 * Virtio PCI transport, modern (1.x) interface: the register layout and the
 * interrupt rules are in board/virtio_pci.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "board/board.h"
#include "board/log.h"
#include "board/virtio_pci.h"
#include "board/virtqueue.h"

static struct virtqueue *selected_queue(struct virtio_pci *vp)
{
	struct virtio_device *vdev = vp->vdev;

	return vp->queue_select < vdev->nqueues ? &vdev->vq[vp->queue_select] : NULL;
}

/* ---- interrupts ---- */

static void vp_update_intx(struct virtio_pci *vp)
{
	pci_set_irq(&vp->pci, !pci_msix_enabled(&vp->msix) && vp->vdev->isr);
}

static void vp_notify(void *opaque, unsigned q)
{
	struct virtio_pci *vp = opaque;
	struct virtio_device *vdev = vp->vdev;
	uint16_t vector;
	int r;

	if (pci_msix_enabled(&vp->msix)) {
		vector = q == VIRTIO_NO_VECTOR ? vp->msix_config : vdev->vq[q].msix_vector;
		if (vector == VIRTIO_NO_VECTOR)
			return;
		r = pci_msix_notify(&vp->msix, vector);
		if (r < 0)
			guest_error("%s: MSI-X vector %u not sent (%d)\n", vdev->name, vector, r);
		return;
	}
	if (q != VIRTIO_NO_VECTOR)
		vdev->isr |= VIRTIO_ISR_QUEUE;
	vp_update_intx(vp);
}

static void vp_transport_reset(void *opaque)
{
	struct virtio_pci *vp = opaque;

	vp->msix_config = VIRTIO_NO_VECTOR;
	vp->dfselect = vp->gfselect = 0;
	vp->queue_select = 0;
	vp_update_intx(vp);
}

/* Queue q kicks at its slot of BAR4's notification region while BAR4 decodes. */
static bool vp_notify_area(void *opaque, unsigned q, struct virtio_notify_area *area)
{
	struct virtio_pci *vp = opaque;
	uint64_t bar = pci_bar_address(&vp->pci, VIRTIO_PCI_MODERN_BAR);

	if (!vp->ioeventfd || bar == PCI_BAR_UNMAPPED || q >= vp->vdev->nqueues ||
	    bar > UINT64_MAX - VIRTIO_PCI_MODERN_BAR_SIZE)
		return false;
	area->addr = bar + VIRTIO_PCI_NOTIFY_OFFSET + (uint64_t)q * VIRTIO_PCI_NOTIFY_OFF_MULT;
	area->len = 2;			/* the driver writes the 16-bit queue index */
	return true;
}

static const struct virtio_transport_ops vp_transport_ops = {
	.notify = vp_notify,
	.reset = vp_transport_reset,
	.notify_area = vp_notify_area,
};

static uint16_t vp_vector(struct virtio_pci *vp, uint64_t val)
{
	if (val < vp->msix.nvectors)
		return (uint16_t)val;
	if (val != VIRTIO_NO_VECTOR)
		guest_error("%s: MSI-X vector %" PRIu64 " beyond the %u of the table: refused\n",
			    vp->vdev->name, val, vp->msix.nvectors);
	return VIRTIO_NO_VECTOR;
}

/* ---- common configuration ---- */

/* natural width, and the 64-bit queue addresses also as 32-bit halves */
static unsigned common_width(uint64_t off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT: case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_GFSELECT: case VIRTIO_PCI_COMMON_GF:
	case VIRTIO_PCI_COMMON_Q_DESCLO: case VIRTIO_PCI_COMMON_Q_DESCHI:
	case VIRTIO_PCI_COMMON_Q_AVAILLO: case VIRTIO_PCI_COMMON_Q_AVAILHI:
	case VIRTIO_PCI_COMMON_Q_USEDLO: case VIRTIO_PCI_COMMON_Q_USEDHI:
		return 4;
	case VIRTIO_PCI_COMMON_MSIX: case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_Q_SELECT: case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX: case VIRTIO_PCI_COMMON_Q_ENABLE:
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return 2;
	case VIRTIO_PCI_COMMON_STATUS: case VIRTIO_PCI_COMMON_CFGGENERATION:
		return 1;
	}
	return 0;
}

static bool is_addr_lo(uint64_t off)
{
	return off == VIRTIO_PCI_COMMON_Q_DESCLO || off == VIRTIO_PCI_COMMON_Q_AVAILLO ||
	       off == VIRTIO_PCI_COMMON_Q_USEDLO;
}

static uint64_t *queue_addr(struct virtqueue *vq, uint64_t off)
{
	if (off < VIRTIO_PCI_COMMON_Q_AVAILLO)
		return &vq->desc;
	if (off < VIRTIO_PCI_COMMON_Q_USEDLO)
		return &vq->avail;
	return &vq->used;
}

static uint32_t common_read(struct virtio_pci *vp, uint64_t off)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq = selected_queue(vp);

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:	return vp->dfselect;
	case VIRTIO_PCI_COMMON_DF:		return virtio_get_host_features(vdev, vp->dfselect);
	case VIRTIO_PCI_COMMON_GFSELECT:	return vp->gfselect;
	case VIRTIO_PCI_COMMON_GF:		return virtio_get_guest_features(vdev, vp->gfselect);
	case VIRTIO_PCI_COMMON_MSIX:		return vp->msix_config;
	case VIRTIO_PCI_COMMON_NUMQ:		return vdev->nqueues;
	case VIRTIO_PCI_COMMON_STATUS:		return vdev->status;
	case VIRTIO_PCI_COMMON_CFGGENERATION:	return vdev->config_generation;
	case VIRTIO_PCI_COMMON_Q_SELECT:	return vp->queue_select;
	}
	if (!vq)	/* a queue that does not exist: size 0 tells the driver */
		return off == VIRTIO_PCI_COMMON_Q_MSIX ? VIRTIO_NO_VECTOR : 0;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:		return vq->num;
	case VIRTIO_PCI_COMMON_Q_MSIX:		return vq->msix_vector;
	case VIRTIO_PCI_COMMON_Q_ENABLE:	return vq->enabled;
	case VIRTIO_PCI_COMMON_Q_NOFF:		return vq->index;
	}
	if (off >= VIRTIO_PCI_COMMON_Q_DESCLO && off < VIRTIO_PCI_COMMON_LEN)
		return (uint32_t)(*queue_addr(vq, off) >> (off & 4 ? 32 : 0));
	return 0;
}

static void common_write_queue(struct virtio_pci *vp, struct virtqueue *vq, uint64_t off,
			       uint64_t val, unsigned size)
{
	struct virtio_device *vdev = vp->vdev;
	uint64_t *addr;

	if (off == VIRTIO_PCI_COMMON_Q_MSIX) {
		vq->msix_vector = vp_vector(vp, val);
		return;
	}
	if (vq->enabled) {
		guest_error("%s: queue %u register 0x%" PRIx64 " written while enabled: ignored\n",
			    vdev->name, vq->index, off);
		return;
	}
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		vq->num = (uint16_t)val;	/* checked when the queue is enabled */
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (val == 1) {
			virtqueue_enable(vq);
			virtio_notify_areas_sync(vdev);
		} else {
			guest_error("%s: queue_enable = %" PRIu64 ": only 1 is allowed\n",
				    vdev->name, val);
		}
		return;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		guest_error("%s: queue_notify_off is read-only\n", vdev->name);
		return;
	}
	addr = queue_addr(vq, off);
	if (size == 8)
		*addr = val;
	else if (off & 4)
		*addr = (*addr & 0xffffffffull) | (val << 32);
	else
		*addr = (*addr & ~0xffffffffull) | (val & 0xffffffffull);
}

static void common_write(struct virtio_pci *vp, uint64_t off, uint64_t val, unsigned size)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtqueue *vq;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = (uint32_t)val;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = (uint32_t)val;
		return;
	case VIRTIO_PCI_COMMON_GF:
		virtio_set_guest_features(vdev, vp->gfselect, (uint32_t)val);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		vp->msix_config = vp_vector(vp, val);
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		virtio_set_status(vdev, (uint8_t)val);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_select = (uint16_t)val;
		return;
	case VIRTIO_PCI_COMMON_DF: case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_CFGGENERATION:
		guest_error("%s: common config 0x%" PRIx64 " is read-only\n", vdev->name, off);
		return;
	}
	vq = selected_queue(vp);
	if (!vq) {
		guest_error("%s: write to queue %u, which does not exist\n", vdev->name,
			    vp->queue_select);
		return;
	}
	common_write_queue(vp, vq, off, val, size);
}

static bool common_access_ok(struct virtio_pci *vp, uint64_t off, unsigned size, bool write)
{
	unsigned w = common_width(off);

	if (w && (size == w || (size == 8 && is_addr_lo(off))))
		return true;
	if (off < VIRTIO_PCI_COMMON_LEN || write)
		guest_error("%s: common config %s of %u bytes at 0x%" PRIx64 " ignored\n",
			    vp->vdev->name, write ? "write" : "read", size, off);
	return false;
}

/* ---- BAR4 ---- */

static uint64_t vp_bar_read(void *opaque, uint64_t off, unsigned size)
{
	struct virtio_pci *vp = opaque;
	uint64_t region = off & ~(uint64_t)(VIRTIO_PCI_REGION_SIZE - 1);
	uint64_t rel = off - region;

	switch (region) {
	case VIRTIO_PCI_COMMON_OFFSET:
		if (!common_access_ok(vp, rel, size, false))
			return 0;
		if (size == 8)
			return common_read(vp, rel) | (uint64_t)common_read(vp, rel + 4) << 32;
		return common_read(vp, rel);
	case VIRTIO_PCI_ISR_OFFSET: {
		uint8_t isr;

		if (rel)
			return 0;
		isr = virtio_isr_read_clear(vp->vdev);
		vp_update_intx(vp);
		return isr;
	}
	case VIRTIO_PCI_DEVICE_OFFSET:
		return virtio_config_read(vp->vdev, (unsigned)rel, size);
	}
	return 0;	/* notify area and the rest read 0 */
}

static void vp_bar_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct virtio_pci *vp = opaque;
	struct virtio_device *vdev = vp->vdev;
	uint64_t region = off & ~(uint64_t)(VIRTIO_PCI_REGION_SIZE - 1);
	uint64_t rel = off - region, q;

	switch (region) {
	case VIRTIO_PCI_COMMON_OFFSET:
		if (common_access_ok(vp, rel, size, true))
			common_write(vp, rel, val, size);
		return;
	case VIRTIO_PCI_DEVICE_OFFSET:
		virtio_config_write(vdev, (unsigned)rel, val, size);
		return;
	case VIRTIO_PCI_NOTIFY_OFFSET:
		q = rel / VIRTIO_PCI_NOTIFY_OFF_MULT;
		if (rel % VIRTIO_PCI_NOTIFY_OFF_MULT || q >= vdev->nqueues) {
			guest_error("%s: notification at 0x%" PRIx64 " for no queue\n",
				    vdev->name, rel);
			return;
		}
		virtio_queue_notify(vdev, (unsigned)q);
		return;
	}
	guest_error("%s: write to BAR4 offset 0x%" PRIx64 " ignored\n", vdev->name, off);
}

static const struct bus_ops vp_bar_ops = { .read = vp_bar_read, .write = vp_bar_write };

/* ---- BAR1: MSI-X table and PBA ---- */

static uint64_t vp_msix_read(void *opaque, uint64_t off, unsigned size)
{
	struct virtio_pci *vp = opaque;

	if (off >= VIRTIO_PCI_MSIX_PBA_OFFSET)
		return pci_msix_pba_read(&vp->msix, off - VIRTIO_PCI_MSIX_PBA_OFFSET, size);
	return pci_msix_table_read(&vp->msix, off, size);
}

static void vp_msix_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct virtio_pci *vp = opaque;

	if (off >= VIRTIO_PCI_MSIX_PBA_OFFSET)
		pci_msix_pba_write(&vp->msix, off - VIRTIO_PCI_MSIX_PBA_OFFSET, val, size);
	else
		pci_msix_table_write(&vp->msix, off, val, size);
}

static const struct bus_ops vp_msix_ops = { .read = vp_msix_read, .write = vp_msix_write };

/* ---- config space ---- */

static void vp_config_write(struct pci_device *d, unsigned off, uint32_t val, unsigned size)
{
	struct virtio_pci *vp = (struct virtio_pci *)d;

	if (!pci_msix_config_write(&vp->msix, off, val, size)) {
		pci_default_config_write(d, off, val, size);
		/* BAR4 may have moved or stopped decoding */
		virtio_notify_areas_sync(vp->vdev);
		return;
	}
	/* INTx is silent while MSI-X is on */
	vp_update_intx(vp);
}

static const struct pci_device_ops vp_pci_ops = { .config_write = vp_config_write };

static int add_cap(struct pci_device *d, uint8_t type, uint32_t offset, uint32_t length,
		   bool notify)
{
	int cap = pci_add_capability(d, PCI_CAP_ID_VNDR, 0,
				     notify ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN);

	if (cap < 0)
		return cap;
	d->cfg[cap + 2] = notify ? VIRTIO_PCI_NOTIFY_CAP_LEN : VIRTIO_PCI_CAP_LEN;
	d->cfg[cap + VIRTIO_PCI_CAP_CFG_TYPE] = type;
	d->cfg[cap + VIRTIO_PCI_CAP_BAR] = VIRTIO_PCI_MODERN_BAR;
	pci_set_long(d->cfg + cap + VIRTIO_PCI_CAP_OFFSET, offset);
	pci_set_long(d->cfg + cap + VIRTIO_PCI_CAP_LENGTH, length);
	if (notify)
		pci_set_long(d->cfg + cap + VIRTIO_PCI_NOTIFY_MULTIPLIER,
			     VIRTIO_PCI_NOTIFY_OFF_MULT);
	return 0;
}

int virtio_pci_realize(struct virtio_pci *vp, struct board *b, struct virtio_device *vdev,
		       uint32_t class_code, struct board_err *err)
{
	struct pci_ids ids = {
		.vendor = VIRTIO_PCI_VENDOR,
		.device = (uint16_t)(VIRTIO_PCI_DEVICE_BASE + vdev->id),
		.revision = VIRTIO_PCI_REVISION,
		.class_code = class_code,
		.intx_pin = 1,
		.subsys_vendor = VIRTIO_PCI_VENDOR,
		.subsys_id = VIRTIO_PCI_SUBSYS_ID,
	};
	struct pci_device *d = &vp->pci;
	const char *name = vp->pci.dev.name;
	unsigned nvec = vp->vectors ? vp->vectors : vdev->nqueues + 1;
	int r, cap;

	if (nvec > VIRTIO_PCI_MAX_VECTORS)
		return board_err(err, -EINVAL, "%s: property 'vectors': %u is more than %u",
				 name, nvec, VIRTIO_PCI_MAX_VECTORS);
	r = pci_device_init(d, b, &ids, err);
	if (r < 0)
		return r;
	d->ops = &vp_pci_ops;
	vp->vdev = vdev;
	cap = pci_add_capability(d, PCI_CAP_ID_MSIX, 0, PCI_MSIX_CAP_LEN);
	r = cap < 0 ? cap : pci_msix_init(&vp->msix, d->cfg, PCI_CFG_SIZE, (uint8_t)cap, nvec,
					  VIRTIO_PCI_MSIX_BAR, 0, VIRTIO_PCI_MSIX_BAR,
					  VIRTIO_PCI_MSIX_PBA_OFFSET, &b->msi);
	if (r < 0) {
		pci_device_exit(d);
		return board_err(err, r, "%s: cannot set up MSI-X", name);
	}
	if (!r)
		r = add_cap(d, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFFSET,
			    VIRTIO_PCI_COMMON_LEN, false);
	if (!r)
		r = add_cap(d, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFFSET, 1, false);
	if (!r && vdev->config_len)
		r = add_cap(d, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFFSET,
			    vdev->config_len, false);
	if (!r)
		r = add_cap(d, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFFSET,
			    VIRTIO_PCI_NOTIFY_OFF_MULT * vdev->nqueues, true);
	if (!r)
		r = pci_register_bar(d, VIRTIO_PCI_MSIX_BAR, PCI_BAR_MEM32,
				     VIRTIO_PCI_MSIX_BAR_SIZE, &vp_msix_ops, vp);
	if (!r)
		r = pci_register_bar(d, VIRTIO_PCI_MODERN_BAR, PCI_BAR_MEM64 | PCI_BAR_PREFETCH,
				     VIRTIO_PCI_MODERN_BAR_SIZE, &vp_bar_ops, vp);
	if (!r)
		r = virtio_attach(vdev, &vp_transport_ops, vp);
	if (r < 0) {
		pci_msix_destroy(&vp->msix);
		pci_device_exit(d);
		return board_err(err, r, "%s: cannot set up capabilities and BARs", name);
	}
	vp->msix_config = VIRTIO_NO_VECTOR;
	return 0;
}

void virtio_pci_unrealize(struct virtio_pci *vp)
{
	if (vp->vdev)
		virtio_detach(vp->vdev);
	pci_msix_destroy(&vp->msix);
	pci_device_exit(&vp->pci);
}

struct virtio_device *virtio_pci_vdev(struct device *dev)
{
	const char *t = dev && dev->type ? dev->type->name : NULL;
	size_t n = t ? strlen(t) : 0;
	struct virtio_pci *vp = (struct virtio_pci *)dev;

	/* by the contract, "virtio-<dev>-pci" instances start with struct virtio_pci */
	if (!t || strncmp(t, "virtio-", 7) || n < 11 || strcmp(t + n - 4, "-pci") ||
	    dev->type->instance_size < sizeof(*vp) || !dev->realized || vp->pci.ops != &vp_pci_ops)
		return NULL;
	return vp->vdev;
}

void virtio_pci_reset(struct virtio_pci *vp)
{
	pci_device_reset(&vp->pci);
	pci_msix_reset(&vp->msix);
	virtio_reset(vp->vdev);
}
