/*
 * KVM ioeventfd and irqfd (Documentation/virt/kvm/api.rst: KVM_IOEVENTFD,
 * KVM_IRQFD, KVM_SET_GSI_ROUTING), and the GSI routing table they share
 * with the irqchip modes.
 *
 * KVM_SET_GSI_ROUTING replaces the whole table, so it is always rebuilt
 * here from two parts: the irqchip's entries (kernel-irqchip=on: the pc
 * pins; split: the level-vector declarations of set_eoi_routes) and
 * one MSI entry per irqfd MSI route, on GSIs from KVM_MSI_GSI_BASE up
 * (above every IOAPIC pin, so split's EOI scan never looks at them).
 *
 * What needs which capability (without it: -ENOTSUP, the VMM keeps exits):
 *   ioeventfd                  KVM_CAP_IOEVENTFD
 *   irqfd on an MSI route      KVM_CAP_IRQFD, KVM_CAP_IRQ_ROUTING; on or split
 *   irqfd on a GSI (level)     KVM_CAP_IRQFD, KVM_CAP_IRQFD_RESAMPLE; on only
 */
#include "vmm/accel/kvm/kvm_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIO_SPACE	0x10000ull

void kvm_notify_init(struct kvm_vm *vm)
{
	pthread_mutex_init(&vm->route_lock, NULL);
	for (unsigned i = 0; i < KVM_MSI_ROUTES; i++)
		vm->msi_route[i].fd = -1;
}

void kvm_notify_destroy(struct kvm_vm *vm)
{
	free(vm->base_routes);
	vm->base_routes = NULL;
	vm->nbase_routes = 0;
	pthread_mutex_destroy(&vm->route_lock);
}

