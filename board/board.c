/*
 * The board: lifecycle, building from a board description, GSI inputs,
 * the reset chain and reset/exit requests. Memory map: board_mem.c.
 * ROM registry: board_rom.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "board/board.h"
#include "board/device.h"
#include "board/gsi.h"
#include "board/log.h"

#define BIOS_MAX_SIZE	(16ull << 20)
#define BIOS_ALIGN	0x10000ull
#define RAM_MIN_SIZE	(2ull << 20)

static const char *const reset_cause_names[RESET_CAUSE_COUNT] = {
	[RESET_POWER_ON] = "power-on",
	[RESET_CF9] = "port 0xcf9",
	[RESET_KBD] = "i8042 0xfe",
	[RESET_PORT92] = "port 0x92",
	[RESET_ACPI] = "acpi reset register",
	[RESET_TRIPLE_FAULT] = "triple fault",
	[RESET_GUEST_OTHER] = "guest",
	[RESET_HOST] = "host",
};

const char *reset_cause_name(enum reset_cause cause)
{
	if ((unsigned)cause >= RESET_CAUSE_COUNT)
		return "unknown";
	return reset_cause_names[cause];
}

/* KVM maps the BIOS and option-ROM buffers as memory slots: page aligned. */
#define HOST_PAGE	4096u

static void *page_zalloc(size_t len)
{
	void *p = aligned_alloc(HOST_PAGE, (len + HOST_PAGE - 1) & ~(size_t)(HOST_PAGE - 1));

	if (p)
		memset(p, 0, len);
	return p;
}

/* The chipset's PAM registers reset to 0: the ROM shows through again. */
static void board_map_reset(void *opaque, enum reset_cause cause)
{
	(void)cause;
	board_pam_reset(opaque);
}

int board_init(struct board *b)
{
	pthread_mutexattr_t attr;

	memset(b, 0, sizeof(*b));
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	if (pthread_mutex_init(&b->lock, &attr)) {
		pthread_mutexattr_destroy(&attr);
		return -ENOMEM;
	}
	pthread_mutexattr_destroy(&attr);
	bus_init(&b->pio, "pio");
	bus_init(&b->mmio, "mmio");
	timer_list_init(&b->timers);
	b->devices_tail = &b->devices;
	b->optrom = page_zalloc(BOARD_OPTROM_SIZE);
	if (!b->optrom) {
		pthread_mutex_destroy(&b->lock);
		return -ENOMEM;
	}
	atomic_init(&b->req_kind, BOARD_REQ_NONE);
	atomic_init(&b->req_value, 0);
	if (board_register_reset(b, board_map_reset, b, "memory-map") < 0) {
		free(b->optrom);
		pthread_mutex_destroy(&b->lock);
		return -ENOMEM;
	}
	return 0;
}

void board_destroy(struct board *b)
{
	unsigned i;

	if (b->lapics) {
		/* last in, first out: lapic_destroy() shifts the bus's array */
		for (i = b->apic.ncpus; i-- > 0;)
			lapic_destroy(&b->lapics[i]);
		free(b->lapics);
		b->lapics = NULL;
	}
	device_destroy_all(b);
	free(b->gsi_src);
	bus_destroy(&b->pio);
	bus_destroy(&b->mmio);
	for (i = 0; i < b->nroms; i++) {
		free(b->roms[i].name);
		free(b->roms[i].data);
	}
	free(b->roms);
	free(b->reset);
	free(b->bios);
	free(b->optrom);
	gmem_destroy(&b->mem);
	pthread_mutex_destroy(&b->lock);
	memset(b, 0, sizeof(*b));
}

/* Every system reset asserts RESET# on every CPU: LAPICs to power-on state. */
static void board_apic_reset(void *opaque, enum reset_cause cause)
{
	struct board *b = opaque;
	unsigned i;

	(void)cause;
	for (i = 0; i < b->apic.ncpus; i++)
		lapic_reset(&b->lapics[i], true);
}

