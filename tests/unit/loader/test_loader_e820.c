/*
 * e820_build: the map for a RAM layout, and every bad layout.
 */
#include <check.h>
#include <string.h>

#include "loader/loader.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void expect_entry(const struct e820_entry *e, uint64_t addr, uint64_t size,
			 uint32_t type)
{
	ck_assert_uint_eq(e->addr, addr);
	ck_assert_uint_eq(e->size, size);
	ck_assert_uint_eq(e->type, type);
}

static void expect_fail(const struct ram_layout *ram, unsigned max, int status,
			const char *field)
{
	struct e820_entry map[E820_MAX];
	struct loader_err err;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(e820_build(ram, map, max, &err), status);
	ck_assert_int_eq(err.status, status);
	ck_assert_str_eq(err.field, field);
}

START_TEST(small_guest)
{
	struct ram_layout ram = { .ram_size = 128 * MiB, .below_4g = 128 * MiB };
	struct e820_entry map[E820_MAX];
	struct loader_err err;

	ck_assert_int_eq(e820_build(&ram, map, E820_MAX, &err), 4);
	expect_entry(&map[0], 0, 0x9fc00, E820_RAM);
	expect_entry(&map[1], 0x9fc00, 0x400, E820_RESERVED);
	expect_entry(&map[2], 0xf0000, 0x10000, E820_RESERVED);
	expect_entry(&map[3], MiB, 127 * MiB, E820_RAM);
	/* sorted and disjoint */
	for (int i = 1; i < 4; i++)
		ck_assert_uint_le(map[i - 1].addr + map[i - 1].size, map[i].addr);
}
END_TEST

START_TEST(default_split)
{
	struct ram_layout ram = { .ram_size = 3 * GiB };	/* below 3.5 GiB: all low */
	struct e820_entry map[8];
	struct loader_err err;

	ck_assert_int_eq(e820_build(&ram, map, 8, &err), 4);
	expect_entry(&map[3], MiB, 3 * GiB - MiB, E820_RAM);

	ck_assert_uint_eq(e820_below_4g(&ram), 3 * GiB);
	ram.ram_size = 0xe0000000ull - 1;
	ck_assert_uint_eq(e820_below_4g(&ram), 0xe0000000ull - 1);
	ram.ram_size = 0xe0000000ull;
	ck_assert_uint_eq(e820_below_4g(&ram), 3 * GiB);
	ram.below_4g = 1 * GiB;
	ck_assert_uint_eq(e820_below_4g(&ram), 1 * GiB);
	ram.below_4g = 0;

	ram.ram_size = 6 * GiB;	/* 3 GiB below, 3 above */
	ck_assert_int_eq(e820_build(&ram, map, 8, &err), 5);
	expect_entry(&map[3], MiB, 3 * GiB - MiB, E820_RAM);
	expect_entry(&map[4], 4 * GiB, 3 * GiB, E820_RAM);
}
END_TEST

START_TEST(explicit_split_and_ebda)
{
	struct ram_layout ram = { .ram_size = 5 * GiB, .below_4g = 2 * GiB,
				  .low_reserved_start = 0xa0000 };
	struct e820_entry map[4];
	struct loader_err err;

	/* no EBDA: exactly four entries fit */
	ck_assert_int_eq(e820_build(&ram, map, 4, &err), 4);
	expect_entry(&map[0], 0, 0xa0000, E820_RAM);
	expect_entry(&map[1], 0xf0000, 0x10000, E820_RESERVED);
	expect_entry(&map[2], MiB, 2 * GiB - MiB, E820_RAM);
	expect_entry(&map[3], 4 * GiB, 3 * GiB, E820_RAM);

	ram.low_reserved_start = 0x9f000;
	expect_fail(&ram, 4, LOADER_E_RANGE, "e820");
	{
		struct e820_entry m5[5];

		ck_assert_int_eq(e820_build(&ram, m5, 5, &err), 5);
		expect_entry(&m5[0], 0, 0x9f000, E820_RAM);
		expect_entry(&m5[1], 0x9f000, 0x1000, E820_RESERVED);
	}
}
END_TEST

START_TEST(bad_layouts)
{
	struct ram_layout ram = { .ram_size = 128 * MiB, .below_4g = 129 * MiB };

	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "below_4g");

	ram = (struct ram_layout){ .ram_size = 2 * MiB - 1 };
	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "ram_size");
	ram = (struct ram_layout){ .ram_size = 0 };
	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "ram_size");

	ram = (struct ram_layout){ .ram_size = 16 * MiB, .below_4g = MiB + 4096 };
	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "below_4g");

	ram = (struct ram_layout){ .ram_size = 8 * GiB, .below_4g = 4 * GiB + 4096 };
	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "below_4g");

	ram = (struct ram_layout){ .ram_size = 64 * MiB, .low_reserved_start = 0xa0001 };
	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "low_reserved_start");

	ram = (struct ram_layout){ .ram_size = UINT64_MAX, .below_4g = 2 * GiB };
	expect_fail(&ram, E820_MAX, LOADER_E_RANGE, "ram_size");

	ram = (struct ram_layout){ .ram_size = 64 * MiB };
	expect_fail(&ram, 3, LOADER_E_RANGE, "e820");
	expect_fail(&ram, 0, LOADER_E_RANGE, "e820");
}
END_TEST

START_TEST(minimum_guest)
{
	struct ram_layout ram = { .ram_size = 2 * MiB };
	struct e820_entry map[E820_MAX];
	struct loader_err err;

	ck_assert_int_eq(e820_build(&ram, map, E820_MAX, &err), 4);
	expect_entry(&map[3], MiB, MiB, E820_RAM);
}
END_TEST

Suite *loader_e820_suite(void)
{
	Suite *s = suite_create("loader_e820");
	TCase *tc = tcase_create("e820");

	tcase_add_test(tc, small_guest);
	tcase_add_test(tc, default_split);
	tcase_add_test(tc, explicit_split_and_ebda);
	tcase_add_test(tc, bad_layouts);
	tcase_add_test(tc, minimum_guest);
	suite_add_tcase(s, tc);
	return s;
}
