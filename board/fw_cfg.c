/*
 * QEMU-compatible fw_cfg: items, file directory, PIO and DMA interfaces.
 * See board/fw_cfg.h for the contract.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board/fw_cfg.h"
#include "board/log.h"

static const char fw_cfg_sig[4] = { 'Q', 'E', 'M', 'U' };
static const char fw_cfg_dma_sig[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

/* FWCfgDmaAccess in guest memory: be32 control, be32 length, be64 address */
#define DMA_ACCESS_SIZE		16
#define DMA_OFF_CONTROL		0

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void be16_put(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint32_t bswap_32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static struct fw_cfg_entry *fw_cfg_slot(struct fw_cfg *fc, uint16_t key)
{
	unsigned idx = key & FW_CFG_ENTRY_MASK;

	if (idx >= FW_CFG_MAX_ENTRY)
		return NULL;
	return &fc->entries[!!(key & FW_CFG_ARCH_LOCAL)][idx];
}

static const struct fw_cfg_entry *fw_cfg_slot_c(const struct fw_cfg *fc, uint16_t key)
{
	return fw_cfg_slot((struct fw_cfg *)fc, key);
}

static void entry_clear(struct fw_cfg_entry *e)
{
	if (e->owned)
		free(e->data);
	memset(e, 0, sizeof(*e));
}

/* Install data in e, copying if copy. Keeps callbacks and the writable flag. */
static int entry_set(struct fw_cfg_entry *e, const void *data, size_t len, bool copy)
{
	uint8_t *p = (uint8_t *)data;

	if (len > UINT32_MAX)
		return -EFBIG;
	if (copy) {
		p = malloc(len ? len : 1);
		if (!p)
			return -ENOMEM;
		if (len)
			memcpy(p, data, len);
	}
	if (e->owned)
		free(e->data);
	e->data = p;
	e->len = len;
	e->owned = copy;
	e->present = true;
	return 0;
}

/* Rebuild the directory blob: be32 count, then 64-byte entries. */
static int fw_cfg_update_dir(struct fw_cfg *fc)
{
	size_t len = 4 + (size_t)fc->nfiles * FW_CFG_DIR_ENTRY_SIZE;
	uint8_t *d = calloc(1, len);
	struct fw_cfg_entry *e = &fc->entries[0][FW_CFG_FILE_DIR];
	unsigned i;

	if (!d)
		return -ENOMEM;
	be32_put(d, fc->nfiles);
	for (i = 0; i < fc->nfiles; i++) {
		uint8_t *f = d + 4 + i * FW_CFG_DIR_ENTRY_SIZE;

		be32_put(f, fc->entries[0][FW_CFG_FILE_FIRST + i].len);
		be16_put(f + 4, FW_CFG_FILE_FIRST + i);
		memcpy(f + 8, fc->file_name[i], FW_CFG_MAX_FILE_PATH);
	}
	free(fc->dir);
	fc->dir = d;
	e->data = d;
	e->len = len;
	e->owned = false;
	e->present = true;
	return 0;
}

int fw_cfg_init(struct fw_cfg *fc, struct guest_mem *mem, bool dma)
{
	int ret;

	memset(fc, 0, sizeof(*fc));
	fc->mem = mem;
	fc->dma_enabled = dma;
	ret = fw_cfg_add_bytes(fc, FW_CFG_SIGNATURE, fw_cfg_sig, sizeof(fw_cfg_sig));
	if (!ret)
		ret = fw_cfg_add_i32(fc, FW_CFG_ID, FW_CFG_VERSION | (dma ? FW_CFG_VERSION_DMA : 0));
	if (!ret)
		ret = fw_cfg_update_dir(fc);
	if (ret) {
		fw_cfg_destroy(fc);
		return ret;
	}
	fw_cfg_reset(fc);
	return 0;
}

void fw_cfg_destroy(struct fw_cfg *fc)
{
	unsigned a, i;

	for (a = 0; a < 2; a++)
		for (i = 0; i < FW_CFG_MAX_ENTRY; i++)
			entry_clear(&fc->entries[a][i]);
	free(fc->dir);
	fc->dir = NULL;
	fc->nfiles = 0;
}

void fw_cfg_reset(struct fw_cfg *fc)
{
	fc->dma_addr = 0;
	fc->cur_key = 0;
	fc->cur_off = 0;
	fc->cur_valid = true;
}

/* ---- numbered items ---- */

static int add_numbered(struct fw_cfg *fc, uint16_t key, const void *data, size_t len, bool copy)
{
	struct fw_cfg_entry *e;

	key &= ~FW_CFG_WRITE_CHANNEL;
	e = fw_cfg_slot(fc, key);
	/* the generic file range and the directory belong to fw_cfg_add_file */
	if (!e || (!(key & FW_CFG_ARCH_LOCAL) &&
		   ((key & FW_CFG_ENTRY_MASK) >= FW_CFG_FILE_FIRST || key == FW_CFG_FILE_DIR)))
		return -EINVAL;
	return entry_set(e, data, len, copy);
}

int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data, size_t len)
{
	return add_numbered(fc, key, data, len, true);
}

