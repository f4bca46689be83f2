/*
 * bzImage setup header (Documentation/arch/x86/boot.rst), protocol 2.00-2.15.
 *
 * A field is read only when the image's protocol version defines it; every
 * offset and size taken from the header is checked against the file with
 * 64-bit sums that cannot wrap.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define BZ_DEFAULT_SETUP_SECTS	4
#define BZ_SECTOR		512
#define BZ_DEFAULT_CMDLINE	255
#define BZ_DEFAULT_INITRD_MAX	0x37ffffffu
#define BZ_NO_INIT_SIZE_CAP	(512u << 20)	/* 2.08/2.09: no init_size to bound the ELF */

static uint16_t get16(const uint8_t *b, size_t off)
{
	return (uint16_t)(b[off] | b[off + 1] << 8);
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | (uint32_t)b[off + 3] << 24;
}

static uint64_t get64(const uint8_t *b, size_t off)
{
	return get32(b, off) | (uint64_t)get32(b, off + 4) << 32;
}

/* End of the header fields that a protocol version defines. */
static size_t bz_fields_end(uint16_t protocol)
{
	if (protocol >= 0x020f)
		return BZ_KERNEL_INFO_OFFSET + 4;
	if (protocol >= 0x020b)
		return BZ_HANDOVER_OFFSET + 4;
	if (protocol >= 0x020a)
		return BZ_INIT_SIZE + 4;
	if (protocol >= 0x0209)
		return BZ_SETUP_DATA + 8;
	if (protocol >= 0x0208)
		return BZ_PAYLOAD_LENGTH + 4;
	if (protocol >= 0x0207)
		return BZ_HW_SUBARCH_DATA + 8;
	if (protocol >= 0x0206)
		return BZ_CMDLINE_SIZE + 4;
	if (protocol >= 0x0205)
		return BZ_RELOCATABLE + 1;
	if (protocol >= 0x0203)
		return BZ_INITRD_ADDR_MAX + 4;
	if (protocol >= 0x0202)
		return BZ_CMD_LINE_PTR + 4;
	if (protocol >= 0x0201)
		return BZ_HEAP_END_PTR + 2;
	return BZ_CODE32_START + 16;	/* through bootsect_kludge */
}

size_t bzimage_header_end(const uint8_t *buf, size_t len)
{
	/* The short jump at 0x200 skips the header: its end is 0x202 + disp8. */
	if (len < BZ_JUMP + 2)
		return 0;
	return BZ_HDRS + buf[BZ_JUMP + 1];
}

static void copy_version(const uint8_t *buf, size_t setup_size, uint16_t ptr, char *out,
			 size_t outlen)
{
	size_t off = (size_t)ptr + 0x200, i = 0;

	out[0] = 0;
	if (!ptr || off >= setup_size)
		return;
	while (off + i < setup_size && i + 1 < outlen && buf[off + i]) {
		uint8_t c = buf[off + i];

		out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
		i++;
	}
	out[i] = 0;
}

int bzimage_parse(const uint8_t *buf, size_t len, struct bzimage_info *bz,
		  struct loader_err *err)
{
	size_t fields_end, hdr_end;
	uint64_t pay_end;
	unsigned sects;

	memset(bz, 0, sizeof(*bz));
	if (!buf || len < BZ_VERSION + 2)
		return loader_fail(err, LOADER_E_TRUNCATED, "header",
				   "file of %zu bytes ends before the setup header (0x%x)",
				   buf ? len : 0, BZ_VERSION + 2);
	if (memcmp(buf + BZ_HDRS, "HdrS", 4))
		return loader_fail(err, LOADER_E_BAD_MAGIC, "header",
				   "no \"HdrS\" signature at 0x202");
	if (get16(buf, BZ_BOOT_FLAG) != 0xaa55)
		return loader_fail(err, LOADER_E_BAD_MAGIC, "boot_flag",
				   "0x%04x at 0x1fe, expected 0xaa55", get16(buf, BZ_BOOT_FLAG));
	bz->protocol = get16(buf, BZ_VERSION);
	if (bz->protocol < 0x0200 || bz->protocol >> 8 != 2)
		return loader_fail(err, LOADER_E_PROTOCOL, "version",
				   "boot protocol %u.%02u, need 2.00 or later",
				   bz->protocol >> 8, bz->protocol & 0xff);

