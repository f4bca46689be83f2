/*
 * Memory: the e820 map from fw_cfg's etc/e820 (else the RAM size key, else
 * CMOS), the firmware's own reserved areas, and two allocators: "high" grows
 * down from the top of RAM below 4 GiB (ACPI, SMBIOS), "fseg" is a pool inside
 * the image at 0xF0000-0xFFFFF where legacy scans look (RSDP, MP, SMBIOS 2.1).
 */
#include "firmware/fw.h"

#define E820_FILE_ENTRY		20
#define CMOS_INDEX		0x70
#define CMOS_DATA		0x71
#define CMOS_EXT_MEM_16M_LO	0x34	/* 64 KiB units above 16 MiB */
#define CMOS_EXT_MEM_16M_HI	0x35
#define CMOS_HIGH_MEM_LO	0x5b	/* 64 KiB units above 4 GiB */
#define CMOS_HIGH_MEM_MID	0x5c
#define CMOS_HIGH_MEM_HI	0x5d
#define FSEG_POOL_SIZE		0x1000
#define BIOS_HIGH_SIZE		0x10000

/* the EBDA's bytes after its size word: the fallback for a read-only F segment */
#define EBDA_POOL_OFF		16

struct e820_map fw_e820;
static u32 high_top, high_cur, high_floor;
static u8 fseg_pool[FSEG_POOL_SIZE] __attribute__((section(".fseg"), aligned(16)));
static u8 *pool;
static u32 pool_size, pool_used;

/*
 * Where legacy scans will find tables: the F segment when it is RAM (PAM, or
 * a board that maps its BIOS as RAM), else the EBDA, which Linux scans first
 * for the RSDP and the MP floating pointer (an SMBIOS entry point there is
 * not found; its absence is harmless).
 */
static void pool_init(void)
{
	volatile u8 *probe = fseg_pool;

	*probe = 0x5a;
	if (*probe == 0x5a) {
		pool = fseg_pool;
		pool_size = FSEG_POOL_SIZE;
	} else {
		pool = phys(FW_EBDA_BASE + EBDA_POOL_OFF);
		pool_size = FW_LOWMEM_END - FW_EBDA_BASE - EBDA_POOL_OFF;
		log_detail("mem: BIOS area read-only, tables in the EBDA\n");
	}
	pool_used = 0;
}

bool mem_fseg_writable(void)
{
	return pool == fseg_pool;
}

static u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

/* The RAM size key and CMOS as two etc/e820 entries in buf: below 4 GiB, above. */
static void mem_from_sizes(u8 *buf)
{
	u64 low, high = 0, ram = 0;

	fw_cfg_read_entry(FW_CFG_RAM_SIZE, &ram, 8);
	low = ((u64)cmos_read(CMOS_EXT_MEM_16M_LO) | (u64)cmos_read(CMOS_EXT_MEM_16M_HI) << 8) << 16;
	low += 16 << 20;
	high = ((u64)cmos_read(CMOS_HIGH_MEM_LO) | (u64)cmos_read(CMOS_HIGH_MEM_MID) << 8 |
		(u64)cmos_read(CMOS_HIGH_MEM_HI) << 16) << 16;
	if (ram && ram < low)
		low = ram;
	put_le64(buf, 0);
	put_le64(buf + 8, low);
	put_le32(buf + 16, E820_RAM);
	put_le64(buf + 20, 0x100000000ULL);
	put_le64(buf + 28, high);
	put_le32(buf + 36, E820_RAM);
}

/*
 * The firmware's areas carved out of fw_cfg's entries: the EBDA, the
 * VGA/option ROM hole, this firmware (E and F segments) and its ROM alias.
 */
