/*
 * The firmware's pure logic on the host: e820 merging, PCI resource
 * assignment, the table-loader interpreter with good and bad scripts, and
 * boot_params filling. Each test states exact results.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/logic/fwlogic.h"

/* ---- e820 ------------------------------------------------------------------ */

static void expect_entry(const struct e820_map *m, u32 i, u64 addr, u64 size, u32 type)
{
	ck_assert_uint_lt(i, m->nr);
	ck_assert_msg(m->e[i].addr == addr && m->e[i].size == size && m->e[i].type == type,
		      "entry %u: %llx+%llx type %u, want %llx+%llx type %u", i,
		      (unsigned long long)m->e[i].addr, (unsigned long long)m->e[i].size,
		      m->e[i].type, (unsigned long long)addr, (unsigned long long)size, type);
}

START_TEST(e820_reserved_wins_and_sorts)
{
	static struct e820_map m;

	memset(&m, 0, sizeof(m));
	/* QEMU's view: one RAM range from 0; the firmware carves its areas out of it */
	ck_assert_int_eq(e820_add(&m, 0x100000000ULL, 0x40000000, E820_RAM), 0);
	ck_assert_int_eq(e820_add(&m, 0, 0x20000000, E820_RAM), 0);
	ck_assert_int_eq(e820_add(&m, 0x9fc00, 0x400, E820_RESERVED), 0);
	ck_assert_int_eq(e820_add(&m, 0xa0000, 0x40000, E820_HOLE), 0);
	ck_assert_int_eq(e820_add(&m, 0xe0000, 0x20000, E820_RESERVED), 0);
	ck_assert_int_eq(e820_add(&m, 0x1ffe0000, 0x20000, E820_ACPI), 0);
	/* reserved overlapping the ACPI range's end and going past RAM */
	ck_assert_int_eq(e820_add(&m, 0x1fff0000, 0x20000, E820_RESERVED), 0);
	ck_assert_int_eq(e820_normalize(&m), 7);
	expect_entry(&m, 0, 0, 0x9fc00, E820_RAM);
	expect_entry(&m, 1, 0x9fc00, 0x400, E820_RESERVED);
	expect_entry(&m, 2, 0xe0000, 0x20000, E820_RESERVED);
	expect_entry(&m, 3, 0x100000, 0x1fee0000, E820_RAM);
	expect_entry(&m, 4, 0x1ffe0000, 0x10000, E820_ACPI);
	expect_entry(&m, 5, 0x1fff0000, 0x20000, E820_RESERVED);
	expect_entry(&m, 6, 0x100000000ULL, 0x40000000, E820_RAM);
}
END_TEST

START_TEST(e820_merges_neighbours_and_duplicates)
{
	static struct e820_map m;

	memset(&m, 0, sizeof(m));
	e820_add(&m, 0x2000, 0x1000, E820_RAM);
	e820_add(&m, 0x0, 0x1000, E820_RAM);
	e820_add(&m, 0x1000, 0x1000, E820_RAM);
	e820_add(&m, 0x0, 0x3000, E820_RAM);		/* duplicate cover */
	e820_add(&m, 0x5000, 0x1000, E820_RESERVED);
	e820_add(&m, 0x5800, 0x1000, E820_RESERVED);	/* overlapping reserved merge */
	ck_assert_int_eq(e820_normalize(&m), 2);
	expect_entry(&m, 0, 0, 0x3000, E820_RAM);
	expect_entry(&m, 1, 0x5000, 0x1800, E820_RESERVED);
	ck_assert_uint_eq(e820_ram_end_below(&m, 0x100000000ULL), 0x3000);
}
END_TEST

START_TEST(e820_rejects_wrap_and_overflow)
{
	static struct e820_map m;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(e820_add(&m, ~0ULL - 0xfff, 0x2000, E820_RAM), -1);
	ck_assert_int_eq(e820_add(&m, 0x1000, 0, E820_RAM), 0);
	ck_assert_uint_eq(m.nr, 0);
	for (u32 i = 0; i < E820_MAX; i++)
		ck_assert_int_eq(e820_add(&m, (u64)i * 0x2000, 0x1000, i & 1 ? E820_RAM : E820_NVS), 0);
	ck_assert_int_eq(e820_add(&m, 0x10000000, 0x1000, E820_RAM), -1);
	/* 128 separate ranges still fit */
	ck_assert_int_eq(e820_normalize(&m), E820_MAX);
	ck_assert_uint_eq(e820_ram_above(&m, 0x2000 * 126), 0x1000);
}
END_TEST

/* ---- PCI allocation -------------------------------------------------------- */

static struct pci_res mkbar(s32 node, u8 kind, u64 size, bool is64, u32 tag)
{
	struct pci_res r = { .size = size, .align = size, .kind = kind, .is64 = is64,
			     .node = node, .window = -1, .tag = tag };
	return r;
}

START_TEST(pci_largest_first_packs)
{
	struct pci_node nodes[1] = { { .parent = -1 } };
	struct pci_res res[5];
	struct pci_alloc a = { .res = res, .nr_res = 5, .node = nodes, .nr_node = 1,
			       .io_base = 0xc000, .io_end = 0x10000,
			       .mem_base = 0xc0000000, .mem_end = 0xfec00000,
			       .mem64_base = 0x800000000ULL, .mem64_end = 0x1000000000ULL };

	res[0] = mkbar(0, PCI_RES_MEM, 0x1000, false, 1);
	res[1] = mkbar(0, PCI_RES_IO, 0x20, false, 2);
	res[2] = mkbar(0, PCI_RES_PREF, 0x4000, true, 3);
	res[3] = mkbar(0, PCI_RES_MEM, 0x100000, false, 4);
	res[4] = mkbar(0, PCI_RES_IO, 0x100, false, 5);
	ck_assert_int_eq(pci_alloc_run(&a), 0);
	/* 1 MiB first, then 16 KiB, then 4 KiB: no gaps; everything fits below 4 GiB */
	ck_assert_uint_eq(res[3].addr, 0xc0000000);
	ck_assert_uint_eq(res[2].addr, 0xc0100000);
	ck_assert_uint_eq(res[0].addr, 0xc0104000);
	ck_assert_uint_eq(res[4].addr, 0xc000);
	ck_assert_uint_eq(res[1].addr, 0xc100);
}
END_TEST

