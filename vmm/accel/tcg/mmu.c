/*
 * Paging (32-bit, PSE, PAE, 4-level), the TLB of host pointers, the slow
 * paths for MMIO, page-crossing accesses and writes to pages holding
 * decoded code, and physical accesses for the CPU's own structures.
 */
#include <stdlib.h>

#include "board/lapic.h"
#include "board/log.h"
#include "board/board.h"
#include "vmm/accel/tcg/tcg.h"

#define PTE_P	(1ull << 0)
#define PTE_W	(1ull << 1)
#define PTE_U	(1ull << 2)
#define PTE_A	(1ull << 5)
#define PTE_D	(1ull << 6)
#define PTE_PS	(1ull << 7)
#define PTE_G	(1ull << 8)
#define PTE_NX	(1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

#define PF_P	(1u << 0)
#define PF_W	(1u << 1)
#define PF_U	(1u << 2)
#define PF_RSVD	(1u << 3)
#define PF_I	(1u << 4)

/* ---- physical memory ---- */
uint8_t *phys_host(struct tcg_vm *vm, uint64_t phys, struct tcg_slot **slotp, bool write)
{
	struct tcg_map *map = atomic_load_explicit(&vm->map, memory_order_acquire);
	unsigned hint;

	if (!map)
		return NULL;
	/* the slot of the last hit first (racy between vCPUs: only a hint) */
	hint = atomic_load_explicit(&map->hint, memory_order_relaxed);
	for (unsigned k = 0; k <= map->n; k++) {
		unsigned i = k == 0 ? hint : k - 1;
		struct tcg_slot *s;

		if (i >= map->n || (k && i == hint))
			continue;
		s = &map->slot[i];
		if (phys - s->gpa < s->size) {
			if (write && s->readonly)
				return NULL;
			if (slotp)
				*slotp = s;
			if (i != hint)
				atomic_store_explicit(&map->hint, i, memory_order_relaxed);
			return s->host + (phys - s->gpa);
		}
	}
	return NULL;
}

/* Writes that reach RAM outside the TLB fast path: drop decoded code there. */
static bool code_written(struct tcg_vm *vm, struct tcg_slot *s, uint64_t phys, unsigned len)
{
	bool hit = false;

	uint64_t off = phys - s->gpa;
	uint64_t page = off >> 12;
	uint64_t first = (off & 0xfff) >> 6, last = ((off & 0xfff) + len - 1) >> 6;
	uint64_t bits;

	if (!s->codemask)
		return false;
	if (last > 63) {	/* crosses into the next page */
		if (page + 1 < s->size >> 12)
			hit = code_written(vm, s, phys + (0x1000 - (off & 0xfff)), (unsigned)(len - (0x1000 - (off & 0xfff))));
		last = 63;
	}
	bits = (last - first == 63) ? ~0ull : ((1ull << (last - first + 1)) - 1) << first;
	if (atomic_load_explicit(&s->codemask[page], memory_order_relaxed) & bits) {
		atomic_store(&s->codemask[page], 0);
		atomic_fetch_add(&s->gen[page], 1);
		atomic_fetch_add(&vm->code_gen, 1);
		hit = true;
	}
	return hit;
}

void tcg_invalidate_phys(struct tcg_vm *vm, uint64_t gpa, uint64_t len)
{
	while (len) {
		struct tcg_slot *s = NULL;
		uint64_t n = 0x1000 - (gpa & 0xfff);

		if (n > len)
			n = len;
		if (phys_host(vm, gpa, &s, false) && s)
			code_written(vm, s, gpa, (unsigned)n);
		gpa += n;
		len -= n;
	}
}

static bool apic_mmio(struct tcg_cpu *cpu, uint64_t pa)
{
	return cpu->lapic && (pa & PAGE_MASK) == (cpu->apic_base & APICBASE_ADDR_MASK) &&
	       lapic_hw_enabled(cpu->lapic) && !lapic_x2apic_mode(cpu->lapic);
}

static uint64_t mmio_read(struct tcg_cpu *cpu, uint64_t pa, unsigned size)
{
	uint64_t v = 0;

	cpu->irq_check = true;
	if (apic_mmio(cpu, pa)) {
		board_lock(cpu->vm->board);
		v = lapic_mmio_read(cpu->lapic, pa & 0xfff, size);
		board_unlock(cpu->vm->board);
		return v;
	}
	cpu->host->mmio(cpu->host->opaque, pa, &v, size, false);
	return v;
}

