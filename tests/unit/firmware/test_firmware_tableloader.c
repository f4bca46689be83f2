/*
 * The table-loader interpreter on the host (firmware/logic/tableloader.c):
 * good scripts, long and unaligned checksums, bad commands reported one by
 * one and never fatal, pointer sizes and edges, names and command numbers,
 * and the order its checks are made in. Fake fw_cfg files stand in.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/logic/fwlogic.h"

/* ---- table-loader -------------------------------------------------------- */

struct fake_file {
	const char *name;
	u8 data[4096];
	u32 size;
};

struct fake {
	struct fake_file files[4];
	u8 mem[8192];
	u32 used;
	u64 base;
	int errors[32];
	u32 err_index[32];
	u32 nerr;
	char wp_name[64];
	u32 wp_off;
	u64 wp_value;
	u8 wp_size;
};

static struct fake_file *fake_find(struct fake *f, const char *name)
{
	for (int i = 0; i < 4; i++)
		if (f->files[i].name && !strcmp(f->files[i].name, name))
			return &f->files[i];
	return NULL;
}

static int f_size(void *ctx, const char *name, u32 *size)
{
	struct fake_file *ff = fake_find(ctx, name);

	if (!ff)
		return -1;
	*size = ff->size;
	return 0;
}

static int f_alloc(void *ctx, u32 size, u32 align, u8 zone, u8 **ptr, u64 *addr)
{
	struct fake *f = ctx;
	u32 at = (f->used + align - 1) & ~(align - 1);

	if (at + size > sizeof(f->mem))
		return -1;
	f->used = at + size;
	*ptr = f->mem + at;
	*addr = f->base + at + (zone == TL_ZONE_FSEG ? 0x10000000 : 0);
	return 0;
}

static int f_load(void *ctx, const char *name, u8 *ptr, u32 size)
{
	struct fake_file *ff = fake_find(ctx, name);

	memcpy(ptr, ff->data, size);
	return 0;
}

static int f_wp(void *ctx, const char *name, u32 off, u64 value, u8 size)
{
	struct fake *f = ctx;

	snprintf(f->wp_name, sizeof(f->wp_name), "%s", name);
	f->wp_off = off;
	f->wp_value = value;
	f->wp_size = size;
	return 0;
}

static void f_error(void *ctx, u32 index, u32 cmd, enum tl_err err)
{
	struct fake *f = ctx;

	if (f->nerr < 32) {
		f->errors[f->nerr] = err;
		f->err_index[f->nerr++] = index;
	}
}

static const struct tl_ops fake_ops = { f_size, f_alloc, f_load, f_wp, f_error };

static u8 *cmd_at(u8 *script, int i, u32 cmd)
{
	u8 *c = script + i * TL_ENTRY_SIZE;

	put_le32(c, cmd);
	return c + 4;
}

static void cmd_alloc(u8 *s, int i, const char *name, u32 align, u8 zone)
{
	u8 *a = cmd_at(s, i, TL_CMD_ALLOCATE);

	strcpy((char *)a, name);
	put_le32(a + 56, align);
	a[60] = zone;
}

static void cmd_ptr(u8 *s, int i, const char *dst, const char *src, u32 off, u8 size)
{
	u8 *a = cmd_at(s, i, TL_CMD_ADD_POINTER);

	strcpy((char *)a, dst);
	strcpy((char *)a + 56, src);
	put_le32(a + 112, off);
	a[116] = size;
}

static void cmd_csum(u8 *s, int i, const char *file, u32 off, u32 start, u32 len)
{
	u8 *a = cmd_at(s, i, TL_CMD_ADD_CHECKSUM);

	strcpy((char *)a, file);
	put_le32(a + 56, off);
	put_le32(a + 60, start);
	put_le32(a + 64, len);
}

static void fake_setup(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->base = 0x7ff00000;
	f->files[0].name = "etc/acpi/rsdp";
	f->files[0].size = 20;
	memcpy(f->files[0].data, "RSD PTR ", 8);
	put_le32(f->files[0].data + 16, 0x40);	/* offset of the RSDT inside tables */
	f->files[1].name = "etc/acpi/tables";
	f->files[1].size = 128;
	for (int i = 0; i < 128; i++)
		f->files[1].data[i] = (u8)i;
	f->files[2].name = "etc/vmgenid_addr";
	f->files[2].size = 8;
}

