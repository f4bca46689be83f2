/*
 * Guest memory: RAM split around the PCI hole, checked access helpers,
 * extra regions.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "board/memory.h"

#define MiB (1ull << 20)

START_TEST(test_init_bad_args)
{
	struct guest_mem m;

	ck_assert_int_eq(gmem_init(&m, 0, 2 * MiB), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, 4 * MiB + 1, 2 * MiB), -EINVAL);
	ck_assert_int_eq(gmem_init(&m, 4 * MiB, GMEM_4G + 4096), -EINVAL);
	ck_assert_ptr_null(m.ram);
}
END_TEST

START_TEST(test_split_around_hole)
{
	struct guest_mem m;
	uint8_t buf[4] = { 1, 2, 3, 4 }, out[4];

	ck_assert_int_eq(gmem_init(&m, 8 * MiB, 3 * MiB), 0);
	ck_assert_uint_eq(m.below_4g, 3 * MiB);
	/* below 4 GiB: up to the hole */
	ck_assert_ptr_eq(gmem_ptr(&m, 0, 3 * MiB), m.ram);
	ck_assert_ptr_eq(gmem_ptr(&m, 3 * MiB - 1, 1), m.ram + 3 * MiB - 1);
	ck_assert_ptr_null(gmem_ptr(&m, 3 * MiB - 1, 2));
	ck_assert_ptr_null(gmem_ptr(&m, 3 * MiB, 1));
	/* the rest at 4 GiB, host-contiguous after the low part */
	ck_assert_ptr_eq(gmem_ptr(&m, GMEM_4G, 5 * MiB), m.ram + 3 * MiB);
	ck_assert_ptr_null(gmem_ptr(&m, GMEM_4G, 5 * MiB + 1));
	ck_assert_ptr_null(gmem_ptr(&m, GMEM_4G - 1, 2));
	ck_assert_ptr_null(gmem_ptr(&m, GMEM_4G + 5 * MiB, 1));
	ck_assert_int_eq(gmem_write(&m, GMEM_4G + 16, buf, 4), 0);
	ck_assert_mem_eq(m.ram + 3 * MiB + 16, buf, 4);
	ck_assert_int_eq(gmem_read(&m, GMEM_4G + 16, out, 4), 0);
	ck_assert_mem_eq(out, buf, 4);
	gmem_destroy(&m);
	ck_assert_ptr_null(m.ram);
}
END_TEST

START_TEST(test_small_ram_below_hole)
{
	struct guest_mem m;

	ck_assert_int_eq(gmem_init(&m, 4 * MiB, 0xe0000000ull), 0);
	ck_assert_uint_eq(m.below_4g, 4 * MiB);
	ck_assert_ptr_null(gmem_ptr(&m, GMEM_4G, 1));
	ck_assert(!gmem_is_ram(&m, GMEM_4G, 1));
	gmem_destroy(&m);
}
END_TEST

START_TEST(test_checked_access_fails_cleanly)
{
	struct guest_mem m;
	uint8_t out[8];

	ck_assert_int_eq(gmem_init(&m, 4 * MiB, 0xe0000000ull), 0);
	memset(m.ram + 4 * MiB - 4, 0xab, 4);
	memset(out, 0x11, sizeof(out));
	/* straddling the end: nothing copied */
	ck_assert_int_eq(gmem_read(&m, 4 * MiB - 4, out, 8), -EFAULT);
	ck_assert_uint_eq(out[0], 0x11);
	ck_assert_int_eq(gmem_write(&m, 4 * MiB - 4, out, 8), -EFAULT);
	ck_assert_uint_eq(m.ram[4 * MiB - 4], 0xab);
	/* overflowing ranges */
	ck_assert_ptr_null(gmem_ptr(&m, UINT64_MAX, 2));
	ck_assert_ptr_null(gmem_ptr(&m, 16, UINT64_MAX));
	ck_assert(!gmem_is_ram(&m, 0, UINT64_MAX));
	ck_assert(!gmem_is_ram(&m, UINT64_MAX - 1, 4));
	ck_assert(gmem_is_ram(&m, 0, 4 * MiB));
	ck_assert_int_eq(gmem_read(&m, UINT64_MAX - 3, out, 8), -EFAULT);
	/* zero length is a no-op */
	ck_assert_int_eq(gmem_read(&m, UINT64_MAX, out, 0), 0);
	gmem_destroy(&m);
}
END_TEST

START_TEST(test_regions)
{
	static uint8_t rom[0x10000], other[0x1000];
	struct guest_mem m;
	uint64_t avail;
	unsigned flags, i;
	uint8_t *p;

	ck_assert_int_eq(gmem_init(&m, 4 * MiB, 0xe0000000ull), 0);
	ck_assert_int_eq(gmem_add_region(&m, 4 * MiB - 4096, 8192, other, 0, "x"), -EEXIST);
	ck_assert_int_eq(gmem_add_region(&m, GMEM_4G - 0x10000, 0x10000, rom, GMEM_READONLY, "bios"), 0);
	ck_assert_int_eq(gmem_add_region(&m, GMEM_4G - 0x11000, 0x2000, other, 0, "x"), -EEXIST);
	ck_assert_int_eq(gmem_add_region(&m, GMEM_4G - 0x11000, 0, other, 0, "x"), -EINVAL);
	ck_assert_int_eq(gmem_add_region(&m, UINT64_MAX - 10, 0x1000, other, 0, "x"), -EINVAL);
	p = gmem_lookup(&m, GMEM_4G - 16, &avail, &flags);
	ck_assert_ptr_eq(p, rom + 0x10000 - 16);
	ck_assert_uint_eq(avail, 16);
	ck_assert_uint_eq(flags, GMEM_READONLY);
	p = gmem_lookup(&m, 4096, &avail, &flags);
	ck_assert_ptr_eq(p, m.ram + 4096);
	ck_assert_uint_eq(avail, 4 * MiB - 4096);
	ck_assert_uint_eq(flags, 0);
	ck_assert_ptr_null(gmem_lookup(&m, 0xfec00000ull, &avail, &flags));
	/* DMA helpers never reach regions */
	ck_assert_ptr_null(gmem_ptr(&m, GMEM_4G - 16, 4));
	ck_assert(!gmem_is_ram(&m, GMEM_4G - 16, 4));
	for (i = 1; i < GMEM_MAX_REGIONS; i++)
		ck_assert_int_eq(gmem_add_region(&m, 0x100000000ull * (i + 1), 0x1000, other, 0, "r"), 0);
	ck_assert_int_eq(gmem_add_region(&m, 0x100000000ull * 40, 0x1000, other, 0, "r"), -ENOSPC);
	gmem_destroy(&m);
}
END_TEST

Suite *board_memory_suite(void)
{
	Suite *s = suite_create("board_memory");
	TCase *tc = tcase_create("memory");

	tcase_add_test(tc, test_init_bad_args);
	tcase_add_test(tc, test_split_around_hole);
	tcase_add_test(tc, test_small_ram_below_hole);
	tcase_add_test(tc, test_checked_access_fails_cleanly);
	tcase_add_test(tc, test_regions);
	suite_add_tcase(s, tc);
	return s;
}
