/*
 * ACPI of the microvm board (hardware-reduced, as QEMU 7.2's microvm): for
 * 1, 2 and 8 CPUs the FADT names only the GED sleep/reset registers, there
 * is no FACS, the MADT has PCAT_COMPAT, the LAPICs, the IOAPIC and the one
 * IRQ 0 -> GSI 2 override; `iasl -d` decompiles every table cleanly and
 * acpiexec loads them and evaluates \_S5 to SLP_TYP 5. The "acpi-ged"
 * device of the board then powers off on exactly that value. The board's
 * 0xE0000-0xFFFFF is writable RAM holding the BIOS image's last 128 KiB,
 * restored on reset (pc's stays the i440fx's PAM business).
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/acpi.h"
#include "board/board.h"
#include "tests/unit/common/harness.h"

#define TABLES_GPA	0x1fff0000ull
#define RSDP_GPA	0x9fc10ull	/* the EBDA, where our firmware puts it on a RO alias */
#define TOOL_TIMEOUT	30.0

#include "tests/unit/board/acpi_test_util.h"

#define FADT_HW_REDUCED		(1u << 20)
#define FADT_RESET_REG_SUP	(1u << 10)

static const unsigned cpu_counts[] = { 1, 2, 8 };

static void build_direct(struct direct *d, unsigned ncpus)
{
	struct acpi_board_desc desc;

	acpi_board_desc_microvm(&desc, ncpus);
	ck_assert_int_eq(acpi_build(&desc, &d->t), 0);
	d->tables = malloc(d->t.len);
	ck_assert_ptr_nonnull(d->tables);
	ck_assert_int_eq(acpi_relocate(&d->t, TABLES_GPA, RSDP_GPA, d->tables, d->rsdp), 0);
}

/* GAS at p: space, width, offset 0, access, address */
static void check_gas(const uint8_t *p, uint8_t space, uint8_t width, uint8_t access,
		      uint64_t addr, const char *what)
{
	ck_assert_msg(p[0] == space && p[1] == width && p[2] == 0 && p[3] == access,
		      "%s: GAS %02x %02x %02x %02x", what, p[0], p[1], p[2], p[3]);
	ck_assert_msg(le(p + 4, 8) == addr, "%s: address 0x%llx", what,
		      (unsigned long long)le(p + 4, 8));
}

START_TEST(test_microvm_fadt)
{
	struct direct d;
	const uint8_t *f, *dsdt;
	unsigned i;

	build_direct(&d, cpu_counts[_i]);
	/* no FACS; the rest as on pc */
	ck_assert_uint_eq(d.t.ntables, 5);
	for (i = 0; i < d.t.ntables; i++) {
		ck_assert_str_ne(d.t.table[i].sig, "FACS");
		ck_assert_msg(acpi_checksum(d.tables + d.t.table[i].offset, d.t.table[i].len) == 0,
			      "%s checksum", d.t.table[i].sig);
	}
	ck_assert_uint_eq(acpi_checksum(d.rsdp, 20), 0);
	ck_assert_uint_eq(acpi_checksum(d.rsdp, ACPI_RSDP_SIZE), 0);
	f = find_table(&d, "FACP");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(le(f + 4, 4), 268);
	ck_assert_uint_eq(f[8], 5);
	ck_assert_uint_eq(le(f + 112, 4), FADT_HW_REDUCED | FADT_RESET_REG_SUP);
	ck_assert_uint_eq(le(f + 36, 4), 0);			/* FIRMWARE_CTRL */
	ck_assert_uint_eq(le(f + 132, 8), 0);			/* X_FIRMWARE_CTRL */
	dsdt = d.tables + (le(f + 40, 4) - TABLES_GPA);
	ck_assert_int_eq(memcmp(dsdt, "DSDT", 4), 0);
	ck_assert_uint_eq(le(f + 140, 8), le(f + 40, 4));	/* X_DSDT */
	/* no fixed hardware: SCI, SMI_CMD, PM1, PM timer, GPE all zero */
	for (i = 46; i < 108; i++)
		ck_assert_msg(f[i] == 0, "FADT byte %u is 0x%02x", i, f[i]);
	for (i = 148; i < 244; i++)
		ck_assert_msg(f[i] == 0, "FADT X_ block byte %u is 0x%02x", i, f[i]);
	ck_assert_uint_eq(le(f + 109, 2), 0);			/* no 8042, no legacy devices */
	check_gas(f + 116, 0, 8, 1, ACPI_MICROVM_GED_REGS + ACPI_GED_RESET, "RESET_REG");
	ck_assert_uint_eq(f[128], ACPI_GED_RESET_VALUE);
	check_gas(f + 244, 0, 8, 1, 0xfea00200u, "SLEEP_CONTROL_REG");
	check_gas(f + 256, 0, 8, 1, 0xfea00201u, "SLEEP_STATUS_REG");
	/* the built-in microvm DSDT: no PCI host bridge in it */
	ck_assert_ptr_null(memmem(dsdt, le(dsdt + 4, 4), "PCI0", 4));
	ck_assert_ptr_nonnull(memmem(dsdt, le(dsdt + 4, 4), "COM1", 4));
	free_direct(&d);
}
END_TEST

