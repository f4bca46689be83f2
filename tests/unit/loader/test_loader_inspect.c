/*
 * bringup-inspect (build/bringup-inspect) on synthetic images: the exact
 * report on a good bzImage, ELF and multiboot file; on each bad image and bad
 * command line, exit status 1 and exactly one line on stderr naming the file
 * and the field. (Debian's real kernel: test_loader_realkernel.c.)
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "tests/unit/common/harness.h"
#include "bz_fixture.h"

#define TIMEOUT_S 30

static const char *inspect_path(void)
{
	return harness_build_path("bringup-inspect");
}

static bool have_inspect(const char *test)
{
	if (access(inspect_path(), X_OK)) {
		harness_skip(test, "build/bringup-inspect not built (run make)");
		return false;
	}
	return true;
}

static void run3(const char *a1, const char *a2, const char *a3, const char *a4,
		 const char *a5, struct run_result *r)
{
	char *argv[7] = { (char *)inspect_path(), (char *)a1, (char *)a2, (char *)a3,
			  (char *)a4, (char *)a5, NULL };

	ck_assert_int_eq(harness_run(argv, TIMEOUT_S, r), 0);
	ck_assert(!r->timed_out);
}

/* Exit 1, nothing but one line on stderr: "bringup-inspect: FILE: FIELD: ... (STATUS)". */
static void expect_error(const uint8_t *img, size_t len, const char *field, const char *status)
{
	char *path = harness_write_temp(img, len, ".img");
	struct run_result r;
	char prefix[512], suffix[64];

	run3(path, NULL, NULL, NULL, NULL, &r);
	ck_assert_msg(r.status == 1, "%s: status %d, stderr %s", field, r.status, r.err);
	ck_assert_int_eq(harness_count_lines(r.err), 1);
	ck_assert_msg(r.out[0] == 0, "%s: a rejected image printed a report: %s", field, r.out);
	snprintf(prefix, sizeof(prefix), "bringup-inspect: %s: %s: ", path, field);
	ck_assert_msg(!strncmp(r.err, prefix, strlen(prefix)), "want '%s...', got '%s'", prefix,
		      r.err);
	snprintf(suffix, sizeof(suffix), " (%s)\n", status);
	ck_assert_msg(strlen(r.err) > strlen(suffix) &&
		      !strcmp(r.err + strlen(r.err) - strlen(suffix), suffix),
		      "want '...%s', got '%s'", suffix, r.err);
	harness_free(&r);
	unlink(path);
	free(path);
}

START_TEST(good_bzimage_report)
{
	struct fx_buf elf;
	struct fx_buf img;
	struct run_result r;
	char *path, *pay_path, *elf_path, want[2048];
	uint8_t *got;
	size_t got_len;
	uint32_t pay_len;

	if (!have_inspect("good_bzimage_report"))
		return;
	img = fx_good_bzimage(COMPRESSION_LZ4, &elf);
	pay_len = fx_get32(img.p + BZ_PAYLOAD_LENGTH);
	path = harness_write_temp(img.p, img.len, ".bz");
	pay_path = harness_write_temp("", 0, ".lz4");
	elf_path = harness_write_temp("", 0, ".elf");
	run3("--payload-to", pay_path, "--elf-to", elf_path, path, &r);
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	ck_assert_str_eq(r.err, "");
	snprintf(want, sizeof(want),
		 "format: bzImage\n"
		 "protocol: 2.15\n"
		 "setup_sects: 7\n"
		 "setup_size: 4096\n"
		 "kernel_size: %zu\n"
		 "loadflags: 0x01\n"
		 "xloadflags: 0x7f\n"
		 "code32_start: 0x00100000\n"
		 "entry16: 0x0200\n"
		 "entry32: 0x00100000\n"
		 "entry64: 0x00100200\n"
		 "relocatable: yes\n"
		 "kernel_alignment: 0x00200000\n"
		 "min_alignment: 21\n"
		 "pref_address: 0x0000000001000000\n"
		 "init_size: 0x00400000\n"
		 "cmdline_size: 2047\n"
		 "initrd_addr_max: 0x7fffffff\n"
		 "above_4g: yes\n"
		 "payload_offset: 0x%08x\n"
		 "payload_length: %u\n"
		 "payload_compression: lz4\n"
		 "version: 6.1.0-test (fixture) #1 SMP\n"
		 "elf: ELF64\n"
		 "elf_size: %zu\n"
		 "elf_entry: 0x0000000001000000\n"
		 "elf_segments: 1\n"
		 "pvh_entry: 0x01000100\n",
		 img.len - 4096, FX_KERNEL_PREFIX, pay_len, elf.len);
	ck_assert_str_eq(r.out, want);

	got = harness_read_file(pay_path, &got_len);
	ck_assert_uint_eq(got_len, pay_len);
	ck_assert(!memcmp(got, img.p + 4096 + FX_KERNEL_PREFIX, pay_len));
	free(got);
	got = harness_read_file(elf_path, &got_len);
	ck_assert_uint_eq(got_len, elf.len);
	ck_assert(!memcmp(got, elf.p, elf.len));
	free(got);

	harness_free(&r);
	unlink(path);
	unlink(pay_path);
	unlink(elf_path);
	free(path);
	free(pay_path);
	free(elf_path);
	free(img.p);
	free(elf.p);
}
END_TEST

