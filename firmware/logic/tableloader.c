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
#define TL_CMD_UNKNOWN		5	/* what tl_run makes of every command above 4 */

typedef u32 __attribute__((may_alias, aligned(1))) u32_ua;

/*
 * This runs once per boot, and under a JIT every distinct branch is a block
 * to translate: so a command's checks are ORed into one word and tested
 * with one branch. Only a failed command (off the common path) makes them
 * again as a bit per check in the order they are made, the lowest bit set
 * being the error reported (the *_error functions and first_error).
 */

/* what a missing blob reads as, so the checks after a look-up need no branch */
static const struct tl_blob no_blob;

/*
 * The blob a name field or a C string names, else no_blob: equality through
 * the blob's NUL, what follows the name's NUL does not matter. repe cmpsb
 * stops at the first difference, so a shorter C string is never read past
 * its NUL, and a 56-byte field never past its end (a blob's name is
 * shorter). Newest first: QEMU allocates the RSDP, then the tables most
 * commands name. Out of line, so that every look-up shares its blocks; one
 * branch per blob and one exit (eq opaque, or the compiler gives the empty
 * table an exit of its own): under a JIT each is a block.
 */
static __attribute__((noinline)) const struct tl_blob *find(const struct tl_state *s,
							    const void *name)
{
	const struct tl_blob *b = s->blob + s->nr;
	u32 left = s->nr;
	bool eq = false;

	OPAQUE(eq);
	while (left) {
		b--;
		eq = mem_eq(b->name, name, b->name_len + 1u);
		left = (left - 1) & ((u32)eq - 1);	/* 0 on a match */
	}
	return eq ? b : &no_blob;
}

const struct tl_blob *tl_find(const struct tl_state *s, const char *name)
{
	const struct tl_blob *b = find(s, name);

	return b != &no_blob ? b : NULL;
}

u64 tl_addr(const struct tl_state *s, const char *name)
{
	return find(s, name)->addr;	/* no_blob's is 0 */
}

/*
 * Length of a name field's string; 0 if empty or unterminated. One repne
 * scasb and no branch: ZF says whether it stopped on a NUL.
 */
static inline u32 name_len(const u8 *field)
{
#if defined(__i386__) || defined(__x86_64__)
	const u8 *p = field;
	size_t left = TL_NAME_SIZE;
	bool nul;

	__asm__("repne scasb" : "=@ccz"(nul), "+D"(p), "+c"(left)
		: "a"(0), "m"(*(const u8 (*)[TL_NAME_SIZE])field));
	return (u32)(TL_NAME_SIZE - 1 - left) & -(u32)nul;
#else
	u32 n = (u32)str_nlen((const char *)field, TL_NAME_SIZE);

	return n == TL_NAME_SIZE ? 0 : n;
#endif
}

/*
 * The error of the first failed check: bit i of bad is check i, err[i] its
 * error. TL_OK there stands for "the name field i names no blob": a bad name
 * or one never allocated.
 */
static __attribute__((noinline, cold)) enum tl_err first_error(u32 bad, const u8 *err,
							       const u8 *arg)
{
	u32 i = (u32)__builtin_ctz(bad);

	if (err[i] != TL_OK)
		return err[i];
	return name_len(arg + i * TL_NAME_SIZE) ? TL_ERR_NOT_ALLOCATED : TL_ERR_BAD_NAME;
}

/* 1, 2, 4 or 8 */
static inline u32 size_bad(u8 size)
{
	return (size > 8) | (~0x116u >> (size & 15) & 1);
}

/* ALLOCATE: name[56], le32 align, u8 zone */
static __attribute__((noinline, cold)) enum tl_err allocate_error(const struct tl_state *s,
								  const u8 *arg)
{
	static const u8 err[] = { TL_ERR_BAD_NAME, TL_ERR_DUPLICATE, TL_ERR_TOO_MANY,
				  TL_ERR_BAD_ALIGN, TL_ERR_BAD_ZONE };
	u32 align = get_le32(arg + TL_NAME_SIZE);
	u8 zone = arg[TL_NAME_SIZE + 4];

	return first_error((name_len(arg) == 0) | (find(s, arg) != &no_blob) << 1 |
			   (s->nr == TL_MAX_BLOBS) << 2 | ((align & (align - 1)) != 0) << 3 |
			   (zone - 1u > 1u) << 4, err, arg);
}

