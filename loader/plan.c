/*
 * The boot plan: what goes where in guest RAM and how the vCPU enters.
 *
 * Fixed pieces (zero page, start info, cmdline) go first, then the kernel,
 * then the initrd as high as its ceiling allows around them. Finally every
 * blob is checked to lie inside an e820 RAM range and to overlap no other.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

#define FOUR_G			0x100000000ull
#define REAL_MODE_MIN_HEAP	0x200	/* below this the setup code has no stack */

struct plan_ctx {
	const struct boot_request *req;
	struct boot_plan *plan;
	struct loader_err *err;
	struct e820_entry e820[E820_MAX];
	unsigned ne820;
	const char *name[PLAN_MAX_BLOBS];
	size_t cmdline_len;
};

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

static uint64_t blob_end(const struct plan_blob *b)
{
	return b->gpa + b->len + b->zero_len;	/* checked in add_blob */
}

static int add_blob(struct plan_ctx *c, const char *name, uint64_t gpa, const uint8_t *data,
		    uint64_t len, uint64_t zero_len)
{
	struct boot_plan *p = c->plan;
	uint64_t size, end;

	if (p->nblobs >= PLAN_MAX_BLOBS)
		return loader_fail(c->err, LOADER_E_RANGE, name, "more than %d pieces to load",
				   PLAN_MAX_BLOBS);
	if (__builtin_add_overflow(len, zero_len, &size) ||
	    __builtin_add_overflow(gpa, size, &end) || len > SIZE_MAX || zero_len > SIZE_MAX)
		return loader_fail(c->err, LOADER_E_OVERFLOW, name,
				   "0x%" PRIx64 " + 0x%" PRIx64 " + 0x%" PRIx64 " overflows",
				   gpa, len, zero_len);
	p->blob[p->nblobs] = (struct plan_blob){ gpa, data, (size_t)len, (size_t)zero_len };
	c->name[p->nblobs] = name;
	p->nblobs++;
	return LOADER_OK;
}

static bool in_ram(const struct plan_ctx *c, uint64_t start, uint64_t end)
{
	unsigned i;

	for (i = 0; i < c->ne820; i++) {
		const struct e820_entry *e = &c->e820[i];

		if (e->type == E820_RAM && start >= e->addr && end <= e->addr + e->size)
			return true;
	}
	return false;
}

/* The first blob overlapping [start, end), or -1. */
static int overlapping(const struct plan_ctx *c, uint64_t start, uint64_t end)
{
	unsigned i;

	for (i = 0; i < c->plan->nblobs; i++) {
		const struct plan_blob *b = &c->plan->blob[i];

		if (b->len + b->zero_len && b->gpa < end && start < blob_end(b))
			return (int)i;
	}
	return -1;
}

/* Highest align-aligned [a, a+size) in RAM, free, with floor <= a and a+size <= ceiling. */
static bool find_top(const struct plan_ctx *c, uint64_t size, uint64_t align, uint64_t floor,
		     uint64_t ceiling, uint64_t *out)
{
	bool found = false;
	unsigned i;

	for (i = 0; i < c->ne820; i++) {
		const struct e820_entry *e = &c->e820[i];
		uint64_t lo = e->addr > floor ? e->addr : floor;
		uint64_t top = e->addr + e->size;

		if (e->type != E820_RAM)
			continue;
		if (top > ceiling)
			top = ceiling;
		while (top >= size && top - size >= lo) {
			uint64_t a = (top - size) & ~(align - 1);
			int b;

			if (a < lo)
				break;
			b = overlapping(c, a, a + size);
			if (b < 0) {
				if (!found || a > *out)
					*out = a;
				found = true;
				break;
			}
			top = c->plan->blob[b].gpa;
		}
	}
	return found;
}

