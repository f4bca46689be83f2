/*
 * kernel-irqchip=off: KVM runs the CPU, the board's local APIC (board/lapic.h)
 * is the vCPU's APIC, as under the TCG.
 *
 * - xAPIC MMIO: KVM has no LAPIC, so the page exits as MMIO; an access inside
 *   this vCPU's APIC window (APIC base MSR) goes to its lapic, anything else
 *   to the board.
 * - MSRs: with KVM_CAP_X86_USER_SPACE_MSR the APIC base, TSC-deadline and the
 *   x2APIC MSRs exit to us (a filter for the first two; KVM itself refuses
 *   0x800-0x8ff without its LAPIC, and "invalid" MSRs exit too). Writes of
 *   the TSC and TSC_ADJUST exit so the LAPIC's TSC stays the guest's.
 *   Without the capability, CPUID loses x2APIC and TSC-deadline: the guest
 *   sees an xAPIC, and the APIC base MSR is KVM's (disabling the APIC from
 *   the guest does not reach our model).
 * - Interrupts: lapic_get_interrupt() (ExtINT from the PIC included) goes in
 *   with KVM_INTERRUPT when KVM says the window is open; else we ask for an
 *   IRQ_WINDOW_OPEN exit. NMI with KVM_NMI. INIT resets the CPU to its INIT
 *   state (APs then wait for SIPI, which we track here since KVM keeps no
 *   mp_state without its LAPIC); SIPI starts an AP at vector << 12. SMI is
 *   logged as unimplemented.
 * - HLT exits to us: the vCPU sleeps (ACCEL_RUN_HALT) until the LAPIC's kick
 *   hook (set by the VMM) wakes it.
 * - TSC: lapic_tsc() follows the guest TSC: tsc_hz = KVM_GET_TSC_KHZ, and
 *   each LAPIC's tsc_offset is set from a read of the guest TSC at reset and
 *   after every guest write of it.
 * Every LAPIC call runs under the board lock.
 */
#include "vmm/accel/kvm/kvm_int.h"

#include "board/board.h"
#include "board/clock.h"
#include "board/lapic.h"
#include "board/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_TSC_DEADLINE	(1u << 24)
#define NS_PER_SEC		1000000000ull

static struct lapic *vcpu_lapic(struct vcpu *v)
{
	return board_lapic(v->accel->cfg.board, v->index);
}

int kvm_userapic_vm_setup(struct accel *a, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	static uint8_t deny;		/* one MSR per range, its bit 0: denied (exits) */
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args = { KVM_MSR_EXIT_REASON_INVAL | KVM_MSR_EXIT_REASON_FILTER },
	};
	struct kvm_msr_filter f = {
		.flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
		.ranges = {
			{ KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE, 1, MSR_IA32_APICBASE, &deny },
			{ KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE, 1, MSR_IA32_TSC_DEADLINE, &deny },
			{ KVM_MSR_FILTER_WRITE, 1, MSR_IA32_TSC, &deny },
			{ KVM_MSR_FILTER_WRITE, 1, MSR_IA32_TSC_ADJUST, &deny },
		},
	};

	vm->user_msr = false;
	if (!a->cfg.board) {
		snprintf(err, errlen, "kvm: kernel-irqchip=off needs the board's local APICs");
		return -EINVAL;
	}
	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
		return 0;		/* documented fallback: xAPIC only */
	if (kvm_ioctl_retry(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
		return 0;
	if (kvm_ioctl_retry(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0) {
		/* MSRs KVM cannot handle still exit: keep them, lose only the filter */
		snprintf(err, errlen, "/dev/kvm: KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
		return -errno;
	}
	vm->user_msr = true;
	return 0;
}

void kvm_userapic_cpuid(struct accel *a, struct cpuid_leaf *l, unsigned n)
{
	struct cpuid_leaf *leaf1 = cpuid_find(l, n, 1, 0);

	if (leaf1 && !kvm_vm_of(a)->user_msr)
		leaf1->ecx &= ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DEADLINE);
}

static int msr_get(int fd, uint32_t index, uint64_t *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index };

	if (ioctl(fd, KVM_GET_MSRS, &m) != 1)
		return -EIO;
	*val = m.e.data;
	return 0;
}

static int msr_set(int fd, uint32_t index, uint64_t val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = index, .e.data = val };

	return ioctl(fd, KVM_SET_MSRS, &m) == 1 ? 0 : -EIO;
}

