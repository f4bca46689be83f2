/*
 * PCI resource assignment. Windows are sized from the leaves up (each bridge
 * window is the aligned sum of what sits behind it), then placed from the
 * root down. On each bus the resources are placed largest alignment first,
 * so power-of-two BARs pack without gaps.
 *
 * Written for a JIT (QEMU TCG translates each distinct basic block once, and
 * that is what costs): checks are folded into one branch with '|' and masks,
 * collect() and lay() are inlined (a call is two blocks), and the root and
 * every bridge window go through the same place().
 */
#include "firmware/logic/fwlogic.h"

#define MAX_SORT	256

/*
 * Indices of the resources of 'kind' on 'node' that have a size (PREF counts
 * as MEM when mem_all), by alignment then size, descending; stable. The
 * filter is folded into the insertion loop's condition instead of a branch
 * of its own. idx has MAX_SORT + 1 entries: idx[n] is scratch.
 */
static inline __attribute__((always_inline)) u32 collect(const struct pci_alloc *a, s32 node,
							 int kind, bool mem_all, u32 *idx)
{
	u32 n = 0;

	idx[0] = 0;	/* read below before anything is taken: any valid index */
	for (u32 i = 0; i < a->nr_res; i++) {
		const struct pci_res *r = &a->res[i];
		bool take = (r->node == node) & (r->size != 0) & (n < MAX_SORT) &
			    ((r->kind == kind) |
			     (mem_all & (kind == PCI_RES_MEM) & (r->kind == PCI_RES_PREF)));
		u32 j = n;

		for (;;) {
			const struct pci_res *p = &a->res[idx[j - (j != 0)]];
			u32 move = take & (j != 0) & ((p->align < r->align) |
						      ((p->align == r->align) & (p->size < r->size)));

			OPAQUE(move);
			if (!move)
				break;
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
		n += take;
	}
	return n;
}

struct lay_result {
	u64 end;		/* where the last one that fit ends */
	u64 align;		/* the largest alignment among them all */
	bool all64;		/* all of them may go above 4 GiB */
};

/*
 * Lay out idx[0..n) in order from base, each at its alignment, within
 * [base, end); one that does not fit is skipped. When 'commit', each gets
 * its address, or 0 and 'failed'. Returns how many did not fit.
 */
static inline __attribute__((always_inline)) int lay(struct pci_alloc *a, const u32 *idx, u32 n,
						     u64 base, u64 end, bool commit,
						     struct lay_result *out)
{
	u64 at = base, align = 0, keep = -(u64)!commit;
	bool all64 = true;
	int failed = 0;

	/* masks instead of ?: so that the compiler emits no branch (one block per loop) */
	for (u32 i = 0; i < n; i++) {
		struct pci_res *r = &a->res[idx[i]];
		u64 al = r->align | (r->align == 0);
		u64 start = ALIGN_UP(at, al), stop = start + r->size;

		OPAQUE(stop);	/* a compare, not the add's carry flag and a branch */
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

/* Size the window res[w] from the resources on its child bus. */
static void size_window(struct pci_alloc *a, struct pci_res *w, u32 *idx)
{
	u32 n = collect(a, w->window, w->kind, false, idx);
	u64 gran = w->kind == PCI_RES_IO ? PCI_IO_WINDOW_GRAN : PCI_MEM_WINDOW_GRAN;
	struct lay_result lr;
	bool fit = !lay(a, idx, n, 0, ~0ULL, false, &lr);

	/* an empty bus gives 0 and gran, as does one that overflows (size 0) */
	w->size = fit ? ALIGN_UP(lr.end, gran) : 0;
	w->align = lr.align > gran ? lr.align : gran;
	if (w->kind == PCI_RES_PREF && n)
		w->is64 = a->node[w->window].pref64 && lr.all64;
}

/*
 * Place the resources of 'kind' on 'node' in [base, end); at the root, while
 * they do not all fit, move the largest 64-bit one to [base64, end64).
 * Returns the failures.
 */
static int place(struct pci_alloc *a, s32 node, int kind, u64 base, u64 end, u64 base64,
		 u64 end64, u32 *idx, u32 *hi)
{
	u32 n = collect(a, node, kind, node == 0, idx), nhi = 0, k, lim;
	struct lay_result lr;
	int failed;

	for (;;) {
		failed = lay(a, idx, n, base, end, true, &lr);
		/* the first 64-bit capable one is the largest; looked for only on a failure */
		lim = failed ? n : 0;
		for (k = 0; k < lim && !a->res[idx[k]].is64; k++)
			;
		if ((k == lim) | (end64 <= base64))
			break;
		hi[nhi++] = idx[k];
		for (n--; k < n; k++)
			idx[k] = idx[k + 1];
	}
	/* hi[] was filled largest first already */
	return failed + lay(a, hi, nhi, base64, end64, true, &lr);
}

int pci_alloc_run(struct pci_alloc *a)
{
	u32 idx[MAX_SORT + 1], hi[MAX_SORT];
	s32 nr_node = (s32)a->nr_node;
	bool bad = false;
	int failed;

	/* one branch for every check (all resources are cleared either way) */
	for (u32 i = 0; i < a->nr_res; i++) {
		struct pci_res *r = &a->res[i];

		r->addr = 0;
		r->failed = false;
		bad |= (r->window >= nr_node) | (r->node >= nr_node) | (r->node < 0);
	}
	for (s32 n = 1; n < nr_node; n++)
		bad |= (a->node[n].parent < 0) | (a->node[n].parent >= n);
	if (bad)
		return -1;

	/* children have higher indices: size from the last bus back to the first */
	for (s32 n = nr_node - 1; n > 0; n--)
		for (u32 i = 0; i < a->nr_res; i++)
			if (a->res[i].window == n)
				size_window(a, &a->res[i], idx);

	/* the root's PREF goes in with MEM; only memory has a 64-bit region */
	failed = place(a, 0, PCI_RES_IO, a->io_base, a->io_end, 0, 0, idx, hi) +
		 place(a, 0, PCI_RES_MEM, a->mem_base, a->mem_end, a->mem64_base, a->mem64_end,
		       idx, hi);

	/* parents first: a window's address is known before its bus is laid out */
	for (s32 n = 1; n < nr_node; n++) {
		for (u32 i = 0; i < a->nr_res; i++) {
			struct pci_res *w = &a->res[i];
			/* a window that got no room fails its bus: nothing fits in [0, 0) */
			u64 base = w->failed ? 0 : w->addr, end = w->failed ? 0 : w->addr + w->size;

			if ((w->window == n) & (w->size != 0))
				failed += place(a, n, w->kind, base, end, 0, 0, idx, hi);
		}
	}
	return failed;
}
