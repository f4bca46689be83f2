/*
 * Kernel files the firmware loads itself: multiboot v1 and PVH ELF. On QEMU
 * its own option ROMs load these; on our board the whole file arrives in
 * fw_cfg. The probe reads only through the callback, checks every offset,
 * size and address before it becomes a segment, and leaves the copying to
 * the caller. Order as in QEMU's loader: bzImage, multiboot, PVH note.
 */
#include "firmware/logic/fwlogic.h"

#define ELF_MAGIC		0x464c457f	/* "\177ELF" */
#define EI_CLASS		4
#define EI_DATA			5
#define ELFCLASS32		1
#define ELFCLASS64		2
#define ELFDATA2LSB		1
#define EM_386			3
#define EM_X86_64		62
#define PT_LOAD			1
#define PT_NOTE			4
#define ELF32_EHDR		52
#define ELF64_EHDR		64
#define ELF32_PHDR		32
#define ELF64_PHDR		56
#define PHDR_TAB_MAX		(KIMG_MAX_PHDRS * ELF64_PHDR)
#define NOTE_MAX		(MB_SEARCH_LEN - PHDR_TAB_MAX)	/* below the phdr table */
#define FOUR_G			0x100000000ULL

#define BZ_HEADER_OFF		0x202
#define BZ_HDRS_MAGIC		0x53726448	/* "HdrS" */

/* multiboot header offsets */
#define MBH_FLAGS		4
#define MBH_CHECKSUM		8
#define MBH_HEADER_ADDR		12
#define MBH_LOAD_ADDR		16
#define MBH_LOAD_END		20
#define MBH_BSS_END		24
#define MBH_ENTRY		28
#define MBH_AOUT_LEN		32

struct elf_hdr {
	bool is64;
	u64 entry, phoff;
	u16 phentsize, phnum;
};

struct elf_phdr {
	u32 type;
	u64 offset, vaddr, paddr, filesz, memsz;
};

/* The scratch buffer for reads: the head of the file, then phdrs, then notes. */
static u8 *scratch(struct kimg *k)
{
	return k->scratch;
}

static enum kimg_err src_read(const struct kimg_src *src, u64 off, void *buf, u32 len)
{
	if (off > src->size || len > src->size - off)
		return KIMG_ERR_READ;
	return src->read(src->ctx, (u32)off, buf, len) ? KIMG_ERR_READ : KIMG_OK;
}

static enum kimg_err elf_parse_hdr(const u8 *h, u32 len, struct elf_hdr *eh)
{
	if (len < ELF32_EHDR || get_le32(h) != ELF_MAGIC || h[EI_DATA] != ELFDATA2LSB)
		return KIMG_ERR_ELF_HEADER;
	if (h[EI_CLASS] == ELFCLASS32) {
		eh->is64 = false;
		if (get_le16(h + 18) != EM_386)
			return KIMG_ERR_ELF_HEADER;
		eh->entry = get_le32(h + 24);
		eh->phoff = get_le32(h + 28);
		eh->phentsize = get_le16(h + 42);
		eh->phnum = get_le16(h + 44);
		if (eh->phentsize != ELF32_PHDR)
			return KIMG_ERR_ELF_HEADER;
	} else if (h[EI_CLASS] == ELFCLASS64) {
		eh->is64 = true;
		if (len < ELF64_EHDR || get_le16(h + 18) != EM_X86_64)
			return KIMG_ERR_ELF_HEADER;
		eh->entry = get_le64(h + 24);
		eh->phoff = get_le64(h + 32);
		eh->phentsize = get_le16(h + 54);
		eh->phnum = get_le16(h + 56);
		if (eh->phentsize != ELF64_PHDR)
			return KIMG_ERR_ELF_HEADER;
	} else {
		return KIMG_ERR_ELF_HEADER;
	}
	if (!eh->phnum || eh->phnum > KIMG_MAX_PHDRS)
		return KIMG_ERR_ELF_HEADER;
	return KIMG_OK;
}

