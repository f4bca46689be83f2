/*
 * libFuzzer target: fw_cfg's port and DMA interfaces over a small guest RAM
 * whose content the fuzzer chooses. The input is
 *   [u16 n] [n bytes of ops] [guest memory content (zero-padded to RAM_SIZE)]
 * where each op is one byte of kind plus its operands. Whatever the guest
 * writes, fw_cfg must neither crash nor touch host memory outside its items
 * and guest RAM (ASan), and a DMA must never change RAM outside the control
 * word of its structure and the buffer it names.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board/fw_cfg.h"

#define RAM_SIZE	0x1000u		/* small, so random addresses hit and miss */

enum { OP_SELECT, OP_READ, OP_DMA, OP_DMA_HIGH, OP_IO_WRITE, OP_IO_READ, OP_RESET, OP_MODIFY, OP_COUNT };

static uint64_t take(const uint8_t **p, size_t *left, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n && *left; i++, (*p)++, (*left)--)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

static void wcb(void *opaque, uint32_t off, uint32_t len)
{
	uint32_t *size = opaque;

	/* the write callback only ever sees ranges inside the item */
	if (off > *size || len > *size - off)
		abort();
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Kick a DMA at a and check that only what it may write changed. */
static void checked_kick(struct fw_cfg *fc, struct guest_mem *mem, uint64_t a)
{
	static uint8_t before[RAM_SIZE];
	uint64_t buf = 0, len = 0, i;
	bool moves = false;

	memcpy(before, mem->ram, RAM_SIZE);
	if (a <= RAM_SIZE - 16) {
		uint32_t ctl = be32(mem->ram + a);

		buf = (uint64_t)be32(mem->ram + a + 8) << 32 | be32(mem->ram + a + 12);
		len = be32(mem->ram + a + 4);
		moves = ctl & FW_CFG_DMA_CTL_READ;
	}
	fw_cfg_dma_kick(fc, a);
	for (i = 0; i < RAM_SIZE; i++) {
		if (mem->ram[i] == before[i])
			continue;
		if (i >= a && i < a + 4)
			continue;		/* the control word */
		if (moves && i >= buf && i - buf < len)
			continue;		/* the buffer of a read */
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t wr_size = 64;
	struct guest_mem mem;
	struct fw_cfg *fc;
	uint8_t wr_init[64] = { 0 };
	const uint8_t *p;
	size_t left, nops;
	unsigned steps = 0;

	if (size < 2)
		return 0;
	nops = data[0] | data[1] << 8;
	if (nops > size - 2)
		nops = size - 2;
	p = data + 2;
	left = nops;
	fc = malloc(sizeof(*fc));
	if (!fc || gmem_init(&mem, RAM_SIZE, 0xe0000000ull)) {
		free(fc);
		return 0;
	}
	memcpy(mem.ram, data + 2 + nops,
	       size - 2 - nops < RAM_SIZE ? size - 2 - nops : RAM_SIZE);
	if (fw_cfg_init(fc, &mem, !(data[1] & 0x80)) == 0) {
		fw_cfg_add_i64(fc, FW_CFG_RAM_SIZE, RAM_SIZE);
		fw_cfg_add_string(fc, FW_CFG_CMDLINE_DATA, "console=ttyS0");
		fw_cfg_add_file(fc, "etc/acpi/tables", "0123456789abcdef", 16);
		fw_cfg_add_file_writable(fc, "etc/wr", wr_init, sizeof(wr_init), wcb, &wr_size);
		fw_cfg_add_file(fc, "etc/empty", "", 0);

		while (left && steps++ < 256) {
			unsigned op = take(&p, &left, 1) % OP_COUNT;
			uint64_t a, v;

			switch (op) {
			case OP_SELECT:
				fw_cfg_io_write(fc, FW_CFG_PORT_SEL, take(&p, &left, 2), 2);
				break;
			case OP_READ:
				fw_cfg_io_read(fc, FW_CFG_PORT_DATA, 1);
				break;
			case OP_DMA:
				/* full 64-bit address, often near or in RAM */
				a = take(&p, &left, 8);
				if (a & 1)
					a = (a >> 1) % (RAM_SIZE + 64);
				checked_kick(fc, &mem, a);
				break;
			case OP_DMA_HIGH:
				fw_cfg_io_write(fc, FW_CFG_PORT_DMA, take(&p, &left, 4), 4);
				break;
			case OP_IO_WRITE:
				a = FW_CFG_PORT_SEL + take(&p, &left, 1) % 12;
				v = take(&p, &left, 8);
				fw_cfg_io_write(fc, a, v, 1u << (take(&p, &left, 1) % 4));
				break;
			case OP_IO_READ:
				a = FW_CFG_PORT_SEL + take(&p, &left, 1) % 12;
				fw_cfg_io_read(fc, a, 1u << (take(&p, &left, 1) % 4));
				break;
			case OP_RESET:
				fw_cfg_reset(fc);
				break;
			case OP_MODIFY:
				v = take(&p, &left, 1) % 17;
				fw_cfg_modify_file(fc, "etc/acpi/tables", "fedcba9876543210", v);
				break;
			}
		}
		fw_cfg_destroy(fc);
	}
	gmem_destroy(&mem);
	free(fc);
	return 0;
}
