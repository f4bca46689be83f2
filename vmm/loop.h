/*
 * The main loop: one epoll set in the main thread, in the spirit of QEMU's
 * AioContext.
 *
 * Contract
 * - loop_init() must run before any other thread exists: it blocks SIGINT,
 *   SIGTERM and SIGHUP in the calling thread (threads created later inherit
 *   that) and receives them through a signalfd.
 * - fd handlers, timer runs, bottom halves, notifiers and the signal handler
 *   all run on the main thread, inside loop_run().
 * - Thread-safe from anywhere (vCPU threads included): loop_bh_schedule(),
 *   loop_timers_changed(), loop_quit(). They only write an eventfd.
 * - Timers: the loop does not own a timer list; it asks a timer source (the
 *   board's timer_list, through vmm/machine.c) for the next deadline, sleeps on
 *   a timerfd until then, and calls run(now).
 */
#ifndef VMM_LOOP_H
#define VMM_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_bh;

typedef void (*loop_fd_fn)(void *opaque, int fd, uint32_t events);

struct loop_timer_source {
	uint64_t (*now)(void *opaque);		/* ns, same clock as next() */
	uint64_t (*next)(void *opaque);		/* earliest deadline, UINT64_MAX if none */
	void (*run)(void *opaque, uint64_t now);
	void *opaque;
};

/* NULL on failure with errno set. */
struct loop *loop_new(void);
void loop_free(struct loop *l);

/* events: EPOLLIN etc. -EEXIST if fd is already watched. */
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *opaque);
int loop_del_fd(struct loop *l, int fd);

/* Bottom halves: a callback run once on the main thread after each schedule. */
struct loop_bh *loop_bh_new(struct loop *l, void (*fn)(void *opaque), void *opaque);
void loop_bh_schedule(struct loop_bh *bh);
void loop_bh_delete(struct loop_bh *bh);

/*
 * Eventfd notifiers: fn runs on the main thread when the eventfd is written
 * (by a KVM ioeventfd, another thread, ...). Returns the eventfd or -errno.
 */
int loop_notifier_new(struct loop *l, void (*fn)(void *opaque), void *opaque);
void loop_notifier_delete(struct loop *l, int efd);

void loop_set_timers(struct loop *l, const struct loop_timer_source *src);
void loop_timers_changed(struct loop *l);

/* fn(opaque, signo) for SIGINT/SIGTERM/SIGHUP. Without one they quit with status 1. */
void loop_set_signal_handler(struct loop *l, void (*fn)(void *opaque, int signo), void *opaque);

/* Run until loop_quit(); returns the status given to loop_quit(). */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int status);
bool loop_quitting(struct loop *l);

#endif