START_TEST(pci_64bit_moves_above_4g_when_full)
{
	struct pci_node nodes[1] = { { .parent = -1 } };
	struct pci_res res[4];
	struct pci_alloc a = { .res = res, .nr_res = 4, .node = nodes, .nr_node = 1,
			       .io_base = 0xc000, .io_end = 0x10000,
			       .mem_base = 0xc0000000, .mem_end = 0xf0000000,	/* 768 MiB */
			       .mem64_base = 0x800000000ULL, .mem64_end = 0x1000000000ULL };

	res[0] = mkbar(0, PCI_RES_PREF, 0x10000000, true, 1);	/* 256 MiB, 64-bit */
	res[1] = mkbar(0, PCI_RES_MEM, 0x10000000, false, 2);	/* 256 MiB, 32-bit */
	res[2] = mkbar(0, PCI_RES_PREF, 0x20000000, true, 3);	/* 512 MiB, 64-bit */
	res[3] = mkbar(0, PCI_RES_MEM, 0x1000, false, 4);
	ck_assert_int_eq(pci_alloc_run(&a), 0);
	/* the largest 64-bit one goes up; the rest then fits below */
	ck_assert_uint_eq(res[2].addr, 0x800000000ULL);
	ck_assert_uint_eq(res[0].addr, 0xc0000000);
	ck_assert_uint_eq(res[1].addr, 0xd0000000);
	ck_assert_uint_eq(res[3].addr, 0xe0000000);
	ck_assert(!res[0].failed && !res[2].failed);

	/* a 1 GiB 32-bit BAR cannot fit in 768 MiB: it alone fails */
	res[1] = mkbar(0, PCI_RES_MEM, 0x40000000, false, 2);
	ck_assert_int_eq(pci_alloc_run(&a), 1);
	ck_assert(res[1].failed && !res[3].failed);
	ck_assert_uint_eq(res[1].addr, 0);
	ck_assert_uint_eq(res[3].addr, 0xc0000000);
	ck_assert_uint_eq(res[2].addr, 0x800000000ULL);
	ck_assert_uint_eq(res[0].addr, 0x820000000ULL);
}
END_TEST

START_TEST(pci_32bit_only_fails_cleanly)
{
	struct pci_node nodes[1] = { { .parent = -1 } };
	struct pci_res res[2];
	struct pci_alloc a = { .res = res, .nr_res = 2, .node = nodes, .nr_node = 1,
			       .io_base = 0xc000, .io_end = 0xc100,
			       .mem_base = 0xc0000000, .mem_end = 0xc0100000 };

	res[0] = mkbar(0, PCI_RES_MEM, 0x200000, true, 1);	/* no 64-bit window given */
	res[1] = mkbar(0, PCI_RES_IO, 0x200, false, 2);
	ck_assert_int_eq(pci_alloc_run(&a), 2);
	ck_assert(res[0].failed && res[1].failed);
	ck_assert_uint_eq(res[0].addr, 0);
	/* one that fits beside one that does not */
	res[1].size = res[1].align = 0x80;
	ck_assert_int_eq(pci_alloc_run(&a), 1);
	ck_assert(res[0].failed && !res[1].failed);
	ck_assert_uint_eq(res[1].addr, 0xc000);
}
END_TEST

START_TEST(pci_bridge_windows_sized_and_nested)
{
	/* root - bridge(node 1) - bridge(node 2) */
	struct pci_node nodes[3] = { { .parent = -1 }, { .parent = 0, .pref64 = true },
				     { .parent = 1, .pref64 = false } };
	struct pci_res res[10];
	u32 n = 0;
	struct pci_alloc a = { .res = res, .node = nodes, .nr_node = 3,
			       .io_base = 0xc000, .io_end = 0x10000,
			       .mem_base = 0xc0000000, .mem_end = 0xfec00000,
			       .mem64_base = 0x800000000ULL, .mem64_end = 0x1000000000ULL };

	for (int k = 0; k < PCI_RES_KINDS; k++) {
		res[n] = mkbar(0, (u8)k, 0, false, 100 + k);
		res[n++].window = 1;
	}
	for (int k = 0; k < PCI_RES_KINDS; k++) {
		res[n] = mkbar(1, (u8)k, 0, false, 200 + k);
		res[n++].window = 2;
	}
	res[n++] = mkbar(1, PCI_RES_IO, 0x40, false, 1);		/* 6 */
	res[n++] = mkbar(2, PCI_RES_MEM, 0x4000, false, 2);	/* 7 */
	res[n++] = mkbar(2, PCI_RES_PREF, 0x200000, true, 3);	/* 8 */
	res[n++] = mkbar(0, PCI_RES_MEM, 0x1000, false, 4);	/* 9 */
	a.nr_res = n;
	ck_assert_int_eq(pci_alloc_run(&a), 0);
	/* node 2 windows: 1 MiB mem, 2 MiB pref (32-bit: bridge 2 lacks pref64) */
	ck_assert_uint_eq(res[4].size, 0x100000);
	ck_assert_uint_eq(res[5].size, 0x200000);
	ck_assert(!res[5].is64);
	ck_assert_uint_eq(res[3].size, 0);		/* nothing on node 2 uses I/O */
	/* node 1's windows contain node 2's */
	ck_assert_uint_eq(res[0].size, 0x1000);
	ck_assert_uint_eq(res[1].size, 0x100000);
	ck_assert_uint_eq(res[2].size, 0x200000);
	ck_assert_uint_le(res[2].addr, res[5].addr);
	ck_assert_uint_ge(res[2].addr + res[2].size, res[5].addr + res[5].size);
	ck_assert_uint_eq(res[8].addr, res[5].addr);
	ck_assert_uint_eq(res[7].addr, res[4].addr);
	ck_assert_uint_eq(res[6].addr, res[0].addr);
	ck_assert_uint_eq(res[0].addr, 0xc000);
	/* the 2 MiB window is placed first (largest alignment) at the root */
	ck_assert_uint_eq(res[2].addr, 0xc0000000);
	ck_assert_uint_eq(res[1].addr, 0xc0200000);
	ck_assert_uint_eq(res[9].addr, 0xc0300000);
}
END_TEST

