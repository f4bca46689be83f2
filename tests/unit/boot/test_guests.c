/*
 * The interrupt test guests (tests/guests/, built into $BRINGUP_BUILD/guests)
 * on the reference board: each runs on `qemu-system-x86_64 -M pc -accel tcg`
 * with the devices it needs, and every line it prints must be PASS or a SKIP
 * with a reason, the SUMMARY must report 0 failed and at least the guest's
 * known number of passes, and it must exit through isa-debug-exit with 0
 * (status 1).
 *
 * The same guests on bringup (tcg, kvm with kernel-irqchip=on/split/off)
 * are printed as information only, until the VMM's modes land; a mode that
 * cannot start a guest is not tried for the rest. tests/guests/run-matrix
 * prints the full table.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

/* A guest takes 1-4 s on QEMU TCG here (reset: four boots); 60 s is ample. */
#define GUEST_TIMEOUT_S		60
#define BRINGUP_TIMEOUT_S	20
#define QEMU			"qemu-system-x86_64"

struct guest {
	const char *name;
	const char *smp;
	bool resets;		/* reboots itself: no -no-reboot */
	unsigned min_pass;	/* PASS count on QEMU with every device present */
};

static const struct guest guests[] = {
	{ "pic", "1", false, 15 },
	{ "ioapic", "2", false, 24 },
	{ "lapic", "2", false, 20 },
	{ "msi", "2", false, 12 },
	{ "pit", "1", false, 6 },
	{ "rtc", "1", false, 7 },
	{ "reset", "1", true, 5 },
	{ "latency", "1", false, 3 },
	{ "msix", "1", false, 5 },
};
#define NR_GUESTS	(sizeof(guests) / sizeof(guests[0]))

struct verdict {
	unsigned pass, fail, skip;
	bool summary;
	unsigned sum_pass, sum_fail, sum_skip;
	char first_bad[320];	/* the first FAIL line, or a SKIP without reason */
};

/* Check every PASS/FAIL/SKIP line and the SUMMARY of a guest's output. */
static void judge(const char *out, struct verdict *v)
{
	const char *p = out;

	memset(v, 0, sizeof(*v));
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[256];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = 0;
		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		if (!strncmp(line, "PASS: ", 6)) {
			v->pass++;
		} else if (!strncmp(line, "FAIL: ", 6)) {
			v->fail++;
			if (!v->first_bad[0])
				snprintf(v->first_bad, sizeof(v->first_bad), "%s", line);
		} else if (!strncmp(line, "SKIP: ", 6)) {
			const char *why = strstr(line + 6, ": ");

			v->skip++;
			if ((!why || !why[2]) && !v->first_bad[0])
				snprintf(v->first_bad, sizeof(v->first_bad),
					 "SKIP without a reason: %s", line);
		} else if (sscanf(line, "SUMMARY: %u passed, %u failed, %u skipped", &v->sum_pass,
				  &v->sum_fail, &v->sum_skip) == 3) {
			v->summary = true;
		}
		p = nl ? nl + 1 : NULL;
	}
}

static int run_guest(const char *const *prefix, const struct guest *g, double timeout_s,
		     struct run_result *r)
{
	const char *argv[40];
	char elf[4096];
	unsigned n = 0;

	snprintf(elf, sizeof(elf), "%s/guests/%s.elf", harness_build_dir(), g->name);
	for (; *prefix && n < 20; prefix++)
		argv[n++] = *prefix;
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	argv[n++] = "-smp";
	argv[n++] = g->smp;
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x04";
	argv[n++] = "-device";
	argv[n++] = "pc-testdev";
	argv[n++] = "-device";
	argv[n++] = "edu";
	argv[n++] = "-device";
	argv[n++] = "virtio-rng-pci,disable-legacy=on";	/* MSI-X (msix.c) */
	if (!g->resets)
		argv[n++] = "-no-reboot";
	argv[n++] = "-kernel";
	argv[n++] = elf;
	argv[n] = NULL;
	return harness_run((char *const *)argv, timeout_s, r);
}

