/*
 * COM1 output (polled), a small printf, the PASS/FAIL/SKIP/SUMMARY lines and
 * the exit through isa-debug-exit.
 */
#include "runtime.h"

#define COM1		0x3f8
#define UART_THR	0
#define UART_IER	1
#define UART_DLL	0
#define UART_DLM	1
#define UART_FCR	2
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_LSR_THRE	0x20
#define UART_LCR_DLAB	0x80
#define UART_LCR_8N1	0x03

#define DEBUG_EXIT_PORT	0xf4
#define LINE_MAX	256
#define THRE_SPINS	100000	/* a missing UART must not hang the guest */

static volatile uint32_t console_lock_word;
static unsigned n_pass, n_fail, n_skip;

void *memcpy(void *d, const void *s, size_t n)
{
	char *dp = d;
	const char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	char *dp = d;

	while (n--)
		*dp++ = (char)c;
	return d;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1);	/* 115200 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, 0x03);
}

static void serial_putc(char c)
{
	unsigned i;

	for (i = 0; i < THRE_SPINS && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

/* Whole lines under one lock with interrupts off, so CPUs and handlers never interleave. */
static void console_write(const char *s)
{
	uint32_t flags = read_eflags();

	irq_disable();
	while (__atomic_exchange_n(&console_lock_word, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	for (; *s; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
	__atomic_store_n(&console_lock_word, 0, __ATOMIC_RELEASE);
	if (flags & (1u << 9))
		irq_enable();
}

/* ---- formatting ---- */

struct out {
	char *buf;
	size_t size, len;
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, unsigned long long v, unsigned base, bool upper,
		    bool neg, int width, char pad, bool left)
{
	char tmp[24];
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0, total;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	total = n + (neg ? 1 : 0);
	if (neg && pad == '0')
		out_c(o, '-');
	while (!left && total < width) {
		out_c(o, pad);
		total++;
	}
	if (neg && pad != '0')
		out_c(o, '-');
	while (n)
		out_c(o, tmp[--n]);
	while (left && total < width) {
		out_c(o, ' ');
		total++;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		bool left = false, alt = false;
		unsigned long long u;
		long long s;

		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng >= 2 ? va_arg(ap, long long) :
			    lng ? va_arg(ap, long) : va_arg(ap, int);
			u = s < 0 ? -(unsigned long long)s : (unsigned long long)s;
			out_num(&o, u, 10, false, s < 0, width, pad, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long) :
			    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			if (alt && *fmt != 'u') {
				out_c(&o, '0');
				out_c(&o, 'x');
			}
			out_num(&o, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, pad, left);
			break;
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, 8, '0', false);
			break;
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int n;

			if (!str)
				str = "(null)";
			n = (int)strlen(str);
			while (!left && n < width--)
				out_c(&o, ' ');
			while (*str)
				out_c(&o, *str++);
			while (left && n < width--)
				out_c(&o, ' ');
			break;
		}
		case '%':
			out_c(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *fmt);
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	console_write(line);
	return n;
}

/* ---- reporting ---- */

static void report(const char *kind, const char *test, const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	size_t n;

	n = (size_t)snprintf(line, sizeof(line), "%s: %s", kind, test);
	if (n < sizeof(line) - 3) {
		line[n++] = ':';
		line[n++] = ' ';
		vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	}
	n = strlen(line);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = 0;
	console_write(line);
}

static void count(unsigned *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_SEQ_CST);
}

void pass(const char *test)
{
	count(&n_pass);
	printf("PASS: %s\n", test);
}

void fail(const char *test, const char *fmt, ...)
{
	va_list ap;

	count(&n_fail);
	va_start(ap, fmt);
	report("FAIL", test, fmt, ap);
	va_end(ap);
}

void skip(const char *test, const char *fmt, ...)
{
	va_list ap;

	count(&n_skip);
	va_start(ap, fmt);
	report("SKIP", test, fmt, ap);
	va_end(ap);
}

bool check(bool ok, const char *test, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		pass(test);
		return true;
	}
	count(&n_fail);
	va_start(ap, fmt);
	report("FAIL", test, fmt, ap);
	va_end(ap);
	return false;
}

unsigned tests_failed(void)
{
	return n_fail;
}

void exit_vm(uint32_t v)
{
	irq_disable();
	outl(DEBUG_EXIT_PORT, v);
	/* no isa-debug-exit: stay here until the runner's timeout */
	for (;;)
		__asm__ volatile("hlt");
}

void finish(void)
{
	printf("SUMMARY: %u passed, %u failed, %u skipped\n", n_pass, n_fail, n_skip);
	exit_vm(n_fail ? EXIT_FAIL : EXIT_PASS);
}
