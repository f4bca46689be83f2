/*
 * PIO/MMIO dispatch: registration and overlaps, binary-search dispatch,
 * unassigned accesses (all ones + guest_errors), accesses across edges.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/bus.h"
#include "board/log.h"

struct probe {
	uint64_t base;
	uint64_t last_off, last_val;
	unsigned last_size, reads, writes;
	uint64_t ret;		/* 0: return 0xA0 + offset per byte */
};

static uint64_t probe_read(void *opaque, uint64_t off, unsigned size)
{
	struct probe *p = opaque;
	uint64_t v = 0;
	unsigned i;

	p->reads++;
	p->last_off = off;
	p->last_size = size;
	if (p->ret)
		return p->ret;
	for (i = 0; i < size; i++)
		v |= (uint64_t)((0xa0 + off + i) & 0xff) << (8 * i);
	return v;
}

static void probe_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct probe *p = opaque;

	p->writes++;
	p->last_off = off;
	p->last_val = val;
	p->last_size = size;
}

static const struct bus_ops probe_ops = { .read = probe_read, .write = probe_write };

START_TEST(test_register_and_dispatch)
{
	struct bus b;
	struct probe a = { 0 }, c = { 0 };
	const char *clash = NULL;

	bus_init(&b, "pio");
	ck_assert_int_eq(bus_register(&b, 0x3f8, 8, &probe_ops, &a, "serial", &clash), 0);
	ck_assert_int_eq(bus_register(&b, 0x70, 2, &probe_ops, &c, "rtc", &clash), 0);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_uint_eq(b.r[0].base, 0x70);	/* sorted */
	ck_assert_uint_eq(bus_read(&b, 0x3fd, 1), 0xa5);
	ck_assert_uint_eq(a.last_off, 5);
	ck_assert_uint_eq(a.last_size, 1);
	bus_write(&b, 0x70, 0x1234, 2);
	ck_assert_uint_eq(c.writes, 1);
	ck_assert_uint_eq(c.last_off, 0);
	ck_assert_uint_eq(c.last_val, 0x1234);
	ck_assert_uint_eq(c.last_size, 2);
	ck_assert_ptr_eq(bus_find(&b, 0x3ff)->opaque, &a);
	ck_assert_ptr_null(bus_find(&b, 0x400));
	ck_assert_ptr_null(bus_find(&b, 0x3f7));
	bus_destroy(&b);
}
END_TEST

START_TEST(test_overlaps_rejected)
{
	struct bus b;
	struct probe a = { 0 };
	const char *clash = NULL;

	bus_init(&b, "mmio");
	ck_assert_int_eq(bus_register(&b, 0x1000, 0x100, &probe_ops, &a, "first", NULL), 0);
	ck_assert_int_eq(bus_register(&b, 0x1000, 1, &probe_ops, &a, "x", &clash), -EEXIST);
	ck_assert_str_eq(clash, "first");
	clash = NULL;
	ck_assert_int_eq(bus_register(&b, 0xf00, 0x101, &probe_ops, &a, "x", &clash), -EEXIST);
	ck_assert_str_eq(clash, "first");
	ck_assert_int_eq(bus_register(&b, 0x10ff, 0x10, &probe_ops, &a, "x", &clash), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x1080, 0x10, &probe_ops, &a, "x", &clash), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x0, 0x10000, &probe_ops, &a, "x", &clash), -EEXIST);
	/* adjacent on both sides is fine */
	ck_assert_int_eq(bus_register(&b, 0xf00, 0x100, &probe_ops, &a, "below", NULL), 0);
	ck_assert_int_eq(bus_register(&b, 0x1100, 0x100, &probe_ops, &a, "above", NULL), 0);
	/* bad lengths */
	ck_assert_int_eq(bus_register(&b, 0x5000, 0, &probe_ops, &a, "x", NULL), -EINVAL);
	ck_assert_int_eq(bus_register(&b, UINT64_MAX - 4, 16, &probe_ops, &a, "x", NULL), -EINVAL);
	ck_assert_int_eq(bus_register(&b, UINT64_MAX - 15, 16, &probe_ops, &a, "top", NULL), 0);
	ck_assert_ptr_eq(bus_find(&b, UINT64_MAX)->opaque, &a);
	ck_assert_uint_eq(b.n, 4);
	bus_destroy(&b);
}
END_TEST

