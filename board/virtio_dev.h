/*
 * Virtio device backends (blk, net, console, rng) and what the VMM calls to
 * connect them to the host: drives (-drive), network backends (-netdev) and
 * character devices (console output/input).
 *
 * Device types (instantiated by -device or a board node):
 *   virtio-blk-pci     / virtio-blk-device     drive=ID [serial=S]
 *   virtio-net-pci     / virtio-net-device     netdev=ID [mac=52:54:00:12:34:56]
 *   virtio-serial-pci  / virtio-serial-device  [chardev=ID]  (one console port,
 *                       Linux's hvc0; QEMU's "-device virtio-serial-pci
 *                       -device virtconsole,chardev=ID" in one device)
 *   virtio-rng-pci     / virtio-rng-device
 * The -pci types take devfn= and vectors=; the -device types plug into the
 * first free "virtio-mmio" slot (microvm).
 *
 * Contract
 * - Backends are registered (virtio_backend_register, by the helpers below)
 *   before board_build() and stay until after board_destroy(). A device
 *   claims its backend at realize: an unknown id or one already in use is a
 *   realize error naming the device and the id.
 * - Threads: device callbacks run under the board lock. virtio-blk's disk I/O
 *   runs on its own worker thread, never on a vCPU thread; completions are
 *   handed back through the notifier (virtio_blk_set_notifier), by default
 *   the worker itself completing them under the board lock.
 * - Callbacks to the VMM (chardev write, net send) run under the board lock,
 *   often on a vCPU thread: they must not block (buffer and return).
 */
#ifndef BOARD_VIRTIO_DEV_H
#define BOARD_VIRTIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "board/device.h"
#include "board/error.h"
#include "board/virtio.h"

/* ---- virtio-blk (section 5.2) ---- */

#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8

#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#define VIRTIO_BLK_SECTOR_SIZE		512
#define VIRTIO_BLK_ID_BYTES		20
#define VIRTIO_BLK_REQ_HDR_SIZE		16	/* type, reserved, sector */
#define VIRTIO_BLK_QUEUE_SIZE		256

/* config space offsets */
#define VIRTIO_BLK_CFG_CAPACITY		0
#define VIRTIO_BLK_CFG_SIZE_MAX		8
#define VIRTIO_BLK_CFG_SEG_MAX		12
#define VIRTIO_BLK_CFG_BLK_SIZE		20
#define VIRTIO_BLK_CFG_LEN		36

/* A -drive: the file a virtio-blk device opens at realize. */
struct virtio_drive {
	struct virtio_backend be;	/* kind VIRTIO_BACKEND_DRIVE, be.id = id */
	char *id;
	char *path;
	bool readonly;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
};

/*
 * Parse and register "-drive file=PATH[,if=virtio|none][,id=ID][,format=raw]
 * [,readonly=on|off][,serial=S][,media=disk][,cache=...]" (cache is accepted
 * and ignored). Without id, the drive is named "virtioN" (N counts drives
 * added). *want_device says the VMM should add "virtio-blk-pci,drive=ID"
 * (or virtio-blk-device on microvm) itself: true for if=virtio and when if=
 * is absent. Errors: unknown or bad option, format other than raw, missing
 * file, a duplicate id; the message names the option. The file is opened by
 * the device, not here.
 */
int virtio_drive_add(const char *opts, struct virtio_drive **out, bool *want_device,
		     struct board_err *err);
/* Unregister and free (after board_destroy). */
void virtio_drive_free(struct virtio_drive *d);

/*
 * Completion notifier of a virtio-blk device (a "virtio-blk-pci" or
 * "virtio-blk-device" struct device): fn(opaque) runs on the worker thread,
 * without locks, each time requests finished; the VMM schedules a bottom
 * half that calls virtio_blk_complete(dev) on the main thread (it takes the
 * board lock). fn NULL: the worker completes them itself under the board
 * lock (the default). -EINVAL if dev is not a virtio-blk device.
 */
int virtio_blk_set_notifier(struct device *dev, void (*fn)(void *opaque), void *opaque);
/* Push finished requests to the used ring and interrupt. Takes the board lock. */
void virtio_blk_complete(struct device *dev);
/* Requests queued or in progress on the worker (tests, draining). */
unsigned virtio_blk_inflight(struct device *dev);

/* ---- virtio-net (section 5.1) ---- */

#define VIRTIO_NET_F_MTU		3
#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_S_LINK_UP		1
#define VIRTIO_NET_HDR_SIZE		12	/* virtio_net_hdr with num_buffers (VERSION_1) */
#define VIRTIO_NET_RXQ			0
#define VIRTIO_NET_TXQ			1
#define VIRTIO_NET_QUEUE_SIZE		256
#define VIRTIO_NET_MAX_FRAME		65536	/* larger guest frames are dropped */
#define VIRTIO_NET_CFG_MAC		0
#define VIRTIO_NET_CFG_STATUS		6
#define VIRTIO_NET_CFG_MTU		10
#define VIRTIO_NET_CFG_LEN		12

struct virtio_net;

/*
 * A -netdev. send() gets each frame the guest transmits (virtio header
 * stripped), under the board lock: copy it and return. The backend gives
 * frames to the guest with virtio_net_backend_receive().
 */
struct virtio_net_backend {
	struct virtio_backend be;	/* kind VIRTIO_BACKEND_NETDEV */
	void (*send)(struct virtio_net_backend *nb, const void *frame, size_t len);
	/* optional: the guest posted receive buffers (retry what returned -EAGAIN) */
	void (*rx_ready)(struct virtio_net_backend *nb);
	void *opaque;
	struct virtio_net *dev;		/* set while a device uses it */
};

/*
 * Hand a frame to the guest (takes the board lock): 0 delivered; -EAGAIN no
 * receive buffer (or the driver is not ready: retry after rx_ready); -EMSGSIZE
 * the buffer posted is too small (frame dropped); -ENODEV no device attached.
 */
int virtio_net_backend_receive(struct virtio_net_backend *nb, const void *frame, size_t len);
/* "-netdev loopback,id=ID": every frame the guest sends comes back to it. */
struct virtio_net_backend *virtio_net_loopback_new(const char *id);
void virtio_net_backend_free(struct virtio_net_backend *nb);	/* loopback ones */

/* ---- virtio-console (section 5.3), one port ---- */

#define VIRTIO_CONSOLE_RXQ		0	/* device -> driver (input) */
#define VIRTIO_CONSOLE_TXQ		1	/* driver -> device (output) */
#define VIRTIO_CONSOLE_QUEUE_SIZE	128
#define VIRTIO_CONSOLE_CFG_LEN		12	/* cols, rows, max_nr_ports, emerg_wr */
#define VIRTIO_CONSOLE_INPUT_BUF	4096	/* input kept while the guest posts no buffer */

struct virtio_console;

/* A character device: write() gets the guest's output, under the board lock. */
struct virtio_chardev {
	struct virtio_backend be;	/* kind VIRTIO_BACKEND_CHARDEV */
	void (*write)(struct virtio_chardev *c, const void *buf, size_t len);
	void *opaque;
	struct virtio_console *dev;	/* set while a device uses it */
};

/*
 * Input for the guest (takes the board lock): bytes go to posted receive
 * buffers, the rest into a VIRTIO_CONSOLE_INPUT_BUF buffer delivered when
 * buffers come. Returns bytes accepted (short when that buffer is full; the
 * caller keeps the rest), -ENODEV without a device.
 */
ssize_t virtio_chardev_input(struct virtio_chardev *c, const void *buf, size_t len);

#endif