START_TEST(test_guest_on_qemu)
{
	const struct guest *g = &guests[_i];
	static const char *const qemu[] = { QEMU, "-M", "pc", "-accel", "tcg", NULL };
	char elf[4096];
	struct run_result r;
	struct verdict v;

	snprintf(elf, sizeof(elf), "%s/guests/%s.elf", harness_build_dir(), g->name);
	ck_assert_msg(access(elf, R_OK) == 0, "%s missing: run `make guests`", elf);
	ck_assert_int_eq(run_guest(qemu, g, GUEST_TIMEOUT_S, &r), 0);
	judge(r.out, &v);
	ck_assert_msg(!r.timed_out, "%s: timed out after %d s; output:\n%s", g->name,
		      GUEST_TIMEOUT_S, r.out);
	ck_assert_msg(!v.first_bad[0], "%s: %s", g->name, v.first_bad);
	ck_assert_msg(v.summary, "%s: no SUMMARY line; output:\n%s\nstderr:\n%s", g->name, r.out,
		      r.err);
	ck_assert_msg(v.sum_fail == 0 && v.fail == 0, "%s: %u failed", g->name, v.sum_fail);
	ck_assert_msg(v.pass >= g->min_pass && v.sum_pass >= g->min_pass,
		      "%s: %u PASS lines (SUMMARY %u), want at least %u; output:\n%s", g->name,
		      v.pass, v.sum_pass, g->min_pass, r.out);
	/* isa-debug-exit with 0: (0 << 1) | 1 */
	ck_assert_msg(r.status == 1, "%s: exit status %d, want 1 (guest wrote 0 to port 0xf4)",
		      g->name, r.status);
	harness_free(&r);
}
END_TEST

/* The parsers above, on fixed text: a FAIL, a reasonless SKIP, a clean run. */
START_TEST(test_judge_lines)
{
	struct verdict v;

	judge("# note\nPASS: a\nSKIP: b: no device\nSUMMARY: 1 passed, 0 failed, 1 skipped\n", &v);
	ck_assert_uint_eq(v.pass, 1);
	ck_assert_uint_eq(v.skip, 1);
	ck_assert(v.summary && v.sum_pass == 1 && v.sum_fail == 0 && v.sum_skip == 1);
	ck_assert_str_eq(v.first_bad, "");

	judge("PASS: a\r\nFAIL: b: 3 interrupts, want 1\r\nSUMMARY: 1 passed, 1 failed, 0 skipped\r\n",
	      &v);
	ck_assert_uint_eq(v.fail, 1);
	ck_assert_str_eq(v.first_bad, "FAIL: b: 3 interrupts, want 1");
	ck_assert_uint_eq(v.sum_fail, 1);

	judge("SKIP: c\nPASS: d", &v);
	ck_assert_str_eq(v.first_bad, "SKIP without a reason: SKIP: c");
	ck_assert(!v.summary);
}
END_TEST

/*
 * This host's /dev/kvm is a software KVM (PVM) whose emulator cannot execute
 * IRET in protected mode: the run dies with an emulation failure whose dump
 * shows an iret and CR0.PE set. Only that exact death is a SKIP; anything
 * else a KVM run does is judged like any other run.
 */
static bool pvm_cannot_iret(const struct run_result *r)
{
	const char *arrow, *cr0;
	char insn[96];

	if (r->timed_out || !r->err ||
	    !strstr(r->err, "KVM internal error, suberror 1 (instruction emulation failed)"))
		return false;
	arrow = strstr(r->err, "=>");
	cr0 = strstr(r->err, "CR0=");
	if (!arrow || !cr0)
		return false;
	snprintf(insn, sizeof(insn), "%.*s", (int)strcspn(arrow, "\n"), arrow);
	if (!strstr(insn, "iret"))
		return false;
	return strtoull(cr0 + 4, NULL, 16) & 1;	/* protected mode */
}

static const char *const bringup_modes[][6] = {
	{ "tcg", "-M", "pc", "-accel", "tcg", NULL },
	{ "kvm-on", "-M", "pc,kernel-irqchip=on", "-accel", "kvm", NULL },
	{ "kvm-split", "-M", "pc,kernel-irqchip=split", "-accel", "kvm", NULL },
	{ "kvm-off", "-M", "pc,kernel-irqchip=off", "-accel", "kvm", NULL },
};
#define NR_BRINGUP_MODES (sizeof(bringup_modes) / sizeof(bringup_modes[0]))

/*
 * The matrix of issue 5: every guest on QEMU (the reference) and on bringup
 * in each mode, one table of test x mode, then the verdict: no FAIL
 * anywhere. One test, so the table is printed whole even when a cell fails.
 */
enum cell { CELL_PASS, CELL_SKIP, CELL_FAIL };

