/*
 * QEMU fw_cfg client: selector 0x510, data 0x511, DMA address 0x514 (big
 * endian, the write of the low half at 0x518 starts the transfer). DMA is
 * used when FW_CFG_ID advertises it; reads of the kernel are then one request.
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

typedef u32 __attribute__((may_alias, aligned(1))) u32_ua;

static bool dma;
static u32 pio_key, pio_pos;	/* what the data port reads next (PIO); set by init */
static u32 nr_files;
/* the directory as fw_cfg gives it, and a key per entry to skip most compares */
static u8 dir[FW_CFG_MAX_FILES * FW_CFG_ENTRY_SIZE] __attribute__((aligned(4))) __noinit;
static u32 dir_key[FW_CFG_MAX_FILES] __noinit;
static u8 dir_len[FW_CFG_MAX_FILES] __noinit;

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

/* A whole item from its start: select, then port or DMA. */
void fw_cfg_read_entry(u16 key, void *buf, u32 len)
{
	if (dma && len > FW_CFG_PIO_MAX) {
		dma_run((u32)key << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, buf, len);
		pio_key = ~0u;
		return;
	}
	outw(FW_CFG_PORT_SEL, key);
	pio_read(buf, len);
	pio_key = key;
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

u32 fw_cfg_read32(u16 key)
{
	u32 v = 0;

	fw_cfg_read_entry(key, &v, 4);
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

/* Bytes of w up to and including its first NUL; ~0 if it has none. */
static inline __attribute__((always_inline)) u32 upto_nul(u32 w)
{
	u32 z = (w - 0x01010101u) & ~w & 0x80808080u;

	return z ? ((z & -z) << 1) - 1 : ~0u;
}

/*
 * A name's first 8 bytes (those past its NUL as zero) mixed into a word.
 * Reads 8 bytes: the directory's names are 56 long, and the firmware's own
 * names sit in the image, readable past their end.
 */
static u32 name_key(const char *name)
{
	u32 w0 = *(const u32_ua *)name, w1 = *(const u32_ua *)(name + 4), m = upto_nul(w0);

	if (m != ~0u)
		return w0 & m;
	return w0 ^ ((w1 & upto_nul(w1)) * 0x9e3779b1u);
}

/*
 * Entry i's name equals name: repe cmpsb stops at the first difference, so
 * it never reads past the NUL of a shorter name.
 */
static bool entry_is(u32 i, const char *name)
{
	return mem_eq(dir + i * FW_CFG_ENTRY_SIZE + FW_CFG_ENTRY_NAME, name, dir_len[i] + 1u);
}

/* The directory in one read; a key per entry for fw_cfg_find. */
static void read_dir(void)
{
	u32 count;

	fw_cfg_read_entry(FW_CFG_FILE_DIR, &count, 4);
	count = bswap32(count);
	nr_files = count < FW_CFG_MAX_FILES ? count : FW_CFG_MAX_FILES;
	fw_cfg_read_at(FW_CFG_FILE_DIR, 4, dir, nr_files * FW_CFG_ENTRY_SIZE);
	for (u32 i = 0; i < nr_files; i++) {
		char *name = (char *)dir + i * FW_CFG_ENTRY_SIZE + FW_CFG_ENTRY_NAME;

		name[FW_CFG_NAME_SIZE - 1] = 0;
		dir_key[i] = name_key(name);
		dir_len[i] = (u8)str_nlen(name, FW_CFG_NAME_SIZE);
	}
}

bool fw_cfg_init(void)
{
	u32 sig;

	pio_key = ~0u;
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	pio_read(&sig, 4);
	if (sig != 0x554d4551)		/* "QEMU" */
		return false;
	dma = fw_cfg_read32(FW_CFG_ID) & FW_CFG_ID_DMA;
	read_dir();
	return true;
}

/* Not inlined into its callers here: one copy is fewer blocks for a JIT to translate. */
__attribute__((noinline)) int fw_cfg_find(const char *name, u16 *select, u32 *size)
{
	const u8 *e;
	u32 i, key = name_key(name);

	for (i = 0; i < nr_files; i++)
		if (dir_key[i] == key && entry_is(i, name))
			break;
	if (i == nr_files)
		return -1;
	e = dir + i * FW_CFG_ENTRY_SIZE;
	if (select)
		*select = (u16)(e[4] << 8 | e[5]);
	if (size)
		*size = bswap32(*(const u32 *)e);
	return 0;
}

int fw_cfg_read_file(const char *name, void *buf, u32 max, u32 *size)
{
	u16 sel;
	u32 sz;

	if (fw_cfg_find(name, &sel, &sz) < 0)
		return -1;
	if (sz > max)
		sz = max;
	fw_cfg_read_entry(sel, buf, sz);
	if (size)
		*size = sz;
	return 0;
}

u32 fw_cfg_opt_u32(const char *name, u32 def)
{
	char buf[16];
	u32 n, v = 0;

	if (fw_cfg_read_file(name, buf, sizeof(buf) - 1, &n) < 0)
		return def;
	buf[n] = 0;
	for (u32 i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (u32)(buf[i] - '0');
	return v;
}
