/*
 * Test fixtures for the bzImage suites: a small synthetic vmlinux (ELF64 with
 * a PVH note), compressed at test time by each Debian library the way Linux's
 * build does it (plus the appended 4-byte size), wrapped in a setup header of
 * any boot protocol version.
 */
#ifndef TESTS_UNIT_LOADER_BZ_FIXTURE_H
#define TESTS_UNIT_LOADER_BZ_FIXTURE_H

#include <bzlib.h>
#include <check.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "loader/loader.h"

#define FX_ELF_PADDR	0x1000000ull
#define FX_ELF_PVH	0x1000100u
#define FX_ELF_FILESZ	0x3000u
#define FX_ELF_MEMSZ	0x5000u
#define FX_ELF_DATAOFF	0x1000u
#define FX_KERNEL_PREFIX 0x200u		/* bytes of "startup code" before the payload */

struct fx_buf {
	uint8_t *p;
	size_t len;
};

static inline void fx_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void fx_put32(uint8_t *p, uint32_t v) { fx_put16(p, (uint16_t)v); fx_put16(p + 2, (uint16_t)(v >> 16)); }
static inline void fx_put64(uint8_t *p, uint64_t v) { fx_put32(p, (uint32_t)v); fx_put32(p + 4, (uint32_t)(v >> 32)); }
static inline uint16_t fx_get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t fx_get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static inline uint64_t fx_get64(const uint8_t *p) { return fx_get32(p) | (uint64_t)fx_get32(p + 4) << 32; }

static inline void fx_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * ELF64 x86-64 executable: PT_LOAD [paddr 0x1000000, filesz 0x3000, memsz
 * 0x5000) from file offset 0x1000, and a PT_NOTE with Xen's PHYS32_ENTRY
 * (or, without pvh, an unrelated Xen note). Data is a fixed pattern.
 */
static inline struct fx_buf fx_make_elf(bool pvh)
{
	struct fx_buf b;
	uint8_t *e, *ph, *note;
	size_t i;

	b.len = FX_ELF_DATAOFF + FX_ELF_FILESZ;
	b.p = calloc(1, b.len);
	ck_assert_ptr_nonnull(b.p);
	e = b.p;
	memcpy(e, "\177ELF", 4);
	e[4] = 2; e[5] = 1; e[6] = 1;			/* ELF64, LSB, version 1 */
	fx_put16(e + 16, 2);				/* ET_EXEC */
	fx_put16(e + 18, 62);				/* EM_X86_64 */
	fx_put32(e + 20, 1);
	fx_put64(e + 24, FX_ELF_PADDR);			/* e_entry */
	fx_put64(e + 32, 64);				/* e_phoff */
	fx_put16(e + 52, 64);				/* e_ehsize */
	fx_put16(e + 54, 56);				/* e_phentsize */
	fx_put16(e + 56, 2);				/* e_phnum */

	ph = e + 64;					/* PT_LOAD */
	fx_put32(ph, 1);
	fx_put32(ph + 4, 5);
	fx_put64(ph + 8, FX_ELF_DATAOFF);
	fx_put64(ph + 16, 0xffffffff81000000ull);	/* p_vaddr */
	fx_put64(ph + 24, FX_ELF_PADDR);
	fx_put64(ph + 32, FX_ELF_FILESZ);
	fx_put64(ph + 40, FX_ELF_MEMSZ);
	fx_put64(ph + 48, 0x1000);

	note = e + 0x200;
	ph += 56;					/* PT_NOTE */
	fx_put32(ph, 4);
	fx_put64(ph + 8, 0x200);
	fx_put64(ph + 32, 20);
	fx_put64(ph + 40, 20);
	fx_put64(ph + 48, 4);
	fx_put32(note, 4);				/* namesz "Xen\0" */
	fx_put32(note + 4, 4);				/* descsz */
	fx_put32(note + 8, pvh ? 18 : 6);		/* PHYS32_ENTRY or GUEST_OS */
	memcpy(note + 12, "Xen", 4);
	fx_put32(note + 16, FX_ELF_PVH);

	for (i = 0; i < FX_ELF_FILESZ; i++)
		e[FX_ELF_DATAOFF + i] = (uint8_t)(i * 7 + (i >> 8));
	return b;
}