START_TEST(tl_good_script)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[8 * TL_ENTRY_SIZE];

	fake_setup(&f);
	memset(script, 0, sizeof(script));
	cmd_alloc(script, 0, "etc/acpi/tables", 64, TL_ZONE_HIGH);
	cmd_alloc(script, 1, "etc/acpi/rsdp", 16, TL_ZONE_FSEG);
	cmd_ptr(script, 2, "etc/acpi/rsdp", "etc/acpi/tables", 16, 4);
	cmd_csum(script, 3, "etc/acpi/rsdp", 8, 0, 20);
	u8 *w = cmd_at(script, 4, TL_CMD_WRITE_POINTER);
	strcpy((char *)w, "etc/vmgenid_addr");
	strcpy((char *)w + 56, "etc/acpi/tables");
	put_le32(w + 112, 0);
	put_le32(w + 116, 0x28);
	w[120] = 8;
	/* entries 5-7 stay zero: QEMU's padding, silently skipped */
	tl_init(&st, &fake_ops, &f);
	ck_assert_int_eq(tl_run(&st, script, sizeof(script)), 0);
	ck_assert_uint_eq(f.nerr, 0);

	const struct tl_blob *t = tl_find(&st, "etc/acpi/tables");
	const struct tl_blob *r = tl_find(&st, "etc/acpi/rsdp");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(t->addr, 0x7ff00000);
	ck_assert_uint_eq(r->addr, 0x7ff00000ULL + 128 + 0x10000000);
	ck_assert_uint_eq(get_le32(r->ptr + 16), 0x7ff00040);
	u8 sum = 0;
	for (int i = 0; i < 20; i++)
		sum += r->ptr[i];
	ck_assert_uint_eq(sum, 0);
	ck_assert_str_eq(f.wp_name, "etc/vmgenid_addr");
	ck_assert_uint_eq(f.wp_value, 0x7ff00028);
	ck_assert_uint_eq(f.wp_size, 8);
	ck_assert_ptr_null(tl_find(&st, "etc/acpi/nope"));
}
END_TEST

/* A DSDT-sized range at odd offsets: the word-wise byte sum must match a plain one. */
START_TEST(tl_checksum_long_unaligned)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[3 * TL_ENTRY_SIZE];
	static const u32 lens[] = { 4000, 2049, 515, 7, 1, 0 };

	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		fake_setup(&f);
		f.files[1].size = 4096;
		for (int i = 0; i < 4096; i++)
			f.files[1].data[i] = (u8)(i * 37 + (i >> 7) + 0xc9);
		memset(script, 0, sizeof(script));
		cmd_alloc(script, 0, "etc/acpi/tables", 64, TL_ZONE_HIGH);
		/* the field inside the range, at an offset no word boundary matches */
		cmd_csum(script, 1, "etc/acpi/tables", 3 + lens[k] / 2, 3, lens[k]);
		tl_init(&st, &fake_ops, &f);
		ck_assert_int_eq(tl_run(&st, script, sizeof(script)), 0);
		const struct tl_blob *t = tl_find(&st, "etc/acpi/tables");
		u8 sum = 0;
		for (u32 i = 3; i < 3 + lens[k]; i++)
			sum += t->ptr[i];
		ck_assert_msg(sum == 0, "len %u: sum %u", lens[k], sum);
		/* and only the field changed (an empty range changes nothing) */
		for (u32 i = 0; i < 4096; i++)
			if (i != 3 + lens[k] / 2 || !lens[k])
				ck_assert_uint_eq(t->ptr[i], f.files[1].data[i]);
	}
}
END_TEST