START_TEST(test_microvm_madt)
{
	unsigned n = cpu_counts[_i], i;
	struct direct d;
	const uint8_t *m, *e;

	build_direct(&d, n);
	m = find_table(&d, "APIC");
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(le(m + 4, 4), 44 + 8 * n + 12 + 10 + 6);
	ck_assert_uint_eq(le(m + 36, 4), 0xfee00000u);
	ck_assert_uint_eq(le(m + 40, 4), 1);			/* PCAT_COMPAT: the 8259s exist */
	e = m + 44;
	for (i = 0; i < n; i++, e += 8) {
		ck_assert_uint_eq(e[0], 0);
		ck_assert_uint_eq(e[1], 8);
		ck_assert_uint_eq(e[2], i);
		ck_assert_uint_eq(e[3], i);
		ck_assert_uint_eq(le(e + 4, 4), 1);
	}
	ck_assert_uint_eq(e[0], 1);				/* IOAPIC */
	ck_assert_uint_eq(le(e + 4, 4), 0xfec00000u);
	ck_assert_uint_eq(le(e + 8, 4), 0);
	e += 12;
	/* only IRQ 0 -> GSI 2 (the GSI router wires the PIT there): no PCI, no SCI */
	ck_assert_uint_eq(e[0], 2);
	ck_assert_uint_eq(e[3], 0);
	ck_assert_uint_eq(le(e + 4, 4), 2);
	ck_assert_uint_eq(le(e + 8, 2), 0);
	e += 10;
	ck_assert_uint_eq(e[0], 4);				/* LAPIC NMI on LINT1 */
	ck_assert_uint_eq(e[5], 1);
	free_direct(&d);
}
END_TEST

START_TEST(test_microvm_bad_desc)
{
	struct acpi_board_desc desc;
	struct acpi_tables t;

	/* hardware-reduced with fixed hardware named: refused, nothing left allocated */
	acpi_board_desc_microvm(&desc, 1);
	desc.pm_base = ACPI_PC_PM_BASE;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	ck_assert_ptr_null(t.blob);
	acpi_board_desc_microvm(&desc, 1);
	desc.sci_irq = 9;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	acpi_board_desc_microvm(&desc, 1);
	desc.smi_cmd = ACPI_PC_SMI_CMD;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	acpi_board_desc_microvm(&desc, 1);
	desc.gpe0_base = ACPI_PC_GPE0_BASE;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	acpi_board_desc_microvm(&desc, 0);
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	acpi_board_desc_microvm(&desc, ACPI_MAX_CPUS + 1);
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
}
END_TEST

/* ---- the board's acpi-ged registers ---- */

static void ged_board(struct board *b)
{
	struct board_err err = { 0 };

	ck_assert_int_eq(board_init(b), 0);
	ck_assert_msg(board_build(b, board_dtb("microvm", NULL), &err) == 0, "%s", err.msg);
	board_reset(b, RESET_POWER_ON);
}

static void ged_write(struct board *b, uint64_t off, uint64_t v, unsigned size)
{
	board_mem_rw(b, ACPI_MICROVM_GED_REGS + off, &v, size, true);
}

