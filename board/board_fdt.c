/*
 * Editing a board description before board_build(): what -m, -smp and
 * -device do, so that "-machine dumpdtb=FILE" shows the board that runs.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "board/board.h"
#include "board/device.h"

static int fdt_errno(int r)
{
	return r == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
}

int board_fdt_set_ram(void *fdt, uint64_t size, struct board_err *err)
{
	int node, r;

	board_err_clear(err);
	node = fdt_path_offset(fdt, "/memory");
	if (node < 0)
		return board_err(err, -EINVAL, "/memory: node missing");
	r = fdt_setprop_u64(fdt, node, "size", size);
	if (r)
		return board_err(err, fdt_errno(r), "/memory: property 'size': %s", fdt_strerror(r));
	return 0;
}

int board_fdt_set_cpus(void *fdt, unsigned ncpus, struct board_err *err)
{
	int cpus, node, r;
	unsigned i;

	board_err_clear(err);
	if (!ncpus || ncpus > BOARD_MAX_CPUS)
		return board_err(err, -EINVAL, "/cpus: %u CPUs (1-%d supported)", ncpus, BOARD_MAX_CPUS);
	cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return board_err(err, -EINVAL, "/cpus: node missing");
	/* drop the old cpu nodes (offsets shift after each delete: restart) */
	for (;;) {
		const char *dt = NULL;

		fdt_for_each_subnode(node, fdt, cpus) {
			dt = fdt_getprop(fdt, node, "device_type", NULL);
			if (dt && !strcmp(dt, "cpu"))
				break;
		}
		if (node < 0)
			break;
		r = fdt_del_node(fdt, node);
		if (r)
			return board_err(err, fdt_errno(r), "/cpus: %s", fdt_strerror(r));
		cpus = fdt_path_offset(fdt, "/cpus");
	}
	/* fdt_add_subnode puts a node first: add in reverse for cpu@0 first */
	for (i = ncpus; i-- > 0;) {
		char name[16];

		snprintf(name, sizeof(name), "cpu@%u", i);
		node = fdt_add_subnode(fdt, cpus, name);
		if (node < 0)
			return board_err(err, fdt_errno(node), "/cpus/%s: %s", name, fdt_strerror(node));
		r = fdt_setprop_string(fdt, node, "device_type", "cpu");
		if (!r)
			r = fdt_setprop_u32(fdt, node, "reg", i);
		if (r)
			return board_err(err, fdt_errno(r), "/cpus/%s: %s", name, fdt_strerror(r));
		cpus = fdt_path_offset(fdt, "/cpus");
	}
	return 0;
}