START_TEST(test_unassigned_all_ones_and_logged)
{
	struct bus b;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned old = log_mask;

	ck_assert_ptr_nonnull(f);
	log_set_file(f);
	log_mask = LOG_GUEST_ERRORS;
	bus_init(&b, "pio");
	ck_assert_uint_eq(bus_read(&b, 0x1234, 1), 0xff);
	ck_assert_uint_eq(bus_read(&b, 0x1234, 2), 0xffff);
	ck_assert_uint_eq(bus_read(&b, 0x1234, 4), 0xffffffffull);
	ck_assert_uint_eq(bus_read(&b, 0x1234, 8), UINT64_MAX);
	bus_write(&b, 0x99, 0x42, 1);
	fflush(f);
	ck_assert_ptr_nonnull(strstr(buf, "pio: unassigned read8 at 0x1234"));
	ck_assert_ptr_nonnull(strstr(buf, "pio: unassigned read32 at 0x1234"));
	ck_assert_ptr_nonnull(strstr(buf, "pio: unassigned write8 at 0x99 value 0x42"));
	/* not logged when the category is off */
	log_mask = 0;
	len = strlen(buf);
	bus_read(&b, 0x555, 1);
	fflush(f);
	ck_assert_ptr_null(strstr(buf, "0x555"));
	log_mask = old;
	log_set_file(NULL);
	fclose(f);
	free(buf);
	bus_destroy(&b);
}
END_TEST

START_TEST(test_straddling_access_split)
{
	struct bus b;
	struct probe a = { 0 }, c = { 0 };

	bus_init(&b, "pio");
	ck_assert_int_eq(bus_register(&b, 0x10, 2, &probe_ops, &a, "a", NULL), 0);
	ck_assert_int_eq(bus_register(&b, 0x13, 1, &probe_ops, &c, "c", NULL), 0);
	/* 0x11 -> a+1 (0xa1), 0x12 -> unassigned, 0x13 -> c+0 (0xa0), 0x14 -> unassigned */
	ck_assert_uint_eq(bus_read(&b, 0x11, 4), 0xffa0ffa1ull);
	ck_assert_uint_eq(a.last_size, 1);
	bus_write(&b, 0x11, 0x44332211, 4);
	ck_assert_uint_eq(a.last_off, 1);
	ck_assert_uint_eq(a.last_val, 0x11);
	ck_assert_uint_eq(c.last_off, 0);
	ck_assert_uint_eq(c.last_val, 0x33);
	/* a region lying wholly inside a wide access is still reached */
	ck_assert_uint_eq(bus_read(&b, 0x12, 2), 0xa0ff);
	/* odd and bad sizes */
	ck_assert_uint_eq(bus_read(&b, 0x10, 3), 0xffa1a0);
	ck_assert_uint_eq(bus_read(&b, 0x10, 0), UINT64_MAX);
	ck_assert_uint_eq(bus_read(&b, 0x10, 16), UINT64_MAX);
	bus_write(&b, 0x10, 1, 0);
	bus_destroy(&b);
}
END_TEST

START_TEST(test_value_masked_to_size)
{
	struct bus b;
	struct probe a = { .ret = 0xdeadbeefcafef00dull };

	bus_init(&b, "mmio");
	ck_assert_int_eq(bus_register(&b, 0xfee00000, 0x1000, &probe_ops, &a, "a", NULL), 0);
	ck_assert_uint_eq(bus_read(&b, 0xfee00020, 2), 0xf00d);
	ck_assert_uint_eq(bus_read(&b, 0xfee00020, 4), 0xcafef00d);
	ck_assert_uint_eq(bus_read(&b, 0xfee00020, 8), 0xdeadbeefcafef00dull);
	bus_write(&b, 0xfee00030, 0x1ff, 1);
	ck_assert_uint_eq(a.last_val, 0xff);
	bus_destroy(&b);
}
END_TEST

START_TEST(test_null_ops_and_unregister)
{
	static const struct bus_ops none = { 0 };
	struct bus b;
	struct probe a = { 0 };

	bus_init(&b, "pio");
	ck_assert_int_eq(bus_register(&b, 0x80, 1, &none, &a, "post", NULL), 0);
	ck_assert_uint_eq(bus_read(&b, 0x80, 1), 0xff);
	bus_write(&b, 0x80, 1, 1);	/* no write op: ignored */
	ck_assert_int_eq(bus_unregister(&b, 0x80, &b), -ENOENT);	/* wrong owner */
	ck_assert_int_eq(bus_unregister(&b, 0x81, &a), -ENOENT);
	ck_assert_int_eq(bus_unregister(&b, 0x80, &a), 0);
	ck_assert_uint_eq(b.n, 0);
	ck_assert_int_eq(bus_register(&b, 0x80, 1, &probe_ops, &a, "again", NULL), 0);
	ck_assert_uint_eq(bus_read(&b, 0x80, 1), 0xa0);
	bus_destroy(&b);
}
END_TEST