/* route_lock held */
static int routes_commit(struct kvm_vm *vm)
{
	struct kvm_irq_routing *t;
	unsigned n = vm->nbase_routes;
	int ret = 0;

	t = calloc(1, sizeof(*t) + (n + KVM_MSI_ROUTES) * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	if (n)
		memcpy(t->entries, vm->base_routes, n * sizeof(t->entries[0]));
	for (unsigned i = 0; i < KVM_MSI_ROUTES; i++) {
		const struct kvm_msi_route *r = &vm->msi_route[i];

		if (!r->used)
			continue;
		t->entries[n].gsi = KVM_MSI_GSI_BASE + i;
		t->entries[n].type = KVM_IRQ_ROUTING_MSI;
		t->entries[n].u.msi.address_lo = (uint32_t)r->address;
		t->entries[n].u.msi.address_hi = (uint32_t)(r->address >> 32);
		t->entries[n].u.msi.data = r->data;
		n++;
	}
	t->nr = n;
	if (kvm_ioctl_retry(vm->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
		ret = -errno;
	free(t);
	return ret;
}

int kvm_routes_set_base(struct kvm_vm *vm, const struct kvm_irq_routing_entry *e, unsigned n)
{
	struct kvm_irq_routing_entry *copy = NULL;
	int ret;

	if (n && !(copy = malloc(n * sizeof(*copy))))
		return -ENOMEM;
	if (n)
		memcpy(copy, e, n * sizeof(*copy));
	pthread_mutex_lock(&vm->route_lock);
	free(vm->base_routes);
	vm->base_routes = copy;
	vm->nbase_routes = n;
	ret = routes_commit(vm);
	pthread_mutex_unlock(&vm->route_lock);
	return ret;
}

/* ---- ioeventfd ----------------------------------------------------------------- */

static int ioeventfd_check(struct kvm_vm *vm, const struct accel_ioeventfd *e)
{
	if (!vm->has_ioeventfd)
		return -ENOTSUP;
	if (!e || e->fd < 0 || (e->len != 1 && e->len != 2 && e->len != 4 && e->len != 8))
		return -EINVAL;
	if (e->pio ? e->addr >= PIO_SPACE || PIO_SPACE - e->addr < e->len :
		     e->addr > UINT64_MAX - e->len)
		return -EINVAL;
	/* a datamatch value must fit the access */
	if (e->datamatch && e->len < 8 && (e->data >> (8 * e->len)))
		return -EINVAL;
	return 0;
}

static int ioeventfd_ioctl(struct kvm_vm *vm, const struct accel_ioeventfd *e, bool assign)
{
	struct kvm_ioeventfd k = {
		.datamatch = e->datamatch ? e->data : 0,
		.addr = e->addr,
		.len = e->len,
		.fd = e->fd,
		.flags = (e->datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
			 (e->pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return kvm_ioctl_retry(vm->vm_fd, KVM_IOEVENTFD, &k) < 0 ? -errno : 0;
}

int kvm_add_ioeventfd(struct accel *a, const struct accel_ioeventfd *e, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	int ret = ioeventfd_check(vm, e);

	if (!ret)
		ret = ioeventfd_ioctl(vm, e, true);
	if (ret == -ENOTSUP)
		snprintf(err, errlen, "kvm: no KVM_CAP_IOEVENTFD");
	else if (ret < 0)
		snprintf(err, errlen, "kvm: KVM_IOEVENTFD at %s 0x%llx (%u bytes): %s",
			 e && e->pio ? "port" : "address", e ? (unsigned long long)e->addr : 0ull,
			 e ? e->len : 0, strerror(-ret));
	return ret;
}

int kvm_del_ioeventfd(struct accel *a, const struct accel_ioeventfd *e)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	int ret = ioeventfd_check(vm, e);

	return ret ? ret : ioeventfd_ioctl(vm, e, false);
}

/* ---- irqfd ----------------------------------------------------------------------- */

static int irqfd_ioctl(struct kvm_vm *vm, int fd, unsigned gsi, int resample_fd, bool assign)
{
	struct kvm_irqfd k = {
		.fd = (uint32_t)fd,
		.gsi = gsi,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (assign && resample_fd >= 0) {
		k.flags |= KVM_IRQFD_FLAG_RESAMPLE;
		k.resamplefd = (uint32_t)resample_fd;
	}
	return kvm_ioctl_retry(vm->vm_fd, KVM_IRQFD, &k) < 0 ? -errno : 0;
}

static int irqfd_check(struct accel *a, const struct accel_irqfd *f)
{
	struct kvm_vm *vm = kvm_vm_of(a);

	if (!f || f->fd < 0)
		return -EINVAL;
	if (!vm->has_irqfd || !vm->irqchip_created)
		return -ENOTSUP;
	if (f->msi)
		return (a->irqchip == IRQCHIP_ON || a->irqchip == IRQCHIP_SPLIT) &&
		       vm->has_irq_routing ? 0 : -ENOTSUP;
	if (a->irqchip != IRQCHIP_ON)
		return -ENOTSUP;
	if (f->gsi >= KVM_SPLIT_IOAPIC_PINS)
		return -EINVAL;
	if (f->resample_fd >= 0 && !vm->has_irqfd_resample)
		return -ENOTSUP;
	return 0;
}

static int msi_irqfd_add(struct kvm_vm *vm, const struct accel_irqfd *f)
{
	struct kvm_msi_route *r = NULL;
	unsigned i;
	int ret;

	pthread_mutex_lock(&vm->route_lock);
	for (i = 0; i < KVM_MSI_ROUTES; i++) {
		if (vm->msi_route[i].used && vm->msi_route[i].fd == f->fd) {
			pthread_mutex_unlock(&vm->route_lock);
			return -EEXIST;
		}
		if (!r && !vm->msi_route[i].used)
			r = &vm->msi_route[i];
	}
	if (!r) {
		pthread_mutex_unlock(&vm->route_lock);
		return -ENOSPC;
	}
	i = (unsigned)(r - vm->msi_route);
	*r = (struct kvm_msi_route){ true, f->fd, f->address, f->data };
	ret = routes_commit(vm);
	if (!ret)
		ret = irqfd_ioctl(vm, f->fd, KVM_MSI_GSI_BASE + i, -1, true);
	if (ret < 0) {
		*r = (struct kvm_msi_route){ .fd = -1 };
		routes_commit(vm);
	}
	pthread_mutex_unlock(&vm->route_lock);
	return ret;
}

static int msi_irqfd_del(struct kvm_vm *vm, const struct accel_irqfd *f)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&vm->route_lock);
	for (unsigned i = 0; i < KVM_MSI_ROUTES; i++) {
		struct kvm_msi_route *r = &vm->msi_route[i];

		if (!r->used || r->fd != f->fd)
			continue;
		ret = irqfd_ioctl(vm, f->fd, KVM_MSI_GSI_BASE + i, -1, false);
		*r = (struct kvm_msi_route){ .fd = -1 };
		routes_commit(vm);
		break;
	}
	pthread_mutex_unlock(&vm->route_lock);
	return ret;
}

int kvm_add_irqfd(struct accel *a, const struct accel_irqfd *f, char *err, size_t errlen)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	int ret = irqfd_check(a, f);

	if (!ret)
		ret = f->msi ? msi_irqfd_add(vm, f) : irqfd_ioctl(vm, f->fd, f->gsi, f->resample_fd, true);
	if (ret == -ENOTSUP)
		snprintf(err, errlen, "kvm: no irqfd for %s here (KVM_CAP_IRQFD%s, kernel-irqchip=%s)",
			 f->msi ? "MSIs" : "GSIs",
			 f->msi ? ", KVM_CAP_IRQ_ROUTING" : ", KVM_CAP_IRQFD_RESAMPLE",
			 f->msi ? "on or split" : "on");
	else if (ret == -ENOSPC)
		snprintf(err, errlen, "kvm: all %d irqfd MSI routes are in use", KVM_MSI_ROUTES);
	else if (ret < 0 && f && f->msi)
		snprintf(err, errlen, "kvm: irqfd for MSI 0x%llx/0x%x: %s",
			 (unsigned long long)f->address, f->data, strerror(-ret));
	else if (ret < 0)
		snprintf(err, errlen, "kvm: irqfd for GSI %u: %s", f ? f->gsi : 0, strerror(-ret));
	return ret;
}

int kvm_del_irqfd(struct accel *a, const struct accel_irqfd *f)
{
	struct kvm_vm *vm = kvm_vm_of(a);
	int ret = irqfd_check(a, f);

	if (ret)
		return ret;
	return f->msi ? msi_irqfd_del(vm, f) : irqfd_ioctl(vm, f->fd, f->gsi, -1, false);
}
