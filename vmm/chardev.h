/*
 * Output-only character backends (-debugcon stdio|file:PATH|null): bytes from
 * a device on a vCPU thread go to a buffer and reach the fd from a bottom
 * half on the main loop, so a slow terminal never stalls a vCPU for long.
 *
 * Contract: chardev_out_put() may be called from any thread (it takes the
 * backend's own lock; the caller may hold the board lock). A full buffer is
 * written out at once by the caller. chardev_out_close() flushes what is left.
 */
#ifndef VMM_CHARDEV_H
#define VMM_CHARDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/cli.h"

struct loop;
struct loop_bh;

struct chardev_out {
	int fd;				/* -1: output dropped */
	bool close_fd, ready;
	pthread_mutex_t lock;
	char buf[4096];
	size_t len;
	struct loop_bh *bh;
};

/* opt names the option in errors ("-debugcon"). */
int chardev_out_open(struct chardev_out *c, struct loop *l, const struct serial_cfg *sc,
		     const char *opt, char *err, size_t errlen);
void chardev_out_put(void *opaque, uint8_t byte);
void chardev_out_close(struct chardev_out *c);

#endif