static const struct e820_entry carve[] = {
	{ FW_EBDA_BASE, FW_LOWMEM_END - FW_EBDA_BASE, E820_RESERVED },
	{ FW_LOWMEM_END, FW_ESEG_BASE - FW_LOWMEM_END, E820_HOLE },
	{ FW_ESEG_BASE, 0x100000 - FW_ESEG_BASE, E820_RESERVED },
	{ 0x100000000ULL - BIOS_HIGH_SIZE, BIOS_HIGH_SIZE, E820_RESERVED },
};


/* etc/e820's entries into buf (at most max), else two from the RAM size key and CMOS: a count */
static u32 mem_read_list(void *buf, u32 max)
{
	u32 n = 0, ok;

	ok = (fw_cfg_read_file("etc/e820", buf, max * E820_FILE_ENTRY, &n) == 0) &
	     (n >= E820_FILE_ENTRY);
	OPAQUE(ok);
	if (!ok) {
		mem_from_sizes(buf);
		n = 2 * E820_FILE_ENTRY;
	}
	return n / E820_FILE_ENTRY;
}

/*
 * Any other list: each entry in fw_cfg's order, then each carve-out, through
 * e820_insert() into the map from empty. Read again, as the fast path's sort
 * lost the order.
 */
static __attribute__((cold, noinline)) u32 mem_map_general(void)
{
	static u8 buf[E820_FILE_ENTRY * 32 + sizeof(carve)] __noinit;
	u32 n = mem_read_list(buf, 32) * E820_FILE_ENTRY, i = 0;

	memcpy(buf + n, carve, sizeof(carve));
	n += sizeof(carve);
	fw_e820.nr = 0;
	do {
		e820_insert(&fw_e820, get_le64(buf + i), get_le64(buf + i + 8), get_le32(buf + i + 16));
		i += E820_FILE_ENTRY;
	} while (i < n);
	return (u32)e820_ram_end_below(&fw_e820, 0x100000000ULL);
}

/*
 * The map from fw_cfg's etc/e820 (else the RAM size key and CMOS). QEMU's
 * list is disjoint but not sorted (the reserved range below 1 TiB comes
 * first), and its RAM starts at 0 and ends below the ROM alias. Then what
 * the carve-outs do is known: the list, the ROM alias after it, is read into
 * the map's unused tail and copied sorted from its fourth slot (the file's
 * format is the struct's on i686), the first entry cut at 1 MiB, below which
 * the first three slots come from a table. Under a JIT (QEMU's TCG) the
 * general inserts were a tenth of the firmware's translation. Anything else
 * takes mem_map_general(), behind one branch; both give the same map.
 */
void mem_init(void)
{
	static const struct e820_entry low[] = {
		{ 0, FW_EBDA_BASE, E820_RAM },
		{ FW_EBDA_BASE, FW_LOWMEM_END - FW_EBDA_BASE, E820_RESERVED },
		{ FW_ESEG_BASE, 0x100000 - FW_ESEG_BASE, E820_RESERVED },
	};
	struct e820_entry *e = fw_e820.e, *list = &e[E820_MAX - 33];
	u32 n, bad, top;

	_Static_assert(sizeof(carve[0]) == E820_FILE_ENTRY, "the map in etc/e820's format");
	/* no etc/e820 (n = 0) leaves the ROM alias first: the general path */
	n = 0;
	fw_cfg_read_file("etc/e820", list, E820_FILE_ENTRY * 32, &n);
	n /= E820_FILE_ENTRY;
	list[n] = carve[3];
	bad = !e820_sorted_copy(&e[3], list, n + 1);
	/* RAM from 0 past 1 MiB: sorted before the ROM alias, it ends below it */
	top = (u32)(e[3].addr + e[3].size);
	bad |= (e[3].addr != 0) | (e[3].type != E820_RAM) | (top <= 0x100000);
	OPAQUE(bad);
	if (bad) {
		top = mem_map_general();
	} else {
		memcpy(e, low, sizeof(low));
		e[3].addr = 0x100000;
		e[3].size = top - 0x100000;
		fw_e820.nr = n + 4;
	}
	high_top = high_cur = top;
	high_floor = 0x100000;
	pool_init();
}

