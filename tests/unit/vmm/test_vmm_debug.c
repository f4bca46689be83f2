/*
 * The VMM's debugging aids through the real binary, with tiny BIOS images
 * (16-bit code at f000:e000, reached from the reset vector by a far jump):
 * -debugcon backends, the boot report (-d boot), FW_CFG_NOGRAPHIC for
 * -nographic, -L, and "-device help".
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define CODE_OFFSET	0xe000

/* jmp far f000:e000 at the reset vector, then code. */
static char *write_bios(const uint8_t *code, size_t len)
{
	static uint8_t img[65536];
	static const uint8_t jmp[] = { 0xea, 0x00, 0xe0, 0x00, 0xf0 };

	memset(img, 0xff, sizeof(img));
	memcpy(img + 0xfff0, jmp, sizeof(jmp));
	memcpy(img + CODE_OFFSET, code, len);
	return harness_write_temp(img, sizeof(img), ".bin");
}

/* POST 0x11, 0x22; "S\n" on COM1; "D\n" on the debug console; isa-debug-exit 0x21 (67). */
static const uint8_t steps_code[] = {
	0xb0, 0x11, 0xe6, 0x80,			/* mov al, 0x11; out 0x80, al */
	0xb0, 0x22, 0xe6, 0x80,			/* mov al, 0x22; out 0x80, al */
	0xba, 0xf8, 0x03,			/* mov dx, 0x3f8 */
	0xb0, 'S', 0xee, 0xb0, '\n', 0xee,	/* "S\n" */
	0xba, 0x02, 0x04,			/* mov dx, 0x402 */
	0xb0, 'D', 0xee, 0xb0, '\n', 0xee,	/* "D\n" */
	0xb0, 0x21, 0xe6, 0xf4, 0xf4,		/* mov al, 0x21; out 0xf4, al; hlt */
};

/* Read fw_cfg key 0x04 (FW_CFG_NOGRAPHIC) and exit with it: status 1 or 3. */
static const uint8_t nographic_code[] = {
	0xba, 0x10, 0x05,			/* mov dx, 0x510 */
	0xb8, 0x04, 0x00, 0xef,			/* mov ax, 4; out dx, ax */
	0x42, 0xec,				/* inc dx; in al, dx */
	0xe6, 0xf4, 0xf4,			/* out 0xf4, al; hlt */
};

static bool have_vmm(const char *test)
{
	if (access(harness_build_path("bringup"), X_OK) == 0)
		return true;
	harness_skip(test, "build/bringup missing (make)");
	return false;
}

#define MAX_ARGS 24

/* bringup -accel tcg -bios BIOS -device isa-debug-exit,... EXTRA... */
static void run_bios(const char *bios, const char *const *extra, struct run_result *r)
{
	char *argv[MAX_ARGS];
	int n = 0;

	argv[n++] = (char *)harness_build_path("bringup");
	argv[n++] = "-accel";
	argv[n++] = "tcg";
	argv[n++] = "-bios";
	argv[n++] = (char *)bios;
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x4";
	for (; *extra && n < MAX_ARGS - 1; extra++)
		argv[n++] = (char *)*extra;
	argv[n] = NULL;
	ck_assert_int_eq(harness_run(argv, 20, r), 0);
}

/* Each needle must appear after the previous one. */
static void assert_in_order(const char *text, const char *const *needles)
{
	const char *p = text;

	for (; *needles; needles++) {
		const char *q = strstr(p, *needles);

		if (!q)
			fprintf(stderr, "missing (in order) '%s' in:\n%s\n", *needles, text);
		ck_assert_ptr_nonnull(q);
		p = q + strlen(*needles);
	}
}