static void elf_get_phdr(const struct elf_hdr *eh, const u8 *p, struct elf_phdr *ph)
{
	ph->type = get_le32(p);
	if (eh->is64) {
		ph->offset = get_le64(p + 8);
		ph->vaddr = get_le64(p + 16);
		ph->paddr = get_le64(p + 24);
		ph->filesz = get_le64(p + 32);
		ph->memsz = get_le64(p + 40);
	} else {
		ph->offset = get_le32(p + 4);
		ph->vaddr = get_le32(p + 8);
		ph->paddr = get_le32(p + 12);
		ph->filesz = get_le32(p + 16);
		ph->memsz = get_le32(p + 20);
	}
}

static enum kimg_err add_seg(struct kimg *k, const struct kimg_src *src, u64 off, u64 filesz,
			     u64 paddr, u64 memsz)
{
	struct kimg_seg *s;

	if (!memsz)
		return KIMG_OK;
	if (filesz > memsz || off > src->size || filesz > src->size - off ||
	    paddr >= FOUR_G || memsz > FOUR_G - paddr)
		return KIMG_ERR_ELF_SEGMENT;
	if (k->nr_seg == KIMG_MAX_SEGS)
		return KIMG_ERR_TOO_MANY;
	s = &k->seg[k->nr_seg++];
	s->file_off = (u32)off;
	s->filesz = (u32)filesz;
	s->paddr = (u32)paddr;
	s->memsz = (u32)memsz;
	if (k->nr_seg == 1 || s->paddr < k->load_start)
		k->load_start = s->paddr;
	if ((u64)s->paddr + s->memsz > k->load_end)
		k->load_end = (u64)s->paddr + s->memsz;
	return KIMG_OK;
}

static bool entry_loaded(const struct kimg *k, u32 entry)
{
	for (u32 i = 0; i < k->nr_seg; i++)
		if (entry >= k->seg[i].paddr && entry - k->seg[i].paddr < k->seg[i].memsz)
			return true;
	return false;
}

/* The PVH entry from a PT_NOTE segment; *found stays false when absent. */
static enum kimg_err pvh_scan_note(struct kimg *k, const struct kimg_src *src,
				   const struct elf_phdr *ph, bool *found, u32 *entry)
{
	u32 len = ph->filesz > NOTE_MAX ? NOTE_MAX : (u32)ph->filesz;
	u8 *n = scratch(k);
	enum kimg_err err;

	if (ph->offset > src->size || ph->filesz > src->size - ph->offset)
		return KIMG_ERR_ELF_SEGMENT;
	err = src_read(src, ph->offset, n, len);
	if (err)
		return err;
	for (u32 at = 0; len - at >= 12;) {
		u32 namesz = get_le32(n + at), descsz = get_le32(n + at + 4);
		u32 type = get_le32(n + at + 8);
		u32 name_at = at + 12, desc_at, next;

		if (namesz > len || descsz > len)
			break;
		desc_at = name_at + ALIGN_UP(namesz, 4);
		next = desc_at + ALIGN_UP(descsz, 4);
		if (desc_at > len || next > len)
			break;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 && !memcmp(n + name_at, "Xen", 4)) {
			if (descsz == 4) {
				*entry = get_le32(n + desc_at);
			} else if (descsz == 8 && get_le32(n + desc_at + 4) == 0) {
				*entry = get_le32(n + desc_at);
			} else {
				return KIMG_ERR_PVH_NOTE;
			}
			*found = true;
			return KIMG_OK;
		}
		at = next;
	}
	return KIMG_OK;
}

