/*
 * PCI resource assignment. Windows are sized from the leaves up (each bridge
 * window is the aligned sum of what sits behind it), then placed from the
 * root down. On each bus the resources are placed largest alignment first,
 * so power-of-two BARs pack without gaps.
 *
 * Written for a JIT (QEMU TCG translates each distinct basic block once, and
 * that is what costs), where only the common boot runs (QEMU pc/q35: a few
 * BARs on bus 0, everything below 4 GiB): per kind, one filter loop with no
 * branch in it, a sort called only for two or more, and a u32 layout loop,
 * since u64 arithmetic costs 2-4 i686 instructions an operation. The u64
 * layout (window sizing, ranges above 4 GiB) and the move of 64-bit BARs
 * above 4 GiB are out of line, translated only where a boot needs them.
 * Sizing and placing go through the same place(), so that its inlined
 * filter has one copy.
 */
#include "firmware/logic/fwlogic.h"

#define MAX_SORT	256

_Static_assert(PCI_RES_PREF == PCI_RES_MEM + 1, "collect() takes PREF with MEM as MEM + 1");

/* p goes before q: larger alignment, then larger size (ties keep their order) */
static bool goes_before(const struct pci_res *p, const struct pci_res *q)
{
	return p->align > q->align || (p->align == q->align && p->size > q->size);
}

