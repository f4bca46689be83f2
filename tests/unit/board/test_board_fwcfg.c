/*
 * fw_cfg: every key and the file directory through the ports, the DMA
 * interface (read, skip, select, write, and requests that leave RAM), reads
 * past the end, selector semantics, and the -kernel split of a bzImage.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/fw_cfg.h"
#include "loader/loader.h"

#define RAM_SIZE	(1u << 20)
#define DESC		0x1000		/* FWCfgDmaAccess here */
#define BUF		0x2000		/* DMA buffer here */

static struct guest_mem mem;
static struct fw_cfg fc;

static void setup_dma(void)
{
	ck_assert_int_eq(gmem_init(&mem, RAM_SIZE, 0xe0000000ull), 0);
	ck_assert_int_eq(fw_cfg_init(&fc, &mem, true), 0);
}

static void teardown(void)
{
	fw_cfg_destroy(&fc);
	gmem_destroy(&mem);
}

/* ---- guest-side helpers, as firmware does it ---- */

static void sel(uint16_t key)
{
	fw_cfg_io_write(&fc, FW_CFG_PORT_SEL, key, 2);
}

static void pio_read(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n--)
		*p++ = fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1);
}

static uint64_t read_le(uint16_t key, unsigned n)
{
	uint8_t b[8];
	uint64_t v = 0;

	sel(key);
	pio_read(b, n);
	while (n--)
		v = v << 8 | b[n];
	return v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Write a FWCfgDmaAccess at gpa (only the bytes that are RAM). */
static void put_desc(uint64_t gpa, uint32_t control, uint32_t length, uint64_t address)
{
	uint8_t d[16];
	unsigned i;

	put_be32(d, control);
	put_be32(d + 4, length);
	put_be32(d + 8, address >> 32);
	put_be32(d + 12, address);
	for (i = 0; i < 16; i++)
		if (gpa + i < RAM_SIZE)
			mem.ram[gpa + i] = d[i];
}

/* Kick as the guest does: two big-endian 32-bit halves, high first. */
static void kick(uint64_t gpa)
{
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA, __builtin_bswap32(gpa >> 32), 4);
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA + 4, __builtin_bswap32((uint32_t)gpa), 4);
}

static uint32_t dma(uint32_t control, uint32_t length, uint64_t address)
{
	put_desc(DESC, control, length, address);
	kick(DESC);
	return get_be32(mem.ram + DESC);
}

/* ---- identification ---- */

START_TEST(test_signature_and_id)
{
	char sig[8];

	sel(FW_CFG_SIGNATURE);
	pio_read(sig, 6);
	ck_assert_mem_eq(sig, "QEMU\0\0", 6);	/* past the end: zeros */
	ck_assert_uint_eq(read_le(FW_CFG_ID, 4), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	/* DMA register reads as the bytes "QEMU CFG" */
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DMA, 4), 0x554d4551);	/* "QEMU" */
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DMA + 4, 4), 0x47464320);	/* " CFG" */
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DMA, 1), 'Q');
	/* the write-channel bit is ignored: 0x4000 is the signature too */
	sel(FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
	pio_read(sig, 4);
	ck_assert_mem_eq(sig, "QEMU", 4);
	/* 0x510 reads as data too (QEMU's combined port) */
	sel(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_SEL, 1), 'Q');
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), 'E');
	/* wrong widths on the data port: all ones, offset untouched */
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 2), 0xffff);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), 'M');
}
END_TEST

START_TEST(test_no_dma)
{
	struct fw_cfg f2;

	ck_assert_int_eq(fw_cfg_init(&f2, &mem, false), 0);
	fw_cfg_io_write(&f2, FW_CFG_PORT_SEL, FW_CFG_ID, 2);
	ck_assert_uint_eq(fw_cfg_io_read(&f2, FW_CFG_PORT_DATA, 1), FW_CFG_VERSION);
	ck_assert_uint_eq(fw_cfg_io_read(&f2, FW_CFG_PORT_DMA, 4), 0xffffffff);
	/* a kick does nothing */
	put_desc(DESC, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, BUF);
	fw_cfg_io_write(&f2, FW_CFG_PORT_DMA + 4, __builtin_bswap32(DESC), 4);
	ck_assert_uint_eq(get_be32(mem.ram + DESC), FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ);
	fw_cfg_destroy(&f2);
}
END_TEST