int board_apic_setup(struct board *b, struct board_err *err)
{
	unsigned i;
	int r = 0;

	board_err_clear(err);
	if (b->lapics)
		return board_err(err, -EALREADY, "local APICs: already set up");
	if (!b->ncpus || b->ncpus > APIC_BUS_MAX_CPUS)
		return board_err(err, -EINVAL, "local APICs: %u CPUs (board not built?)", b->ncpus);
	board_lock(b);
	b->lapics = calloc(b->ncpus, sizeof(*b->lapics));
	if (!b->lapics) {
		board_unlock(b);
		return board_err(err, -ENOMEM, "local APICs: out of memory");
	}
	gsi_wire_apic_bus(b, &b->apic);
	for (i = 0; i < b->ncpus; i++) {
		r = lapic_init(&b->lapics[i], &b->apic, b->cpu_apic_id[i], i == 0);
		if (r < 0)
			break;
	}
	if (i == b->ncpus)
		r = board_register_reset(b, board_apic_reset, b, "local-apics");
	if (r < 0) {
		while (b->apic.ncpus)
			lapic_destroy(&b->lapics[b->apic.ncpus - 1]);
		free(b->lapics);
		b->lapics = NULL;
		b->msi.send = NULL;
		b->msi.opaque = NULL;
	}
	board_unlock(b);
	return r < 0 ? board_err(err, r, "local APICs: %s", strerror(-r)) : 0;
}

struct lapic *board_lapic(struct board *b, unsigned cpu_index)
{
	if (!b->lapics || cpu_index >= b->apic.ncpus)
		return NULL;
	return &b->lapics[cpu_index];
}

struct irq_line *board_gsi_line(struct board *b, unsigned n)
{
	if (n >= BOARD_NR_GSI)
		return NULL;
	return &b->gsi[n];
}

/* ---- dispatch ---- */

uint64_t board_pio_read(struct board *b, uint16_t port, unsigned size)
{
	uint64_t v;

	board_lock(b);
	v = bus_read(&b->pio, port, size);
	board_unlock(b);
	if (log_enabled(LOG_IOPORT))
		board_log(LOG_IOPORT, "ioport: in%u 0x%04x -> 0x%" PRIx64, size * 8, port, v);
	return v;
}

void board_pio_write(struct board *b, uint16_t port, uint64_t value, unsigned size)
{
	if (log_enabled(LOG_IOPORT))
		board_log(LOG_IOPORT, "ioport: out%u 0x%04x <- 0x%" PRIx64, size * 8, port, value);
	board_lock(b);
	bus_write(&b->pio, port, value, size);
	board_unlock(b);
}

uint64_t board_mmio_read(struct board *b, uint64_t addr, unsigned size)
{
	uint64_t v;

	board_lock(b);
	v = bus_read(&b->mmio, addr, size);
	board_unlock(b);
	if (log_enabled(LOG_MMIO))
		board_log(LOG_MMIO, "mmio: read%u 0x%" PRIx64 " -> 0x%" PRIx64, size * 8, addr, v);
	return v;
}

void board_mmio_write(struct board *b, uint64_t addr, uint64_t value, unsigned size)
{
	if (log_enabled(LOG_MMIO))
		board_log(LOG_MMIO, "mmio: write%u 0x%" PRIx64 " <- 0x%" PRIx64, size * 8, addr, value);
	board_lock(b);
	bus_write(&b->mmio, addr, value, size);
	board_unlock(b);
}

/* ---- reset chain ---- */

