/*
 * bzImage header parsing and payload decompression, on synthetic images
 * built at test time (bz_fixture.h), bad input of every kind included.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"
#include "bz_fixture.h"

static const enum compression all_codecs[] = {
	COMPRESSION_GZIP, COMPRESSION_BZIP2, COMPRESSION_LZMA, COMPRESSION_XZ,
	COMPRESSION_LZO, COMPRESSION_LZ4, COMPRESSION_ZSTD,
};
#define NCODECS (sizeof(all_codecs) / sizeof(all_codecs[0]))

static void expect_err(int ret, const struct loader_err *err, enum loader_status st,
		       const char *field)
{
	ck_assert_int_eq(ret, st);
	ck_assert_int_eq(err->status, st);
	ck_assert_ptr_nonnull(err->field);
	ck_assert_str_eq(err->field, field);
	ck_assert(err->detail[0]);
}

START_TEST(parse_modern_header)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	ck_assert_uint_eq(bz.protocol, 0x020f);
	ck_assert_uint_eq(bz.setup_sects, 7);
	ck_assert_uint_eq(bz.setup_size, 8 * 512);
	ck_assert_uint_eq(bz.kernel_offset, 8 * 512);
	ck_assert_uint_eq(bz.kernel_size, img.len - 8 * 512);
	ck_assert_uint_eq(bz.loadflags, BZ_LOADED_HIGH);
	ck_assert_uint_eq(bz.xloadflags, 0x7f);
	ck_assert(bz.has_entry64);
	ck_assert(bz.relocatable);
	ck_assert_uint_eq(bz.code32_start, 0x100000);
	ck_assert_uint_eq(bz.kernel_alignment, 0x200000);
	ck_assert_uint_eq(bz.min_alignment, 21);
	ck_assert_uint_eq(bz.pref_address, 0x1000000);
	ck_assert_uint_eq(bz.init_size, 0x400000);
	ck_assert_uint_eq(bz.cmdline_size, 2047);
	ck_assert_uint_eq(bz.initrd_addr_max, 0x7fffffff);
	ck_assert_uint_eq(bz.payload_offset, FX_KERNEL_PREFIX);
	ck_assert_uint_eq(bz.payload_compression, COMPRESSION_LZ4);
	ck_assert_uint_eq(bz.handover_offset, 0x190);
	ck_assert_str_eq(bz.version, "6.1.0-test (fixture) #1 SMP");
	free(img.p);
}
END_TEST

START_TEST(setup_sects_zero_means_four)
{
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	f.setup_sects = 0;
	img = fx_make_bzimage(&f);
	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	ck_assert_uint_eq(bz.setup_sects, 4);
	ck_assert_uint_eq(bz.setup_size, 2560);
	ck_assert_uint_eq(bz.kernel_offset, 2560);
	free(img.p);
}
END_TEST

/* Fields beyond the image's protocol version are never read (all 0xff here). */
START_TEST(fields_follow_protocol_version)
{
	static const struct {
		uint16_t protocol;
		uint32_t cmdline_size, initrd_addr_max, init_size;
		uint16_t xloadflags;
		bool relocatable;
		uint64_t pref;
	} v[] = {
		{ 0x0200, 255, 0x37ffffff, 0, 0, false, 0x100000 },
		{ 0x0202, 255, 0x37ffffff, 0, 0, false, 0x100000 },
		{ 0x0203, 255, 0x7fffffff, 0, 0, false, 0x100000 },
		{ 0x0205, 255, 0x7fffffff, 0, 0, true, 0x100000 },
		{ 0x0206, 2047, 0x7fffffff, 0, 0, true, 0x100000 },
		{ 0x020a, 2047, 0x7fffffff, 0x400000, 0, true, 0x1000000 },
		{ 0x020c, 2047, 0x7fffffff, 0x400000, 0x7f, true, 0x1000000 },
	};
	unsigned i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct fx_bz f = fx_bz_default();
		struct fx_buf img;
		struct bzimage_info bz;
		struct loader_err err = { 0 };

		f.protocol = v[i].protocol;
		f.fill_ff = true;
		img = fx_make_bzimage(&f);
		ck_assert_msg(!bzimage_parse(img.p, img.len, &bz, &err), "%04x: %s",
			      v[i].protocol, err.detail);
		ck_assert_uint_eq(bz.protocol, v[i].protocol);
		ck_assert_uint_eq(bz.cmdline_size, v[i].cmdline_size);
		ck_assert_uint_eq(bz.initrd_addr_max, v[i].initrd_addr_max);
		ck_assert_uint_eq(bz.init_size, v[i].init_size);
		ck_assert_uint_eq(bz.xloadflags, v[i].xloadflags);
		ck_assert_int_eq(bz.has_entry64, v[i].xloadflags != 0);
		ck_assert_int_eq(bz.relocatable, v[i].relocatable);
		ck_assert_uint_eq(bz.pref_address, v[i].pref);
		if (v[i].protocol < 0x0208) {
			ck_assert_uint_eq(bz.payload_offset, 0);
			ck_assert_uint_eq(bz.payload_length, 0);
		}
		if (v[i].protocol < 0x0209)
			ck_assert_uint_eq(bz.setup_data, 0);
		free(img.p);
	}
}
END_TEST

