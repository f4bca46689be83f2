/*
 * 8259A pair: init sequences, masking, priorities, rotation, EOI flavours,
 * AEOI, special mask, poll, spurious 7/15, ELCR level/edge, cascade.
 */
#include <check.h>

#include "board/pic.h"

static struct pic p;
static int int_level, int_rises, int_falls;

static void int_handler(void *opaque, int n, int level)
{
	if (level && !int_level)
		int_rises++;
	if (!level && int_level)
		int_falls++;
	int_level = level;
}

static void out(uint16_t port, uint8_t v) { pic_port_write(&p, port, v); }
static uint8_t in(uint16_t port) { return pic_port_read(&p, port); }

/* the PC BIOS sequence: master at 0x20, slave at 0x28, cascade on 2, 8086 mode */
static void init_pc(uint8_t icw4)
{
	out(0x20, 0x11);
	out(0x21, 0x20);
	out(0x21, 0x04);
	out(0x21, icw4);
	out(0xa0, 0x11);
	out(0xa1, 0x28);
	out(0xa1, 0x02);
	out(0xa1, icw4 & ~PIC_ICW4_SFNM);
	out(0x21, 0x00);
	out(0xa1, 0x00);
}

static void setup(void)
{
	pic_init(&p);
	int_level = int_rises = int_falls = 0;
	irq_connect(&p.int_out, int_handler, NULL, 0);
	init_pc(0x01);
}

static uint8_t read_isr(uint16_t base) { out(base, 0x0b); return in(base); }
static uint8_t read_irr(uint16_t base) { out(base, 0x0a); return in(base); }
static void eoi(uint16_t base) { out(base, 0x20); }

START_TEST(icw_full_sequence)
{
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(int_level, 1);
	ck_assert(pic_has_interrupt(&p));
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	ck_assert_int_eq(read_isr(0x20), 0x02);
	ck_assert_int_eq(read_irr(0x20), 0x00);
	ck_assert_int_eq(int_level, 0);
	/* ICW2's low three bits are ignored */
	out(0x20, 0x11); out(0x21, 0x47); out(0x21, 0x04); out(0x21, 0x01);
	pic_set_irq(&p, 1, 0);
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x41);
}
END_TEST

START_TEST(icw1_resets_state)
{
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	out(0x21, 0xf0);
	ck_assert_int_eq(read_isr(0x20), 0x08);
	out(0x20, 0x11);
	/* IMR and ISR are cleared by ICW1; during init a data write is ICW2 */
	ck_assert_int_eq(in(0x21), 0x00);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	out(0x21, 0x30); out(0x21, 0x04); out(0x21, 0x01);
	/* edge sense was reset: the line that is still high does not request */
	ck_assert_int_eq(read_irr(0x20), 0x00);
	ck_assert_int_eq(int_level, 0);
	out(0x21, 0xab);
	ck_assert_int_eq(in(0x21), 0xab);
}
END_TEST

START_TEST(icw_single_without_icw4)
{
	/* ICW1: init, single (no ICW3), no ICW4: the 2nd data write is OCW1 */
	out(0x20, 0x12);
	out(0x21, 0x50);
	out(0x21, 0xfe);
	ck_assert_int_eq(in(0x21), 0xfe);
	pic_set_irq(&p, 0, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x50);
	/* no ICW4: AEOI is off, so IRQ 0 is in service */
	ck_assert_int_eq(read_isr(0x20), 0x01);
	/* cascade without ICW4: ICW2, ICW3, then OCW1 */
	out(0x20, 0x10);
	out(0x21, 0x60);
	out(0x21, 0x04);
	out(0x21, 0x5a);
	ck_assert_int_eq(in(0x21), 0x5a);
}
END_TEST

