/*
 * 8259A pair, driven by pc-testdev's irq lines (ports 0x2000 + n): edge and
 * level (ELCR), masking, priorities, specific/non-specific and automatic EOI,
 * the cascade, IRR/ISR reads, poll mode, and a request that vanishes before
 * the CPU takes it.
 *
 * Lines used: ISA IRQ 3, 5, 7 (master) and 10 (slave); nothing else on a
 * PC raises them while this runs (COM2 absent, COM1's interrupts off).
 */
#include "runtime.h"

#define WAIT_US		50000
#define QUIET_US	20000
#define NSEQ		16
#define VEC(irq)	(PIC_BASE_MASTER + (irq))

enum eoi_mode { EOI_NONE, EOI_NONSPECIFIC };

static volatile unsigned seq[NSEQ], nseq;
static volatile uint16_t isr_seen[NSEQ];
static volatile enum eoi_mode eoi_mode = EOI_NONSPECIFIC;
static volatile int level_line = -1;		/* lower this line after level_after hits */
static volatile uint32_t level_after;

static void handler(struct irq_frame *f)
{
	unsigned irq = f->vector - PIC_BASE_MASTER;
	unsigned n = nseq;

	if (n < NSEQ) {
		seq[n] = irq;
		isr_seen[n] = pic_read_isr();
		nseq = n + 1;
	}
	if ((int)irq == level_line && irq_count[f->vector] + 1 >= level_after)
		testdev_set_irq(irq, false);
	if (eoi_mode == EOI_NONSPECIFIC)
		pic_eoi(irq);
}

static void reset_state(void)
{
	unsigned l;

	irq_disable();
	for (l = 1; l < TESTDEV_NR_IRQ; l++)
		if (l != 2)
			testdev_set_irq(l, false);
	pic_init(PIC_BASE_MASTER, PIC_BASE_SLAVE, false);
	pic_set_elcr(0);
	irq_reset_counts();
	nseq = 0;
	eoi_mode = EOI_NONSPECIFIC;
	level_line = -1;
}

static void test_edge(void)
{
	bool ok1, ok2, quiet;

	reset_state();
	pic_unmask(5);
	testdev_set_irq(5, true);
	ok1 = irq_wait(VEC(5), 1, WAIT_US);
	irq_window(QUIET_US);
	quiet = irq_count[VEC(5)] == 1;	/* a held edge line fires once */
	testdev_set_irq(5, false);
	testdev_set_irq(5, true);
	ok2 = irq_wait(VEC(5), 2, WAIT_US);
	testdev_set_irq(5, false);
	check(ok1 && ok2 && quiet && pic_read_isr() == 0, "pic_edge",
	      "first %d, once while held %d, second edge %d, count %u, isr %#x",
	      ok1, quiet, ok2, irq_count[VEC(5)], pic_read_isr());
}

static void test_mask(void)
{
	uint16_t irr;
	bool held;

	reset_state();
	pic_set_mask(0xffff & ~(1u << 3));
	check(pic_get_mask() == (0xffff & ~(1u << 3)), "pic_imr_readback", "imr %#x",
	      pic_get_mask());
	pic_mask(3);
	testdev_set_irq(5, true);
	irq_window(QUIET_US);
	irr = pic_read_irr();
	held = irq_count[VEC(5)] == 0;
	pic_unmask(5);
	irq_wait(VEC(5), 1, WAIT_US);
	testdev_set_irq(5, false);
	check(held && (irr & (1u << 5)) && irq_count[VEC(5)] == 1, "pic_mask_holds_request",
	      "delivered while masked %d, irr while masked %#x, after unmask %u",
	      !held, irr, irq_count[VEC(5)]);
}

static void test_level(void)
{
	uint16_t irr_high, irr_low;

	reset_state();
	pic_set_elcr(1u << 5 | 1u << 10);
	check((pic_get_elcr() & (1u << 5 | 1u << 10)) == (1u << 5 | 1u << 10), "pic_elcr_readback",
	      "elcr %#x after writing %#x", pic_get_elcr(), 1u << 5 | 1u << 10);

	/* a level line still high after EOI fires again; the 3rd handler lowers it */
	level_line = 5;
	level_after = 3;
	pic_unmask(5);
	testdev_set_irq(5, true);
	irq_wait(VEC(5), 3, WAIT_US);
	irq_window(QUIET_US);
	check(irq_count[VEC(5)] == 3, "pic_level_refires_until_lowered",
	      "%u interrupts, want 3", irq_count[VEC(5)]);

	/* the level IRR follows the line */
	pic_mask(5);
	testdev_set_irq(5, true);
	irr_high = pic_read_irr();
	testdev_set_irq(5, false);
	irr_low = pic_read_irr();
	check((irr_high & (1u << 5)) && !(irr_low & (1u << 5)), "pic_level_irr_follows_line",
	      "irr %#x while high, %#x after lowering", irr_high, irr_low);

	/* slave level line through the cascade */
	level_line = 10;
	level_after = 2;
	irq_reset_counts();
	pic_unmask(10);
	testdev_set_irq(10, true);
	irq_wait(VEC(10), 2, WAIT_US);
	irq_window(QUIET_US);
	check(irq_count[VEC(10)] == 2, "pic_level_slave", "%u interrupts on IRQ 10, want 2",
	      irq_count[VEC(10)]);
	testdev_set_irq(10, false);
}

static void test_priority(void)
{
	reset_state();
	pic_unmask(3);
	pic_unmask(5);
	pic_unmask(10);
	/* raised with IF=0, taken in priority order: 10 (on IRQ 2), then 3, then 5 */
	testdev_set_irq(5, true);
	testdev_set_irq(3, true);
	testdev_set_irq(10, true);
	irq_wait(VEC(5), 1, WAIT_US);
	irq_window(QUIET_US);
	check(nseq == 3 && seq[0] == 10 && seq[1] == 3 && seq[2] == 5, "pic_priority_order",
	      "%u taken: %u %u %u", nseq, seq[0], seq[1], seq[2]);
	testdev_set_irq(3, false);
	testdev_set_irq(5, false);
	testdev_set_irq(10, false);
}

