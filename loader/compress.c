/*
 * Host-side decompression of a kernel payload with the Debian libraries.
 *
 * Linux's build appends the decompressed size (4 bytes, little endian) to
 * every compressed payload (scripts/Makefile.lib size_append). We use it as
 * the first guess for the output buffer, accept exactly those 4 bytes after
 * the end of a stream, and insist that they match what we decompressed.
 *
 * Streaming formats (gzip, bzip2, xz, lzma, zstd, lz4 frame) share one driver
 * that grows the output up to max_out; block formats (lz4 legacy, lzop) are
 * walked here and each block handed to the library.
 */
#include <bzlib.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "loader/loader.h"

#define LZ4_LEGACY_MAGIC	0x184c2102u
#define LZ4_FRAME_MAGIC		0x184d2204u
#define LZ4_LEGACY_BLOCK	(8u << 20)	/* lz4 -l: 8 MiB per block */
#define ZSTD_MAGIC		0xfd2fb528u
#define LZMA_MEMLIMIT		(256ull << 20)
#define ZSTD_WINDOWLOG_LIMIT	27		/* zstd --ultra -22 uses 2^27 */
#define OUT_MIN			65536
#define HINT_RATIO		64
#define SIZE_TRAILER		4

static const uint8_t lzop_magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum compression compression_detect(const uint8_t *buf, size_t len)
{
	if (!buf)
		return COMPRESSION_NONE;
	if (len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
		return COMPRESSION_GZIP;
	if (len >= 3 && !memcmp(buf, "BZh", 3))
		return COMPRESSION_BZIP2;
	if (len >= 6 && !memcmp(buf, "\xfd" "7zXZ\0", 6))
		return COMPRESSION_XZ;
	if (len >= 2 && buf[0] == 0x5d && buf[1] == 0x00)
		return COMPRESSION_LZMA;
	if (len >= 4 && !memcmp(buf, lzop_magic, 4))
		return COMPRESSION_LZO;
	if (len >= 4 && (get_le32(buf) == LZ4_LEGACY_MAGIC || get_le32(buf) == LZ4_FRAME_MAGIC))
		return COMPRESSION_LZ4;
	if (len >= 4 && get_le32(buf) == ZSTD_MAGIC)
		return COMPRESSION_ZSTD;
	return COMPRESSION_NONE;
}

const char *compression_name(enum compression c)
{
	switch (c) {
	case COMPRESSION_NONE:	return "none";
	case COMPRESSION_GZIP:	return "gzip";
	case COMPRESSION_BZIP2:	return "bzip2";
	case COMPRESSION_LZMA:	return "lzma";
	case COMPRESSION_XZ:	return "xz";
	case COMPRESSION_LZO:	return "lzo";
	case COMPRESSION_LZ4:	return "lz4";
	case COMPRESSION_ZSTD:	return "zstd";
	}
	return "unknown";
}

/* ---- the output buffer --------------------------------------------------- */

struct out {
	uint8_t *p;
	size_t len, cap, max;
	const char *field;
	struct loader_err *err;
};

static int out_resize(struct out *o, size_t cap)
{
	uint8_t *np;

	if (cap > o->max)
		cap = o->max;
	if (cap <= o->cap)
		return LOADER_OK;
	np = o->p ? realloc(o->p, cap) : loader_alloc_large(cap ? cap : 1);
	if (!np)
		return loader_fail(o->err, LOADER_E_NOMEM, o->field,
				   "cannot allocate %zu bytes of output", cap);
	o->p = np;
	o->cap = cap;
	return LOADER_OK;
}

/* Grow so at least want more bytes fit (clamped to max). */
static int out_grow(struct out *o, size_t want)
{
	size_t cap = o->cap > SIZE_MAX / 2 ? SIZE_MAX : o->cap * 2;

	if (want > o->max - o->len)
		want = o->max - o->len;
	if (cap < o->len + want)
		cap = o->len + want;
	return out_resize(o, cap);
}

static int too_large(struct out *o)
{
	return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
			   "decompressed data exceeds the %zu-byte limit", o->max);
}

