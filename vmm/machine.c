/*
 * The machine (see machine.h): board description + command line -> board,
 * firmware, fw_cfg, accelerator, vCPU threads, main loop.
 */
#include "vmm/machine_int.h"
#include "vmm/net.h"


int machine_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- board description --------------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * Our virtio-*-pci devices are modern-only: QEMU's disable-legacy=on and
 * disable-modern=off ask for exactly that and are dropped; the opposite
 * values cannot be honoured. Returns a malloc'd copy, or NULL with err set.
 */
static char *device_opts_filter(const char *opts, char *err, size_t errlen)
{
	const char *comma = strchr(opts, ',');
	size_t tlen = comma ? (size_t)(comma - opts) : strlen(opts);
	char *out = malloc(strlen(opts) + 1);
	const char *p = opts + tlen;
	size_t o = tlen;

	if (!out) {
		machine_fail(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(out, opts, tlen);
	if (!has_prefix(opts, "virtio-") || tlen < 4 || strncmp(opts + tlen - 4, "-pci", 4)) {
		strcpy(out, opts);
		return out;
	}
	while (*p == ',') {
		const char *q = strchr(p + 1, ',');
		size_t len = q ? (size_t)(q - p) : strlen(p);

		if ((len == 18 && !strncmp(p, ",disable-legacy=on", len)) ||
		    (len == 19 && !strncmp(p, ",disable-modern=off", len))) {
			p += len;
			continue;
		}
		if (has_prefix(p, ",disable-legacy=") || has_prefix(p, ",disable-modern=")) {
			machine_fail(err, errlen, "-device %.*s: %.*s: only modern virtio (disable-legacy=on) "
			     "is supported", (int)tlen, opts, (int)(len - 1), p + 1);
			free(out);
			return NULL;
		}
		memcpy(out + o, p, len);
		o += len;
		p += len;
	}
	out[o] = 0;
	return out;
}

/*
 * -m, -smp and -device edit the tree before the board is built, as the
 * binding says; the tree grows as needed.
 */
static int build_fdt(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;
	size_t len = 0;
	const void *dtb = board_dtb(cfg->machine_name, &len);

	if (!dtb)
		return machine_fail(err, errlen, "-machine: no built-in description for '%s'", cfg->machine_name);
	if (!len)
		len = fdt_totalsize(dtb);
	m->fdt_size = len + 4096 + (size_t)cfg->smp * 128 + (cfg->devices.n + m->ndrives) * 256;
	for (;;) {
		struct board_err berr = { 0 };
		const char *opt = "-machine";
		int r;

		free(m->fdt);
		m->fdt = calloc(1, m->fdt_size);
		if (!m->fdt)
			return machine_fail(err, errlen, "out of memory");
		if ((r = fdt_open_into(dtb, m->fdt, (int)m->fdt_size)))
			return machine_fail(err, errlen, "-machine: board description: %s", fdt_strerror(r));
		opt = "-m";
		r = board_fdt_set_ram(m->fdt, cfg->ram_size, &berr);
		if (!r) {
			opt = "-smp";
			r = board_fdt_set_cpus(m->fdt, cfg->smp, &berr);
		}
		for (unsigned i = 0; !r && i < cfg->devices.n; i++) {
			char *opts = device_opts_filter(cfg->devices.v[i], err, errlen);

			if (!opts)
				return -1;
			opt = "-device";
			r = board_fdt_add_device(m->fdt, opts, &berr);
			free(opts);
		}
		/* -drive if=virtio (or without if=): the device the drive asks for */
		for (unsigned i = 0; !r && i < m->ndrives; i++) {
			char dev[256];

			if (!m->drive_auto[i])
				continue;
			opt = "-drive";
			snprintf(dev, sizeof(dev), "%s,drive=%s",
				 strcmp(cfg->machine_name, "microvm") ? "virtio-blk-pci" : "virtio-blk-device",
				 m->drives[i]->id);
			r = board_fdt_add_device(m->fdt, dev, &berr);
		}
		if (r == -ENOSPC && m->fdt_size < (64u << 20)) {
			m->fdt_size *= 2;
			continue;
		}
		if (r < 0 && berr.msg[0] == '-')	/* the board named the option itself */
			return machine_fail(err, errlen, "%s", berr.msg);
		if (r < 0)
			return machine_fail(err, errlen, "%s: %s", opt, berr.msg[0] ? berr.msg : strerror(-r));
		fdt_pack(m->fdt);
		return 0;
	}
}

static int write_file(const char *path, const void *data, size_t len, char *err, size_t errlen,
		      const char *opt)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return machine_fail(err, errlen, "%s: %s: %s", opt, path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f)) {
		if (f)
			fclose(f);
		return machine_fail(err, errlen, "%s: %s: write failed", opt, path);
	}
	return 0;
}