static void mmio_write(struct tcg_cpu *cpu, uint64_t pa, unsigned size, uint64_t v)
{
	cpu->irq_check = true;
	if (apic_mmio(cpu, pa)) {
		board_lock(cpu->vm->board);
		lapic_mmio_write(cpu->lapic, pa & 0xfff, v, size);
		board_unlock(cpu->vm->board);
		return;
	}
	cpu->host->mmio(cpu->host->opaque, pa, &v, size, true);
	/* a PAM or other map change lands here: look at it before the next block */
	cpu->stop_block = true;
}

uint64_t phys_read(struct tcg_cpu *cpu, uint64_t pa, unsigned size)
{
	uint8_t *p;
	uint64_t v = 0;

	if ((pa & 0xfff) + size > 0x1000) {
		for (unsigned i = 0; i < size; i++)
			v |= phys_read(cpu, pa + i, 1) << (8 * i);
		return v;
	}
	p = phys_host(cpu->vm, pa, NULL, false);
	if (!p)
		return mmio_read(cpu, pa, size);
	memcpy(&v, p, size);
	return v;
}

void phys_write(struct tcg_cpu *cpu, uint64_t pa, unsigned size, uint64_t val)
{
	struct tcg_slot *s = NULL;
	uint8_t *p;

	if ((pa & 0xfff) + size > 0x1000) {
		for (unsigned i = 0; i < size; i++)
			phys_write(cpu, pa + i, 1, val >> (8 * i));
		return;
	}
	p = phys_host(cpu->vm, pa, &s, true);
	if (!p) {
		mmio_write(cpu, pa, size, val);
		return;
	}
	memcpy(p, &val, size);
	/* code of the running block may be gone: leave it after this instruction */
	if (code_written(cpu->vm, s, pa, size))
		cpu->stop_block = true;
}

/* set accessed/dirty bits in a paging entry (atomically: other vCPUs walk too) */
static void pte_set(struct tcg_cpu *cpu, uint64_t pa, unsigned size, uint64_t bits)
{
	struct tcg_slot *s = NULL;
	uint8_t *p = phys_host(cpu->vm, pa, &s, true);

	if (!p || (pa & (size - 1)))
		return;
	if (size == 8)
		__atomic_fetch_or((uint64_t *)p, bits, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or((uint32_t *)p, (uint32_t)bits, __ATOMIC_SEQ_CST);
	if (code_written(cpu->vm, s, pa, size))
		cpu->stop_block = true;
}

/* ---- the TLB ---- */
void tlb_flush(struct tcg_cpu *cpu, bool global_too)
{
	cpu->tlb_gen++;
	if (global_too) {
		cpu->large_lo = ~0ull;
		cpu->large_hi = 0;
	}
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < TLB_ALL; i++) {
			struct tlb_entry *e = &cpu->tlb[t][i];
			if (global_too || !(e->phys & TLB_G)) {
				e->tag_r = e->tag_w = TLB_EMPTY;
				e->phys = 0;
			}
		}
}

void tlb_flush_page(struct tcg_cpu *cpu, uint64_t lin)
{
	cpu->tlb_gen++;
	/* a large page is cached as many 4 KiB entries: drop them all */
	if (lin >= cpu->large_lo && lin <= cpu->large_hi) {
		tlb_flush(cpu, true);
		return;
	}
	for (int t = 0; t < 2; t++) {
		for (int i = -1; i < TLB_VICTIMS; i++) {
			struct tlb_entry *e = &cpu->tlb[t][i < 0 ? (lin >> 12) & (TLB_SIZE - 1) :
							  (unsigned)(TLB_SIZE + i)];

			if ((e->tag_r & PAGE_MASK) == (lin & PAGE_MASK) ||
			    (e->tag_w & PAGE_MASK) == (lin & PAGE_MASK)) {
				e->tag_r = e->tag_w = TLB_EMPTY;
				e->phys = 0;
			}
		}
	}
}

static inline uint64_t tlb_tag(const struct tlb_entry *e, int access)
{
	if (access == ACC_EXEC)
		return (e->phys & TLB_X) ? e->tag_r : TLB_EMPTY;
	return access == ACC_READ ? e->tag_r : e->tag_w;
}

