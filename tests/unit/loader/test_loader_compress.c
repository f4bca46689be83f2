/*
 * compression_detect() and decompress() directly: magics, round trips through
 * every library, the max_out limit to the byte, trailers and garbage.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader/loader.h"
#include "tests/unit/common/harness.h"
#include "bz_fixture.h"

static const enum compression codecs[] = {
	COMPRESSION_GZIP, COMPRESSION_BZIP2, COMPRESSION_LZMA, COMPRESSION_XZ,
	COMPRESSION_LZO, COMPRESSION_LZ4, COMPRESSION_ZSTD,
};
#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

static uint8_t *pattern(size_t len)
{
	uint8_t *p = malloc(len);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)((i % 251) ^ (i >> 12));
	return p;
}

START_TEST(detect_magics)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum compression c;
	} m[] = {
		{ "\x1f\x8b\x08\x00", 4, COMPRESSION_GZIP },
		{ "BZh9", 4, COMPRESSION_BZIP2 },
		{ "\x5d\x00\x00\x80\x00", 5, COMPRESSION_LZMA },
		{ "\xfd" "7zXZ\0\0", 7, COMPRESSION_XZ },
		{ "\x89LZO\0\r\n", 7, COMPRESSION_LZO },
		{ "\x02\x21\x4c\x18", 4, COMPRESSION_LZ4 },
		{ "\x04\x22\x4d\x18", 4, COMPRESSION_LZ4 },
		{ "\x28\xb5\x2f\xfd", 4, COMPRESSION_ZSTD },
		{ "\x7f" "ELF", 4, COMPRESSION_NONE },
		{ "\x1f", 1, COMPRESSION_NONE },
		{ "\xfd" "7zXZ", 5, COMPRESSION_NONE },
		{ "\x02\x21\x4c", 3, COMPRESSION_NONE },
	};
	unsigned i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		ck_assert_msg(compression_detect((const uint8_t *)m[i].bytes, m[i].len) == m[i].c,
			      "entry %u", i);
	ck_assert_int_eq(compression_detect(NULL, 10), COMPRESSION_NONE);
	ck_assert_str_eq(compression_name(COMPRESSION_LZ4), "lz4");
	ck_assert_str_eq(compression_name(COMPRESSION_LZMA), "lzma");
	ck_assert_str_eq(compression_name(COMPRESSION_XZ), "xz");
	ck_assert_str_eq(compression_name(COMPRESSION_NONE), "none");
}
END_TEST

/* Round trip, with and without Linux's appended size. */
START_TEST(round_trip_every_codec)
{
	size_t len = 300000;
	uint8_t *raw = pattern(len);
	unsigned i, trailer;

	for (i = 0; i < NCODECS; i++) {
		for (trailer = 0; trailer < 2; trailer++) {
			struct fx_buf z = fx_compress(codecs[i], raw, len, false, trailer);
			struct loader_err err = { 0 };
			uint8_t *out;
			size_t out_len;

			ck_assert_msg(!decompress(codecs[i], z.p, z.len, len, &out, &out_len, &err),
				      "%s/%u: %s", compression_name(codecs[i]), trailer, err.detail);
			ck_assert_uint_eq(out_len, len);
			ck_assert(!memcmp(out, raw, len));
			free(out);
			free(z.p);
		}
	}
	free(raw);
}
END_TEST

/* max_out is a hard limit: len fits, len - 1 does not, for every codec. */
START_TEST(max_out_to_the_byte)
{
	size_t len = 70000;
	uint8_t *raw = pattern(len);
	unsigned i;

	for (i = 0; i < NCODECS; i++) {
		struct fx_buf z = fx_compress(codecs[i], raw, len, false, true);
		struct loader_err err = { 0 };
		uint8_t *out = (uint8_t *)1;
		size_t out_len = 1;

		ck_assert_int_eq(decompress(codecs[i], z.p, z.len, len - 1, &out, &out_len, &err),
				 LOADER_E_COMPRESSION);
		ck_assert_msg(!strcmp(err.detail,
				      "decompressed data exceeds the 69999-byte limit"),
			      "%s: %s", compression_name(codecs[i]), err.detail);
		ck_assert_ptr_null(out);
		ck_assert_uint_eq(out_len, 0);
		ck_assert_int_eq(decompress(codecs[i], z.p, z.len, len, &out, &out_len, &err), 0);
		ck_assert_uint_eq(out_len, len);
		free(out);
		free(z.p);
	}
	free(raw);
}
END_TEST

