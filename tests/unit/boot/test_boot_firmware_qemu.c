/*
 * bringup's firmware (build/firmware.bin) on the reference board: QEMU's
 * pc, q35 and microvm under TCG boot Debian's cloud kernel with the project
 * initramfs through it to the init's markers. Also: Linux finds no ACPI or
 * firmware-bug complaints, the timer and serial port on the IOAPIC, PCI BARs
 * (behind a bridge too) kept where the firmware put them, a clear message
 * when no kernel is given, and the quiet option.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

/* One TCG boot takes 2-5 s here (test_boot_assets.c measured); 30 s bounds a loaded host. */
#define BOOT_TIMEOUT_S		30
#define HALT_TIMEOUT_S		4
#define QEMU			"qemu-system-x86_64"
#define MAX_ARGS		48

static bool qemu_missing(const char *test)
{
	struct run_result r;
	char *argv[] = { QEMU, "--version", NULL };

	if (harness_run(argv, 30, &r) != 0 || r.status != 0) {
		harness_skip(test, QEMU " is not installed (apt-get install qemu-system-x86)");
		harness_free(&r);
		return true;
	}
	harness_free(&r);
	ck_assert_msg(access(harness_build_path("firmware.bin"), R_OK) == 0,
		      "no %s: run `make`", harness_build_path("firmware.bin"));
	return false;
}

/* argv for QEMU with our firmware; extra (NULL-terminated) goes before -kernel. */
static void run_qemu(const char *machine, const char *append, const char *initrd,
		     char *const *extra, bool with_kernel, double timeout, struct run_result *r)
{
	static char fw[4096], kernel[4096], initrd_path[4096];
	char *argv[MAX_ARGS];
	int n = 0;

	snprintf(fw, sizeof(fw), "%s", harness_build_path("firmware.bin"));
	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	snprintf(initrd_path, sizeof(initrd_path), "%s",
		 initrd ? initrd : harness_asset_path("initramfs.cpio.gz"));
	ck_assert_msg(access(kernel, R_OK) == 0 && access(initrd_path, R_OK) == 0,
		      "no %s or %s: run `make assets`", kernel, initrd_path);
	const char *base[] = { QEMU, "-M", machine, "-accel", "tcg", "-m", "512", "-nographic",
			       "-nodefaults", "-serial", "stdio", "-no-reboot", "-bios", fw };
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		argv[n++] = (char *)base[i];
	for (; extra && *extra && n < MAX_ARGS - 8; extra++)
		argv[n++] = *extra;
	if (with_kernel) {
		argv[n++] = "-kernel";
		argv[n++] = kernel;
		argv[n++] = "-initrd";
		argv[n++] = initrd_path;
		argv[n++] = "-append";
		argv[n++] = (char *)append;
	}
	argv[n] = NULL;
	ck_assert_int_eq(harness_run(argv, timeout, r), 0);
}

static const char *tail_of(const char *s)
{
	size_t n = strlen(s);

	return s + (n > 3000 ? n - 3000 : 0);
}

/* The init's markers, in order, with test NAME passing; QEMU powered off. */
static void expect_pass(const struct run_result *r, const char *name)
{
	char pass[128];
	const char *at = r->out;

	snprintf(pass, sizeof(pass), "BRINGUP-TEST: %s PASS", name);
	const char *const markers[] = { "BRINGUP-INIT-START", pass, "BRINGUP-INIT-DONE" };
	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		const char *m = strstr(at, markers[i]);
		ck_assert_msg(m, "'%s' missing (in order); timed out %d, status %d; output:\n%s",
			      markers[i], r->timed_out, r->status, tail_of(r->out));
		at = m + strlen(markers[i]);
	}
	ck_assert_msg(!r->timed_out, "QEMU did not power off within %d s", BOOT_TIMEOUT_S);
	ck_assert_msg(r->status == 0, "QEMU exited %d: %s", r->status, r->err);
}

static void boot_expect(const char *machine, const char *test, char *const *extra,
			struct run_result *r)
{
	char append[128];

