/*
 * bringup's firmware (build/firmware.bin, bringup's default -bios) on our own
 * board under -accel kvm. This machine's software KVM is too slow for Linux
 * to boot fully in a test's time, so each test stops at the first thing that
 * proves the firmware handed over:
 *  - a multiboot test guest given whole with -kernel (KERNEL_DATA without
 *    setup keys: the firmware probes and loads it) prints its runtime line
 *    with the multiboot magic it was entered with;
 *  - with opt/bringup/boot16 the kernel's real-mode setup prints "Probing
 *    EDD" through the firmware's int 10h teletype;
 *  - on the 32-bit path the firmware reaches POST 0x6f and the kernel then
 *    programs the UART for earlyprintk (divisor 12: 9600 baud; the firmware
 *    itself uses divisor 1), seen in the -d ioport log.
 * Skipped where /dev/kvm is unusable.
 *
 * Under tcg, `bringup -M microvm` boots Debian's kernel with the project's
 * initramfs through the firmware to the init's markers. That board has no
 * chipset: as QEMU's microvm, 0xE0000-0xFFFFF is writable RAM holding the
 * image's last 128 KiB, so the firmware puts its tables in the F segment
 * (the RSDP found there) and the 16-bit entry works. With its default hardware-reduced ACPI (as QEMU's microvm) Linux finds the
 * tables, logs no ACPI error, puts ttyS0 on the IO-APIC and powers off through
 * the FADT's sleep register (bringup exits 0). Under hardware-reduced ACPI
 * Linux drives no PIT and no 8259 (only the LAPIC timer, "LOC"), on QEMU's
 * microvm too, so there is no "timer" line to check there; with
 * -M microvm,acpi=off it runs in PIC mode (timer and ttyS0 on XT-PIC) and
 * halts rather than powers off: that run stops at the last marker.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define TIMEOUT_S	30.0
/* a few seconds on an idle 2-core machine; generous for a loaded one */
#define MICROVM_TIMEOUT_S	180.0
/* the kernel reaches its early serial setup ~6 s after the jump here */
#define KERNEL_RUN_S	20

