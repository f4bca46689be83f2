/*
 * KVM vCPUs: CPUID, the architectural reset state, register access and the
 * run loop that turns every exit into a call on the host (the board).
 */
#include "vmm/accel/kvm/kvm_int.h"
#include "board/log.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_CPUID_ENTRIES 512

/* The debugger's state of a vCPU (set_debug, below). */
struct kvm_vcpu_debug {
	struct accel_debug d;
	int caps;			/* KVM_CAP_SET_GUEST_DEBUG2: control bits, 0 unknown */
	bool resume_valid;		/* the last stop was the breakpoint at resume_lin */
	uint64_t resume_lin;
	bool stepping_over;		/* one step with no breakpoint, off resume_lin */
};

/* A vCPU: kvm_int.h's part first (v->priv points at it), then ours. */
struct kvm_vcpu_full {
	struct kvm_vcpu_priv p;
	struct kvm_vcpu_debug dbg;
};

static struct kvm_vcpu_debug *vcpu_debug(struct vcpu *v)
{
	return &((struct kvm_vcpu_full *)v->priv)->dbg;
}

/* ---- CPUID ------------------------------------------------------------------ */

int kvm_cpuid_setup(struct accel *a, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	struct kvm_cpuid2 *c;
	struct cpuid_leaf *l, *leaf1;
	unsigned nent = 256;
	int ret;

	for (;;) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = nent;
		if (ioctl(vm->sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		ret = -errno;
		free(c);
		if (ret != -E2BIG || nent >= MAX_CPUID_ENTRIES) {
			snprintf(err, errlen, "/dev/kvm: KVM_GET_SUPPORTED_CPUID: %s", strerror(-ret));
			return ret;
		}
		nent *= 2;
	}
	l = calloc(c->nent ? c->nent : 1, sizeof(*l));
	if (!l) {
		free(c);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < c->nent; i++) {
		l[i].function = c->entries[i].function;
		l[i].index = c->entries[i].index;
		l[i].indexed = c->entries[i].flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		l[i].eax = c->entries[i].eax;
		l[i].ebx = c->entries[i].ebx;
		l[i].ecx = c->entries[i].ecx;
		l[i].edx = c->entries[i].edx;
	}
	vm->cpuid = l;
	vm->ncpuid = c->nent;
	free(c);
	if (cpuid_apply(l, vm->ncpuid, a->cfg.cpu_model, a->cfg.cpu_flags, a->cfg.ncpu_flags,
			err, errlen))
		return -EINVAL;
	if (a->irqchip == IRQCHIP_OFF)
		kvm_userapic_cpuid(a, l, vm->ncpuid);
	leaf1 = cpuid_find(l, vm->ncpuid, 1, 0);
	vm->signature = leaf1 ? leaf1->eax : 0x600;
	return 0;
}

static int vcpu_set_cpuid(struct kvm_vm *vm, struct vcpu *v, int fd)
{
	struct cpuid_leaf *l = malloc((vm->ncpuid ? vm->ncpuid : 1) * sizeof(*l));
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + vm->ncpuid * sizeof(c->entries[0]));
	int ret = 0;

	if (!l || !c) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(l, vm->cpuid, vm->ncpuid * sizeof(*l));
	cpuid_set_vcpu(l, vm->ncpuid, v->apic_id, v->accel->cfg.ncpus);
	c->nent = vm->ncpuid;
	for (unsigned i = 0; i < vm->ncpuid; i++) {
		c->entries[i].function = l[i].function;
		c->entries[i].index = l[i].index;
		c->entries[i].flags = l[i].indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
		c->entries[i].eax = l[i].eax;
		c->entries[i].ebx = l[i].ebx;
		c->entries[i].ecx = l[i].ecx;
		c->entries[i].edx = l[i].edx;
	}
	if (kvm_ioctl_retry(fd, KVM_SET_CPUID2, c) < 0)
		ret = -errno;
out:
	free(l);
	free(c);
	return ret;
}

