/*
 * The machine's private state, shared by the files that make up
 * vmm/machine.c's job: machine.c (build, fw_cfg, serial, run, destroy) and
 * machine_irq.c (kernel-irqchip wiring). Nothing outside them includes it.
 */
#ifndef VMM_MACHINE_INT_H
#define VMM_MACHINE_INT_H

#include "vmm/machine.h"
#include "vmm/accel/accel.h"
#include "vmm/accel/tcg/tcg_board.h"
#include "vmm/bootrep.h"
#include "vmm/chardev.h"
#include "vmm/cpus.h"
#include "vmm/gdbstub.h"
#include "vmm/loop.h"
#include "vmm/term.h"

#include "board/acpi.h"
#include "board/board.h"
#include "board/debugcon.h"
#include "board/device.h"
#include "board/fw_cfg.h"
#include "board/gsi.h"
#include "board/ioapic.h"
#include "board/lapic.h"
#include "board/log.h"
#include "board/msi.h"
#include "board/pic.h"
#include "board/postcode.h"
#include "board/uart.h"
#include "board/virtio_dev.h"
#include "board/virtio_mmio.h"
#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIOS_MAX		(16u << 20)
#define KERNEL_MAX		(512u << 20)
#define FW_CFG_FILE_MAX		(256u << 20)
#define DEFAULT_FIRMWARE	"firmware.bin"
#define ACPI_DUMP_TABLES_GPA	0x7fe0000ull	/* where a firmware would put them with 128 MiB */
#define ACPI_DUMP_RSDP_GPA	0xf5a80ull
#define OPTROM_MAX		(128u << 10)

/* One -serial backend: output buffered under the board lock, flushed by a BH. */
struct serial_port {
	struct machine *m;
	struct uart *uart;
	int out_fd;			/* -1: output dropped */
	bool close_fd;
	char buf[4096];
	size_t len;
	struct loop_bh *flush_bh;
};

/* Boot report: an fw_cfg item whose selection marks a step. */
struct fw_cfg_mark {
	struct machine *m;
	const char *what;
};
#define FW_CFG_MARKS	5

#define STDIN_ESCAPE	0x01		/* Ctrl-A, as QEMU's -nographic: Ctrl-A x quits */

struct machine {
	const struct vm_config *cfg;
	struct serial_port serial[CLI_MAX_SERIALS];
	unsigned nserial;
	uint8_t stdin_buf[256];		/* read from stdin, not yet taken by the UART */
	size_t stdin_len, stdin_off;
	bool stdin_watched, stdin_escape, stdin_eof, stdin_retry_ready;
	struct board_timer stdin_retry;
	struct board board;
	bool board_ready;
	void *fdt;
	size_t fdt_size;
	struct accel accel;
	bool accel_ready;
	struct cpus cpus;
	bool cpus_ready;
	struct loop *loop;
	struct loop_bh *req_bh;
	struct accel_host host;
	uint8_t *bios, *kernel, *initrd;
	size_t bios_len, kernel_len, initrd_len;
	uint8_t **fw_cfg_data;		/* -fw_cfg file= contents, kept for the fw_cfg */
	struct acpi_tables acpi;
	bool have_acpi;
	FILE *log;
	bool shut_down;			/* -no-shutdown: guest powered off, vCPUs parked */
	struct accel_eoi_route split_routes[ACCEL_EOI_ROUTES];	/* kernel-irqchip=split */
	struct board_timer eoi_poll;	/* kernel-irqchip=split, see split_eoi_poll() */
	uint64_t eoi_poll_ns;
	bool eoi_poll_ready;
	struct chardev_out debugcon;	/* -debugcon */
	struct bootrep *bootrep;	/* -d boot; NULL otherwise */
	struct fw_cfg_mark fw_cfg_marks[FW_CFG_MARKS];
	struct gdbstub *gdb;		/* -gdb, -s */
	struct virtio_drive **drives;	/* -drive, by index in cfg->drives */
	bool *drive_auto;		/* the VMM adds its virtio-blk device */
	unsigned ndrives;
	struct virtio_net_backend **netdevs;	/* -netdev */
	unsigned nnetdevs;
	struct virtio_chardev hvc;	/* "stdio": a virtio console on the serial output */
	bool hvc_registered;
	char *cmdline;			/* -append plus the virtio-mmio slots (microvm) */
	struct machine_notify *notify;	/* machine_ioeventfd.c; NULL: exits only */
};

/* One error line into err; returns -1. */
int machine_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * machine_backends.c (main thread, in machine_create()'s order):
 * virtio_backends_setup() registers -drive, -netdev and the console before
 * the board is built; virtio_mmio_append() adds microvm's used slots to the
 * kernel command line; serial_setup()/debugcon_setup() connect the UARTs and
 * the debug console to stdio or files once the loop exists. The teardowns
 * flush and restore the terminal.
 */
int virtio_backends_setup(struct machine *m, char *err, size_t errlen);
int virtio_mmio_append(struct machine *m, char *err, size_t errlen);
int serial_setup(struct machine *m, char *err, size_t errlen);
int debugcon_setup(struct machine *m, char *err, size_t errlen);
void serial_teardown(struct machine *m);
void debugcon_teardown(struct machine *m);

/* machine_irq.c: connect the board's interrupt outputs to the chosen irqchip. */
int wire_interrupts(struct machine *m, char *err, size_t errlen);
/* kernel-irqchip=split: mirror the IOAPIC's level entries into KVM routes (board lock held). */
void split_sync_routes(struct machine *m);

/*
 * machine_ioeventfd.c: virtio kicks through the accelerator's ioeventfd and
 * interrupts through its irqfd, where it has them (after wire_interrupts(),
 * before the vCPUs start; main thread). Without them nothing changes: exits,
 * set_irq() and send_msi() as before. Teardown before the accelerator and
 * the board go, after the vCPUs stopped.
 */
int machine_notify_setup(struct machine *m, char *err, size_t errlen);
void machine_notify_teardown(struct machine *m);

#endif
