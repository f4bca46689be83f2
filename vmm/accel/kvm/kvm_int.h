/*
 * KVM accelerator internals, shared by kvm.c (the VM: capabilities, memory
 * slots, irqchip) and kvm_vcpu.c (vCPUs: CPUID, reset state, the run loop).
 */
#ifndef VMM_ACCEL_KVM_INT_H
#define VMM_ACCEL_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "vmm/accel/accel.h"
#include "vmm/cpuid.h"

#define KVM_API_VERSION_WANTED	12
#define KVM_MAX_SLOTS		64
/* Three pages below the highest BIOS mapping (4 GiB - 16 MiB), as QEMU places them. */
#define KVM_TSS_ADDR		0xfeffd000ull
#define KVM_IDENTITY_MAP_ADDR	0xfeffc000ull
#define KVM_SPLIT_IOAPIC_PINS	24
#define KVM_KICK_SIGNAL		SIGUSR1

/* irqfd MSI routes (kvm_notify.c): GSIs above every irqchip pin */
#define KVM_MSI_ROUTES		64
#define KVM_MSI_GSI_BASE	64

struct kvm_msi_route {
	bool used;
	int fd;				/* the irqfd bound to it */
	uint64_t address;
	uint32_t data;
};

struct kvm_slot {
	bool used;
	uint64_t gpa, size;
	uint8_t *host;
	bool readonly;
};

struct kvm_vm {
	int sys_fd, vm_fd;
	int run_size;			/* KVM_GET_VCPU_MMAP_SIZE */
	bool has_readonly_mem, has_irqfd, has_ioeventfd, has_signal_msi;
	bool has_xcrs, has_debugregs, has_vcpu_events;
	bool irqchip_created;
	bool has_irq_routing, has_irqfd_resample;
	/* KVM_SET_GSI_ROUTING replaces the whole table: the irqchip's routes
	 * (pc pins for on, level declarations for split) plus the irqfd MSIs */
	pthread_mutex_t route_lock;
	struct kvm_irq_routing_entry *base_routes;
	unsigned nbase_routes;
	struct kvm_msi_route msi_route[KVM_MSI_ROUTES];
	bool user_msr;			/* off: APIC MSRs exit to us (KVM_CAP_X86_USER_SPACE_MSR) */
	pthread_mutex_t slot_lock;
	struct kvm_slot slot[KVM_MAX_SLOTS];
	/* CPUID after -cpu filtering; each vCPU gets a copy with its APIC ID */
	struct cpuid_leaf *cpuid;
	unsigned ncpuid;
	uint32_t signature;		/* CPUID(1).EAX: RDX after reset */
};

struct kvm_vcpu_priv {
	int fd;
	struct kvm_run *run;
	bool wait_sipi;			/* off: an AP in wait-for-SIPI (INIT done, no SIPI yet) */
	atomic_bool unhalt;		/* split: kvm_split_unhalt() asked for a wake-up */
};

static inline struct kvm_vm *kvm_vm_of(struct accel *a) { return a->priv; }

/* kvm.c */
int kvm_ioctl_retry(int fd, unsigned long req, void *arg);
int kvm_irqchip_create(struct accel *a, char *err, size_t errlen);

/* kvm_notify.c: ioeventfd, irqfd and the GSI routing table */
void kvm_notify_init(struct kvm_vm *vm);
void kvm_notify_destroy(struct kvm_vm *vm);
/* Make the irqchip's part of the table e[0..n) and commit: 0 or -errno. */
int kvm_routes_set_base(struct kvm_vm *vm, const struct kvm_irq_routing_entry *e, unsigned n);
int kvm_add_ioeventfd(struct accel *a, const struct accel_ioeventfd *e, char *err, size_t errlen);
int kvm_del_ioeventfd(struct accel *a, const struct accel_ioeventfd *e);
int kvm_add_irqfd(struct accel *a, const struct accel_irqfd *f, char *err, size_t errlen);
int kvm_del_irqfd(struct accel *a, const struct accel_irqfd *f);

/* kvm_userapic.c: kernel-irqchip=off, our LAPIC in userspace */
int kvm_userapic_vm_setup(struct accel *a, char *err, size_t errlen);
void kvm_userapic_cpuid(struct accel *a, struct cpuid_leaf *l, unsigned n);
void kvm_userapic_reset(struct vcpu *v);
/* Before KVM_RUN: INIT/SIPI/NMI, then a maskable interrupt if the window is open.
 * false: the vCPU waits for SIPI (do not run it). */
bool kvm_userapic_pre_run(struct vcpu *v);
/* MMIO exit inside this vCPU's LAPIC page: served, true. */
bool kvm_userapic_mmio(struct vcpu *v);
void kvm_userapic_msr(struct vcpu *v, bool is_write);
/* HLT exit: does something wake the CPU at once? */
bool kvm_userapic_halt_wakes(struct vcpu *v);

/* kvm_vcpu.c */
int kvm_cpuid_setup(struct accel *a, char *err, size_t errlen);
int kvm_vcpu_init(struct accel *a, struct vcpu *v, char *err, size_t errlen);
void kvm_vcpu_destroy(struct vcpu *v);
int kvm_vcpu_reset(struct vcpu *v);
enum accel_run kvm_vcpu_run(struct vcpu *v);
void kvm_vcpu_kick(struct vcpu *v);
void kvm_split_unhalt(struct vcpu *v);	/* accel_ops.vcpu_unhalt */
int kvm_get_state(struct vcpu *v, struct cpu_state *s);
int kvm_set_state(struct vcpu *v, const struct cpu_state *s);
int kvm_vcpu_set_debug(struct vcpu *v, const struct accel_debug *d, char *err, size_t errlen);

#endif
