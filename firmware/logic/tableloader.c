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

void tl_init(struct tl_state *s, const struct tl_ops *ops, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->ctx = ctx;
}

/* name may be a short C string: compare up to its NUL, never past it */
static bool name_eq(const char *blob_name, const char *name)
{
	for (u32 i = 0; i < TL_NAME_SIZE; i++) {
		if (blob_name[i] != name[i])
			return false;
		if (!name[i])
			return true;
	}
	return false;
}

const struct tl_blob *tl_find(const struct tl_state *s, const char *name)
{
	for (u32 i = 0; i < s->nr; i++)
		if (name_eq(s->blob[i].name, name))
			return &s->blob[i];
	return NULL;
}

/* Copy a name field into out (NUL-padded); false if empty or unterminated. */
static bool get_name(const u8 *field, char *out)
{
	u32 n = 0;

	while (n < TL_NAME_SIZE && field[n])
		n++;
	if (!n || n == TL_NAME_SIZE)
		return false;
	memset(out, 0, TL_NAME_SIZE);
	memcpy(out, field, n);
	return true;
}

static bool size_ok(u8 size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static u64 get_var(const u8 *p, u8 size)
{
	u64 v = 0;

	for (u8 i = 0; i < size; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

static void put_var(u8 *p, u8 size, u64 v)
{
	for (u8 i = 0; i < size; i++)
		p[i] = (u8)(v >> (8 * i));
}

static enum tl_err do_allocate(struct tl_state *s, const u8 *arg)
{
	char name[TL_NAME_SIZE];
	u32 align = get_le32(arg + TL_NAME_SIZE), size;
	u8 zone = arg[TL_NAME_SIZE + 4];
	struct tl_blob *b;

	if (!get_name(arg, name))
		return TL_ERR_BAD_NAME;
	if (tl_find(s, name))
		return TL_ERR_DUPLICATE;
	if (s->nr == TL_MAX_BLOBS)
		return TL_ERR_TOO_MANY;
	if (!align)
		align = 1;
	if (align & (align - 1))
		return TL_ERR_BAD_ALIGN;
	if (zone != TL_ZONE_HIGH && zone != TL_ZONE_FSEG)
		return TL_ERR_BAD_ZONE;
	if (s->ops->file_size(s->ctx, name, &size) < 0)
		return TL_ERR_NO_FILE;
	b = &s->blob[s->nr];
	if (s->ops->alloc(s->ctx, size, align, zone, &b->ptr, &b->addr) < 0)
		return TL_ERR_NO_MEMORY;
	if (s->ops->load(s->ctx, name, b->ptr, size) < 0)
		return TL_ERR_LOAD;
	memcpy(b->name, name, TL_NAME_SIZE);
	b->size = size;
	s->nr++;
	return TL_OK;
}

/*
 * The blob a command's name field names. Compared in place (name_eq stops at
 * the field's NUL and fails on an unterminated one), the last match first:
 * QEMU's scripts name etc/acpi/tables over and over.
 */
static enum tl_err find_arg(struct tl_state *s, const u8 *field, struct tl_blob **out)
{
	const char *name = (const char *)field;
	u32 n = 0;

	if (s->last < s->nr && name_eq(s->blob[s->last].name, name)) {
		*out = &s->blob[s->last];
		return TL_OK;
	}
	for (u32 i = 0; i < s->nr; i++) {
		if (name_eq(s->blob[i].name, name)) {
			s->last = i;
			*out = &s->blob[i];
			return TL_OK;
		}
	}
	while (n < TL_NAME_SIZE && field[n])
		n++;
	return !n || n == TL_NAME_SIZE ? TL_ERR_BAD_NAME : TL_ERR_NOT_ALLOCATED;
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
static __attribute__((noinline, optimize("O2", "omit-frame-pointer"))) u8 byte_sum(const u8 *p, u32 len)
{
	typedef u32 __attribute__((may_alias, aligned(1))) u32_ua;
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
	sum = byte_sum(b->ptr + start, len);
	/* the field is part of the range: subtracting the sum makes the total zero */
	b->ptr[off] -= sum;
	return TL_OK;
}

static enum tl_err do_write_pointer(struct tl_state *s, const u8 *arg)
{
	char dst[TL_NAME_SIZE];
	struct tl_blob *src;
	u32 dst_off = get_le32(arg + 2 * TL_NAME_SIZE);
	u32 src_off = get_le32(arg + 2 * TL_NAME_SIZE + 4);
	u8 size = arg[2 * TL_NAME_SIZE + 8];
	u32 fsize;
	enum tl_err e;

	if (!get_name(arg, dst))
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
