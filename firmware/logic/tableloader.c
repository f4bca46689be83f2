/*
 * Interpreter of QEMU's etc/table-loader: 128-byte commands that allocate
 * fw_cfg files in guest memory, patch pointers between them, fix checksums
 * and write addresses back to fw_cfg. Every offset and name comes from the
 * host and is checked before it is used.
 */
#include "firmware/logic/fwlogic.h"

/* command layout: le32 command, then the union at offset 4 */
#define TL_OFF_CMD		0
#define TL_OFF_ARG		4

/* The blobs are written as they are allocated: only the counts need a start. */
void tl_init(struct tl_state *s, const struct tl_ops *ops, void *ctx)
{
	s->ops = ops;
	s->ctx = ctx;
	s->nr = 0;
	s->last = 0;
}

typedef u32 __attribute__((may_alias, aligned(1))) u32_ua;

/*
 * A blob's name against a command's 56-byte name field: a match is equality
 * through the blob's NUL (what follows the field's NUL does not matter).
 */
static bool name_eq_field(const struct tl_blob *b, const u8 *field)
{
	return mem_eq(b->name, field, b->name_len + 1u);
}

/* The same against a C string, never read past its NUL. */
static bool name_eq_str(const struct tl_blob *b, const char *name)
{
	for (u32 i = 0; i <= b->name_len; i++)
		if (b->name[i] != name[i])
			return false;
	return true;
}

const struct tl_blob *tl_find(const struct tl_state *s, const char *name)
{
	for (u32 i = 0; i < s->nr; i++)
		if (name_eq_str(&s->blob[i], name))
			return &s->blob[i];
	return NULL;
}

/* Length of a name field's string; 0 if empty or unterminated. */
static u32 name_len(const u8 *field)
{
	u32 n = (u32)str_nlen((const char *)field, TL_NAME_SIZE);

	return n == TL_NAME_SIZE ? 0 : n;
}