/* After the stream: nothing, or Linux's 4-byte size that must match. */
static int check_trailer(struct out *o, const uint8_t *tail, size_t left)
{
	if (!left)
		return LOADER_OK;
	if (left != SIZE_TRAILER)
		return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
				   "%zu bytes of garbage after the end of the stream", left);
	if (get_le32(tail) != (uint32_t)o->len)
		return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
				   "appended size %u does not match the %zu bytes decompressed",
				   get_le32(tail), o->len);
	return LOADER_OK;
}

/* ---- streaming codecs ------------------------------------------------------ */

enum step { STEP_MORE, STEP_END, STEP_ERR };

struct codec {
	enum compression c;
	union {
		z_stream z;
		bz_stream bz;
		lzma_stream lz;
		ZSTD_DStream *zs;
		LZ4F_dctx *lf;
	} u;
	const char *msg;	/* library message on STEP_ERR */
};

static int codec_init(struct codec *k)
{
	memset(&k->u, 0, sizeof(k->u));
	switch (k->c) {
	case COMPRESSION_GZIP:
		return inflateInit2(&k->u.z, 16 + MAX_WBITS) == Z_OK ? 0 : -1;
	case COMPRESSION_BZIP2:
		return BZ2_bzDecompressInit(&k->u.bz, 0, 0) == BZ_OK ? 0 : -1;
	case COMPRESSION_XZ:
		k->u.lz = (lzma_stream)LZMA_STREAM_INIT;
		return lzma_stream_decoder(&k->u.lz, LZMA_MEMLIMIT, 0) == LZMA_OK ? 0 : -1;
	case COMPRESSION_LZMA:
		k->u.lz = (lzma_stream)LZMA_STREAM_INIT;
		return lzma_alone_decoder(&k->u.lz, LZMA_MEMLIMIT) == LZMA_OK ? 0 : -1;
	case COMPRESSION_ZSTD:
		k->u.zs = ZSTD_createDStream();
		if (!k->u.zs)
			return -1;
		ZSTD_DCtx_setParameter(k->u.zs, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_LIMIT);
		return 0;
	case COMPRESSION_LZ4:
		return LZ4F_isError(LZ4F_createDecompressionContext(&k->u.lf, LZ4F_VERSION)) ?
		       -1 : 0;
	default:
		return -1;
	}
}

static void codec_end(struct codec *k)
{
	switch (k->c) {
	case COMPRESSION_GZIP:
		inflateEnd(&k->u.z);
		break;
	case COMPRESSION_BZIP2:
		BZ2_bzDecompressEnd(&k->u.bz);
		break;
	case COMPRESSION_XZ:
	case COMPRESSION_LZMA:
		lzma_end(&k->u.lz);
		break;
	case COMPRESSION_ZSTD:
		ZSTD_freeDStream(k->u.zs);
		break;
	case COMPRESSION_LZ4:
		LZ4F_freeDecompressionContext(k->u.lf);
		break;
	default:
		break;
	}
}

static const char *lzma_msg(lzma_ret r)
{
	switch (r) {
	case LZMA_MEMLIMIT_ERROR:	return "needs more than 256 MiB of dictionary";
	case LZMA_FORMAT_ERROR:		return "not a valid stream header";
	case LZMA_OPTIONS_ERROR:	return "unsupported options";
	case LZMA_DATA_ERROR:		return "corrupt data";
	case LZMA_BUF_ERROR:		return "unexpected end of input";
	case LZMA_MEM_ERROR:		return "out of memory";
	default:			return "decoder error";
	}
}

