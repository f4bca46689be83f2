/*
 * In-memory ELF32/ELF64 and multiboot images for the loader tests.
 * Every field is written at its spec offset, little-endian, so a test can
 * corrupt exactly one of them.
 */
#ifndef TESTS_UNIT_LOADER_ELF_BUILDER_H
#define TESTS_UNIT_LOADER_ELF_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define TB_MAX_PH 40

struct tb_ph {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

struct tb_elf {
	bool is64;
	uint8_t ei_class, ei_data, ei_version;	/* 0: the correct value */
	uint16_t type, machine;			/* 0: ET_EXEC, the class's machine */
	uint64_t entry;
	uint64_t phoff;				/* 0: right after the ELF header */
	uint16_t phentsize, phnum;		/* 0: the correct size, nph */
	unsigned nph;
	struct tb_ph ph[TB_MAX_PH];
};

static inline void tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void tb_put32(uint8_t *p, uint32_t v)
{
	tb_put16(p, (uint16_t)v);
	tb_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void tb_put64(uint8_t *p, uint64_t v)
{
	tb_put32(p, (uint32_t)v);
	tb_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t tb_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t tb_get32(const uint8_t *p)
{
	return (uint32_t)tb_get16(p) | (uint32_t)tb_get16(p + 2) << 16;
}

static inline uint64_t tb_get64(const uint8_t *p)
{
	return (uint64_t)tb_get32(p) | (uint64_t)tb_get32(p + 4) << 32;
}

static inline unsigned tb_ehsize(bool is64)
{
	return is64 ? 64 : 52;
}

static inline unsigned tb_phsize(bool is64)
{
	return is64 ? 56 : 32;
}

/* Write the ELF header and the program headers that fit in cap bytes. */
static inline void tb_elf_write(const struct tb_elf *e, uint8_t *buf, size_t cap)
{
	uint64_t phoff = e->phoff ? e->phoff : tb_ehsize(e->is64);
	unsigned phsz = tb_phsize(e->is64);
	uint8_t h[64] = { 0x7f, 'E', 'L', 'F' };
	unsigned i;

	h[4] = e->ei_class ? e->ei_class : (e->is64 ? 2 : 1);
	h[5] = e->ei_data ? e->ei_data : 1;
	h[6] = e->ei_version ? e->ei_version : 1;
	tb_put16(h + 16, e->type ? e->type : 2);
	tb_put16(h + 18, e->machine ? e->machine : (e->is64 ? 62 : 3));
	tb_put32(h + 20, 1);
	if (e->is64) {
		tb_put64(h + 24, e->entry);
		tb_put64(h + 32, phoff);
		tb_put16(h + 52, 64);
		tb_put16(h + 54, e->phentsize ? e->phentsize : 56);
		tb_put16(h + 56, e->phnum ? e->phnum : (uint16_t)e->nph);
	} else {
		tb_put32(h + 24, (uint32_t)e->entry);
		tb_put32(h + 28, (uint32_t)phoff);
		tb_put16(h + 40, 52);
		tb_put16(h + 42, e->phentsize ? e->phentsize : 32);
		tb_put16(h + 44, e->phnum ? e->phnum : (uint16_t)e->nph);
	}
	memcpy(buf, h, cap < tb_ehsize(e->is64) ? cap : tb_ehsize(e->is64));

	for (i = 0; i < e->nph; i++) {
		const struct tb_ph *ph = &e->ph[i];
		uint8_t *p;

		if (phoff > cap || (uint64_t)(i + 1) * phsz > cap - phoff)
			break;
		p = buf + phoff + (uint64_t)i * phsz;
		memset(p, 0, phsz);
		tb_put32(p, ph->type);
		if (e->is64) {
			tb_put32(p + 4, 7);	/* p_flags: RWX */
			tb_put64(p + 8, ph->offset);
			tb_put64(p + 16, ph->vaddr);
			tb_put64(p + 24, ph->paddr);
			tb_put64(p + 32, ph->filesz);
			tb_put64(p + 40, ph->memsz);
			tb_put64(p + 48, ph->align);
		} else {
			tb_put32(p + 4, (uint32_t)ph->offset);
			tb_put32(p + 8, (uint32_t)ph->vaddr);
			tb_put32(p + 12, (uint32_t)ph->paddr);
			tb_put32(p + 16, (uint32_t)ph->filesz);
			tb_put32(p + 20, (uint32_t)ph->memsz);
			tb_put32(p + 24, 7);
			tb_put32(p + 28, (uint32_t)ph->align);
		}
	}
}

/* One note, name and desc padded to 4 bytes; returns its size. */
static inline size_t tb_note(uint8_t *p, const char *name, uint32_t namesz, uint32_t type,
			     const void *desc, uint32_t descsz)
{
	size_t nalign = (namesz + 3u) & ~3u, dalign = (descsz + 3u) & ~3u;

	tb_put32(p, namesz);
	tb_put32(p + 4, descsz);
	tb_put32(p + 8, type);
	memset(p + 12, 0, nalign + dalign);
	memcpy(p + 12, name, namesz);
	memcpy(p + 12 + nalign, desc, descsz);
	return 12 + nalign + dalign;
}

/* The PVH entry note with a 4-byte descriptor. */
static inline size_t tb_pvh_note(uint8_t *p, uint32_t entry)
{
	uint8_t d[4];

	tb_put32(d, entry);
	return tb_note(p, "Xen", 4, 18, d, 4);
}

/* A multiboot v1 header at off; with aout, the five address fields too. */
static inline void tb_mb_header(uint8_t *buf, size_t off, uint32_t flags, const uint32_t *aout)
{
	unsigned i;

	tb_put32(buf + off, 0x1BADB002u);
	tb_put32(buf + off + 4, flags);
	tb_put32(buf + off + 8, (uint32_t)-(0x1BADB002u + flags));
	if (aout)
		for (i = 0; i < 5; i++)
			tb_put32(buf + off + 12 + 4 * i, aout[i]);
}

#endif
