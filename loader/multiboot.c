/*
 * Multiboot v1 (the Multiboot Specification 0.6.96): the header in the image
 * and the information structure handed to the kernel in %ebx.
 *
 * Header, at a 4-byte aligned offset inside the first 8192 bytes:
 *   +0 magic  +4 flags  +8 checksum  (magic + flags + checksum == 0 mod 2^32)
 *   flag bit 16 (a.out kludge) adds:
 *   +12 header_addr  +16 load_addr  +20 load_end_addr  +24 bss_end_addr  +28 entry_addr
 */
#include <string.h>

#include "loader/loader.h"

#define MB_HDR_SIZE		12
#define MB_AOUT_HDR_SIZE	32

#define MB_FLAG_PAGE_ALIGN	(1u << 0)	/* modules on 4 KiB boundaries */
#define MB_FLAG_MEMORY_INFO	(1u << 1)	/* mem_* (and mmap) must be given */
#define MB_FLAG_VIDEO_MODE	(1u << 2)	/* a preference; we keep text mode */
#define MB_FLAG_AOUT_KLUDGE	(1u << 16)
#define MB_FLAGS_REQUIRED	0xffffu
#define MB_FLAGS_KNOWN		(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* Information structure (boot loader -> kernel). */
#define MBI_FLAG_MEM		(1u << 0)
#define MBI_FLAG_CMDLINE	(1u << 2)
#define MBI_FLAG_MODS		(1u << 3)
#define MBI_FLAG_MMAP		(1u << 6)
#define MBI_FLAG_LOADER_NAME	(1u << 9)

#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		116	/* through the framebuffer fields (all zero) */
#define MBI_MOD_SIZE		16	/* mod_start, mod_end, string, reserved */
#define MBI_MMAP_ENTRY_SIZE	24	/* size (=20), base_addr, length, type */

#define MB_LOADER_NAME		"bringup"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Find the first header whose checksum holds. */
static int header_find(const uint8_t *buf, size_t len, size_t *off, struct loader_err *err)
{
	size_t limit = len < MULTIBOOT_SEARCH ? len : MULTIBOOT_SEARCH;
	bool seen_magic = false;
	size_t bad_off = 0;
	uint32_t bad_sum = 0;
	size_t o;

	for (o = 0; o + MB_HDR_SIZE <= limit; o += 4) {
		uint32_t sum;

		if (get32(buf + o) != MULTIBOOT_HEADER_MAGIC)
			continue;
		sum = MULTIBOOT_HEADER_MAGIC + get32(buf + o + 4) + get32(buf + o + 8);
		if (sum == 0) {
			*off = o;
			return 0;
		}
		if (!seen_magic) {
			seen_magic = true;
			bad_off = o;
			bad_sum = sum;
		}
	}
	if (seen_magic)
		return loader_fail(err, LOADER_E_BAD_MAGIC, "checksum",
				   "header at 0x%zx: magic + flags + checksum = 0x%x, want 0",
				   bad_off, bad_sum);
	return loader_fail(err, LOADER_E_NOT_FOUND, "multiboot header",
			   "no 0x1BADB002 magic at a 4-byte boundary in the first %d bytes",
			   MULTIBOOT_SEARCH);
}

/* The a.out kludge: the header's own address fields say what to load. */
static int aout_resolve(const uint8_t *buf, size_t len, struct multiboot_info_hdr *mb,
			struct loader_err *err)
{
	const uint8_t *h = buf + mb->header_offset;
	uint64_t delta, file_off, load_size, mem_size, load_end;

	if (len - mb->header_offset < MB_AOUT_HDR_SIZE)
		return loader_fail(err, LOADER_E_TRUNCATED, "header_addr",
				   "a.out address fields at 0x%zx run past the end of the file "
				   "(%zu bytes)", mb->header_offset + MB_HDR_SIZE, len);
	mb->header_addr = get32(h + 12);
	mb->load_addr = get32(h + 16);
	mb->load_end_addr = get32(h + 20);
	mb->bss_end_addr = get32(h + 24);
	mb->entry_addr = get32(h + 28);

	if (mb->load_addr > mb->header_addr)
		return loader_fail(err, LOADER_E_RANGE, "load_addr",
				   "0x%x is above header_addr 0x%x", mb->load_addr, mb->header_addr);
	/* The header is loaded at header_addr, so the text starts delta before it. */
	delta = (uint64_t)mb->header_addr - mb->load_addr;
	if (delta > mb->header_offset)
		return loader_fail(err, LOADER_E_RANGE, "header_addr",
				   "header_addr - load_addr = 0x%llx but the header is at file "
				   "offset 0x%zx", (unsigned long long)delta, mb->header_offset);
	file_off = mb->header_offset - delta;

