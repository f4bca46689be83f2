/*
 * Interrupts under -accel kvm in each of kernel-irqchip=on|split|off, with
 * small BIOS guests assembled here (as --32, ld --oformat binary): the PIT
 * through the 8259, a level line of pc-testdev through the 8259 (ELCR) and
 * through the IOAPIC and local APIC (EOI with the line still high must fire
 * again; remote IRR clear at the end), the LAPIC timer and a self-IPI,
 * x2APIC MSRs, and INIT/SIPI of a second CPU. Each guest exits through
 * isa-debug-exit: 0x10 (status 33) is a pass, anything else names the
 * failed step. The same guests pass under QEMU (-M pc, tcg) where it is
 * installed: that checks the guests themselves.
 *
 * The guests run in real mode and reach the APICs through FS with a 4 GiB
 * limit (loaded in protected mode, kept after returning to real mode): this
 * host's software KVM emulates every instruction with KVM's emulator, which
 * cannot IRET in protected mode.
 *
 * Also here: device_connect_irq() makes shared GSIs an OR of their devices.
 * Skipped (one SKIP line) where /dev/kvm is absent or unusable, or where the
 * assembler is missing.
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

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/pic.h"
#include "tests/unit/common/harness.h"

#define BIOS_SIZE	0x10000
#define GUEST_PASS	33		/* isa-debug-exit 0x10 */
#define GUEST_PASS_EXTRA 35		/* 0x11: passed, with an extra interrupt (see below) */
#define RUN_TIMEOUT	8.0

/*
 * Every guest: real mode, stack at 0x7000, FS flat 4 GiB, every vector to
 * "bad" (exit 0x7f), PIC and APIC registers as the guest body programs them.
 * VEC sets one IVT entry; APIC_W/APIC_R reach the xAPIC page, IOAPIC_W an
 * IOAPIC register; FAIL n exits with 0x20 + n.
 */
static const char guest_head[] =
	"	.code16\n"
	"	.text\n"
	"	.macro VEC vec, label\n"
	"	movw $\\label, (\\vec) * 4\n"
	"	.endm\n"
	"	.macro APIC_W off, val\n"
	"	movl $(\\val), %eax\n"
	"	movl $(0xfee00000 + \\off), %ebx\n"
	"	movl %eax, %fs:(%ebx)\n"
	"	.endm\n"
	"	.macro APIC_R off\n"
	"	movl $(0xfee00000 + \\off), %ebx\n"
	"	movl %fs:(%ebx), %eax\n"
	"	.endm\n"
	"	.macro IOAPIC_W reg, val\n"
	"	movl $0xfec00000, %ebx\n"
	"	movl $(\\reg), %eax\n"
	"	movl %eax, %fs:(%ebx)\n"
	"	movl $(\\val), %eax\n"
	"	movl %eax, %fs:0x10(%ebx)\n"
	"	.endm\n"
	"	.macro IOAPIC_R reg\n"
	"	movl $0xfec00000, %ebx\n"
	"	movl $(\\reg), %eax\n"
	"	movl %eax, %fs:(%ebx)\n"
	"	movl %fs:0x10(%ebx), %eax\n"
	"	.endm\n"
	/* isa-debug-exit takes the last value written before the VM stops: write once, stop */
	"	.macro STOP\n"
	"1098:	cli\n"
	"	hlt\n"
	"	jmp 1098b\n"
	"	.endm\n"
	"	.macro FAIL n\n"
	"	movb $(0x20 + \\n), %al\n"
	"	outb %al, $0xf4\n"
	"	STOP\n"
	"	.endm\n"
	"	.macro LINE n, level\n"
	"	movw $(0x2000 + \\n), %dx\n"
	"	movb $\\level, %al\n"
	"	outb %al, %dx\n"
	"	.endm\n"
	"_start:\n"
	"	cli\n"
	"	xorw %ax, %ax\n"
	"	movw %ax, %ds\n"
	"	movw %ax, %es\n"
	"	movw %ax, %ss\n"
	"	movw $0x7000, %sp\n"
	"	lgdtl %cs:gdt_desc\n"
	"	movl %cr0, %eax\n"
	"	orb $1, %al\n"
	"	movl %eax, %cr0\n"
	"	movw $0x10, %bx\n"
	"	movw %bx, %fs\n"
	"	andb $0xfe, %al\n"
	"	movl %eax, %cr0\n"
	"	ljmp $0xf000, $1f\n"
	"1:	xorw %di, %di\n"
	"2:	movw $bad, (%di)\n"
	"	movw $0xf000, 2(%di)\n"
	"	addw $4, %di\n"
	"	cmpw $0x400, %di\n"
	"	jne 2b\n"
	"	movl $0, 0x500\n"
	"	movl $0, 0x504\n"
	"	movl $0, 0x600\n"
	/* 8259 pair: vectors 0x20 and 0x28, everything masked */
	"	movb $0x11, %al\n"
	"	outb %al, $0x20\n"
	"	outb %al, $0xa0\n"
	"	movb $0x20, %al\n"
	"	outb %al, $0x21\n"
	"	movb $0x28, %al\n"
	"	outb %al, $0xa1\n"
	"	movb $0x04, %al\n"
	"	outb %al, $0x21\n"
	"	movb $0x02, %al\n"
	"	outb %al, $0xa1\n"
	"	movb $0x01, %al\n"
	"	outb %al, $0x21\n"
	"	outb %al, $0xa1\n"
	"	movb $0xff, %al\n"
	"	outb %al, $0x21\n"
	"	outb %al, $0xa1\n"
	/* virtual wire, as a BIOS leaves it: APIC on, LINT0 ExtINT, LINT1 NMI */
	"	APIC_W 0xf0, 0x1ff\n"
	"	APIC_W 0x350, 0x700\n"
	"	APIC_W 0x360, 0x400\n";