static bool ready(const char *test, bool with_linux)
{
	const char *need[] = { harness_build_path("bringup"), harness_build_path("firmware.bin"),
			       with_linux ? harness_asset_path("vmlinuz") : NULL,
			       with_linux ? harness_asset_path("initramfs.cpio.gz") : NULL };
	const char *why = harness_kvm_unusable();

	if (why) {
		harness_skip(test, why);
		return false;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		ck_assert_msg(!need[i] || access(need[i], R_OK) == 0, "no %s: run `make%s`",
			      need[i], with_linux ? " assets" : "");
	return true;
}

START_TEST(firmware_bringup_kvm_multiboot_guest)
{
	static char vmm[4096], fw[4096], guest[4096];
	struct run_result r;
	int found;

	if (!ready("firmware_bringup_kvm_multiboot_guest", false))
		return;
	snprintf(vmm, sizeof(vmm), "%s", harness_build_path("bringup"));
	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(guest, sizeof(guest), "%s", harness_build_path("guests/pic.elf"));
	if (access(guest, R_OK)) {
		harness_skip("firmware_bringup_kvm_multiboot_guest", "no build/guests/pic.elf");
		return;
	}
	char *argv[] = { vmm, "-M", "pc", "-accel", "kvm", "-m", "128", "-bios", fw,
			 "-display", "none", "-serial", "stdio", "-no-reboot", "-device",
			 "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", guest, NULL };
	found = harness_run_until(argv, TIMEOUT_S, "# runtime: multiboot magic 0x2badb002", &r);
	ck_assert_int_ge(found, 0);
	ck_assert_msg(found == 1, "no multiboot hand-over in %.1f s (status %d)\nstdout:\n%s\n"
		      "stderr:\n%s", r.elapsed, r.status, r.out, r.err);
	harness_free(&r);
}
END_TEST

START_TEST(firmware_bringup_kvm_boot16_setup)
{
	static char vmm[4096], fw[4096], kernel[4096], initrd[4096];
	struct run_result r;
	int found;

	if (!ready("firmware_bringup_kvm_boot16_setup", true))
		return;
	snprintf(vmm, sizeof(vmm), "%s", harness_build_path("bringup"));
	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", harness_asset_path("initramfs.cpio.gz"));
	char *argv[] = { vmm, "-M", "pc", "-accel", "kvm", "-m", "512", "-bios", fw,
			 "-fw_cfg", "name=opt/bringup/boot16,string=1", "-kernel", kernel,
			 "-initrd", initrd, "-append", "console=ttyS0", "-nographic", NULL };
	found = harness_run_until(argv, TIMEOUT_S, "Probing EDD", &r);
	ck_assert_int_ge(found, 0);
	ck_assert_msg(found == 1, "no output of the kernel's setup in %.1f s (status %d)\n"
		      "stdout:\n%s\nstderr:\n%s", r.elapsed, r.status, r.out, r.err);
	harness_free(&r);
}
END_TEST

START_TEST(firmware_bringup_kvm_32bit_entry)
{
	static char vmm[4096], fw[4096], kernel[4096], initrd[4096], secs[16];
	struct run_result r;

	if (!ready("firmware_bringup_kvm_32bit_entry", true))
		return;
	snprintf(vmm, sizeof(vmm), "%s", harness_build_path("bringup"));
	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", harness_asset_path("initramfs.cpio.gz"));
	snprintf(secs, sizeof(secs), "%d", KERNEL_RUN_S);
	/* SIGTERM: bringup prints its boot report on the way out */
	char *argv[] = { "timeout", "-s", "TERM", secs, vmm, "-M", "pc", "-accel", "kvm", "-m",
			 "512", "-bios", fw, "-kernel", kernel, "-initrd", initrd, "-append",
			 "console=ttyS0 earlyprintk=ttyS0", "-nographic", "-d", "boot,ioport", NULL };
	ck_assert_int_eq(harness_run(argv, KERNEL_RUN_S + 10, &r), 0);
	const char *jump = strstr(r.err, "ioport: out8 0x0080 <- 0x6f");
	ck_assert_msg(jump, "the firmware never reached POST 0x6f:\n%.3000s", r.err);
	/* after the jump: DLAB on, divisor 12 */
	const char *dlab = strstr(jump, "ioport: out8 0x03fb <- 0x83");
	ck_assert_msg(dlab && strstr(dlab, "ioport: out8 0x03f8 <- 0xc"),
		      "the kernel did not set up its early console within %d s:\n%s", KERNEL_RUN_S,
		      jump);
	ck_assert_msg(strstr(r.err, "POST code 0x6f"), "no boot report");
	harness_free(&r);
}
END_TEST

static const char *const init_markers[] = {
	"bringup firmware: no PCI (microvm)",
	"Linux version",
	/* the firmware's EBDA, as its e820 said */
	"BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved",
	"Run /init as init process",
	"BRINGUP-INIT-START",
	"BRINGUP-TEST: smoke PASS",
	"BRINGUP-INIT-DONE",
};

START_TEST(firmware_bringup_tcg_microvm_init)
{
	static char vmm[4096], fw[4096], kernel[4096], initrd[4096];
	const char *p;
	struct run_result r;
	int found;

	snprintf(vmm, sizeof(vmm), "%s", harness_build_path("bringup"));
	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", harness_asset_path("initramfs.cpio.gz"));
	ck_assert_msg(access(vmm, X_OK) == 0 && access(fw, R_OK) == 0, "no %s or %s: run make",
		      vmm, fw);
	ck_assert_msg(access(kernel, R_OK) == 0 && access(initrd, R_OK) == 0,
		      "no %s or %s: run `make assets`", kernel, initrd);
	/* the firmware logs to the debug console when there is one: both on stdout */
	char *argv[] = { vmm, "-M", "microvm", "-accel", "tcg", "-m", "512", "-bios", fw,
			 "-nographic", "-debugcon", "stdio", "-no-reboot", "-kernel", kernel,
			 "-initrd", initrd,
			 "-append", "console=ttyS0 bringup.test=smoke", NULL };
	found = harness_run_until(argv, MICROVM_TIMEOUT_S, "BRINGUP-INIT-DONE", &r);
	ck_assert_int_ge(found, 0);
	p = r.out;
	for (size_t i = 0; i < sizeof(init_markers) / sizeof(init_markers[0]); i++) {
		const char *q = strstr(p, init_markers[i]);
		size_t len = strlen(r.out);

		ck_assert_msg(q, "missing (in order) '%s' after %.1f s (status %d, %s); output:\n%s\n"
			      "stderr:\n%s", init_markers[i], r.elapsed, r.status,
			      r.timed_out ? "timed out" : "ended", r.out + (len > 3000 ? len - 3000 : 0),
			      r.err);
		p = q + strlen(init_markers[i]);
	}
	fprintf(stderr, "firmware_bringup_tcg_microvm_init: init markers after %.1f s\n", r.elapsed);
	harness_free(&r);
}
END_TEST

/*
 * A boot of -M microvm[,acpi=off] with bringup.test=TEST: to its exit
 * (powers_off), else until BRINGUP-INIT-DONE.
 */
static void microvm_boot(const char *machine, const char *test, bool powers_off,
			 struct run_result *r)
{
	static char vmm[4096], fw[4096], kernel[4096], initrd[4096], append[128];

	snprintf(vmm, sizeof(vmm), "%s", harness_build_path("bringup"));
	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "%s", harness_asset_path("initramfs.cpio.gz"));
	snprintf(append, sizeof(append), "console=ttyS0 bringup.test=%s", test);
	ck_assert_msg(access(vmm, X_OK) == 0 && access(fw, R_OK) == 0, "no %s or %s: run make",
		      vmm, fw);
	ck_assert_msg(access(kernel, R_OK) == 0 && access(initrd, R_OK) == 0,
		      "no %s or %s: run `make assets`", kernel, initrd);
	char *argv[] = { vmm, "-M", (char *)machine, "-accel", "tcg", "-m", "512", "-bios", fw,
			 "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
			 "-append", append, NULL };
	if (powers_off)
		ck_assert_int_ge(harness_run(argv, MICROVM_TIMEOUT_S, r), 0);
	else
		ck_assert_int_ge(harness_run_until(argv, MICROVM_TIMEOUT_S, "BRINGUP-INIT-DONE", r),
				 0);
}