/* Lowest such range: a relocatable kernel that cannot have pref_address. */
static bool find_low(const struct plan_ctx *c, uint64_t size, uint64_t align, uint64_t floor,
		     uint64_t ceiling, uint64_t *out)
{
	unsigned i;

	for (i = 0; i < c->ne820; i++) {
		const struct e820_entry *e = &c->e820[i];
		uint64_t a = e->addr > floor ? e->addr : floor;
		uint64_t top = e->addr + e->size;

		if (e->type != E820_RAM)
			continue;
		if (top > ceiling)
			top = ceiling;
		for (;;) {
			int b;

			if (a > UINT64_MAX - (align - 1))
				break;
			a = (a + align - 1) & ~(align - 1);
			if (a > top || top - a < size)
				break;
			b = overlapping(c, a, a + size);
			if (b < 0) {
				*out = a;
				return true;
			}
			a = blob_end(&c->plan->blob[b]);
		}
	}
	return false;
}

static int check_blobs(struct plan_ctx *c)
{
	const struct boot_plan *p = c->plan;
	unsigned i, j;

	for (i = 0; i < p->nblobs; i++) {
		const struct plan_blob *b = &p->blob[i];

		if (!(b->len + b->zero_len))
			continue;
		if (!in_ram(c, b->gpa, blob_end(b)))
			return loader_fail(c->err, LOADER_E_RANGE, c->name[i],
					   "[0x%" PRIx64 ", 0x%" PRIx64 ") is not inside guest RAM",
					   b->gpa, blob_end(b));
		for (j = i + 1; j < p->nblobs; j++) {
			const struct plan_blob *o = &p->blob[j];

			if (o->len + o->zero_len && b->gpa < blob_end(o) && o->gpa < blob_end(b))
				return loader_fail(c->err, LOADER_E_OVERLAP, c->name[i],
						   "[0x%" PRIx64 ", 0x%" PRIx64 ") overlaps %s "
						   "[0x%" PRIx64 ", 0x%" PRIx64 ")",
						   b->gpa, blob_end(b), c->name[j], o->gpa,
						   blob_end(o));
		}
	}
	return LOADER_OK;
}

static int place_initrd(struct plan_ctx *c, uint64_t ceiling, const char *field,
			uint64_t *addr)
{
	const struct boot_request *r = c->req;

	*addr = 0;
	if (!r->initrd_len)
		return LOADER_OK;
	if (!find_top(c, r->initrd_len, PLAN_INITRD_ALIGN, PLAN_KERNEL_ADDR, ceiling, addr))
		return loader_fail(c->err, LOADER_E_INITRD, field,
				   "initrd of %zu bytes fits in no free RAM below 0x%" PRIx64,
				   r->initrd_len, ceiling);
	return add_blob(c, "initrd", *addr, r->initrd, r->initrd_len, 0);
}

static uint8_t *plan_alloc(struct plan_ctx *c, size_t len)
{
	c->plan->owned2 = calloc(1, len);
	if (c->plan->owned2)
		c->plan->owned2_len = len;
	else
		loader_fail(c->err, LOADER_E_NOMEM, "plan", "cannot allocate %zu bytes", len);
	return c->plan->owned2;
}

/* ---- PVH (ELF with the Xen note; also a decompressed bzImage) -------------- */