START_TEST(test_microvm_ged)
{
	struct board b;
	uint64_t v = ~0ull;
	int value = -1;

	ged_board(&b);
	/* other sleep types, SLP_TYP 5 without SLP_EN, a wide write: nothing */
	ged_write(&b, ACPI_GED_SLEEP_CTL, 3 << ACPI_GED_SLP_TYP_SHIFT | ACPI_GED_SLP_EN, 1);
	ged_write(&b, ACPI_GED_SLEEP_CTL, ACPI_GED_SLP_TYP_S5 << ACPI_GED_SLP_TYP_SHIFT, 1);
	ged_write(&b, ACPI_GED_SLEEP_CTL, ACPI_GED_SLP_TYP_S5 << ACPI_GED_SLP_TYP_SHIFT |
		  ACPI_GED_SLP_EN, 2);
	ged_write(&b, ACPI_GED_RESET, 0x41, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_NONE);
	/* sleep status reads 0 */
	board_mem_rw(&b, ACPI_MICROVM_GED_REGS + ACPI_GED_SLEEP_STS, &v, 1, false);
	ck_assert_uint_eq(v & 0xff, 0);
	/* the reset value resets */
	ged_write(&b, ACPI_GED_RESET, ACPI_GED_RESET_VALUE, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_RESET);
	ck_assert_int_eq(value, RESET_ACPI);
	/* S5 as Linux writes it: exit with status 0 */
	ged_write(&b, ACPI_GED_SLEEP_CTL, ACPI_GED_SLP_TYP_S5 << ACPI_GED_SLP_TYP_SHIFT |
		  ACPI_GED_SLP_EN, 1);
	ck_assert_int_eq(board_take_request(&b, &value), BOARD_REQ_EXIT);
	ck_assert_int_eq(value, 0);
	board_destroy(&b);
}
END_TEST

/* ---- the BIOS area: writable RAM, the image's last 128 KiB again at reset ---- */

#define BIOS_SIZE	(256 * 1024)

static uint8_t bios_byte(uint64_t off)
{
	return (uint8_t)(0xa5 ^ off ^ (off >> 9));
}

static void bios_board(struct board *b, const char *name, uint8_t *img)
{
	struct board_err err = { 0 };
	unsigned i;

	for (i = 0; i < BIOS_SIZE; i++)
		img[i] = bios_byte(i);
	ck_assert_int_eq(board_init(b), 0);
	ck_assert_msg(board_build(b, board_dtb(name, NULL), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(board_load_bios(b, img, BIOS_SIZE, &err), 0);
	ck_assert_msg(rom_check(b, &err) == 0, "%s", err.msg);
	board_reset(b, RESET_POWER_ON);
}

static uint32_t rd32(struct board *b, uint64_t gpa)
{
	uint32_t v = 0;

	board_mem_rw(b, gpa, &v, 4, false);
	return v;
}

static uint32_t img32(uint64_t gpa)
{
	uint64_t off = BIOS_SIZE - (BOARD_LOW_END - gpa);

	return bios_byte(off) | bios_byte(off + 1) << 8 | bios_byte(off + 2) << 16 |
	       (uint32_t)bios_byte(off + 3) << 24;
}

START_TEST(test_microvm_bios_area)
{
	static const uint64_t at[] = { 0xe0000, 0xe4000, 0xefffc, 0xf0000, 0xffff0, 0xffffc };
	static uint8_t img[BIOS_SIZE];
	struct board b;
	struct board_mem_slot slots[32];
	uint32_t v = 0x12345678;
	int n, i;
	unsigned k;

	bios_board(&b, "microvm", img);
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		uint64_t a = at[k];

		/* the image's last 128 KiB, then writable */
		ck_assert_uint_eq(rd32(&b, a), img32(a));
		board_mem_rw(&b, a, &v, 4, true);
		ck_assert_uint_eq(rd32(&b, a), 0x12345678);
	}
	/* accelerators map it as writable RAM */
	n = board_mem_slots(&b, slots, 32);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < n; i++)
		if (slots[i].gpa < BOARD_LOW_END && slots[i].gpa + slots[i].size > BOARD_ISA_BIOS_BASE)
			ck_assert_msg(!slots[i].readonly, "slot %s at 0x%llx is read-only",
				      slots[i].name, (unsigned long long)slots[i].gpa);
	/* the high copy is still the ROM */
	ck_assert_uint_eq(rd32(&b, 0xfffffff0ull), img32(0xffff0));
	/* a reset restores the image */
	board_reset(&b, RESET_ACPI);
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		uint64_t a = at[k];

		ck_assert_uint_eq(rd32(&b, a), img32(a));
	}
	board_destroy(&b);

	/* pc: the i440fx's PAM at reset, writes to the BIOS area dropped */
	bios_board(&b, "pc", img);
	ck_assert_uint_eq(rd32(&b, 0xf0000), img32(0xf0000));
	board_mem_rw(&b, 0xf0000, &v, 4, true);
	ck_assert_uint_eq(rd32(&b, 0xf0000), img32(0xf0000));
	board_destroy(&b);
}
END_TEST

