/*
 * Command-line parsing (see cli.h). QEMU's option syntax: "-opt value" or
 * "--opt value"; values that carry properties are "first,key=val,key=val"
 * with ",," standing for a literal comma.
 */
#include "vmm/cli.h"
#include "vmm/cpuid.h"
#include "board/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BRINGUP_VERSION "0.1"

struct parser {
	struct vm_config *cfg;
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

static void list_add(struct str_list *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

static void list_free(struct str_list *l)
{
	for (unsigned i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- "a,key=val,key=val" ------------------------------------------------- */

struct kv {
	char key[64];
	char *val;		/* malloc'd; NULL when the item had no '=' */
};

/*
 * Next item of a property list. Returns 1 with *kv filled, 0 at the end.
 * ",," is a literal comma inside a value.
 */
static int kv_next(const char **pos, struct kv *kv)
{
	const char *s = *pos;
	size_t cap = strlen(s) + 1, n = 0;
	char *item;

	if (!*s)
		return 0;
	item = xrealloc(NULL, cap);
	while (*s) {
		if (*s == ',') {
			if (s[1] == ',') {
				item[n++] = ',';
				s += 2;
				continue;
			}
			s++;
			break;
		}
		item[n++] = *s++;
	}
	item[n] = 0;
	*pos = s;

	char *eq = strchr(item, '=');
	if (eq) {
		size_t klen = (size_t)(eq - item);
		if (klen >= sizeof(kv->key))
			klen = sizeof(kv->key) - 1;
		memcpy(kv->key, item, klen);
		kv->key[klen] = 0;
		kv->val = xstrdup(eq + 1);
	} else {
		snprintf(kv->key, sizeof(kv->key), "%s", item);
		kv->val = NULL;
	}
	free(item);
	return 1;
}

static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
		*out = false;
		return 0;
	}
	return -1;
}

/* ---- sizes and numbers ---------------------------------------------------- */

int cli_parse_size(const char *s, unsigned def_shift, uint64_t *out, const char **why)
{
	const char *p = s;
	uint64_t whole = 0, frac_num = 0, frac_den = 1;
	unsigned shift = def_shift;
	bool digits = false;

	while (isdigit((unsigned char)*p)) {
		if (whole > (UINT64_MAX - 9) / 10) {
			*why = "too large";
			return -1;
		}
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (frac_den < 1000000000ull) {
				frac_num = frac_num * 10 + (uint64_t)(*p - '0');
				frac_den *= 10;
			}
			p++;
			digits = true;
		}
	}
	if (!digits) {
		*why = "not a number";
		return -1;
	}
	if (*p) {
		switch (*p) {
		case 'b': case 'B': shift = 0; break;
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default:
			*why = "bad size suffix";
			return -1;
		}
		p++;
		/* "512MiB"/"512MB" style tails are not QEMU syntax either */
		if (*p) {
			*why = "bad size suffix";
			return -1;
		}
	}
	if (shift < 64 && whole > (UINT64_MAX >> shift)) {
		*why = "too large";
		return -1;
	}
	uint64_t v = whole << shift;
	uint64_t f = shift ? (frac_num << shift) / frac_den : 0;
	if (frac_num && (!shift || ((frac_num << shift) % frac_den))) {
		*why = "not a whole number of bytes";
		return -1;
	}
	if (v + f < v) {
		*why = "too large";
		return -1;
	}
	*out = v + f;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* ---- files ---------------------------------------------------------------- */

static int check_file(struct parser *p, const char *opt, const char *path)
{
	struct stat st;

	if (!*path)
		return fail(p, "%s: empty file name", opt);
	if (stat(path, &st) < 0)
		return fail(p, "%s: %s: %s", opt, path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(p, "%s: %s: is a directory", opt, path);
	if (access(path, R_OK) < 0)
		return fail(p, "%s: %s: %s", opt, path, strerror(errno));
	return 0;
}

/* ---- option handlers ------------------------------------------------------ */

/* name is "kvm" or "tcg" (checked by the caller); room is checked too */
static void accel_push(struct vm_config *c, const char *name)
{
	memcpy(c->accel[c->naccels], name, 3);
	c->accel[c->naccels++][3] = 0;
}

static int set_accel_list(struct parser *p, const char *opt, const char *list)
{
	struct vm_config *c = p->cfg;
	const char *s = list;

	c->naccels = 0;
	while (*s) {
		size_t len = strcspn(s, ":");
		char name[16];

		if (len == 0 || len >= sizeof(name))
			return fail(p, "%s: bad accelerator list '%s'", opt, list);
		memcpy(name, s, len);
		name[len] = 0;
		if (strcmp(name, "kvm") && strcmp(name, "tcg"))
			return fail(p, "%s: unknown accelerator '%s' (kvm, tcg)", opt, name);
		if (c->naccels == CLI_MAX_ACCELS)
			return fail(p, "%s: too many accelerators", opt);
		accel_push(c, name);
		s += len;
		if (*s == ':')
			s++;
	}
	if (!c->naccels)
		return fail(p, "%s: empty accelerator", opt);
	return 0;
}

static int set_irqchip(struct parser *p, const char *opt, const char *v)
{
	bool b;

	if (v && !strcmp(v, "split"))
		p->cfg->irqchip = IRQCHIP_SPLIT;
	else if (!parse_bool(v, &b))
		p->cfg->irqchip = b ? IRQCHIP_ON : IRQCHIP_OFF;
	else
		return fail(p, "%s: kernel-irqchip must be on, split or off, not '%s'", opt, v);
	return 0;
}

static int set_list_text(struct parser *p, const char *text)
{
	p->cfg->action = CLI_LIST;
	free(p->cfg->list_text);
	p->cfg->list_text = xstrdup(text);
	return 0;
}

static int set_machine_type(struct parser *p, const char *opt, const char *name)
{
	struct vm_config *c = p->cfg;

	if (!strcmp(name, "help") || !strcmp(name, "?"))
		return set_list_text(p, "Supported machines are:\n"
				     "pc       Standard PC (i440FX + PIIX, 1996)\n"
				     "microvm  microvm (minimal ISA board, virtio-mmio)\n");
	if (!strcmp(name, "pc") || !strncmp(name, "pc-i440fx-", 10)) {
		c->machine = MACHINE_PC;
		c->machine_name = "pc";
	} else if (!strcmp(name, "microvm")) {
		c->machine = MACHINE_MICROVM;
		c->machine_name = "microvm";
	} else {
		return fail(p, "%s: unknown machine '%s' (pc, microvm)", opt, name);
	}
	return 0;
}

/* Machine properties that describe what we lack anyway: accepted when off. */
static const char *const machine_off_props[] = {
	"usb", "vmport", "smm", "graphics", "hpet", "sata", "pit", "pic", "rtc", "isa-serial",
	"x-option-roms", NULL
};

static int opt_machine(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;
	const char *pos = arg;
	struct kv kv;
	bool first = true;
	int ret = 0;

	while (!ret && kv_next(&pos, &kv)) {
		if (first && !kv.val) {
			ret = set_machine_type(p, opt, kv.key);
		} else if (!kv.val) {
			ret = fail(p, "%s: property '%s' needs a value", opt, kv.key);
		} else if (!strcmp(kv.key, "type")) {
			ret = set_machine_type(p, opt, kv.val);
		} else if (!strcmp(kv.key, "accel")) {
			ret = set_accel_list(p, opt, kv.val);
		} else if (!strcmp(kv.key, "kernel-irqchip") || !strcmp(kv.key, "kernel_irqchip")) {
			ret = set_irqchip(p, opt, kv.val);
		} else if (!strcmp(kv.key, "dumpdtb")) {
			if (!*kv.val)
				ret = fail(p, "%s: dumpdtb needs a file name", opt);
			free(c->dumpdtb);
			c->dumpdtb = xstrdup(kv.val);
		} else if (!strcmp(kv.key, "acpi")) {
			bool b;

			/* QEMU's OnOffAuto: auto is on for both boards */
			if (!strcmp(kv.val, "auto"))
				c->no_acpi = false;
			else if (parse_bool(kv.val, &b))
				ret = fail(p, "%s: acpi must be on, off or auto, not '%s'", opt, kv.val);
			else
				c->no_acpi = !b;
		} else if (!strcmp(kv.key, "dumpacpi")) {
			if (!*kv.val)
				ret = fail(p, "%s: dumpacpi needs a directory", opt);
			free(c->dumpacpi);
			c->dumpacpi = xstrdup(kv.val);
		} else {
			const char *const *o;
			bool b;

			for (o = machine_off_props; *o && strcmp(*o, kv.key); o++)
				;
			if (!*o)
				ret = fail(p, "%s: unknown property '%s'", opt, kv.key);
			else if (parse_bool(kv.val, &b))
				ret = fail(p, "%s: %s must be on or off, not '%s'", opt, kv.key, kv.val);
			else if (b)
				ret = fail(p, "%s: %s=on is not supported", opt, kv.key);
		}
		free(kv.val);
		first = false;
	}
	return ret;
}

static int opt_accel(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;
	const char *pos = arg;
	struct kv kv;
	bool first = true;
	int ret = 0;

	while (!ret && kv_next(&pos, &kv)) {
		if (first && !kv.val) {
			if (!strcmp(kv.key, "help") || !strcmp(kv.key, "?")) {
				ret = set_list_text(p, "Accelerators supported in QEMU binary:\nkvm\ntcg\n");
			} else if (strcmp(kv.key, "kvm") && strcmp(kv.key, "tcg")) {
				ret = fail(p, "%s: unknown accelerator '%s' (kvm, tcg)", opt, kv.key);
			} else if (c->naccels == CLI_MAX_ACCELS) {
				ret = fail(p, "%s: too many accelerators", opt);
			} else {
				/* repeated -accel options are tried in order, as QEMU does */
				accel_push(c, kv.key);
			}
		} else if (first || !kv.val) {
			if (!strcmp(kv.key, "accel") && kv.val)
				ret = opt_accel(p, opt, kv.val);
			else
				ret = fail(p, "%s: expected kvm or tcg, not '%s'", opt, kv.key);
		} else if (!strcmp(kv.key, "kernel-irqchip") || !strcmp(kv.key, "kernel_irqchip")) {
			ret = set_irqchip(p, opt, kv.val);
		} else if (!strcmp(kv.key, "thread")) {
			if (strcmp(kv.val, "single") && strcmp(kv.val, "multi"))
				ret = fail(p, "%s: thread must be single or multi", opt);
		} else {
			ret = fail(p, "%s: unknown property '%s'", opt, kv.key);
		}
		free(kv.val);
		first = false;
	}
	if (!ret && first)
		ret = fail(p, "%s: empty accelerator", opt);
	return ret;
}

static int opt_cpu(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;
	const char *pos = arg;
	struct kv kv;
	bool first = true;
	int ret = 0;

	while (!ret && kv_next(&pos, &kv)) {
		if (first) {
			if (kv.val) {
				ret = fail(p, "%s: expected a model name first, not '%s='", opt, kv.key);
			} else if (!strcmp(kv.key, "help") || !strcmp(kv.key, "?")) {
				char buf[256];
				snprintf(buf, sizeof(buf), "Available CPUs: %s\n", cpuid_model_list());
				ret = set_list_text(p, buf);
			} else if (!cpuid_model_known(kv.key)) {
				ret = fail(p, "%s: unknown model '%s' (%s)", opt, kv.key, cpuid_model_list());
			} else {
				free(c->cpu_model);
				c->cpu_model = xstrdup(kv.key);
			}
		} else {
			const char *name = kv.key;
			bool on = true;

			if (!kv.val && (*name == '+' || *name == '-')) {
				on = *name == '+';
				name++;
			} else if (kv.val && parse_bool(kv.val, &on)) {
				ret = fail(p, "%s: %s must be on or off, not '%s'", opt, kv.key, kv.val);
			} else if (!kv.val) {
				ret = fail(p, "%s: expected +%s, -%s or %s=on|off", opt, name, name, name);
			}
			if (!ret && !cpuid_feature_find(name))
				ret = fail(p, "%s: unknown feature '%s'", opt, name);
			if (!ret) {
				c->cpu_flags = xrealloc(c->cpu_flags, (c->ncpu_flags + 1) * sizeof(*c->cpu_flags));
				c->cpu_flags[c->ncpu_flags].name = xstrdup(name);
				c->cpu_flags[c->ncpu_flags++].on = on;
			}
		}
		free(kv.val);
		first = false;
	}
	if (!ret && first)
		ret = fail(p, "%s: empty CPU model", opt);
	return ret;
}

static int opt_m(struct parser *p, const char *opt, const char *arg)
{
	const char *pos = arg;
	struct kv kv;
	bool first = true;
	int ret = 0;

	while (!ret && kv_next(&pos, &kv)) {
		const char *v = NULL;

		if (first && !kv.val)
			v = kv.key;
		else if (kv.val && !strcmp(kv.key, "size"))
			v = kv.val;
		else if (kv.val && (!strcmp(kv.key, "slots") || !strcmp(kv.key, "maxmem")))
			ret = fail(p, "%s: %s (memory hotplug) is not supported", opt, kv.key);
		else
			ret = fail(p, "%s: unknown property '%s'", opt, kv.key);
		if (v) {
			uint64_t size;
			const char *why;

			if (cli_parse_size(v, 20, &size, &why))
				ret = fail(p, "%s: %s in '%s'", opt, why, v);
			else if (size < (1ull << 20))
				ret = fail(p, "%s: '%s' is less than 1 MiB", opt, v);
			else if (size > CLI_MAX_RAM)
				ret = fail(p, "%s: '%s' is more than 1 TiB", opt, v);
			else
				p->cfg->ram_size = (size + 0xfff) & ~0xfffull;
		}
		free(kv.val);
		first = false;
	}
	if (!ret && first)
		ret = fail(p, "%s: empty size", opt);
	return ret;
}

static int opt_smp(struct parser *p, const char *opt, const char *arg)
{
	const char *pos = arg;
	struct kv kv;
	bool first = true;
	unsigned cpus = 0, topo = 1, maxcpus = 0;
	bool have_topo = false;
	int ret = 0;

	while (!ret && kv_next(&pos, &kv)) {
		unsigned v;
		const char *s = kv.val ? kv.val : kv.key;
		bool known = kv.val && (!strcmp(kv.key, "cpus") || !strcmp(kv.key, "sockets") ||
					!strcmp(kv.key, "cores") || !strcmp(kv.key, "threads") ||
					!strcmp(kv.key, "dies") || !strcmp(kv.key, "maxcpus"));

		if (!(first && !kv.val) && !known) {
			ret = fail(p, "%s: unknown property '%s'", opt, kv.key);
		} else if (parse_uint(s, 100000, &v) || v == 0) {
			ret = fail(p, "%s: '%s' is not a positive number", opt, s);
		} else if (!kv.val || !strcmp(kv.key, "cpus")) {
			cpus = v;
		} else if (!strcmp(kv.key, "maxcpus")) {
			maxcpus = v;
		} else {
			topo *= v;
			have_topo = true;
		}
		free(kv.val);
		first = false;
	}
	if (ret)
		return ret;
	if (!cpus)
		cpus = have_topo ? topo : (maxcpus ? maxcpus : 1);
	if (have_topo && topo < cpus)
		return fail(p, "%s: topology holds %u CPUs, fewer than cpus=%u", opt, topo, cpus);
	if (maxcpus && maxcpus != cpus)
		return fail(p, "%s: maxcpus (CPU hotplug) is not supported", opt);
	if (cpus > CLI_MAX_SMP)
		return fail(p, "%s: %u CPUs is more than the %u this board supports", opt, cpus,
			    CLI_MAX_SMP);
	p->cfg->smp = cpus;
	return 0;
}

/* A character backend: stdio, file:PATH, null, none. */
static int parse_backend(struct parser *p, const char *opt, const char *arg, struct serial_cfg *s)
{
	if (!strcmp(arg, "stdio") || !strcmp(arg, "mon:stdio"))
		s->kind = SERIAL_STDIO;
	else if (!strcmp(arg, "null"))
		s->kind = SERIAL_NULL;
	else if (!strcmp(arg, "none"))
		s->kind = SERIAL_NONE;
	else if (!strncmp(arg, "file:", 5)) {
		if (!arg[5])
			return fail(p, "%s: file: needs a path", opt);
		s->kind = SERIAL_FILE;
		s->path = xstrdup(arg + 5);
	} else {
		size_t n = strcspn(arg, ":,");
		return fail(p, "%s: backend '%.*s' is not supported (stdio, file:PATH, null, none)",
			    opt, (int)n, arg);
	}
	return 0;
}

static int opt_debugcon(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;

	free(c->debugcon.path);
	c->debugcon = (struct serial_cfg){ 0 };
	c->debugcon_given = true;
	return parse_backend(p, opt, arg, &c->debugcon);
}

/*
 * -gdb tcp:[HOST]:PORT[,server=on,wait=off,...] (QEMU's chardev form; the
 * socket options are what a gdb stub always is), a bare PORT, or none.
 */
static int opt_gdb(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;
	bool tcp = !strncmp(arg, "tcp:", 4);
	const char *spec = tcp ? arg + 4 : arg, *colon, *portstr;
	size_t alen = strcspn(spec, ","), hlen = 0;
	char *end;
	unsigned long port;

	free(c->gdb);
	free(c->gdb_host);
	c->gdb = c->gdb_host = NULL;
	if (!strcmp(arg, "none"))
		return 0;
	colon = tcp ? memrchr(spec, ':', alen) : NULL;
	if (colon) {
		hlen = (size_t)(colon - spec);
		portstr = colon + 1;
	} else if (!tcp && isdigit((unsigned char)*spec) && !strchr(spec, ':')) {
		portstr = spec;			/* a bare PORT, as QEMU's */
	} else {
		return fail(p, "%s: '%s' is not supported (tcp:[HOST]:PORT, or none)", opt, arg);
	}
	errno = 0;
	port = strtoul(portstr, &end, 10);
	if (end == portstr || (*end && *end != ',') || errno || port == 0 || port > 65535)
		return fail(p, "%s: bad port in '%s' (1-65535)", opt, arg);
	if (hlen >= 256)
		return fail(p, "%s: host name too long in '%s'", opt, arg);
	if (hlen)
		c->gdb_host = strndup(spec, hlen);
	c->gdb_port = (unsigned)port;
	c->gdb = xstrdup(arg);
	return 0;
}

static int opt_serial(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;
	struct serial_cfg s = { 0 };

	if (parse_backend(p, opt, arg, &s))
		return -1;
	if (c->nserials == CLI_MAX_SERIALS) {
		free(s.path);
		return fail(p, "%s: at most %d serial ports", opt, CLI_MAX_SERIALS);
	}
	c->serial[c->nserials++] = s;
	c->serial_given = true;
	return 0;
}

static int opt_display(struct parser *p, const char *opt, const char *arg)
{
	size_t n = strcspn(arg, ",");

	if (n == 4 && !strncmp(arg, "none", 4)) {
		p->cfg->display_none = true;
		return 0;
	}
	return fail(p, "%s: display '%.*s' is not supported (none)", opt, (int)n, arg);
}

static int opt_fw_cfg(struct parser *p, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;
	struct fw_cfg_opt f = { 0 };
	const char *pos = arg;
	struct kv kv;
	bool first = true;
	int ret = 0;

	while (!ret && kv_next(&pos, &kv)) {
		char **slot = NULL;

		if (first && !kv.val) {
			slot = &f.name;
			kv.val = xstrdup(kv.key);
		} else if (!kv.val) {
			ret = fail(p, "%s: property '%s' needs a value", opt, kv.key);
		} else if (!strcmp(kv.key, "name")) {
			slot = &f.name;
		} else if (!strcmp(kv.key, "file")) {
			slot = &f.file;
		} else if (!strcmp(kv.key, "string")) {
			slot = &f.string;
		} else {
			ret = fail(p, "%s: unknown property '%s'", opt, kv.key);
		}
		if (slot) {
			free(*slot);
			*slot = kv.val;
			kv.val = NULL;
		}
		free(kv.val);
		first = false;
	}
	if (!ret && (!f.name || !*f.name))
		ret = fail(p, "%s: name= is required", opt);
	else if (!ret && strlen(f.name) >= FW_CFG_NAME_MAX)
		ret = fail(p, "%s: name '%s' is longer than %d characters", opt, f.name,
			   FW_CFG_NAME_MAX - 1);
	else if (!ret && !f.file == !f.string)
		ret = fail(p, "%s: exactly one of file= and string= is required", opt);
	else if (!ret && f.file)
		ret = check_file(p, opt, f.file);
	if (!ret) {
		for (unsigned i = 0; i < c->nfw_cfg; i++)
			if (!strcmp(c->fw_cfg[i].name, f.name))
				ret = fail(p, "%s: name '%s' given twice", opt, f.name);
	}
	if (ret) {
		free(f.name);
		free(f.file);
		free(f.string);
		return ret;
	}
	c->fw_cfg = xrealloc(c->fw_cfg, (c->nfw_cfg + 1) * sizeof(*c->fw_cfg));
	c->fw_cfg[c->nfw_cfg++] = f;
	return 0;
}

static const char log_help[] =
	"Log items (comma separated):\n"
	"guest_errors  guest accesses nothing claims, bad register writes\n"
	"ioport        port I/O\n"
	"mmio          MMIO outside RAM\n"
	"int           interrupts and exceptions\n"
	"cpu_reset     CPU state at reset\n"
	"unimp         unimplemented device features\n"
	"in_asm        (tcg) each new block, disassembled\n"
	"exec          (tcg) each executed instruction's address\n"
	"cpu           (tcg) registers before each block\n"
	"fw_cfg        fw_cfg selector and DMA requests\n"
	"boot          the boot report at exit: each step of the boot, timed\n";

/* "boot" is the VMM's own item (the boot report); the rest are board/log.h's. */
static int opt_d(struct parser *p, const char *opt, const char *arg)
{
	unsigned mask;
	const char *bad = NULL;
	char *rest = xstrdup(arg), *out = rest;
	const char *in = arg;
	int ret = 0;

	if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
		free(rest);
		return set_list_text(p, log_help);
	}
	while (*in) {
		size_t len = strcspn(in, ",");

		if (len == 4 && !strncmp(in, "boot", 4)) {
			p->cfg->boot_report = true;
		} else if (len) {
			if (out != rest)
				*out++ = ',';
			memcpy(out, in, len);
			out += len;
		}
		in += len;
		if (*in == ',')
			in++;
	}
	*out = 0;
	if (log_parse_mask(rest, &mask, &bad) < 0)
		ret = fail(p, "%s: unknown log item '%s' (-d help lists them)", opt,
			   bad ? bad : arg);
	else
		p->cfg->log_mask |= mask;
	free(rest);
	return ret;
}

static int opt_str(char **slot, const char *arg)
{
	free(*slot);
	*slot = xstrdup(arg);
	return 0;
}

/* ---- the tables ------------------------------------------------------------- */

enum opt_id {
	O_MACHINE, O_ACCEL, O_ENABLE_KVM, O_CPU, O_M, O_SMP, O_BIOS, O_KERNEL, O_INITRD,
	O_APPEND, O_SERIAL, O_NOGRAPHIC, O_DISPLAY, O_NODEFAULTS, O_NO_REBOOT, O_NO_SHUTDOWN,
	O_DEVICE, O_DRIVE, O_NETDEV, O_NIC, O_FW_CFG, O_D, O_DFILE, O_S_STOP, O_S_GDB, O_GDB,
	O_VERSION, O_HELP, O_DEBUGCON, O_DATADIR,
};

static const struct option_def {
	const char *name;
	enum opt_id id;
	bool arg;
} options[] = {
	{ "machine", O_MACHINE, true }, { "M", O_MACHINE, true },
	{ "accel", O_ACCEL, true }, { "enable-kvm", O_ENABLE_KVM, false },
	{ "cpu", O_CPU, true }, { "m", O_M, true }, { "smp", O_SMP, true },
	{ "bios", O_BIOS, true }, { "kernel", O_KERNEL, true }, { "initrd", O_INITRD, true },
	{ "append", O_APPEND, true }, { "serial", O_SERIAL, true },
	{ "nographic", O_NOGRAPHIC, false }, { "display", O_DISPLAY, true },
	{ "nodefaults", O_NODEFAULTS, false }, { "no-reboot", O_NO_REBOOT, false },
	{ "no-shutdown", O_NO_SHUTDOWN, false }, { "device", O_DEVICE, true },
	{ "drive", O_DRIVE, true }, { "netdev", O_NETDEV, true }, { "nic", O_NIC, true }, { "fw_cfg", O_FW_CFG, true },
	{ "d", O_D, true }, { "D", O_DFILE, true }, { "S", O_S_STOP, false },
	{ "s", O_S_GDB, false }, { "gdb", O_GDB, true }, { "version", O_VERSION, false },
	{ "h", O_HELP, false }, { "help", O_HELP, false },
	{ "debugcon", O_DEBUGCON, true }, { "L", O_DATADIR, true },
};

/* QEMU options we recognise but do not implement. */
static const char *const unsupported[] = {
	"vga", "usb", "usbdevice", "monitor", "qmp", "qmp-pretty", "mon", "hda", "hdb", "hdc",
	"hdd", "cdrom", "fda", "fdb", "boot", "k", "snapshot", "rtc", "icount", "name", "uuid",
	"object", "chardev", "numa", "global", "tpmdev", "spice", "vnc", "sdl", "curses",
	"full-screen", "soundhw", "audiodev", "audio", "net", "pidfile", "daemonize",
	"loadvm", "incoming", "runas", "chroot", "sandbox", "overcommit", "mem-path",
	"mem-prealloc", "watchdog", "watchdog-action", "option-rom", "smbios", "acpitable",
	"add-fd", "msg", "trace", "plugin", "semihosting", "semihosting-config", "prom-env",
	"g", "parallel", "virtfs", "iscsi", "blockdev", "mtdblock", "sd", "pflash",
	"singlestep", "one-insn-per-tb", "readconfig", "writeconfig", "no-user-config",
	"nodefconfig", "no-hpet", "no-acpi", "no-fd-bootchk", "action", "compat", "preconfig",
	"dfilter", "seed", "xen-domid", "alt-grab", "ctrl-grab", "no-quit", "no-frame",
	"win2k-hack", "localtime", "echr", "bt", "fsdev", "iothread", "set", "portrait",
	"rotate", "show-cursor", "tb-size", "enable-fips", "mem-merge", "realtime",
	"device-tree", "dtb", "qtest", "qtest-log", "nodefaults-usb", "machine-help",
	"old-param", "sandbox", "accel-help", "cpu-help", "no-kvm", "no-kvm-irqchip",
	"kvm-shadow-memory", "enable-hax", "fsdev", "legacy-option-roms",
};

static const struct option_def *find_option(const char *name)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strcmp(options[i].name, name))
			return &options[i];
	return NULL;
}

