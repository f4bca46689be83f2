/*
 * hvm_start_info, hvm_memmap_table_entry and hvm_modlist_entry builders:
 * every field at the offset Xen's start_info.h gives it.
 */
#include <check.h>
#include <string.h>

#include "loader/loader.h"
#include "elf_builder.h"

START_TEST(start_info_layout)
{
	struct hvm_args a = {
		.cmdline_addr = 0x20000, .rsdp_addr = 0xf5a40, .modlist_addr = 0x21000,
		.nr_modules = 1, .memmap_addr = 0x22000, .memmap_entries = 5,
	};
	struct loader_err err;
	uint8_t buf[64];

	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(hvm_start_info_build(&a, buf, sizeof(buf), &err), 56);
	ck_assert_uint_eq(tb_get32(buf + 0), 0x336ec578);	/* magic */
	ck_assert_uint_eq(tb_get32(buf + 4), 1);		/* version */
	ck_assert_uint_eq(tb_get32(buf + 8), 0);		/* flags */
	ck_assert_uint_eq(tb_get32(buf + 12), 1);		/* nr_modules */
	ck_assert_uint_eq(tb_get64(buf + 16), 0x21000);		/* modlist_paddr */
	ck_assert_uint_eq(tb_get64(buf + 24), 0x20000);		/* cmdline_paddr */
	ck_assert_uint_eq(tb_get64(buf + 32), 0xf5a40);		/* rsdp_paddr */
	ck_assert_uint_eq(tb_get64(buf + 40), 0x22000);		/* memmap_paddr */
	ck_assert_uint_eq(tb_get32(buf + 48), 5);		/* memmap_entries */
	ck_assert_uint_eq(tb_get32(buf + 52), 0);		/* reserved */
	ck_assert_uint_eq(buf[56], 0xee);
}
END_TEST

START_TEST(start_info_absent_fields)
{
	/* no modules, no map: their addresses read as 0 ("not present") */
	struct hvm_args a = { .cmdline_addr = 0x20000, .modlist_addr = 0x21000,
			      .memmap_addr = 0x22000 };
	struct loader_err err;
	uint8_t buf[56];

	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(hvm_start_info_build(&a, buf, sizeof(buf), &err), 56);
	ck_assert_uint_eq(tb_get32(buf + 12), 0);
	ck_assert_uint_eq(tb_get64(buf + 16), 0);
	ck_assert_uint_eq(tb_get64(buf + 32), 0);
	ck_assert_uint_eq(tb_get64(buf + 40), 0);
	ck_assert_uint_eq(tb_get32(buf + 48), 0);
}
END_TEST

START_TEST(start_info_errors)
{
	struct hvm_args a = { .nr_modules = 1 };
	struct loader_err err;
	uint8_t buf[56];

	ck_assert_int_eq(hvm_start_info_build(&a, buf, 55, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "hvm_start_info");
	ck_assert_int_eq(hvm_start_info_build(&a, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "modlist_paddr");
	a.nr_modules = 0;
	a.memmap_entries = 3;
	ck_assert_int_eq(hvm_start_info_build(&a, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "memmap_paddr");
	a.memmap_addr = 0x1000;
	a.memmap_entries = E820_MAX + 1;
	ck_assert_int_eq(hvm_start_info_build(&a, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "memmap_entries");
}
END_TEST

START_TEST(memmap_layout)
{
	static const struct e820_entry e[] = {
		{ 0, 0x9fc00, E820_RAM },
		{ 0xf0000, 0x10000, E820_RESERVED },
		{ 0x100000000ull, 0x123456789ull, E820_NVS },
	};
	struct loader_err err;
	uint8_t buf[80];
	unsigned i;

	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(hvm_memmap_build(e, 3, buf, sizeof(buf), &err), 72);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(tb_get64(buf + i * 24), e[i].addr);
		ck_assert_uint_eq(tb_get64(buf + i * 24 + 8), e[i].size);
		ck_assert_uint_eq(tb_get32(buf + i * 24 + 16), e[i].type);
		ck_assert_uint_eq(tb_get32(buf + i * 24 + 20), 0);
	}
	ck_assert_uint_eq(buf[72], 0xee);

	ck_assert_int_eq(hvm_memmap_build(e, 3, buf, 71, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "hvm_memmap_table");
	ck_assert_int_eq(hvm_memmap_build(e, 0, buf, 0, &err), 0);
	ck_assert_int_eq(hvm_memmap_build(NULL, 1, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_int_eq(hvm_memmap_build(e, E820_MAX + 1, buf, sizeof(buf), &err),
			 LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "memmap_entries");
}
END_TEST

START_TEST(memmap_overflowing_entry)
{
	static const struct e820_entry e[] = {
		{ 0xfffffffffffff000ull, 0x2000, E820_RAM },
	};
	struct loader_err err;
	uint8_t buf[24];

	ck_assert_int_eq(hvm_memmap_build(e, 1, buf, sizeof(buf), &err), LOADER_E_OVERFLOW);
	ck_assert_str_eq(err.field, "e820");
}
END_TEST

START_TEST(module_layout)
{
	struct loader_err err;
	uint8_t buf[40];

	memset(buf, 0xee, sizeof(buf));
	ck_assert_int_eq(hvm_module_build(0x7f000000, 0x123456, 0x20100, buf, sizeof(buf),
					  &err), 32);
	ck_assert_uint_eq(tb_get64(buf + 0), 0x7f000000);
	ck_assert_uint_eq(tb_get64(buf + 8), 0x123456);
	ck_assert_uint_eq(tb_get64(buf + 16), 0x20100);
	ck_assert_uint_eq(tb_get64(buf + 24), 0);
	ck_assert_uint_eq(buf[32], 0xee);

	ck_assert_int_eq(hvm_module_build(0x1000, 1, 0, buf, 31, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "hvm_modlist_entry");
	ck_assert_int_eq(hvm_module_build(0xffffffffffffe000ull, 0x1000, 0, buf, sizeof(buf),
					  &err), 32);	/* ends one page below 2^64 */
	ck_assert_int_eq(hvm_module_build(0xfffffffffffff000ull, 0x1000, 0, buf, sizeof(buf),
					  &err), LOADER_E_OVERFLOW);
	ck_assert_str_eq(err.field, "size");
	ck_assert_int_eq(hvm_module_build(0, 0x1000, 0, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "paddr");
}
END_TEST

Suite *loader_pvh_suite(void)
{
	Suite *s = suite_create("loader_pvh");
	TCase *tc = tcase_create("pvh");

	tcase_add_test(tc, start_info_layout);
	tcase_add_test(tc, start_info_absent_fields);
	tcase_add_test(tc, start_info_errors);
	tcase_add_test(tc, memmap_layout);
	tcase_add_test(tc, memmap_overflowing_entry);
	tcase_add_test(tc, module_layout);
	suite_add_tcase(s, tc);
	return s;
}
