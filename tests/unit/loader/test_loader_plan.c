/*
 * Boot plans: exact placement for every format and entry, and the named
 * error for each way a plan cannot be made.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "bz_fixture.h"

#define RAM_256M	(256ull << 20)

static uint8_t initrd_data[0x100005];

static struct boot_request req_for(const struct fx_buf *img)
{
	struct boot_request r = { 0 };

	r.image = img->p;
	r.image_len = img->len;
	r.ram.ram_size = RAM_256M;
	r.cmdline = "console=ttyS0";
	r.initrd = initrd_data;
	r.initrd_len = sizeof(initrd_data);
	r.rsdp_addr = 0xf5a40;
	return r;
}

static const struct plan_blob *blob_at(const struct boot_plan *p, uint64_t gpa)
{
	unsigned i;

	for (i = 0; i < p->nblobs; i++)
		if (p->blob[i].gpa == gpa)
			return &p->blob[i];
	ck_abort_msg("no blob at 0x%llx", (unsigned long long)gpa);
	return NULL;
}

static struct fx_buf bz_with(void (*tweak)(struct fx_bz *f), struct fx_buf *payload_keep)
{
	struct fx_buf elf = fx_make_elf(true);
	struct fx_buf pay = fx_compress(COMPRESSION_LZ4, elf.p, elf.len, false, true);
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;

	f.payload = pay.p;
	f.payload_len = pay.len;
	if (tweak)
		tweak(&f);
	img = fx_make_bzimage(&f);
	free(elf.p);
	if (payload_keep)
		*payload_keep = pay;
	else
		free(pay.p);
	return img;
}

static void expect_fail(const struct boot_request *r, enum loader_status st, const char *field)
{
	struct boot_plan p;
	struct loader_err err = { 0 };
	int ret = boot_plan_build(r, &p, &err);

	ck_assert_msg(ret == (int)st, "want %d (%s), got %d: %s: %s", st, field, ret,
		      err.field ? err.field : "-", err.detail);
	ck_assert_str_eq(err.field, field);
	ck_assert_uint_eq(p.nblobs, 0);
	ck_assert_ptr_null(p.owned);
	ck_assert_ptr_null(p.owned2);
}

START_TEST(bzimage_long64_default)
{
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };
	const struct plan_blob *zp, *k, *rd, *cl;
	size_t setup = 8 * 512;

	ck_assert_msg(!boot_plan_build(&r, &p, &err), "%s: %s", err.field, err.detail);
	ck_assert_int_eq(p.format, IMAGE_BZIMAGE);
	ck_assert_int_eq(p.entry_kind, ENTRY_LONG64);
	ck_assert_uint_eq(p.entry, 0x1000200);		/* pref_address + 0x200 */
	ck_assert_uint_eq(p.boot_info, PLAN_INFO_ADDR);
	ck_assert_uint_eq(p.nblobs, 4);

	zp = blob_at(&p, PLAN_INFO_ADDR);
	ck_assert_uint_eq(zp->len, BOOT_PARAMS_SIZE);
	cl = blob_at(&p, PLAN_CMDLINE_ADDR);
	ck_assert_uint_eq(cl->len, 14);
	ck_assert_str_eq((const char *)cl->data, "console=ttyS0");
	k = blob_at(&p, 0x1000000);
	ck_assert_ptr_eq(k->data, img.p + setup);
	ck_assert_uint_eq(k->len, img.len - setup);
	ck_assert_uint_eq(k->len + k->zero_len, 0x400000);	/* init_size reserved */
	/* initrd: top of RAM, 4 KiB aligned */
	rd = blob_at(&p, 0xfeff000);
	ck_assert_ptr_eq(rd->data, initrd_data);
	ck_assert_uint_eq(rd->len, sizeof(initrd_data));

	ck_assert_uint_eq(zp->data[BZ_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(fx_get32(zp->data + BZ_CMD_LINE_PTR), PLAN_CMDLINE_ADDR);
	ck_assert_uint_eq(fx_get32(zp->data + BZ_RAMDISK_IMAGE), 0xfeff000);
	ck_assert_uint_eq(fx_get32(zp->data + BZ_RAMDISK_SIZE), sizeof(initrd_data));
	ck_assert_uint_eq(fx_get32(zp->data + BZ_CODE32_START), 0x1000000);	/* relocated */
	ck_assert_uint_eq(fx_get64(zp->data + ZP_ACPI_RSDP_ADDR), 0xf5a40);
	ck_assert_uint_eq(zp->data[ZP_E820_ENTRIES], 4);
	ck_assert_uint_eq(fx_get64(zp->data + ZP_E820_TABLE + 3 * 20), 0x100000);
	ck_assert_uint_eq(fx_get64(zp->data + ZP_E820_TABLE + 3 * 20 + 8), RAM_256M - 0x100000);
	boot_plan_free(&p);
	ck_assert_uint_eq(p.nblobs, 0);
	free(img.p);
}
END_TEST

START_TEST(bzimage_prot32_and_fixed)
{
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };

	r.want = ENTRY_PROT32;
	r.want_set = true;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_int_eq(p.entry_kind, ENTRY_PROT32);
	ck_assert_uint_eq(p.entry, 0x1000000);
	boot_plan_free(&p);

	/* not relocatable: 1 MiB and code32_start, whatever pref_address says */
	img.p[BZ_RELOCATABLE] = 0;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_uint_eq(p.entry, 0x100000);
	ck_assert_uint_eq(blob_at(&p, 0x100000)->len, img.len - 8 * 512);
	ck_assert_uint_eq(fx_get32(blob_at(&p, PLAN_INFO_ADDR)->data + BZ_CODE32_START), 0x100000);
	boot_plan_free(&p);
	free(img.p);
}
END_TEST

