/*
 * IOAPIC at 0xfec00000, driven by pc-testdev's lines (ISA IRQ n = pin n):
 * ID/version/arbitration registers, edge and level entries, remote IRR and
 * the re-fire of a level line still asserted at EOI, masking while pending,
 * polarity, delivery modes fixed/lowest-priority/NMI/ExtINT, physical and
 * logical destinations (on every CPU with -smp 2+), the EOI register of
 * version 0x20, and re-programming an entry from inside its own handler.
 *
 * The 8259 keeps every IRQ masked except in the ExtINT test.
 */
#include "runtime.h"

#define PIN		5		/* ISA IRQ 5: quiet on a PC */
#define PIN2		10
#define VEC_A		0x50
#define VEC_B		0x51
#define VEC_C		0x52
#define WAIT_US		50000
#define QUIET_US	20000
#define CALL_US		500000

#define RTE_DEST(id)		((uint64_t)(id) << 56)
#define RTE_FIXED(vec, id)	((vec) | RTE_DEST(id))

enum action { ACT_EOI, ACT_LOWER_EOI, ACT_NONE, ACT_REPROGRAM, ACT_IOAPIC_EOI };

static volatile enum action action = ACT_EOI;
static volatile uint32_t lower_after = 1;	/* ACT_LOWER_EOI: lower from this hit on */
static volatile uint32_t hits;
static volatile uint8_t last_cpu;		/* APIC ID that took the last interrupt */
static volatile uint32_t cpu_hits[SMP_MAX_CPUS];
static volatile uint64_t rte_in_handler;
static volatile uint64_t rte_after_ioapic_eoi;
static volatile bool tmr_in_handler;
static volatile uint32_t nmi_hits;
static volatile uint32_t extint_hits;
static volatile uint16_t extint_pic_isr;

static void handler(struct irq_frame *f)
{
	unsigned vec = f->vector;
	uint32_t n = __atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST);
	uint8_t id = lapic_id();

	last_cpu = id;
	if (id < SMP_MAX_CPUS)
		__atomic_add_fetch(&cpu_hits[id], 1, __ATOMIC_SEQ_CST);
	rte_in_handler = ioapic_get(PIN);
	tmr_in_handler = lapic_vec_bit(LAPIC_TMR, vec);
	switch (action) {
	case ACT_LOWER_EOI:
		if (n >= lower_after)
			testdev_set_irq(PIN, false);
		lapic_eoi();
		break;
	case ACT_REPROGRAM:
		/*
		 * The EOI below carries VEC_A, which no longer matches the entry:
		 * flip it to edge and back, which clears remote IRR (as Linux's
		 * IOAPIC ack does), with the new vector in place.
		 */
		testdev_set_irq(PIN, false);
		ioapic_set(PIN, VEC_B | IOAPIC_RTE_LEVEL | RTE_DEST(lapic_id()) | IOAPIC_RTE_MASKED);
		ioapic_set(PIN, VEC_B | RTE_DEST(lapic_id()) | IOAPIC_RTE_MASKED);
		ioapic_set(PIN, VEC_B | IOAPIC_RTE_LEVEL | RTE_DEST(lapic_id()));
		action = ACT_LOWER_EOI;
		lapic_eoi();
		break;
	case ACT_IOAPIC_EOI:
		testdev_set_irq(PIN, false);
		mmio_write32(IOAPIC_BASE + IOAPIC_EOI, vec);
		rte_after_ioapic_eoi = ioapic_get(PIN);
		lapic_eoi();
		break;
	case ACT_NONE:
		break;
	case ACT_EOI:
		lapic_eoi();
		break;
	}
}

static void nmi_handler(struct irq_frame *f)
{
	__atomic_add_fetch(&nmi_hits, 1, __ATOMIC_SEQ_CST);
}

static void extint_handler(struct irq_frame *f)
{
	extint_hits++;
	extint_pic_isr = pic_read_isr();
	pic_eoi(PIN);
	/* QEMU's model delivers ExtINT as a fixed vector (ISR set); hardware does not */
	if (lapic_vec_bit(LAPIC_ISR, f->vector))
		lapic_eoi();
}

