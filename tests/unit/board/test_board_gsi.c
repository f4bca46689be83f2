/*
 * GSI router: ISA mapping (IRQ 0 -> pin 2), OR-ing of shared lines, PIIX
 * PIRQ routing and its changes, the KVM gsi sink, and the real PIC/IOAPIC
 * behind it.
 */
#include <check.h>
#include <errno.h>

#include "board/board.h"
#include "board/gsi.h"
#include "board/lapic.h"
#include "board/ioapic.h"
#include "board/pic.h"

static struct gsi_router r;
static int pic_lv[16], ioapic_lv[24], gsi_lv[24];
static int pic_calls, ioapic_calls, gsi_calls;

static void pic_sink(void *o, int n, int level) { pic_lv[n] = level; pic_calls++; }
static void ioapic_sink(void *o, int n, int level) { ioapic_lv[n] = level; ioapic_calls++; }
static void gsi_sink(void *o, int n, int level) { gsi_lv[n] = level; gsi_calls++; }

static const struct gsi_sinks test_sinks = { .pic = pic_sink, .ioapic = ioapic_sink };
static const struct gsi_sinks kvm_sinks = { .gsi = gsi_sink };

static void clear_record(void)
{
	int i;

	for (i = 0; i < 24; i++) {
		ioapic_lv[i] = gsi_lv[i] = -1;
		if (i < 16)
			pic_lv[i] = -1;
	}
	pic_calls = ioapic_calls = gsi_calls = 0;
}

static void setup(void)
{
	gsi_router_init(&r, &test_sinks);
	clear_record();
}

static void teardown(void)
{
	gsi_router_destroy(&r);
}

START_TEST(isa_mapping)
{
	struct irq_line l0, l1, l15;

	ck_assert_int_eq(gsi_router_connect(&r, &l0, 0), 0);
	ck_assert_int_eq(gsi_router_connect(&r, &l1, 1), 0);
	ck_assert_int_eq(gsi_router_connect(&r, &l15, 15), 0);
	irq_raise(&l0);
	ck_assert_int_eq(pic_lv[0], 1);
	ck_assert_int_eq(ioapic_lv[2], 1);
	ck_assert_int_eq(ioapic_lv[0], -1);		/* pin 0 never driven */
	ck_assert_int_eq(pic_calls, 1);
	ck_assert_int_eq(ioapic_calls, 1);
	irq_raise(&l1);
	irq_raise(&l15);
	ck_assert_int_eq(pic_lv[1], 1);
	ck_assert_int_eq(ioapic_lv[1], 1);
	ck_assert_int_eq(pic_lv[15], 1);
	ck_assert_int_eq(ioapic_lv[15], 1);
	irq_lower(&l0);
	ck_assert_int_eq(pic_lv[0], 0);
	ck_assert_int_eq(ioapic_lv[2], 0);
	/* repeated levels are not re-sent */
	clear_record();
	irq_raise(&l1);
	ck_assert_int_eq(pic_calls + ioapic_calls, 0);
	ck_assert_int_eq(gsi_router_input_level(&r, 1), 1);
	ck_assert_int_eq(gsi_router_input_level(&r, 0), 0);
	ck_assert_int_eq(gsi_router_input_level(&r, 24), -1);
}
END_TEST

START_TEST(bad_connects)
{
	struct irq_line l;

	ck_assert_int_eq(gsi_router_connect(&r, &l, 2), -EINVAL);
	ck_assert_int_eq(gsi_router_connect(&r, &l, 24), -EINVAL);
	ck_assert_int_eq(gsi_router_connect(&r, NULL, 3), -EINVAL);
	/* a bogus source index is ignored */
	gsi_router_source_set(&r, 5, 1);
	gsi_router_source_set(&r, -1, 1);
	ck_assert_int_eq(pic_calls + ioapic_calls, 0);
}
END_TEST