static inline void fx_append_size(struct fx_buf *b, size_t raw_len)
{
	b->p = realloc(b->p, b->len + 4);
	ck_assert_ptr_nonnull(b->p);
	fx_put32(b->p + b->len, (uint32_t)raw_len);
	b->len += 4;
}

/* lzop container, as "lzop -9" writes it (version 0x1040, adler32 of the data). */
static inline struct fx_buf fx_lzop(const uint8_t *in, size_t len)
{
	static const uint8_t magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };
	const size_t block = 256 * 1024;
	uint8_t *wrk = malloc(LZO1X_1_MEM_COMPRESS), *p, *h;
	size_t cap = len + len / 16 + 1024 + 64 * (len / block + 1), off;
	struct fx_buf b;

	ck_assert_int_eq(lzo_init(), LZO_E_OK);
	b.p = p = malloc(cap);
	ck_assert_ptr_nonnull(wrk);
	ck_assert_ptr_nonnull(p);
	memcpy(p, magic, 9);
	h = p + 9;
	fx_put16(h, 0x1040); h[0] = 0x10; h[1] = 0x40;	/* version, big endian */
	h[2] = 0x20; h[3] = 0xa0;			/* lib version */
	h[4] = 0x09; h[5] = 0x40;			/* version needed */
	h[6] = 1;					/* method M_LZO1X_1 */
	h[7] = 5;					/* level */
	fx_put_be32(h + 8, 0x1);			/* flags: F_ADLER32_D */
	fx_put_be32(h + 12, 0x81a4);			/* mode */
	fx_put_be32(h + 16, 0);				/* mtime low */
	fx_put_be32(h + 20, 0);				/* mtime high */
	h[24] = 0;					/* no name */
	fx_put_be32(h + 25, lzo_adler32(1, h, 25));
	off = 9 + 29;
	for (size_t at = 0; at < len; at += block) {
		size_t n = len - at < block ? len - at : block;
		lzo_uint clen = 0;
		uint8_t *hdr = p + off;

		ck_assert_int_eq(lzo1x_1_compress(in + at, n, hdr + 12, &clen, wrk), LZO_E_OK);
		if (clen >= n) {
			memcpy(hdr + 12, in + at, n);
			clen = n;
		}
		fx_put_be32(hdr, (uint32_t)n);
		fx_put_be32(hdr + 4, (uint32_t)clen);
		fx_put_be32(hdr + 8, lzo_adler32(1, in + at, n));
		off += 12 + clen;
	}
	fx_put_be32(p + off, 0);			/* end marker */
	b.len = off + 4;
	free(wrk);
	return b;
}

/* Legacy lz4 (lz4 -l): magic, then 8 MiB blocks each with a 4-byte size. */
static inline struct fx_buf fx_lz4_legacy(const uint8_t *in, size_t len)
{
	const size_t block = 8u << 20;
	size_t cap = 4 + (len / block + 1) * (4 + (size_t)LZ4_compressBound((int)block)), off = 4;
	struct fx_buf b;

	b.p = malloc(cap);
	ck_assert_ptr_nonnull(b.p);
	fx_put32(b.p, 0x184c2102);
	for (size_t at = 0; at < len; at += block) {
		size_t n = len - at < block ? len - at : block;
		int c = LZ4_compress_default((const char *)in + at, (char *)b.p + off + 4, (int)n,
					     LZ4_compressBound((int)block));

		ck_assert_int_gt(c, 0);
		fx_put32(b.p + off, (uint32_t)c);
		off += 4 + (size_t)c;
	}
	b.len = off;
	return b;
}

