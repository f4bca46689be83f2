/*
 * Freestanding basics: the string functions gcc may call, a small printf,
 * and the log: QEMU's debug console (port 0x402 reads back 0xE9 when it is
 * there), else COM1.
 */
#define FW_LIB_C
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
#define UART_FCR_FIFO_ON	0x07	/* FIFOs on, both cleared */
#define UART_FIFO_LEN		16	/* a 16550A's transmit FIFO */
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

/* Overlapping upwards: backwards with the direction flag, dwords when n allows. */
void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	if (!(n & 3)) {
		size_t words = n >> 2;

		d += n - 4;
		s += n - 4;
		__asm__ volatile("std\n\trep movsl\n\tcld" : "+D"(d), "+S"(s), "+c"(words) :: "memory");
	} else {
		d += n - 1;
		s += n - 1;
		__asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
	}
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

/* ---- CPU features, checksums ----------------------------------------------------- */
#define CPUID1_ECX_HYPERVISOR	(1u << 31)
#define CPUID1_EDX_SSE2		(1u << 26)
#define CPUID_HV_SIGNATURE	0x40000000
#define CR4_OSFXSR		(1u << 9)

u32 fw_cpu_sig, fw_cpu_features;
static bool sum_sse2;
u8 sum8_dword(const void *p, u32 len);		/* sum.S */
u8 sum8_sse2(const void *p, u32 len);

static void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/*
 * SSE2 checksums where instructions are what costs: under an emulator
 * (TCG). Not under KVM: there the loop runs natively in nanoseconds anyway,
 * and where KVM emulates the guest's 32-bit code itself (PVM) its
 * instruction emulator has no SSE arithmetic.
 */
void fw_cpu_init(void)
{
	u32 a, b, c, d;

	cpuid(1, &fw_cpu_sig, &b, &c, &fw_cpu_features);
	sum_sse2 = fw_cpu_features & CPUID1_EDX_SSE2;
	if (c & CPUID1_ECX_HYPERVISOR) {
		cpuid(CPUID_HV_SIGNATURE, &a, &b, &c, &d);
		if (b == 0x4b4d564b && c == 0x564b4d56 && d == 0x0000004d)	/* "KVMKVMKVM" */
			sum_sse2 = false;
	}
	/*
	 * CR4.OSFXSR for the whole run rather than around each sum: a CR4
	 * write ends a block under a JIT. fw_cpu_handover() clears it.
	 */
	if (sum_sse2)
		__asm__ volatile("movl %%cr4, %0\n\t"
				 "orl %1, %0\n\t"
				 "movl %0, %%cr4" : "=&r"(a) : "i"(CR4_OSFXSR));
}

/* Whatever is booted gets the CR4 of reset. */
void fw_cpu_handover(void)
{
	u32 cr4;

	__asm__ volatile("movl %%cr4, %0\n\t"
			 "andl %1, %0\n\t"
			 "movl %0, %%cr4" : "=&r"(cr4) : "i"(~CR4_OSFXSR) : "memory");
}

u8 fw_sum8(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	if (!sum_sse2)
		return sum8_dword(p, len);
	if (len >= 16)
		return sum8_sse2(p, len);
	/* a few bytes: a plain loop is fewer blocks than sum8_dword's */
	while (len--)
		sum += *b++;
	return sum;
}

/* String instructions: each retires once, however many bytes it covers. */
int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	if (!n || mem_eq(a, b, n))
		return 0;
	/* repe cmpsb stopped one past the first difference */
	__asm__("repe cmpsb" : "+S"(x), "+D"(y), "+c"(n) : "m"(*(const char (*)[n])a),
		"m"(*(const char (*)[n])b));
	return x[-1] - y[-1];
}

size_t strlen(const char *s)
{
	const char *p = s;
	size_t n = ~(size_t)0;

	__asm__("repne scasb" : "+D"(p), "+c"(n) : "a"(0), "m"(*(const char (*)[])s));
	return (size_t)(p - s) - 1;
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

/* n bytes at once: what fits is one memcpy */
static void out_str(struct out *o, const char *s, u32 n)
{
	u32 room = o->len + 1 < o->size ? o->size - 1 - o->len : 0;

	memcpy(o->buf + o->len, s, n < room ? n : room);
	o->len += n;
}

/* Digits right to left into a small buffer, then one copy. */
static void out_num(struct out *o, u64 v, u32 base, int width, char pad, bool neg)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24], *p = tmp + sizeof(tmp);
	u32 lo = (u32)v, hi = (u32)(v >> 32), n;

	if (base == 16) {
		if (hi) {
			for (int i = 0; i < 8; i++, lo >>= 4)
				*--p = digits[lo & 15];
			lo = hi;
		}
		do
			*--p = digits[lo & 15];
		while (lo >>= 4);
	} else if (!hi) {
		do
			*--p = (char)('0' + lo % 10);
		while (lo /= 10);
	} else {
		do {
			/* 64-bit division without libgcc: bit by bit */
			u64 q = 0, r = 0;

			for (int i = 63; i >= 0; i--) {
				r = r << 1 | ((v >> i) & 1);
				if (r >= 10) {
					r -= 10;
					q |= 1ULL << i;
				}
			}
			*--p = (char)('0' + r);
			v = q;
		} while (v);
	}
	if (neg)
		*--p = '-';
	n = (u32)(tmp + sizeof(tmp) - p);
	while ((int)n < width--)
		out_c(o, pad);
	out_str(o, p, n);
}