int fw_cfg_add_bytes_ref(struct fw_cfg *fc, uint16_t key, const void *data, size_t len)
{
	return add_numbered(fc, key, data, len, false);
}

int fw_cfg_add_string(struct fw_cfg *fc, uint16_t key, const char *s)
{
	return fw_cfg_add_bytes(fc, key, s, strlen(s) + 1);
}

int fw_cfg_add_i16(struct fw_cfg *fc, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { v, v >> 8 };

	return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct fw_cfg *fc, uint16_t key, uint32_t v)
{
	uint8_t b[4];
	unsigned i;

	for (i = 0; i < 4; i++)
		b[i] = v >> (8 * i);
	return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct fw_cfg *fc, uint16_t key, uint64_t v)
{
	uint8_t b[8];
	unsigned i;

	for (i = 0; i < 8; i++)
		b[i] = v >> (8 * i);
	return fw_cfg_add_bytes(fc, key, b, sizeof(b));
}

/* ---- files ---- */

static int file_index(const struct fw_cfg *fc, const char *name)
{
	unsigned i;

	for (i = 0; i < fc->nfiles; i++)
		if (!strncmp(fc->file_name[i], name, FW_CFG_MAX_FILE_PATH))
			return i;
	return -ENOENT;
}

int fw_cfg_file_key(const struct fw_cfg *fc, const char *name)
{
	int i = file_index(fc, name);

	return i < 0 ? i : FW_CFG_FILE_FIRST + i;
}

static int add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len,
		    bool copy, bool writable, fw_cfg_write_cb cb, void *opaque)
{
	struct fw_cfg_entry *files = &fc->entries[0][FW_CFG_FILE_FIRST];
	struct fw_cfg_entry e = { 0 };
	unsigned pos;
	int ret;

	if (!name || !*name)
		return -EINVAL;
	if (strlen(name) >= FW_CFG_MAX_FILE_PATH)
		return -ENAMETOOLONG;
	if (file_index(fc, name) >= 0)
		return -EEXIST;
	if (fc->nfiles >= FW_CFG_FILE_SLOTS)
		return -ENOSPC;
	ret = entry_set(&e, data, len, copy);
	if (ret)
		return ret;
	e.writable = writable;
	e.write_cb = cb;
	e.opaque = opaque;

	/* keep the directory sorted by name: later files move up one key */
	for (pos = 0; pos < fc->nfiles; pos++)
		if (strcmp(name, fc->file_name[pos]) < 0)
			break;
	memmove(&files[pos + 1], &files[pos], (fc->nfiles - pos) * sizeof(files[0]));
	memmove(fc->file_name[pos + 1], fc->file_name[pos],
		(fc->nfiles - pos) * sizeof(fc->file_name[0]));
	files[pos] = e;
	memset(fc->file_name[pos], 0, FW_CFG_MAX_FILE_PATH);
	strcpy(fc->file_name[pos], name);
	fc->nfiles++;
	ret = fw_cfg_update_dir(fc);
	if (ret)
		return ret;
	if (log_enabled(LOG_FW_CFG))
		board_log(LOG_FW_CFG, "fw_cfg: file %s (%zu bytes)\n", name, len);
	return 0;
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	return add_file(fc, name, data, len, true, false, NULL, NULL);
}

int fw_cfg_add_file_ref(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	return add_file(fc, name, data, len, false, false, NULL, NULL);
}

