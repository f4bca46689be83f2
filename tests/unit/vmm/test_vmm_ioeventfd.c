/*
 * Virtio notifications through KVM ioeventfd and irqfd (vmm/machine_ioeventfd.c).
 *
 * Tiny guests built here as 64 KiB BIOS images (flat 32-bit protected mode,
 * interrupts off, everything polled) drive one virtio-rng request queue:
 * virtio-rng-pci with MSI-X on the pc board, virtio-rng-device in a
 * virtio-mmio slot on microvm. Each checks the request completed, that the
 * interrupt reached the LAPIC (its IRR bit: the vCPU never takes it), and
 * exits through isa-debug-exit with 0x10 (status 33) or a step's code.
 * `-d mmio,int` shows the path: under KVM the kick is an "ioeventfd ...
 * kicked" line and no MMIO write of the notify register reaches the board;
 * the interrupt an "irqfd" line. Under tcg the same guests pass through the
 * plain dispatch path (the kick is an "mmio: write" line).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define BIOS_SIZE	0x10000
#define CODE32_BASE	0xffff0000u	/* image offset 0: 32-bit code */
#define CODE16_OFF	0xff00		/* 16-bit entry, reached from the reset vector */
#define GDT_OFF		0xffc0
#define GDTR_OFF	0xffe0
#define RESET_OFF	0xfff0

#define PASS_CODE	0x10
#define PASS_STATUS	((PASS_CODE << 1) | 1)

/* guest RAM: the ring and the buffer */
#define DESC		0x10000u
#define AVAIL		0x11000u
#define USED		0x12000u
#define BUF		0x13000u
#define BUF_LEN		16u
#define QSIZE		8u

/* LAPIC */
#define LAPIC_SVR	0xfee000f0u
#define LAPIC_IRR2	0xfee00220u	/* vectors 0x40-0x5f */

/* pc: virtio-rng-pci at 00:04.0 */
#define RNG_DEVFN	0x20u
#define MSIX_BAR	0xfebf0000u
#define MODERN_BAR	0xfe000000u
#define MOVED_BAR	0xfe100000u
#define MSI_VECTOR	0x45u
#define NOTIFY_OFF	0x3000u

/* microvm: the first virtio-mmio slot, GSI 16 */
#define MMIO_SLOT	0xfeb00000u
#define IOAPIC_SEL	0xfec00000u
#define IOAPIC_WIN	0xfec00010u
#define GSI_VECTOR	0x46u

/* ---- a few x86 instructions, 32-bit operand size unless named ---- */

struct code {
	uint8_t *img;
	size_t pos;			/* image offset */
};

static void e8(struct code *c, uint8_t v)
{
	ck_assert(c->pos < CODE16_OFF);
	c->img[c->pos++] = v;
}

static void e16(struct code *c, uint16_t v)
{
	e8(c, (uint8_t)v);
	e8(c, (uint8_t)(v >> 8));
}

static void e32(struct code *c, uint32_t v)
{
	e16(c, (uint16_t)v);
	e16(c, (uint16_t)(v >> 16));
}

static void st32(struct code *c, uint32_t addr, uint32_t v)	/* mov dword [addr], v */
{
	e8(c, 0xc7); e8(c, 0x05); e32(c, addr); e32(c, v);
}

static void st16(struct code *c, uint32_t addr, uint16_t v)	/* mov word [addr], v */
{
	e8(c, 0x66); e8(c, 0xc7); e8(c, 0x05); e32(c, addr); e16(c, v);
}

static void st8(struct code *c, uint32_t addr, uint8_t v)	/* mov byte [addr], v */
{
	e8(c, 0xc6); e8(c, 0x05); e32(c, addr); e8(c, v);
}

static void ld32(struct code *c, uint32_t addr)		/* mov eax, [addr] */
{
	e8(c, 0xa1); e32(c, addr);
}

static void ld16(struct code *c, uint32_t addr)		/* movzx eax, word [addr] */
{
	e8(c, 0x0f); e8(c, 0xb7); e8(c, 0x05); e32(c, addr);
}

static void ld8(struct code *c, uint32_t addr)		/* movzx eax, byte [addr] */
{
	e8(c, 0x0f); e8(c, 0xb6); e8(c, 0x05); e32(c, addr);
}