/* ---- kick ------------------------------------------------------------------------- */

static void kick_handler(int sig)
{
	/* nothing: the signal only makes KVM_RUN return -EINTR */
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;

static void kick_install(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	sigemptyset(&sa.sa_mask);
	sigaction(KVM_KICK_SIGNAL, &sa, NULL);
}

void kvm_split_unhalt(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;

	if (p && v->accel->irqchip == IRQCHIP_SPLIT)
		atomic_store(&p->unhalt, true);
}

void kvm_vcpu_kick(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;

	if (!p)
		return;
	/* immediate_exit covers the window before the thread enters KVM_RUN */
	__atomic_store_n(&p->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (v->thread_started)
		pthread_kill(v->thread, KVM_KICK_SIGNAL);
}

/* ---- create / destroy ------------------------------------------------------------- */

int kvm_vcpu_init(struct accel *a, struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	struct kvm_vcpu_full *full = calloc(1, sizeof(*full));
	struct kvm_vcpu_priv *p = &full->p;
	int ret;

	if (!full)
		return -ENOMEM;
	pthread_once(&kick_once, kick_install);
	v->accel = a;
	ret = kvm_irqchip_create(a, err, errlen);
	if (ret) {
		free(p);
		return ret;
	}
	p->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)v->apic_id);
	if (p->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "/dev/kvm: KVM_CREATE_VCPU %u: %s", v->index, strerror(errno));
		free(p);
		return ret;
	}
	p->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd, 0);
	if (p->run == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "/dev/kvm: mapping vCPU %u's run area: %s", v->index,
			 strerror(errno));
		close(p->fd);
		free(p);
		return ret;
	}
	ret = vcpu_set_cpuid(vm, v, p->fd);
	if (ret) {
		snprintf(err, errlen, "/dev/kvm: KVM_SET_CPUID2 on vCPU %u: %s", v->index,
			 strerror(-ret));
		munmap(p->run, (size_t)vm->run_size);
		close(p->fd);
		free(p);
		return ret;
	}
	v->priv = p;
	return 0;
}

void kvm_vcpu_destroy(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;

	if (!p)
		return;
	munmap(p->run, (size_t)kvm_vm_of(v->accel)->run_size);
	close(p->fd);
	free(p);
	v->priv = NULL;
}

/* ---- registers ---------------------------------------------------------------------- */

static void seg_to_kvm(const struct cpu_segment *s, struct kvm_segment *k)
{
	*k = (struct kvm_segment){
		.base = s->base, .limit = s->limit, .selector = s->selector, .type = s->type,
		.present = s->present, .dpl = s->dpl, .db = s->db, .s = s->s, .l = s->l,
		.g = s->g, .avl = s->avl, .unusable = s->unusable,
	};
}

static void seg_from_kvm(const struct kvm_segment *k, struct cpu_segment *s)
{
	*s = (struct cpu_segment){
		.base = k->base, .limit = k->limit, .selector = k->selector, .type = k->type,
		.present = k->present, .dpl = k->dpl, .db = k->db, .s = k->s, .l = k->l,
		.g = k->g, .avl = k->avl, .unusable = k->unusable,
	};
}

/* cpu_state order is ES CS SS DS FS GS LDT TR */
static struct kvm_segment *sreg_seg(struct kvm_sregs *sr, int i)
{
	struct kvm_segment *map[SEG_NR] = {
		&sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs, &sr->gs, &sr->ldt, &sr->tr,
	};
	return map[i];
}