START_TEST(mask_blocks_and_unmask_delivers)
{
	out(0x21, 0x08);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(int_level, 0);
	ck_assert(!pic_has_interrupt(&p));
	ck_assert_int_eq(read_irr(0x20), 0x08);	/* IRR is not masked */
	out(0x21, 0x00);
	ck_assert_int_eq(int_level, 1);
	out(0x21, 0x08);			/* mask again: INT drops */
	ck_assert_int_eq(int_level, 0);
	out(0x21, 0x00);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
}
END_TEST

START_TEST(fixed_priority_and_nesting)
{
	pic_set_irq(&p, 5, 1);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	/* 5 is lower than 3 in service */
	ck_assert_int_eq(int_level, 0);
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(int_level, 1);			/* 1 nests over 3 */
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	ck_assert_int_eq(read_isr(0x20), 0x0a);
	eoi(0x20);					/* clears 1, the highest */
	ck_assert_int_eq(read_isr(0x20), 0x08);
	ck_assert_int_eq(int_level, 0);
	eoi(0x20);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x25);
}
END_TEST

START_TEST(specific_eoi)
{
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	out(0x20, 0x63);			/* specific EOI for 3, not the highest */
	ck_assert_int_eq(read_isr(0x20), 0x02);
	out(0x20, 0x61);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	out(0x20, 0x40);			/* no-op command */
	ck_assert_int_eq(read_isr(0x20), 0x00);
}
END_TEST

START_TEST(rotate_on_nonspecific_eoi)
{
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	out(0x20, 0xa0);			/* rotate on non-specific EOI: 3 lowest */
	ck_assert_int_eq(read_isr(0x20), 0x00);
	pic_set_irq(&p, 3, 0);
	pic_set_irq(&p, 3, 1);
	pic_set_irq(&p, 5, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x25);
	/* 4 is now the highest: it nests over 5 */
	pic_set_irq(&p, 4, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x24);
	/* and 3 (lowest) waits behind 5 and 4 */
	ck_assert_int_eq(int_level, 0);
}
END_TEST

START_TEST(rotate_on_specific_eoi_and_set_priority)
{
	pic_set_irq(&p, 6, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x26);
	out(0x20, 0xe6);			/* rotate on specific EOI 6: 7 highest */
	ck_assert_int_eq(read_isr(0x20), 0x00);
	pic_set_irq(&p, 0, 1);
	pic_set_irq(&p, 7, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x27);
	eoi(0x20);
	ck_assert_int_eq(pic_acknowledge(&p), 0x20);
	eoi(0x20);
	out(0x20, 0xc1);			/* set priority: 1 lowest, 2 highest */
	pic_set_irq(&p, 1, 0); pic_set_irq(&p, 1, 1);
	pic_set_irq(&p, 0, 0); pic_set_irq(&p, 0, 1);
	pic_set_irq(&p, 4, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x24);
	eoi(0x20);
	ck_assert_int_eq(pic_acknowledge(&p), 0x20);
	eoi(0x20);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
}
END_TEST

START_TEST(auto_eoi)
{
	init_pc(PIC_ICW4_UPM | PIC_ICW4_AEOI);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	/* nothing in service, so a lower level goes through at once */
	pic_set_irq(&p, 6, 1);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x26);
}
END_TEST

START_TEST(auto_eoi_rotate)
{
	init_pc(PIC_ICW4_UPM | PIC_ICW4_AEOI);
	out(0x20, 0x80);			/* rotate in AEOI */
	pic_set_irq(&p, 1, 1);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);	/* now 2 highest */
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);	/* now 4 highest */
	pic_set_irq(&p, 1, 0); pic_set_irq(&p, 1, 1);
	pic_set_irq(&p, 5, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x25);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	out(0x20, 0x00);			/* clear rotate in AEOI */
	pic_set_irq(&p, 1, 0); pic_set_irq(&p, 1, 1);
	pic_set_irq(&p, 0, 1);
	/* priority stays where the last rotation left it: 2 highest, then 3..7, 0, 1 */
	ck_assert_int_eq(pic_acknowledge(&p), 0x20);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	pic_set_irq(&p, 0, 0); pic_set_irq(&p, 0, 1);
	pic_set_irq(&p, 1, 0); pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x20);	/* no rotation happened */
}
END_TEST

