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

/*
 * Which type wins where ranges overlap, strongest first: anything the OS
 * must not use beats RAM; a type this code does not know sits just below
 * unusable (kept away from the OS, its number kept).
 */
enum { C_HOLE, C_UNUSABLE, C_UNKNOWN, C_RESERVED, C_NVS, C_ACPI, C_RAM, C_NR };

static u32 type_class(u32 type)
{
	static const u8 cls[] = {
		[E820_HOLE] = C_HOLE, [E820_RAM] = C_RAM, [E820_RESERVED] = C_RESERVED,
		[E820_ACPI] = C_ACPI, [E820_NVS] = C_NVS, [E820_UNUSABLE] = C_UNUSABLE,
		[E820_UNUSABLE + 1] = C_UNKNOWN,	/* and every type above */
	};

	/* a select, not a branch: under a JIT each branch is a block */
	return cls[type < ARRAY_SIZE(cls) - 1 ? type : ARRAY_SIZE(cls) - 1];
}

/* The type of class c covering [lo, ...): for C_UNKNOWN, the first such entry's. */
static u32 class_type(const struct e820_map *m, u32 c, u64 lo)
{
	static const u8 type[] = {
		[C_UNUSABLE] = E820_UNUSABLE, [C_RESERVED] = E820_RESERVED, [C_NVS] = E820_NVS,
		[C_ACPI] = E820_ACPI, [C_RAM] = E820_RAM,
	};

	if (c != C_UNKNOWN)
		return type[c];
	for (u32 i = 0; i < m->nr; i++) {
		const struct e820_entry *e = &m->e[i];

		if (type_class(e->type) == C_UNKNOWN && e->addr <= lo && lo < e->addr + e->size)
			return e->type;
	}
	return E820_RESERVED;	/* not reached: the count said one covers lo */
}

/*
 * A sweep: the 2N boundaries sorted, each the start or end of one entry; a
 * count per class says what covers the piece after a boundary, and the
 * strongest class present wins it. Equal neighbours merge, holes go.
 */
