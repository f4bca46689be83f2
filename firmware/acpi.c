/*
 * ACPI: QEMU builds the tables; the firmware places them by running
 * etc/table-loader (logic/tableloader.c) with fw_cfg-backed callbacks.
 * The RSDP's address is kept for boot_params.acpi_rsdp_addr.
 */
#include "firmware/fw.h"

#define TL_SCRIPT_MAX		0x2000

u32 fw_rsdp;

/*
 * The table-loader asks for a file's size, then loads that same name, and
 * only after the size was found: so the name is recorded before the look-up
 * (a tail call, no branch); a failed one leaves a selector never used.
 */
static const char *sized_name;
static u16 sized_sel;

static int cb_file_size(void *ctx, const char *name, u32 *size)
{
	sized_name = name;
	return fw_cfg_find(name, &sized_sel, size);
}

/* by zone, so one call and no branch: FSEG, or HIGH for anything else */
static void *(*const alloc_in[2])(u32 size, u32 align) = { mem_alloc_high_raw, mem_alloc_fseg };

static int cb_alloc(void *ctx, u32 size, u32 align, u8 zone, u8 **ptr, u64 *addr)
{
	void *p = alloc_in[zone == TL_ZONE_FSEG](size, align);

	*ptr = p;
	*addr = (uintptr_t)p;
	return p ? 0 : -1;
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
	u32 len = 0;
	u16 sel;
	int missing = fw_cfg_find("etc/table-loader", &sel, &len);

	/* both rare cases behind one branch: under a JIT each branch is a block */
	if (missing | (len > sizeof(script))) {
		if (missing) {
			log_detail("acpi: no etc/table-loader\n");
			return;
		}
		log_error("acpi: table-loader is %u bytes, only %u run\n", len, (u32)sizeof(script));
		len = sizeof(script);
	}
	fw_cfg_read_entry(sel, script, len);
	tl_init(&st, &ops, NULL);
	tl_run(&st, script, len);
	/* 0 if there is none (no branch: under a JIT each is a block) */
	fw_rsdp = (u32)tl_addr(&st, "etc/acpi/rsdp");
	log_detail("acpi: %u files, RSDP at %x\n", st.nr, fw_rsdp);
	post(POST_ACPI);
}
