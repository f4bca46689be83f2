/*
 * elf_parse: ELF32/ELF64 headers, PT_LOAD segments, the PVH note, and every
 * kind of bad header giving its exact status and field.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "tests/unit/common/harness.h"
#include "elf_builder.h"

#define IMG_LEN		0x3000
#define NOTE_OFF	0x200
#define PVH_ENTRY	0x1000040u
#define PVH_NOTE_OFF	(NOTE_OFF + 36)	/* after the GNU note: 12 + 4 + 20 */

static uint8_t img[IMG_LEN];
static struct tb_elf E;
static size_t note_len;

/*
 * The standard 64-bit image, shaped like a vmlinux: a PT_NOTE with a GNU
 * note then the PVH note, and two PT_LOADs linked high, loaded at 16 MiB.
 */
static void std64(void)
{
	uint8_t gnu[20] = { 1, 2, 3 };

	memset(img, 0xcc, sizeof(img));
	memset(&E, 0, sizeof(E));
	E.is64 = true;
	E.entry = 0x1000000;
	note_len = tb_note(img + NOTE_OFF, "GNU", 4, 3, gnu, sizeof(gnu));
	note_len += tb_pvh_note(img + NOTE_OFF + note_len, PVH_ENTRY);
	E.nph = 3;
	E.ph[0] = (struct tb_ph){ 4, NOTE_OFF, 0, 0, note_len, note_len, 4 };
	E.ph[1] = (struct tb_ph){ 1, 0x1000, 0xffffffff81000000ull, 0x1000000, 0x1000, 0x1800,
				  0x1000 };
	E.ph[2] = (struct tb_ph){ 1, 0x2000, 0xffffffff82000000ull, 0x2000000, 0x1000, 0x3000,
				  0x1000 };
	tb_elf_write(&E, img, sizeof(img));
}

/* The standard 32-bit image: a multiboot-style kernel at 1 MiB, no notes. */
static void std32(void)
{
	memset(img, 0, sizeof(img));
	memset(&E, 0, sizeof(E));
	E.is64 = false;
	E.entry = 0x100010;
	E.nph = 2;
	E.ph[0] = (struct tb_ph){ 1, 0x1000, 0x100000, 0x100000, 0x800, 0x1000, 0x1000 };
	E.ph[1] = (struct tb_ph){ 1, 0x2000, 0x200000, 0x200000, 0x1000, 0x1000, 0x1000 };
	tb_elf_write(&E, img, sizeof(img));
}

static void rebuild(void)
{
	tb_elf_write(&E, img, sizeof(img));
}

static void expect_fail(const uint8_t *buf, size_t len, int status, const char *field)
{
	struct elf_info ei;
	struct loader_err err;
	int r;

	memset(&err, 0, sizeof(err));
	r = elf_parse(buf, len, &ei, &err);
	ck_assert_msg(r == status, "status %d (%s: %s), want %d", r,
		      err.field ? err.field : "-", err.detail, status);
	ck_assert_int_eq(err.status, status);
	ck_assert_ptr_nonnull(err.field);
	ck_assert_str_eq(err.field, field);
	ck_assert_msg(err.detail[0], "empty detail");
}

static void expect_ok(const uint8_t *buf, size_t len, struct elf_info *ei)
{
	struct loader_err err;
	int r;

	memset(&err, 0, sizeof(err));
	r = elf_parse(buf, len, ei, &err);
	ck_assert_msg(r == 0, "elf_parse: %d %s: %s", r, err.field ? err.field : "-",
		      err.detail);
}

START_TEST(elf64_vmlinux_shape)
{
	struct elf_info ei;

	std64();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(ei.is64);
	ck_assert_uint_eq(ei.machine, 62);
	ck_assert_uint_eq(ei.entry, 0x1000000);
	ck_assert_uint_eq(ei.entry_paddr, 0x1000000);
	ck_assert_uint_eq(ei.nsegments, 2);
	ck_assert_uint_eq(ei.seg[0].paddr, 0x1000000);
	ck_assert_uint_eq(ei.seg[0].file_offset, 0x1000);
	ck_assert_uint_eq(ei.seg[0].file_size, 0x1000);
	ck_assert_uint_eq(ei.seg[0].mem_size, 0x1800);
	ck_assert_uint_eq(ei.seg[1].paddr, 0x2000000);
	ck_assert_uint_eq(ei.seg[1].file_offset, 0x2000);
	ck_assert_uint_eq(ei.seg[1].file_size, 0x1000);
	ck_assert_uint_eq(ei.seg[1].mem_size, 0x3000);
	ck_assert_uint_eq(ei.low, 0x1000000);
	ck_assert_uint_eq(ei.high, 0x2003000);
	ck_assert(ei.has_pvh);
	ck_assert_uint_eq(ei.pvh_entry, PVH_ENTRY);
}
END_TEST

