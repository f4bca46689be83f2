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
	return (get_le32(a) == SM30_SIG) & (a[4] == '_');
}

static void fix_anchor(u8 *a, u32 tables, u32 tlen, u16 count)
{
	if (is_sm30(a)) {
		put_le64(a + 0x10, tables);
		put_le32(a + 0x0c, tlen);
		a[0x05] = 0;
		a[0x05] = (u8)-fw_sum8(a, a[0x06]);
		return;
	}
	put_le32(a + 0x18, tables);
	put_le16(a + 0x16, (u16)tlen);
	if (count)
		put_le16(a + 0x1c, count);
	a[0x15] = 0;
	a[0x15] = (u8)-fw_sum8(a + 0x10, 0x0f);
	a[0x04] = 0;
	a[0x04] = (u8)-fw_sum8(a, a[0x05]);
}

/* type 0 with vendor and version strings; with_end: then type 127 */
static u32 minimal_tables(u8 *t, bool with_end)
{
	static const char strings[] = "bringup\0" "bringup firmware\0";
	u8 *p = t;

	p[0] = 0;		/* type 0: BIOS information */
	p[1] = 0x12;		/* length (2.1 layout with one extension byte) */
	put_le16(p + 2, 0);	/* handle */
	p[4] = 1;		/* vendor: string 1 */
	p[5] = 2;		/* version: string 2 */
	put_le16(p + 6, FW_IMAGE_BASE >> 4);	/* starting segment */
	p[8] = 0;		/* release date: none */
	p[9] = 0;		/* ROM size: 64 KiB */
	put_le64(p + 10, 1ULL << 3);	/* characteristics not supported */
	p += 0x12;
	memcpy(p, strings, sizeof(strings));	/* ends in the double NUL */
	p += sizeof(strings);
	if (!with_end)
		return (u32)(p - t);
	p[0] = 127;		/* end of table */
	p[1] = 4;
	put_le16(p + 2, 1);
	p[4] = p[5] = 0;
	p += 6;
	return (u32)(p - t);
}

void smbios_setup(void)
{
	u32 tlen = 0, alen = 0;
	u16 tsel, asel;
	u8 *tables, *anchor;

	if (fw_cfg_find("etc/smbios/smbios-tables", &tsel, &tlen) == 0 &&
	    fw_cfg_find("etc/smbios/smbios-anchor", &asel, &alen) == 0 &&
	    (tlen - 1 < SMBIOS_MAX_TABLES) & (alen >= SM30_LEN) & (alen <= 0x20)) {
		u32 extra = 64;
		u16 count = 0;

		tables = mem_alloc_high(tlen + extra, 16);
		anchor = mem_alloc_fseg(alen, 16);
		if (!tables || !anchor)
			goto nomem;
		fw_cfg_read_entry(tsel, tables + extra, tlen);
		fw_cfg_read_entry(asel, anchor, alen);
		if (tables[extra] != 0) {
			/* QEMU leaves type 0 to the firmware unless -smbios type=0 is given */
			u32 n = minimal_tables(tables, false);

			memmove(tables + n, tables + extra, tlen);
			tlen += n;
			if (get_le32(anchor) == SM21_SIG)
				count = (u16)(get_le16(anchor + 0x1c) + 1);
		} else {
			memmove(tables, tables + extra, tlen);
		}
		if (((get_le32(anchor) == SM21_SIG) & (alen >= SM21_LEN)) | is_sm30(anchor)) {
			fix_anchor(anchor, (u32)(uintptr_t)tables, tlen, count);
			log_detail("smbios: QEMU's tables, entry point at %x\n",
				   (u32)(uintptr_t)anchor);
			post(POST_SMBIOS);
			return;
		}
		log_error("smbios: unknown anchor, using a minimal table\n");
	}
	tables = mem_alloc_high(64, 16);
	anchor = mem_alloc_fseg(SM21_LEN, 16);
	if (!tables || !anchor)
		goto nomem;
	tlen = minimal_tables(tables, true);
	memcpy(anchor, "_SM_", 4);
	anchor[0x05] = SM21_LEN;
	anchor[0x06] = 2;		/* version 2.1 */
	anchor[0x07] = 1;
	put_le16(anchor + 0x08, 0x12);	/* largest structure */
	memcpy(anchor + 0x10, "_DMI_", 5);
	anchor[0x1e] = 0x21;
	fix_anchor(anchor, (u32)(uintptr_t)tables, tlen, 2);
	log_detail("smbios: minimal type 0 at %x\n", (u32)(uintptr_t)anchor);
	post(POST_SMBIOS);
	return;
nomem:
	log_error("smbios: out of memory\n");
}