int board_register_reset(struct board *b, reset_fn fn, void *opaque, const char *name)
{
	unsigned at;

	if (!fn)
		return -EINVAL;
	if (b->nreset == b->reset_cap) {
		unsigned cap = b->reset_cap ? b->reset_cap * 2 : 16;
		struct reset_entry *r = realloc(b->reset, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		b->reset = r;
		b->reset_cap = cap;
	}
	/* the ROM handler stays last: ROMs are copied after every device reset */
	at = b->nreset;
	if (b->rom_reset_registered && at)
		at--;
	memmove(&b->reset[at + 1], &b->reset[at], (b->nreset - at) * sizeof(*b->reset));
	b->reset[at] = (struct reset_entry){ .fn = fn, .opaque = opaque, .name = name };
	b->nreset++;
	return 0;
}

void board_reset(struct board *b, enum reset_cause cause)
{
	unsigned i;

	board_lock(b);
	if (log_enabled(LOG_CPU_RESET))
		board_log(LOG_CPU_RESET, "board: reset (%s), %u handlers", reset_cause_name(cause),
			  b->nreset);
	for (i = 0; i < b->nreset; i++)
		b->reset[i].fn(b->reset[i].opaque, cause);
	board_unlock(b);
}

/* ---- requests from devices ---- */

static void board_notify(struct board *b)
{
	if (b->notify)
		b->notify(b->notify_opaque);
}

/* QEMU exits at the first isa-debug-exit write: a later exit request does
 * not replace the status of one still pending. */
void board_request_exit(struct board *b, int status)
{
	if (atomic_load(&b->req_kind) != BOARD_REQ_EXIT) {
		atomic_store(&b->req_value, status);
		atomic_store(&b->req_kind, BOARD_REQ_EXIT);
	}
	board_notify(b);
}

void board_request_reset(struct board *b, enum reset_cause cause)
{
	int none = BOARD_REQ_NONE;

	if (b->no_reboot) {
		board_request_exit(b, 0);
		return;
	}
	/* an exit already asked for wins; a second reset keeps the first cause */
	if (atomic_load(&b->req_kind) == BOARD_REQ_NONE) {
		atomic_store(&b->req_value, (int)cause);
		atomic_compare_exchange_strong(&b->req_kind, &none, BOARD_REQ_RESET);
	}
	board_notify(b);
}

enum board_request board_take_request(struct board *b, int *value)
{
	int kind = atomic_exchange(&b->req_kind, BOARD_REQ_NONE);

	if (value)
		*value = kind == BOARD_REQ_NONE ? 0 : atomic_load(&b->req_value);
	return kind;
}

/* ---- RAM and BIOS ---- */

static int ram_setup(struct board *b, uint64_t size, uint64_t hole, const char *who,
		     struct board_err *err)
{
	int r;

	if (!hole)
		hole = BOARD_DEFAULT_PCI_HOLE;
	if (b->mem.ram)
		return board_err(err, -EEXIST, "%s: RAM is already set up", who);
	if (size < RAM_MIN_SIZE || size > BOARD_MAX_RAM || (size & 0xfff))
		return board_err(err, -EINVAL,
				 "%s: property 'size': RAM size 0x%" PRIx64
				 " does not fit (2 MiB to 1 TiB, in 4 KiB pages)", who, size);
	if (hole < BOARD_LOW_END || hole > GMEM_4G || (hole & 0xfffff))
		return board_err(err, -EINVAL,
				 "%s: property 'pci-hole-start': 0x%" PRIx64
				 " must be a 1 MiB multiple in 1 MiB-4 GiB", who, hole);
	r = gmem_init(&b->mem, size, hole);
	if (r < 0)
		return board_err(err, r, "%s: property 'size': cannot allocate 0x%" PRIx64
				 " bytes of RAM", who, size);
	board_mem_map_changed(b);
	return 0;
}

int board_set_ram(struct board *b, uint64_t ram_size, uint64_t pci_hole, struct board_err *err)
{
	board_err_clear(err);
	return ram_setup(b, ram_size, pci_hole, "RAM", err);
}

int board_load_bios(struct board *b, const void *data, size_t len, struct board_err *err)
{
	uint64_t base = GMEM_4G - len;
	const struct bus_region *r;
	unsigned i;
	int ret;

	board_err_clear(err);
	if (b->bios)
		return board_err(err, -EEXIST, "BIOS image: already loaded");
	if (!data || !len || len % BIOS_ALIGN || len > BIOS_MAX_SIZE)
		return board_err(err, -EINVAL,
				 "BIOS image: size 0x%zx must be a non-zero multiple of 64 KiB up to 16 MiB",
				 len);
	for (i = 0; i < b->mmio.n; i++) {
		r = &b->mmio.r[i];
		if (r->base <= GMEM_4G - 1 && r->base + (r->len - 1) >= base)
			return board_err(err, -EEXIST,
					 "BIOS image: 0x%" PRIx64 "-0xffffffff overlaps %s", base,
					 r->name ? r->name : "an MMIO region");
	}
	b->bios = page_zalloc(len);
	if (!b->bios)
		return board_err(err, -ENOMEM, "BIOS image: out of memory");
	memcpy(b->bios, data, len);
	ret = gmem_add_region(&b->mem, base, len, b->bios, GMEM_READONLY, "bios");
	if (ret < 0) {
		free(b->bios);
		b->bios = NULL;
		return board_err(err, ret, "BIOS image: 0x%" PRIx64 "-0xffffffff overlaps RAM", base);
	}
	b->bios_size = len;
	ret = rom_add_blob(b, "bios", data, len, base);
	if (ret < 0)
		return board_err(err, ret, "BIOS image: cannot register as a ROM");
	board_mem_map_changed(b);
	return 0;
}

/* ---- building from a board description ---- */

static const char *node_path(const void *fdt, int node, char *buf, int len)
{
	if (fdt_get_path(fdt, node, buf, len) < 0)
		snprintf(buf, len, "node@%d", node);
	return buf;
}

/* u64 from 1 or 2 cells; -ENOENT if absent */
static int prop_u64(const void *fdt, int node, const char *name, uint64_t *v)
{
	const fdt32_t *c;
	int len;

	c = fdt_getprop(fdt, node, name, &len);
	if (!c)
		return -ENOENT;
	if (len == 4) {
		*v = fdt32_to_cpu(c[0]);
		return 0;
	}
	if (len == 8) {
		*v = ((uint64_t)fdt32_to_cpu(c[0]) << 32) | fdt32_to_cpu(c[1]);
		return 0;
	}
	return -EINVAL;
}

static int build_root(struct board *b, const void *fdt, struct board_err *err)
{
	const char *compat;
	int len, off = 0;

	compat = fdt_getprop(fdt, 0, "compatible", &len);
	while (compat && off < len) {
		const char *s = compat + off;

		if (!strncmp(s, "bringup,", 8) && s[8]) {
			snprintf(b->name, sizeof(b->name), "%s", s + 8);
			return 0;
		}
		off += strnlen(s, len - off) + 1;
	}
	return board_err(err, -EINVAL, "/: property 'compatible': \"bringup,<board>\" expected");
}

static int build_memory(struct board *b, const void *fdt, struct board_err *err)
{
	uint64_t size, hole = BOARD_DEFAULT_PCI_HOLE;
	int node = fdt_path_offset(fdt, "/memory");
	int r;

	if (node < 0)
		return board_err(err, -EINVAL, "/memory: node missing (RAM size)");
	r = prop_u64(fdt, node, "size", &size);
	if (r == -ENOENT)
		return board_err(err, -EINVAL, "/memory: property 'size' missing");
	if (r < 0)
		return board_err(err, -EINVAL, "/memory: property 'size': 1 or 2 cells expected");
	r = prop_u64(fdt, node, "pci-hole-start", &hole);
	if (r == -EINVAL)
		return board_err(err, -EINVAL, "/memory: property 'pci-hole-start': 1 or 2 cells expected");
	b->vga_hole = fdt_getprop(fdt, node, "vga-hole", NULL) != NULL;
	return ram_setup(b, size, hole, "/memory", err);
}

static int build_cpus(struct board *b, const void *fdt, struct board_err *err)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	char path[256];
	int node;

	b->ncpus = 0;
	if (cpus < 0)
		return board_err(err, -EINVAL, "/cpus: node missing");
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *dt = fdt_getprop(fdt, node, "device_type", NULL);
		const fdt32_t *reg;
		uint32_t id;
		unsigned i;
		int len;

		if (!dt || strcmp(dt, "cpu"))
			continue;
		node_path(fdt, node, path, sizeof(path));
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len != 4)
			return board_err(err, -EINVAL, "%s: property 'reg': APIC ID (1 cell) expected", path);
		id = fdt32_to_cpu(*reg);
		if (id >= BOARD_MAX_CPUS)
			return board_err(err, -EINVAL, "%s: property 'reg': APIC ID %u above %d", path, id,
					 BOARD_MAX_CPUS - 1);
		if (b->ncpus >= BOARD_MAX_CPUS)
			return board_err(err, -EINVAL, "%s: more than %d CPUs", path, BOARD_MAX_CPUS);
		for (i = 0; i < b->ncpus; i++)
			if (b->cpu_apic_id[i] == id)
				return board_err(err, -EEXIST, "%s: property 'reg': APIC ID %u used twice",
						 path, id);
		b->cpu_apic_id[b->ncpus++] = id;
	}
	if (!b->ncpus)
		return board_err(err, -EINVAL, "/cpus: no cpu node (device_type = \"cpu\")");
	return 0;
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* First compatible string naming a registered type; else the first string. */
static const char *pick_type(const char *compat, int len, bool *found)
{
	int off = 0;

	*found = false;
	while (off < len) {
		const char *s = compat + off;

		if (device_type_find(s)) {
			*found = true;
			return s;
		}
		off += strnlen(s, len - off) + 1;
	}
	return compat;
}

