/*
 * The firmware's fast paths against plain references: e820_insert() on a
 * normalized map against add + normalize (random sequences and the
 * firmware's own carving), the table-loader's name compares on command
 * fields (bytes after a NUL ignored, a longer name refused) and its optional
 * sum callback, sum8() against a byte loop, and port.h's mem_eq/str_nlen.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/logic/fwlogic.h"

/* ---- e820_insert ------------------------------------------------------------ */

static void expect_same(const struct e820_map *a, const struct e820_map *b, const char *what)
{
	ck_assert_msg(a->nr == b->nr, "%s: %u entries, reference %u", what, a->nr, b->nr);
	for (u32 i = 0; i < a->nr; i++)
		ck_assert_msg(a->e[i].addr == b->e[i].addr && a->e[i].size == b->e[i].size &&
			      a->e[i].type == b->e[i].type,
			      "%s: entry %u %llx+%llx type %u, reference %llx+%llx type %u", what, i,
			      (unsigned long long)a->e[i].addr, (unsigned long long)a->e[i].size,
			      a->e[i].type, (unsigned long long)b->e[i].addr,
			      (unsigned long long)b->e[i].size, b->e[i].type);
}

static u32 rng_state = 12345;

static u32 rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Random ranges on a 64-unit grid: gaps, splits, spans and every type, holes too. */
START_TEST(e820_insert_matches_normalize)
{
	static struct e820_map m, ref;
	static const u32 types[] = { E820_HOLE, E820_RAM, E820_RESERVED, E820_ACPI, E820_NVS,
				     E820_UNUSABLE, 7, 12 };
	char what[64];

	for (int round = 0; round < 300; round++) {
		memset(&m, 0, sizeof(m));
		memset(&ref, 0, sizeof(ref));
		for (int step = 0; step < 12; step++) {
			u64 addr = (u64)(rng() % 64) * 0x1000 + (round & 1 ? 0xfff00000ULL : 0);
			u64 size = (u64)(rng() % 16 + 1) * 0x1000;
			u32 type = types[rng() % 8];

			ck_assert_int_eq(e820_insert(&m, addr, size, type), 0);
			ck_assert_int_eq(e820_add(&ref, addr, size, type), 0);
			ck_assert_int_ge(e820_normalize(&ref), 0);
			snprintf(what, sizeof(what), "round %d step %d", round, step);
			expect_same(&m, &ref, what);
		}
	}
}
END_TEST

/* What mem.c does: QEMU's RAM from 0, then the firmware's areas carved out. */
START_TEST(e820_insert_carves_firmware_areas)
{
	static struct e820_map m;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(e820_add(&m, 0, 0x20000000, E820_RAM), 0);
	ck_assert_int_eq(e820_add(&m, 0x100000000ULL, 0x40000000, E820_RAM), 0);
	ck_assert_int_eq(e820_normalize(&m), 2);
	ck_assert_int_eq(e820_insert(&m, 0x9fc00, 0x400, E820_RESERVED), 0);
	ck_assert_int_eq(e820_insert(&m, 0xa0000, 0x40000, E820_HOLE), 0);
	ck_assert_int_eq(e820_insert(&m, 0xe0000, 0x20000, E820_RESERVED), 0);
	ck_assert_int_eq(e820_insert(&m, 0xffff0000, 0x10000, E820_RESERVED), 0);
	ck_assert_int_eq(e820_insert(&m, 0x1ffff000, 0x1000, E820_RESERVED), 0);
	/* touching reserved neighbours merge; a weaker type inside changes nothing */
	ck_assert_int_eq(e820_insert(&m, 0x1fffe000, 0x1000, E820_RESERVED), 0);
	ck_assert_int_eq(e820_insert(&m, 0x9fc00, 0x100, E820_ACPI), 0);
	ck_assert_uint_eq(m.nr, 7);
	ck_assert(m.e[0].addr == 0 && m.e[0].size == 0x9fc00 && m.e[0].type == E820_RAM);
	ck_assert(m.e[1].addr == 0x9fc00 && m.e[1].size == 0x400 && m.e[1].type == E820_RESERVED);
	ck_assert(m.e[2].addr == 0xe0000 && m.e[2].size == 0x20000 && m.e[2].type == E820_RESERVED);
	ck_assert(m.e[3].addr == 0x100000 && m.e[3].size == 0x1fefe000 && m.e[3].type == E820_RAM);
	ck_assert(m.e[4].addr == 0x1fffe000 && m.e[4].size == 0x2000 &&
		  m.e[4].type == E820_RESERVED);
	ck_assert(m.e[5].addr == 0xffff0000 && m.e[5].size == 0x10000 &&
		  m.e[5].type == E820_RESERVED);
	ck_assert(m.e[6].addr == 0x100000000ULL && m.e[6].type == E820_RAM);
	ck_assert_uint_eq(e820_ram_end_below(&m, 0x100000000ULL), 0x1fffe000);
	/* a wrapping range and a full map are refused */
	ck_assert_int_eq(e820_insert(&m, ~0ULL - 10, 20, E820_RESERVED), -1);
	memset(&m, 0, sizeof(m));
	for (u32 i = 0; i < E820_MAX; i++)
		ck_assert_int_eq(e820_insert(&m, (u64)i * 0x2000, 0x1000, E820_RAM), 0);
	ck_assert_int_eq(e820_insert(&m, 0x10000000, 0x1000, E820_RAM), -1);
	ck_assert_int_eq(e820_insert(&m, 0x800, 0x100, E820_RESERVED), -1);	/* split: 3 */
	ck_assert_uint_eq(m.nr, E820_MAX);
	ck_assert(m.e[0].addr == 0 && m.e[0].size == 0x1000 && m.e[0].type == E820_RAM);
}
END_TEST


