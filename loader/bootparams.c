/*
 * The zero page (struct boot_params) and setup_data chain of the Linux x86
 * boot protocol (Documentation/arch/x86/boot.rst, zero-page.rst).
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "loader/loader.h"

#define SETUP_DATA_HDR		16	/* next u64, type u32, len u32 */
#define E820_ENTRY_SIZE		20

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

int boot_params_build(const struct boot_params_args *a, uint8_t zero_page[BOOT_PARAMS_SIZE],
		      struct loader_err *err)
{
	const struct bzimage_info *bz = a->bz;
	size_t hdr_end = bzimage_header_end(a->image, a->image_len);
	uint64_t initrd_end;
	unsigned i, n;

	if (!a->image || hdr_end <= BZ_SETUP_SECTS || hdr_end > a->image_len)
		return loader_fail(err, LOADER_E_TRUNCATED, "header",
				   "setup header ends at 0x%zx, past the %zu-byte image",
				   hdr_end, a->image ? a->image_len : 0);
	if (hdr_end > BZ_HEADER_LIMIT)
		return loader_fail(err, LOADER_E_RANGE, "jump",
				   "setup header would end at 0x%zx, past 0x%x", hdr_end,
				   BZ_HEADER_LIMIT);
	if (__builtin_add_overflow(a->initrd_addr, a->initrd_size, &initrd_end))
		return loader_fail(err, LOADER_E_OVERFLOW, "ramdisk_image",
				   "initrd 0x%" PRIx64 " + 0x%" PRIx64 " overflows",
				   a->initrd_addr, a->initrd_size);
	if (a->initrd_size && initrd_end > 0x100000000ull &&
	    !(bz->xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G))
		return loader_fail(err, LOADER_E_RANGE, "ramdisk_image",
				   "initrd ends at 0x%" PRIx64 " but the kernel cannot use "
				   "memory above 4 GiB", initrd_end);
	if (a->cmdline_addr && a->cmdline_len > bz->cmdline_size)
		return loader_fail(err, LOADER_E_CMDLINE, "cmdline_size",
				   "command line of %zu bytes, the kernel takes %u",
				   a->cmdline_len, bz->cmdline_size);
	if (a->setup_data && bz->protocol < 0x0209)
		return loader_fail(err, LOADER_E_PROTOCOL, "setup_data",
				   "protocol %u.%02u has no setup_data (need 2.09)",
				   bz->protocol >> 8, bz->protocol & 0xff);
	if (a->e820_entries > ZP_E820_MAX && !a->setup_data)
		return loader_fail(err, LOADER_E_RANGE, "e820_entries",
				   "%u entries, %u fit in the zero page and no setup_data "
				   "carries the rest", a->e820_entries, ZP_E820_MAX);
	if (a->e820_entries && !a->e820)
		return loader_fail(err, LOADER_E_RANGE, "e820_entries",
				   "%u entries but no map", a->e820_entries);

	memset(zero_page, 0, BOOT_PARAMS_SIZE);
	memcpy(zero_page + BZ_SETUP_SECTS, a->image + BZ_SETUP_SECTS, hdr_end - BZ_SETUP_SECTS);

	zero_page[BZ_TYPE_OF_LOADER] = a->type_of_loader;
	if (bz->protocol >= 0x0201) {
		zero_page[BZ_LOADFLAGS] |= BZ_CAN_USE_HEAP;
		put16(zero_page + BZ_HEAP_END_PTR, BZ_HEAP_END - 0x200);
	}
	if (a->cmdline_addr && bz->protocol >= 0x0202) {
		put32(zero_page + BZ_CMD_LINE_PTR, (uint32_t)a->cmdline_addr);
		put32(zero_page + ZP_EXT_CMD_LINE_PTR, (uint32_t)(a->cmdline_addr >> 32));
	}
	if (a->initrd_size) {
		put32(zero_page + BZ_RAMDISK_IMAGE, (uint32_t)a->initrd_addr);
		put32(zero_page + BZ_RAMDISK_SIZE, (uint32_t)a->initrd_size);
		put32(zero_page + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(a->initrd_addr >> 32));
		put32(zero_page + ZP_EXT_RAMDISK_SIZE, (uint32_t)(a->initrd_size >> 32));
	}
	if (bz->protocol >= 0x0209)
		put64(zero_page + BZ_SETUP_DATA, a->setup_data);
	/* Older kernels find the RSDP by scanning the BIOS areas themselves. */
	if (a->rsdp_addr && bz->protocol >= 0x020e)
		put64(zero_page + ZP_ACPI_RSDP_ADDR, a->rsdp_addr);

	n = a->e820_entries < ZP_E820_MAX ? a->e820_entries : ZP_E820_MAX;
	zero_page[ZP_E820_ENTRIES] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		uint8_t *p = zero_page + ZP_E820_TABLE + i * E820_ENTRY_SIZE;

		put64(p, a->e820[i].addr);
		put64(p + 8, a->e820[i].size);
		put32(p + 16, a->e820[i].type);
	}
	return LOADER_OK;
}

int setup_data_build(uint32_t type, const void *payload, uint32_t payload_len, uint64_t next,
		     uint8_t *buf, size_t buf_len, struct loader_err *err)
{
	size_t total;

	if (payload_len > INT_MAX - SETUP_DATA_HDR)
		return loader_fail(err, LOADER_E_OVERFLOW, "setup_data",
				   "payload of %u bytes is too large", payload_len);
	total = SETUP_DATA_HDR + (size_t)payload_len;
	if (!buf || buf_len < total)
		return loader_fail(err, LOADER_E_RANGE, "setup_data",
				   "node of %zu bytes does not fit in %zu", total,
				   buf ? buf_len : 0);
	if (payload_len && !payload)
		return loader_fail(err, LOADER_E_RANGE, "setup_data",
				   "%u-byte payload missing", payload_len);
	put64(buf, next);
	put32(buf + 8, type);
	put32(buf + 12, payload_len);
	if (payload_len)
		memcpy(buf + SETUP_DATA_HDR, payload, payload_len);
	return (int)total;
}

int setup_data_walk(const uint8_t *mem, size_t mem_len, uint64_t first,
		    unsigned *count, struct loader_err *err)
{
	uint64_t at = first, limit = mem_len / SETUP_DATA_HDR + 1;
	unsigned n = 0;

	*count = 0;
	while (at) {
		uint64_t end;
		uint32_t len;

		/* Nodes are disjoint and at least a header long: more is a cycle. */
		if (n >= limit)
			return loader_fail(err, LOADER_E_RANGE, "setup_data",
					   "chain of more than %" PRIu64 " nodes loops", limit - 1);
		if (at > mem_len || mem_len - at < SETUP_DATA_HDR)
			return loader_fail(err, LOADER_E_RANGE, "setup_data",
					   "node %u at 0x%" PRIx64 " is outside the %zu bytes of memory",
					   n, at, mem_len);
		len = get32(mem + at + 12);
		end = at + SETUP_DATA_HDR + len;
		if (end > mem_len)
			return loader_fail(err, LOADER_E_TRUNCATED, "setup_data",
					   "node %u at 0x%" PRIx64 " with %u bytes runs past the end "
					   "of memory", n, at, len);
		n++;
		at = get64(mem + at);
	}
	*count = n;
	return LOADER_OK;
}