static bool node_is_special(const void *fdt, int node, int depth)
{
	const char *name = fdt_get_name(fdt, node, NULL);
	const char *dt = fdt_getprop(fdt, node, "device_type", NULL);

	if (depth != 1 || !name)
		return false;
	return !strcmp(name, "memory") || !strcmp(name, "cpus") || !strcmp(name, "chosen") ||
	       !strcmp(name, "aliases") || (dt && !strcmp(dt, "memory"));
}

static int build_node(struct board *b, const void *fdt, int node, struct board_err *err)
{
	const char *compat, *type;
	char path[256];
	bool found;
	int len;

	compat = fdt_getprop(fdt, node, "compatible", &len);
	if (!compat)
		return 0;	/* a container: its children are still built */
	node_path(fdt, node, path, sizeof(path));
	if (len < 2 || compat[len - 1])
		return board_err(err, -EINVAL, "%s: property 'compatible': strings expected", path);
	type = pick_type(compat, len, &found);
	if (!found) {
		const char *bare = strncmp(type, "bringup,", 8) ? type : type + 8;

		if (in_list(b->skip_unregistered, bare))
			return 0;
		return board_err(err, -ENOENT, "%s: property 'compatible': unknown device type '%s'",
				 path, type);
	}
	return device_create(b, type, path, fdt, node, NULL, NULL, err);
}