static void reset_state(void)
{
	unsigned i;

	irq_disable();
	/* lower the lines under a level entry: QEMU keeps a stale edge IRR otherwise */
	ioapic_set(PIN, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED);
	ioapic_set(PIN2, IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED);
	testdev_set_irq(PIN, false);
	testdev_set_irq(PIN2, false);
	ioapic_mask_all();
	irq_window(1000);
	irq_reset_counts();
	hits = 0;
	nmi_hits = 0;
	action = ACT_EOI;
	lower_after = 1;
	for (i = 0; i < SMP_MAX_CPUS; i++)
		cpu_hits[i] = 0;
}

static void test_registers(void)
{
	uint32_t ver = ioapic_read(IOAPIC_REG_VER);
	uint32_t id = ioapic_read(IOAPIC_REG_ID);
	uint32_t id2;

	printf("# ioapic: version %#x, %u pins, id %u\n", ver & 0xff, ioapic_pins(), id >> 24);
	check((ver & 0xff) == 0x20 || (ver & 0xff) == 0x11, "ioapic_version",
	      "version register %#x: want 0x20 (or 0x11, KVM's)", ver);
	check(ioapic_pins() == 24, "ioapic_24_pins", "max redirection entry %u",
	      (ver >> 16) & 0xff);
	ioapic_write(IOAPIC_REG_ID, 0x0a000000);
	id2 = ioapic_read(IOAPIC_REG_ID);
	ioapic_write(IOAPIC_REG_ID, id);
	check((id2 & 0x0f000000) == 0x0a000000, "ioapic_id_writable", "wrote id 10, read %#x", id2);
	ioapic_set(PIN, 0xab0000000000a000ull | VEC_C | IOAPIC_RTE_MASKED);
	check((ioapic_get(PIN) & ~(uint64_t)(IOAPIC_RTE_PENDING | IOAPIC_RTE_REMOTE_IRR)) ==
	      (0xab00000000000000ull | 0xa000 | VEC_C | IOAPIC_RTE_MASKED), "ioapic_rte_readback",
	      "rte %#llx", (unsigned long long)ioapic_get(PIN));
	ioapic_set(PIN, IOAPIC_RTE_MASKED);
}

static void test_edge(void)
{
	bool ok1, quiet, ok2;

	reset_state();
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()));
	testdev_set_irq(PIN, true);
	ok1 = irq_wait(VEC_A, 1, WAIT_US);
	irq_window(QUIET_US);
	quiet = irq_count[VEC_A] == 1;
	testdev_set_irq(PIN, false);
	testdev_set_irq(PIN, true);
	ok2 = irq_wait(VEC_A, 2, WAIT_US);
	testdev_set_irq(PIN, false);
	check(ok1 && quiet && ok2 && !tmr_in_handler, "ioapic_edge",
	      "first %d, once while held %d, second edge %d, count %u, TMR %d",
	      ok1, quiet, ok2, irq_count[VEC_A], tmr_in_handler);
}