int fw_cfg_add_file_writable(struct fw_cfg *fc, const char *name, const void *data,
			     size_t len, fw_cfg_write_cb cb, void *opaque)
{
	return add_file(fc, name, data, len, true, true, cb, opaque);
}

int fw_cfg_modify_file(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	int i = file_index(fc, name);
	int ret;

	if (i < 0)
		return i;
	ret = entry_set(&fc->entries[0][FW_CFG_FILE_FIRST + i], data, len, true);
	if (ret)
		return ret;
	return fw_cfg_update_dir(fc);
}

const uint8_t *fw_cfg_item(const struct fw_cfg *fc, uint16_t key, uint32_t *len)
{
	const struct fw_cfg_entry *e = fw_cfg_slot_c(fc, key);

	if (!e || !e->present)
		return NULL;
	if (len)
		*len = e->len;
	return e->data;
}

int fw_cfg_set_select_cb(struct fw_cfg *fc, uint16_t key, fw_cfg_select_cb cb, void *opaque)
{
	struct fw_cfg_entry *e = fw_cfg_slot(fc, key);

	if (!e || !e->present)
		return -ENOENT;
	e->select_cb = cb;
	e->opaque = opaque;
	return 0;
}

/* ---- machine keys ---- */

int fw_cfg_add_pc_keys(struct fw_cfg *fc, const struct fw_cfg_pc_info *pc)
{
	static const uint8_t uuid[16];
	unsigned max = pc->max_cpus ? pc->max_cpus : pc->ncpus;
	uint8_t wait[4];
	uint8_t *numa;
	size_t numa_len;
	int ret = 0;
	unsigned i;

	if (!pc->ncpus || max < pc->ncpus || max > 0xffff)
		return -EINVAL;
	ret |= fw_cfg_add_bytes(fc, FW_CFG_UUID, uuid, sizeof(uuid));
	ret |= fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, pc->ram_size);
	ret |= fw_cfg_add_i16(fc, FW_CFG_NOGRAPHIC, pc->nographic);
	ret |= fw_cfg_add_i16(fc, FW_CFG_NB_CPUS, pc->ncpus);
	ret |= fw_cfg_add_i16(fc, FW_CFG_MAX_CPUS, max);
	ret |= fw_cfg_add_i16(fc, FW_CFG_BOOT_MENU, pc->boot_menu);
	ret |= fw_cfg_add_i16(fc, FW_CFG_BOOT_DEVICE, pc->boot_device ? pc->boot_device : 'c');
	ret |= fw_cfg_add_i32(fc, FW_CFG_IRQ0_OVERRIDE, 1);
	if (ret)
		return -ENOMEM;

	/* NUMA: le64 node count (0), then one le64 node per possible CPU */
	numa_len = 8 * (1 + (size_t)max);
	numa = calloc(1, numa_len);
	if (!numa)
		return -ENOMEM;
	ret = fw_cfg_add_bytes(fc, FW_CFG_NUMA, numa, numa_len);
	free(numa);
	if (ret)
		return ret;

	for (i = 0; i < 4; i++)
		wait[i] = (uint32_t)pc->boot_fail_wait >> (8 * i);
	ret = fw_cfg_file_key(fc, "etc/boot-fail-wait") >= 0 ?
		fw_cfg_modify_file(fc, "etc/boot-fail-wait", wait, 4) :
		fw_cfg_add_file(fc, "etc/boot-fail-wait", wait, 4);
	return ret;
}

int fw_cfg_add_e820(struct fw_cfg *fc, const void *entries, unsigned n)
{
	size_t len = (size_t)n * 20;

	if (fw_cfg_file_key(fc, "etc/e820") >= 0)
		return fw_cfg_modify_file(fc, "etc/e820", entries, len);
	return fw_cfg_add_file(fc, "etc/e820", entries, len);
}

/* ---- guest interface ---- */

void fw_cfg_select(struct fw_cfg *fc, uint16_t key)
{
	struct fw_cfg_entry *e = fw_cfg_slot(fc, key);

	fc->cur_key = key;
	fc->cur_off = 0;
	fc->cur_valid = e != NULL;
	if (log_enabled(LOG_FW_CFG))
		board_log(LOG_FW_CFG, "fw_cfg: select 0x%04x%s\n", key,
			  e && e->present ? "" : " (no item)");
	if (e && e->present && e->select_cb)
		e->select_cb(e->opaque);
}