static const char *tail(const char *s)
{
	size_t len = strlen(s);

	return s + (len > 3000 ? len - 3000 : 0);
}

/* "  25:   13   IO-APIC   4-edge      ttyS0": the line that ends with name */
static bool irq_line_on(const char *out, const char *name, const char *chip)
{
	const char *p = out;
	size_t n = strlen(name);

	while ((p = strstr(p, name))) {
		const char *bol = p, *eol = p + n;

		while (bol > out && bol[-1] != '\n')
			bol--;
		while (*eol == ' ' || *eol == '\r')
			eol++;
		if ((*eol == '\n' || !*eol) && bol[strspn(bol, " 0123456789")] == ':' &&
		    memmem(bol, p - bol, chip, strlen(chip)))
			return true;
		p += n;
	}
	return false;
}

static void expect_acpi_clean(const struct run_result *r)
{
	ck_assert_msg(!strstr(r->out, "ACPI BIOS Error") && !strstr(r->out, "RSDP was not found") &&
		      !strstr(r->out, "ACPI MADT or MP tables are not detected"),
		      "ACPI not found or in error; output:\n%s", tail(r->out));
	ck_assert_msg(strstr(r->out, "ACPI: Using IOAPIC for interrupt routing"),
		      "Linux does not route through the IOAPIC; output:\n%s", tail(r->out));
}

START_TEST(firmware_bringup_tcg_microvm_acpi_interrupts)
{
	struct run_result r;

	microvm_boot("microvm", "interrupts", true, &r);
	expect_acpi_clean(&r);
	ck_assert_msg(strstr(r.out, "ACPI: FACP") && strstr(r.out, "ACPI: APIC"),
		      "no FADT/MADT; output:\n%s", tail(r.out));
	/* the BIOS area is RAM: the firmware's RSDP is in the F segment, not the EBDA */
	ck_assert_msg(strstr(r.out, "ACPI: RSDP 0x00000000000F"), "RSDP not in 0xF0000-0xFFFFF:\n%s",
		      tail(r.out));
	ck_assert_msg(irq_line_on(r.out, "ttyS0", "IO-APIC"), "ttyS0 not on the IO-APIC:\n%s",
		      tail(r.out));
	ck_assert_msg(!strstr(r.out, "XT-PIC"), "an XT-PIC line:\n%s", tail(r.out));
	ck_assert_msg(strstr(r.out, "Local timer interrupts"), "no LAPIC timer:\n%s", tail(r.out));
	/* poweroff -f after the markers: the FADT sleep register, exit status 0 */
	ck_assert_msg(strstr(r.out, "BRINGUP-INIT-DONE") && !r.timed_out && r.status == 0,
		      "did not power off (status %d, %s) after %.1f s:\n%s\nstderr:\n%s", r.status,
		      r.timed_out ? "timed out" : "ended", r.elapsed, tail(r.out), r.err);
	harness_free(&r);
}
END_TEST

