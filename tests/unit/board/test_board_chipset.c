/*
 * The pc chipset as the firmware sees it through config mechanism #1: the
 * i440FX host bridge (IDs, PAM registers reaching the memory map, SMRAM),
 * the PIIX3 (IDs, PIRQ registers reaching the GSI router and the 8259, the
 * 0xCF9 reset control register) and the PIIX4 PM function (PM base enable
 * and move, PM timer rate, TMR_STS and the SCI, S5 soft-off, APM enable).
 * The board is the built-in "pc" description, on a fake clock.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/pci.h"
#include "board/pic.h"

#define DEVFN_I440FX	PCI_DEVFN(0, 0)
#define DEVFN_PIIX3	PCI_DEVFN(1, 0)
#define DEVFN_PM	PCI_DEVFN(1, 3)
#define PM_BASE		0x600
#define PM_TIMER_HZ	3579545ull
/* tick 2^23 (timer bit 23 flips) in ns, rounded up */
#define FIRST_OVERFLOW_NS 2343484438ull
#define SECOND_OVERFLOW_NS 4686968875ull

static struct board b;

static void setup(void)
{
	struct board_err err = { 0 };

	clock_fake_enable(true);
	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_msg(board_build(&b, board_dtb("pc", NULL), &err) == 0, "pc: %s", err.msg);
	board_reset(&b, RESET_POWER_ON);
}

static void teardown(void)
{
	board_destroy(&b);
	clock_fake_enable(false);
}

static uint32_t cfg_read(unsigned devfn, unsigned reg, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | devfn << 8 | (reg & 0xfc), 4);
	return (uint32_t)board_pio_read(&b, PCI_CONFIG_DATA + (reg & 3), size);
}

static void cfg_write(unsigned devfn, unsigned reg, uint32_t val, unsigned size)
{
	board_pio_write(&b, PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | devfn << 8 | (reg & 0xfc), 4);
	board_pio_write(&b, PCI_CONFIG_DATA + (reg & 3), val, size);
}

/* what SeaBIOS does for the PM function */
static void pm_enable(unsigned base)
{
	cfg_write(DEVFN_PM, 0x40, base | 1, 4);
	cfg_write(DEVFN_PM, 0x80, 0x01, 1);
}

START_TEST(test_ids)
{
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x00, 4), 0x12378086);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x08, 4), 0x06000002);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, PCI_HEADER_TYPE, 1), 0x00);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, 0x00, 4), 0x70008086);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, 0x08, 4), 0x06010000);
	/* function 0 of a multi-function device: scanners look at 1.1-1.7 */
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, PCI_HEADER_TYPE, 1), 0x80);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, PCI_COMMAND, 2), 0x0007);
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x00, 4), 0x71138086);
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x08, 4), 0x06800003);
	ck_assert_uint_eq(cfg_read(DEVFN_PM, PCI_INTERRUPT_PIN, 1), 1);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 1), 0x00, 4), 0xffffffff);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(2, 0), 0x00, 4), 0xffffffff);
}
END_TEST

START_TEST(test_pam_reaches_memory_map)
{
	uint8_t *host;
	uint64_t avail;

	ck_assert_int_eq(board_mem_resolve(&b, 0xf0000, true, &host, &avail), BOARD_MEM_ROM);
	/* PAM0 high nibble through byte lane 1 of dword 0x58 */
	cfg_write(DEVFN_I440FX, 0x59, 0x30, 1);
	ck_assert_uint_eq(b.pam[0], PAM_RE | PAM_WE);
	ck_assert_int_eq(board_mem_resolve(&b, 0xf0000, true, &host, &avail), BOARD_MEM_RAM);
	ck_assert_int_eq(board_mem_resolve(&b, 0xf0000, false, &host, &avail), BOARD_MEM_RAM);
	/* 0x5A: C0000 (low nibble) write-only, C4000 read-only */
	cfg_write(DEVFN_I440FX, 0x5a, 0x12, 1);
	ck_assert_uint_eq(b.pam[1], PAM_WE);
	ck_assert_uint_eq(b.pam[2], PAM_RE);
	ck_assert_int_eq(board_mem_resolve(&b, 0xc0000, true, &host, &avail), BOARD_MEM_RAM);
	ck_assert_int_eq(board_mem_resolve(&b, 0xc4000, true, &host, &avail), BOARD_MEM_ROM);
	/* a dword write covers 0x5C-0x5F: regions 5..12 */
	cfg_write(DEVFN_I440FX, 0x5c, 0x33333333, 4);
	ck_assert_uint_eq(b.pam[5], 3);
	ck_assert_uint_eq(b.pam[12], 3);
	/* reserved bits read 0; PAM0's low nibble is reserved */
	cfg_write(DEVFN_I440FX, 0x5b, 0xff, 1);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x5b, 1), 0x33);
	ck_assert_uint_eq(b.pam[3], 3);
	cfg_write(DEVFN_I440FX, 0x59, 0xff, 1);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x58, 4), 0x33123000);
	/* reset: registers and map back to ROM */
	board_reset(&b, RESET_CF9);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x58, 4), 0);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x5c, 4), 0);
	ck_assert_uint_eq(b.pam[0], 0);
	ck_assert_int_eq(board_mem_resolve(&b, 0xf0000, true, &host, &avail), BOARD_MEM_ROM);
}
END_TEST