static struct fw_cfg_entry *cur_entry(struct fw_cfg *fc)
{
	struct fw_cfg_entry *e;

	if (!fc->cur_valid)
		return NULL;
	e = fw_cfg_slot(fc, fc->cur_key);
	return e && e->present ? e : NULL;
}

static uint8_t fw_cfg_data_read(struct fw_cfg *fc)
{
	struct fw_cfg_entry *e = cur_entry(fc);

	if (!e || fc->cur_off >= e->len)
		return 0;
	return e->data[fc->cur_off++];
}

static void dma_set_control(struct fw_cfg *fc, uint64_t gpa, uint32_t control)
{
	uint8_t b[4];

	be32_put(b, control);
	/* best effort: a structure outside RAM cannot be told it failed */
	if (!fc->mem || gmem_write(fc->mem, gpa + DMA_OFF_CONTROL, b, 4))
		guest_error("fw_cfg: DMA control at 0x%llx is not RAM\n",
			    (unsigned long long)gpa);
}

/* Guest memory [address, address + len) from the current item, zero past its end. */
static int dma_read_item(struct fw_cfg *fc, struct fw_cfg_entry *e, uint64_t address,
			 uint32_t length)
{
	static const uint8_t zeros[4096];
	uint32_t avail = 0;

	if (e && fc->cur_off < e->len)
		avail = e->len - fc->cur_off;
	if (avail > length)
		avail = length;
	if (avail) {
		if (gmem_write(fc->mem, address, e->data + fc->cur_off, avail))
			return -EFAULT;
		fc->cur_off += avail;
		address += avail;
		length -= avail;
	}
	while (length) {
		uint32_t n = length < sizeof(zeros) ? length : sizeof(zeros);

		if (gmem_write(fc->mem, address, zeros, n))
			return -EFAULT;
		address += n;
		length -= n;
	}
	return 0;
}

void fw_cfg_dma_kick(struct fw_cfg *fc, uint64_t gpa)
{
	uint8_t raw[DMA_ACCESS_SIZE];
	uint32_t control, length;
	uint64_t address;
	struct fw_cfg_entry *e;
	bool moves_memory;
	uint32_t result = 0;

	if (!fc->mem || gmem_read(fc->mem, gpa, raw, sizeof(raw))) {
		guest_error("fw_cfg: DMA access structure at 0x%llx is not RAM\n",
			    (unsigned long long)gpa);
		dma_set_control(fc, gpa, FW_CFG_DMA_CTL_ERROR);
		return;
	}
	control = be32_get(raw);
	length = be32_get(raw + 4);
	address = (uint64_t)be32_get(raw + 8) << 32 | be32_get(raw + 12);

	/* read wins over write, write over skip (QEMU's order) */
	if (!(control & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_WRITE | FW_CFG_DMA_CTL_SKIP)))
		length = 0;
	moves_memory = control & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_WRITE);
	if (moves_memory && length && !gmem_is_ram(fc->mem, address, length)) {
		guest_error("fw_cfg: DMA buffer 0x%llx+0x%x is not RAM\n",
			    (unsigned long long)address, length);
		dma_set_control(fc, gpa, FW_CFG_DMA_CTL_ERROR);
		return;
	}

	if (control & FW_CFG_DMA_CTL_SELECT)
		fw_cfg_select(fc, control >> 16);
	e = cur_entry(fc);

	if (!length) {
		/* nothing to move */
	} else if (control & FW_CFG_DMA_CTL_READ) {
		if (dma_read_item(fc, e, address, length))
			result = FW_CFG_DMA_CTL_ERROR;
	} else if (control & FW_CFG_DMA_CTL_WRITE) {
		/* only inside a writable item; a truncated write is dropped whole */
		if (!e || !e->writable || fc->cur_off > e->len || length > e->len - fc->cur_off ||
		    gmem_read(fc->mem, address, e->data + fc->cur_off, length)) {
			guest_error("fw_cfg: DMA write of %u bytes to key 0x%04x at %u refused\n",
				    length, fc->cur_key, fc->cur_off);
			result = FW_CFG_DMA_CTL_ERROR;
		} else {
			uint32_t off = fc->cur_off;

			fc->cur_off += length;
			if (e->write_cb)
				e->write_cb(e->opaque, off, length);
		}
	} else if (e) {
		/* skip: the offset stops at the end of the item */
		uint32_t left = fc->cur_off < e->len ? e->len - fc->cur_off : 0;

		fc->cur_off += length < left ? length : left;
	}
	dma_set_control(fc, gpa, result);
}