	if (mb->load_end_addr) {
		if (mb->load_end_addr < mb->load_addr)
			return loader_fail(err, LOADER_E_RANGE, "load_end_addr",
					   "0x%x is below load_addr 0x%x",
					   mb->load_end_addr, mb->load_addr);
		load_size = (uint64_t)mb->load_end_addr - mb->load_addr;
		if (load_size > len - file_off)
			return loader_fail(err, LOADER_E_TRUNCATED, "load_end_addr",
					   "0x%llx bytes from file offset 0x%llx but the file has "
					   "%zu bytes", (unsigned long long)load_size,
					   (unsigned long long)file_off, len);
	} else {
		load_size = len - file_off;	/* to the end of the file */
		if (load_size > UINT32_MAX - (uint64_t)mb->load_addr)
			return loader_fail(err, LOADER_E_OVERFLOW, "load_end_addr",
					   "0x%llx bytes at load_addr 0x%x pass 4 GiB",
					   (unsigned long long)load_size, mb->load_addr);
	}
	load_end = mb->load_addr + load_size;

	if (mb->bss_end_addr) {
		if (mb->bss_end_addr < load_end)
			return loader_fail(err, LOADER_E_RANGE, "bss_end_addr",
					   "0x%x is below the end of the loaded text 0x%llx",
					   mb->bss_end_addr, (unsigned long long)load_end);
		mem_size = (uint64_t)mb->bss_end_addr - mb->load_addr;
	} else {
		mem_size = load_size;
	}
	if (load_size == 0)
		return loader_fail(err, LOADER_E_RANGE, "load_end_addr", "nothing to load");
	if (mb->entry_addr < mb->load_addr || mb->entry_addr >= load_end)
		return loader_fail(err, LOADER_E_ENTRY, "entry_addr",
				   "0x%x is outside the loaded text [0x%x, 0x%llx)",
				   mb->entry_addr, mb->load_addr, (unsigned long long)load_end);

	mb->nsegments = 1;
	mb->seg[0].paddr = mb->load_addr;
	mb->seg[0].file_offset = file_off;
	mb->seg[0].file_size = load_size;
	mb->seg[0].mem_size = mem_size;
	mb->entry = mb->entry_addr;
	return 0;
}

/* No kludge: the image is ELF and everything must sit below 4 GiB. */
static int elf_resolve(const uint8_t *buf, size_t len, struct multiboot_info_hdr *mb,
		       struct loader_err *err)
{
	struct elf_info elf;
	unsigned i;
	int r;

	if (len < 4 || memcmp(buf, "\177ELF", 4) != 0)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "flags",
				   "bit 16 (a.out kludge) is clear and the image is not ELF");
	r = elf_parse(buf, len, &elf, err);
	if (r)
		return r;
	if (elf.high > (uint64_t)UINT32_MAX + 1)
		return loader_fail(err, LOADER_E_RANGE, "p_paddr",
				   "segments end at 0x%llx, above 4 GiB",
				   (unsigned long long)elf.high);
	if (elf.entry_paddr == 0 || elf.entry_paddr > UINT32_MAX)
		return loader_fail(err, LOADER_E_ENTRY, "e_entry",
				   "entry 0x%llx does not resolve to a 32-bit physical address",
				   (unsigned long long)elf.entry);
	mb->nsegments = elf.nsegments;
	for (i = 0; i < elf.nsegments; i++)
		mb->seg[i] = elf.seg[i];
	mb->entry = (uint32_t)elf.entry_paddr;
	return 0;
}

int multiboot_parse(const uint8_t *buf, size_t len, struct multiboot_info_hdr *mb,
		    struct loader_err *err)
{
	uint32_t unknown;
	size_t off = 0;
	int r;

	memset(mb, 0, sizeof(*mb));
	r = header_find(buf, len, &off, err);
	if (r)
		return r;
	mb->header_offset = off;
	mb->flags = get32(buf + off + 4);

	unknown = mb->flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN;
	if (unknown)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "flags",
				   "required bit %d (flags 0x%08x) is not supported",
				   __builtin_ctz(unknown), mb->flags);

	mb->aout_kludge = mb->flags & MB_FLAG_AOUT_KLUDGE;
	if (mb->aout_kludge)
		return aout_resolve(buf, len, mb, err);
	return elf_resolve(buf, len, mb, err);
}

/* ---- information structure ------------------------------------------------- */

/* KiB of RAM contiguous from addr (merging adjacent RAM entries). */
static uint64_t ram_run_kib(const struct e820_entry *e, unsigned n, uint64_t addr)
{
	uint64_t cur = addr;
	bool grew = true;
	unsigned i;

	while (grew) {
		grew = false;
		for (i = 0; i < n; i++) {
			if (e[i].type != E820_RAM)
				continue;
			if (cur >= e[i].addr && cur - e[i].addr < e[i].size) {
				uint64_t end = e[i].addr + e[i].size;

				if (end < e[i].addr)	/* wraps: cap at the top */
					end = UINT64_MAX;
				cur = end;
				grew = true;
			}
		}
	}
	return (cur - addr) / 1024;
}

