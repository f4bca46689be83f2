/*
 * QOM-lite: registration, type setup checks, properties from a tree node and
 * from -device strings (and their errors), instantiation from a DTB built
 * here with libfdt's sequential-write API, board_build errors.
 */
#include <check.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"

/* a big-endian cell as bytes, usable in static initializers */
#define BE32(x) (uint8_t)((x) >> 24), (uint8_t)((x) >> 16), (uint8_t)((x) >> 8), (uint8_t)(x)

/* ---- a test device type ---- */

struct tdev {
	struct device dev;
	uint32_t iobase;
	uint64_t addr;
	bool flag;
	char *label;
	int resets;
	uint8_t reg[4];
};

static char reset_order[256];

static uint64_t tdev_read(void *opaque, uint64_t off, unsigned size)
{
	struct tdev *t = opaque;

	return t->reg[off];
}

static void tdev_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
	struct tdev *t = opaque;

	t->reg[off] = (uint8_t)val;
}

static const struct bus_ops tdev_ops = { .read = tdev_read, .write = tdev_write };

static int tdev_realize(struct device *dev, struct board *b, struct board_err *err)
{
	struct tdev *t = (struct tdev *)dev;
	int r;

	r = device_pio_register(dev, t->iobase, 4, &tdev_ops, t, err);
	if (r < 0)
		return r;
	if (t->addr)
		return device_mmio_register(dev, t->addr, 0x100, &tdev_ops, t, err);
	return 0;
}

static void tdev_reset(struct device *dev)
{
	struct tdev *t = (struct tdev *)dev;

	t->resets++;
	memset(t->reg, 0, sizeof(t->reg));
	strncat(reset_order, dev->name, sizeof(reset_order) - strlen(reset_order) - 2);
	strcat(reset_order, " ");
}

static const struct device_prop tdev_props[] = {
	DEVICE_PROP_U32("iobase", struct tdev, iobase, 0x100),
	DEVICE_PROP_U64("addr", struct tdev, addr, 0),
	DEVICE_PROP_BOOL("flag", struct tdev, flag, true),
	DEVICE_PROP_STRING("label", struct tdev, label, "none"),
	{ 0 }
};

static struct device_type tdev_type = {
	.name = "test-dev",
	.instance_size = sizeof(struct tdev),
	.props = tdev_props,
	.realize = tdev_realize,
	.reset = tdev_reset,
};
DEVICE_TYPE(tdev_type);

/* a bus-like parent: children find it with device_parent() */
static struct device_type tbus_type = {
	.name = "test-bus",
	.instance_size = sizeof(struct device),
};
DEVICE_TYPE(tbus_type);

/* realize fails after registering a port: the framework must undo it */
static int tfail_realize(struct device *dev, struct board *b, struct board_err *err)
{
	int r = device_pio_register(dev, 0x700, 2, &tdev_ops, dev, err);

	if (r < 0)
		return r;
	return board_err(err, -EIO, "%s: property 'x': the device refuses", dev->name);
}

static struct device_type tfail_type = {
	.name = "test-fail",
	.instance_size = sizeof(struct device),
	.realize = tfail_realize,
};
DEVICE_TYPE(tfail_type);

/* ---- building trees ---- */

#define FDT_SIZE 8192

struct tnode {
	const char *name;
	const char *compatible;
	int iobase;		/* -1: none */
	const char *extra;	/* "prop" name for the extra property, NULL if none */
	const void *extra_val;
	int extra_len;
};

