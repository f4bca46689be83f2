/*
 * libFuzzer target: decompress() of every format. The first byte picks the
 * format and the output limit; the format's magic is put in front of the
 * rest so the fuzzer spends its time inside the decoders.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

static const struct {
	enum compression c;
	uint8_t magic[6];
	size_t len;
} formats[] = {
	{ COMPRESSION_GZIP, { 0x1f, 0x8b }, 2 },
	{ COMPRESSION_BZIP2, { 'B', 'Z', 'h' }, 3 },
	{ COMPRESSION_LZMA, { 0x5d, 0x00 }, 2 },
	{ COMPRESSION_XZ, { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
	{ COMPRESSION_LZO, { 0x89, 'L', 'Z', 'O' }, 4 },
	{ COMPRESSION_LZ4, { 0x02, 0x21, 0x4c, 0x18 }, 4 },	/* legacy */
	{ COMPRESSION_LZ4, { 0x04, 0x22, 0x4d, 0x18 }, 4 },	/* frame */
	{ COMPRESSION_ZSTD, { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
};
static const size_t limits[] = { 0, 1, 4096, 1u << 20 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loader_err err = { 0 };
	unsigned f, l;
	uint8_t *in, *out;
	size_t in_len, out_len;
	int ret;

	if (!size)
		return 0;
	f = data[0] % (sizeof(formats) / sizeof(formats[0]));
	l = (data[0] >> 4) % (sizeof(limits) / sizeof(limits[0]));
	in_len = formats[f].len + size - 1;
	in = malloc(in_len);
	if (!in)
		return 0;
	memcpy(in, formats[f].magic, formats[f].len);
	memcpy(in + formats[f].len, data + 1, size - 1);
	/* Raw input too: the detector and decoder must agree on what a magic is. */
	if (compression_detect(data, size) != COMPRESSION_NONE) {
		ret = decompress(compression_detect(data, size), data, size, limits[l], &out,
				 &out_len, &err);
		if (!ret) {
			if (out_len > limits[l])
				abort();
			free(out);
		} else if (ret != (int)err.status) {
			abort();
		}
	}
	ret = decompress(formats[f].c, in, in_len, limits[l], &out, &out_len, &err);
	if (!ret) {
		if (out_len > limits[l])
			abort();
		free(out);
	} else if (ret != (int)err.status || out) {
		abort();
	}
	free(in);
	return 0;
}