static int plan_pvh(struct plan_ctx *c, const struct elf_info *elf, const uint8_t *img,
		    size_t img_len, uint64_t initrd_ceiling, const char *initrd_field)
{
	const struct boot_request *r = c->req;
	struct boot_plan *p = c->plan;
	struct hvm_args ha = { 0 };
	uint64_t initrd_addr, entry;
	size_t info_len = PLAN_PVH_MEMMAP_OFF + (size_t)c->ne820 * 24;
	uint8_t *info;
	unsigned i;
	int ret;

	if (elf->has_pvh)
		entry = elf->pvh_entry;
	else if (!elf->is64)
		entry = elf->entry_paddr ? elf->entry_paddr : elf->entry;
	else
		return loader_fail(c->err, LOADER_E_NOT_FOUND, "XEN_ELFNOTE_PHYS32_ENTRY",
				   "64-bit ELF without a PVH entry note cannot be entered");

	info = plan_alloc(c, info_len + c->cmdline_len + 1);
	if (!info)
		return LOADER_E_NOMEM;
	ret = add_blob(c, "hvm_start_info", PLAN_INFO_ADDR, info, info_len, 0);
	if (!ret && r->cmdline) {
		memcpy(info + info_len, r->cmdline, c->cmdline_len);
		ret = add_blob(c, "cmdline", PLAN_CMDLINE_ADDR, info + info_len,
			       c->cmdline_len + 1, 0);
	}
	for (i = 0; !ret && i < elf->nsegments && i < LOADER_MAX_SEGMENTS; i++) {
		const struct load_segment *s = &elf->seg[i];

		if (s->file_offset > img_len || s->file_size > img_len - s->file_offset ||
		    s->mem_size < s->file_size)
			return loader_fail(c->err, LOADER_E_TRUNCATED, "p_filesz",
					   "segment %u runs past the image", i);
		ret = add_blob(c, "segment", s->paddr, img + s->file_offset, s->file_size,
			       s->mem_size - s->file_size);
	}
	if (ret)
		return ret;
	ret = place_initrd(c, initrd_ceiling, initrd_field, &initrd_addr);
	if (ret)
		return ret;

	ha.cmdline_addr = r->cmdline ? PLAN_CMDLINE_ADDR : 0;
	ha.rsdp_addr = r->rsdp_addr;
	ha.memmap_addr = PLAN_INFO_ADDR + PLAN_PVH_MEMMAP_OFF;
	ha.memmap_entries = c->ne820;
	if (r->initrd_len) {
		ha.modlist_addr = PLAN_INFO_ADDR + PLAN_PVH_MODLIST_OFF;
		ha.nr_modules = 1;
		ret = hvm_module_build(initrd_addr, r->initrd_len, 0,
				       info + PLAN_PVH_MODLIST_OFF,
				       PLAN_PVH_MEMMAP_OFF - PLAN_PVH_MODLIST_OFF, c->err);
		if (ret < 0)
			return ret;
	}
	ret = hvm_memmap_build(c->e820, c->ne820, info + PLAN_PVH_MEMMAP_OFF,
			       info_len - PLAN_PVH_MEMMAP_OFF, c->err);
	if (ret < 0)
		return ret;
	ret = hvm_start_info_build(&ha, info, PLAN_PVH_MODLIST_OFF, c->err);
	if (ret < 0)
		return ret;

	for (i = 0; i < elf->nsegments && i < LOADER_MAX_SEGMENTS; i++)
		if (entry >= elf->seg[i].paddr && entry - elf->seg[i].paddr < elf->seg[i].mem_size)
			break;
	if (i == elf->nsegments || i == LOADER_MAX_SEGMENTS)
		return loader_fail(c->err, LOADER_E_ENTRY,
				   elf->has_pvh ? "XEN_ELFNOTE_PHYS32_ENTRY" : "e_entry",
				   "entry 0x%" PRIx64 " is in no loaded segment", entry);
	p->entry_kind = ENTRY_PVH;
	p->entry = entry;
	p->boot_info = PLAN_INFO_ADDR;
	return LOADER_OK;
}

static uint64_t low_ceiling(const struct plan_ctx *c)
{
	return c->req->ram.below_4g && c->req->ram.below_4g < FOUR_G ? c->req->ram.below_4g :
	       FOUR_G;
}

static int plan_elf(struct plan_ctx *c)
{
	const struct boot_request *r = c->req;
	struct elf_info elf;
	int ret;

	ret = elf_parse(r->image, r->image_len, &elf, c->err);
	if (ret)
		return ret;
	return plan_pvh(c, &elf, r->image, r->image_len, low_ceiling(c), "initrd");
}

/* ---- bzImage ---------------------------------------------------------------- */