START_TEST(pci_bad_tree_rejected)
{
	struct pci_node nodes[2] = { { .parent = -1 }, { .parent = 5 } };
	struct pci_res res[1];
	struct pci_alloc a = { .res = res, .nr_res = 1, .node = nodes, .nr_node = 2 };

	res[0] = mkbar(0, PCI_RES_MEM, 0x1000, false, 1);
	ck_assert_int_eq(pci_alloc_run(&a), -1);
	nodes[1].parent = 0;
	res[0].node = 7;
	ck_assert_int_eq(pci_alloc_run(&a), -1);
}
END_TEST

START_TEST(pci_failed_window_fails_its_bus)
{
	/* root - bridge (node 1); its memory window cannot fit in the root's 16 MiB */
	struct pci_node nodes[2] = { { .parent = -1 }, { .parent = 0 } };
	struct pci_res res[4];
	struct pci_alloc a = { .res = res, .nr_res = 4, .node = nodes, .nr_node = 2,
			       .io_base = 0xc000, .io_end = 0x10000,
			       .mem_base = 0xc0000000, .mem_end = 0xc1000000 };

	res[0] = mkbar(0, PCI_RES_MEM, 0, false, 100);
	res[0].window = 1;
	res[1] = mkbar(1, PCI_RES_MEM, 0x4000000, false, 1);	/* 64 MiB */
	res[2] = mkbar(1, PCI_RES_MEM, 0x1000, false, 2);
	res[3] = mkbar(0, PCI_RES_MEM, 0x100000, false, 3);
	/* the window and both BARs behind it fail; the root's own BAR still goes first */
	ck_assert_int_eq(pci_alloc_run(&a), 3);
	ck_assert_uint_eq(res[0].size, 0x4100000);	/* 64 MiB + 4 KiB, to 1 MiB */
	ck_assert_uint_eq(res[0].align, 0x4000000);
	ck_assert(res[0].failed && res[1].failed && res[2].failed);
	ck_assert_uint_eq(res[1].addr, 0);
	ck_assert_uint_eq(res[2].addr, 0);
	ck_assert(!res[3].failed);
	ck_assert_uint_eq(res[3].addr, 0xc0000000);
}
END_TEST

START_TEST(pci_order_alignment_size_then_index)
{
	struct pci_node nodes[1] = { { .parent = -1 } };
	struct pci_res res[8];
	struct pci_alloc a = { .res = res, .nr_res = 8, .node = nodes, .nr_node = 1,
			       .io_base = 0xc000, .io_end = 0x10000,
			       .mem_base = 0xc0000000, .mem_end = 0xfec00000 };

	res[0] = mkbar(0, PCI_RES_MEM, 0x1000, false, 1);
	res[1] = mkbar(0, PCI_RES_MEM, 0x1000, false, 2);
	res[2] = mkbar(0, PCI_RES_MEM, 0x3000, false, 3);	/* same alignment, larger */
	res[2].align = 0x1000;
	res[3] = mkbar(0, PCI_RES_MEM, 0x1000, false, 4);
	res[4] = mkbar(0, PCI_RES_IO, 0x3, false, 5);		/* alignment 0: any byte */
	res[4].align = 0;
	res[5] = mkbar(0, PCI_RES_IO, 0x10, false, 6);
	res[6] = mkbar(0, PCI_RES_IO, 0x4, false, 7);
	res[6].align = 0;
	res[7] = mkbar(0, PCI_RES_IO, 0x100, false, 8);
	ck_assert_int_eq(pci_alloc_run(&a), 0);
	/* larger first among equal alignments, then in table order */
	ck_assert_uint_eq(res[2].addr, 0xc0000000);
	ck_assert_uint_eq(res[0].addr, 0xc0003000);
	ck_assert_uint_eq(res[1].addr, 0xc0004000);
	ck_assert_uint_eq(res[3].addr, 0xc0005000);
	/* the unaligned ones last, packed byte by byte */
	ck_assert_uint_eq(res[7].addr, 0xc000);
	ck_assert_uint_eq(res[5].addr, 0xc100);
	ck_assert_uint_eq(res[6].addr, 0xc110);
	ck_assert_uint_eq(res[4].addr, 0xc114);
}
END_TEST

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

/* ---- boot_params ------------------------------------------------------------ */

static void make_setup(u8 *s, u16 version, u8 loadflags)
{
	memset(s, 0, 0x400);
	s[BP_SETUP_SECTS] = 1;
	put_le16(s + BP_BOOT_FLAG, 0xaa55);
	s[BP_JUMP] = 0xeb;
	s[BP_JUMP + 1] = 0x6a;			/* header ends at 0x26c */
	memcpy(s + BP_HEADER, "HdrS", 4);
	put_le16(s + BP_VERSION, version);
	s[BP_LOADFLAGS] = loadflags;
	put_le32(s + BP_CODE32_START, 0x100000);
	put_le32(s + BP_INITRD_ADDR_MAX, 0x7fffffff);
	put_le32(s + BP_CMDLINE_SIZE, 2047);
	put_le64(s + BP_SETUP_DATA, 0x1234000);
	s[0x100] = 0x77;			/* boot sector code: must not be copied */
}