u32 mem_low_ram_top(void)
{
	return high_top;
}

u32 mem_high_bottom(void)
{
	return high_cur;
}

void mem_set_high_floor(u32 floor)
{
	high_floor = floor > high_floor ? floor : high_floor;
}

/*
 * The allocators fail through selects, not branches: a failed one hands out
 * nothing (NULL) and clears 0 bytes. Each is one block under a JIT, and the
 * zeroing one calls the other: one copy of the allocation to translate.
 */
__attribute__((noinline)) void *mem_alloc_high_raw(u32 size, u32 align)
{
	u32 at, bad;

	align = align < 16 ? 16 : align;
	at = (high_cur - size) & ~(align - 1);
	bad = (size > high_cur) | (at < high_floor);
	OPAQUE(bad);
	at &= bad - 1;
	high_cur = bad ? high_cur : at;
	return (void *)(uintptr_t)at;
}

void *mem_alloc_high(u32 size, u32 align)
{
	void *p = mem_alloc_high_raw(size, align);

	memset(p, 0, p ? size : 0);
	return p;
}

void *mem_alloc_fseg(u32 size, u32 align)
{
	u32 at, bad;
	u8 *p;

	align = align < 16 ? 16 : align;
	at = ALIGN_UP(pool_used, align);
	bad = (at > pool_size) | (size > pool_size - at);
	OPAQUE(bad);
	pool_used ^= (pool_used ^ (at + size)) & (bad - 1);	/* unchanged when bad */
	p = (u8 *)((uintptr_t)(pool + at) & (bad - 1));
	memset(p, 0, size & (bad - 1));
	return p;
}

/*
 * The high zone reserved. When slot 3 still holds the RAM entry mem_init()'s
 * fast path wrote, [1 MiB, high_top), the zone is its top: the entry is cut
 * and the zone's entry goes after it, as e820_insert() would do, unless the
 * next entry is reserved from the zone's end (they would merge), or the zone
 * is empty (nothing allocated: nothing inserted) or the whole entry (it
 * would merge with the F segment's). Else e820_insert(), behind one branch.
 */
void mem_finish(void)
{
	struct e820_entry *e = fw_e820.e;
	const u8 *e3 = (const u8 *)&e[3], *e4 = (const u8 *)&e[4];
	u32 nr = fw_e820.nr, diff, merge, fast;

	/* words or'ed, not 64-bit compares: fewer instructions to translate */
	diff = (get_le32(e3) ^ 0x100000) | get_le32(e3 + 4) |
	       (get_le32(e3 + 8) ^ (high_top - 0x100000)) | get_le32(e3 + 12) |
	       (get_le32(e3 + 16) ^ E820_RAM);
	merge = (get_le32(e4) ^ high_top) | get_le32(e4 + 4) | (get_le32(e4 + 16) ^ E820_RESERVED);
	/* 4 <= nr < E820_MAX, 1 MiB < high_cur < high_top: one compare each */
	fast = (diff == 0) & (merge != 0) & (nr - 4 < E820_MAX - 4) &
	       (high_cur - 0x100001 < high_top - 0x100001);
	OPAQUE(fast);
	if (fast) {
		/* slots 4.. up by one */
		memmove(&e[5], &e[4], (nr - 4) * sizeof(*e));
		e[3].size = high_cur - 0x100000;
		e[4].addr = high_cur;
		e[4].size = high_top - high_cur;
		e[4].type = E820_RESERVED;
		fw_e820.nr = nr + 1;
	} else {
		e820_insert(&fw_e820, high_cur, high_top - high_cur, E820_RESERVED);
	}
	if (!log_verbose())
		return;
	for (u32 i = 0; i < fw_e820.nr; i++)
		log_detail("e820: %llx-%llx type %u\n", fw_e820.e[i].addr,
			   fw_e820.e[i].addr + fw_e820.e[i].size - 1, fw_e820.e[i].type);
}