/* Compress like Linux's build: the stream, then (if asked) the 4-byte size. */
static inline struct fx_buf fx_compress(enum compression c, const uint8_t *in, size_t len,
					bool lz4_frame, bool append_size)
{
	struct fx_buf b = { NULL, 0 };

	switch (c) {
	case COMPRESSION_GZIP: {
		z_stream z = { 0 };

		ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
		b.p = malloc(deflateBound(&z, len) + 64);
		z.next_in = (Bytef *)in;
		z.avail_in = (uInt)len;
		z.next_out = b.p;
		z.avail_out = (uInt)deflateBound(&z, len) + 64;
		ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
		b.len = z.total_out;
		deflateEnd(&z);
		break;
	}
	case COMPRESSION_BZIP2: {
		unsigned int out = (unsigned int)(len + len / 100 + 1024);

		b.p = malloc(out);
		ck_assert_int_eq(BZ2_bzBuffToBuffCompress((char *)b.p, &out, (char *)in,
							  (unsigned int)len, 9, 0, 0), BZ_OK);
		b.len = out;
		break;
	}
	case COMPRESSION_XZ: {
		size_t cap = lzma_stream_buffer_bound(len), pos = 0;

		b.p = malloc(cap);
		ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, b.p,
							 &pos, cap), LZMA_OK);
		b.len = pos;
		break;
	}
	case COMPRESSION_LZMA: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;
		size_t cap = len + len / 2 + 4096;

		ck_assert(!lzma_lzma_preset(&opt, 6));
		ck_assert_int_eq(lzma_alone_encoder(&s, &opt), LZMA_OK);
		b.p = malloc(cap);
		s.next_in = in;
		s.avail_in = len;
		s.next_out = b.p;
		s.avail_out = cap;
		ck_assert_int_eq(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
		b.len = cap - s.avail_out;
		lzma_end(&s);
		break;
	}
	case COMPRESSION_LZO:
		b = fx_lzop(in, len);
		break;
	case COMPRESSION_LZ4:
		if (lz4_frame) {
			size_t cap = LZ4F_compressFrameBound(len, NULL);

			b.p = malloc(cap);
			b.len = LZ4F_compressFrame(b.p, cap, in, len, NULL);
			ck_assert(!LZ4F_isError(b.len));
		} else {
			b = fx_lz4_legacy(in, len);
		}
		break;
	case COMPRESSION_ZSTD: {
		size_t cap = ZSTD_compressBound(len);

		b.p = malloc(cap);
		b.len = ZSTD_compress(b.p, cap, in, len, 19);
		ck_assert(!ZSTD_isError(b.len));
		break;
	}
	default:
		ck_abort_msg("no compressor for %d", c);
	}
	ck_assert_ptr_nonnull(b.p);
	if (append_size)
		fx_append_size(&b, len);
	return b;
}

/* What goes into a synthetic bzImage header. */
struct fx_bz {
	uint16_t protocol;
	uint8_t setup_sects;		/* as written in the header (0 means 4) */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t code32_start;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable;
	uint8_t min_alignment;
	uint32_t cmdline_size;
	uint64_t pref_address;
	uint32_t init_size;
	const uint8_t *payload;
	size_t payload_len;
	const char *version;
	bool fill_ff;			/* fill every unset header byte with 0xff */
};

/* Defaults of a modern x86-64 kernel, protocol 2.15. */
static inline struct fx_bz fx_bz_default(void)
{
	return (struct fx_bz){
		.protocol = 0x020f, .setup_sects = 7, .loadflags = BZ_LOADED_HIGH,
		.xloadflags = 0x7f, .code32_start = 0x100000, .initrd_addr_max = 0x7fffffff,
		.kernel_alignment = 0x200000, .relocatable = 1, .min_alignment = 21,
		.cmdline_size = 2047, .pref_address = 0x1000000, .init_size = 0x400000,
		.version = "6.1.0-test (fixture) #1 SMP",
	};
}

/* End of the fields the protocol defines, for the jump at 0x200. */
static inline size_t fx_header_end(uint16_t protocol)
{
	if (protocol >= 0x020f) return 0x26c;
	if (protocol >= 0x020b) return 0x268;
	if (protocol >= 0x020a) return 0x264;
	if (protocol >= 0x0209) return 0x258;
	if (protocol >= 0x0208) return 0x250;
	if (protocol >= 0x0207) return 0x248;
	if (protocol >= 0x0206) return 0x23c;
	if (protocol >= 0x0205) return 0x235;
	if (protocol >= 0x0203) return 0x230;
	if (protocol >= 0x0202) return 0x22c;
	if (protocol >= 0x0201) return 0x226;
	return 0x224;
}

