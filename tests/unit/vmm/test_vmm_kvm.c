/*
 * bringup under -accel kvm with tiny BIOS images built here: the exit status
 * of isa-debug-exit, and a triple fault with -no-reboot (that one under tcg too). KVM cases are skipped (one SKIP
 * line with the reason) where /dev/kvm is absent or unusable.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define BIOS_SIZE	0x10000
#define RESET_VECTOR	0xfff0		/* offset of 0xFFFFFFF0 in a 64 KiB image */

/* 64 KiB image: code at the reset vector, zeros elsewhere. */
static char *bios_image(const uint8_t *code, size_t len, size_t at)
{
	uint8_t *img = calloc(1, BIOS_SIZE);
	char *path;

	ck_assert_ptr_nonnull(img);
	ck_assert(at + len <= BIOS_SIZE);
	memcpy(img + at, code, len);
	path = harness_write_temp(img, BIOS_SIZE, ".bin");
	free(img);
	return path;
}

static struct run_result run_bios_on(const char *accel, const char *bios, bool no_reboot)
{
	char *argv[] = {
		(char *)harness_build_path("bringup"), "-accel", (char *)accel, "-bios", (char *)bios,
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-nodefaults", "-display", "none",
		no_reboot ? "-no-reboot" : NULL, NULL,
	};
	struct run_result r;

	ck_assert_int_eq(harness_run(argv, 60, &r), 0);
	return r;
}

static struct run_result run_bios(const char *bios, bool no_reboot)
{
	return run_bios_on("kvm", bios, no_reboot);
}

static void debug_exit_case(uint8_t value)
{
	/* mov al, value; out 0xf4, al; then spin (hlt would wait for interrupts) */
	const uint8_t code[] = { 0xb0, value, 0xe6, 0xf4, 0xeb, 0xfe };
	const char *why = harness_kvm_unusable();
	char *bios;
	struct run_result r;

	if (why) {
		harness_skip("vmm_kvm debug-exit", why);
		return;
	}
	bios = bios_image(code, sizeof(code), RESET_VECTOR);
	r = run_bios(bios, false);
	ck_assert_msg(!r.timed_out, "timed out; stderr: %s", r.err);
	ck_assert_msg(r.status == ((value << 1) | 1), "value 0x%x: status %d, stderr: %s", value,
		      r.status, r.err);
	ck_assert_str_eq(r.err, "");
	harness_free(&r);
	unlink(bios);
	free(bios);
}

START_TEST(test_debug_exit_2a)
{
	debug_exit_case(0x2a);
}
END_TEST

START_TEST(test_debug_exit_0)
{
	debug_exit_case(0x00);
}
END_TEST

/*
 * Protected mode with an empty IDT, then a divide error: #DE cannot be
 * delivered (#GP), nor can that (#DF): shutdown, which -no-reboot turns
 * into an exit with a register dump. The code sits at 0xFF80 (the reset
 * vector jumps back to it).
 */
static void triple_fault_case(const char *accel)
{
	const uint8_t code[] = {
		0x2e, 0x0f, 0x01, 0x1e, 0x00, 0xff,	/* lidt cs:[0xff00] (6 zero bytes) */
		0x0f, 0x20, 0xc0,			/* mov eax, cr0 */
		0x0c, 0x01,				/* or al, 1 */
		0x0f, 0x22, 0xc0,			/* mov cr0, eax */
		0x31, 0xc9,				/* xor cx, cx */
		0xf7, 0xf1,				/* div cx */
	};
	const uint8_t jump[] = { 0xeb, 0x8e };		/* jmp 0xff80 */
	uint8_t *img;
	char *bios;
	struct run_result r;

	img = calloc(1, BIOS_SIZE);
	ck_assert_ptr_nonnull(img);
	memcpy(img + 0xff80, code, sizeof(code));
	memcpy(img + RESET_VECTOR, jump, sizeof(jump));
	bios = harness_write_temp(img, BIOS_SIZE, ".bin");
	free(img);

	r = run_bios_on(accel, bios, true);
	ck_assert_msg(!r.timed_out, "%s: timed out; stderr: %s", accel, r.err);
	ck_assert_msg(r.status > 0 && r.status < 128, "%s: status %d; stderr: %s", accel, r.status, r.err);
	ck_assert_msg(strstr(r.err, "triple fault"), "%s: no triple fault line: %s", accel, r.err);
	/* the dump: registers, protected mode on, and the faulting instruction
	 * disassembled (capstone, loaded only now: vmm/disas.h) */
	ck_assert_msg(strstr(r.err, "CR0=60000011"), "%s: CR0 missing: %s", accel, r.err);
	ck_assert_msg(strstr(r.err, "RIP=000000000000ff90"), "%s: RIP missing: %s", accel, r.err);
	ck_assert_msg(strstr(r.err, "=> ") && strstr(r.err, "f7 f1") && strstr(r.err, "div cx"),
		      "%s: no disassembly: %s", accel, r.err);
	harness_free(&r);
	unlink(bios);
	free(bios);
}

START_TEST(test_triple_fault_no_reboot)
{
	const char *why = harness_kvm_unusable();

	if (why) {
		harness_skip("vmm_kvm triple fault", why);
		return;
	}
	triple_fault_case("kvm");
}
END_TEST

/* The same under the software CPU: no KVM needed, so this runs everywhere. */
START_TEST(test_triple_fault_no_reboot_tcg)
{
	triple_fault_case("tcg");
}
END_TEST

/* A BIOS that is not a multiple of 64 KiB: one line naming -bios, exit 1. */
START_TEST(test_bad_bios_size)
{
	uint8_t small[1000] = { 0 };
	char *bios = harness_write_temp(small, sizeof(small), ".bin");
	struct run_result r = run_bios(bios, false);

	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(harness_count_lines(r.err), 1);
	ck_assert_msg(!strncmp(r.err, "bringup: -bios: ", 16) &&
		      strstr(r.err, "is not a multiple of 64 KiB"), "stderr: %s", r.err);
	harness_free(&r);
	unlink(bios);
	free(bios);
}
END_TEST

Suite *vmm_kvm_suite(void)
{
	Suite *s = suite_create("vmm_kvm");
	TCase *tc = tcase_create("kvm");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_debug_exit_2a);
	tcase_add_test(tc, test_debug_exit_0);
	tcase_add_test(tc, test_triple_fault_no_reboot);
	tcase_add_test(tc, test_triple_fault_no_reboot_tcg);
	tcase_add_test(tc, test_bad_bios_size);
	suite_add_tcase(s, tc);
	return s;
}
