/*
 * The guest-test runtime: a freestanding 32-bit environment for the test
 * guests in tests/guests/. Built -m32 -ffreestanding -nostdlib; it never
 * includes a host header.
 *
 * Contract
 * - Boot: a multiboot v1 ELF (QEMU's and bringup's -kernel load it). The
 *   entry sets a flat GDT (code 0x08, data 0x10), a stack, an IDT with a
 *   handler for every vector, COM1 at 115200 8N1, the TSC rate (calibrated on
 *   PIT channel 2), the 8259s (vectors 0x20/0x28, all masked), the local
 *   APIC (enabled, spurious vector 0xff, LINT0 ExtINT, LINT1 NMI) and the
 *   IOAPIC (every pin masked); then it calls the guest's test_main() with
 *   interrupts off, and on return prints the SUMMARY line and exits.
 * - Output, one line each, nothing else at the start of a line:
 *     PASS: <test>
 *     FAIL: <test>: <why>
 *     SKIP: <test>: <why>
 *     SUMMARY: <n> passed, <n> failed, <n> skipped
 *   Other lines (notes, measurements) start with "# ".
 * - Exit through isa-debug-exit (port 0xf4): the guest writes 0 when nothing
 *   failed, 1 when a test failed, 2 on a runtime panic (unexpected exception).
 *   QEMU and bringup exit with status (value << 1) | 1, so 1 is success and
 *   3 or 5 are failures; any other status (0, a signal, a timeout) means the
 *   guest never reached its exit and is a failure too.
 * - Interrupts: every vector goes to the handler set by irq_set_handler()
 *   and is then counted in irq_count[] (all CPUs; after the handler, so a
 *   waiter on the count sees what the handler did). An exception (0-31) with no
 *   handler prints a FAIL line with vector, error code and EIP and exits 2;
 *   any other vector with no handler is counted in irq_unexpected and
 *   recorded in irq_last_unexpected (the tests check these). Handlers run with
 *   interrupts off and must send their own EOI.
 * - Timeouts are in microseconds, measured with the TSC.
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the guest's part ---------------------------------------------------- */

/* Each guest defines this; the runtime prints SUMMARY and exits after it. */
void test_main(void);

/* ---- port I/O, MMIO, CPU instructions ----------------------------------- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint16_t mmio_read16(uintptr_t addr)
{
	return *(volatile uint16_t *)addr;
}

static inline void mmio_write16(uintptr_t addr, uint16_t v)
{
	*(volatile uint16_t *)addr = v;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b,
			 uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static inline void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

static inline uint32_t read_eflags(void)
{
	uint32_t f;

	__asm__ volatile("pushfl; popl %0" : "=r"(f));
	return f;
}

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0

/* ---- console and reporting ----------------------------------------------- */

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int strcmp(const char *a, const char *b);
size_t strlen(const char *s);

