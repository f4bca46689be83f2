/*
 * The boot report (see bootrep.h).
 */
#include "vmm/bootrep.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bootrep_step {
	uint64_t ns;
	char text[BOOTREP_TEXT];
};

/* The first line of an output sink, collected until its newline. */
struct first_line {
	bool seen, done;
	int esc;			/* 0, 1 after ESC, 2 inside a CSI sequence */
	unsigned step;			/* index of its step, to quote the line there */
	char buf[64];
	size_t len;
};

struct bootrep {
	pthread_mutex_t lock;
	uint64_t t0;
	struct bootrep_step steps[BOOTREP_MAX_STEPS];
	unsigned n, dropped;
	unsigned post_steps, post_dropped;
	int last_post;			/* -1: none yet */
	struct first_line serial, debugcon;
	bool exited;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct bootrep *bootrep_new(void)
{
	struct bootrep *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->t0 = now_ns();
	r->last_post = -1;
	return r;
}

void bootrep_free(struct bootrep *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Lock held. Returns the step's index, or -1 when the report is full. */
static int add_locked(struct bootrep *r, const char *fmt, va_list ap)
{
	struct bootrep_step *s;

	if (r->n == BOOTREP_MAX_STEPS) {
		r->dropped++;
		return -1;
	}
	s = &r->steps[r->n];
	s->ns = now_ns() - r->t0;
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	return (int)r->n++;
}

static int add(struct bootrep *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(struct bootrep *r, const char *fmt, ...)
{
	va_list ap;
	int i;

	va_start(ap, fmt);
	i = add_locked(r, fmt, ap);
	va_end(ap);
	return i;
}

void bootrep_step(struct bootrep *r, const char *fmt, ...)
{
	va_list ap;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	va_start(ap, fmt);
	add_locked(r, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&r->lock);
}

void bootrep_reset(struct bootrep *r, const char *cause)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	add(r, "reset vector: vCPUs start at f000:fff0 (%s)", cause);
	r->last_post = -1;
	pthread_mutex_unlock(&r->lock);
}

void bootrep_postcode(struct bootrep *r, uint8_t code)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (code != r->last_post) {
		r->last_post = code;
		if (r->post_steps < BOOTREP_MAX_POST) {
			r->post_steps++;
			add(r, "POST code 0x%02x", code);
		} else {
			r->post_dropped++;
		}
	}
	pthread_mutex_unlock(&r->lock);
}

/* Lock held: add the byte to the sink's first line. */
static void first_line_add(struct bootrep *r, struct first_line *l, uint8_t byte, const char *what)
{
	if (l->done)
		return;
	if (!l->seen) {
		int i = add(r, "first %s output", what);

		l->seen = true;
		l->step = i < 0 ? BOOTREP_MAX_STEPS : (unsigned)i;
	}
	if (byte == '\n' || l->len == sizeof(l->buf) - 1) {
		l->done = true;
		return;
	}
	/* terminal controls (SeaBIOS's sercon resets and clears the screen) */
	if (l->esc == 1) {
		l->esc = byte == '[' ? 2 : 0;
		return;
	}
	if (l->esc == 2) {
		if (byte >= 0x40 && byte <= 0x7e)
			l->esc = 0;
		return;
	}
	if (byte == 0x1b) {
		l->esc = 1;
		return;
	}
	if (!isprint(byte))
		return;
	l->buf[l->len++] = (char)byte;
	l->buf[l->len] = 0;
}

void bootrep_serial(struct bootrep *r, uint8_t byte)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	first_line_add(r, &r->serial, byte, "serial");
	pthread_mutex_unlock(&r->lock);
}

void bootrep_debugcon(struct bootrep *r, uint8_t byte)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	first_line_add(r, &r->debugcon, byte, "debug console");
	pthread_mutex_unlock(&r->lock);
}

void bootrep_fw_cfg(struct bootrep *r, const char *what)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	add(r, "firmware fetches %s from fw_cfg", what);
	pthread_mutex_unlock(&r->lock);
}

void bootrep_exit(struct bootrep *r, int status, const char *why)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (!r->exited)
		add(r, "exit: %s, status %d", why, status);
	r->exited = true;
	pthread_mutex_unlock(&r->lock);
}

static void quote(FILE *f, const struct first_line *l, unsigned step)
{
	if (l->seen && l->step == step && l->len)
		fprintf(f, ": \"%s\"", l->buf);
}

void bootrep_print(struct bootrep *r, FILE *f)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	fprintf(f, "boot report (time since start):\n");
	for (unsigned i = 0; i < r->n; i++) {
		const struct bootrep_step *s = &r->steps[i];

		fprintf(f, "  %10.3f ms  %s", (double)s->ns / 1e6, s->text);
		quote(f, &r->serial, i);
		quote(f, &r->debugcon, i);
		fputc('\n', f);
	}
	if (r->post_dropped)
		fprintf(f, "  (%u further POST code changes not listed)\n", r->post_dropped);
	if (r->dropped)
		fprintf(f, "  (%u further steps not listed)\n", r->dropped);
	if (!r->serial.seen)
		fprintf(f, "  no serial output\n");
	pthread_mutex_unlock(&r->lock);
}