	sects = buf[BZ_SETUP_SECTS];
	bz->setup_sects = sects ? sects : BZ_DEFAULT_SETUP_SECTS;
	bz->setup_size = ((size_t)bz->setup_sects + 1) * BZ_SECTOR;
	if (bz->setup_size > len)
		return loader_fail(err, LOADER_E_TRUNCATED, "setup_sects",
				   "%u sectors of setup (%zu bytes) but the file has %zu bytes",
				   bz->setup_sects, bz->setup_size, len);
	fields_end = bz_fields_end(bz->protocol);
	if (fields_end > bz->setup_size)
		return loader_fail(err, LOADER_E_TRUNCATED, "setup_sects",
				   "protocol %u.%02u header ends at 0x%zx, past the %zu-byte setup",
				   bz->protocol >> 8, bz->protocol & 0xff, fields_end,
				   bz->setup_size);
	hdr_end = bzimage_header_end(buf, len);
	if (buf[BZ_JUMP] != 0xeb || hdr_end > BZ_HEADER_LIMIT)
		return loader_fail(err, LOADER_E_RANGE, "jump",
				   "bytes %02x %02x at 0x200 do not jump over a setup header",
				   buf[BZ_JUMP], buf[BZ_JUMP + 1]);
	if (hdr_end < fields_end)
		return loader_fail(err, LOADER_E_RANGE, "jump",
				   "header ends at 0x%zx, before the protocol %u.%02u fields (0x%zx)",
				   hdr_end, bz->protocol >> 8, bz->protocol & 0xff, fields_end);

	bz->kernel_offset = bz->setup_size;
	bz->kernel_size = len - bz->setup_size;
	if (!bz->kernel_size)
		return loader_fail(err, LOADER_E_TRUNCATED, "kernel",
				   "no protected-mode kernel after the %zu-byte setup",
				   bz->setup_size);

	bz->loadflags = buf[BZ_LOADFLAGS];
	bz->code32_start = get32(buf, BZ_CODE32_START);
	bz->cmdline_size = BZ_DEFAULT_CMDLINE;
	bz->initrd_addr_max = BZ_DEFAULT_INITRD_MAX;
	bz->pref_address = 0x100000;
	copy_version(buf, bz->setup_size, get16(buf, BZ_KERNEL_VERSION), bz->version,
		     sizeof(bz->version));

	/* syssize: 16-byte paragraphs of protected-mode code (2.04+). */
	if (bz->protocol >= 0x0204) {
		uint64_t sys = (uint64_t)get32(buf, BZ_SYSSIZE) * 16;

		if (sys > bz->kernel_size)
			return loader_fail(err, LOADER_E_TRUNCATED, "syssize",
					   "kernel of %" PRIu64 " bytes but only %zu follow the setup",
					   sys, bz->kernel_size);
	}
	if (bz->protocol >= 0x0203)
		bz->initrd_addr_max = get32(buf, BZ_INITRD_ADDR_MAX);
	if (bz->protocol >= 0x0205) {
		bz->relocatable = buf[BZ_RELOCATABLE] != 0;
		bz->kernel_alignment = get32(buf, BZ_KERNEL_ALIGNMENT);
		if (bz->relocatable && (!bz->kernel_alignment ||
					(bz->kernel_alignment & (bz->kernel_alignment - 1))))
			return loader_fail(err, LOADER_E_RANGE, "kernel_alignment",
					   "0x%x is not a power of two", bz->kernel_alignment);
	}
	if (bz->protocol >= 0x0206)
		bz->cmdline_size = get32(buf, BZ_CMDLINE_SIZE);
	if (bz->protocol >= 0x0208) {
		bz->payload_offset = get32(buf, BZ_PAYLOAD_OFFSET);
		bz->payload_length = get32(buf, BZ_PAYLOAD_LENGTH);
		pay_end = (uint64_t)bz->payload_offset + bz->payload_length;
		if (bz->payload_offset > bz->kernel_size)
			return loader_fail(err, LOADER_E_RANGE, "payload_offset",
					   "0x%x is beyond the %zu-byte kernel",
					   bz->payload_offset, bz->kernel_size);
		if (pay_end > bz->kernel_size)
			return loader_fail(err, LOADER_E_TRUNCATED, "payload_length",
					   "payload 0x%x + %u bytes runs past the %zu-byte kernel",
					   bz->payload_offset, bz->payload_length, bz->kernel_size);
		bz->payload_compression =
			compression_detect(buf + bz->kernel_offset + bz->payload_offset,
					   bz->payload_length);
	}
	if (bz->protocol >= 0x0209)
		bz->setup_data = get64(buf, BZ_SETUP_DATA);
	if (bz->protocol >= 0x020a) {
		bz->min_alignment = buf[BZ_MIN_ALIGNMENT];
		bz->pref_address = get64(buf, BZ_PREF_ADDRESS);
		bz->init_size = get32(buf, BZ_INIT_SIZE);
		if (bz->min_alignment > 63)
			return loader_fail(err, LOADER_E_RANGE, "min_alignment",
					   "2^%u is not an alignment", bz->min_alignment);
	}
	if (bz->protocol >= 0x020b)
		bz->handover_offset = get32(buf, BZ_HANDOVER_OFFSET);
	if (bz->protocol >= 0x020c) {
		bz->xloadflags = get16(buf, BZ_XLOADFLAGS);
		bz->has_entry64 = bz->xloadflags & BZ_XLF_KERNEL_64;
	}
	return LOADER_OK;
}

