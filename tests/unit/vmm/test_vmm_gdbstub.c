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
 *
 * Stepping and breakpoints use a longer program: the BIOS copies step_prog
 * to 0000:7c00 (where RIP is the linear address, as gdb takes breakpoint
 * addresses) and jumps there. Hardware and software breakpoints stop before
 * their instruction, a continue from a breakpoint runs on, each step moves
 * RIP by one instruction. The copy loop runs at f000:e000 (linear
 * 0xffffe000, CS base 0xffff0000 after reset): a breakpoint there is linear.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/* At f000:fff0: jmp e000 (IP 0xfff3 + 0xe00d wraps to 0xe000). */
static const uint8_t jmp_e000[] = { 0xe9, 0x0d, 0xe0 };
#define COPY_OFF	0xe000
#define COPY_JMP_LIN	0xffffe012u	/* the far jmp below */
#define PROG_SRC	0xe100
#define PROG_AT		0x7c00
static const uint8_t step_prog[] = {
	0xb8, 0x34, 0x12,	/* 7c00 mov ax, 0x1234 */
	0x40,			/* 7c03 inc ax */
	0x40,			/* 7c04 inc ax */
	0x89, 0xc3,		/* 7c05 mov bx, ax */
	0x43,			/* 7c07 inc bx */
	0xb0, 0x21,		/* 7c08 mov al, 0x21 */
	0xe6, 0xf4,		/* 7c0a out 0xf4, al: status 67 */
	0xf4,			/* 7c0c hlt */
};
static const uint8_t copy_code[] = {
	0x31, 0xc0,		/* e000 xor ax, ax */
	0x8e, 0xc0,		/* e002 mov es, ax */
	0xbf, 0x00, 0x7c,	/* e004 mov di, 0x7c00 */
	0x0e,			/* e007 push cs */
	0x1f,			/* e008 pop ds (0xf000: the BIOS below 1 MiB) */
	0xbe, 0x00, 0xe1,	/* e009 mov si, 0xe100 */
	0xb9, sizeof(step_prog), 0x00,	/* e00c mov cx, len */
	0xfc,			/* e00f cld */
	0xf3, 0xa4,		/* e010 rep movsb */
	0xea, 0x00, 0x7c, 0x00, 0x00,	/* e012 jmp 0000:7c00 */
};

static char *write_step_bios(void)
{
	static uint8_t img[65536];

	memset(img, 0xff, sizeof(img));
	memcpy(img + RESET_VECTOR, jmp_e000, sizeof(jmp_e000));
	memcpy(img + COPY_OFF, copy_code, sizeof(copy_code));
	memcpy(img + PROG_SRC, step_prog, sizeof(step_prog));
	return harness_write_temp(img, sizeof(img), ".bin");
}

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
	int reaper, reaper_fd;		/* vm_reaper_start() */
	char *bios;
	char errpath[64];
};

/*
 * A failed assertion _exits the test's process at once, and a VMM held by
 * -S would wait for a debugger forever: a reaper process kills the VMM's
 * group when the test's process is gone (its pipe's end closes), or just
 * leaves when vm_finish() says the VMM was waited for.
 */
static void vm_reaper_start(struct vm *vm)
{
	int fds[2];

	vm->reaper = -1;
	vm->reaper_fd = -1;
	if (pipe2(fds, O_CLOEXEC))
		return;
	vm->reaper = fork();
	if (vm->reaper == 0) {
		char c;
		ssize_t n;

		for (int fd = 3; fd < 1024; fd++)
			if (fd != fds[0])
				close(fd);
		while ((n = read(fds[0], &c, 1)) < 0 && errno == EINTR)
			;
		if (n == 0)
			kill(-vm->pid, SIGKILL);
		_exit(0);
	}
	close(fds[0]);
	if (vm->reaper < 0)
		close(fds[1]);
	else
		vm->reaper_fd = fds[1];
}

static void vm_reaper_stop(struct vm *vm)
{
	if (vm->reaper <= 0)
		return;
	ck_assert_int_eq(write(vm->reaper_fd, "x", 1), 1);
	close(vm->reaper_fd);
	while (waitpid(vm->reaper, NULL, 0) < 0 && errno == EINTR)
		;
	vm->reaper = -1;
}