/* A legacy lz4 stream of several 8 MiB blocks, and two concatenated streams. */
START_TEST(lz4_legacy_multi_block)
{
	size_t len = (8u << 20) * 2 + 12345;
	uint8_t *raw = pattern(len), *out, *two;
	struct fx_buf z = fx_compress(COMPRESSION_LZ4, raw, len, false, false);
	struct loader_err err = { 0 };
	size_t out_len;

	ck_assert_int_eq(decompress(COMPRESSION_LZ4, z.p, z.len, len, &out, &out_len, &err), 0);
	ck_assert_uint_eq(out_len, len);
	ck_assert(!memcmp(out, raw, len));
	free(out);

	/* magic, blocks, magic, blocks: the output is both */
	two = malloc(2 * z.len);
	memcpy(two, z.p, z.len);
	memcpy(two + z.len, z.p, z.len);
	ck_assert_int_eq(decompress(COMPRESSION_LZ4, two, 2 * z.len, 2 * len, &out, &out_len,
				    &err), 0);
	ck_assert_uint_eq(out_len, 2 * len);
	ck_assert(!memcmp(out + len, raw, len));
	free(out);
	/* one byte short of room for the second stream */
	ck_assert_int_eq(decompress(COMPRESSION_LZ4, two, 2 * z.len, 2 * len - 1, &out,
				    &out_len, &err), LOADER_E_COMPRESSION);
	ck_assert_str_eq(err.detail, "decompressed data exceeds the 33579121-byte limit");
	free(two);
	free(z.p);
	free(raw);
}
END_TEST

START_TEST(trailing_garbage)
{
	size_t len = 5000;
	uint8_t *raw = pattern(len), *out;
	unsigned i;

	for (i = 0; i < NCODECS; i++) {
		struct fx_buf z = fx_compress(codecs[i], raw, len, false, false);
		struct loader_err err = { 0 };
		size_t out_len;
		int ret;

		z.p = realloc(z.p, z.len + 5);
		memcpy(z.p + z.len, "abcde", 5);
		ret = decompress(codecs[i], z.p, z.len + 5, len, &out, &out_len, &err);
		ck_assert_msg(ret == LOADER_E_COMPRESSION, "%s: %d", compression_name(codecs[i]),
			      ret);
		ck_assert_str_eq(err.field, "payload");
		free(z.p);
	}
	free(raw);
}
END_TEST

