/*
 * Conformance classes: 32-bit protected-mode checks. A GDT of varied
 * descriptors (limits byte and page granular, expand-down 16/32-bit, code
 * execute-only/readable/conforming, DPLs, not present, system types, and
 * pseudo-random ones) is installed, then:
 *   pm.sel   lar, lsl, verr, verw, arpl over selectors (TI, RPL, beyond the limit)
 *   pm.seg   segment loads (mov, pop, lfs/lgs): #GP/#NP with their error codes,
 *            or an access within the limits through the new base (QEMU's TCG
 *            checks no limits on access, so limit faults cannot be compared)
 *   pm.fault bound (#BR), into (#OF), int3, ud2, lock on a register or nop (#UD)
 * See conf.h for the digest rules.
 */
#define CONF_RANDOM_CASES	1024
#include "conf.h"

#define GDT_ENTRIES	32
#define NR_SELECTORS	40	/* indexes past GDT_ENTRIES are beyond the limit */
#define SEL_FLAT_CODE	0x08
#define SEL_FLAT_DATA	0x10

#define ACC_P		0x80
#define ACC_S		0x10
#define ACC_DPL(n)	((n) << 5)
#define TYPE_RO		0x0
#define TYPE_RW		0x2
#define TYPE_RW_ED	0x6
#define TYPE_XO		0x8
#define TYPE_XR		0xa
#define TYPE_XR_CONF	0xe
#define FLG_G		0x8
#define FLG_DB		0x4
#define FLG_AVL		0x1

static uint8_t pmbuf[8192] __attribute__((aligned(16)));
#define PM_BASE		((uint32_t)(uintptr_t)&pmbuf[2048])
static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(8)));

struct pm_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	uint32_t lo = (limit & 0xffff) | (base & 0xffff) << 16;
	uint32_t hi = ((base >> 16) & 0xff) | (uint32_t)access << 8 | (limit & 0xf0000) |
		      (uint32_t)(flags & 0xf) << 20 | (base & 0xff000000u);

	return (uint64_t)hi << 32 | lo;
}

static void gdt_build(void)
{
	unsigned i;

	gdt[0] = 0;
	gdt[1] = desc(0, 0xfffff, ACC_P | ACC_S | TYPE_XR, FLG_G | FLG_DB);
	gdt[2] = desc(0, 0xfffff, ACC_P | ACC_S | TYPE_RW, FLG_G | FLG_DB);
	gdt[3] = desc(PM_BASE, 0xff, ACC_P | ACC_S | TYPE_RW, FLG_DB);
	gdt[4] = desc(PM_BASE, 0xff, ACC_P | ACC_S | TYPE_RO, FLG_DB);
	/* expand-down: the valid offsets (limit, top] land just around PM_BASE */
	gdt[5] = desc(PM_BASE + 0x1000, 0xffffe, ACC_P | ACC_S | TYPE_RW_ED, FLG_G | FLG_DB);
	gdt[6] = desc(PM_BASE - 0xff00, 0xff00, ACC_P | ACC_S | TYPE_RW_ED, 0);
	gdt[7] = desc(PM_BASE, 0xff, ACC_P | ACC_S | TYPE_XO, FLG_DB);
	gdt[8] = desc(PM_BASE, 0xff, ACC_P | ACC_S | TYPE_XR, FLG_DB);
	gdt[9] = desc(PM_BASE, 0xff, ACC_P | ACC_S | ACC_DPL(3) | TYPE_XR_CONF, FLG_DB);
	gdt[10] = desc(PM_BASE, 0xff, ACC_P | ACC_S | ACC_DPL(3) | TYPE_RW, FLG_DB);
	gdt[11] = desc(PM_BASE, 0xff, ACC_S | TYPE_RW, FLG_DB);	/* not present */
	gdt[12] = desc(PM_BASE, 0, ACC_P | ACC_S | TYPE_RW | 1, FLG_G | FLG_DB);
	gdt[13] = desc(PM_BASE, 0x3f, ACC_P | 0x2, 0);		/* LDT */
	gdt[14] = desc(PM_BASE, 0x67, ACC_P | 0x9, 0);		/* 32-bit TSS */
	gdt[15] = desc(PM_BASE, 0x67, ACC_P | 0xb, 0);		/* busy TSS */
	gdt[16] = desc(PM_BASE, 0x1234, ACC_P | 0xc, 0);	/* call gate */
	gdt[17] = desc(PM_BASE, 0x1234, ACC_P | 0xe, 0);	/* interrupt gate */
	gdt[18] = desc(PM_BASE, 0x2b, ACC_P | 0x1, 0);		/* 16-bit TSS */
	gdt[19] = desc(PM_BASE, 0xff, ACC_P | ACC_S | ACC_DPL(1) | TYPE_XR, FLG_DB);
	gdt[20] = desc(PM_BASE, 0xff, ACC_P | ACC_S | ACC_DPL(2) | TYPE_RW | 1, FLG_AVL);
	gdt[21] = desc(PM_BASE, 0, ACC_P | 0x5, 0);		/* task gate */
	gdt[22] = desc(PM_BASE, 0xff, ACC_P | 0x0, 0);		/* reserved system type */
	gdt[23] = desc(PM_BASE, 0xfff, ACC_P | ACC_S | ACC_DPL(1) | TYPE_RO, 0);
	for (i = 24; i < GDT_ENTRIES; i++) {
		uint32_t r = rnd();
		uint8_t acc = r & 0xff;

		/* data segments stay expand-up: every valid offset is inside pmbuf */
		if ((acc & ACC_S) && !(acc & 0x8))
			acc &= ~0x4;
		gdt[i] = desc(PM_BASE, (r >> 8) & 0xfff, acc, (r >> 24) & (FLG_DB | FLG_AVL));
	}
}

