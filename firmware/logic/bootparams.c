/*
 * boot_params for Linux's 32-bit boot protocol: the loader copies the setup
 * header out of the kernel's setup sectors into a zeroed page and fills in
 * what the real-mode setup code would have found out (memory map, command
 * line, initrd, RSDP).
 */
#include "firmware/logic/fwlogic.h"

#define BP_BOOT_FLAG_MAGIC	0xaa55
#define BP_HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BP_OLD_CMDLINE_MAX	255
#define BP_E820_ENTRY_SIZE	20

u16 bp_protocol(const u8 *setup, u32 len)
{
	if (len < BP_VERSION + 2 || get_le32(setup + BP_HEADER) != BP_HDRS_MAGIC)
		return 0;
	return get_le16(setup + BP_VERSION);
}

/* The lowest failure in a mask of checks (bit i: codes[i]); BP_OK for none. */
static enum bp_err first_err(u32 bad, const u8 *codes)
{
	return bad ? (enum bp_err)codes[__builtin_ctz(bad)] : BP_OK;
}

/*
 * The checks go in two groups, each a mask with one branch on it (under a
 * JIT a branch per check is a block per check): the header's identity and
 * extent first, then what may only be read once the extent is known. The
 * rest is written for the JIT too: selects as masks, u32 where the value
 * fits, the map one loop over local pointers.
 */
enum bp_err bp_fill(u8 *zp, const u8 *setup, u32 len, const struct bp_info *in)
{
	static const u8 codes1[] = { BP_ERR_BOOT_FLAG, BP_ERR_MAGIC, BP_ERR_PROTOCOL, BP_ERR_SHORT };
	static const u8 codes2[] = { BP_ERR_NOT_HIGH, BP_ERR_CMDLINE, BP_ERR_INITRD, BP_ERR_E820 };
	static const u32 old_max = LE32(BP_OLD_CMDLINE_MAX);
	u32 end, max_cmd, use_new, initrd_last, bad;
	enum bp_err err;
	u16 ver;

	if (len < BP_HEADER + 6)
		return BP_ERR_SHORT;
	ver = get_le16(setup + BP_VERSION);
	/* the header ends where the jump at 0x200 lands (at most BP_HDR_LIMIT) */
	end = BP_HEADER + setup[BP_JUMP + 1];
	end = end < BP_HDR_LIMIT ? end : BP_HDR_LIMIT;
	bad = (get_le16(setup + BP_BOOT_FLAG) != BP_BOOT_FLAG_MAGIC) |
	      (get_le32(setup + BP_HEADER) != BP_HDRS_MAGIC) << 1 | (ver < 0x0202) << 2 |
	      ((end < BP_INITRD_ADDR_MAX + 4) | (end > len)) << 3;
	OPAQUE(bad);		/* one branch on the mask, not one per check */
	if ((err = first_err(bad, codes1)))
		return err;
	/*
	 * cmdline_size from 2.06 on if the header holds it, else the old
	 * limit: a select of where to read from, not branches.
	 */
	use_new = (ver >= 0x0206) & (end >= BP_CMDLINE_SIZE + 4);
	OPAQUE(use_new);	/* (else GCC branches on ver again) */
	max_cmd = get_le32(use_new ? setup + BP_CMDLINE_SIZE : (const u8 *)&old_max);
	/*
	 * The initrd's last byte in u32: it wraps (lies below the first) exactly
	 * when the initrd ends past 4 GiB; above initrd_addr_max, or wrapped.
	 */
	initrd_last = in->initrd_addr + in->initrd_size - 1;
	bad = ((setup[BP_LOADFLAGS] & BP_LOADED_HIGH) == 0) | (in->cmdline_len > max_cmd) << 1 |
	      ((in->initrd_size != 0) &
	       ((initrd_last > get_le32(setup + BP_INITRD_ADDR_MAX)) |
		(initrd_last < in->initrd_addr))) << 2 |
	      ((in->e820 != NULL) && in->e820->nr > BP_E820_MAX) << 3;
	if ((err = first_err(bad, codes2)))
		return err;

	memset(zp, 0, BP_SIZE);
	memcpy(zp + BP_HDR_START, setup + BP_HDR_START, end - BP_HDR_START);
	zp[BP_TYPE_OF_LOADER] = BP_LOADER_UNKNOWN;
	zp[BP_LOADFLAGS] &= (u8)~BP_CAN_USE_HEAP;
	put_le32(zp + BP_CMD_LINE_PTR, in->cmdline_addr);
	put_le32(zp + BP_RAMDISK_IMAGE, in->initrd_addr & -(u32)(in->initrd_size != 0));
	put_le32(zp + BP_RAMDISK_SIZE, in->initrd_size);
	if (ver >= 0x020e)
		put_le64(zp + BP_ACPI_RSDP_ADDR, in->rsdp);

	if (in->e820) {
		const struct e820_entry *e = in->e820->e;
		u8 *p = zp + BP_E820_TABLE;
		u32 nr = in->e820->nr;
		u64 ext = 0;

		for (u32 i = 0; i < nr; i++, e++, p += BP_E820_ENTRY_SIZE) {
			JIT_LOOP_TOP();
			put_le64(p, e->addr);
			put_le64(p + 8, e->size);
			put_le32(p + 16, e->type);
			/*
			 * alt_mem_k: RAM contiguous from 1 MiB, in KiB. The cheap
			 * test (RAM, starts at or below 1 MiB) in u32 halves first:
			 * the u64 sum only for the one or two entries it passes.
			 */
			if ((e->type == E820_RAM) & ((u32)(e->addr >> 32) == 0) &
			    ((u32)e->addr <= 0x100000)) {
				u64 e_end = e->addr + e->size;

				if (e_end > 0x100000)
					ext = (e_end - 0x100000) >> 10;
			}
		}
		zp[BP_E820_ENTRIES] = (u8)nr;
		put_le32(zp + BP_ALT_MEM_K, ext > 0xffffffffULL ? 0xffffffffU : (u32)ext);
	}
	return BP_OK;
}

const char *bp_strerror(enum bp_err err)
{
	static const char *const msg[] = {
		[BP_OK] = "ok",
		[BP_ERR_SHORT] = "setup header truncated",
		[BP_ERR_BOOT_FLAG] = "no boot flag 0xAA55 at 0x1FE",
		[BP_ERR_MAGIC] = "no \"HdrS\" magic at 0x202 (not a bzImage)",
		[BP_ERR_PROTOCOL] = "boot protocol older than 2.02",
		[BP_ERR_NOT_HIGH] = "not loaded high (zImage): LOADED_HIGH clear",
		[BP_ERR_CMDLINE] = "command line longer than cmdline_size",
		[BP_ERR_INITRD] = "initrd above initrd_addr_max",
		[BP_ERR_E820] = "too many e820 entries",
	};

	return (unsigned)err < ARRAY_SIZE(msg) && msg[err] ? msg[err] : "?";
}