/* Inserting in[0..n) one by one into an empty map, the reference. */
static int insert_all(struct e820_map *m, const struct e820_entry *in, u32 n)
{
	memset(m, 0, sizeof(*m));
	for (u32 i = 0; i < n; i++)
		if (e820_insert(m, in[i].addr, in[i].size, in[i].type))
			return -1;
	return 0;
}

/*
 * Accepted lists come out sorted, exactly as the inserts leave them; random
 * lists on a coarse grid (overlaps, touching, empty, holes, unknown types)
 * exercise the refusals, and lists made disjoint are all accepted.
 */
START_TEST(e820_sorted_copy_matches_insert)
{
	static const u32 types[] = { E820_HOLE, E820_RAM, E820_RESERVED, E820_ACPI, 9 };
	static struct e820_map ref;
	struct e820_entry in[9], out[9];
	u32 accepted = 0, refused = 0;

	for (int round = 0; round < 4000; round++) {
		u32 n = rng() % 9, disjoint = round & 1;

		for (u32 i = 0; i < n; i++) {
			in[i].addr = (u64)(rng() % 16) * 0x1000 + (rng() % 4 == 0 ? 0xfd00000000ULL : 0);
			in[i].size = (u64)(rng() % 4) * 0x1000;
			in[i].type = types[rng() % 5];
			if (disjoint) {
				/* slot i of a shuffled grid: never overlapping, never touching */
				in[i].addr = (u64)((i * 5 + (u32)round) % 9) * 0x10000 + 0x1000;
				in[i].size = (rng() % 8 + 1) * 0x1000;
				in[i].type = types[rng() % 4 + 1];
			}
		}
		memset(out, 0xa5, sizeof(out));
		if (!e820_sorted_copy(out, in, n)) {
			ck_assert_msg(!disjoint, "round %d: a disjoint list refused", round);
			refused++;
			continue;
		}
		accepted++;
		ck_assert_int_eq(insert_all(&ref, in, n), 0);
		ck_assert_uint_eq(ref.nr, n);
		for (u32 i = 0; i < n; i++)
			ck_assert_msg(out[i].addr == ref.e[i].addr && out[i].size == ref.e[i].size &&
				      out[i].type == ref.e[i].type, "round %d entry %u", round, i);
	}
	ck_assert_uint_gt(refused, 500);
	ck_assert_uint_gt(accepted, 2000);
}
END_TEST

