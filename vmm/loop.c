/*
 * The epoll main loop (see loop.h).
 */
#include "vmm/loop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define LOOP_MAX_EVENTS 32

struct watch {
	int fd;
	loop_fd_fn fn;
	void *opaque;
	struct watch *next;
};

struct loop_bh {
	struct loop *loop;
	void (*fn)(void *opaque);
	void *opaque;
	atomic_bool scheduled;
	bool deleted;
	struct loop_bh *next;
};

struct notifier {
	void (*fn)(void *opaque);
	void *opaque;
};

struct loop {
	int epfd, wakefd, timerfd, sigfd;
	struct watch *watches;
	pthread_mutex_t bh_lock;	/* guards the bh list against vCPU-thread schedulers */
	struct loop_bh *bhs;
	bool have_timers;
	struct loop_timer_source timers;
	void (*sig_fn)(void *opaque, int signo);
	void *sig_opaque;
	atomic_bool quit;
	atomic_int status;
	bool running_handlers;		/* watches may be deleted while we iterate */
};

static void wake(struct loop *l)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the loop will wake anyway. */
	if (write(l->wakefd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		abort();
}

static void drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
}

static struct watch *watch_find(struct loop *l, int fd)
{
	for (struct watch *w = l->watches; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_fn fn, void *opaque)
{
	struct epoll_event ev = { .events = events };
	struct watch *w;

	if (watch_find(l, fd))
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->fn = fn;
	w->opaque = opaque;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = -errno;
		free(w);
		return e;
	}
	w->next = l->watches;
	l->watches = w;
	return 0;
}

int loop_del_fd(struct loop *l, int fd)
{
	for (struct watch **pp = &l->watches; *pp; pp = &(*pp)->next) {
		struct watch *w = *pp;

		if (w->fd != fd)
			continue;
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		if (l->running_handlers) {
			/* an event for it may still be in this batch: keep the memory, drop the callback */
			w->fn = NULL;
			w->fd = -1;
			return 0;
		}
		*pp = w->next;
		free(w);
		return 0;
	}
	return -ENOENT;
}

static void watches_reap(struct loop *l)
{
	for (struct watch **pp = &l->watches; *pp;) {
		struct watch *w = *pp;
		if (!w->fn) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

/* ---- bottom halves --------------------------------------------------------- */

struct loop_bh *loop_bh_new(struct loop *l, void (*fn)(void *opaque), void *opaque)
{
	struct loop_bh *bh = calloc(1, sizeof(*bh));

	if (!bh)
		return NULL;
	bh->loop = l;
	bh->fn = fn;
	bh->opaque = opaque;
	pthread_mutex_lock(&l->bh_lock);
	bh->next = l->bhs;
	l->bhs = bh;
	pthread_mutex_unlock(&l->bh_lock);
	return bh;
}

void loop_bh_schedule(struct loop_bh *bh)
{
	if (!atomic_exchange(&bh->scheduled, true))
		wake(bh->loop);
}

void loop_bh_delete(struct loop_bh *bh)
{
	struct loop *l = bh->loop;

	pthread_mutex_lock(&l->bh_lock);
	for (struct loop_bh **pp = &l->bhs; *pp; pp = &(*pp)->next) {
		if (*pp == bh) {
			*pp = bh->next;
			break;
		}
	}
	pthread_mutex_unlock(&l->bh_lock);
	free(bh);
}

static void bhs_run(struct loop *l)
{
	/* The list only changes on the main thread (new/delete), so walking it
	 * unlocked is safe here except for a concurrent loop_bh_new, which
	 * prepends: hold the lock for the walk but not across callbacks. */
	for (;;) {
		struct loop_bh *run = NULL;

		pthread_mutex_lock(&l->bh_lock);
		for (struct loop_bh *bh = l->bhs; bh; bh = bh->next) {
			if (atomic_exchange(&bh->scheduled, false)) {
				run = bh;
				break;
			}
		}
		pthread_mutex_unlock(&l->bh_lock);
		if (!run)
			return;
		run->fn(run->opaque);
	}
}

/* ---- notifiers --------------------------------------------------------------- */

static void notifier_ready(void *opaque, int fd, uint32_t events)
{
	struct notifier *n = opaque;

	drain(fd);
	n->fn(n->opaque);
}

int loop_notifier_new(struct loop *l, void (*fn)(void *opaque), void *opaque)
{
	struct notifier *n = calloc(1, sizeof(*n));
	int efd, ret;

	if (!n)
		return -ENOMEM;
	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		free(n);
		return -errno;
	}
	n->fn = fn;
	n->opaque = opaque;
	ret = loop_add_fd(l, efd, EPOLLIN, notifier_ready, n);
	if (ret < 0) {
		close(efd);
		free(n);
		return ret;
	}
	return efd;
}

void loop_notifier_delete(struct loop *l, int efd)
{
	struct watch *w = watch_find(l, efd);

	if (!w)
		return;
	free(w->opaque);
	loop_del_fd(l, efd);
	close(efd);
}

/* ---- timers --------------------------------------------------------------------- */

void loop_set_timers(struct loop *l, const struct loop_timer_source *src)
{
	l->timers = *src;
	l->have_timers = true;
	wake(l);
}

void loop_timers_changed(struct loop *l)
{
	wake(l);
}

static void timers_rearm(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t next, now;

	if (!l->have_timers)
		return;
	next = l->timers.next(l->timers.opaque);
	if (next != UINT64_MAX) {
		now = l->timers.now(l->timers.opaque);
		uint64_t delta = next > now ? next - now : 1;	/* 0 would disarm */
		its.it_value.tv_sec = (time_t)(delta / 1000000000ull);
		its.it_value.tv_nsec = (long)(delta % 1000000000ull);
	}
	timerfd_settime(l->timerfd, 0, &its, NULL);
}

static void timers_run(struct loop *l)
{
	uint64_t now;

	if (!l->have_timers)
		return;
	now = l->timers.now(l->timers.opaque);
	if (l->timers.next(l->timers.opaque) <= now)
		l->timers.run(l->timers.opaque, now);
}

/* ---- signals -------------------------------------------------------------------- */

void loop_set_signal_handler(struct loop *l, void (*fn)(void *opaque, int signo), void *opaque)
{
	l->sig_fn = fn;
	l->sig_opaque = opaque;
}

static void signal_ready(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (l->sig_fn)
			l->sig_fn(l->sig_opaque, (int)si.ssi_signo);
		else
			loop_quit(l, 1);
	}
}