/* Make lapic_tsc() read what the guest's RDTSC reads now. Board lock held. */
static void tsc_sync(struct vcpu *v, struct lapic *l)
{
	struct kvm_vcpu_priv *p = v->priv;
	int khz = ioctl(p->fd, KVM_GET_TSC_KHZ, 0);
	uint64_t tsc, now;
	unsigned __int128 host;

	if (khz > 0)
		l->bus->tsc_hz = (uint64_t)khz * 1000;
	if (msr_get(p->fd, MSR_IA32_TSC, &tsc))
		return;
	now = clock_ns();
	host = (unsigned __int128)now * l->bus->tsc_hz / NS_PER_SEC;
	l->tsc_offset = (int64_t)(tsc - (uint64_t)host);
}

void kvm_userapic_reset(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct board *b = v->accel->cfg.board;
	struct lapic *l;

	board_lock(b);
	l = vcpu_lapic(v);
	p->wait_sipi = l ? !l->bsp : v->index != 0;
	if (l)
		tsc_sync(v, l);
	board_unlock(b);
}

/* INIT: the SDM's INIT state (RESET less caches/MSRs), the APIC base kept. */
static void do_init(struct vcpu *v, struct lapic *l)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct cpu_state s;

	lapic_reset(l, false);
	cpu_state_reset(&s, kvm_vm_of(v->accel)->signature, l->bsp);
	s.apic_base = l->apicbase;
	if (kvm_set_state(v, &s) < 0)
		guest_error("CPU %u: INIT: setting registers failed", v->index);
	/* the BSP restarts at the reset vector; APs wait for SIPI */
	p->wait_sipi = !l->bsp;
	if (log_enabled(LOG_CPU_RESET))
		board_log(LOG_CPU_RESET, "CPU %u: INIT%s", v->index, p->wait_sipi ? ", waiting for SIPI" : "");
}

static void do_sipi(struct vcpu *v, uint8_t vector)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct cpu_state s;

	if (kvm_get_state(v, &s) < 0)
		return;
	s.seg[SEG_CS].selector = (uint16_t)(vector << 8);
	s.seg[SEG_CS].base = (uint64_t)vector << 12;
	s.seg[SEG_CS].limit = 0xffff;
	s.rip = 0;
	if (kvm_set_state(v, &s) < 0)
		return;
	p->wait_sipi = false;
	if (log_enabled(LOG_CPU_RESET))
		board_log(LOG_CPU_RESET, "CPU %u: SIPI vector 0x%02x: starting at %04x:0000", v->index,
			  vector, vector << 8);
}