static int parse_num(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int add_prop(void *fdt, int node, const char *who, const struct device_type *t,
		    const char *key, const char *val, struct board_err *err)
{
	const struct device_prop *p = device_type_prop(t, key);
	uint64_t v;
	int r = 0;

	if (!strcmp(key, "interrupts") || !strcmp(key, "irq")) {
		const char *q = val;

		r = fdt_setprop(fdt, node, "interrupts", NULL, 0);
		while (!r) {
			char buf[24];
			size_t len = strcspn(q, ":");

			if (!len || len >= sizeof(buf))
				return board_err(err, -EINVAL, "%s: property '%s': bad value '%s'",
						 who, key, val);
			memcpy(buf, q, len);
			buf[len] = '\0';
			if (parse_num(buf, &v) || v >= BOARD_NR_GSI)
				return board_err(err, -EINVAL,
						 "%s: property '%s': interrupt pin '%s' does not exist (GSI 0-%d)",
						 who, key, buf, BOARD_NR_GSI - 1);
			r = fdt_appendprop_u32(fdt, node, "interrupts", (uint32_t)v);
			q += len;
			if (!*q)
				break;
			q++;
		}
	} else if (!p) {
		return board_err(err, -ENOENT, "%s: device type '%s' has no property '%s'",
				 who, t->name, key);
	} else if (p->kind == PROP_STRING) {
		r = fdt_setprop_string(fdt, node, key, val);
	} else if (p->kind == PROP_BOOL) {
		if (!strcasecmp(val, "on") || !strcasecmp(val, "true") || !strcasecmp(val, "yes") ||
		    !strcmp(val, "1"))
			v = 1;
		else if (!strcasecmp(val, "off") || !strcasecmp(val, "false") ||
			 !strcasecmp(val, "no") || !strcmp(val, "0"))
			v = 0;
		else
			return board_err(err, -EINVAL, "%s: property '%s': bad value '%s' (on/off expected)",
					 who, key, val);
		r = fdt_setprop_u32(fdt, node, key, (uint32_t)v);
	} else {
		if (parse_num(val, &v) || (p->kind == PROP_U32 && v > UINT32_MAX))
			return board_err(err, -EINVAL, "%s: property '%s': bad value '%s' (%s expected)",
					 who, key, val,
					 p->kind == PROP_U32 ? "32-bit number" : "64-bit number");
		r = p->kind == PROP_U32 ? fdt_setprop_u32(fdt, node, key, (uint32_t)v) :
					  fdt_setprop_u64(fdt, node, key, v);
	}
	if (r)
		return board_err(err, fdt_errno(r), "%s: property '%s': %s", who, key, fdt_strerror(r));
	return 0;
}

int board_fdt_add_device(void *fdt, const char *opts, struct board_err *err)
{
	const struct device_type *t;
	char *copy, *save = NULL, *item, *type, *id = NULL;
	char name[128], who[160];
	int node, sub, len, r = 0;
	unsigned n, seq;

	board_err_clear(err);
	if (!opts || !*opts || *opts == ',')
		return board_err(err, -EINVAL, "-device: device type expected");
	copy = strdup(opts);
	if (!copy)
		return board_err(err, -ENOMEM, "-device: out of memory");
	type = strtok_r(copy, ",", &save);
	t = device_type_find(type);
	if (!t) {
		r = board_err(err, -ENOENT, "-device: unknown device type '%s'", type);
		goto out;
	}
	/* the id, if any, names the node: find it before creating anything */
	for (item = save; item && *item; ) {
		size_t len = strcspn(item, ",");

		if (!strncmp(item, "id=", 3)) {
			id = strndup(item + 3, len - 3);
			break;
		}
		item += len + (item[len] == ',');
	}
	if (id && (!*id || strchr(id, '/') || strchr(id, '@'))) {
		r = board_err(err, -EINVAL, "-device %s: property 'id': bad name '%s'", type, id);
		goto out;
	}
	if (id) {
		snprintf(name, sizeof(name), "%s", id);
	} else {
		for (n = 0;; n++) {
			snprintf(name, sizeof(name), "%s@%u", type, n);
			if (fdt_subnode_offset(fdt, 0, name) < 0)
				break;
		}
	}
	if (fdt_subnode_offset(fdt, 0, name) >= 0) {
		r = board_err(err, -EEXIST, "-device %s: property 'id': '%s' already exists", type, name);
		goto out;
	}
	snprintf(who, sizeof(who), "-device %s", type);
	/* libfdt puts a new node first under the root; BOARD_FDT_CLI_ORDER makes
	 * board_build() create it after the board's own devices, in -device order */
	seq = 0;
	fdt_for_each_subnode(sub, fdt, 0) {
		const fdt32_t *c = fdt_getprop(fdt, sub, BOARD_FDT_CLI_ORDER, &len);

		if (c && len == 4 && fdt32_to_cpu(*c) >= seq)
			seq = fdt32_to_cpu(*c) + 1;
	}
	node = fdt_add_subnode(fdt, 0, name);
	if (node >= 0)
		r = fdt_setprop_u32(fdt, node, BOARD_FDT_CLI_ORDER, seq);
	if (r) {
		r = board_err(err, fdt_errno(r), "%s: %s", who, fdt_strerror(r));
		goto out;
	}
	if (node < 0) {
		r = board_err(err, fdt_errno(node), "%s: %s", who, fdt_strerror(node));
		goto out;
	}
	r = fdt_setprop_string(fdt, node, "compatible", t->name);
	if (r) {
		r = board_err(err, fdt_errno(r), "%s: %s", who, fdt_strerror(r));
		goto out;
	}
	for (item = strtok_r(NULL, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');

		if (!eq || eq == item) {
			r = board_err(err, -EINVAL, "%s: '%s': property=value expected", who, item);
			break;
		}
		*eq = '\0';
		if (!strcmp(item, "id"))
			continue;
		r = add_prop(fdt, node, who, t, item, eq + 1, err);
		if (r < 0)
			break;
	}
	if (r < 0)
		fdt_del_node(fdt, fdt_subnode_offset(fdt, 0, name));
out:
	free(id);
	free(copy);
	return r;
}