START_TEST(bp_fill_exact_fields)
{
	static u8 setup[0x400], zp[BP_SIZE];
	static struct e820_map m;
	struct bp_info in = { .cmdline_addr = 0x20000, .cmdline_len = 100,
			      .initrd_addr = 0x1fe00000, .initrd_size = 0x123456,
			      .rsdp = 0xf5a40, .e820 = &m };

	memset(&m, 0, sizeof(m));
	e820_add(&m, 0, 0x9fc00, E820_RAM);
	e820_add(&m, 0x100000, 0x1ff00000, E820_RAM);
	e820_add(&m, 0x9fc00, 0x400, E820_RESERVED);
	e820_normalize(&m);
	make_setup(setup, 0x020f, BP_LOADED_HIGH | BP_CAN_USE_HEAP);
	memset(zp, 0xee, sizeof(zp));
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_OK);
	ck_assert_uint_eq(zp[0x100], 0);
	ck_assert_uint_eq(zp[0x26c], 0);		/* past the header: zero, not setup */
	ck_assert_uint_eq(zp[BP_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(zp[BP_LOADFLAGS], BP_LOADED_HIGH);
	ck_assert_uint_eq(get_le32(zp + BP_CODE32_START), 0x100000);
	ck_assert_uint_eq(get_le32(zp + BP_CMD_LINE_PTR), 0x20000);
	ck_assert_uint_eq(get_le32(zp + BP_RAMDISK_IMAGE), 0x1fe00000);
	ck_assert_uint_eq(get_le32(zp + BP_RAMDISK_SIZE), 0x123456);
	ck_assert_uint_eq(get_le64(zp + BP_SETUP_DATA), 0x1234000);
	ck_assert_uint_eq(get_le64(zp + BP_ACPI_RSDP_ADDR), 0xf5a40);
	ck_assert_uint_eq(zp[BP_E820_ENTRIES], 3);
	ck_assert_uint_eq(get_le64(zp + BP_E820_TABLE + 20), 0x9fc00);
	ck_assert_uint_eq(get_le64(zp + BP_E820_TABLE + 28), 0x400);
	ck_assert_uint_eq(get_le32(zp + BP_E820_TABLE + 36), E820_RESERVED);
	ck_assert_uint_eq(get_le64(zp + BP_E820_TABLE + 40), 0x100000);
	ck_assert_uint_eq(get_le32(zp + BP_ALT_MEM_K), 0x1ff00000 >> 10);
	ck_assert_uint_eq(zp[BP_E820_TABLE + 60], 0);
	ck_assert_uint_eq(zp[BP_SIZE - 1], 0);
}
END_TEST

START_TEST(bp_fill_rejects_bad_headers)
{
	static u8 setup[0x400], zp[BP_SIZE];
	static struct e820_map m;
	struct bp_info in = { .cmdline_addr = 0x20000, .cmdline_len = 10 };

	make_setup(setup, 0x020f, BP_LOADED_HIGH);
	ck_assert_int_eq(bp_fill(zp, setup, 0x100, &in), BP_ERR_SHORT);
	setup[BP_BOOT_FLAG] = 0;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_BOOT_FLAG);
	make_setup(setup, 0x020f, BP_LOADED_HIGH);
	setup[BP_HEADER] = 'X';
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_MAGIC);
	ck_assert_uint_eq(bp_protocol(setup, sizeof(setup)), 0);
	make_setup(setup, 0x0201, BP_LOADED_HIGH);
	ck_assert_uint_eq(bp_protocol(setup, sizeof(setup)), 0x0201);
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_PROTOCOL);
	make_setup(setup, 0x020f, 0);
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_NOT_HIGH);
	make_setup(setup, 0x020f, BP_LOADED_HIGH);
	in.cmdline_len = 2048;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_CMDLINE);
	/* protocol 2.05 has no cmdline_size: 255 is the limit */
	make_setup(setup, 0x0205, BP_LOADED_HIGH);
	in.cmdline_len = 256;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_CMDLINE);
	in.cmdline_len = 255;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_OK);
	ck_assert_uint_eq(get_le64(zp + BP_ACPI_RSDP_ADDR), 0);	/* too old for the field */
	make_setup(setup, 0x020f, BP_LOADED_HIGH);
	put_le32(setup + BP_INITRD_ADDR_MAX, 0x37ffffff);
	in.initrd_addr = 0x37fff000;
	in.initrd_size = 0x1001;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_INITRD);
	in.initrd_size = 0x1000;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_OK);
	memset(&m, 0, sizeof(m));
	m.nr = BP_E820_MAX + 1;
	in.e820 = &m;
	ck_assert_int_eq(bp_fill(zp, setup, sizeof(setup), &in), BP_ERR_E820);
	ck_assert_str_eq(bp_strerror(BP_ERR_PROTOCOL), "boot protocol older than 2.02");
}
END_TEST

/* ---- kernel images: multiboot v1, PVH ELF ---------------------------------- */

static u8 img[0x4000];

static int img_read(void *ctx, u32 off, void *buf, u32 len)
{
	(void)ctx;
	ck_assert_uint_le((u64)off + len, sizeof(img));	/* the probe checked first */
	memcpy(buf, img + off, len);
	return 0;
}

static int img_read_fails(void *ctx, u32 off, void *buf, u32 len)
{
	(void)ctx, (void)off, (void)buf, (void)len;
	return -1;
}

static enum kimg_err probe(u32 size, struct kimg *k)
{
	struct kimg_src src = { size, img_read, NULL };

	return kimg_probe(&src, k);
}

static void mb_header(u32 at, u32 flags)
{
	put_le32(img + at, MB_HEADER_MAGIC);
	put_le32(img + at + 4, flags);
	put_le32(img + at + 8, (u32)-(MB_HEADER_MAGIC + flags));
}