START_TEST(bad_magic)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	img.p[BZ_HDRS] = 'X';
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_BAD_MAGIC, "header");
	img.p[BZ_HDRS] = 'H';
	fx_put16(img.p + BZ_BOOT_FLAG, 0x1234);
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_BAD_MAGIC,
		   "boot_flag");
	free(img.p);
}
END_TEST

START_TEST(protocol_too_old)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	fx_put16(img.p + BZ_VERSION, 0x0104);
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_PROTOCOL, "version");
	ck_assert_str_eq(err.detail, "boot protocol 1.04, need 2.00 or later");
	free(img.p);
}
END_TEST

START_TEST(truncated_header)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	expect_err(bzimage_parse(img.p, 0x207, &bz, &err), &err, LOADER_E_TRUNCATED, "header");
	expect_err(bzimage_parse(img.p, 0, &bz, &err), &err, LOADER_E_TRUNCATED, "header");
	expect_err(bzimage_parse(NULL, 0, &bz, &err), &err, LOADER_E_TRUNCATED, "header");
	free(img.p);
}
END_TEST

START_TEST(setup_beyond_file)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	/* 255 sectors = 128 KiB of setup in a much smaller file */
	img.p[BZ_SETUP_SECTS] = 255;
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_TRUNCATED,
		   "setup_sects");
	img.p[BZ_SETUP_SECTS] = 7;
	/* The file stops in the middle of the setup. */
	expect_err(bzimage_parse(img.p, 3000, &bz, &err), &err, LOADER_E_TRUNCATED,
		   "setup_sects");
	ck_assert_str_eq(err.detail, "7 sectors of setup (4096 bytes) but the file has 3000 bytes");
	/* Exactly the setup: no kernel. */
	expect_err(bzimage_parse(img.p, 4096, &bz, &err), &err, LOADER_E_TRUNCATED, "kernel");
	free(img.p);
}
END_TEST

START_TEST(truncated_kernel_and_payload)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	size_t cut = 4096 + FX_KERNEL_PREFIX + 10;

	/* syssize says more than the file holds */
	expect_err(bzimage_parse(img.p, cut, &bz, &err), &err, LOADER_E_TRUNCATED, "syssize");
	/* with syssize out of the way, the payload is what runs past the end */
	fx_put32(img.p + BZ_SYSSIZE, 1);
	expect_err(bzimage_parse(img.p, cut, &bz, &err), &err, LOADER_E_TRUNCATED,
		   "payload_length");
	free(img.p);
}
END_TEST