START_TEST(tl_bad_commands_reported_not_fatal)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[12 * TL_ENTRY_SIZE + 5];

	fake_setup(&f);
	memset(script, 0, sizeof(script));
	cmd_alloc(script, 0, "etc/acpi/tables", 64, TL_ZONE_HIGH);
	cmd_at(script, 1, 0x99);					/* unknown */
	cmd_ptr(script, 2, "etc/acpi/tables", "etc/acpi/tables", 126, 4);	/* out of range */
	cmd_ptr(script, 3, "etc/acpi/tables", "etc/acpi/tables", 0, 3);	/* bad size */
	cmd_ptr(script, 4, "etc/acpi/tables", "etc/acpi/rsdp", 0, 4);	/* never allocated */
	cmd_alloc(script, 5, "etc/acpi/missing", 64, TL_ZONE_HIGH);	/* no such file */
	u8 *a = cmd_at(script, 6, TL_CMD_ALLOCATE);			/* name not terminated */
	memset(a, 'A', 56);
	cmd_alloc(script, 7, "etc/acpi/rsdp", 24, TL_ZONE_HIGH);	/* align 24 */
	cmd_alloc(script, 8, "etc/acpi/rsdp", 16, 7);			/* bad zone */
	cmd_csum(script, 9, "etc/acpi/tables", 0, 100, 29);		/* start+len > size */
	cmd_alloc(script, 10, "etc/acpi/tables", 64, TL_ZONE_HIGH);	/* twice */
	cmd_csum(script, 11, "etc/acpi/tables", 127, 0, 128);		/* fine */
	tl_init(&st, &fake_ops, &f);
	ck_assert_int_eq(tl_run(&st, script, sizeof(script)), 11);
	const int want[] = { TL_ERR_UNKNOWN_CMD, TL_ERR_RANGE, TL_ERR_BAD_SIZE,
			     TL_ERR_NOT_ALLOCATED, TL_ERR_NO_FILE, TL_ERR_BAD_NAME,
			     TL_ERR_BAD_ALIGN, TL_ERR_BAD_ZONE, TL_ERR_RANGE, TL_ERR_DUPLICATE,
			     TL_ERR_TRUNCATED };
	const u32 at[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12 };
	ck_assert_uint_eq(f.nerr, 11);
	for (int i = 0; i < 11; i++) {
		ck_assert_int_eq(f.errors[i], want[i]);
		ck_assert_uint_eq(f.err_index[i], at[i]);
	}
	/* the good checksum made the whole table sum to zero; data untouched otherwise */
	const struct tl_blob *t = tl_find(&st, "etc/acpi/tables");
	u8 sum = 0;
	for (int i = 0; i < 128; i++)
		sum += t->ptr[i];
	ck_assert_uint_eq(sum, 0);
	ck_assert_uint_eq(get_le32(t->ptr), 0x03020100);
	ck_assert_str_eq(tl_strerror(TL_ERR_UNKNOWN_CMD), "unknown command");
}
END_TEST

START_TEST(tl_write_pointer_checks)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[3 * TL_ENTRY_SIZE];
	u8 *w;

	fake_setup(&f);
	memset(script, 0, sizeof(script));
	cmd_alloc(script, 0, "etc/acpi/tables", 64, TL_ZONE_HIGH);
	w = cmd_at(script, 1, TL_CMD_WRITE_POINTER);
	strcpy((char *)w, "etc/vmgenid_addr");
	strcpy((char *)w + 56, "etc/acpi/tables");
	put_le32(w + 112, 4);		/* 4 + 8 > 8 bytes of the file */
	w[120] = 8;
	w = cmd_at(script, 2, TL_CMD_WRITE_POINTER);
	strcpy((char *)w, "etc/nonexistent");
	strcpy((char *)w + 56, "etc/acpi/tables");
	w[120] = 4;
	tl_init(&st, &fake_ops, &f);
	ck_assert_int_eq(tl_run(&st, script, sizeof(script)), 2);
	ck_assert_int_eq(f.errors[0], TL_ERR_RANGE);
	ck_assert_int_eq(f.errors[1], TL_ERR_NO_FILE);
	ck_assert_str_eq(f.wp_name, "");
}
END_TEST

START_TEST(tl_too_many_files)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[(TL_MAX_BLOBS + 1) * TL_ENTRY_SIZE];

	fake_setup(&f);
	/* tiny files so memory is not the limit */
	memset(script, 0, sizeof(script));
	tl_init(&st, &fake_ops, &f);
	for (int i = 0; i <= TL_MAX_BLOBS; i++)
		st.nr = (u32)i < TL_MAX_BLOBS ? st.nr : st.nr;
	for (u32 i = 0; i < TL_MAX_BLOBS; i++) {
		st.blob[i].name_len = (u8)snprintf(st.blob[i].name, TL_NAME_SIZE, "x%u", i);
		st.nr++;
	}
	cmd_alloc(script, 0, "etc/acpi/rsdp", 16, TL_ZONE_FSEG);
	ck_assert_int_eq(tl_run(&st, script, TL_ENTRY_SIZE), 1);
	ck_assert_int_eq(f.errors[0], TL_ERR_TOO_MANY);
}
END_TEST