START_TEST(shared_line_is_or)
{
	struct irq_line a, b;

	gsi_router_connect(&r, &a, 5);
	gsi_router_connect(&r, &b, 5);
	irq_raise(&a);
	ck_assert_int_eq(pic_lv[5], 1);
	irq_raise(&b);
	irq_lower(&a);
	ck_assert_int_eq(pic_lv[5], 1);		/* b still holds it */
	ck_assert_int_eq(ioapic_lv[5], 1);
	ck_assert_int_eq(pic_calls, 1);
	irq_lower(&b);
	ck_assert_int_eq(pic_lv[5], 0);
	ck_assert_int_eq(ioapic_lv[5], 0);
	/* a pulse goes through both edges */
	clear_record();
	irq_pulse(&a);
	ck_assert_int_eq(pic_calls, 2);
	ck_assert_int_eq(pic_lv[5], 0);
}
END_TEST

START_TEST(many_sources)
{
	struct irq_line l[100];
	int i;

	for (i = 0; i < 100; i++)
		ck_assert_int_eq(gsi_router_connect(&r, &l[i], 20 + i % 4), 0);
	for (i = 0; i < 100; i++)
		irq_raise(&l[i]);
	for (i = 0; i < 99; i++)
		irq_lower(&l[i]);
	ck_assert_int_eq(ioapic_lv[23], 1);	/* l[99] is on input 23 */
	ck_assert_int_eq(ioapic_lv[20], 0);
	irq_lower(&l[99]);
	ck_assert_int_eq(ioapic_lv[23], 0);
	ck_assert_int_eq(pic_calls, 0);		/* 20-23 never reach the PIC */
}
END_TEST

START_TEST(pirq_routing)
{
	struct irq_line inta, intb, isa11;

	gsi_router_connect(&r, &inta, 16);
	gsi_router_connect(&r, &intb, 17);
	gsi_router_connect(&r, &isa11, 11);
	ck_assert_uint_eq(gsi_router_pirq_read(&r, 0), 0x80);
	irq_raise(&inta);
	ck_assert_int_eq(ioapic_lv[16], 1);	/* pin 16 always */
	ck_assert_int_eq(pic_calls, 0);		/* disabled: not on the PIC */
	gsi_router_pirq_write(&r, 0, 0x0b);
	ck_assert_int_eq(gsi_router_pirq_route(&r, 0), 11);
	ck_assert_int_eq(pic_lv[11], 1);
	ck_assert_int_eq(ioapic_lv[11], 1);	/* QEMU-style ISA pin too */
	/* re-route while asserted: 11 drops, 10 rises */
	gsi_router_pirq_write(&r, 0, 0x0a);
	ck_assert_int_eq(pic_lv[11], 0);
	ck_assert_int_eq(ioapic_lv[11], 0);
	ck_assert_int_eq(pic_lv[10], 1);
	ck_assert_int_eq(ioapic_lv[16], 1);
	/* two PIRQs and an ISA device sharing IRQ 10 */
	gsi_router_pirq_write(&r, 1, 0x0a);
	gsi_router_connect(&r, &isa11, 10);	/* reconnect the ISA line to 10 */
	irq_raise(&intb);
	irq_raise(&isa11);
	irq_lower(&inta);
	ck_assert_int_eq(pic_lv[10], 1);
	irq_lower(&intb);
	ck_assert_int_eq(pic_lv[10], 1);
	irq_lower(&isa11);
	ck_assert_int_eq(pic_lv[10], 0);
	ck_assert_int_eq(ioapic_lv[17], 0);
	/* disable while asserted */
	irq_raise(&inta);
	ck_assert_int_eq(pic_lv[10], 1);
	gsi_router_pirq_write(&r, 0, 0x8a);
	ck_assert_int_eq(pic_lv[10], 0);
	ck_assert_int_eq(ioapic_lv[16], 1);
	ck_assert_uint_eq(gsi_router_pirq_read(&r, 0), 0x8a);
}
END_TEST