	snprintf(append, sizeof(append), "console=ttyS0 bringup.test=%s", test);
	run_qemu(machine, append, NULL, extra, true, BOOT_TIMEOUT_S, r);
	/*
	 * microvm has no HPET or PM timer: when the host is busy, Linux's PIT
	 * calibration of the TSC fails under TCG and the kernel stalls (qboot
	 * too). That is the kernel against a slow emulated clock, not the
	 * firmware; one retry, and only for exactly that message.
	 */
	if (r->timed_out && !strcmp(machine, "microvm") &&
	    strstr(r->out, "tsc: Marking TSC unstable due to could not calculate TSC khz")) {
		printf("NOTE: %s: TSC calibration failed under load; retrying once\n", machine);
		harness_free(r);
		run_qemu(machine, append, NULL, extra, true, BOOT_TIMEOUT_S, r);
	}
	/* our firmware ran (it logs on COM1 without -debugcon) and Linux took its map */
	ck_assert_msg(strstr(r->out, "bringup firmware: "), "no firmware banner:\n%s",
		      tail_of(r->out));
	ck_assert_msg(strstr(r->out, "BIOS-e820: [mem 0x0000000000100000-"),
		      "Linux saw no e820 RAM at 1 MiB:\n%s", tail_of(r->out));
	expect_pass(r, test);
}

START_TEST(firmware_boots_pc)
{
	struct run_result r;

	if (qemu_missing("firmware_boots_pc"))
		return;
	boot_expect("pc", "smoke", NULL, &r);
	ck_assert_msg(strstr(r.out, "bringup firmware: i440fx"), "not detected as i440fx");
	/* the RSDP came from the table-loader into the F segment */
	ck_assert_msg(strstr(r.out, "ACPI: RSDP 0x00000000000F"), "RSDP not in the F segment");
	/* QEMU's SMBIOS with our type 0 in front */
	ck_assert_msg(strstr(r.out, "SMBIOS 2.8 present"), "no SMBIOS from QEMU's tables");
	ck_assert_msg(strstr(r.out, "BIOS bringup firmware"), "no type 0 record of ours");
	harness_free(&r);
}
END_TEST

START_TEST(firmware_boots_q35)
{
	struct run_result r;

	if (qemu_missing("firmware_boots_q35"))
		return;
	boot_expect("q35", "smoke", NULL, &r);
	ck_assert_msg(strstr(r.out, "bringup firmware: q35"), "not detected as q35");
	/* MMCONFIG enabled by us, so QEMU's MCFG describes it */
	ck_assert_msg(strstr(r.out, "PCI: MMCONFIG for domain 0000 [bus 00-ff] at "
			      "[mem 0xb0000000-0xbfffffff]"), "no MMCONFIG at 0xb0000000");
	ck_assert_msg(!strstr(r.out, "PCI: not using MMCONFIG"),
		      "MMCONFIG not reserved in e820 at first");
	harness_free(&r);
}
END_TEST

START_TEST(firmware_boots_microvm)
{
	struct run_result r;

	if (qemu_missing("firmware_boots_microvm"))
		return;
	boot_expect("microvm", "smoke", NULL, &r);
	ck_assert_msg(strstr(r.out, "bringup firmware: no PCI (microvm)"), "not detected as microvm");
	/* microvm has no SMBIOS of its own: our minimal 2.1 table */
	ck_assert_msg(strstr(r.out, "SMBIOS 2.1 present"), "no minimal SMBIOS");
	harness_free(&r);
}
END_TEST

START_TEST(firmware_dmesg_clean_pc_q35)
{
	struct run_result r;

	if (qemu_missing("firmware_dmesg_clean_pc_q35"))
		return;
	boot_expect("pc", "dmesg-clean", NULL, &r);
	harness_free(&r);
	boot_expect("q35", "dmesg-clean", NULL, &r);
	harness_free(&r);
}
END_TEST

/* "  N:   count   IO-APIC   2-edge      timer" */
static bool irq_on_ioapic(const char *out, const char *name)
{
	for (const char *l = out; (l = strstr(l, name)); l++) {
		const char *bol = l;
		while (bol > out && bol[-1] != '\n')
			bol--;
		const char *eol = l + strlen(name);
		if ((*eol == '\n' || *eol == '\r' || *eol == ' ') &&
		    memmem(bol, (size_t)(l - bol), "IO-APIC", 7))
			return true;
	}
	return false;
}

START_TEST(firmware_interrupts_on_ioapic)
{
	static const char *const machines[] = { "pc", "q35" };
	struct run_result r;

	if (qemu_missing("firmware_interrupts_on_ioapic"))
		return;
	for (size_t i = 0; i < 2; i++) {
		boot_expect(machines[i], "interrupts", NULL, &r);
		ck_assert_msg(irq_on_ioapic(r.out, "timer"), "%s: timer not on the IO-APIC:\n%s",
			      machines[i], tail_of(r.out));
		ck_assert_msg(irq_on_ioapic(r.out, "ttyS0"), "%s: ttyS0 not on the IO-APIC",
			      machines[i]);
		harness_free(&r);
	}
}
END_TEST

/* ---- BARs read back from Linux ---------------------------------------------- */