static NORETURN void page_fault(struct tcg_cpu *cpu, uint64_t lin, uint32_t err)
{
	cpu->cr2 = lin;
	cpu_raise(cpu, EXC_PF, err, true);
}

struct walk {
	uint64_t phys;
	uint64_t off_mask;		/* offset bits of the page: 4 KiB, 2/4 MiB, 1 GiB */
	bool user, write, nx, global, large;
	bool dirty;
};

static inline uint64_t page_off_mask_of(const struct walk *w)
{
	return w->off_mask;
}

/* Walk the page tables; faults if the access is not allowed. */
static void walk(struct tcg_cpu *cpu, uint64_t lin, int access, bool user_access, struct walk *w)
{
	bool nxe = cpu->efer & EFER_NXE;
	uint64_t e, pa, ptes[4];
	unsigned nptes = 0, esz;
	uint32_t err = 0;
	uint64_t page_off_mask = 0xfff;

	w->user = w->write = true;
	w->nx = w->global = w->large = false;
	if (cpu->cr4 & CR4_PAE) {
		int level;

		esz = 8;
		if (cpu->efer & EFER_LMA) {
			pa = (cpu->cr3 & PTE_ADDR) + ((lin >> 39) & 0x1ff) * 8;
			level = 4;
		} else {
			pa = (cpu->cr3 & 0xffffffe0ull) + ((lin >> 30) & 3) * 8;
			e = phys_read(cpu, pa, 8);
			if (!(e & PTE_P))
				goto not_present;
			pa = (e & PTE_ADDR) + ((lin >> 21) & 0x1ff) * 8;
			level = 2;
		}
		for (;;) {
			e = phys_read(cpu, pa, 8);
			if (!(e & PTE_P))
				goto not_present;
			ptes[nptes++] = pa;
			w->user &= !!(e & PTE_U);
			w->write &= !!(e & PTE_W);
			if (nxe && (e & PTE_NX))
				w->nx = true;
			if (level == 1)
				break;
			if ((e & PTE_PS) && (level == 2 || level == 3)) {
				page_off_mask = level == 2 ? 0x1fffff : 0x3fffffff;
				w->large = true;
				break;
			}
			level--;
			pa = (e & PTE_ADDR) + ((lin >> (12 + 9 * (level - 1))) & 0x1ff) * 8;
		}
		w->phys = (e & PTE_ADDR & ~page_off_mask) | (lin & page_off_mask);
	} else {
		esz = 4;
		pa = (cpu->cr3 & 0xfffff000ull) + ((lin >> 22) & 0x3ff) * 4;
		e = phys_read(cpu, pa, 4);
		if (!(e & PTE_P))
			goto not_present;
		ptes[nptes++] = pa;
		w->user &= !!(e & PTE_U);
		w->write &= !!(e & PTE_W);
		if ((e & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
			w->large = true;
			page_off_mask = 0x3fffff;
			w->phys = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32) | (lin & 0x3fffff);
		} else {
			pa = (e & 0xfffff000ull) + ((lin >> 12) & 0x3ff) * 4;
			e = phys_read(cpu, pa, 4);
			if (!(e & PTE_P))
				goto not_present;
			ptes[nptes++] = pa;
			w->user &= !!(e & PTE_U);
			w->write &= !!(e & PTE_W);
			w->phys = (e & 0xfffff000ull) | (lin & 0xfff);
		}
	}
	w->global = (e & PTE_G) && (cpu->cr4 & CR4_PGE);
	w->dirty = e & PTE_D;
	w->off_mask = page_off_mask;

	/* permissions */
	if (user_access && !w->user)
		goto prot;
	if (access == ACC_WRITE && !w->write && (user_access || (cpu->cr0 & CR0_WP)))
		goto prot;
	if (access == ACC_EXEC && w->nx)
		goto prot;
	if (!user_access && !(cpu->cr0 & CR0_WP))
		w->write = true;
	/* accessed on every level, dirty on the last for writes */
	for (unsigned i = 0; i < nptes; i++)
		pte_set(cpu, ptes[i], esz, PTE_A | ((i == nptes - 1 && access == ACC_WRITE) ? PTE_D : 0));
	if (access == ACC_WRITE)
		w->dirty = true;
	if (w->large) {
		uint64_t lo = lin & ~page_off_mask_of(w), hi = lin | page_off_mask_of(w);

		if (lo < cpu->large_lo)
			cpu->large_lo = lo;
		if (hi > cpu->large_hi)
			cpu->large_hi = hi;
	}
	return;

prot:
	err = PF_P;
not_present:
	if (access == ACC_WRITE)
		err |= PF_W;
	if (user_access)
		err |= PF_U;
	if (access == ACC_EXEC && nxe)
		err |= PF_I;
	page_fault(cpu, lin, err);
}