/* A device that moves itself (like a BAR) from inside its own callback. */
struct mover {
	struct bus *bus;
	uint64_t base;
};

static uint64_t mover_read(void *opaque, uint64_t off, unsigned size)
{
	return 0x5a;
}

static void mover_write2(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	static const struct bus_ops ops2 = { .read = mover_read, .write = mover_write2 };
	struct mover *m = opaque;

	ck_assert_int_eq(bus_unregister(m->bus, m->base, m), 0);
	m->base = val;
	ck_assert_int_eq(bus_register(m->bus, m->base, 4, &ops2, m, "mover", NULL), 0);
}

START_TEST(test_region_moves_itself)
{
	static const struct bus_ops ops2 = { .read = mover_read, .write = mover_write2 };
	struct bus b;
	struct mover m = { &b, 0x1000 };
	struct probe fill[40];
	unsigned i;

	bus_init(&b, "mmio");
	/* enough regions that the array reallocates while the callback runs */
	for (i = 0; i < 15; i++)
		ck_assert_int_eq(bus_register(&b, 0x100000 + i * 0x10, 4, &probe_ops, &fill[i], "f", NULL), 0);
	ck_assert_int_eq(bus_register(&b, 0x1000, 4, &ops2, &m, "mover", NULL), 0);
	ck_assert_uint_eq(b.n, 16);
	bus_write(&b, 0x1000, 0x2000, 4);
	ck_assert_uint_eq(bus_read(&b, 0x1000, 1), 0xff);
	ck_assert_uint_eq(bus_read(&b, 0x2000, 1), 0x5a);
	for (i = 15; i < 40; i++)
		ck_assert_int_eq(bus_register(&b, 0x200000 + i * 0x10, 4, &probe_ops, &fill[i], "f", NULL), 0);
	bus_write(&b, 0x2000, 0x3000, 4);
	ck_assert_uint_eq(bus_read(&b, 0x3003, 1), 0x5a);
	bus_destroy(&b);
}
END_TEST

START_TEST(test_many_regions_binary_search)
{
	struct bus b;
	static struct probe p[512];
	unsigned i, order[512];

	bus_init(&b, "mmio");
	for (i = 0; i < 512; i++)
		order[i] = i;
	/* insert in a scrambled order */
	for (i = 0; i < 512; i++) {
		unsigned j = (i * 167) % 512, t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < 512; i++)
		ck_assert_int_eq(bus_register(&b, 0x10000 + order[i] * 0x100ull, 0x80, &probe_ops,
					      &p[order[i]], "r", NULL), 0);
	for (i = 1; i < b.n; i++)
		ck_assert(b.r[i - 1].base < b.r[i].base);
	for (i = 0; i < 512; i++) {
		uint64_t base = 0x10000 + i * 0x100ull;

		ck_assert_ptr_eq(bus_find(&b, base)->opaque, &p[i]);
		ck_assert_ptr_eq(bus_find(&b, base + 0x7f)->opaque, &p[i]);
		ck_assert_ptr_null(bus_find(&b, base + 0x80));
		ck_assert_ptr_null(bus_find(&b, base + 0xff));
	}
	ck_assert_ptr_null(bus_find(&b, 0xffff));
	bus_destroy(&b);
}
END_TEST

Suite *board_bus_suite(void)
{
	Suite *s = suite_create("board_bus");
	TCase *tc = tcase_create("bus");

	tcase_add_test(tc, test_register_and_dispatch);
	tcase_add_test(tc, test_overlaps_rejected);
	tcase_add_test(tc, test_unassigned_all_ones_and_logged);
	tcase_add_test(tc, test_straddling_access_split);
	tcase_add_test(tc, test_value_masked_to_size);
	tcase_add_test(tc, test_null_ops_and_unregister);
	tcase_add_test(tc, test_region_moves_itself);
	tcase_add_test(tc, test_many_regions_binary_search);
	suite_add_tcase(s, tc);
	return s;
}