START_TEST(elf64_virtual_entry_translated)
{
	struct elf_info ei;

	std64();
	E.entry = 0xffffffff82000123ull;
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert_uint_eq(ei.entry, 0xffffffff82000123ull);
	ck_assert_uint_eq(ei.entry_paddr, 0x2000123);
}
END_TEST

START_TEST(elf32_multiboot_shape)
{
	struct elf_info ei;

	std32();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(!ei.is64);
	ck_assert_uint_eq(ei.machine, 3);
	ck_assert_uint_eq(ei.entry, 0x100010);
	ck_assert_uint_eq(ei.entry_paddr, 0x100010);
	ck_assert_uint_eq(ei.nsegments, 2);
	ck_assert_uint_eq(ei.seg[0].paddr, 0x100000);
	ck_assert_uint_eq(ei.seg[0].file_size, 0x800);
	ck_assert_uint_eq(ei.seg[0].mem_size, 0x1000);
	ck_assert_uint_eq(ei.low, 0x100000);
	ck_assert_uint_eq(ei.high, 0x201000);
	ck_assert(!ei.has_pvh);
}
END_TEST

START_TEST(elf32_pvh_note)
{
	struct elf_info ei;
	size_t n;

	std32();
	n = tb_pvh_note(img + NOTE_OFF, 0x100020);
	E.ph[E.nph++] = (struct tb_ph){ 4, NOTE_OFF, 0, 0, n, n, 4 };
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(ei.has_pvh);
	ck_assert_uint_eq(ei.pvh_entry, 0x100020);
}
END_TEST

START_TEST(et_dyn_tolerated_and_empty_load_skipped)
{
	struct elf_info ei;

	std64();
	E.type = 3;
	E.ph[E.nph++] = (struct tb_ph){ 1, 0, 0, 0x1000000, 0, 0, 0 };	/* memsz 0 */
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert_uint_eq(ei.nsegments, 2);
}
END_TEST

START_TEST(adjacent_segments_ok)
{
	struct elf_info ei;

	std64();
	E.ph[2].paddr = 0x1001800;	/* starts where segment 1 ends */
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert_uint_eq(ei.high, 0x1004800);
}
END_TEST

START_TEST(bad_ident)
{
	std64();
	img[1] = 'X';
	expect_fail(img, sizeof(img), LOADER_E_BAD_MAGIC, "e_ident");

	std64();
	expect_fail(img, 15, LOADER_E_TRUNCATED, "e_ident");
	expect_fail(img, 0, LOADER_E_TRUNCATED, "e_ident");
	expect_fail(img, 63, LOADER_E_TRUNCATED, "e_ehsize");

	E.ei_class = 3;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "EI_CLASS");

	std64();
	E.ei_data = 2;	/* big-endian */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "EI_DATA");

	std64();
	E.ei_version = 2;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "EI_VERSION");
}
END_TEST

START_TEST(bad_type_and_machine)
{
	std64();
	E.type = 1;	/* ET_REL */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "e_type");

	std64();
	E.machine = 3;	/* EM_386 in an ELF64 */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "e_machine");

	std32();
	E.machine = 62;	/* EM_X86_64 in an ELF32 */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "e_machine");

	std32();
	E.machine = 40;	/* EM_ARM */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "e_machine");
}
END_TEST

START_TEST(bad_program_header_table)
{
	std64();
	E.phoff = IMG_LEN;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "e_phoff");

	/* the table's last entry pokes one byte past the end */
	std64();
	E.phoff = IMG_LEN - 3 * 56 + 1;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "e_phoff");

	std64();
	E.phoff = 0xfffffffffffffff0ull;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERFLOW, "e_phoff");

	std32();
	E.phoff = 0xfffffff0u;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "e_phoff");

	/* a huge phnum * phentsize: never trusted, never wraps */
	std64();
	E.phnum = 0xfffe;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "e_phoff");

	std64();
	E.phnum = 0xffff;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_UNSUPPORTED, "e_phnum");

	std64();
	E.phentsize = 0xffff;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "e_phentsize");

	std32();
	E.phentsize = 56;	/* ELF64's size in an ELF32 */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "e_phentsize");

	std64();
	E.nph = 0;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_NOT_FOUND, "e_phnum");

	/* only a note, nothing to load */
	std64();
	E.nph = 1;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_NOT_FOUND, "PT_LOAD");
}
END_TEST