int bzimage_decompress(const uint8_t *buf, size_t len, const struct bzimage_info *bz,
		       uint8_t **elf, size_t *elf_len, struct loader_err *err)
{
	const uint8_t *pay;
	uint64_t start, end;
	size_t max_out;
	int ret;

	*elf = NULL;
	*elf_len = 0;
	if (bz->protocol < 0x0208)
		return loader_fail(err, LOADER_E_PROTOCOL, "payload_offset",
				   "boot protocol %u.%02u has no payload fields (need 2.08)",
				   bz->protocol >> 8, bz->protocol & 0xff);
	/* Re-check: bz may not come from this buffer. */
	if (__builtin_add_overflow((uint64_t)bz->kernel_offset, bz->payload_offset, &start) ||
	    __builtin_add_overflow(start, (uint64_t)bz->payload_length, &end))
		return loader_fail(err, LOADER_E_OVERFLOW, "payload_offset",
				   "payload offset/length overflow");
	if (end > len)
		return loader_fail(err, LOADER_E_TRUNCATED, "payload_length",
				   "payload ends at %" PRIu64 ", past the %zu-byte file", end, len);
	if (!bz->payload_length)
		return loader_fail(err, LOADER_E_NOT_FOUND, "payload_length",
				   "the kernel has no compressed payload");
	pay = buf + start;
	if (bz->payload_compression == COMPRESSION_NONE)
		return loader_fail(err, LOADER_E_COMPRESSION, "payload",
				   "no known compression magic (%02x %02x %02x %02x)",
				   pay[0], bz->payload_length > 1 ? pay[1] : 0,
				   bz->payload_length > 2 ? pay[2] : 0,
				   bz->payload_length > 3 ? pay[3] : 0);
	max_out = bz->protocol >= 0x020a ? bz->init_size : BZ_NO_INIT_SIZE_CAP;
	ret = decompress(bz->payload_compression, pay, bz->payload_length, max_out, elf,
			 elf_len, err);
	if (ret) {
		/* Name the limit the caller can look up. */
		if (err && strstr(err->detail, "exceeds the") && bz->protocol >= 0x020a)
			loader_fail(err, LOADER_E_COMPRESSION, "init_size",
				    "decompressed payload exceeds init_size 0x%x", bz->init_size);
		return ret;
	}
	if (*elf_len < 4 || memcmp(*elf, "\177ELF", 4)) {
		free(*elf);
		*elf = NULL;
		*elf_len = 0;
		return loader_fail(err, LOADER_E_BAD_MAGIC, "payload",
				   "decompressed %s payload is not an ELF image",
				   compression_name(bz->payload_compression));
	}
	return LOADER_OK;
}