/* PT_LOAD segments at p_paddr; for PVH also the note. Multiboot wants ELF32. */
static enum kimg_err elf_load(struct kimg *k, const struct kimg_src *src, u32 head_len,
			      bool multiboot)
{
	struct elf_hdr eh;
	struct elf_phdr ph;
	enum kimg_err err;
	bool pvh_found = false;
	u32 pvh_entry = 0, tab_len;
	u64 entry;
	u8 *tab;

	err = elf_parse_hdr(scratch(k), head_len, &eh);
	if (err)
		return multiboot ? err : KIMG_ERR_FORMAT;
	if (multiboot && eh.is64)
		return KIMG_ERR_MB_ELF64;
	tab_len = (u32)eh.phnum * eh.phentsize;
	if (eh.phoff > src->size || tab_len > src->size - eh.phoff)
		return KIMG_ERR_ELF_HEADER;
	/* the table sits at the end of scratch; notes are read below it */
	tab = scratch(k) + NOTE_MAX;
	err = src_read(src, eh.phoff, tab, tab_len);
	if (err)
		return err;

	entry = eh.entry;
	for (u32 i = 0; i < eh.phnum; i++) {
		elf_get_phdr(&eh, tab + i * eh.phentsize, &ph);
		if (ph.type == PT_LOAD) {
			err = add_seg(k, src, ph.offset, ph.filesz, ph.paddr, ph.memsz);
			if (err)
				return err;
			/* a virtual entry (vaddr != paddr) runs at its physical twin */
			if (ph.vaddr != ph.paddr && eh.entry >= ph.vaddr &&
			    eh.entry - ph.vaddr < ph.memsz)
				entry = ph.paddr + (eh.entry - ph.vaddr);
		} else if (ph.type == PT_NOTE && !multiboot && !pvh_found) {
			err = pvh_scan_note(k, src, &ph, &pvh_found, &pvh_entry);
			if (err)
				return err;
		}
	}
	if (!multiboot) {
		if (!pvh_found)
			return KIMG_ERR_FORMAT;
		entry = pvh_entry;
	}
	if (!k->nr_seg)
		return KIMG_ERR_NO_SEGMENTS;
	if (entry >= FOUR_G || !entry_loaded(k, (u32)entry))
		return KIMG_ERR_ENTRY;
	k->entry = (u32)entry;
	k->kind = multiboot ? KIMG_MULTIBOOT : KIMG_PVH;
	return KIMG_OK;
}

/* The a.out kludge: the header's own address fields say what goes where. */
static enum kimg_err mb_load_aout(struct kimg *k, const struct kimg_src *src, u32 at)
{
	const u8 *h = scratch(k) + at;
	u32 header_addr = get_le32(h + MBH_HEADER_ADDR), load = get_le32(h + MBH_LOAD_ADDR);
	u32 load_end = get_le32(h + MBH_LOAD_END), bss_end = get_le32(h + MBH_BSS_END);
	u32 entry = get_le32(h + MBH_ENTRY), off, filesz, memsz;

	if (load > header_addr || header_addr - load > at)
		return KIMG_ERR_MB_AOUT;
	off = at - (header_addr - load);
	if (!load_end)
		filesz = src->size - off;
	else if (load_end > load && load_end - load <= src->size - off)
		filesz = load_end - load;
	else
		return KIMG_ERR_MB_AOUT;
	if (!bss_end)
		memsz = filesz;
	else if (bss_end >= load && bss_end - load >= filesz)
		memsz = bss_end - load;
	else
		return KIMG_ERR_MB_AOUT;
	if (!memsz || (u64)load + memsz > FOUR_G)
		return KIMG_ERR_MB_AOUT;
	if (add_seg(k, src, off, filesz, load, memsz))
		return KIMG_ERR_MB_AOUT;
	if (!entry_loaded(k, entry))
		return KIMG_ERR_ENTRY;
	k->entry = entry;
	k->kind = KIMG_MULTIBOOT;
	return KIMG_OK;
}

/* Offset of a valid multiboot header in the head, or -1. */
static s32 mb_find(const u8 *head, u32 len)
{
	for (u32 at = 0; at + 12 <= len; at += 4) {
		u32 magic = get_le32(head + at), flags = get_le32(head + at + MBH_FLAGS);

		if (magic == MB_HEADER_MAGIC &&
		    (u32)(magic + flags + get_le32(head + at + MBH_CHECKSUM)) == 0)
			return (s32)at;
	}
	return -1;
}

