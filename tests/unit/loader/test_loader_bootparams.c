/*
 * The zero page builder and the setup_data chain.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "bz_fixture.h"

struct zp_fixture {
	struct fx_buf img;
	struct bzimage_info bz;
	struct e820_entry e820[E820_MAX + 8];
	struct boot_params_args a;
	uint8_t zp[BOOT_PARAMS_SIZE];
};

static void zp_setup(struct zp_fixture *f, uint16_t protocol)
{
	struct fx_bz b = fx_bz_default();
	struct loader_err err = { 0 };
	unsigned i;

	memset(f, 0, sizeof(*f));
	b.protocol = protocol;
	f->img = fx_make_bzimage(&b);
	ck_assert_int_eq(bzimage_parse(f->img.p, f->img.len, &f->bz, &err), 0);
	for (i = 0; i < E820_MAX + 8; i++) {
		f->e820[i].addr = 0x100000ull * i;
		f->e820[i].size = 0x1000 + i;
		f->e820[i].type = 1 + i % 4;
	}
	f->a.image = f->img.p;
	f->a.image_len = f->img.len;
	f->a.bz = &f->bz;
	f->a.e820 = f->e820;
	f->a.e820_entries = 3;
	f->a.cmdline_addr = 0x20000;
	f->a.cmdline_len = 12;
	f->a.initrd_addr = 0x7f000000;
	f->a.initrd_size = 0x123456;
	f->a.rsdp_addr = 0xf5a40;
	f->a.type_of_loader = 0xff;
}

START_TEST(fills_the_zero_page)
{
	struct zp_fixture f;
	struct loader_err err = { 0 };
	unsigned i;

	zp_setup(&f, 0x020f);
	memset(f.zp, 0xcc, sizeof(f.zp));
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	/* everything outside the fields we set is zero */
	for (i = 0; i < BZ_SETUP_SECTS; i++)
		if (i != ZP_ACPI_RSDP_ADDR && i != ZP_E820_ENTRIES && (i < 0x70 || i >= 0x78))
			ck_assert_msg(f.zp[i] == 0, "byte 0x%x", i);
	/* the header is the image's, from 0x1f1 to the jump target, with our fields */
	ck_assert(!memcmp(f.zp + BZ_SETUP_SECTS, f.img.p + BZ_SETUP_SECTS,
			  BZ_TYPE_OF_LOADER - BZ_SETUP_SECTS));
	ck_assert(!memcmp(f.zp + BZ_HDRS, "HdrS", 4));
	ck_assert_uint_eq(fx_get16(f.zp + BZ_VERSION), 0x020f);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_INIT_SIZE), 0x400000);
	ck_assert_uint_eq(fx_get64(f.zp + BZ_PREF_ADDRESS), 0x1000000);
	for (i = 0x26c; i < BOOT_PARAMS_SIZE; i++)
		if (i < ZP_E820_TABLE || i >= ZP_E820_TABLE + 3 * 20)
			ck_assert_msg(f.zp[i] == 0, "byte 0x%x", i);

	ck_assert_uint_eq(f.zp[BZ_TYPE_OF_LOADER], 0xff);
	ck_assert_uint_eq(f.zp[BZ_LOADFLAGS], BZ_LOADED_HIGH | BZ_CAN_USE_HEAP);
	ck_assert_uint_eq(fx_get16(f.zp + BZ_HEAP_END_PTR), BZ_HEAP_END - 0x200);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_CMD_LINE_PTR), 0x20000);
	ck_assert_uint_eq(fx_get32(f.zp + ZP_EXT_CMD_LINE_PTR), 0);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_RAMDISK_IMAGE), 0x7f000000);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_RAMDISK_SIZE), 0x123456);
	ck_assert_uint_eq(fx_get64(f.zp + ZP_ACPI_RSDP_ADDR), 0xf5a40);
	ck_assert_uint_eq(f.zp[ZP_E820_ENTRIES], 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *e = f.zp + ZP_E820_TABLE + i * 20;

		ck_assert_uint_eq(fx_get64(e), f.e820[i].addr);
		ck_assert_uint_eq(fx_get64(e + 8), f.e820[i].size);
		ck_assert_uint_eq(fx_get32(e + 16), f.e820[i].type);
	}
	free(f.img.p);
}
END_TEST

START_TEST(high_addresses_use_ext_fields)
{
	struct zp_fixture f;
	struct loader_err err = { 0 };

	zp_setup(&f, 0x020f);
	f.a.cmdline_addr = 0x123456789ull;
	f.a.initrd_addr = 0x234567000ull;
	f.a.initrd_size = 0x100000000ull + 0x42;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_CMD_LINE_PTR), 0x23456789);
	ck_assert_uint_eq(fx_get32(f.zp + ZP_EXT_CMD_LINE_PTR), 1);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_RAMDISK_IMAGE), 0x34567000);
	ck_assert_uint_eq(fx_get32(f.zp + ZP_EXT_RAMDISK_IMAGE), 2);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_RAMDISK_SIZE), 0x42);
	ck_assert_uint_eq(fx_get32(f.zp + ZP_EXT_RAMDISK_SIZE), 1);
	free(f.img.p);
}
END_TEST

