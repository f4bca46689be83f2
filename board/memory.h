/*
 * Guest physical memory: RAM split around the PCI hole, plus extra regions
 * (the BIOS ROM at 4 GiB minus its size, shadow areas).
 *
 * Contract: every guest-physical access from host code goes through
 * gmem_ptr() / gmem_read() / gmem_write(), which fail cleanly (NULL / -EFAULT)
 * when any byte of [gpa, gpa+len) is outside RAM. A guest-controlled address
 * or length never indexes host memory unchecked.
 */
#ifndef BOARD_MEMORY_H
#define BOARD_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_4G 0x100000000ull
#define GMEM_MAX_REGIONS 16

enum gmem_flags {
	GMEM_READONLY = 1u << 0,	/* guest writes are dropped (ROM) */
};

struct gmem_region {
	uint64_t gpa, size;
	uint8_t *host;
	unsigned flags;
	const char *name;
};

struct guest_mem {
	uint8_t *ram;			/* ram_size bytes, mmap'd */
	uint64_t ram_size;
	uint64_t below_4g;		/* RAM mapped at [0, below_4g); the rest at 4 GiB */
	unsigned nregions;
	struct gmem_region region[GMEM_MAX_REGIONS];
};

/* Allocate RAM (anonymous mmap, untouched pages cost nothing); pci_hole is where RAM stops below 4 GiB. */
int gmem_init(struct guest_mem *m, uint64_t ram_size, uint64_t pci_hole);
void gmem_destroy(struct guest_mem *m);

/* Host pointer for [gpa, gpa+len) if it lies wholly in RAM (one contiguous piece), else NULL. */
void *gmem_ptr(struct guest_mem *m, uint64_t gpa, uint64_t len);
/* Copy in/out; -EFAULT if any byte is outside RAM (nothing is copied then). */
int gmem_read(struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);
int gmem_write(struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len);
/* Is [gpa, gpa+len) wholly RAM? (overflow-safe) */
bool gmem_is_ram(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Extra regions (not RAM: DMA helpers never reach them). Overlaps are -EEXIST. */
int gmem_add_region(struct guest_mem *m, uint64_t gpa, uint64_t size, uint8_t *host,
		    unsigned flags, const char *name);
/* RAM or region containing gpa: host pointer and bytes left in that piece; NULL if none. */
uint8_t *gmem_lookup(struct guest_mem *m, uint64_t gpa, uint64_t *avail, unsigned *flags);

#endif