static const char guest_tail[] =
	"pass:\n"
	"	cli\n"
	"	movb $0x10, %al\n"
	"	outb %al, $0xf4\n"
	"	STOP\n"
	"bad:\n"
	"	movb $0x7f, %al\n"
	"	outb %al, $0xf4\n"
	"	STOP\n"
	"	.align 8\n"
	"gdt:\n"
	"	.quad 0\n"
	"	.quad 0x00cf9b000000ffff\n"
	"	.quad 0x00cf93000000ffff\n"
	"gdt_desc:\n"
	"	.word 23\n"
	"	.long 0xf0000 + gdt\n"
	"	.org 0x1000\n"
	/* SIPI vector 0xf1 lands here: count the AP in and sleep */
	"ap_entry:\n"
	"	xorw %ax, %ax\n"
	"	movw %ax, %ds\n"
	"	lock incw 0x600\n"
	"3:	cli\n"
	"	hlt\n"
	"	jmp 3b\n"
	"	.org 0xfff0\n"
	"	ljmp $0xf000, $_start\n"
	"	.org 0x10000\n";

/* PIT channel 0 at 1 kHz on IRQ 0: three interrupts through the 8259. */
static const char guest_pic_pit[] =
	"	VEC 0x20, irq0\n"
	"	movb $0xfe, %al\n"
	"	outb %al, $0x21\n"
	"	movb $0x34, %al\n"
	"	outb %al, $0x43\n"
	"	movb $0xa9, %al\n"
	"	outb %al, $0x40\n"
	"	movb $0x04, %al\n"
	"	outb %al, $0x40\n"
	"	sti\n"
	"5:	hlt\n"
	"	cmpl $3, 0x500\n"
	"	jb 5b\n"
	"	jmp pass\n"
	"irq0:\n"
	"	incl 0x500\n"
	"	pushw %ax\n"
	"	movb $0x20, %al\n"
	"	outb %al, $0x20\n"
	"	popw %ax\n"
	"	iret\n";

