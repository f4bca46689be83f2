/*
 * multiboot_parse (header search, checksum, flags, a.out kludge, ELF) and
 * multiboot_info_build (exact layout of the information structure).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "elf_builder.h"

#define IMG_LEN 0x3000
#define AOUT	(1u << 16)

static uint8_t img[IMG_LEN];

enum { HDR_ADDR, LOAD_ADDR, LOAD_END, BSS_END, ENTRY };

/*
 * The standard a.out kludge image: text loaded from file offset 0 at 1 MiB,
 * header at 0x40, 0x2000 bytes loaded, bss to 0x104000, entry at 0x100080.
 */
static uint32_t A[5];

static void std_aout(void)
{
	memset(img, 0x90, sizeof(img));
	A[HDR_ADDR] = 0x100040;
	A[LOAD_ADDR] = 0x100000;
	A[LOAD_END] = 0x102000;
	A[BSS_END] = 0x104000;
	A[ENTRY] = 0x100080;
	tb_mb_header(img, 0x40, AOUT, A);
}

static void rebuild(uint32_t flags)
{
	tb_mb_header(img, 0x40, flags, A);
}

static void expect_fail(const uint8_t *buf, size_t len, int status, const char *field)
{
	struct multiboot_info_hdr mb;
	struct loader_err err;
	int r;

	memset(&err, 0, sizeof(err));
	r = multiboot_parse(buf, len, &mb, &err);
	ck_assert_msg(r == status, "status %d (%s: %s), want %d", r,
		      err.field ? err.field : "-", err.detail, status);
	ck_assert_int_eq(err.status, status);
	ck_assert_ptr_nonnull(err.field);
	ck_assert_str_eq(err.field, field);
}

static void expect_ok(const uint8_t *buf, size_t len, struct multiboot_info_hdr *mb)
{
	struct loader_err err;
	int r;

	memset(&err, 0, sizeof(err));
	r = multiboot_parse(buf, len, mb, &err);
	ck_assert_msg(r == 0, "multiboot_parse: %d %s: %s", r, err.field ? err.field : "-",
		      err.detail);
}

START_TEST(aout_kludge)
{
	struct multiboot_info_hdr mb;

	std_aout();
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.header_offset, 0x40);
	ck_assert_uint_eq(mb.flags, AOUT);
	ck_assert(mb.aout_kludge);
	ck_assert_uint_eq(mb.header_addr, 0x100040);
	ck_assert_uint_eq(mb.load_addr, 0x100000);
	ck_assert_uint_eq(mb.load_end_addr, 0x102000);
	ck_assert_uint_eq(mb.bss_end_addr, 0x104000);
	ck_assert_uint_eq(mb.entry_addr, 0x100080);
	ck_assert_uint_eq(mb.nsegments, 1);
	ck_assert_uint_eq(mb.seg[0].paddr, 0x100000);
	ck_assert_uint_eq(mb.seg[0].file_offset, 0);
	ck_assert_uint_eq(mb.seg[0].file_size, 0x2000);
	ck_assert_uint_eq(mb.seg[0].mem_size, 0x4000);
	ck_assert_uint_eq(mb.entry, 0x100080);
}
END_TEST

START_TEST(aout_defaults_and_offset)
{
	struct multiboot_info_hdr mb;

	/* load_end 0: to the end of the file; bss_end 0: no bss */
	std_aout();
	A[LOAD_END] = 0;
	A[BSS_END] = 0;
	rebuild(AOUT);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.seg[0].file_size, IMG_LEN);
	ck_assert_uint_eq(mb.seg[0].mem_size, IMG_LEN);

	/* text starts 0x20 into the file: header_addr - load_addr = 0x20 */
	std_aout();
	A[HDR_ADDR] = 0x200020;
	A[LOAD_ADDR] = 0x200000;
	A[LOAD_END] = 0;
	A[BSS_END] = 0;
	A[ENTRY] = 0x200020;
	rebuild(AOUT);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.seg[0].paddr, 0x200000);
	ck_assert_uint_eq(mb.seg[0].file_offset, 0x20);
	ck_assert_uint_eq(mb.seg[0].file_size, IMG_LEN - 0x20);
	ck_assert_uint_eq(mb.entry, 0x200020);

	/* exactly to the end of the file */
	std_aout();
	A[LOAD_END] = 0x100000 + IMG_LEN;
	rebuild(AOUT);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.seg[0].file_size, IMG_LEN);
	ck_assert_uint_eq(mb.seg[0].mem_size, 0x4000);
}
END_TEST