/* Start bringup on this BIOS image (taken over) and connect to its stub (retrying while it starts). */
static void vm_start_bios(struct vm *vm, const char *accel, char *bios, bool stopped)
{
	char gdb[32], *argv[20];
	int n = 0;

	vm->bios = bios;
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
	vm_reaper_start(vm);

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

static void vm_start(struct vm *vm, const char *accel, const uint8_t *code, size_t len, bool stopped)
{
	vm_start_bios(vm, accel, write_bios(code, len), stopped);
}

/* Wait for the VMM's exit; returns its status (stderr shown when not the expected one). */
static int vm_finish(struct vm *vm, int expect)
{
	int status;

	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	status = harness_wait(vm->pid, WAIT_S);
	vm_reaper_stop(vm);
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
	ck_assert_str_eq(cmd(&vm, "Z0,zz,1"), "E22");
	ck_assert_str_eq(cmd(&vm, "Z2,fff0,1"), "");		/* watchpoints: not supported */
	ck_assert_str_eq(cmd(&vm, "sq"), "E22");
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
 * Under kvm, whether this host's KVM takes guest debugging (this machine's
 * PVM may not): the stub answers a breakpoint with E22 when it cannot.
 * Returns false (after a SKIP line and ending the VMM) when it cannot.
 */
static bool debug_usable(struct vm *vm, const char *test, const char *accel, const char *reply)
{
	/* the TCG always can: E22 means the VMM never gave the stub the hook */
	ck_assert_msg(strcmp(accel, "tcg") || strcmp(reply, "E22"),
		      "%s: the stub cannot arm the TCG: vmm/machine.c lacks the gdb glue "
		      "(gdb_set_debug, ACCEL_EV_DEBUG -> gdbstub_debug_stop)", test);
	if (strcmp(reply, "E22"))
		return true;
	/* the VMM said why on stderr ("bringup: gdb: /dev/kvm: ...") */
	{
		size_t len;
		char *err = harness_read_file(vm->errpath, &len), *why = err ? strstr(err, "gdb: ") : NULL;

		if (why)
			why[strcspn(why, "\n")] = 0;
		harness_skip(test, why ? why : "KVM refuses guest debugging");
		free(err);
	}
	send_packet(vm->fd, "k");
	vm_finish(vm, 0);
	return false;
}

/*
 * A timer-interrupt guest: the PIC (vector 8) and PIT (~290 Hz) set up,
 * then "sti; hlt" forever. The handler at f000:e300 (linear 0xfe300)
 * counts ticks in BX and exits with status 69 at the fifth.
 */
#define IRQ_HANDLER_LIN	0xfe300u
static const uint8_t irq_code[] = {
	0xfa,				/* e000 cli */
	0x31, 0xc0,			/* xor ax, ax */
	0x8e, 0xd8,			/* mov ds, ax */
	0xc7, 0x06, 0x20, 0x00, 0x00, 0xe3,	/* mov word [0x20], 0xe300 */
	0xc7, 0x06, 0x22, 0x00, 0x00, 0xf0,	/* mov word [0x22], 0xf000 */
	0x8e, 0xd0,			/* mov ss, ax */
	0xbc, 0x00, 0x7c,		/* mov sp, 0x7c00 */
	0xb0, 0x11, 0xe6, 0x20,		/* PIC ICW1 */
	0xb0, 0x08, 0xe6, 0x21,		/* ICW2: vector 8 */
	0xb0, 0x04, 0xe6, 0x21,		/* ICW3 */
	0xb0, 0x01, 0xe6, 0x21,		/* ICW4 */
	0xb0, 0xfe, 0xe6, 0x21,		/* only IRQ0 */
	0xb0, 0x34, 0xe6, 0x43,		/* PIT channel 0, rate generator */
	0xb0, 0x00, 0xe6, 0x40,
	0xb0, 0x10, 0xe6, 0x40,		/* count 0x1000 */
	0x31, 0xdb,			/* xor bx, bx */
	0xfb,				/* e038 sti */
	0xf4,				/* hlt */
	0xeb, 0xfc,			/* jmp e038 */
};
static const uint8_t irq_handler[] = {
	0x43,				/* e300 inc bx */
	0xb0, 0x20, 0xe6, 0x20,		/* EOI */
	0x83, 0xfb, 0x05,		/* cmp bx, 5 */
	0x72, 0x04,			/* jb iret */
	0xb0, 0x22, 0xe6, 0xf4,		/* out 0xf4, 0x22: status 69 */
	0xcf,				/* iret */
};

static char *write_irq_bios(void)
{
	static uint8_t img[65536];

	memset(img, 0xff, sizeof(img));
	memcpy(img + RESET_VECTOR, jmp_e000, sizeof(jmp_e000));
	memcpy(img + 0xe000, irq_code, sizeof(irq_code));
	memcpy(img + 0xe300, irq_handler, sizeof(irq_handler));
	return harness_write_temp(img, sizeof(img), ".bin");
}

/* "pNN" of a 64-bit register as a number. */
static uint64_t reg64(struct vm *vm, const char *p)
{
	const char *r = cmd(vm, p);
	uint64_t v = 0;

	ck_assert_uint_eq(strlen(r), 16);
	for (int i = 7; i >= 0; i--) {
		char byte[3] = { r[2 * i], r[2 * i + 1], 0 };

		v = v << 8 | strtoul(byte, NULL, 16);
	}
	return v;
}

/*
 * A breakpoint at a linear address in the BIOS (CS base 0xffff0000): a
 * plain SIGTRAP stop, gdb's PC (IP) is not that address. Then hardware and
 * software breakpoints in RAM at 0000:7c00, each stopping before its
 * instruction with the state of the instructions before; a continue from a
 * breakpoint runs on; three steps (s, vCont;s:1, vCont;s) each move RIP by
 * one instruction with its effect; then without breakpoints the guest runs
 * to its isa-debug-exit.
 */
START_TEST(test_gdb_break_step)
{
	const char *accel = accels[_i];
	char z[64];
	struct vm vm;
	const char *r;

	if (!accel_usable("vmm_gdbstub break/step", accel))
		return;
	vm_start_bios(&vm, accel, write_step_bios(), true);
	r = cmd(&vm, "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
	ck_assert_ptr_nonnull(strstr(r, ";swbreak+"));
	ck_assert_ptr_nonnull(strstr(r, ";hwbreak+"));
	ck_assert_str_eq(cmd(&vm, "vCont?"), "vCont;c;C;s;S");
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	snprintf(z, sizeof(z), "Z0,%x,1", COPY_JMP_LIN);
	if (!debug_usable(&vm, "vmm_gdbstub break/step", accel, cmd(&vm, z)))
		return;
	send_packet(vm.fd, "c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05thread:1;");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0xe012);
	ck_assert_uint_eq(reg64(&vm, "p2") & 0xffff, 0);	/* rcx: the copy is done */
	snprintf(z, sizeof(z), "z0,%x,1", COPY_JMP_LIN);
	ck_assert_str_eq(cmd(&vm, z), "OK");

	snprintf(z, sizeof(z), "Z1,%x,1", PROG_AT + 3);
	ck_assert_str_eq(cmd(&vm, z), "OK");
	snprintf(z, sizeof(z), "Z0,%x,1", PROG_AT + 5);
	ck_assert_str_eq(cmd(&vm, z), "OK");
	ck_assert_str_eq(cmd(&vm, z), "OK");		/* again: still one */

	send_packet(vm.fd, "c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05hwbreak:;thread:1;");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0x7c03);	/* before inc ax */
	ck_assert_uint_eq(reg64(&vm, "p0") & 0xffff, 0x1234);
	ck_assert_str_eq(cmd(&vm, "p12"), "00000000");	/* cs */

	send_packet(vm.fd, "c");			/* on from the breakpoint, not stuck on it */
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05swbreak:;thread:1;");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0x7c05);
	ck_assert_uint_eq(reg64(&vm, "p0") & 0xffff, 0x1236);
	ck_assert_uint_eq(reg64(&vm, "p1") & 0xffff, 0);

	send_packet(vm.fd, "s");			/* mov bx, ax */
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05thread:1;");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0x7c07);
	ck_assert_uint_eq(reg64(&vm, "p1") & 0xffff, 0x1236);
	send_packet(vm.fd, "vCont;s:1");		/* inc bx */
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05thread:1;");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0x7c08);
	ck_assert_uint_eq(reg64(&vm, "p1") & 0xffff, 0x1237);
	send_packet(vm.fd, "vCont;s");			/* mov al, 0x21 */
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05thread:1;");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0x7c0a);
	ck_assert_uint_eq(reg64(&vm, "p0") & 0xffff, 0x1221);

	snprintf(z, sizeof(z), "z0,%x,1", PROG_AT + 5);
	ck_assert_str_eq(cmd(&vm, z), "OK");
	ck_assert_str_eq(cmd(&vm, z), "OK");		/* not there: fine */
	snprintf(z, sizeof(z), "z1,%x,1", PROG_AT + 3);
	ck_assert_str_eq(cmd(&vm, z), "OK");
	send_packet(vm.fd, "vCont;c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "W43");
	ck_assert_int_eq(vm_finish(&vm, 67), 67);
}
END_TEST

/*
 * A breakpoint in an interrupt handler, the CPU halted in between: each
 * tick stops there (the TCG wakes from hlt one instruction at a time), a
 * step from it runs its instruction, a continue runs the rest of the
 * handler and stops at the next tick.
 */
START_TEST(test_gdb_break_irq)
{
	const char *accel = accels[_i];
	char z[64];
	struct vm vm;

	if (!accel_usable("vmm_gdbstub break irq", accel))
		return;
	vm_start_bios(&vm, accel, write_irq_bios(), true);
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	snprintf(z, sizeof(z), "Z0,%x,1", IRQ_HANDLER_LIN);
	if (!debug_usable(&vm, "vmm_gdbstub break irq", accel, cmd(&vm, z)))
		return;
	for (unsigned tick = 0; tick < 3; tick++) {
		send_packet(vm.fd, "c");
		ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05thread:1;");
		ck_assert_uint_eq(reg64(&vm, "p10"), 0xe300);
		ck_assert_str_eq(cmd(&vm, "p12"), "00f00000");
		ck_assert_uint_eq(reg64(&vm, "p1") & 0xffff, tick);
		/* a step from the breakpoint: inc bx, not the next tick */
		send_packet(vm.fd, "s");
		ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "T05thread:1;");
		ck_assert_uint_eq(reg64(&vm, "p10"), 0xe301);
		ck_assert_uint_eq(reg64(&vm, "p1") & 0xffff, tick + 1);
	}
	snprintf(z, sizeof(z), "z0,%x,1", IRQ_HANDLER_LIN);
	ck_assert_str_eq(cmd(&vm, z), "OK");
	send_packet(vm.fd, "c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "W45");
	ck_assert_int_eq(vm_finish(&vm, 69), 69);
}
END_TEST

/*
 * Breakpoint limits and bad Z/z/s/vCont packets: exact errors, nothing
 * changes. Breakpoints nobody reaches leave the guest alone, and a
 * debugger that detaches leaves none behind.
 */
START_TEST(test_gdb_break_errors)
{
	static const char *const bad[] = {
		"Z0", "Z0,", "Z0,1", "Z0,1,", "Z0,zz,1", "Z0,1,zz", "Z0,1,1;X1,0",
		"Z0,1,10", "Z0,10000000000000000,1", "z1", "z0,1", "Z1,,1",
		"vCont", "vCont;", "vCont;x", "vCont;s:", "vCont;s:2", "vCont;s:zz",
		"vCont;C", "vCont;Czz", "vCont;C100", "vCont;s:1:2", "vCont;c;", "vCont;t",
		"vCont;r0,1", "sz", "s1,2", "cq",
	};
	const char *accel = accels[_i];
	unsigned nsw = strcmp(accel, "kvm") ? 32 : 4;
	char z[64];
	struct vm vm;

	if (!accel_usable("vmm_gdbstub break errors", accel))
		return;
	vm_start_bios(&vm, accel, write_step_bios(), true);
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	if (!debug_usable(&vm, "vmm_gdbstub break errors", accel, cmd(&vm, "Z0,1000,1")))
		return;
	ck_assert_str_eq(cmd(&vm, "z0,1000,1"), "OK");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!strcmp(cmd(&vm, bad[i]), "E22"), "%s: %s", bad[i], cmd(&vm, bad[i]));
	ck_assert_str_eq(cmd(&vm, "Z2,1000,1"), "");	/* watchpoints */
	ck_assert_str_eq(cmd(&vm, "z4,1000,1"), "");
	ck_assert_uint_eq(reg64(&vm, "p10"), 0xfff0);	/* nothing ran */

	/* software: 32 (tcg) or DR0-3 (kvm); hardware: 4 */
	for (unsigned i = 0; i < nsw; i++) {
		snprintf(z, sizeof(z), "Z0,%x,1", 0x1000 + i);
		ck_assert_str_eq(cmd(&vm, z), "OK");
	}
	ck_assert_str_eq(cmd(&vm, "Z0,2000,1"), "E28");
	if (nsw == 4) {
		ck_assert_str_eq(cmd(&vm, "Z1,2000,1"), "E28");	/* the same four registers */
	} else {
		for (unsigned i = 0; i < 4; i++) {
			snprintf(z, sizeof(z), "Z1,%x,1", 0x3000 + i);
			ck_assert_str_eq(cmd(&vm, z), "OK");
		}
		ck_assert_str_eq(cmd(&vm, "Z1,4000,1"), "E28");
	}
	/* one freed: one more fits */
	ck_assert_str_eq(cmd(&vm, "z0,1000,1"), "OK");
	ck_assert_str_eq(cmd(&vm, "Z0,2000,1"), "OK");
	/* armed, none on the guest's path: the guest runs to its exit */
	send_packet(vm.fd, "c");
	ck_assert_str_eq(recv_packet(vm.fd, WAIT_S), "W43");
	ck_assert_int_eq(vm_finish(&vm, 67), 67);

	/* a breakpoint on the path, then detach: the guest runs through it */
	vm_start_bios(&vm, accel, write_step_bios(), true);
	ck_assert_str_eq(cmd(&vm, "?"), "T05thread:1;");
	snprintf(z, sizeof(z), "Z0,%x,1", PROG_AT + 5);
	ck_assert_str_eq(cmd(&vm, z), "OK");
	ck_assert_str_eq(cmd(&vm, "D"), "OK");
	ck_assert_int_eq(vm_finish(&vm, 67), 67);
}
END_TEST

