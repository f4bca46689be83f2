/*
 * bringup-inspect on Debian's real cloud kernel ($BRINGUP_ASSETS/vmlinuz, from
 * tests/assets/fetch-kernel): every answer must agree with the header bytes
 * this test reads from the file itself, the payload compression with the
 * payload's magic, and the PVH entry with the Xen note of the ELF that the
 * `lz4` command decompresses from the payload.
 */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/common/harness.h"

#define INSPECT_TIMEOUT_S	60

/* Setup header offsets (Documentation/arch/x86/boot.rst). */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_HEADER_MAGIC	0x202	/* "HdrS" */
#define HDR_VERSION		0x206
#define HDR_LOADFLAGS		0x211
#define HDR_CODE32_START	0x214
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PAYLOAD_OFFSET	0x248
#define HDR_PAYLOAD_LENGTH	0x24c
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END			0x264

#define XLF_KERNEL_64		(1u << 0)
#define ENTRY64_OFFSET		0x200

/* ELF note of the PVH entry: name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PT_NOTE_TYPE		4

struct kernel {
	uint8_t *buf;
	size_t len;
};

static uint32_t get16(const uint8_t *p) { return p[0] | (uint32_t)p[1] << 8; }
static uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }
static uint64_t get64(const uint8_t *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static void kernel_load(struct kernel *k)
{
	const char *path = harness_asset_path("vmlinuz");

	k->buf = harness_read_file(path, &k->len);
	ck_assert_msg(k->buf, "cannot read %s: run `make assets` to fetch Debian's cloud kernel",
		      path);
	ck_assert_msg(k->len > HDR_END && !memcmp(k->buf + HDR_HEADER_MAGIC, "HdrS", 4),
		      "%s is no bzImage (no HdrS): run `make assets` again", path);
}

static unsigned int setup_sects(const struct kernel *k)
{
	unsigned int n = k->buf[HDR_SETUP_SECTS];

	return n ? n : 4;
}

/* Run bringup-inspect on the kernel; its stdout, with exit status 0. */
static void inspect_run(struct run_result *r)
{
	const char *prog = harness_build_path("bringup-inspect");
	char kernel[4096];

	snprintf(kernel, sizeof(kernel), "%s", harness_asset_path("vmlinuz"));
	ck_assert_msg(access(prog, X_OK) == 0, "%s is not built (run `make`)", prog);
	char *argv[] = { (char *)prog, kernel, NULL };
	ck_assert_int_eq(harness_run(argv, INSPECT_TIMEOUT_S, r), 0);
	ck_assert_msg(!r->timed_out, "bringup-inspect took over %d s", INSPECT_TIMEOUT_S);
	ck_assert_msg(r->status == 0, "bringup-inspect exited %d: %s", r->status, r->err);
}

/* The value of "key: value" at a line start, copied into buf; NULL if absent. */
static const char *value_of(const char *out, const char *key, char *buf, size_t len)
{
	size_t n = strlen(key);

	for (const char *p = out; (p = strstr(p, key)); p++) {
		if ((p != out && p[-1] != '\n') || p[n] != ':' || p[n + 1] != ' ')
			continue;
		p += n + 2;
		size_t v = strcspn(p, "\r\n");
		while (v && p[v - 1] == ' ')
			v--;
		snprintf(buf, len, "%.*s", (int)v, p);
		return buf;
	}
	return NULL;
}

static void expect_value(const char *out, const char *key, const char *want)
{
	char got[256];

	ck_assert_msg(value_of(out, key, got, sizeof(got)),
		      "bringup-inspect prints no '%s: ' line; it printed:\n%s", key, out);
	ck_assert_msg(!strcmp(got, want), "%s: bringup-inspect says '%s', the file says '%s'",
		      key, got, want);
}

/* Name of the compression whose magic starts the payload, NULL if none known. */
static const char *compression_by_magic(const uint8_t *p, size_t len)
{
	static const struct {
		const char *name;
		const char *magic;
		size_t len;
	} magics[] = {
		{ "gzip", "\x1f\x8b", 2 },
		{ "bzip2", "BZh", 3 },
		{ "lzma", "\x5d\x00\x00", 3 },
		{ "xz", "\xfd" "7zXZ\x00", 6 },
		{ "lzo", "\x89LZO", 4 },
		{ "lz4", "\x02\x21\x4c\x18", 4 },	/* legacy frame, as the kernel writes */
		{ "zstd", "\x28\xb5\x2f\xfd", 4 },
	};

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len && !memcmp(p, magics[i].magic, magics[i].len))
			return magics[i].name;
	return NULL;
}