static void pref_far(struct fx_bz *f)
{
	f->pref_address = 0x40000000;	/* 1 GiB: not in 256 MiB of RAM */
}

START_TEST(bzimage_relocates_when_pref_is_not_ram)
{
	struct fx_buf img = bz_with(pref_far, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };

	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_uint_eq(p.entry, 0x200200);		/* lowest 2 MiB-aligned fit */
	ck_assert_uint_eq(blob_at(&p, 0x200000)->len + blob_at(&p, 0x200000)->zero_len, 0x400000);
	boot_plan_free(&p);
	free(img.p);
}
END_TEST

START_TEST(bzimage_real16)
{
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };
	const struct plan_blob *s;

	r.want = ENTRY_REAL16;
	r.want_set = true;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_int_eq(p.entry_kind, ENTRY_REAL16);
	ck_assert_uint_eq(p.real_mode_seg, 0x9000);
	ck_assert_uint_eq(p.entry, 0x90200);
	ck_assert_uint_eq(p.boot_info, 0x90000);
	s = blob_at(&p, 0x90000);
	ck_assert_uint_eq(s->len, 8 * 512);
	ck_assert_uint_eq(s->len + s->zero_len, BZ_HEAP_END);
	ck_assert(!memcmp(s->data, img.p, 0x1f1));		/* boot sector as is */
	ck_assert_uint_eq(s->data[BZ_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(fx_get32(s->data + BZ_CMD_LINE_PTR), 0x90000 + BZ_HEAP_END);
	ck_assert_uint_eq(fx_get16(s->data + BZ_HEAP_END_PTR), BZ_HEAP_END - 0x200);
	ck_assert_uint_eq(s->data[BZ_LOADFLAGS], BZ_LOADED_HIGH | BZ_CAN_USE_HEAP);
	ck_assert_str_eq((const char *)blob_at(&p, 0x90000 + BZ_HEAP_END)->data, "console=ttyS0");
	ck_assert_uint_eq(blob_at(&p, 0x100000)->len, img.len - 8 * 512);
	boot_plan_free(&p);
	free(img.p);
}
END_TEST

static void proto_2_01(struct fx_bz *f)
{
	f->protocol = 0x0201;
}

START_TEST(bzimage_real16_old_cmdline_protocol)
{
	struct fx_buf img = bz_with(proto_2_01, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };
	const struct plan_blob *s;

	/* 2.01: the default entry is real mode, the cmdline goes by magic + offset */
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_int_eq(p.entry_kind, ENTRY_REAL16);
	s = blob_at(&p, 0x90000);
	ck_assert_uint_eq(fx_get16(s->data + ZP_CMD_LINE_MAGIC), BZ_CMD_LINE_MAGIC);
	ck_assert_uint_eq(fx_get16(s->data + ZP_CMD_LINE_OFFSET), BZ_HEAP_END);
	/* the initrd stays under the 2.01 default ceiling 0x37ffffff: top of RAM here */
	ck_assert_uint_eq(fx_get32(s->data + BZ_RAMDISK_IMAGE), 0xfeff000);
	boot_plan_free(&p);

	r.want = ENTRY_PROT32;
	r.want_set = true;
	expect_fail(&r, LOADER_E_PROTOCOL, "version");
	free(img.p);
}
END_TEST

START_TEST(bzimage_pvh)
{
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };
	const struct plan_blob *si, *seg;

	r.want = ENTRY_PVH;
	r.want_set = true;
	ck_assert_msg(!boot_plan_build(&r, &p, &err), "%s", err.detail);
	ck_assert_int_eq(p.entry_kind, ENTRY_PVH);
	ck_assert_uint_eq(p.entry, FX_ELF_PVH);
	ck_assert_uint_eq(p.boot_info, PLAN_INFO_ADDR);
	ck_assert_ptr_nonnull(p.owned);				/* the decompressed ELF */
	ck_assert_uint_eq(p.owned_len, FX_ELF_DATAOFF + FX_ELF_FILESZ);
	seg = blob_at(&p, FX_ELF_PADDR);
	ck_assert_ptr_eq(seg->data, p.owned + FX_ELF_DATAOFF);
	ck_assert_uint_eq(seg->len, FX_ELF_FILESZ);
	ck_assert_uint_eq(seg->zero_len, FX_ELF_MEMSZ - FX_ELF_FILESZ);
	si = blob_at(&p, PLAN_INFO_ADDR);
	ck_assert_uint_eq(si->len, PLAN_PVH_MEMMAP_OFF + 4 * 24);
	ck_assert_uint_eq(fx_get32(si->data), HVM_START_MAGIC);
	ck_assert_uint_eq(fx_get32(si->data + 12), 1);					/* nr_modules */
	ck_assert_uint_eq(fx_get64(si->data + 16), PLAN_INFO_ADDR + PLAN_PVH_MODLIST_OFF);
	ck_assert_uint_eq(fx_get64(si->data + 24), PLAN_CMDLINE_ADDR);
	ck_assert_uint_eq(fx_get64(si->data + 32), 0xf5a40);
	ck_assert_uint_eq(fx_get64(si->data + 40), PLAN_INFO_ADDR + PLAN_PVH_MEMMAP_OFF);
	ck_assert_uint_eq(fx_get32(si->data + 48), 4);
	ck_assert_uint_eq(fx_get64(si->data + PLAN_PVH_MODLIST_OFF), 0xfeff000);
	ck_assert_uint_eq(fx_get64(si->data + PLAN_PVH_MODLIST_OFF + 8), sizeof(initrd_data));
	ck_assert_uint_eq(fx_get64(si->data + PLAN_PVH_MEMMAP_OFF + 3 * 24), 0x100000);
	boot_plan_free(&p);
	free(img.p);
}
END_TEST

