/*
 * The e820 map for a RAM layout, as SeaBIOS/qboot hand it to Linux on QEMU's
 * pc machine:
 *
 *   [0, low_reserved_start)          RAM       (default 0x9fc00: 639 KiB)
 *   [low_reserved_start, 0xa0000)    reserved  (EBDA)
 *   [0xf0000, 0x100000)              reserved  (BIOS ROM)
 *   [1 MiB, below_4g)                RAM
 *   [4 GiB, 4 GiB + ram - below_4g)  RAM       (only if RAM is left over)
 *
 * VGA memory and option ROMs (0xa0000-0xf0000) are left out of the map, as
 * firmware does; Linux treats the whole 640K-1M range as reserved anyway.
 *
 * below_4g == 0 picks QEMU's i440fx split: all RAM below 4 GiB if it is under
 * 3.5 GiB, else 3 GiB below and the rest above.
 */
#include <inttypes.h>

#include "loader/loader.h"

#define E820_EBDA_DEFAULT	0x9fc00ull
#define E820_LOW_END		0xa0000ull	/* end of conventional memory */
#define E820_BIOS_START		0xf0000ull
#define E820_HIGH_START		0x100000ull	/* 1 MiB */
#define E820_RAM_MIN		0x200000ull	/* at least 1 MiB above 1 MiB */
#define E820_4G			0x100000000ull
#define E820_LOWMEM_SPLIT	0xe0000000ull	/* i440fx: PCI hole from here ... */
#define E820_LOWMEM_LARGE	0xc0000000ull	/* ... or from 3 GiB for big guests */
#define E820_PHYS_LIMIT		(1ull << 52)	/* architectural physical address limit */

static void add(struct e820_entry *map, unsigned *n, uint64_t addr, uint64_t size,
		uint32_t type)
{
	map[*n].addr = addr;
	map[*n].size = size;
	map[*n].type = type;
	(*n)++;
}

uint64_t e820_below_4g(const struct ram_layout *ram)
{
	if (ram->below_4g)
		return ram->below_4g;
	return ram->ram_size < E820_LOWMEM_SPLIT ? ram->ram_size : E820_LOWMEM_LARGE;
}

int e820_build(const struct ram_layout *ram, struct e820_entry *map, unsigned max,
	       struct loader_err *err)
{
	uint64_t lrs = ram->low_reserved_start ? ram->low_reserved_start : E820_EBDA_DEFAULT;
	uint64_t below = e820_below_4g(ram);
	uint64_t above, end;
	unsigned n = 0, need;

	if (ram->ram_size < E820_RAM_MIN)
		return loader_fail(err, LOADER_E_RANGE, "ram_size",
				   "0x%" PRIx64 " bytes, need at least 0x%llx",
				   ram->ram_size, E820_RAM_MIN);
	if (below > ram->ram_size)
		return loader_fail(err, LOADER_E_RANGE, "below_4g",
				   "0x%" PRIx64 " exceeds ram_size 0x%" PRIx64,
				   below, ram->ram_size);
	if (below > E820_4G)
		return loader_fail(err, LOADER_E_RANGE, "below_4g",
				   "0x%" PRIx64 " is above 4 GiB", below);
	if (below < E820_RAM_MIN)
		return loader_fail(err, LOADER_E_RANGE, "below_4g",
				   "0x%" PRIx64 " leaves less than 1 MiB above 1 MiB", below);
	if (lrs > E820_LOW_END || lrs < 0x1000)
		return loader_fail(err, LOADER_E_RANGE, "low_reserved_start",
				   "0x%" PRIx64 " is outside [0x1000, 0xa0000]", lrs);
	above = ram->ram_size - below;
	if (__builtin_add_overflow(E820_4G, above, &end) || end > E820_PHYS_LIMIT)
		return loader_fail(err, LOADER_E_RANGE, "ram_size",
				   "0x%" PRIx64 " bytes of RAM above 4 GiB pass the 52-bit "
				   "physical address limit", above);

	need = 3 + (lrs < E820_LOW_END) + (above > 0);
	if (max < need || !map)
		return loader_fail(err, LOADER_E_RANGE, "e820",
				   "room for %u entries, need %u", max, need);

	add(map, &n, 0, lrs, E820_RAM);
	if (lrs < E820_LOW_END)
		add(map, &n, lrs, E820_LOW_END - lrs, E820_RESERVED);
	add(map, &n, E820_BIOS_START, E820_HIGH_START - E820_BIOS_START, E820_RESERVED);
	add(map, &n, E820_HIGH_START, below - E820_HIGH_START, E820_RAM);
	if (above)
		add(map, &n, E820_4G, above, E820_RAM);
	return (int)n;
}