int kvm_get_state(struct vcpu *v, struct cpu_state *s)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_regs r;
	struct kvm_sregs sr;

	if (ioctl(p->fd, KVM_GET_REGS, &r) < 0 || ioctl(p->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	*s = (struct cpu_state){ 0 };
	uint64_t gpr[CPU_NGPR] = { r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi,
				 r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };
	memcpy(s->gpr, gpr, sizeof(gpr));
	s->rip = r.rip;
	s->rflags = r.rflags;
	for (int i = 0; i < SEG_NR; i++)
		seg_from_kvm(sreg_seg(&sr, i), &s->seg[i]);
	s->gdt.base = sr.gdt.base;
	s->gdt.limit = sr.gdt.limit;
	s->idt.base = sr.idt.base;
	s->idt.limit = sr.idt.limit;
	s->cr0 = sr.cr0;
	s->cr2 = sr.cr2;
	s->cr3 = sr.cr3;
	s->cr4 = sr.cr4;
	s->cr8 = sr.cr8;
	s->efer = sr.efer;
	s->apic_base = sr.apic_base;
	if (kvm_vm_of(v->accel)->has_debugregs) {
		struct kvm_debugregs d;
		if (ioctl(p->fd, KVM_GET_DEBUGREGS, &d) == 0) {
			memcpy(s->dr, d.db, sizeof(d.db));
			s->dr[6] = d.dr6;
			s->dr[7] = d.dr7;
		}
	}
	return 0;
}

int kvm_set_state(struct vcpu *v, const struct cpu_state *s)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_regs r = {
		.rax = s->gpr[CPU_RAX], .rcx = s->gpr[CPU_RCX], .rdx = s->gpr[CPU_RDX],
		.rbx = s->gpr[CPU_RBX], .rsp = s->gpr[CPU_RSP], .rbp = s->gpr[CPU_RBP],
		.rsi = s->gpr[CPU_RSI], .rdi = s->gpr[CPU_RDI], .r8 = s->gpr[CPU_R8],
		.r9 = s->gpr[CPU_R9], .r10 = s->gpr[CPU_R10], .r11 = s->gpr[CPU_R11],
		.r12 = s->gpr[CPU_R12], .r13 = s->gpr[CPU_R13], .r14 = s->gpr[CPU_R14],
		.r15 = s->gpr[CPU_R15], .rip = s->rip, .rflags = s->rflags,
	};
	struct kvm_sregs sr;

	/* keep the interrupt bitmap KVM has; everything else is ours */
	if (ioctl(p->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	for (int i = 0; i < SEG_NR; i++)
		seg_to_kvm(&s->seg[i], sreg_seg(&sr, i));
	sr.gdt = (struct kvm_dtable){ .base = s->gdt.base, .limit = s->gdt.limit };
	sr.idt = (struct kvm_dtable){ .base = s->idt.base, .limit = s->idt.limit };
	sr.cr0 = s->cr0;
	sr.cr2 = s->cr2;
	sr.cr3 = s->cr3;
	sr.cr4 = s->cr4;
	sr.cr8 = s->cr8;
	sr.efer = s->efer;
	sr.apic_base = s->apic_base;
	if (kvm_ioctl_retry(p->fd, KVM_SET_SREGS, &sr) < 0 ||
	    kvm_ioctl_retry(p->fd, KVM_SET_REGS, &r) < 0)
		return -errno;
	if (kvm_vm_of(v->accel)->has_debugregs) {
		struct kvm_debugregs d = { .dr6 = s->dr[6], .dr7 = s->dr[7] };
		memcpy(d.db, s->dr, sizeof(d.db));
		if (kvm_ioctl_retry(p->fd, KVM_SET_DEBUGREGS, &d) < 0)
			return -errno;
	}
	return 0;
}

/* ---- debugging (accel.h set_debug) ------------------------------------------------------ */

#define DR7_L(i)		(1ull << (2 * (i)))	/* local enable; R/W and LEN 0: execution */
#define DR7_FIXED1		(1ull << 10)
#define DR6_BP_MASK		0xfull			/* B0-B3 */
#define DEBUG_CONTROL_NEEDED	(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP)

/*
 * Both kinds of breakpoint go into DR0-3 (KVM_GUESTDBG_USE_HW_BP): guest
 * memory is never patched, so there is no int3 to hide from the guest or
 * the debugger. A step has no breakpoint armed (one at RIP would stop it
 * before its instruction) and blocks interrupts where KVM can (BLOCKIRQ).
 */
static int guest_debug_set(struct vcpu *v, const struct accel_debug *d, bool step)
{
	static const struct accel_debug none;
	struct kvm_vcpu_priv *p = v->priv;
	int caps = vcpu_debug(v)->caps;
	struct kvm_guest_debug g = { 0 };
	unsigned n = 0;

	if (step)
		d = &none;
	for (unsigned i = 0; i < d->nhw; i++)
		g.arch.debugreg[n++] = d->hw[i];
	for (unsigned i = 0; i < d->nsw; i++)
		g.arch.debugreg[n++] = d->sw[i];
	if (n) {
		g.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		g.arch.debugreg[7] = DR7_FIXED1;
		for (unsigned i = 0; i < n; i++)
			g.arch.debugreg[7] |= DR7_L(i);
	}
	if (step) {
		g.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
		if (caps > 0 && (caps & KVM_GUESTDBG_BLOCKIRQ))
			g.control |= KVM_GUESTDBG_BLOCKIRQ;
	}
	return kvm_ioctl_retry(p->fd, KVM_SET_GUEST_DEBUG, &g) < 0 ? -errno : 0;
}

int kvm_vcpu_set_debug(struct vcpu *v, const struct accel_debug *d, char *err, size_t errlen)
{
	struct kvm_vcpu_debug *dbg;
	struct kvm_vm *vm;
	int ret;

	if (!v->priv) {
		snprintf(err, errlen, "kvm: no such vCPU");
		return -EINVAL;
	}
	dbg = vcpu_debug(v);
	vm = kvm_vm_of(v->accel);
	if (d->nhw > ACCEL_DEBUG_HW_MAX || d->nsw > ACCEL_DEBUG_SW_MAX ||
	    d->nhw + d->nsw > ACCEL_DEBUG_HW_MAX) {
		snprintf(err, errlen, "kvm: at most %u breakpoints (DR0-3)", ACCEL_DEBUG_HW_MAX);
		return -ENOSPC;
	}
	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG) <= 0) {
		snprintf(err, errlen, "/dev/kvm: no guest debugging (KVM_CAP_SET_GUEST_DEBUG)");
		return -ENOSYS;
	}
	/* > 0: the control bits this KVM takes (older ones do not say) */
	dbg->caps = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2);
	if (dbg->caps > 0 && (dbg->caps & DEBUG_CONTROL_NEEDED) != DEBUG_CONTROL_NEEDED) {
		snprintf(err, errlen, "/dev/kvm: no single-step or hardware breakpoints (guest debug caps 0x%x)",
			 dbg->caps);
		return -ENOSYS;
	}
	ret = guest_debug_set(v, d, d->single_step);
	if (ret) {
		snprintf(err, errlen, "/dev/kvm: KVM_SET_GUEST_DEBUG: %s", strerror(-ret));
		return ret == -EINVAL || ret == -ENOTTY ? -ENOSYS : ret;
	}
	dbg->d = *d;
	dbg->stepping_over = false;
	/* resume_valid stays: the debugger re-arms right before it resumes */
	return 0;
}