/* Every pointer size, at the blob's last bytes and one past them, and the checks' order. */
START_TEST(tl_pointer_sizes_and_edges)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[16 * TL_ENTRY_SIZE];
	u8 want[128];
	const u64 rsdp = 0x7ff00000ULL + 128 + 0x10000000;

	fake_setup(&f);
	for (int i = 0; i < 128; i++)
		f.files[1].data[i] = (u8)(0xf0 + i * 13);
	memset(script, 0, sizeof(script));
	cmd_alloc(script, 0, "etc/acpi/tables", 64, TL_ZONE_HIGH);
	cmd_alloc(script, 1, "etc/acpi/rsdp", 16, TL_ZONE_FSEG);
	cmd_ptr(script, 2, "etc/acpi/tables", "etc/acpi/rsdp", 0, 1);
	cmd_ptr(script, 3, "etc/acpi/tables", "etc/acpi/rsdp", 0x21, 2);	/* odd offset */
	cmd_ptr(script, 4, "etc/acpi/tables", "etc/acpi/rsdp", 0x42, 4);
	cmd_ptr(script, 5, "etc/acpi/tables", "etc/acpi/rsdp", 120, 8);	/* the last 8 bytes */
	cmd_ptr(script, 6, "etc/acpi/tables", "etc/acpi/rsdp", 121, 8);	/* one past */
	cmd_ptr(script, 7, "etc/acpi/tables", "etc/acpi/rsdp", 0xffffffff, 1);	/* off + size wraps */
	cmd_ptr(script, 8, "etc/acpi/tables", "etc/acpi/rsdp", 0, 0);
	cmd_ptr(script, 9, "etc/acpi/tables", "etc/acpi/rsdp", 0, 16);
	cmd_ptr(script, 10, "etc/acpi/nope", "etc/acpi/rsdp", 0, 3);	/* dst first */
	cmd_ptr(script, 11, "etc/acpi/tables", "", 0, 3);		/* then src */
	u8 *a = cmd_at(script, 12, TL_CMD_ADD_POINTER);		/* src unterminated */
	strcpy((char *)a, "etc/acpi/tables");
	memset(a + 56, 'e', 56);
	a[116] = 4;
	cmd_ptr(script, 13, "etc/acpi/tables", "etc/acpi/nope", 127, 1);	/* fine but for src */
	cmd_ptr(script, 14, "etc/acpi/rsdp", "etc/acpi/rsdp", 19, 1);	/* the last byte */
	cmd_ptr(script, 15, "etc/acpi/rsdp", "etc/acpi/rsdp", 20, 1);
	tl_init(&st, &fake_ops, &f);
	ck_assert_int_eq(tl_run(&st, script, sizeof(script)), 9);
	const int errs[] = { TL_ERR_RANGE, TL_ERR_RANGE, TL_ERR_BAD_SIZE, TL_ERR_BAD_SIZE,
			     TL_ERR_NOT_ALLOCATED, TL_ERR_BAD_NAME, TL_ERR_BAD_NAME,
			     TL_ERR_NOT_ALLOCATED, TL_ERR_RANGE };
	const u32 at[] = { 6, 7, 8, 9, 10, 11, 12, 13, 15 };
	ck_assert_uint_eq(f.nerr, 9);
	for (int i = 0; i < 9; i++) {
		ck_assert_int_eq(f.errors[i], errs[i]);
		ck_assert_uint_eq(f.err_index[i], at[i]);
	}
	/* the sums, little-endian and truncated to the size; nothing else written */
	memcpy(want, f.files[1].data, 128);
	want[0] = (u8)(want[0] + rsdp);
	put_le16(want + 0x21, (u16)(get_le16(want + 0x21) + rsdp));
	put_le32(want + 0x42, (u32)(get_le32(want + 0x42) + rsdp));
	put_le64(want + 120, get_le64(want + 120) + rsdp);
	const struct tl_blob *t = tl_find(&st, "etc/acpi/tables");
	ck_assert_mem_eq(t->ptr, want, 128);
	const struct tl_blob *r = tl_find(&st, "etc/acpi/rsdp");
	ck_assert_uint_eq(r->ptr[19], 0x80);
	ck_assert_uint_eq(get_le32(r->ptr + 16), 0x80000040);
	/* tl_addr: the address, or 0 for a name never allocated */
	ck_assert_uint_eq(tl_addr(&st, "etc/acpi/rsdp"), rsdp);
	ck_assert_uint_eq(tl_addr(&st, "etc/acpi/tables"), 0x7ff00000);
	ck_assert_uint_eq(tl_addr(&st, "etc/acpi/tables2"), 0);
	ck_assert_uint_eq(tl_addr(&st, ""), 0);
}
END_TEST