START_TEST(aout_inconsistent)
{
	std_aout();
	A[LOAD_ADDR] = 0x100044;	/* above header_addr */
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "load_addr");

	std_aout();
	A[LOAD_ADDR] = 0x0fffff;	/* text would start before the file */
	A[ENTRY] = 0x100000;
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "header_addr");

	std_aout();
	A[LOAD_END] = 0x0fffff;		/* below load_addr */
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "load_end_addr");

	std_aout();
	A[LOAD_END] = 0x100000 + IMG_LEN + 1;	/* one byte past the file */
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "load_end_addr");

	std_aout();
	A[LOAD_END] = 0xffffffff;
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "load_end_addr");

	std_aout();
	A[BSS_END] = 0x101fff;		/* below load_end */
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "bss_end_addr");

	std_aout();
	A[ENTRY] = 0x102000;		/* first byte after the text */
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_ENTRY, "entry_addr");

	std_aout();
	A[ENTRY] = 0xfffff;
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_ENTRY, "entry_addr");

	std_aout();
	A[LOAD_END] = A[LOAD_ADDR];	/* loads nothing */
	A[BSS_END] = 0;
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "load_end_addr");

	/* to the end of the file from just below 4 GiB: wraps */
	std_aout();
	A[HDR_ADDR] = 0xfffff040;
	A[LOAD_ADDR] = 0xfffff000;
	A[LOAD_END] = 0;
	A[BSS_END] = 0;
	A[ENTRY] = 0xfffff080;
	rebuild(AOUT);
	expect_fail(img, sizeof(img), LOADER_E_OVERFLOW, "load_end_addr");
}
END_TEST

START_TEST(aout_fields_past_file)
{
	/* header at the very end: magic/flags/checksum fit, address fields do not */
	memset(img, 0, sizeof(img));
	tb_mb_header(img, 0x1000, AOUT, NULL);
	expect_fail(img, 0x1000 + 12, LOADER_E_TRUNCATED, "header_addr");
	expect_fail(img, 0x1000 + 31, LOADER_E_TRUNCATED, "header_addr");
}
END_TEST

START_TEST(header_search)
{
	struct multiboot_info_hdr mb;
	uint32_t a[5] = { 0x101ff4, 0x100000, 0, 0, 0x100000 };

	/* last place the 12-byte header fits in 8 KiB */
	memset(img, 0, sizeof(img));
	tb_mb_header(img, 8192 - 12, AOUT, a);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.header_offset, 8180);

	memset(img, 0, sizeof(img));
	tb_mb_header(img, 8192 - 8, AOUT, a);
	expect_fail(img, sizeof(img), LOADER_E_NOT_FOUND, "multiboot header");

	memset(img, 0, sizeof(img));
	tb_mb_header(img, 8192, AOUT, a);
	expect_fail(img, sizeof(img), LOADER_E_NOT_FOUND, "multiboot header");

	/* not 4-byte aligned */
	memset(img, 0, sizeof(img));
	tb_mb_header(img, 0x42, AOUT, a);
	expect_fail(img, sizeof(img), LOADER_E_NOT_FOUND, "multiboot header");

	/* tiny files */
	expect_fail(img, 0, LOADER_E_NOT_FOUND, "multiboot header");
	expect_fail(img, 11, LOADER_E_NOT_FOUND, "multiboot header");
}
END_TEST

START_TEST(checksum)
{
	struct multiboot_info_hdr mb;

	std_aout();
	tb_put32(img + 0x48, tb_get32(img + 0x48) + 1);
	expect_fail(img, sizeof(img), LOADER_E_BAD_MAGIC, "checksum");

	/* a bad header before a good one: the good one is used */
	std_aout();
	tb_put32(img + 0x10, 0x1BADB002u);
	tb_put32(img + 0x14, 0);
	tb_put32(img + 0x18, 0x12345678);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.header_offset, 0x40);
}
END_TEST