static int linear_rip(struct vcpu *v, uint64_t *lin)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_regs r;
	struct kvm_sregs sr;

	if (ioctl(p->fd, KVM_GET_REGS, &r) < 0 || ioctl(p->fd, KVM_GET_SREGS, &sr) < 0)
		return -1;
	*lin = sr.cs.base + r.rip;
	if (!((sr.efer & EFER_LMA) && sr.cs.l))
		*lin &= 0xffffffffu;
	return 0;
}

/*
 * A run that resumes at the breakpoint it stopped on executes that
 * instruction first: one step with the breakpoints off, then they are back
 * (RFLAGS.RF would do, but not every KVM honours it when it emulates).
 */
static void debug_resume(struct vcpu *v)
{
	struct kvm_vcpu_debug *dbg = vcpu_debug(v);
	uint64_t lin;

	if (!dbg->resume_valid)
		return;
	dbg->resume_valid = false;
	if (dbg->d.single_step || linear_rip(v, &lin) || lin != dbg->resume_lin)
		return;
	if (guest_debug_set(v, &dbg->d, true) == 0)
		dbg->stepping_over = true;
}

/* KVM_EXIT_DEBUG: true to keep running (a step-over ended). */
static bool debug_exit(struct vcpu *v, struct kvm_run *run)
{
	struct kvm_vcpu_debug *dbg = vcpu_debug(v);
	uint64_t lin;

	if (dbg->stepping_over) {
		dbg->stepping_over = false;
		if (guest_debug_set(v, &dbg->d, false) == 0)
			return true;
	}
	if ((run->debug.arch.dr6 & DR6_BP_MASK) && !linear_rip(v, &lin)) {
		dbg->resume_valid = true;
		dbg->resume_lin = lin;
	}
	return false;
}