static inline enum tl_err do_allocate(struct tl_state *s, const u8 *arg)
{
	const struct tl_ops *ops = s->ops;
	u32 align = get_le32(arg + TL_NAME_SIZE), size, len = name_len(arg);
	u8 zone = arg[TL_NAME_SIZE + 4];
	struct tl_blob *b = &s->blob[s->nr];
	u32 bad;

	/*
	 * Any check failed (no shifts to place them: allocate_error() works
	 * out which). align 0 means 1: it passes the power-of-two test as it is.
	 */
	bad = (len == 0) | (find(s, arg) != &no_blob) | (s->nr == TL_MAX_BLOBS) |
	      (zone - 1u > 1u) | (align & (align - 1));	/* zone HIGH (1) or FSEG (2) */
	OPAQUE(bad);		/* or each check becomes a branch of its own */
	if (bad)
		return allocate_error(s, arg);
	align += !align;
	/* the name NUL-padded, for the callbacks */
	memset(b->name, 0, TL_NAME_SIZE);
	memcpy(b->name, arg, len);
	b->name_len = (u8)len;
	if (ops->file_size(s->ctx, b->name, &size) < 0)
		return TL_ERR_NO_FILE;
	if (ops->alloc(s->ctx, size, align, zone, &b->ptr, &b->addr) < 0)
		return TL_ERR_NO_MEMORY;
	if (ops->load(s->ctx, b->name, b->ptr, size) < 0)
		return TL_ERR_LOAD;
	b->size = size;
	s->nr++;
	return TL_OK;
}

/*
 * ADD_POINTER: dst[56], src[56], le32 offset, u8 size. The pointer's own
 * bytes, no more, are read and written; 4 (QEMU's pointers) first.
 */
static __attribute__((noinline, cold)) enum tl_err add_pointer_error(const struct tl_state *s,
								     const u8 *arg)
{
	static const u8 err[] = { TL_OK, TL_OK, TL_ERR_BAD_SIZE, TL_ERR_RANGE };
	const struct tl_blob *dst = find(s, arg), *src = find(s, arg + TL_NAME_SIZE);
	u32 off = get_le32(arg + 2 * TL_NAME_SIZE);
	u8 size = arg[2 * TL_NAME_SIZE + 4];

	return first_error((dst == &no_blob) | (src == &no_blob) << 1 | size_bad(size) << 2 |
			   ((off > dst->size) | (size > dst->size - off)) << 3, err, arg);
}

static inline enum tl_err do_add_pointer(struct tl_state *s, const u8 *arg)
{
	const struct tl_blob *dst = find(s, arg), *src = find(s, arg + TL_NAME_SIZE);
	u32 off = get_le32(arg + 2 * TL_NAME_SIZE);
	u8 size = arg[2 * TL_NAME_SIZE + 4], *p;
	u32 bad;

	/*
	 * Any check failed: a missing dst needs no test of its own, as
	 * no_blob's size is 0 and a size of 0 is bad (add_pointer_error()
	 * works out which check it was).
	 */
	bad = (src == &no_blob) | size_bad(size) | (off > dst->size) | (size > dst->size - off);
	OPAQUE(bad);		/* or each check becomes a branch of its own */
	if (bad)
		return add_pointer_error(s, arg);
	p = dst->ptr + off;
	if (size == 4)
		put_le32(p, get_le32(p) + (u32)src->addr);
	else if (size == 8)
		put_le64(p, get_le64(p) + src->addr);
	else if (size == 2)
		put_le16(p, (u16)(get_le16(p) + src->addr));
	else
		p[0] = (u8)(p[0] + src->addr);
	return TL_OK;
}

/* ADD_CHECKSUM: name[56], le32 offset, le32 start, le32 length */
static __attribute__((noinline, cold)) enum tl_err add_checksum_error(const struct tl_state *s,
								      const u8 *arg)
{
	static const u8 err[] = { TL_OK, TL_ERR_RANGE };

	return first_error((find(s, arg) == &no_blob) | 2, err, arg);
}