START_TEST(test_pc_keys)
{
	struct fw_cfg_pc_info pc = {
		.ram_size = 0x123456000ull, .ncpus = 2, .max_cpus = 4, .nographic = true,
		.boot_menu = false, .boot_fail_wait = -1,
	};
	uint8_t numa[48];
	uint32_t len;
	int key;

	ck_assert_int_eq(fw_cfg_add_pc_keys(&fc, &pc), 0);
	ck_assert_uint_eq(read_le(FW_CFG_RAM_SIZE, 8), 0x123456000ull);
	ck_assert_uint_eq(read_le(FW_CFG_NOGRAPHIC, 2), 1);
	ck_assert_uint_eq(read_le(FW_CFG_NB_CPUS, 2), 2);
	ck_assert_uint_eq(read_le(FW_CFG_MAX_CPUS, 2), 4);
	ck_assert_uint_eq(read_le(FW_CFG_BOOT_MENU, 2), 0);
	ck_assert_uint_eq(read_le(FW_CFG_BOOT_DEVICE, 2), 'c');
	ck_assert_uint_eq(read_le(FW_CFG_IRQ0_OVERRIDE, 4), 1);
	ck_assert_ptr_nonnull(fw_cfg_item(&fc, FW_CFG_NUMA, &len));
	ck_assert_uint_eq(len, 8 * (1 + 4));
	memset(numa, 0xaa, sizeof(numa));
	sel(FW_CFG_NUMA);
	pio_read(numa, 40);
	for (len = 0; len < 40; len++)
		ck_assert_uint_eq(numa[len], 0);
	key = fw_cfg_file_key(&fc, "etc/boot-fail-wait");
	ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
	ck_assert_uint_eq(read_le(key, 4), 0xffffffff);
	/* never more boot CPUs than possible ones */
	pc.max_cpus = 1;
	ck_assert_int_eq(fw_cfg_add_pc_keys(&fc, &pc), -EINVAL);
}
END_TEST

