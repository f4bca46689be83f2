/*
 * The gdb stub (vmm/gdbstub.c) through the real binary: bringup -S -gdb
 * tcp::PORT with a 64 KiB BIOS whose reset vector holds
 *
 *	f000:fff0  b0 21     mov al, 0x21
 *	f000:fff2  e6 f4     out 0xf4, al	(isa-debug-exit: status 0x21 << 1 | 1 = 67)
 *	f000:fff4  f4        hlt
 *
 * (or "jmp $" for the interrupt test). The test speaks the remote protocol
 * over TCP: reads the reset state (RIP 0xfff0, CS 0xf000), writes memory and
 * registers that change the status the guest exits with, continues, and
 * checks the W packet and the process's status. Under -accel tcg always,
 * under kvm where /dev/kvm is usable. One run of gdb itself when installed.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define RESET_VECTOR	0xfff0
#define WAIT_S		20.0

static char *write_bios(const uint8_t *code, size_t len)
{
	static uint8_t img[65536];

	memset(img, 0xff, sizeof(img));
	memcpy(img + RESET_VECTOR, code, len);
	return harness_write_temp(img, sizeof(img), ".bin");
}

static const uint8_t exit_code[] = { 0xb0, 0x21, 0xe6, 0xf4, 0xf4 };
static const uint8_t loop_code[] = { 0xeb, 0xfe };

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

struct vm {
	int pid, fd, port;
	char *bios;
	char errpath[64];
};

/* Start bringup and connect to its stub (retrying while it starts). */
static void vm_start(struct vm *vm, const char *accel, const uint8_t *code, size_t len, bool stopped)
{
	char gdb[32], *argv[20];
	int n = 0;

	vm->bios = write_bios(code, len);
	vm->port = free_port();
	snprintf(gdb, sizeof(gdb), "tcp:127.0.0.1:%d", vm->port);
	snprintf(vm->errpath, sizeof(vm->errpath), "/tmp/gdbstub-err-XXXXXX");
	close(mkstemp(vm->errpath));
	argv[n++] = (char *)harness_build_path("bringup");
	argv[n++] = "-M";
	argv[n++] = "pc";
	argv[n++] = "-accel";
	argv[n++] = (char *)accel;
	argv[n++] = "-bios";
	argv[n++] = vm->bios;
	argv[n++] = "-device";
	argv[n++] = "isa-debug-exit,iobase=0xf4,iosize=0x4";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-nodefaults";
	argv[n++] = "-gdb";
	argv[n++] = gdb;
	if (stopped)
		argv[n++] = "-S";
	argv[n] = NULL;
	vm->pid = harness_spawn(argv, NULL, vm->errpath);
	ck_assert_int_gt(vm->pid, 0);

	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(vm->port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	for (int tries = 0; tries < 500; tries++) {
		vm->fd = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(vm->fd, 0);
		if (connect(vm->fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return;
		close(vm->fd);
		vm->fd = -1;
		usleep(20000);
	}
	ck_abort_msg("cannot connect to the gdb stub on port %d", vm->port);
}

/* Wait for the VMM's exit; returns its status (stderr shown when not the expected one). */
static int vm_finish(struct vm *vm, int expect)
{
	int status;

	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	status = harness_wait(vm->pid, WAIT_S);
	if (status != expect) {
		size_t len;
		char *err = harness_read_file(vm->errpath, &len);
		fprintf(stderr, "bringup stderr:\n%s\n", err ? err : "");
		free(err);
	}
	unlink(vm->errpath);
	unlink(vm->bios);
	free(vm->bios);
	return status;
}

/* One byte within the deadline, or -1. */
static int read_byte(int fd, double timeout_s)
{
	struct pollfd p = { fd, POLLIN, 0 };
	uint8_t c;

	if (poll(&p, 1, (int)(timeout_s * 1000)) <= 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static void send_raw(int fd, const char *s, size_t n)
{
	ck_assert_int_eq(write(fd, s, n), (ssize_t)n);
}

static void send_packet(int fd, const char *payload)
{
	char buf[8192];
	uint8_t sum = 0;

	for (const char *p = payload; *p; p++)
		sum += (uint8_t)*p;
	snprintf(buf, sizeof(buf), "$%s#%02x", payload, sum);
	send_raw(fd, buf, strlen(buf));
	ck_assert_int_eq(read_byte(fd, WAIT_S), '+');
}

/* The next packet's payload (checked and acked), in a static buffer. */
static const char *recv_packet(int fd, double timeout_s)
{
	static char buf[16384];
	size_t n = 0;
	int c, sum = 0, cs;

	do {
		c = read_byte(fd, timeout_s);
		ck_assert_msg(c >= 0, "no packet from the stub");
	} while (c != '$');
	for (;;) {
		c = read_byte(fd, timeout_s);
		ck_assert_int_ge(c, 0);
		if (c == '#')
			break;
		sum += c;
		ck_assert_uint_lt(n, sizeof(buf) - 1);
		buf[n++] = (char)c;
	}
	buf[n] = 0;
	char hex[3] = { (char)read_byte(fd, timeout_s), (char)read_byte(fd, timeout_s), 0 };
	cs = (int)strtol(hex, NULL, 16);
	ck_assert_int_eq(cs, sum & 0xff);
	send_raw(fd, "+", 1);
	return buf;
}

static const char *cmd(struct vm *vm, const char *payload)
{
	send_packet(vm->fd, payload);
	return recv_packet(vm->fd, WAIT_S);
}

static bool accel_usable(const char *test, const char *accel)
{
	const char *why;

	if (access(harness_build_path("bringup"), X_OK)) {
		harness_skip(test, "build/bringup missing (make)");
		return false;
	}
	if (strcmp(accel, "kvm"))
		return true;
	why = harness_kvm_unusable();
	if (why)
		harness_skip(test, why);
	return !why;
}

static const char *const accels[] = { "tcg", "kvm" };

/* Registers and memory at the reset vector; a memory write changes the exit status. */
START_TEST(test_gdb_regs_memory_continue)
{
	const char *accel = accels[_i];
	struct vm vm;
	const char *r;

	if (!accel_usable("vmm_gdbstub regs/memory", accel))
		return;
	vm_start(&vm, accel, exit_code, sizeof(exit_code), true);
	r = cmd(&vm, "qSupported:multiprocess+;swbreak+;xmlRegisters=i386");
	ck_assert_ptr_nonnull(strstr(r, "PacketSize="));
	ck_assert_ptr_nonnull(strstr(r, "qXfer:features:read+"));
	r = cmd(&vm, "qXfer:features:read:target.xml:0,3fff");
	ck_assert_int_eq(r[0], 'l');
	ck_assert_ptr_nonnull(strstr(r, "<architecture>i386:x86-64</architecture>"));
	ck_assert_ptr_nonnull(strstr(r, "<reg name=\"rip\" bitsize=\"64\""));
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	ck_assert_str_eq(cmd(&vm, "qfThreadInfo"), "m1");
	ck_assert_str_eq(cmd(&vm, "p10"), "f0ff000000000000");	/* rip */
	ck_assert_str_eq(cmd(&vm, "p12"), "00f00000");		/* cs */
	ck_assert_str_eq(cmd(&vm, "p11"), "02000000");		/* eflags */
	ck_assert_str_eq(cmd(&vm, "p18"), "xxxxxxxxxxxxxxxxxxxx");	/* st0: no FPU state */
	ck_assert_str_eq(cmd(&vm, "p2a"), "1000006000000000");	/* cr0 0x60000010 */
	r = cmd(&vm, "g");
	/* 16 GPRs, rip, eflags, 6 selectors, 8 x87 stack + 8 control, 2 bases, 6 system */
	ck_assert_uint_eq(strlen(r), 16 * 16 + 16 + 8 + 6 * 8 + 8 * 20 + 8 * 8 + 2 * 16 + 6 * 16);
	ck_assert_int_eq(strncmp(r + 16 * 16, "f0ff000000000000" "02000000" "00f00000", 32), 0);
	/* the reset vector, at its linear address (paging off: physical) */
	ck_assert_str_eq(cmd(&vm, "mfffffff0,5"), "b021e6f4f4");
	ck_assert_str_eq(cmd(&vm, "Mfffffff1,1:2a"), "OK");
	ck_assert_str_eq(cmd(&vm, "mfffffff0,5"), "b02ae6f4f4");
	send_packet(vm.fd, "c");
	/* mov al, 0x2a; out: status 0x2a << 1 | 1 = 85, reported to gdb first */
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "W55");
	ck_assert_int_eq(vm_finish(&vm, 85), 85);
}
END_TEST

/* G/P packets reach the vCPU: start at the out with AL chosen by the debugger. */
START_TEST(test_gdb_register_write)
{
	const char *accel = accels[_i];
	struct vm vm;

	if (!accel_usable("vmm_gdbstub register write", accel))
		return;
	vm_start(&vm, accel, exit_code, sizeof(exit_code), true);
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	ck_assert_str_eq(cmd(&vm, "P0=1100000000000000"), "OK");
	ck_assert_str_eq(cmd(&vm, "P10=f2ff000000000000"), "OK");
	ck_assert_str_eq(cmd(&vm, "p0"), "1100000000000000");
	ck_assert_str_eq(cmd(&vm, "p10"), "f2ff000000000000");
	/* a whole G with the value we read back: nothing changes */
	{
		char g[2048];

		snprintf(g, sizeof(g), "G%s", cmd(&vm, "g"));
		ck_assert_str_eq(cmd(&vm, g), "OK");
	}
	ck_assert_str_eq(cmd(&vm, "p10"), "f2ff000000000000");
	send_packet(vm.fd, "c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "W23");	/* 0x11 << 1 | 1 = 35 */
	ck_assert_int_eq(vm_finish(&vm, 35), 35);
}
END_TEST

/* Ctrl-C stops a running guest; bad packets get errors; k ends the VMM. */
START_TEST(test_gdb_interrupt_errors_kill)
{
	const char *accel = accels[_i];
	struct vm vm;
	char c;

	if (!accel_usable("vmm_gdbstub interrupt", accel))
		return;
	vm_start(&vm, accel, loop_code, sizeof(loop_code), true);
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	send_packet(vm.fd, "c");
	usleep(200000);
	c = 0x03;
	send_raw(vm.fd, &c, 1);
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T02thread:1;");
	ck_assert_str_eq(cmd(&vm, "p10"), "f0ff000000000000");	/* still in jmp $ */
	ck_assert_str_eq(cmd(&vm, "m"), "E22");
	ck_assert_str_eq(cmd(&vm, "mzz,1"), "E22");
	ck_assert_str_eq(cmd(&vm, "m0,"), "E22");
	ck_assert_str_eq(cmd(&vm, "m10000000000000000,1"), "E22");	/* 17 digits */
	ck_assert_str_eq(cmd(&vm, "mfee00000,4"), "E14");		/* MMIO: not memory */
	ck_assert_str_eq(cmd(&vm, "p99"), "E22");
	ck_assert_str_eq(cmd(&vm, "P10=12"), "E22");
	ck_assert_str_eq(cmd(&vm, "G00"), "E22");
	ck_assert_str_eq(cmd(&vm, "M0,2:00"), "E22");
	ck_assert_str_eq(cmd(&vm, "Hg5"), "E22");		/* one vCPU */
	ck_assert_str_eq(cmd(&vm, "Hg1"), "OK");
	ck_assert_str_eq(cmd(&vm, "Z0,fff0,1"), "E22");	/* no breakpoint hook: said so */
	ck_assert_str_eq(cmd(&vm, "s"), "E01");
	ck_assert_str_eq(cmd(&vm, "qXfer:features:read:other.xml:0,10"), "E00");
	ck_assert_str_eq(cmd(&vm, "vMustReplyEmpty"), "");
	/* a packet with a bad checksum is refused with '-' */
	send_raw(vm.fd, "$g#00", 5);
	ck_assert_int_eq(read_byte(vm.fd, WAIT_S), '-');
	/* and the stub still works */
	ck_assert_str_eq(cmd(&vm, "p12"), "00f00000");
	send_packet(vm.fd, "k");
	ck_assert_int_eq(vm_finish(&vm, 0), 0);
}
END_TEST

/* Without -S the guest runs; a debugger that attaches stops it, as QEMU's. */
START_TEST(test_gdb_attach_stops)
{
	const char *accel = accels[_i];
	struct vm vm;

	if (!accel_usable("vmm_gdbstub attach", accel))
		return;
	vm_start(&vm, accel, loop_code, sizeof(loop_code), false);
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	ck_assert_str_eq(cmd(&vm, "p10"), "f0ff000000000000");
	ck_assert_str_eq(cmd(&vm, "Mfffffff0,5:b033e6f4f4"), "OK");	/* mov al, 0x33; out */
	/* detach: the guest runs again, from the rewritten code (the jmp was not decoded anew
	 * before the write under tcg: written code is dropped from its cache) */
	ck_assert_str_eq(cmd(&vm, "P10=f0ff000000000000"), "OK");
	ck_assert_str_eq(cmd(&vm, "D"), "OK");
	ck_assert_int_eq(vm_finish(&vm, 0x67), 0x67);
}
END_TEST

/* gdb itself, when installed: it accepts the target description and reads the registers. */
START_TEST(test_gdb_client)
{
	struct vm vm;
	char target[64], out[64], errp[80];
	size_t len;
	char *text;
	int pid, status;

	if (!accel_usable("vmm_gdbstub gdb", "tcg"))
		return;
	if (system("command -v gdb > /dev/null 2>&1")) {
		harness_skip("vmm_gdbstub gdb", "gdb is not installed");
		return;
	}
	vm_start(&vm, "tcg", exit_code, sizeof(exit_code), true);
	close(vm.fd);			/* gdb connects itself */
	vm.fd = -1;
	snprintf(target, sizeof(target), "target remote 127.0.0.1:%d", vm.port);
	snprintf(out, sizeof(out), "/tmp/gdbstub-gdb-XXXXXX");
	close(mkstemp(out));
	snprintf(errp, sizeof(errp), "%s.err", out);
	char *argv[] = { "gdb", "-nx", "-batch", "-ex", target, "-ex", "info registers rip",
			 "-ex", "info registers cs", "-ex", "x/2xb 0xfffffff0",
			 "-ex", "set {char}0xfffffff1 = 0x2a", "-ex", "detach", NULL };
	pid = harness_spawn(argv, out, errp);
	ck_assert_int_gt(pid, 0);
	status = harness_wait(pid, WAIT_S);
	text = harness_read_file(out, &len);
	ck_assert_ptr_nonnull(text);
	if (status != 0 || !strstr(text, "rip            0xfff0"))
		fprintf(stderr, "gdb output:\n%s\n", text);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_nonnull(strstr(text, "rip            0xfff0"));
	ck_assert_ptr_nonnull(strstr(text, "cs             0xf000"));
	ck_assert_ptr_nonnull(strstr(text, "0xfffffff0:\t0xb0\t0x21"));
	free(text);
	unlink(out);
	unlink(errp);
	/* gdb's write took effect and the detach let the guest run to its exit */
	ck_assert_int_eq(vm_finish(&vm, 85), 85);
}
END_TEST

/*
 * Garbage in every packet the stub parses: each gets a reply, none crashes
 * the VMM (run under SANITIZE=1 too), and the guest is unharmed after it.
 */
START_TEST(test_gdb_garbage_packets)
{
	static const char first[] = "?gGpPmMHTszZqX!";
	static const char rest[] = "0123456789abcdefABCDEFxX,:=;-.+ qSupportedXfer:features:read:target.xml";
	struct vm vm;
	char pkt[600];
	unsigned seed = 12345;

	if (!accel_usable("vmm_gdbstub garbage", "tcg"))
		return;
	vm_start(&vm, "tcg", exit_code, sizeof(exit_code), true);
	for (int i = 0; i < 1500; i++) {
		size_t len = 1 + (size_t)(rand_r(&seed) % (i < 1000 ? 24 : (int)sizeof(pkt) - 2));

		pkt[0] = first[rand_r(&seed) % (sizeof(first) - 1)];
		for (size_t k = 1; k < len; k++)
			pkt[k] = rest[rand_r(&seed) % (sizeof(rest) - 1)];
		pkt[len] = 0;
		/* a valid-looking write could change the guest: keep writes away from it */
		if (pkt[0] == 'M' || pkt[0] == 'G' || pkt[0] == 'P')
			pkt[1] = 'q';
		cmd(&vm, pkt);
	}
	/* the stub still answers exactly, and the guest still exits as it should */
	ck_assert_str_eq(cmd(&vm, "Hg1"), "OK");
	ck_assert_str_eq(cmd(&vm, "p10"), "f0ff000000000000");
	send_packet(vm.fd, "c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "W43");
	ck_assert_int_eq(vm_finish(&vm, 67), 67);
}
END_TEST

/* -gdb errors: one line, exit 1. */
START_TEST(test_gdb_bad_options)
{
	static const struct { const char *arg, *expect; } cases[] = {
		{ "unix:/tmp/x", "bringup: -gdb: 'unix:/tmp/x' is not supported (tcp:[HOST]:PORT, or none)\n" },
		{ "tcp::0", "bringup: -gdb: bad port in 'tcp::0' (1-65535)\n" },
		{ "tcp::70000", "bringup: -gdb: bad port in 'tcp::70000' (1-65535)\n" },
		{ "tcp::12ab", "bringup: -gdb: bad port in 'tcp::12ab' (1-65535)\n" },
		{ "tcp:no.such.host.invalid:1234", NULL },
	};
	struct run_result r;

	if (!accel_usable("vmm_gdbstub options", "tcg"))
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = { (char *)harness_build_path("bringup"), "-accel", "tcg",
				 "-gdb", (char *)cases[i].arg, "-display", "none", NULL };

		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
		ck_assert_int_eq(r.status, 1);
		ck_assert_int_eq(harness_count_lines(r.err), 1);
		if (cases[i].expect)
			ck_assert_str_eq(r.err, cases[i].expect);
		else
			ck_assert_int_eq(strncmp(r.err, "bringup: -gdb: no.such.host.invalid: ", 37), 0);
		harness_free(&r);
	}
	/* a port someone already listens on */
	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		char spec[64];

		ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		ck_assert_int_eq(listen(fd, 1), 0);
		ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
		snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", ntohs(a.sin_port));
		char *argv[] = { (char *)harness_build_path("bringup"), "-accel", "tcg",
				 "-gdb", spec, "-display", "none", NULL };
		ck_assert_int_eq(harness_run(argv, 20, &r), 0);
		close(fd);
		ck_assert_int_eq(r.status, 1);
		ck_assert_int_eq(harness_count_lines(r.err), 1);
		ck_assert_ptr_nonnull(strstr(r.err, "cannot listen on 127.0.0.1:"));
		ck_assert_ptr_nonnull(strstr(r.err, "Address already in use"));
		harness_free(&r);
	}
}
END_TEST

Suite *vmm_gdbstub_suite(void)
{
	Suite *s = suite_create("vmm_gdbstub");
	TCase *t = tcase_create("protocol");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, test_gdb_regs_memory_continue, 0, 2);
	tcase_add_loop_test(t, test_gdb_register_write, 0, 2);
	tcase_add_loop_test(t, test_gdb_interrupt_errors_kill, 0, 2);
	tcase_add_loop_test(t, test_gdb_attach_stops, 0, 2);
	tcase_add_test(t, test_gdb_client);
	tcase_add_test(t, test_gdb_garbage_packets);
	tcase_add_test(t, test_gdb_bad_options);
	suite_add_tcase(s, t);
	return s;
}
