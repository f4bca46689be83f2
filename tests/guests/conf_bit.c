/*
 * Conformance classes: bit tests (bt bts btr btc on registers and on bit
 * strings in memory, lock forms), bit scans (bsf bsr), bswap, and the BCD
 * adjustments (daa das aaa aas aam aad, over every AL and AF/CF input).
 * See conf.h for the digest rules.
 */
#include "conf.h"

#define LOCK ".byte 0xf0\n\t"

/* A bit string around ESI: register offsets reach +-1024 bits. */
static uint32_t bitbuf[96] __attribute__((aligned(16)));
#define BITBUF_MID	48

#define BT_STUBS(op, lk)						\
	CONF_STUB(op##_l_rr, #op "l %ebx, %eax");			\
	CONF_STUB(op##_l_ir, #op "l $37, %ecx");			\
	CONF_STUB(op##_l_rm, lk #op "l %ebx, (%esi)");			\
	CONF_STUB(op##_l_im, lk #op "l $31, 4(%esi)");			\
	CONF_STUB(op##_w_rr, #op "w %bx, %ax");				\
	CONF_STUB(op##_w_ir, #op "w $21, %dx");				\
	CONF_STUB(op##_w_rm, lk #op "w %bx, (%esi)");			\
	CONF_STUB(op##_w_im, lk #op "w $15, -2(%esi)");			\
	static const struct conf_op op##_l[] = { { op##_l_rr, 0 },	\
		{ op##_l_ir, 0 }, { op##_l_rm, 1 }, { op##_l_im, 1 } };	\
	static const struct conf_op op##_w[] = { { op##_w_rr, 0 },	\
		{ op##_w_ir, 0 }, { op##_w_rm, 1 }, { op##_w_im, 1 } }

BT_STUBS(bt, "");
BT_STUBS(bts, LOCK);
BT_STUBS(btr, LOCK);
BT_STUBS(btc, LOCK);

/* arg: the destination register's index in the state (0 EAX, 2 ECX) */
CONF_STUB(bsf_l_r, "bsfl %ebx, %eax");
CONF_STUB(bsf_l_m, "bsfl 4(%esi), %ecx");
CONF_STUB(bsf_w_r, "bsfw %bx, %ax");
CONF_STUB(bsf_w_m, "bsfw 4(%esi), %cx");
CONF_STUB(bsr_l_r, "bsrl %ebx, %eax");
CONF_STUB(bsr_l_m, "bsrl 4(%esi), %ecx");
CONF_STUB(bsr_w_r, "bsrw %bx, %ax");
CONF_STUB(bsr_w_m, "bsrw 4(%esi), %cx");
static const struct conf_op bsf_l[] = { { bsf_l_r, 0 }, { bsf_l_m, 2 } };
static const struct conf_op bsf_w[] = { { bsf_w_r, 0 }, { bsf_w_m, 2 } };
static const struct conf_op bsr_l[] = { { bsr_l_r, 0 }, { bsr_l_m, 2 } };
static const struct conf_op bsr_w[] = { { bsr_w_r, 0 }, { bsr_w_m, 2 } };

CONF_STUB(bswap_a, "bswap %eax");
CONF_STUB(bswap_b, "bswap %ebx");
CONF_STUB(bswap_c, "bswap %ecx");
CONF_STUB(bswap_d, "bswap %edx");
CONF_STUB(bswap_bp, "bswap %ebp");
CONF_STUB(bswap_di, "bswap %edi");
static const struct conf_op bswap_l[] = {
	{ bswap_a, 0 }, { bswap_b, 0 }, { bswap_c, 0 }, { bswap_d, 0 }, { bswap_bp, 0 },
	{ bswap_di, 0 },
};

CONF_STUB(daa_s, "daa");
CONF_STUB(das_s, "das");
CONF_STUB(aaa_s, "aaa");
CONF_STUB(aas_s, "aas");
CONF_STUB(aam_10, "aam");
CONF_STUB(aam_16, "aam $16");
CONF_STUB(aam_7, "aam $7");
CONF_STUB(aam_0, "aam $0");
CONF_STUB(aad_10, "aad");
CONF_STUB(aad_16, "aad $16");
CONF_STUB(aad_7, "aad $7");
CONF_STUB(aad_0, "aad $0");
static const struct conf_op aam_ops[] = { { aam_10, 0 }, { aam_16, 0 }, { aam_7, 0 },
					  { aam_0, 0 } };
static const struct conf_op aad_ops[] = { { aad_10, 0 }, { aad_16, 0 }, { aad_7, 0 },
					  { aad_0, 0 } };

static void put_bitbuf(void)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(bitbuf); i++)
		conf_put(bitbuf[i]);
}

/* A register bit offset: in-word ones, then ones that reach other words. */
static uint32_t bit_offset(unsigned i, unsigned bits)
{
	uint32_t r = rnd();
	int32_t off = (i & 1) ? (int32_t)(r % 2048) - 1024 : (int32_t)(r % 64) - 16;

	if (bits == 16)
		return (r & 0xffff0000u) | ((uint32_t)off & 0xffff);
	return (uint32_t)off;
}

static void run_bt(const char *name, const struct conf_op *ops, unsigned nops, unsigned bits)
{
	struct conf_state s;
	unsigned k, i, j;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, rnd());
			if (ops[k].arg) {
				for (j = 0; j < ARRAY_SIZE(bitbuf); j++)
					bitbuf[j] = rnd();
				s.esi = (uint32_t)(uintptr_t)&bitbuf[BITBUF_MID];
				s.ebx = bit_offset(i, bits);
			}
			conf_exec(&s, ops[k].fn);
			/* CF is the bit; ZF is kept; OF SF AF PF are undefined */
			conf_put_state(&s, EFL_CF | EFL_ZF);
			if (ops[k].arg)
				put_bitbuf();
		}
	}
	conf_end();
}

static void run_scan(const char *name, const struct conf_op *ops, unsigned nops, unsigned bits)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, rnd());
			conf_exec(&s, ops[k].fn);
			if (!(b & width_mask(bits))) {
				/* a zero source leaves the destination undefined */
				uint32_t *dst = ops[k].arg ? &s.ecx : &s.eax;

				*dst &= ~width_mask(bits);
			}
			/* only ZF is defined */
			conf_put_state(&s, EFL_ZF);
		}
	}
	conf_end();
}

static void run_plain(const char *name, const struct conf_op *ops, unsigned nops,
		      unsigned bits, uint32_t mask)
{
	struct conf_state s;
	unsigned k, i;

	conf_begin(name);
	for (k = 0; k < nops; k++) {
		for (i = 0; i < CONF_CASES; i++) {
			uint32_t a, b;

			conf_pair(i, bits, &a, &b);
			conf_setup(&s, a, b, rnd());
			conf_exec(&s, ops[k].fn);
			conf_put_state(&s, s.fault ? EFL_ARITH : mask);
		}
	}
	conf_end();
}

/* daa das aaa aas: every AL with every AF/CF, AH from a few values. */
static void run_adjust(const char *name, void (*fn)(void), uint32_t mask)
{
	static const uint32_t ah[] = { 0x00, 0x09, 0xff };
	struct conf_state s;
	unsigned al, fl, h;

	conf_begin(name);
	for (h = 0; h < ARRAY_SIZE(ah); h++) {
		for (al = 0; al < 256; al++) {
			for (fl = 0; fl < 4; fl++) {
				conf_setup(&s, rnd(), 0, 0);
				s.eax = (s.eax & 0xffff0000u) | ah[h] << 8 | al;
				s.eflags = (s.eflags & ~(EFL_AF | EFL_CF)) |
					   ((fl & 1) ? EFL_CF : 0) | ((fl & 2) ? EFL_AF : 0);
				conf_exec(&s, fn);
				conf_put_state(&s, mask);
			}
		}
	}
	conf_end();
}

static void known_answers(void)
{
	struct conf_state s;

	conf_setup(&s, 0x0f, 0, 0);
	s.eflags = EFL_FIXED;
	conf_exec(&s, daa_s);
	conf_expect("bit_daa_0f", (s.eax & 0xff) | (s.eflags & (EFL_AF | EFL_CF)) << 8,
		    0x15 | EFL_AF << 8);
	conf_setup(&s, 0x0000, 0x00100000u, 0);
	conf_exec(&s, bsr_l_r);
	conf_expect("bit_bsr32", s.eax, 20);
	conf_setup(&s, 0x11223344u, 0, 0);
	conf_exec(&s, bswap_a);
	conf_expect("bit_bswap", s.eax, 0x44332211u);
	conf_setup(&s, 0x4d, 0, 0);
	conf_exec(&s, aam_10);
	conf_expect("bit_aam_77", s.eax & 0xffff, 0x0707);
}

void test_main(void)
{
	conf_init();
	known_answers();
	run_bt("bt.16", bt_w, ARRAY_SIZE(bt_w), 16);
	run_bt("bt.32", bt_l, ARRAY_SIZE(bt_l), 32);
	run_bt("bts.16", bts_w, ARRAY_SIZE(bts_w), 16);
	run_bt("bts.32", bts_l, ARRAY_SIZE(bts_l), 32);
	run_bt("btr.16", btr_w, ARRAY_SIZE(btr_w), 16);
	run_bt("btr.32", btr_l, ARRAY_SIZE(btr_l), 32);
	run_bt("btc.16", btc_w, ARRAY_SIZE(btc_w), 16);
	run_bt("btc.32", btc_l, ARRAY_SIZE(btc_l), 32);
	run_scan("bsf.16", bsf_w, ARRAY_SIZE(bsf_w), 16);
	run_scan("bsf.32", bsf_l, ARRAY_SIZE(bsf_l), 32);
	run_scan("bsr.16", bsr_w, ARRAY_SIZE(bsr_w), 16);
	run_scan("bsr.32", bsr_l, ARRAY_SIZE(bsr_l), 32);
	run_plain("bswap.32", bswap_l, ARRAY_SIZE(bswap_l), 32, EFL_ARITH);
	/* daa/das: OF undefined; aaa/aas: only AF and CF defined */
	run_adjust("daa", daa_s, EFL_ARITH & ~EFL_OF);
	run_adjust("das", das_s, EFL_ARITH & ~EFL_OF);
	run_adjust("aaa", aaa_s, EFL_AF | EFL_CF);
	run_adjust("aas", aas_s, EFL_AF | EFL_CF);
	/* aam/aad: SF ZF PF defined; aam $0 is #DE */
	run_plain("aam", aam_ops, ARRAY_SIZE(aam_ops), 16, EFL_SF | EFL_ZF | EFL_PF);
	run_plain("aad", aad_ops, ARRAY_SIZE(aad_ops), 16, EFL_SF | EFL_ZF | EFL_PF);
	pass("conf_bit_ran");
}
