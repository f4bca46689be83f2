/*
 * Freestanding basics: the string functions gcc may call, a small printf,
 * and the log: QEMU's debug console (port 0x402 reads back 0xE9 when it is
 * there), else COM1.
 */
#include "firmware/fw.h"

#define DEBUGCON_PORT		0x402
#define DEBUGCON_READBACK	0xe9
#define COM1			0x3f8
#define UART_THR		0
#define UART_IER		1
#define UART_FCR		2
#define UART_LCR		3
#define UART_MCR		4
#define UART_LSR		5
#define UART_LCR_DLAB		0x80
#define UART_LCR_8N1		0x03
#define UART_LSR_THRE		0x20
#define UART_DIV_115200		1

/* Dword moves first: under QEMU every rep iteration counts as an instruction. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t words = n >> 2, rest = n & 3;

	__asm__ volatile("rep movsl\n\t"
			 "movl %3, %%ecx\n\t"
			 "rep movsb"
			 : "+D"(d), "+S"(src), "+c"(words) : "r"(rest) : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t words = n >> 2, rest = n & 3;

	__asm__ volatile("rep stosl\n\t"
			 "movl %3, %%ecx\n\t"
			 "rep stosb"
			 : "+D"(d), "+c"(words) : "a"((u8)c * 0x01010101u), "r"(rest) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int fw_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

/* ---- printf --------------------------------------------------------------- */
struct out {
	char *buf;
	u32 size, len;
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, u64 v, u32 base, int width, char pad, bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		u32 d;
		/* 64-bit division without libgcc: base is 10 or 16 */
		if (base == 16) {
			d = v & 15;
			v >>= 4;
		} else if (v <= 0xffffffffULL) {
			d = (u32)v % 10;	/* a plain div: no libgcc */
			v = (u32)v / 10;
		} else {
			u64 q = 0, r = 0;
			for (int i = 63; i >= 0; i--) {
				r = r << 1 | ((v >> i) & 1);
				if (r >= 10) {
					r -= 10;
					q |= 1ULL << i;
				}
			}
			d = (u32)r;
			v = q;
		}
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (n < width--)
		out_c(o, pad);
	while (n)
		out_c(o, tmp[--n]);
}

int fw_vsnprintf(char *buf, u32 size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';

		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 'd': {
			s32 v = va_arg(ap, s32);
			out_num(&o, v < 0 ? (u64)-(int64_t)v : (u64)v, 10, width, pad, v < 0);
			break;
		}
		case 'u':
		case 'x': {
			u64 v = lng >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			out_num(&o, v, *fmt == 'x' ? 16 : 10, width, pad, false);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;
			for (; s && s[n]; n++)
				;
			while (n < width--)
				out_c(&o, ' ');
			while (s && *s)
				out_c(&o, *s++);
			break;
		}
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_c(&o, '%');
			break;
		default:
			out_c(&o, '?');
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

/* ---- log -------------------------------------------------------------------- */
static bool have_debugcon, quiet;

static void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + 0, UART_DIV_115200);
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, 0);
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

static void serial_putc(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++)
		;
	outb(COM1 + UART_THR, (u8)c);
}

void log_init(void)
{
	have_debugcon = inb(DEBUGCON_PORT) == DEBUGCON_READBACK;
	serial_init();
}

void log_set_quiet(bool q)
{
	quiet = q;
}

static void emit(const char *s, bool serial_too)
{
	for (; *s; s++) {
		if (have_debugcon)
			outb(DEBUGCON_PORT, (u8)*s);
		if (!have_debugcon || serial_too) {
			if (*s == '\n')
				serial_putc('\r');
			serial_putc(*s);
		}
	}
}

void log_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fw_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(buf, false);
}

/* Errors reach the serial port always: a user without -debugcon must see them. */
void log_error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	fw_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(buf, true);
}

void fw_halt(u8 code)
{
	post(code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