/* acpi_rsdp_addr exists from 2.14 on; setup_data from 2.09; cmd_line_ptr from 2.02. */
START_TEST(fields_by_protocol)
{
	struct zp_fixture f;
	struct loader_err err = { 0 };

	zp_setup(&f, 0x020d);
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	ck_assert_uint_eq(fx_get64(f.zp + ZP_ACPI_RSDP_ADDR), 0);
	free(f.img.p);

	zp_setup(&f, 0x0201);
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	ck_assert_uint_eq(fx_get32(f.zp + BZ_CMD_LINE_PTR), 0);
	ck_assert_uint_eq(f.zp[BZ_LOADFLAGS], BZ_LOADED_HIGH | BZ_CAN_USE_HEAP);
	f.a.setup_data = 0x11000;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), LOADER_E_PROTOCOL);
	ck_assert_str_eq(err.field, "setup_data");
	free(f.img.p);

	zp_setup(&f, 0x0200);
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	ck_assert_uint_eq(f.zp[BZ_LOADFLAGS], BZ_LOADED_HIGH);	/* no heap before 2.01 */
	free(f.img.p);

	zp_setup(&f, 0x0209);
	f.a.setup_data = 0x11000;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	ck_assert_uint_eq(fx_get64(f.zp + BZ_SETUP_DATA), 0x11000);
	free(f.img.p);
}
END_TEST

START_TEST(e820_beyond_128)
{
	struct zp_fixture f;
	struct loader_err err = { 0 };

	zp_setup(&f, 0x020f);
	f.a.e820_entries = E820_MAX + 3;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "e820_entries");
	/* with a setup_data node for the rest: the first 128 go in the zero page */
	f.a.setup_data = 0x11000;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);
	ck_assert_uint_eq(f.zp[ZP_E820_ENTRIES], 128);
	ck_assert_uint_eq(fx_get64(f.zp + ZP_E820_TABLE + 127 * 20), f.e820[127].addr);
	free(f.img.p);
}
END_TEST

START_TEST(bad_args)
{
	struct zp_fixture f;
	struct loader_err err = { 0 };

	zp_setup(&f, 0x020f);
	f.a.cmdline_len = 2048;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), LOADER_E_CMDLINE);
	ck_assert_str_eq(err.field, "cmdline_size");
	f.a.cmdline_len = 2047;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);

	f.a.initrd_addr = UINT64_MAX - 10;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), LOADER_E_OVERFLOW);
	ck_assert_str_eq(err.field, "ramdisk_image");

	/* above 4 GiB needs XLF_CAN_BE_LOADED_ABOVE_4G */
	f.a.initrd_addr = 0xfffff000;
	f.a.initrd_size = 0x2000;
	f.bz.xloadflags &= (uint16_t)~BZ_XLF_CAN_BE_LOADED_ABOVE_4G;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "ramdisk_image");
	f.bz.xloadflags |= BZ_XLF_CAN_BE_LOADED_ABOVE_4G;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), 0);

	/* image too short for its own header */
	f.a.image_len = 0x250;
	ck_assert_int_eq(boot_params_build(&f.a, f.zp, &err), LOADER_E_TRUNCATED);
	ck_assert_str_eq(err.field, "header");
	free(f.img.p);
}
END_TEST

START_TEST(setup_data_chain)
{
	uint8_t mem[0x3000] = { 0 };
	struct loader_err err = { 0 };
	struct e820_entry ext[2] = { { 0x200000000ull, 0x1000, 1 }, { 0x300000000ull, 0x2000, 2 } };
	static const uint8_t seed[32] = { 1, 2, 3 };
	unsigned n = 99;

	ck_assert_int_eq(setup_data_build(SETUP_E820_EXT, ext, sizeof(ext), 0x2000,
					  mem + 0x1000, 0x1000, &err), 16 + 40);
	ck_assert_int_eq(setup_data_build(SETUP_RNG_SEED, seed, sizeof(seed), 0,
					  mem + 0x2000, 0x1000, &err), 48);
	ck_assert_uint_eq(fx_get64(mem + 0x1000), 0x2000);
	ck_assert_uint_eq(fx_get32(mem + 0x1008), SETUP_E820_EXT);
	ck_assert_uint_eq(fx_get32(mem + 0x100c), 40);
	ck_assert_uint_eq(fx_get64(mem + 0x1010), 0x200000000ull);
	ck_assert_uint_eq(fx_get32(mem + 0x2008), SETUP_RNG_SEED);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0x1000, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0, &n, &err), 0);
	ck_assert_uint_eq(n, 0);

	/* too small a buffer */
	ck_assert_int_eq(setup_data_build(SETUP_RNG_SEED, seed, sizeof(seed), 0, mem, 47, &err),
			 LOADER_E_RANGE);
	ck_assert_int_eq(setup_data_build(SETUP_RNG_SEED, seed, 0xfffffff8u, 0, mem, 47, &err),
			 LOADER_E_OVERFLOW);
	/* a loop */
	fx_put64(mem + 0x2000, 0x1000);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0x1000, &n, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.field, "setup_data");
	/* a link outside memory, one that wraps, a node whose length runs out */
	fx_put64(mem + 0x2000, 0x2ff8);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0x1000, &n, &err), LOADER_E_RANGE);
	fx_put64(mem + 0x2000, UINT64_MAX - 7);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0x1000, &n, &err), LOADER_E_RANGE);
	fx_put64(mem + 0x2000, 0);
	fx_put32(mem + 0x200c, 0x1000);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0x1000, &n, &err), LOADER_E_TRUNCATED);
	fx_put32(mem + 0x200c, 0xffffffffu);
	ck_assert_int_eq(setup_data_walk(mem, sizeof(mem), 0x1000, &n, &err), LOADER_E_TRUNCATED);
}
END_TEST

Suite *loader_bootparams_suite(void)
{
	Suite *s = suite_create("loader_bootparams");
	TCase *t = tcase_create("bootparams");

	tcase_add_test(t, fills_the_zero_page);
	tcase_add_test(t, high_addresses_use_ext_fields);
	tcase_add_test(t, fields_by_protocol);
	tcase_add_test(t, e820_beyond_128);
	tcase_add_test(t, bad_args);
	tcase_add_test(t, setup_data_chain);
	suite_add_tcase(s, t);
	return s;
}
