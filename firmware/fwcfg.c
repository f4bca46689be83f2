/*
 * QEMU fw_cfg client: selector 0x510, data 0x511, DMA address 0x514 (big
 * endian, the write of the low half at 0x518 starts the transfer). DMA is
 * used when FW_CFG_ID advertises it; reads of the kernel are then one request.
 *
 * Under a JIT (QEMU's TCG) every branch and call on the boot path is another
 * block to translate, so the paths here that run on every boot are straight
 * lines: selects instead of branches, one read function for both ways.
 */
#include "firmware/fw.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_PORT_DMA_HI	0x514
#define FW_CFG_PORT_DMA_LO	0x518
#define FW_CFG_ID_DMA		0x02

#define FW_CFG_DMA_ERROR	0x01
#define FW_CFG_DMA_READ		0x02
#define FW_CFG_DMA_SKIP		0x04
#define FW_CFG_DMA_SELECT	0x08
#define FW_CFG_DMA_WRITE	0x10

#define FW_CFG_PIO_MAX		16	/* reads up to this long go through the port */
#define FW_CFG_MAX_FILES	96
#define FW_CFG_NAME_SIZE	56
#define FW_CFG_ENTRY_SIZE	64	/* be32 size, be16 select, u16, name[56] */
#define FW_CFG_ENTRY_NAME	8

struct fw_cfg_dma {
	u32 control;
	u32 length;
	u64 address;
} __attribute__((packed, aligned(16)));

static bool dma;
static u32 pio_key, pio_pos;	/* what the data port reads next (PIO); set by init */
static u32 nr_files;
/* the directory as fw_cfg gives it, its count first; and a spare entry for fw_cfg_find */
static struct {
	u32 count;
	u8 e[(FW_CFG_MAX_FILES + 1) * FW_CFG_ENTRY_SIZE];
} dir __noinit;

static u32 bswap32(u32 v)
{
	return __builtin_bswap32(v);
}

static void dma_run(u32 control, void *buf, u32 len)
{
	static struct fw_cfg_dma d;

	d.control = bswap32(control);
	d.length = bswap32(len);
	d.address = (u64)bswap32((u32)(uintptr_t)buf) << 32;
	__asm__ volatile("" ::: "memory");
	outl(FW_CFG_PORT_DMA_HI, 0);
	outl(FW_CFG_PORT_DMA_LO, bswap32((u32)(uintptr_t)&d));
	/* QEMU completes at once; a slower device clears control when done */
	while (bswap32(*(volatile u32 *)&d.control) & ~FW_CFG_DMA_ERROR)
		;
}

static void pio_read(void *buf, u32 len)
{
	__asm__ volatile("rep insb" : "+D"(buf), "+c"(len) : "d"(FW_CFG_PORT_DATA) : "memory");
}

/*
 * A whole item from its start: the port selects it (and rewinds it) for
 * both ways, then DMA reads it, or the port does. One path: after DMA the
 * port's rep reads nothing.
 */
__attribute__((noinline)) void fw_cfg_read_entry(u16 key, void *buf, u32 len)
{
	u32 by_dma = dma & (len > FW_CFG_PIO_MAX);

	OPAQUE(by_dma);
	outw(FW_CFG_PORT_SEL, key);
	if (by_dma) {
		dma_run(FW_CFG_DMA_READ, buf, len);
		len = 0;
	}
	pio_read(buf, len);
	pio_key = key | -by_dma;	/* ~0 after DMA: the port's position is not tracked */
	pio_pos = len;
}

/*
 * Part of an item: DMA selects and skips in one request; PIO keeps reading
 * forward from where the last read stopped, so segments read in file order
 * cost no more than one pass over the file.
 */
void fw_cfg_read_at(u16 key, u32 offset, void *buf, u32 len)
{
	static u8 sink[512] __noinit;

	/* a few bytes cost less through the port than a DMA request */
	if (dma && (offset || len > FW_CFG_PIO_MAX)) {
		if (offset)
			dma_run((u32)key << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, NULL, offset);
		dma_run((offset ? 0 : (u32)key << 16 | FW_CFG_DMA_SELECT) | FW_CFG_DMA_READ, buf, len);
		pio_key = ~0u;
		return;
	}
	if (pio_key != key || pio_pos > offset) {
		outw(FW_CFG_PORT_SEL, key);
		pio_key = key;
		pio_pos = 0;
	}
	while (pio_pos < offset) {
		u32 n = offset - pio_pos < sizeof(sink) ? offset - pio_pos : sizeof(sink);

		pio_read(sink, n);
		pio_pos += n;
	}
	pio_read(buf, len);
	pio_pos += len;
}

/*
 * Four bytes through the port: four in instructions, no rep (a block of its
 * own under a JIT). Not inlined: init's three reads share this one copy.
 */
__attribute__((noinline)) u32 fw_cfg_read32(u16 key)
{
	u32 v;

	outw(FW_CFG_PORT_SEL, key);
	v = inb(FW_CFG_PORT_DATA);
	v |= (u32)inb(FW_CFG_PORT_DATA) << 8;
	v |= (u32)inb(FW_CFG_PORT_DATA) << 16;
	v |= (u32)inb(FW_CFG_PORT_DATA) << 24;
	pio_key = key;
	pio_pos = 4;
	return v;
}

