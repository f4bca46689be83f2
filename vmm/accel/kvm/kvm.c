/*
 * The KVM accelerator: /dev/kvm, the VM, its capabilities, memory slots and
 * the interrupt controller modes (Documentation/virt/kvm/api.rst).
 *
 * Capabilities and what happens without them:
 *   USER_MEMORY, SET_TSS_ADDR, EXT_CPUID, IMMEDIATE_EXIT: required (error).
 *   IRQCHIP, PIT2, SIGNAL_MSI: required for kernel-irqchip=on.
 *   SPLIT_IRQCHIP, IRQ_ROUTING: required for kernel-irqchip=split.
 *   X86_USER_SPACE_MSR, X86_MSR_FILTER: kernel-irqchip=off routes the APIC
 *     MSRs to our LAPIC with them; without, the guest gets no x2APIC and no
 *     TSC-deadline timer in CPUID (see kvm_userapic.c).
 *   READONLY_MEM: without it ROM is mapped writable (the reset chain re-copies
 *     it on every reset, so a guest that scribbles on its BIOS only hurts itself).
 *   IRQFD, IOEVENTFD, IRQ_ROUTING, IRQFD_RESAMPLE: recorded; without them the
 *     optional notification ops answer -ENOTSUP (kvm_notify.c) and virtio
 *     falls back to exits, KVM_IRQ_LINE and KVM_SIGNAL_MSI.
 *   XCRS, DEBUGREGS, VCPU_EVENTS: recorded; reset skips what is absent.
 */
#include "vmm/accel/kvm/kvm_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_ioctl_retry(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret;
}

static int check_cap(struct kvm_vm *vm, int cap)
{
	int r = ioctl(vm->vm_fd >= 0 ? vm->vm_fd : vm->sys_fd, KVM_CHECK_EXTENSION, cap);
	return r < 0 ? 0 : r;
}

static int need_cap(struct kvm_vm *vm, int cap, const char *name, const char *why,
		    char *err, size_t errlen)
{
	if (check_cap(vm, cap) > 0)
		return 0;
	snprintf(err, errlen, "/dev/kvm: %s is missing (needed for %s); use -accel tcg", name, why);
	return -ENOTSUP;
}

/*
 * Destroying a VM that had an in-kernel irqchip waits for an SRCU grace
 * period (about 20 ms on this host), and a process's exit pays it before its
 * parent sees the status. So the last reference goes to a child that waits
 * until we are gone and then exits: start-up benchmarks and scripts see our
 * exit at once, and the kernel still frees everything. The child keeps only
 * the VM fds (not stdout/stderr: a reader waiting for EOF is not held up).
 */