START_TEST(bad_segment_bounds)
{
	std64();
	E.ph[2].offset = IMG_LEN;	/* filesz 0x1000 past the end */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "p_offset");

	std64();
	E.ph[2].filesz = 0x1001;	/* one byte past the end */
	E.ph[2].memsz = 0x3000;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "p_offset");

	std64();
	E.ph[1].offset = 0xfffffffffffff800ull;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERFLOW, "p_offset");

	std64();
	E.ph[1].filesz = 0x1000;
	E.ph[1].memsz = 0xfff;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "p_filesz");

	std64();
	E.ph[2].paddr = 0xfffffffffffff000ull;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERFLOW, "p_paddr");

	std64();
	E.ph[2].vaddr = 0xfffffffffffff000ull;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERFLOW, "p_vaddr");

	/* an empty file part at an offset past the end is still outside the file */
	std32();
	E.ph[1].offset = IMG_LEN + 1;
	E.ph[1].filesz = 0;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "p_offset");
}
END_TEST

START_TEST(overlapping_segments)
{
	std64();
	E.ph[2].paddr = 0x10017ff;	/* one byte into segment 1 */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERLAP, "p_paddr");

	std64();
	E.ph[2].paddr = 0xfff000;	/* covers segment 1 entirely */
	E.ph[2].memsz = 0x10000;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERLAP, "p_paddr");

	std32();
	E.ph[1].paddr = 0x100800;	/* inside the bss of segment 0 */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERLAP, "p_paddr");
}
END_TEST

START_TEST(segment_count_limit)
{
	struct elf_info ei;
	unsigned i;

	std32();
	E.nph = LOADER_MAX_SEGMENTS;
	for (i = 0; i < E.nph; i++)
		E.ph[i] = (struct tb_ph){ 1, 0x1000, 0x100000 + i * 0x1000,
					  0x100000 + i * 0x1000, 0x100, 0x1000, 0x1000 };
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert_uint_eq(ei.nsegments, LOADER_MAX_SEGMENTS);
	ck_assert_uint_eq(ei.high, 0x100000 + LOADER_MAX_SEGMENTS * 0x1000);

	E.ph[E.nph] = E.ph[E.nph - 1];
	E.ph[E.nph].paddr += 0x1000;
	E.nph++;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "e_phnum");
}
END_TEST

START_TEST(entry_outside_segments)
{
	struct elf_info ei;

	std32();
	E.entry = 0x101000;	/* one past segment 0's end */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_ENTRY, "e_entry");

	std64();
	E.entry = 0xffffffff81001800ull;	/* one past segment 1's virtual end */
	rebuild();
	/* with a PVH note e_entry need not resolve: the PVH entry is used */
	expect_ok(img, sizeof(img), &ei);
	ck_assert_uint_eq(ei.entry_paddr, 0);

	std64();
	tb_pvh_note(img + PVH_NOTE_OFF, 0x1001800);	/* PVH entry one past segment 1 */
	expect_fail(img, sizeof(img), LOADER_E_ENTRY, "XEN_ELFNOTE_PHYS32_ENTRY");

	std64();
	E.ph[0].type = 6;	/* PT_PHDR: no notes, so e_entry is checked */
	E.entry = 0x5000000;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_ENTRY, "e_entry");
}
END_TEST

START_TEST(note_bounds)
{
	std64();
	E.ph[0].offset = IMG_LEN - 8;	/* note segment past the end */
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "p_offset");

	std64();
	E.ph[0].offset = 0xffffffffffffffffull;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_OVERFLOW, "p_offset");

	/* namesz 0xffffffff: rounding up must not wrap to a small size */
	std64();
	tb_put32(img + NOTE_OFF, 0xffffffffu);
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "n_namesz");

	std64();
	tb_put32(img + NOTE_OFF + 4, 0xfffffffdu);
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "n_descsz");

	/* the second (PVH) note's desc runs 4 bytes past the segment */
	std64();
	E.ph[0].filesz = note_len - 4;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_TRUNCATED, "n_descsz");

	/* the same note is fine when the segment holds it */
	std64();
	E.ph[0].filesz = note_len + 4;	/* padding after the last note */
	rebuild();
	{
		struct elf_info ei;

		expect_ok(img, sizeof(img), &ei);
		ck_assert(ei.has_pvh);
	}
}
END_TEST