/* ---- reset ---------------------------------------------------------------------------- */

#define MSR_IA32_TSC		0x10
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_IA32_PAT		0x277
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_FMASK		0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define PAT_RESET		0x0007040600070406ull
#define MISC_ENABLE_FAST_STRING	1ull

static const struct { uint32_t index; uint64_t value; } reset_msrs[] = {
	{ MSR_IA32_TSC, 0 },
	{ MSR_IA32_SYSENTER_CS, 0 }, { MSR_IA32_SYSENTER_ESP, 0 }, { MSR_IA32_SYSENTER_EIP, 0 },
	{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
	{ MSR_MTRR_DEF_TYPE, 0 }, { MSR_IA32_PAT, PAT_RESET },
	{ MSR_STAR, 0 }, { MSR_LSTAR, 0 }, { MSR_CSTAR, 0 }, { MSR_FMASK, 0 },
	{ MSR_KERNEL_GS_BASE, 0 },
};

static void reset_msrs_set(int fd)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[sizeof(reset_msrs) / sizeof(reset_msrs[0])];
	} m = { 0 };
	unsigned n = sizeof(reset_msrs) / sizeof(reset_msrs[0]);

	for (unsigned i = 0; i < n; i++) {
		m.e[i].index = reset_msrs[i].index;
		m.e[i].data = reset_msrs[i].value;
	}
	m.hdr.nmsrs = n;
	/* KVM stops at the first MSR it refuses; skip it and go on (CSTAR on Intel, ...) */
	for (unsigned done = 0; done < n;) {
		int r = ioctl(fd, KVM_SET_MSRS, &m);
		if (r < 0 || (unsigned)r >= m.hdr.nmsrs)
			break;
		done += (unsigned)r + 1;
		memmove(m.e, m.e + r + 1, (m.hdr.nmsrs - (unsigned)r - 1) * sizeof(m.e[0]));
		m.hdr.nmsrs -= (unsigned)r + 1;
	}
}

/* LAPIC register offsets (SDM vol. 3, table 11-1) */
#define LAPIC_ID	0x20
#define LAPIC_TPR	0x80
#define LAPIC_LDR	0xd0
#define LAPIC_DFR	0xe0
#define LAPIC_SVR	0xf0
#define LAPIC_ISR	0x100
#define LAPIC_ESR	0x280
#define LAPIC_LVT_CMCI	0x2f0
#define LAPIC_ICR	0x300
#define LAPIC_LVT_FIRST	0x320
#define LAPIC_LVT_LAST	0x370
#define LAPIC_TMICT	0x380
#define LAPIC_TDCR	0x3e0
#define LVT_MASKED	0x10000u
#define LVT_EXTINT	0x700u

static void lapic_put(struct kvm_lapic_state *l, unsigned off, uint32_t v)
{
	memcpy(&l->regs[off], &v, sizeof(v));
}

