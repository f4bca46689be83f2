/*
 * Real firmware boots a real kernel on our board (issues 3 and 4): Debian's
 * qboot.rom and SeaBIOS (bios-256k.bin, with QEMU's linuxboot_dma.bin offered
 * through fw_cfg) take the Debian cloud kernel given with -kernel to its
 * real-mode setup code, whose "Probing EDD" line must reach the serial port
 * within 30 s:
 *
 *   bringup -M pc -accel kvm -bios FW -kernel vmlinuz -initrd initramfs.cpio.gz
 *           -append console=ttyS0 -nographic
 *
 * The VM is killed as soon as the line appears. Under -accel kvm this runs
 * on this machine's software KVM (qboot: ~0.3 s, SeaBIOS: ~5-9 s, most of it
 * SeaBIOS's POST); it skips where /dev/kvm is absent or unusable. SeaBIOS
 * with -kernel also runs under -accel tcg here (qboot under tcg is in
 * tests/unit/tcg/test_tcg_boot.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define QBOOT		"/usr/share/qemu/qboot.rom"
#define SEABIOS		"/usr/share/seabios/bios-256k.bin"
#define LINUXBOOT	"/usr/share/qemu/linuxboot_dma.bin"
#define SETUP_MARKER	"Probing EDD"
#define BOOT_TIMEOUT	30.0

static bool have(const char *test, const char *path)
{
	if (access(path, R_OK) == 0)
		return true;
	harness_skip(test, path);
	return false;
}

/* Boot firmware with -kernel under accel; the marker must appear in time. */
static void boot_to_setup_fw(const char *test, const char *accel, const char *firmware,
			     const char *fw_cfg)
{
	const char *vmm = harness_build_path("bringup");
	const char *kernel = harness_asset_path("vmlinuz");
	const char *initrd = harness_asset_path("initramfs.cpio.gz");
	struct run_result r;
	int found;

	if (!have(test, vmm) || !have(test, firmware) || !have(test, kernel) || !have(test, initrd))
		return;
	if (!strcmp(accel, "kvm")) {
		const char *why = harness_kvm_unusable();

		if (why) {
			harness_skip(test, why);
			return;
		}
	}
	char *argv[] = { (char *)vmm, "-M", "pc", "-accel", (char *)accel,
			 "-bios", (char *)firmware, "-kernel", (char *)kernel,
			 "-initrd", (char *)initrd, "-append", "console=ttyS0", "-nographic",
			 fw_cfg ? "-fw_cfg" : NULL, (char *)fw_cfg, NULL };
	found = harness_run_until(argv, BOOT_TIMEOUT, SETUP_MARKER, &r);
	ck_assert_int_ge(found, 0);
	if (!found)
		fprintf(stderr, "%s: no '%s' in %.1f s (status %d)\nstdout:\n%s\nstderr:\n%s\n",
			test, SETUP_MARKER, r.elapsed, r.status, r.out, r.err);
	else
		printf("%s: '%s' after %.2f s\n", test, SETUP_MARKER, r.elapsed);
	ck_assert_int_eq(found, 1);
	/* the kernel's own setup code printed it: no error from bringup before it */
	ck_assert_ptr_null(strstr(r.err, "bringup:"));
	harness_free(&r);
}

static void boot_to_setup(const char *test, const char *accel, const char *firmware)
{
	boot_to_setup_fw(test, accel, firmware, NULL);
}

/* Our firmware through the kernel's 16-bit entry: the real-mode setup code prints. */
START_TEST(test_ours_tcg_kernel_setup)
{
	boot_to_setup_fw("boot_bios_kvm ours tcg", "tcg", harness_build_path("firmware.bin"),
			 "name=opt/bringup/boot16,string=1");
}
END_TEST

START_TEST(test_ours_kvm_kernel_setup)
{
	boot_to_setup_fw("boot_bios_kvm ours kvm", "kvm", harness_build_path("firmware.bin"),
			 "name=opt/bringup/boot16,string=1");
}
END_TEST

START_TEST(test_qboot_kvm_kernel_setup)
{
	boot_to_setup("boot_bios_kvm qboot kvm", "kvm", QBOOT);
}
END_TEST

START_TEST(test_seabios_kvm_kernel_setup)
{
	if (!have("boot_bios_kvm seabios kvm", LINUXBOOT))
		return;
	boot_to_setup("boot_bios_kvm seabios kvm", "kvm", SEABIOS);
}
END_TEST

START_TEST(test_seabios_tcg_kernel_setup)
{
	if (!have("boot_bios_kvm seabios tcg", LINUXBOOT))
		return;
	boot_to_setup("boot_bios_kvm seabios tcg", "tcg", SEABIOS);
}
END_TEST

/*
 * SeaBIOS puts its console on COM1 only when fw_cfg says -nographic
 * (FW_CFG_NOGRAPHIC, as QEMU sets it): its banner on stdout proves the key.
 */
START_TEST(test_seabios_nographic_banner)
{
	const char *vmm = harness_build_path("bringup");
	struct run_result r;
	int found;

	if (!have("boot_bios_kvm seabios banner", vmm) ||
	    !have("boot_bios_kvm seabios banner", SEABIOS))
		return;
	char *argv[] = { (char *)vmm, "-M", "pc", "-accel", "tcg", "-bios", SEABIOS,
			 "-nographic", NULL };
	found = harness_run_until(argv, 10, "SeaBIOS (version", &r);
	ck_assert_int_eq(found, 1);
	harness_free(&r);

	/* without -nographic the banner stays off the serial port, as on QEMU */
	char *argv2[] = { (char *)vmm, "-M", "pc", "-accel", "tcg", "-bios", SEABIOS,
			  "-display", "none", NULL };
	found = harness_run_until(argv2, 3, "SeaBIOS (version", &r);
	ck_assert_int_eq(found, 0);
	harness_free(&r);
}
END_TEST

Suite *boot_bios_kvm_suite(void)
{
	Suite *s = suite_create("boot_bios_kvm");
	TCase *t = tcase_create("firmware_kernel");

	/* each run is bounded by BOOT_TIMEOUT; the case by their sum */
	tcase_set_timeout(t, 4 * BOOT_TIMEOUT + 30);
	tcase_add_test(t, test_qboot_kvm_kernel_setup);
	tcase_add_test(t, test_seabios_kvm_kernel_setup);
	tcase_add_test(t, test_seabios_tcg_kernel_setup);
	tcase_add_test(t, test_ours_tcg_kernel_setup);
	tcase_add_test(t, test_ours_kvm_kernel_setup);
	tcase_add_test(t, test_seabios_nographic_banner);
	suite_add_tcase(s, t);
	return s;
}
