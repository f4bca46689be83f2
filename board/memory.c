/*
 * Guest RAM and extra host-backed regions, with checked access helpers.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "board/memory.h"

int gmem_init(struct guest_mem *m, uint64_t ram_size, uint64_t pci_hole)
{
	void *p;

	memset(m, 0, sizeof(*m));
	if (!ram_size || pci_hole > GMEM_4G || (ram_size & 0xfff))
		return -EINVAL;
	if (ram_size > SIZE_MAX)
		return -ENOMEM;
	p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	m->ram = p;
	m->ram_size = ram_size;
	m->below_4g = ram_size < pci_hole ? ram_size : pci_hole;
	return 0;
}

void gmem_destroy(struct guest_mem *m)
{
	if (m->ram)
		munmap(m->ram, m->ram_size);
	memset(m, 0, sizeof(*m));
}

/* Host offset of gpa in RAM and bytes left in that RAM piece; false if not RAM. */
static bool ram_piece(const struct guest_mem *m, uint64_t gpa, uint64_t *off, uint64_t *left)
{
	if (!m->ram)
		return false;
	if (gpa < m->below_4g) {
		*off = gpa;
		*left = m->below_4g - gpa;
		return true;
	}
	if (gpa >= GMEM_4G && gpa - GMEM_4G < m->ram_size - m->below_4g) {
		*off = m->below_4g + (gpa - GMEM_4G);
		*left = m->ram_size - *off;
		return true;
	}
	return false;
}

bool gmem_is_ram(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t off, left;

	if (!ram_piece(m, gpa, &off, &left))
		return false;
	return len <= left;
}

void *gmem_ptr(struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t off, left;

	if (!ram_piece(m, gpa, &off, &left) || len > left)
		return NULL;
	return m->ram + off;
}

int gmem_read(struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
	void *p;

	if (!len)
		return 0;
	p = gmem_ptr(m, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gmem_write(struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p;

	if (!len)
		return 0;
	p = gmem_ptr(m, gpa, len);
	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int gmem_add_region(struct guest_mem *m, uint64_t gpa, uint64_t size, uint8_t *host,
		    unsigned flags, const char *name)
{
	unsigned i;

	if (!size || !host || gpa + size < gpa)
		return -EINVAL;
	if (m->nregions >= GMEM_MAX_REGIONS)
		return -ENOSPC;
	if (ranges_overlap(gpa, size, 0, m->below_4g) ||
	    ranges_overlap(gpa, size, GMEM_4G, m->ram_size - m->below_4g))
		return -EEXIST;
	for (i = 0; i < m->nregions; i++)
		if (ranges_overlap(gpa, size, m->region[i].gpa, m->region[i].size))
			return -EEXIST;
	m->region[m->nregions++] = (struct gmem_region){
		.gpa = gpa, .size = size, .host = host, .flags = flags, .name = name,
	};
	return 0;
}

uint8_t *gmem_lookup(struct guest_mem *m, uint64_t gpa, uint64_t *avail, unsigned *flags)
{
	uint64_t off, left;
	unsigned i;

	if (ram_piece(m, gpa, &off, &left)) {
		if (avail)
			*avail = left;
		if (flags)
			*flags = 0;
		return m->ram + off;
	}
	for (i = 0; i < m->nregions; i++) {
		struct gmem_region *r = &m->region[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			if (avail)
				*avail = r->size - (gpa - r->gpa);
			if (flags)
				*flags = r->flags;
			return r->host + (gpa - r->gpa);
		}
	}
	return NULL;
}
