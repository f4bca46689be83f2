/*
 * -kernel through fw_cfg, the way QEMU's x86 Linux loader offers it to the
 * firmware (which then runs linuxboot or its own loader): the bzImage is
 * split into the real-mode setup and the protected-mode kernel, and the setup
 * header is patched with where the firmware must put the command line and
 * the initrd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/fw_cfg.h"
#include "loader/loader.h"

/* setup header offsets (Documentation/arch/x86/boot.rst) */
#define HDR_CL_MAGIC		0x020	/* protocol < 2.02: old command line protocol */
#define HDR_CL_OFFSET		0x022
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_END			0x268	/* enough of the header to patch */

#define CL_MAGIC_VALUE		0xa33f
#define LOADER_TYPE_QEMU	0xb0	/* high nibble B: QEMU, as QEMU reports itself */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}

static int add_cmdline_initrd_data(struct fw_cfg *fc, const struct fw_cfg_kernel_args *a,
				   const char *cmdline)
{
	int ret;

	ret = fw_cfg_add_i32(fc, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1);
	if (!ret)
		ret = fw_cfg_add_string(fc, FW_CFG_CMDLINE_DATA, cmdline);
	if (!ret && a->initrd) {
		ret = fw_cfg_add_i32(fc, FW_CFG_INITRD_SIZE, a->initrd_len);
		if (!ret)
			ret = fw_cfg_add_bytes_ref(fc, FW_CFG_INITRD_DATA, a->initrd, a->initrd_len);
	}
	return ret;
}

static int add_other(struct fw_cfg *fc, const struct fw_cfg_kernel_args *a, const char *cmdline,
		     struct fw_cfg_kernel_layout *out, struct loader_err *err)
{
	int ret;

	/* multiboot/ELF: QEMU's option ROMs for these are not ours; offer the file */
	ret = fw_cfg_add_i32(fc, FW_CFG_KERNEL_SIZE, a->kernel_len);
	if (!ret)
		ret = fw_cfg_add_bytes_ref(fc, FW_CFG_KERNEL_DATA, a->kernel, a->kernel_len);
	if (!ret)
		ret = add_cmdline_initrd_data(fc, a, cmdline);
	if (ret)
		return loader_fail(err, LOADER_E_NOMEM, "fw_cfg", "cannot add kernel items (%d)", ret);
	out->kernel_size = a->kernel_len;
	return 0;
}

