/*
 * bringup's firmware (build/firmware.bin) on the reference board: QEMU's
 * pc, q35 and microvm under TCG boot Debian's cloud kernel with the project
 * initramfs through it to the init's markers. Also: Linux finds no ACPI or
 * firmware-bug complaints, the timer and serial port on the IOAPIC, PCI BARs
 * (behind a bridge too) kept where the firmware put them, a clear message
 * when no kernel is given, and the quiet option.
 *
 * Whole kernel files reach the firmware through opt/bringup/kernel (QEMU's
 * -kernel would load multiboot and PVH images itself): a multiboot test
 * kernel assembled here (ELF and a.out kludge) checks the info it gets, the
 * project's test guests run, and Debian's kernel as a decompressed ELF boots
 * through its PVH entry. QEMU's own multiboot hand-over (-kernel) works too.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	/*
	 * microvm has no HPET or PM timer, so Linux calibrates the TSC against
	 * the PIT alone, and under TCG on a busy host that fails ("Marking TSC
	 * unstable") and the kernel stalls: qboot too, not a firmware matter.
	 * With a fixed instruction count per nanosecond the PIT and the TSC
	 * keep the same ratio however loaded the host is (sleep=off: idle time
	 * is skipped, not waited for).
	 */
	if (!strncmp(machine, "microvm", 7)) {
		argv[n++] = "-icount";
		argv[n++] = "shift=0,sleep=off";
	}
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
	/* opt/bringup/verbose: the firmware logs each BAR it assigns */
	char *extra[] = { "-device", "virtio-rng-pci,addr=3",
			  "-device", "pci-bridge,id=br1,chassis_nr=1,addr=4",
			  "-device", "virtio-rng-pci,bus=br1,addr=1",
			  "-fw_cfg", "name=opt/bringup/verbose,string=1", NULL };
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

/* ---- whole kernel files: multiboot v1 and PVH ----------------------------- */