/*
 * pc-testdev line 10, level-triggered in the ELCR: the first handler EOIs
 * with the line high (the 8259 must request again), the second lowers it
 * first (no third interrupt).
 */
static const char guest_pic_level[] =
	"	VEC 0x2a, irq10\n"
	"	movb $0x04, %al\n"		/* ELCR2 bit 2: IRQ 10 level */
	"	movw $0x4d1, %dx\n"
	"	outb %al, %dx\n"
	"	movb $0xfb, %al\n"		/* master: cascade only */
	"	outb %al, $0x21\n"
	"	movb $0xfb, %al\n"		/* slave: IRQ 10 */
	"	outb %al, $0xa1\n"
	"	LINE 10, 1\n"
	/*
	 * split wakes a halted vCPU without an interrupt (the EOI poll of
	 * vmm/machine_irq.c); the count is checked with interrupts off and
	 * "sti; hlt" halts, so the second interrupt cannot slip in between
	 */
	"5:	cli\n"
	"	cmpl $2, 0x500\n"
	"	jae 4f\n"
	"	sti\n"
	"	hlt\n"
	"	jmp 5b\n"
	"4:	sti\n"
	"	movl $2000, %ecx\n"		/* a spurious third would come at once */
	"6:	loop 6b\n"
	"	cli\n"
	"	cmpl $2, 0x500\n"
	"	je pass\n"
	"	FAIL 1\n"
	"irq10:\n"
	"	pushal\n"
	"	incl 0x500\n"
	"	cmpl $1, 0x500\n"
	"	je 7f\n"
	"	LINE 10, 0\n"
	"7:	movb $0x20, %al\n"
	"	outb %al, $0xa0\n"
	"	outb %al, $0x20\n"
	"	popal\n"
	"	iret\n";

/*
 * pc-testdev line 10 through IOAPIC pin 10 (level, vector 0x40, APIC 0):
 * the first handler EOIs the LAPIC with the line high (remote IRR cleared
 * by the EOI broadcast, the pin fires again), the second lowers it first.
 * At the end remote IRR must be clear and nothing more arrives.
 */
static const char guest_ioapic_level[] =
	"	VEC 0x40, vec40\n"
	"	APIC_W 0xf0, 0x1ff\n"		/* SVR: enabled, spurious 0xff */
	"	APIC_W 0x80, 0\n"		/* TPR */
	"	IOAPIC_W 0x25, 0\n"		/* pin 10 destination: APIC ID 0 */
	"	IOAPIC_W 0x24, 0x8040\n"	/* level, fixed, vector 0x40, unmasked */
	"	LINE 10, 1\n"
	/*
	 * split wakes a halted vCPU without an interrupt (the EOI poll of
	 * vmm/machine_irq.c); the count is checked with interrupts off and
	 * "sti; hlt" halts, so the second interrupt cannot slip in between
	 */
	"5:	cli\n"
	"	cmpl $2, 0x500\n"
	"	jae 4f\n"
	"	sti\n"
	"	hlt\n"
	"	jmp 5b\n"
	"4:	sti\n"
	"	movl $2000, %ecx\n"
	"6:	loop 6b\n"
	"	cli\n"
	"	IOAPIC_R 0x24\n"
	"	testl $0x4000, %eax\n"		/* remote IRR */
	"	jz 7f\n"
	"	FAIL 2\n"
	"7:	cmpl $2, 0x500\n"
	"	je pass\n"
	"	movb $0x11, %al\n"		/* more than two: PASS_EXTRA */
	"	outb %al, $0xf4\n"
	"	STOP\n"
	"vec40:\n"
	"	pushal\n"
	"	incl 0x500\n"
	"	cmpl $1, 0x500\n"
	"	je 8f\n"
	"	LINE 10, 0\n"
	"8:	APIC_W 0xb0, 0\n"		/* EOI */
	"	popal\n"
	"	iret\n";

