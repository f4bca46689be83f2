/*
 * -nic TYPE[,model=M][,mac=ADDR][,id=ID][,backend options]: QEMU's shorthand
 * for a -netdev and the network card that uses it. It is expanded once the
 * whole command line is read, since the default card depends on the machine
 * (virtio-net-pci on pc, virtio-net-device on microvm); the two strings then
 * go the way -netdev and -device do. "-nic none" adds nothing: there is no
 * default card here to remove.
 */
#include "vmm/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const nic_types[] = { "user", "tap" };
static const char *const nic_models[] = { "virtio-net-pci", "virtio-net-device" };

/* Length of the option at s up to its ',' (",," is a literal comma inside it). */
static size_t opt_len(const char *s)
{
	size_t n = 0;

	while (s[n] && !(s[n] == ',' && s[n + 1] != ','))
		n += s[n] == ',' ? 2 : 1;
	return n;
}

static bool key_is(const char *opt, size_t len, const char *key, const char **val)
{
	size_t k = strlen(key);

	if (len <= k || strncmp(opt, key, k) || opt[k] != '=')
		return false;
	*val = opt + k + 1;
	return true;
}

static int nic_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool one_of(const char *s, size_t len, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && !strncmp(s, list[i], len))
			return true;
	return false;
}

int cli_nic_expand(const char *arg, unsigned index, enum machine_type machine, char **netdev,
		   char **device, char *err, size_t errlen)
{
	const char *model = NULL, *mac = NULL, *id = NULL, *v, *p;
	size_t model_len = 0, mac_len = 0, id_len = 0, type_len = opt_len(arg), n;
	char gen_id[32], *nd, *dev;
	size_t nd_len = 0, nd_cap = strlen(arg) + sizeof(gen_id) + 8;

	*netdev = *device = NULL;
	if (type_len == 4 && !strncmp(arg, "none", 4) && !arg[4])
		return 0;
	if (!one_of(arg, type_len, nic_types, sizeof(nic_types) / sizeof(nic_types[0])))
		return nic_fail(err, errlen, "-nic: unknown type '%.*s' (user, tap, none)",
				(int)type_len, arg);
	nd = malloc(nd_cap);
	if (!nd)
		abort();
	memcpy(nd, arg, type_len);
	nd_len = type_len;
	/* model=, mac= and id= are the card's and the pair's; the rest is the backend's */
	for (p = arg + type_len; *p == ','; p += n) {
		p++;
		n = opt_len(p);
		if (key_is(p, n, "model", &v)) {
			model = v;
			model_len = n - (size_t)(v - p);
		} else if (key_is(p, n, "mac", &v)) {
			mac = v;
			mac_len = n - (size_t)(v - p);
		} else if (key_is(p, n, "id", &v)) {
			id = v;
			id_len = n - (size_t)(v - p);
		} else if (n) {
			nd[nd_len++] = ',';
			memcpy(nd + nd_len, p, n);
			nd_len += n;
		}
	}
	if (!model) {
		model = machine == MACHINE_MICROVM ? "virtio-net-device" : "virtio-net-pci";
		model_len = strlen(model);
	} else if (model_len == 6 && !strncmp(model, "virtio", 6)) {
		model = "virtio-net-pci";	/* QEMU's alias */
		model_len = strlen(model);
	} else if (!one_of(model, model_len, nic_models, sizeof(nic_models) / sizeof(nic_models[0]))) {
		free(nd);
		return nic_fail(err, errlen,
				"-nic: model '%.*s' is not supported (virtio-net-pci, virtio-net-device)",
				(int)model_len, model);
	}
	if (id && !id_len) {
		free(nd);
		return nic_fail(err, errlen, "-nic: empty id");
	}
	if (!id) {
		snprintf(gen_id, sizeof(gen_id), "__nic%u", index);
		id = gen_id;
		id_len = strlen(gen_id);
	}
	snprintf(nd + nd_len, nd_cap - nd_len, ",id=%.*s", (int)id_len, id);
	n = model_len + id_len + mac_len + 32;
	dev = malloc(n);
	if (!dev)
		abort();
	snprintf(dev, n, "%.*s,netdev=%.*s%s%.*s", (int)model_len, model, (int)id_len, id,
		 mac ? ",mac=" : "", (int)mac_len, mac ? mac : "");
	*netdev = nd;
	*device = dev;
	return 0;
}