static bool size_ok(u8 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static u64 get_var(const u8 *p, u8 size)
{
	switch (size) {
	case 1: return p[0];
	case 2: return get_le16(p);
	case 4: return get_le32(p);
	default: return get_le64(p);
	}
}

static void put_var(u8 *p, u8 size, u64 v)
{
	switch (size) {
	case 1: p[0] = (u8)v; break;
	case 2: put_le16(p, (u16)v); break;
	case 4: put_le32(p, (u32)v); break;
	default: put_le64(p, v); break;
	}
}

static enum tl_err do_allocate(struct tl_state *s, const u8 *arg)
{
	u32 align = get_le32(arg + TL_NAME_SIZE), size, len = name_len(arg);
	u8 zone = arg[TL_NAME_SIZE + 4];
	struct tl_blob *b;

	if (!len)
		return TL_ERR_BAD_NAME;
	for (u32 i = 0; i < s->nr; i++)
		if (name_eq_field(&s->blob[i], arg))
			return TL_ERR_DUPLICATE;
	if (s->nr == TL_MAX_BLOBS)
		return TL_ERR_TOO_MANY;
	if (!align)
		align = 1;
	if (align & (align - 1))
		return TL_ERR_BAD_ALIGN;
	if (zone != TL_ZONE_HIGH && zone != TL_ZONE_FSEG)
		return TL_ERR_BAD_ZONE;
	b = &s->blob[s->nr];
	/* the name NUL-padded, for the callbacks and the word compares */
	memset(b->name, 0, TL_NAME_SIZE);
	memcpy(b->name, arg, len);
	b->name_len = (u8)len;
	if (s->ops->file_size(s->ctx, b->name, &size) < 0)
		return TL_ERR_NO_FILE;
	if (s->ops->alloc(s->ctx, size, align, zone, &b->ptr, &b->addr) < 0)
		return TL_ERR_NO_MEMORY;
	if (s->ops->load(s->ctx, b->name, b->ptr, size) < 0)
		return TL_ERR_LOAD;
	b->size = size;
	s->nr++;
	return TL_OK;
}

/*
 * The blob a command's name field names, the last one named first: QEMU's
 * scripts name etc/acpi/tables over and over.
 */
static __attribute__((noinline)) enum tl_err find_arg_scan(struct tl_state *s, const u8 *field,
							    struct tl_blob **out)
{
	for (u32 i = 0; i < s->nr; i++) {
		if (name_eq_field(&s->blob[i], field)) {
			s->last = i;
			*out = &s->blob[i];
			return TL_OK;
		}
	}
	return name_len(field) ? TL_ERR_NOT_ALLOCATED : TL_ERR_BAD_NAME;
}

static inline __attribute__((always_inline)) enum tl_err find_arg(struct tl_state *s,
								  const u8 *field,
								  struct tl_blob **out)
{
	if (s->last < s->nr && name_eq_field(&s->blob[s->last], field)) {
		*out = &s->blob[s->last];
		return TL_OK;
	}
	return find_arg_scan(s, field, out);
}

static enum tl_err do_add_pointer(struct tl_state *s, const u8 *arg)
{
	struct tl_blob *dst, *src;
	u32 off = get_le32(arg + 2 * TL_NAME_SIZE);
	u8 size = arg[2 * TL_NAME_SIZE + 4];
	enum tl_err e;

	if ((e = find_arg(s, arg, &dst)) || (e = find_arg(s, arg + TL_NAME_SIZE, &src)))
		return e;
	if (!size_ok(size))
		return TL_ERR_BAD_SIZE;
	if (off > dst->size || size > dst->size - off)
		return TL_ERR_RANGE;
	put_var(dst->ptr + off, size, get_var(dst->ptr + off, size) + src->addr);
	return TL_OK;
}

/*
 * Byte sum mod 256, a word at a time: bytes 0 and 2 add up in the 16-bit
 * lanes of lo; whole words in all, so all - lo holds bytes 1 and 3 in lanes
 * shifted by 8 (the top one overflows, but only its low 8 bits matter).
 * Folded every 256 words, before a lane can carry into the next. ACPI tables
 * are a few KiB and this loop is most of the firmware's instruction count.
 */
__attribute__((noinline, optimize("O2", "omit-frame-pointer"))) u8 sum8(const void *buf, u32 len)
{
	const u8 *p = buf;
	const u32_ua *w = (const u32_ua *)p, *end;
	u32 acc = 0, words = len / 4;

	while (words) {
		u32 n = words > 256 ? 256 : words, lo = 0, all = 0, hi;

		words -= n;
		for (end = w + (n & ~1u); w != end; w += 2) {
			u32 x = w[0], y = w[1];

			all += x + y;
			lo += (x & 0x00ff00ff) + (y & 0x00ff00ff);
		}
		if (n & 1) {
			all += *w;
			lo += *w++ & 0x00ff00ff;
		}
		hi = all - lo;
		acc += lo + (lo >> 16) + (hi >> 8) + (hi >> 24);
	}
	for (p = (const u8 *)w; len & 3; len--)
		acc += *p++;
	return (u8)acc;
}

static enum tl_err do_add_checksum(struct tl_state *s, const u8 *arg)
{
	struct tl_blob *b;
	u32 off = get_le32(arg + TL_NAME_SIZE);
	u32 start = get_le32(arg + TL_NAME_SIZE + 4);
	u32 len = get_le32(arg + TL_NAME_SIZE + 8);
	enum tl_err e;
	u8 sum;

	if ((e = find_arg(s, arg, &b)))
		return e;
	if (off >= b->size || start > b->size || len > b->size - start)
		return TL_ERR_RANGE;
	sum = s->ops->sum ? s->ops->sum(b->ptr + start, len) : sum8(b->ptr + start, len);
	/* the field is part of the range: subtracting the sum makes the total zero */
	b->ptr[off] -= sum;
	return TL_OK;
}

static enum tl_err do_write_pointer(struct tl_state *s, const u8 *arg)
{
	const char *dst = (const char *)arg;	/* NUL-terminated once name_len says so */
	struct tl_blob *src;
	u32 dst_off = get_le32(arg + 2 * TL_NAME_SIZE);
	u32 src_off = get_le32(arg + 2 * TL_NAME_SIZE + 4);
	u8 size = arg[2 * TL_NAME_SIZE + 8];
	u32 fsize;
	enum tl_err e;

	if (!name_len(arg))
		return TL_ERR_BAD_NAME;
	if ((e = find_arg(s, arg + TL_NAME_SIZE, &src)))
		return e;
	if (!size_ok(size))
		return TL_ERR_BAD_SIZE;
	if (s->ops->file_size(s->ctx, dst, &fsize) < 0)
		return TL_ERR_NO_FILE;
	if (src_off >= src->size || dst_off > fsize || size > fsize - dst_off)
		return TL_ERR_RANGE;
	if (s->ops->write_pointer(s->ctx, dst, dst_off, src->addr + src_off, size) < 0)
		return TL_ERR_WRITE;
	return TL_OK;
}

int tl_run(struct tl_state *s, const u8 *script, u32 len)
{
	int errors = 0;
	u32 n = len / TL_ENTRY_SIZE;

	for (u32 i = 0; i < n; i++) {
		const u8 *c = script + i * TL_ENTRY_SIZE;
		u32 cmd = get_le32(c + TL_OFF_CMD);
		enum tl_err e;

		switch (cmd) {
		case 0:
			/* QEMU pads the script to 4 KiB with zeros */
			continue;
		case TL_CMD_ALLOCATE:		e = do_allocate(s, c + TL_OFF_ARG); break;
		case TL_CMD_ADD_POINTER:	e = do_add_pointer(s, c + TL_OFF_ARG); break;
		case TL_CMD_ADD_CHECKSUM:	e = do_add_checksum(s, c + TL_OFF_ARG); break;
		case TL_CMD_WRITE_POINTER:	e = do_write_pointer(s, c + TL_OFF_ARG); break;
		default:			e = TL_ERR_UNKNOWN_CMD; break;
		}
		if (e) {
			errors++;
			if (s->ops->error)
				s->ops->error(s->ctx, i, cmd, e);
		}
	}
	if (len % TL_ENTRY_SIZE) {
		errors++;
		if (s->ops->error)
			s->ops->error(s->ctx, n, 0, TL_ERR_TRUNCATED);
	}
	return errors;
}

const char *tl_strerror(enum tl_err err)
{
	static const char *const msg[] = {
		[TL_OK] = "ok",
		[TL_ERR_UNKNOWN_CMD] = "unknown command",
		[TL_ERR_TRUNCATED] = "truncated command",
		[TL_ERR_BAD_NAME] = "bad file name",
		[TL_ERR_NO_FILE] = "no such fw_cfg file",
		[TL_ERR_NOT_ALLOCATED] = "file not allocated",
		[TL_ERR_DUPLICATE] = "file allocated twice",
		[TL_ERR_TOO_MANY] = "too many files",
		[TL_ERR_BAD_ALIGN] = "alignment not a power of two",
		[TL_ERR_BAD_ZONE] = "unknown zone",
		[TL_ERR_NO_MEMORY] = "out of memory",
		[TL_ERR_LOAD] = "cannot read file",
		[TL_ERR_BAD_SIZE] = "bad pointer size",
		[TL_ERR_RANGE] = "offset out of range",
		[TL_ERR_WRITE] = "cannot write fw_cfg file",
	};

	return (unsigned)err < ARRAY_SIZE(msg) && msg[err] ? msg[err] : "?";
}