/* The payload's bounds in the file, checked. */
static void payload_bounds(const struct kernel *k, size_t *off, size_t *len)
{
	*off = (size_t)(setup_sects(k) + 1) * 512 + get32(k->buf + HDR_PAYLOAD_OFFSET);
	*len = get32(k->buf + HDR_PAYLOAD_LENGTH);
	ck_assert_msg(*len > 8 && *off < k->len && *len <= k->len - *off,
		      "payload [0x%zx, +%zu) is outside the %zu-byte file", *off, *len, k->len);
}

START_TEST(header_fields_agree)
{
	struct kernel k;
	struct run_result r;
	char want[64];
	const uint8_t *h;

	kernel_load(&k);
	h = k.buf;
	inspect_run(&r);

	expect_value(r.out, "format", "bzImage");
	snprintf(want, sizeof(want), "%u.%02u", get16(h + HDR_VERSION) >> 8,
		 get16(h + HDR_VERSION) & 0xff);
	expect_value(r.out, "protocol", want);
	snprintf(want, sizeof(want), "%u", setup_sects(&k));
	expect_value(r.out, "setup_sects", want);
	snprintf(want, sizeof(want), "0x%02x", h[HDR_LOADFLAGS]);
	expect_value(r.out, "loadflags", want);
	snprintf(want, sizeof(want), "0x%02x", get16(h + HDR_XLOADFLAGS));
	expect_value(r.out, "xloadflags", want);
	snprintf(want, sizeof(want), "0x%08x", get32(h + HDR_CODE32_START));
	expect_value(r.out, "code32_start", want);
	if (get16(h + HDR_XLOADFLAGS) & XLF_KERNEL_64)
		snprintf(want, sizeof(want), "0x%08x", get32(h + HDR_CODE32_START) + ENTRY64_OFFSET);
	else
		snprintf(want, sizeof(want), "none");
	expect_value(r.out, "entry64", want);
	snprintf(want, sizeof(want), "0x%08x", get32(h + HDR_KERNEL_ALIGNMENT));
	expect_value(r.out, "kernel_alignment", want);
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)get64(h + HDR_PREF_ADDRESS));
	expect_value(r.out, "pref_address", want);
	snprintf(want, sizeof(want), "0x%08x", get32(h + HDR_INIT_SIZE));
	expect_value(r.out, "init_size", want);
	snprintf(want, sizeof(want), "%u", get32(h + HDR_CMDLINE_SIZE));
	expect_value(r.out, "cmdline_size", want);
	snprintf(want, sizeof(want), "0x%08x", get32(h + HDR_INITRD_ADDR_MAX));
	expect_value(r.out, "initrd_addr_max", want);
	snprintf(want, sizeof(want), "0x%08x", get32(h + HDR_PAYLOAD_OFFSET));
	expect_value(r.out, "payload_offset", want);
	snprintf(want, sizeof(want), "%u", get32(h + HDR_PAYLOAD_LENGTH));
	expect_value(r.out, "payload_length", want);

	/* Debian's x86-64 kernel is protocol >= 2.12 and has the 64-bit entry. */
	ck_assert_uint_ge(get16(h + HDR_VERSION), 0x20c);
	ck_assert_uint_ne(get16(h + HDR_XLOADFLAGS) & XLF_KERNEL_64, 0);
	harness_free(&r);
	free(k.buf);
}
END_TEST

START_TEST(payload_compression_agrees_with_magic)
{
	struct kernel k;
	struct run_result r;
	size_t off, len;

	kernel_load(&k);
	payload_bounds(&k, &off, &len);
	const char *name = compression_by_magic(k.buf + off, len);
	ck_assert_msg(name, "payload at 0x%zx starts %02x %02x %02x %02x: no known magic",
		      off, k.buf[off], k.buf[off + 1], k.buf[off + 2], k.buf[off + 3]);
	inspect_run(&r);
	expect_value(r.out, "payload_compression", name);
	harness_free(&r);
	free(k.buf);
}
END_TEST

