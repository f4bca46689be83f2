/*
 * ELF32/ELF64 little-endian x86 images: PT_LOAD segments and the PVH entry
 * note (XEN_ELFNOTE_PHYS32_ENTRY, name "Xen", type 18).
 *
 * Every header field is read byte-wise from the buffer (no struct casts, so
 * no alignment or padding assumptions) and checked against the buffer length
 * with overflow-safe arithmetic before anything points at it.
 */
#include <inttypes.h>
#include <string.h>

#include "loader/loader.h"

#define EI_NIDENT	16
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1

#define ET_EXEC		2
#define ET_DYN		3
#define EM_386		3
#define EM_X86_64	62

#define PT_LOAD		1
#define PT_NOTE		4
#define PN_XNUM		0xffff

#define ELF32_EHDR_SIZE	52
#define ELF64_EHDR_SIZE	64
#define ELF32_PHDR_SIZE	32
#define ELF64_PHDR_SIZE	56
#define NOTE_HDR_SIZE	12

#define XEN_ELFNOTE_PHYS32_ENTRY 18

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* One program header, widened to 64 bits whatever the class. */
struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static void phdr_read(const uint8_t *p, bool is64, struct phdr *ph)
{
	ph->type = get32(p);
	if (is64) {
		ph->offset = get64(p + 8);
		ph->vaddr = get64(p + 16);
		ph->paddr = get64(p + 24);
		ph->filesz = get64(p + 32);
		ph->memsz = get64(p + 40);
		ph->align = get64(p + 48);
	} else {
		ph->offset = get32(p + 4);
		ph->vaddr = get32(p + 8);
		ph->paddr = get32(p + 12);
		ph->filesz = get32(p + 16);
		ph->memsz = get32(p + 20);
		ph->align = get32(p + 28);
	}
}

/* [offset, offset + size) must lie inside the file. */
static int check_in_file(uint64_t offset, uint64_t size, size_t len, const char *field,
			 unsigned idx, struct loader_err *err)
{
	uint64_t end;

	if (__builtin_add_overflow(offset, size, &end))
		return loader_fail(err, LOADER_E_OVERFLOW, field,
				   "program header %u: offset 0x%" PRIx64 " + size 0x%" PRIx64
				   " overflows", idx, offset, size);
	if (end > len)
		return loader_fail(err, LOADER_E_TRUNCATED, field,
				   "program header %u: [0x%" PRIx64 ", 0x%" PRIx64
				   ") runs past the end of the file (%zu bytes)",
				   idx, offset, end, len);
	return 0;
}

/*
 * Walk the notes of one PT_NOTE segment (already checked to lie in the file).
 * Notes are 4-byte aligned; 8 when the segment says so (gABI for ELF64).
 */
static int notes_walk(const uint8_t *buf, const struct phdr *ph, unsigned idx,
		      struct elf_info *elf, struct loader_err *err)
{
	uint64_t align = ph->align == 8 ? 8 : 4;
	uint64_t pos = 0, size = ph->filesz;
	const uint8_t *seg = buf + ph->offset;

	while (size - pos >= NOTE_HDR_SIZE) {
		uint64_t namesz = get32(seg + pos);
		uint64_t descsz = get32(seg + pos + 4);
		uint32_t type = get32(seg + pos + 8);
		/* Widened to 64 bits: these sums cannot overflow. */
		uint64_t name_off = pos + NOTE_HDR_SIZE;
		uint64_t desc_off = (name_off + namesz + align - 1) & ~(align - 1);
		uint64_t next = (desc_off + descsz + align - 1) & ~(align - 1);

		if (desc_off > size)
			return loader_fail(err, LOADER_E_TRUNCATED, "n_namesz",
					   "note at 0x%" PRIx64 " in program header %u: name of %"
					   PRIu64 " bytes runs past the segment (%" PRIu64 " bytes)",
					   ph->offset + pos, idx, namesz, size);
		if (next > size)
			return loader_fail(err, LOADER_E_TRUNCATED, "n_descsz",
					   "note at 0x%" PRIx64 " in program header %u: desc of %"
					   PRIu64 " bytes runs past the segment (%" PRIu64 " bytes)",
					   ph->offset + pos, idx, descsz, size);

		if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
		    memcmp(seg + name_off, "Xen", 4) == 0 && !elf->has_pvh) {
			const uint8_t *d = seg + desc_off;

			if (descsz == 4) {
				elf->pvh_entry = get32(d);
			} else if (descsz == 8) {
				uint64_t v = get64(d);

				if (v >> 32)
					return loader_fail(err, LOADER_E_RANGE,
							   "XEN_ELFNOTE_PHYS32_ENTRY",
							   "entry 0x%" PRIx64 " is not a 32-bit address",
							   v);
				elf->pvh_entry = (uint32_t)v;
			} else {
				return loader_fail(err, LOADER_E_RANGE, "XEN_ELFNOTE_PHYS32_ENTRY",
						   "descriptor of %" PRIu64 " bytes, want 4 or 8",
						   descsz);
			}
			elf->has_pvh = true;
		}
		pos = next;
	}
	/* Fewer than a note header's bytes left over: alignment padding. */
	return 0;
}