int fw_cfg_write_entry(u16 key, u32 offset, const void *buf, u32 len)
{
	if (!dma)
		return -1;
	pio_key = ~0u;
	dma_run((u32)key << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, NULL, offset);
	dma_run(FW_CFG_DMA_WRITE, (void *)buf, len);
	return 0;
}

bool fw_cfg_has_dma(void)
{
	return dma;
}

/* The directory in one read, its count first (read again: one request from offset 0). */
bool fw_cfg_init(void)
{
	u32 n;

	if (fw_cfg_read32(FW_CFG_SIGNATURE) != 0x554d4551)		/* "QEMU" */
		return false;
	dma = fw_cfg_read32(FW_CFG_ID) & FW_CFG_ID_DMA;
	n = bswap32(fw_cfg_read32(FW_CFG_FILE_DIR));
	n = n < FW_CFG_MAX_FILES ? n : FW_CFG_MAX_FILES;
	nr_files = n;
	fw_cfg_read_entry(FW_CFG_FILE_DIR, &dir, 4 + n * FW_CFG_ENTRY_SIZE);
	/* each name ends in its field, whatever fw_cfg put there */
	for (u32 i = 0; i < n; i++)
		dir.e[i * FW_CFG_ENTRY_SIZE + FW_CFG_ENTRY_NAME + FW_CFG_NAME_SIZE - 1] = 0;
	return true;
}

/*
 * Not inlined into its callers here: one copy is fewer blocks for a JIT to
 * translate. Each entry's name against name with its NUL in one repe cmpsb:
 * it stops at the first difference (mostly the first byte), so it never
 * reads past the NUL of a shorter name. After the last entry the scan
 * compares name with itself, so the loop needs no count test: it stops there
 * at the latest. A name not found writes nothing through select/size.
 */
__attribute__((noinline)) int fw_cfg_find(const char *name, u16 *select, u32 *size)
{
	u8 *last = dir.e + nr_files * FW_CFG_ENTRY_SIZE, *copy = last + FW_CFG_ENTRY_NAME;
	const u8 *e = dir.e - FW_CFG_ENTRY_SIZE;
	u32 len = ~0u, left;
	uintptr_t sel_mask, size_mask;
	const char *end = name;
	u16 no_select;
	u32 no_size;
	bool eq;

	/*
	 * The name's length with its NUL, at most a field's: a longer name is in
	 * no entry, and differs from each at the entry's last byte, a NUL.
	 */
	__asm__("repne scasb" : "+D"(end), "+c"(len) : "a"(0) : "memory");
	len = ~len;
	len -= (len - FW_CFG_NAME_SIZE) & -(u32)(len > FW_CFG_NAME_SIZE);
	/* a copy of it in the spare entry after the last: the scan stops there at the latest */
	end = name;
	left = len;
	__asm__ volatile("rep movsb" : "+D"(copy), "+S"(end), "+c"(left) :: "memory");
	do {
		const char *a = name;
		const u8 *b = (e += FW_CFG_ENTRY_SIZE) + FW_CFG_ENTRY_NAME;

		left = len;
		__asm__("repe cmpsb" : "=@ccz"(eq), "+S"(a), "+D"(b), "+c"(left) :: "memory");
	} while (!eq);
	/* not found: one branch; an output not wanted goes to a local by a mask */
	if (e == last)
		return -1;
	sel_mask = -(uintptr_t)(select != NULL);
	size_mask = -(uintptr_t)(size != NULL);
	OPAQUE(sel_mask);
	OPAQUE(size_mask);
	select = (u16 *)(((uintptr_t)select & sel_mask) | ((uintptr_t)&no_select & ~sel_mask));
	size = (u32 *)(((uintptr_t)size & size_mask) | ((uintptr_t)&no_size & ~size_mask));
	*select = (u16)(e[4] << 8 | e[5]);
	*size = bswap32(*(const u32 *)e);
	return 0;
}

__attribute__((noinline)) int fw_cfg_read_file(const char *name, void *buf, u32 max, u32 *size)
{
	u16 sel;
	u32 sz;

	if (fw_cfg_find(name, &sel, &sz) < 0)
		return -1;
	sz = sz < max ? sz : max;
	fw_cfg_read_entry(sel, buf, sz);
	*(size ? size : &sz) = sz;
	return 0;
}

/* The digits at the start of the file; def when there is no file. */
u32 fw_cfg_opt_u32(const char *name, u32 def)
{
	char buf[16];
	u32 n = 0, v = 0;
	u32 missing = (u32)fw_cfg_read_file(name, buf, sizeof(buf) - 1, &n);

	/* a missing file reads as empty: one path, then def chosen by a select */
	OPAQUE(missing);
	buf[n] = 0;
	for (const char *p = buf; (u8)(*p - '0') < 10; p++)
		v = v * 10 + (u32)(*p - '0');
	return missing ? def : v;
}
