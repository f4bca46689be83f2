/*
 * Interrupt lines and MSI.
 *
 * A device drives an irq_line: level semantics (irq_set(line, 1/0));
 * an edge device pulses it. Whatever is on the other end (the GSI router,
 * a PIC input, a test probe) gets the handler call. MSI is a write of
 * (address, data) handed to the board's msi sink, which decodes it as the SDM
 * defines and delivers it to the local APICs (ours or KVM's).
 */
#ifndef BOARD_IRQ_H
#define BOARD_IRQ_H

#include <stdint.h>

typedef void (*irq_handler_fn)(void *opaque, int n, int level);

struct irq_line {
	irq_handler_fn handler;		/* NULL: not connected (setting it is a no-op) */
	void *opaque;
	int n;				/* the input number at the receiver */
	int level;			/* last level set, so repeated sets are cheap */
};

static inline void irq_connect(struct irq_line *l, irq_handler_fn fn, void *opaque, int n)
{
	l->handler = fn;
	l->opaque = opaque;
	l->n = n;
	l->level = 0;
}

static inline void irq_set(struct irq_line *l, int level)
{
	level = !!level;
	if (l->handler)
		l->handler(l->opaque, l->n, level);
	l->level = level;
}
static inline void irq_raise(struct irq_line *l) { irq_set(l, 1); }
static inline void irq_lower(struct irq_line *l) { irq_set(l, 0); }
static inline void irq_pulse(struct irq_line *l) { irq_set(l, 1); irq_set(l, 0); }

struct msi_sink {
	void (*send)(void *opaque, uint64_t address, uint32_t data);
	void *opaque;
};

static inline void msi_send(const struct msi_sink *s, uint64_t address, uint32_t data)
{
	if (s && s->send)
		s->send(s->opaque, address, data);
}

#endif
