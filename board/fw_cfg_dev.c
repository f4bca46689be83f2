/*
 * fw_cfg as a board device ("fw_cfg_io", QEMU's name): the selector/data
 * ports at iobase, the DMA register at dma-iobase. realize() fills the keys
 * every PC has from the board (RAM size, CPU count); the VMM then adds the
 * kernel, e820, ACPI and ROM files through board_fw_cfg().
 */
#include <errno.h>
#include <stddef.h>

#include "board/board.h"
#include "board/device.h"
#include "board/fw_cfg.h"

struct fw_cfg_dev {
	struct device dev;
	uint32_t iobase, dma_iobase;
	bool dma_enabled;
	struct fw_cfg fc;
};

static const struct device_prop fw_cfg_dev_props[] = {
	DEVICE_PROP_U32("iobase", struct fw_cfg_dev, iobase, FW_CFG_PORT_SEL),
	DEVICE_PROP_U32("dma-iobase", struct fw_cfg_dev, dma_iobase, FW_CFG_PORT_DMA),
	DEVICE_PROP_BOOL("dma_enabled", struct fw_cfg_dev, dma_enabled, 1),
	{ 0 }
};

static int fw_cfg_dev_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct fw_cfg_dev *f = (struct fw_cfg_dev *)dev;
	struct fw_cfg_pc_info pc = {
		.ram_size = b->mem.ram_size, .ncpus = b->ncpus ? b->ncpus : 1,
		.boot_fail_wait = -1,
	};
	int ret;

	ret = fw_cfg_init(&f->fc, &b->mem, f->dma_enabled);
	if (ret)
		return board_err(err, ret, "%s: cannot initialise fw_cfg", dev->name);
	ret = fw_cfg_add_pc_keys(&f->fc, &pc);
	if (ret)
		board_err(err, ret, "%s: cannot add the machine keys", dev->name);
	if (!ret)
		ret = device_pio_register(dev, f->iobase, FW_CFG_IO_LEN, &fw_cfg_io_ops, &f->fc,
					  err);
	if (!ret && f->dma_enabled)
		ret = device_pio_register(dev, f->dma_iobase, FW_CFG_DMA_LEN, &fw_cfg_dma_ops,
					  &f->fc, err);
	/* a failed realize is not unrealized: free the items here */
	if (ret)
		fw_cfg_destroy(&f->fc);
	return ret;
}

static void fw_cfg_dev_reset(struct device *dev)
{
	fw_cfg_reset(&((struct fw_cfg_dev *)dev)->fc);
}

static void fw_cfg_dev_unrealize(struct device *dev)
{
	fw_cfg_destroy(&((struct fw_cfg_dev *)dev)->fc);
}

static struct device_type fw_cfg_dev_type = {
	.name = "fw_cfg_io",
	.desc = "QEMU firmware configuration interface (ports, DMA)",
	.instance_size = sizeof(struct fw_cfg_dev),
	.props = fw_cfg_dev_props,
	.realize = fw_cfg_dev_realize,
	.reset = fw_cfg_dev_reset,
	.unrealize = fw_cfg_dev_unrealize,
};
DEVICE_TYPE(fw_cfg_dev_type);

struct fw_cfg *board_fw_cfg(struct board *b)
{
	struct device *d;

	for (d = b->devices; d; d = d->next)
		if (d->type == &fw_cfg_dev_type && d->realized)
			return &((struct fw_cfg_dev *)d)->fc;
	return NULL;
}

int fw_cfg_add_roms(struct fw_cfg *fc, const struct board *b)
{
	unsigned i, n = rom_count(b);
	int ret;

	for (i = 0; i < n; i++) {
		const struct rom_blob *r = rom_get(b, i);

		if (!r || r->gpa != ROM_NO_GPA)
			continue;
		ret = fw_cfg_add_file_ref(fc, r->name, r->data, r->len);
		if (ret)
			return ret;
	}
	return 0;
}