START_TEST(old_protocol_report)
{
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct run_result r;
	char *path;

	if (!have_inspect("old_protocol_report"))
		return;
	f.protocol = 0x0204;
	f.version = NULL;
	img = fx_make_bzimage(&f);
	path = harness_write_temp(img.p, img.len, ".bz");
	run3(path, NULL, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 0);
	/* no 64-bit entry, pre-2.05 defaults, no payload and so no ELF lines */
	ck_assert_ptr_nonnull(strstr(r.out, "protocol: 2.04\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "entry64: none\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "relocatable: no\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "cmdline_size: 255\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "above_4g: no\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "payload_compression: none\nversion: \n"));
	ck_assert_ptr_null(strstr(r.out, "elf:"));
	harness_free(&r);
	unlink(path);
	free(path);
	free(img.p);
}
END_TEST

START_TEST(elf_and_multiboot_report)
{
	struct fx_buf elf;
	uint8_t mb[4096] = { 0 };
	struct run_result r;
	char *path;

	if (!have_inspect("elf_and_multiboot_report"))
		return;
	elf = fx_make_elf(true);
	path = harness_write_temp(elf.p, elf.len, ".elf");
	run3(path, NULL, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "format: ELF64\n"
				"elf_entry: 0x0000000001000000\n"
				"elf_segments: 1\n"
				"pvh_entry: 0x01000100\n");
	harness_free(&r);
	/* --elf-to only makes sense for a bzImage */
	run3("--elf-to", "/dev/null", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(harness_count_lines(r.err), 1);
	harness_free(&r);
	unlink(path);
	free(path);
	free(elf.p);

	fx_put32(mb + 0x40, MULTIBOOT_HEADER_MAGIC);
	fx_put32(mb + 0x44, 1u << 16);
	fx_put32(mb + 0x48, -(MULTIBOOT_HEADER_MAGIC + (1u << 16)));
	fx_put32(mb + 0x4c, 0x100040);
	fx_put32(mb + 0x50, 0x100000);
	fx_put32(mb + 0x58, 0x104000);
	fx_put32(mb + 0x5c, 0x100080);
	path = harness_write_temp(mb, sizeof(mb), ".mb");
	run3(path, NULL, NULL, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "format: multiboot\n"
				"multiboot_offset: 0x40\n"
				"multiboot_flags: 0x00010000\n"
				"aout_kludge: yes\n"
				"load_addr: 0x00100000\n"
				"entry: 0x00100080\n");
	harness_free(&r);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(bad_images)
{
	struct fx_buf img, elf;
	struct fx_bz f;
	struct fx_buf pay;
	static const uint8_t junk[1024] = { 'M', 'Z' };

	if (!have_inspect("bad_images"))
		return;
	/* bad magic */
	img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	fx_put16(img.p + BZ_BOOT_FLAG, 0);
	expect_error(img.p, img.len, "boot_flag", "bad magic");
	free(img.p);
	expect_error(junk, sizeof(junk), "image", "unknown format");
	/* protocol too old */
	img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	fx_put16(img.p + BZ_VERSION, 0x0105);
	expect_error(img.p, img.len, "version", "protocol");
	/* setup_sects beyond the file, truncated setup, truncated payload */
	fx_put16(img.p + BZ_VERSION, 0x020f);
	img.p[BZ_SETUP_SECTS] = 200;
	expect_error(img.p, img.len, "setup_sects", "truncated");
	img.p[BZ_SETUP_SECTS] = 7;
	expect_error(img.p, 3000, "setup_sects", "truncated");
	fx_put32(img.p + BZ_SYSSIZE, 1);
	expect_error(img.p, 4096 + FX_KERNEL_PREFIX + 16, "payload_length", "truncated");
	/* offset + length overflowing 32 bits */
	fx_put32(img.p + BZ_PAYLOAD_OFFSET, 0x20);
	fx_put32(img.p + BZ_PAYLOAD_LENGTH, 0xfffffff0u);
	expect_error(img.p, img.len, "payload_length", "truncated");
	free(img.p);

	/* corrupt compressed payload: the lz4 stream cut in half */
	elf = fx_make_elf(true);
	pay = fx_compress(COMPRESSION_LZ4, elf.p, elf.len, false, false);
	pay.len /= 2;
	fx_append_size(&pay, elf.len);
	f = fx_bz_default();
	f.payload = pay.p;
	f.payload_len = pay.len;
	img = fx_make_bzimage(&f);
	expect_error(img.p, img.len, "payload", "compression");
	free(img.p);
	free(pay.p);

	/* payload larger than init_size */
	pay = fx_compress(COMPRESSION_ZSTD, elf.p, elf.len, false, true);
	f.payload = pay.p;
	f.payload_len = pay.len;
	f.init_size = 0x1000;
	img = fx_make_bzimage(&f);
	expect_error(img.p, img.len, "init_size", "compression");
	free(img.p);
	free(pay.p);

	/* a decompressed payload whose ELF is broken (program headers cut off) */
	fx_put64(elf.p + 32, 0x3fff);
	pay = fx_compress(COMPRESSION_GZIP, elf.p, elf.len, false, true);
	f.payload = pay.p;
	f.payload_len = pay.len;
	f.init_size = 0x400000;
	img = fx_make_bzimage(&f);
	expect_error(img.p, img.len, "e_phoff", "truncated");
	free(img.p);
	free(pay.p);
	free(elf.p);
}
END_TEST

START_TEST(usage_and_file_errors)
{
	static const char *const cases[][4] = {
		{ NULL },
		{ "--bogus", "x", NULL },
		{ "a", "b", NULL },
		{ "--elf-to", NULL },
		{ "/nonexistent/vmlinuz", NULL },
		{ "/", NULL },
	};
	unsigned i;

	if (!have_inspect("usage_and_file_errors"))
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_result r;

		run3(cases[i][0], cases[i][0] ? cases[i][1] : NULL,
		     cases[i][0] && cases[i][1] ? cases[i][2] : NULL, NULL, NULL, &r);
		ck_assert_msg(r.status == 1, "case %u: status %d", i, r.status);
		ck_assert_msg(harness_count_lines(r.err) == 1, "case %u: '%s'", i, r.err);
		ck_assert(!strncmp(r.err, "bringup-inspect: ", 17));
		ck_assert_str_eq(r.out, "");
		harness_free(&r);
	}
}
END_TEST

Suite *loader_inspect_suite(void)
{
	Suite *s = suite_create("loader_inspect");
	TCase *t = tcase_create("inspect");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, good_bzimage_report);
	tcase_add_test(t, old_protocol_report);
	tcase_add_test(t, elf_and_multiboot_report);
	tcase_add_test(t, bad_images);
	tcase_add_test(t, usage_and_file_errors);
	suite_add_tcase(s, t);
	return s;
}
