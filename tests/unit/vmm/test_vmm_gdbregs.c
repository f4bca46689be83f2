/*
 * The gdb stub's register file and linear -> physical walk
 * (vmm/gdbstub_regs.c), in process: page tables built in a buffer that
 * stands for guest memory. vmm/ objects are not in a library the runner
 * links, so the file under test is compiled into this one.
 */
#include <check.h>
#include <string.h>

#include "vmm/gdbstub_regs.c"

#define MEM_SIZE	(4u << 20)

static uint8_t mem[MEM_SIZE];

static int fake_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -1;
	memcpy(buf, mem + gpa, len);
	return 0;
}

static const struct gdb_target target = { .read_phys = fake_read };

static void put32(uint64_t gpa, uint32_t v) { memcpy(mem + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(mem + gpa, &v, 8); }

static struct cpu_state paged(uint64_t cr3, uint64_t cr4, uint64_t efer)
{
	struct cpu_state s;

	cpu_state_reset(&s, 0, true);
	s.cr0 = CR0_PE | CR0_PG;
	s.cr3 = cr3;
	s.cr4 = cr4;
	s.efer = efer;
	return s;
}

static void expect(const struct cpu_state *s, uint64_t la, uint64_t pa, uint64_t left)
{
	uint64_t got = 0, got_left = 0;

	ck_assert_int_eq(gdb_linear_to_phys(&target, s, la, &got, &got_left), 0);
	ck_assert_uint_eq(got, pa);
	ck_assert_uint_eq(got_left, left);
}

static void expect_fault(const struct cpu_state *s, uint64_t la)
{
	uint64_t pa, left;

	ck_assert_int_eq(gdb_linear_to_phys(&target, s, la, &pa, &left), -1);
}

START_TEST(test_paging_off)
{
	struct cpu_state s;

	cpu_state_reset(&s, 0, true);
	expect(&s, 0xfffffff0, 0xfffffff0, 0x10);
	expect(&s, 0x1234, 0x1234, 0x1000 - 0x234);
}
END_TEST

START_TEST(test_paging_32bit)
{
	struct cpu_state s = paged(0x1000, 0, 0);

	memset(mem, 0, sizeof(mem));
	/* 0x00401234 -> PDE 1 -> table at 0x2000, PTE 1 -> page 0x5000 */
	put32(0x1000 + 1 * 4, 0x2000 | 3);
	put32(0x2000 + 1 * 4, 0x5000 | 3);
	expect(&s, 0x00401234, 0x5234, 0x1000 - 0x234);
	/* not present PTE, then not present PDE */
	expect_fault(&s, 0x00402000);
	expect_fault(&s, 0x00800000);
	/* a 4 MiB page counts only with CR4.PSE; without it the PDE is a table */
	put32(0x1000 + 3 * 4, 0x00800000 | 0x83);
	expect_fault(&s, 0x00c01234);		/* "table" at 0x800000: outside memory */
	s.cr4 = 1u << 4;
	expect(&s, 0x00c01234, 0x00801234, 0x400000 - 0x1234);
	/* the high half of a 32-bit linear address never reaches past 4 GiB */
	expect(&s, 0x1000000000401234ull, 0x5234, 0x1000 - 0x234);
}
END_TEST

START_TEST(test_paging_pae)
{
	struct cpu_state s = paged(0x3000, CR4_PAE, 0);

	memset(mem, 0, sizeof(mem));
	/* 0x40201234: PDPTE 1 -> 0x4000, PDE 1 -> 0x6000, PTE 1 -> 0x7000 */
	put64(0x3000 + 1 * 8, 0x4000 | 1);
	put64(0x4000 + 1 * 8, 0x6000 | 3);
	put64(0x6000 + 1 * 8, 0x7000 | 3);
	expect(&s, 0x40201234, 0x7234, 0x1000 - 0x234);
	/* a 2 MiB page */
	put64(0x4000 + 2 * 8, 0x200000 | 0x83);
	expect(&s, 0x40412345, 0x212345, 0x200000 - 0x12345);
	/* PDPTE 0 not present */
	expect_fault(&s, 0x00001000);
	/* NX (bit 63) in an entry does not leak into the address */
	put64(0x6000 + 2 * 8, 0x8000000000008000ull | 3);
	expect(&s, 0x40202010, 0x8010, 0x1000 - 0x10);
}
END_TEST

START_TEST(test_paging_4level)
{
	struct cpu_state s = paged(0x10000, CR4_PAE, EFER_LME | EFER_LMA);
	uint64_t la = 0xffff800000201000ull;	/* PML4 256, PDPT 0, PD 1, PT 1 */

	memset(mem, 0, sizeof(mem));
	put64(0x10000 + 256 * 8, 0x11000 | 3);
	put64(0x11000 + 0 * 8, 0x12000 | 3);
	put64(0x12000 + 1 * 8, 0x13000 | 3);
	put64(0x13000 + 1 * 8, 0x14000 | 3);
	expect(&s, la + 0x10, 0x14010, 0x1000 - 0x10);
	/* a 1 GiB page at PDPT 1 */
	put64(0x11000 + 1 * 8, 0x0 | 0x83);
	expect(&s, 0xffff800040000000ull + 0x123456, 0x123456, 0x40000000 - 0x123456);
	/* non-canonical */
	expect_fault(&s, 0x0000800000000000ull);
	/* a PML4 entry that points outside guest memory */
	put64(0x10000 + 1 * 8, 0x7ff000000ull | 3);
	expect_fault(&s, 0x0000008000000000ull);
}
END_TEST

START_TEST(test_registers)
{
	struct cpu_state s;
	uint64_t v;

	cpu_state_reset(&s, 0x663, true);
	ck_assert_str_eq(gdb_regs[16].name, "rip");
	ck_assert_str_eq(gdb_regs[18].name, "cs");
	ck_assert(gdb_reg_get(&s, 16, &v));
	ck_assert_uint_eq(v, 0xfff0);
	ck_assert(gdb_reg_get(&s, 18, &v));
	ck_assert_uint_eq(v, 0xf000);
	ck_assert(gdb_reg_get(&s, 3, &v));	/* rdx: the CPUID signature */
	ck_assert_uint_eq(v, 0x663);
	ck_assert(!gdb_reg_get(&s, 24, &v));	/* st0 */
	/* real mode: a selector write moves the base with it */
	gdb_reg_set(&s, 20, 0x1234);		/* ds */
	ck_assert_uint_eq(s.seg[SEG_DS].selector, 0x1234);
	ck_assert_uint_eq(s.seg[SEG_DS].base, 0x12340);
	/* protected mode: the descriptor cache stays */
	s.cr0 |= CR0_PE;
	gdb_reg_set(&s, 20, 0x10);
	ck_assert_uint_eq(s.seg[SEG_DS].base, 0x12340);
	/* eflags: bit 1 always set, upper half dropped */
	gdb_reg_set(&s, 17, 0xffffffff00000200ull);
	ck_assert_uint_eq(s.rflags, 0x202);
	gdb_reg_set(&s, 24, 1);			/* dropped, no crash */
}
END_TEST

START_TEST(test_target_xml)
{
	const char *xml = gdb_target_xml();
	const char *p;
	unsigned n = 0;

	ck_assert_ptr_nonnull(xml);
	ck_assert_ptr_eq(gdb_target_xml(), xml);	/* built once */
	ck_assert_ptr_nonnull(strstr(xml, "<architecture>i386:x86-64</architecture>"));
	/* every register, in table order (the g packet's order) */
	p = xml;
	for (unsigned i = 0; i < gdb_nregs; i++) {
		char want[64];

		snprintf(want, sizeof(want), "<reg name=\"%s\" bitsize=\"%u\"", gdb_regs[i].name,
			 gdb_regs[i].bits);
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "%s missing or out of order", gdb_regs[i].name);
	}
	for (p = xml; (p = strstr(p, "<reg ")); p++)
		n++;
	ck_assert_uint_eq(n, gdb_nregs);
	ck_assert_int_eq(strcmp(xml + strlen(xml) - 10, "</target>\n"), 0);
}
END_TEST

Suite *vmm_gdbregs_suite(void)
{
	Suite *s = suite_create("vmm_gdbregs");
	TCase *t = tcase_create("regs");

	tcase_add_test(t, test_paging_off);
	tcase_add_test(t, test_paging_32bit);
	tcase_add_test(t, test_paging_pae);
	tcase_add_test(t, test_paging_4level);
	tcase_add_test(t, test_registers);
	tcase_add_test(t, test_target_xml);
	suite_add_tcase(s, t);
	return s;
}