/* ---- files ------------------------------------------------------------------------ */

static int read_whole(const char *opt, const char *path, size_t max, uint8_t **buf, size_t *len,
		      char *err, size_t errlen)
{
	struct loader_err lerr = { 0 };
	char msg[512];

	if (loader_read_file(path, max, buf, len, &lerr) < 0)
		return machine_fail(err, errlen, "%s: %s", opt, loader_err_format(&lerr, path, msg, sizeof(msg)));
	return 0;
}

static int default_firmware(char *path, size_t len)
{
	char exe[PATH_MAX - 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = 0;
	snprintf(path, len, "%s/%s", exe, DEFAULT_FIRMWARE);
	return 0;
}

static int load_bios(struct machine *m, char *err, size_t errlen)
{
	struct board_err berr = { 0 };
	char path[PATH_MAX];
	const char *p = m->cfg->bios;

	if (!p) {
		if (default_firmware(path, sizeof(path)) || access(path, R_OK))
			return machine_fail(err, errlen, "-bios: default firmware %s not found "
				    "(build it with make, or give -bios PATH)", DEFAULT_FIRMWARE);
		p = path;
	}
	if (read_whole("-bios", p, BIOS_MAX + 1, &m->bios, &m->bios_len, err, errlen))
		return -1;
	if (!m->bios_len || m->bios_len % 0x10000 || m->bios_len > BIOS_MAX)
		return machine_fail(err, errlen, "-bios: %s: size %zu is not a multiple of 64 KiB up to 16 MiB",
			    p, m->bios_len);
	if (board_load_bios(&m->board, m->bios, m->bios_len, &berr) < 0)
		return machine_fail(err, errlen, "-bios: %s: %s", p, berr.msg);
	return 0;
}

/* ---- fw_cfg, kernel, ACPI ---------------------------------------------------------- */

/* etc/e820 as QEMU fills it: all low RAM from 0, the rest at 4 GiB; firmware carves its holes. */
static int add_e820(struct machine *m, struct fw_cfg *fc, char *err, size_t errlen)
{
	const struct guest_mem *mem = &m->board.mem;
	struct e820_entry map[2] = { { 0, mem->below_4g, E820_RAM } };
	unsigned n = 1;
	int r;

	if (mem->ram_size > mem->below_4g)
		map[n++] = (struct e820_entry){ GMEM_4G, mem->ram_size - mem->below_4g, E820_RAM };
	r = fw_cfg_add_e820(fc, map, n);
	if (r < 0)
		return machine_fail(err, errlen, "etc/e820 into fw_cfg: %s", strerror(-r));
	return 0;
}

/*
 * -kernel with a firmware that boots from option ROMs (SeaBIOS): QEMU's
 * linuxboot option ROM, offered as genroms/ like QEMU's pc does. It comes
 * from -L DIR, else QEMU's data directory (Debian's qemu-system-data).
 * Without it qboot and our firmware still boot (they read fw_cfg
 * themselves), so a missing ROM is a warning, not an error.
 */
static const char *const optrom_dirs[] = { "/usr/share/qemu", "/usr/share/seabios" };

static int add_linuxboot_rom(struct machine *m, bool dma, char *err, size_t errlen)
{
	const char *name = dma ? "linuxboot_dma.bin" : "linuxboot.bin";
	char path[PATH_MAX], file[64];
	const char *found = NULL;
	uint8_t *rom = NULL;
	size_t len = 0;
	int r;

	snprintf(file, sizeof(file), "genroms/%s", name);
	if (rom_find(&m->board, file))
		return 0;		/* already registered */
	if (m->cfg->datadir) {
		snprintf(path, sizeof(path), "%s/%s", m->cfg->datadir, name);
		if (!access(path, R_OK))
			found = path;
	}
	for (size_t i = 0; !found && i < sizeof(optrom_dirs) / sizeof(optrom_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", optrom_dirs[i], name);
		if (!access(path, R_OK))
			found = path;
	}
	if (!found) {
		fprintf(stderr, "bringup: -kernel: option ROM %s not found (-L DIR, or install "
			"qemu-system-data): SeaBIOS will not boot the kernel\n", name);
		return 0;
	}
	if (read_whole("-kernel", found, OPTROM_MAX, &rom, &len, err, errlen))
		return -1;
	r = rom_add_blob(&m->board, file, rom, len, ROM_NO_GPA);	/* copies it */
	free(rom);
	if (r < 0 && r != -EEXIST)
		return machine_fail(err, errlen, "-kernel: option ROM %s: %s", found, strerror(-r));
	return 0;
}

static void fw_cfg_marked(void *opaque)
{
	const struct fw_cfg_mark *mk = opaque;

	bootrep_fw_cfg(mk->m->bootrep, mk->what);
}

static void mark_fw_cfg_steps(struct machine *m, struct fw_cfg *fc)
{
	struct fw_cfg_mark *marks = m->fw_cfg_marks;
	static const struct { uint16_t key; const char *what; } keys[] = {
		{ FW_CFG_SETUP_DATA, "the kernel's real-mode setup" },
		{ FW_CFG_KERNEL_DATA, "the kernel" },
		{ FW_CFG_INITRD_DATA, "the initrd" },
		{ FW_CFG_CMDLINE_DATA, "the command line" },
	};
	unsigned i;
	int key;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		marks[i] = (struct fw_cfg_mark){ m, keys[i].what };
		fw_cfg_set_select_cb(fc, keys[i].key, fw_cfg_marked, &marks[i]);
	}
	key = fw_cfg_file_key(fc, "genroms/linuxboot_dma.bin");
	if (key < 0)
		key = fw_cfg_file_key(fc, "genroms/linuxboot.bin");
	if (key >= 0) {
		marks[i] = (struct fw_cfg_mark){ m, "the linuxboot option ROM" };
		fw_cfg_set_select_cb(fc, (uint16_t)key, fw_cfg_marked, &marks[i]);
	}
}

static int setup_fw_cfg(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;
	struct fw_cfg *fc = board_fw_cfg(&m->board);
	int r;

	if (!fc) {
		if (cfg->kernel)
			return machine_fail(err, errlen, "-kernel: the %s board has no fw_cfg device to pass it",
				    cfg->machine_name);
		if (cfg->nfw_cfg)
			return machine_fail(err, errlen, "-fw_cfg: the %s board has no fw_cfg device",
				    cfg->machine_name);
		return 0;
	}
	if (cfg->kernel) {
		struct loader_err lerr = { 0 };
		struct fw_cfg_kernel_args ka = { 0 };
		struct fw_cfg_kernel_layout layout;
		char msg[512];

		if (read_whole("-kernel", cfg->kernel, KERNEL_MAX, &m->kernel, &m->kernel_len, err, errlen))
			return -1;
		if (cfg->initrd &&
		    read_whole("-initrd", cfg->initrd, KERNEL_MAX, &m->initrd, &m->initrd_len, err, errlen))
			return -1;
		ka.kernel = m->kernel;
		ka.kernel_len = m->kernel_len;
		ka.initrd = m->initrd;
		ka.initrd_len = m->initrd_len;
		ka.cmdline = m->cmdline ? m->cmdline : cfg->append;
		ka.below_4g = m->board.mem.below_4g;
		if (fw_cfg_add_kernel(fc, &ka, &layout, &lerr) < 0)
			return machine_fail(err, errlen, "-kernel: %s",
				    loader_err_format(&lerr, cfg->kernel, msg, sizeof(msg)));
		if (layout.bzimage && add_linuxboot_rom(m, fc->dma_enabled, err, errlen))
			return -1;
	}
	/* as QEMU's -nographic: SeaBIOS then puts its console on COM1 (sercon) */
	if (cfg->nographic && (r = fw_cfg_add_i16(fc, FW_CFG_NOGRAPHIC, 1)) < 0)
		return machine_fail(err, errlen, "fw_cfg: %s", strerror(-r));
	for (unsigned i = 0; i < cfg->nfw_cfg; i++) {
		const struct fw_cfg_opt *o = &cfg->fw_cfg[i];

		if (o->file) {
			size_t len;
			if (read_whole("-fw_cfg", o->file, FW_CFG_FILE_MAX, &m->fw_cfg_data[i], &len,
				       err, errlen))
				return -1;
			r = fw_cfg_add_file(fc, o->name, m->fw_cfg_data[i], len);
		} else {
			r = fw_cfg_add_file(fc, o->name, o->string, strlen(o->string));
		}
		if (r < 0)
			return machine_fail(err, errlen, "-fw_cfg: %s: %s", o->name,
				    r == -EEXIST ? "the board already has this file" : strerror(-r));
	}
	/* what the board's fw_cfg device did not add itself */
	if (m->have_acpi && fw_cfg_file_key(fc, "etc/acpi/tables") < 0 &&
	    (r = acpi_add_fw_cfg(&m->acpi, fc)) < 0)
		return machine_fail(err, errlen, "ACPI tables into fw_cfg: %s", strerror(-r));
	if (fw_cfg_file_key(fc, "etc/e820") < 0 && (r = add_e820(m, fc, err, errlen)) < 0)
		return r;
	if ((r = fw_cfg_add_roms(fc, &m->board)) < 0)
		return machine_fail(err, errlen, "option ROMs into fw_cfg: %s", strerror(-r));
	if (m->bootrep)
		mark_fw_cfg_steps(m, fc);	/* last: files no longer move */
	return 0;
}

static int build_acpi(struct machine *m, char *err, size_t errlen)
{
	struct acpi_board_desc d;
	uint64_t hole = m->board.mem.below_4g;
	unsigned ncpus = m->board.ncpus ? m->board.ncpus : m->cfg->smp;
	int r;

	if (m->cfg->no_acpi)
		return 0;	/* -machine acpi=off */
	if (m->cfg->machine == MACHINE_PC)
		acpi_board_desc_pc(&d, ncpus, hole < GMEM_4G ? (uint32_t)hole : 0xe0000000u);
	else
		acpi_board_desc_microvm(&d, ncpus);	/* QEMU's microvm: acpi=on by default */
	if (m->board.ncpus)
		d.apic_ids = m->board.cpu_apic_id;
	r = acpi_build(&d, &m->acpi);
	if (r < 0)
		return machine_fail(err, errlen, "building ACPI tables: %s", strerror(-r));
	m->have_acpi = true;
	return 0;
}

/* ---- accelerator host callbacks (vCPU threads) ----------------------------------- */

static void host_pio(void *opaque, uint16_t port, void *data, unsigned size, bool is_write)
{
	struct machine *m = opaque;
	uint64_t v = 0;

	if (is_write) {
		memcpy(&v, data, size);
		if (port == POSTCODE_IOBASE && m->bootrep)
			bootrep_postcode(m->bootrep, (uint8_t)v);
		board_pio_write(&m->board, port, v, size);
	} else {
		v = board_pio_read(&m->board, port, size);
		memcpy(data, &v, size);
	}
}

static void host_mmio(void *opaque, uint64_t gpa, void *data, unsigned len, bool is_write)
{
	struct machine *m = opaque;

	board_mem_rw(&m->board, gpa, data, len, is_write);
	/* split: KVM must know the level vectors before the first message */
	if (is_write && m->accel.irqchip == IRQCHIP_SPLIT && gpa >= IOAPIC_BASE &&
	    gpa < IOAPIC_BASE + IOAPIC_MMIO_SIZE) {
		board_lock(&m->board);
		split_sync_routes(m);
		board_unlock(&m->board);
	}
}

static int host_read_mem(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct machine *m = opaque;
	uint8_t *out = buf;

	while (len) {
		uint8_t *host = NULL;
		uint64_t avail = 0;
		enum board_mem_kind k = board_mem_resolve(&m->board, gpa, false, &host, &avail);
		size_t n;

		if (k == BOARD_MEM_MMIO || !host || !avail)
			return -1;
		n = avail < len ? (size_t)avail : len;
		memcpy(out, host, n);
		out += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

static void host_event(void *opaque, struct vcpu *v, enum accel_event ev)
{
	struct machine *m = opaque;

	switch (ev) {
	case ACCEL_EV_TRIPLE_FAULT:
		if (m->cfg->no_reboot) {
			vcpu_dump(stderr, v, "triple fault (-no-reboot: exiting)");
			board_request_exit(&m->board, 1);
		} else {
			if (log_enabled(LOG_CPU_RESET))
				board_log(LOG_CPU_RESET, "CPU %u: triple fault, resetting", v->index);
			board_request_reset(&m->board, RESET_TRIPLE_FAULT);
		}
		break;
	case ACCEL_EV_RESET:
		board_request_reset(&m->board, RESET_GUEST_OTHER);
		break;
	case ACCEL_EV_POWEROFF:
		board_request_exit(&m->board, 0);
		break;
	case ACCEL_EV_CRASH:
		board_request_exit(&m->board, 1);
		break;
	case ACCEL_EV_DEBUG:
		gdbstub_debug_stop(m->gdb, v->index);	/* the vCPU parks (cpus.c) */
		break;
	}
}

/* ---- memory map -------------------------------------------------------------------- */

static int sync_memory(struct machine *m, char *err, size_t errlen)
{
	struct board_mem_slot slots[GMEM_MAX_REGIONS * 4];
	struct accel_mem mem[GMEM_MAX_REGIONS * 4];
	int n = board_mem_slots(&m->board, slots, (int)(sizeof(slots) / sizeof(slots[0])));

	if (n < 0)
		return machine_fail(err, errlen, "board memory map: %s", strerror(-n));
	for (int i = 0; i < n; i++)
		mem[i] = (struct accel_mem){ slots[i].gpa, slots[i].size, slots[i].host,
					     slots[i].readonly };
	return m->accel.ops->set_memory(&m->accel, mem, (unsigned)n, err, errlen);
}

/* PAM writes arrive on a vCPU thread with the board lock held. */
static void memory_map_changed(struct board *b, void *opaque)
{
	struct machine *m = opaque;
	char err[256];

	if (m->accel_ready && sync_memory(m, err, sizeof(err)) < 0) {
		fprintf(stderr, "bringup: %s\n", err);
		board_request_exit(b, 1);
	}
}


/* ---- requests, reset, timers ------------------------------------------------------- */

static void machine_reset(struct machine *m, enum reset_cause cause)
{
	cpus_pause(&m->cpus);
	board_reset(&m->board, cause);
	for (unsigned i = 0; i < m->cpus.n; i++)
		m->accel.ops->vcpu_reset(&m->cpus.v[i]);
	cpus_resume(&m->cpus);
}

static void requests_run(void *opaque)
{
	struct machine *m = opaque;
	int value = 0;

	for (;;) {
		enum board_request r = board_take_request(&m->board, &value);

		if (r == BOARD_REQ_NONE)
			return;
		if (r == BOARD_REQ_EXIT) {
			if (value == 0 && m->cfg->no_shutdown) {
				/* QEMU's -no-shutdown: the guest is off, the process stays */
				if (!m->shut_down)
					cpus_pause(&m->cpus);
				m->shut_down = true;
				continue;
			}
			bootrep_exit(m->bootrep, value, value == 0 ? "guest power-off" :
				     "exit requested (isa-debug-exit, or an error)");
			loop_quit(m->loop, value);
			return;
		}
		if (log_enabled(LOG_CPU_RESET))
			board_log(LOG_CPU_RESET, "system reset (%s)", reset_cause_name((enum reset_cause)value));
		machine_reset(m, (enum reset_cause)value);
		bootrep_reset(m->bootrep, reset_cause_name((enum reset_cause)value));
	}
}

static void board_notify(void *opaque)
{
	struct machine *m = opaque;

	loop_bh_schedule(m->req_bh);
}

static uint64_t timers_now(void *opaque)
{
	return clock_ns();
}

static uint64_t timers_next(void *opaque)
{
	struct machine *m = opaque;
	uint64_t next;

	board_lock(&m->board);
	next = timer_list_next(&m->board.timers);
	board_unlock(&m->board);
	return next == TIMER_NEVER ? UINT64_MAX : next;
}

static void timers_run(void *opaque, uint64_t now)
{
	struct machine *m = opaque;

	board_lock(&m->board);
	timer_list_run(&m->board.timers, now);
	board_unlock(&m->board);
}

static void timers_notify(void *opaque)
{
	struct machine *m = opaque;

	loop_timers_changed(m->loop);
}

static void on_signal(void *opaque, int signo)
{
	struct machine *m = opaque;

	fprintf(stderr, "bringup: terminating on signal %d\n", signo);
	bootrep_exit(m->bootrep, 0, "host signal");
	loop_quit(m->loop, 0);	/* as QEMU: a host-requested shutdown is a clean one */
}

/* ---- the gdb stub's view of the machine (main thread) --------------------------- */

static void gdb_stop(void *opaque)
{
	struct machine *m = opaque;

	cpus_pause(&m->cpus);
}

static void gdb_resume(void *opaque)
{
	struct machine *m = opaque;

	cpus_resume(&m->cpus);
}

static int gdb_get_state(void *opaque, unsigned cpu, struct cpu_state *s)
{
	struct machine *m = opaque;

	if (cpu >= m->cpus.n)
		return -1;
	return m->accel.ops->get_state(&m->cpus.v[cpu], s) ? -1 : 0;
}

static int gdb_set_state(void *opaque, unsigned cpu, const struct cpu_state *s)
{
	struct machine *m = opaque;

	if (cpu >= m->cpus.n)
		return -1;
	return m->accel.ops->set_state(&m->cpus.v[cpu], s) ? -1 : 0;
}

/* A debugger may write ROM too (breakpoints in firmware), as QEMU's stub. */
static int gdb_write_phys(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct machine *m = opaque;
	int r;

	board_lock(&m->board);
	r = board_mem_write_rom(&m->board, gpa, buf, len);
	board_unlock(&m->board);
	if (r < 0)
		return -1;
	if (m->accel.ops == &tcg_accel_ops)
		tcg_mem_written(&m->accel, gpa, len);	/* drop decoded code there */
	return 0;
}

static int gdb_set_debug(void *opaque, unsigned cpu, const struct accel_debug *dbg,
			 char *err, size_t errlen)
{
	struct machine *m = opaque;

	if (cpu >= m->cpus.n || !m->accel.ops->set_debug) {
		snprintf(err, errlen, "%s: cannot single-step or break", m->accel.ops->name);
		return -ENOSYS;
	}
	return m->accel.ops->set_debug(&m->cpus.v[cpu], dbg, err, errlen);
}

static void gdb_kill(void *opaque)
{
	struct machine *m = opaque;

	fprintf(stderr, "bringup: terminated by the debugger\n");
	bootrep_exit(m->bootrep, 0, "killed by the debugger");
	loop_quit(m->loop, 0);
}

static int gdb_setup(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;
	struct gdb_target t = {
		.opaque = m, .ncpus = m->cpus.n, .stop = gdb_stop, .resume = gdb_resume,
		.get_state = gdb_get_state, .set_state = gdb_set_state,
		.read_phys = host_read_mem, .write_phys = gdb_write_phys, .kill = gdb_kill,
		.set_debug = gdb_set_debug,
	};

	if (!cfg->gdb)
		return 0;
	/* -S: the vCPU threads start parked; the stub's first c releases them */
	if (cfg->start_stopped)
		cpus_pause(&m->cpus);
	m->gdb = gdbstub_new(m->loop, cfg->gdb_host, cfg->gdb_port, &t, cfg->start_stopped,
			     err, errlen);
	if (!m->gdb && cfg->start_stopped)
		cpus_resume(&m->cpus);
	return m->gdb ? 0 : -1;
}

/* ---- -device help ------------------------------------------------------------------ */

static char *device_help(const char *opts)
{
	size_t cap = 4096, len = 0;
	char *out = malloc(cap);
	const char *sep = strchr(opts, ',');
	size_t tlen = sep ? (size_t)(sep - opts) : strlen(opts);

	if (!out)
		return NULL;
	out[0] = 0;
#define APPEND(...) do { \
		int n_ = snprintf(out + len, cap - len, __VA_ARGS__); \
		if (n_ > 0 && (size_t)n_ >= cap - len) { \
			char *o_ = realloc(out, cap * 2 + (size_t)n_); \
			if (!o_) { free(out); return NULL; } \
			out = o_; cap = cap * 2 + (size_t)n_; \
			n_ = snprintf(out + len, cap - len, __VA_ARGS__); \
		} \
		if (n_ > 0) len += (size_t)n_; \
	} while (0)
	if (!strcmp(opts, "help") || !strcmp(opts, "?")) {
		APPEND("Devices:\n");
		for (const struct device_type *t = device_type_next(NULL); t; t = device_type_next(t))
			APPEND("name \"%s\"%s%s%s\n", t->name, t->desc ? ", desc \"" : "",
			       t->desc ? t->desc : "", t->desc ? "\"" : "");
		return out;
	}
	/* TYPE,help */
	char type[64];
	snprintf(type, sizeof(type), "%.*s", (int)(tlen < 63 ? tlen : 63), opts);
	const struct device_type *t = device_type_find(type);
	if (!t) {
		free(out);
		return NULL;
	}
	APPEND("%s options:\n", t->name);
	for (const struct device_prop *p = t->props; p && p->name; p++)
		APPEND("  %s=<%s>%s%s\n", p->name,
		       p->kind == PROP_U32 ? "uint32" : p->kind == PROP_U64 ? "uint64" :
		       p->kind == PROP_BOOL ? "bool" : "str", p->desc ? "  - " : "",
		       p->desc ? p->desc : "");
	return out;
#undef APPEND
}

static bool is_help(const char *opts)
{
	const char *tail = strrchr(opts, ',');
	return !strcmp(opts, "help") || !strcmp(opts, "?") || (tail && !strcmp(tail, ",help"));
}

/* ---- create / run / destroy -------------------------------------------------------- */

static int accel_start(struct machine *m, char *err, size_t errlen)
{
	const struct vm_config *cfg = m->cfg;
	static const char *const defaults[] = { "kvm", "tcg" };
	unsigned n = cfg->naccels ? cfg->naccels : 2;
	char first_err[256] = "";

	for (unsigned i = 0; i < n; i++) {
		const char *name = cfg->naccels ? cfg->accel[i] : defaults[i];
		const struct accel_ops *ops = accel_find(name);

		if (!ops) {
			if (!first_err[0])
				snprintf(first_err, sizeof(first_err), "accelerator '%s' is not built yet", name);
			continue;
		}
		memset(&m->accel, 0, sizeof(m->accel));
		m->accel.ops = ops;
		m->accel.cfg = (struct accel_config){
			.ncpus = cfg->smp,
			.irqchip = cfg->irqchip,
			.cpu_model = cfg->cpu_model,
			.cpu_flags = cfg->cpu_flags,
			.ncpu_flags = cfg->ncpu_flags,
			.board = &m->board,
			.host = &m->host,
		};
		if (ops->init(&m->accel, err, errlen) == 0) {
			m->accel_ready = true;
			if (i && first_err[0])
				fprintf(stderr, "bringup: %s; using %s\n", first_err, name);
			return 0;
		}
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err), "%s", err);
	}
	return machine_fail(err, errlen, "%s", first_err);
}

