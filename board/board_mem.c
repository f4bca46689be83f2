/*
 * The guest-physical map as accelerators see it: RAM, the BIOS at 4 GiB minus
 * its size with its last 128 KiB aliased at 0xE0000, the option-ROM area at
 * 0xC0000, and i440fx PAM shadowing of 0xC0000-0xFFFFF: per region, reads go
 * to RAM if RE else to the ROM side (BIOS alias / option-ROM area / nothing),
 * writes go to RAM if WE else are dropped.
 */
#include <errno.h>
#include <string.h>

#include "board/board.h"
#include "board/log.h"

#define PAM_BASE	0xc0000ull
#define PAM_SEG_SIZE	0x4000ull
#define PAM_F_BASE	0xf0000ull
#define PAM_F_SIZE	0x10000ull

static uint64_t pam_base(unsigned i)
{
	return i ? PAM_BASE + (i - 1) * PAM_SEG_SIZE : PAM_F_BASE;
}

static uint64_t pam_size(unsigned i)
{
	return i ? PAM_SEG_SIZE : PAM_F_SIZE;
}

static unsigned pam_region_of(uint64_t gpa)
{
	return gpa >= PAM_F_BASE ? 0 : 1 + (unsigned)((gpa - PAM_BASE) / PAM_SEG_SIZE);
}

void board_mem_map_changed(struct board *b)
{
	if (b->on_memory_map_change)
		b->on_memory_map_change(b, b->memory_map_opaque);
}

static bool pam_update(struct board *b, unsigned region, unsigned attr)
{
	attr &= PAM_RE | PAM_WE;
	if (b->pam[region] == attr)
		return false;
	b->pam[region] = attr;
	return true;
}

void board_pam_set(struct board *b, unsigned region, unsigned attr)
{
	if (region >= PAM_REGIONS) {
		guest_error("pam: region %u does not exist", region);
		return;
	}
	if (pam_update(b, region, attr))
		board_mem_map_changed(b);
}

void board_pam_reset(struct board *b)
{
	bool changed = false;
	unsigned i;

	for (i = 0; i < PAM_REGIONS; i++)
		changed |= pam_update(b, i, 0);
	if (changed)
		board_mem_map_changed(b);
}

void board_pam_write_reg(struct board *b, unsigned reg, uint8_t val)
{
	bool changed;

	if (reg < PAM_REG_FIRST || reg > PAM_REG_LAST) {
		guest_error("pam: register 0x%x is not a PAM register", reg);
		return;
	}
	if (reg == PAM_REG_FIRST) {
		/* PAM0: bits 3:0 reserved, bits 5:4 are 0xF0000-0xFFFFF */
		changed = pam_update(b, 0, val >> 4);
	} else {
		unsigned lo = 1 + 2 * (reg - PAM_REG_FIRST - 1);

		changed = pam_update(b, lo, val & 0xf);
		changed |= pam_update(b, lo + 1, val >> 4);
	}
	if (changed)
		board_mem_map_changed(b);
}

/* ROM side of the legacy window at gpa (0xC0000..0xFFFFF), bytes left in it; NULL: nothing. */
static uint8_t *rom_side(struct board *b, uint64_t gpa, uint64_t *left)
{
	if (gpa < BOARD_ISA_BIOS_BASE) {
		*left = BOARD_ISA_BIOS_BASE - gpa;
		return b->optrom ? b->optrom + (gpa - BOARD_OPTROM_BASE) : NULL;
	}
	if (b->bios) {
		uint64_t alias = b->bios_size < BOARD_ISA_BIOS_SIZE ? b->bios_size : BOARD_ISA_BIOS_SIZE;

		if (gpa >= BOARD_LOW_END - alias) {
			*left = BOARD_LOW_END - gpa;
			return b->bios + b->bios_size - (BOARD_LOW_END - gpa);
		}
		*left = BOARD_LOW_END - alias - gpa;
		return NULL;
	}
	*left = BOARD_LOW_END - gpa;
	return NULL;
}