START_TEST(elf_pvh_and_without_note)
{
	struct fx_buf elf = fx_make_elf(true);
	struct boot_request r = req_for(&elf);
	struct boot_plan p;
	struct loader_err err = { 0 };

	r.initrd_len = 0;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_int_eq(p.format, IMAGE_ELF64);
	ck_assert_int_eq(p.entry_kind, ENTRY_PVH);
	ck_assert_uint_eq(p.entry, FX_ELF_PVH);
	ck_assert_ptr_eq(blob_at(&p, FX_ELF_PADDR)->data, elf.p + FX_ELF_DATAOFF);
	ck_assert_uint_eq(fx_get32(blob_at(&p, PLAN_INFO_ADDR)->data + 12), 0);	/* no modules */
	boot_plan_free(&p);
	free(elf.p);

	elf = fx_make_elf(false);
	r.image = elf.p;
	expect_fail(&r, LOADER_E_NOT_FOUND, "XEN_ELFNOTE_PHYS32_ENTRY");
	r.want = ENTRY_LONG64;
	r.want_set = true;
	expect_fail(&r, LOADER_E_UNSUPPORTED, "entry");
	free(elf.p);
}
END_TEST

START_TEST(elf_segment_overlap_and_hole)
{
	struct fx_buf elf = fx_make_elf(true);
	struct boot_request r = req_for(&elf);

	r.initrd_len = 0;
	/* segment on top of hvm_start_info */
	fx_put64(elf.p + 64 + 24, 0x10000);
	fx_put32(elf.p + 0x200 + 16, 0x10100);
	expect_fail(&r, LOADER_E_OVERLAP, "hvm_start_info");
	/* segment in the EBDA/VGA hole */
	fx_put64(elf.p + 64 + 24, 0x9f000);
	fx_put32(elf.p + 0x200 + 16, 0x9f100);
	expect_fail(&r, LOADER_E_RANGE, "segment");
	/* segment past the end of RAM */
	fx_put64(elf.p + 64 + 24, RAM_256M - 0x1000);
	fx_put32(elf.p + 0x200 + 16, (uint32_t)(RAM_256M - 0x1000));
	expect_fail(&r, LOADER_E_RANGE, "segment");
	free(elf.p);
}
END_TEST

