/*
 * QOM-lite: device types and instances.
 *
 * Three separate steps, in this order:
 *  1. Registration, before main: DEVICE_TYPE(my_type) in the device's .c file
 *     puts the static struct device_type on the global list.
 *  2. Type setup (device_types_setup(), run once, also implicitly by the
 *     first lookup): checks every property table (names unique, offsets and
 *     widths inside instance_size, defaults valid) and runs the optional
 *     class_init hook.
 *  3. Object creation (device_create()): instance_size bytes, zeroed; the
 *     property defaults; then properties from the board-description node;
 *     then "-device type,prop=value" overrides; then realize(dev, board, err).
 *
 * A device's instance struct embeds struct device as its FIRST member:
 *
 *	struct debug_exit {
 *		struct device dev;
 *		uint32_t iobase, iosize;
 *	};
 *	static const struct device_prop debug_exit_props[] = {
 *		DEVICE_PROP_U32("iobase", struct debug_exit, iobase, 0x501),
 *		DEVICE_PROP_U32("iosize", struct debug_exit, iosize, 2),
 *		{ 0 }
 *	};
 *	static struct device_type debug_exit_type = {
 *		.name = "isa-debug-exit",
 *		.instance_size = sizeof(struct debug_exit),
 *		.props = debug_exit_props,
 *		.realize = debug_exit_realize,
 *		.reset = debug_exit_reset,
 *	};
 *	DEVICE_TYPE(debug_exit_type);
 *
 * The node's "compatible" names the type (the first string that is a
 * registered type wins; a "bringup," vendor prefix is ignored). A property of
 * the type is read from the node property of the same name: u32 = 1 cell,
 * u64 = 1 or 2 cells (or /bits/ 64), bool = empty property (true) or a cell,
 * string. "interrupts" is generic: cells are GSI numbers (< BOARD_NR_GSI),
 * kept in dev->irq[]; device_irq() gives the line to drive. Node properties
 * that are not type properties are ignored (reg, #cells, phandles...).
 *
 * Ports and MMIO: register them with device_pio_register() /
 * device_mmio_register(): an overlap is an error naming both nodes.
 * realize() runs under the board lock; reset() runs from the reset chain (in
 * document order) with the board lock held. unrealize() undoes realize (the
 * instance memory itself is freed by the framework). A realize() that fails
 * frees what it allocated itself; the regions it registered through the
 * helpers below are removed by the framework, and unrealize() is not called.
 * Interrupt lines: device_irq()/device_get_irq() give the GSI line to drive
 * directly, or device_connect_irq() makes a line embedded in the model (e.g.
 * pit->irq) drive it.
 */
#ifndef BOARD_DEVICE_H
#define BOARD_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/bus.h"
#include "board/error.h"
#include "board/irq.h"

struct board;

enum prop_kind {
	PROP_U32,
	PROP_U64,
	PROP_BOOL,
	PROP_STRING,		/* char * in the instance; owned by the framework */
};

struct device_prop {
	const char *name;
	enum prop_kind kind;
	size_t offset;		/* into the instance struct */
	uint64_t def;		/* default for numbers and bool */
	const char *def_str;	/* default for strings (may be NULL) */
	const char *desc;	/* one line, for -device TYPE,help */
};

#define DEVICE_PROP_U32(n, type, field, d) \
	{ .name = (n), .kind = PROP_U32, .offset = offsetof(type, field), .def = (d) }
#define DEVICE_PROP_U64(n, type, field, d) \
	{ .name = (n), .kind = PROP_U64, .offset = offsetof(type, field), .def = (d) }
#define DEVICE_PROP_BOOL(n, type, field, d) \
	{ .name = (n), .kind = PROP_BOOL, .offset = offsetof(type, field), .def = (d) }
#define DEVICE_PROP_STRING(n, type, field, d) \
	{ .name = (n), .kind = PROP_STRING, .offset = offsetof(type, field), .def_str = (d) }

struct device;