START_TEST(test_smram)
{
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x72, 1), 0x02);
	cfg_write(DEVFN_I440FX, 0x72, 0x4f, 1);		/* D_OPEN | G_SMRAME; C_BASE RO */
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x72, 1), 0x4a);
	cfg_write(DEVFN_I440FX, 0x72, 0x5a, 1);		/* lock: D_OPEN goes */
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x72, 1), 0x1a);
	cfg_write(DEVFN_I440FX, 0x72, 0x40, 1);		/* locked: neither open nor unlock */
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x72, 1), 0x12);
	board_reset(&b, RESET_POWER_ON);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x72, 1), 0x02);
	cfg_write(DEVFN_I440FX, 0x72, 0x40, 1);
	ck_assert_uint_eq(cfg_read(DEVFN_I440FX, 0x72, 1), 0x42);
}
END_TEST

START_TEST(test_pirq_registers)
{
	struct gsi_router *r = gsi_router_find(&b);
	struct pic *pic = pic_find(&b);

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(pic);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, 0x60, 4), 0x80808080);
	/* SeaBIOS: 10, 10, 11, 11 by bytes */
	cfg_write(DEVFN_PIIX3, 0x60, 0x0a, 1);
	cfg_write(DEVFN_PIIX3, 0x61, 0x0a, 1);
	cfg_write(DEVFN_PIIX3, 0x62, 0x0b0b, 2);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, 0x60, 4), 0x0b0b0a0a);
	ck_assert_uint_eq(gsi_router_pirq_read(r, 0), 0x0a);
	ck_assert_uint_eq(gsi_router_pirq_read(r, 3), 0x0b);
	ck_assert_int_eq(gsi_router_pirq_route(r, 2), 11);
	/* reserved bits 6:4 read 0 */
	cfg_write(DEVFN_PIIX3, 0x63, 0xff, 1);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, 0x63, 1), 0x8f);
	ck_assert_uint_eq(gsi_router_pirq_read(r, 3), 0x8f);
	ck_assert_int_eq(gsi_router_pirq_route(r, 3), -1);
	/* PIRQC high reaches PIC input 11 (slave input 3) */
	irq_set(board_gsi_line(&b, GSI_PIRQ_BASE + 2), 1);
	ck_assert_uint_ne(pic->chip[1].lines & (1u << 3), 0);
	irq_set(board_gsi_line(&b, GSI_PIRQ_BASE + 2), 0);
	ck_assert_uint_eq(pic->chip[1].lines & (1u << 3), 0);
	/* reset: back to disabled on both sides */
	board_reset(&b, RESET_POWER_ON);
	ck_assert_uint_eq(cfg_read(DEVFN_PIIX3, 0x60, 4), 0x80808080);
	ck_assert_uint_eq(gsi_router_pirq_read(r, 0), 0x80);
}
END_TEST

START_TEST(test_cf9_reset_control)
{
	int value = -1;

	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	board_pio_write(&b, PCI_RESET_CONTROL, 0x02, 1);		/* select hard reset */
	ck_assert_uint_eq(board_pio_read(&b, PCI_RESET_CONTROL, 1), 0x02);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	/* config cycles through 0xCF8 never touch it */
	cfg_write(DEVFN_PIIX3, 0x04, 0x0007, 2);
	ck_assert_uint_eq(cfg_read(PCI_DEVFN(1, 6), 0, 4), 0xffffffff);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	ck_assert_uint_eq(board_pio_read(&b, PCI_RESET_CONTROL, 1), 0x02);
	/* the FADT reset register: 0x06 */
	board_pio_write(&b, PCI_RESET_CONTROL, 0x06, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_RESET);
	ck_assert_int_eq(value, RESET_CF9);
	/* soft reset (bit 2 alone) too */
	board_pio_write(&b, PCI_RESET_CONTROL, 0x04, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_RESET);
	board_reset(&b, RESET_CF9);
	ck_assert_uint_eq(board_pio_read(&b, PCI_RESET_CONTROL, 1), 0x00);
}
END_TEST