static bool is_unsupported(const char *name)
{
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!strcmp(unsupported[i], name))
			return true;
	return false;
}

static int apply(struct parser *p, const struct option_def *o, const char *opt, const char *arg)
{
	struct vm_config *c = p->cfg;

	switch (o->id) {
	case O_MACHINE: return opt_machine(p, opt, arg);
	case O_ACCEL: return opt_accel(p, opt, arg);
	case O_ENABLE_KVM:
		if (c->naccels == CLI_MAX_ACCELS)
			return fail(p, "%s: too many accelerators", opt);
		accel_push(c, "kvm");
		return 0;
	case O_CPU: return opt_cpu(p, opt, arg);
	case O_M: return opt_m(p, opt, arg);
	case O_SMP: return opt_smp(p, opt, arg);
	case O_BIOS:
		if (check_file(p, opt, arg))
			return -1;
		return opt_str(&c->bios, arg);
	case O_KERNEL:
		if (check_file(p, opt, arg))
			return -1;
		return opt_str(&c->kernel, arg);
	case O_INITRD:
		if (check_file(p, opt, arg))
			return -1;
		return opt_str(&c->initrd, arg);
	case O_APPEND: return opt_str(&c->append, arg);
	case O_SERIAL: return opt_serial(p, opt, arg);
	case O_NOGRAPHIC: c->nographic = true; return 0;
	case O_DISPLAY: return opt_display(p, opt, arg);
	case O_NODEFAULTS: c->nodefaults = true; return 0;
	case O_NO_REBOOT: c->no_reboot = true; return 0;
	case O_NO_SHUTDOWN: c->no_shutdown = true; return 0;
	case O_DEVICE:
		if (!*arg)
			return fail(p, "%s: empty device", opt);
		list_add(&c->devices, arg);
		return 0;
	case O_DRIVE: list_add(&c->drives, arg); return 0;
	case O_NETDEV: list_add(&c->netdevs, arg); return 0;
	case O_NIC: list_add(&c->nics, arg); return 0;
	case O_FW_CFG: return opt_fw_cfg(p, opt, arg);
	case O_D: return opt_d(p, opt, arg);
	case O_DFILE:
		if (!*arg)
			return fail(p, "%s: empty file name", opt);
		return opt_str(&c->log_file, arg);
	case O_S_STOP: c->start_stopped = true; return 0;
	case O_S_GDB: return opt_gdb(p, opt, "tcp::1234");
	case O_GDB: return opt_gdb(p, opt, arg);
	case O_DEBUGCON: return opt_debugcon(p, opt, arg);
	case O_DATADIR:
		if (!*arg)
			return fail(p, "%s: empty directory name", opt);
		return opt_str(&c->datadir, arg);
	case O_VERSION: c->action = CLI_VERSION; return 0;
	case O_HELP: c->action = CLI_HELP; return 0;
	}
	return fail(p, "%s: internal error", opt);
}

