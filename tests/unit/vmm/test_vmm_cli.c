/*
 * bringup's command line, through the real binary: every malformed or
 * unsupported option prints exactly one line naming it on stderr and exits 1
 * (never a crash: status < 128); -version and -h exit 0.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "tests/unit/common/harness.h"

#define MAX_ARGS 16

struct bad_case {
	const char *args[MAX_ARGS];
	const char *expect;		/* the whole stderr line, without the newline */
};

static const struct bad_case bad_cases[] = {
	{ { "-m", NULL }, "bringup: -m: missing argument" },
	{ { "-m", "12Q", NULL }, "bringup: -m: bad size suffix in '12Q'" },
	{ { "-m", "512MiB", NULL }, "bringup: -m: bad size suffix in '512MiB'" },
	{ { "-m", "size=", NULL }, "bringup: -m: not a number in ''" },
	{ { "-m", "512k", NULL }, "bringup: -m: '512k' is less than 1 MiB" },
	{ { "-m", "2T", NULL }, "bringup: -m: '2T' is more than 1 TiB" },
	{ { "-m", "99999999999999999999", NULL }, "bringup: -m: too large in '99999999999999999999'" },
	{ { "-m", "1G,slots=4", NULL }, "bringup: -m: slots (memory hotplug) is not supported" },
	{ { "-M", "q35", NULL }, "bringup: -M: unknown machine 'q35' (pc, microvm)" },
	{ { "-machine", "pc,kernel-irqchip=maybe", NULL },
	  "bringup: -machine: kernel-irqchip must be on, split or off, not 'maybe'" },
	{ { "-machine", "pc,frob=1", NULL }, "bringup: -machine: unknown property 'frob'" },
	{ { "-M", "microvm,acpi=maybe", NULL }, "bringup: -M: acpi must be on, off or auto, not 'maybe'" },
	{ { "-machine", "pc,accel=xen", NULL },
	  "bringup: -machine: unknown accelerator 'xen' (kvm, tcg)" },
	{ { "-machine", "pc,usb=on", NULL }, "bringup: -machine: usb=on is not supported" },
	{ { "-accel", "hvf", NULL }, "bringup: -accel: unknown accelerator 'hvf' (kvm, tcg)" },
	{ { "-accel", "kvm,frob=on", NULL }, "bringup: -accel: unknown property 'frob'" },
	{ { "-smp", "0", NULL }, "bringup: -smp: '0' is not a positive number" },
	{ { "-smp", "1000", NULL }, "bringup: -smp: 1000 CPUs is more than the 255 this board supports" },
	{ { "-smp", "2,sockets=1,cores=1", NULL },
	  "bringup: -smp: topology holds 1 CPUs, fewer than cpus=2" },
	{ { "-smp", "cpus=2,frob=1", NULL }, "bringup: -smp: unknown property 'frob'" },
	{ { "-cpu", "pentium9", NULL },
	  "bringup: -cpu: unknown model 'pentium9' (max host qemu64 kvm64 qemu32 kvm32 base)" },
	{ { "-cpu", "max,+warpdrive", NULL }, "bringup: -cpu: unknown feature 'warpdrive'" },
	{ { "-cpu", "max,sse2=maybe", NULL }, "bringup: -cpu: sse2 must be on or off, not 'maybe'" },
	{ { "-bios", "/nonexistent/bios.bin", NULL },
	  "bringup: -bios: /nonexistent/bios.bin: No such file or directory" },
	{ { "-bios", "/", NULL }, "bringup: -bios: /: is a directory" },
	{ { "-kernel", "/nonexistent/vmlinuz", NULL },
	  "bringup: -kernel: /nonexistent/vmlinuz: No such file or directory" },
	{ { "-kernel", "/dev/null", "-initrd", "/nonexistent/initrd", NULL },
	  "bringup: -initrd: /nonexistent/initrd: No such file or directory" },
	{ { "-initrd", "/dev/null", NULL }, "bringup: -initrd: only allowed with -kernel" },
	{ { "-append", "console=ttyS0", NULL }, "bringup: -append: only allowed with -kernel" },
	{ { "-serial", "pty", NULL },
	  "bringup: -serial: backend 'pty' is not supported (stdio, file:PATH, null, none)" },
	{ { "-serial", "file:", NULL }, "bringup: -serial: file: needs a path" },
	{ { "-display", "gtk", NULL }, "bringup: -display: display 'gtk' is not supported (none)" },
	{ { "-fw_cfg", "string=x", NULL }, "bringup: -fw_cfg: name= is required" },
	{ { "-fw_cfg", "name=opt/a,file=/dev/null,string=y", NULL },
	  "bringup: -fw_cfg: exactly one of file= and string= is required" },
	{ { "-fw_cfg", "name=opt/a,file=/nonexistent/f", NULL },
	  "bringup: -fw_cfg: /nonexistent/f: No such file or directory" },
	{ { "-fw_cfg", "name=opt/0123456789012345678901234567890123456789012345678901234,string=x", NULL },
	  "bringup: -fw_cfg: name 'opt/0123456789012345678901234567890123456789012345678901234' "
	  "is longer than 55 characters" },
	{ { "-d", "guest_errors,bogus", NULL },
	  "bringup: -d: unknown log item 'bogus' (-d help lists them)" },
	{ { "-S", NULL }, "bringup: -S: needs a debugger to continue (-s or -gdb)" },
	{ { "-vga", "std", NULL }, "bringup: option '-vga' is not supported" },
	{ { "-monitor", "stdio", NULL }, "bringup: option '-monitor' is not supported" },
	{ { "-qmp", "unix:/tmp/q", NULL }, "bringup: option '-qmp' is not supported" },
	{ { "-hda", "disk.img", NULL }, "bringup: option '-hda' is not supported" },
	{ { "-cdrom", "x.iso", NULL }, "bringup: option '-cdrom' is not supported" },
	{ { "-boot", "c", NULL }, "bringup: option '-boot' is not supported" },
	{ { "-snapshot", NULL }, "bringup: option '-snapshot' is not supported" },
	{ { "-icount", "shift=0", NULL }, "bringup: option '-icount' is not supported" },
	{ { "-object", "rng-random,id=r", NULL }, "bringup: option '-object' is not supported" },
	{ { "-chardev", "stdio,id=c", NULL }, "bringup: option '-chardev' is not supported" },
	{ { "--global", "x.y=z", NULL }, "bringup: option '-global' is not supported" },
	{ { "-frobnicate", NULL }, "bringup: unknown option '-frobnicate'" },
	{ { "--frobnicate", NULL }, "bringup: unknown option '--frobnicate'" },
	{ { "disk.img", NULL }, "bringup: unexpected argument 'disk.img' (disk images go through -drive)" },
	{ { "-accel", "tcg", NULL }, "bringup: accelerator 'tcg' is not built yet" },
	{ { "-nic", "user,model=e1000", NULL },
	  "bringup: -nic: model 'e1000' is not supported (virtio-net-pci, virtio-net-device)" },
	{ { "-nic", "vde", NULL }, "bringup: -nic: unknown type 'vde' (user, tap, none)" },
	{ { "-nic", "user,id=", NULL }, "bringup: -nic: empty id" },
	/* what -nic does not know goes to the backend, which names the pair it made */
	{ { "-nic", "user,bogus=1", "-M", "dumpdtb=/dev/null", NULL },
	  "bringup: -netdev user,id=__nic0: unknown option 'bogus'" },
	{ { "-M", "microvm", "-accel", "tcg", "-nic", "user,model=virtio-net-pci", NULL },
	  "bringup: -machine microvm: /virtio-net-pci@0: no PCI host bridge on the board" },
	{ { "-gdb", "unix:/tmp/gdb.sock", NULL },
	  "bringup: -gdb: 'unix:/tmp/gdb.sock' is not supported (tcp:[HOST]:PORT, or none)" },
};