bool kvm_userapic_pre_run(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_run *run = p->run;
	struct board *b = v->accel->cfg.board;
	struct lapic *l;
	unsigned ev;
	bool runnable;

	board_lock(b);
	l = vcpu_lapic(v);
	if (!l) {
		board_unlock(b);
		return true;
	}
	ev = lapic_take_event(l, LAPIC_EV_INIT | LAPIC_EV_SIPI | LAPIC_EV_NMI | LAPIC_EV_SMI);
	if (ev & LAPIC_EV_INIT)
		do_init(v, l);
	/* a SIPI outside wait-for-SIPI is ignored, as the CPU does */
	if ((ev & LAPIC_EV_SIPI) && p->wait_sipi)
		do_sipi(v, l->sipi_vector);
	if ((ev & LAPIC_EV_NMI) && !p->wait_sipi && kvm_ioctl_retry(p->fd, KVM_NMI, NULL) < 0)
		guest_error("CPU %u: KVM_NMI: %s", v->index, strerror(errno));
	if ((ev & LAPIC_EV_SMI) && log_enabled(LOG_UNIMP))
		board_log(LOG_UNIMP, "CPU %u: SMI is not implemented: dropped", v->index);
	runnable = !p->wait_sipi;
	run->request_interrupt_window = 0;
	if (runnable && lapic_has_interrupt(l)) {
		if (run->ready_for_interrupt_injection && run->if_flag) {
			int vec = lapic_get_interrupt(l);

			if (vec >= 0 && vec < 256) {
				struct kvm_interrupt irq = { .irq = (uint32_t)vec };

				if (kvm_ioctl_retry(p->fd, KVM_INTERRUPT, &irq) < 0)
					guest_error("CPU %u: KVM_INTERRUPT 0x%02x: %s", v->index, vec,
						    strerror(errno));
			}
			/* one per entry: the next waits for the next window */
			run->request_interrupt_window = lapic_has_interrupt(l);
		} else {
			run->request_interrupt_window = 1;
		}
	}
	board_unlock(b);
	return runnable;
}

bool kvm_userapic_mmio(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_run *run = p->run;
	struct board *b = v->accel->cfg.board;
	uint64_t gpa = run->mmio.phys_addr, base, val = 0;
	unsigned len = run->mmio.len;
	struct lapic *l;

	board_lock(b);
	l = vcpu_lapic(v);
	base = l ? l->apicbase & APICBASE_ADDR_MASK & ~(uint64_t)(LAPIC_MMIO_SIZE - 1) : 0;
	if (!l || gpa < base || gpa - base >= LAPIC_MMIO_SIZE || len > sizeof(val) ||
	    gpa - base + len > LAPIC_MMIO_SIZE) {
		board_unlock(b);
		return false;
	}
	if (run->mmio.is_write) {
		memcpy(&val, run->mmio.data, len);
		lapic_mmio_write(l, gpa - base, val, len);
	} else {
		val = lapic_mmio_read(l, gpa - base, len);
		memcpy(run->mmio.data, &val, len);
	}
	board_unlock(b);
	return true;
}

void kvm_userapic_msr(struct vcpu *v, bool is_write)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct kvm_run *run = p->run;
	struct board *b = v->accel->cfg.board;
	uint32_t index = run->msr.index;
	struct lapic *l;
	int r = -ENOENT;

	board_lock(b);
	l = vcpu_lapic(v);
	if (is_write && (index == MSR_IA32_TSC || index == MSR_IA32_TSC_ADJUST)) {
		/* the filter stopped it: do it, then follow the new TSC */
		r = msr_set(p->fd, index, run->msr.data);
		if (!r && l)
			tsc_sync(v, l);
	} else if (l && is_write) {
		r = lapic_msr_write(l, index, run->msr.data);
	} else if (l) {
		uint64_t val = 0;

		r = lapic_msr_read(l, index, &val);
		run->msr.data = r ? 0 : val;
	}
	board_unlock(b);
	/* not ours (or refused): #GP(0), as KVM would have raised */
	run->msr.error = r ? 1 : 0;
	if (r && log_enabled(LOG_UNIMP) && r == -ENOENT)
		board_log(LOG_UNIMP, "CPU %u: %s of MSR 0x%x: #GP", v->index,
			  is_write ? "wrmsr" : "rdmsr", index);
}

bool kvm_userapic_halt_wakes(struct vcpu *v)
{
	struct kvm_vcpu_priv *p = v->priv;
	struct board *b = v->accel->cfg.board;
	struct lapic *l;
	bool wake;

	board_lock(b);
	l = vcpu_lapic(v);
	wake = l && ((l->events & (LAPIC_EV_NMI | LAPIC_EV_INIT | LAPIC_EV_SIPI)) ||
		     (p->run->if_flag && lapic_has_interrupt(l)));
	board_unlock(b);
	return wake;
}
