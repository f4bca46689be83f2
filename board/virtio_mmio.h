/*
 * Virtio over MMIO, version 2 (virtio 1.x section 4.2), for boards without
 * PCI (microvm).
 *
 * Contract
 * - "virtio-mmio" (u64 property "addr", interrupts = <gsi>) is a slot of
 *   VIRTIO_MMIO_SIZE bytes. Empty, it reads magic, version 2 and device ID 0,
 *   as QEMU's empty slots do; everything else reads 0 and writes are dropped.
 * - A backend device ("virtio-blk-device", ...) plugs into the first free
 *   slot in document order; -device nodes are built after the board's own
 *   nodes, so the slots exist by then.
 * - Registers are 32-bit (other widths: logged, read 0); the config space at
 *   0x100 takes 1, 2, 4 and 8 bytes. Writing 0 to QueueReady disables the
 *   queue (Linux does it when it deletes a queue); queue parameters are
 *   ignored while a queue is ready. InterruptStatus bit 0 is a used buffer,
 *   bit 1 a config change; the line stays asserted until InterruptACK clears
 *   every bit.
 */
#ifndef BOARD_VIRTIO_MMIO_H
#define BOARD_VIRTIO_MMIO_H

#include <stddef.h>

#include "board/device.h"
#include "board/virtio.h"

#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_VENDOR		0x554d4551	/* "QEMU", what QEMU reports */
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW	0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH	0x0a4
#define VIRTIO_MMIO_SHM_SEL		0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW		0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH	0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW	0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH	0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100
#define VIRTIO_MMIO_SIZE		0x200	/* one microvm slot */

/* -ENODEV (naming the device) when every slot is taken or the board has none. */
int virtio_mmio_plug(struct device *backend, struct virtio_device *vdev,
		     struct board_err *err);
void virtio_mmio_unplug(struct virtio_device *vdev);
/* The virtio device plugged into slot dev; NULL for an empty slot or another device. */
struct virtio_device *virtio_mmio_vdev(struct device *dev);
/*
 * For the kernel command line of a board without ACPI:
 * "virtio_mmio.device=512@0xfeb00000:16" for an occupied slot device; 0 and
 * an empty string for an empty slot; -ENOSPC if len is too small; -EINVAL if
 * dev is not a virtio-mmio slot.
 */
int virtio_mmio_cmdline(struct device *dev, char *buf, size_t len);

#endif