/* One call into the library; advances *in / *out by what it used. */
static enum step codec_run(struct codec *k, const uint8_t **in, size_t *in_left,
			   uint8_t **out, size_t *out_left)
{
	size_t ni = *in_left > UINT_MAX ? UINT_MAX : *in_left;
	size_t no = *out_left > UINT_MAX ? UINT_MAX : *out_left;
	size_t used_in = 0, used_out = 0;
	enum step st = STEP_MORE;

	switch (k->c) {
	case COMPRESSION_GZIP: {
		z_stream *z = &k->u.z;
		int r;

		z->next_in = (Bytef *)*in;
		z->avail_in = (uInt)ni;
		z->next_out = *out;
		z->avail_out = (uInt)no;
		r = inflate(z, Z_NO_FLUSH);
		used_in = ni - z->avail_in;
		used_out = no - z->avail_out;
		if (r == Z_STREAM_END)
			st = STEP_END;
		else if (r != Z_OK && r != Z_BUF_ERROR) {
			k->msg = z->msg ? z->msg : "corrupt data";
			st = STEP_ERR;
		}
		break;
	}
	case COMPRESSION_BZIP2: {
		bz_stream *b = &k->u.bz;
		int r;

		b->next_in = (char *)*in;
		b->avail_in = (unsigned)ni;
		b->next_out = (char *)*out;
		b->avail_out = (unsigned)no;
		r = BZ2_bzDecompress(b);
		used_in = ni - b->avail_in;
		used_out = no - b->avail_out;
		if (r == BZ_STREAM_END)
			st = STEP_END;
		else if (r != BZ_OK) {
			k->msg = r == BZ_DATA_ERROR_MAGIC ? "bad stream header" : "corrupt data";
			st = STEP_ERR;
		}
		break;
	}
	case COMPRESSION_XZ:
	case COMPRESSION_LZMA: {
		lzma_stream *l = &k->u.lz;
		lzma_ret r;

		l->next_in = *in;
		l->avail_in = *in_left;
		l->next_out = *out;
		l->avail_out = *out_left;
		r = lzma_code(l, LZMA_RUN);
		used_in = *in_left - l->avail_in;
		used_out = *out_left - l->avail_out;
		if (r == LZMA_STREAM_END)
			st = STEP_END;
		else if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
			k->msg = lzma_msg(r);
			st = STEP_ERR;
		}
		break;
	}
	case COMPRESSION_ZSTD: {
		ZSTD_inBuffer ib = { *in, *in_left, 0 };
		ZSTD_outBuffer ob = { *out, *out_left, 0 };
		size_t r = ZSTD_decompressStream(k->u.zs, &ob, &ib);

		used_in = ib.pos;
		used_out = ob.pos;
		if (ZSTD_isError(r)) {
			k->msg = ZSTD_getErrorName(r);
			st = STEP_ERR;
		} else if (r == 0) {
			st = STEP_END;
		}
		break;
	}
	case COMPRESSION_LZ4: {
		size_t di = *in_left, dout = *out_left;
		size_t r = LZ4F_decompress(k->u.lf, *out, &dout, *in, &di, NULL);

		used_in = di;
		used_out = dout;
		if (LZ4F_isError(r)) {
			k->msg = LZ4F_getErrorName(r);
			st = STEP_ERR;
		} else if (r == 0) {
			st = STEP_END;
		}
		break;
	}
	default:
		k->msg = "no decoder";
		st = STEP_ERR;
		break;
	}
	*in += used_in;
	*in_left -= used_in;
	*out += used_out;
	*out_left -= used_out;
	return st;
}

static int stream_decompress(struct out *o, enum compression c, const uint8_t *buf,
			     size_t len)
{
	struct codec k = { .c = c };
	const uint8_t *in = buf;
	size_t in_left = len;
	int ret = LOADER_OK;

	if (codec_init(&k))
		return loader_fail(o->err, LOADER_E_NOMEM, o->field, "cannot set up the decoder");
	for (;;) {
		uint8_t scratch, *op;
		size_t ol, room, before_in = in_left;
		enum step st;
		bool probe = false;

		if (o->len == o->cap) {
			if (o->cap >= o->max) {
				/* Full: the stream must end without one more byte. */
				probe = true;
			} else {
				ret = out_grow(o, OUT_MIN);
				if (ret)
					break;
			}
		}
		op = probe ? &scratch : o->p + o->len;
		room = ol = probe ? 1 : o->cap - o->len;
		st = codec_run(&k, &in, &in_left, &op, &ol);
		if (probe && ol == 0) {
			ret = too_large(o);
			break;
		}
		if (!probe)
			o->len += room - ol;
		if (st == STEP_END)
			break;
		if (st == STEP_ERR) {
			ret = loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					  "corrupt stream at input offset %zu: %s",
					  len - in_left, k.msg);
			break;
		}
		if (in_left == before_in && ol == room) {
			/* Neither input used nor output made: cut short or stuck. */
			ret = loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					  in_left ? "decoder stuck at input offset %zu (%zu decompressed)" :
					  "stream ends early after %zu input bytes (%zu decompressed)",
					  len - in_left, o->len);
			break;
		}
	}
	codec_end(&k);
	if (ret)
		return ret;
	return check_trailer(o, in, in_left);
}