int fw_cfg_add_kernel(struct fw_cfg *fc, const struct fw_cfg_kernel_args *a,
		      struct fw_cfg_kernel_layout *layout, struct loader_err *err)
{
	struct fw_cfg_kernel_layout tmp, *out = layout ? layout : &tmp;
	const char *cmdline = a->cmdline ? a->cmdline : "";
	uint32_t acpi = a->acpi_data_size ? a->acpi_data_size : FW_CFG_PC_ACPI_DATA_SIZE;
	size_t cmdline_len = strlen(cmdline);
	uint32_t cmdline_size;
	uint64_t initrd_max;
	struct bzimage_info bz;
	uint8_t *setup;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!a->kernel || !a->kernel_len)
		return loader_fail(err, LOADER_E_TRUNCATED, "kernel", "empty kernel image");
	if (loader_detect(a->kernel, a->kernel_len) != IMAGE_BZIMAGE)
		return add_other(fc, a, cmdline, out, err);
	ret = bzimage_parse(a->kernel, a->kernel_len, &bz, err);
	if (ret)
		return ret;
	if (bz.setup_size < HDR_END || bz.setup_size > a->kernel_len)
		return loader_fail(err, LOADER_E_TRUNCATED, "setup_sects",
				   "setup of %zu bytes in a %zu-byte file", bz.setup_size,
				   a->kernel_len);
	if (cmdline_len >= bz.cmdline_size)
		return loader_fail(err, LOADER_E_CMDLINE, "cmdline_size",
				   "command line of %zu bytes, kernel takes %u", cmdline_len,
				   bz.cmdline_size - 1);
	out->bzimage = true;

	/* where QEMU asks the firmware to put things */
	cmdline_size = (cmdline_len + 16) & ~15u;
	if (bz.protocol < 0x200 || !(bz.loadflags & BZ_LOADED_HIGH)) {
		out->real_addr = 0x90000;
		out->cmdline_addr = 0x9a000 - cmdline_size;
		out->prot_addr = 0x10000;
	} else if (bz.protocol < 0x202) {
		out->real_addr = 0x90000;
		out->cmdline_addr = 0x9a000 - cmdline_size;
		out->prot_addr = 0x100000;
	} else {
		out->real_addr = 0x10000;
		out->cmdline_addr = 0x20000;
		out->prot_addr = 0x100000;
	}

	if (bz.protocol >= 0x20c && (bz.xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G))
		initrd_max = UINT32_MAX;
	else
		initrd_max = bz.initrd_addr_max;
	if (a->below_4g <= (uint64_t)acpi + 1)
		return loader_fail(err, LOADER_E_RANGE, "ram", "%llu bytes of low RAM is too little",
				   (unsigned long long)a->below_4g);
	if (initrd_max >= a->below_4g - acpi)
		initrd_max = a->below_4g - acpi - 1;
	out->initrd_max = initrd_max;

	setup = malloc(bz.setup_size);
	if (!setup)
		return loader_fail(err, LOADER_E_NOMEM, "setup", "out of memory");
	memcpy(setup, a->kernel, bz.setup_size);

	if (bz.protocol >= 0x202) {
		put32(setup + HDR_CMD_LINE_PTR, out->cmdline_addr);
	} else {
		put16(setup + HDR_CL_MAGIC, CL_MAGIC_VALUE);
		put16(setup + HDR_CL_OFFSET, out->cmdline_addr - out->real_addr);
	}
	setup[HDR_TYPE_OF_LOADER] = LOADER_TYPE_QEMU;
	if (bz.protocol >= 0x201) {
		setup[HDR_LOADFLAGS] |= BZ_CAN_USE_HEAP;
		put16(setup + HDR_HEAP_END_PTR, out->cmdline_addr - out->real_addr - 0x200);
	}
	if (a->initrd) {
		if (a->initrd_len >= initrd_max) {
			free(setup);
			return loader_fail(err, LOADER_E_INITRD, "initrd",
					   "%zu bytes do not fit below 0x%llx", a->initrd_len,
					   (unsigned long long)initrd_max);
		}
		out->initrd_addr = (initrd_max - a->initrd_len) & ~4095ull;
		put32(setup + HDR_RAMDISK_IMAGE, out->initrd_addr);
		put32(setup + HDR_RAMDISK_SIZE, a->initrd_len);
	}

	out->setup_size = bz.setup_size;
	out->kernel_size = a->kernel_len - bz.setup_size;
	ret = fw_cfg_add_i32(fc, FW_CFG_CMDLINE_ADDR, out->cmdline_addr);
	if (!ret)
		ret = add_cmdline_initrd_data(fc, a, cmdline);
	if (!ret && a->initrd)
		ret = fw_cfg_add_i32(fc, FW_CFG_INITRD_ADDR, out->initrd_addr);
	if (!ret)
		ret = fw_cfg_add_i32(fc, FW_CFG_KERNEL_ADDR, out->prot_addr);
	if (!ret)
		ret = fw_cfg_add_i32(fc, FW_CFG_KERNEL_SIZE, out->kernel_size);
	if (!ret)
		ret = fw_cfg_add_bytes_ref(fc, FW_CFG_KERNEL_DATA, a->kernel + bz.setup_size,
					   out->kernel_size);
	if (!ret)
		ret = fw_cfg_add_i32(fc, FW_CFG_SETUP_ADDR, out->real_addr);
	if (!ret)
		ret = fw_cfg_add_i32(fc, FW_CFG_SETUP_SIZE, out->setup_size);
	if (!ret)
		ret = fw_cfg_add_bytes(fc, FW_CFG_SETUP_DATA, setup, out->setup_size);
	free(setup);
	if (ret)
		return loader_fail(err, LOADER_E_NOMEM, "fw_cfg", "cannot add kernel items (%d)", ret);
	return 0;
}