static void and_eax(struct code *c, uint32_t v)
{
	e8(c, 0x25); e32(c, v);
}

/* cmp eax, v; je ok; mov al, code; out 0xf4, al; jmp $; ok: */
static void expect(struct code *c, uint32_t v, uint8_t code)
{
	e8(c, 0x3d); e32(c, v);
	e8(c, 0x74); e8(c, 6);
	e8(c, 0xb0); e8(c, code); e8(c, 0xe6); e8(c, 0xf4); e8(c, 0xeb); e8(c, 0xfe);
}

static void debug_exit(struct code *c, uint8_t code)
{
	e8(c, 0xb0); e8(c, code); e8(c, 0xe6); e8(c, 0xf4); e8(c, 0xeb); e8(c, 0xfe);
}

/* PCI config mechanism #1, bus 0 */
static void cfg_addr(struct code *c, unsigned devfn, unsigned off)
{
	e8(c, 0xb8); e32(c, 0x80000000u | devfn << 8 | (off & 0xfc));	/* mov eax, addr */
	e8(c, 0xba); e32(c, 0xcf8);					/* mov edx, 0xcf8 */
	e8(c, 0xef);							/* out dx, eax */
}

static void cfg_write32(struct code *c, unsigned devfn, unsigned off, uint32_t v)
{
	cfg_addr(c, devfn, off);
	e8(c, 0xb8); e32(c, v);
	e8(c, 0xba); e32(c, 0xcfc);
	e8(c, 0xef);
}

static void cfg_write16(struct code *c, unsigned devfn, unsigned off, uint16_t v)
{
	cfg_addr(c, devfn, off);
	e8(c, 0xb8); e32(c, v);
	e8(c, 0xba); e32(c, 0xcfc + (off & 2));
	e8(c, 0x66); e8(c, 0xef);			/* out dx, ax */
}

static void cfg_read32(struct code *c, unsigned devfn, unsigned off)
{
	cfg_addr(c, devfn, off);
	e8(c, 0xba); e32(c, 0xcfc);
	e8(c, 0xed);					/* in eax, dx */
}

/* Until (load of addr) & mask == want, at most n times, else exit with code. */
static void poll(struct code *c, unsigned width, uint32_t addr, uint32_t mask, uint32_t want,
		 uint32_t n, uint8_t code)
{
	size_t top, jne;

	e8(c, 0xb9); e32(c, n);				/* mov ecx, n */
	top = c->pos;
	e8(c, 0xf3); e8(c, 0x90);			/* pause */
	if (width == 4)
		ld32(c, addr);
	else
		ld16(c, addr);
	and_eax(c, mask);
	e8(c, 0x3d); e32(c, want);			/* cmp eax, want */
	e8(c, 0x74); e8(c, 13);				/* je done */
	e8(c, 0x49);					/* dec ecx */
	e8(c, 0x0f); e8(c, 0x85);			/* jnz top */
	jne = c->pos + 4;
	e32(c, (uint32_t)((int32_t)top - (int32_t)jne));
	debug_exit(c, code);				/* done: 1 + 6 + 6 bytes after the je */
}

/* One request: a 16-byte device-writable buffer as avail entry n (0-based). */
static void post_request(struct code *c, unsigned n)
{
	st32(c, DESC, BUF);
	st32(c, DESC + 4, 0);
	st32(c, DESC + 8, BUF_LEN);
	st32(c, DESC + 12, 2);				/* VRING_DESC_F_WRITE, next 0 */
	st16(c, AVAIL + 4 + 2 * n, 0);			/* head: descriptor 0 */
	st16(c, AVAIL + 2, (uint16_t)(n + 1));		/* avail.idx */
}

static void check_used(struct code *c, unsigned n, uint8_t code)
{
	poll(c, 2, USED + 2, 0xffff, n + 1, 20000000, code);
	ld32(c, USED + 4 + 8 * n);			/* id */
	expect(c, 0, code + 1);
	ld32(c, USED + 8 + 8 * n);			/* len */
	expect(c, BUF_LEN, code + 1);
}