START_TEST(test_numbered_items)
{
	ck_assert_int_eq(fw_cfg_add_i16(&fc, FW_CFG_NB_CPUS, 0x1234), 0);
	ck_assert_int_eq(fw_cfg_add_i32(&fc, FW_CFG_KERNEL_ADDR, 0x89abcdef), 0);
	ck_assert_int_eq(fw_cfg_add_i64(&fc, FW_CFG_RAM_SIZE, 0x0102030405060708ull), 0);
	ck_assert_int_eq(fw_cfg_add_i32(&fc, FW_CFG_E820_TABLE, 7), 0);
	ck_assert_uint_eq(read_le(FW_CFG_NB_CPUS, 2), 0x1234);
	ck_assert_uint_eq(read_le(FW_CFG_KERNEL_ADDR, 4), 0x89abcdef);
	ck_assert_uint_eq(read_le(FW_CFG_RAM_SIZE, 8), 0x0102030405060708ull);
	ck_assert_uint_eq(read_le(FW_CFG_E820_TABLE, 4), 7);
	/* the generic slot with the same index is a different item */
	ck_assert_uint_eq(read_le(FW_CFG_E820_TABLE & FW_CFG_ENTRY_MASK, 4), 0x0102030405060708ull & 0xffffffff);
	/* replacing an item */
	ck_assert_int_eq(fw_cfg_add_i16(&fc, FW_CFG_NB_CPUS, 3), 0);
	ck_assert_uint_eq(read_le(FW_CFG_NB_CPUS, 2), 3);
	/* files and the directory are not numbered items */
	ck_assert_int_eq(fw_cfg_add_i32(&fc, FW_CFG_FILE_DIR, 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_add_i32(&fc, FW_CFG_FILE_FIRST, 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_add_i32(&fc, FW_CFG_MAX_ENTRY | FW_CFG_ARCH_LOCAL, 1), -EINVAL);
	/* an absent item and an out-of-range key read as zeros */
	ck_assert_uint_eq(read_le(FW_CFG_KERNEL_ENTRY, 4), 0);
	ck_assert_uint_eq(read_le(0x3fff, 4), 0);
	ck_assert_uint_eq(read_le(0xffff, 4), 0);
}
END_TEST

START_TEST(test_offset_and_reselect)
{
	uint8_t b[8];

	ck_assert_int_eq(fw_cfg_add_string(&fc, FW_CFG_CMDLINE_DATA, "abc"), 0);
	sel(FW_CFG_CMDLINE_DATA);
	pio_read(b, 2);
	ck_assert_mem_eq(b, "ab", 2);
	/* selecting again (even the same key) starts over */
	sel(FW_CFG_CMDLINE_DATA);
	pio_read(b, 8);
	ck_assert_mem_eq(b, "abc\0\0\0\0\0", 8);
	/* data port writes are ignored */
	sel(FW_CFG_CMDLINE_DATA);
	fw_cfg_io_write(&fc, FW_CFG_PORT_DATA, 'X', 1);
	pio_read(b, 3);
	ck_assert_mem_eq(b, "abc", 3);
	/* reset goes back to the signature */
	fw_cfg_reset(&fc);
	pio_read(b, 4);
	ck_assert_mem_eq(b, "QEMU", 4);
}
END_TEST

START_TEST(test_file_directory)
{
	static const char *names[] = { "etc/b", "etc/a", "zz/last", "etc/acpi/tables", "aa" };
	static const char *sorted[] = { "aa", "etc/a", "etc/acpi/tables", "etc/b", "zz/last" };
	uint8_t dir[4 + 5 * 64], data[16];
	unsigned i;
	char longname[FW_CFG_MAX_FILE_PATH + 1];

	for (i = 0; i < 5; i++) {
		char content[8];

		memset(content, 'a' + i, sizeof(content));
		ck_assert_int_eq(fw_cfg_add_file(&fc, names[i], content, 3 + i), 0);
	}
	sel(FW_CFG_FILE_DIR);
	pio_read(dir, sizeof(dir));
	ck_assert_uint_eq(get_be32(dir), 5);
	for (i = 0; i < 5; i++) {
		const uint8_t *e = dir + 4 + 64 * i;
		unsigned orig, key = e[4] << 8 | e[5];

		for (orig = 0; strcmp(names[orig], sorted[i]); orig++)
			;
		ck_assert_str_eq((const char *)e + 8, sorted[i]);
		ck_assert_uint_eq(key, FW_CFG_FILE_FIRST + i);
		ck_assert_uint_eq(get_be32(e), 3 + orig);
		ck_assert_uint_eq(e[6] | e[7], 0);
		ck_assert_int_eq(fw_cfg_file_key(&fc, sorted[i]), (int)key);
		/* the item behind the key is the file */
		sel(key);
		memset(data, 0, sizeof(data));
		pio_read(data, 3 + orig + 1);
		ck_assert_uint_eq(data[0], 'a' + orig);
		ck_assert_uint_eq(data[2 + orig], 'a' + orig);
		ck_assert_uint_eq(data[3 + orig], 0);
	}
	/* errors */
	ck_assert_int_eq(fw_cfg_add_file(&fc, "etc/a", "x", 1), -EEXIST);
	memset(longname, 'n', FW_CFG_MAX_FILE_PATH);
	longname[FW_CFG_MAX_FILE_PATH] = '\0';
	ck_assert_int_eq(fw_cfg_add_file(&fc, longname, "x", 1), -ENAMETOOLONG);
	longname[FW_CFG_MAX_FILE_PATH - 1] = '\0';	/* 55 chars + NUL fits */
	ck_assert_int_eq(fw_cfg_add_file(&fc, longname, "x", 1), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fc, "", "x", 1), -EINVAL);
	ck_assert_int_eq(fw_cfg_file_key(&fc, "nope"), -ENOENT);

	/* replacing data before the guest reads it: the directory follows */
	ck_assert_int_eq(fw_cfg_modify_file(&fc, "etc/b", "0123456789", 10), 0);
	sel(FW_CFG_FILE_DIR);
	pio_read(dir, sizeof(dir));
	ck_assert_uint_eq(get_be32(dir), 6);
	ck_assert_uint_eq(get_be32(dir + 4 + 64 * 3), 10);
	ck_assert_str_eq((const char *)dir + 4 + 64 * 3 + 8, "etc/b");
	sel(fw_cfg_file_key(&fc, "etc/b"));
	pio_read(data, 10);
	ck_assert_mem_eq(data, "0123456789", 10);
	ck_assert_int_eq(fw_cfg_modify_file(&fc, "nope", "x", 1), -ENOENT);
}
END_TEST

START_TEST(test_file_slots_full)
{
	char name[16];
	unsigned i;

	for (i = 0; i < FW_CFG_FILE_SLOTS; i++) {
		snprintf(name, sizeof(name), "f%03u", i);
		ck_assert_int_eq(fw_cfg_add_file(&fc, name, name, 4), 0);
	}
	ck_assert_int_eq(fw_cfg_add_file(&fc, "one-more", "x", 1), -ENOSPC);
	ck_assert_uint_eq(read_le(FW_CFG_FILE_DIR, 4), __builtin_bswap32(FW_CFG_FILE_SLOTS));
	ck_assert_uint_eq(read_le(FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS - 1, 4),
			  'f' | '1' << 8 | '2' << 16 | (uint32_t)'7' << 24);
}
END_TEST

/* ---- DMA ---- */

START_TEST(test_dma_read)
{
	static const uint8_t data[] = "hello, fw_cfg";
	int key;

	ck_assert_int_eq(fw_cfg_add_file(&fc, "opt/hello", data, sizeof(data)), 0);
	key = fw_cfg_file_key(&fc, "opt/hello");
	memset(mem.ram + BUF, 0xaa, 64);
	ck_assert_uint_eq(dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 5, BUF), 0);
	ck_assert_mem_eq(mem.ram + BUF, "hello", 5);
	ck_assert_uint_eq(mem.ram[BUF + 5], 0xaa);
	/* continue without select; past the end the buffer gets zeros */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 20, BUF + 5), 0);
	ck_assert_mem_eq(mem.ram + BUF, data, sizeof(data));
	ck_assert_uint_eq(mem.ram[BUF + 24], 0);
	ck_assert_uint_eq(mem.ram[BUF + 25], 0xaa);
	/* the DMA address register is 0 again after the operation */
	ck_assert_uint_eq(fc.dma_addr, 0);
	/* PIO continues where DMA stopped: at the end */
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), 0);
	/* an absent key reads as zeros, without error */
	memset(mem.ram + BUF, 0xaa, 8);
	ck_assert_uint_eq(dma(0x1234 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 8, BUF), 0);
	ck_assert_mem_eq(mem.ram + BUF, "\0\0\0\0\0\0\0\0", 8);
}
END_TEST