START_TEST(flags)
{
	struct multiboot_info_hdr mb;
	struct loader_err err;
	unsigned bit;

	/* page-align, memory info, video mode, and the optional high bits */
	std_aout();
	rebuild(AOUT | 0x7 | 0xfffe0000u);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.flags, AOUT | 0x7 | 0xfffe0000u);

	for (bit = 3; bit < 16; bit++) {
		char want[32];

		std_aout();
		rebuild(AOUT | 1u << bit | 0x3);
		expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "flags");
		multiboot_parse(img, sizeof(img), &mb, &err);
		snprintf(want, sizeof(want), "required bit %u ", bit);
		ck_assert_msg(strstr(err.detail, want), "detail '%s' lacks '%s'", err.detail,
			      want);
	}
}
END_TEST

/* An ELF32 multiboot kernel (no a.out kludge). */
static size_t mb_elf(struct tb_elf *e, bool is64)
{
	memset(img, 0, sizeof(img));
	memset(e, 0, sizeof(*e));
	e->is64 = is64;
	e->entry = 0x10000c;
	e->nph = 2;
	e->ph[0] = (struct tb_ph){ 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x1000, 0x1000 };
	e->ph[1] = (struct tb_ph){ 1, 0x2000, 0x101000, 0x101000, 0x800, 0x5000, 0x1000 };
	tb_elf_write(e, img, sizeof(img));
	tb_mb_header(img, 0x1000, 0x3, NULL);
	return sizeof(img);
}

START_TEST(elf_kernel)
{
	struct multiboot_info_hdr mb;
	struct tb_elf e;

	mb_elf(&e, false);
	expect_ok(img, sizeof(img), &mb);
	ck_assert(!mb.aout_kludge);
	ck_assert_uint_eq(mb.header_offset, 0x1000);
	ck_assert_uint_eq(mb.nsegments, 2);
	ck_assert_uint_eq(mb.seg[0].paddr, 0x100000);
	ck_assert_uint_eq(mb.seg[0].file_offset, 0x1000);
	ck_assert_uint_eq(mb.seg[1].paddr, 0x101000);
	ck_assert_uint_eq(mb.seg[1].file_size, 0x800);
	ck_assert_uint_eq(mb.seg[1].mem_size, 0x5000);
	ck_assert_uint_eq(mb.entry, 0x10000c);

	/* higher-half ELF: the entry is translated through its segment */
	mb_elf(&e, false);
	e.entry = 0xc010000c;
	e.ph[0].vaddr = 0xc0100000;
	e.ph[1].vaddr = 0xc0101000;
	tb_elf_write(&e, img, sizeof(img));
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.entry, 0x10000c);

	/* ELF64 below 4 GiB is accepted */
	mb_elf(&e, true);
	expect_ok(img, sizeof(img), &mb);
	ck_assert_uint_eq(mb.nsegments, 2);

	/* ... above 4 GiB is not */
	mb_elf(&e, true);
	e.ph[1].paddr = 0x100000000ull;
	tb_elf_write(&e, img, sizeof(img));
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "p_paddr");

	/* ELF errors come through unchanged */
	mb_elf(&e, false);
	e.ph[1].paddr = 0x100800;
	tb_elf_write(&e, img, sizeof(img));
	expect_fail(img, sizeof(img), LOADER_E_OVERLAP, "p_paddr");

	mb_elf(&e, false);
	e.entry = 0x200000;
	tb_elf_write(&e, img, sizeof(img));
	expect_fail(img, sizeof(img), LOADER_E_ENTRY, "e_entry");
}
END_TEST

START_TEST(not_elf_without_kludge)
{
	memset(img, 0, sizeof(img));
	tb_mb_header(img, 0x40, 0x3, NULL);
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "flags");
}
END_TEST

/* ---- information structure ------------------------------------------------- */

