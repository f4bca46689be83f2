/*
 * IOAPIC: registers, edge/level, remote IRR and re-fire after EOI, masking,
 * polarity, delivery modes and destinations (through the APIC bus),
 * re-programming an entry from inside its own delivery.
 */
#include <check.h>

#include "board/ioapic.h"
#include "board/lapic.h"
#include "board/msi.h"

#define MAX_MSGS 32

static struct ioapic io;
static struct msi_fields msgs[MAX_MSGS];
static int nmsgs, bad_msgs;
static void (*on_msg)(int n);
static int depth, max_depth;

static void sink(void *opaque, uint64_t address, uint32_t data)
{
	struct msi_fields f;

	if (msi_decode(address, data, &f)) {
		bad_msgs++;
		return;
	}
	if (nmsgs < MAX_MSGS)
		msgs[nmsgs] = f;
	nmsgs++;
	depth++;
	if (depth > max_depth)
		max_depth = depth;
	if (on_msg)
		on_msg(nmsgs);
	depth--;
}

static const struct msi_sink test_sink = { .send = sink };

static void setup(void)
{
	ioapic_init(&io, 1, &test_sink);
	nmsgs = bad_msgs = depth = max_depth = 0;
	on_msg = NULL;
}

static void rte_write(int pin, uint64_t v)
{
	ioapic_reg_write(&io, IOAPIC_REG_REDTBL + 2 * pin + 1, v >> 32);
	ioapic_reg_write(&io, IOAPIC_REG_REDTBL + 2 * pin, (uint32_t)v);
}

static uint64_t rte_read(int pin)
{
	return ioapic_reg_read(&io, IOAPIC_REG_REDTBL + 2 * pin) |
	       ((uint64_t)ioapic_reg_read(&io, IOAPIC_REG_REDTBL + 2 * pin + 1) << 32);
}

static uint64_t dest(uint8_t d) { return (uint64_t)d << IOAPIC_RTE_DEST_SHIFT; }

START_TEST(id_version_arbitration)
{
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_ID), 0x01000000);
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_VER), 0x00170020);
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_ARB), 0x01000000);
	ioapic_reg_write(&io, IOAPIC_REG_ID, 0xf5ffffff);
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_ID), 0x05000000);
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_ARB), 0x05000000);
	ioapic_reg_write(&io, IOAPIC_REG_VER, 0);
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_VER), 0x00170020);
	ck_assert_uint_eq(ioapic_reg_read(&io, 0x03), 0);
	ck_assert_uint_eq(ioapic_reg_read(&io, 0x40), 0);	/* past pin 23 */
}
END_TEST

START_TEST(entry_bits)
{
	int pin;

	for (pin = 0; pin < IOAPIC_NUM_PINS; pin++)
		ck_assert_uint_eq(rte_read(pin), IOAPIC_RTE_MASK);
	/* delivery status and remote IRR are read-only; bits 55:17 reserved */
	rte_write(7, 0xffffffffffffffffull);
	ck_assert_uint_eq(rte_read(7), 0xff0000000001afffull);
	rte_write(7, dest(0x12) | IOAPIC_RTE_DESTMODE | (IOAPIC_DM_NMI << 8) | 0x77);
	ck_assert_uint_eq(rte_read(7), 0x1200000000000c77ull);
	ck_assert_uint_eq(bad_msgs, 0);
}
END_TEST

START_TEST(mmio_window_and_eoi_register)
{
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, IOAPIC_REG_VER, 4);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), IOAPIC_REG_VER);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), 0x00170020);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN + 2, 2), 0x0017);
	/* program pin 3 level through the window */
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, IOAPIC_REG_REDTBL + 6, 4);
	ioapic_mmio_write(&io, IOAPIC_IOWIN, IOAPIC_RTE_TRIGGER | 0x33, 4);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), IOAPIC_RTE_TRIGGER | 0x33);
	/* a byte write merges into the low byte only */
	ioapic_mmio_write(&io, IOAPIC_IOWIN, 0x44, 1);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), IOAPIC_RTE_TRIGGER | 0x44);
	ioapic_set_irq(&io, 3, 1);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4) & IOAPIC_RTE_REMOTE_IRR);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_EOI, 4), 0);
	ioapic_mmio_write(&io, IOAPIC_EOI, 0x45, 4);	/* wrong vector */
	ck_assert_int_eq(nmsgs, 1);
	ck_assert(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_mmio_write(&io, IOAPIC_EOI, 0x44, 4);
	ck_assert_int_eq(nmsgs, 2);			/* still asserted: fires again */
	/* reserved offsets: reads 0, writes ignored */
	ck_assert_uint_eq(ioapic_mmio_read(&io, 0x20, 4), 0);
	ioapic_mmio_write(&io, 0xff0, 0xffffffff, 4);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), IOAPIC_REG_REDTBL + 6);
}
END_TEST