START_TEST(test_dma_skip_select)
{
	ck_assert_int_eq(fw_cfg_add_string(&fc, FW_CFG_CMDLINE_DATA, "0123456789"), 0);
	/* select only: PIO reads from offset 0 */
	sel(FW_CFG_SIGNATURE);
	ck_assert_uint_eq(dma(FW_CFG_CMDLINE_DATA << 16 | FW_CFG_DMA_CTL_SELECT, 0, 0), 0);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), '0');
	/* skip 3 from offset 1, then read */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SKIP, 3, 0xdead0000000ull), 0);	/* no memory touched */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 2, BUF), 0);
	ck_assert_mem_eq(mem.ram + BUF, "45", 2);
	/* select + skip: offset from 0 */
	ck_assert_uint_eq(dma(FW_CFG_CMDLINE_DATA << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP,
			      8, 0), 0);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), '8');
	/* skipping past the end stops at the end */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SKIP, 0xffffffff, 0), 0);
	ck_assert_uint_eq(fc.cur_off, 11);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), 0);
	/* no operation bits: nothing happens, success */
	ck_assert_uint_eq(dma(0, 100, BUF), 0);
}
END_TEST

static uint32_t wcb_off, wcb_len;
static int wcb_calls;

static void write_cb(void *opaque, uint32_t offset, uint32_t len)
{
	ck_assert_ptr_eq(opaque, &fc);
	wcb_off = offset;
	wcb_len = len;
	wcb_calls++;
}

START_TEST(test_dma_write)
{
	uint8_t initial[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, out[8];
	int key;

	wcb_calls = 0;
	ck_assert_int_eq(fw_cfg_add_file_writable(&fc, "etc/wr", initial, 8, write_cb, &fc), 0);
	ck_assert_int_eq(fw_cfg_add_file(&fc, "etc/ro", initial, 8), 0);
	key = fw_cfg_file_key(&fc, "etc/wr");
	memcpy(mem.ram + BUF, "\xa1\xa2\xa3\xa4", 4);
	/* select, skip 2, write 4 */
	ck_assert_uint_eq(dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 4, BUF), 0);
	ck_assert_int_eq(wcb_calls, 1);
	ck_assert_uint_eq(wcb_off, 2);
	ck_assert_uint_eq(wcb_len, 4);
	sel(key);
	pio_read(out, 8);
	ck_assert_mem_eq(out, "\x01\x02\xa1\xa2\xa3\xa4\x07\x08", 8);

	/* a write that would run past the end is dropped whole */
	ck_assert_uint_eq(dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 6, 0), 0);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_WRITE, 4, BUF), FW_CFG_DMA_CTL_ERROR);
	sel(key);
	pio_read(out, 8);
	ck_assert_mem_eq(out, "\x01\x02\xa1\xa2\xa3\xa4\x07\x08", 8);
	ck_assert_int_eq(wcb_calls, 1);

	/* read-only items refuse writes */
	key = fw_cfg_file_key(&fc, "etc/ro");
	ck_assert_uint_eq(dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, BUF),
			  FW_CFG_DMA_CTL_ERROR);
	sel(key);
	pio_read(out, 8);
	ck_assert_mem_eq(out, initial, 8);
	/* as do absent items and the signature */
	ck_assert_uint_eq(dma(0x1234 << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 1, BUF),
			  FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, BUF),
			  FW_CFG_DMA_CTL_ERROR);
	sel(FW_CFG_SIGNATURE);
	pio_read(out, 4);
	ck_assert_mem_eq(out, "QEMU", 4);
	/* read wins when both bits are set */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_WRITE,
			      4, BUF), 0);
	ck_assert_mem_eq(mem.ram + BUF, "QEMU", 4);
}
END_TEST

/* Bad requests: error bit, and no other effect at all. */
START_TEST(test_dma_bad_requests)
{
	static const uint8_t pattern[16] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
					     0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	uint8_t *snapshot = malloc(RAM_SIZE);
	int key;

	ck_assert_int_eq(fw_cfg_add_string(&fc, FW_CFG_CMDLINE_DATA, "0123456789"), 0);
	ck_assert_int_eq(fw_cfg_add_file_writable(&fc, "etc/wr", pattern, 16, NULL, NULL), 0);
	key = fw_cfg_file_key(&fc, "etc/wr");
	sel(FW_CFG_CMDLINE_DATA);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), '0');	/* offset 1 now */

	/* read whose buffer runs past the end of RAM: nothing written, no select */
	memset(mem.ram + RAM_SIZE - 0x100, 0x77, 0x100);
	ck_assert_uint_eq(dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 0x200,
			      RAM_SIZE - 0x100), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(mem.ram[RAM_SIZE - 0x100], 0x77);
	ck_assert_uint_eq(mem.ram[RAM_SIZE - 1], 0x77);
	/* buffer wholly outside RAM, and an address + length that wraps */
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 4, 0xfee00000), FW_CFG_DMA_CTL_ERROR);
	ck_assert_uint_eq(dma(FW_CFG_DMA_CTL_READ, 0x2000, 0xfffffffffffff000ull),
			  FW_CFG_DMA_CTL_ERROR);
	/* a write from outside RAM: the item keeps its data */
	ck_assert_uint_eq(dma(key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 16,
			      RAM_SIZE - 8), FW_CFG_DMA_CTL_ERROR);
	ck_assert_mem_eq(fw_cfg_item(&fc, key, NULL), pattern, 16);
	/* selection and offset did not move through all of this */
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), '1');

	/* structure straddling the end of RAM: control (in RAM) gets the error bit */
	memcpy(snapshot, mem.ram, RAM_SIZE);
	put_desc(RAM_SIZE - 8, FW_CFG_CMDLINE_DATA << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
		 4, BUF);
	memcpy(snapshot + RAM_SIZE - 8, mem.ram + RAM_SIZE - 8, 8);
	kick(RAM_SIZE - 8);
	ck_assert_uint_eq(get_be32(mem.ram + RAM_SIZE - 8), FW_CFG_DMA_CTL_ERROR);
	snapshot[RAM_SIZE - 8] = 0;
	snapshot[RAM_SIZE - 7] = 0;
	snapshot[RAM_SIZE - 6] = 0;
	snapshot[RAM_SIZE - 5] = FW_CFG_DMA_CTL_ERROR;
	ck_assert(memcmp(snapshot, mem.ram, RAM_SIZE) == 0);
	/* structure wholly outside RAM: no memory changes at all */
	kick(0x80000000ull);
	kick(0xfffffffffffffff8ull);
	ck_assert(memcmp(snapshot, mem.ram, RAM_SIZE) == 0);
	ck_assert_uint_eq(fw_cfg_io_read(&fc, FW_CFG_PORT_DATA, 1), '2');
	free(snapshot);
}
END_TEST