/* LAPIC timer, periodic, three ticks; then a self-IPI through the ICR. */
static const char guest_lapic_timer[] =
	"	VEC 0x50, vec50\n"
	"	VEC 0x51, vec51\n"
	"	APIC_W 0xf0, 0x1ff\n"
	"	APIC_W 0x3e0, 0xb\n"		/* divide by 1 */
	"	APIC_W 0x320, 0x20050\n"	/* periodic, vector 0x50 */
	"	APIC_W 0x380, 500000\n"		/* 0.5 ms at 1 GHz */
	"	sti\n"
	"5:	hlt\n"
	"	cmpl $3, 0x500\n"
	"	jb 5b\n"
	"	cli\n"
	"	APIC_W 0x320, 0x10050\n"	/* masked */
	"	APIC_W 0x380, 0\n"
	"	APIC_W 0x300, 0x44051\n"	/* self, fixed, vector 0x51 */
	"	sti\n"
	"6:	hlt\n"
	"	cmpl $1, 0x504\n"
	"	jb 6b\n"
	"	jmp pass\n"
	"vec50:\n"
	"	pushal\n"
	"	incl 0x500\n"
	"	APIC_W 0xb0, 0\n"
	"	popal\n"
	"	iret\n"
	"vec51:\n"
	"	pushal\n"
	"	incl 0x504\n"
	"	APIC_W 0xb0, 0\n"
	"	popal\n"
	"	iret\n";

/*
 * x2APIC: CPUID says it, the APIC base MSR switches to it, the ID and
 * version read through MSRs, a self-IPI through SELF_IPI, EOI through MSR.
 */
static const char guest_x2apic[] =
	"	VEC 0x52, vec52\n"
	"	movl $1, %eax\n"
	"	cpuid\n"
	"	testl $(1 << 21), %ecx\n"
	"	jnz 1f\n"
	"	FAIL 1\n"
	"1:	movl $0x1b, %ecx\n"
	"	rdmsr\n"
	"	orl $0xc00, %eax\n"
	"	wrmsr\n"
	"	rdmsr\n"
	"	testl $0x400, %eax\n"
	"	jnz 2f\n"
	"	FAIL 2\n"
	"2:	movl $0x802, %ecx\n"		/* ID: 0 on the BSP */
	"	rdmsr\n"
	"	testl %eax, %eax\n"
	"	jz 3f\n"
	"	FAIL 3\n"
	"3:	movl $0x803, %ecx\n"		/* version 0x14 */
	"	rdmsr\n"
	"	cmpb $0x14, %al\n"
	"	je 4f\n"
	"	FAIL 4\n"
	"4:	movl $0x80f, %ecx\n"		/* SVR */
	"	movl $0x1ff, %eax\n"
	"	xorl %edx, %edx\n"
	"	wrmsr\n"
	"	movl $0x83f, %ecx\n"		/* SELF_IPI */
	"	movl $0x52, %eax\n"
	"	wrmsr\n"
	"	sti\n"
	"5:	hlt\n"
	"	cmpl $1, 0x500\n"
	"	jb 5b\n"
	"	jmp pass\n"
	"vec52:\n"
	"	incl 0x500\n"
	"	pushal\n"
	"	movl $0x80b, %ecx\n"		/* EOI */
	"	xorl %eax, %eax\n"
	"	xorl %edx, %edx\n"
	"	wrmsr\n"
	"	popal\n"
	"	iret\n";

/* -smp 2: INIT and SIPI (vector 0xf1: 0xF1000) to APIC 1, which counts itself in. */
static const char guest_sipi[] =
	"	APIC_W 0xf0, 0x1ff\n"
	"	APIC_W 0x310, 0x01000000\n"	/* destination APIC 1 */
	"	APIC_W 0x300, 0x4500\n"		/* INIT, assert */
	"	APIC_W 0x310, 0x01000000\n"
	"	APIC_W 0x300, 0x46f1\n"		/* SIPI, vector 0xf1 */
	"	movl $0x1000000, %ecx\n"
	"5:	cmpw $1, 0x600\n"
	"	je pass\n"
	"	pause\n"
	"	addr32 loop 5b\n"
	"	FAIL 1\n";