struct device_type {
	const char *name;		/* matches "compatible" and -device */
	const char *desc;
	size_t instance_size;		/* >= sizeof(struct device), device first */
	const struct device_prop *props;	/* terminated by { 0 } (name NULL); may be NULL */
	/* optional, run once at type setup; an error there disables the type */
	int (*class_init)(struct device_type *t, struct board_err *err);
	int (*realize)(struct device *dev, struct board *b, struct board_err *err);
	void (*reset)(struct device *dev);
	void (*unrealize)(struct device *dev);

	/* framework-owned */
	struct device_type *next;
	bool set_up, broken;
};

#define DEVICE_MAX_IRQS 24

struct device {
	const struct device_type *type;
	struct board *board;
	char *name;			/* node name ("serial@3f8") or "type.N" for -device */
	const void *fdt;		/* NULL for devices made without a node */
	int node;			/* fdt offset, -1 without a node */
	unsigned nirq;
	unsigned irq[DEVICE_MAX_IRQS];	/* GSI numbers from "interrupts" */
	bool realized;
	struct device *next;		/* board list, document order */
};

/* Step 1 */
void device_type_register(struct device_type *t);
#define DEVICE_TYPE(t) \
	static void __attribute__((constructor)) device_type_register_##t(void) \
	{ device_type_register(&(t)); }

/* Tests: take a type off the list again (no instance of it may remain). */
void device_type_unregister(struct device_type *t);

/* Step 2: returns 0 or the first error (the broken type is skipped later). */
int device_types_setup(struct board_err *err);
const struct device_type *device_type_find(const char *name);
/* A type's property by name; NULL if none. */
const struct device_prop *device_type_prop(const struct device_type *t, const char *name);
/* Iterate registered types (prev NULL = first). */
const struct device_type *device_type_next(const struct device_type *prev);

/*
 * Step 3. node < 0: no node. overrides: a "-device" string's "prop=value,..."
 * part (no type name; may be NULL). On success the device is realized, added
 * to the board's list, and its reset (if any) is on the reset chain.
 */
int device_create(struct board *b, const char *type, const char *name,
		  const void *fdt, int node, const char *overrides,
		  struct device **out, struct board_err *err);
/* "-device type,prop=value,...": type lookup + device_create without a node. */
int device_create_from_opts(struct board *b, const char *opts, struct device **out,
			    struct board_err *err);
/* Set one property from text (as on the command line), before realize. */
int device_prop_parse(struct device *dev, const char *prop, const char *value,
		      struct board_err *err);
/* Unrealize and free every device of the board (board_destroy does this). */
void device_destroy_all(struct board *b);
struct device *device_find(struct board *b, const char *name);
/* First device of a type (e.g. the VMM looking up "fw_cfg_io"); after `prev`
 * when prev is non-NULL, so all of them can be walked. NULL when none. */
struct device *device_find_type(struct board *b, const char *type, struct device *prev);

/* Helpers for realize() */
struct irq_line *device_irq(struct device *dev, unsigned i);	/* NULL if absent */
/* As device_irq, but an error naming the node's "interrupts" if absent. */
int device_get_irq(struct device *dev, unsigned i, struct irq_line **line,
		   struct board_err *err);
/* Make the device's own line (e.g. pit->irq) drive its i-th "interrupts" GSI:
 * connects `own` so irq_set(own, l) sets the GSI line. Error if absent. */
int device_connect_irq(struct device *dev, unsigned i, struct irq_line *own,
		       struct board_err *err);
/* The device made from the nearest ancestor node that has one (e.g. the PCI
 * host bridge for a function under it); NULL if none or no node. */
struct device *device_parent(struct device *dev);
/* ... of a given type (walks further up); NULL if none. */
struct device *device_parent_of_type(struct device *dev, const char *type);
int device_pio_register(struct device *dev, uint64_t base, uint64_t len,
			const struct bus_ops *ops, void *opaque, struct board_err *err);
int device_mmio_register(struct device *dev, uint64_t base, uint64_t len,
			 const struct bus_ops *ops, void *opaque, struct board_err *err);

#endif
