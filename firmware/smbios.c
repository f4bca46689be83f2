/*
 * SMBIOS: QEMU's etc/smbios/smbios-tables go high, its smbios-anchor (2.1
 * "_SM_" or 3.0 "_SM3_" entry point) goes to the F segment with the table
 * address patched and checksums redone. Without them, a minimal set: a 2.1
 * entry point, a type 0 (BIOS information) record and the end-of-table.
 */
#include "firmware/fw.h"

#define SM21_LEN		0x1f
#define SM30_LEN		0x18
#define SMBIOS_MAX_TABLES	0x4000
#define SM21_SIG		0x5f4d535f	/* "_SM_", little-endian */
#define SM30_SIG		0x334d535f	/* "_SM3" (then '_') */

/* The anchors' signatures as word compares, not calls: fewer blocks under a JIT. */
static inline __attribute__((always_inline)) bool is_sm30(const u8 *a)
{
	u32 sm30 = (get_le32(a) == SM30_SIG) & (a[4] == '_');

	OPAQUE(sm30);		/* one branch, not one per compare */
	return sm30;
}

/*
 * The table address and length into the entry point, checksums redone: 2.1's
 * intermediate one covers the 15 bytes from 0x10, the 16 from 0x0f less
 * a[0x0f] (fw_sum8 takes 16 bytes and more by SSE2). add: 1 when a type 0 was
 * put in front of QEMU's structures (the count saturates). Both sums by
 * fw_sum8(), which the other tables' checksums have translated already: a
 * call costs a JIT (QEMU's TCG) less than the sum written out inline.
 */
static inline __attribute__((always_inline)) void fix_sm21(u8 *a, u32 tables, u32 tlen, u32 add)
{
	u16 count = get_le16(a + 0x1c);

	put_le32(a + 0x18, tables);
	put_le16(a + 0x16, (u16)tlen);
	put_le16(a + 0x1c, (u16)(count + (add & (count != 0xffff))));
	a[0x15] = 0;
	a[0x15] = (u8)(a[0x0f] - fw_sum8(a + 0x0f, 16));	/* 16 bytes: the SSE2 sum's */
	a[0x04] = 0;
	a[0x04] = (u8)-fw_sum8(a, a[0x05]);
}

static inline __attribute__((always_inline)) void fix_sm30(u8 *a, u32 tables, u32 tlen)
{
	put_le64(a + 0x10, tables);
	put_le32(a + 0x0c, tlen);
	a[0x05] = 0;
	a[0x05] = (u8)-fw_sum8(a, a[0x06]);
}

/*
 * Type 0 with vendor and version strings, TYPE0_LEN bytes, into zeroed
 * memory. Stores, not a call: the strings in 8-byte pieces, which gcc
 * writes as immediates (a longer piece becomes a rep movs, two more blocks).
 */
#define TYPE0_LEN		0x2c
static inline __attribute__((always_inline)) void type0_write(u8 *p)
{
	p[0] = 0;		/* type 0: BIOS information */
	p[1] = 0x12;		/* length (2.1 layout with one extension byte) */
	put_le16(p + 2, 0);	/* handle */
	p[4] = 1;		/* vendor: string 1 */
	p[5] = 2;		/* version: string 2 */
	put_le16(p + 6, FW_IMAGE_BASE >> 4);	/* starting segment */
	p[8] = 0;		/* release date: none */
	p[9] = 0;		/* ROM size: 64 KiB */
	put_le64(p + 10, 1ULL << 3);	/* characteristics not supported */
	/* "bringup\0" "bringup firmware\0" and the double NUL's second */
	memcpy(p + 0x12, "bringup", 8);
	memcpy(p + 0x1a, "bringup ", 8);
	memcpy(p + 0x22, "firmware", 8);
	p[0x2a] = p[0x2b] = 0;
}

/*
 * Under a JIT (QEMU's TCG) each branch and each call's return is a block to
 * translate: every check before the allocations is one branch on a mask,
 * QEMU's tables are read straight to where they stay when a type 0 goes in
 * front (QEMU's default), a 2.1 entry point (QEMU's default) is told apart
 * from the rest by one branch, and it shares the fix-up with the fallback.
 * The fallback comes first in the text so that gcc lays QEMU's path out
 * falling through to the fix-up and the return (a jump is a block more).
 */
void smbios_setup(void)
{
	u32 tlen = 0, alen = 0, need = 0, bad;
	u16 tsel = 0, asel = 0;
	u8 *tables, *anchor;
	const char *what;

	/* the second look-up even when the first fails: no side effects, one branch */
	bad = (u32)fw_cfg_find("etc/smbios/smbios-tables", &tsel, &tlen);
	bad |= (u32)fw_cfg_find("etc/smbios/smbios-anchor", &asel, &alen);
	bad |= (tlen - 1 >= SMBIOS_MAX_TABLES) | (alen < SM30_LEN) | (alen > 0x20);
	OPAQUE(bad);
	if (bad) {
minimal:
		tables = mem_alloc_high(64, 16);
		anchor = mem_alloc_fseg(SM21_LEN, 16);
		bad = !tables | !anchor;
		OPAQUE(bad);
		if (bad) {
nomem:
			log_error("smbios: out of memory\n");
			return;
		}
		type0_write(tables);
		tables[TYPE0_LEN] = 127;		/* end of table */
		tables[TYPE0_LEN + 1] = 4;
		put_le16(tables + TYPE0_LEN + 2, 1);	/* handle; then the double NUL */
		tlen = TYPE0_LEN + 6;
		memcpy(anchor, "_SM_", 4);
		anchor[0x05] = SM21_LEN;
		anchor[0x06] = 2;		/* version 2.1 */
		anchor[0x07] = 1;
		put_le16(anchor + 0x08, 0x12);	/* largest structure */
		memcpy(anchor + 0x10, "_DMI_", 5);
		put_le16(anchor + 0x1c, 2);	/* structures */
		anchor[0x1e] = 0x21;
		need = 0;
		what = "minimal type 0";
	} else {
		/* room for a type 0 in front: 64 bytes, as the table address depends on it */
		tables = mem_alloc_high(tlen + 64, 16);
		anchor = mem_alloc_fseg(alen, 16);
		bad = !tables | !anchor;
		OPAQUE(bad);
		if (bad)
			goto nomem;
		fw_cfg_read_entry(tsel, tables + TYPE0_LEN, tlen);
		fw_cfg_read_entry(asel, anchor, alen);
		/* QEMU leaves type 0 to the firmware unless -smbios type=0 is given */
		need = tables[TYPE0_LEN] != 0;
		type0_write(tables);
		if (!need)
			memmove(tables, tables + TYPE0_LEN, tlen);
		tlen += need ? TYPE0_LEN : 0;
		what = "QEMU's tables, entry point";
		bad = (get_le32(anchor) != SM21_SIG) | (alen < SM21_LEN);
		OPAQUE(bad);
		if (bad) {
			if (!is_sm30(anchor)) {
				log_error("smbios: unknown anchor, using a minimal table\n");
				goto minimal;
			}
			fix_sm30(anchor, (u32)(uintptr_t)tables, tlen);
			goto done;
		}
	}
	fix_sm21(anchor, (u32)(uintptr_t)tables, tlen, need);
done:
	log_detail("smbios: %s at %x\n", what, (u32)(uintptr_t)anchor);
	post(POST_SMBIOS);
}
