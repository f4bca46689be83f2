/*
 * The one place firmware/logic/ meets its environment. The logic files build
 * twice: freestanding into the firmware image and hosted into libfwlogic.a for
 * the Check tests. <stdint.h>, <stddef.h>, <stdbool.h> are compiler headers in
 * both; only the string functions differ (the firmware brings its own).
 */
#ifndef FW_LOGIC_PORT_H
#define FW_LOGIC_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __STDC_HOSTED__
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
/*
 * Small constant-size copies as the compiler's inline moves rather than
 * calls: under a JIT (QEMU's TCG) each call is two more blocks to translate,
 * the callee's and the return site's. Other sizes call lib.c's functions
 * (FW_LIB_C keeps the macro off their definitions).
 */
#ifndef FW_LIB_C
#define memcpy(d, s, n)							\
	(__builtin_constant_p(n) && (n) <= 16 ? __builtin_memcpy(d, s, n) : (memcpy)(d, s, n))
#endif
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/*
 * Hide a value from the optimizer, which would otherwise split a condition
 * built with '|' and '&' back into one branch per term (or a select into
 * branches): under a JIT (QEMU's TCG) each branch taken is another block to
 * translate, and the firmware's boot path runs once.
 */
#define OPAQUE(x)		__asm__("" : "+r"(x))
/*
 * Under a JIT (QEMU's TCG) a loop entered by falling into its first pass is
 * translated twice: once with the code before it, once from where the
 * back-edge jumps. A jump to the next instruction at the top of the body
 * (no load moves above it) starts a block there on every pass instead.
 */
#if defined(__i386__) && !__STDC_HOSTED__
#define JIT_LOOP_TOP()		__asm__ volatile("jmp 1f\n1:" ::: "memory")
#else
#define JIT_LOOP_TOP()		do { } while (0)
#endif
#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))

/*
 * Little-endian fields at any alignment. One load or store each through
 * __builtin_memcpy (x86 takes unaligned accesses): the byte-at-a-time form
 * compiled to four or eight byte moves per field, and under a JIT every
 * instruction is translated. A byte swap where the host is big-endian.
 */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(v)	__builtin_bswap16(v)
#define LE32(v)	__builtin_bswap32(v)
#define LE64(v)	__builtin_bswap64(v)
#else
#define LE16(v)	(v)
#define LE32(v)	(v)
#define LE64(v)	(v)
#endif

static inline __attribute__((always_inline)) u16 get_le16(const void *p)
{
	u16 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return LE16(v);
}

static inline __attribute__((always_inline)) u32 get_le32(const void *p)
{
	u32 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return LE32(v);
}

static inline __attribute__((always_inline)) u64 get_le64(const void *p)
{
	u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
	return LE64(v);
}

static inline __attribute__((always_inline)) void put_le16(void *p, u16 v)
{
	v = LE16(v);
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline __attribute__((always_inline)) void put_le32(void *p, u32 v)
{
	v = LE32(v);
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline __attribute__((always_inline)) void put_le64(void *p, u64 v)
{
	v = LE64(v);
	__builtin_memcpy(p, &v, sizeof(v));
}

/*
 * n bytes equal. One repe cmpsb: on x86 (the firmware, and the host the
 * tests run on) a string instruction retires once however long it runs.
 */
static inline bool mem_eq(const void *a, const void *b, size_t n)
{
#if defined(__i386__) || defined(__x86_64__)
	bool eq;

	if (!n)
		return true;
	__asm__("repe cmpsb" : "=@ccz"(eq), "+S"(a), "+D"(b), "+c"(n) : "m"(*(const char (*)[n])a),
		"m"(*(const char (*)[n])b));
	return eq;
#else
	return !memcmp(a, b, n);
#endif
}

/* Length of s, at most max (no NUL within max: max). */
static inline size_t str_nlen(const char *s, size_t max)
{
#if defined(__i386__) || defined(__x86_64__)
	size_t left = max;
	const char *p = s;

	if (!max)
		return 0;
	__asm__("repne scasb" : "+D"(p), "+c"(left) : "a"(0), "m"(*(const char (*)[max])s));
	/* stopped one past the NUL, or ran out with the last byte compared */
	return p[-1] ? max : (size_t)(p - s) - 1;
#else
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
#endif
}

#endif