int cli_parse(int argc, char *const argv[], struct vm_config *cfg, char *err, size_t errlen)
{
	struct parser p = { cfg, err, errlen };

	memset(cfg, 0, sizeof(*cfg));
	cfg->machine = MACHINE_PC;
	cfg->machine_name = "pc";
	cfg->ram_size = CLI_DEFAULT_RAM;
	cfg->smp = 1;
	if (errlen)
		err[0] = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name;
		const struct option_def *o;

		if (a[0] != '-' || !a[1])
			return fail(&p, "unexpected argument '%s' (disk images go through -drive)", a);
		name = a + 1;
		if (name[0] == '-')		/* --opt is -opt */
			name++;
		o = find_option(name);
		if (!o) {
			if (is_unsupported(name))
				return fail(&p, "option '-%s' is not supported", name);
			return fail(&p, "unknown option '%s'", a);
		}
		if (o->arg && i + 1 >= argc)
			return fail(&p, "-%s: missing argument", name);
		char opt[64];
		snprintf(opt, sizeof(opt), "-%s", name);
		if (apply(&p, o, opt, o->arg ? argv[++i] : NULL))
			return -1;
		if (cfg->action != CLI_RUN)
			return 0;	/* -version, -h, "help" lists end parsing, as QEMU's do */
	}

	if (cfg->initrd && !cfg->kernel)
		return fail(&p, "-initrd: only allowed with -kernel");
	if (cfg->append && !cfg->kernel)
		return fail(&p, "-append: only allowed with -kernel");
	if (cfg->start_stopped && !cfg->gdb)
		return fail(&p, "-S: needs a debugger to continue (-s or -gdb)");
	/* -nic once the machine is known: its default card depends on it */
	for (unsigned i = 0; i < cfg->nics.n; i++) {
		char *netdev, *device;

		if (cli_nic_expand(cfg->nics.v[i], i, cfg->machine, &netdev, &device, err, errlen))
			return -1;
		if (netdev) {
			list_add(&cfg->netdevs, netdev);
			list_add(&cfg->devices, device);
		}
		free(netdev);
		free(device);
	}
	/* QEMU's default: COM1 on stdio, unless -nodefaults or -serial said otherwise. */
	if (!cfg->serial_given && !cfg->nodefaults) {
		cfg->serial[0].kind = SERIAL_STDIO;
		cfg->nserials = 1;
	}
	return 0;
}