START_TEST(payload_offsets_overflow)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	/* offset + length wraps in 32 bits: must still be caught */
	fx_put32(img.p + BZ_PAYLOAD_OFFSET, 0x10);
	fx_put32(img.p + BZ_PAYLOAD_LENGTH, 0xfffffff8u);
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_TRUNCATED,
		   "payload_length");
	fx_put32(img.p + BZ_PAYLOAD_OFFSET, 0xffffffffu);
	fx_put32(img.p + BZ_PAYLOAD_LENGTH, 2);
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_RANGE,
		   "payload_offset");
	free(img.p);
}
END_TEST

START_TEST(bad_jump_and_alignment)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };

	img.p[BZ_JUMP] = 0xe9;
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_RANGE, "jump");
	img.p[BZ_JUMP] = 0xeb;
	img.p[BZ_JUMP + 1] = 0x20;	/* header "ends" before the 2.15 fields */
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_RANGE, "jump");
	img.p[BZ_JUMP + 1] = 0x6a;
	fx_put32(img.p + BZ_KERNEL_ALIGNMENT, 0x300000);
	expect_err(bzimage_parse(img.p, img.len, &bz, &err), &err, LOADER_E_RANGE,
		   "kernel_alignment");
	free(img.p);
}
END_TEST

START_TEST(decompress_every_codec)
{
	unsigned i;

	for (i = 0; i < NCODECS; i++) {
		struct fx_buf elf = fx_make_elf(true);
		struct fx_buf pay = fx_compress(all_codecs[i], elf.p, elf.len, false, true);
		struct fx_bz f = fx_bz_default();
		struct fx_buf img;
		struct bzimage_info bz;
		struct loader_err err = { 0 };
		uint8_t *out;
		size_t out_len;

		f.payload = pay.p;
		f.payload_len = pay.len;
		img = fx_make_bzimage(&f);
		ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
		ck_assert_uint_eq(bz.payload_compression, all_codecs[i]);
		ck_assert_uint_eq(bz.payload_length, pay.len);
		ck_assert_msg(!bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err),
			      "%s: %s: %s", compression_name(all_codecs[i]), err.field, err.detail);
		ck_assert_uint_eq(out_len, elf.len);
		ck_assert(!memcmp(out, elf.p, elf.len));
		free(out);
		free(img.p);
		free(pay.p);
		free(elf.p);
	}
}
END_TEST

START_TEST(decompress_lz4_frame)
{
	struct fx_buf elf = fx_make_elf(true);
	struct fx_buf pay = fx_compress(COMPRESSION_LZ4, elf.p, elf.len, true, true);
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	f.payload = pay.p;
	f.payload_len = pay.len;
	img = fx_make_bzimage(&f);
	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	ck_assert_int_eq(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), 0);
	ck_assert_uint_eq(out_len, elf.len);
	ck_assert(!memcmp(out, elf.p, elf.len));
	free(out);
	free(img.p);
	free(pay.p);
	free(elf.p);
}
END_TEST

/* Cut every stream in half (keeping the appended size): each decoder must notice. */
START_TEST(corrupt_payload_truncated_stream)
{
	unsigned i;

	for (i = 0; i < NCODECS; i++) {
		struct fx_buf elf = fx_make_elf(true);
		struct fx_buf pay = fx_compress(all_codecs[i], elf.p, elf.len, false, false);
		struct fx_bz f = fx_bz_default();
		struct fx_buf img;
		struct bzimage_info bz;
		struct loader_err err = { 0 };
		uint8_t *out = (uint8_t *)1;
		size_t out_len = 1;
		int ret;

		pay.len /= 2;
		fx_append_size(&pay, elf.len);
		f.payload = pay.p;
		f.payload_len = pay.len;
		img = fx_make_bzimage(&f);
		ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
		ret = bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err);
		ck_assert_msg(ret == LOADER_E_COMPRESSION, "%s: %d %s",
			      compression_name(all_codecs[i]), ret, err.detail);
		ck_assert_str_eq(err.field, "payload");
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(out_len, 0);
		free(img.p);
		free(pay.p);
		free(elf.p);
	}
}
END_TEST