START_TEST(test_pm_base_enable_and_move)
{
	/* nothing decoded after reset */
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x40, 4), 0x00000001);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), 0xffffffff);
	/* base without PMIOSE: still nothing */
	cfg_write(DEVFN_PM, 0x40, PM_BASE | 1, 4);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0xffff);
	cfg_write(DEVFN_PM, 0x80, 0x01, 1);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0x0000);
	/* bits 5:1 of the base are not writable, bit 0 reads 1 */
	cfg_write(DEVFN_PM, 0x40, 0x073e, 4);
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x40, 4), 0x00000701);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0xffff);
	ck_assert_uint_eq(board_pio_read(&b, 0x704, 2), 0x0000);
	cfg_write(DEVFN_PM, 0x80, 0x00, 1);
	ck_assert_uint_eq(board_pio_read(&b, 0x704, 2), 0xffff);
	/* APMC_EN reads as set and stays so: SeaBIOS skips its SMM setup */
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x58, 4) & (1u << 25), 1u << 25);
	cfg_write(DEVFN_PM, 0x58, 0, 4);
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x58, 4), 1u << 25);
	/* reset turns the block off again */
	pm_enable(PM_BASE);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0x0000);
	board_reset(&b, RESET_POWER_ON);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0xffff);
	ck_assert_uint_eq(cfg_read(DEVFN_PM, 0x80, 1), 0);
}
END_TEST

START_TEST(test_pm_timer_rate)
{
	pm_enable(PM_BASE);
	clock_fake_set(0);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), 0);
	clock_fake_set(NS_PER_SEC);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), PM_TIMER_HZ);
	clock_fake_set(1000);				/* 1 us: 3.58 ticks */
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), 3);
	clock_fake_set(2 * NS_PER_SEC);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), 2 * PM_TIMER_HZ);
	/* 24 bits: 10 s = 35795450 ticks wraps twice */
	clock_fake_set(10 * NS_PER_SEC);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), 35795450u - 2 * 16777216u);
	/* bytes of the same register; writes are ignored */
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 10, 2), (35795450u - 2 * 16777216u) >> 16);
	board_pio_write(&b, PM_BASE + 8, 0, 4);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), 35795450u - 2 * 16777216u);
}
END_TEST

START_TEST(test_tmr_sts_and_sci)
{
	struct irq_line *sci = board_gsi_line(&b, 9);
	struct gsi_router *r = gsi_router_find(&b);

	pm_enable(PM_BASE);
	/* enabled timer event: no SCI before bit 23 flips */
	board_pio_write(&b, PM_BASE + 2, 0x0001, 2);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 2, 2), 0x0001);
	clock_fake_set(FIRST_OVERFLOW_NS - 1);
	timer_list_run(&b.timers, clock_ns());
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE, 2), 0);
	ck_assert_int_eq(sci->level, 0);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 8, 4), (1u << 23) - 1);
	clock_fake_set(FIRST_OVERFLOW_NS);
	timer_list_run(&b.timers, clock_ns());
	ck_assert_int_eq(sci->level, 1);
	ck_assert_int_eq(gsi_router_input_level(r, 9), 1);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE, 2), 0x0001);
	/* writing 0 clears nothing; writing 1 clears it and drops the SCI */
	board_pio_write(&b, PM_BASE, 0x0000, 2);
	ck_assert_int_eq(sci->level, 1);
	board_pio_write(&b, PM_BASE, 0x0001, 2);
	ck_assert_int_eq(sci->level, 0);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE, 2), 0);
	/* the next flip, 2^23 ticks later, raises it again */
	clock_fake_set(SECOND_OVERFLOW_NS - 1);
	timer_list_run(&b.timers, clock_ns());
	ck_assert_int_eq(sci->level, 0);
	clock_fake_set(SECOND_OVERFLOW_NS);
	timer_list_run(&b.timers, clock_ns());
	ck_assert_int_eq(sci->level, 1);
	board_pio_write(&b, PM_BASE, 0x0001, 2);
	ck_assert_int_eq(sci->level, 0);
	/* with TMR_EN clear the status still sets, without SCI */
	board_pio_write(&b, PM_BASE + 2, 0x0000, 2);
	clock_fake_set(8 * NS_PER_SEC);
	timer_list_run(&b.timers, clock_ns());
	ck_assert_int_eq(sci->level, 0);
		ck_assert_uint_eq(board_pio_read(&b, PM_BASE, 2), 0x0001);
	ck_assert_int_eq(sci->level, 0);
	/* enabling with the status pending raises it at once */
	board_pio_write(&b, PM_BASE + 2, 0x0001, 2);
	ck_assert_int_eq(sci->level, 1);
	/* the enable register keeps only the defined bits */
	board_pio_write(&b, PM_BASE + 2, 0xffff, 2);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 2, 2), 0x0521);
	/* reset: no SCI, nothing pending */
	board_reset(&b, RESET_POWER_ON);
	ck_assert_int_eq(sci->level, 0);
}
END_TEST