static struct run_result run_bringup(const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	struct run_result r;
	int n = 0;

	argv[n++] = (char *)harness_build_path("bringup");
	for (; n <= MAX_ARGS && args[n - 1]; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	ck_assert_int_eq(harness_run(argv, 20, &r), 0);
	return r;
}

START_TEST(test_bad_option)
{
	const struct bad_case *c = &bad_cases[_i];
	struct run_result r;
	size_t elen = strlen(c->expect);

	/* -accel tcg is only an error while the TCG is not linked in */
	if (!strcmp(c->expect, "bringup: accelerator 'tcg' is not built yet")) {
		r = run_bringup((const char *[]){ "-accel", "tcg", "-M", "dumpdtb=/dev/null", NULL });
		bool tcg_built = r.status == 0;
		harness_free(&r);
		if (tcg_built) {
			harness_skip("vmm_cli -accel tcg", "the TCG is built in");
			return;
		}
	}
	r = run_bringup(c->args);
	ck_assert_msg(!r.timed_out, "case %d timed out", _i);
	ck_assert_msg(r.status == 1, "case %d (%s): status %d, stderr: %s", _i, c->expect,
		      r.status, r.err);
	ck_assert_msg(harness_count_lines(r.err) == 1, "case %d: %d stderr lines: %s", _i,
		      harness_count_lines(r.err), r.err);
	ck_assert_msg(!strncmp(r.err, c->expect, elen) && r.err[elen] == '\n',
		      "case %d: expected '%s', got '%s'", _i, c->expect, r.err);
	ck_assert_str_eq(r.out, "");
	harness_free(&r);
}
END_TEST

START_TEST(test_version)
{
	struct run_result r = run_bringup((const char *[]){ "-version", NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!strncmp(r.out, "bringup version ", 16), "stdout: %s", r.out);
	ck_assert_str_eq(r.err, "");
	harness_free(&r);
}
END_TEST

START_TEST(test_help)
{
	const char *forms[] = { "-h", "--help", "-help" };

	for (unsigned i = 0; i < 3; i++) {
		struct run_result r = run_bringup((const char *[]){ forms[i], NULL });

		ck_assert_int_eq(r.status, 0);
		ck_assert_msg(strstr(r.out, "usage: bringup") && strstr(r.out, "-no-reboot"),
			      "%s stdout: %s", forms[i], r.out);
		ck_assert_str_eq(r.err, "");
		harness_free(&r);
	}
}
END_TEST

START_TEST(test_lists)
{
	struct run_result r = run_bringup((const char *[]){ "-M", "help", NULL });

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\npc "));
	ck_assert_ptr_nonnull(strstr(r.out, "\nmicrovm "));
	harness_free(&r);

	r = run_bringup((const char *[]){ "-d", "help", NULL });
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "guest_errors"));
	ck_assert_ptr_nonnull(strstr(r.out, "cpu_reset"));
	harness_free(&r);
}
END_TEST