static void test_level(void)
{
	uint64_t rte_after;

	reset_state();
	action = ACT_LOWER_EOI;
	lower_after = 3;
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL);
	testdev_set_irq(PIN, true);
	irq_wait(VEC_A, 3, WAIT_US);
	irq_window(QUIET_US);
	rte_after = ioapic_get(PIN);
	check(irq_count[VEC_A] == 3, "ioapic_level_refires_after_eoi",
	      "%u interrupts, want 3 (line lowered in the third handler)", irq_count[VEC_A]);
	check((rte_in_handler & IOAPIC_RTE_REMOTE_IRR) && !(rte_after & IOAPIC_RTE_REMOTE_IRR),
	      "ioapic_remote_irr", "remote IRR %d in the handler, %d after EOI",
	      !!(rte_in_handler & IOAPIC_RTE_REMOTE_IRR), !!(rte_after & IOAPIC_RTE_REMOTE_IRR));
	check(tmr_in_handler, "ioapic_level_sets_tmr", "LAPIC TMR bit clear for a level vector");

	/* no EOI: remote IRR holds further deliveries back */
	reset_state();
	action = ACT_NONE;
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL);
	testdev_set_irq(PIN, true);
	irq_wait(VEC_A, 1, WAIT_US);
	irq_window(QUIET_US);
	testdev_set_irq(PIN, false);
	check(irq_count[VEC_A] == 1, "ioapic_remote_irr_blocks", "%u deliveries without EOI",
	      irq_count[VEC_A]);
	lapic_eoi();
	action = ACT_EOI;
	irq_window(QUIET_US);
	check(irq_count[VEC_A] == 1 && !(ioapic_get(PIN) & IOAPIC_RTE_REMOTE_IRR),
	      "ioapic_eoi_after_lowering", "count %u, rte %#llx", irq_count[VEC_A],
	      (unsigned long long)ioapic_get(PIN));
}

static void test_mask_pending(void)
{
	bool held;

	reset_state();
	action = ACT_LOWER_EOI;
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED);
	testdev_set_irq(PIN, true);
	irq_window(QUIET_US);
	held = irq_count[VEC_A] == 0;
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL);
	irq_wait(VEC_A, 1, WAIT_US);
	check(held && irq_count[VEC_A] == 1, "ioapic_level_masked_then_unmasked",
	      "delivered while masked %d, after unmask %u", !held, irq_count[VEC_A]);

	/* edge while masked: not delivered while masked (82093AA drops it) */
	reset_state();
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_MASKED);
	testdev_set_irq(PIN, true);
	irq_window(QUIET_US);
	check(irq_count[VEC_A] == 0, "ioapic_edge_masked", "%u deliveries while masked",
	      irq_count[VEC_A]);
	testdev_set_irq(PIN, false);
}

static void test_polarity(void)
{
	uint32_t on_high, on_low;

	reset_state();
	action = ACT_NONE;
	/* level, active low: a high line is deasserted */
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_LOW |
		   IOAPIC_RTE_MASKED);
	testdev_set_irq(PIN, true);
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL | IOAPIC_RTE_LOW);
	irq_window(QUIET_US);
	on_high = irq_count[VEC_A];
	if (on_high) {
		testdev_set_irq(PIN, false);
		ioapic_set(PIN, IOAPIC_RTE_MASKED);
		lapic_eoi();
		skip("ioapic_polarity_low", "this IOAPIC model ignores the polarity bit "
		     "(QEMU's userspace IOAPIC takes the pin level as is)");
		return;
	}
	testdev_set_irq(PIN, false);	/* low: asserted */
	irq_wait(VEC_A, 1, WAIT_US);
	irq_window(QUIET_US);
	on_low = irq_count[VEC_A];
	ioapic_set(PIN, IOAPIC_RTE_MASKED);
	testdev_set_irq(PIN, true);
	if (on_low)
		lapic_eoi();
	testdev_set_irq(PIN, false);
	check(on_low == 1, "ioapic_polarity_low",
	      "level active-low pin: %u deliveries on a high line, %u on a low one (want 0, 1)",
	      on_high, on_low);
}

static void test_nmi(void)
{
	reset_state();
	ioapic_set(PIN, APIC_DM_NMI | RTE_DEST(lapic_id()));
	testdev_set_irq(PIN, true);
	irq_wait(2, 1, WAIT_US);
	testdev_set_irq(PIN, false);
	ioapic_set(PIN, IOAPIC_RTE_MASKED);
	check(nmi_hits == 1 && irq_count[VEC_A] == 0, "ioapic_delivery_nmi",
	      "%u NMIs, want 1", nmi_hits);
}