static uint64_t bz_initrd_ceiling(const struct bzimage_info *bz, const struct plan_ctx *c,
				  bool allow_high)
{
	uint64_t ceil = (uint64_t)bz->initrd_addr_max + 1;

	if (allow_high && (bz->xloadflags & BZ_XLF_CAN_BE_LOADED_ABOVE_4G))
		return UINT64_MAX;
	return ceil < low_ceiling(c) ? ceil : low_ceiling(c);
}

static int plan_bzimage_pvh(struct plan_ctx *c, const struct bzimage_info *bz)
{
	const struct boot_request *r = c->req;
	struct boot_plan *p = c->plan;
	struct elf_info elf;
	int ret;

	ret = bzimage_decompress(r->image, r->image_len, bz, &p->owned, &p->owned_len, c->err);
	if (ret)
		return ret;
	ret = elf_parse(p->owned, p->owned_len, &elf, c->err);
	if (ret)
		return ret;
	if (!elf.has_pvh)
		return loader_fail(c->err, LOADER_E_NOT_FOUND, "XEN_ELFNOTE_PHYS32_ENTRY",
				   "the decompressed kernel has no PVH entry note");
	return plan_pvh(c, &elf, p->owned, p->owned_len, bz_initrd_ceiling(bz, c, true),
			"initrd_addr_max");
}

static int bz_kernel_addr(struct plan_ctx *c, const struct bzimage_info *bz, uint64_t mem,
			  uint64_t *addr)
{
	uint64_t pref = bz->protocol >= 0x020a ? bz->pref_address : PLAN_KERNEL_ADDR;
	uint64_t align = bz->kernel_alignment, end;

	*addr = PLAN_KERNEL_ADDR;
	if (!bz->relocatable)
		return LOADER_OK;
	if (__builtin_add_overflow(pref, mem, &end))
		return loader_fail(c->err, LOADER_E_OVERFLOW, "pref_address",
				   "0x%" PRIx64 " + init_size 0x%" PRIx64 " overflows", pref, mem);
	if (pref >= PLAN_KERNEL_ADDR && !(pref & (align - 1)) && end <= FOUR_G &&
	    in_ram(c, pref, end) && overlapping(c, pref, end) < 0) {
		*addr = pref;
		return LOADER_OK;
	}
	if (!find_low(c, mem, align, PLAN_KERNEL_ADDR, FOUR_G, addr))
		return loader_fail(c->err, LOADER_E_RANGE, "init_size",
				   "no 0x%" PRIx64 "-aligned room for 0x%" PRIx64
				   " bytes of kernel below 4 GiB", align, mem);
	return LOADER_OK;
}