static bool in_range(uint64_t a, uint64_t start, uint64_t size)
{
	return a >= start && a - start < size;
}

static int ident_check(const uint8_t *buf, size_t len, struct loader_err *err)
{
	if (len < EI_NIDENT)
		return loader_fail(err, LOADER_E_TRUNCATED, "e_ident",
				   "file of %zu bytes is shorter than the ELF identification", len);
	if (memcmp(buf, "\177ELF", 4) != 0)
		return loader_fail(err, LOADER_E_BAD_MAGIC, "e_ident",
				   "magic %02x %02x %02x %02x, want 7f 45 4c 46",
				   buf[0], buf[1], buf[2], buf[3]);
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "EI_CLASS",
				   "class %u, want 1 (ELF32) or 2 (ELF64)", buf[EI_CLASS]);
	if (buf[EI_DATA] != ELFDATA2LSB)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "EI_DATA",
				   "data encoding %u, want 1 (little-endian)", buf[EI_DATA]);
	if (buf[EI_VERSION] != EV_CURRENT)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "EI_VERSION",
				   "version %u, want 1", buf[EI_VERSION]);
	return 0;
}

int elf_parse(const uint8_t *buf, size_t len, struct elf_info *elf, struct loader_err *err)
{
	uint64_t vaddr[LOADER_MAX_SEGMENTS];
	uint64_t phoff, tbl_size, tbl_end;
	unsigned phentsize, phnum, want_phentsize, i, j;
	uint16_t type, machine;
	bool is64;
	int r;

	memset(elf, 0, sizeof(*elf));
	r = ident_check(buf, len, err);
	if (r)
		return r;
	is64 = buf[EI_CLASS] == ELFCLASS64;
	if (len < (is64 ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE))
		return loader_fail(err, LOADER_E_TRUNCATED, "e_ehsize",
				   "file of %zu bytes is shorter than the ELF%d header",
				   len, is64 ? 64 : 32);

	type = get16(buf + 16);
	machine = get16(buf + 18);
	if (type != ET_EXEC && type != ET_DYN)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "e_type",
				   "type %u, want 2 (executable) or 3 (shared object)", type);
	if (is64 ? machine != EM_X86_64 : machine != EM_386)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "e_machine",
				   "machine %u in an ELF%d file, want %u", machine,
				   is64 ? 64 : 32, is64 ? EM_X86_64 : EM_386);

	if (is64) {
		elf->entry = get64(buf + 24);
		phoff = get64(buf + 32);
		phentsize = get16(buf + 54);
		phnum = get16(buf + 56);
		want_phentsize = ELF64_PHDR_SIZE;
	} else {
		elf->entry = get32(buf + 24);
		phoff = get32(buf + 28);
		phentsize = get16(buf + 42);
		phnum = get16(buf + 44);
		want_phentsize = ELF32_PHDR_SIZE;
	}
	elf->is64 = is64;
	elf->machine = machine;

	if (phnum == 0)
		return loader_fail(err, LOADER_E_NOT_FOUND, "e_phnum",
				   "no program headers");
	if (phnum == PN_XNUM)
		return loader_fail(err, LOADER_E_UNSUPPORTED, "e_phnum",
				   "extended program header numbering (PN_XNUM)");
	if (phentsize != want_phentsize)
		return loader_fail(err, LOADER_E_RANGE, "e_phentsize",
				   "%u bytes, want %u", phentsize, want_phentsize);
	if (__builtin_mul_overflow((uint64_t)phnum, (uint64_t)phentsize, &tbl_size) ||
	    __builtin_add_overflow(phoff, tbl_size, &tbl_end))
		return loader_fail(err, LOADER_E_OVERFLOW, "e_phoff",
				   "table at 0x%" PRIx64 " of %u x %u bytes overflows",
				   phoff, phnum, phentsize);
	if (tbl_end > len)
		return loader_fail(err, LOADER_E_TRUNCATED, "e_phoff",
				   "table [0x%" PRIx64 ", 0x%" PRIx64 ") runs past the end of the "
				   "file (%zu bytes)", phoff, tbl_end, len);

	for (i = 0; i < phnum; i++) {
		struct phdr ph;
		struct load_segment *s;
		uint64_t end;

		phdr_read(buf + phoff + (uint64_t)i * phentsize, is64, &ph);
		if (ph.type == PT_NOTE) {
			r = check_in_file(ph.offset, ph.filesz, len, "p_offset", i, err);
			if (r)
				return r;
			r = notes_walk(buf, &ph, i, elf, err);
			if (r)
				return r;
			continue;
		}
		if (ph.type != PT_LOAD)
			continue;

		r = check_in_file(ph.offset, ph.filesz, len, "p_offset", i, err);
		if (r)
			return r;
		if (ph.filesz > ph.memsz)
			return loader_fail(err, LOADER_E_RANGE, "p_filesz",
					   "program header %u: file size 0x%" PRIx64
					   " exceeds memory size 0x%" PRIx64, i, ph.filesz, ph.memsz);
		if (__builtin_add_overflow(ph.paddr, ph.memsz, &end))
			return loader_fail(err, LOADER_E_OVERFLOW, "p_paddr",
					   "program header %u: 0x%" PRIx64 " + size 0x%" PRIx64
					   " overflows", i, ph.paddr, ph.memsz);
		if (__builtin_add_overflow(ph.vaddr, ph.memsz, &end))
			return loader_fail(err, LOADER_E_OVERFLOW, "p_vaddr",
					   "program header %u: 0x%" PRIx64 " + size 0x%" PRIx64
					   " overflows", i, ph.vaddr, ph.memsz);
		if (ph.memsz == 0)
			continue;	/* loads nothing */
		if (elf->nsegments == LOADER_MAX_SEGMENTS)
			return loader_fail(err, LOADER_E_RANGE, "e_phnum",
					   "more than %d loadable segments", LOADER_MAX_SEGMENTS);

		for (j = 0; j < elf->nsegments; j++) {
			const struct load_segment *o = &elf->seg[j];

			if (ph.paddr < o->paddr + o->mem_size && o->paddr < ph.paddr + ph.memsz)
				return loader_fail(err, LOADER_E_OVERLAP, "p_paddr",
						   "program header %u [0x%" PRIx64 ", 0x%" PRIx64
						   ") overlaps segment [0x%" PRIx64 ", 0x%" PRIx64 ")",
						   i, ph.paddr, ph.paddr + ph.memsz,
						   o->paddr, o->paddr + o->mem_size);
		}
		vaddr[elf->nsegments] = ph.vaddr;
		s = &elf->seg[elf->nsegments++];
		s->paddr = ph.paddr;
		s->file_offset = ph.offset;
		s->file_size = ph.filesz;
		s->mem_size = ph.memsz;
	}

	if (elf->nsegments == 0)
		return loader_fail(err, LOADER_E_NOT_FOUND, "PT_LOAD",
				   "no loadable segment");

	elf->low = UINT64_MAX;
	for (i = 0; i < elf->nsegments; i++) {
		const struct load_segment *s = &elf->seg[i];

		if (s->paddr < elf->low)
			elf->low = s->paddr;
		if (s->paddr + s->mem_size > elf->high)
			elf->high = s->paddr + s->mem_size;
	}

	if (elf->has_pvh) {
		for (i = 0; i < elf->nsegments; i++)
			if (in_range(elf->pvh_entry, elf->seg[i].paddr, elf->seg[i].mem_size))
				break;
		if (i == elf->nsegments)
			return loader_fail(err, LOADER_E_ENTRY, "XEN_ELFNOTE_PHYS32_ENTRY",
					   "PVH entry 0x%" PRIx32 " is outside every segment",
					   elf->pvh_entry);
	}

	/*
	 * e_entry is physical in ELF32 multiboot kernels and in x86-64 vmlinux
	 * (ENTRY(phys_startup_64)), virtual in higher-half kernels: accept a hit
	 * in either range and record the physical address it maps to. With a
	 * PVH note, e_entry is not used to boot and need not resolve.
	 */
	for (i = 0; i < elf->nsegments; i++) {
		const struct load_segment *s = &elf->seg[i];

		if (in_range(elf->entry, s->paddr, s->mem_size)) {
			elf->entry_paddr = elf->entry;
			return 0;
		}
	}
	for (i = 0; i < elf->nsegments; i++) {
		const struct load_segment *s = &elf->seg[i];

		if (in_range(elf->entry, vaddr[i], s->mem_size)) {
			elf->entry_paddr = s->paddr + (elf->entry - vaddr[i]);
			return 0;
		}
	}
	if (elf->has_pvh)
		return 0;
	return loader_fail(err, LOADER_E_ENTRY, "e_entry",
			   "entry 0x%" PRIx64 " is outside every segment", elf->entry);
}