uint64_t fw_cfg_io_read(struct fw_cfg *fc, uint16_t port, unsigned size)
{
	if (port == FW_CFG_PORT_SEL || port == FW_CFG_PORT_DATA) {
		if (size != 1) {
			guest_error("fw_cfg: %u-byte read of port 0x%x\n", size, port);
			return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
		}
		return fw_cfg_data_read(fc);
	}
	if (port >= FW_CFG_PORT_DMA && port < FW_CFG_PORT_DMA + FW_CFG_DMA_LEN && fc->dma_enabled) {
		unsigned off = port - FW_CFG_PORT_DMA;
		uint64_t v = 0;
		unsigned i;

		/* the register reads as the bytes "QEMU CFG" */
		for (i = 0; i < size && i < 8 && off + i < FW_CFG_DMA_LEN; i++)
			v |= (uint64_t)(uint8_t)fw_cfg_dma_sig[off + i] << (8 * i);
		return v;
	}
	guest_error("fw_cfg: read of unknown port 0x%x\n", port);
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

void fw_cfg_io_write(struct fw_cfg *fc, uint16_t port, uint64_t value, unsigned size)
{
	if (port == FW_CFG_PORT_SEL && size == 2) {
		fw_cfg_select(fc, value);
		return;
	}
	if ((port == FW_CFG_PORT_SEL || port == FW_CFG_PORT_DATA) && size == 1) {
		/* data register writes are ignored since QEMU 2.4 */
		guest_error("fw_cfg: data port write ignored\n");
		return;
	}
	if (fc->dma_enabled && port == FW_CFG_PORT_DMA && size == 4) {
		fc->dma_addr = (uint64_t)bswap_32(value) << 32;
		return;
	}
	if (fc->dma_enabled && port == FW_CFG_PORT_DMA + 4 && size == 4) {
		uint64_t gpa = fc->dma_addr | bswap_32(value);

		fc->dma_addr = 0;
		fw_cfg_dma_kick(fc, gpa);
		return;
	}
	if (fc->dma_enabled && port == FW_CFG_PORT_DMA && size == 8) {
		fc->dma_addr = 0;
		fw_cfg_dma_kick(fc, __builtin_bswap64(value));
		return;
	}
	guest_error("fw_cfg: %u-byte write of 0x%llx to port 0x%x ignored\n", size,
		    (unsigned long long)value, port);
}

static uint64_t io_read(void *opaque, uint64_t offset, unsigned size)
{
	return fw_cfg_io_read(opaque, FW_CFG_PORT_SEL + offset, size);
}

static void io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	fw_cfg_io_write(opaque, FW_CFG_PORT_SEL + offset, value, size);
}

static uint64_t dma_read(void *opaque, uint64_t offset, unsigned size)
{
	return fw_cfg_io_read(opaque, FW_CFG_PORT_DMA + offset, size);
}

static void dma_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	fw_cfg_io_write(opaque, FW_CFG_PORT_DMA + offset, value, size);
}

const struct bus_ops fw_cfg_io_ops = { .read = io_read, .write = io_write };
const struct bus_ops fw_cfg_dma_ops = { .read = dma_read, .write = dma_write };

int fw_cfg_register_pio(struct fw_cfg *fc, struct bus *pio, const char **clash)
{
	int ret = bus_register(pio, FW_CFG_PORT_SEL, FW_CFG_IO_LEN, &fw_cfg_io_ops, fc,
			       "fw_cfg", clash);

	if (ret || !fc->dma_enabled)
		return ret;
	ret = bus_register(pio, FW_CFG_PORT_DMA, FW_CFG_DMA_LEN, &fw_cfg_dma_ops, fc,
			   "fw_cfg-dma", clash);
	if (ret)
		bus_unregister(pio, FW_CFG_PORT_SEL, fc);
	return ret;
}