/* ELF32 i386 header with phnum program headers at 52 */
static void elf32_header(u32 entry, u16 phnum)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF\1\1\1", 7);
	put_le16(img + 16, 2);
	put_le16(img + 18, 3);
	put_le32(img + 24, entry);
	put_le32(img + 28, 52);
	put_le16(img + 42, 32);
	put_le16(img + 44, phnum);
}

static void elf32_phdr(u32 i, u32 type, u32 off, u32 vaddr, u32 paddr, u32 filesz, u32 memsz)
{
	u8 *p = img + 52 + i * 32;

	put_le32(p, type);
	put_le32(p + 4, off);
	put_le32(p + 8, vaddr);
	put_le32(p + 12, paddr);
	put_le32(p + 16, filesz);
	put_le32(p + 20, memsz);
}

static void elf64_header(u64 entry, u16 phnum)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF\2\1\1", 7);
	put_le16(img + 16, 2);
	put_le16(img + 18, 62);
	put_le64(img + 24, entry);
	put_le64(img + 32, 64);
	put_le16(img + 54, 56);
	put_le16(img + 56, phnum);
}

static void elf64_phdr(u32 i, u32 type, u64 off, u64 vaddr, u64 paddr, u64 filesz, u64 memsz)
{
	u8 *p = img + 64 + i * 56;

	put_le32(p, type);
	put_le64(p + 8, off);
	put_le64(p + 16, vaddr);
	put_le64(p + 24, paddr);
	put_le64(p + 32, filesz);
	put_le64(p + 40, memsz);
}

/* Notes at off: an unrelated Xen note, then PHYS32_ENTRY with a desc of desc_len bytes. */
static u32 pvh_notes(u32 off, u64 entry, u32 desc_len)
{
	u8 *n = img + off;

	put_le32(n, 4);
	put_le32(n + 4, 6);
	put_le32(n + 8, 6);			/* XEN_ELFNOTE_GUEST_OS "linux" */
	memcpy(n + 12, "Xen", 4);
	memcpy(n + 16, "linux", 6);
	n += 24;
	put_le32(n, 4);
	put_le32(n + 4, desc_len);
	put_le32(n + 8, XEN_ELFNOTE_PHYS32_ENTRY);
	memcpy(n + 12, "Xen", 4);
	put_le64(n + 16, entry);
	return 24 + 16 + ALIGN_UP(desc_len, 4);
}

static void expect_seg(const struct kimg *k, u32 i, u32 off, u32 filesz, u32 paddr, u32 memsz)
{
	ck_assert_uint_lt(i, k->nr_seg);
	ck_assert_msg(k->seg[i].file_off == off && k->seg[i].filesz == filesz &&
		      k->seg[i].paddr == paddr && k->seg[i].memsz == memsz,
		      "seg %u: %x+%x -> %x+%x", i, k->seg[i].file_off, k->seg[i].filesz,
		      k->seg[i].paddr, k->seg[i].memsz);
}

START_TEST(kimg_multiboot_elf32)
{
	static struct kimg k;

	/* text at 0x100000 from 0x1000, data+bss at 0x200000; a virtual entry */
	elf32_header(0xc0100010, 3);
	elf32_phdr(0, 1, 0x1000, 0xc0100000, 0x100000, 0x800, 0x800);
	elf32_phdr(1, 6, 0, 0, 0, 0, 0);			/* PT_PHDR: ignored */
	elf32_phdr(2, 1, 0x1800, 0x200000, 0x200000, 0x100, 0x5000);
	mb_header(0x1000, MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_OK);
	ck_assert_int_eq(k.kind, KIMG_MULTIBOOT);
	ck_assert_uint_eq(k.mb_flags, 3);
	ck_assert_uint_eq(k.entry, 0x100010);
	ck_assert_uint_eq(k.nr_seg, 2);
	expect_seg(&k, 0, 0x1000, 0x800, 0x100000, 0x800);
	expect_seg(&k, 1, 0x1800, 0x100, 0x200000, 0x5000);
	ck_assert_uint_eq(k.load_start, 0x100000);
	ck_assert_uint_eq(k.load_end, 0x205000);

	/* the header must start in the first 8 KiB, 4-aligned, with a good checksum */
	memset(img + 0x1000, 0, 12);
	mb_header(0x2000, 3);
	ck_assert_int_eq(probe(0x2100, &k), KIMG_ERR_FORMAT);
	memset(img + 0x2000, 0, 12);
	mb_header(0x1002, 3);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_FORMAT);
	mb_header(0x1000, 3);
	put_le32(img + 0x1008, get_le32(img + 0x1008) + 1);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_FORMAT);
	/* required feature bits 3-15 are refused; video (bit 2) and bits 16+ are not */
	mb_header(0x1000, 3 | 1u << 5);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_MB_FLAGS);
	mb_header(0x1000, 3 | MB_FLAG_VIDEO | 1u << 20);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_OK);
	/* entry in no segment */
	put_le32(img + 24, 0x300000);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_ENTRY);
	put_le32(img + 24, 0x100000);
	/* a segment past the end of the file, filesz > memsz, past 4 GiB */
	ck_assert_int_eq(probe(0x18ff, &k), KIMG_ERR_ELF_SEGMENT);
	elf32_phdr(2, 1, 0x1800, 0x200000, 0x200000, 0x100, 0x80);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_ELF_SEGMENT);
	elf32_phdr(2, 1, 0x1800, 0xfffff000, 0xfffff000, 0x100, 0x1001);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_ELF_SEGMENT);
	/* ELF64 without the a.out kludge cannot be multiboot */
	elf64_header(0x100000, 1);
	elf64_phdr(0, 1, 0x1000, 0x100000, 0x100000, 0x100, 0x100);
	mb_header(0x1000, 3);
	ck_assert_int_eq(probe(0x2000, &k), KIMG_ERR_MB_ELF64);
}
END_TEST