/* ---- the loop ------------------------------------------------------------------- */

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t set;
	int saved;

	if (!l)
		return NULL;
	l->epfd = l->wakefd = l->timerfd = l->sigfd = -1;
	pthread_mutex_init(&l->bh_lock, NULL);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		goto fail;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->epfd < 0 || l->wakefd < 0 || l->timerfd < 0 || l->sigfd < 0)
		goto fail;
	/* The loop's own fds are tagged by pointer to the loop's fd fields. */
	ev.data.ptr = &l->wakefd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0)
		goto fail;
	ev.data.ptr = &l->timerfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->timerfd, &ev) < 0)
		goto fail;
	ev.data.ptr = &l->sigfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev) < 0)
		goto fail;
	return l;
fail:
	saved = errno;
	loop_free(l);
	errno = saved;
	return NULL;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	while (l->watches) {
		struct watch *w = l->watches;
		l->watches = w->next;
		if (w->fn == notifier_ready) {
			close(w->fd);
			free(w->opaque);
		}
		free(w);
	}
	while (l->bhs) {
		struct loop_bh *bh = l->bhs;
		l->bhs = bh->next;
		free(bh);
	}
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->wakefd >= 0)
		close(l->wakefd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	pthread_mutex_destroy(&l->bh_lock);
	free(l);
}

void loop_quit(struct loop *l, int status)
{
	/* the first status wins: a guest's exit value is not overwritten by teardown */
	if (!atomic_exchange(&l->quit, true))
		atomic_store(&l->status, status);
	wake(l);
}

bool loop_quitting(struct loop *l)
{
	return atomic_load(&l->quit);
}

int loop_run(struct loop *l)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];

	while (!atomic_load(&l->quit)) {
		int n;

		bhs_run(l);
		timers_run(l);
		if (atomic_load(&l->quit))
			break;
		timers_rearm(l);
		n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			loop_quit(l, 1);
			break;
		}
		l->running_handlers = true;
		for (int i = 0; i < n; i++) {
			void *tag = ev[i].data.ptr;

			if (tag == &l->wakefd) {
				drain(l->wakefd);
			} else if (tag == &l->timerfd) {
				drain(l->timerfd);
			} else if (tag == &l->sigfd) {
				signal_ready(l);
			} else {
				struct watch *w = tag;
				if (w->fn)
					w->fn(w->opaque, w->fd, ev[i].events);
			}
		}
		l->running_handlers = false;
		watches_reap(l);
	}
	return atomic_load(&l->status);
}
