/*
 * Output-only character backends (see chardev.h).
 */
#include "vmm/chardev.h"
#include "vmm/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void flush_locked(struct chardev_out *c)
{
	size_t off = 0;

	while (off < c->len) {
		ssize_t n = write(c->fd, c->buf + off, c->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* a closed sink drops output; the guest goes on */
		off += (size_t)n;
	}
	c->len = 0;
}

static void flush_bh(void *opaque)
{
	struct chardev_out *c = opaque;

	pthread_mutex_lock(&c->lock);
	flush_locked(c);
	pthread_mutex_unlock(&c->lock);
}

int chardev_out_open(struct chardev_out *c, struct loop *l, const struct serial_cfg *sc,
		     const char *opt, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->ready = true;
	switch (sc->kind) {
	case SERIAL_STDIO:
		c->fd = 1;
		break;
	case SERIAL_FILE:
		c->fd = open(sc->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->fd < 0) {
			snprintf(err, errlen, "%s: %s: %s", opt, sc->path, strerror(errno));
			return -1;
		}
		c->close_fd = true;
		break;
	default:
		return 0;
	}
	c->bh = loop_bh_new(l, flush_bh, c);
	if (!c->bh) {
		snprintf(err, errlen, "%s: out of memory", opt);
		return -1;
	}
	return 0;
}

void chardev_out_put(void *opaque, uint8_t byte)
{
	struct chardev_out *c = opaque;

	if (c->fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	c->buf[c->len++] = (char)byte;
	if (c->len == sizeof(c->buf))
		flush_locked(c);
	pthread_mutex_unlock(&c->lock);
	loop_bh_schedule(c->bh);
}

void chardev_out_close(struct chardev_out *c)
{
	if (!c->ready)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->fd >= 0)
		flush_locked(c);
	if (c->close_fd)
		close(c->fd);
	c->fd = -1;
	c->close_fd = false;
	pthread_mutex_unlock(&c->lock);
	if (c->bh)
		loop_bh_delete(c->bh);
	c->bh = NULL;
	pthread_mutex_destroy(&c->lock);
	c->ready = false;
}