static const char mbtest_asm[] =
	"# multiboot v1 test kernel: prints what the loader handed over on COM1 and\n"
	"# exits through isa-debug-exit (port 0xf4). AOUT=0x10000 sets the a.out kludge.\n"
	"	.set	FLAGS, 0x00000003 | AOUT\n"
	"	.text\n"
	"	.globl	_start\n"
	"	.balign	4\n"
	"mbh:\n"
	"	.long	0x1badb002\n"
	"	.long	FLAGS\n"
	"	.long	-(0x1badb002 + FLAGS)\n"
	"	.long	mbh\n"
	"	.long	_start_load\n"
	"	.long	_load_end\n"
	"	.long	_bss_end\n"
	"	.long	_start\n"
	"_start:\n"
	"	movl	$stack_top, %esp\n"
	"	movl	%eax, saved_eax\n"
	"	movl	%ebx, %ebp\n"
	"	movl	$bss_probe, %edi\n"
	"	movl	$64, %ecx\n"
	"	xorl	%eax, %eax\n"
	"	repe scasl\n"
	"	setne	%al\n"
	"	movl	%eax, tmp\n"
	"	movl	$s_magic, %esi\n"
	"	call	puts\n"
	"	movl	saved_eax, %eax\n"
	"	call	puthex\n"
	"	movl	$s_flags, %esi\n"
	"	call	puts\n"
	"	movl	(%ebp), %eax\n"
	"	call	puthex\n"
	"	movl	$s_bss, %esi\n"
	"	call	puts\n"
	"	movl	tmp, %eax\n"
	"	call	puthex\n"
	"	movl	$s_mem, %esi\n"
	"	call	puts\n"
	"	movl	4(%ebp), %eax\n"
	"	call	puthex\n"
	"	movl	$s_upper, %esi\n"
	"	call	puts\n"
	"	movl	8(%ebp), %eax\n"
	"	call	puthex\n"
	"	# the mmap: entry count and KiB of the RAM entry at 1 MiB\n"
	"	movl	48(%ebp), %esi\n"
	"	movl	44(%ebp), %ecx\n"
	"	addl	%esi, %ecx\n"
	"	xorl	%edx, %edx\n"
	"	xorl	%edi, %edi\n"
	"1:	cmpl	%ecx, %esi\n"
	"	jae	2f\n"
	"	incl	%edx\n"
	"	cmpl	$1, 20(%esi)\n"
	"	jne	3f\n"
	"	cmpl	$0x100000, 4(%esi)\n"
	"	jne	3f\n"
	"	cmpl	$0, 8(%esi)\n"
	"	jne	3f\n"
	"	movl	12(%esi), %edi\n"
	"	shrl	$10, %edi\n"
	"3:	movl	(%esi), %eax\n"
	"	leal	4(%esi,%eax), %esi\n"
	"	jmp	1b\n"
	"2:	movl	%edx, tmp\n"
	"	movl	$s_mmap, %esi\n"
	"	call	puts\n"
	"	movl	tmp, %eax\n"
	"	call	puthex\n"
	"	movl	$s_ram1m, %esi\n"
	"	call	puts\n"
	"	movl	%edi, %eax\n"
	"	call	puthex\n"
	"	movl	$s_cmd, %esi\n"
	"	call	puts\n"
	"	testl	$4, (%ebp)\n"
	"	jz	4f\n"
	"	movl	16(%ebp), %esi\n"
	"	call	puts\n"
	"4:	movl	$s_mods, %esi\n"
	"	call	puts\n"
	"	movl	20(%ebp), %eax\n"
	"	call	puthex\n"
	"	cmpl	$0, 20(%ebp)\n"
	"	je	5f\n"
	"	movl	24(%ebp), %ebx\n"
	"	movl	$s_start, %esi\n"
	"	call	puts\n"
	"	movl	0(%ebx), %eax\n"
	"	call	puthex\n"
	"	movl	$s_size, %esi\n"
	"	call	puts\n"
	"	movl	4(%ebx), %eax\n"
	"	subl	0(%ebx), %eax\n"
	"	call	puthex\n"
	"	movl	0(%ebx), %esi\n"
	"	movl	4(%ebx), %ecx\n"
	"	xorl	%edx, %edx\n"
	"	xorl	%eax, %eax\n"
	"6:	cmpl	%ecx, %esi\n"
	"	jae	7f\n"
	"	movb	(%esi), %al\n"
	"	addl	%eax, %edx\n"
	"	incl	%esi\n"
	"	jmp	6b\n"
	"7:	movl	%edx, tmp\n"
	"	movl	$s_sum, %esi\n"
	"	call	puts\n"
	"	movl	tmp, %eax\n"
	"	call	puthex\n"
	"	movl	$s_mstr, %esi\n"
	"	call	puts\n"
	"	movl	8(%ebx), %esi\n"
	"	testl	%esi, %esi\n"
	"	jz	5f\n"
	"	call	puts\n"
	"5:	movl	$s_loader, %esi\n"
	"	call	puts\n"
	"	testl	$0x200, (%ebp)\n"
	"	jz	8f\n"
	"	movl	64(%ebp), %esi\n"
	"	call	puts\n"
	"8:	movl	$s_done, %esi\n"
	"	call	puts\n"
	"	movb	$0, %al\n"
	"	outb	%al, $0xf4\n"
	"9:	cli\n"
	"	hlt\n"
	"	jmp	9b\n"
	"\n"
	"putc:\n"
	"	pushl	%edx\n"
	"	pushl	%eax\n"
	"	movw	$0x3fd, %dx\n"
	"1:	inb	%dx, %al\n"
	"	testb	$0x20, %al\n"
	"	jz	1b\n"
	"	popl	%eax\n"
	"	movw	$0x3f8, %dx\n"
	"	outb	%al, %dx\n"
	"	popl	%edx\n"
	"	ret\n"
	"puts:\n"
	"	pushl	%eax\n"
	"1:	movb	(%esi), %al\n"
	"	testb	%al, %al\n"
	"	jz	2f\n"
	"	call	putc\n"
	"	incl	%esi\n"
	"	jmp	1b\n"
	"2:	popl	%eax\n"
	"	ret\n"
	"puthex:\n"
	"	pushl	%ecx\n"
	"	pushl	%edx\n"
	"	movl	%eax, %edx\n"
	"	movl	$8, %ecx\n"
	"1:	roll	$4, %edx\n"
	"	movl	%edx, %eax\n"
	"	andl	$15, %eax\n"
	"	movb	hexd(%eax), %al\n"
	"	call	putc\n"
	"	loop	1b\n"
	"	popl	%edx\n"
	"	popl	%ecx\n"
	"	ret\n"
	"\n"
	"	.section .rodata\n"
	"hexd:	.ascii	\"0123456789ABCDEF\"\n"
	"s_magic: .asciz	\"MBTEST magic=\"\n"
	"s_flags: .asciz	\" flags=\"\n"
	"s_bss:	.asciz	\" bss_dirty=\"\n"
	"s_mem:	.asciz	\"\\nMBTEST mem_lower=\"\n"
	"s_upper: .asciz	\" mem_upper=\"\n"
	"s_mmap:	.asciz	\"\\nMBTEST mmap_entries=\"\n"
	"s_ram1m: .asciz	\" ram_at_1m_kb=\"\n"
	"s_cmd:	.asciz	\"\\nMBTEST cmdline=[\"\n"
	"s_mods:	.asciz	\"]\\nMBTEST mods=\"\n"
	"s_start: .asciz	\" start=\"\n"
	"s_size:	.asciz	\" size=\"\n"
	"s_sum:	.asciz	\" sum=\"\n"
	"s_mstr:	.asciz	\" string=[\"\n"
	"s_loader: .asciz \"]\\nMBTEST loader=[\"\n"
	"s_done:	.asciz	\"]\\nMBTEST done\\n\"\n"
	"	.bss\n"
	"	.balign	4\n"
	"saved_eax: .long 0\n"
	"tmp:	.long 0\n"
	"bss_probe: .fill 64, 4, 0\n"
	"	.fill	1024, 4, 0\n"
	"stack_top:\n";

