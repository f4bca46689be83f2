/*
 * Virtio over PCI, modern interface only (virtio 1.x section 4.1).
 *
 * PCI contract
 * - IDs: vendor 0x1af4, device 0x1040 + virtio ID, revision 1, subsystem
 *   0x1af4:0x1100, the device's class code; INTA.
 * - BAR1 (32-bit memory, 4 KiB): MSI-X table at 0, PBA at 0x800.
 *   BAR4 (64-bit prefetchable memory, 16 KiB): common config at 0x0000,
 *   ISR at 0x1000, device config at 0x2000, notifications at 0x3000 with
 *   notify_off_multiplier 4 (queue q kicks at 0x3000 + 4 * q). Each region
 *   has its vendor capability (cfg_type 1..4) in config space.
 * - Interrupts: with MSI-X enabled, queue q sends its queue_msix_vector and a
 *   config change sends msix_config (VIRTIO_NO_VECTOR: nothing). Without it,
 *   ISR bit 0 (queue) / bit 1 (config) is set and INTA asserted; reading the
 *   ISR returns and clears it and deasserts INTA.
 * - A vector written beyond the table reads back as VIRTIO_NO_VECTOR (how the
 *   driver learns it was refused). Queue size and addresses are ignored while
 *   the queue is enabled; queue_enable = 1 checks the ring (virtqueue_enable).
 * - Common config fields take their natural width (the 64-bit addresses also
 *   as two 32-bit halves); other widths are logged and ignored.
 * - Notification areas (board/virtio.h): queue q is kicked by a 2-byte write
 *   at BAR4 + 0x3000 + 4 * q while BAR4 decodes. Property "ioeventfd" (as
 *   QEMU's, default on): off never reports it, so every kick takes the
 *   dispatch path.
 *
 * Device types: each backend file registers "virtio-<dev>-pci", whose
 * instance starts with struct virtio_pci (and "virtio-<dev>-device" for
 * virtio-mmio, board/virtio_mmio.h).
 */
#ifndef BOARD_VIRTIO_PCI_H
#define BOARD_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "board/device.h"
#include "board/irq.h"
#include "board/pci.h"
#include "board/pci_msi.h"
#include "board/virtio.h"

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_DEVICE_BASE		0x1040
#define VIRTIO_PCI_SUBSYS_ID		0x1100
#define VIRTIO_PCI_REVISION		1

/* vendor capability (PCI_CAP_ID_VNDR) */
#define PCI_CAP_ID_VNDR			0x09
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5
#define VIRTIO_PCI_CAP_LEN		16
#define VIRTIO_PCI_NOTIFY_CAP_LEN	20
/* offsets in struct virtio_pci_cap */
#define VIRTIO_PCI_CAP_CFG_TYPE		3
#define VIRTIO_PCI_CAP_BAR		4
#define VIRTIO_PCI_CAP_ID		5
#define VIRTIO_PCI_CAP_OFFSET		8
#define VIRTIO_PCI_CAP_LENGTH		12
#define VIRTIO_PCI_NOTIFY_MULTIPLIER	16

/* struct virtio_pci_common_cfg */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION	0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34
#define VIRTIO_PCI_COMMON_LEN		0x38

/* our BAR layout */
#define VIRTIO_PCI_MSIX_BAR		1
#define VIRTIO_PCI_MSIX_BAR_SIZE	0x1000
#define VIRTIO_PCI_MSIX_PBA_OFFSET	0x800
#define VIRTIO_PCI_MAX_VECTORS		(VIRTIO_PCI_MSIX_PBA_OFFSET / PCI_MSIX_ENTRY_SIZE)
#define VIRTIO_PCI_MODERN_BAR		4
#define VIRTIO_PCI_MODERN_BAR_SIZE	0x4000
#define VIRTIO_PCI_COMMON_OFFSET	0x0000
#define VIRTIO_PCI_ISR_OFFSET		0x1000
#define VIRTIO_PCI_DEVICE_OFFSET	0x2000
#define VIRTIO_PCI_NOTIFY_OFFSET	0x3000
#define VIRTIO_PCI_REGION_SIZE		0x1000
#define VIRTIO_PCI_NOTIFY_OFF_MULT	4

/* PCI class codes QEMU uses for these devices */
#define VIRTIO_PCI_CLASS_BLK		0x010000	/* mass storage, SCSI */
#define VIRTIO_PCI_CLASS_NET		0x020000	/* ethernet */
#define VIRTIO_PCI_CLASS_CONSOLE	0x078000	/* communication, other */
#define VIRTIO_PCI_CLASS_RNG		0x00ff00	/* unclassified */

struct virtio_pci {
	struct pci_device pci;		/* first */
	uint32_t vectors;		/* property "vectors": MSI-X table size */
	bool ioeventfd;			/* property "ioeventfd": kicks may skip the exit path */
	struct pci_msix msix;
	struct virtio_device *vdev;
	uint32_t dfselect, gfselect;
	uint16_t queue_select;
	uint16_t msix_config;
};

/* Properties every virtio-*-pci type lists (instance member `vp`). */
#define VIRTIO_PCI_PROPS(type, member) \
	PCI_DEVICE_PROP_DEVFN(type, member.pci), \
	{ .name = "vectors", .kind = PROP_U32, .offset = offsetof(type, member.vectors), \
	  .def = 0, .desc = "MSI-X vectors (default: queues + 1; 0..128)" }, \
	{ .name = "ioeventfd", .kind = PROP_BOOL, .offset = offsetof(type, member.ioeventfd), \
	  .def = 1, .desc = "on: the VMM may catch kicks without an exit (KVM ioeventfd)" }

/*
 * From a type's realize, after the backend's virtio_init(): PCI function,
 * capabilities, BARs, MSI-X; attaches vdev. Errors name the device.
 */
int virtio_pci_realize(struct virtio_pci *vp, struct board *b, struct virtio_device *vdev,
		       uint32_t class_code, struct board_err *err);
void virtio_pci_unrealize(struct virtio_pci *vp);
/* The virtio device behind a "virtio-*-pci" device; NULL for any other device. */
struct virtio_device *virtio_pci_vdev(struct device *dev);
/* System reset: PCI header, MSI-X, then the virtio device. */
void virtio_pci_reset(struct virtio_pci *vp);

#endif