/* Start of the next host-backed piece above gpa (for MMIO avail). */
static uint64_t next_backed(struct board *b, uint64_t gpa)
{
	const struct guest_mem *m = &b->mem;
	uint64_t next = UINT64_MAX;
	unsigned i;

	if (gpa < BOARD_VGA_END)
		next = BOARD_VGA_END;
	else if (gpa < BOARD_LOW_END)
		next = BOARD_LOW_END;
	if (m->ram_size > m->below_4g && gpa < GMEM_4G && GMEM_4G < next)
		next = GMEM_4G;
	for (i = 0; i < m->nregions; i++)
		if (m->region[i].gpa > gpa && m->region[i].gpa < next)
			next = m->region[i].gpa;
	return next;
}

static enum board_mem_kind resolve_mmio(struct board *b, uint64_t gpa, uint8_t **host,
					uint64_t *avail)
{
	uint64_t next = next_backed(b, gpa);

	*host = NULL;
	*avail = next == UINT64_MAX ? UINT64_MAX - gpa + 1 : next - gpa;
	if (!*avail)	/* gpa == 0 and next == UINT64_MAX wraps: whole space */
		*avail = UINT64_MAX;
	return BOARD_MEM_MMIO;
}

enum board_mem_kind board_mem_resolve(struct board *b, uint64_t gpa, bool is_write,
				      uint8_t **host, uint64_t *avail)
{
	struct guest_mem *m = &b->mem;
	unsigned flags = 0;
	uint8_t *p;

	if (m->ram && gpa >= BOARD_VGA_BASE && gpa < BOARD_LOW_END && gpa < m->below_4g) {
		uint64_t end, left;
		unsigned region, attr;

		if (gpa < BOARD_VGA_END) {
			if (b->vga_hole) {
				*host = NULL;
				*avail = BOARD_VGA_END - gpa;
				return BOARD_MEM_MMIO;
			}
			*host = m->ram + gpa;
			*avail = BOARD_VGA_END - gpa;
			return BOARD_MEM_RAM;
		}
		region = pam_region_of(gpa);
		attr = b->pam[region];
		end = pam_base(region) + pam_size(region);
		if (attr & (is_write ? PAM_WE : PAM_RE)) {
			*host = m->ram + gpa;
			*avail = end - gpa;
			return BOARD_MEM_RAM;
		}
		p = rom_side(b, gpa, &left);
		*host = p;
		*avail = left < end - gpa ? left : end - gpa;
		if (is_write || p)
			return BOARD_MEM_ROM;	/* a write here is dropped */
		return BOARD_MEM_MMIO;
	}
	p = gmem_lookup(m, gpa, avail, &flags);
	if (p) {
		/* low RAM stops at the VGA window so a piece never crosses it */
		if (gpa < BOARD_VGA_BASE && *avail > BOARD_VGA_BASE - gpa)
			*avail = BOARD_VGA_BASE - gpa;
		*host = p;
		return (flags & GMEM_READONLY) ? BOARD_MEM_ROM : BOARD_MEM_RAM;
	}
	return resolve_mmio(b, gpa, host, avail);
}

static unsigned mmio_chunk(uint64_t len)
{
	if (len >= 8)
		return 8;
	if (len >= 4)
		return 4;
	if (len >= 2)
		return 2;
	return 1;
}

void board_mem_rw(struct board *b, uint64_t gpa, void *buf, uint64_t len, bool is_write)
{
	uint8_t *p = buf;

	while (len) {
		uint8_t *host;
		uint64_t avail, n;
		enum board_mem_kind k = board_mem_resolve(b, gpa, is_write, &host, &avail);

		n = len < avail ? len : avail;
		if (k == BOARD_MEM_MMIO) {
			unsigned size = mmio_chunk(n);
			uint64_t v = 0;

			if (is_write) {
				memcpy(&v, p, size);
				board_mmio_write(b, gpa, v, size);
			} else {
				v = board_mmio_read(b, gpa, size);
				memcpy(p, &v, size);
			}
			n = size;
		} else if (!is_write) {
			memcpy(p, host, n);
		} else if (k == BOARD_MEM_RAM) {
			memcpy(host, p, n);
		}	/* else: a ROM write, dropped as the hardware does */
		p += n;
		gpa += n;
		len -= n;
	}
}

