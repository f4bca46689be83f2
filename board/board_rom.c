/*
 * ROM registry: blobs at guest addresses (copied into guest memory by the
 * last reset handler, on every reset, after the devices reset) and blobs that
 * are only fw_cfg files (fw_cfg lists them with rom_count()/rom_get()).
 *
 * The same last reset handler gives a board without a PAM chipset (microvm)
 * QEMU microvm's BIOS area: 0xE0000-0xFFFFF is writable RAM that holds the
 * BIOS image's last 128 KiB again after every reset. On pc the i440fx's PAM
 * registers decide instead (board_mem.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/log.h"

/* PAM regions of 0xE0000-0xFFFFF (board.h): 0 is 0xF0000, 9..12 the 0xE segments */
#define PAM_REGION_F		0
#define PAM_REGION_E_FIRST	9
#define PAM_REGION_E_LAST	12

static void bios_ram_reset(struct board *b)
{
	uint64_t alias;
	unsigned i;

	if (!b->bios || device_find_type(b, "i440fx", NULL) || b->mem.below_4g < BOARD_LOW_END)
		return;
	alias = b->bios_size < BOARD_ISA_BIOS_SIZE ? b->bios_size : BOARD_ISA_BIOS_SIZE;
	board_pam_set(b, PAM_REGION_F, PAM_RE | PAM_WE);
	for (i = PAM_REGION_E_FIRST; i <= PAM_REGION_E_LAST; i++)
		board_pam_set(b, i, PAM_RE | PAM_WE);
	/* what the guest wrote there last time goes; a BIOS smaller than 128 KiB sits at the top */
	memset(b->mem.ram + BOARD_ISA_BIOS_BASE, 0, BOARD_ISA_BIOS_SIZE - alias);
	if (gmem_write(&b->mem, BOARD_LOW_END - alias, b->bios + b->bios_size - alias, alias) < 0)
		guest_error("rom: no RAM under the BIOS area at 0x%llx\n",
			    (unsigned long long)BOARD_ISA_BIOS_BASE);
}

int rom_add_blob(struct board *b, const char *name, const void *data, size_t len, uint64_t gpa)
{
	struct rom_blob *r;

	if (!name || !*name || !data || !len)
		return -EINVAL;
	if (gpa != ROM_NO_GPA && gpa + (len - 1) < gpa)
		return -EINVAL;
	if (rom_find(b, name))
		return -EEXIST;
	if (b->nroms == b->roms_cap) {
		unsigned cap = b->roms_cap ? b->roms_cap * 2 : 8;

		r = realloc(b->roms, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		b->roms = r;
		b->roms_cap = cap;
	}
	r = &b->roms[b->nroms];
	r->name = strdup(name);
	r->data = malloc(len);
	if (!r->name || !r->data) {
		free(r->name);
		free(r->data);
		return -ENOMEM;
	}
	memcpy(r->data, data, len);
	r->len = len;
	r->gpa = gpa;
	b->nroms++;
	return 0;
}

unsigned rom_count(const struct board *b)
{
	return b->nroms;
}

const struct rom_blob *rom_get(const struct board *b, unsigned i)
{
	return i < b->nroms ? &b->roms[i] : NULL;
}

const struct rom_blob *rom_find(const struct board *b, const char *name)
{
	unsigned i;

	for (i = 0; name && i < b->nroms; i++)
		if (!strcmp(b->roms[i].name, name))
			return &b->roms[i];
	return NULL;
}

static void rom_reset(void *opaque, enum reset_cause cause)
{
	struct board *b = opaque;
	unsigned i;

	(void)cause;
	bios_ram_reset(b);
	for (i = 0; i < b->nroms; i++) {
		const struct rom_blob *r = &b->roms[i];

		if (r->gpa == ROM_NO_GPA)
			continue;
		if (board_mem_write_rom(b, r->gpa, r->data, r->len) < 0)
			guest_error("rom: '%s' at 0x%" PRIx64 " is no longer backed by memory",
				    r->name, r->gpa);
	}
}

/* Is every byte of [gpa, gpa+len) RAM or ROM for a read, as mapped now? */
static bool rom_backed(struct board *b, uint64_t gpa, uint64_t len)
{
	while (len) {
		uint8_t *host;
		uint64_t avail;

		if (board_mem_resolve(b, gpa, false, &host, &avail) == BOARD_MEM_MMIO || !host)
			return false;
		if (avail >= len)
			return true;
		gpa += avail;
		len -= avail;
	}
	return true;
}

int rom_check(struct board *b, struct board_err *err)
{
	unsigned i, j;
	int r;

	board_err_clear(err);
	for (i = 0; i < b->nroms; i++) {
		const struct rom_blob *x = &b->roms[i];

		if (x->gpa == ROM_NO_GPA)
			continue;
		for (j = i + 1; j < b->nroms; j++) {
			const struct rom_blob *y = &b->roms[j];

			if (y->gpa == ROM_NO_GPA)
				continue;
			if (x->gpa <= y->gpa + (y->len - 1) && y->gpa <= x->gpa + (x->len - 1))
				return board_err(err, -EEXIST,
						 "ROM '%s' (0x%" PRIx64 "-0x%" PRIx64 ") overlaps ROM '%s' (0x%"
						 PRIx64 "-0x%" PRIx64 ")", x->name, x->gpa,
						 x->gpa + x->len - 1, y->name, y->gpa, y->gpa + y->len - 1);
		}
		if (!rom_backed(b, x->gpa, x->len))
			return board_err(err, -EFAULT,
					 "ROM '%s' (0x%" PRIx64 "-0x%" PRIx64 ") is not backed by RAM or ROM",
					 x->name, x->gpa, x->gpa + x->len - 1);
	}
	if (!b->rom_reset_registered) {
		r = board_register_reset(b, rom_reset, b, "rom");
		if (r < 0)
			return board_err(err, r, "ROM registry: cannot register its reset handler");
		b->rom_reset_registered = true;
	}
	return 0;
}