static const char pcibars_sh[] =
	"#!/bin/sh\n"
	"# pcibars: each PCI device's resources as Linux holds them\n"
	"for d in /sys/bus/pci/devices/*; do\n"
	"\tb=${d##*/}\n"
	"\techo \"PCIDEV $b $(cat $d/vendor) $(cat $d/device)\"\n"
	"\ti=0\n"
	"\twhile read -r s e f; do echo \"PCIRES $b $i $s $e\"; i=$((i + 1)); done <$d/resource\n"
	"done\n"
	"exit 0\n";

/* The project initramfs plus a second (uncompressed) archive with /tests/pcibars.sh. */
static char *initrd_with_pcibars(void)
{
	char *script = harness_write_temp(pcibars_sh, sizeof(pcibars_sh) - 1, ".sh");
	char *out = harness_write_temp("", 0, ".cpio");
	struct run_result r;
	char *argv[] = { "sh", "-c",
		"set -e; t=$(mktemp -d); mkdir -p $t/tests; cp \"$1\" $t/tests/pcibars.sh; "
		"chmod 755 $t/tests/pcibars.sh; n=$(stat -c %s \"$2\"); "
		"{ cat \"$2\"; head -c $(( (4 - n % 4) % 4 )) /dev/zero; "
		"  (cd $t && find tests | cpio -o -H newc --quiet); } >\"$3\"; rm -rf $t",
		"sh", script, (char *)harness_asset_path("initramfs.cpio.gz"), out, NULL };

	ck_assert_int_eq(harness_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == 0, "building the pcibars initrd failed: %s", r.err);
	harness_free(&r);
	unlink(script);
	free(script);
	return out;
}

/* Firmware's "pci BB:DD.F BAR RR = ADDR (SIZE)" for bdf/reg; false if absent. */
static bool fw_bar(const char *out, const char *bdf, unsigned reg, uint64_t *addr)
{
	char key[64];

	snprintf(key, sizeof(key), "pci %s BAR %x = ", bdf, reg);
	const char *p = strstr(out, key);
	if (!p)
		return false;
	*addr = strtoull(p + strlen(key), NULL, 16);
	return true;
}

/* Linux's start of resource i of device 0000:BB:DD.F. */
static bool linux_res(const char *out, const char *bdf, int i, uint64_t *start)
{
	char key[96];

	snprintf(key, sizeof(key), "PCIRES 0000:%s %d ", bdf, i);
	const char *p = strstr(out, key);
	if (!p)
		return false;
	*start = strtoull(p + strlen(key), NULL, 16);
	return true;
}

START_TEST(firmware_assigns_bars_linux_keeps_them)
{
	struct run_result r;

	if (qemu_missing("firmware_assigns_bars_linux_keeps_them"))
		return;
	char *initrd = initrd_with_pcibars();
	/* virtio-rng on bus 0 slot 3, another behind a PCI bridge (slot 4) on bus 1 */
	char *extra[] = { "-device", "virtio-rng-pci,addr=3",
			  "-device", "pci-bridge,id=br1,chassis_nr=1,addr=4",
			  "-device", "virtio-rng-pci,bus=br1,addr=1", NULL };
	run_qemu("pc", "console=ttyS0 bringup.test=pcibars", initrd, extra, true,
		 BOOT_TIMEOUT_S, &r);
	expect_pass(&r, "pcibars");

	const char *const devs[] = { "00:03.0", "01:01.0" };
	for (size_t d = 0; d < 2; d++) {
		char dev[32];
		snprintf(dev, sizeof(dev), "PCIDEV 0000:%s 0x1af4 ", devs[d]);
		ck_assert_msg(strstr(r.out, dev), "Linux has no virtio device %s:\n%s", devs[d],
			      tail_of(r.out));
		/* BAR0 I/O, BAR1 MMIO (MSI-X), BAR4 64-bit prefetchable */
		const struct { int i; unsigned reg; uint64_t lo, hi; } bars[] = {
			{ 0, 0x10, 0xc000, 0x10000 },
			{ 1, 0x14, 0xc0000000, 0xfec00000 },
			{ 4, 0x20, 0xc0000000, 0xfec00000 },
		};
		for (size_t b = 0; b < 3; b++) {
			uint64_t fw = 0, lx = 0;
			ck_assert_msg(fw_bar(r.out, devs[d], bars[b].reg, &fw),
				      "firmware did not assign %s BAR %x", devs[d], bars[b].reg);
			ck_assert_msg(linux_res(r.out, devs[d], bars[b].i, &lx),
				      "no resource %d of %s in sysfs", bars[b].i, devs[d]);
			ck_assert_msg(fw == lx, "%s BAR %x: firmware %" PRIx64 ", Linux %" PRIx64,
				      devs[d], bars[b].reg, fw, lx);
			ck_assert_msg(fw >= bars[b].lo && fw < bars[b].hi,
				      "%s BAR %x at %" PRIx64 " is outside the window", devs[d],
				      bars[b].reg, fw);
		}
	}
	/* the bridge's window covers the device behind it: Linux did not move anything */
	ck_assert_msg(!strstr(r.out, "BAR 4: assigned") && !strstr(r.out, "BAR 0: assigned"),
		      "Linux reassigned BARs:\n%s", tail_of(r.out));
	harness_free(&r);
	unlink(initrd);
	free(initrd);
}
END_TEST