START_TEST(pirq_reserved_and_bad)
{
	struct irq_line inta;
	static const uint8_t reserved[] = { 0, 1, 2, 8, 13 };
	unsigned i;

	gsi_router_connect(&r, &inta, 16);
	irq_raise(&inta);
	for (i = 0; i < sizeof(reserved); i++) {
		gsi_router_pirq_write(&r, 0, reserved[i]);
		ck_assert_int_eq(gsi_router_pirq_route(&r, 0), -1);
	}
	ck_assert_int_eq(pic_calls, 0);
	/* reserved bits 6:4 read back as 0 */
	gsi_router_pirq_write(&r, 0, 0x75);
	ck_assert_uint_eq(gsi_router_pirq_read(&r, 0), 0x05);
	ck_assert_int_eq(pic_lv[5], 1);
	/* out-of-range PIRQ index */
	gsi_router_pirq_write(&r, 4, 0x05);
	ck_assert_uint_eq(gsi_router_pirq_read(&r, 4), 0xff);
	ck_assert_int_eq(gsi_router_pirq_route(&r, 9), -1);
	/* reset disables routing again */
	gsi_router_reset(&r);
	ck_assert_uint_eq(gsi_router_pirq_read(&r, 0), 0x80);
	ck_assert_int_eq(pic_lv[5], 0);
	ck_assert_int_eq(ioapic_lv[16], 1);
}
END_TEST

START_TEST(pirq_without_isa_ioapic_pin)
{
	struct irq_line inta;

	r.pirq_to_ioapic_isa = false;
	gsi_router_connect(&r, &inta, 16);
	gsi_router_pirq_write(&r, 0, 0x0b);
	irq_raise(&inta);
	ck_assert_int_eq(pic_lv[11], 1);
	ck_assert_int_eq(ioapic_lv[11], -1);
	ck_assert_int_eq(ioapic_lv[16], 1);
}
END_TEST

START_TEST(kvm_gsi_sink)
{
	struct irq_line l0, l4, inta;

	gsi_router_set_sinks(&r, &kvm_sinks);
	clear_record();
	gsi_router_connect(&r, &l0, 0);
	gsi_router_connect(&r, &l4, 4);
	gsi_router_connect(&r, &inta, 16);
	irq_raise(&l0);
	ck_assert_int_eq(gsi_lv[0], 1);
	ck_assert_int_eq(gsi_lv[2], -1);	/* KVM maps GSI 0 to pin 2 itself */
	ck_assert_int_eq(gsi_calls, 1);
	irq_raise(&l4);
	ck_assert_int_eq(gsi_lv[4], 1);
	ck_assert_int_eq(gsi_calls, 2);
	gsi_router_pirq_write(&r, 0, 0x0b);
	irq_raise(&inta);
	ck_assert_int_eq(gsi_lv[16], 1);
	ck_assert_int_eq(gsi_lv[11], 1);
	ck_assert_int_eq(pic_calls + ioapic_calls, 0);
	/* back to our chips: the current levels are pushed */
	gsi_router_set_sinks(&r, &test_sinks);
	ck_assert_int_eq(pic_lv[0], 1);
	ck_assert_int_eq(ioapic_lv[2], 1);
	ck_assert_int_eq(pic_lv[4], 1);
	ck_assert_int_eq(pic_lv[11], 1);
	ck_assert_int_eq(ioapic_lv[16], 1);
	ck_assert_int_eq(pic_lv[3], 0);
	/* no sinks at all: nothing breaks */
	gsi_router_set_sinks(&r, NULL);
	irq_lower(&l0);
	ck_assert_int_eq(gsi_router_input_level(&r, 0), 0);
}
END_TEST

/* the real chips behind the router */
static struct pic pic;
static struct ioapic io;
static int nmsgs;
static uint32_t last_data;

static void msi_capture(void *o, uint64_t a, uint32_t d) { nmsgs++; last_data = d; }
static void pic_wrap(void *o, int n, int level) { pic_set_irq(o, n, level); }