static const struct e820_entry test_e820[] = {
	{ 0, 0x9fc00, E820_RAM },
	{ 0x9fc00, 0x400, E820_RESERVED },
	{ 0xf0000, 0x10000, E820_RESERVED },
	{ 0x100000, 0x7f00000, E820_RAM },
	{ 0x100000000ull, 0x40000000, E820_RAM },
};

START_TEST(info_layout)
{
	static const char cmd[] = "console=ttyS0 quiet";	/* 19 + NUL */
	struct multiboot_args a = {
		.e820 = test_e820, .e820_entries = 5, .info_addr = 0x9000,
		.cmdline = cmd, .mod_start = 0x400000, .mod_end = 0x480123,
		.mod_cmdline = "initrd",
	};
	struct loader_err err;
	uint8_t buf[1024];
	uint32_t at_cmd = 116, at_name = at_cmd + 20, at_modcmd = at_name + 8;
	uint32_t at_mods = (at_modcmd + 7 + 3) & ~3u, at_mmap = at_mods + 16;
	unsigned i;
	int n;

	memset(buf, 0xee, sizeof(buf));
	n = multiboot_info_build(&a, buf, sizeof(buf), &err);
	ck_assert_int_eq(n, (int)(at_mmap + 5 * 24));
	ck_assert_uint_eq(buf[n], 0xee);	/* nothing written past the end */

	/* flags: MEM | CMDLINE | MODS | MMAP | BOOT_LOADER_NAME */
	ck_assert_uint_eq(tb_get32(buf + 0), 0x24d);
	ck_assert_uint_eq(tb_get32(buf + 4), 639);		/* mem_lower KiB */
	ck_assert_uint_eq(tb_get32(buf + 8), 0x7f00000 / 1024);	/* mem_upper KiB */
	ck_assert_uint_eq(tb_get32(buf + 12), 0);		/* boot_device */
	ck_assert_uint_eq(tb_get32(buf + 16), 0x9000 + at_cmd);
	ck_assert_uint_eq(tb_get32(buf + 20), 1);		/* mods_count */
	ck_assert_uint_eq(tb_get32(buf + 24), 0x9000 + at_mods);
	for (i = 28; i < 44; i++)
		ck_assert_uint_eq(buf[i], 0);			/* syms */
	ck_assert_uint_eq(tb_get32(buf + 44), 5 * 24);		/* mmap_length */
	ck_assert_uint_eq(tb_get32(buf + 48), 0x9000 + at_mmap);
	for (i = 52; i < 64; i++)
		ck_assert_uint_eq(buf[i], 0);			/* drives, config */
	ck_assert_uint_eq(tb_get32(buf + 64), 0x9000 + at_name);
	for (i = 68; i < 116; i++)
		ck_assert_uint_eq(buf[i], 0);			/* apm, vbe, fb */

	ck_assert_str_eq((char *)buf + at_cmd, cmd);
	ck_assert_str_eq((char *)buf + at_name, "bringup");
	ck_assert_str_eq((char *)buf + at_modcmd, "initrd");

	ck_assert_uint_eq(tb_get32(buf + at_mods + 0), 0x400000);
	ck_assert_uint_eq(tb_get32(buf + at_mods + 4), 0x480123);
	ck_assert_uint_eq(tb_get32(buf + at_mods + 8), 0x9000 + at_modcmd);
	ck_assert_uint_eq(tb_get32(buf + at_mods + 12), 0);

	for (i = 0; i < 5; i++) {
		const uint8_t *m = buf + at_mmap + i * 24;

		ck_assert_uint_eq(tb_get32(m), 20);
		ck_assert_uint_eq(tb_get64(m + 4), test_e820[i].addr);
		ck_assert_uint_eq(tb_get64(m + 12), test_e820[i].size);
		ck_assert_uint_eq(tb_get32(m + 20), test_e820[i].type);
	}

	/* every smaller buffer is refused, and nothing is written */
	for (i = 0; i < (unsigned)n; i++) {
		memset(buf, 0xee, sizeof(buf));
		ck_assert_int_eq(multiboot_info_build(&a, buf, i, &err), LOADER_E_RANGE);
		ck_assert_str_eq(err.field, "multiboot info");
		ck_assert_uint_eq(buf[0], 0xee);
	}
}
END_TEST