/* Assemble head + body + tail into a 64 KiB image; NULL (and *why) if the tools are missing. */
static char *build_guest(const char *body, const char **why)
{
	char *src_path, *obj_path, *bin_path;
	size_t len = strlen(guest_head) + strlen(body) + strlen(guest_tail);
	char *src = malloc(len + 1);
	struct run_result r;
	size_t got = 0;
	void *img;

	ck_assert_ptr_nonnull(src);
	snprintf(src, len + 1, "%s%s%s", guest_head, body, guest_tail);
	src_path = harness_write_temp(src, len, ".S");
	free(src);
	ck_assert_ptr_nonnull(src_path);
	ck_assert_int_ge(asprintf(&obj_path, "%s.o", src_path), 0);
	ck_assert_int_ge(asprintf(&bin_path, "%s.bin", src_path), 0);
	{
		char *as_argv[] = { "as", "--32", "-o", obj_path, src_path, NULL };
		if (harness_run(as_argv, 30, &r) < 0 || r.status == -1 || r.status == 127) {
			*why = "as (binutils) is not installed";
			harness_free(&r);
			goto out_none;
		}
		ck_assert_msg(r.status == 0, "as failed: %s", r.err);
		harness_free(&r);
	}
	{
		char *ld_argv[] = { "ld", "-m", "elf_i386", "-e", "0", "-Ttext=0", "--oformat", "binary",
				    "-o", bin_path, obj_path, NULL };
		ck_assert_int_eq(harness_run(ld_argv, 30, &r), 0);
		ck_assert_msg(r.status == 0, "ld failed: %s", r.err);
		harness_free(&r);
	}
	img = harness_read_file(bin_path, &got);
	ck_assert_ptr_nonnull(img);
	ck_assert_uint_eq(got, BIOS_SIZE);
	free(img);
	unlink(src_path);
	unlink(obj_path);
	free(src_path);
	free(obj_path);
	return bin_path;
out_none:
	unlink(src_path);
	free(src_path);
	free(obj_path);
	free(bin_path);
	return NULL;
}

static struct run_result run_guest(const char *bios, const char *mode, unsigned smp)
{
	char machine[64], smp_s[16];
	char *argv[] = {
		(char *)harness_build_path("bringup"), "-accel", "kvm", "-M", machine,
		"-smp", smp_s, "-bios", (char *)bios, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
		"-device", "pc-testdev", "-nodefaults", "-display", "none", "-no-reboot",
		"-d", "int,ioport", NULL,
	};
	struct run_result r;

	snprintf(machine, sizeof(machine), "pc,kernel-irqchip=%s", mode);
	snprintf(smp_s, sizeof(smp_s), "%u", smp);
	ck_assert_int_eq(harness_run(argv, RUN_TIMEOUT, &r), 0);
	return r;
}

static const char *const modes[] = { "on", "split", "off" };

/*
 * split, IOAPIC guest: this host's KVM (PVM) applies a guest's EOI twice
 * when the vector is delivered again: at the first exit inside the second
 * handler it clears that vector's ISR bit and reports another
 * KVM_EXIT_IOAPIC_EOI, though the guest has not EOI'd. If that exit comes
 * before the handler lowers the line (an EOI-poll kick on a loaded host
 * does it), our IOAPIC rightly answers an EOI with the line high by firing
 * again. Such a third interrupt is the host's; accept it only with that
 * evidence in the log: an EOI exit after the second delivery and before
 * the line went low.
 */
static bool host_double_eoi(const char *err)
{
	const char *fire = "ioapic: pin 10 -> vector 0x40";
	const char *p = strstr(err, fire), *eoi, *low;
	int fires = 0;

	for (const char *q = p; q; q = strstr(q + 1, fire))
		fires++;
	p = p ? strstr(p + 1, fire) : NULL;
	if (!p || fires != 3)
		return false;
	eoi = strstr(p, "kvm: IOAPIC EOI exit, vector 0x40");
	low = strstr(p, "ioport: out8 0x200a <- 0x0");
	return eoi && (!low || eoi < low);
}