static int plan_bzimage(struct plan_ctx *c)
{
	const struct boot_request *r = c->req;
	struct boot_plan *p = c->plan;
	struct bzimage_info bz;
	struct boot_params_args a = { 0 };
	enum boot_entry want;
	uint64_t mem, kaddr = PLAN_KERNEL_ADDR, initrd_addr, cmd_addr, info_addr;
	uint8_t zp[BOOT_PARAMS_SIZE], *area;
	size_t hdr_end;
	bool relocated;
	int ret;

	ret = bzimage_parse(r->image, r->image_len, &bz, c->err);
	if (ret)
		return ret;
	if (r->want_set)
		want = r->want;
	else
		want = bz.has_entry64 ? ENTRY_LONG64 :
		       bz.protocol >= 0x0202 ? ENTRY_PROT32 : ENTRY_REAL16;
	if (c->cmdline_len > bz.cmdline_size)
		return loader_fail(c->err, LOADER_E_CMDLINE, "cmdline_size",
				   "command line of %zu bytes, the kernel takes at most %u",
				   c->cmdline_len, bz.cmdline_size);
	switch (want) {
	case ENTRY_PVH:
		return plan_bzimage_pvh(c, &bz);
	case ENTRY_REAL16:
		break;
	case ENTRY_PROT32:
		if (bz.protocol < 0x0202)
			return loader_fail(c->err, LOADER_E_PROTOCOL, "version",
					   "32-bit entry needs boot protocol 2.02, image has %u.%02u",
					   bz.protocol >> 8, bz.protocol & 0xff);
		break;
	case ENTRY_LONG64:
		if (!bz.has_entry64)
			return loader_fail(c->err, LOADER_E_PROTOCOL, "xloadflags",
					   "64-bit entry needs XLF_KERNEL_64 (protocol 2.12+), "
					   "image has %u.%02u, xloadflags 0x%x",
					   bz.protocol >> 8, bz.protocol & 0xff, bz.xloadflags);
		break;
	default:
		return loader_fail(c->err, LOADER_E_UNSUPPORTED, "entry",
				   "a bzImage has no %s entry", boot_entry_name(want));
	}
	if (want != ENTRY_REAL16 && !(bz.loadflags & BZ_LOADED_HIGH))
		return loader_fail(c->err, LOADER_E_PROTOCOL, "loadflags",
				   "a zImage (LOADED_HIGH clear) boots only in real mode");

	mem = bz.protocol >= 0x020a && bz.init_size > bz.kernel_size ? bz.init_size :
	      bz.kernel_size;
	hdr_end = bzimage_header_end(r->image, r->image_len);

	if (want == ENTRY_REAL16) {
		/* Setup, heap and cmdline share one 64 KiB real-mode segment. */
		if (bz.setup_size + REAL_MODE_MIN_HEAP > BZ_HEAP_END)
			return loader_fail(c->err, LOADER_E_RANGE, "setup_sects",
					   "setup of %zu bytes leaves no real-mode heap below 0x%x",
					   bz.setup_size, BZ_HEAP_END);
		info_addr = PLAN_REAL_MODE_BASE;
		cmd_addr = info_addr + BZ_HEAP_END;
		p->owned = malloc(bz.setup_size + c->cmdline_len + 1);
		if (!p->owned)
			return loader_fail(c->err, LOADER_E_NOMEM, "setup", "out of memory");
		p->owned_len = bz.setup_size + c->cmdline_len + 1;
		area = p->owned;
		memcpy(area, r->image, bz.setup_size);
		ret = add_blob(c, "setup", info_addr, area, bz.setup_size,
			       BZ_HEAP_END - bz.setup_size);
		kaddr = (bz.loadflags & BZ_LOADED_HIGH) ? PLAN_KERNEL_ADDR : PLAN_ZIMAGE_ADDR;
	} else {
		info_addr = PLAN_INFO_ADDR;
		cmd_addr = PLAN_CMDLINE_ADDR;
		area = plan_alloc(c, BOOT_PARAMS_SIZE + c->cmdline_len + 1);
		if (!area)
			return LOADER_E_NOMEM;
		ret = add_blob(c, "boot_params", info_addr, area, BOOT_PARAMS_SIZE, 0);
	}
	if (ret)
		return ret;
	if (r->cmdline) {
		uint8_t *cl = area + (want == ENTRY_REAL16 ? bz.setup_size : BOOT_PARAMS_SIZE);

		memcpy(cl, r->cmdline, c->cmdline_len);
		cl[c->cmdline_len] = 0;
		ret = add_blob(c, "cmdline", cmd_addr, cl, c->cmdline_len + 1, 0);
		if (ret)
			return ret;
	}
	if (want != ENTRY_REAL16) {
		ret = bz_kernel_addr(c, &bz, mem, &kaddr);
		if (ret)
			return ret;
	}
	relocated = kaddr != PLAN_KERNEL_ADDR && want != ENTRY_REAL16;
	ret = add_blob(c, "kernel", kaddr, r->image + bz.kernel_offset, bz.kernel_size,
		       mem - bz.kernel_size);
	if (ret)
		return ret;
	/* Real mode copies only the header: no ext_ramdisk fields, so below 4 GiB. */
	ret = place_initrd(c, bz_initrd_ceiling(&bz, c, want != ENTRY_REAL16),
			   "initrd_addr_max", &initrd_addr);
	if (ret)
		return ret;

	a.image = r->image;
	a.image_len = r->image_len;
	a.bz = &bz;
	a.e820 = c->e820;
	a.e820_entries = c->ne820;
	a.cmdline_addr = r->cmdline ? cmd_addr : 0;
	a.cmdline_len = c->cmdline_len;
	a.initrd_addr = initrd_addr;
	a.initrd_size = r->initrd_len;
	a.rsdp_addr = r->rsdp_addr;
	a.type_of_loader = PLAN_TYPE_OF_LOADER;
	ret = boot_params_build(&a, want == ENTRY_REAL16 ? zp : area, c->err);
	if (ret)
		return ret;

	if (want == ENTRY_REAL16) {
		/* The setup code reads its header from its own segment. */
		memcpy(area + BZ_SETUP_SECTS, zp + BZ_SETUP_SECTS, hdr_end - BZ_SETUP_SECTS);
		if (r->cmdline && bz.protocol < 0x0202) {
			put16(area + ZP_CMD_LINE_MAGIC, BZ_CMD_LINE_MAGIC);
			put16(area + ZP_CMD_LINE_OFFSET, BZ_HEAP_END);
		}
		p->entry_kind = ENTRY_REAL16;
		p->real_mode_seg = (uint16_t)(info_addr >> 4);
		p->entry = info_addr + 0x200;
		p->boot_info = info_addr;
		return LOADER_OK;
	}
	if (relocated)
		put32(area + BZ_CODE32_START, (uint32_t)kaddr);
	p->entry_kind = want;
	p->entry = want == ENTRY_LONG64 ? kaddr + 0x200 : relocated ? kaddr : bz.code32_start;
	p->boot_info = info_addr;
	if (p->entry < kaddr || p->entry - kaddr >= bz.kernel_size)
		return loader_fail(c->err, LOADER_E_ENTRY,
				   want == ENTRY_LONG64 ? "xloadflags" : "code32_start",
				   "entry 0x%" PRIx64 " is outside the kernel loaded at 0x%" PRIx64,
				   p->entry, kaddr);
	return LOADER_OK;
}