/* Options that parse: they must not be reported as errors of the parser. */
/*
 * -nic: the board bringup builds (its device tree, written by dumpdtb=) has
 * the machine's virtio-net card on the pair's backend, with the MAC given;
 * "none" adds no card.
 */
static void nic_card(const char *machine, const char *nic, const char *compat,
		     const char *netdev, const char *mac)
{
	char *path = harness_write_temp("", 0, ".dtb"), mprop[300];
	static char fdt[1 << 16];
	struct run_result r;
	FILE *f;
	int node, len;

	snprintf(mprop, sizeof(mprop), "%s,dumpdtb=%s", machine, path);
	r = run_bringup((const char *[]){ "-M", mprop, "-nic", nic, NULL });
	ck_assert_msg(r.status == 0, "-nic %s: status %d: %s", nic, r.status, r.err);
	harness_free(&r);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_gt(fread(fdt, 1, sizeof(fdt), f), 0);
	fclose(f);
	node = fdt_node_offset_by_compatible(fdt, -1, compat ? compat : "virtio-net-pci");
	if (!compat) {
		ck_assert_int_lt(node, 0);
		ck_assert_int_lt(fdt_node_offset_by_compatible(fdt, -1, "virtio-net-device"), 0);
	} else {
		const char *v = fdt_getprop(fdt, node, "netdev", &len);

		ck_assert_msg(node >= 0, "-nic %s: no %s in the board", nic, compat);
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, netdev);
		v = fdt_getprop(fdt, node, "mac", &len);
		if (mac)
			ck_assert_str_eq(v ? v : "(none)", mac);
		else
			ck_assert_ptr_null(v);
	}
	unlink(path);
	free(path);
}

START_TEST(test_nic)
{
	nic_card("pc", "user", "virtio-net-pci", "__nic0", NULL);
	nic_card("pc", "user,mac=52:54:00:aa:bb:cc,ipv6=off", "virtio-net-pci", "__nic0",
		 "52:54:00:aa:bb:cc");
	nic_card("pc", "user,model=virtio,id=n1", "virtio-net-pci", "n1", NULL);
	nic_card("microvm", "user,id=n7", "virtio-net-device", "n7", NULL);
	nic_card("pc", "none", NULL, NULL, NULL);
}
END_TEST

START_TEST(test_good_options_parse)
{
	/* dumpdtb= ends the run before any accelerator, so this needs no /dev/kvm */
	char *path = harness_write_temp("", 0, ".dtb");
	char mprop[300];
	struct run_result r;

	snprintf(mprop, sizeof(mprop), "pc,accel=kvm:tcg,kernel-irqchip=split,dumpdtb=%s", path);
	r = run_bringup((const char *[]){ "-machine", mprop, "-m", "size=1.5G", "-smp",
					  "cpus=2,sockets=1,cores=2,threads=1", "-cpu",
					  "qemu64,+sse4_1,-x2apic,lahf_lm=on", "-serial", "null",
					  "-nographic", "-display", "none", "-no-reboot", "-d",
					  "guest_errors,int", NULL });
	ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
	harness_free(&r);
	unlink(path);
	free(path);
}
END_TEST

Suite *vmm_cli_suite(void)
{
	Suite *s = suite_create("vmm_cli");
	TCase *tc = tcase_create("cli");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_bad_option, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_help);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_good_options_parse);
	tcase_add_test(tc, test_nic);
	suite_add_tcase(s, tc);
	return s;
}