static enum cell run_cell(const struct guest *g, const char *const *mode, const char *vmm,
			  char *why, size_t why_len)
{
	const char *prefix[8];
	struct run_result r;
	struct verdict v;
	enum cell c = CELL_PASS;
	unsigned i;

	why[0] = 0;
	if (!strncmp(mode[0], "kvm", 3) && access("/dev/kvm", R_OK | W_OK)) {
		snprintf(why, why_len, "/dev/kvm is absent or not accessible");
		return CELL_SKIP;
	}
	prefix[0] = vmm;
	for (i = 1; mode[i]; i++)
		prefix[i] = mode[i];
	prefix[i] = NULL;
	if (run_guest(prefix, g, strcmp(mode[0], "qemu-tcg") ? BRINGUP_TIMEOUT_S : GUEST_TIMEOUT_S,
		      &r)) {
		snprintf(why, why_len, "cannot start %.200s", vmm);
		return CELL_FAIL;
	}
	judge(r.out, &v);
	if (!strncmp(mode[0], "kvm", 3) && pvm_cannot_iret(&r)) {
		snprintf(why, why_len, "this host's /dev/kvm (PVM) cannot emulate IRET in protected mode");
		c = CELL_SKIP;
	} else if (r.timed_out) {
		snprintf(why, why_len, "timed out");
		c = CELL_FAIL;
	} else if (v.first_bad[0]) {
		snprintf(why, why_len, "%s", v.first_bad);
		c = CELL_FAIL;
	} else if (!v.summary || v.sum_fail || v.fail || r.status != 1) {
		snprintf(why, why_len, "status %d, %s; stderr: %.120s", r.status,
			 v.summary ? "failures" : "no SUMMARY", r.err ? r.err : "");
		c = CELL_FAIL;
	} else if (v.pass < g->min_pass) {
		snprintf(why, why_len, "%u PASS lines, want %u", v.pass, g->min_pass);
		c = CELL_FAIL;
	}
	harness_free(&r);
	return c;
}

START_TEST(test_guest_matrix)
{
	static const char *const names[] = { "PASS", "SKIP", "FAIL" };
	static const char *const qemu_mode[] = { "qemu-tcg", "-M", "pc", "-accel", "tcg", NULL };
	enum cell cells[NR_GUESTS][NR_BRINGUP_MODES + 1];
	char vmm[4096], why[400];
	unsigned g, m, fails = 0;

	snprintf(vmm, sizeof(vmm), "%s/bringup", harness_build_dir());
	ck_assert_msg(access(vmm, X_OK) == 0, "%s missing: run `make`", vmm);
	for (g = 0; g < NR_GUESTS; g++) {
		for (m = 0; m <= NR_BRINGUP_MODES; m++) {
			const char *const *mode = m ? bringup_modes[m - 1] : qemu_mode;

			cells[g][m] = run_cell(&guests[g], mode, m ? vmm : QEMU, why, sizeof(why));
			if (cells[g][m] != CELL_PASS)
				printf("%s: guest %s on %s%s: %s\n", names[cells[g][m]],
				       guests[g].name, m ? "bringup " : "", mode[0], why);
			fails += cells[g][m] == CELL_FAIL;
		}
	}
	printf("%-10s %-9s", "guest", "qemu-tcg");
	for (m = 0; m < NR_BRINGUP_MODES; m++)
		printf(" %-9s", bringup_modes[m][0]);
	printf("\n");
	for (g = 0; g < NR_GUESTS; g++) {
		printf("%-10s", guests[g].name);
		for (m = 0; m <= NR_BRINGUP_MODES; m++)
			printf(" %-9s", names[cells[g][m]]);
		printf("\n");
	}
	fflush(stdout);
	ck_assert_msg(fails == 0, "%u FAIL cells in the guest matrix (see the lines above)", fails);
}
END_TEST

START_TEST(test_pvm_iret_detection)
{
	struct run_result r = { 0 };

	r.out = "";
	r.err = "bringup: CPU 0: KVM internal error, suberror 1 (instruction emulation failed)\n"
		"CR0=60000011 CR2=0\n=>  0000000000103678: cf  iretd \n";
	ck_assert(pvm_cannot_iret(&r));
	r.err = "bringup: CPU 0: KVM internal error, suberror 1 (instruction emulation failed)\n"
		"CR0=60000010 CR2=0\n=>  0000000000103678: cf  iret \n";
	ck_assert(!pvm_cannot_iret(&r));		/* real mode: not the PVM limit */
	r.err = "bringup: CPU 0: KVM internal error, suberror 1 (instruction emulation failed)\n"
		"CR0=60000011 CR2=0\n=>  0000000000103678: f4  hlt \n";
	ck_assert(!pvm_cannot_iret(&r));
	r.err = "CR0=60000011\n=> 0: cf iretd\n";
	ck_assert(!pvm_cannot_iret(&r));
}
END_TEST

Suite *guests_suite(void)
{
	Suite *s = suite_create("guests");
	TCase *tc = tcase_create("qemu");

	tcase_add_test(tc, test_judge_lines);
	tcase_add_loop_test(tc, test_guest_on_qemu, 0, NR_GUESTS);
	tcase_set_timeout(tc, GUEST_TIMEOUT_S + 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("bringup");
	tcase_add_test(tc, test_pvm_iret_detection);
	tcase_add_test(tc, test_guest_matrix);
	tcase_set_timeout(tc, (BRINGUP_TIMEOUT_S + 5) * NR_GUESTS * NR_BRINGUP_MODES +
				  (GUEST_TIMEOUT_S + 5) * NR_GUESTS);
	suite_add_tcase(s, tc);
	return s;
}