/* Flipped bytes in the data: caught by the formats' checksums. */
START_TEST(corrupt_payload_flipped_bytes)
{
	static const enum compression checked[] = {
		COMPRESSION_GZIP, COMPRESSION_BZIP2, COMPRESSION_XZ, COMPRESSION_LZO,
	};
	unsigned i;

	for (i = 0; i < sizeof(checked) / sizeof(checked[0]); i++) {
		struct fx_buf elf = fx_make_elf(true);
		struct fx_buf pay = fx_compress(checked[i], elf.p, elf.len, false, true);
		struct fx_bz f = fx_bz_default();
		struct fx_buf img;
		struct bzimage_info bz;
		struct loader_err err = { 0 };
		uint8_t *out;
		size_t out_len;

		for (size_t k = pay.len / 2; k < pay.len / 2 + 8; k++)
			pay.p[k] ^= 0x5a;
		f.payload = pay.p;
		f.payload_len = pay.len;
		img = fx_make_bzimage(&f);
		ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
		ck_assert_msg(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err) ==
			      LOADER_E_COMPRESSION, "%s", compression_name(checked[i]));
		ck_assert_str_eq(err.field, "payload");
		free(img.p);
		free(pay.p);
		free(elf.p);
	}
}
END_TEST

START_TEST(corrupt_lz4_block_size)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	/* the first block's size field, right after the legacy magic */
	fx_put32(img.p + bz.kernel_offset + bz.payload_offset + 4, 0x7fffffff);
	expect_err(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), &err,
		   LOADER_E_COMPRESSION, "payload");
	ck_assert_str_eq(err.detail,
			 "block 0 at input offset 4 has invalid size 2147483647");
	free(img.p);
}
END_TEST

START_TEST(payload_larger_than_init_size)
{
	unsigned i;

	for (i = 0; i < NCODECS; i++) {
		struct fx_buf elf = fx_make_elf(true);
		struct fx_buf pay = fx_compress(all_codecs[i], elf.p, elf.len, false, true);
		struct fx_bz f = fx_bz_default();
		struct fx_buf img;
		struct bzimage_info bz;
		struct loader_err err = { 0 };
		uint8_t *out;
		size_t out_len;

		f.payload = pay.p;
		f.payload_len = pay.len;
		f.init_size = (uint32_t)elf.len - 1;
		img = fx_make_bzimage(&f);
		ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
		expect_err(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), &err,
			   LOADER_E_COMPRESSION, "init_size");
		ck_assert_msg(strstr(err.detail, "exceeds init_size") != NULL, "%s", err.detail);
		/* exactly init_size is fine */
		fx_put32(img.p + BZ_INIT_SIZE, (uint32_t)elf.len);
		ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
		ck_assert_msg(!bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err),
			      "%s: %s", compression_name(all_codecs[i]), err.detail);
		ck_assert_uint_eq(out_len, elf.len);
		free(out);
		free(img.p);
		free(pay.p);
		free(elf.p);
	}
}
END_TEST

START_TEST(decompressed_not_elf)
{
	static const uint8_t junk[4096] = { 1, 2, 3 };
	struct fx_buf pay = fx_compress(COMPRESSION_ZSTD, junk, sizeof(junk), false, true);
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	f.payload = pay.p;
	f.payload_len = pay.len;
	img = fx_make_bzimage(&f);
	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	expect_err(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), &err,
		   LOADER_E_BAD_MAGIC, "payload");
	ck_assert_ptr_null(out);
	free(img.p);
	free(pay.p);
}
END_TEST