/* QEMU's pc list (the 1 TiB hole's reservation first) and each way to refuse one. */
START_TEST(e820_sorted_copy_qemu_and_refusals)
{
	struct e820_entry in[4] = {
		{ 0xfd00000000ULL, 0x300000000ULL, E820_RESERVED },
		{ 0, 0x20000000, E820_RAM },
		{ 0x100000000ULL, 0x40000000, E820_RAM },
		{ 0xffff0000, 0x10000, E820_RESERVED },
	}, out[4], bad[2];

	ck_assert(e820_sorted_copy(out, in, 4));
	ck_assert(out[0].addr == 0 && out[0].size == 0x20000000 && out[0].type == E820_RAM);
	ck_assert(out[1].addr == 0xffff0000 && out[1].type == E820_RESERVED);
	ck_assert(out[2].addr == 0x100000000ULL && out[2].type == E820_RAM);
	ck_assert(out[3].addr == 0xfd00000000ULL && out[3].size == 0x300000000ULL);
	ck_assert(e820_sorted_copy(out, in, 0));
	/* overlapping */
	bad[0] = (struct e820_entry){ 0x1000, 0x2000, E820_RAM };
	bad[1] = (struct e820_entry){ 0x2000, 0x1000, E820_RESERVED };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	/* touching with one type (they would merge); with two types they stay */
	bad[1] = (struct e820_entry){ 0x3000, 0x1000, E820_RAM };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	bad[1].type = E820_ACPI;
	ck_assert(e820_sorted_copy(out, bad, 2));
	/* two at one address, an empty one, a hole, a wrapping one */
	bad[1] = (struct e820_entry){ 0x1000, 0x2000, E820_ACPI };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	bad[1] = (struct e820_entry){ 0x8000, 0, E820_ACPI };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	bad[1] = (struct e820_entry){ 0x8000, 0x1000, E820_HOLE };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	bad[1] = (struct e820_entry){ ~0ULL - 0xfff, 0x2000, E820_RESERVED };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	/* to 2^64 exactly: its end wraps to 0, which e820_insert() refuses too */
	bad[1] = (struct e820_entry){ ~0ULL - 0xfff, 0x1000, E820_RESERVED };
	ck_assert(!e820_sorted_copy(out, bad, 2));
	ck_assert_int_eq(e820_insert(&(struct e820_map){ 0 }, bad[1].addr, bad[1].size, bad[1].type), -1);
}
END_TEST

/* ---- table-loader names and sums --------------------------------------------- */

static u8 files_tables[256], files_rsdp[20];
static u32 sum_calls, sum_bytes;

static int t_size(void *ctx, const char *name, u32 *size)
{
	if (!strcmp(name, "etc/acpi/tables"))
		*size = sizeof(files_tables);
	else if (!strcmp(name, "etc/acpi/rsdp"))
		*size = sizeof(files_rsdp);
	else
		return -1;
	return 0;
}

static u8 t_mem[1024];
static u32 t_used;

static int t_alloc(void *ctx, u32 size, u32 align, u8 zone, u8 **ptr, u64 *addr)
{
	if (t_used + size > sizeof(t_mem))
		return -1;
	*ptr = t_mem + t_used;
	*addr = 0x7fe00000ULL + t_used;
	t_used += (size + 15) & ~15u;
	return 0;
}

static int t_load(void *ctx, const char *name, u8 *ptr, u32 size)
{
	memcpy(ptr, !strcmp(name, "etc/acpi/tables") ? files_tables : files_rsdp, size);
	return 0;
}

static int t_wp(void *ctx, const char *name, u32 off, u64 value, u8 size)
{
	return 0;
}

static u32 t_errors[8], t_nerr;

static void t_error(void *ctx, u32 index, u32 cmd, enum tl_err err)
{
	if (t_nerr < 8)
		t_errors[t_nerr] = err;
	t_nerr++;
}

/* a sum callback that answers wrong by one: its answer must be the one used */
static u8 t_sum(const void *p, u32 len)
{
	sum_calls++;
	sum_bytes += len;
	return (u8)(sum8(p, len) + 1);
}

static u8 *cmd(u8 *script, int i, u32 type)
{
	u8 *c = script + i * TL_ENTRY_SIZE;

	put_le32(c, type);
	return c + 4;
}