/* n more requests (entries 2..n+1, all descriptor 0), each kicked and waited for. */
static void many_requests(struct code *c, uint32_t notify, unsigned n)
{
	size_t top, poll_top, at;

	e8(c, 0xbe); e32(c, 2);				/* mov esi, 2: requests so far */
	top = c->pos;
	e8(c, 0x46);					/* inc esi */
	e8(c, 0x89); e8(c, 0xf0);			/* mov eax, esi */
	e8(c, 0x66); e8(c, 0xa3); e32(c, AVAIL + 2);	/* mov [avail.idx], ax */
	st16(c, notify, 0);
	e8(c, 0xb9); e32(c, 20000000);			/* mov ecx, bound */
	poll_top = c->pos;
	e8(c, 0xf3); e8(c, 0x90);			/* pause */
	ld16(c, USED + 2);
	e8(c, 0x39); e8(c, 0xf0);			/* cmp eax, esi */
	e8(c, 0x74); e8(c, 13);				/* je next */
	e8(c, 0x49);					/* dec ecx */
	e8(c, 0x0f); e8(c, 0x85);			/* jnz poll_top */
	at = c->pos + 4;
	e32(c, (uint32_t)((int32_t)poll_top - (int32_t)at));
	debug_exit(c, 0x29);
	e8(c, 0x81); e8(c, 0xfe); e32(c, n + 2);	/* next: cmp esi, n + 2 */
	e8(c, 0x0f); e8(c, 0x85);			/* jne top */
	at = c->pos + 4;
	e32(c, (uint32_t)((int32_t)top - (int32_t)at));
}

/* Reset vector -> 16-bit entry -> flat 32-bit segments -> image offset 0. */
static uint8_t *image_new(struct code *c)
{
	static const uint8_t gdt[] = {
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,	/* 0x08: code, 4 GiB, 32-bit */
		0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,	/* 0x10: data, 4 GiB */
	};
	static const uint8_t entry16[] = {
		0xfa,					/* cli */
		0x66, 0x2e, 0x0f, 0x01, 0x16, GDTR_OFF & 0xff, GDTR_OFF >> 8,	/* lgdt cs:[gdtr] */
		0x0f, 0x20, 0xc0,			/* mov eax, cr0 */
		0x0c, 0x01,				/* or al, 1 */
		0x0f, 0x22, 0xc0,			/* mov cr0, eax */
		0x66, 0xea, 0x00, 0x00, 0xff, 0xff, 0x08, 0x00,	/* jmp dword 0x08:0xffff0000 */
	};
	uint8_t *img = calloc(1, BIOS_SIZE);
	uint32_t gdt_base = CODE32_BASE + GDT_OFF;

	ck_assert_ptr_nonnull(img);
	memcpy(img + GDT_OFF, gdt, sizeof(gdt));
	img[GDTR_OFF] = sizeof(gdt) - 1;
	memcpy(img + GDTR_OFF + 2, &gdt_base, 4);
	memcpy(img + CODE16_OFF, entry16, sizeof(entry16));
	img[RESET_OFF] = 0xe9;					/* jmp near CODE16_OFF */
	img[RESET_OFF + 1] = (uint8_t)(CODE16_OFF - (RESET_OFF + 3));
	img[RESET_OFF + 2] = (uint8_t)((CODE16_OFF - (RESET_OFF + 3)) >> 8);
	*c = (struct code){ .img = img };
	/* mov ax, 0x10; mov ds/es/ss, ax */
	e8(c, 0x66); e8(c, 0xb8); e16(c, 0x10);
	e8(c, 0x8e); e8(c, 0xd8);
	e8(c, 0x8e); e8(c, 0xc0);
	e8(c, 0x8e); e8(c, 0xd0);
	st32(c, LAPIC_SVR, 0x1ff);			/* software-enable the LAPIC */
	return img;
}

static char *image_write(uint8_t *img)
{
	char *path = harness_write_temp(img, BIOS_SIZE, ".bin");

	free(img);
	return path;
}

/*
 * pc: virtio-rng-pci, MSI-X vector 0 -> 0x45; one request; BAR4 moved and a
 * second request kicked at the new place, then `more` requests there; then a
 * device reset.
 */