/* Names of 55 characters (the longest) and 56 (no NUL), commands above 4. */
START_TEST(tl_name_lengths_and_command_numbers)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[8 * TL_ENTRY_SIZE];
	char longest[56];

	fake_setup(&f);
	memset(longest, 'n', 55);
	longest[55] = 0;
	f.files[3].name = longest;
	f.files[3].size = 8;
	memcpy(f.files[3].data, "12345678", 8);
	memset(script, 0, sizeof(script));
	cmd_alloc(script, 0, longest, 0, TL_ZONE_HIGH);			/* align 0 means 1 */
	u8 *a = cmd_at(script, 1, TL_CMD_ALLOCATE);			/* 56 bytes, no NUL */
	memset(a, 'n', 56);
	a[60] = TL_ZONE_HIGH;
	cmd_at(script, 2, 5);
	cmd_at(script, 3, 0xffffffff);
	cmd_csum(script, 4, longest, 7, 0, 8);
	a = cmd_at(script, 5, TL_CMD_ALLOCATE);			/* the same name, garbage after */
	strcpy((char *)a, longest);
	a[60] = TL_ZONE_HIGH;
	memset(a + 61, 0xff, 63);
	a = cmd_at(script, 6, TL_CMD_ADD_CHECKSUM);			/* empty name */
	put_le32(a + 64, 1);
	tl_init(&st, &fake_ops, &f);
	ck_assert_int_eq(tl_run(&st, script, 7 * TL_ENTRY_SIZE), 5);
	const int errs[] = { TL_ERR_BAD_NAME, TL_ERR_UNKNOWN_CMD, TL_ERR_UNKNOWN_CMD,
			     TL_ERR_DUPLICATE, TL_ERR_BAD_NAME };
	const u32 at[] = { 1, 2, 3, 5, 6 };
	ck_assert_uint_eq(f.nerr, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(f.errors[i], errs[i]);
		ck_assert_uint_eq(f.err_index[i], at[i]);
	}
	ck_assert_uint_eq(st.nr, 1);
	const struct tl_blob *b = tl_find(&st, longest);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->name_len, 55);
	ck_assert_uint_eq(b->addr, 0x7ff00000);
	u8 sum = 0;
	for (int i = 0; i < 8; i++)
		sum += b->ptr[i];
	ck_assert_uint_eq(sum, 0);
	ck_assert_mem_eq(b->ptr, "1234567", 7);
}
END_TEST

/* WRITE_POINTER's checks in their order: its file's name, src, size, range. */
START_TEST(tl_write_pointer_check_order)
{
	static struct fake f;
	static struct tl_state st;
	u8 script[5 * TL_ENTRY_SIZE];
	u8 *w;

	fake_setup(&f);
	memset(script, 0, sizeof(script));
	cmd_alloc(script, 0, "etc/acpi/tables", 64, TL_ZONE_HIGH);
	w = cmd_at(script, 1, TL_CMD_WRITE_POINTER);			/* empty file name */
	strcpy((char *)w + 56, "etc/acpi/nope");
	w[120] = 3;
	w = cmd_at(script, 2, TL_CMD_WRITE_POINTER);			/* src unterminated */
	strcpy((char *)w, "etc/vmgenid_addr");
	memset(w + 56, 's', 56);
	w[120] = 3;
	w = cmd_at(script, 3, TL_CMD_WRITE_POINTER);			/* src not allocated */
	strcpy((char *)w, "etc/vmgenid_addr");
	strcpy((char *)w + 56, "etc/acpi/rsdp");
	w[120] = 3;
	w = cmd_at(script, 4, TL_CMD_WRITE_POINTER);			/* bad size */
	strcpy((char *)w, "etc/nonexistent");
	strcpy((char *)w + 56, "etc/acpi/tables");
	w[120] = 3;
	tl_init(&st, &fake_ops, &f);
	ck_assert_int_eq(tl_run(&st, script, sizeof(script)), 4);
	ck_assert_int_eq(f.errors[0], TL_ERR_BAD_NAME);
	ck_assert_int_eq(f.errors[1], TL_ERR_BAD_NAME);
	ck_assert_int_eq(f.errors[2], TL_ERR_NOT_ALLOCATED);
	ck_assert_int_eq(f.errors[3], TL_ERR_BAD_SIZE);
	ck_assert_str_eq(f.wp_name, "");
}
END_TEST

Suite *firmware_tableloader_suite(void)
{
	Suite *s = suite_create("firmware_tableloader");
	TCase *tc = tcase_create("table_loader");

	tcase_add_test(tc, tl_good_script);
	tcase_add_test(tc, tl_checksum_long_unaligned);
	tcase_add_test(tc, tl_bad_commands_reported_not_fatal);
	tcase_add_test(tc, tl_write_pointer_checks);
	tcase_add_test(tc, tl_too_many_files);
	tcase_add_test(tc, tl_pointer_sizes_and_edges);
	tcase_add_test(tc, tl_name_lengths_and_command_numbers);
	tcase_add_test(tc, tl_write_pointer_check_order);
	suite_add_tcase(s, tc);
	return s;
}
