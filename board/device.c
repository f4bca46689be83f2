/*
 * QOM-lite: type registry, type setup, instance creation from a tree node
 * and "-device" strings (see device.h for the contract).
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "board/board.h"
#include "board/device.h"

#define DEVICE_MAX_REGIONS 16

static struct device_type *type_list;
static bool types_set_up;

/* Regions a device registered, so a failed realize or a destroy can undo them. */
struct device_priv {
	unsigned nregions;
	struct {
		struct bus *bus;
		uint64_t base;
		void *opaque;
	} region[DEVICE_MAX_REGIONS];
};

/* The private tail lives after the instance, so struct device stays small. */
static struct device_priv *dev_priv(struct device *dev)
{
	size_t off = (dev->type->instance_size + 15) & ~(size_t)15;

	return (struct device_priv *)((char *)dev + off);
}

void device_type_register(struct device_type *t)
{
	struct device_type **pp = &type_list;

	/* keep the list in name order so listings are stable */
	while (*pp && strcmp((*pp)->name, t->name) < 0)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->set_up = false;
	types_set_up = false;
}

void device_type_unregister(struct device_type *t)
{
	struct device_type **pp;

	for (pp = &type_list; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			t->next = NULL;
			return;
		}
	}
}

static size_t prop_width(enum prop_kind k)
{
	switch (k) {
	case PROP_U32:
		return sizeof(uint32_t);
	case PROP_U64:
		return sizeof(uint64_t);
	case PROP_BOOL:
		return sizeof(bool);
	case PROP_STRING:
		return sizeof(char *);
	}
	return 0;
}

static int type_setup(struct device_type *t, struct board_err *err)
{
	const struct device_prop *p, *q;
	const struct device_type *q_t;

	t->set_up = true;
	t->broken = true;
	if (!t->name || !*t->name)
		return board_err(err, -EINVAL, "device type without a name");
	for (q_t = type_list; q_t; q_t = q_t->next)
		if (q_t != t && q_t->name && !strcmp(q_t->name, t->name))
			return board_err(err, -EEXIST, "device type '%s' registered twice", t->name);
	if (t->instance_size < sizeof(struct device))
		return board_err(err, -EINVAL, "device type '%s': instance_size %zu < struct device",
				 t->name, t->instance_size);
	for (p = t->props; p && p->name; p++) {
		size_t w = prop_width(p->kind);

		if (!w)
			return board_err(err, -EINVAL, "device type '%s': property '%s': bad kind",
					 t->name, p->name);
		if (p->offset < sizeof(struct device) || p->offset + w > t->instance_size)
			return board_err(err, -EINVAL,
					 "device type '%s': property '%s': offset %zu outside the instance",
					 t->name, p->name, p->offset);
		if (p->kind == PROP_U32 && p->def > UINT32_MAX)
			return board_err(err, -EINVAL, "device type '%s': property '%s': default too big",
					 t->name, p->name);
		if (p->kind == PROP_BOOL && p->def > 1)
			return board_err(err, -EINVAL, "device type '%s': property '%s': default not 0/1",
					 t->name, p->name);
		if (!strcmp(p->name, "interrupts") || !strcmp(p->name, "irq") ||
		    !strcmp(p->name, "id") || !strcmp(p->name, "compatible"))
			return board_err(err, -EINVAL, "device type '%s': property '%s' is reserved",
					 t->name, p->name);
		for (q = t->props; q != p; q++)
			if (!strcmp(q->name, p->name))
				return board_err(err, -EINVAL,
						 "device type '%s': property '%s' defined twice",
						 t->name, p->name);
	}
	if (t->class_init) {
		int r = t->class_init(t, err);

		if (r < 0)
			return r;
	}
	t->broken = false;
	return 0;
}

int device_types_setup(struct board_err *err)
{
	struct device_type *t;
	int ret = 0;

	for (t = type_list; t; t = t->next) {
		if (!t->set_up) {
			int r = type_setup(t, err);

			if (r < 0 && !ret)
				ret = r;
		}
	}
	types_set_up = true;
	return ret;
}