enum kimg_err kimg_probe(const struct kimg_src *src, struct kimg *k)
{
	u32 head_len = src->size < MB_SEARCH_LEN ? src->size : MB_SEARCH_LEN;
	enum kimg_err err;
	s32 at;

	memset(k, 0, sizeof(*k) - sizeof(k->scratch));
	err = src_read(src, 0, scratch(k), head_len);
	if (err)
		return err;
	if (head_len >= BZ_HEADER_OFF + 4 && get_le32(scratch(k) + BZ_HEADER_OFF) == BZ_HDRS_MAGIC) {
		k->kind = KIMG_BZIMAGE;
		return KIMG_OK;
	}
	at = mb_find(scratch(k), head_len);
	if (at >= 0) {
		k->mb_flags = get_le32(scratch(k) + at + MBH_FLAGS);
		if (k->mb_flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN)
			return KIMG_ERR_MB_FLAGS;
		if (k->mb_flags & MB_FLAG_AOUT) {
			if ((u32)at + MBH_AOUT_LEN > head_len)
				return KIMG_ERR_MB_AOUT;
			return mb_load_aout(k, src, (u32)at);
		}
		return elf_load(k, src, head_len, true);
	}
	return elf_load(k, src, head_len, false);
}

const char *kimg_strerror(enum kimg_err err)
{
	static const char *const msg[] = {
		[KIMG_OK] = "ok",
		[KIMG_ERR_READ] = "reading the kernel file failed",
		[KIMG_ERR_FORMAT] = "not a bzImage, multiboot v1 image or ELF with a PVH note",
		[KIMG_ERR_MB_FLAGS] = "multiboot header requires an unsupported feature (flags 3-15)",
		[KIMG_ERR_MB_AOUT] = "multiboot a.out addresses inconsistent or outside the file",
		[KIMG_ERR_MB_ELF64] = "multiboot ELF is ELF64 and has no a.out addresses",
		[KIMG_ERR_ELF_HEADER] = "bad ELF header or program header table",
		[KIMG_ERR_ELF_SEGMENT] = "ELF segment outside the file, filesz > memsz, or above 4 GiB",
		[KIMG_ERR_TOO_MANY] = "too many PT_LOAD segments",
		[KIMG_ERR_NO_SEGMENTS] = "no PT_LOAD segment",
		[KIMG_ERR_ENTRY] = "entry point outside the loaded segments",
		[KIMG_ERR_PVH_NOTE] = "PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) malformed",
	};

	return (unsigned)err < ARRAY_SIZE(msg) && msg[err] ? msg[err] : "?";
}

/* ---- boot information blocks ---------------------------------------------- */

void mb_mem_sizes(const struct e820_map *m, u32 *lower, u32 *upper)
{
	*lower = *upper = 0;
	for (u32 i = 0; m && i < m->nr; i++) {
		const struct e820_entry *e = &m->e[i];
		u64 end = e->addr + e->size;

		if (e->type != E820_RAM)
			continue;
		if (e->addr == 0)
			*lower = (u32)((end > 0xa0000 ? 0xa0000 : end) >> 10);
		if (e->addr <= 0x100000 && end > 0x100000) {
			u64 kb = (end - 0x100000) >> 10;

			*upper = kb > 0xffffffffULL ? 0xffffffffU : (u32)kb;
		}
	}
}

