/*
 * Debian's cloud kernel with the project's initramfs under -accel tcg, to
 * the init script's markers: through qboot.rom, our firmware, SeaBIOS
 * (linuxboot_dma.bin), with -smp 2, and as the host-decompressed ELF
 * through its PVH entry (our firmware, opt/bringup/kernel). Each run is
 * bounded; it must power off by itself (exit status 0) after printing the
 * markers in order.
 *
 * `make check` runs all five (10-35 s each on a 2-core machine, depending on
 * load); `make check-full` (BRINGUP_CHECK_FULL set) adds -smp 4 through our
 * firmware.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define QBOOT		"/usr/share/qemu/qboot.rom"
#define SEABIOS		"/usr/share/seabios/bios.bin"
#define BOOT_TIMEOUT	300.0

static const char *const markers[] = {
	"Linux version",
	"Run /init as init process",
	"BRINGUP-INIT-START",
	"BRINGUP-TEST: smoke PASS",
	"BRINGUP-INIT-DONE",
};

static bool have(const char *test, const char *path)
{
	if (path && access(path, R_OK) == 0)
		return true;
	harness_skip(test, path ? path : "(no path)");
	return false;
}

static bool full_only(const char *test)
{
	if (getenv("BRINGUP_CHECK_FULL"))
		return false;
	harness_skip(test, "long boot: runs under make check-full (BRINGUP_CHECK_FULL=1)");
	return true;
}

/* Markers in order; returns where the last one was found, NULL if one is missing. */
static const char *check_markers(const char *out, const char *extra)
{
	const char *p = out;

	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		const char *q = strstr(p, markers[i]);

		if (!q) {
			fprintf(stderr, "missing (in order): %s\n", markers[i]);
			return NULL;
		}
		p = q + strlen(markers[i]);
	}
	if (extra && !strstr(out, extra)) {
		fprintf(stderr, "missing: %s\n", extra);
		return NULL;
	}
	return p;
}

/* bios NULL: our firmware; elf: boot that ELF through opt/bringup/kernel (PVH) */
static void boot(const char *test, const char *bios, const char *smp, const char *elf,
		 const char *extra)
{
	const char *vmm = harness_build_path("bringup");
	const char *kernel = harness_asset_path("vmlinuz");
	const char *initrd = harness_asset_path("initramfs.cpio.gz");
	char kopt[1024], iopt[1024];
	char *argv[32];
	struct run_result r;
	int n = 0;

	if (!have(test, vmm) || !have(test, kernel) || !have(test, initrd) ||
	    (bios && !have(test, bios)))
		return;
	argv[n++] = (char *)vmm;
	argv[n++] = "-M";
	argv[n++] = "pc";
	argv[n++] = "-accel";
	argv[n++] = "tcg";
	argv[n++] = "-m";
	argv[n++] = "512";
	argv[n++] = "-nographic";
	argv[n++] = "-no-reboot";
	if (bios) {
		argv[n++] = "-bios";
		argv[n++] = (char *)bios;
	}
	if (smp) {
		argv[n++] = "-smp";
		argv[n++] = (char *)smp;
	}
	if (elf) {
		snprintf(kopt, sizeof(kopt), "name=opt/bringup/kernel,file=%s", elf);
		snprintf(iopt, sizeof(iopt), "name=opt/bringup/initrd,file=%s", initrd);
		argv[n++] = "-fw_cfg";
		argv[n++] = kopt;
		argv[n++] = "-fw_cfg";
		argv[n++] = iopt;
		argv[n++] = "-fw_cfg";
		argv[n++] = "name=opt/bringup/cmdline,string=console=ttyS0 bringup.test=smoke";
	} else {
		argv[n++] = "-kernel";
		argv[n++] = (char *)kernel;
		argv[n++] = "-initrd";
		argv[n++] = (char *)initrd;
		argv[n++] = "-append";
		argv[n++] = "console=ttyS0 bringup.test=smoke";
	}
	argv[n] = NULL;

	ck_assert_int_eq(harness_run(argv, BOOT_TIMEOUT, &r), 0);
	if (r.timed_out || r.status != 0 || !check_markers(r.out, extra)) {
		size_t len = strlen(r.out);

		fprintf(stderr, "%s: status %d%s after %.1f s; last output:\n%s\nstderr:\n%s\n",
			test, r.status, r.timed_out ? " (timed out)" : "", r.elapsed,
			r.out + (len > 3000 ? len - 3000 : 0), r.err);
	}
	ck_assert(!r.timed_out);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(check_markers(r.out, extra));
	fprintf(stderr, "%s: init markers after %.1f s\n", test, r.elapsed);
	harness_free(&r);
}

START_TEST(test_linux_tcg_qboot)
{
	boot("test_linux_tcg_qboot", QBOOT, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_linux_tcg_firmware)
{
	boot("test_linux_tcg_firmware", NULL, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_linux_tcg_seabios)
{
	boot("test_linux_tcg_seabios", SEABIOS, NULL, NULL, NULL);
}
END_TEST

START_TEST(test_linux_tcg_smp2)
{
	boot("test_linux_tcg_smp2", QBOOT, "2", NULL, "smp: Brought up 1 node, 2 CPUs");
}
END_TEST

START_TEST(test_linux_tcg_pvh)
{
	const char *inspect = harness_build_path("bringup-inspect");
	const char *kernel = harness_asset_path("vmlinuz");
	char elf[1024];
	struct run_result r;

	if (!have("test_linux_tcg_pvh", inspect) ||
	    !have("test_linux_tcg_pvh", kernel))
		return;
	/* in the build tree, overwritten by each run: nothing left in /tmp on failure */
	snprintf(elf, sizeof(elf), "%s", harness_build_path("vmlinux-pvh.elf"));
	{
		char *argv[] = { (char *)inspect, "--elf-to", elf, (char *)kernel, NULL };

		ck_assert_int_eq(harness_run(argv, 60, &r), 0);
		ck_assert_int_eq(r.status, 0);
		ck_assert_ptr_nonnull(strstr(r.out, "pvh_entry:"));
		harness_free(&r);
	}
	boot("test_linux_tcg_pvh", NULL, NULL, elf, NULL);
}
END_TEST

/* Four vCPUs through our firmware's MP table and ACPI MADT: check-full only. */
START_TEST(test_linux_tcg_smp4)
{
	if (full_only("test_linux_tcg_smp4"))
		return;
	boot("test_linux_tcg_smp4", NULL, "4", NULL, "smp: Brought up 1 node, 4 CPUs");
}
END_TEST

Suite *boot_linux_tcg_suite(void)
{
	Suite *s = suite_create("boot_linux_tcg");
	TCase *tc = tcase_create("linux_tcg");

	tcase_set_timeout(tc, BOOT_TIMEOUT + 60);
	tcase_add_test(tc, test_linux_tcg_qboot);
	tcase_add_test(tc, test_linux_tcg_firmware);
	tcase_add_test(tc, test_linux_tcg_seabios);
	tcase_add_test(tc, test_linux_tcg_smp2);
	tcase_add_test(tc, test_linux_tcg_pvh);
	tcase_add_test(tc, test_linux_tcg_smp4);
	suite_add_tcase(s, tc);
	return s;
}