static void test_extint(void)
{
	uint32_t lint0 = lapic_read(LAPIC_LVT_LINT0);

	reset_state();
	extint_hits = 0;
	extint_pic_isr = 0;
	/* the 8259 answers the INTA; LINT0 is masked so only the IOAPIC path remains */
	lapic_write(LAPIC_LVT_LINT0, lint0 | APIC_MASKED);
	pic_unmask(PIN);
	ioapic_set(PIN, APIC_DM_EXTINT | RTE_DEST(lapic_id()));
	testdev_set_irq(PIN, true);
	irq_wait(PIC_BASE_MASTER + PIN, 1, WAIT_US);
	testdev_set_irq(PIN, false);
	ioapic_set(PIN, IOAPIC_RTE_MASKED);
	pic_mask(PIN);
	lapic_write(LAPIC_LVT_LINT0, lint0);
	check(extint_hits == 1 && (extint_pic_isr & (1u << PIN)), "ioapic_delivery_extint",
	      "%u interrupts with the 8259's vector %#x, its ISR %#x",
	      extint_hits, PIC_BASE_MASTER + PIN, extint_pic_isr);
}

static void test_ioapic_eoi_register(void)
{
	uint32_t ver = ioapic_read(IOAPIC_REG_VER) & 0xff;

	if (ver < 0x20) {
		skip("ioapic_eoi_register", "IOAPIC version %#x has no EOI register", ver);
		return;
	}
	reset_state();
	action = ACT_IOAPIC_EOI;
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL);
	testdev_set_irq(PIN, true);
	irq_wait(VEC_A, 1, WAIT_US);
	irq_window(QUIET_US);
	check(irq_count[VEC_A] == 1 && (rte_in_handler & IOAPIC_RTE_REMOTE_IRR) &&
	      !(rte_after_ioapic_eoi & IOAPIC_RTE_REMOTE_IRR), "ioapic_eoi_register",
	      "count %u, remote IRR %d before and %d after the EOI register write",
	      irq_count[VEC_A], !!(rte_in_handler & IOAPIC_RTE_REMOTE_IRR),
	      !!(rte_after_ioapic_eoi & IOAPIC_RTE_REMOTE_IRR));
}

static void test_reprogram_in_handler(void)
{
	reset_state();
	action = ACT_REPROGRAM;
	ioapic_set(PIN, RTE_FIXED(VEC_A, lapic_id()) | IOAPIC_RTE_LEVEL);
	testdev_set_irq(PIN, true);
	irq_wait(VEC_A, 1, WAIT_US);
	testdev_set_irq(PIN, true);	/* the handler lowered it: assert again */
	irq_wait(VEC_B, 1, WAIT_US);
	irq_window(QUIET_US);
	check(irq_count[VEC_A] == 1 && irq_count[VEC_B] == 1 &&
	      !(ioapic_get(PIN) & IOAPIC_RTE_REMOTE_IRR), "ioapic_reprogram_in_handler",
	      "old vector %u times, new vector %u times (want 1 and 1), rte %#llx",
	      irq_count[VEC_A], irq_count[VEC_B], (unsigned long long)ioapic_get(PIN));
	testdev_set_irq(PIN, false);
}

/* One edge on PIN with this RTE; returns the APIC ID that took it, or 0xff. */
static uint8_t fire_edge(uint64_t rte, uint32_t *count)
{
	reset_state();
	last_cpu = 0xff;
	ioapic_set(PIN, rte);
	testdev_set_irq(PIN, true);
	irq_wait(VEC_A, 1, WAIT_US);
	irq_window(QUIET_US);
	testdev_set_irq(PIN, false);
	ioapic_set(PIN, IOAPIC_RTE_MASKED);
	*count = irq_count[VEC_A];
	return *count ? last_cpu : 0xff;
}

static void set_ldr(unsigned cpu)
{
	lapic_write(LAPIC_DFR, 0xffffffffu);
	lapic_write(LAPIC_LDR, 1u << (24 + cpu));
}