START_TEST(test_dma_register_halves)
{
	ck_assert_int_eq(fw_cfg_add_string(&fc, FW_CFG_CMDLINE_DATA, "xyz"), 0);
	/* the high half alone starts nothing */
	put_desc(DESC, FW_CFG_CMDLINE_DATA << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 3, BUF);
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA, 0, 4);
	ck_assert_uint_eq(get_be32(mem.ram + DESC) & FW_CFG_DMA_CTL_READ, FW_CFG_DMA_CTL_READ);
	/* a non-zero high half puts the structure above 4 GiB: not RAM here */
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA, __builtin_bswap32(1), 4);
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA + 4, __builtin_bswap32(DESC), 4);
	ck_assert_uint_eq(get_be32(mem.ram + DESC) & FW_CFG_DMA_CTL_READ, FW_CFG_DMA_CTL_READ);
	/* the register is 0 after that operation, so the low half alone works (qboot) */
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA + 4, __builtin_bswap32(DESC), 4);
	ck_assert_uint_eq(get_be32(mem.ram + DESC), 0);
	ck_assert_mem_eq(mem.ram + BUF, "xyz", 3);
	/* one 64-bit write (MMIO-style) also starts it */
	memset(mem.ram + BUF, 0, 4);
	put_desc(DESC, FW_CFG_CMDLINE_DATA << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 3, BUF);
	fw_cfg_io_write(&fc, FW_CFG_PORT_DMA, __builtin_bswap64(DESC), 8);
	ck_assert_uint_eq(get_be32(mem.ram + DESC), 0);
	ck_assert_mem_eq(mem.ram + BUF, "xyz", 3);
}
END_TEST

/* ---- select callback ---- */

static int select_calls;

static void select_cb(void *opaque)
{
	select_calls++;
	fw_cfg_modify_file(opaque, "etc/lazy", "built", 5);
}

START_TEST(test_select_callback)
{
	int key;
	uint8_t b[5];

	select_calls = 0;
	ck_assert_int_eq(fw_cfg_add_file(&fc, "etc/lazy", "old", 3), 0);
	key = fw_cfg_file_key(&fc, "etc/lazy");
	ck_assert_int_eq(fw_cfg_set_select_cb(&fc, key, select_cb, &fc), 0);
	ck_assert_int_eq(fw_cfg_set_select_cb(&fc, 0x1234, select_cb, &fc), -ENOENT);
	sel(key);
	pio_read(b, 5);
	ck_assert_mem_eq(b, "built", 5);
	ck_assert_int_eq(select_calls, 1);
}
END_TEST

/* ---- -kernel ---- */

#define SETUP_SECTS	4
#define SETUP_SIZE	((SETUP_SECTS + 1) * 512)
#define PM_SIZE		4096

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* A minimal bzImage: protocol `proto`, setup of SETUP_SECTS sectors, PM_SIZE bytes of kernel. */
static uint8_t *make_bzimage(uint16_t proto, uint8_t loadflags, uint16_t xloadflags)
{
	uint8_t *k = calloc(1, SETUP_SIZE + PM_SIZE);
	size_t i;

	for (i = 0; i < SETUP_SIZE + PM_SIZE; i++)
		k[i] = (uint8_t)(i * 7 + 3);
	memset(k + 0x1f1, 0, 0x270 - 0x1f1);
	k[0x1f1] = SETUP_SECTS;
	put16(k + 0x1fe, 0xaa55);
	k[0x200] = 0xeb;
	k[0x201] = 0x6a;			/* header ends at 0x26c */
	memcpy(k + 0x202, "HdrS", 4);
	put16(k + 0x206, proto);
	k[0x211] = loadflags;
	put32(k + 0x214, 0x100000);
	put32(k + 0x22c, 0x37ffffff);		/* initrd_addr_max */
	put32(k + 0x230, 0x200000);		/* kernel_alignment */
	k[0x234] = 1;				/* relocatable */
	put16(k + 0x236, xloadflags);
	put32(k + 0x238, 2048);			/* cmdline_size */
	put32(k + 0x260, 0x1000000);		/* init_size */
	return k;
}