START_TEST(multiboot_aout)
{
	uint8_t img[4096] = { 0 };
	struct fx_buf b = { img, sizeof(img) };
	struct boot_request r = req_for(&b);
	struct boot_plan p;
	struct loader_err err = { 0 };
	const struct plan_blob *seg;

	fx_put32(img + 0x40, MULTIBOOT_HEADER_MAGIC);
	fx_put32(img + 0x44, 1u << 16);
	fx_put32(img + 0x48, -(MULTIBOOT_HEADER_MAGIC + (1u << 16)));
	fx_put32(img + 0x4c, 0x100040);		/* header_addr */
	fx_put32(img + 0x50, 0x100000);		/* load_addr */
	fx_put32(img + 0x54, 0);		/* load to the end of the file */
	fx_put32(img + 0x58, 0x104000);		/* bss_end */
	fx_put32(img + 0x5c, 0x100080);		/* entry */
	ck_assert_msg(!boot_plan_build(&r, &p, &err), "%s: %s", err.field, err.detail);
	ck_assert_int_eq(p.format, IMAGE_MULTIBOOT);
	ck_assert_int_eq(p.entry_kind, ENTRY_MULTIBOOT);
	ck_assert_uint_eq(p.entry, 0x100080);
	ck_assert_uint_eq(p.boot_info, PLAN_INFO_ADDR);
	seg = blob_at(&p, 0x100000);
	ck_assert_uint_eq(seg->len, sizeof(img));
	ck_assert_uint_eq(seg->zero_len, 0x4000 - sizeof(img));
	ck_assert_uint_gt(blob_at(&p, PLAN_INFO_ADDR)->len, 0);
	blob_at(&p, 0xfeff000);		/* the initrd module, at the top */
	boot_plan_free(&p);
}
END_TEST