/* -device nodes (BOARD_FDT_CLI_ORDER), in their order, after the rest */
static int build_cli_devices(struct board *b, const void *fdt, struct board_err *err)
{
	uint32_t want = 0;

	for (;;) {
		uint32_t best = UINT32_MAX;
		int node, best_node = -1, r;

		fdt_for_each_subnode(node, fdt, 0) {
			const fdt32_t *c = fdt_getprop(fdt, node, BOARD_FDT_CLI_ORDER, NULL);
			const char *status = fdt_getprop(fdt, node, "status", NULL);

			if (!c || (status && strcmp(status, "okay") && strcmp(status, "ok")))
				continue;
			if (fdt32_to_cpu(*c) >= want && fdt32_to_cpu(*c) < best) {
				best = fdt32_to_cpu(*c);
				best_node = node;
			}
		}
		if (best_node < 0)
			return 0;
		r = build_node(b, fdt, best_node, err);
		if (r < 0)
			return r;
		if (best == UINT32_MAX)
			return 0;
		want = best + 1;
	}
}

static int build_devices(struct board *b, const void *fdt, struct board_err *err)
{
	int node = 0, depth = 0, skip_below = -1;

	/* depth drops below 0 after the root's end: stop there */
	for (node = fdt_next_node(fdt, 0, &depth); node >= 0 && depth > 0;
	     node = fdt_next_node(fdt, node, &depth)) {
		const char *status;
		int r;

		if (skip_below >= 0) {
			if (depth > skip_below)
				continue;
			skip_below = -1;
		}
		if (node_is_special(fdt, node, depth)) {
			skip_below = depth;
			continue;
		}
		status = fdt_getprop(fdt, node, "status", NULL);
		if ((status && strcmp(status, "okay") && strcmp(status, "ok")) ||
		    (depth == 1 && fdt_getprop(fdt, node, BOARD_FDT_CLI_ORDER, NULL))) {
			skip_below = depth;	/* disabled or -device: the whole subtree */
			continue;
		}
		r = build_node(b, fdt, node, err);
		if (r < 0)
			return r;
	}
	if (node < 0 && node != -FDT_ERR_NOTFOUND)
		return board_err(err, -EINVAL, "board description: %s", fdt_strerror(node));
	return build_cli_devices(b, fdt, err);
}

int board_build(struct board *b, const void *fdt, struct board_err *err)
{
	int r;

	board_err_clear(err);
	if (!fdt)
		return board_err(err, -EINVAL, "board description: none");
	r = fdt_check_header(fdt);
	if (r)
		return board_err(err, -EINVAL, "board description: not a valid DTB (%s)", fdt_strerror(r));
	b->fdt = fdt;
	r = device_types_setup(err);
	if (r < 0)
		return r;
	r = build_root(b, fdt, err);
	if (!r)
		r = build_memory(b, fdt, err);
	if (!r)
		r = build_cpus(b, fdt, err);
	if (!r)
		r = build_devices(b, fdt, err);
	return r;
}
