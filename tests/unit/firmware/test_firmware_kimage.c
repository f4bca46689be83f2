/*
 * Kernel images on the host (firmware/logic/kimage.c): multiboot v1 (ELF32
 * and the a.out kludge) and PVH ELF64 probed to exact segments and entries,
 * other inputs refused by name, and the multiboot info and hvm_start_info
 * blocks filled field by field.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/logic/fwlogic.h"

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

Suite *firmware_kimage_suite(void)
{
	Suite *s = suite_create("firmware_kimage");
	TCase *tc = tcase_create("kernel_images");

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