START_TEST(pvh_note_variants)
{
	struct elf_info ei;
	uint8_t d8[8];
	size_t n;

	/* wrong name: not the PVH note */
	std64();
	n = tb_note(img + NOTE_OFF, "Xem", 4, 18, "\x40\x00\x00\x01", 4);
	E.ph[0].filesz = E.ph[0].memsz = n;
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(!ei.has_pvh);

	/* "Xen" without its NUL (namesz 3) is not the note either */
	std64();
	n = tb_note(img + NOTE_OFF, "Xen", 3, 18, "\x40\x00\x00\x01", 4);
	E.ph[0].filesz = E.ph[0].memsz = n;
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(!ei.has_pvh);

	/* other Xen note types are ignored */
	std64();
	n = tb_note(img + NOTE_OFF, "Xen", 4, 17, "\x40\x00\x00\x01", 4);
	E.ph[0].filesz = E.ph[0].memsz = n;
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(!ei.has_pvh);

	/* wrong descriptor size */
	std64();
	n = tb_note(img + NOTE_OFF, "Xen", 4, 18, "\x40\x00", 2);
	E.ph[0].filesz = E.ph[0].memsz = n;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "XEN_ELFNOTE_PHYS32_ENTRY");

	/* 8-byte descriptor: low 32 bits */
	std64();
	tb_put64(d8, 0x1000080);
	n = tb_note(img + NOTE_OFF, "Xen", 4, 18, d8, 8);
	E.ph[0].filesz = E.ph[0].memsz = n;
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(ei.has_pvh);
	ck_assert_uint_eq(ei.pvh_entry, 0x1000080);

	/* 8-byte descriptor with high bits set */
	std64();
	tb_put64(d8, 0x100000000ull | 0x1000080);
	n = tb_note(img + NOTE_OFF, "Xen", 4, 18, d8, 8);
	E.ph[0].filesz = E.ph[0].memsz = n;
	rebuild();
	expect_fail(img, sizeof(img), LOADER_E_RANGE, "XEN_ELFNOTE_PHYS32_ENTRY");
}
END_TEST

START_TEST(notes_8_byte_aligned)
{
	struct elf_info ei;
	uint8_t *p = img + NOTE_OFF;

	/* gABI ELF64 layout: name "Xen\0" padded to 8, desc at +16 */
	std64();
	tb_put32(p, 4);
	tb_put32(p + 4, 4);
	tb_put32(p + 8, 18);
	memcpy(p + 12, "Xen\0\0\0\0\0", 8);	/* 12 + 4 = 16: already 8-aligned */
	tb_put32(p + 16, 0x10000c0);
	memset(p + 20, 0, 4);
	E.ph[0].filesz = E.ph[0].memsz = 24;
	E.ph[0].align = 8;
	rebuild();
	expect_ok(img, sizeof(img), &ei);
	ck_assert(ei.has_pvh);
	ck_assert_uint_eq(ei.pvh_entry, 0x10000c0);
}
END_TEST

/* Every prefix of a valid image fails cleanly (or parses), never crashes. */
START_TEST(every_truncation_is_clean)
{
	struct elf_info ei;
	struct loader_err err;
	uint8_t *copy;
	size_t n;

	std64();
	for (n = 0; n <= IMG_LEN; n++) {
		int r;

		copy = malloc(n ? n : 1);
		memcpy(copy, img, n);
		r = elf_parse(copy, n, &ei, &err);
		if (n < IMG_LEN)
			ck_assert_int_eq(r, LOADER_E_TRUNCATED);
		else
			ck_assert_int_eq(r, 0);
		free(copy);
	}
}
END_TEST


/* The one-line message names the file, the field and the status. */
START_TEST(error_message)
{
	struct elf_info ei;
	struct loader_err err;
	char line[256];

	std64();
	E.ph[2].paddr = 0x10017ff;
	rebuild();
	ck_assert_int_eq(elf_parse(img, sizeof(img), &ei, &err), LOADER_E_OVERLAP);
	loader_err_format(&err, "vmlinux", line, sizeof(line));
	ck_assert_str_eq(line, "vmlinux: p_paddr: program header 2 [0x10017ff, 0x10047ff) "
			 "overlaps segment [0x1000000, 0x1001800) (overlap)");
}
END_TEST

/*
 * Debian's cloud kernel: decompress its payload, then elf_parse must agree
 * with binutils' readelf on every PT_LOAD and on the PVH note (type 0x12,
 * an 8-byte descriptor in this kernel).
 */
