/*
 * Real firmware on `bringup -M pc -accel tcg`: Debian's qboot.rom loads the
 * Debian cloud kernel through fw_cfg and the kernel's real-mode setup code
 * prints on the serial port; SeaBIOS completes POST and reaches its boot
 * interrupt (INT 19h). Skips when bringup, the firmware or the kernel is
 * missing (make; apt-get install qemu-system-data seabios; make assets).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define QBOOT		"/usr/share/qemu/qboot.rom"
#define SEABIOS		"/usr/share/seabios/bios-256k.bin"

static bool have(const char *test, const char *path)
{
	if (access(path, R_OK) == 0)
		return true;
	harness_skip(test, path);
	return false;
}

/* Part 1 has no long mode: setup refuses the 64-bit kernel, which proves it ran. */
static const char *const setup_markers[] = {
	"This kernel requires an x86-64 CPU",	/* arch/x86/boot/cpu.c, i686 CPUID */
	"This kernel requires the following features",	/* long mode, no SSE yet */
	"Decompressing Linux",			/* part 2: long mode advertised */
	"Linux version",
};

START_TEST(test_qboot_to_kernel_setup)
{
	const char *vmm = harness_build_path("bringup");
	const char *kernel = harness_asset_path("vmlinuz");
	const char *initrd = harness_asset_path("initramfs.cpio.gz");
	struct run_result r;
	bool found = false;

	if (!have("test_qboot_to_kernel_setup", vmm) || !have("test_qboot_to_kernel_setup", QBOOT) ||
	    !have("test_qboot_to_kernel_setup", kernel) || !have("test_qboot_to_kernel_setup", initrd))
		return;
	{
		char *argv[] = { (char *)vmm, "-M", "pc", "-accel", "tcg", "-m", "256",
				 "-bios", QBOOT, "-kernel", (char *)kernel, "-initrd", (char *)initrd,
				 "-append", "console=ttyS0", "-nographic", "-no-reboot", NULL };
		/* stops at the kernel's banner; bounded for a loaded machine */
		ck_assert_int_ge(harness_run_until(argv, 60, "Linux version", &r), 0);
	}
	for (size_t i = 0; i < sizeof(setup_markers) / sizeof(setup_markers[0]); i++)
		if (strstr(r.out, setup_markers[i]))
			found = true;
	if (!found)
		fprintf(stderr, "qboot under tcg: stdout:\n%s\nstderr:\n%s\n", r.out, r.err);
	ck_assert(found);
	harness_free(&r);
}
END_TEST

START_TEST(test_seabios_post_reaches_int19)
{
	const char *vmm = harness_build_path("bringup");
	char *log = NULL;
	size_t len = 0;
	char logpath[] = "/tmp/tcg-seabios-XXXXXX";
	struct run_result r;
	int fd;

	if (!have("test_seabios_post_reaches_int19", vmm) ||
	    !have("test_seabios_post_reaches_int19", SEABIOS))
		return;
	fd = mkstemp(logpath);
	ck_assert_int_ge(fd, 0);
	close(fd);
	{
		char *argv[] = { (char *)vmm, "-M", "pc", "-accel", "tcg", "-m", "128",
				 "-bios", SEABIOS, "-nographic", "-no-reboot", "-d", "int",
				 "-D", logpath, NULL };
		ck_assert_int_eq(harness_run(argv, 4, &r), 0);
	}
	log = harness_read_file(logpath, &len);
	unlink(logpath);
	ck_assert_ptr_nonnull(log);
	/* POST ran to the boot interrupt, serviced by SeaBIOS's handlers on our CPU */
	ck_assert_ptr_nonnull(strstr(log, "v=19 e=0000 i=1"));
	/* and the timer reached it through the PIC (ExtINT through the LAPIC) */
	ck_assert_ptr_nonnull(strstr(log, "v=08 e=0000 i=0"));
	/* no triple fault on the way */
	ck_assert_ptr_null(strstr(log, "triple fault"));
	free(log);
	harness_free(&r);
}
END_TEST

Suite *tcg_boot_suite(void)
{
	Suite *s = suite_create("tcg_boot");
	TCase *t = tcase_create("firmware");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_qboot_to_kernel_setup);
	tcase_add_test(t, test_seabios_post_reaches_int19);
	suite_add_tcase(s, t);
	return s;
}