static char *pci_guest(unsigned more)
{
	struct code c;
	uint8_t *img = image_new(&c);
	uint32_t bar = MODERN_BAR;

	cfg_read32(&c, RNG_DEVFN, 0);
	expect(&c, 0x10441af4, 0x21);			/* 1af4:1044, virtio-rng modern */
	cfg_read32(&c, RNG_DEVFN, 0x40);
	and_eax(&c, 0xff);
	expect(&c, 0x11, 0x22);				/* MSI-X capability at 0x40 */
	cfg_write32(&c, RNG_DEVFN, 0x14, MSIX_BAR);
	cfg_write32(&c, RNG_DEVFN, 0x20, bar);
	cfg_write32(&c, RNG_DEVFN, 0x24, 0);
	cfg_write16(&c, RNG_DEVFN, 0x04, 0x6);		/* memory, bus master */
	cfg_write16(&c, RNG_DEVFN, 0x42, 0x8000);	/* MSI-X enable */
	st32(&c, MSIX_BAR + 0, 0xfee00000);
	st32(&c, MSIX_BAR + 4, 0);
	st32(&c, MSIX_BAR + 8, MSI_VECTOR);
	st32(&c, MSIX_BAR + 12, 0);			/* unmasked */

	st8(&c, bar + 0x14, 0);				/* status: reset */
	st8(&c, bar + 0x14, 1);
	st8(&c, bar + 0x14, 3);
	st32(&c, bar + 0x08, 1);			/* guest feature word 1 */
	st32(&c, bar + 0x0c, 1);			/* VERSION_1 */
	st8(&c, bar + 0x14, 0xb);
	ld8(&c, bar + 0x14);
	and_eax(&c, 8);
	expect(&c, 8, 0x23);				/* FEATURES_OK stuck */
	st16(&c, bar + 0x10, 0xffff);			/* no config vector */
	st16(&c, bar + 0x16, 0);			/* queue 0 */
	st16(&c, bar + 0x18, QSIZE);
	st16(&c, bar + 0x1a, 0);			/* its MSI-X vector */
	ld16(&c, bar + 0x1a);
	expect(&c, 0, 0x24);
	st32(&c, bar + 0x20, DESC); st32(&c, bar + 0x24, 0);
	st32(&c, bar + 0x28, AVAIL); st32(&c, bar + 0x2c, 0);
	st32(&c, bar + 0x30, USED); st32(&c, bar + 0x34, 0);
	st16(&c, bar + 0x1c, 1);			/* queue_enable */
	st8(&c, bar + 0x14, 0xf);			/* DRIVER_OK */

	post_request(&c, 0);
	st16(&c, bar + NOTIFY_OFF, 0);			/* kick queue 0 */
	check_used(&c, 0, 0x25);
	poll(&c, 4, LAPIC_IRR2, 1u << (MSI_VECTOR - 0x40), 1u << (MSI_VECTOR - 0x40), 200000, 0x27);

	bar = MOVED_BAR;
	cfg_write32(&c, RNG_DEVFN, 0x20, bar);
	post_request(&c, 1);
	st16(&c, bar + NOTIFY_OFF, 0);
	check_used(&c, 1, 0x28);
	if (more)
		many_requests(&c, bar + NOTIFY_OFF, more);

	st8(&c, bar + 0x14, 0);				/* device reset */
	ld8(&c, bar + 0x14);
	expect(&c, 0, 0x2a);
	debug_exit(&c, PASS_CODE);
	return image_write(img);
}

/*
 * microvm: virtio-rng-device in the first slot (GSI 16, IOAPIC pin 16 level
 * -> 0x46); one request, its interrupt acknowledged, a second request.
 */
