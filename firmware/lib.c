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

/*
 * memmove, memcpy (the same code) and memset in assembly, since where each
 * instruction sits decides what a JIT (QEMU's TCG) translates: a block ends
 * after every branch and every rep instruction, and a rep that runs more than
 * once is a block of its own. So: dwords only (under an emulator every rep
 * iteration counts as an instruction), the n & 3 odd bytes covered by one
 * overlapping dword store instead of a second rep, and the common case's
 * single branch falls straight onto the rep. memcpy/memset forwards are three
 * blocks: the entry, the rep, the tail.
 *
 * memmove: the dword that covers the odd bytes (the last one forwards, the
 * first one backwards) is loaded before the copy, so no overlap changes it.
 * Backwards (dst within [src, src + n)) reuses the same rep with the
 * direction flag set. Below 4 bytes, the bytes go through a stack slot,
 * which is right for any overlap; 0 bytes (e820 moves none when it inserts
 * at the end) goes from the slow path's first check to the fast path's rep,
 * which then does nothing, and its tail, which stores the kept dword back
 * into its own stack slot.
 */
__asm__(".pushsection .text, \"ax\"\n"
	"	.globl	memmove, memcpy\n"
	"memmove:\n"
	"memcpy:\n"
	"	pushl	%esi\n"
	"	pushl	%edi\n"
	"	movl	12(%esp), %edi\n"		/* dst */
	"	movl	16(%esp), %esi\n"		/* src */
	"	movl	20(%esp), %edx\n"		/* n */
	"	movl	%edx, %ecx\n"
	"	shrl	$2, %ecx\n"			/* dwords */
	"	movl	%edi, %eax\n"
	"	subl	%esi, %eax\n"
	"	cmpl	%edx, %eax\n"			/* dst - src < n: backwards */
	"	sbbl	%eax, %eax\n"
	"	cmpl	$1, %ecx\n"			/* no dword: n < 4 */
	"	adcl	%eax, %eax\n"			/* either: the slow path, one branch */
	"	leal	-4(%esi,%edx), %eax\n"		/* the last source dword, kept */
	"	cmovnzl	%esp, %eax\n"			/* (the slow path sets its own) */
	"	pushl	(%eax)\n"
	"	leal	-4(%edi,%edx), %eax\n"		/* and its place */
	"	cmovnzl	%esp, %eax\n"			/* (slow path: the slot itself) */
	"	jnz	2f\n"
	"1:	rep movsl\n"
	"	cld\n"
	"	popl	(%eax)\n"
	"	movl	12(%esp), %eax\n"
	"	popl	%edi\n"
	"	popl	%esi\n"
	"	ret\n"
	"2:	testl	%edx, %edx\n"			/* n = 0: the rep does nothing, */
	"	jz	1b\n"				/* the kept dword goes to its slot */
	"	testl	%ecx, %ecx\n"
	"	jz	3f\n"
	"	movl	(%esi), %eax\n"			/* backwards: the first dword is kept */
	"	movl	%eax, (%esp)\n"
	"	movl	%edi, %eax\n"
	"	leal	-4(%esi,%edx), %esi\n"
	"	leal	-4(%edi,%edx), %edi\n"
	"	std\n"
	"	jmp	1b\n"
	"3:	movl	%esp, %edi\n"			/* n < 4: through the stack slot */
	"	movl	%edx, %ecx\n"
	"	rep movsb\n"
	"	movl	%esp, %esi\n"
	"	movl	16(%esp), %edi\n"
	"	movl	%edx, %ecx\n"
	"	rep movsb\n"
	"	popl	%eax\n"
	"	movl	12(%esp), %eax\n"
	"	popl	%edi\n"
	"	popl	%esi\n"
	"	ret\n"
	"	.type	memmove, @function\n"
	"	.type	memcpy, @function\n"
	"	.size	memmove, . - memmove\n"
	"	.size	memcpy, . - memcpy\n"
	"\n"
	/* memset: the last dword covers the odd bytes (every byte is c) */
	"	.globl	memset\n"
	"memset:\n"
	"	pushl	%edi\n"
	"	movl	8(%esp), %edi\n"		/* dst */
	"	movzbl	12(%esp), %eax\n"
	"	movl	16(%esp), %ecx\n"		/* n */
	"	imull	$0x01010101, %eax, %eax\n"
	"	leal	-4(%edi,%ecx), %edx\n"		/* the last dword */
	"	shrl	$2, %ecx\n"
	"	jz	2f\n"				/* n < 4 */
	"1:	rep stosl\n"
	"	movl	%eax, (%edx)\n"
	"	movl	8(%esp), %eax\n"
	"	popl	%edi\n"
	"	ret\n"
	"2:	movl	16(%esp), %ecx\n"
	"	rep stosb\n"
	"	movl	8(%esp), %eax\n"
	"	popl	%edi\n"
	"	ret\n"
	"	.type	memset, @function\n"
	"	.size	memset, . - memset\n"
	".popsection");

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
	u32 a, b, c, d, hv, kvm;

	/*
	 * Without branches (each one a block under a JIT): the hypervisor leaf
	 * is read always and counts only with the hypervisor bit.
	 */
	cpuid(1, &fw_cpu_sig, &b, &hv, &fw_cpu_features);
	cpuid(CPUID_HV_SIGNATURE, &a, &b, &c, &d);
	kvm = (hv & CPUID1_ECX_HYPERVISOR) && b == 0x4b4d564b && c == 0x564b4d56 &&
	      d == 0x0000004d;	/* "KVMKVMKVM" */
	sum_sse2 = (fw_cpu_features & CPUID1_EDX_SSE2) && !kvm;
	/*
	 * CR4.OSFXSR for the whole run rather than around each sum: a CR4
	 * write ends a block under a JIT. fw_cpu_handover() clears it.
	 */
	__asm__ volatile("movl %%cr4, %0\n\t"
			 "orl %1, %0\n\t"
			 "movl %0, %%cr4" : "=&r"(a) : "r"((u32)sum_sse2 * CR4_OSFXSR));
}

/* Whatever is booted gets the CR4 of reset. */
void fw_cpu_handover(void)
{
	u32 cr4;

	__asm__ volatile("movl %%cr4, %0\n\t"
			 "andl %1, %0\n\t"
			 "movl %0, %%cr4" : "=&r"(cr4) : "i"(~CR4_OSFXSR) : "memory");
}

/*
 * sum8_sse2 wants 16 bytes at least; sum8_dword takes any length. The pick is
 * a select and one indirect tail jump: under a JIT each branch is a block.
 */
u8 fw_sum8(const void *p, u32 len)
{
	uintptr_t fn = (uintptr_t)sum8_dword;
	u32 sse2 = -(u32)(sum_sse2 & (len >= 16));

	OPAQUE(sse2);		/* a select, not branches */
	fn ^= (fn ^ (uintptr_t)sum8_sse2) & sse2;
	return ((u8 (*)(const void *, u32))fn)(p, len);
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

void log_fields(const char *const *text, const u32 *value, u32 n)
{
	if (quiet)	/* not a call per piece that would print nothing */
		return;
	for (u32 i = 0; i < n; i++) {
		log_puts(text[i]);
		log_hex(value[i]);
	}
	log_puts("\n");
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