START_TEST(real_chips)
{
	struct msi_sink ms = { .send = msi_capture };
	struct gsi_sinks s = { .pic = pic_wrap, .pic_opaque = &pic,
			       .ioapic = ioapic_set_irq, .ioapic_opaque = &io };
	struct irq_line pit, inta;

	pic_init(&pic);
	ioapic_init(&io, 0, &ms);
	gsi_router_set_sinks(&r, &s);
	gsi_router_connect(&r, &pit, 0);
	gsi_router_connect(&r, &inta, 16);
	/* PIC init, IRQ 0 via the 8259 */
	pic_port_write(&pic, 0x20, 0x11);
	pic_port_write(&pic, 0x21, 0x08);
	pic_port_write(&pic, 0x21, 0x04);
	pic_port_write(&pic, 0x21, 0x01);
	pic_port_write(&pic, 0x21, 0x00);
	/* IOAPIC pin 2 edge vector 0x30; pin 16 level vector 0x40 */
	ioapic_reg_write(&io, IOAPIC_REG_REDTBL + 4, 0x30);
	ioapic_reg_write(&io, IOAPIC_REG_REDTBL + 32, IOAPIC_RTE_TRIGGER | 0x40);
	irq_pulse(&pit);
	ck_assert(pic_has_interrupt(&pic));
	ck_assert_int_eq(pic_acknowledge(&pic), 0x08);
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_uint_eq(last_data & 0xff, 0x30);
	/* PCI INTA: IOAPIC pin 16 level; PIC IRQ 11 once routed, level via ELCR */
	pic_port_write(&pic, 0x4d1, 0x08);
	pic_port_write(&pic, 0xa0, 0x11);
	pic_port_write(&pic, 0xa1, 0x70);
	pic_port_write(&pic, 0xa1, 0x02);
	pic_port_write(&pic, 0xa1, 0x01);
	pic_port_write(&pic, 0xa1, 0x00);
	pic_port_write(&pic, 0x20, 0x20);
	irq_raise(&inta);
	ck_assert_int_eq(nmsgs, 2);
	ck_assert_uint_eq(last_data & 0xff, 0x40);
	ck_assert(!pic_has_interrupt(&pic));
	gsi_router_pirq_write(&r, 0, 0x0b);
	ck_assert(pic_has_interrupt(&pic));
	ck_assert_int_eq(pic_acknowledge(&pic), 0x73);
	irq_lower(&inta);
	ioapic_eoi(&io, 0x40);
	ck_assert_int_eq(nmsgs, 2);		/* deasserted: no re-fire */
}
END_TEST

static bool io_masked(struct ioapic *i, int pin) { return i->rte[pin] & IOAPIC_RTE_MASK; }

/* the device types on the "pc" board description, wired end to end */
static const char *const others[] = {
	"fw_cfg_io", "i440fx", "i440fx-pcihost", "i8042", "isa-debugcon", "isa-pit",
	"isa-serial", "mc146818rtc", "piix3", "piix4-pm", "port80", "port92", NULL,
};