static char *mmio_guest(void)
{
	struct code c;
	uint8_t *img = image_new(&c);
	const uint32_t s = MMIO_SLOT;

	ld32(&c, s + 0x000);
	expect(&c, 0x74726976, 0x21);			/* "virt" */
	ld32(&c, s + 0x008);
	expect(&c, 4, 0x22);				/* device ID: rng */
	st32(&c, IOAPIC_SEL, 0x10 + 2 * 16);
	st32(&c, IOAPIC_WIN, 0x8000 | GSI_VECTOR);	/* level, fixed, unmasked */
	st32(&c, IOAPIC_SEL, 0x10 + 2 * 16 + 1);
	st32(&c, IOAPIC_WIN, 0);			/* APIC ID 0 */

	st32(&c, s + 0x070, 0);
	st32(&c, s + 0x070, 1);
	st32(&c, s + 0x070, 3);
	st32(&c, s + 0x024, 1);
	st32(&c, s + 0x020, 1);				/* VERSION_1 */
	st32(&c, s + 0x070, 0xb);
	ld32(&c, s + 0x070);
	and_eax(&c, 8);
	expect(&c, 8, 0x23);
	st32(&c, s + 0x030, 0);
	st32(&c, s + 0x038, QSIZE);
	st32(&c, s + 0x080, DESC); st32(&c, s + 0x084, 0);
	st32(&c, s + 0x090, AVAIL); st32(&c, s + 0x094, 0);
	st32(&c, s + 0x0a0, USED); st32(&c, s + 0x0a4, 0);
	st32(&c, s + 0x044, 1);				/* QueueReady */
	st32(&c, s + 0x070, 0xf);

	post_request(&c, 0);
	st32(&c, s + 0x050, 0);				/* QueueNotify: queue 0 */
	check_used(&c, 0, 0x25);
	poll(&c, 4, LAPIC_IRR2, 1u << (GSI_VECTOR - 0x40), 1u << (GSI_VECTOR - 0x40), 200000, 0x27);
	ld32(&c, s + 0x060);
	expect(&c, 1, 0x28);				/* InterruptStatus: used buffer */
	st32(&c, s + 0x064, 1);				/* InterruptACK */

	post_request(&c, 1);
	st32(&c, s + 0x050, 0);
	check_used(&c, 1, 0x29);
	st32(&c, s + 0x070, 0);
	debug_exit(&c, PASS_CODE);
	return image_write(img);
}