START_TEST(test_debugcon_backends)
{
	char *bios, path[] = "/tmp/debugcon-XXXXXX";
	struct run_result r;
	size_t len;
	char *text;

	if (!have_vmm("vmm_debug debugcon"))
		return;
	bios = write_bios(steps_code, sizeof(steps_code));
	close(mkstemp(path));
	{
		char spec[64];
		snprintf(spec, sizeof(spec), "file:%s", path);
		const char *extra[] = { "-display", "none", "-serial", "null", "-debugcon", spec, NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, 67);
	ck_assert_str_eq(r.out, "");		/* COM1 went to null */
	text = harness_read_file(path, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "D\n");
	free(text);
	harness_free(&r);

	/* stdio: beside COM1's output on stdout (each flushed on its own: bytes may interleave) */
	{
		const char *extra[] = { "-display", "none", "-debugcon", "stdio", NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, 67);
	ck_assert_uint_eq(strlen(r.out), 4);
	ck_assert_ptr_nonnull(strchr(r.out, 'D'));
	ck_assert_ptr_nonnull(strchr(r.out, 'S'));
	harness_free(&r);

	/* null (and the default): dropped */
	{
		const char *extra[] = { "-display", "none", "-serial", "null", "-debugcon", "null", NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, 67);
	ck_assert_str_eq(r.out, "");
	harness_free(&r);
	unlink(path);
	unlink(bios);
	free(bios);
}
END_TEST

START_TEST(test_debugcon_bad)
{
	static const struct { const char *arg, *expect; } cases[] = {
		{ "pty", "bringup: -debugcon: backend 'pty' is not supported (stdio, file:PATH, null, none)\n" },
		{ "file:", "bringup: -debugcon: file: needs a path\n" },
		{ "file:/nonexistent/dir/log", "bringup: -debugcon: /nonexistent/dir/log: No such file or directory\n" },
	};
	struct run_result r;

	if (!have_vmm("vmm_debug debugcon errors"))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { (char *)harness_build_path("bringup"), "-accel", "tcg", "-display", "none",
				 "-debugcon", (char *)cases[i].arg, NULL };

		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
		ck_assert_int_eq(r.status, 1);
		ck_assert_str_eq(r.err, cases[i].expect);
		harness_free(&r);
	}
}
END_TEST

/* Every step the guest takes is in the report, in order, with the POST history. */
START_TEST(test_boot_report)
{
	static const char *const steps[] = {
		"boot report (time since start):",
		"machine built: pc, tcg, 1 vCPU",
		"reset vector: vCPUs start at f000:fff0 (power-on)",
		"POST code 0x11",
		"POST code 0x22",
		"first serial output: \"S\"",
		"first debug console output: \"D\"",
		"exit: exit requested (isa-debug-exit, or an error), status 67",
		"POST codes (last 2 distinct, oldest first): 11 22\n",
		NULL,
	};
	char *bios, path[] = "/tmp/bootrep-XXXXXX";
	struct run_result r;
	size_t len;
	char *text;

	if (!have_vmm("vmm_debug boot report"))
		return;
	bios = write_bios(steps_code, sizeof(steps_code));
	{
		const char *extra[] = { "-display", "none", "-d", "boot", NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, 67);
	assert_in_order(r.err, steps);
	/* a serial step comes after the POST codes that preceded it */
	ck_assert_ptr_null(strstr(r.err, "no serial output"));
	harness_free(&r);

	/* -D: the report goes to the log file, not stderr; other items still parse */
	close(mkstemp(path));
	{
		const char *extra[] = { "-display", "none", "-d", "guest_errors,boot", "-D", path, NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, 67);
	ck_assert_ptr_null(strstr(r.err, "boot report"));
	text = harness_read_file(path, &len);
	ck_assert_ptr_nonnull(text);
	assert_in_order(text, steps);
	free(text);
	harness_free(&r);

	/* without -d boot: no report */
	{
		const char *extra[] = { "-display", "none", NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, 67);
	ck_assert_ptr_null(strstr(r.err, "boot report"));
	harness_free(&r);
	unlink(path);
	unlink(bios);
	free(bios);
}
END_TEST

START_TEST(test_log_help_lists_boot)
{
	char *argv[] = { (char *)harness_build_path("bringup"), "-d", "help", NULL };
	struct run_result r;

	if (!have_vmm("vmm_debug -d help"))
		return;
	ck_assert_int_eq(harness_run(argv, 20, &r), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\nboot "));
	harness_free(&r);
}
END_TEST

/* -nographic sets FW_CFG_NOGRAPHIC (what makes SeaBIOS use COM1), as QEMU. */
START_TEST(test_nographic_fw_cfg_key)
{
	char *bios;
	struct run_result r;

	if (!have_vmm("vmm_debug nographic"))
		return;
	bios = write_bios(nographic_code, sizeof(nographic_code));
	{
		const char *extra[] = { "-nographic", "-serial", "null", NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, (1 << 1) | 1);
	harness_free(&r);
	{
		const char *extra[] = { "-display", "none", NULL };
		run_bios(bios, extra, &r);
	}
	ck_assert_int_eq(r.status, (0 << 1) | 1);
	harness_free(&r);
	unlink(bios);
	free(bios);
}
END_TEST

START_TEST(test_datadir_option)
{
	struct run_result r;

	if (!have_vmm("vmm_debug -L"))
		return;
	{
		char *argv[] = { (char *)harness_build_path("bringup"), "-L", "", NULL };
		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
	}
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "bringup: -L: empty directory name\n");
	harness_free(&r);
	{
		char *argv[] = { (char *)harness_build_path("bringup"), "-L", NULL };
		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
	}
	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.err, "bringup: -L: missing argument\n");
	harness_free(&r);
}
END_TEST

/* Every described type: name "x", desc "...", with both quotes closed. */
START_TEST(test_device_help_quotes)
{
	char *argv[] = { (char *)harness_build_path("bringup"), "-device", "help", NULL };
	struct run_result r;
	int described = 0;

	if (!have_vmm("vmm_debug -device help"))
		return;
	ck_assert_int_eq(harness_run(argv, 20, &r), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(strncmp(r.out, "Devices:\n", 9), 0);
	for (char *line = strtok(r.out + 9, "\n"); line; line = strtok(NULL, "\n")) {
		size_t len = strlen(line);
		int quotes = 0;

		for (size_t i = 0; i < len; i++)
			quotes += line[i] == '"';
		ck_assert_int_eq(strncmp(line, "name \"", 6), 0);
		ck_assert_int_eq(line[len - 1], '"');
		if (strstr(line, ", desc \"")) {
			ck_assert_int_eq(quotes, 4);
			described++;
		} else {
			ck_assert_int_eq(quotes, 2);
		}
	}
	ck_assert_int_gt(described, 0);
	harness_free(&r);
}
END_TEST

Suite *vmm_debug_suite(void)
{
	Suite *s = suite_create("vmm_debug");
	TCase *t = tcase_create("debug");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_debugcon_backends);
	tcase_add_test(t, test_debugcon_bad);
	tcase_add_test(t, test_boot_report);
	tcase_add_test(t, test_log_help_lists_boot);
	tcase_add_test(t, test_nographic_fw_cfg_key);
	tcase_add_test(t, test_datadir_option);
	tcase_add_test(t, test_device_help_quotes);
	suite_add_tcase(s, t);
	return s;
}
