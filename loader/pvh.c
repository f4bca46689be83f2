/*
 * PVH boot structures (Xen public/arch-x86/hvm/start_info.h, version 1),
 * written little-endian into a byte buffer at fixed offsets:
 *
 * hvm_start_info (56 bytes)          hvm_modlist_entry (32 bytes)
 *    0 magic          u32               0 paddr          u64
 *    4 version        u32               8 size           u64
 *    8 flags          u32              16 cmdline_paddr  u64
 *   12 nr_modules     u32              24 reserved       u64
 *   16 modlist_paddr  u64
 *   24 cmdline_paddr  u64            hvm_memmap_table_entry (24 bytes)
 *   32 rsdp_paddr     u64               0 addr           u64
 *   40 memmap_paddr   u64               8 size           u64
 *   48 memmap_entries u32              16 type           u32
 *   52 reserved       u32              20 reserved       u32
 *
 * A zero address means "not present" to the guest.
 */
#include <inttypes.h>
#include <string.h>

#include "loader/loader.h"

#define HVM_START_INFO_VERSION	1
#define HVM_START_INFO_SIZE	56
#define HVM_MODLIST_ENTRY_SIZE	32
#define HVM_MEMMAP_ENTRY_SIZE	24

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

int hvm_start_info_build(const struct hvm_args *a, uint8_t *buf, size_t len,
			 struct loader_err *err)
{
	if (len < HVM_START_INFO_SIZE)
		return loader_fail(err, LOADER_E_RANGE, "hvm_start_info",
				   "buffer of %zu bytes, need %d", len, HVM_START_INFO_SIZE);
	if (a->nr_modules && !a->modlist_addr)
		return loader_fail(err, LOADER_E_RANGE, "modlist_paddr",
				   "%u modules but no module list", a->nr_modules);
	if (a->memmap_entries && !a->memmap_addr)
		return loader_fail(err, LOADER_E_RANGE, "memmap_paddr",
				   "%u map entries but no map", a->memmap_entries);
	if (a->memmap_entries > E820_MAX)
		return loader_fail(err, LOADER_E_RANGE, "memmap_entries",
				   "%u entries, at most %d", a->memmap_entries, E820_MAX);

	memset(buf, 0, HVM_START_INFO_SIZE);
	put32(buf + 0, HVM_START_MAGIC);
	put32(buf + 4, HVM_START_INFO_VERSION);
	put32(buf + 8, 0);
	put32(buf + 12, a->nr_modules);
	put64(buf + 16, a->nr_modules ? a->modlist_addr : 0);
	put64(buf + 24, a->cmdline_addr);
	put64(buf + 32, a->rsdp_addr);
	put64(buf + 40, a->memmap_entries ? a->memmap_addr : 0);
	put32(buf + 48, a->memmap_entries);
	return HVM_START_INFO_SIZE;
}

int hvm_memmap_build(const struct e820_entry *e820, unsigned n, uint8_t *buf, size_t len,
		     struct loader_err *err)
{
	size_t need;
	unsigned i;

	if (n > E820_MAX)
		return loader_fail(err, LOADER_E_RANGE, "memmap_entries",
				   "%u entries, at most %d", n, E820_MAX);
	if (n && !e820)
		return loader_fail(err, LOADER_E_RANGE, "e820", "no map for %u entries", n);
	need = (size_t)n * HVM_MEMMAP_ENTRY_SIZE;
	if (len < need)
		return loader_fail(err, LOADER_E_RANGE, "hvm_memmap_table",
				   "buffer of %zu bytes, need %zu", len, need);
	for (i = 0; i < n; i++) {
		uint8_t *p = buf + (size_t)i * HVM_MEMMAP_ENTRY_SIZE;
		uint64_t end;

		if (__builtin_add_overflow(e820[i].addr, e820[i].size, &end))
			return loader_fail(err, LOADER_E_OVERFLOW, "e820",
					   "entry %u: 0x%" PRIx64 " + 0x%" PRIx64 " overflows",
					   i, e820[i].addr, e820[i].size);
		/* e820 types 1-4 and XEN_HVM_MEMMAP_TYPE_* share their values */
		put64(p, e820[i].addr);
		put64(p + 8, e820[i].size);
		put32(p + 16, e820[i].type);
		put32(p + 20, 0);
	}
	return (int)need;
}

int hvm_module_build(uint64_t paddr, uint64_t size, uint64_t cmdline_paddr,
		     uint8_t *buf, size_t len, struct loader_err *err)
{
	uint64_t end;

	if (len < HVM_MODLIST_ENTRY_SIZE)
		return loader_fail(err, LOADER_E_RANGE, "hvm_modlist_entry",
				   "buffer of %zu bytes, need %d", len, HVM_MODLIST_ENTRY_SIZE);
	if (__builtin_add_overflow(paddr, size, &end))
		return loader_fail(err, LOADER_E_OVERFLOW, "size",
				   "module at 0x%" PRIx64 " of 0x%" PRIx64 " bytes overflows",
				   paddr, size);
	if (!paddr && size)
		return loader_fail(err, LOADER_E_RANGE, "paddr",
				   "module of 0x%" PRIx64 " bytes at address 0", size);
	put64(buf, paddr);
	put64(buf + 8, size);
	put64(buf + 16, cmdline_paddr);
	put64(buf + 24, 0);
	return HVM_MODLIST_ENTRY_SIZE;
}