/* ---- lz4 legacy (lz4 -l), as the kernel is built --------------------------- */

static int lz4_legacy_decompress(struct out *o, const uint8_t *buf, size_t len)
{
	size_t pos = 4, nblock = 0;
	const size_t bound = (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK);

	while (pos < len) {
		size_t left = len - pos, csize, room;
		int r;

		if (left == SIZE_TRAILER && nblock)
			return check_trailer(o, buf + pos, left);
		if (left < 4)
			return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					   "%zu stray bytes at input offset %zu", left, pos);
		csize = get_le32(buf + pos);
		pos += 4;
		if (csize == LZ4_LEGACY_MAGIC)		/* concatenated streams */
			continue;
		if (!csize || csize > bound)
			return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					   "block %zu at input offset %zu has invalid size %zu",
					   nblock, pos - 4, csize);
		if (csize > len - pos)
			return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					   "block %zu of %zu bytes runs past the end of the "
					   "input (%zu left)", nblock, csize, len - pos);
		for (;;) {
			room = o->cap - o->len;
			if (room > LZ4_LEGACY_BLOCK)
				room = LZ4_LEGACY_BLOCK;
			r = room ? LZ4_decompress_safe((const char *)buf + pos,
						       (char *)o->p + o->len, (int)csize,
						       (int)room) : -1;
			if (r >= 0)
				break;
			if (room < LZ4_LEGACY_BLOCK && o->cap < o->max) {
				int ret = out_grow(o, LZ4_LEGACY_BLOCK);

				if (ret)
					return ret;
				continue;
			}
			if (room < LZ4_LEGACY_BLOCK) {
				/* At the limit: too big, or corrupt? Decode aside to tell. */
				char *tmp = malloc(LZ4_LEGACY_BLOCK);
				int t;

				if (!tmp)
					return loader_fail(o->err, LOADER_E_NOMEM, o->field,
							   "cannot allocate a block buffer");
				t = LZ4_decompress_safe((const char *)buf + pos, tmp, (int)csize,
							LZ4_LEGACY_BLOCK);
				free(tmp);
				if (t >= 0)
					return too_large(o);
			}
			return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					   "block %zu at input offset %zu is corrupt",
					   nblock, pos - 4);
		}
		o->len += (size_t)r;
		pos += csize;
		nblock++;
	}
	return LOADER_OK;
}

/* ---- lzop container (the kernel's "lzop -9" payload) ----------------------- */

#define LZOP_F_ADLER32_D	0x0001u
#define LZOP_F_ADLER32_C	0x0002u
#define LZOP_F_H_EXTRA_FIELD	0x0040u
#define LZOP_F_CRC32_D		0x0100u
#define LZOP_F_CRC32_C		0x0200u
#define LZOP_F_H_FILTER		0x0800u
#define LZOP_F_H_CRC32		0x1000u
#define LZOP_VERSION_NEW	0x0940
#define LZOP_BLOCK_MAX		(64u << 20)

struct rd {
	const uint8_t *buf;
	size_t len, pos;
};

static bool rd_take(struct rd *r, size_t n, const uint8_t **p)
{
	if (n > r->len - r->pos)
		return false;
	*p = r->buf + r->pos;
	r->pos += n;
	return true;
}

static bool rd_be32(struct rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (!rd_take(r, 4, &p))
		return false;
	*v = get_be32(p);
	return true;
}

