/*
 * libFuzzer target: multiboot_parse on arbitrary bytes, then the info, PVH
 * and e820 builders driven by the same bytes. Accepted segments must lie in
 * the input (their bytes are read here) and below 4 GiB; built structures
 * must fit the buffer they were given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

static uint64_t take64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;

	if (*n >= 8) {
		memcpy(&v, *p, 8);
		*p += 8;
		*n -= 8;
	}
	return v;
}

static void check_parse(const uint8_t *data, size_t size)
{
	struct multiboot_info_hdr mb;
	struct loader_err err;
	volatile uint8_t sink = 0;
	unsigned i;

	if (multiboot_parse(data, size, &mb, &err) != 0) {
		if (err.status >= 0 || !err.field)
			abort();
		return;
	}
	if (mb.nsegments == 0 || mb.nsegments > LOADER_MAX_SEGMENTS ||
	    mb.header_offset + 12 > MULTIBOOT_SEARCH)
		abort();
	for (i = 0; i < mb.nsegments; i++) {
		const struct load_segment *s = &mb.seg[i];

		if (s->file_size > s->mem_size || s->file_offset > size ||
		    s->file_size > size - s->file_offset ||
		    s->paddr + s->mem_size > (uint64_t)UINT32_MAX + 1)
			abort();
		if (s->file_size)
			sink ^= data[s->file_offset] ^ data[s->file_offset + s->file_size - 1];
	}
	(void)sink;
}

static void check_builders(const uint8_t *data, size_t size)
{
	struct e820_entry map[E820_MAX];
	struct ram_layout ram;
	struct multiboot_args a;
	struct hvm_args h;
	struct loader_err err;
	uint8_t buf[4096];
	size_t blen;
	int n, r;

	ram.ram_size = take64(&data, &size);
	ram.below_4g = take64(&data, &size);
	ram.low_reserved_start = take64(&data, &size);
	blen = take64(&data, &size) % sizeof(buf);
	n = e820_build(&ram, map, E820_MAX, &err);
	if (n < 0)
		n = 0;
	if (n > E820_MAX)
		abort();

	memset(&a, 0, sizeof(a));
	a.e820 = map;
	a.e820_entries = (unsigned)n;
	a.info_addr = (uint32_t)take64(&data, &size);
	a.mod_start = (uint32_t)take64(&data, &size);
	a.mod_end = (uint32_t)take64(&data, &size);
	/* the rest of the input, up to a NUL, is the command line */
	{
		char *cmd = malloc(size + 1);

		if (!cmd)
			return;
		memcpy(cmd, data, size);
		cmd[size] = 0;
		a.cmdline = cmd;
		a.mod_cmdline = cmd + strlen(cmd);
		r = multiboot_info_build(&a, buf, blen, &err);
		if (r > (int)blen)
			abort();
		free(cmd);
	}

	r = hvm_memmap_build(map, (unsigned)n, buf, blen, &err);
	if (r > (int)blen)
		abort();
	memset(&h, 0, sizeof(h));
	h.memmap_entries = (unsigned)n;
	h.memmap_addr = a.info_addr;
	h.nr_modules = a.mod_start & 3;
	h.modlist_addr = a.mod_end;
	r = hvm_start_info_build(&h, buf, blen, &err);
	if (r > (int)blen)
		abort();
	r = hvm_module_build(ram.ram_size, ram.below_4g, 0, buf, blen, &err);
	if (r > (int)blen)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	if (size && data[0] == 'B')
		check_builders(data + 1, size - 1);
	return 0;
}