int e820_normalize(struct e820_map *m)
{
	u64 at[2 * E820_MAX];
	u16 ev[2 * E820_MAX];		/* entry << 1 | 1 at its end */
	u8 cls[E820_MAX];
	u32 cnt[C_NR] = { 0 };
	struct e820_entry out[E820_MAX];
	u32 n = m->nr, nev = 0, nout = 0;

	for (u32 i = 0; i < n; i++) {
		cls[i] = (u8)type_class(m->e[i].type);
		for (u32 k = 0; k < 2; k++) {
			u64 x = k ? m->e[i].addr + m->e[i].size : m->e[i].addr;
			u32 j = nev++;

			for (; j && at[j - 1] > x; j--) {
				at[j] = at[j - 1];
				ev[j] = ev[j - 1];
			}
			at[j] = x;
			ev[j] = (u16)(i << 1 | k);
		}
	}

	for (u32 j = 0; j < nev; j++) {
		u32 e = ev[j], c, type;
		u64 lo, hi;

		if (e & 1)
			cnt[cls[e >> 1]]--;
		else
			cnt[cls[e >> 1]]++;
		if (j + 1 == nev || at[j + 1] == at[j])
			continue;
		lo = at[j];
		hi = at[j + 1];
		for (c = 0; c < C_NR && !cnt[c]; c++)
			;
		if (c == C_NR || c == C_HOLE)
			continue;
		type = class_type(m, c, lo);
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

/* Entries [at, nr) move by delta slots (delta may be negative). */
static int shift(struct e820_map *m, u32 at, int delta)
{
	if ((int)m->nr + delta > E820_MAX)
		return -1;
	memmove(&m->e[(int)at + delta], &m->e[at], (m->nr - at) * sizeof(m->e[0]));
	m->nr = (u32)((int)m->nr + delta);
	return 0;
}

/* Entry i merged into entry i - 1 when they touch and share a type. */
static void merge_prev(struct e820_map *m, u32 i)
{
	struct e820_entry *a, *b;

	if (!i || i >= m->nr)
		return;
	a = &m->e[i - 1];
	b = &m->e[i];
	if (a->type == b->type && a->addr + a->size == b->addr) {
		a->size += b->size;
		shift(m, i + 1, -1);
	}
}

int e820_insert(struct e820_map *m, u64 addr, u64 size, u32 type)
{
	u64 end = addr + size;
	u32 i;

	if (!size)
		return 0;
	if (end < addr)
		return -1;
	for (i = 0; i < m->nr && m->e[i].addr + m->e[i].size <= addr; i++)
		;
	if (i == m->nr || m->e[i].addr >= end) {
		/* in a gap: a new entry, unless it removes nothing but nothing */
		if (type == E820_HOLE)
			return 0;
		if (shift(m, i, 1))
			return -1;
		m->e[i].addr = addr;
		m->e[i].size = size;
		m->e[i].type = type;
	} else if (m->e[i].addr <= addr && end <= m->e[i].addr + m->e[i].size) {
		/* inside one entry: split it if the new type is stronger */
		struct e820_entry e = m->e[i];
		u64 e_end = e.addr + e.size;
		u32 n = 0;

		if (type_class(type) >= type_class(e.type))
			return 0;
		n = (addr > e.addr) + (type != E820_HOLE) + (end < e_end);
		if (shift(m, i + 1, (int)n - 1))
			return -1;
		if (addr > e.addr) {
			m->e[i].addr = e.addr;
			m->e[i].size = addr - e.addr;
			m->e[i].type = e.type;
			i++;
		}
		if (type != E820_HOLE) {
			m->e[i].addr = addr;
			m->e[i].size = size;
			m->e[i].type = type;
			i++;
		}
		if (end < e_end) {
			m->e[i].addr = end;
			m->e[i].size = e_end - end;
			m->e[i].type = e.type;
			i++;
		}
		i = i ? i - 1 : 0;	/* the last piece written */
		merge_prev(m, i + 1);
		if (n)
			merge_prev(m, i + 1 - n);
		return 0;
	} else {
		/* across entries: the general way */
		if (e820_add(m, addr, size, type))
			return -1;
		return e820_normalize(m) < 0 ? -1 : 0;
	}
	merge_prev(m, i + 1);
	merge_prev(m, i);
	return 0;
}

/*
 * The common case, cheaply: in[0..n) (in any order) copied to out (not
 * overlapping it) sorted by address, and true when e820_insert() would have
 * built just that from them, in any order, on an empty map: each starts at
 * or after the previous end, is not empty, does not wrap, is no hole, and
 * does not touch a neighbour of its type (they would merge). A selection:
 * pass k takes the lowest entry that starts at or after pass k-1's end, so
 * an overlap, or two at one address, leaves a pass with none (a hole:
 * refused). The tests or'ed together, a select in the scan: under a JIT each
 * branch is another block to translate.
 */
bool e820_sorted_copy(struct e820_entry *out, const struct e820_entry *in, u32 n)
{
	static const struct e820_entry none = { ~0ULL, 0, E820_HOLE };
	u64 from = 0;
	u32 bad = 0, prev_type = E820_HOLE;

	for (u32 k = 0; k < n; k++) {
		const struct e820_entry *min = &none;
		u64 end;

		JIT_LOOP_TOP();
		for (u32 j = 0; j < n; j++) {
			u32 take;

			JIT_LOOP_TOP();
			take = (in[j].addr >= from) & (in[j].addr <= min->addr);
			OPAQUE(take);
			min = take ? &in[j] : min;
		}
		end = min->addr + min->size;
		/* touching one of its type; end <= addr: empty or wraps */
		bad |= ((min->addr == from) & (min->type == prev_type)) | (end <= min->addr) |
		       (min->type == E820_HOLE);
		out[k] = *min;
		from = end;
		prev_type = min->type;
	}
	return !bad;
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