struct machine *machine_create(const struct vm_config *cfg, int *status, char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof(*m));
	struct board_err berr = { 0 };
	unsigned apic_ids[BOARD_MAX_CPUS];

	*status = 1;
	if (!m) {
		machine_fail(err, errlen, "out of memory");
		return NULL;
	}
	m->cfg = cfg;
	m->fw_cfg_data = calloc(cfg->nfw_cfg + 1, sizeof(*m->fw_cfg_data));
	if (!m->fw_cfg_data)
		goto fail_nomem;

	log_mask = cfg->log_mask;
	if (cfg->log_file) {
		m->log = fopen(cfg->log_file, "w");
		if (!m->log) {
			machine_fail(err, errlen, "-D: %s: %s", cfg->log_file, strerror(errno));
			goto fail;
		}
		setvbuf(m->log, NULL, _IOLBF, 0);
		log_set_file(m->log);
	}
	if (cfg->boot_report && !(m->bootrep = bootrep_new()))
		goto fail_nomem;
	/* an explicit accelerator that is not in this binary: say so before any work */
	if (cfg->naccels) {
		unsigned built = 0;
		for (unsigned i = 0; i < cfg->naccels; i++)
			built += accel_find(cfg->accel[i]) != NULL;
		if (!built) {
			machine_fail(err, errlen, "accelerator '%s' is not built yet", cfg->accel[0]);
			goto fail;
		}
	}

	for (unsigned i = 0; i < cfg->devices.n; i++) {
		char *help;

		if (!is_help(cfg->devices.v[i]))
			continue;
		help = device_help(cfg->devices.v[i]);
		if (!help) {
			machine_fail(err, errlen, "-device: unknown type in '%s'", cfg->devices.v[i]);
			goto fail;
		}
		fputs(help, stdout);
		free(help);
		*status = 0;
		goto fail;
	}

	if (virtio_backends_setup(m, err, errlen))
		goto fail;
	/* board description, edited by the command line */
	if (build_fdt(m, err, errlen))
		goto fail;
	if (cfg->dumpdtb) {
		if (write_file(cfg->dumpdtb, m->fdt, fdt_totalsize(m->fdt), err, errlen, "-machine dumpdtb"))
			goto fail;
		*status = 0;
		goto fail;
	}
	if (board_init(&m->board) < 0) {
		machine_fail(err, errlen, "board: initialisation failed");
		goto fail;
	}
	m->board_ready = true;
	m->board.no_reboot = cfg->no_reboot;
	if (board_build(&m->board, m->fdt, &berr) < 0) {
		machine_fail(err, errlen, "-machine %s: %s", cfg->machine_name, berr.msg);
		goto fail;
	}
	if (build_acpi(m, err, errlen))
		goto fail;
	if (virtio_mmio_append(m, err, errlen))
		goto fail;
	if (cfg->dumpacpi) {
		int r;
		if (!m->have_acpi) {
			machine_fail(err, errlen, "-machine dumpacpi: the %s board has no ACPI tables",
			     cfg->machine_name);
			goto fail;
		}
		mkdir(cfg->dumpacpi, 0755);
		r = acpi_dump(&m->acpi, ACPI_DUMP_TABLES_GPA, ACPI_DUMP_RSDP_GPA, cfg->dumpacpi);
		if (r < 0) {
			machine_fail(err, errlen, "-machine dumpacpi: %s: %s", cfg->dumpacpi, strerror(-r));
			goto fail;
		}
		*status = 0;
		goto fail;
	}
	if (load_bios(m, err, errlen))
		goto fail;
	if (setup_fw_cfg(m, err, errlen))
		goto fail;
	if (rom_check(&m->board, &berr) < 0) {
		machine_fail(err, errlen, "ROMs: %s", berr.msg);
		goto fail;
	}

	/* main loop, requests and timers */
	m->loop = loop_new();
	if (!m->loop) {
		machine_fail(err, errlen, "main loop: %s", strerror(errno));
		goto fail;
	}
	m->req_bh = loop_bh_new(m->loop, requests_run, m);
	if (!m->req_bh)
		goto fail_nomem;
	m->board.notify = board_notify;
	m->board.notify_opaque = m;
	m->board.timers.notify = timers_notify;
	m->board.timers.notify_opaque = m;
	loop_set_timers(m->loop, &(struct loop_timer_source){
		.now = timers_now, .next = timers_next, .run = timers_run, .opaque = m });
	loop_set_signal_handler(m->loop, on_signal, m);
	/* -netdev user/tap read and time on the loop: started once it exists */
	for (unsigned i = 0; i < m->nnetdevs; i++)
		if (net_backend_start(m->netdevs[i], m->loop, err, errlen))
			goto fail;
	if (serial_setup(m, err, errlen))
		goto fail;
	if (debugcon_setup(m, err, errlen))
		goto fail;

	/* accelerator */
	m->host = (struct accel_host){
		.opaque = m,
		.pio = host_pio,
		.mmio = host_mmio,
		.read_mem = host_read_mem,
		.event = host_event,
	};
	if (accel_start(m, err, errlen))
		goto fail;
	if (sync_memory(m, err, errlen))
		goto fail;
	m->board.on_memory_map_change = memory_map_changed;
	m->board.memory_map_opaque = m;

	for (unsigned i = 0; i < cfg->smp; i++)
		apic_ids[i] = m->board.ncpus == cfg->smp ? m->board.cpu_apic_id[i] : i;
	if (cpus_init(&m->cpus, &m->accel, cfg->smp, apic_ids, err, errlen))
		goto fail;
	m->cpus_ready = true;
	if (wire_interrupts(m, err, errlen))
		goto fail;
	if (machine_notify_setup(m, err, errlen))
		goto fail;
	if (gdb_setup(m, err, errlen))
		goto fail;

	board_reset(&m->board, RESET_POWER_ON);
	for (unsigned i = 0; i < m->cpus.n; i++) {
		int r = m->accel.ops->vcpu_reset(&m->cpus.v[i]);
		if (r < 0) {
			machine_fail(err, errlen, "%s: resetting vCPU %u: %s", m->accel.ops->name, i, strerror(-r));
			goto fail;
		}
	}
	return m;

