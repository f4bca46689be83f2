/*
 * Runtime start, the IDT and interrupt dispatch, TSC calibration, timeouts,
 * fw_cfg and pc-testdev probes.
 */
#include "runtime.h"

#define IDT_ENTRIES	256
#define ISR_STUB_SIZE	16
#define GATE_INT32	0x8e00		/* present, DPL 0, 32-bit interrupt gate */
#define KERNEL_CS	0x08

#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_HZ		1193182u
#define PORT_61		0x61
#define PORT_61_GATE2	0x01
#define PORT_61_SPKR	0x02
#define PORT_61_OUT2	0x20
#define CALIBRATE_MS	20

#define FW_CFG_SEL	0x510
#define FW_CFG_DATA	0x511
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_NB_CPUS	0x05

#define TESTDEV_LATCH	0xe0

struct idt_gate {
	uint16_t off_lo, sel, flags, off_hi;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern char isr_stubs[], isr_stubs_end[];
void serial_init(void);
void runtime_start(uint32_t magic, uint32_t info);
void irq_dispatch(struct irq_frame *f);
void runtime_apic_init(void);

static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(8)));
struct idt_ptr runtime_idtr;
static irq_handler_t handlers[IDT_ENTRIES];

volatile uint32_t irq_count[256];
volatile uint32_t irq_unexpected;
volatile uint32_t irq_last_unexpected;
uint64_t tsc_khz;

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", "res", "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

void irq_set_handler(unsigned vector, irq_handler_t h)
{
	if (vector < IDT_ENTRIES)
		handlers[vector] = h;
}

void irq_reset_counts(void)
{
	unsigned i;

	for (i = 0; i < 256; i++)
		irq_count[i] = 0;
	irq_unexpected = 0;
	irq_last_unexpected = 0;
}

void irq_dispatch(struct irq_frame *f)
{
	unsigned v = f->vector & 0xff;

	if (handlers[v]) {
		handlers[v](f);
		/* counted after the handler: a waiter sees its effects done */
		__atomic_add_fetch(&irq_count[v], 1, __ATOMIC_SEQ_CST);
		return;
	}
	__atomic_add_fetch(&irq_count[v], 1, __ATOMIC_SEQ_CST);
	if (v < 32) {
		const char *name = exception_names[v] ? exception_names[v] : "exception";

		printf("FAIL: exception: vector %u (%s) error %#x at eip %#x on apic %u\n",
		       v, name, f->error, f->eip, lapic_id());
		printf("SUMMARY: panic\n");
		exit_vm(EXIT_PANIC);
	}
	__atomic_add_fetch(&irq_unexpected, 1, __ATOMIC_SEQ_CST);
	irq_last_unexpected = v;
}

static void idt_init(void)
{
	unsigned v;

	for (v = 0; v < IDT_ENTRIES; v++) {
		uint32_t off = (uint32_t)(uintptr_t)(isr_stubs + v * ISR_STUB_SIZE);

		idt[v].off_lo = off & 0xffff;
		idt[v].sel = KERNEL_CS;
		idt[v].flags = GATE_INT32;
		idt[v].off_hi = off >> 16;
	}
	runtime_idtr.limit = sizeof(idt) - 1;
	runtime_idtr.base = (uint32_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(runtime_idtr));
}

/* ---- time ---- */

#define CAL_SAMPLES	8	/* per end point: the narrowest bracket wins */
#define CAL_ATTEMPTS	5

/* Channel 2's count, latched, and the TSC at the latch (within *width ticks). */
static uint16_t pit2_sample(uint64_t *tsc, uint64_t *width)
{
	uint64_t best = ~0ull, a, b;
	uint16_t count = 0, c;
	unsigned i;

	for (i = 0; i < CAL_SAMPLES; i++) {
		a = rdtsc();
		outb(PIT_CMD, 0x80);	/* counter latch, channel 2 */
		c = inb(PIT_CH2);
		c |= (uint16_t)(inb(PIT_CH2) << 8);
		b = rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			count = c;
		}
	}
	*width = best;
	return count;
}