/* Insertion sort, stable: out of line, so that collect()'s filter keeps its registers. */
static __attribute__((noinline)) void sort_idx(const struct pci_alloc *a, u32 *out, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		u32 v = out[i], j = i;

		for (; j && goes_before(&a->res[v], &a->res[out[j - 1]]); j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
}

/*
 * Indices of the resources of 'kind' on 'node' that have a size (PREF counts
 * as MEM when mem_all), by alignment then size, descending; stable. The
 * filter stores every index and counts the ones taken (no branch); the
 * insertion sort's body runs only when there are two or more. out[] has
 * MAX_SORT + 1 entries: out[n] is scratch.
 */
static inline __attribute__((always_inline)) u32 collect(const struct pci_alloc *a, s32 node,
							 u32 kind, bool mem_all, u32 *out)
{
	u32 n = 0, nr = a->nr_res;

	for (u32 i = 0; i < nr; i++) {
		const struct pci_res *r = &a->res[i];
		u32 sized = (u32)r->size | (u32)(r->size >> 32);

		out[n] = i;	/* counted only when taken */
		/* kind, or kind + 1 (PREF, after MEM) when mem_all: one unsigned compare */
		n += (r->node == node) & ((u32)r->kind - kind <= (u32)mem_all) & (sized != 0) &
		     (n < MAX_SORT);
	}
	if (n > 1)
		sort_idx(a, out, n);
	return n;
}

struct lay_result {
	u64 end;		/* where the last one that fit ends */
	u64 align;		/* the largest alignment among them all */
	bool all64;		/* all of them may go above 4 GiB */
	u32 n;			/* how many there were (set by place()) */
};

/*
 * Lay out ix[0..n) in order from base, each at its alignment, within
 * [base, end); one that does not fit is skipped. When 'commit', each gets
 * its address, or 0 and 'failed'. Returns how many did not fit. The u64
 * form: window sizing, and ranges that reach above 4 GiB.
 */
static __attribute__((noinline)) int lay64(struct pci_alloc *a, const u32 *ix, u32 n, u64 base,
					   u64 end, bool commit, struct lay_result *out)
{
	u64 at = base, align = 0, keep = -(u64)!commit;
	bool all64 = true;
	int failed = 0;

	for (u32 i = 0; i < n; i++) {
		struct pci_res *r = &a->res[ix[i]];
		u64 al = r->align | (r->align == 0);
		u64 start = ALIGN_UP(at, al), stop = start + r->size;
		u64 bad = -(u64)((start < at) | (stop < start) | (stop > end));

		failed += (int)(bad & 1);
		at = (at & bad) | (stop & ~bad);
		align = r->align > align ? r->align : align;
		all64 &= r->is64;
		r->addr = (r->addr & keep) | (start & ~bad & ~keep);
		r->failed = (r->failed & keep) | (bad & ~keep & 1);
	}
	out->end = at;
	out->align = align;
	out->all64 = all64;
	return failed;
}

/*
 * The same layout, committed, in [base, end) below 4 GiB, in u32. A size
 * with upper bits cannot fit; an alignment with upper bits only from 0 (as
 * ALIGN_UP does in u64). A start or stop past 4 GiB wraps below 'at' or
 * 'start' and fails, as it fails against 'end' in u64: the same results.
 */
static int lay32(struct pci_alloc *a, const u32 *ix, u32 n, u32 base, u32 end)
{
	u32 at = base;
	int failed = 0;

	for (u32 i = 0; i < n; i++) {
		struct pci_res *r = &a->res[ix[i]];
		u32 al = (u32)r->align, size = (u32)r->size;
		u32 big = (u32)(r->size >> 32) | ((u32)(r->align >> 32) & -(u32)(at != 0));

		al |= al == 0;
		u32 start = ALIGN_UP(at, al), stop = start + size;

		OPAQUE(stop);	/* a compare, not the add's carry flag and a branch */
		u32 bad = -(u32)((big != 0) | (start < at) | (stop < start) | (stop > end));

		failed += (int)(bad & 1);
		at = (at & bad) | (stop & ~bad);
		r->addr = start & ~bad;
		r->failed = bad & 1;
	}
	return failed;
}

/* One that does not fit at the root: the largest 64-bit ones move above 4 GiB. */
static __attribute__((cold, noinline)) int place_above_4g(struct pci_alloc *a, u32 *idx, u32 n,
							  u64 base, u64 end, int failed)
{
	struct lay_result lr;
	u32 hi[MAX_SORT], nhi = 0, k;

	for (;;) {
		/* the first 64-bit capable one is the largest */
		for (k = 0; k < n && !a->res[idx[k]].is64; k++)
			;
		if (k == n)
			break;
		hi[nhi++] = idx[k];
		for (n--; k < n; k++)
			idx[k] = idx[k + 1];
		failed = lay64(a, idx, n, base, end, true, &lr);
		if (!failed)
			break;
	}
	/* hi[] was filled largest first already */
	return failed + lay64(a, hi, nhi, a->mem64_base, a->mem64_end, true, &lr);
}

/*
 * Place the resources of 'kind' on 'node' in [base, end); at the root, while
 * memory ones do not all fit, move the largest 64-bit one to the mem64 range.
 * Returns the failures. With 'sizing', only lay them out from 0 (uncommitted)
 * into *sizing: one function for both, so that collect() has one copy.
 */
static __attribute__((noinline)) int place(struct pci_alloc *a, s32 node, u32 kind, u64 base,
					   u64 end, u32 *idx, struct lay_result *sizing)
{
	bool root_mem = (node == 0) & (kind == PCI_RES_MEM);
	u32 n = collect(a, node, kind, root_mem, idx);
	struct lay_result lr;
	int failed;

	if (__builtin_expect(sizing != NULL, 0)) {
		sizing->n = n;
		return lay64(a, idx, n, 0, ~0ULL, false, sizing);
	}
	if (__builtin_expect((base >> 32 | end >> 32) != 0, 0))
		failed = lay64(a, idx, n, base, end, true, &lr);
	else
		failed = lay32(a, idx, n, (u32)base, (u32)end);
	if (__builtin_expect(failed != 0, 0) && root_mem && a->mem64_end > a->mem64_base)
		failed = place_above_4g(a, idx, n, base, end, failed);
	return failed;
}

/* Size the window res[w] from the resources on its child bus. */
static void size_window(struct pci_alloc *a, struct pci_res *w, u32 *idx)
{
	u64 gran = w->kind == PCI_RES_IO ? PCI_IO_WINDOW_GRAN : PCI_MEM_WINDOW_GRAN;
	struct lay_result lr;
	/* not at the root (a window's bus is never 0), so PREF stays apart */
	bool fit = !place(a, w->window, w->kind, 0, 0, idx, &lr);

	/* an empty bus gives 0 and gran, as does one that overflows (size 0) */
	w->size = fit ? ALIGN_UP(lr.end, gran) : 0;
	w->align = lr.align > gran ? lr.align : gran;
	if (w->kind == PCI_RES_PREF && lr.n)
		w->is64 = a->node[w->window].pref64 && lr.all64;
}

int pci_alloc_run(struct pci_alloc *a)
{
	u32 idx[MAX_SORT + 1], nr_node = a->nr_node;	/* idx[n]: collect()'s scratch */
	bool bad = false;
	int failed;

	/* one branch for every check (all resources are cleared either way) */
	for (u32 i = 0; i < a->nr_res; i++) {
		struct pci_res *r = &a->res[i];

		r->addr = 0;
		r->failed = false;
		/* unsigned: a node below 0 is out of range too */
		bad |= (r->window >= (s32)nr_node) | ((u32)r->node >= nr_node);
	}
	for (u32 n = 1; n < nr_node; n++)
		bad |= (u32)a->node[n].parent >= n;
	if (bad)
		return -1;

	/* children have higher indices: size from the last bus back to the first */
	for (s32 n = (s32)nr_node - 1; n > 0; n--)
		for (u32 i = 0; i < a->nr_res; i++)
			if (a->res[i].window == n)
				size_window(a, &a->res[i], idx);

	/* the root's PREF goes in with MEM; only memory has a 64-bit region */
	failed = place(a, 0, PCI_RES_IO, a->io_base, a->io_end, idx, NULL);
	failed += place(a, 0, PCI_RES_MEM, a->mem_base, a->mem_end, idx, NULL);

	/* parents first: a window's address is known before its bus is laid out */
	for (s32 n = 1; n < (s32)nr_node; n++) {
		for (u32 i = 0; i < a->nr_res; i++) {
			struct pci_res *w = &a->res[i];
			/* a window that got no room fails its bus: nothing fits in [0, 0) */
			u64 base = w->failed ? 0 : w->addr, end = w->failed ? 0 : w->addr + w->size;

			if ((w->window == n) & (w->size != 0))
				failed += place(a, n, w->kind, base, end, idx, NULL);
		}
	}
	return failed;
}