static void gdt_load(const void *base, uint16_t limit)
{
	struct pm_ptr p = { limit, (uint32_t)(uintptr_t)base };

	__asm__ volatile("lgdt %0" : : "m"(p) : "memory");
}

static void segs_reset(void)
{
	__asm__ volatile("movw %w0, %%es\n\tmovw %w0, %%fs\n\tmovw %w0, %%gs"
			 : : "r"(SEL_FLAT_DATA) : "memory");
}

/* A selector: mostly table entries, any RPL, sometimes TI or past the limit. */
static uint32_t selector(void)
{
	uint32_t r = rnd();
	uint32_t sel = ((r >> 8) % NR_SELECTORS) << 3 | (r & 3);

	if ((r & 0x70) == 0x70)
		sel |= 4;
	return (r & 0xffff0000u) | sel;
}

/* ---- pm.sel ---- */

CONF_STUB(lar_l, "larl %bx, %eax");
CONF_STUB(lar_w, "larw %bx, %ax");
CONF_STUB(lar_m, "larl (%esi), %ecx");
CONF_STUB(lsl_l, "lsll %bx, %eax");
CONF_STUB(lsl_w, "lslw %bx, %ax");
CONF_STUB(lsl_m, "lsll (%esi), %ecx");
CONF_STUB(verr_r, "verr %bx");
CONF_STUB(verw_r, "verw %bx");
CONF_STUB(verr_m, "verr (%esi)");
CONF_STUB(arpl_r, "arpl %bx, %ax");
CONF_STUB(arpl_m, "arpl %bx, (%esi)");
static const struct conf_op sel_ops[] = {
	{ lar_l, 0 }, { lar_w, 0 }, { lar_m, 0 }, { lsl_l, 0 }, { lsl_w, 0 }, { lsl_m, 0 },
	{ verr_r, 0 }, { verw_r, 0 }, { verr_m, 0 }, { arpl_r, 0 }, { arpl_m, 0 },
};

/* ---- pm.seg: load EBX's selector (or a far pointer), access at ECX; arg 1: a write ---- */