START_TEST(test_kernel_split)
{
	uint8_t *k = make_bzimage(0x020f, BZ_LOADED_HIGH, 0);
	uint8_t initrd[10000], *setup;
	struct fw_cfg_kernel_args a = {
		.kernel = k, .kernel_len = SETUP_SIZE + PM_SIZE, .initrd = initrd,
		.initrd_len = sizeof(initrd), .cmdline = "console=ttyS0 quiet",
		.below_4g = 128u << 20,
	};
	struct fw_cfg_kernel_layout lay;
	struct loader_err err = { 0 };
	uint32_t initrd_addr = ((128u << 20) - 0x28000 - 1 - 10000) & ~4095u;
	uint8_t *buf = malloc(SETUP_SIZE + PM_SIZE);
	size_t i;

	memset(initrd, 0x3c, sizeof(initrd));
	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, &lay, &err), 0);
	ck_assert(lay.bzimage);
	ck_assert_uint_eq(initrd_addr, 0x7fd5000);
	ck_assert_uint_eq(read_le(FW_CFG_SETUP_ADDR, 4), 0x10000);
	ck_assert_uint_eq(read_le(FW_CFG_SETUP_SIZE, 4), SETUP_SIZE);
	ck_assert_uint_eq(read_le(FW_CFG_KERNEL_ADDR, 4), 0x100000);
	ck_assert_uint_eq(read_le(FW_CFG_KERNEL_SIZE, 4), PM_SIZE);
	ck_assert_uint_eq(read_le(FW_CFG_CMDLINE_ADDR, 4), 0x20000);
	ck_assert_uint_eq(read_le(FW_CFG_CMDLINE_SIZE, 4), strlen(a.cmdline) + 1);
	ck_assert_uint_eq(read_le(FW_CFG_INITRD_ADDR, 4), initrd_addr);
	ck_assert_uint_eq(read_le(FW_CFG_INITRD_SIZE, 4), sizeof(initrd));

	/* KERNEL_DATA is the file after the setup, byte for byte */
	sel(FW_CFG_KERNEL_DATA);
	pio_read(buf, PM_SIZE + 1);
	ck_assert(memcmp(buf, k + SETUP_SIZE, PM_SIZE) == 0);
	ck_assert_uint_eq(buf[PM_SIZE], 0);
	sel(FW_CFG_CMDLINE_DATA);
	pio_read(buf, strlen(a.cmdline) + 1);
	ck_assert_str_eq((char *)buf, a.cmdline);
	ck_assert_uint_eq(dma(FW_CFG_INITRD_DATA << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			      sizeof(initrd), 0x10000), 0);
	ck_assert(memcmp(mem.ram + 0x10000, initrd, sizeof(initrd)) == 0);

	/* SETUP_DATA: the setup with the header patched as QEMU does */
	sel(FW_CFG_SETUP_DATA);
	pio_read(buf, SETUP_SIZE);
	setup = buf;
	ck_assert_uint_eq(setup[0x210], 0xb0);				/* type_of_loader */
	ck_assert_uint_eq(setup[0x211], BZ_LOADED_HIGH | BZ_CAN_USE_HEAP);
	ck_assert_uint_eq(setup[0x224] | setup[0x225] << 8, 0x20000 - 0x10000 - 0x200);
	ck_assert_uint_eq(setup[0x228] | setup[0x229] << 8 | setup[0x22a] << 16, 0x20000);
	ck_assert_uint_eq(setup[0x22b], 0);
	ck_assert_uint_eq(setup[0x218] | setup[0x219] << 8 | setup[0x21a] << 16 |
			  (uint32_t)setup[0x21b] << 24, initrd_addr);
	ck_assert_uint_eq(setup[0x21c] | setup[0x21d] << 8, sizeof(initrd));
	/* everything else is the file's */
	for (i = 0; i < SETUP_SIZE; i++) {
		if (i == 0x210 || i == 0x211 || (i >= 0x218 && i < 0x220) ||
		    (i >= 0x224 && i < 0x22c))
			continue;
		ck_assert_msg(setup[i] == k[i], "setup byte 0x%zx changed", i);
	}
	free(buf);
	free(k);
}
END_TEST