START_TEST(appended_size_mismatch)
{
	struct fx_buf elf = fx_make_elf(true);
	struct fx_buf pay = fx_compress(COMPRESSION_GZIP, elf.p, elf.len, false, false);
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	fx_append_size(&pay, elf.len + 1);
	f.payload = pay.p;
	f.payload_len = pay.len;
	img = fx_make_bzimage(&f);
	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	expect_err(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), &err,
		   LOADER_E_COMPRESSION, "payload");
	ck_assert_str_eq(err.detail, "appended size 16385 does not match the 16384 bytes decompressed");
	free(img.p);
	free(pay.p);
	free(elf.p);
}
END_TEST

START_TEST(decompress_needs_2_08)
{
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	f.protocol = 0x0207;
	img = fx_make_bzimage(&f);
	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	expect_err(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), &err,
		   LOADER_E_PROTOCOL, "payload_offset");
	free(img.p);
}
END_TEST

START_TEST(payload_unknown_compression)
{
	static const uint8_t raw[64] = { 0x42, 0x42, 0x42 };
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;
	struct bzimage_info bz;
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	f.payload = raw;
	f.payload_len = sizeof(raw);
	img = fx_make_bzimage(&f);
	ck_assert_int_eq(bzimage_parse(img.p, img.len, &bz, &err), 0);
	ck_assert_uint_eq(bz.payload_compression, COMPRESSION_NONE);
	expect_err(bzimage_decompress(img.p, img.len, &bz, &out, &out_len, &err), &err,
		   LOADER_E_COMPRESSION, "payload");
	free(img.p);
}
END_TEST

/* Every prefix of a good image: a clean error or success, never a crash. */
START_TEST(every_truncation_is_clean)
{
	struct fx_buf img = fx_good_bzimage(COMPRESSION_LZ4, NULL);
	size_t n;

	for (n = 0; n <= img.len; n += (n < 0x300 ? 1 : 97)) {
		struct bzimage_info bz;
		struct loader_err err = { 0 };
		uint8_t *cut = malloc(n ? n : 1), *out;
		size_t out_len;
		int ret;

		memcpy(cut, img.p, n);
		ret = bzimage_parse(cut, n, &bz, &err);
		if (!ret) {
			ret = bzimage_decompress(cut, n, &bz, &out, &out_len, &err);
			if (!ret)
				free(out);
		}
		ck_assert_int_le(ret, 0);
		if (ret)
			ck_assert_int_eq(ret, err.status);
		free(cut);
	}
	free(img.p);
}
END_TEST

Suite *loader_bzimage_suite(void)
{
	Suite *s = suite_create("loader_bzimage");
	TCase *t = tcase_create("bzimage");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, parse_modern_header);
	tcase_add_test(t, setup_sects_zero_means_four);
	tcase_add_test(t, fields_follow_protocol_version);
	tcase_add_test(t, bad_magic);
	tcase_add_test(t, protocol_too_old);
	tcase_add_test(t, truncated_header);
	tcase_add_test(t, setup_beyond_file);
	tcase_add_test(t, truncated_kernel_and_payload);
	tcase_add_test(t, payload_offsets_overflow);
	tcase_add_test(t, bad_jump_and_alignment);
	tcase_add_test(t, decompress_every_codec);
	tcase_add_test(t, decompress_lz4_frame);
	tcase_add_test(t, corrupt_payload_truncated_stream);
	tcase_add_test(t, corrupt_payload_flipped_bytes);
	tcase_add_test(t, corrupt_lz4_block_size);
	tcase_add_test(t, payload_larger_than_init_size);
	tcase_add_test(t, decompressed_not_elf);
	tcase_add_test(t, appended_size_mismatch);
	tcase_add_test(t, decompress_needs_2_08);
	tcase_add_test(t, payload_unknown_compression);
	tcase_add_test(t, every_truncation_is_clean);
	suite_add_tcase(s, t);
	return s;
}