START_TEST(kimg_multiboot_aout_kludge)
{
	static struct kimg k;
	u8 *h = img + 0x40;

	/* a flat binary: loaded from file offset 0 at 1 MiB, header at 0x40 */
	memset(img, 0x90, sizeof(img));
	mb_header(0x40, 3 | MB_FLAG_AOUT);
	put_le32(h + 12, 0x100040);		/* header_addr */
	put_le32(h + 16, 0x100000);		/* load_addr */
	put_le32(h + 20, 0x100c00);		/* load_end_addr */
	put_le32(h + 24, 0x102000);		/* bss_end_addr */
	put_le32(h + 28, 0x100060);		/* entry_addr */
	ck_assert_int_eq(probe(0x1000, &k), KIMG_OK);
	ck_assert_int_eq(k.kind, KIMG_MULTIBOOT);
	ck_assert_uint_eq(k.entry, 0x100060);
	ck_assert_uint_eq(k.nr_seg, 1);
	expect_seg(&k, 0, 0, 0xc00, 0x100000, 0x2000);

	/* load_end 0: to the end of the file; bss_end 0: no bss; load_addr below the file start */
	put_le32(h + 16, 0x0fff00);
	put_le32(h + 20, 0);
	put_le32(h + 24, 0);
	put_le32(h + 28, 0x100000);
	ck_assert_int_eq(probe(0x1000, &k), KIMG_ERR_MB_AOUT);	/* header 0x140 into a 0x40 file head */
	put_le32(h + 16, 0x100020);
	put_le32(h + 28, 0x100020);
	ck_assert_int_eq(probe(0x1000, &k), KIMG_OK);
	expect_seg(&k, 0, 0x20, 0xfe0, 0x100020, 0xfe0);
	ck_assert_uint_eq(k.entry, 0x100020);
	put_le32(h + 28, 0x101000);			/* one past the loaded bytes */
	ck_assert_int_eq(probe(0x1000, &k), KIMG_ERR_ENTRY);
	put_le32(h + 16, 0x100000);
	put_le32(h + 28, 0x100fff);
	ck_assert_int_eq(probe(0x1000, &k), KIMG_OK);
	expect_seg(&k, 0, 0, 0x1000, 0x100000, 0x1000);

	put_le32(h + 16, 0x100041);			/* load_addr above header_addr */
	ck_assert_int_eq(probe(0x1000, &k), KIMG_ERR_MB_AOUT);
	put_le32(h + 16, 0x100000);
	put_le32(h + 20, 0x101001);			/* load_end past the file */
	ck_assert_int_eq(probe(0x1000, &k), KIMG_ERR_MB_AOUT);
	put_le32(h + 20, 0x100800);
	put_le32(h + 24, 0x1007ff);			/* bss_end below load_end */
	ck_assert_int_eq(probe(0x1000, &k), KIMG_ERR_MB_AOUT);
	put_le32(h + 20, 0x0ff000);			/* load_end below load_addr */
	put_le32(h + 24, 0);
	ck_assert_int_eq(probe(0x1000, &k), KIMG_ERR_MB_AOUT);
	/* a header whose address fields are cut off by the end of the file */
	ck_assert_int_eq(probe(0x50, &k), KIMG_ERR_MB_AOUT);
}
END_TEST

START_TEST(kimg_pvh_elf64)
{
	static struct kimg k;
	u32 nlen;

	/* as Linux's vmlinux: virtual addresses, physical loads, a .notes PT_NOTE */
	elf64_header(0x1000000, 3);
	elf64_phdr(0, 1, 0x1000, 0xffffffff81000000ULL, 0x1000000, 0x1000, 0x1000);
	elf64_phdr(1, 1, 0x2000, 0, 0x1400000, 0x800, 0x3000);
	nlen = pvh_notes(0x3000, 0x1000850, 8);
	elf64_phdr(2, 4, 0x3000, 0xffffffff82000000ULL, 0x2000000, nlen, nlen);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_OK);
	ck_assert_int_eq(k.kind, KIMG_PVH);
	ck_assert_uint_eq(k.entry, 0x1000850);
	ck_assert_uint_eq(k.nr_seg, 2);
	expect_seg(&k, 0, 0x1000, 0x1000, 0x1000000, 0x1000);
	expect_seg(&k, 1, 0x2000, 0x800, 0x1400000, 0x3000);
	ck_assert_uint_eq(k.load_end, 0x1403000);

	/* a 4-byte desc works as well; an 8-byte one above 4 GiB or 2 bytes does not */
	pvh_notes(0x3000, 0x1000850, 4);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_OK);
	ck_assert_uint_eq(k.entry, 0x1000850);
	pvh_notes(0x3000, 0x101000850ULL, 8);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_PVH_NOTE);
	pvh_notes(0x3000, 0x1000850, 2);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_PVH_NOTE);
	/* the entry must be inside a loaded segment */
	pvh_notes(0x3000, 0x1004000, 8);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_ENTRY);
	/* a note that runs past its segment is ignored: no PVH entry, not an image we boot */
	pvh_notes(0x3000, 0x1000850, 8);
	put_le32(img + 0x3000 + 24 + 4, 0x1000);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_FORMAT);
	pvh_notes(0x3000, 0x1000850, 8);
	/* the note segment past the end of the file */
	ck_assert_int_eq(probe(0x3000 + nlen - 1, &k), KIMG_ERR_ELF_SEGMENT);
	/* no note at all: an ELF we cannot enter */
	elf64_phdr(2, 6, 0x3000, 0, 0, nlen, nlen);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_FORMAT);
	/* wrong machine, program headers past the file, too many PT_LOADs */
	elf64_phdr(2, 4, 0x3000, 0, 0x2000000, nlen, nlen);
	put_le16(img + 18, 3);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_FORMAT);
	put_le16(img + 18, 62);
	ck_assert_int_eq(probe(64 + 3 * 56 - 1, &k), KIMG_ERR_ELF_HEADER);
	elf64_header(0x1000000, 18);
	for (u32 i = 0; i < 17; i++)
		elf64_phdr(i, 1, 0x1000, 0x1000000 + i * 0x1000, 0x1000000 + i * 0x1000, 0x10, 0x10);
	nlen = pvh_notes(0x3000, 0x1000850, 8);
	elf64_phdr(17, 4, 0x3000, 0, 0, nlen, nlen);
	ck_assert_int_eq(probe(0x3000 + nlen, &k), KIMG_ERR_TOO_MANY);
}
END_TEST

