/*
 * "acpi-ged": the hardware-reduced ACPI registers of the microvm board, at
 * QEMU's place for them (the GED register block, 0xfea00200). Three byte
 * registers, named by the FADT that board/acpi.c builds for microvm:
 * - SLEEP_CTL (+0): SLP_EN with SLP_TYP 5 (the microvm DSDT's \_S5) is
 *   soft-off: the VMM exits with status 0. Other sleep types are ignored
 *   (there is no S3 to wake from).
 * - SLEEP_STS (+1): reads 0 (no wake event is ever pending).
 * - RESET (+2): the FADT's reset value 0x42 resets the machine.
 * The GED's event selector (QEMU's +0 of 0xfea00000) is not modelled: this
 * board raises no ACPI events, so the DSDT has no GED device.
 */
#include <errno.h>
#include <inttypes.h>

#include "board/acpi.h"
#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

struct acpi_ged {
	struct device dev;
	uint64_t addr;			/* property "addr" */
	struct board *board;
};

static uint64_t acpi_ged_read(void *opaque, uint64_t offset, unsigned size)
{
	return 0;
}

static void acpi_ged_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct acpi_ged *g = opaque;
	uint8_t v = value;

	if (size != 1) {
		guest_error("acpi-ged: %u-byte write at +0x%" PRIx64 " ignored (byte registers)\n",
			    size, offset);
		return;
	}
	switch (offset) {
	case ACPI_GED_SLEEP_CTL:
		if ((v & ACPI_GED_SLP_EN) &&
		    ((v >> ACPI_GED_SLP_TYP_SHIFT) & 7) == ACPI_GED_SLP_TYP_S5)
			board_request_exit(g->board, 0);
		break;
	case ACPI_GED_RESET:
		if (v == ACPI_GED_RESET_VALUE)
			board_request_reset(g->board, RESET_ACPI);
		break;
	default:
		break;
	}
}

static const struct bus_ops acpi_ged_ops = {
	.read = acpi_ged_read,
	.write = acpi_ged_write,
};

static const struct device_prop acpi_ged_props[] = {
	DEVICE_PROP_U64("addr", struct acpi_ged, addr, ACPI_MICROVM_GED_REGS),
	{ 0 }
};

static int acpi_ged_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct acpi_ged *g = (struct acpi_ged *)dev;

	if (g->addr > UINT64_MAX - ACPI_GED_REGS_SIZE)
		return board_err(err, -EINVAL, "%s: property 'addr': 0x%" PRIx64 " wraps",
				 dev->name, g->addr);
	g->board = b;
	return device_mmio_register(dev, g->addr, ACPI_GED_REGS_SIZE, &acpi_ged_ops, g, err);
}

static struct device_type acpi_ged_type = {
	.name = "acpi-ged",
	.desc = "hardware-reduced ACPI sleep and reset registers (microvm)",
	.instance_size = sizeof(struct acpi_ged),
	.props = acpi_ged_props,
	.realize = acpi_ged_realize,
};
DEVICE_TYPE(acpi_ged_type);