static int lzop_short(struct out *o, const char *what, size_t pos)
{
	return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
			   "lzop %s cut short at input offset %zu", what, pos);
}

static int lzop_decompress(struct out *o, const uint8_t *buf, size_t len)
{
	struct rd r = { buf, len, 0 };
	const uint8_t *p, *hstart;
	uint16_t version;
	uint32_t flags, hsum, want, v;
	unsigned method;
	size_t nblock = 0;

	if (lzo_init() != LZO_E_OK)
		return loader_fail(o->err, LOADER_E_COMPRESSION, o->field, "lzo_init failed");
	if (!rd_take(&r, sizeof(lzop_magic), &p) || memcmp(p, lzop_magic, sizeof(lzop_magic)))
		return loader_fail(o->err, LOADER_E_COMPRESSION, o->field, "bad lzop magic");
	hstart = buf + r.pos;
	if (!rd_take(&r, 4, &p))
		return lzop_short(o, "header", r.pos);
	version = get_be16(p);
	if (version >= LZOP_VERSION_NEW && !rd_take(&r, 2, &p))	/* version needed */
		return lzop_short(o, "header", r.pos);
	if (!rd_take(&r, 1, &p))
		return lzop_short(o, "header", r.pos);
	method = p[0];
	if (method < 1 || method > 3)	/* M_LZO1X_1, M_LZO1X_1_15, M_LZO1X_999 */
		return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
				   "lzop method %u is not LZO1X", method);
	if (version >= LZOP_VERSION_NEW && !rd_take(&r, 1, &p))	/* level */
		return lzop_short(o, "header", r.pos);
	if (!rd_be32(&r, &flags))
		return lzop_short(o, "header", r.pos);
	if ((flags & LZOP_F_H_FILTER) && !rd_be32(&r, &v))
		return lzop_short(o, "header", r.pos);
	if (!rd_take(&r, 8, &p))				/* mode, mtime_low */
		return lzop_short(o, "header", r.pos);
	if (version >= LZOP_VERSION_NEW && !rd_take(&r, 4, &p))	/* mtime_high */
		return lzop_short(o, "header", r.pos);
	if (!rd_take(&r, 1, &p) || !rd_take(&r, p[0], &p))	/* file name */
		return lzop_short(o, "header", r.pos);
	hsum = (flags & LZOP_F_H_CRC32) ?
	       lzo_crc32(0, hstart, (lzo_uint)(buf + r.pos - hstart)) :
	       lzo_adler32(1, hstart, (lzo_uint)(buf + r.pos - hstart));
	if (!rd_be32(&r, &want))
		return lzop_short(o, "header", r.pos);
	if (want != hsum)
		return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
				   "lzop header checksum 0x%08x, computed 0x%08x", want, hsum);
	if (flags & LZOP_F_H_EXTRA_FIELD) {
		if (!rd_be32(&r, &v) || !rd_take(&r, v, &p) || !rd_take(&r, 4, &p))
			return lzop_short(o, "extra field", r.pos);
	}

	for (;;) {
		uint32_t dst_len, src_len, dsum = 0;
		bool has_dsum = false;
		lzo_uint got;
		size_t bpos = r.pos;

		if (!rd_be32(&r, &dst_len))
			return lzop_short(o, "block header", r.pos);
		if (!dst_len)
			break;
		if (!rd_be32(&r, &src_len))
			return lzop_short(o, "block header", r.pos);
		if (flags & (LZOP_F_ADLER32_D | LZOP_F_CRC32_D)) {
			/* Both flags mean two sums; verify the first (adler32). */
			if (!rd_be32(&r, &dsum))
				return lzop_short(o, "block header", r.pos);
			has_dsum = true;
			if ((flags & LZOP_F_ADLER32_D) && (flags & LZOP_F_CRC32_D) &&
			    !rd_be32(&r, &v))
				return lzop_short(o, "block header", r.pos);
		}
		if (src_len < dst_len) {
			if ((flags & LZOP_F_ADLER32_C) && !rd_be32(&r, &v))
				return lzop_short(o, "block header", r.pos);
			if ((flags & LZOP_F_CRC32_C) && !rd_be32(&r, &v))
				return lzop_short(o, "block header", r.pos);
		}
		if (dst_len > LZOP_BLOCK_MAX || src_len > dst_len || !src_len)
			return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
					   "lzop block %zu at input offset %zu: sizes %u -> %u "
					   "are invalid", nblock, bpos, src_len, dst_len);
		if (!rd_take(&r, src_len, &p))
			return lzop_short(o, "block", r.pos);
		if (dst_len > o->max - o->len)
			return too_large(o);
		if (dst_len > o->cap - o->len) {
			int ret = out_grow(o, dst_len);

			if (ret)
				return ret;
		}
		if (src_len == dst_len) {
			memcpy(o->p + o->len, p, dst_len);
		} else {
			got = dst_len;
			if (lzo1x_decompress_safe(p, src_len, o->p + o->len, &got, NULL) != LZO_E_OK ||
			    got != dst_len)
				return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
						   "lzop block %zu at input offset %zu is corrupt",
						   nblock, bpos);
		}
		if (has_dsum) {
			uint32_t sum = (flags & LZOP_F_ADLER32_D) ?
				       lzo_adler32(1, o->p + o->len, dst_len) :
				       lzo_crc32(0, o->p + o->len, dst_len);
			if (sum != dsum)
				return loader_fail(o->err, LOADER_E_COMPRESSION, o->field,
						   "lzop block %zu: checksum 0x%08x, computed 0x%08x",
						   nblock, dsum, sum);
		}
		o->len += dst_len;
		nblock++;
	}
	return check_trailer(o, buf + r.pos, len - r.pos);
}