CONF_STUB(seg_fs_ld, "movw %bx, %fs\n\tmovl %fs:(%ecx), %eax");
CONF_STUB(seg_gs_st, "movw %bx, %gs\n\tmovw %dx, %gs:(%ecx)");
CONF_STUB(seg_es_ldb, "movw %bx, %es\n\tmovb %es:(%ecx), %al");
CONF_STUB(seg_pop_fs, "pushl %ebx\n\tpopl %fs\n\tmovl %fs:(%ecx), %edx");
CONF_STUB(seg_lfs, "lfsl (%esi), %edx\n\tmovw %fs:(%ecx), %ax");
CONF_STUB(seg_lgs_w, "lgsw 8(%esi), %dx\n\tincl %gs:(%ecx)");
static const struct conf_op seg_ops[] = {
	{ seg_fs_ld, 0 }, { seg_gs_st, 1 }, { seg_es_ldb, 0 }, { seg_pop_fs, 0 },
	{ seg_lfs, 0 }, { seg_lgs_w, 1 },
};

/* ---- pm.fault ---- */

CONF_STUB(bound_l, "boundl %eax, (%esi)");
CONF_STUB(bound_w, "boundw %ax, 8(%esi)");
CONF_STUB(into_s, "into");
CONF_STUB(int3_s, "int3");
CONF_STUB(ud2_s, "ud2");
CONF_STUB(lock_nop, ".byte 0xf0, 0x90");
CONF_STUB(lock_reg, ".byte 0xf0, 0x01, 0xc3");
static const struct conf_op fault_ops[] = {
	{ bound_l, 0 }, { bound_w, 0 }, { into_s, 0 }, { int3_s, 0 }, { ud2_s, 0 },
	{ lock_nop, 0 }, { lock_reg, 0 },
};

static void put_pmbuf(void)
{
	unsigned i;

	for (i = 2048 - 256; i < 2048 + 4096; i += 4)
		conf_put(*(uint32_t *)&pmbuf[i]);
}

static void ldt_load(uint16_t sel)
{
	__asm__ volatile("lldt %w0" : : "r"(sel) : "memory");
}

static void run_sel(void)
{
	struct conf_state s;
	unsigned k, i;

	/* the LDT (GDT entry 13, 8 entries at PM_BASE) holds copies of GDT 3-10;
	 * the LDTR left by whatever booted us would point at unrelated memory */
	memcpy(&pmbuf[2048], &gdt[3], 8 * sizeof(gdt[0]));
	ldt_load(13 << 3);
	conf_begin("pm.sel");
	for (k = 0; k < ARRAY_SIZE(sel_ops); k++) {
		for (i = 0; i < CONF_CASES; i++) {
			conf_setup(&s, rnd(), selector(), rnd());
			conf_mem[0] = selector();
			conf_exec(&s, sel_ops[k].fn);
			/* ZF is the answer; every other flag is kept */
			conf_put_state(&s, EFL_ARITH);
			conf_put_mem(1);
		}
	}
	conf_end();
}

/*
 * A selector for pm.seg and an offset the access through it may use. QEMU's
 * TCG checks a descriptor when it is loaded, but neither the limit nor write
 * permission on each access (nor a null selector's use), so accesses stay
 * within those rules and only the loads' checks and the bases are compared.
 */
static uint32_t seg_pick(bool write, uint32_t *off)
{
	uint32_t r = rnd(), sel = selector(), idx = (sel >> 3) & 0x1fff;
	uint32_t lo, hi, lim;
	uint64_t d;
	uint8_t acc;

	*off = PM_BASE;
	if ((sel & 4) || idx >= GDT_ENTRIES)
		return sel;			/* the load faults */
	d = gdt[idx];
	acc = (uint8_t)(d >> 40);
	if (idx && (acc & ACC_S) && !((acc & 0x8) ? write : (write && !(acc & 0x2)))) {
		if (idx <= 2) {			/* flat: stay in pmbuf */
			*off = PM_BASE + ((r >> 8) & 0xfc);
			return sel;
		}
		lim = (uint32_t)(d & 0xffff) | (uint32_t)(d >> 32 & 0xf0000);
		if (d & (1ull << 55))
			lim = lim << 12 | 0xfff;
		if (!(acc & 0x8) && (acc & 0x4)) {	/* expand-down */
			lo = lim + 1;
			hi = (d & (1ull << 54)) ? 0xffffffffu : 0xffff;
		} else {
			lo = 0;
			hi = lim;
		}
		if (hi - lo >= 3 && lo <= hi) {
			*off = (r & 1) ? hi - 3 - ((r >> 1) & 3) : lo + ((r >> 3) & 0xff);
			if (*off > hi - 3 || *off < lo)
				*off = lo;
			return sel;
		}
	} else if (!idx || !(acc & ACC_S) || !(acc & ACC_P)) {
		if (idx)
			return sel;		/* system or absent: the load faults */
	}
	/* null, unwritable or tiny: use the byte-granular RW data entry instead */
	*off = (r >> 3) & 0xfc;
	return (sel & ~0xfff8u) | 3 << 3;
}