/*
 * gdb itself, when installed: stepi, a breakpoint in the BIOS at a linear
 * address (a plain SIGTRAP in real mode), break and hbreak in RAM, stepi
 * from a breakpoint, continue to the guest's exit.
 */
START_TEST(test_gdb_client_break)
{
	static const char *const want[] = {
		"0x000000000000e000 in ?? ()",
		"Program received signal SIGTRAP",
		"rip            0xe012",
		"Breakpoint 2, 0x0000000000007c05 in ?? ()",
		"rax            0x1236",
		"rip            0x7c07",
		"rbx            0x1236",
		"Breakpoint 3, 0x0000000000007c08 in ?? ()",
		"rbx            0x1237",
		"exited with code 0103",
	};
	const char *accel = accels[_i];
	char target[64], out[64], errp[80];
	struct vm vm;
	size_t len;
	char *text;
	int pid, status;

	if (!accel_usable("vmm_gdbstub gdb break", accel))
		return;
	if (system("command -v gdb > /dev/null 2>&1")) {
		harness_skip("vmm_gdbstub gdb break", "gdb is not installed");
		return;
	}
	vm_start_bios(&vm, accel, write_step_bios(), true);
	if (!debug_usable(&vm, "vmm_gdbstub gdb break", accel, cmd(&vm, "Z0,1000,1")))
		return;
	ck_assert_str_eq(cmd(&vm, "z0,1000,1"), "OK");
	close(vm.fd);			/* gdb connects itself */
	vm.fd = -1;
	snprintf(target, sizeof(target), "target remote 127.0.0.1:%d", vm.port);
	snprintf(out, sizeof(out), "/tmp/gdbstub-gdb-XXXXXX");
	close(mkstemp(out));
	snprintf(errp, sizeof(errp), "%s.err", out);
	char *argv[] = { "gdb", "-nx", "-batch", "-ex", target, "-ex", "stepi",
			 "-ex", "break *0xffffe012", "-ex", "continue", "-ex", "info registers rip",
			 "-ex", "delete", "-ex", "break *0x7c05", "-ex", "hbreak *0x7c08",
			 "-ex", "continue", "-ex", "info registers rax", "-ex", "stepi",
			 "-ex", "info registers rip rbx", "-ex", "continue", "-ex", "info registers rbx",
			 "-ex", "delete", "-ex", "continue", NULL };
	pid = harness_spawn(argv, out, errp);
	ck_assert_int_gt(pid, 0);
	status = harness_wait(pid, WAIT_S * 2);
	text = harness_read_file(out, &len);
	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!strstr(text, want[i]))
			fprintf(stderr, "gdb output:\n%s\n", text);
		ck_assert_msg(strstr(text, want[i]), "gdb output lacks '%s'", want[i]);
	}
	ck_assert_int_eq(status, 0);
	free(text);
	unlink(out);
	unlink(errp);
	ck_assert_int_eq(vm_finish(&vm, 67), 67);
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
		/* a valid-looking write or step could change the guest: keep them away from it */
		if (pkt[0] == 'M' || pkt[0] == 'G' || pkt[0] == 'P' || pkt[0] == 's') {
			pkt[1] = 'q';
			pkt[len > 2 ? len : 2] = 0;
		}
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
	tcase_add_loop_test(t, test_gdb_break_step, 0, 2);
	tcase_add_loop_test(t, test_gdb_break_errors, 0, 2);
	tcase_add_loop_test(t, test_gdb_break_irq, 0, 2);
	tcase_add_test(t, test_gdb_client);
	tcase_add_loop_test(t, test_gdb_client_break, 0, 2);
	tcase_add_test(t, test_gdb_garbage_packets);
	tcase_add_test(t, test_gdb_bad_options);
	suite_add_tcase(s, t);
	return s;
}