static const char mbtest_ld[] =
	"ENTRY(_start)\n"
	"SECTIONS {\n"
	"	. = 0x100000;\n"
	"	_start_load = .;\n"
	"	.text : { *(.text) }\n"
	"	.rodata : { *(.rodata) }\n"
	"	.data : { *(.data) LONG(0x12345678) }\n"
	"	_load_end = .;\n"
	"	.bss : { *(.bss) *(COMMON) }\n"
	"	_bss_end = .;\n"
	"}\n";

#define MBTEST_CMDLINE		"mbtest arg=1"
#define MBTEST_MODULE_SIZE	100000

struct mbtest {
	char dir[64];
	char elf[96], bin[96], module[96];
	unsigned module_sum;
};

/* Assemble the test kernel twice: ELF (flags 3) and a flat a.out-kludge binary. */
static void mbtest_build(struct mbtest *t)
{
	struct run_result r;
	static unsigned char mod[MBTEST_MODULE_SIZE];
	FILE *f;

	snprintf(t->dir, sizeof(t->dir), "/tmp/bringup-mbtest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	char src[96], lds[96];
	snprintf(src, sizeof(src), "%s/mb.S", t->dir);
	snprintf(lds, sizeof(lds), "%s/mb.ld", t->dir);
	snprintf(t->elf, sizeof(t->elf), "%s/mb.elf", t->dir);
	snprintf(t->bin, sizeof(t->bin), "%s/mb.bin", t->dir);
	snprintf(t->module, sizeof(t->module), "%s/module", t->dir);
	ck_assert_ptr_nonnull(f = fopen(src, "w"));
	fputs(mbtest_asm, f);
	fclose(f);
	ck_assert_ptr_nonnull(f = fopen(lds, "w"));
	fputs(mbtest_ld, f);
	fclose(f);
	t->module_sum = 0;
	for (size_t i = 0; i < sizeof(mod); i++) {
		mod[i] = (unsigned char)(i * 131 + (i >> 9));
		t->module_sum += mod[i];
	}
	ck_assert_ptr_nonnull(f = fopen(t->module, "w"));
	ck_assert_uint_eq(fwrite(mod, 1, sizeof(mod), f), sizeof(mod));
	fclose(f);

	char *argv[] = { "sh", "-c",
		"set -e; cd \"$1\"; as --32 --defsym AOUT=0 -o e.o mb.S; "
		"ld -m elf_i386 -N --no-warn-rwx-segments -T mb.ld -o mb.elf e.o; "
		"as --32 --defsym AOUT=0x10000 -o a.o mb.S; "
		"ld -m elf_i386 -N --no-warn-rwx-segments -T mb.ld -o a.elf a.o; "
		"objcopy -O binary a.elf mb.bin", "sh", t->dir, NULL };
	ck_assert_int_eq(harness_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == 0, "assembling the multiboot test kernel failed: %s", r.err);
	harness_free(&r);
}

static void mbtest_clean(struct mbtest *t)
{
	char *argv[] = { "rm", "-rf", t->dir, NULL };
	struct run_result r;

	harness_run(argv, 30, &r);
	harness_free(&r);
}

/* QEMU -M pc with our firmware and exactly these extra arguments. */
static void run_fw(char *const *extra, double timeout, struct run_result *r)
{
	char *argv[MAX_ARGS];
	int n = 0;
	const char *base[] = { QEMU, "-M", "pc", "-accel", "tcg", "-m", "512", "-nographic",
			       "-nodefaults", "-serial", "stdio", "-no-reboot", "-bios",
			       harness_build_path("firmware.bin"), "-device",
			       "isa-debug-exit,iobase=0xf4,iosize=4" };

	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		argv[n++] = (char *)base[i];
	for (; extra && *extra && n < MAX_ARGS - 1; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	ck_assert_int_eq(harness_run(argv, timeout, r), 0);
}

static unsigned long hex_after(const char *out, const char *key)
{
	const char *p = strstr(out, key);

	ck_assert_msg(p, "no '%s' in:\n%s", key, tail_of(out));
	return strtoul(p + strlen(key), NULL, 16);
}

/* What every multiboot loader must hand over, checked by the test kernel's report. */
static void mbtest_expect(const struct run_result *r, const struct mbtest *t, unsigned flags,
			  const char *cmdline, const char *modstr, const char *loader)
{
	char line[160];

	snprintf(line, sizeof(line), "MBTEST magic=2BADB002 flags=%08X bss_dirty=00000000", flags);
	ck_assert_msg(strstr(r->out, line), "want '%s':\n%s", line, tail_of(r->out));
	ck_assert_uint_eq(hex_after(r->out, "MBTEST mem_lower="), 639);
	/* mem_upper is the RAM entry at 1 MiB in the map, both from our e820 */
	unsigned long upper = hex_after(r->out, " mem_upper=");
	ck_assert_uint_eq(upper, hex_after(r->out, " ram_at_1m_kb="));
	ck_assert_uint_gt(upper, 400 * 1024);
	ck_assert_uint_ge(hex_after(r->out, "MBTEST mmap_entries="), 4);
	snprintf(line, sizeof(line), "MBTEST cmdline=[%s]", cmdline);
	ck_assert_msg(strstr(r->out, line), "want '%s':\n%s", line, tail_of(r->out));
	ck_assert_uint_eq(hex_after(r->out, "MBTEST mods="), 1);
	ck_assert_uint_eq(hex_after(r->out, " start=") & 0xfff, 0);	/* page aligned */
	ck_assert_uint_eq(hex_after(r->out, " size="), MBTEST_MODULE_SIZE);
	ck_assert_uint_eq(hex_after(r->out, " sum="), t->module_sum);
	snprintf(line, sizeof(line), " string=[%s]", modstr);
	ck_assert_msg(strstr(r->out, line), "want '%s':\n%s", line, tail_of(r->out));
	snprintf(line, sizeof(line), "MBTEST loader=[%s]", loader);
	ck_assert_msg(strstr(r->out, line), "want '%s':\n%s", line, tail_of(r->out));
	ck_assert_msg(strstr(r->out, "MBTEST done"), "no end line");
	/* isa-debug-exit with 0: status 1 */
	ck_assert_msg(!r->timed_out && r->status == 1, "timed out %d, status %d", r->timed_out,
		      r->status);
}

START_TEST(firmware_multiboot_from_fw_cfg_file)
{
	struct mbtest t;
	struct run_result r;
	char kernel[160], module[160];

	if (qemu_missing("firmware_multiboot_from_fw_cfg_file"))
		return;
	mbtest_build(&t);
	snprintf(module, sizeof(module), "name=opt/bringup/initrd,file=%s", t.module);
	const char *const images[] = { t.elf, t.bin };
	for (size_t i = 0; i < 2; i++) {
		snprintf(kernel, sizeof(kernel), "name=opt/bringup/kernel,file=%s", images[i]);
		char *extra[] = { "-fw_cfg", kernel, "-fw_cfg", module, "-fw_cfg",
				  "name=opt/bringup/cmdline,string=" MBTEST_CMDLINE, NULL };
		run_fw(extra, HALT_TIMEOUT_S * 3, &r);
		ck_assert_msg(strstr(r.out, "boot: multiboot entry 100020, info 8000"),
			      "%s: not our multiboot path:\n%s", images[i], tail_of(r.out));
		/* mem, cmdline, modules, mmap, loader name */
		mbtest_expect(&r, &t, 0x24d, MBTEST_CMDLINE, "initrd", "bringup firmware");
		harness_free(&r);
	}
	mbtest_clean(&t);
}
END_TEST

START_TEST(firmware_multiboot_qemu_handover)
{
	struct mbtest t;
	struct run_result r;

	if (qemu_missing("firmware_multiboot_qemu_handover"))
		return;
	mbtest_build(&t);
	/* QEMU loads the image and builds the info; the firmware adds the memory map */
	char *extra[] = { "-kernel", t.elf, "-initrd", t.module, "-append", MBTEST_CMDLINE, NULL };
	run_fw(extra, HALT_TIMEOUT_S * 3, &r);
	ck_assert_msg(strstr(r.out, "boot: QEMU multiboot image 100000+"), "not the hand-over:\n%s",
		      tail_of(r.out));
	char cmdline[160];
	snprintf(cmdline, sizeof(cmdline), "%s " MBTEST_CMDLINE, t.elf);
	/* QEMU also sets the boot device flag */
	mbtest_expect(&r, &t, 0x24f, cmdline, t.module, "qemu");
	harness_free(&r);
	mbtest_clean(&t);
}
END_TEST

START_TEST(firmware_multiboot_test_guests)
{
	/* pic: its checks do not depend on timing, which a loaded host skews */
	static const char *const guests[] = { "pic" };
	struct run_result r;
	char kernel[4200];
	int ran = 0;

	if (qemu_missing("firmware_multiboot_test_guests"))
		return;
	for (size_t i = 0; i < sizeof(guests) / sizeof(guests[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "guests/%s.elf", guests[i]);
		const char *path = harness_build_path(name);
		if (access(path, R_OK))
			continue;
		snprintf(kernel, sizeof(kernel), "name=opt/bringup/kernel,file=%s", path);
		char *extra[] = { "-fw_cfg", kernel, "-device", "pc-testdev", NULL };
		run_fw(extra, BOOT_TIMEOUT_S, &r);
		ck_assert_msg(strstr(r.out, "boot: multiboot entry "), "%s: not booted by us:\n%s",
			      guests[i], tail_of(r.out));
		ck_assert_msg(strstr(r.out, "SUMMARY: ") && strstr(r.out, " passed, 0 failed"),
			      "%s failed through our firmware:\n%s", guests[i], tail_of(r.out));
		ck_assert_msg(r.status == 1, "%s: exit status %d", guests[i], r.status);
		harness_free(&r);
		ran++;
	}
	if (!ran)
		harness_skip("firmware_multiboot_test_guests",
			     "no build/guests/pic.elf (run `make guests`)");
}
END_TEST

/* Debian's kernel decompressed on the host into an ELF with a PVH note. */
static char *vmlinux_elf(void)
{
	char *path = harness_write_temp("", 0, ".elf");
	struct run_result r;
	char *argv[] = { (char *)harness_build_path("bringup-inspect"), "--elf-to", path,
			 (char *)harness_asset_path("vmlinuz"), NULL };

	ck_assert_msg(access(argv[0], X_OK) == 0, "no %s: run `make`", argv[0]);
	ck_assert_int_eq(harness_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == 0, "bringup-inspect --elf-to failed: %s", r.err);
	ck_assert_msg(strstr(r.out, "pvh_entry: "), "the kernel has no PVH entry:\n%s", r.out);
	harness_free(&r);
	return path;
}

/*
 * A PVH boot's checks: hvm_start_info carried the command line, the RSDP and
 * the map, and the smoke test passed. Frees the run and the ELF.
 */
static void expect_pvh_smoke(struct run_result *r, char *elf)
{
	ck_assert_msg(strstr(r->out, "Command line: console=ttyS0 bringup.test=smoke"),
		      "command line lost:\n%s", tail_of(r->out));
	ck_assert_msg(strstr(r->out, "ACPI: RSDP 0x00000000000F"), "RSDP not passed");
	ck_assert_msg(strstr(r->out, "BIOS-e820: [mem 0x0000000000100000-"), "no memory map");
	expect_pass(r, "smoke");
	harness_free(r);
	unlink(elf);
	free(elf);
}

START_TEST(firmware_pvh_vmlinux_pc)
{
	struct run_result r;
	char kernel[4200], initrd[4200];

	if (qemu_missing("firmware_pvh_vmlinux_pc"))
		return;
	char *elf = vmlinux_elf();
	snprintf(kernel, sizeof(kernel), "name=opt/bringup/kernel,file=%s", elf);
	snprintf(initrd, sizeof(initrd), "name=opt/bringup/initrd,file=%s",
		 harness_asset_path("initramfs.cpio.gz"));
	char *extra[] = { "-fw_cfg", kernel, "-fw_cfg", initrd, "-fw_cfg",
			  "name=opt/bringup/cmdline,string=console=ttyS0 bringup.test=smoke", NULL };
	run_fw(extra, BOOT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "boot: PVH entry "), "not the PVH path:\n%s", tail_of(r.out));
	expect_pvh_smoke(&r, elf);
}
END_TEST

/*
 * QEMU's own PVH hand-over: -kernel with the ELF, which QEMU loads itself
 * (for its pvh.bin option ROM); the firmware builds hvm_start_info.
 */
START_TEST(firmware_pvh_qemu_handover)
{
	struct run_result r;

	if (qemu_missing("firmware_pvh_qemu_handover"))
		return;
	char *elf = vmlinux_elf();
	char *extra[] = { "-kernel", elf, "-initrd", (char *)harness_asset_path("initramfs.cpio.gz"),
			  "-append", "console=ttyS0 bringup.test=smoke", NULL };
	run_fw(extra, BOOT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "boot: QEMU PVH kernel 1000000+"), "not the hand-over:\n%s",
		      tail_of(r.out));
	expect_pvh_smoke(&r, elf);
}
END_TEST

START_TEST(firmware_bzimage_from_fw_cfg_file)
{
	struct run_result r;
	char kernel[4200], initrd[4200];

	if (qemu_missing("firmware_bzimage_from_fw_cfg_file"))
		return;
	/* the whole bzImage: the firmware splits it and takes the 32-bit entry */
	snprintf(kernel, sizeof(kernel), "name=opt/bringup/kernel,file=%s",
		 harness_asset_path("vmlinuz"));
	snprintf(initrd, sizeof(initrd), "name=opt/bringup/initrd,file=%s",
		 harness_asset_path("initramfs.cpio.gz"));
	char *extra[] = { "-fw_cfg", kernel, "-fw_cfg", initrd, "-fw_cfg",
			  "name=opt/bringup/cmdline,string=console=ttyS0 bringup.test=smoke", NULL };
	run_fw(extra, BOOT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "Command line: console=ttyS0 bringup.test=smoke"),
		      "command line lost:\n%s", tail_of(r.out));
	expect_pass(&r, "smoke");
	harness_free(&r);
}
END_TEST