START_TEST(kimg_other_inputs)
{
	static struct kimg k;
	struct kimg_src bad = { 0x1000, img_read_fails, NULL };

	memset(img, 0, sizeof(img));
	put_le32(img + 0x202, 0x53726448);
	ck_assert_int_eq(probe(0x1000, &k), KIMG_OK);
	ck_assert_int_eq(k.kind, KIMG_BZIMAGE);
	ck_assert_int_eq(kimg_probe(&bad, &k), KIMG_ERR_READ);
	/* every short prefix of a good image and random bytes: a clean error, no crash */
	elf64_header(0x1000000, 2);
	elf64_phdr(0, 1, 0x1000, 0x1000000, 0x1000000, 0x1000, 0x1000);
	u32 nlen = pvh_notes(0x2000, 0x1000000, 8);
	elf64_phdr(1, 4, 0x2000, 0, 0, nlen, nlen);
	ck_assert_int_eq(probe(0x2000 + nlen, &k), KIMG_OK);
	for (u32 n = 0; n < 0x2000 + nlen; n += 7)
		ck_assert_int_ne(probe(n, &k), KIMG_OK);
	srand(8);
	for (int round = 0; round < 2000; round++) {
		u32 n = (u32)rand() % sizeof(img);

		for (u32 i = 0; i < 256; i++)
			img[64 + (u32)rand() % (sizeof(img) - 64)] = (u8)rand();
		if (round & 1)
			mb_header(((u32)rand() % 64) * 4, (u32)rand() & (3 | MB_FLAG_AOUT));
		ck_assert_int_le(probe(n, &k), KIMG_ERR_PVH_NOTE);
	}
	ck_assert_str_eq(kimg_strerror(KIMG_ERR_ENTRY), "entry point outside the loaded segments");
	ck_assert_str_eq(kimg_strerror((enum kimg_err)99), "?");
}
END_TEST

static void boot_map(struct e820_map *m)
{
	memset(m, 0, sizeof(*m));
	e820_add(m, 0, 0x9fc00, E820_RAM);
	e820_add(m, 0x9fc00, 0x400, E820_RESERVED);
	e820_add(m, 0xe0000, 0x20000, E820_RESERVED);
	e820_add(m, 0x100000, 0x1fe00000, E820_RAM);
	e820_add(m, 0x100000000ULL, 0x40000000, E820_RAM);
	ck_assert_int_eq(e820_normalize(m), 5);
}

START_TEST(mb_info_exact_fields)
{
	static struct e820_map m;
	static u8 area[0x1000];
	struct kboot_info in = { &m, 0x20000, 0x1f000000, 0x12345, 0xf1000, 0xf2000, 0xf6000 };
	u8 *e;

	boot_map(&m);
	memset(area, 0xee, sizeof(area));
	ck_assert_uint_eq(mb_info_fill(area, 0x8000, sizeof(area), &in), 0x8000);
	ck_assert_uint_eq(get_le32(area + MBI_FLAGS), 0x24d);	/* mem, cmdline, mods, mmap, name */
	ck_assert_uint_eq(get_le32(area + MBI_MEM_LOWER), 639);
	ck_assert_uint_eq(get_le32(area + MBI_MEM_UPPER), 0x1fe00000 >> 10);
	ck_assert_uint_eq(get_le32(area + 12), 0);		/* no boot device */
	ck_assert_uint_eq(get_le32(area + MBI_CMDLINE), 0x20000);
	ck_assert_uint_eq(get_le32(area + MBI_MODS_COUNT), 1);
	ck_assert_uint_eq(get_le32(area + MBI_MODS_ADDR), 0x8000 + MBI_SIZE);
	ck_assert_uint_eq(get_le32(area + MBI_SIZE), 0x1f000000);
	ck_assert_uint_eq(get_le32(area + MBI_SIZE + 4), 0x1f012345);
	ck_assert_uint_eq(get_le32(area + MBI_SIZE + 8), 0xf1000);
	ck_assert_uint_eq(get_le32(area + MBI_SIZE + 12), 0);
	ck_assert_uint_eq(get_le32(area + MBI_MMAP_LENGTH), 5 * 24);
	ck_assert_uint_eq(get_le32(area + MBI_MMAP_ADDR), 0x8000 + MBI_SIZE + 16);
	ck_assert_uint_eq(get_le32(area + MBI_LOADER_NAME), 0xf2000);
	e = area + MBI_SIZE + 16 + 4 * 24;
	ck_assert_uint_eq(get_le32(e), 20);
	ck_assert(get_le64(e + 4) == 0x100000000ULL && get_le64(e + 12) == 0x40000000);
	ck_assert_uint_eq(get_le32(e + 20), E820_RAM);
	ck_assert_uint_eq(area[MBI_SIZE + 16 + 5 * 24], 0xee);	/* nothing written past it */

	/* no command line, no module: their flags/count say so */
	in.cmdline_addr = 0;
	in.initrd_size = 0;
	in.loader_name_addr = 0;
	ck_assert_uint_eq(mb_info_fill(area, 0x8000, sizeof(area), &in), 0x8000);
	ck_assert_uint_eq(get_le32(area + MBI_FLAGS), 0x49);
	ck_assert_uint_eq(get_le32(area + MBI_MODS_COUNT), 0);
	/* one byte too small, or wrapping past 4 GiB */
	ck_assert_uint_eq(mb_info_fill(area, 0x8000, MBI_SIZE + 16 + 5 * 24 - 1, &in), 0);
	ck_assert_uint_eq(mb_info_fill(area, 0xffffff80, sizeof(area), &in), 0);
}
END_TEST