START_TEST(real_kernel_agrees_with_readelf)
{
	const char *path = harness_asset_path("vmlinuz");
	struct bzimage_info bz;
	struct elf_info ei;
	struct loader_err err;
	struct run_result rr;
	uint8_t *kbuf, *elfbuf;
	size_t klen, elflen;
	char *tmp, *line;
	unsigned nload = 0;
	uint32_t pvh = 0;
	bool seen_pvh = false;

	kbuf = harness_read_file(path, &klen);
	if (!kbuf) {
		harness_skip("real_kernel_agrees_with_readelf",
			     "no Debian kernel (run `make assets`)");
		return;
	}
	ck_assert_int_eq(bzimage_parse(kbuf, klen, &bz, &err), 0);
	ck_assert_msg(bzimage_decompress(kbuf, klen, &bz, &elfbuf, &elflen, &err) == 0,
		      "decompress: %s: %s", err.field, err.detail);
	expect_ok(elfbuf, elflen, &ei);
	ck_assert(ei.is64);
	ck_assert(ei.has_pvh);

	tmp = harness_write_temp(elfbuf, elflen, ".elf");
	ck_assert_ptr_nonnull(tmp);
	{
		char *argv[] = { "readelf", "-lW", tmp, NULL };

		ck_assert_int_eq(harness_run(argv, 60, &rr), 0);
		ck_assert_int_eq(rr.status, 0);
	}
	for (line = strtok(rr.out, "\n"); line; line = strtok(NULL, "\n")) {
		uint64_t off, va, pa, fsz, msz;

		if (sscanf(line, " LOAD 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64
			   " 0x%" SCNx64, &off, &va, &pa, &fsz, &msz) != 5)
			continue;
		ck_assert_uint_lt(nload, ei.nsegments);
		ck_assert_uint_eq(ei.seg[nload].file_offset, off);
		ck_assert_uint_eq(ei.seg[nload].paddr, pa);
		ck_assert_uint_eq(ei.seg[nload].file_size, fsz);
		ck_assert_uint_eq(ei.seg[nload].mem_size, msz);
		nload++;
	}
	harness_free(&rr);
	ck_assert_uint_eq(nload, ei.nsegments);

	{
		char *argv[] = { "readelf", "-nW", tmp, NULL };

		ck_assert_int_eq(harness_run(argv, 60, &rr), 0);
		ck_assert_int_eq(rr.status, 0);
	}
	/* "  Xen   0x00000008   Unknown note type: (0x00000012)   description data: 50 08 ..." */
	for (line = strtok(rr.out, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned b[4];
		char *d;

		if (!strstr(line, "Xen") || !strstr(line, "(0x00000012)"))
			continue;
		d = strstr(line, "description data:");
		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(sscanf(d, "description data: %x %x %x %x", &b[0], &b[1], &b[2],
					&b[3]), 4);
		pvh = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
		seen_pvh = true;
	}
	harness_free(&rr);
	ck_assert_msg(seen_pvh, "readelf shows no PVH note");
	ck_assert_uint_eq(ei.pvh_entry, pvh);

	unlink(tmp);
	free(tmp);
	free(elfbuf);
	free(kbuf);
}
END_TEST

Suite *loader_elf_suite(void)
{
	Suite *s = suite_create("loader_elf");
	TCase *tc = tcase_create("elf");

	tcase_add_test(tc, elf64_vmlinux_shape);
	tcase_add_test(tc, elf64_virtual_entry_translated);
	tcase_add_test(tc, elf32_multiboot_shape);
	tcase_add_test(tc, elf32_pvh_note);
	tcase_add_test(tc, et_dyn_tolerated_and_empty_load_skipped);
	tcase_add_test(tc, adjacent_segments_ok);
	tcase_add_test(tc, bad_ident);
	tcase_add_test(tc, bad_type_and_machine);
	tcase_add_test(tc, bad_program_header_table);
	tcase_add_test(tc, bad_segment_bounds);
	tcase_add_test(tc, overlapping_segments);
	tcase_add_test(tc, segment_count_limit);
	tcase_add_test(tc, entry_outside_segments);
	tcase_add_test(tc, note_bounds);
	tcase_add_test(tc, pvh_note_variants);
	tcase_add_test(tc, notes_8_byte_aligned);
	tcase_add_test(tc, every_truncation_is_clean);
	tcase_add_test(tc, error_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("real_kernel");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, real_kernel_agrees_with_readelf);
	suite_add_tcase(s, tc);
	return s;
}