static void teardown_handoff(struct kvm_vm *vm)
{
	pid_t parent = getpid(), pid;
	int pfd[2];

	if (!vm->irqchip_created || pipe2(pfd, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		unsigned lo = (unsigned)(vm->vm_fd < pfd[0] ? vm->vm_fd : pfd[0]);
		unsigned hi = (unsigned)(vm->vm_fd < pfd[0] ? pfd[0] : vm->vm_fd);
		char c;

		/* everything but the VM and the pipe */
		if (lo > 0)
			close_range(0, lo - 1, 0);
		if (hi > lo + 1)
			close_range(lo + 1, hi - 1, 0);
		close_range(hi + 1, ~0u, 0);
		while (read(pfd[0], &c, 1) < 0 && errno == EINTR)
			;
		/* EOF: our parent's files are closed; it is gone once we are reparented */
		while (getppid() == parent)
			usleep(200);
		_exit(0);
	}
	close(pfd[0]);
	if (pid < 0)
		close(pfd[1]);
	/* else pfd[1] stays open until we exit: that is the child's signal */
}

static void kvm_destroy(struct accel *a)
{
	struct kvm_vm *vm = kvm_vm_of(a);

	if (!vm)
		return;
	if (vm->vm_fd >= 0)
		teardown_handoff(vm);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	free(vm->cpuid);
	kvm_notify_destroy(vm);
	pthread_mutex_destroy(&vm->slot_lock);
	free(vm);
	a->priv = NULL;
}

/* Resolve the mode and check its capabilities; nothing is created yet. */
static int irqchip_check(struct accel *a, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	enum irqchip_mode mode = a->cfg.irqchip == IRQCHIP_DEFAULT ? IRQCHIP_ON : a->cfg.irqchip;

	a->irqchip = mode;
	switch (mode) {
	case IRQCHIP_ON:
		if (need_cap(vm, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "kernel-irqchip=on", err, errlen) ||
		    need_cap(vm, KVM_CAP_PIT2, "KVM_CAP_PIT2", "kernel-irqchip=on", err, errlen) ||
		    need_cap(vm, KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI", "kernel-irqchip=on", err, errlen))
			return -ENOTSUP;
		return 0;
	case IRQCHIP_SPLIT:
		if (need_cap(vm, KVM_CAP_SPLIT_IRQCHIP, "KVM_CAP_SPLIT_IRQCHIP",
			     "kernel-irqchip=split", err, errlen) ||
		    need_cap(vm, KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI", "kernel-irqchip=split",
			     err, errlen) ||
		    need_cap(vm, KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", "kernel-irqchip=split",
			     err, errlen))
			return -ENOTSUP;
		return 0;
	default:
		/* off: ours throughout, interrupts go in with KVM_INTERRUPT on the interrupt window */
		return kvm_userapic_vm_setup(a, err, errlen);
	}
}

/*
 * kernel-irqchip=on: GSI n < 16 is ISA IRQ n on the 8259 pair and the IOAPIC,
 * except that ISA IRQ 0 is IOAPIC pin 2 (the MADT's override, QEMU's wiring)
 * and GSI 2 is the cascade (nothing); GSI 16-23 are IOAPIC pins. KVM's
 * default table sends GSI 0 to pin 0, hence our own. The in-kernel PIT
 * raises GSI 0.
 */
static int pc_routing_set(struct kvm_vm *vm, char *err, size_t errlen)
{
	unsigned n = 0, gsi;
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + 40 * sizeof(t->entries[0]));
	int ret = 0;

	if (!t)
		return -ENOMEM;
	for (gsi = 0; gsi < KVM_SPLIT_IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		if (gsi < 16) {
			t->entries[n].gsi = gsi;
			t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			t->entries[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
							  KVM_IRQCHIP_PIC_SLAVE;
			t->entries[n].u.irqchip.pin = gsi % 8;
			n++;
		}
		t->entries[n].gsi = gsi;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		t->entries[n].u.irqchip.pin = gsi ? gsi : 2;
		n++;
	}
	ret = kvm_routes_set_base(vm, t->entries, n);
	if (ret < 0)
		snprintf(err, errlen, "/dev/kvm: KVM_SET_GSI_ROUTING: %s", strerror(-ret));
	free(t);
	return ret;
}

/* kernel-irqchip=split: the routing table is exactly these MSI routes (accel.h). */
static int kvm_set_eoi_routes(struct accel *a, const struct accel_eoi_route *r, unsigned n)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	struct kvm_irq_routing *t;
	unsigned k = 0;
	int ret = 0;

	if (a->irqchip != IRQCHIP_SPLIT || n > ACCEL_EOI_ROUTES || (n && !r))
		return -EINVAL;
	t = calloc(1, sizeof(*t) + 2 * ACCEL_EOI_ROUTES * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		if (!r[i].valid)
			continue;
		if (r[i].gsi >= KVM_SPLIT_IOAPIC_PINS) {
			free(t);
			return -EINVAL;
		}
		for (unsigned j = 0; j < 1u + (r[i].has_data2 && r[i].data2 != r[i].data); j++) {
			t->entries[k].gsi = r[i].gsi;
			t->entries[k].type = KVM_IRQ_ROUTING_MSI;
			t->entries[k].u.msi.address_lo = (uint32_t)r[i].address;
			t->entries[k].u.msi.address_hi = (uint32_t)(r[i].address >> 32);
			t->entries[k].u.msi.data = j ? r[i].data2 : r[i].data;
			k++;
		}
	}
	ret = kvm_routes_set_base(vm, t->entries, k);
	free(t);
	return ret;
}

/*
 * Create the in-kernel parts, once, just before the first vCPU (KVM wants
 * them before any vCPU). Deferred past the first memory slots on purpose:
 * with an irqchip present every slot change waits for an SRCU grace period
 * (5-10 ms on this host), which would dominate start-up.
 */
int kvm_irqchip_create(struct accel *a, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);

	if (vm->irqchip_created)
		return 0;
	vm->irqchip_created = true;
	switch (a->irqchip) {
	case IRQCHIP_ON: {
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

		if (kvm_ioctl_retry(vm->vm_fd, KVM_CREATE_IRQCHIP, NULL) < 0) {
			snprintf(err, errlen, "/dev/kvm: KVM_CREATE_IRQCHIP: %s", strerror(errno));
			return -errno;
		}
		if (kvm_ioctl_retry(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
			snprintf(err, errlen, "/dev/kvm: KVM_CREATE_PIT2: %s", strerror(errno));
			return -errno;
		}
		return pc_routing_set(vm, err, errlen);
	}
	case IRQCHIP_SPLIT: {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_SPLIT_IRQCHIP,
			.args = { KVM_SPLIT_IOAPIC_PINS },
		};

		if (kvm_ioctl_retry(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			snprintf(err, errlen, "/dev/kvm: enabling KVM_CAP_SPLIT_IRQCHIP: %s",
				 strerror(errno));
			return -errno;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int kvm_init(struct accel *a, char *err, size_t errlen)
{
	struct kvm_vm *vm = calloc(1, sizeof(*vm));
	int ret, v;

	if (!vm) {
		snprintf(err, errlen, "kvm: out of memory");
		return -ENOMEM;
	}
	vm->sys_fd = vm->vm_fd = -1;
	pthread_mutex_init(&vm->slot_lock, NULL);
	kvm_notify_init(vm);
	a->priv = vm;

	vm->sys_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "/dev/kvm: %s; use -accel tcg", strerror(errno));
		goto fail;
	}
	v = ioctl(vm->sys_fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION_WANTED) {
		ret = -ENOTSUP;
		snprintf(err, errlen, "/dev/kvm: API version %d, need %d; use -accel tcg", v,
			 KVM_API_VERSION_WANTED);
		goto fail;
	}
	if ((ret = need_cap(vm, KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM", err, errlen)) ||
	    (ret = need_cap(vm, KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "real mode", err, errlen)) ||
	    (ret = need_cap(vm, KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "CPUID", err, errlen)) ||
	    (ret = need_cap(vm, KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "stopping vCPUs",
			    err, errlen)))
		goto fail;
	v = check_cap(vm, KVM_CAP_MAX_VCPUS);
	if (v <= 0)
		v = check_cap(vm, KVM_CAP_NR_VCPUS);
	if (v <= 0)
		v = 4;		/* api.rst: assume 4 when neither capability answers */
	if ((unsigned)v < a->cfg.ncpus) {
		ret = -ENOTSUP;
		snprintf(err, errlen, "-smp: KVM on this host supports at most %d vCPUs", v);
		goto fail;
	}
	vm->run_size = ioctl(vm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run)) {
		ret = -ENOTSUP;
		snprintf(err, errlen, "/dev/kvm: KVM_GET_VCPU_MMAP_SIZE: %s; use -accel tcg",
			 vm->run_size < 0 ? strerror(errno) : "too small");
		goto fail;
	}

	do {
		vm->vm_fd = ioctl(vm->sys_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "/dev/kvm: KVM_CREATE_VM: %s; use -accel tcg", strerror(errno));
		goto fail;
	}
	vm->has_readonly_mem = check_cap(vm, KVM_CAP_READONLY_MEM) > 0;
	vm->has_irqfd = check_cap(vm, KVM_CAP_IRQFD) > 0;
	vm->has_ioeventfd = check_cap(vm, KVM_CAP_IOEVENTFD) > 0;
	vm->has_irq_routing = check_cap(vm, KVM_CAP_IRQ_ROUTING) > 0;
	vm->has_irqfd_resample = check_cap(vm, KVM_CAP_IRQFD_RESAMPLE) > 0;
	vm->has_signal_msi = check_cap(vm, KVM_CAP_SIGNAL_MSI) > 0;
	vm->has_xcrs = check_cap(vm, KVM_CAP_XCRS) > 0;
	vm->has_debugregs = check_cap(vm, KVM_CAP_DEBUGREGS) > 0;
	vm->has_vcpu_events = check_cap(vm, KVM_CAP_VCPU_EVENTS) > 0;
	if (check_cap(vm, KVM_CAP_NR_MEMSLOTS) < 8) {
		ret = -ENOTSUP;
		snprintf(err, errlen, "/dev/kvm: fewer than 8 memory slots; use -accel tcg");
		goto fail;
	}

	/* Intel VT needs these for real mode; they must lie outside every slot. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0) {
		ret = -errno;
		snprintf(err, errlen, "/dev/kvm: KVM_SET_TSS_ADDR: %s", strerror(errno));
		goto fail;
	}
	if (check_cap(vm, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = KVM_IDENTITY_MAP_ADDR;
		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0) {
			ret = -errno;
			snprintf(err, errlen, "/dev/kvm: KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
			goto fail;
		}
	}
	if ((ret = irqchip_check(a, err, errlen)))
		goto fail;
	if ((ret = kvm_cpuid_setup(a, err, errlen)))
		goto fail;
	return 0;
fail:
	kvm_destroy(a);
	return ret < 0 ? ret : -EINVAL;
}

/* ---- memory slots ------------------------------------------------------------ */

static int slot_set(struct kvm_vm *vm, unsigned id, const struct kvm_slot *s, bool remove,
		    char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = id,
		.flags = (!remove && s->readonly && vm->has_readonly_mem) ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = s->gpa,
		.memory_size = remove ? 0 : s->size,
		.userspace_addr = (uintptr_t)s->host,
	};

	if (kvm_ioctl_retry(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		snprintf(err, errlen, "kvm: %s memory slot at 0x%llx (0x%llx bytes): %s",
			 remove ? "removing" : "adding", (unsigned long long)s->gpa,
			 (unsigned long long)s->size, strerror(errno));
		return -errno;
	}
	return 0;
}

static bool slot_matches(const struct kvm_slot *s, const struct accel_mem *m)
{
	return s->used && s->gpa == m->gpa && s->size == m->size && s->host == m->host &&
	       s->readonly == m->readonly;
}

/*
 * Make the slots exactly mem[]: slots that changed go first, then the new
 * ones are added, so no two ever overlap. A vCPU touching a piece in between
 * takes an MMIO exit, which the host serves through the board's own map.
 */
static int kvm_set_memory(struct accel *a, const struct accel_mem *mem, unsigned n,
			  char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	int ret = 0;

	for (unsigned i = 0; i < n; i++) {
		if ((mem[i].gpa | mem[i].size | (uintptr_t)mem[i].host) & 0xfff || !mem[i].size) {
			snprintf(err, errlen, "kvm: memory piece at 0x%llx (0x%llx bytes) is not page aligned",
				 (unsigned long long)mem[i].gpa, (unsigned long long)mem[i].size);
			return -EINVAL;
		}
	}
	pthread_mutex_lock(&vm->slot_lock);
	for (unsigned id = 0; id < KVM_MAX_SLOTS && !ret; id++) {
		bool keep = false;

		if (!vm->slot[id].used)
			continue;
		for (unsigned i = 0; i < n && !keep; i++)
			keep = slot_matches(&vm->slot[id], &mem[i]);
		if (!keep) {
			ret = slot_set(vm, id, &vm->slot[id], true, err, errlen);
			vm->slot[id].used = false;
		}
	}
	for (unsigned i = 0; i < n && !ret; i++) {
		unsigned id, free_id = KVM_MAX_SLOTS;
		bool have = false;

		for (id = 0; id < KVM_MAX_SLOTS; id++) {
			if (slot_matches(&vm->slot[id], &mem[i]))
				have = true;
			else if (!vm->slot[id].used && free_id == KVM_MAX_SLOTS)
				free_id = id;
		}
		if (have)
			continue;
		if (free_id == KVM_MAX_SLOTS) {
			snprintf(err, errlen, "kvm: more than %d memory pieces", KVM_MAX_SLOTS);
			ret = -ENOSPC;
			break;
		}
		struct kvm_slot s = { true, mem[i].gpa, mem[i].size, mem[i].host, mem[i].readonly };
		ret = slot_set(vm, free_id, &s, false, err, errlen);
		if (!ret)
			vm->slot[free_id] = s;
	}
	pthread_mutex_unlock(&vm->slot_lock);
	return ret;
}

/* ---- interrupts ------------------------------------------------------------------ */

static int kvm_set_irq(struct accel *a, unsigned gsi, int level)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	if (a->irqchip != IRQCHIP_ON)
		return -ENOSYS;
	if (gsi >= KVM_SPLIT_IOAPIC_PINS)
		return -EINVAL;
	return kvm_ioctl_retry(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0 ? -errno : 0;
}

static int kvm_send_msi(struct accel *a, uint64_t address, uint32_t data)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	struct kvm_msi msi = {
		.address_lo = (uint32_t)address,
		.address_hi = (uint32_t)(address >> 32),
		.data = data,
	};

	if (a->irqchip == IRQCHIP_OFF || !vm->has_signal_msi)
		return -ENOSYS;
	/* 0: the guest blocked it (masked or no destination); not an error */
	return kvm_ioctl_retry(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

const struct accel_ops kvm_accel_ops = {
	.name = "kvm",
	.init = kvm_init,
	.destroy = kvm_destroy,
	.set_memory = kvm_set_memory,
	.vcpu_init = kvm_vcpu_init,
	.vcpu_destroy = kvm_vcpu_destroy,
	.vcpu_reset = kvm_vcpu_reset,
	.vcpu_run = kvm_vcpu_run,
	.vcpu_kick = kvm_vcpu_kick,
	.get_state = kvm_get_state,
	.set_state = kvm_set_state,
	.set_debug = kvm_vcpu_set_debug,
	.set_irq = kvm_set_irq,
	.send_msi = kvm_send_msi,
	.set_eoi_routes = kvm_set_eoi_routes,
	.vcpu_unhalt = kvm_split_unhalt,
	.add_ioeventfd = kvm_add_ioeventfd,
	.del_ioeventfd = kvm_del_ioeventfd,
	.add_irqfd = kvm_add_irqfd,
	.del_irqfd = kvm_del_irqfd,
};