static void run_seg(void)
{
	struct conf_state s;
	unsigned k, i, j;

	ldt_load(0);		/* pmbuf is data here: TI=1 selectors fault */
	conf_begin("pm.seg");
	for (k = 0; k < ARRAY_SIZE(seg_ops); k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t off, sel = seg_pick(seg_ops[k].arg, &off);

			for (j = 0; j < sizeof(pmbuf) / 4; j++)
				((uint32_t *)pmbuf)[j] = 0;
			*(uint32_t *)&pmbuf[2048 + (rnd() & 0xffc)] = rnd();
			conf_setup(&s, rnd(), sel, off);
			conf_mem[0] = rnd();		/* lfs: offset, selector */
			conf_mem[1] = sel;
			conf_mem[2] = (sel & 0xffff) << 16 | (rnd() & 0xffff);	/* lgsw */
			conf_exec(&s, seg_ops[k].fn);
			segs_reset();
			conf_put_state(&s, EFL_ARITH);
			put_pmbuf();
		}
	}
	conf_end();
}

static void run_fault(void)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin("pm.fault");
	for (k = 0; k < ARRAY_SIZE(fault_ops); k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b, r = rnd();

			conf_pair(i, 32, &a, &b);
			conf_setup(&s, a, b, rnd());
			/* bounds around EAX: below, at, inside, above */
			conf_mem[0] = a - ((r & 3) - 1);
			conf_mem[1] = a + ((r >> 2) & 3) - 1;
			conf_mem[2] = ((a - ((r >> 4) & 3) + 1) & 0xffff) |
				      ((a + ((r >> 6) & 3) - 1) & 0xffff) << 16;
			if (r & 0x100)
				conf_mem[1] = rnd();
			conf_exec(&s, fault_ops[k].fn);
			conf_put_state(&s, EFL_ARITH);
		}
	}
	conf_end();
}

static void known_answers(void)
{
	struct conf_state s;

	conf_setup(&s, 0, 3 << 3, 0);
	conf_exec(&s, lsl_l);
	conf_expect("pm_lsl_byte_limit", s.eax << 1 | !!(s.eflags & EFL_ZF), 0xff << 1 | 1);
	conf_setup(&s, 0, 11 << 3, 0);
	conf_exec(&s, seg_fs_ld);
	segs_reset();
	conf_expect("pm_not_present_np", s.fault << 16 | s.error, (11 + 1) << 16 | 11 << 3);
	conf_setup(&s, 0x0003, 0x0001, 0);
	conf_exec(&s, arpl_r);
	conf_expect("pm_arpl_no_change_zf0", (s.eax & 0xffff) << 1 | !!(s.eflags & EFL_ZF), 3 << 1);
}

void test_main(void)
{
	struct pm_ptr saved;

	conf_init();
	__asm__ volatile("sgdt %0" : "=m"(saved));
	ldt_load(0);
	conf_begin("pm.gdt");		/* seeds the random descriptors */
	gdt_build();
	gdt_load(gdt, sizeof(gdt) - 1);
	known_answers();
	run_sel();
	run_seg();
	run_fault();
	gdt_load((const void *)(uintptr_t)saved.base, saved.limit);
	pass("conf_pm_ran");
}