/* ---- entry point ------------------------------------------------------------ */

int decompress(enum compression c, const uint8_t *buf, size_t len, size_t max_out,
	       uint8_t **out, size_t *out_len, struct loader_err *err)
{
	struct out o = { .max = max_out, .field = "payload", .err = err };
	size_t first;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (!buf || !len)
		return loader_fail(err, LOADER_E_COMPRESSION, "payload", "empty %s stream",
				   compression_name(c));
	if (c == COMPRESSION_NONE || (unsigned)c > COMPRESSION_ZSTD)
		return loader_fail(err, LOADER_E_COMPRESSION, "payload",
				   "no compression format recognised");
	if (compression_detect(buf, len) != c)
		return loader_fail(err, LOADER_E_COMPRESSION, "payload",
				   "data does not start with the %s magic", compression_name(c));

	/* First guess: the appended size when plausible, else a few times the input. */
	first = len > SIZE_MAX / 4 ? SIZE_MAX : len * 4;
	if (first < OUT_MIN)
		first = OUT_MIN;
	if (len >= 8 && get_le32(buf + len - 4) && get_le32(buf + len - 4) <= max_out)
		first = get_le32(buf + len - 4);
	/* Until output arrives, believe no more than a generous ratio of the input. */
	if (len < (SIZE_MAX - OUT_MIN) / HINT_RATIO && first > HINT_RATIO * len + OUT_MIN)
		first = HINT_RATIO * len + OUT_MIN;
	if (c != COMPRESSION_LZ4 || get_le32(buf) != LZ4_LEGACY_MAGIC)
		first = first > SIZE_MAX - 4096 ? SIZE_MAX : first + 4096;	/* room to see the end */
	ret = out_resize(&o, first);
	if (ret)
		return ret;

	if (c == COMPRESSION_LZ4 && get_le32(buf) == LZ4_LEGACY_MAGIC)
		ret = lz4_legacy_decompress(&o, buf, len);
	else if (c == COMPRESSION_LZO)
		ret = lzop_decompress(&o, buf, len);
	else
		ret = stream_decompress(&o, c, buf, len);
	if (ret) {
		free(o.p);
		return ret;
	}
	if (!o.p) {
		o.p = malloc(1);
		if (!o.p)
			return loader_fail(err, LOADER_E_NOMEM, "payload", "cannot allocate");
	}
	*out = o.p;
	*out_len = o.len;
	return LOADER_OK;
}