START_TEST(firmware_bad_kernel_files)
{
	static unsigned char img[0x2000];
	struct run_result r;
	char kernel[4200];
	const struct { size_t at; unsigned v; } elf_bad[] = {
		{ 0, 0x464c457f }, { 4, 0x00010102 }, { 16, 0x003e0002 }, { 24, 0x1000000 },
		{ 32, 64 }, { 52, 0x00380000 }, { 56, 1 }, { 64, 1 }, { 72, 0x1000 },
		{ 88, 0x1000000 }, { 96, 0x1000 }, { 104, 0x1000 },
	};

	if (qemu_missing("firmware_bad_kernel_files"))
		return;
	/* an ELF64 with one PT_LOAD and no PVH note */
	for (size_t i = 0; i < sizeof(elf_bad) / sizeof(elf_bad[0]); i++)
		memcpy(img + elf_bad[i].at, &elf_bad[i].v, 4);
	char *path = harness_write_temp(img, sizeof(img), ".elf");
	snprintf(kernel, sizeof(kernel), "name=opt/bringup/kernel,file=%s", path);
	char *extra[] = { "-fw_cfg", kernel, NULL };
	run_fw(extra, HALT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "bad kernel: not a bzImage, multiboot v1 image or ELF with a "
				     "PVH note"), "no message:\n%s", tail_of(r.out));
	ck_assert_msg(r.timed_out, "QEMU did not stay halted (status %d)", r.status);
	harness_free(&r);

	/* a multiboot a.out image that would overwrite the firmware at 0xE0000 */
	memset(img, 0, sizeof(img));
	const unsigned mb[] = { 0x1badb002, 0x10000, (unsigned)-(0x1badb002 + 0x10000),
				0xe0000, 0xe0000, 0, 0, 0xe0020 };
	memcpy(img, mb, sizeof(mb));
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(img, 1, sizeof(img), f), sizeof(img));
	fclose(f);
	run_fw(extra, HALT_TIMEOUT_S, &r);
	ck_assert_msg(strstr(r.out, "segment e0000+2000 is not free RAM"), "no message:\n%s",
		      tail_of(r.out));
	ck_assert_msg(r.timed_out, "QEMU did not stay halted (status %d)", r.status);
	harness_free(&r);
	unlink(path);
	free(path);
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
	tcase_add_test(tc, firmware_multiboot_from_fw_cfg_file);
	tcase_add_test(tc, firmware_multiboot_qemu_handover);
	tcase_add_test(tc, firmware_pvh_vmlinux_pc);
	tcase_add_test(tc, firmware_pvh_qemu_handover);
	tcase_add_test(tc, firmware_bzimage_from_fw_cfg_file);
	tcase_add_test(tc, firmware_bad_kernel_files);
	tcase_set_timeout(tc, BOOT_TIMEOUT_S + 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("linux_view");
	tcase_add_test(tc, firmware_dmesg_clean_pc_q35);
	tcase_add_test(tc, firmware_interrupts_on_ioapic);
	tcase_add_test(tc, firmware_assigns_bars_linux_keeps_them);
	tcase_add_test(tc, firmware_multiboot_test_guests);
	/* up to two boots per test; three short guest runs */
	tcase_set_timeout(tc, 2 * BOOT_TIMEOUT_S + 60);
	suite_add_tcase(s, tc);
	return s;
}