int board_mem_write_rom(struct board *b, uint64_t gpa, const void *src, uint64_t len)
{
	const uint8_t *s = src;

	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		uint8_t *host;
		uint64_t avail, n;

		if (board_mem_resolve(b, gpa, false, &host, &avail) == BOARD_MEM_MMIO || !host)
			return -EFAULT;
		n = len < avail ? len : avail;
		memcpy(host, s, n);
		s += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static int slot_add(struct board_mem_slot *out, int max, int *n, uint64_t gpa, uint64_t size,
		    uint8_t *host, bool ro, const char *name)
{
	if (!size || !host)
		return 0;
	if (*n >= max)
		return -ENOSPC;
	out[*n] = (struct board_mem_slot){
		.gpa = gpa, .size = size, .host = host, .readonly = ro, .name = name,
	};
	(*n)++;
	return 0;
}

int board_mem_slots(struct board *b, struct board_mem_slot *out, int max)
{
	struct guest_mem *m = &b->mem;
	uint64_t low = m->below_4g;
	int n = 0, r = 0;
	unsigned i;

	if (!m->ram)
		goto regions;
	r |= slot_add(out, max, &n, 0, low < BOARD_VGA_BASE ? low : BOARD_VGA_BASE, m->ram, false,
		      "ram-low");
	if (!b->vga_hole && low > BOARD_VGA_BASE)
		r |= slot_add(out, max, &n, BOARD_VGA_BASE, BOARD_VGA_END - BOARD_VGA_BASE,
			      m->ram + BOARD_VGA_BASE, false, "ram-vga");
	/* PAM segments in address order: regions 1..12, then 0 (0xF0000) */
	for (i = 1; i <= PAM_REGIONS && low >= BOARD_LOW_END; i++) {
		unsigned reg = i % PAM_REGIONS;
		uint64_t base = pam_base(reg), end = base + pam_size(reg), gpa = base;
		unsigned attr = b->pam[reg];

		if (attr & PAM_RE) {
			r |= slot_add(out, max, &n, base, end - base, m->ram + base, !(attr & PAM_WE),
				      "ram-shadow");
			continue;
		}
		while (gpa < end) {
			uint64_t left;
			uint8_t *p = rom_side(b, gpa, &left);

			if (left > end - gpa)
				left = end - gpa;
			r |= slot_add(out, max, &n, gpa, left, p, true,
				      gpa < BOARD_ISA_BIOS_BASE ? "optrom" : "isa-bios");
			gpa += left;
		}
	}
	if (low > BOARD_LOW_END)
		r |= slot_add(out, max, &n, BOARD_LOW_END, low - BOARD_LOW_END, m->ram + BOARD_LOW_END,
			      false, "ram-below-4g");
	if (m->ram_size > low)
		r |= slot_add(out, max, &n, GMEM_4G, m->ram_size - low, m->ram + low, false,
			      "ram-above-4g");
regions:
	for (i = 0; i < m->nregions; i++)
		r |= slot_add(out, max, &n, m->region[i].gpa, m->region[i].size, m->region[i].host,
			      m->region[i].flags & GMEM_READONLY, m->region[i].name);
	if (r)
		return -ENOSPC;
	/* address order (regions may sit below high RAM) */
	for (i = 1; i < (unsigned)n; i++) {
		struct board_mem_slot t = out[i];
		int j = (int)i - 1;

		for (; j >= 0 && out[j].gpa > t.gpa; j--)
			out[j + 1] = out[j];
		out[j + 1] = t;
	}
	return n;
}