START_TEST(special_mask_mode)
{
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	pic_set_irq(&p, 5, 1);
	ck_assert_int_eq(int_level, 0);
	out(0x21, 0x08);			/* mask own level */
	out(0x20, 0x68);			/* set special mask mode */
	ck_assert_int_eq(int_level, 1);		/* lower level 5 now allowed */
	ck_assert_int_eq(pic_acknowledge(&p), 0x25);
	ck_assert_int_eq(read_isr(0x20), 0x28);
	/* non-specific EOI skips the masked in-service 3 and clears 5 */
	eoi(0x20);
	ck_assert_int_eq(read_isr(0x20), 0x08);
	out(0x20, 0x48);			/* reset special mask mode */
	out(0x21, 0x00);
	pic_set_irq(&p, 6, 1);
	ck_assert_int_eq(int_level, 0);		/* 3 in service blocks 6 again */
	eoi(0x20);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	ck_assert_int_eq(pic_acknowledge(&p), 0x26);
}
END_TEST

START_TEST(poll_mode)
{
	out(0x20, 0x0c);			/* poll with nothing pending */
	ck_assert_int_eq(in(0x20), 0x00);
	pic_set_irq(&p, 4, 1);
	pic_set_irq(&p, 6, 1);
	out(0x20, 0x0c);
	ck_assert_int_eq(in(0x20), 0x84);	/* the poll read is the INTA */
	ck_assert_int_eq(read_isr(0x20), 0x10);
	/* poll is one-shot: the next read is a normal register read */
	ck_assert_int_eq(in(0x20), 0x10);
	eoi(0x20);
	out(0x20, 0x0c);
	ck_assert_int_eq(in(0x20), 0x86);
	/* slave poll */
	eoi(0x20);
	pic_set_irq(&p, 11, 1);
	out(0xa0, 0x0c);
	ck_assert_int_eq(in(0xa0), 0x83);
	out(0xa0, 0x0b);
	ck_assert_int_eq(in(0xa0), 0x08);
}
END_TEST

START_TEST(spurious_irq7_level_vanished)
{
	out(0x4d0, 0x20);			/* IRQ 5 level */
	pic_set_irq(&p, 5, 1);
	ck_assert_int_eq(int_level, 1);
	pic_set_irq(&p, 5, 0);
	ck_assert_int_eq(int_level, 0);
	ck_assert_int_eq(pic_acknowledge(&p), 0x27);
	ck_assert_int_eq(read_isr(0x20), 0x00);	/* spurious sets no ISR bit */
	ck_assert_uint_eq(p.spurious, 1);
}
END_TEST

START_TEST(spurious_irq7_masked_before_inta)
{
	pic_set_irq(&p, 4, 1);
	ck_assert_int_eq(int_level, 1);
	out(0x21, 0x10);
	ck_assert_int_eq(pic_acknowledge(&p), 0x27);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	out(0x21, 0x00);			/* the latched edge is still there */
	ck_assert_int_eq(pic_acknowledge(&p), 0x24);
}
END_TEST

START_TEST(spurious_irq15)
{
	out(0x4d1, 0x04);			/* IRQ 10 level */
	pic_set_irq(&p, 10, 1);
	ck_assert_int_eq(int_level, 1);
	pic_set_irq(&p, 10, 0);
	ck_assert_int_eq(pic_acknowledge(&p), 0x2f);
	ck_assert_int_eq(read_isr(0xa0), 0x00);
	ck_assert_int_eq(read_isr(0x20), 0x04);	/* master IR2 was acknowledged */
	eoi(0x20);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	ck_assert_uint_eq(p.spurious, 1);
}
END_TEST