START_TEST(bad_arguments)
{
	static const uint8_t gz[] = { 0x1f, 0x8b, 8, 0 };
	struct loader_err err = { 0 };
	uint8_t *out;
	size_t out_len;

	ck_assert_int_eq(decompress(COMPRESSION_GZIP, gz, 0, 100, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_str_eq(err.detail, "empty gzip stream");
	ck_assert_int_eq(decompress(COMPRESSION_NONE, gz, sizeof(gz), 100, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_int_eq(decompress(COMPRESSION_ZSTD, gz, sizeof(gz), 100, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_str_eq(err.detail, "data does not start with the zstd magic");
	/* a bare gzip header: the stream ends early */
	ck_assert_int_eq(decompress(COMPRESSION_GZIP, gz, sizeof(gz), 100, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_ptr_null(out);
}
END_TEST

/* The appended size is only a hint: a huge one must not be trusted past max_out. */
START_TEST(appended_size_is_only_a_hint)
{
	size_t len = 4096;
	uint8_t *raw = pattern(len), *out;
	struct fx_buf z = fx_compress(COMPRESSION_LZ4, raw, len, false, false);
	struct loader_err err = { 0 };
	size_t out_len;

	fx_append_size(&z, 0xfffffff0u);
	ck_assert_int_eq(decompress(COMPRESSION_LZ4, z.p, z.len, 1 << 20, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_str_eq(err.detail,
			 "appended size 4294967280 does not match the 4096 bytes decompressed");
	free(z.p);
	free(raw);
}
END_TEST

START_TEST(lzop_header_checks)
{
	size_t len = 3000;
	uint8_t *raw = pattern(len), *out;
	struct fx_buf z = fx_compress(COMPRESSION_LZO, raw, len, false, true);
	struct loader_err err = { 0 };
	size_t out_len;

	z.p[9 + 6] = 7;		/* method: not LZO1X (header checksum is checked after) */
	ck_assert_int_eq(decompress(COMPRESSION_LZO, z.p, z.len, len, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_str_eq(err.detail, "lzop method 7 is not LZO1X");
	z.p[9 + 6] = 1;
	z.p[9 + 16] ^= 1;	/* mtime: header checksum no longer matches */
	ck_assert_int_eq(decompress(COMPRESSION_LZO, z.p, z.len, len, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert(!strncmp(err.detail, "lzop header checksum", 20));
	z.p[9 + 16] ^= 1;
	ck_assert_int_eq(decompress(COMPRESSION_LZO, z.p, 20, len, &out, &out_len, &err),
			 LOADER_E_COMPRESSION);
	ck_assert_str_eq(err.detail, "lzop header cut short at input offset 17");
	free(z.p);
	free(raw);
}
END_TEST

/* Random bytes after each magic: an error or a result, never a crash or leak. */
START_TEST(garbage_after_magic)
{
	static const uint8_t magics[][6] = {
		{ 0x1f, 0x8b }, { 'B', 'Z', 'h' }, { 0x5d, 0 }, { 0xfd, '7', 'z', 'X', 'Z', 0 },
		{ 0x89, 'L', 'Z', 'O' }, { 0x02, 0x21, 0x4c, 0x18 }, { 0x04, 0x22, 0x4d, 0x18 },
		{ 0x28, 0xb5, 0x2f, 0xfd },
	};
	uint8_t buf[512];
	unsigned i, round, seed = 12345;

	for (round = 0; round < 64; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			seed = seed * 1103515245 + 12345;
			buf[i] = (uint8_t)(seed >> 16);
		}
		for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
			struct loader_err err = { 0 };
			enum compression c;
			uint8_t *out;
			size_t out_len;
			int ret;

			memcpy(buf, magics[i], 6);
			c = compression_detect(buf, sizeof(buf));
			ck_assert_int_ne(c, COMPRESSION_NONE);
			ret = decompress(c, buf, sizeof(buf), 1 << 16, &out, &out_len, &err);
			if (!ret)
				free(out);
			else
				ck_assert_int_eq(ret, err.status);
		}
	}
}
END_TEST

/* error.c: the one-line message and the capped file reader. */
START_TEST(errors_and_files)
{
	struct loader_err err = { 0 };
	char line[256], *path;
	uint8_t *buf;
	size_t len;

	ck_assert_int_eq(loader_fail(&err, LOADER_E_TRUNCATED, "setup_sects", "%u > %u", 57, 12),
			 LOADER_E_TRUNCATED);
	ck_assert_str_eq(loader_err_format(&err, "vmlinuz", line, sizeof(line)),
			 "vmlinuz: setup_sects: 57 > 12 (truncated)");
	loader_fail(&err, LOADER_E_CMDLINE, "cmdline_size", "two\nlines");
	err.detail[3] = '\n';
	ck_assert_str_eq(loader_err_format(&err, NULL, line, sizeof(line)),
			 "cmdline_size: two lines (cmdline too long)");
	ck_assert_str_eq(loader_status_name(LOADER_E_INITRD), "initrd does not fit");
	ck_assert_str_eq(loader_status_name(LOADER_E_COMPRESSION), "compression");
	ck_assert_str_eq(loader_status_name((enum loader_status)-99), "unknown error");

	ck_assert_int_eq(loader_read_file("/nonexistent/x", 100, &buf, &len, &err), LOADER_E_IO);
	ck_assert_str_eq(err.field, "file");
	ck_assert_int_eq(loader_read_file("/", 100, &buf, &len, &err), LOADER_E_IO);
	path = harness_write_temp("0123456789", 10, ".bin");
	ck_assert_int_eq(loader_read_file(path, 9, &buf, &len, &err), LOADER_E_RANGE);
	ck_assert_str_eq(err.detail, "10 bytes, more than the 9-byte limit");
	ck_assert_int_eq(loader_read_file(path, 10, &buf, &len, &err), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert(!memcmp(buf, "0123456789", 10));
	free(buf);
	unlink(path);
	free(path);
}
END_TEST

Suite *loader_compress_suite(void)
{
	Suite *s = suite_create("loader_compress");
	TCase *t = tcase_create("compress");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, detect_magics);
	tcase_add_test(t, round_trip_every_codec);
	tcase_add_test(t, max_out_to_the_byte);
	tcase_add_test(t, lz4_legacy_multi_block);
	tcase_add_test(t, trailing_garbage);
	tcase_add_test(t, bad_arguments);
	tcase_add_test(t, appended_size_is_only_a_hint);
	tcase_add_test(t, lzop_header_checks);
	tcase_add_test(t, garbage_after_magic);
	tcase_add_test(t, errors_and_files);
	suite_add_tcase(s, t);
	return s;
}