static void begin_tree(void *fdt, uint64_t ram, unsigned ncpus)
{
	unsigned i;

	ck_assert_int_eq(fdt_create(fdt, FDT_SIZE), 0);
	ck_assert_int_eq(fdt_finish_reservemap(fdt), 0);
	ck_assert_int_eq(fdt_begin_node(fdt, ""), 0);
	ck_assert_int_eq(fdt_property_string(fdt, "compatible", "bringup,test"), 0);
	ck_assert_int_eq(fdt_begin_node(fdt, "memory"), 0);
	ck_assert_int_eq(fdt_property_string(fdt, "device_type", "memory"), 0);
	ck_assert_int_eq(fdt_property_u64(fdt, "size", ram), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	ck_assert_int_eq(fdt_begin_node(fdt, "cpus"), 0);
	for (i = 0; i < ncpus; i++) {
		char name[16];

		snprintf(name, sizeof(name), "cpu@%u", i);
		ck_assert_int_eq(fdt_begin_node(fdt, name), 0);
		ck_assert_int_eq(fdt_property_string(fdt, "device_type", "cpu"), 0);
		ck_assert_int_eq(fdt_property_u32(fdt, "reg", i), 0);
		ck_assert_int_eq(fdt_end_node(fdt), 0);
	}
	ck_assert_int_eq(fdt_end_node(fdt), 0);
}

static void dev_node(void *fdt, const char *name, const char *compat, int iobase)
{
	ck_assert_int_eq(fdt_begin_node(fdt, name), 0);
	ck_assert_int_eq(fdt_property_string(fdt, "compatible", compat), 0);
	if (iobase >= 0)
		ck_assert_int_eq(fdt_property_u32(fdt, "iobase", (uint32_t)iobase), 0);
}

static void end_tree(void *fdt)
{
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	ck_assert_int_eq(fdt_finish(fdt), 0);
}

/* build `fdt` into a fresh board; returns board_build's result */
static int build(struct board *b, const void *fdt, struct board_err *err)
{
	ck_assert_int_eq(board_init(b), 0);
	return board_build(b, fdt, err);
}

START_TEST(test_registration_and_setup)
{
	struct board_err err = { 0 };
	const struct device_type *t;
	int seen = 0;

	ck_assert_int_eq(device_types_setup(&err), 0);
	ck_assert_ptr_eq(device_type_find("test-dev"), &tdev_type);
	ck_assert_ptr_eq(device_type_find("bringup,test-dev"), &tdev_type);
	ck_assert_ptr_null(device_type_find("test-dev-2"));
	ck_assert_ptr_null(device_type_find(NULL));
	for (t = device_type_next(NULL); t; t = device_type_next(t))
		seen += t == &tdev_type || t == &tbus_type;
	ck_assert_int_eq(seen, 2);
	ck_assert_ptr_eq(device_type_prop(&tdev_type, "addr"), &tdev_props[1]);
	ck_assert_ptr_null(device_type_prop(&tdev_type, "nope"));
}
END_TEST

START_TEST(test_setup_rejects_bad_tables)
{
	struct tbad {
		struct device dev;
		uint32_t a;
	};
	static const struct device_prop dup[] = {
		DEVICE_PROP_U32("a", struct tbad, a, 0),
		DEVICE_PROP_U32("a", struct tbad, a, 0),
		{ 0 }
	};
	static const struct device_prop outside[] = {
		{ .name = "far", .kind = PROP_U64, .offset = sizeof(struct tbad) },
		{ 0 }
	};
	static const struct device_prop reserved[] = {
		DEVICE_PROP_U32("interrupts", struct tbad, a, 0),
		{ 0 }
	};
	static const struct device_prop bigdef[] = {
		DEVICE_PROP_U32("a", struct tbad, a, 0x100000000ull),
		{ 0 }
	};
	static struct device_type bad = { .name = "test-bad", .instance_size = sizeof(struct tbad) };
	const struct device_prop *tables[] = { dup, outside, reserved, bigdef };
	const char *expect[] = { "'a' defined twice", "'far': offset", "'interrupts' is reserved",
				 "default too big" };
	unsigned i;

	static struct device_type twin = { .name = "test-dev", .instance_size = sizeof(struct tdev) };
	struct board_err twin_err = { 0 };

	/* a second type with a taken name is refused, loudly */
	device_type_register(&twin);
	ck_assert_int_eq(device_types_setup(&twin_err), -EEXIST);
	ck_assert_str_eq(twin_err.msg, "device type 'test-dev' registered twice");
	device_type_unregister(&twin);
	tdev_type.set_up = false;
	ck_assert_int_eq(device_types_setup(NULL), 0);
	ck_assert_ptr_eq(device_type_find("test-dev"), &tdev_type);

	for (i = 0; i < 4; i++) {
		struct board_err err = { 0 };

		bad.props = tables[i];
		device_type_register(&bad);
		ck_assert_int_eq(device_types_setup(&err), -EINVAL);
		ck_assert_ptr_nonnull(strstr(err.msg, "test-bad"));
		ck_assert_msg(strstr(err.msg, expect[i]), "%s", err.msg);
		ck_assert_ptr_null(device_type_find("test-bad"));	/* broken: unusable */
		device_type_unregister(&bad);
		ck_assert_int_eq(device_types_setup(NULL), 0);
	}
}
END_TEST

START_TEST(test_instantiate_from_tree)
{
	static uint8_t fdt[FDT_SIZE];
	static const uint8_t irqs[] = { BE32(5), BE32(9) };
	struct board b;
	struct board_err err = { 0 };
	struct tdev *d1, *d2, *d4;
	struct device *child;

	begin_tree(fdt, 16 << 20, 2);
	dev_node(fdt, "dev@100", "test-dev", 0x100);
	ck_assert_int_eq(fdt_property(fdt, "interrupts", irqs, sizeof(irqs)), 0);
	ck_assert_int_eq(fdt_property_u32(fdt, "reg", 7), 0);	/* not a type property: ignored */
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	/* several compatible strings: the first registered one wins */
	ck_assert_int_eq(fdt_begin_node(fdt, "dev@200"), 0);
	ck_assert_int_eq(fdt_property(fdt, "compatible", "acme,unknown\0bringup,test-dev", 30), 0);
	ck_assert_int_eq(fdt_property_u32(fdt, "iobase", 0x200), 0);
	ck_assert_int_eq(fdt_property_u32(fdt, "flag", 0), 0);
	ck_assert_int_eq(fdt_property_string(fdt, "label", "hello"), 0);
	ck_assert_int_eq(fdt_property_u64(fdt, "addr", 0xfe000000ull), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	dev_node(fdt, "dev@300", "nonexistent-type", 0x300);
	ck_assert_int_eq(fdt_property_string(fdt, "status", "disabled"), 0);
	dev_node(fdt, "child", "nonexistent-type", -1);	/* inside a disabled node: skipped */
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	ck_assert_int_eq(fdt_begin_node(fdt, "isa"), 0);	/* container */
	dev_node(fdt, "bus", "test-bus", -1);
	dev_node(fdt, "dev@400", "test-dev", 0x400);
	ck_assert_int_eq(fdt_property(fdt, "flag", NULL, 0), 0);	/* empty bool = true */
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	end_tree(fdt);

	ck_assert_msg(build(&b, fdt, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(b.name, "test");
	ck_assert_uint_eq(b.ncpus, 2);
	ck_assert_uint_eq(b.mem.ram_size, 16 << 20);
	d1 = (struct tdev *)device_find(&b, "/dev@100");
	d2 = (struct tdev *)device_find(&b, "/dev@200");
	d4 = (struct tdev *)device_find(&b, "/isa/bus/dev@400");
	ck_assert_ptr_nonnull(d1);
	ck_assert_ptr_nonnull(d2);
	ck_assert_ptr_nonnull(d4);
	ck_assert_ptr_null(device_find(&b, "/dev@300"));
	/* document order */
	ck_assert_ptr_eq(b.devices, &d1->dev);
	ck_assert_ptr_eq(d1->dev.next, &d2->dev);
	ck_assert_str_eq(d1->dev.next->next->name, "/isa/bus");
	ck_assert_ptr_eq(d1->dev.next->next->next, &d4->dev);
	/* properties: defaults, then the node */
	ck_assert_uint_eq(d1->iobase, 0x100);
	ck_assert(d1->flag);
	ck_assert_str_eq(d1->label, "none");
	ck_assert_uint_eq(d2->iobase, 0x200);
	ck_assert(!d2->flag);
	ck_assert_str_eq(d2->label, "hello");
	ck_assert_uint_eq(d2->addr, 0xfe000000ull);
	ck_assert(d4->flag);
	/* interrupts */
	ck_assert_uint_eq(d1->dev.nirq, 2);
	ck_assert_ptr_eq(device_irq(&d1->dev, 0), &b.gsi[5]);
	ck_assert_ptr_eq(device_irq(&d1->dev, 1), &b.gsi[9]);
	ck_assert_ptr_null(device_irq(&d1->dev, 2));
	ck_assert_ptr_null(device_irq(&d2->dev, 0));
	/* dispatch reaches the right instance */
	bus_write(&b.pio, 0x202, 0x5a, 1);
	ck_assert_uint_eq(d2->reg[2], 0x5a);
	bus_write(&b.mmio, 0xfe000001, 0x6b, 1);
	ck_assert_uint_eq(d2->reg[1], 0x6b);
	ck_assert_uint_eq(bus_read(&b.pio, 0x402, 1), 0);
	/* lookup by type, in document order */
	ck_assert_ptr_eq(device_find_type(&b, "test-dev", NULL), &d1->dev);
	ck_assert_ptr_eq(device_find_type(&b, "bringup,test-dev", &d1->dev), &d2->dev);
	ck_assert_ptr_eq(device_find_type(&b, "test-dev", &d2->dev), &d4->dev);
	ck_assert_ptr_null(device_find_type(&b, "test-dev", &d4->dev));
	ck_assert_ptr_null(device_find_type(&b, "test-fail", NULL));
	/* parents */
	child = &d4->dev;
	ck_assert_ptr_nonnull(device_parent(child));
	ck_assert_str_eq(device_parent(child)->name, "/isa/bus");
	ck_assert_ptr_eq(device_parent_of_type(child, "test-bus"), device_parent(child));
	ck_assert_ptr_null(device_parent_of_type(child, "test-dev"));
	ck_assert_ptr_null(device_parent(&d1->dev));
	/* reset: document order, through the chain */
	reset_order[0] = '\0';
	board_reset(&b, RESET_POWER_ON);
	ck_assert_str_eq(reset_order, "/dev@100 /dev@200 /isa/bus/dev@400 ");
	ck_assert_uint_eq(d2->reg[2], 0);
	board_destroy(&b);
}
END_TEST

/* one tree with a single broken device node; the error must name it */
struct bad_case {
	const char *compat;
	int iobase;
	const char *prop;
	const void *val;
	int len;
	int code;
	const char *msg1, *msg2;
};

static const uint8_t irq24[] = { BE32(24) };
static const uint8_t two_cells[] = { BE32(0), BE32(0x100) };
static const uint8_t cell2[] = { BE32(2) };

static const struct bad_case bad_cases[] = {
	{ "no-such-type", 0x500, NULL, NULL, 0, -ENOENT, "/bad@0", "unknown device type 'no-such-type'" },
	{ "test-dev", 0x500, "interrupts", irq24, 4, -EINVAL, "/bad@0", "interrupt pin 24 does not exist" },
	{ "test-dev", 0x500, "interrupts", "abc", 3, -EINVAL, "/bad@0", "'interrupts'" },
	{ "test-dev", -1, "iobase", two_cells, 8, -EINVAL, "/bad@0", "property 'iobase': 1 cell" },
	{ "test-dev", 0x500, "flag", cell2, 4, -EINVAL, "/bad@0", "property 'flag'" },
	{ "test-dev", 0x500, "label", "a\0b", 4, -EINVAL, "/bad@0", "property 'label'" },
	{ "test-dev", 0x500, "addr", "abc", 3, -EINVAL, "/bad@0", "property 'addr'" },
	{ "test-dev", 0x102, NULL, NULL, 0, -EEXIST, "/bad@0", "overlap /good@100" },
	{ "test-dev", 0x500, "addr", two_cells, 8, -EEXIST, "/bad@0", "overlap guest memory" },
	{ "test-dev", 0xfffe, NULL, NULL, 0, -EINVAL, "/bad@0", "ports 0xfffe" },
	{ "test-fail", -1, NULL, NULL, 0, -EIO, "/bad@0", "the device refuses" },
};

START_TEST(test_build_errors_name_node_and_property)
{
	const struct bad_case *c = &bad_cases[_i];
	static uint8_t fdt[FDT_SIZE];
	struct board b;
	struct board_err err = { 0 };
	int r;

	begin_tree(fdt, 16 << 20, 1);
	dev_node(fdt, "good@100", "test-dev", 0x100);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	dev_node(fdt, "bad@0", c->compat, c->iobase);
	if (c->prop)
		ck_assert_int_eq(fdt_property(fdt, c->prop, c->val, c->len), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	end_tree(fdt);

	r = build(&b, fdt, &err);
	ck_assert_int_eq(r, c->code);
	ck_assert_int_eq(err.code, c->code);
	ck_assert_msg(strstr(err.msg, c->msg1) && strstr(err.msg, c->msg2), "case %d: %s", _i, err.msg);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	/* nothing of the failed device remains */
	ck_assert_ptr_null(device_find(&b, "/bad@0"));
	ck_assert_ptr_null(bus_find(&b.pio, 0x700));
	ck_assert_ptr_nonnull(device_find(&b, "/good@100"));
	board_destroy(&b);
}
END_TEST

START_TEST(test_build_board_errors)
{
	static uint8_t fdt[FDT_SIZE];
	struct board b;
	struct board_err err = { 0 };

	/* RAM that does not fit */
	begin_tree(fdt, 2ull << 40, 1);
	end_tree(fdt);
	ck_assert_int_eq(build(&b, fdt, &err), -EINVAL);
	ck_assert_msg(strstr(err.msg, "/memory") && strstr(err.msg, "'size'"), "%s", err.msg);
	board_destroy(&b);

	begin_tree(fdt, 1 << 20, 1);
	end_tree(fdt);
	ck_assert_int_eq(build(&b, fdt, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "/memory"));
	board_destroy(&b);

	/* no CPUs */
	begin_tree(fdt, 16 << 20, 0);
	end_tree(fdt);
	ck_assert_int_eq(build(&b, fdt, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "/cpus"));
	board_destroy(&b);

	/* not a board */
	ck_assert_int_eq(fdt_create(fdt, FDT_SIZE), 0);
	ck_assert_int_eq(fdt_finish_reservemap(fdt), 0);
	ck_assert_int_eq(fdt_begin_node(fdt, ""), 0);
	ck_assert_int_eq(fdt_property_string(fdt, "compatible", "acme,board"), 0);
	end_tree(fdt);
	ck_assert_int_eq(build(&b, fdt, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "'compatible'"));
	board_destroy(&b);

	/* not a DTB at all */
	memset(fdt, 0x41, 64);
	ck_assert_int_eq(build(&b, fdt, &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a valid DTB"));
	board_destroy(&b);
	ck_assert_int_eq(build(&b, NULL, &err), -EINVAL);
	board_destroy(&b);
}
END_TEST

START_TEST(test_device_opts)
{
	static uint8_t fdt[FDT_SIZE];
	struct board b;
	struct board_err err = { 0 };
	struct device *dev;
	struct tdev *t;

	begin_tree(fdt, 16 << 20, 1);
	end_tree(fdt);
	ck_assert_int_eq(build(&b, fdt, &err), 0);
	ck_assert_int_eq(device_create_from_opts(&b, "test-dev,iobase=0x300,flag=off,label=abc,irq=7,addr=4278190080",
						 &dev, &err), 0);
	t = (struct tdev *)dev;
	ck_assert_str_eq(dev->name, "test-dev.0");
	ck_assert_uint_eq(t->iobase, 0x300);
	ck_assert(!t->flag);
	ck_assert_str_eq(t->label, "abc");
	ck_assert_uint_eq(t->addr, 0xff000000ull);
	ck_assert_uint_eq(dev->nirq, 1);
	ck_assert_uint_eq(dev->irq[0], 7);
	ck_assert_int_eq(device_create_from_opts(&b, "test-dev,iobase=0x310,id=mine,interrupts=3:4", &dev,
						 &err), 0);
	ck_assert_str_eq(dev->name, "mine");
	ck_assert_uint_eq(dev->nirq, 2);
	ck_assert_uint_eq(dev->irq[1], 4);

#define BAD(opts, code, text) do {							\
		struct board_err e = { 0 };						\
		ck_assert_int_eq(device_create_from_opts(&b, opts, &dev, &e), code);	\
		ck_assert_msg(strstr(e.msg, text), "%s -> %s", opts, e.msg);		\
		ck_assert_ptr_null(dev);						\
	} while (0)
	BAD("nope,x=1", -ENOENT, "unknown device type 'nope'");
	BAD("test-dev,bogus=1", -ENOENT, "has no property 'bogus'");
	BAD("test-dev,iobase=0x1g", -EINVAL, "bad value '0x1g'");
	BAD("test-dev,iobase=0x100000000", -EINVAL, "property 'iobase'");
	BAD("test-dev,iobase=-1", -EINVAL, "property 'iobase'");
	BAD("test-dev,iobase=", -EINVAL, "property 'iobase'");
	BAD("test-dev,flag=maybe", -EINVAL, "property 'flag'");
	BAD("test-dev,iobase", -EINVAL, "property=value expected");
	BAD("test-dev,=5", -EINVAL, "property=value expected");
	BAD("test-dev,irq=99", -EINVAL, "interrupt pin 99 does not exist");
	BAD("test-dev,irq=1:2", -EINVAL, "one number expected");
	BAD("test-dev,interrupts=1::2", -EINVAL, "bad value");
	BAD("test-dev,iobase=0x300", -EEXIST, "overlap test-dev.0");
	BAD(",iobase=1", -EINVAL, "device type expected");
	BAD("", -EINVAL, "device type expected");
#undef BAD
	ck_assert_ptr_null(bus_find(&b.pio, 0x700));
	board_destroy(&b);
}
END_TEST

START_TEST(test_fdt_edits)
{
	static uint8_t base[FDT_SIZE], fdt[FDT_SIZE * 2];
	struct board b;
	struct board_err err = { 0 };
	struct tdev *t;
	struct device *d;

	begin_tree(base, 16 << 20, 1);
	dev_node(base, "dev@100", "test-dev", 0x100);
	ck_assert_int_eq(fdt_end_node(base), 0);
	end_tree(base);
	ck_assert_int_eq(fdt_open_into(base, fdt, sizeof(fdt)), 0);
	ck_assert_int_eq(board_fdt_set_ram(fdt, 64 << 20, &err), 0);
	ck_assert_int_eq(board_fdt_set_cpus(fdt, 4, &err), 0);
	ck_assert_int_eq(board_fdt_set_cpus(fdt, 0, &err), -EINVAL);
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,iobase=0x600,label=cli,irq=3", &err), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,iobase=0x680,id=second", &err), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,iobase=0x690,id=second", &err), -EEXIST);
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,nope=1", &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.msg, "'nope'"));
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,flag=perhaps", &err), -EINVAL);
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,irq=40", &err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "interrupt pin '40'"));
	ck_assert_int_eq(board_fdt_add_device(fdt, "what", &err), -ENOENT);
	/* failed adds leave no node behind */
	ck_assert_int_lt(fdt_path_offset(fdt, "/test-dev@1"), 0);

	ck_assert_msg(build(&b, fdt, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(b.ncpus, 4);
	ck_assert_uint_eq(b.cpu_apic_id[3], 3);
	ck_assert_uint_eq(b.mem.ram_size, 64 << 20);
	t = (struct tdev *)device_find(&b, "/test-dev@0");
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->iobase, 0x600);
	ck_assert_str_eq(t->label, "cli");
	ck_assert_uint_eq(t->dev.irq[0], 3);
	/* -device nodes come after the board's own, in command-line order */
	d = b.devices;
	ck_assert_str_eq(d->name, "/dev@100");
	ck_assert_str_eq(d->next->name, "/test-dev@0");
	ck_assert_str_eq(d->next->next->name, "/second");
	board_destroy(&b);

	/* no room: -ENOSPC, so the caller can grow the buffer */
	ck_assert_int_eq(fdt_open_into(base, fdt, fdt_totalsize(base)), 0);
	ck_assert_int_eq(board_fdt_add_device(fdt, "test-dev,label=a-long-label-that-needs-room", &err),
			 -ENOSPC);
}
END_TEST

START_TEST(test_connect_irq_forwards)
{
	static uint8_t fdt[FDT_SIZE];
	static const uint8_t irq[] = { BE32(6) };
	struct board b;
	struct board_err err = { 0 };
	struct irq_line own = { 0 }, *none;
	struct device *d;

	begin_tree(fdt, 16 << 20, 1);
	dev_node(fdt, "dev@100", "test-dev", 0x100);
	ck_assert_int_eq(fdt_property(fdt, "interrupts", irq, 4), 0);
	ck_assert_int_eq(fdt_end_node(fdt), 0);
	end_tree(fdt);
	ck_assert_int_eq(build(&b, fdt, &err), 0);
	d = device_find(&b, "/dev@100");
	ck_assert_int_eq(device_connect_irq(d, 0, &own, &err), 0);
	irq_raise(&own);
	ck_assert_int_eq(b.gsi[6].level, 1);
	irq_lower(&own);
	ck_assert_int_eq(b.gsi[6].level, 0);
	ck_assert_int_eq(device_get_irq(d, 1, &none, &err), -EINVAL);
	ck_assert_ptr_null(none);
	ck_assert_ptr_nonnull(strstr(err.msg, "/dev@100: property 'interrupts'"));
	board_destroy(&b);
}
END_TEST

Suite *board_device_suite(void)
{
	Suite *s = suite_create("board_device");
	TCase *tc = tcase_create("device");

	tcase_add_test(tc, test_registration_and_setup);
	tcase_add_test(tc, test_setup_rejects_bad_tables);
	tcase_add_test(tc, test_instantiate_from_tree);
	tcase_add_loop_test(tc, test_build_errors_name_node_and_property, 0,
			    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_build_board_errors);
	tcase_add_test(tc, test_device_opts);
	tcase_add_test(tc, test_fdt_edits);
	tcase_add_test(tc, test_connect_irq_forwards);
	suite_add_tcase(s, tc);
	return s;
}