START_TEST(flat)
{
	static uint8_t code[100] = { 0xf4 };
	struct fx_buf b = { code, sizeof(code) };
	struct boot_request r = req_for(&b);
	struct boot_plan p;
	struct loader_err err = { 0 };

	r.flat = true;
	r.flat_addr = 0x7c00;
	r.initrd_len = 0;
	r.cmdline = NULL;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_int_eq(p.entry_kind, ENTRY_FLAT);
	ck_assert_uint_eq(p.entry, 0x7c00);
	ck_assert_uint_eq(p.nblobs, 1);
	ck_assert_ptr_eq(blob_at(&p, 0x7c00)->data, code);
	boot_plan_free(&p);

	r.flat_addr = UINT64_MAX - 10;
	expect_fail(&r, LOADER_E_OVERFLOW, "flat_addr");
	r.flat_addr = 0xa0000;
	expect_fail(&r, LOADER_E_RANGE, "image");
	r.flat_addr = 0x7c00;
	r.initrd_len = 10;
	expect_fail(&r, LOADER_E_UNSUPPORTED, "initrd");
}
END_TEST

START_TEST(cmdline_too_long)
{
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	char *cl = malloc(2049);
	struct boot_plan p;
	struct loader_err err = { 0 };

	memset(cl, 'a', 2048);
	cl[2048] = 0;
	r.cmdline = cl;
	expect_fail(&r, LOADER_E_CMDLINE, "cmdline_size");
	cl[2047] = 0;		/* exactly cmdline_size */
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	boot_plan_free(&p);
	/* same limit for the PVH path: the kernel is the same */
	cl[2047] = 'a';
	r.want = ENTRY_PVH;
	r.want_set = true;
	expect_fail(&r, LOADER_E_CMDLINE, "cmdline_size");
	free(cl);
	free(img.p);
}
END_TEST

static void proto_2_11(struct fx_bz *f)
{
	f->protocol = 0x020b;
}

static void zimage(struct fx_bz *f)
{
	f->loadflags = 0;
}

START_TEST(protocol_too_old_for_entry)
{
	struct fx_buf img = bz_with(proto_2_11, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };

	r.want = ENTRY_LONG64;
	r.want_set = true;
	expect_fail(&r, LOADER_E_PROTOCOL, "xloadflags");
	/* the default for 2.11 is the 32-bit entry */
	r.want_set = false;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	ck_assert_int_eq(p.entry_kind, ENTRY_PROT32);
	boot_plan_free(&p);
	free(img.p);

	img = bz_with(zimage, NULL);
	r.image = img.p;
	r.want = ENTRY_PROT32;
	r.want_set = true;
	expect_fail(&r, LOADER_E_PROTOCOL, "loadflags");
	free(img.p);
}
END_TEST

static void low_ceiling(struct fx_bz *f)
{
	f->initrd_addr_max = 0x00ffffff;	/* below the kernel at 16 MiB */
	f->xloadflags = BZ_XLF_KERNEL_64;	/* not above 4G */
}

START_TEST(initrd_fits_nowhere)
{
	static uint8_t big[15u << 20];
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };

	/* bigger than RAM */
	r.initrd = big;
	r.initrd_len = 300u << 20;
	expect_fail(&r, LOADER_E_INITRD, "initrd_addr_max");
	free(img.p);

	/* fits in RAM, but not under initrd_addr_max (1 MiB..16 MiB holds 15 MiB) */
	img = bz_with(low_ceiling, NULL);
	r.image = img.p;
	r.initrd_len = (15u << 20) + 1;
	expect_fail(&r, LOADER_E_INITRD, "initrd_addr_max");
	r.initrd_len = 15u << 20;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	blob_at(&p, 0x100000);
	boot_plan_free(&p);
	free(img.p);
}
END_TEST