/* In-kernel LAPIC back to its power-up state (SDM 10.4.7.1), LINT0 ExtINT on the BSP. */
static int lapic_reset(struct vcpu *v, int fd)
{
	struct kvm_lapic_state l;

	if (ioctl(fd, KVM_GET_LAPIC, &l) < 0)
		return -errno;
	lapic_put(&l, LAPIC_ID, v->apic_id << 24);
	lapic_put(&l, LAPIC_TPR, 0);
	lapic_put(&l, LAPIC_LDR, 0);
	lapic_put(&l, LAPIC_DFR, 0xffffffffu);
	lapic_put(&l, LAPIC_SVR, 0xff);
	for (unsigned off = LAPIC_ISR; off < LAPIC_ESR; off += 0x10)	/* ISR, TMR, IRR */
		lapic_put(&l, off, 0);
	lapic_put(&l, LAPIC_ESR, 0);
	lapic_put(&l, LAPIC_LVT_CMCI, LVT_MASKED);
	lapic_put(&l, LAPIC_ICR, 0);
	lapic_put(&l, LAPIC_ICR + 0x10, 0);
	for (unsigned off = LAPIC_LVT_FIRST; off <= LAPIC_LVT_LAST; off += 0x10)
		lapic_put(&l, off, LVT_MASKED);
	/* PIC interrupts reach the BSP before anyone programs the LAPIC, as firmware expects */
	if (v->index == 0)
		lapic_put(&l, 0x350, LVT_EXTINT);
	lapic_put(&l, LAPIC_TMICT, 0);
	lapic_put(&l, LAPIC_TDCR, 0);
	return kvm_ioctl_retry(fd, KVM_SET_LAPIC, &l) < 0 ? -errno : 0;
}