int fw_vsnprintf(char *buf, u32 size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	const char *end = fmt + strlen(fmt);

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';

		if (*fmt != '%') {
			/* the literal run up to the next '%' or the end, in one scan */
			const char *q = fmt;
			u32 left = (u32)(end - fmt);

			__asm__("repne scasb" : "+D"(q), "+c"(left) : "a"('%'), "m"(*fmt));
			if (q[-1] == '%')
				q--;
			out_str(&o, fmt, (u32)(q - fmt));
			fmt = q - 1;
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
			int n = s ? (int)strlen(s) : 0;

			while (n < width--)
				out_c(&o, ' ');
			out_str(&o, s, (u32)n);
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
static bool have_debugcon, quiet, verbose;

static void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + 0, UART_DIV_115200);
	outb(COM1 + 1, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_FIFO_ON);
	outb(COM1 + UART_MCR, 0x03);	/* DTR, RTS */
}

/*
 * THRE with the FIFOs on means the transmit FIFO is empty: then 16 bytes
 * may go at once, one rep outsb (bounded wait: a missing UART reads 0xff).
 */
static void serial_write(const char *s, u32 len)
{
	while (len) {
		u32 n = len < UART_FIFO_LEN ? len : UART_FIFO_LEN;

		for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & UART_LSR_THRE); i++)
			;
		__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"(COM1 + UART_THR), "m"(*s));
		len -= len < UART_FIFO_LEN ? len : UART_FIFO_LEN;
	}
}

void log_init(void)
{
	have_debugcon = inb(DEBUGCON_PORT) == DEBUGCON_READBACK;
	serial_init();
}

void log_configure(bool q, bool v)
{
	quiet = q;
	verbose = v;
}

bool log_verbose(void)
{
	return verbose && !quiet;
}

/* The debug console takes a whole string in one rep outsb; the UART 16 bytes at a time. */
static void emit(const char *s, u32 len, bool serial_too)
{
	if (have_debugcon) {
		const char *p = s;
		u32 n = len;

		__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(DEBUGCON_PORT), "m"(*s));
		if (!serial_too)
			return;
	}
	/* each line up to its '\n' (found by one repne scasb), then "\r\n" */
	while (len) {
		const char *q = s;
		u32 left = len;

		__asm__("repne scasb" : "+D"(q), "+c"(left) : "a"('\n'), "m"(*s));
		if (q[-1] != '\n') {
			serial_write(s, len);
			return;
		}
		serial_write(s, (u32)(q - 1 - s));
		serial_write("\r\n", 2);
		len -= (u32)(q - s);
		s = q;
	}
}

void log_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (quiet)
		return;
	va_start(ap, fmt);
	n = fw_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(buf, n < (int)sizeof(buf) ? (u32)n : sizeof(buf) - 1, false);
}

/*
 * The default log's pieces, without the formatter: under a JIT its code is
 * some forty blocks to translate, more than the rest of the log costs.
 */
void log_puts(const char *s)
{
	if (!quiet)
		emit(s, (u32)strlen(s), false);
}

void log_hex(u32 v)
{
	char buf[8], *p = buf + sizeof(buf);

	do
		*--p = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	if (!quiet)
		emit(p, (u32)(buf + sizeof(buf) - p), false);
}

void log_detail(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (!log_verbose())
		return;
	va_start(ap, fmt);
	n = fw_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(buf, n < (int)sizeof(buf) ? (u32)n : sizeof(buf) - 1, false);
}

/* Errors reach the serial port always: a user without -debugcon must see them. */
void log_error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fw_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(buf, n < (int)sizeof(buf) ? (u32)n : sizeof(buf) - 1, true);
}

void fw_halt(u8 code)
{
	post(code);
	for (;;)
		__asm__ volatile("cli; hlt");
}
