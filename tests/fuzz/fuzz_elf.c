/*
 * libFuzzer target: elf_parse on arbitrary bytes. Whatever it accepts must
 * describe memory inside the input: every segment's file bytes are read here,
 * so ASan catches a bound the parser let through.
 */
#include <stdint.h>
#include <stdlib.h>

#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_info elf;
	struct loader_err err;
	volatile uint8_t sink = 0;
	unsigned i, j;

	if (elf_parse(data, size, &elf, &err) != 0) {
		if (err.status >= 0 || !err.field)
			abort();
		return 0;
	}
	if (elf.nsegments == 0 || elf.nsegments > LOADER_MAX_SEGMENTS)
		abort();
	for (i = 0; i < elf.nsegments; i++) {
		const struct load_segment *s = &elf.seg[i];

		if (s->file_size > s->mem_size || s->file_offset > size ||
		    s->file_size > size - s->file_offset ||
		    s->paddr + s->mem_size < s->paddr)
			abort();
		for (j = 0; j < elf.nsegments; j++)
			if (j != i && s->paddr < elf.seg[j].paddr + elf.seg[j].mem_size &&
			    elf.seg[j].paddr < s->paddr + s->mem_size)
				abort();
		if (s->file_size)
			sink ^= data[s->file_offset] ^ data[s->file_offset + s->file_size - 1];
		if (s->paddr < elf.low || s->paddr + s->mem_size > elf.high)
			abort();
	}
	if (elf.has_pvh) {
		for (i = 0; i < elf.nsegments; i++)
			if (elf.pvh_entry >= elf.seg[i].paddr &&
			    elf.pvh_entry - elf.seg[i].paddr < elf.seg[i].mem_size)
				break;
		if (i == elf.nsegments)
			abort();
	}
	(void)sink;
	return 0;
}