int kvm_vcpu_reset(struct vcpu *v)
{
	struct kvm_vm *vm = kvm_vm_of(v->accel);
	struct kvm_vcpu_priv *p = v->priv;
	struct cpu_state s;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int ret;

	if (v->accel->irqchip != IRQCHIP_OFF) {
		/* the LAPIC first: KVM_SET_SREGS's apic_base must find it reset */
		ret = lapic_reset(v, p->fd);
		if (ret)
			return ret;
	}
	cpu_state_reset(&s, vm->signature, v->index == 0);
	ret = kvm_set_state(v, &s);
	if (ret)
		return ret;
	if (kvm_ioctl_retry(p->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	if (vm->has_xcrs) {
		struct kvm_xcrs x = { .nr_xcrs = 1, .xcrs = { { .xcr = 0, .value = 1 } } };
		ioctl(p->fd, KVM_SET_XCRS, &x);	/* absent XSAVE: nothing to reset */
	}
	if (vm->has_vcpu_events) {
		struct kvm_vcpu_events ev = {
			.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
				 KVM_VCPUEVENT_VALID_SHADOW,
		};
		if (kvm_ioctl_retry(p->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
			return -errno;
	}
	reset_msrs_set(p->fd);
	if (v->accel->irqchip != IRQCHIP_OFF) {
		/* APs wait for INIT/SIPI in the kernel; the BSP runs */
		struct kvm_mp_state mp = {
			.mp_state = v->index == 0 ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED,
		};
		if (kvm_ioctl_retry(p->fd, KVM_SET_MP_STATE, &mp) < 0)
			return -errno;
	}
	p->run->request_interrupt_window = 0;
	if (v->accel->irqchip == IRQCHIP_OFF)
		kvm_userapic_reset(v);
	if (log_enabled(LOG_CPU_RESET))
		board_log(LOG_CPU_RESET, "CPU %u reset: CS=%04x base %08" PRIx64 " RIP=%04" PRIx64
			  " RDX=%08" PRIx64 " CR0=%08" PRIx64, v->index, s.seg[SEG_CS].selector,
			  s.seg[SEG_CS].base, s.rip, s.gpr[CPU_RDX], s.cr0);
	return 0;
}

/* ---- the run loop --------------------------------------------------------------------- */

static const char *exit_name(uint32_t reason)
{
	static const char *const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN", [KVM_EXIT_EXCEPTION] = "EXCEPTION",
		[KVM_EXIT_IO] = "IO", [KVM_EXIT_HYPERCALL] = "HYPERCALL", [KVM_EXIT_DEBUG] = "DEBUG",
		[KVM_EXIT_HLT] = "HLT", [KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_IRQ_WINDOW_OPEN] = "IRQ_WINDOW_OPEN", [KVM_EXIT_SHUTDOWN] = "SHUTDOWN",
		[KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY", [KVM_EXIT_INTR] = "INTR",
		[KVM_EXIT_SET_TPR] = "SET_TPR", [KVM_EXIT_TPR_ACCESS] = "TPR_ACCESS",
		[KVM_EXIT_NMI] = "NMI", [KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[KVM_EXIT_OSI] = "OSI", [KVM_EXIT_WATCHDOG] = "WATCHDOG", [KVM_EXIT_EPR] = "EPR",
		[KVM_EXIT_SYSTEM_EVENT] = "SYSTEM_EVENT", [KVM_EXIT_IOAPIC_EOI] = "IOAPIC_EOI",
		[KVM_EXIT_HYPERV] = "HYPERV",
	};
	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "?";
}

static enum accel_run crash(struct vcpu *v, const char *why)
{
	const struct accel_host *h = v->accel->cfg.host;

	vcpu_dump(stderr, v, why);
	h->event(h->opaque, v, ACCEL_EV_CRASH);
	return ACCEL_RUN_STOP;
}

/* 0, or -1 after reporting a crash */
static int handle_io(struct vcpu *v, struct kvm_run *run, size_t run_size)
{
	const struct accel_host *h = v->accel->cfg.host;
	unsigned size = run->io.size, count = run->io.count;
	uint64_t off = run->io.data_offset;
	uint8_t *data = (uint8_t *)run + off;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* KVM fills these, but they index our mapping: check before use */
	if ((size != 1 && size != 2 && size != 4) || !count || off > run_size ||
	    (uint64_t)size * count > run_size - off) {
		char why[96];
		snprintf(why, sizeof(why), "bad IO exit (port 0x%x size %u count %u offset %" PRIu64 ")",
			 run->io.port, size, count, off);
		crash(v, why);
		return -1;
	}
	for (unsigned i = 0; i < count; i++)
		h->pio(h->opaque, run->io.port, data + (size_t)i * size, size, is_write);
	return 0;
}

/*
 * kernel-irqchip=split: the PIC's INTR reaches KVM's LAPIC (LINT0 ExtINT) only
 * through userspace: when KVM says the window is open (its check includes
 * LINT0 accepting ExtINT), the vector goes in with KVM_INTERRUPT; else we
 * ask for an IRQ_WINDOW_OPEN exit.
 */
static void inject_extint(struct vcpu *v, struct kvm_vcpu_priv *p)
{
	const struct accel_host *h = v->accel->cfg.host;
	struct kvm_run *run = p->run;

	if (!h->irq_pending || !h->irq_pending(h->opaque, v)) {
		run->request_interrupt_window = 0;
		return;
	}
	if (run->ready_for_interrupt_injection && run->if_flag) {
		int vec = h->irq_ack(h->opaque, v);
		if (vec >= 0 && vec < 256) {
			struct kvm_interrupt irq = { .irq = (uint32_t)vec };
			kvm_ioctl_retry(p->fd, KVM_INTERRUPT, &irq);
		}
		run->request_interrupt_window = h->irq_pending(h->opaque, v);
	} else {
		run->request_interrupt_window = 1;
	}
}

enum accel_run kvm_vcpu_run(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_run *run = p->run;
	const struct accel_host *h = v->accel->cfg.host;
	size_t run_size = (size_t)kvm_vm_of(v->accel)->run_size;
	char why[160];

	debug_resume(v);
	for (;;) {
		if (v->accel->irqchip == IRQCHIP_OFF) {
			if (!kvm_userapic_pre_run(v))
				return ACCEL_RUN_HALT;	/* wait-for-SIPI: the kick brings us back */
		} else if (v->accel->irqchip == IRQCHIP_SPLIT) {
			inject_extint(v, p);
			if (atomic_exchange(&p->unhalt, false)) {
				struct kvm_mp_state mp;

				if (ioctl(p->fd, KVM_GET_MP_STATE, &mp) == 0 &&
				    mp.mp_state == KVM_MP_STATE_HALTED) {
					mp.mp_state = KVM_MP_STATE_RUNNABLE;
					kvm_ioctl_retry(p->fd, KVM_SET_MP_STATE, &mp);
				}
			}
		}
		if (ioctl(p->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				return ACCEL_RUN_KICK;
			}
			snprintf(why, sizeof(why), "KVM_RUN: %s", strerror(errno));
			return crash(v, why);
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (handle_io(v, run, run_size))
				return ACCEL_RUN_STOP;
			break;
		case KVM_EXIT_MMIO:
			if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data)) {
				snprintf(why, sizeof(why), "bad MMIO exit (length %u)", run->mmio.len);
				return crash(v, why);
			}
			if (v->accel->irqchip == IRQCHIP_OFF && kvm_userapic_mmio(v))
				break;
			h->mmio(h->opaque, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
				run->mmio.is_write);
			break;
		case KVM_EXIT_HLT:
			/* only without an in-kernel LAPIC: sleep until our LAPIC kicks us */
			if (v->accel->irqchip == IRQCHIP_OFF && kvm_userapic_halt_wakes(v))
				break;
			return ACCEL_RUN_HALT;
		case KVM_EXIT_X86_RDMSR:
		case KVM_EXIT_X86_WRMSR:
			kvm_userapic_msr(v, run->exit_reason == KVM_EXIT_X86_WRMSR);
			break;
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			break;		/* the injection runs before the next entry */
		case KVM_EXIT_IOAPIC_EOI:
			if (h->ioapic_eoi)
				h->ioapic_eoi(h->opaque, run->eoi.vector);
			break;
		case KVM_EXIT_INTR:
			__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
			return ACCEL_RUN_KICK;
		case KVM_EXIT_DEBUG:
			if (!debug_exit(v, run))
				return ACCEL_RUN_DEBUG;
			break;
		case KVM_EXIT_SHUTDOWN:
			h->event(h->opaque, v, ACCEL_EV_TRIPLE_FAULT);
			return ACCEL_RUN_STOP;
		case KVM_EXIT_SYSTEM_EVENT:
			switch (run->system_event.type) {
			case KVM_SYSTEM_EVENT_SHUTDOWN:
				h->event(h->opaque, v, ACCEL_EV_POWEROFF);
				return ACCEL_RUN_STOP;
			case KVM_SYSTEM_EVENT_RESET:
				h->event(h->opaque, v, ACCEL_EV_RESET);
				return ACCEL_RUN_STOP;
			default:
				snprintf(why, sizeof(why), "system event %u", run->system_event.type);
				return crash(v, why);
			}
		case KVM_EXIT_INTERNAL_ERROR:
			snprintf(why, sizeof(why), "KVM internal error, suberror %u%s",
				 run->internal.suberror,
				 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ?
				 " (instruction emulation failed)" : "");
			return crash(v, why);
		case KVM_EXIT_FAIL_ENTRY:
			snprintf(why, sizeof(why), "VM entry failed, hardware reason 0x%llx",
				 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			return crash(v, why);
		default:
			snprintf(why, sizeof(why), "unhandled KVM exit %u (%s)", run->exit_reason,
				 exit_name(run->exit_reason));
			return crash(v, why);
		}
		/* a kick that arrived while we handled the exit */
		if (__atomic_load_n(&run->immediate_exit, __ATOMIC_SEQ_CST)) {
			__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
			return ACCEL_RUN_KICK;
		}
	}
}