START_TEST(test_kernel_layouts)
{
	uint8_t *k = make_bzimage(0x0201, 0, 0);	/* low-loaded, old protocol */
	struct fw_cfg_kernel_args a = {
		.kernel = k, .kernel_len = SETUP_SIZE + PM_SIZE, .cmdline = "root=/dev/sda",
		.below_4g = 64u << 20,
	};
	struct fw_cfg_kernel_layout lay;
	struct loader_err err = { 0 };
	uint8_t setup[0x230];
	uint8_t initrd[4096];

	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, &lay, &err), 0);
	ck_assert_uint_eq(lay.real_addr, 0x90000);
	ck_assert_uint_eq(lay.prot_addr, 0x10000);
	ck_assert_uint_eq(lay.cmdline_addr, 0x9a000 - ((13 + 16) & ~15u));
	sel(FW_CFG_SETUP_DATA);
	pio_read(setup, sizeof(setup));
	/* protocol < 2.02: the old command line protocol */
	ck_assert_uint_eq(setup[0x20] | setup[0x21] << 8, 0xa33f);
	ck_assert_uint_eq(setup[0x22] | setup[0x23] << 8, lay.cmdline_addr - 0x90000);
	ck_assert_uint_eq(setup[0x228] | setup[0x229] << 8, k[0x228] | k[0x229] << 8);
	ck_assert_uint_eq(setup[0x211], BZ_CAN_USE_HEAP);
	ck_assert_uint_eq(setup[0x224] | setup[0x225] << 8, lay.cmdline_addr - 0x90000 - 0x200);
	free(k);

	/* 2.12+ that can live above 4 GiB: the ceiling is the top of low RAM */
	k = make_bzimage(0x020c, BZ_LOADED_HIGH, BZ_XLF_CAN_BE_LOADED_ABOVE_4G);
	a.kernel = k;
	a.initrd = initrd;
	a.initrd_len = sizeof(initrd);
	a.acpi_data_size = 0x10000;
	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, &lay, &err), 0);
	ck_assert_uint_eq(lay.initrd_max, (64u << 20) - 0x10000 - 1);
	ck_assert_uint_eq(lay.initrd_addr, ((64u << 20) - 0x10000 - 1 - 4096) & ~4095u);
	ck_assert_uint_eq(lay.real_addr, 0x10000);
	free(k);
}
END_TEST

START_TEST(test_kernel_errors)
{
	uint8_t *k = make_bzimage(0x020f, BZ_LOADED_HIGH, 0);
	static uint8_t big_initrd[1 << 16];
	char cmdline[3000];
	struct fw_cfg_kernel_args a = {
		.kernel = k, .kernel_len = SETUP_SIZE + PM_SIZE, .below_4g = 64u << 20,
	};
	struct loader_err err = { 0 };

	/* initrd larger than the room below the ceiling */
	a.initrd = big_initrd;
	a.initrd_len = sizeof(big_initrd);
	a.below_4g = 0x28000 + sizeof(big_initrd);
	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, NULL, &err), LOADER_E_INITRD);
	ck_assert_str_eq(err.field, "initrd");
	/* command line longer than cmdline_size */
	a.initrd = NULL;
	a.below_4g = 64u << 20;
	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	a.cmdline = cmdline;
	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, NULL, &err), LOADER_E_CMDLINE);
	/* truncated setup */
	a.cmdline = NULL;
	a.kernel_len = 0x300;
	ck_assert_int_lt(fw_cfg_add_kernel(&fc, &a, NULL, &err), 0);
	a.kernel_len = 0;
	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, NULL, &err), LOADER_E_TRUNCATED);
	/* nothing was added by the failures */
	ck_assert_ptr_null(fw_cfg_item(&fc, FW_CFG_KERNEL_SIZE, NULL));
	ck_assert_ptr_null(fw_cfg_item(&fc, FW_CFG_SETUP_DATA, NULL));
	ck_assert_ptr_null(fw_cfg_item(&fc, FW_CFG_CMDLINE_DATA, NULL));
	free(k);
}
END_TEST

START_TEST(test_kernel_not_bzimage)
{
	uint8_t elf[256] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	struct fw_cfg_kernel_args a = { .kernel = elf, .kernel_len = sizeof(elf),
					.cmdline = "x", .below_4g = 64u << 20 };
	struct fw_cfg_kernel_layout lay;
	struct loader_err err = { 0 };
	uint8_t out[4];

	ck_assert_int_eq(fw_cfg_add_kernel(&fc, &a, &lay, &err), 0);
	ck_assert(!lay.bzimage);
	ck_assert_uint_eq(read_le(FW_CFG_KERNEL_SIZE, 4), sizeof(elf));
	sel(FW_CFG_KERNEL_DATA);
	pio_read(out, 4);
	ck_assert_mem_eq(out, "\x7f" "ELF", 4);
	ck_assert_ptr_null(fw_cfg_item(&fc, FW_CFG_SETUP_SIZE, NULL));
	ck_assert_ptr_null(fw_cfg_item(&fc, FW_CFG_KERNEL_ADDR, NULL));
	ck_assert_uint_eq(read_le(FW_CFG_CMDLINE_SIZE, 4), 2);
}
END_TEST

START_TEST(test_bus_registration)
{
	struct bus pio;
	const char *clash = NULL;

	bus_init(&pio, "pio");
	ck_assert_int_eq(fw_cfg_register_pio(&fc, &pio, &clash), 0);
	bus_write(&pio, FW_CFG_PORT_SEL, FW_CFG_SIGNATURE, 2);
	ck_assert_uint_eq(bus_read(&pio, FW_CFG_PORT_DATA, 1), 'Q');
	ck_assert_uint_eq(bus_read(&pio, FW_CFG_PORT_DMA, 4), 0x554d4551);
	ck_assert_int_eq(fw_cfg_register_pio(&fc, &pio, &clash), -EEXIST);
	bus_destroy(&pio);
}
END_TEST