void cli_free(struct vm_config *cfg)
{
	free(cfg->list_text);
	free(cfg->dumpdtb);
	free(cfg->dumpacpi);
	free(cfg->cpu_model);
	for (unsigned i = 0; i < cfg->ncpu_flags; i++)
		free(cfg->cpu_flags[i].name);
	free(cfg->cpu_flags);
	free(cfg->bios);
	free(cfg->kernel);
	free(cfg->initrd);
	free(cfg->append);
	for (unsigned i = 0; i < cfg->nserials; i++)
		free(cfg->serial[i].path);
	list_free(&cfg->devices);
	list_free(&cfg->drives);
	list_free(&cfg->netdevs);
	list_free(&cfg->nics);
	for (unsigned i = 0; i < cfg->nfw_cfg; i++) {
		free(cfg->fw_cfg[i].name);
		free(cfg->fw_cfg[i].file);
		free(cfg->fw_cfg[i].string);
	}
	free(cfg->fw_cfg);
	free(cfg->log_file);
	free(cfg->debugcon.path);
	free(cfg->datadir);
	free(cfg->gdb);
	free(cfg->gdb_host);
	memset(cfg, 0, sizeof(*cfg));
}

const char *cli_version(void)
{
	return "bringup version " BRINGUP_VERSION
	       " (qemu-system-x86_64 compatible command line)\n";
}