START_TEST(edge_vs_level_elcr)
{
	/* edge: a pulse is one request; a line held high after EOI is not */
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	eoi(0x20);
	ck_assert_int_eq(int_level, 0);
	pic_set_irq(&p, 3, 1);			/* no new edge */
	ck_assert_int_eq(int_level, 0);
	pic_set_irq(&p, 3, 0);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	eoi(0x20);
	pic_set_irq(&p, 3, 0);
	/* level: IRR follows the line and INTA does not clear it */
	out(0x4d0, 0x08);
	ck_assert_int_eq(in(0x4d0), 0x08);
	pic_set_irq(&p, 3, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	ck_assert_int_eq(read_irr(0x20), 0x08);
	eoi(0x20);
	ck_assert_int_eq(int_level, 1);		/* still high: requested again */
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	pic_set_irq(&p, 3, 0);
	ck_assert_int_eq(read_irr(0x20), 0x00);
	eoi(0x20);
	ck_assert_int_eq(int_level, 0);
	/* a pulse on a level input is gone before anyone sees it */
	pic_set_irq(&p, 3, 1);
	pic_set_irq(&p, 3, 0);
	ck_assert_int_eq(int_level, 0);
}
END_TEST

START_TEST(elcr_masks_and_switch)
{
	out(0x4d0, 0xff);
	out(0x4d1, 0xff);
	ck_assert_int_eq(in(0x4d0), 0xf8);	/* IRQ 0, 1, 2 always edge */
	ck_assert_int_eq(in(0x4d1), 0xde);	/* IRQ 8, 13 always edge */
	out(0x4d0, 0x00);
	/* a line held high becomes a request when its input turns level */
	pic_set_irq(&p, 4, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x24);
	eoi(0x20);
	ck_assert_int_eq(int_level, 0);
	out(0x4d0, 0x10);
	ck_assert_int_eq(int_level, 1);
}
END_TEST

START_TEST(ltim_makes_every_input_level)
{
	out(0x20, 0x19); out(0x21, 0x20); out(0x21, 0x04); out(0x21, 0x01);
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	eoi(0x20);
	ck_assert_int_eq(int_level, 1);
	pic_set_irq(&p, 1, 0);
	ck_assert_int_eq(int_level, 0);
}
END_TEST

START_TEST(cascade)
{
	pic_set_irq(&p, 12, 1);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(read_irr(0x20), 0x04);
	pic_set_irq(&p, 3, 1);
	/* slave inputs rank at IR2: 12 beats 3 */
	ck_assert_int_eq(pic_acknowledge(&p), 0x2c);
	ck_assert_int_eq(read_isr(0x20), 0x04);
	ck_assert_int_eq(read_isr(0xa0), 0x10);
	/* IRQ 1 nests over the slave; 3 does not */
	ck_assert_int_eq(int_level, 0);
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	eoi(0x20);
	/* without SFNM, a higher slave request waits for the master's IR2 */
	pic_set_irq(&p, 9, 1);
	ck_assert_int_eq(int_level, 0);
	eoi(0xa0);
	eoi(0x20);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x29);
	eoi(0xa0);
	eoi(0x20);
	ck_assert_int_eq(pic_acknowledge(&p), 0x23);
	/* slave mask */
	eoi(0x20);
	out(0xa1, 0x10);
	pic_set_irq(&p, 12, 0);
	pic_set_irq(&p, 12, 1);
	ck_assert_int_eq(int_level, 0);
	out(0xa1, 0x00);
	ck_assert_int_eq(pic_acknowledge(&p), 0x2c);
}
END_TEST

START_TEST(cascade_sfnm)
{
	init_pc(PIC_ICW4_UPM | PIC_ICW4_SFNM);
	pic_set_irq(&p, 12, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x2c);
	/* special fully nested: a higher slave request passes master's ISR2 */
	pic_set_irq(&p, 9, 1);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x29);
	ck_assert_int_eq(read_isr(0xa0), 0x12);
	/* but a lower master request still waits behind IR2 */
	eoi(0xa0);
	pic_set_irq(&p, 5, 1);
	ck_assert_int_eq(int_level, 0);
}
END_TEST