/* The image: setup sectors, then FX_KERNEL_PREFIX bytes and the payload. */
static inline struct fx_buf fx_make_bzimage(const struct fx_bz *f)
{
	unsigned sects = f->setup_sects ? f->setup_sects : 4;
	size_t setup = ((size_t)sects + 1) * 512;
	size_t kernel = FX_KERNEL_PREFIX + f->payload_len + 0x40;
	size_t hend = fx_header_end(f->protocol);
	struct fx_buf b;
	uint8_t *h;

	b.len = setup + kernel;
	b.p = calloc(1, b.len);
	ck_assert_ptr_nonnull(b.p);
	h = b.p;
	if (f->fill_ff)
		memset(h + 0x1f1, 0xff, 0x290 - 0x1f1);
	h[BZ_SETUP_SECTS] = f->setup_sects;
	fx_put32(h + BZ_SYSSIZE, (uint32_t)(kernel / 16));
	fx_put16(h + BZ_BOOT_FLAG, 0xaa55);
	h[BZ_JUMP] = 0xeb;
	h[BZ_JUMP + 1] = (uint8_t)(hend - 0x202);
	memcpy(h + BZ_HDRS, "HdrS", 4);
	fx_put16(h + BZ_VERSION, f->protocol);
	fx_put16(h + BZ_KERNEL_VERSION, f->version ? 0x300 : 0);
	if (f->version)
		memcpy(h + 0x500, f->version, strlen(f->version) + 1);
	h[BZ_TYPE_OF_LOADER] = 0;
	h[BZ_LOADFLAGS] = f->loadflags;
	fx_put32(h + BZ_CODE32_START, f->code32_start);
	fx_put32(h + BZ_RAMDISK_IMAGE, 0);
	fx_put32(h + BZ_RAMDISK_SIZE, 0);
	if (f->protocol >= 0x0201)
		fx_put16(h + BZ_HEAP_END_PTR, 0);
	if (f->protocol >= 0x0202)
		fx_put32(h + BZ_CMD_LINE_PTR, 0);
	if (f->protocol >= 0x0203)
		fx_put32(h + BZ_INITRD_ADDR_MAX, f->initrd_addr_max);
	if (f->protocol >= 0x0205) {
		fx_put32(h + BZ_KERNEL_ALIGNMENT, f->kernel_alignment);
		h[BZ_RELOCATABLE] = f->relocatable;
	}
	if (f->protocol >= 0x0206)
		fx_put32(h + BZ_CMDLINE_SIZE, f->cmdline_size);
	if (f->protocol >= 0x0208) {
		fx_put32(h + BZ_PAYLOAD_OFFSET, FX_KERNEL_PREFIX);
		fx_put32(h + BZ_PAYLOAD_LENGTH, (uint32_t)f->payload_len);
	}
	if (f->protocol >= 0x0209)
		fx_put64(h + BZ_SETUP_DATA, 0);
	if (f->protocol >= 0x020a) {
		h[BZ_MIN_ALIGNMENT] = f->min_alignment;
		fx_put64(h + BZ_PREF_ADDRESS, f->pref_address);
		fx_put32(h + BZ_INIT_SIZE, f->init_size);
	}
	if (f->protocol >= 0x020b)
		fx_put32(h + BZ_HANDOVER_OFFSET, 0x190);
	if (f->protocol >= 0x020c)
		fx_put16(h + BZ_XLOADFLAGS, f->xloadflags);
	if (f->protocol >= 0x020f)
		fx_put32(h + BZ_KERNEL_INFO_OFFSET, 0);
	/* Some bytes of "code" at the kernel start, then the payload. */
	memset(h + setup, 0x90, FX_KERNEL_PREFIX);
	if (f->payload_len)
		memcpy(h + setup + FX_KERNEL_PREFIX, f->payload, f->payload_len);
	return b;
}

/* A complete good image: ELF compressed with c (lz4 legacy by default). */
static inline struct fx_buf fx_good_bzimage(enum compression c, struct fx_buf *elf_out)
{
	struct fx_buf elf = fx_make_elf(true);
	struct fx_buf pay = fx_compress(c, elf.p, elf.len, false, true);
	struct fx_bz f = fx_bz_default();
	struct fx_buf img;

	f.payload = pay.p;
	f.payload_len = pay.len;
	img = fx_make_bzimage(&f);
	free(pay.p);
	if (elf_out)
		*elf_out = elf;
	else
		free(elf.p);
	return img;
}

#endif