uint64_t mmu_translate(struct tcg_cpu *cpu, uint64_t lin, int access)
{
	struct tlb_entry *e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];
	uint64_t page = lin & PAGE_MASK;
	struct tcg_slot *slot = NULL;
	struct walk w;
	uint8_t *host, *host_w;

	if ((tlb_tag(e, access) & ~TLB_SLOW) == page)
		return TLB_PHYS(e) | (lin & 0xfff);
	/* a victim: swap it back into its slot */
	for (unsigned i = TLB_SIZE; i < TLB_ALL; i++) {
		struct tlb_entry *v = &cpu->tlbc[i];

		if ((tlb_tag(v, access) & ~TLB_SLOW) == page) {
			struct tlb_entry t = *e;

			*e = *v;
			*v = t;
			return TLB_PHYS(e) | (lin & 0xfff);
		}
	}
	/* non-canonical addresses never enter the TLB: this catches them all */
	if ((cpu->efer & EFER_LMA) && (uint64_t)((int64_t)(lin << 16) >> 16) != lin)
		cpu_gp(cpu, 0);

	if (cpu->cr0 & CR0_PG) {
		walk(cpu, lin, access, cpu->cpl == 3, &w);
	} else {
		w = (struct walk){ .phys = lin, .user = true, .write = true, .dirty = true };
	}
	w.phys &= ~0xfffull;
	/* a different page in this slot: start clean */
	if ((e->tag_r & PAGE_MASK) != page && (e->tag_w & PAGE_MASK) != page) {
		if (e->tag_r != TLB_EMPTY || e->tag_w != TLB_EMPTY)
			cpu->tlbc[TLB_SIZE + cpu->tlb_victim++ % TLB_VICTIMS] = *e;
		e->tag_r = e->tag_w = TLB_EMPTY;
		e->phys = 0;
	} else if (TLB_PHYS(e) != w.phys) {
		e->tag_r = e->tag_w = TLB_EMPTY;
		e->phys = 0;
	}
	host = phys_host(cpu->vm, w.phys, &slot, false);
	host_w = host && !slot->readonly ? host : NULL;
	/* the same page keeps the execute right an earlier walk found */
	e->phys = w.phys | (e->phys & TLB_X) | (w.global ? TLB_G : 0) |
		  (!w.nx || !(cpu->cr0 & CR0_PG) ? TLB_X : 0);
	e->addend = host ? (uintptr_t)host - (uintptr_t)page : 0;
	e->tag_r = host ? page : page | TLB_SLOW;
	if (w.write && w.dirty) {
		bool code = slot && slot->codemask &&
			    atomic_load_explicit(&slot->codemask[(w.phys - slot->gpa) >> 12],
						 memory_order_relaxed);
		e->tag_w = (host_w && !code) ? page : page | TLB_SLOW;
	}
	return w.phys | (lin & 0xfff);
}

uint64_t mem_read_slow(struct tcg_cpu *cpu, uint64_t lin, unsigned size, bool exec)
{
	uint64_t pa, v = 0;
	struct tlb_entry *e;

	if ((lin & 0xfff) + size > 0x1000) {
		for (unsigned i = 0; i < size; i++)
			v |= mem_read_slow(cpu, (lin + i) & cpu->lin_mask, 1, exec) << (8 * i);
		return v;
	}
	pa = mmu_translate(cpu, lin, exec ? ACC_EXEC : ACC_READ);
	e = &cpu->tlbc[(lin >> 12) & (TLB_SIZE - 1)];
	if (e->tag_r == (lin & PAGE_MASK)) {
		memcpy(&v, (const void *)(uintptr_t)(lin + e->addend), size);
		return v;
	}
	return mmio_read(cpu, pa, size);
}