static void test_destinations(void)
{
	uint8_t bsp = lapic_id(), got;
	uint32_t n;
	unsigned cpu;

	got = fire_edge(RTE_FIXED(VEC_A, bsp), &n);
	check(n == 1 && got == bsp, "ioapic_dest_physical_bsp", "%u deliveries, taken by %#x",
	      n, got);
	got = fire_edge(RTE_FIXED(VEC_A, 0x0e), &n);
	check(n == 0, "ioapic_dest_physical_absent", "%u deliveries to absent APIC ID 14", n);
	set_ldr(0);
	got = fire_edge(VEC_A | IOAPIC_RTE_LOGICAL | RTE_DEST(0x01), &n);
	check(n == 1 && got == bsp, "ioapic_dest_logical_flat", "%u deliveries, taken by %#x",
	      n, got);
	got = fire_edge(VEC_A | APIC_DM_LOWEST | IOAPIC_RTE_LOGICAL | RTE_DEST(0x01), &n);
	check(n == 1 && got == bsp, "ioapic_delivery_lowest_priority",
	      "%u deliveries, taken by %#x", n, got);

	if (smp_start() < 2) {
		skip("ioapic_dest_ap", "one CPU: run with -smp 2 or more");
		return;
	}
	for (cpu = 1; cpu < smp_cpus; cpu++)
		if (!smp_call(cpu, set_ldr, CALL_US))
			fail("ioapic_dest_ap", "CPU %u did not run its LDR setup", cpu);
	for (cpu = 1; cpu < smp_cpus && cpu < 8; cpu++) {
		uint8_t id = smp_apic_id[cpu];

		got = fire_edge(RTE_FIXED(VEC_A, id), &n);
		if (!check(n == 1 && got == id, "ioapic_dest_physical_ap",
			   "CPU %u: %u deliveries, taken by APIC %#x, want %#x", cpu, n, got, id))
			break;
		got = fire_edge(VEC_A | IOAPIC_RTE_LOGICAL | RTE_DEST(1u << cpu), &n);
		if (!check(n == 1 && got == id, "ioapic_dest_logical_ap",
			   "CPU %u: %u deliveries, taken by APIC %#x, want %#x", cpu, n, got, id))
			break;
	}
	/* lowest priority over BSP and CPU 1: exactly one of them takes each */
	got = fire_edge(VEC_A | APIC_DM_LOWEST | IOAPIC_RTE_LOGICAL | RTE_DEST(0x03), &n);
	check(n == 1 && (got == bsp || got == smp_apic_id[1]), "ioapic_lowest_priority_two_cpus",
	      "%u deliveries, taken by %#x", n, got);
	/* logical broadcast to two CPUs: fixed mode delivers to both */
	reset_state();
	ioapic_set(PIN, VEC_A | IOAPIC_RTE_LOGICAL | RTE_DEST(0x03));
	testdev_set_irq(PIN, true);
	irq_wait(VEC_A, 2, WAIT_US);
	irq_window(QUIET_US);
	testdev_set_irq(PIN, false);
	ioapic_set(PIN, IOAPIC_RTE_MASKED);
	check(irq_count[VEC_A] == 2 && cpu_hits[bsp] == 1 && cpu_hits[smp_apic_id[1]] == 1,
	      "ioapic_dest_logical_multi", "%u deliveries, BSP %u, CPU 1 %u", irq_count[VEC_A],
	      cpu_hits[bsp], cpu_hits[smp_apic_id[1]]);
}

void test_main(void)
{
	if (!testdev_present()) {
		skip("ioapic", "no pc-testdev (ports 0xe0, 0x2000): add -device pc-testdev");
		return;
	}
	irq_set_handler(VEC_A, handler);
	irq_set_handler(VEC_B, handler);
	irq_set_handler(2, nmi_handler);
	irq_set_handler(PIC_BASE_MASTER + PIN, extint_handler);

	test_registers();
	test_edge();
	test_level();
	test_mask_pending();
	test_polarity();
	test_nmi();
	test_extint();
	test_ioapic_eoi_register();
	test_reprogram_in_handler();
	test_destinations();
	reset_state();
	check(irq_unexpected == 0, "ioapic_no_stray_vectors", "%u unexpected, last vector %#x",
	      irq_unexpected, irq_last_unexpected);
}