fail_nomem:
	machine_fail(err, errlen, "out of memory");
fail:
	machine_destroy(m);
	return NULL;
}

/* At exit, to the -d sink: the steps, then the board's POST code history. */
static void boot_report_print(struct machine *m)
{
	FILE *f = m->log ? m->log : stderr;
	struct postcode *pc = board_postcode(&m->board);
	uint8_t codes[POSTCODE_HISTORY];
	size_t n = pc ? postcode_history(pc, codes, POSTCODE_HISTORY) : 0;

	bootrep_print(m->bootrep, f);
	if (pc) {
		fprintf(f, "  POST codes (last %zu distinct, oldest first):", n);
		for (size_t i = 0; i < n; i++)
			fprintf(f, " %02x", codes[i]);
		fprintf(f, "%s\n", n ? "" : " none");
	}
	fflush(f);
}

int machine_run(struct machine *m)
{
	char err[256];
	int status;

	bootrep_step(m->bootrep, "machine built: %s, %s, %u vCPU%s%s", m->cfg->machine_name,
		     m->accel.ops->name, m->cpus.n, m->cpus.n == 1 ? "" : "s",
		     m->cfg->start_stopped ? ", stopped for the debugger (-S)" : "");
	bootrep_reset(m->bootrep, "power-on");
	if (cpus_start(&m->cpus, err, sizeof(err))) {
		fprintf(stderr, "bringup: %s\n", err);
		return 1;
	}
	status = loop_run(m->loop);
	if (m->gdb) {
		gdbstub_exited(m->gdb, status);
		gdbstub_free(m->gdb);
		m->gdb = NULL;
	}
	/* stop the vCPUs before anything they use goes away */
	cpus_destroy(&m->cpus);
	m->cpus_ready = false;
	serial_teardown(m);
	debugcon_teardown(m);
	fflush(stdout);
	term_restore();
	if (m->bootrep) {
		bootrep_exit(m->bootrep, status, "main loop ended");
		boot_report_print(m);
	}
	return status;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	gdbstub_free(m->gdb);	/* before the vCPUs: it may hold them stopped */
	m->gdb = NULL;
	if (m->cpus_ready)
		cpus_destroy(&m->cpus);
	if (m->eoi_poll_ready) {
		board_lock(&m->board);
		timer_del(&m->eoi_poll);
		board_unlock(&m->board);
		m->eoi_poll_ready = false;
	}
	if (m->board_ready) {
		serial_teardown(m);
		debugcon_teardown(m);
	}
	machine_notify_teardown(m);
	if (m->accel_ready)
		m->accel.ops->destroy(&m->accel);
	if (m->board_ready)
		board_destroy(&m->board);
	for (unsigned i = 0; i < m->ndrives; i++)
		virtio_drive_free(m->drives[i]);
	for (unsigned i = 0; i < m->nnetdevs; i++)
		net_backend_free(m->netdevs[i]);	/* before loop_free: it leaves the loop */
	free(m->drives);
	free(m->drive_auto);
	free(m->netdevs);
	if (m->hvc_registered)
		virtio_backend_unregister(&m->hvc.be);
	free(m->cmdline);
	if (m->have_acpi)
		acpi_tables_free(&m->acpi);
	if (m->loop)
		loop_free(m->loop);
	if (m->log) {
		log_set_file(NULL);
		fclose(m->log);
	}
	if (m->fw_cfg_data)
		for (unsigned i = 0; i < m->cfg->nfw_cfg; i++)
			free(m->fw_cfg_data[i]);
	free(m->fw_cfg_data);
	free(m->bios);
	free(m->kernel);
	free(m->initrd);
	free(m->fdt);
	bootrep_free(m->bootrep);
	term_restore();
	free(m);
}