u32 mb_info_fill(u8 *area, u32 area_addr, u32 size, const struct kboot_info *in)
{
	u32 nr = in->e820 ? in->e820->nr : 0;
	u32 mods = MBI_SIZE, mmap = mods + MB_MOD_SIZE, need = mmap + nr * MB_MMAP_ENTRY;
	u32 flags = MBI_F_MEM | MBI_F_MODS | MBI_F_MMAP, lower, upper;

	if (need > size || (u64)area_addr + need > FOUR_G)
		return 0;
	memset(area, 0, need);
	mb_mem_sizes(in->e820, &lower, &upper);
	put_le32(area + MBI_MEM_LOWER, lower);
	put_le32(area + MBI_MEM_UPPER, upper);
	if (in->cmdline_addr) {
		flags |= MBI_F_CMDLINE;
		put_le32(area + MBI_CMDLINE, in->cmdline_addr);
	}
	if (in->loader_name_addr) {
		flags |= MBI_F_LOADER_NAME;
		put_le32(area + MBI_LOADER_NAME, in->loader_name_addr);
	}
	if (in->initrd_size) {
		put_le32(area + MBI_MODS_COUNT, 1);
		put_le32(area + mods, in->initrd_addr);
		put_le32(area + mods + 4, in->initrd_addr + in->initrd_size);
		put_le32(area + mods + 8, in->module_string_addr);
	}
	put_le32(area + MBI_MODS_ADDR, area_addr + mods);
	for (u32 i = 0; i < nr; i++) {
		u8 *p = area + mmap + i * MB_MMAP_ENTRY;

		put_le32(p, MB_MMAP_ENTRY - 4);
		put_le64(p + 4, in->e820->e[i].addr);
		put_le64(p + 12, in->e820->e[i].size);
		put_le32(p + 20, in->e820->e[i].type);
	}
	put_le32(area + MBI_MMAP_LENGTH, nr * MB_MMAP_ENTRY);
	put_le32(area + MBI_MMAP_ADDR, area_addr + mmap);
	put_le32(area + MBI_FLAGS, flags);
	return area_addr;
}

/*
 * Written for a JIT (the PVH hand-over runs it under QEMU TCG): the selects
 * are masks, the addresses u32 (the area lies below 4 GiB, checked first),
 * the zeroing covers what is not stored, and the map is one loop over a
 * local pointer.
 */
u32 pvh_info_fill(u8 *area, u32 area_addr, u32 size, const struct kboot_info *in)
{
	const struct e820_entry *e = in->e820 ? in->e820->e : NULL;
	u32 nr = in->e820 ? in->e820->nr : 0, has_mod = -(u32)(in->initrd_size != 0);
	u32 map = PVH_SI_SIZE + (PVH_MOD_SIZE & has_mod);
	u32 need = map + nr * PVH_MEMMAP_ENTRY;
	u8 *p = area + map;

	/* past 4 GiB: area_addr > 2^32 - need, in u32 (need is at least PVH_SI_SIZE) */
	if ((need > size) | (area_addr > 0u - need))
		return 0;
	memset(area, 0, need);
	put_le32(area + PVH_SI_MAGIC, PVH_START_MAGIC);
	put_le32(area + PVH_SI_VERSION, 1);
	put_le32(area + PVH_SI_NR_MODULES, has_mod & 1);
	/* the upper halves of these u64 fields stay as zeroed */
	put_le32(area + PVH_SI_MODLIST, (area_addr + PVH_SI_SIZE) & has_mod);
	put_le32(area + PVH_SI_CMDLINE, in->cmdline_addr);
	put_le64(area + PVH_SI_RSDP, in->rsdp);
	put_le32(area + PVH_SI_MEMMAP, (area_addr + map) & -(u32)(nr != 0));
	put_le32(area + PVH_SI_MEMMAP_ENTRIES, nr);
	if (has_mod) {
		put_le32(area + PVH_SI_SIZE, in->initrd_addr);
		put_le32(area + PVH_SI_SIZE + 8, in->initrd_size);
		put_le32(area + PVH_SI_SIZE + 16, in->module_string_addr);
	}
	for (u32 i = 0; i < nr; i++, p += PVH_MEMMAP_ENTRY, e++) {
		JIT_LOOP_TOP();
		put_le64(p, e->addr);
		put_le64(p + 8, e->size);
		put_le32(p + 16, e->type);
	}
	return area_addr;
}