/* ---- multiboot, flat ----------------------------------------------------------- */

static int plan_multiboot(struct plan_ctx *c)
{
	const struct boot_request *r = c->req;
	struct boot_plan *p = c->plan;
	struct multiboot_info_hdr mb;
	struct multiboot_args ma = { 0 };
	uint64_t initrd_addr, ceiling = low_ceiling(c);
	size_t info_cap;
	uint8_t *info;
	unsigned i;
	int ret;

	ret = multiboot_parse(r->image, r->image_len, &mb, c->err);
	if (ret)
		return ret;
	for (i = 0; i < mb.nsegments && i < LOADER_MAX_SEGMENTS; i++) {
		const struct load_segment *s = &mb.seg[i];

		if (s->file_offset > r->image_len || s->file_size > r->image_len - s->file_offset ||
		    s->mem_size < s->file_size)
			return loader_fail(c->err, LOADER_E_TRUNCATED, "load_end_addr",
					   "segment %u runs past the image", i);
		ret = add_blob(c, "segment", s->paddr, r->image + s->file_offset, s->file_size,
			       s->mem_size - s->file_size);
		if (ret)
			return ret;
	}
	if (ceiling > FOUR_G)
		ceiling = FOUR_G;
	ret = place_initrd(c, ceiling, "initrd", &initrd_addr);
	if (ret)
		return ret;

	info_cap = 4096 + 2 * (c->cmdline_len + 1) + (size_t)c->ne820 * 24;
	info = plan_alloc(c, info_cap);
	if (!info)
		return LOADER_E_NOMEM;
	ma.e820 = c->e820;
	ma.e820_entries = c->ne820;
	ma.info_addr = (uint32_t)PLAN_INFO_ADDR;
	ma.cmdline = r->cmdline;
	if (r->initrd_len) {
		ma.mod_start = (uint32_t)initrd_addr;
		ma.mod_end = (uint32_t)(initrd_addr + r->initrd_len);
	}
	ret = multiboot_info_build(&ma, info, info_cap, c->err);
	if (ret < 0)
		return ret;
	ret = add_blob(c, "multiboot_info", PLAN_INFO_ADDR, info, (size_t)ret, 0);
	if (ret)
		return ret;
	p->entry_kind = ENTRY_MULTIBOOT;
	p->entry = mb.entry;
	p->boot_info = PLAN_INFO_ADDR;
	return LOADER_OK;
}

