/*
 * The firmware's pure logic on the host: e820 merging, PCI resource
 * assignment and boot_params filling (the table-loader and the kernel
 * images have files of their own). Each test states exact results.
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

	tc = tcase_create("boot_params");
	tcase_add_test(tc, bp_fill_exact_fields);
	tcase_add_test(tc, bp_fill_rejects_bad_headers);
	suite_add_tcase(s, tc);

	return s;
}