/* QEMU (-M pc, tcg), the reference board: proves the guest itself. */
static void qemu_reference(const char *name, const char *bios, unsigned smp, int also_ok)
{
	char smp_s[16], label[96];
	char *argv[] = {
		"qemu-system-x86_64", "-M", "pc", "-accel", "tcg", "-cpu", "max", "-smp", smp_s,
		"-bios", (char *)bios, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
		"-device", "pc-testdev", "-nodefaults", "-display", "none", NULL,
	};
	struct run_result r;

	snprintf(smp_s, sizeof(smp_s), "%u", smp);
	ck_assert_int_eq(harness_run(argv, RUN_TIMEOUT, &r), 0);
	if (r.status == 127 || r.status == -1) {
		snprintf(label, sizeof(label), "vmm_irqchip %s on QEMU", name);
		harness_skip(label, "qemu-system-x86_64 is not installed");
	} else {
		ck_assert_msg(!r.timed_out && (r.status == GUEST_PASS || r.status == also_ok),
			      "%s on QEMU tcg: status %d%s; stderr: %s", name, r.status,
			      r.timed_out ? " (timed out)" : "", r.err);
	}
	harness_free(&r);
}

/*
 * Run one guest on QEMU and then in every mode (or skip); each must exit
 * with GUEST_PASS. qemu_also_ok: another status QEMU may give (a CPU
 * feature its TCG lacks). on_also_ok: another status kernel-irqchip=on may
 * give (what KVM's in-kernel chips do on this host, QEMU's KVM mode alike).
 */
static void guest_case(const char *name, const char *body, unsigned smp, int qemu_also_ok,
		       int on_also_ok)
{
	const char *why = harness_kvm_unusable();
	char label[96];
	char *bios;

	snprintf(label, sizeof(label), "vmm_irqchip %s", name);
	bios = build_guest(body, &why);
	if (!bios) {
		harness_skip(label, why);
		return;
	}
	qemu_reference(name, bios, smp, qemu_also_ok);
	why = harness_kvm_unusable();
	if (why) {
		harness_skip(label, why);
		goto out;
	}
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct run_result r = run_guest(bios, modes[i], smp);
		bool ok = r.status == GUEST_PASS || (i == 0 && r.status == on_also_ok) ||
			  (i == 1 && on_also_ok == GUEST_PASS_EXTRA && r.status == GUEST_PASS_EXTRA &&
			   host_double_eoi(r.err));

		ck_assert_msg(!r.timed_out, "%s, kernel-irqchip=%s: timed out; stderr: %s", name,
			      modes[i], r.err);
		ck_assert_msg(ok, "%s, kernel-irqchip=%s: status %d (33 = pass, 65+2n = FAIL n, "
			      "255 = unexpected vector); stderr: %.4000s", name, modes[i], r.status, r.err);
		harness_free(&r);
	}
out:
	unlink(bios);
	free(bios);
}

START_TEST(test_pic_pit)
{
	guest_case("8259 + PIT", guest_pic_pit, 1, 0, 0);
}
END_TEST

START_TEST(test_pic_level_refire)
{
	guest_case("8259 level line re-fires after EOI", guest_pic_level, 1, 0, 0);
}
END_TEST

START_TEST(test_ioapic_level_refire)
{
	/*
	 * This host's in-kernel IOAPIC (with QEMU's kernel-irqchip=on too)
	 * delivers the vector once more after the line went low and remote IRR
	 * was cleared (every run here): the host applies the guest's EOI twice,
	 * see host_double_eoi(). Split gets the same only when an exit comes
	 * early in the second handler, and is checked for that; off and QEMU's
	 * TCG never do.
	 */
	guest_case("IOAPIC level line re-fires after EOI", guest_ioapic_level, 1, 0,
		   GUEST_PASS_EXTRA);
}
END_TEST

