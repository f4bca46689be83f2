/*
 * Shared by the ACPI suites (test_board_acpi.c, test_board_acpi_microvm.c):
 * the tables relocated in memory ("direct" form) and found as an OS finds
 * them, and work directories for iasl/acpiexec under one base made before
 * the tests fork (an unchecked fixture), so a failing test's files go too.
 * Each suite defines TABLES_GPA and TOOL_TIMEOUT before including this.
 */
#ifndef TESTS_UNIT_BOARD_ACPI_TEST_UTIL_H
#define TESTS_UNIT_BOARD_ACPI_TEST_UTIL_H

#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/acpi.h"
#include "tests/unit/common/harness.h"

static inline uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

struct direct {
	struct acpi_tables t;
	uint8_t *tables;
	uint8_t rsdp[ACPI_RSDP_SIZE];
};

static inline void free_direct(struct direct *d)
{
	free(d->tables);
	acpi_tables_free(&d->t);
}

/* Table by signature in the direct form (via the XSDT, as an OS finds it). */
static inline const uint8_t *find_table(const struct direct *d, const char *sig)
{
	const uint8_t *xsdt = d->tables + (le(d->rsdp + 24, 8) - TABLES_GPA);
	uint32_t n = (le(xsdt + 4, 4) - 36) / 8, i;

	if (!strcmp(sig, "XSDT"))
		return xsdt;
	for (i = 0; i < n; i++) {
		const uint8_t *t = d->tables + (le(xsdt + 36 + 8 * i, 8) - TABLES_GPA);

		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

static inline bool tool_present(const char *tool)
{
	char *argv[] = { (char *)tool, "-v", NULL };
	struct run_result r;
	bool ok;

	harness_run(argv, TOOL_TIMEOUT, &r);
	ok = r.status == 0 || (r.status > 0 && r.status < 127);
	harness_free(&r);
	return ok;
}

static char base_dir[64];

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static inline void tools_setup(void)
{
	strcpy(base_dir, "/tmp/bringup-acpi-XXXXXX");
	if (!mkdtemp(base_dir))
		base_dir[0] = '\0';
}

static inline void tools_teardown(void)
{
	if (base_dir[0])
		nftw(base_dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static inline char *make_tmpdir(void)
{
	char *dir;

	ck_assert_msg(base_dir[0], "no base directory");
	ck_assert_int_ge(asprintf(&dir, "%s/XXXXXX", base_dir), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static inline void rm_tmpdir(char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* iasl/acpiexec ran and said nothing about an error or a warning. */
static inline void expect_clean(const struct run_result *r, const char *what)
{
	ck_assert_msg(!r->timed_out, "%s timed out", what);
	ck_assert_msg(r->status == 0, "%s exited %d:\n%s%s", what, r->status, r->out, r->err);
	ck_assert_msg(!strstr(r->out, "Error") && !strstr(r->err, "Error"),
		      "%s reports an error:\n%s%s", what, r->out, r->err);
	ck_assert_msg(!strstr(r->out, "Warning") && !strstr(r->err, "Warning"),
		      "%s reports a warning:\n%s%s", what, r->out, r->err);
}

#endif