START_TEST(pvh_info_exact_fields)
{
	static struct e820_map m;
	static u8 area[0x1000];
	struct kboot_info in = { &m, 0x20000, 0x1f000000, 0x12345, 0xf1000, 0xf2000, 0xf6ee0 };
	u8 *mod = area + PVH_SI_SIZE, *map = mod + PVH_MOD_SIZE;

	boot_map(&m);
	memset(area, 0xee, sizeof(area));
	ck_assert_uint_eq(pvh_info_fill(area, 0x8000, sizeof(area), &in), 0x8000);
	ck_assert_uint_eq(get_le32(area + PVH_SI_MAGIC), 0x336ec578);
	ck_assert_uint_eq(get_le32(area + PVH_SI_VERSION), 1);
	ck_assert_uint_eq(get_le32(area + PVH_SI_FLAGS), 0);
	ck_assert_uint_eq(get_le32(area + PVH_SI_NR_MODULES), 1);
	ck_assert(get_le64(area + PVH_SI_MODLIST) == 0x8000 + PVH_SI_SIZE);
	ck_assert(get_le64(area + PVH_SI_CMDLINE) == 0x20000);
	ck_assert(get_le64(area + PVH_SI_RSDP) == 0xf6ee0);
	ck_assert(get_le64(area + PVH_SI_MEMMAP) == 0x8000 + PVH_SI_SIZE + PVH_MOD_SIZE);
	ck_assert_uint_eq(get_le32(area + PVH_SI_MEMMAP_ENTRIES), 5);
	ck_assert(get_le64(mod) == 0x1f000000 && get_le64(mod + 8) == 0x12345);
	ck_assert(get_le64(mod + 16) == 0xf1000 && get_le64(mod + 24) == 0);
	ck_assert(get_le64(map + 24) == 0x9fc00 && get_le64(map + 32) == 0x400);
	ck_assert_uint_eq(get_le32(map + 40), E820_RESERVED);
	ck_assert_uint_eq(get_le32(map + 44), 0);
	ck_assert_uint_eq(map[5 * 24], 0xee);

	in.initrd_size = 0;
	ck_assert_uint_eq(pvh_info_fill(area, 0x8000, sizeof(area), &in), 0x8000);
	ck_assert_uint_eq(get_le32(area + PVH_SI_NR_MODULES), 0);
	ck_assert(get_le64(area + PVH_SI_MODLIST) == 0);
	ck_assert(get_le64(area + PVH_SI_MEMMAP) == 0x8000 + PVH_SI_SIZE);
	ck_assert_uint_eq(pvh_info_fill(area, 0x8000, PVH_SI_SIZE + 5 * 24 - 1, &in), 0);
}
END_TEST

START_TEST(e820_covers_one_entry)
{
	static struct e820_map m;

	boot_map(&m);
	ck_assert(e820_covers(&m, 0x100000, 0x1fe00000, E820_RAM));
	ck_assert(!e820_covers(&m, 0x100000, 0x1fe00001, E820_RAM));
	ck_assert(!e820_covers(&m, 0x9f000, 0x2000, E820_RAM));	/* RAM then reserved */
	ck_assert(e820_covers(&m, 0x9fc00, 0x400, E820_RESERVED));
	ck_assert(!e820_covers(&m, 0xa0000, 0x1000, E820_RAM));	/* the hole */
	ck_assert(!e820_covers(&m, ~0ULL - 10, 20, E820_RAM));	/* wraps */
}
END_TEST

Suite *firmware_logic_suite(void)
{
	Suite *s = suite_create("firmware_logic");
	TCase *tc = tcase_create("e820");

	tcase_add_test(tc, e820_reserved_wins_and_sorts);
	tcase_add_test(tc, e820_merges_neighbours_and_duplicates);
	tcase_add_test(tc, e820_rejects_wrap_and_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("pci_alloc");
	tcase_add_test(tc, pci_largest_first_packs);
	tcase_add_test(tc, pci_64bit_moves_above_4g_when_full);
	tcase_add_test(tc, pci_32bit_only_fails_cleanly);
	tcase_add_test(tc, pci_bridge_windows_sized_and_nested);
	tcase_add_test(tc, pci_bad_tree_rejected);
	tcase_add_test(tc, pci_failed_window_fails_its_bus);
	tcase_add_test(tc, pci_order_alignment_size_then_index);
	suite_add_tcase(s, tc);

	tc = tcase_create("table_loader");
	tcase_add_test(tc, tl_good_script);
	tcase_add_test(tc, tl_checksum_long_unaligned);
	tcase_add_test(tc, tl_bad_commands_reported_not_fatal);
	tcase_add_test(tc, tl_write_pointer_checks);
	tcase_add_test(tc, tl_too_many_files);
	tcase_add_test(tc, tl_pointer_sizes_and_edges);
	tcase_add_test(tc, tl_name_lengths_and_command_numbers);
	tcase_add_test(tc, tl_write_pointer_check_order);
	suite_add_tcase(s, tc);

	tc = tcase_create("boot_params");
	tcase_add_test(tc, bp_fill_exact_fields);
	tcase_add_test(tc, bp_fill_rejects_bad_headers);
	suite_add_tcase(s, tc);

	tc = tcase_create("kernel_images");
	tcase_add_test(tc, kimg_multiboot_elf32);
	tcase_add_test(tc, kimg_multiboot_aout_kludge);
	tcase_add_test(tc, kimg_pvh_elf64);
	tcase_add_test(tc, kimg_other_inputs);
	tcase_add_test(tc, mb_info_exact_fields);
	tcase_add_test(tc, pvh_info_exact_fields);
	tcase_add_test(tc, e820_covers_one_entry);
	suite_add_tcase(s, tc);
	return s;
}
