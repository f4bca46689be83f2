/*
 * PCI resource assignment. Windows are sized from the leaves up (each bridge
 * window is the aligned sum of what sits behind it), then placed from the
 * root down. On each bus the resources are placed largest alignment first,
 * so power-of-two BARs pack without gaps.
 */
#include "firmware/logic/fwlogic.h"

#define MAX_SORT	256

/* Indices of the resources of 'kind' on 'node' (PREF counts as MEM when mem_all), ordered. */
static u32 collect(const struct pci_alloc *a, s32 node, int kind, bool mem_all, u32 *idx)
{
	u32 n = 0;

	for (u32 i = 0; i < a->nr_res && n < MAX_SORT; i++) {
		const struct pci_res *r = &a->res[i];
		bool match = r->kind == kind ||
			     (mem_all && kind == PCI_RES_MEM && r->kind == PCI_RES_PREF);

		if (r->node != node || !match || !r->size)
			continue;
		/* insertion by alignment, then size, descending; stable */
		u32 j = n++;
		while (j) {
			const struct pci_res *p = &a->res[idx[j - 1]];

			if (p->align > r->align || (p->align == r->align && p->size >= r->size))
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return n;
}

/* Lay out idx[0..n) from base without placing; returns the end, 0 on overflow past 'end'. */
static u64 lay_out(struct pci_alloc *a, const u32 *idx, u32 n, u64 base, u64 end)
{
	u64 at = base;

	for (u32 i = 0; i < n; i++) {
		struct pci_res *r = &a->res[idx[i]];
		u64 al = r->align ? r->align : 1;
		u64 start = ALIGN_UP(at, al);

		if (start < at || start + r->size < start || start + r->size > end)
			return 0;
		at = start + r->size;
	}
	return at;
}

static u64 gran_of(int kind)
{
	return kind == PCI_RES_IO ? PCI_IO_WINDOW_GRAN : PCI_MEM_WINDOW_GRAN;
}

/* Size the window res[w] from the resources on its child bus. */
static void size_window(struct pci_alloc *a, struct pci_res *w)
{
	u32 idx[MAX_SORT];
	u32 n = collect(a, w->window, w->kind, false, idx);
	u64 gran = gran_of(w->kind), end, align = gran;
	bool all64 = true;

	w->size = 0;
	w->align = gran;
	if (!n)
		return;
	end = lay_out(a, idx, n, 0, ~0ULL);
	for (u32 i = 0; i < n; i++) {
		if (a->res[idx[i]].align > align)
			align = a->res[idx[i]].align;
		if (!a->res[idx[i]].is64)
			all64 = false;
	}
	w->size = ALIGN_UP(end, gran);
	w->align = align;
	if (w->kind == PCI_RES_PREF)
		w->is64 = a->node[w->window].pref64 && all64;
}

/* Place what fits in order; what does not is marked failed. Returns the failures. */
static int lay_out_greedy(struct pci_alloc *a, const u32 *idx, u32 n, u64 base, u64 end)
{
	u64 at = base;
	int failed = 0;

	for (u32 i = 0; i < n; i++) {
		struct pci_res *r = &a->res[idx[i]];
		u64 al = r->align ? r->align : 1;
		u64 start = ALIGN_UP(at, al);

		if (start < at || start + r->size < start || start + r->size > end) {
			r->failed = true;
			r->addr = 0;
			failed++;
			continue;
		}
		r->addr = start;
		at = start + r->size;
	}
	return failed;
}

static int fail_all(struct pci_alloc *a, const u32 *idx, u32 n)
{
	for (u32 i = 0; i < n; i++) {
		a->res[idx[i]].failed = true;
		a->res[idx[i]].addr = 0;
	}
	return (int)n;
}

/* Root memory: everything below 4 GiB if it fits, else move 64-bit ones up, largest first. */
static int place_root_mem(struct pci_alloc *a)
{
	u32 idx[MAX_SORT], lo[MAX_SORT], hi[MAX_SORT];
	u32 n = collect(a, 0, PCI_RES_MEM, true, idx), nlo, nhi = 0;
	int failed = 0;

	for (;;) {
		nlo = 0;
		for (u32 i = 0; i < n; i++) {
			bool up = false;

			for (u32 k = 0; k < nhi; k++)
				up |= hi[k] == idx[i];
			if (!up)
				lo[nlo++] = idx[i];
		}
		if (lay_out(a, lo, nlo, a->mem_base, a->mem_end) || !nlo)
			break;
		/* the first 64-bit capable one in 'lo' is the largest */
		u32 k;
		for (k = 0; k < nlo && !a->res[lo[k]].is64; k++)
			;
		if (k == nlo || a->mem64_end <= a->mem64_base)
			break;
		hi[nhi++] = lo[k];
	}
	failed += lay_out_greedy(a, lo, nlo, a->mem_base, a->mem_end);
	/* hi[] was filled largest first already */
	failed += lay_out_greedy(a, hi, nhi, a->mem64_base, a->mem64_end);
	return failed;
}

int pci_alloc_run(struct pci_alloc *a)
{
	u32 idx[MAX_SORT];
	int failed = 0;

	for (u32 i = 0; i < a->nr_res; i++) {
		a->res[i].addr = 0;
		a->res[i].failed = false;
		if (a->res[i].window >= (s32)a->nr_node || a->res[i].node >= (s32)a->nr_node ||
		    a->res[i].node < 0)
			return -1;
	}
	for (u32 n = 1; n < a->nr_node; n++)
		if (a->node[n].parent < 0 || a->node[n].parent >= (s32)n)
			return -1;

	/* children have higher indices: size from the last bus back to the first */
	for (s32 n = (s32)a->nr_node - 1; n > 0; n--)
		for (u32 i = 0; i < a->nr_res; i++)
			if (a->res[i].window == n)
				size_window(a, &a->res[i]);

	u32 nio = collect(a, 0, PCI_RES_IO, false, idx);
	failed += lay_out_greedy(a, idx, nio, a->io_base, a->io_end);
	failed += place_root_mem(a);

	/* parents first: a window's address is known before its bus is laid out */
	for (s32 n = 1; n < (s32)a->nr_node; n++) {
		for (u32 i = 0; i < a->nr_res; i++) {
			struct pci_res *w = &a->res[i];
			u32 cnt;

			if (w->window != n || !w->size)
				continue;
			cnt = collect(a, n, w->kind, false, idx);
			if (w->failed) {
				failed += fail_all(a, idx, cnt);
				continue;
			}
			/* the window was sized for exactly these: they all fit */
			failed += lay_out_greedy(a, idx, cnt, w->addr, w->addr + w->size);
		}
	}
	return failed;
}