START_TEST(initrd_above_4g)
{
	struct fx_buf img = bz_with(NULL, NULL);
	struct boot_request r = req_for(&img);
	struct boot_plan p;
	struct loader_err err = { 0 };
	const struct plan_blob *zp;

	r.ram.ram_size = 5ull << 30;			/* 3 GiB low, 2 GiB high */
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	zp = blob_at(&p, PLAN_INFO_ADDR);
	blob_at(&p, (6ull << 30) - 0x101000);
	ck_assert_uint_eq(fx_get32(zp->data + ZP_EXT_RAMDISK_IMAGE), 1);
	boot_plan_free(&p);
	free(img.p);

	/* the same kernel without XLF_CAN_BE_LOADED_ABOVE_4G: under 2 GiB (initrd_addr_max) */
	img = bz_with(low_ceiling, NULL);
	img.p[BZ_INITRD_ADDR_MAX + 3] = 0x7f;
	r.image = img.p;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), 0);
	blob_at(&p, 0x80000000ull - 0x101000);
	boot_plan_free(&p);
	free(img.p);
}
END_TEST

static void pref_wraps(struct fx_bz *f)
{
	f->pref_address = 0xfffffffffff00000ull;
}

static void huge_fixed(struct fx_bz *f)
{
	f->relocatable = 0;
	f->init_size = 0x10000000;
}

static void huge_reloc(struct fx_bz *f)
{
	f->init_size = 0x0ff00000;
}

START_TEST(kernel_placement_errors)
{
	struct fx_buf img = bz_with(pref_wraps, NULL);
	struct boot_request r = req_for(&img);

	r.initrd_len = 0;
	expect_fail(&r, LOADER_E_OVERFLOW, "pref_address");
	free(img.p);

	img = bz_with(huge_fixed, NULL);
	r.image = img.p;
	expect_fail(&r, LOADER_E_RANGE, "kernel");
	free(img.p);

	img = bz_with(huge_reloc, NULL);
	r.image = img.p;
	expect_fail(&r, LOADER_E_RANGE, "init_size");
	free(img.p);
}
END_TEST

START_TEST(bad_requests)
{
	static const uint8_t junk[4096] = { 'M', 'Z' };
	struct fx_buf b = { (uint8_t *)junk, sizeof(junk) };
	struct boot_request r = req_for(&b);
	struct boot_plan p;
	struct loader_err err = { 0 };

	expect_fail(&r, LOADER_E_UNKNOWN_FORMAT, "image");
	r.image_len = 0;
	ck_assert_int_eq(boot_plan_build(&r, &p, &err), LOADER_E_TRUNCATED);
	r.image_len = sizeof(junk);
	r.initrd = NULL;
	expect_fail(&r, LOADER_E_RANGE, "initrd");
	r.initrd = initrd_data;
	r.ram.ram_size = 1 << 20;
	expect_fail(&r, LOADER_E_RANGE, "ram_size");
}
END_TEST

Suite *loader_plan_suite(void)
{
	Suite *s = suite_create("loader_plan");
	TCase *t = tcase_create("plan");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, bzimage_long64_default);
	tcase_add_test(t, bzimage_prot32_and_fixed);
	tcase_add_test(t, bzimage_relocates_when_pref_is_not_ram);
	tcase_add_test(t, bzimage_real16);
	tcase_add_test(t, bzimage_real16_old_cmdline_protocol);
	tcase_add_test(t, bzimage_pvh);
	tcase_add_test(t, elf_pvh_and_without_note);
	tcase_add_test(t, elf_segment_overlap_and_hole);
	tcase_add_test(t, multiboot_aout);
	tcase_add_test(t, flat);
	tcase_add_test(t, cmdline_too_long);
	tcase_add_test(t, protocol_too_old_for_entry);
	tcase_add_test(t, initrd_fits_nowhere);
	tcase_add_test(t, initrd_above_4g);
	tcase_add_test(t, kernel_placement_errors);
	tcase_add_test(t, bad_requests);
	suite_add_tcase(s, t);
	return s;
}
