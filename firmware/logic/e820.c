/*
 * e820 map building: ranges are added in any order and may overlap; the
 * normalize pass splits the address space at every range boundary, gives
 * each piece the strongest type covering it, and merges equal neighbours.
 */
#include "firmware/logic/fwlogic.h"

int e820_add(struct e820_map *m, u64 addr, u64 size, u32 type)
{
	if (!size)
		return 0;
	if (addr + size < addr || m->nr >= E820_MAX)
		return -1;
	m->e[m->nr].addr = addr;
	m->e[m->nr].size = size;
	m->e[m->nr].type = type;
	m->nr++;
	return 0;
}

/* Which type wins where ranges overlap: anything the OS must not use beats RAM. */
static int type_rank(u32 type)
{
	switch (type) {
	case E820_HOLE:		return 100;
	case E820_UNUSABLE:	return 50;
	case E820_RESERVED:	return 40;
	case E820_NVS:		return 30;
	case E820_ACPI:		return 20;
	case E820_RAM:		return 10;
	default:		return 45;	/* unknown: keep it away from the OS */
	}
}

static void sort_u64(u64 *v, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u64 x = v[i];
		u32 j = i;

		while (j && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

int e820_normalize(struct e820_map *m)
{
	u64 pt[2 * E820_MAX];
	struct e820_entry out[E820_MAX];
	u32 npt = 0, nout = 0;

	for (u32 i = 0; i < m->nr; i++) {
		pt[npt++] = m->e[i].addr;
		pt[npt++] = m->e[i].addr + m->e[i].size;
	}
	sort_u64(pt, npt);

	for (u32 i = 0; i + 1 < npt; i++) {
		u64 lo = pt[i], hi = pt[i + 1];
		int best = -1;
		u32 type = 0;

		if (lo == hi)
			continue;
		for (u32 k = 0; k < m->nr; k++) {
			const struct e820_entry *e = &m->e[k];

			if (e->addr <= lo && hi <= e->addr + e->size &&
			    type_rank(e->type) > best) {
				best = type_rank(e->type);
				type = e->type;
			}
		}
		if (best < 0 || type == E820_HOLE)
			continue;
		if (nout && out[nout - 1].type == type &&
		    out[nout - 1].addr + out[nout - 1].size == lo) {
			out[nout - 1].size += hi - lo;
			continue;
		}
		if (nout == E820_MAX)
			return -1;
		out[nout].addr = lo;
		out[nout].size = hi - lo;
		out[nout].type = type;
		nout++;
	}
	memcpy(m->e, out, nout * sizeof(out[0]));
	m->nr = nout;
	return (int)nout;
}

u64 e820_ram_end_below(const struct e820_map *m, u64 limit)
{
	u64 top = 0;

	for (u32 i = 0; i < m->nr; i++) {
		u64 end = m->e[i].addr + m->e[i].size;

		if (m->e[i].type == E820_RAM && end <= limit && end > top)
			top = end;
	}
	return top;
}

u64 e820_ram_above(const struct e820_map *m, u64 from)
{
	u64 sum = 0;

	for (u32 i = 0; i < m->nr; i++) {
		const struct e820_entry *e = &m->e[i];
		u64 end = e->addr + e->size;

		if (e->type != E820_RAM || end <= from)
			continue;
		sum += end - (e->addr > from ? e->addr : from);
	}
	return sum;
}

bool e820_covers(const struct e820_map *m, u64 addr, u64 size, u32 type)
{
	u64 end = addr + size;

	if (end < addr)
		return false;
	for (u32 i = 0; i < m->nr; i++) {
		const struct e820_entry *e = &m->e[i];

		if (e->type == type && addr >= e->addr && end <= e->addr + e->size)
			return true;
	}
	return false;
}