/* The PVH entry in the ELF's notes; 0 if there is none. */
static uint64_t elf_pvh_entry(const uint8_t *e, size_t len)
{
	ck_assert_msg(len >= 64 && !memcmp(e, "\x7f" "ELF", 4) && e[4] == 2 && e[5] == 1,
		      "the decompressed payload is no little-endian ELF64");
	uint64_t phoff = get64(e + 32);
	uint32_t phentsize = get16(e + 54), phnum = get16(e + 56);

	ck_assert_uint_ge(phentsize, 56);
	ck_assert_msg(phoff < len && (uint64_t)phnum * phentsize <= len - phoff,
		      "program headers outside the ELF");
	for (uint32_t i = 0; i < phnum; i++) {
		const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
		uint64_t off = get64(ph + 8), size = get64(ph + 32);

		if (get32(ph) != PT_NOTE_TYPE)
			continue;
		ck_assert_msg(off < len && size <= len - off, "PT_NOTE outside the ELF");
		for (uint64_t p = off; p + 12 <= off + size;) {
			uint32_t namesz = get32(e + p), descsz = get32(e + p + 4);
			uint32_t type = get32(e + p + 8);
			uint64_t name = p + 12, desc = name + ((namesz + 3ull) & ~3ull);
			uint64_t next = desc + ((descsz + 3ull) & ~3ull);

			if (next > off + size)
				break;
			if (type == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
			    !memcmp(e + name, "Xen", 4)) {
				ck_assert_msg(descsz == 4 || descsz == 8,
					      "PVH note descriptor of %u bytes", descsz);
				return descsz == 4 ? get32(e + desc) : get64(e + desc);
			}
			p = next;
		}
	}
	return 0;
}

START_TEST(elf_and_pvh_entry_agree)
{
	struct kernel k;
	struct run_result r;
	char got[256], want[64];
	size_t off, len;

	kernel_load(&k);
	inspect_run(&r);
	expect_value(r.out, "elf", "ELF64");
	ck_assert_msg(value_of(r.out, "pvh_entry", got, sizeof(got)),
		      "bringup-inspect prints no 'pvh_entry: ' line");
	ck_assert_msg(strcmp(got, "none"), "bringup-inspect finds no PVH entry in Debian's kernel");

	/* Cross-check with the lz4 command's own decompression of the payload. */
	payload_bounds(&k, &off, &len);
	const char *comp = compression_by_magic(k.buf + off, len);
	struct run_result t;
	char *which[] = { "lz4", "--version", NULL };
	bool is_lz4 = comp && !strcmp(comp, "lz4"), have_lz4 = false;
	if (is_lz4) {
		have_lz4 = harness_run(which, 10, &t) == 0 && t.status == 0;
		harness_free(&t);
	}
	if (!have_lz4) {
		harness_skip("elf_and_pvh_entry_agree", is_lz4 ?
			     "no lz4 command (apt-get install lz4); PVH value not cross-checked" :
			     "payload is not lz4; PVH value not cross-checked");
		harness_free(&r);
		free(k.buf);
		return;
	}
	/* The kernel's build appends the decompressed size (le32) after the lz4 stream. */
	uint32_t size = get32(k.buf + off + len - 4);
	char *in = harness_write_temp(k.buf + off, len - 4, ".lz4");
	char *outp = harness_write_temp("", 0, ".elf");
	char *argv[] = { "sh", "-c", "lz4 -dcq \"$1\" > \"$2\"", "sh", in, outp, NULL };
	ck_assert_int_eq(harness_run(argv, INSPECT_TIMEOUT_S, &t), 0);
	ck_assert_msg(t.status == 0, "lz4 -d of the payload failed: %s", t.err);
	harness_free(&t);
	size_t elf_len;
	uint8_t *elf = harness_read_file(outp, &elf_len);
	unlink(in);
	unlink(outp);
	free(in);
	free(outp);
	ck_assert_msg(elf, "cannot read the decompressed payload");
	ck_assert_uint_eq(elf_len, size);
	uint64_t entry = elf_pvh_entry(elf, elf_len);
	ck_assert_msg(entry, "the decompressed ELF has no Xen PHYS32_ENTRY note");
	snprintf(want, sizeof(want), "0x%08llx", (unsigned long long)entry);
	expect_value(r.out, "pvh_entry", want);
	free(elf);
	harness_free(&r);
	free(k.buf);
}
END_TEST

Suite *loader_realkernel_suite(void)
{
	Suite *s = suite_create("loader_realkernel");
	TCase *tc = tcase_create("realkernel");

	tcase_add_test(tc, header_fields_agree);
	tcase_add_test(tc, payload_compression_agrees_with_magic);
	tcase_add_test(tc, elf_and_pvh_entry_agree);
	/* Each test runs bringup-inspect (a 50 MB decompression), under ASan too. */
	tcase_set_timeout(tc, 2 * INSPECT_TIMEOUT_S + 30);
	suite_add_tcase(s, tc);
	return s;
}