void pass(const char *test);
void fail(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skip(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* PASS if ok, else FAIL with the message; returns ok. */
bool check(bool ok, const char *test, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
unsigned tests_failed(void);

#define EXIT_PASS	0
#define EXIT_FAIL	1
#define EXIT_PANIC	2
/* Print SUMMARY, exit through isa-debug-exit (0 if nothing failed). */
void finish(void) __attribute__((noreturn));
/* Write v to isa-debug-exit; hangs if there is none. */
void exit_vm(uint32_t v) __attribute__((noreturn));

/* ---- interrupts ------------------------------------------------------------ */

struct irq_frame {
	uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};

typedef void (*irq_handler_t)(struct irq_frame *f);

extern volatile uint32_t irq_count[256];
extern volatile uint32_t irq_unexpected;
extern volatile uint32_t irq_last_unexpected;

void irq_set_handler(unsigned vector, irq_handler_t h);
/* Zero all counts and the unexpected record. */
void irq_reset_counts(void);
/* Enable interrupts until irq_count[vector] >= n or timeout; then disable. */
bool irq_wait(unsigned vector, uint32_t n, uint64_t timeout_us);
/* Enable interrupts for us microseconds, then disable. */
void irq_window(uint64_t us);

/* ---- time ------------------------------------------------------------------ */

extern uint64_t tsc_khz;	/* TSC ticks per millisecond */
uint64_t us_to_tsc(uint64_t us);
uint64_t tsc_to_ns(uint64_t ticks);
void udelay(uint64_t us);

/* ---- PCI configuration space (mechanism #1) -------------------------------- */

#define PCI_BDF(b, d, f)	(((b) << 8) | ((d) << 3) | (f))
uint32_t pci_read32(uint16_t bdf, uint8_t reg);
uint16_t pci_read16(uint16_t bdf, uint8_t reg);
uint8_t pci_read8(uint16_t bdf, uint8_t reg);
void pci_write32(uint16_t bdf, uint8_t reg, uint32_t v);
void pci_write16(uint16_t bdf, uint8_t reg, uint16_t v);
void pci_write8(uint16_t bdf, uint8_t reg, uint8_t v);
/* bdf of the first function with this ID on bus 0, or -1. */
int pci_find(uint16_t vendor, uint16_t device);
/* Offset of capability id, or 0. */
uint8_t pci_find_cap(uint16_t bdf, uint8_t id);

/* ---- 8259 PIC pair --------------------------------------------------------- */

#define PIC_BASE_MASTER	0x20
#define PIC_BASE_SLAVE	0x28
/* ICW1-ICW4, every IRQ masked, ELCR untouched. */
void pic_init(uint8_t base_master, uint8_t base_slave, bool auto_eoi);
void pic_set_mask(uint16_t mask);
uint16_t pic_get_mask(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);		/* non-specific EOI (slave too for irq >= 8) */
void pic_specific_eoi(unsigned irq);
uint16_t pic_read_irr(void);
uint16_t pic_read_isr(void);
void pic_set_elcr(uint16_t elcr);
uint16_t pic_get_elcr(void);
/* Spurious IRQ 7/15 (ISR bit clear) seen by the runtime's default handlers. */
extern volatile uint32_t pic_spurious;
/* OCW3 poll: bit 7 set if a request was pending, low bits its IRQ. */
uint8_t pic_poll(bool slave);

/* ---- local APIC and IOAPIC ------------------------------------------------- */

#define LAPIC_ID	0x020
#define LAPIC_VER	0x030
#define LAPIC_TPR	0x080
#define LAPIC_PPR	0x0a0
#define LAPIC_EOI	0x0b0
#define LAPIC_LDR	0x0d0
#define LAPIC_DFR	0x0e0
#define LAPIC_SVR	0x0f0
#define LAPIC_ISR	0x100
#define LAPIC_TMR	0x180
#define LAPIC_IRR	0x200
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERR	0x370
#define LAPIC_TIMER_ICR	0x380
#define LAPIC_TIMER_CCR	0x390
#define LAPIC_TIMER_DCR	0x3e0

#define APIC_DM_FIXED	(0u << 8)
#define APIC_DM_LOWEST	(1u << 8)
#define APIC_DM_SMI	(2u << 8)
#define APIC_DM_NMI	(4u << 8)
#define APIC_DM_INIT	(5u << 8)
#define APIC_DM_STARTUP	(6u << 8)
#define APIC_DM_EXTINT	(7u << 8)
#define APIC_DEST_LOGICAL	(1u << 11)
#define APIC_ICR_BUSY	(1u << 12)
#define APIC_LEVEL_ASSERT	(1u << 14)
#define APIC_LEVEL_TRIG	(1u << 15)
#define APIC_MASKED	(1u << 16)
#define APIC_DEST_SELF	(1u << 18)
#define APIC_DEST_ALL	(2u << 18)
#define APIC_DEST_OTHERS	(3u << 18)
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_DEADLINE	(2u << 17)

#define LAPIC_SPURIOUS_VECTOR	0xff

extern uintptr_t lapic_base;
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
void lapic_eoi(void);
uint8_t lapic_id(void);
/* Bit vector of 256 at ISR/TMR/IRR. */
bool lapic_vec_bit(uint32_t base_reg, unsigned vec);
/* Send an IPI and wait (bounded) for the delivery status to clear. */
bool lapic_send_ipi(uint8_t dest, uint32_t icr_lo);
/* Enable this CPU's APIC: SVR, TPR 0, LVTs masked but LINT0/LINT1 as on a PC. */
void lapic_setup(bool bsp);

#define IOAPIC_BASE	0xfec00000u
#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01
#define IOAPIC_REG_ARB	0x02
#define IOAPIC_EOI	0x40
#define IOAPIC_RTE_LEVEL	(1u << 15)
#define IOAPIC_RTE_LOW	(1u << 13)	/* active low */
#define IOAPIC_RTE_REMOTE_IRR	(1u << 14)
#define IOAPIC_RTE_PENDING	(1u << 12)	/* delivery status */
#define IOAPIC_RTE_LOGICAL	(1u << 11)
#define IOAPIC_RTE_MASKED	(1u << 16)
uint32_t ioapic_read(uint8_t reg);
void ioapic_write(uint8_t reg, uint32_t v);
unsigned ioapic_pins(void);
uint64_t ioapic_get(unsigned pin);
void ioapic_set(unsigned pin, uint64_t rte);
void ioapic_mask_all(void);

/* ---- pc-testdev ------------------------------------------------------------ */

#define TESTDEV_IRQ_PORT	0x2000
/* QEMU's pc-testdev drives ISA IRQs 0-15 only (higher lines abort QEMU). */
#define TESTDEV_NR_IRQ		16
static inline void testdev_set_irq(unsigned line, bool level)
{
	if (line < TESTDEV_NR_IRQ)
		outb(TESTDEV_IRQ_PORT + line, level);
}
/* The latch at 0xe0: reads back what was written; used to detect the device. */
bool testdev_present(void);

/* ---- fw_cfg ---------------------------------------------------------------- */

bool fw_cfg_present(void);
/* The FW_CFG_NB_CPUS item, or 0 if there is no fw_cfg. */
unsigned fw_cfg_nb_cpus(void);

/* ---- SMP ------------------------------------------------------------------- */

#define SMP_MAX_CPUS	16
#define AP_TRAMPOLINE	0x8000u		/* SIPI vector 0x08 */
#define IPI_WAKE_VECTOR	0xf0

extern volatile unsigned smp_cpus;		/* CPUs up, BSP included */
extern volatile uint8_t smp_apic_id[SMP_MAX_CPUS];	/* by CPU index; 0 is the BSP */
extern volatile uint32_t smp_boots[SMP_MAX_CPUS];	/* times each AP ran its entry */
/* INIT-SIPI-SIPI to all others; waits for fw_cfg's CPU count (or 200 ms). */
unsigned smp_start(void);
/* Run fn(cpu) on AP index cpu (1..); waits up to timeout; true if it ran. */
bool smp_call(unsigned cpu, void (*fn)(unsigned cpu), uint64_t timeout_us);
/* Index of the calling CPU by its APIC ID (0 for unknown). */
unsigned smp_self(void);
/* Send INIT then SIPI to one AP again; true if it reported a new boot. */
bool smp_restart(unsigned cpu, uint64_t timeout_us);

#endif