START_TEST(info_minimal)
{
	struct multiboot_args a = { .info_addr = 0x10000 };
	struct loader_err err;
	uint8_t buf[256];
	int n;

	memset(buf, 0xee, sizeof(buf));
	n = multiboot_info_build(&a, buf, sizeof(buf), &err);
	ck_assert_int_eq(n, 116 + 8);
	ck_assert_uint_eq(tb_get32(buf + 0), 0x200);	/* only the loader name */
	ck_assert_uint_eq(tb_get32(buf + 4), 0);
	ck_assert_uint_eq(tb_get32(buf + 16), 0);
	ck_assert_uint_eq(tb_get32(buf + 20), 0);
	ck_assert_uint_eq(tb_get32(buf + 48), 0);
	ck_assert_uint_eq(tb_get32(buf + 64), 0x10000 + 116);

	/* a module without a command line gets an empty string */
	a.mod_start = 0x200000;
	a.mod_end = 0x200000;
	n = multiboot_info_build(&a, buf, sizeof(buf), &err);
	ck_assert_int_eq(n, 116 + 8 + 4 + 16);
	ck_assert_uint_eq(tb_get32(buf + 0), 0x208);
	ck_assert_uint_eq(buf[124], 0);
	ck_assert_uint_eq(tb_get32(buf + 24), 0x10000 + 128);
	ck_assert_uint_eq(tb_get32(buf + 128 + 8), 0x10000 + 124);
}
END_TEST

START_TEST(info_memory_split)
{
	/* RAM above 1 MiB split in two adjacent entries counts as one run */
	static const struct e820_entry e[] = {
		{ 0x100000, 0x100000, E820_RAM },
		{ 0x200000, 0x300000, E820_RAM },
		{ 0, 0x80000, E820_RAM },
		{ 0x600000, 0x100000, E820_RAM },	/* after a hole: not counted */
	};
	struct multiboot_args a = { .e820 = e, .e820_entries = 4, .info_addr = 0x1000 };
	struct loader_err err;
	uint8_t buf[512];

	ck_assert_int_gt(multiboot_info_build(&a, buf, sizeof(buf), &err), 0);
	ck_assert_uint_eq(tb_get32(buf + 4), 512);
	ck_assert_uint_eq(tb_get32(buf + 8), 4096);
}
END_TEST

START_TEST(info_errors)
{
	struct multiboot_args a = { .e820 = test_e820, .e820_entries = 5,
				    .info_addr = 0xffffff80u };
	struct loader_err err;
	uint8_t buf[512];

	ck_assert_int_eq(multiboot_info_build(&a, buf, sizeof(buf), &err), LOADER_E_OVERFLOW);
	ck_assert_str_eq(err.field, "info_addr");

	a.info_addr = 0x1000;
	a.mod_start = 0x300000;
	a.mod_end = 0x2fffff;
	ck_assert_int_eq(multiboot_info_build(&a, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "mod_end");

	a.mod_start = a.mod_end = 0;
	a.e820_entries = E820_MAX + 1;
	ck_assert_int_eq(multiboot_info_build(&a, buf, sizeof(buf), &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "e820_entries");
}
END_TEST

Suite *loader_multiboot_suite(void)
{
	Suite *s = suite_create("loader_multiboot");
	TCase *tc = tcase_create("multiboot");

	tcase_add_test(tc, aout_kludge);
	tcase_add_test(tc, aout_defaults_and_offset);
	tcase_add_test(tc, aout_inconsistent);
	tcase_add_test(tc, aout_fields_past_file);
	tcase_add_test(tc, header_search);
	tcase_add_test(tc, checksum);
	tcase_add_test(tc, flags);
	tcase_add_test(tc, elf_kernel);
	tcase_add_test(tc, not_elf_without_kludge);
	tcase_add_test(tc, info_layout);
	tcase_add_test(tc, info_minimal);
	tcase_add_test(tc, info_memory_split);
	tcase_add_test(tc, info_errors);
	suite_add_tcase(s, tc);
	return s;
}