START_TEST(test_lapic_timer_self_ipi)
{
	guest_case("LAPIC timer and self-IPI", guest_lapic_timer, 1, 0, 0);
}
END_TEST

START_TEST(test_x2apic_msrs)
{
	/* QEMU's TCG has no x2APIC: FAIL 1 (CPUID) is its answer */
	guest_case("x2APIC MSRs", guest_x2apic, 1, 67, 0);
}
END_TEST

START_TEST(test_init_sipi)
{
	guest_case("INIT/SIPI of an AP", guest_sipi, 2, 0, 0);
}
END_TEST

/* An unknown mode is a clean command-line error, not a crash. */
START_TEST(test_bad_mode)
{
	char *argv[] = { (char *)harness_build_path("bringup"), "-accel", "kvm", "-M",
			 "pc,kernel-irqchip=maybe", "-nodefaults", "-display", "none", NULL };
	struct run_result r;

	ck_assert_int_eq(harness_run(argv, RUN_TIMEOUT, &r), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(harness_count_lines(r.err), 1);
	ck_assert_msg(strstr(r.err, "kernel-irqchip"), "stderr: %s", r.err);
	harness_free(&r);
}
END_TEST

/* ---- shared GSIs: device_connect_irq() gives each device its own OR-ed source ---- */

static void probe_set(void *opaque, int n, int level)
{
	int *levels = opaque;

	if (n >= 0 && n < 16)
		levels[n] = level;
}

START_TEST(test_shared_gsi_is_or)
{
	struct board b;
	struct board_err err = { 0 };
	struct device *router, *d1, *d2;
	struct irq_line l1 = { 0 }, l2 = { 0 };
	struct gsi_router *gr;
	int levels[16] = { 0 };

	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_int_eq(board_set_ram(&b, 16 << 20, 0, &err), 0);
	board_lock(&b);
	ck_assert_msg(device_create(&b, "gsi-router", "gsi", NULL, -1, NULL, &router, &err) == 0,
		      "%s", err.msg);
	gr = gsi_router_find(&b);
	ck_assert_ptr_nonnull(gr);
	/* a probe in place of the 8259 */
	gsi_router_set_sinks(gr, &(struct gsi_sinks){ .pic = probe_set, .pic_opaque = levels });
	ck_assert_msg(device_create(&b, "port92", "a", NULL, -1, "interrupts=5", &d1, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(device_create(&b, "port80", "b", NULL, -1, "interrupts=5", &d2, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(device_connect_irq(d1, 0, &l1, &err), 0);
	ck_assert_int_eq(device_connect_irq(d2, 0, &l2, &err), 0);
	irq_raise(&l1);
	ck_assert_int_eq(levels[5], 1);
	irq_raise(&l2);
	irq_lower(&l1);		/* the other device still holds the line */
	ck_assert_int_eq(levels[5], 1);
	ck_assert_int_eq(gsi_router_input_level(gr, 5), 1);
	irq_lower(&l2);
	ck_assert_int_eq(levels[5], 0);
	ck_assert_ptr_nonnull(router);
	board_unlock(&b);
	board_destroy(&b);
}
END_TEST

Suite *vmm_irqchip_suite(void)
{
	Suite *s = suite_create("vmm_irqchip");
	TCase *tc = tcase_create("kvm");
	TCase *unit = tcase_create("board");

	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_pic_pit);
	tcase_add_test(tc, test_pic_level_refire);
	tcase_add_test(tc, test_ioapic_level_refire);
	tcase_add_test(tc, test_lapic_timer_self_ipi);
	tcase_add_test(tc, test_x2apic_msrs);
	tcase_add_test(tc, test_init_sipi);
	tcase_add_test(tc, test_bad_mode);
	suite_add_tcase(s, tc);
	tcase_add_test(unit, test_shared_gsi_is_or);
	suite_add_tcase(s, unit);
	return s;
}
