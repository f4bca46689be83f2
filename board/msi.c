/*
 * MSI decode and delivery. See msi.h for the contract.
 */
#include <errno.h>

#include "board/log.h"
#include "board/msi.h"

int msi_decode(uint64_t address, uint32_t data, struct msi_fields *f)
{
	unsigned mode = (data & MSI_DATA_DM_MASK) >> MSI_DATA_DM_SHIFT;

	if ((address & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE) {
		guest_error("msi: address 0x%llx is outside 0xfee00000-0xfeefffff (data 0x%x)\n",
			    (unsigned long long)address, data);
		return -EINVAL;
	}
	if (mode == 3 || mode == APIC_DM_SIPI) {
		guest_error("msi: reserved delivery mode %u (data 0x%x)\n", mode, data);
		return -EINVAL;
	}
	f->dest = (address & MSI_ADDR_DEST_MASK) >> MSI_ADDR_DEST_SHIFT;
	f->redir_hint = address & MSI_ADDR_REDIR_HINT;
	f->logical = address & MSI_ADDR_DEST_LOGICAL;
	f->vector = data & MSI_DATA_VECTOR_MASK;
	f->mode = mode;
	f->assert = data & MSI_DATA_ASSERT;
	f->level = data & MSI_DATA_TRIGGER_LEVEL;
	return 0;
}

void msi_to_apic_msg(const struct msi_fields *f, struct apic_msg *m)
{
	m->dest = f->dest;
	m->vector = f->vector;
	m->mode = f->mode;
	m->shorthand = APIC_SH_NONE;
	m->logical = f->logical;
	m->level = f->level;
	/* an edge message always asserts; only level messages carry the bit */
	m->assert = f->level ? f->assert : true;
	m->lowest = f->redir_hint || f->mode == APIC_DM_LOWEST;
	m->x2apic_dest = false;
}

int msi_deliver(struct apic_bus *bus, uint64_t address, uint32_t data)
{
	struct msi_fields f;
	struct apic_msg m;
	int ret = msi_decode(address, data, &f);

	if (ret)
		return ret;
	msi_to_apic_msg(&f, &m);
	if (log_enabled(LOG_INT))
		board_log(LOG_INT, "msi: dest 0x%02x%s vector 0x%02x mode %u%s\n", f.dest,
			  f.logical ? " logical" : "", f.vector, f.mode, f.level ? " level" : "");
	return apic_bus_deliver(bus, NULL, &m);
}

void msi_bus_send(void *opaque, uint64_t address, uint32_t data)
{
	msi_deliver(opaque, address, data);
}