static int plan_flat(struct plan_ctx *c)
{
	const struct boot_request *r = c->req;
	uint64_t end;

	if (r->initrd_len || c->cmdline_len)
		return loader_fail(c->err, LOADER_E_UNSUPPORTED, r->initrd_len ? "initrd" : "cmdline",
				   "a flat binary has no way to receive it");
	if (__builtin_add_overflow(r->flat_addr, (uint64_t)r->image_len, &end))
		return loader_fail(c->err, LOADER_E_OVERFLOW, "flat_addr",
				   "0x%" PRIx64 " + %zu bytes overflows", r->flat_addr, r->image_len);
	c->plan->entry_kind = ENTRY_FLAT;
	c->plan->entry = r->flat_addr;
	return add_blob(c, "image", r->flat_addr, r->image, r->image_len, 0);
}

int boot_plan_build(const struct boot_request *req, struct boot_plan *plan,
		    struct loader_err *err)
{
	struct plan_ctx *c;
	int ret;

	memset(plan, 0, sizeof(*plan));
	if (!req->image || !req->image_len)
		return loader_fail(err, LOADER_E_TRUNCATED, "image", "empty kernel image");
	if (req->initrd_len && !req->initrd)
		return loader_fail(err, LOADER_E_RANGE, "initrd", "length without data");
	c = calloc(1, sizeof(*c));
	if (!c)
		return loader_fail(err, LOADER_E_NOMEM, "plan", "out of memory");
	c->req = req;
	c->plan = plan;
	c->err = err;
	c->cmdline_len = req->cmdline ? strlen(req->cmdline) : 0;
	ret = e820_build(&req->ram, c->e820, E820_MAX, err);
	if (ret < 0)
		goto out;
	c->ne820 = (unsigned)ret;

	plan->format = req->flat ? IMAGE_UNKNOWN : loader_detect(req->image, req->image_len);
	if (req->flat) {
		ret = plan_flat(c);
	} else if (plan->format == IMAGE_BZIMAGE) {
		ret = plan_bzimage(c);
	} else if (req->want_set && req->want != ENTRY_PVH && req->want != ENTRY_MULTIBOOT &&
		   plan->format != IMAGE_UNKNOWN) {
		ret = loader_fail(err, LOADER_E_UNSUPPORTED, "entry",
				  "%s images have no %s entry", image_format_name(plan->format),
				  boot_entry_name(req->want));
	} else if (plan->format == IMAGE_MULTIBOOT &&
		   !(req->want_set && req->want == ENTRY_PVH)) {
		ret = plan_multiboot(c);
	} else if (plan->format != IMAGE_UNKNOWN) {
		ret = plan_elf(c);
	} else {
		ret = loader_fail(err, LOADER_E_UNKNOWN_FORMAT, "image",
				  "no bzImage, multiboot or ELF signature");
	}
	if (!ret)
		ret = check_blobs(c);
out:
	free(c);
	if (ret < 0)
		boot_plan_free(plan);
	return ret < 0 ? ret : LOADER_OK;
}

void boot_plan_free(struct boot_plan *plan)
{
	free(plan->owned);
	free(plan->owned2);
	memset(plan, 0, sizeof(*plan));
}
