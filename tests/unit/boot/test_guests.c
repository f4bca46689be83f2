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

/* bringup's modes, as information: one line per guest and mode. */
START_TEST(test_guests_on_bringup_info)
{
	static const char *const modes[][8] = {
		{ "tcg", "-M", "pc", "-accel", "tcg", NULL },
		{ "kvm-on", "-M", "pc,kernel-irqchip=on", "-accel", "kvm", NULL },
		{ "kvm-split", "-M", "pc,kernel-irqchip=split", "-accel", "kvm", NULL },
		{ "kvm-off", "-M", "pc,kernel-irqchip=off", "-accel", "kvm", NULL },
	};
	char vmm[4096];
	unsigned m, i;

	snprintf(vmm, sizeof(vmm), "%s/bringup", harness_build_dir());
	if (access(vmm, X_OK)) {
		harness_skip("guests on bringup", "build/bringup not built");
		return;
	}
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *prefix[8] = { vmm };

		if (!strncmp(modes[m][0], "kvm", 3) && access("/dev/kvm", R_OK | W_OK)) {
			printf("guests on bringup %s: SKIP (/dev/kvm unusable)\n", modes[m][0]);
			continue;
		}
		for (i = 1; modes[m][i]; i++)
			prefix[i] = modes[m][i];
		prefix[i] = NULL;
		for (i = 0; i < NR_GUESTS; i++) {
			struct run_result r;
			struct verdict v;

			if (run_guest(prefix, &guests[i], BRINGUP_TIMEOUT_S, &r)) {
				printf("guests on bringup %s: cannot run %s\n", modes[m][0], vmm);
				break;
			}
			judge(r.out, &v);
			printf("guest %-8s on bringup %-9s: %u pass, %u fail, %u skip, status %d%s%s\n",
			       guests[i].name, modes[m][0], v.pass, v.fail, v.skip, r.status,
			       r.timed_out ? " (timed out)" : "", v.summary ? "" : ", no SUMMARY");
			if (!strstr(r.out, "# runtime")) {
				const char *e = r.err && r.err[0] ? r.err : r.out;

				printf("  mode %s does not start guests yet: %.*s\n", modes[m][0],
				       (int)strcspn(e, "\n"), e);
				harness_free(&r);
				break;
			}
			harness_free(&r);
		}
	}
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

	tc = tcase_create("bringup-info");
	tcase_add_test(tc, test_guests_on_bringup_info);
	tcase_set_timeout(tc, (BRINGUP_TIMEOUT_S + 5) * NR_GUESTS * 4);
	suite_add_tcase(s, tc);
	return s;
}
