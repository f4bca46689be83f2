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

#define FW_CFG_MAX_FILES	96
#define FW_CFG_NAME_SIZE	56

struct fw_cfg_dma {
	u32 control;
	u32 length;
	u64 address;
} __attribute__((packed, aligned(16)));

struct fw_cfg_file {
	u32 size;
	u16 select;
	char name[FW_CFG_NAME_SIZE];
};

static bool dma;
static u32 pio_key = ~0u, pio_pos;	/* what the data port reads next (PIO) */
static u32 nr_files;
static struct fw_cfg_file files[FW_CFG_MAX_FILES] __noinit;

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

void fw_cfg_read_entry(u16 key, void *buf, u32 len)
{
	fw_cfg_read_at(key, 0, buf, len);
}

/*
 * Part of an item: DMA selects and skips in one request; PIO keeps reading
 * forward from where the last read stopped, so segments read in file order
 * cost no more than one pass over the file.
 */
void fw_cfg_read_at(u16 key, u32 offset, void *buf, u32 len)
{
	static u8 sink[512] __noinit;

	if (dma) {
		if (offset)
			dma_run((u32)key << 16 | FW_CFG_DMA_SELECT | FW_CFG_DMA_SKIP, NULL, offset);
		dma_run((offset ? 0 : (u32)key << 16 | FW_CFG_DMA_SELECT) | FW_CFG_DMA_READ, buf, len);
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

bool fw_cfg_init(void)
{
	char sig[4];
	u32 count;

	pio_key = ~0u;
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	pio_read(sig, 4);
	if (memcmp(sig, "QEMU", 4))
		return false;
	dma = fw_cfg_read32(FW_CFG_ID) & FW_CFG_ID_DMA;

	pio_key = ~0u;
	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	pio_read(&count, 4);
	count = bswap32(count);
	for (u32 i = 0; i < count; i++) {
		u8 raw[64];

		pio_read(raw, sizeof(raw));
		if (nr_files == FW_CFG_MAX_FILES)
			continue;
		files[nr_files].size = bswap32(get_le32(raw));
		files[nr_files].select = (u16)(raw[4] << 8 | raw[5]);
		memcpy(files[nr_files].name, raw + 8, FW_CFG_NAME_SIZE);
		files[nr_files].name[FW_CFG_NAME_SIZE - 1] = 0;
		nr_files++;
	}
	return true;
}

int fw_cfg_find(const char *name, u16 *select, u32 *size)
{
	for (u32 i = 0; i < nr_files; i++) {
		if (fw_strcmp(files[i].name, name))
			continue;
		if (select)
			*select = files[i].select;
		if (size)
			*size = files[i].size;
		return 0;
	}
	return -1;
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