/* Reserve len bytes at *pos (aligned to align) in a buffer of cap bytes. */
static int place(size_t *pos, size_t len, size_t align, size_t cap, size_t *at)
{
	size_t p = (*pos + align - 1) & ~(align - 1);

	if (p < *pos || p > cap || len > cap - p)
		return -1;
	*at = p;
	*pos = p + len;
	return 0;
}

int multiboot_info_build(const struct multiboot_args *a, uint8_t *buf, size_t len,
			 struct loader_err *err)
{
	uint32_t flags = MBI_FLAG_LOADER_NAME;
	size_t pos = 0, at_info, at_cmd = 0, at_name, at_modcmd = 0, at_mods = 0, at_mmap = 0;
	const char *mod_cmd = a->mod_cmdline ? a->mod_cmdline : "";
	bool has_mod = a->mod_start || a->mod_end;
	size_t mmap_len;
	unsigned i;

	if (a->e820_entries > E820_MAX)
		return loader_fail(err, LOADER_E_RANGE, "e820_entries",
				   "%u entries, at most %d", a->e820_entries, E820_MAX);
	if (a->e820_entries && !a->e820)
		return loader_fail(err, LOADER_E_RANGE, "e820", "no map for %u entries",
				   a->e820_entries);
	if (has_mod && a->mod_end < a->mod_start)
		return loader_fail(err, LOADER_E_RANGE, "mod_end",
				   "0x%x is below mod_start 0x%x", a->mod_end, a->mod_start);
	mmap_len = (size_t)a->e820_entries * MBI_MMAP_ENTRY_SIZE;

	if (place(&pos, MBI_SIZE, 4, len, &at_info) ||
	    (a->cmdline && place(&pos, strlen(a->cmdline) + 1, 1, len, &at_cmd)) ||
	    place(&pos, sizeof(MB_LOADER_NAME), 1, len, &at_name) ||
	    (has_mod && place(&pos, strlen(mod_cmd) + 1, 1, len, &at_modcmd)) ||
	    (has_mod && place(&pos, MBI_MOD_SIZE, 4, len, &at_mods)) ||
	    place(&pos, mmap_len, 4, len, &at_mmap))
		return loader_fail(err, LOADER_E_RANGE, "multiboot info",
				   "buffer of %zu bytes is too small", len);
	if (pos > INT32_MAX)
		return loader_fail(err, LOADER_E_RANGE, "multiboot info",
				   "%zu bytes is too large", pos);
	if ((uint64_t)a->info_addr + pos > (uint64_t)UINT32_MAX + 1)
		return loader_fail(err, LOADER_E_OVERFLOW, "info_addr",
				   "0x%x + %zu bytes passes 4 GiB", a->info_addr, pos);

	memset(buf, 0, pos);
	if (a->e820_entries) {
		uint64_t lower = ram_run_kib(a->e820, a->e820_entries, 0);
		uint64_t upper = ram_run_kib(a->e820, a->e820_entries, 0x100000);

		put32(buf + at_info + MBI_MEM_LOWER, lower > 640 ? 640 : (uint32_t)lower);
		put32(buf + at_info + MBI_MEM_UPPER,
		      upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper);
		put32(buf + at_info + MBI_MMAP_LENGTH, (uint32_t)mmap_len);
		put32(buf + at_info + MBI_MMAP_ADDR, a->info_addr + (uint32_t)at_mmap);
		for (i = 0; i < a->e820_entries; i++) {
			uint8_t *m = buf + at_mmap + (size_t)i * MBI_MMAP_ENTRY_SIZE;

			/* size counts the bytes after itself */
			put32(m, MBI_MMAP_ENTRY_SIZE - 4);
			put64(m + 4, a->e820[i].addr);
			put64(m + 12, a->e820[i].size);
			put32(m + 20, a->e820[i].type);
		}
		flags |= MBI_FLAG_MEM | MBI_FLAG_MMAP;
	}
	if (a->cmdline) {
		memcpy(buf + at_cmd, a->cmdline, strlen(a->cmdline) + 1);
		put32(buf + at_info + MBI_CMDLINE, a->info_addr + (uint32_t)at_cmd);
		flags |= MBI_FLAG_CMDLINE;
	}
	memcpy(buf + at_name, MB_LOADER_NAME, sizeof(MB_LOADER_NAME));
	put32(buf + at_info + MBI_LOADER_NAME, a->info_addr + (uint32_t)at_name);
	if (has_mod) {
		memcpy(buf + at_modcmd, mod_cmd, strlen(mod_cmd) + 1);
		put32(buf + at_mods, a->mod_start);
		put32(buf + at_mods + 4, a->mod_end);
		put32(buf + at_mods + 8, a->info_addr + (uint32_t)at_modcmd);
		put32(buf + at_info + MBI_MODS_COUNT, 1);
		put32(buf + at_info + MBI_MODS_ADDR, a->info_addr + (uint32_t)at_mods);
		flags |= MBI_FLAG_MODS;
	}
	put32(buf + at_info + MBI_FLAGS, flags);
	return (int)pos;
}