static void test_specific_eoi(void)
{
	uint16_t isr_both, isr_after_specific, isr_after_nonspecific;
	bool blocked;

	reset_state();
	eoi_mode = EOI_NONE;
	pic_unmask(3);
	pic_unmask(5);
	pic_unmask(7);
	testdev_set_irq(5, true);
	irq_wait(VEC(5), 1, WAIT_US);
	/* ISR 5 in service: lower-priority IRQ 7 waits, higher IRQ 3 nests */
	testdev_set_irq(7, true);
	irq_window(QUIET_US);
	blocked = irq_count[VEC(7)] == 0;
	testdev_set_irq(3, true);
	irq_wait(VEC(3), 1, WAIT_US);
	isr_both = pic_read_isr();
	pic_specific_eoi(5);
	isr_after_specific = pic_read_isr();
	pic_eoi(3);		/* non-specific: the highest in service, IRQ 3 */
	isr_after_nonspecific = pic_read_isr();
	check(blocked, "pic_isr_blocks_lower_priority", "IRQ 7 taken while IRQ 5 in service");
	check(isr_both == 0x28 && isr_after_specific == 0x08 && isr_after_nonspecific == 0,
	      "pic_specific_eoi", "isr %#x with 3 and 5, %#x after specific EOI 5 (want 0x08), "
	      "%#x after non-specific", isr_both, isr_after_specific, isr_after_nonspecific);
	/* with the ISR clear the held IRQ 7 is taken; it is a real one: ISR 7 set */
	irq_wait(VEC(7), 1, WAIT_US);
	check(irq_count[VEC(7)] == 1 && nseq >= 3 && (isr_seen[nseq - 1] & 0x80),
	      "pic_real_irq7_sets_isr", "IRQ 7 count %u, isr in handler %#x",
	      irq_count[VEC(7)], nseq ? isr_seen[nseq - 1] : 0);
	pic_eoi(7);
	testdev_set_irq(3, false);
	testdev_set_irq(5, false);
	testdev_set_irq(7, false);
}

static void test_auto_eoi(void)
{
	bool ok;

	reset_state();
	pic_init(PIC_BASE_MASTER, PIC_BASE_SLAVE, true);
	eoi_mode = EOI_NONE;
	pic_unmask(5);
	testdev_set_irq(5, true);
	irq_wait(VEC(5), 1, WAIT_US);
	testdev_set_irq(5, false);
	testdev_set_irq(5, true);	/* no EOI was sent: auto-EOI lets this in */
	ok = irq_wait(VEC(5), 2, WAIT_US);
	testdev_set_irq(5, false);
	check(ok && nseq == 2 && isr_seen[0] == 0 && isr_seen[1] == 0 && pic_read_isr() == 0,
	      "pic_auto_eoi", "second edge taken %d, isr in handlers %#x %#x, now %#x",
	      ok, isr_seen[0], isr_seen[1], pic_read_isr());
}

static void test_poll(void)
{
	uint8_t p1, p2;
	uint16_t isr;

	reset_state();
	pic_unmask(5);
	testdev_set_irq(5, true);	/* IF stays 0: the CPU never acknowledges */
	p1 = pic_poll(false);
	isr = pic_read_isr();
	pic_eoi(5);
	p2 = pic_poll(false);
	testdev_set_irq(5, false);
	irq_window(QUIET_US);
	check(p1 == 0x85 && (isr & (1u << 5)) && p2 == 0 && irq_count[VEC(5)] == 0,
	      "pic_poll_mode", "poll %#x (want 0x85), isr %#x, poll after EOI %#x, taken %u",
	      p1, isr, p2, irq_count[VEC(5)]);
}

static void test_vanished_request(void)
{
	uint16_t isr7 = 0;
	bool spurious;

	reset_state();
	pic_set_elcr(1u << 5);
	pic_unmask(5);
	pic_unmask(7);
	testdev_set_irq(5, true);
	udelay(1000);			/* INTR is up, IF is 0 */
	testdev_set_irq(5, false);	/* and the level request goes away */
	irq_window(QUIET_US);
	/* real 8259s answer such an INTA with IRQ 7 and no ISR bit; QEMU drops INTR */
	spurious = irq_count[VEC(7)] != 0;
	if (spurious)
		isr7 = isr_seen[0] & 0x80;
	check(irq_count[VEC(5)] == 0 && (!spurious || !isr7), "pic_vanished_request",
	      "IRQ 5 taken %u times after it was lowered, IRQ 7 %u (isr bit 7 %#x)",
	      irq_count[VEC(5)], irq_count[VEC(7)], isr7);
	if (spurious)
		printf("# pic: the vanished request came back as spurious IRQ 7\n");
}

void test_main(void)
{
	unsigned irq;

	if (!testdev_present()) {
		skip("pic", "no pc-testdev (ports 0xe0, 0x2000): add -device pc-testdev");
		return;
	}
	for (irq = 1; irq < 16; irq++)
		if (irq != 2 && irq != 8)
			irq_set_handler(VEC(irq), handler);
	test_edge();
	test_mask();
	test_level();
	test_priority();
	test_specific_eoi();
	test_auto_eoi();
	test_poll();
	test_vanished_request();
	reset_state();
	irq_window(QUIET_US);
	check(irq_unexpected == 0, "pic_no_stray_vectors", "%u unexpected, last vector %#x",
	      irq_unexpected, irq_last_unexpected);
}