START_TEST(test_s5_soft_off)
{
	int value = -1;

	pm_enable(PM_BASE);
	/* SLP_TYP alone does nothing; it reads back, SLP_EN does not */
	board_pio_write(&b, PM_BASE + 4, 0x0400 | 0x0001, 2);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0x0401);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	/* S3 (type 1) is not soft-off */
	board_pio_write(&b, PM_BASE + 4, 0x2400 | 0x0001, 2);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2), 0x0401);
	/* the DSDT's \_S5: SLP_TYP 0 | SLP_EN, as Linux writes it (high byte) */
	board_pio_write(&b, PM_BASE + 5, 0x20, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_EXIT);
	ck_assert_int_eq(value, 0);
}
END_TEST

START_TEST(test_apm_acpi_enable)
{
	pm_enable(PM_BASE);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2) & 1, 0);
	board_pio_write(&b, 0xb2, 0xf1, 1);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2) & 1, 1);
	ck_assert_uint_eq(board_pio_read(&b, 0xb2, 1), 0xf1);
	board_pio_write(&b, 0xb3, 0x5a, 1);
	ck_assert_uint_eq(board_pio_read(&b, 0xb3, 1), 0x5a);
	board_pio_write(&b, 0xb2, 0xf0, 1);
	ck_assert_uint_eq(board_pio_read(&b, PM_BASE + 4, 2) & 1, 0);
	/* GPE0: status write-1-to-clear (nothing pending), enable read/write */
	board_pio_write(&b, 0xafe2, 0xbeef, 2);
	ck_assert_uint_eq(board_pio_read(&b, 0xafe0, 4), 0xbeef0000);
}
END_TEST

START_TEST(test_bad_descriptions)
{
	struct board b2;
	struct board_err err = { 0 };

	/* a PCI function without a host */
	ck_assert_int_eq(board_init(&b2), 0);
	ck_assert_int_eq(board_set_ram(&b2, 16 << 20, 0, &err), 0);
	ck_assert_int_eq(device_create(&b2, "piix3", "isa", NULL, -1, NULL, NULL, &err), -ENODEV);
	ck_assert_str_eq(err.msg, "isa: no PCI host bridge on the board");
	board_err_clear(&err);
	ck_assert_int_eq(device_create(&b2, "i440fx-pcihost", "host", NULL, -1, "iobase=0xfffc",
				       NULL, &err), -EINVAL);
	ck_assert_int_eq(device_create(&b2, "i440fx-pcihost", "host", NULL, -1, NULL, NULL, &err), 0);
	/* the PM function needs its SCI */
	ck_assert_int_eq(device_create(&b2, "piix4-pm", "pm", NULL, -1, NULL, NULL, &err), -EINVAL);
	ck_assert_int_eq(device_create(&b2, "piix3", "isa", NULL, -1, "devfn=8", NULL, &err), 0);
	board_err_clear(&err);
	ck_assert_int_eq(device_create(&b2, "piix3", "isa2", NULL, -1, "devfn=8", NULL, &err), -EEXIST);
	ck_assert_str_eq(err.msg, "isa2: property 'devfn': 01.0 already used by isa");
	/* a second PIIX3 elsewhere cannot have 0xCF9 too */
	ck_assert_int_eq(device_create(&b2, "piix3", "isa3", NULL, -1, "devfn=16", NULL, &err), -EBUSY);
	board_destroy(&b2);
}
END_TEST

Suite *board_chipset_suite(void)
{
	Suite *s = suite_create("board_chipset");
	TCase *tc = tcase_create("chipset");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_pam_reaches_memory_map);
	tcase_add_test(tc, test_smram);
	tcase_add_test(tc, test_pirq_registers);
	tcase_add_test(tc, test_cf9_reset_control);
	tcase_add_test(tc, test_pm_base_enable_and_move);
	tcase_add_test(tc, test_pm_timer_rate);
	tcase_add_test(tc, test_tmr_sts_and_sci);
	tcase_add_test(tc, test_s5_soft_off);
	tcase_add_test(tc, test_apm_acpi_enable);
	tcase_add_test(tc, test_bad_descriptions);
	suite_add_tcase(s, tc);
	return s;
}
