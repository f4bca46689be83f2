/*
 * The virtio-blk guest (tests/guests/virtio_blk.c) on QEMU (the reference)
 * and on bringup, both with a modern-only virtio-blk-pci over a raw image
 * made here: every test must PASS, the guest must exit through
 * isa-debug-exit with 0 (status 1), and afterwards the image's sector 1 must
 * hold what the guest wrote while sector 0 is unchanged. Also the VMM's
 * clean errors for virtio options it cannot serve.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define QEMU			"qemu-system-x86_64"
#define QEMU_TIMEOUT_S		60
#define BRINGUP_TIMEOUT_S	60
#define SECTOR			512
#define IMAGE_SECTORS		8
#define GUEST_PASSES		8
#define SECTOR0_MAGIC		"BRINGUP-VIRTIO-SECTOR0"
#define SECTOR1_MAGIC		"BRINGUP-VIRTIO-WROTE-SECTOR1"

/* A fresh image: sector 0 as the guest expects it, the rest zero. */
static char *make_image(void)
{
	uint8_t img[SECTOR * IMAGE_SECTORS] = { 0 };
	size_t n = strlen(SECTOR0_MAGIC);

	memcpy(img, SECTOR0_MAGIC, n);
	for (size_t i = n; i < SECTOR; i++)
		img[i] = (uint8_t)(i * 7);
	return harness_write_temp(img, sizeof(img), ".img");
}

/* Sector 0 untouched, sector 1 as the guest wrote it, the rest still zero. */
static void check_image(const char *path, const char *who)
{
	size_t len = 0, n0 = strlen(SECTOR0_MAGIC), n1 = strlen(SECTOR1_MAGIC);
	uint8_t *img = harness_read_file(path, &len);

	ck_assert_msg(img, "%s: image %s unreadable", who, path);
	ck_assert_uint_eq(len, SECTOR * IMAGE_SECTORS);
	ck_assert_msg(!memcmp(img, SECTOR0_MAGIC, n0), "%s: sector 0 changed", who);
	for (size_t i = n0; i < SECTOR; i++)
		ck_assert_msg(img[i] == (uint8_t)(i * 7), "%s: sector 0 byte %zu changed", who, i);
	ck_assert_msg(!memcmp(img + SECTOR, SECTOR1_MAGIC, n1),
		      "%s: sector 1 does not start with what the guest wrote", who);
	for (size_t i = n1; i < SECTOR; i++)
		ck_assert_msg(img[SECTOR + i] == (uint8_t)(i ^ 0x5a),
			      "%s: sector 1 byte %zu is %#x, want %#x", who, i,
			      img[SECTOR + i], (uint8_t)(i ^ 0x5a));
	for (size_t i = 2 * SECTOR; i < len; i++)
		ck_assert_msg(!img[i], "%s: byte %zu past sector 1 written", who, i);
	free(img);
}

static unsigned count(const char *out, const char *prefix)
{
	unsigned n = 0;
	size_t plen = strlen(prefix);

	for (const char *p = out; p && *p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		n += !strncmp(p, prefix, plen);
	}
	return n;
}