START_TEST(edge_rising_only)
{
	rte_write(4, dest(2) | 0x34);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(msgs[0].vector, 0x34);
	ck_assert_uint_eq(msgs[0].dest, 2);
	ck_assert(!msgs[0].level);
	ck_assert(!msgs[0].logical);
	ck_assert_uint_eq(msgs[0].mode, APIC_DM_FIXED);
	ioapic_set_irq(&io, 4, 1);		/* held: no edge */
	ck_assert_int_eq(nmsgs, 1);
	ioapic_set_irq(&io, 4, 0);
	ck_assert_int_eq(nmsgs, 1);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_int_eq(nmsgs, 2);
	/* no remote IRR for edge entries, EOI has no effect */
	ck_assert(!(rte_read(4) & IOAPIC_RTE_REMOTE_IRR));
	ioapic_eoi(&io, 0x34);
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

START_TEST(edge_while_masked_is_dropped)
{
	rte_write(4, IOAPIC_RTE_MASK | 0x34);
	ioapic_set_irq(&io, 4, 1);
	ioapic_set_irq(&io, 4, 0);
	rte_write(4, 0x34);
	ck_assert_int_eq(nmsgs, 0);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_int_eq(nmsgs, 1);
}
END_TEST

START_TEST(level_remote_irr_and_refire)
{
	rte_write(10, IOAPIC_RTE_TRIGGER | 0x3a);
	ioapic_set_irq(&io, 10, 1);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert(msgs[0].level);
	ck_assert(msgs[0].assert);
	ck_assert(rte_read(10) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 10, 0);
	ioapic_set_irq(&io, 10, 1);		/* remote IRR holds it */
	ck_assert_int_eq(nmsgs, 1);
	ioapic_eoi(&io, 0x3b);			/* other vector: nothing */
	ck_assert(rte_read(10) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&io, 0x3a);			/* still asserted: fires again */
	ck_assert_int_eq(nmsgs, 2);
	ck_assert(rte_read(10) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 10, 0);
	ioapic_eoi(&io, 0x3a);
	ck_assert_int_eq(nmsgs, 2);
	ck_assert(!(rte_read(10) & IOAPIC_RTE_REMOTE_IRR));
	ioapic_eoi_handler(&io, 0x3a);		/* stray EOI is harmless */
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

START_TEST(level_masking_while_pending)
{
	rte_write(9, IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK | 0x39);
	ioapic_set_irq(&io, 9, 1);
	ck_assert_int_eq(nmsgs, 0);
	rte_write(9, IOAPIC_RTE_TRIGGER | 0x39);	/* unmask: still asserted */
	ck_assert_int_eq(nmsgs, 1);
	/* mask, EOI, unmask: fires once more, not twice */
	rte_write(9, IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK | 0x39);
	ioapic_eoi(&io, 0x39);
	ck_assert_int_eq(nmsgs, 1);
	rte_write(9, IOAPIC_RTE_TRIGGER | 0x39);
	ck_assert_int_eq(nmsgs, 2);
	/* deasserted while masked: nothing on unmask */
	rte_write(9, IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK | 0x39);
	ioapic_eoi(&io, 0x39);
	ioapic_set_irq(&io, 9, 0);
	rte_write(9, IOAPIC_RTE_TRIGGER | 0x39);
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

START_TEST(polarity_low_active)
{
	/* level, active low: a line at 0 is asserted as soon as it is unmasked */
	rte_write(16, IOAPIC_RTE_TRIGGER | IOAPIC_RTE_POLARITY | 0x50);
	ck_assert_int_eq(nmsgs, 1);
	ioapic_set_irq(&io, 16, 1);		/* deasserted */
	ioapic_eoi(&io, 0x50);
	ck_assert_int_eq(nmsgs, 1);
	ioapic_set_irq(&io, 16, 0);		/* asserted again */
	ck_assert_int_eq(nmsgs, 2);
	/* edge, active low: the falling edge delivers */
	ioapic_set_irq(&io, 5, 1);
	rte_write(5, IOAPIC_RTE_POLARITY | 0x51);
	ck_assert_int_eq(nmsgs, 2);
	ioapic_set_irq(&io, 5, 0);
	ck_assert_int_eq(nmsgs, 3);
	ck_assert_uint_eq(msgs[2].vector, 0x51);
	ioapic_set_irq(&io, 5, 1);
	ck_assert_int_eq(nmsgs, 3);
}
END_TEST

START_TEST(delivery_modes_encoded)
{
	static const unsigned modes[] = { IOAPIC_DM_FIXED, IOAPIC_DM_LOWEST, IOAPIC_DM_SMI,
					  IOAPIC_DM_NMI, IOAPIC_DM_INIT, IOAPIC_DM_EXTINT };
	unsigned i;

	for (i = 0; i < 6; i++) {
		rte_write(i + 1, dest(0x80 + i) | IOAPIC_RTE_DESTMODE |
			  ((uint64_t)modes[i] << 8) | (0x60 + i));
		ioapic_set_irq(&io, i + 1, 1);
		ck_assert_int_eq(nmsgs, (int)i + 1);
		ck_assert_uint_eq(msgs[i].mode, modes[i]);
		ck_assert_uint_eq(msgs[i].vector, 0x60 + i);
		ck_assert_uint_eq(msgs[i].dest, 0x80 + i);
		ck_assert(msgs[i].logical);
	}
	ck_assert_int_eq(bad_msgs, 0);
}
END_TEST

START_TEST(switch_to_edge_clears_remote_irr)
{
	rte_write(11, IOAPIC_RTE_TRIGGER | 0x3b);
	ioapic_set_irq(&io, 11, 1);
	ck_assert(rte_read(11) & IOAPIC_RTE_REMOTE_IRR);
	rte_write(11, 0x3b);
	ck_assert(!(rte_read(11) & IOAPIC_RTE_REMOTE_IRR));
	ck_assert_int_eq(nmsgs, 1);
	rte_write(11, IOAPIC_RTE_TRIGGER | 0x3b);	/* still asserted */
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

static void change_vector_in_handler(int n)
{
	if (n == 1)
		rte_write(6, IOAPIC_RTE_TRIGGER | 0x41);
}

START_TEST(reprogram_vector_inside_handler)
{
	on_msg = change_vector_in_handler;
	rte_write(6, IOAPIC_RTE_TRIGGER | 0x40);
	ioapic_set_irq(&io, 6, 1);
	ck_assert_int_eq(nmsgs, 1);		/* no duplicate from the rewrite */
	ck_assert_uint_eq(msgs[0].vector, 0x40);
	/* the handler EOIs the vector it got: remote IRR must not stick */
	ioapic_eoi(&io, 0x40);
	ck_assert_int_eq(nmsgs, 2);
	ck_assert_uint_eq(msgs[1].vector, 0x41);
	ioapic_set_irq(&io, 6, 0);
	ioapic_eoi(&io, 0x41);
	ck_assert(!(rte_read(6) & IOAPIC_RTE_REMOTE_IRR));
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

static void mask_unmask_in_handler(int n)
{
	rte_write(6, IOAPIC_RTE_TRIGGER | IOAPIC_RTE_MASK | 0x40);
	rte_write(6, IOAPIC_RTE_TRIGGER | 0x40);
}

START_TEST(mask_unmask_inside_handler)
{
	on_msg = mask_unmask_in_handler;
	rte_write(6, IOAPIC_RTE_TRIGGER | 0x40);
	ioapic_set_irq(&io, 6, 1);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert(rte_read(6) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&io, 6, 0);
	ioapic_eoi(&io, 0x40);
	ck_assert_int_eq(nmsgs, 1);
	/* switched to edge (handler still rewriting it as level): one message per edge */
	rte_write(6, 0x40);
	on_msg = NULL;
	ioapic_set_irq(&io, 6, 1);
	ck_assert_int_eq(nmsgs, 2);
}
END_TEST

static void eoi_in_handler(int n)
{
	if (n < 3)
		ioapic_eoi(&io, 0x42);
}

START_TEST(eoi_inside_handler_not_recursive)
{
	on_msg = eoi_in_handler;
	rte_write(8, IOAPIC_RTE_TRIGGER | 0x42);
	ioapic_set_irq(&io, 8, 1);
	/* EOI from inside delivery re-fires after the callback returns */
	ck_assert_int_eq(nmsgs, 3);
	ck_assert_int_eq(max_depth, 1);
	ck_assert(rte_read(8) & IOAPIC_RTE_REMOTE_IRR);
}
END_TEST

START_TEST(bad_pins_and_reset)
{
	ioapic_set_irq(&io, -1, 1);
	ioapic_set_irq(&io, 24, 1);
	ioapic_set_irq(&io, 1000, 1);
	ck_assert_int_eq(nmsgs, 0);
	rte_write(2, 0x22);
	ioapic_reg_write(&io, IOAPIC_REG_ID, 0x0f000000);
	ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 0x12, 4);
	ioapic_reset(&io);
	ck_assert_uint_eq(rte_read(2), IOAPIC_RTE_MASK);
	ck_assert_uint_eq(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0);
	ck_assert_uint_eq(ioapic_reg_read(&io, IOAPIC_REG_ID), 0x0f000000);
	/* no sink: delivery is a no-op, not a crash */
	ioapic_init(&io, 0, NULL);
	rte_write(2, 0x22);
	ioapic_set_irq(&io, 2, 1);
	ck_assert_uint_eq(io.deliveries, 1);
}
END_TEST

/* ---- through the APIC bus to real local APICs ---- */

static struct timer_list tl;
static struct apic_bus bus;
static struct lapic cpu[3];

static void bus_setup(void)
{
	struct msi_sink s = { .send = msi_bus_send, .opaque = &bus };
	int i;

	timer_list_init(&tl);
	apic_bus_init(&bus, &tl);
	for (i = 0; i < 3; i++) {
		lapic_init(&cpu[i], &bus, i, i == 0);
		cpu[i].svr = 0x1ff;		/* software-enabled */
	}
	cpu[0].ldr = 0x01000000;
	cpu[1].ldr = 0x02000000;
	cpu[2].ldr = 0x04000000;
	ioapic_init(&io, 3, &s);
	bus.eoi = ioapic_eoi_handler;
	bus.eoi_opaque = &io;
}

static bool irr_has(struct lapic *l, unsigned v) { return l->irr[v >> 5] & (1u << (v & 31)); }

START_TEST(physical_and_logical_destinations)
{
	rte_write(1, dest(1) | 0x31);
	ioapic_set_irq(&io, 1, 1);
	ck_assert(!irr_has(&cpu[0], 0x31));
	ck_assert(irr_has(&cpu[1], 0x31));
	ck_assert(!irr_has(&cpu[2], 0x31));
	rte_write(3, dest(0x05) | IOAPIC_RTE_DESTMODE | 0x33);	/* flat: CPUs 0 and 2 */
	ioapic_set_irq(&io, 3, 1);
	ck_assert(irr_has(&cpu[0], 0x33));
	ck_assert(!irr_has(&cpu[1], 0x33));
	ck_assert(irr_has(&cpu[2], 0x33));
	rte_write(4, dest(0xff) | 0x34);			/* physical broadcast */
	ioapic_set_irq(&io, 4, 1);
	ck_assert(irr_has(&cpu[0], 0x34) && irr_has(&cpu[1], 0x34) && irr_has(&cpu[2], 0x34));
}
END_TEST

START_TEST(modes_reach_the_cpu)
{
	rte_write(1, dest(1) | (IOAPIC_DM_NMI << 8));
	rte_write(2, dest(2) | (IOAPIC_DM_INIT << 8));
	rte_write(3, dest(0) | (IOAPIC_DM_SMI << 8));
	rte_write(4, dest(0) | (IOAPIC_DM_EXTINT << 8));
	ioapic_set_irq(&io, 1, 1);
	ioapic_set_irq(&io, 2, 1);
	ioapic_set_irq(&io, 3, 1);
	ioapic_set_irq(&io, 4, 1);
	ck_assert_uint_eq(lapic_take_event(&cpu[1], ~0u), LAPIC_EV_NMI);
	ck_assert_uint_eq(lapic_take_event(&cpu[2], ~0u), LAPIC_EV_INIT);
	ck_assert_uint_eq(lapic_take_event(&cpu[0], ~0u), LAPIC_EV_SMI);
	ck_assert(cpu[0].extint_pending);
	ck_assert(lapic_has_interrupt(&cpu[0]));
}
END_TEST

START_TEST(lowest_priority_picks_lowest_tpr)
{
	cpu[0].tpr = 0x40;
	cpu[1].tpr = 0x20;
	cpu[2].tpr = 0x30;
	rte_write(5, dest(0x07) | IOAPIC_RTE_DESTMODE | (IOAPIC_DM_LOWEST << 8) | 0x55);
	ioapic_set_irq(&io, 5, 1);
	ck_assert(!irr_has(&cpu[0], 0x55));
	ck_assert(irr_has(&cpu[1], 0x55));
	ck_assert(!irr_has(&cpu[2], 0x55));
}
END_TEST

START_TEST(level_eoi_broadcast_from_lapic)
{
	rte_write(10, dest(0) | IOAPIC_RTE_TRIGGER | 0x5a);
	ioapic_set_irq(&io, 10, 1);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x5a);
	ck_assert(rte_read(10) & IOAPIC_RTE_REMOTE_IRR);
	lapic_mmio_write(&cpu[0], APIC_EOI, 0, 4);	/* TMR set: broadcast */
	ck_assert_uint_eq(cpu[0].isr[0x5a >> 5], 0);
	/* the line is still high: it fired again and waits for the next EOI */
	ck_assert(irr_has(&cpu[0], 0x5a));
	ck_assert(rte_read(10) & IOAPIC_RTE_REMOTE_IRR);
	/* an edge vector's EOI is not broadcast */
	ioapic_set_irq(&io, 10, 0);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x5a);
	lapic_mmio_write(&cpu[0], APIC_EOI, 0, 4);
	rte_write(11, dest(0) | 0x5b);
	ioapic_set_irq(&io, 11, 1);
	ck_assert_int_eq(lapic_get_interrupt(&cpu[0]), 0x5b);
	rte_write(12, dest(0) | IOAPIC_RTE_TRIGGER | 0x5b);
	io.rte[12] |= IOAPIC_RTE_REMOTE_IRR;	/* a stale level entry with that vector */
	lapic_mmio_write(&cpu[0], APIC_EOI, 0, 4);
	ck_assert(rte_read(12) & IOAPIC_RTE_REMOTE_IRR);
	ck_assert_uint_eq(io.deliveries, 3);	/* 0x5a twice, 0x5b once */
}
END_TEST

Suite *board_ioapic_suite(void)
{
	Suite *s = suite_create("board_ioapic");
	TCase *tc = tcase_create("ioapic");
	TCase *tb = tcase_create("apic_bus");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, id_version_arbitration);
	tcase_add_test(tc, entry_bits);
	tcase_add_test(tc, mmio_window_and_eoi_register);
	tcase_add_test(tc, edge_rising_only);
	tcase_add_test(tc, edge_while_masked_is_dropped);
	tcase_add_test(tc, level_remote_irr_and_refire);
	tcase_add_test(tc, level_masking_while_pending);
	tcase_add_test(tc, polarity_low_active);
	tcase_add_test(tc, delivery_modes_encoded);
	tcase_add_test(tc, switch_to_edge_clears_remote_irr);
	tcase_add_test(tc, reprogram_vector_inside_handler);
	tcase_add_test(tc, mask_unmask_inside_handler);
	tcase_add_test(tc, eoi_inside_handler_not_recursive);
	tcase_add_test(tc, bad_pins_and_reset);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tb, bus_setup, NULL);
	tcase_add_test(tb, physical_and_logical_destinations);
	tcase_add_test(tb, modes_reach_the_cpu);
	tcase_add_test(tb, lowest_priority_picks_lowest_tpr);
	tcase_add_test(tb, level_eoi_broadcast_from_lapic);
	suite_add_tcase(s, tb);
	return s;
}