START_TEST(inta_makes_new_edge)
{
	/* AEOI: after INTA of 1, 4 is still deliverable; INT must fall and rise */
	init_pc(PIC_ICW4_UPM | PIC_ICW4_AEOI);
	pic_set_irq(&p, 4, 1);
	pic_set_irq(&p, 1, 1);
	ck_assert_int_eq(int_rises, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x21);
	ck_assert_int_eq(int_falls, 1);
	ck_assert_int_eq(int_rises, 2);
	ck_assert_int_eq(int_level, 1);
	ck_assert_int_eq(pic_acknowledge(&p), 0x24);
	ck_assert_int_eq(int_level, 0);
}
END_TEST

START_TEST(bad_inputs_are_harmless)
{
	pic_set_irq(&p, -1, 1);
	pic_set_irq(&p, 16, 1);
	pic_set_irq(&p, 2, 1);			/* cascade input is internal */
	ck_assert_int_eq(int_level, 0);
	ck_assert_int_eq(read_irr(0x20), 0x00);
	ck_assert_int_eq(in(0x40), 0xff);
	out(0x40, 0x12);
	/* 2-byte region access: low byte to 0x20, high byte to 0x21 */
	pic_master_ops.write(&p, 0, 0x5a0b, 2);	/* OCW3 read ISR, IMR 0x5a */
	ck_assert_int_eq(in(0x21), 0x5a);
	ck_assert_int_eq(pic_master_ops.read(&p, 0, 2), 0x5a00);
	ck_assert_int_eq(pic_elcr_ops.read(&p, 4, 1), 0xff);	/* past the region */
	pic_slave_ops.write(&p, 1, 0x33, 1);
	ck_assert_int_eq(in(0xa1), 0x33);
}
END_TEST

START_TEST(reset_clears)
{
	pic_set_irq(&p, 3, 1);
	pic_acknowledge(&p);
	out(0x4d0, 0x20);
	out(0x21, 0x55);
	pic_reset(&p);
	ck_assert_int_eq(in(0x21), 0x00);
	ck_assert_int_eq(in(0x4d0), 0x00);
	ck_assert_int_eq(read_isr(0x20), 0x00);
	ck_assert_int_eq(int_level, 0);
}
END_TEST

Suite *board_pic_suite(void)
{
	Suite *s = suite_create("board_pic");
	TCase *tc = tcase_create("pic");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, icw_full_sequence);
	tcase_add_test(tc, icw1_resets_state);
	tcase_add_test(tc, icw_single_without_icw4);
	tcase_add_test(tc, mask_blocks_and_unmask_delivers);
	tcase_add_test(tc, fixed_priority_and_nesting);
	tcase_add_test(tc, specific_eoi);
	tcase_add_test(tc, rotate_on_nonspecific_eoi);
	tcase_add_test(tc, rotate_on_specific_eoi_and_set_priority);
	tcase_add_test(tc, auto_eoi);
	tcase_add_test(tc, auto_eoi_rotate);
	tcase_add_test(tc, special_mask_mode);
	tcase_add_test(tc, poll_mode);
	tcase_add_test(tc, spurious_irq7_level_vanished);
	tcase_add_test(tc, spurious_irq7_masked_before_inta);
	tcase_add_test(tc, spurious_irq15);
	tcase_add_test(tc, edge_vs_level_elcr);
	tcase_add_test(tc, elcr_masks_and_switch);
	tcase_add_test(tc, ltim_makes_every_input_level);
	tcase_add_test(tc, cascade);
	tcase_add_test(tc, cascade_sfnm);
	tcase_add_test(tc, inta_makes_new_edge);
	tcase_add_test(tc, bad_inputs_are_harmless);
	tcase_add_test(tc, reset_clears);
	suite_add_tcase(s, tc);
	return s;
}