/* ---- the board device ---- */

START_TEST(test_board_device)
{
	struct board b;
	struct board_err err = { 0 };
	struct device *dev;
	struct fw_cfg *f;

	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_int_eq(board_set_ram(&b, 64u << 20, 0, &err), 0);
	b.ncpus = 3;
	ck_assert_ptr_null(board_fw_cfg(&b));
	ck_assert_int_eq(device_create(&b, "fw_cfg_io", "fw-cfg@510", NULL, -1, NULL, &dev, &err), 0);
	f = board_fw_cfg(&b);
	ck_assert_ptr_nonnull(f);
	bus_write(&b.pio, FW_CFG_PORT_SEL, FW_CFG_NB_CPUS, 2);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), 3);
	bus_write(&b.pio, FW_CFG_PORT_SEL, FW_CFG_RAM_SIZE, 2);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), 0);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), 0);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), 0);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), 4);	/* 64 MiB */
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DMA, 4), 0x554d4551);
	/* DMA through the board's RAM */
	ck_assert_int_eq(fw_cfg_add_string(f, FW_CFG_CMDLINE_DATA, "hi"), 0);
	put_be32(b.mem.ram + DESC, FW_CFG_CMDLINE_DATA << 16 | FW_CFG_DMA_CTL_SELECT |
		 FW_CFG_DMA_CTL_READ);
	put_be32(b.mem.ram + DESC + 4, 3);
	put_be32(b.mem.ram + DESC + 8, 0);
	put_be32(b.mem.ram + DESC + 12, BUF);
	bus_write(&b.pio, FW_CFG_PORT_DMA + 4, __builtin_bswap32(DESC), 4);
	ck_assert_uint_eq(get_be32(b.mem.ram + DESC), 0);
	ck_assert_mem_eq(b.mem.ram + BUF, "hi", 3);
	/* machine reset: back to the signature */
	bus_write(&b.pio, FW_CFG_PORT_SEL, FW_CFG_NB_CPUS, 2);
	board_reset(&b, RESET_CF9);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), 'Q');
	/* a second one clashes on the ports */
	ck_assert_int_eq(device_create(&b, "fw_cfg_io", "dup", NULL, -1, NULL, &dev, &err), -EEXIST);
	/* fw_cfg-only ROMs become files */
	ck_assert_int_eq(rom_add_blob(&b, "genroms/linuxboot_dma.bin", "ROM!", 4, ROM_NO_GPA), 0);
	ck_assert_int_eq(fw_cfg_add_roms(f, &b), 0);
	ck_assert_int_ge(fw_cfg_file_key(f, "genroms/linuxboot_dma.bin"), FW_CFG_FILE_FIRST);
	board_destroy(&b);
}
END_TEST

START_TEST(test_board_device_no_dma)
{
	struct board b;
	struct board_err err = { 0 };
	struct device *dev;

	ck_assert_int_eq(board_init(&b), 0);
	ck_assert_int_eq(board_set_ram(&b, 16u << 20, 0, &err), 0);
	ck_assert_int_eq(device_create(&b, "fw_cfg_io", NULL, NULL, -1, "dma_enabled=0", &dev,
				       &err), 0);
	bus_write(&b.pio, FW_CFG_PORT_SEL, FW_CFG_ID, 2);
	ck_assert_uint_eq(bus_read(&b.pio, FW_CFG_PORT_DATA, 1), FW_CFG_VERSION);
	ck_assert_ptr_null(bus_find(&b.pio, FW_CFG_PORT_DMA));
	board_destroy(&b);
}
END_TEST

Suite *board_fwcfg_suite(void)
{
	Suite *s = suite_create("board_fwcfg");
	TCase *tc = tcase_create("fwcfg");

	tcase_add_checked_fixture(tc, setup_dma, teardown);
	tcase_add_test(tc, test_signature_and_id);
	tcase_add_test(tc, test_no_dma);
	tcase_add_test(tc, test_pc_keys);
	tcase_add_test(tc, test_numbered_items);
	tcase_add_test(tc, test_offset_and_reselect);
	tcase_add_test(tc, test_file_directory);
	tcase_add_test(tc, test_file_slots_full);
	tcase_add_test(tc, test_dma_read);
	tcase_add_test(tc, test_dma_skip_select);
	tcase_add_test(tc, test_dma_write);
	tcase_add_test(tc, test_dma_bad_requests);
	tcase_add_test(tc, test_dma_register_halves);
	tcase_add_test(tc, test_select_callback);
	tcase_add_test(tc, test_kernel_split);
	tcase_add_test(tc, test_kernel_layouts);
	tcase_add_test(tc, test_kernel_errors);
	tcase_add_test(tc, test_kernel_not_bzimage);
	tcase_add_test(tc, test_bus_registration);
	tcase_add_test(tc, test_board_device);
	tcase_add_test(tc, test_board_device_no_dma);
	suite_add_tcase(s, tc);
	return s;
}