static inline enum tl_err do_add_checksum(struct tl_state *s, const u8 *arg)
{
	const struct tl_blob *b = find(s, arg);
	u32 off = get_le32(arg + TL_NAME_SIZE);
	u32 start = get_le32(arg + TL_NAME_SIZE + 4);
	u32 len = get_le32(arg + TL_NAME_SIZE + 8);
	u8 (*sum)(const void *p, u32 len) = s->ops->sum ? s->ops->sum : sum8;
	u32 bad;

	/* a missing file fails the range checks too, as no_blob's size is 0 */
	bad = (off >= b->size) | (start > b->size) | (len > b->size - start);
	OPAQUE(bad);		/* or each check becomes a branch of its own */
	if (bad)
		return add_checksum_error(s, arg);
	/* the field is part of the range: subtracting the sum makes the total zero */
	b->ptr[off] -= sum(b->ptr + start, len);
	return TL_OK;
}

/* WRITE_POINTER: dst fw_cfg file[56], src[56], le32 dst offset, le32 src offset, u8 size */
static inline enum tl_err do_write_pointer(struct tl_state *s, const u8 *arg)
{
	static const u8 err[] = { TL_ERR_BAD_NAME, TL_OK, TL_ERR_BAD_SIZE };
	const char *dst = (const char *)arg;	/* NUL-terminated once name_len says so */
	const struct tl_blob *src = find(s, arg + TL_NAME_SIZE);
	u32 dst_off = get_le32(arg + 2 * TL_NAME_SIZE);
	u32 src_off = get_le32(arg + 2 * TL_NAME_SIZE + 4);
	u8 size = arg[2 * TL_NAME_SIZE + 8];
	u32 fsize, bad;

	bad = (name_len(arg) == 0) | (src == &no_blob) << 1 | size_bad(size) << 2;
	OPAQUE(bad);		/* or each check becomes a branch of its own */
	if (bad)
		return first_error(bad, err, arg);
	if (s->ops->file_size(s->ctx, dst, &fsize) < 0)
		return TL_ERR_NO_FILE;
	if ((src_off >= src->size) | (dst_off > fsize) | (size > fsize - dst_off))
		return TL_ERR_RANGE;
	if (s->ops->write_pointer(s->ctx, dst, dst_off, src->addr + src_off, size) < 0)
		return TL_ERR_WRITE;
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

int tl_run(struct tl_state *s, const u8 *script, u32 len)
{
	/*
	 * Dispatch through a table of labels, the index clamped so that every
	 * value has an entry: a switch adds a range check before its jump
	 * table, a branch (a block under a JIT).
	 */
	static const void *const by_cmd[TL_CMD_UNKNOWN + 1] = {
		[0] = &&next,		/* QEMU pads the script to 4 KiB with zeros */
		[TL_CMD_ALLOCATE] = &&allocate,
		[TL_CMD_ADD_POINTER] = &&add_pointer,
		[TL_CMD_ADD_CHECKSUM] = &&add_checksum,
		[TL_CMD_WRITE_POINTER] = &&write_pointer,
		[TL_CMD_UNKNOWN] = &&unknown,
	};
	int errors = 0;
	u32 n = len / TL_ENTRY_SIZE;

	for (u32 i = 0; i < n; i++) {
		JIT_LOOP_TOP();		/* or the first pass translates the dispatch twice */
		const u8 *arg = script + i * TL_ENTRY_SIZE + TL_OFF_ARG;
		u32 cmd = get_le32(arg - TL_OFF_ARG + TL_OFF_CMD);
		enum tl_err e;

		goto *by_cmd[cmd < TL_CMD_UNKNOWN ? cmd : TL_CMD_UNKNOWN];
allocate:
		e = do_allocate(s, arg);
		goto check;
add_pointer:
		e = do_add_pointer(s, arg);
		goto check;
add_checksum:
		e = do_add_checksum(s, arg);
		goto check;
write_pointer:
		e = do_write_pointer(s, arg);
		goto check;
unknown:
		e = TL_ERR_UNKNOWN_CMD;
check:
		if (e) {
			errors++;
			if (s->ops->error)
				s->ops->error(s->ctx, i, cmd, e);
		}
next:
		;
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