static struct run_result run_guest(const char *bios, const char *machine, const char *accel,
				   const char *irqchip, const char *device)
{
	char mopt[64];
	char *argv[] = {
		(char *)harness_build_path("bringup"), "-M", mopt, "-accel", (char *)accel,
		"-bios", (char *)bios, "-m", "64", "-nodefaults", "-display", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x4", "-device", (char *)device,
		"-d", "mmio,int,unimp", NULL,
	};
	struct run_result r;

	snprintf(mopt, sizeof(mopt), "%s%s%s", machine, irqchip ? ",kernel-irqchip=" : "",
		 irqchip ? irqchip : "");
	ck_assert_int_eq(harness_run(argv, 120, &r), 0);
	return r;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * The ioeventfd lines of one notification address. A kick line is one pass
 * of the main loop: "kicked" is one guest write that produced one used
 * entry; "kicked (K kicks, U used entries)" anything else, since kicks that
 * reach the eventfd before the loop reads it coalesce (the guest polls the
 * used ring, so it can post and kick again while a pass still runs, and
 * that pass serves the new request too). Their sums are exact.
 */
struct kick_tally {
	int kicks;		/* guest writes caught */
	int used;		/* used entries produced */
	int passes_used;	/* passes that produced any: one MSI each (virtio-rng) */
	int off;		/* "off" lines */
	int lines;
};

static struct kick_tally kick_tally(const char *err, uint32_t addr)
{
	struct kick_tally t = { 0 };
	char prefix[64];
	const char *p = err;

	snprintf(prefix, sizeof(prefix), "mmio: ioeventfd 0x%x: ", addr);
	while ((p = strstr(p, prefix))) {
		const char *end = strchr(p, '\n');
		const char *k = strstr(p, " kicked");
		int kicks = 1, used = 1;

		if (!end)
			end = p + strlen(p);
		t.lines++;
		if (k && k < end) {
			if (k[7] == ' ')
				ck_assert_int_eq(sscanf(k, " kicked (%d kicks, %d used entries)",
							&kicks, &used), 2);
			else
				ck_assert_msg(k[7] == '\n', "bad kick line: %.*s", (int)(end - p), p);
			t.kicks += kicks;
			t.used += used;
			t.passes_used += used > 0;
		} else if (end - p >= 4 && !strncmp(end - 4, " off", 4)) {
			t.off++;
		}
		p = end;
	}
	return t;
}

#define NOTIFY_WRITE_1	"mmio: write16 0xfe003000 <- 0x0"
#define NOTIFY_WRITE_2	"mmio: write16 0xfe103000 <- 0x0"
#define MMIO_NOTIFY	"mmio: write32 0xfeb00050 <- 0x0"

static void pci_case(const char *accel, const char *irqchip, unsigned more, bool ioeventfd)
{
	int kicks = 2 + (int)more, msis;
	struct kick_tally t1, t2;
	char summary[128];
	const char *why = strcmp(accel, "kvm") ? NULL : harness_kvm_unusable();
	bool kvm = !strcmp(accel, "kvm");
	bool irqfd = kvm && (!irqchip || strcmp(irqchip, "off"));
	char *bios;
	struct run_result r;

	if (why) {
		harness_skip("vmm_ioeventfd pci", why);
		return;
	}
	bios = pci_guest(more);
	r = run_guest(bios, "pc", accel, irqchip, ioeventfd ? "virtio-rng-pci,devfn=0x20" :
		      "virtio-rng-pci,devfn=0x20,ioeventfd=off");
	ck_assert_msg(!r.timed_out && r.status == PASS_STATUS, "%s %s: status %d (guest code 0x%x); "
		      "stderr:\n%.4000s", accel, irqchip ? irqchip : "", r.status, r.status >> 1, r.err);
	if (kvm && ioeventfd) {
		/* every kick caught by the ioeventfd, at the old and the moved BAR */
		ck_assert_msg(strstr(r.err, "mmio: ioeventfd 0xfe003000 (2 bytes): /virtio-rng-pci@0 queue 0\n"),
			      "no registration at the first BAR:\n%.4000s", r.err);
		ck_assert_msg(strstr(r.err, "mmio: ioeventfd 0xfe103000 (2 bytes): /virtio-rng-pci@0 queue 0\n"),
			      "no registration at the moved BAR:\n%.4000s", r.err);
		t1 = kick_tally(r.err, MODERN_BAR + NOTIFY_OFF);
		t2 = kick_tally(r.err, MOVED_BAR + NOTIFY_OFF);
		ck_assert_int_eq(t1.kicks, 1);
		ck_assert_int_eq(t1.used, 1);
		ck_assert_int_eq(t1.off, 1);
		ck_assert_int_eq(t1.lines, 2);				/* kicked, off */
		ck_assert_int_eq(t2.kicks, kicks - 1);			/* every guest write */
		ck_assert_int_eq(t2.used, kicks - 1);			/* every request, once */
		ck_assert_int_eq(t2.off, 1);
		ck_assert_int_eq(count(r.err, "queue 0 kicked"), t1.lines + t2.lines - 2);
		msis = t1.passes_used + t2.passes_used;
		ck_assert_int_ge(msis, 2);
		ck_assert_msg(!strstr(r.err, NOTIFY_WRITE_1) && !strstr(r.err, NOTIFY_WRITE_2),
			      "a kick reached the board as an MMIO exit:\n%.4000s", r.err);
		ck_assert_msg(!strstr(r.err, "ioeventfd: "), "fell back:\n%.4000s", r.err);
	} else {
		ck_assert_int_eq(count(r.err, NOTIFY_WRITE_1), 1);
		ck_assert_int_eq(count(r.err, NOTIFY_WRITE_2), kicks - 1);
		ck_assert_msg(!strstr(r.err, "ioeventfd 0x"), "%.4000s", r.err);
		msis = kicks;		/* each served on the vCPU's exit, one at a time */
	}
	/* the counters at exit */
	snprintf(summary, sizeof(summary), "notify: %d kicks through ioeventfd, %d MSIs and 0 GSI "
		 "raises through irqfd\n", kvm && ioeventfd ? kicks : 0, irqfd ? msis : 0);
	if (kvm && (ioeventfd || irqfd))
		ck_assert_msg(strstr(r.err, summary), "want '%s':\n%.4000s", summary, r.err);
	else
		ck_assert_msg(!strstr(r.err, "kicks through"), "%.4000s", r.err);
	if (irqfd)
		ck_assert_int_eq(count(r.err, "int: irqfd MSI 0xfee00000 data 0x45\n"), msis);
	else
		ck_assert_msg(!strstr(r.err, "int: irqfd"), "%.4000s", r.err);
	harness_free(&r);
	unlink(bios);
	free(bios);
}

START_TEST(test_pci_kvm_on)
{
	pci_case("kvm", NULL, 0, true);
}
END_TEST

START_TEST(test_pci_kvm_split)
{
	pci_case("kvm", "split", 0, true);
}
END_TEST

START_TEST(test_pci_kvm_off)
{
	pci_case("kvm", "off", 0, true);
}
END_TEST

START_TEST(test_pci_tcg)
{
	pci_case("tcg", NULL, 100, true);
}
END_TEST

/*
 * 100 more requests: every kick caught by the ioeventfd and every request
 * served once; one MSI through irqfd per main-loop pass that served some
 * (fewer than the kicks when kicks coalesce, see kick_tally()).
 */
START_TEST(test_pci_kvm_many)
{
	pci_case("kvm", NULL, 100, true);
}
END_TEST

/* ioeventfd=off (QEMU's property): the kicks exit as before; irqfd still works */
START_TEST(test_pci_kvm_ioeventfd_off)
{
	pci_case("kvm", NULL, 0, false);
}
END_TEST

static void mmio_case(const char *accel, const char *irqchip)
{
	const char *why = strcmp(accel, "kvm") ? NULL : harness_kvm_unusable();
	bool kvm = !strcmp(accel, "kvm");
	bool irqfd = kvm && !irqchip;
	struct kick_tally t;
	char *bios;
	struct run_result r;

	if (why) {
		harness_skip("vmm_ioeventfd mmio", why);
		return;
	}
	bios = mmio_guest();
	r = run_guest(bios, "microvm", accel, irqchip, "virtio-rng-device");
	ck_assert_msg(!r.timed_out && r.status == PASS_STATUS, "%s %s: status %d (guest code 0x%x); "
		      "stderr:\n%.4000s", accel, irqchip ? irqchip : "", r.status, r.status >> 1, r.err);
	if (kvm) {
		ck_assert_msg(strstr(r.err, "mmio: ioeventfd 0xfeb00050 (4 bytes, value must match): "
				     "/virtio-rng-device@0 queue 0\n"), "no datamatch registration:\n%.4000s", r.err);
		t = kick_tally(r.err, MMIO_SLOT + 0x50);
		ck_assert_int_eq(t.kicks, 2);
		ck_assert_int_eq(t.used, 2);
		ck_assert_int_eq(t.off, 1);
		ck_assert_msg(!strstr(r.err, MMIO_NOTIFY), "a kick exited:\n%.4000s", r.err);
	} else {
		ck_assert_int_eq(count(r.err, MMIO_NOTIFY), 2);
	}
	if (irqfd) {
		ck_assert_msg(strstr(r.err, "int: irqfd on GSI 16"), "%.4000s", r.err);
		ck_assert_msg(strstr(r.err, "int: irqfd GSI 16 raised"), "%.4000s", r.err);
	} else {
		ck_assert_msg(!strstr(r.err, "int: irqfd"), "%.4000s", r.err);
	}
	harness_free(&r);
	unlink(bios);
	free(bios);
}

START_TEST(test_mmio_kvm_on)
{
	mmio_case("kvm", NULL);
}
END_TEST

/* split: the slot's line goes through our IOAPIC (a level MSI): no irqfd */
START_TEST(test_mmio_kvm_split)
{
	mmio_case("kvm", "split");
}
END_TEST

START_TEST(test_mmio_kvm_off)
{
	mmio_case("kvm", "off");
}
END_TEST

START_TEST(test_mmio_tcg)
{
	mmio_case("tcg", NULL);
}
END_TEST

/*
 * A KVM without ioeventfd and irqfd, made by an LD_PRELOAD shim that fails
 * those two ioctls with ENOSYS: the guest still passes through exits and
 * the interrupt ioctls, and each fallback is said once under -d unimp.
 */
static const char shim_src[] =
	"#define _GNU_SOURCE\n"
	"#include <dlfcn.h>\n#include <errno.h>\n#include <stdarg.h>\n#include <linux/kvm.h>\n"
	"int ioctl(int fd, unsigned long req, ...)\n{\n"
	"	static int (*real)(int, unsigned long, ...);\n	va_list ap;\n	void *arg;\n"
	"	va_start(ap, req);\n	arg = va_arg(ap, void *);\n	va_end(ap);\n"
	"	if (!real)\n		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, \"ioctl\");\n"
	"	if (req == KVM_IOEVENTFD || req == KVM_IRQFD) {\n		errno = ENOSYS;\n		return -1;\n	}\n"
	"	return real(fd, req, arg);\n}\n";

START_TEST(test_pci_kvm_fallback)
{
	const char *why = harness_kvm_unusable();
	char *src, *so, *bios, asan[512];
	const char *old_asan = getenv("ASAN_OPTIONS");
	struct run_result r;

	if (why) {
		harness_skip("vmm_ioeventfd fallback", why);
		return;
	}
	src = harness_write_temp(shim_src, sizeof(shim_src) - 1, ".c");
	so = harness_write_temp("", 0, ".so");
	{
		char *cc[] = { "cc", "-shared", "-fPIC", "-o", so, src, "-ldl", NULL };

		ck_assert_int_eq(harness_run(cc, 60, &r), 0);
		ck_assert_msg(r.status == 0, "building the shim: %s", r.err);
		harness_free(&r);
	}
	bios = pci_guest(0);
	/* the test runs in its own forked process: the environment is ours to change */
	setenv("LD_PRELOAD", so, 1);
	snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0", old_asan ? old_asan : "",
		 old_asan ? ":" : "");
	setenv("ASAN_OPTIONS", asan, 1);
	r = run_guest(bios, "pc", "kvm", NULL, "virtio-rng-pci,devfn=0x20");
	unsetenv("LD_PRELOAD");
	ck_assert_msg(!r.timed_out && r.status == PASS_STATUS, "status %d (guest code 0x%x):\n%.4000s",
		      r.status, r.status >> 1, r.err);
	ck_assert_int_eq(count(r.err, "] ioeventfd: "), 1);
	ck_assert_int_eq(count(r.err, "; using MMIO/PIO exits instead\n"), 1);
	ck_assert_int_eq(count(r.err, "] irqfd: "), 1);
	ck_assert_int_eq(count(r.err, "; using the interrupt ioctls instead\n"), 1);
	ck_assert_int_eq(count(r.err, NOTIFY_WRITE_1), 1);
	ck_assert_int_eq(count(r.err, NOTIFY_WRITE_2), 1);
	ck_assert_msg(!strstr(r.err, "int: irqfd MSI") && !strstr(r.err, "kicked"), "%.4000s", r.err);
	harness_free(&r);
	unlink(bios);
	unlink(so);
	unlink(src);
	free(bios);
	free(so);
	free(src);
}
END_TEST