START_TEST(firmware_bringup_tcg_microvm_acpi_dmesg_clean)
{
	struct run_result r;

	microvm_boot("microvm", "dmesg-clean", true, &r);
	expect_acpi_clean(&r);
	ck_assert_msg(strstr(r.out, "BRINGUP-TEST: dmesg-clean PASS"), "dmesg not clean:\n%s",
		      tail(r.out));
	ck_assert_msg(!r.timed_out && r.status == 0, "did not power off (status %d)", r.status);
	harness_free(&r);
}
END_TEST

/* -M microvm,acpi=off: today's PIC-mode board, no tables at all */
START_TEST(firmware_bringup_tcg_microvm_acpi_off)
{
	struct run_result r;

	microvm_boot("microvm,acpi=off", "interrupts", false, &r);
	ck_assert_msg(strstr(r.out, "RSDP was not found"), "tables were found:\n%s", tail(r.out));
	ck_assert_msg(irq_line_on(r.out, "timer", "XT-PIC") && irq_line_on(r.out, "ttyS0", "XT-PIC"),
		      "timer/ttyS0 not on XT-PIC:\n%s", tail(r.out));
	ck_assert_msg(strstr(r.out, "BRINGUP-TEST: interrupts PASS"), "%s", tail(r.out));
	harness_free(&r);
}
END_TEST

/*
 * The 16-bit entry there: int 15h's memory map lives in the BIOS area, which
 * this board makes RAM, so the kernel's setup runs and prints.
 */
START_TEST(firmware_bringup_tcg_microvm_boot16)
{
	static char vmm[4096], fw[4096], kernel[4096];
	struct run_result r;

	snprintf(vmm, sizeof(vmm), "%s", harness_build_path("bringup"));
	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	ck_assert_msg(access(vmm, X_OK) == 0 && access(kernel, R_OK) == 0, "no %s or %s", vmm,
		      kernel);
	char *argv[] = { vmm, "-M", "microvm", "-accel", "tcg", "-m", "256", "-bios", fw,
			 "-nographic", "-no-reboot", "-fw_cfg", "name=opt/bringup/boot16,string=1",
			 "-kernel", kernel, "-append", "console=ttyS0", NULL };
	/* within a second or two */
	ck_assert_int_ge(harness_run_until(argv, 10, "Probing EDD", &r), 0);
	ck_assert_msg(strstr(r.out, "Probing EDD"),
		      "no output of the kernel's setup (a read-only BIOS area?):\n%s\nstderr:\n%s",
		      r.out, r.err);
	harness_free(&r);
}
END_TEST

Suite *boot_firmware_bringup_suite(void)
{
	Suite *s = suite_create("boot_firmware_bringup");
	TCase *tc = tcase_create("kvm");
	TCase *tcg = tcase_create("tcg");

	tcase_add_test(tc, firmware_bringup_kvm_multiboot_guest);
	tcase_add_test(tc, firmware_bringup_kvm_boot16_setup);
	tcase_add_test(tc, firmware_bringup_kvm_32bit_entry);
	tcase_set_timeout(tc, TIMEOUT_S + 30);
	suite_add_tcase(s, tc);
	tcase_add_test(tcg, firmware_bringup_tcg_microvm_init);
	tcase_add_test(tcg, firmware_bringup_tcg_microvm_boot16);
	tcase_add_test(tcg, firmware_bringup_tcg_microvm_acpi_interrupts);
	tcase_add_test(tcg, firmware_bringup_tcg_microvm_acpi_dmesg_clean);
	tcase_add_test(tcg, firmware_bringup_tcg_microvm_acpi_off);
	tcase_set_timeout(tcg, MICROVM_TIMEOUT_S + 30);
	suite_add_tcase(s, tcg);
	return s;
}
