/*
 * KVM-only calls the VMM (vmm/machine.c) makes, for what struct accel_ops
 * has no slot for yet.
 *
 * kernel-irqchip=split: KVM reports the EOI of a vector (KVM_EXIT_IOAPIC_EOI)
 * only if an MSI route on one of the 24 reserved IOAPIC GSIs says that vector
 * is level-triggered for that vCPU (KVM scans those routes). Messages still
 * go in with KVM_SIGNAL_MSI; the routes are only that declaration.
 * kvm_split_set_routes() makes the routing table exactly these MSI routes:
 * each valid entry is (gsi, address, data), plus (gsi, address, data2) if
 * has_data2. 0, or -EINVAL (n > 24, gsi > 23, not split), -ENOMEM, -errno.
 */
#ifndef VMM_ACCEL_KVM_KVM_H
#define VMM_ACCEL_KVM_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/accel/accel.h"

#define KVM_SPLIT_ROUTES	24

struct kvm_split_route {
	bool valid;
	bool has_data2;
	unsigned gsi;
	uint64_t address;
	uint32_t data, data2;
};

int kvm_split_set_routes(struct accel *a, const struct kvm_split_route *r, unsigned n);

/*
 * split: make vCPU v leave an in-kernel HLT at its next entry (a spurious
 * wake-up for the guest), so KVM processes what it keeps for its next entry
 * (this host's KVM holds the EOI exit there). The caller then kicks it.
 */
void kvm_split_unhalt(struct vcpu *v);

#endif