/*
 * PIT channel 2 in mode 0 counts down from 0xffff. Both ends read the
 * count itself, each bracketed by RDTSC, so a vCPU the host descheduled
 * (a busy host holds a TCG vCPU off for milliseconds) widens a bracket,
 * which is retried, instead of stretching the interval measured. OUT2
 * high means the count passed zero (wrapped): that attempt is discarded.
 */
static uint64_t tsc_calibrate_once(void)
{
	uint32_t need = PIT_HZ * CALIBRATE_MS / 1000;
	uint64_t t0, t1, w0, w1, spins = 0;
	uint16_t c0, c1;

	outb(PIT_CMD, 0xb0);		/* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	c0 = pit2_sample(&t0, &w0);
	do {
		c1 = pit2_sample(&t1, &w1);
	} while ((uint16_t)(c0 - c1) < need && !(inb(PORT_61) & PORT_61_OUT2) &&
		 ++spins < 10000000ull);
	if ((inb(PORT_61) & PORT_61_OUT2) || c1 >= c0 || t1 <= t0)
		return 0;
	/* a bracket wider than 1 % of the interval is too vague */
	if ((w0 + w1) * 100 > t1 - t0)
		return 0;
	return (t1 - t0) * PIT_HZ / ((uint64_t)(c0 - c1) * 1000);
}

static uint64_t tsc_calibrate(void)
{
	uint8_t p61 = inb(PORT_61);
	uint64_t khz = 0;
	unsigned i;

	outb(PORT_61, (p61 & ~PORT_61_SPKR) | PORT_61_GATE2);
	for (i = 0; i < CAL_ATTEMPTS && !khz; i++)
		khz = tsc_calibrate_once();
	outb(PORT_61, p61 & ~(PORT_61_SPKR | PORT_61_GATE2));
	return khz;
}

uint64_t us_to_tsc(uint64_t us)
{
	return us * tsc_khz / 1000;
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	return tsc_khz ? ticks * 1000000ull / tsc_khz : 0;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us_to_tsc(us);

	while (rdtsc() < end)
		cpu_relax();
}

bool irq_wait(unsigned vector, uint32_t n, uint64_t timeout_us)
{
	uint64_t end = rdtsc() + us_to_tsc(timeout_us);
	bool ok;

	vector &= 0xff;
	irq_enable();
	while (irq_count[vector] < n && rdtsc() < end)
		cpu_relax();
	irq_disable();
	ok = irq_count[vector] >= n;
	return ok;
}

void irq_window(uint64_t us)
{
	irq_enable();
	udelay(us);
	irq_disable();
}

/* ---- probes ---- */

bool fw_cfg_present(void)
{
	char sig[4];
	unsigned i;

	outw(FW_CFG_SEL, FW_CFG_SIGNATURE);
	for (i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_DATA);
	return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

unsigned fw_cfg_nb_cpus(void)
{
	unsigned lo, hi;

	if (!fw_cfg_present())
		return 0;
	outw(FW_CFG_SEL, FW_CFG_NB_CPUS);
	lo = inb(FW_CFG_DATA);
	hi = inb(FW_CFG_DATA);
	return lo | hi << 8;
}

bool testdev_present(void)
{
	uint32_t old = inl(TESTDEV_LATCH);
	bool ok;

	outl(TESTDEV_LATCH, 0x5a5aa5a5);
	ok = inl(TESTDEV_LATCH) == 0x5a5aa5a5;
	outl(TESTDEV_LATCH, ~0x5a5aa5a5u);
	ok = ok && inl(TESTDEV_LATCH) == ~0x5a5aa5a5u;
	outl(TESTDEV_LATCH, old);
	return ok;
}

void runtime_start(uint32_t magic, uint32_t info)
{
	serial_init();
	idt_init();
	tsc_khz = tsc_calibrate();
	if (!tsc_khz) {
		printf("FAIL: runtime: PIT channel 2 never reached zero, no TSC rate\n");
		printf("SUMMARY: 0 passed, 1 failed, 0 skipped\n");
		exit_vm(EXIT_FAIL);
	}
	runtime_apic_init();
	printf("# runtime: multiboot magic %#x, TSC %u.%03u MHz\n", magic,
	       (unsigned)(tsc_khz / 1000), (unsigned)(tsc_khz % 1000));
	test_main();
	irq_disable();
	finish();
}
