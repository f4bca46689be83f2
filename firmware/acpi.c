/*
 * ACPI: QEMU builds the tables; the firmware places them by running
 * etc/table-loader (logic/tableloader.c) with fw_cfg-backed callbacks.
 * The RSDP's address is kept for boot_params.acpi_rsdp_addr.
 */
#include "firmware/fw.h"

#define TL_SCRIPT_MAX		0x2000

u32 fw_rsdp;

/* the table-loader asks for a file's size, then loads that same name */
static const char *sized_name;
static u16 sized_sel;

static int cb_file_size(void *ctx, const char *name, u32 *size)
{
	if (fw_cfg_find(name, &sized_sel, size) < 0)
		return -1;
	sized_name = name;
	return 0;
}

static int cb_alloc(void *ctx, u32 size, u32 align, u8 zone, u8 **ptr, u64 *addr)
{
	void *p = zone == TL_ZONE_FSEG ? mem_alloc_fseg(size, align) : mem_alloc_high_raw(size, align);

	if (!p)
		return -1;
	*ptr = p;
	*addr = (uintptr_t)p;
	return 0;
}

static int cb_load(void *ctx, const char *name, u8 *ptr, u32 size)
{
	u32 got;

	if (name == sized_name) {
		fw_cfg_read_entry(sized_sel, ptr, size);
		return 0;
	}
	if (fw_cfg_read_file(name, ptr, size, &got) < 0 || got != size)
		return -1;
	return 0;
}

static int cb_write_pointer(void *ctx, const char *name, u32 offset, u64 value, u8 size)
{
	u16 sel;
	u8 le[8];

	if (fw_cfg_find(name, &sel, NULL) < 0)
		return -1;
	put_le64(le, value);
	return fw_cfg_write_entry(sel, offset, le, size);
}

static void cb_error(void *ctx, u32 index, u32 cmd, enum tl_err err)
{
	log_error("acpi: table-loader command %u (type %u): %s\n", index, cmd, tl_strerror(err));
}

static const struct tl_ops ops = {
	.file_size = cb_file_size,
	.alloc = cb_alloc,
	.load = cb_load,
	.write_pointer = cb_write_pointer,
	.error = cb_error,
	.sum = fw_sum8,
};

void acpi_setup(void)
{
	static u8 script[TL_SCRIPT_MAX] __noinit;
	static struct tl_state st;
	const struct tl_blob *rsdp;
	u32 len;
	u16 sel;

	if (fw_cfg_find("etc/table-loader", &sel, &len) < 0) {
		log_detail("acpi: no etc/table-loader\n");
		return;
	}
	if (len > sizeof(script)) {
		log_error("acpi: table-loader is %u bytes, only %u run\n", len, (u32)sizeof(script));
		len = sizeof(script);
	}
	fw_cfg_read_entry(sel, script, len);
	tl_init(&st, &ops, NULL);
	tl_run(&st, script, len);
	rsdp = tl_find(&st, "etc/acpi/rsdp");
	if (rsdp)
		fw_rsdp = (u32)rsdp->addr;
	log_detail("acpi: %u files, RSDP at %x\n", st.nr, fw_rsdp);
	post(POST_ACPI);
}
