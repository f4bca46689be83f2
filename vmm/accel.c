/*
 * The accelerator registry. KVM is always built in; the TCG's table is a weak
 * reference so bringup links before vmm/accel/tcg exists (the Makefile links
 * libtcg.a whole once it does).
 */
#include "vmm/accel/accel.h"

#include <string.h>

const struct accel_ops *accel_find(const char *name)
{
	if (!strcmp(name, "kvm"))
		return &kvm_accel_ops;
	if (!strcmp(name, "tcg"))
		return &tcg_accel_ops ? &tcg_accel_ops : NULL;
	return NULL;
}