/* Run the guest on vmm (QEMU or bringup) with a fresh image; assert the result. */
static void run_guest(const char *vmm, const char *accel, double timeout_s, const char *who)
{
	char elf[1024], drive[1200];
	char *img = make_image();
	struct run_result r;

	ck_assert(img);
	snprintf(elf, sizeof(elf), "%s/guests/virtio_blk.elf", harness_build_dir());
	snprintf(drive, sizeof(drive), "file=%s,if=none,id=d0,format=raw", img);
	const char *argv[] = {
		vmm, "-M", "pc", "-accel", accel, "-drive", drive,
		"-device", "virtio-blk-pci,drive=d0,disable-legacy=on",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
		"-kernel", elf, "-display", "none", "-serial", "stdio", NULL
	};

	ck_assert_int_eq(access(elf, R_OK), 0);
	harness_run((char *const *)argv, timeout_s, &r);
	ck_assert_msg(!r.timed_out, "%s: timed out after %.0f s:\n%s", who, timeout_s, r.out);
	ck_assert_msg(!strstr(r.out, "FAIL: "), "%s: a test failed:\n%s", who, r.out);
	ck_assert_msg(count(r.out, "PASS: ") == GUEST_PASSES, "%s: %u passes, want %u:\n%s\n%s",
		      who, count(r.out, "PASS: "), GUEST_PASSES, r.out, r.err);
	ck_assert_msg(strstr(r.out, "SUMMARY: 8 passed, 0 failed, 0 skipped"), "%s: summary:\n%s",
		      who, r.out);
	ck_assert_msg(r.status == 1, "%s: exit status %d, want 1 (isa-debug-exit 0):\n%s", who,
		      r.status, r.err);
	harness_free(&r);
	check_image(img, who);
	unlink(img);
	free(img);
}

START_TEST(test_virtio_blk_qemu)
{
	if (access("/usr/bin/" QEMU, X_OK)) {
		harness_skip("virtio-blk on QEMU", QEMU " not installed");
		return;
	}
	run_guest(QEMU, "tcg", QEMU_TIMEOUT_S, "QEMU");
}
END_TEST

static const char *bringup_path(void)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/bringup", harness_build_dir());
	return access(path, X_OK) ? NULL : path;
}

START_TEST(test_virtio_blk_bringup)
{
	const char *vmm = bringup_path();

	if (!vmm) {
		harness_skip("virtio-blk on bringup", "build/bringup not built");
		return;
	}
	run_guest(vmm, "tcg", BRINGUP_TIMEOUT_S, "bringup");
}
END_TEST

/* Options bringup cannot honour end it with status 1 and one line naming them. */
START_TEST(test_virtio_option_errors)
{
	static const struct {
		const char *args[4];
		const char *msg;
	} cases[] = {
		{ { "-drive", "file=/tmp/x.img,format=qcow2" }, "-drive: format=qcow2" },
		{ { "-netdev", "socket,id=n0" }, "-netdev socket: not supported (user, tap or loopback)" },
		{ { "-netdev", "loopback" }, "-netdev loopback: id= is required" },
		{ { "-drive", "file=/dev/null,if=none,id=d0",
		    "-device", "virtio-blk-pci,drive=d0,disable-legacy=off" },
		  "disable-legacy=off: only modern virtio" },
		{ { "-device", "virtio-blk-pci,drive=nope" }, "drive 'nope' does not exist" },
	};
	const char *vmm = bringup_path();

	if (!vmm) {
		harness_skip("virtio option errors", "build/bringup not built");
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[12] = { vmm, "-accel", "tcg", "-display", "none" };
		unsigned n = 5;
		struct run_result r;

		for (unsigned j = 0; j < 4 && cases[i].args[j]; j++)
			argv[n++] = cases[i].args[j];
		harness_run((char *const *)argv, 20, &r);
		ck_assert_msg(r.status == 1, "case %zu: status %d", i, r.status);
		ck_assert_msg(strstr(r.err, cases[i].msg), "case %zu: stderr '%s', want '%s'", i,
			      r.err, cases[i].msg);
		ck_assert_int_eq(harness_count_lines(r.err), 1);
		harness_free(&r);
	}
}
END_TEST

Suite *boot_virtio_suite(void)
{
	Suite *s = suite_create("boot_virtio");
	TCase *tc = tcase_create("virtio");

	tcase_set_timeout(tc, QEMU_TIMEOUT_S + BRINGUP_TIMEOUT_S + 60);
	tcase_add_test(tc, test_virtio_blk_qemu);
	tcase_add_test(tc, test_virtio_blk_bringup);
	tcase_add_test(tc, test_virtio_option_errors);
	suite_add_tcase(s, tc);
	return s;
}