/* A bad ioeventfd= value: one line naming the property, exit 1. */
START_TEST(test_bad_ioeventfd_value)
{
	char *argv[] = {
		(char *)harness_build_path("bringup"), "-accel", "tcg", "-nodefaults", "-display",
		"none", "-device", "virtio-rng-pci,ioeventfd=maybe", NULL,
	};
	struct run_result r;

	ck_assert_int_eq(harness_run(argv, 30, &r), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(harness_count_lines(r.err), 1);
	ck_assert_msg(strstr(r.err, "property 'ioeventfd': bad value 'maybe' (on/off expected)"),
		      "stderr: %s", r.err);
	harness_free(&r);
}
END_TEST

Suite *vmm_ioeventfd_suite(void)
{
	Suite *s = suite_create("vmm_ioeventfd");
	TCase *tc = tcase_create("ioeventfd");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_pci_kvm_on);
	tcase_add_test(tc, test_pci_kvm_split);
	tcase_add_test(tc, test_pci_kvm_off);
	tcase_add_test(tc, test_pci_tcg);
	tcase_add_test(tc, test_pci_kvm_many);
	tcase_add_test(tc, test_pci_kvm_ioeventfd_off);
	tcase_add_test(tc, test_mmio_kvm_on);
	tcase_add_test(tc, test_mmio_kvm_split);
	tcase_add_test(tc, test_mmio_kvm_off);
	tcase_add_test(tc, test_mmio_tcg);
	tcase_add_test(tc, test_pci_kvm_fallback);
	tcase_add_test(tc, test_bad_ioeventfd_value);
	suite_add_tcase(s, tc);
	return s;
}