/* ---- iasl and acpiexec ---- */

static const char *const dumped[] = { "DSDT", "FACP", "APIC", "RSDT", "XSDT" };

START_TEST(test_microvm_iasl_acpiexec)
{
	struct direct d;
	struct run_result r;
	char *dir, in[512], out[512], path[3][512], *s5;
	unsigned i;

	if (!tool_present("iasl") || !tool_present("acpiexec")) {
		harness_skip("test_microvm_iasl_acpiexec", "iasl/acpiexec not installed");
		return;
	}
	build_direct(&d, cpu_counts[_i]);
	dir = make_tmpdir();
	ck_assert_int_eq(acpi_dump(&d.t, TABLES_GPA, RSDP_GPA, dir), 0);
	snprintf(in, sizeof(in), "%s/FACS.dat", dir);
	ck_assert_msg(access(in, F_OK) != 0, "a FACS was dumped");
	for (i = 0; i < sizeof(dumped) / sizeof(dumped[0]); i++) {
		char *argv[] = { "iasl", "-d", "-p", out, in, NULL };
		char *dsl;
		size_t len;

		snprintf(in, sizeof(in), "%s/%s.dat", dir, dumped[i]);
		snprintf(out, sizeof(out), "%s/%s", dir, dumped[i]);
		harness_run(argv, TOOL_TIMEOUT, &r);
		expect_clean(&r, in);
		harness_free(&r);
		snprintf(in, sizeof(in), "%s/%s.dsl", dir, dumped[i]);
		dsl = harness_read_file(in, &len);
		ck_assert_msg(dsl != NULL, "no %s", in);
		if (!strcmp(dumped[i], "FACP"))
			ck_assert_msg(strstr(dsl, "Hardware Reduced (V5) : 1") != NULL,
				      "FADT not hardware-reduced:\n%.2000s", dsl);
		free(dsl);
	}
	{
		static const char *const tables[] = { "FACP", "APIC", "DSDT" };
		char *argv[] = { "acpiexec", "-b", "evaluate \\_S5; evaluate \\_SB.COM1._CRS",
				 path[0], path[1], path[2], NULL };

		for (i = 0; i < 3; i++)
			snprintf(path[i], sizeof(path[i]), "%s/%s.dat", dir, tables[i]);
		harness_run(argv, TOOL_TIMEOUT, &r);
	}
	expect_clean(&r, "acpiexec");
	/* \_S5: SLP_TYP 5, what the acpi-ged device powers off on */
	s5 = strstr(r.out, "Evaluation of \\_S5 returned object");
	ck_assert_msg(s5 != NULL, "%s", r.out);
	s5 = strstr(s5, "[Package] Contains 4 Elements:");
	ck_assert_ptr_nonnull(s5);
	s5 = strstr(s5, "[Integer] = ");
	ck_assert_ptr_nonnull(s5);
	ck_assert_msg(!strncmp(s5, "[Integer] = 0000000000000005", 28), "%.60s", s5);
	ck_assert_msg(strstr(r.out, "Evaluation of \\_SB.COM1._CRS returned object") != NULL,
		      "%s", r.out);
	harness_free(&r);
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
	free_direct(&d);
}
END_TEST

Suite *board_acpi_microvm_suite(void)
{
	Suite *s = suite_create("board_acpi_microvm");
	TCase *tc = tcase_create("tables");
	TCase *tools = tcase_create("tools");
	int ncounts = sizeof(cpu_counts) / sizeof(cpu_counts[0]);

	tcase_add_loop_test(tc, test_microvm_fadt, 0, ncounts);
	tcase_add_loop_test(tc, test_microvm_madt, 0, ncounts);
	tcase_add_test(tc, test_microvm_bad_desc);
	tcase_add_test(tc, test_microvm_ged);
	tcase_add_test(tc, test_microvm_bios_area);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tools, 120);
	tcase_add_unchecked_fixture(tools, tools_setup, tools_teardown);
	tcase_add_loop_test(tools, test_microvm_iasl_acpiexec, 0, ncounts);
	suite_add_tcase(s, tools);
	return s;
}