START_TEST(tl_field_names_and_sum_callback)
{
	static struct tl_state st;
	static u8 script[6 * TL_ENTRY_SIZE];
	const struct tl_ops ops = { t_size, t_alloc, t_load, t_wp, t_error, t_sum };
	u8 *a;

	for (u32 i = 0; i < sizeof(files_tables); i++)
		files_tables[i] = (u8)(i * 7 + 3);
	memset(files_rsdp, 0, sizeof(files_rsdp));
	memset(script, 0, sizeof(script));
	t_used = t_nerr = sum_calls = sum_bytes = 0;
	a = cmd(script, 0, TL_CMD_ALLOCATE);
	strcpy((char *)a, "etc/acpi/tables");
	put_le32(a + 56, 16);
	a[60] = TL_ZONE_HIGH;
	a = cmd(script, 1, TL_CMD_ALLOCATE);
	strcpy((char *)a, "etc/acpi/rsdp");
	put_le32(a + 56, 16);
	a[60] = TL_ZONE_FSEG;
	/* bytes after the field's NUL do not matter */
	a = cmd(script, 2, TL_CMD_ADD_POINTER);
	strcpy((char *)a, "etc/acpi/rsdp");
	memcpy(a + 14, "garbage", 7);
	strcpy((char *)a + 56, "etc/acpi/tables");
	memset(a + 56 + 16, 0xee, 40);
	put_le32(a + 112, 16);
	a[116] = 4;
	/* a longer name is another file, not a prefix match */
	a = cmd(script, 3, TL_CMD_ADD_POINTER);
	strcpy((char *)a, "etc/acpi/tablesX");
	strcpy((char *)a + 56, "etc/acpi/tables");
	a[116] = 4;
	a = cmd(script, 4, TL_CMD_ADD_CHECKSUM);
	strcpy((char *)a, "etc/acpi/tables");
	put_le32(a + 56, 9);
	put_le32(a + 60, 0);
	put_le32(a + 64, 200);
	tl_init(&st, &ops, NULL);
	ck_assert_int_eq(tl_run(&st, script, 5 * TL_ENTRY_SIZE), 1);
	ck_assert_uint_eq(t_nerr, 1);
	ck_assert_uint_eq(t_errors[0], TL_ERR_NOT_ALLOCATED);

	const struct tl_blob *t = tl_find(&st, "etc/acpi/tables");
	const struct tl_blob *r = tl_find(&st, "etc/acpi/rsdp");
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(tl_find(&st, "etc/acpi/table"));
	ck_assert_ptr_null(tl_find(&st, "etc/acpi/tablesX"));
	ck_assert_uint_eq(t->name_len, 15);
	ck_assert_uint_eq(get_le32(r->ptr + 16), (u32)t->addr);
	/* the callback ran once over the range and its (off by one) answer went in */
	ck_assert_uint_eq(sum_calls, 1);
	ck_assert_uint_eq(sum_bytes, 200);
	ck_assert_uint_eq(sum8(t->ptr, 200), (u8)-1);
}
END_TEST

/* ---- sum8 and the string helpers ------------------------------------------------ */

START_TEST(sum8_matches_byte_loop)
{
	static u8 buf[70000 + 8];

	for (u32 i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(rng() >> 3);
	for (u32 off = 0; off < 8; off++) {
		for (u32 len = 0; len < 300; len++) {
			u8 want = 0;

			for (u32 i = 0; i < len; i++)
				want += buf[off + i];
			ck_assert_msg(sum8(buf + off, len) == want, "off %u len %u", off, len);
		}
	}
	/* more than 256 words: the lanes fold before they could carry */
	memset(buf, 0xff, sizeof(buf));
	ck_assert_uint_eq(sum8(buf, 70000), (u8)(70000u * 0xff));
	ck_assert_uint_eq(sum8(buf + 1, 69999), (u8)(69999u * 0xff));
}
END_TEST

START_TEST(port_mem_eq_and_str_nlen)
{
	static const char a[] = "etc/acpi/tables", b[] = "etc/acpi/tablez";

	ck_assert(mem_eq(a, b, 14));
	ck_assert(!mem_eq(a, b, 15));
	ck_assert(mem_eq(a, b, 0));
	ck_assert(!mem_eq("x", "y", 1));
	ck_assert_uint_eq(str_nlen(a, 56), 15);
	ck_assert_uint_eq(str_nlen(a, 16), 15);
	ck_assert_uint_eq(str_nlen(a, 15), 15);	/* no NUL within 15: 15 */
	ck_assert_uint_eq(str_nlen(a, 3), 3);
	ck_assert_uint_eq(str_nlen("", 5), 0);
	ck_assert_uint_eq(str_nlen(a, 0), 0);
}
END_TEST

Suite *firmware_fast_suite(void)
{
	Suite *s = suite_create("firmware_fast");
	TCase *tc = tcase_create("fast");

	tcase_add_test(tc, e820_insert_matches_normalize);
	tcase_add_test(tc, e820_insert_carves_firmware_areas);
	tcase_add_test(tc, e820_sorted_copy_matches_insert);
	tcase_add_test(tc, e820_sorted_copy_qemu_and_refusals);
	tcase_add_test(tc, tl_field_names_and_sum_callback);
	tcase_add_test(tc, sum8_matches_byte_loop);
	tcase_add_test(tc, port_mem_eq_and_str_nlen);
	suite_add_tcase(s, tc);
	return s;
}