START_TEST(pc_board_wiring)
{
	struct board b;
	struct board_err err = { 0 };
	struct apic_bus bus;
	struct lapic cpu0;
	struct pic *p;
	struct ioapic *i;
	struct gsi_router *gr;

	ck_assert_int_eq(board_init(&b), 0);
	b.skip_unregistered = others;
	ck_assert_msg(board_build(&b, board_dtb("pc", NULL), &err) == 0, "%s", err.msg);
	p = pic_find(&b);
	i = ioapic_find(&b);
	gr = gsi_router_find(&b);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(i);
	ck_assert_ptr_nonnull(gr);
	board_reset(&b, RESET_POWER_ON);
	gsi_wire_apic_bus(&b, &bus);
	ck_assert_int_eq(lapic_init(&cpu0, &bus, 0, true), 0);

	/* ports and MMIO reach the chips */
	bus_write(&b.pio, 0x21, 0x5a, 1);
	ck_assert_uint_eq(bus_read(&b.pio, 0x21, 1), 0x5a);
	bus_write(&b.pio, 0x4d0, 0x20, 1);
	ck_assert_uint_eq(p->chip[0].elcr, 0x20);
	bus_write(&b.mmio, IOAPIC_BASE + IOAPIC_IOREGSEL, IOAPIC_REG_VER, 4);
	ck_assert_uint_eq(bus_read(&b.mmio, IOAPIC_BASE + IOAPIC_IOWIN, 4), 0x00170020);

	/* PIC mode: ISA IRQ 1 via board GSI line 1 -> 8259 -> LINT0 ExtINT of the BSP */
	bus_write(&b.pio, 0x20, 0x11, 1);
	bus_write(&b.pio, 0x21, 0x08, 1);
	bus_write(&b.pio, 0x21, 0x04, 1);
	bus_write(&b.pio, 0x21, 0x01, 1);
	bus_write(&b.pio, 0x21, 0x00, 1);
	irq_pulse(board_gsi_line(&b, 1));
	ck_assert(lapic_has_interrupt(&cpu0));
	ck_assert_int_eq(lapic_get_interrupt(&cpu0), 0x09);
	bus_write(&b.pio, 0x20, 0x20, 1);

	/* GSI 0 (driven by the PIT) shows on IOAPIC pin 2, not pin 0 */
	ck_assert_uint_eq((i->lines >> 2) & 1, (unsigned)board_gsi_line(&b, 0)->level);
	ck_assert_uint_eq(i->lines & 1, 0);

	/* APIC mode: IRQ 3 -> IOAPIC pin 3 -> MSI sink -> LAPIC; level EOI round trip */
	lapic_mmio_write(&cpu0, APIC_SVR, 0x1ff, 4);
	bus_write(&b.pio, 0x21, 0xff, 1);		/* PIC fully masked */
	ioapic_reg_write(i, IOAPIC_REG_REDTBL + 6, 0x30);
	irq_pulse(board_gsi_line(&b, 3));
	ck_assert(!pic_has_interrupt(p));
	ck_assert_int_eq(lapic_get_interrupt(&cpu0), 0x30);
	lapic_mmio_write(&cpu0, APIC_EOI, 0, 4);
	ioapic_reg_write(i, IOAPIC_REG_REDTBL + 32, IOAPIC_RTE_TRIGGER | 0x40);
	gsi_router_pirq_write(gr, 0, 0x0b);
	irq_raise(board_gsi_line(&b, 16));
	ck_assert_int_eq(lapic_get_interrupt(&cpu0), 0x40);
	lapic_mmio_write(&cpu0, APIC_EOI, 0, 4);	/* still high: fires again */
	ck_assert_int_eq(lapic_get_interrupt(&cpu0), 0x40);
	irq_lower(board_gsi_line(&b, 16));
	lapic_mmio_write(&cpu0, APIC_EOI, 0, 4);
	ck_assert_int_eq(lapic_get_interrupt(&cpu0), -1);

	/* reset: PIRQ routing and IOAPIC entries back to power-on */
	board_reset(&b, RESET_POWER_ON);
	ck_assert_uint_eq(gsi_router_pirq_read(gr, 0), 0x80);
	ck_assert(io_masked(i, 16));
	lapic_destroy(&cpu0);
	board_destroy(&b);
}
END_TEST

Suite *board_gsi_suite(void)
{
	Suite *s = suite_create("board_gsi");
	TCase *tc = tcase_create("gsi");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, isa_mapping);
	tcase_add_test(tc, bad_connects);
	tcase_add_test(tc, shared_line_is_or);
	tcase_add_test(tc, many_sources);
	tcase_add_test(tc, pirq_routing);
	tcase_add_test(tc, pirq_reserved_and_bad);
	tcase_add_test(tc, pirq_without_isa_ioapic_pin);
	tcase_add_test(tc, kvm_gsi_sink);
	tcase_add_test(tc, real_chips);
	tcase_add_test(tc, pc_board_wiring);
	suite_add_tcase(s, tc);
	return s;
}
