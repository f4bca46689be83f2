/*
 * Format detection by magic, never by file name.
 */
#include <string.h>

#include "loader/loader.h"

#define BZ_HDRS_OFFSET	0x202

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool has_multiboot(const uint8_t *buf, size_t len)
{
	size_t end = len < MULTIBOOT_SEARCH ? len : MULTIBOOT_SEARCH;
	size_t off;

	/* The header is 32-bit aligned and wholly inside the first 8 KiB. */
	for (off = 0; off + 12 <= end; off += 4)
		if (get_le32(buf + off) == MULTIBOOT_HEADER_MAGIC)
			return true;
	return false;
}

enum image_format loader_detect(const uint8_t *buf, size_t len)
{
	if (!buf)
		return IMAGE_UNKNOWN;
	if (len >= BZ_HDRS_OFFSET + 4 && !memcmp(buf + BZ_HDRS_OFFSET, "HdrS", 4))
		return IMAGE_BZIMAGE;
	if (has_multiboot(buf, len))
		return IMAGE_MULTIBOOT;
	if (len >= 5 && !memcmp(buf, "\177ELF", 4)) {
		if (buf[4] == 2)
			return IMAGE_ELF64;
		if (buf[4] == 1)
			return IMAGE_ELF32;
	}
	return IMAGE_UNKNOWN;
}

const char *image_format_name(enum image_format f)
{
	switch (f) {
	case IMAGE_BZIMAGE:	return "bzImage";
	case IMAGE_ELF64:	return "ELF64";
	case IMAGE_ELF32:	return "ELF32";
	case IMAGE_MULTIBOOT:	return "multiboot";
	case IMAGE_UNKNOWN:	break;
	}
	return "unknown";
}

const char *boot_entry_name(enum boot_entry e)
{
	switch (e) {
	case ENTRY_REAL16:	return "real16";
	case ENTRY_PROT32:	return "prot32";
	case ENTRY_LONG64:	return "long64";
	case ENTRY_PVH:		return "pvh";
	case ENTRY_MULTIBOOT:	return "multiboot";
	case ENTRY_FLAT:	return "flat";
	}
	return "unknown";
}