void mem_write_slow(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t val)
{
	uint64_t pa;

	if ((lin & 0xfff) + size > 0x1000) {
		uint64_t second = ((lin | 0xfff) + 1) & cpu->lin_mask;

		/* both pages must be writable before any byte is */
		mmu_translate(cpu, lin, ACC_WRITE);
		mmu_translate(cpu, second, ACC_WRITE);
		for (unsigned i = 0; i < size; i++)
			mem_write_slow(cpu, (lin + i) & cpu->lin_mask, 1, val >> (8 * i));
		return;
	}
	pa = mmu_translate(cpu, lin, ACC_WRITE);
	phys_write(cpu, pa, size, val);
}

/* ---- segmentation helpers ---- */
NORETURN void seg_fault(struct tcg_cpu *cpu, unsigned s)
{
	cpu_raise(cpu, s == SEG_SS ? EXC_SS : EXC_GP, 0, true);
}

void seg_update_cache(struct tcg_cpu *cpu, unsigned s)
{
	struct tcg_seg *sg = &cpu->seg[s];
	struct cpu_segment *d = &sg->d;
	bool pm = cpu->cr0 & CR0_PE;

	if (cpu->code_bits == 64) {
		sg->lbase = (s == SEG_FS || s == SEG_GS) ? d->base : 0;
		sg->lo = 0;
		sg->hi = ~0ull;
		sg->rd = sg->wr = true;
		return;
	}
	sg->lbase = d->base;
	if (pm && !(cpu->eflags & FL_VM) && (d->unusable || !d->present)) {
		sg->rd = sg->wr = false;
		sg->lo = 1;
		sg->hi = 0;
		return;
	}
	if (!pm || (cpu->eflags & FL_VM)) {
		/* real and virtual-8086 mode keep the cached limit (big real mode) */
		sg->rd = sg->wr = true;
		sg->lo = 0;
		sg->hi = d->limit;
		return;
	}
	if (d->type & 8) {			/* code */
		sg->rd = d->type & 2;
		sg->wr = false;
		sg->lo = 0;
		sg->hi = d->limit;
	} else {
		sg->rd = true;
		sg->wr = d->type & 2;
		if (d->type & 4) {		/* expand-down */
			sg->lo = (uint64_t)d->limit + 1;
			sg->hi = d->db ? 0xffffffffull : 0xffff;
		} else {
			sg->lo = 0;
			sg->hi = d->limit;
		}
	}
}

void cpu_update_mode(struct tcg_cpu *cpu)
{
	struct cpu_state tmp;

	tmp.efer = cpu->efer;
	tmp.cr0 = cpu->cr0;
	tmp.seg[SEG_CS] = cpu->seg[SEG_CS].d;
	cpu->code_bits = (uint8_t)cpu_state_code_bits(&tmp);
	if ((cpu->eflags & FL_VM) && (cpu->cr0 & CR0_PE))
		cpu->code_bits = 16;
	cpu->lin_mask = cpu->code_bits == 64 ? ~0ull : 0xffffffffull;
	cpu->ipmask = cpu->code_bits == 64 ? ~0ull : cpu->code_bits == 32 ? 0xffffffffull : 0xffff;
	for (unsigned s = 0; s < SEG_LDT; s++)
		seg_update_cache(cpu, s);
	cpu->tlbc = cpu->tlb[cpu->cpl == 3];
}

/* ---- supervisor accesses (descriptor tables, TSS): no TLB, CPL ignored ---- */
static uint64_t sys_phys(struct tcg_cpu *cpu, uint64_t lin, int access)
{
	struct walk w;

	lin &= cpu->lin_mask;
	if (!(cpu->cr0 & CR0_PG))
		return lin;
	walk(cpu, lin, access, false, &w);
	return w.phys;
}

uint64_t sys_read(struct tcg_cpu *cpu, uint64_t lin, unsigned size)
{
	uint64_t v = 0;

	if ((lin & 0xfff) + size > 0x1000) {
		for (unsigned i = 0; i < size; i++)
			v |= sys_read(cpu, lin + i, 1) << (8 * i);
		return v;
	}
	return phys_read(cpu, sys_phys(cpu, lin, ACC_READ), size);
}

void sys_write(struct tcg_cpu *cpu, uint64_t lin, unsigned size, uint64_t val)
{
	if ((lin & 0xfff) + size > 0x1000) {
		for (unsigned i = 0; i < size; i++)
			sys_write(cpu, lin + i, 1, val >> (8 * i));
		return;
	}
	phys_write(cpu, sys_phys(cpu, lin, ACC_WRITE), size, val);
}