static const char *strip_vendor(const char *name)
{
	if (!strncmp(name, "bringup,", 8))
		return name + 8;
	return name;
}

const struct device_type *device_type_find(const char *name)
{
	struct device_type *t;

	if (!name)
		return NULL;
	if (!types_set_up)
		device_types_setup(NULL);
	name = strip_vendor(name);
	for (t = type_list; t; t = t->next)
		if (!t->broken && !strcmp(t->name, name))
			return t;
	return NULL;
}

const struct device_type *device_type_next(const struct device_type *prev)
{
	if (!types_set_up)
		device_types_setup(NULL);
	return prev ? prev->next : type_list;
}

const struct device_prop *device_type_prop(const struct device_type *t, const char *name)
{
	const struct device_prop *p;

	for (p = t->props; p && p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

static void *prop_ptr(struct device *dev, const struct device_prop *p)
{
	return (char *)dev + p->offset;
}

static void prop_store(struct device *dev, const struct device_prop *p, uint64_t v, const char *s)
{
	void *ptr = prop_ptr(dev, p);

	switch (p->kind) {
	case PROP_U32:
		*(uint32_t *)ptr = (uint32_t)v;
		break;
	case PROP_U64:
		*(uint64_t *)ptr = v;
		break;
	case PROP_BOOL:
		*(bool *)ptr = v != 0;
		break;
	case PROP_STRING: {
		char **sp = ptr;
		free(*sp);
		*sp = s ? strdup(s) : NULL;
		break;
	}
	}
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

static int parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* "4" or "4:5:6" into GSI numbers */
static int parse_irqs(struct device *dev, const char *what, const char *value,
		      struct board_err *err)
{
	unsigned n = 0;
	const char *p = value;

	for (;;) {
		char buf[24];
		size_t len = strcspn(p, ":");
		uint64_t v;

		if (!len || len >= sizeof(buf))
			return board_err(err, -EINVAL, "%s: property '%s': bad value '%s'",
					 dev->name, what, value);
		memcpy(buf, p, len);
		buf[len] = '\0';
		if (parse_u64(buf, &v) < 0)
			return board_err(err, -EINVAL, "%s: property '%s': bad value '%s'",
					 dev->name, what, value);
		if (v >= BOARD_NR_GSI)
			return board_err(err, -EINVAL,
					 "%s: property '%s': interrupt pin %" PRIu64
					 " does not exist (GSI 0-%d)", dev->name, what, v, BOARD_NR_GSI - 1);
		if (n >= DEVICE_MAX_IRQS)
			return board_err(err, -EINVAL, "%s: property '%s': more than %d interrupts",
					 dev->name, what, DEVICE_MAX_IRQS);
		dev->irq[n++] = (unsigned)v;
		p += len;
		if (!*p)
			break;
		p++;
	}
	dev->nirq = n;
	return 0;
}

int device_prop_parse(struct device *dev, const char *name, const char *value,
		      struct board_err *err)
{
	const struct device_prop *p;
	uint64_t v = 0;
	bool bv;

	if (!strcmp(name, "interrupts"))
		return parse_irqs(dev, name, value, err);
	if (!strcmp(name, "irq")) {
		/* QEMU-style single irq: replaces the first interrupt */
		unsigned keep[DEVICE_MAX_IRQS], nkeep = dev->nirq;
		int r;

		memcpy(keep, dev->irq, sizeof(keep));
		r = parse_irqs(dev, name, value, err);
		if (r < 0)
			return r;
		if (dev->nirq != 1) {
			dev->nirq = nkeep;
			memcpy(dev->irq, keep, sizeof(keep));
			return board_err(err, -EINVAL, "%s: property 'irq': one number expected, got '%s'",
					 dev->name, value);
		}
		if (nkeep > 1) {
			keep[0] = dev->irq[0];
			memcpy(dev->irq, keep, sizeof(keep));
			dev->nirq = nkeep;
		}
		return 0;
	}
	p = device_type_prop(dev->type, name);
	if (!p)
		return board_err(err, -ENOENT, "%s: device type '%s' has no property '%s'",
				 dev->name, dev->type->name, name);
	switch (p->kind) {
	case PROP_U32:
	case PROP_U64:
		if (parse_u64(value, &v) < 0 || (p->kind == PROP_U32 && v > UINT32_MAX))
			return board_err(err, -EINVAL, "%s: property '%s': bad value '%s' (%s expected)",
					 dev->name, name, value,
					 p->kind == PROP_U32 ? "32-bit number" : "64-bit number");
		break;
	case PROP_BOOL:
		if (parse_bool(value, &bv) < 0)
			return board_err(err, -EINVAL, "%s: property '%s': bad value '%s' (on/off expected)",
					 dev->name, name, value);
		v = bv;
		break;
	case PROP_STRING:
		break;
	}
	prop_store(dev, p, v, value);
	return 0;
}

/* Type properties and "interrupts" from the node. */
static int props_from_node(struct device *dev, const void *fdt, int node, struct board_err *err)
{
	const struct device_prop *p;
	const void *val;
	int len;

	for (p = dev->type->props; p && p->name; p++) {
		uint64_t v = 0;

		val = fdt_getprop(fdt, node, p->name, &len);
		if (!val)
			continue;
		switch (p->kind) {
		case PROP_U32:
			if (len != 4)
				return board_err(err, -EINVAL, "%s: property '%s': 1 cell expected, got %d bytes",
						 dev->name, p->name, len);
			v = fdt32_to_cpu(*(const fdt32_t *)val);
			break;
		case PROP_U64:
			if (len == 4) {
				v = fdt32_to_cpu(*(const fdt32_t *)val);
			} else if (len == 8) {
				fdt64_t t;

				memcpy(&t, val, 8);
				v = fdt64_to_cpu(t);
			} else {
				return board_err(err, -EINVAL, "%s: property '%s': 1 or 2 cells expected, got %d bytes",
						 dev->name, p->name, len);
			}
			break;
		case PROP_BOOL:
			if (len == 0) {
				v = 1;
			} else if (len == 4) {
				v = fdt32_to_cpu(*(const fdt32_t *)val);
				if (v > 1)
					return board_err(err, -EINVAL, "%s: property '%s': bool cell must be 0 or 1",
							 dev->name, p->name);
			} else {
				return board_err(err, -EINVAL, "%s: property '%s': empty or 1 cell expected",
						 dev->name, p->name);
			}
			break;
		case PROP_STRING:
			if (len < 1 || ((const char *)val)[len - 1] != '\0' ||
			    strlen(val) != (size_t)len - 1)
				return board_err(err, -EINVAL, "%s: property '%s': one string expected",
						 dev->name, p->name);
			break;
		}
		prop_store(dev, p, v, p->kind == PROP_STRING ? val : NULL);
	}

	val = fdt_getprop(fdt, node, "interrupts", &len);
	if (val) {
		const fdt32_t *cells = val;
		int i, n = len / 4;

		if (len % 4)
			return board_err(err, -EINVAL, "%s: property 'interrupts': %d bytes is not whole cells",
					 dev->name, len);
		if (n > DEVICE_MAX_IRQS)
			return board_err(err, -EINVAL, "%s: property 'interrupts': more than %d interrupts",
					 dev->name, DEVICE_MAX_IRQS);
		for (i = 0; i < n; i++) {
			uint32_t gsi = fdt32_to_cpu(cells[i]);

			if (gsi >= BOARD_NR_GSI)
				return board_err(err, -EINVAL,
						 "%s: property 'interrupts': interrupt pin %u does not exist (GSI 0-%d)",
						 dev->name, gsi, BOARD_NR_GSI - 1);
			dev->irq[i] = gsi;
		}
		dev->nirq = n;
	}
	return 0;
}

/* "a=b,c=d"; "id=NAME" renames the device. */
static int props_from_opts(struct device *dev, const char *opts, struct board_err *err)
{
	char *copy, *save = NULL, *item;
	int r = 0;

	if (!opts || !*opts)
		return 0;
	copy = strdup(opts);
	if (!copy)
		return board_err(err, -ENOMEM, "%s: out of memory", dev->name);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq || eq == item) {
			r = board_err(err, -EINVAL, "%s: '%s': property=value expected", dev->name, item);
			break;
		}
		*eq = '\0';
		if (!strcmp(item, "id")) {
			char *n = strdup(eq + 1);

			if (!n || !*n) {
				free(n);
				r = board_err(err, -EINVAL, "%s: property 'id': empty", dev->name);
				break;
			}
			free(dev->name);
			dev->name = n;
			continue;
		}
		r = device_prop_parse(dev, item, eq + 1, err);
		if (r < 0)
			break;
	}
	free(copy);
	return r;
}

static void device_unregister_regions(struct device *dev)
{
	struct device_priv *pv = dev_priv(dev);

	while (pv->nregions) {
		pv->nregions--;
		bus_unregister(pv->region[pv->nregions].bus, pv->region[pv->nregions].base,
			       pv->region[pv->nregions].opaque);
	}
}

static void device_free(struct device *dev)
{
	const struct device_prop *p;

	for (p = dev->type->props; p && p->name; p++)
		if (p->kind == PROP_STRING)
			free(*(char **)prop_ptr(dev, p));
	free(dev->name);
	free(dev);
}

static void device_reset_cb(void *opaque, enum reset_cause cause)
{
	struct device *dev = opaque;

	(void)cause;
	if (dev->realized && dev->type->reset)
		dev->type->reset(dev);
}

int device_create(struct board *b, const char *type, const char *name,
		  const void *fdt, int node, const char *overrides,
		  struct device **out, struct board_err *err)
{
	const struct device_type *t = device_type_find(type);
	const struct device_prop *p;
	struct device *dev;
	size_t size;
	int r;

	if (out)
		*out = NULL;
	if (!t)
		return board_err(err, -ENOENT, "%s: unknown device type '%s'",
				 name ? name : "-device", type ? type : "(none)");
	size = ((t->instance_size + 15) & ~(size_t)15) + sizeof(struct device_priv);
	dev = calloc(1, size);
	if (!dev)
		return board_err(err, -ENOMEM, "%s: out of memory", name ? name : t->name);
	dev->type = t;
	dev->board = b;
	dev->fdt = node >= 0 ? fdt : NULL;
	dev->node = node >= 0 ? node : -1;
	if (name) {
		dev->name = strdup(name);
	} else {
		unsigned n = 0;
		struct device *d;
		char buf[96];

		for (d = b->devices; d; d = d->next)
			n += d->type == t;
		snprintf(buf, sizeof(buf), "%s.%u", t->name, n);
		dev->name = strdup(buf);
	}
	if (!dev->name) {
		free(dev);
		return board_err(err, -ENOMEM, "out of memory");
	}
	for (p = t->props; p && p->name; p++)
		prop_store(dev, p, p->def, p->def_str);

	r = 0;
	if (dev->node >= 0)
		r = props_from_node(dev, fdt, node, err);
	if (!r)
		r = props_from_opts(dev, overrides, err);
	if (!r) {
		board_lock(b);
		r = t->realize ? t->realize(dev, b, err) : 0;
		dev->realized = r >= 0;
		board_unlock(b);
	}
	if (!r && t->reset)
		r = board_register_reset(b, device_reset_cb, dev, dev->name);
	if (r < 0) {
		board_err(err, r, "%s: cannot create device (%s)", dev->name, strerror(-r));
		if (dev->realized && t->unrealize)
			t->unrealize(dev);
		device_unregister_regions(dev);
		device_free(dev);
		return r;
	}
	dev->next = NULL;
	*b->devices_tail = dev;
	b->devices_tail = &dev->next;
	if (out)
		*out = dev;
	return 0;
}

int device_create_from_opts(struct board *b, const char *opts, struct device **out,
			    struct board_err *err)
{
	char type[96];
	size_t len;

	if (out)
		*out = NULL;
	if (!opts)
		return board_err(err, -EINVAL, "-device: empty");
	len = strcspn(opts, ",");
	if (!len || len >= sizeof(type))
		return board_err(err, -EINVAL, "-device '%s': device type expected", opts);
	memcpy(type, opts, len);
	type[len] = '\0';
	if (!device_type_find(type))
		return board_err(err, -ENOENT, "-device: unknown device type '%s'", type);
	return device_create(b, type, NULL, NULL, -1, opts[len] ? opts + len + 1 : NULL, out, err);
}

void device_destroy_all(struct board *b)
{
	struct device *dev = b->devices, *next;

	for (; dev; dev = next) {
		next = dev->next;
		if (dev->type->unrealize)
			dev->type->unrealize(dev);
		device_unregister_regions(dev);
		device_free(dev);
	}
	b->devices = NULL;
	b->devices_tail = &b->devices;
}

struct device *device_find(struct board *b, const char *name)
{
	struct device *dev;

	for (dev = b->devices; dev; dev = dev->next)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

struct device *device_find_type(struct board *b, const char *type, struct device *prev)
{
	struct device *dev = prev ? prev->next : b->devices;

	if (!type)
		return NULL;
	type = strip_vendor(type);
	for (; dev; dev = dev->next)
		if (!strcmp(dev->type->name, type))
			return dev;
	return NULL;
}

struct irq_line *device_irq(struct device *dev, unsigned i)
{
	if (i >= dev->nirq)
		return NULL;
	return board_gsi_line(dev->board, dev->irq[i]);
}

int device_get_irq(struct device *dev, unsigned i, struct irq_line **line,
		   struct board_err *err)
{
	*line = device_irq(dev, i);
	if (!*line)
		return board_err(err, -EINVAL, "%s: property 'interrupts': interrupt %u missing (%u given)",
				 dev->name, i, dev->nirq);
	return 0;
}

/* irq_handler_fn of a device_connect_irq() source: opaque = board, n = source index. */
static void gsi_source_set(void *opaque, int n, int level)
{
	struct board *b = opaque;
	unsigned i, gsi;
	int any = 0;

	if (n < 0 || (unsigned)n >= b->ngsi_src)
		return;
	b->gsi_src[n].level = !!level;
	gsi = b->gsi_src[n].gsi;
	for (i = 0; i < b->ngsi_src && !any; i++)
		any = b->gsi_src[i].gsi == gsi && b->gsi_src[i].level;
	irq_set(&b->gsi[gsi], any);
}

int device_connect_irq(struct device *dev, unsigned i, struct irq_line *own,
		       struct board_err *err)
{
	struct board *b = dev->board;
	struct irq_line *gsi;
	int r = device_get_irq(dev, i, &gsi, err);

	if (r < 0)
		return r;
	/* each device its own source: a GSI shared by two devices is their OR */
	if (b->ngsi_src == b->gsi_src_cap) {
		unsigned cap = b->gsi_src_cap ? b->gsi_src_cap * 2 : 16;
		struct board_gsi_src *s = realloc(b->gsi_src, cap * sizeof(*s));

		if (!s)
			return board_err(err, -ENOMEM, "%s: out of memory for interrupt %u", dev->name, i);
		b->gsi_src = s;
		b->gsi_src_cap = cap;
	}
	b->gsi_src[b->ngsi_src] = (struct board_gsi_src){ .gsi = (uint8_t)dev->irq[i], .level = 0 };
	irq_connect(own, gsi_source_set, b, (int)b->ngsi_src);
	b->ngsi_src++;
	return 0;
}

static struct device *device_at_node(struct board *b, const void *fdt, int node)
{
	struct device *d;

	for (d = b->devices; d; d = d->next)
		if (d->fdt == fdt && d->node == node)
			return d;
	return NULL;
}

struct device *device_parent_of_type(struct device *dev, const char *type)
{
	int node = dev->node;

	if (!dev->fdt || node < 0)
		return NULL;
	for (node = fdt_parent_offset(dev->fdt, node); node >= 0;
	     node = node ? fdt_parent_offset(dev->fdt, node) : -1) {
		struct device *d = device_at_node(dev->board, dev->fdt, node);

		if (d && (!type || !strcmp(d->type->name, type)))
			return d;
	}
	return NULL;
}

struct device *device_parent(struct device *dev)
{
	return device_parent_of_type(dev, NULL);
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Does an MMIO range collide with RAM (minus the VGA window) or a ROM region? */
static bool mmio_hits_memory(struct board *b, uint64_t base, uint64_t len)
{
	const struct guest_mem *m = &b->mem;
	unsigned i;

	if (!len || base + (len - 1) < base)
		return false;	/* bus_register reports it */
	if (b->vga_hole && base >= BOARD_VGA_BASE && base + len <= BOARD_VGA_END)
		return false;
	if (overlap(base, len, 0, m->below_4g) ||
	    overlap(base, len, GMEM_4G, m->ram_size - m->below_4g))
		return true;
	for (i = 0; i < m->nregions; i++)
		if (overlap(base, len, m->region[i].gpa, m->region[i].size))
			return true;
	return false;
}

static int device_bus_register(struct device *dev, struct bus *bus, const char *what,
			       uint64_t base, uint64_t len, const struct bus_ops *ops,
			       void *opaque, struct board_err *err)
{
	struct device_priv *pv = dev_priv(dev);
	const char *clash = NULL;
	int r;

	if (pv->nregions >= DEVICE_MAX_REGIONS)
		return board_err(err, -ENOSPC, "%s: more than %d regions", dev->name, DEVICE_MAX_REGIONS);
	if (bus == &dev->board->mmio && mmio_hits_memory(dev->board, base, len))
		return board_err(err, -EEXIST, "%s: %s 0x%" PRIx64 "-0x%" PRIx64 " overlap guest memory",
				 dev->name, what, base, base + len - 1);
	r = bus_register(bus, base, len, ops, opaque, dev->name, &clash);
	if (r == -EEXIST)
		return board_err(err, r, "%s: %s 0x%" PRIx64 "-0x%" PRIx64 " overlap %s",
				 dev->name, what, base, base + len - 1, clash);
	if (r < 0)
		return board_err(err, r, "%s: %s 0x%" PRIx64 " length 0x%" PRIx64 " invalid",
				 dev->name, what, base, len);
	pv->region[pv->nregions].bus = bus;
	pv->region[pv->nregions].base = base;
	pv->region[pv->nregions].opaque = opaque;
	pv->nregions++;
	return 0;
}

int device_pio_register(struct device *dev, uint64_t base, uint64_t len,
			const struct bus_ops *ops, void *opaque, struct board_err *err)
{
	if (base > 0xffff || len > 0x10000 - base)
		return board_err(err, -EINVAL, "%s: ports 0x%" PRIx64 " length 0x%" PRIx64
				 " outside 0-0xffff", dev->name, base, len);
	return device_bus_register(dev, &dev->board->pio, "ports", base, len, ops, opaque, err);
}

int device_mmio_register(struct device *dev, uint64_t base, uint64_t len,
			 const struct bus_ops *ops, void *opaque, struct board_err *err)
{
	return device_bus_register(dev, &dev->board->mmio, "MMIO", base, len, ops, opaque, err);
}