START_TEST(firmware_boot16_pc)
{
	struct run_result r;
	char *extra[] = { "-fw_cfg", "name=opt/bringup/boot16,string=1", NULL };

	if (qemu_missing("firmware_boot16_pc"))
		return;
	boot_expect("pc", "smoke", extra, &r);
	/* the kernel's real-mode setup ran (EDD probe is its int 13h call) */
	ck_assert_msg(strstr(r.out, "boot: 16-bit entry at 1020:0000"), "not the 16-bit path");
	ck_assert_msg(strstr(r.out, "Probing EDD"), "the real-mode setup did not run");
	/* and took the memory map from our int 15h E820: the reserved F segment shows */
	ck_assert_msg(strstr(r.out, "BIOS-e820: [mem 0x00000000000e0000-0x00000000000fffff] reserved"),
		      "int 15h E820 map missing:\n%s", tail_of(r.out));
	harness_free(&r);
}
END_TEST

/* ---- failure paths and options ------------------------------------------------ */

START_TEST(firmware_no_kernel_message)
{
	struct run_result r;

	if (qemu_missing("firmware_no_kernel_message"))
		return;
	run_qemu("pc", NULL, NULL, NULL, false, HALT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "no kernel given"), "no message:\n%s", tail_of(r.out));
	ck_assert_msg(r.timed_out, "QEMU did not stay halted (status %d)", r.status);
	harness_free(&r);
}
END_TEST

START_TEST(firmware_bad_kernel_message)
{
	struct run_result r;
	static unsigned char junk[0x11000];
	char *extra[] = { "-kernel", NULL, NULL };

	if (qemu_missing("firmware_bad_kernel_message"))
		return;
	/* not a bzImage: QEMU hands it over as an old-protocol image */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 7 + 3);
	junk[0x1f1] = 0;	/* setup_sects 0 (= 4): QEMU itself accepts the size */
	char *path = harness_write_temp(junk, sizeof(junk), ".bin");
	extra[1] = path;
	run_qemu("pc", NULL, NULL, extra, false, HALT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "bad kernel: no \"HdrS\" setup header at 0x202"),
		      "no message naming the header:\n%s", tail_of(r.out));
	ck_assert_msg(r.timed_out, "QEMU did not stay halted (status %d)", r.status);
	harness_free(&r);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(firmware_quiet_option)
{
	struct run_result r;
	char *extra[] = { "-fw_cfg", "name=opt/bringup/quiet,string=1", NULL };

	if (qemu_missing("firmware_quiet_option"))
		return;
	run_qemu("pc", "console=ttyS0 bringup.test=smoke", NULL, extra, true,
		 BOOT_TIMEOUT_S, &r);
	expect_pass(&r, "smoke");
	ck_assert_msg(!strstr(r.out, "bringup firmware: "), "firmware logged despite quiet");
	harness_free(&r);
}
END_TEST

Suite *boot_firmware_qemu_suite(void)
{
	Suite *s = suite_create("boot_firmware_qemu");
	TCase *tc = tcase_create("boot");

	tcase_add_test(tc, firmware_boots_pc);
	tcase_add_test(tc, firmware_boots_q35);
	tcase_add_test(tc, firmware_boots_microvm);
	tcase_add_test(tc, firmware_boot16_pc);
	tcase_add_test(tc, firmware_no_kernel_message);
	tcase_add_test(tc, firmware_bad_kernel_message);
	tcase_add_test(tc, firmware_quiet_option);
	tcase_set_timeout(tc, BOOT_TIMEOUT_S + 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("linux_view");
	tcase_add_test(tc, firmware_dmesg_clean_pc_q35);
	tcase_add_test(tc, firmware_interrupts_on_ioapic);
	tcase_add_test(tc, firmware_assigns_bars_linux_keeps_them);
	/* up to two boots per test */
	tcase_set_timeout(tc, 2 * BOOT_TIMEOUT_S + 60);
	suite_add_tcase(s, tc);
	return s;
}