const char *cli_usage(void)
{
	return
	"usage: bringup [options]\n"
	"\n"
	"Machine:\n"
	"  -M, -machine TYPE[,accel=kvm|tcg[:...]][,kernel-irqchip=on|split|off]\n"
	"               [,dumpdtb=FILE][,dumpacpi=DIR][,acpi=on|off]  TYPE: pc (default), microvm\n"
	"  -accel kvm|tcg[,kernel-irqchip=...]  accelerator (default: kvm, else tcg)\n"
	"  -enable-kvm                          same as -accel kvm\n"
	"  -cpu MODEL[,+flag][,-flag]           MODEL: max (default), host, qemu64, ...\n"
	"  -m SIZE                              RAM, default unit MiB (default 128M)\n"
	"  -smp N[,cpus=N][,sockets=..,cores=..,threads=..]\n"
	"  -device TYPE[,prop=value...]         add a device (-device help lists them)\n"
	"  -drive ..., -netdev ...              block and network backends\n"
	"  -nic user|tap[,model=M][,mac=A]      a -netdev and its virtio-net card in one\n"
	"  -fw_cfg [name=]NAME,file=PATH|string=STR\n"
	"\n"
	"Boot:\n"
	"  -bios FILE                           firmware (default: firmware.bin beside bringup)\n"
	"  -kernel FILE, -initrd FILE, -append CMDLINE   given to the firmware through fw_cfg\n"
	"\n"
	"Display and serial:\n"
	"  -serial stdio|file:PATH|null|none    COM1 backend (default stdio)\n"
	"  -debugcon stdio|file:PATH|null       the board's isa-debugcon (pc: port 0x402)\n"
	"  -nographic, -display none, -nodefaults\n"
	"\n"
	"Behaviour:\n"
	"  -no-reboot                           exit instead of resetting (triple fault: dump)\n"
	"  -no-shutdown                         stay alive after guest power-off\n"
	"  -d ITEM[,...]   -D FILE              trace (-d help lists items)\n"
	"  -S                                   start with the vCPUs stopped (for gdb)\n"
	"  -s, -gdb tcp:[HOST]:PORT             gdb remote stub (-s: tcp::1234)\n"
	"  -L DIR                               look for option ROMs in DIR first\n"
	"  -version, -h\n"
	"\n"
	"Exit status: 0 guest power-off, (v << 1) | 1 from isa-debug-exit, 1 error.\n";
}
