/*
 * The command line: a QEMU-compatible subset of qemu-system-x86_64's options.
 *
 * Contract: cli_parse() is pure (no printing, no exit, no global state); it
 * fills a struct vm_config or returns -1 with one line in err naming the
 * option and what is wrong ("-m: bad size suffix 'Q' in '12Q'"). The caller
 * prints "bringup: <err>" and exits 1. Options QEMU has and we do not are
 * recognised by name so the message says "not supported" rather than
 * "unknown". The only I/O is checking that files named by -bios, -kernel,
 * -initrd and -fw_cfg file= exist and are readable.
 */
#ifndef VMM_CLI_H
#define VMM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_MAX_ACCELS	4
#define CLI_MAX_SERIALS	4
#define CLI_MAX_SMP	255		/* xAPIC IDs */
#define CLI_DEFAULT_RAM	(128ull << 20)	/* QEMU's default */
#define CLI_MAX_RAM	(1ull << 40)
#define FW_CFG_NAME_MAX	56		/* fw_cfg file names, NUL included */

enum machine_type { MACHINE_PC, MACHINE_MICROVM };
enum irqchip_mode { IRQCHIP_DEFAULT, IRQCHIP_ON, IRQCHIP_SPLIT, IRQCHIP_OFF };
enum serial_kind { SERIAL_NONE, SERIAL_STDIO, SERIAL_FILE, SERIAL_NULL };
enum cli_action { CLI_RUN, CLI_VERSION, CLI_HELP, CLI_LIST };

struct serial_cfg {
	enum serial_kind kind;
	char *path;			/* SERIAL_FILE */
};

struct fw_cfg_opt {
	char *name;
	char *file;			/* exactly one of file and string */
	char *string;
};

struct str_list {
	unsigned n;
	char **v;
};

struct cpu_flag {
	char *name;
	bool on;
};

struct vm_config {
	enum cli_action action;
	char *list_text;		/* CLI_LIST: what "-M help" etc. print */

	enum machine_type machine;
	const char *machine_name;	/* "pc" or "microvm" */
	unsigned naccels;		/* 0: default (kvm, then tcg) */
	char accel[CLI_MAX_ACCELS][8];	/* tried in order, as QEMU's accel=kvm:tcg */
	enum irqchip_mode irqchip;
	char *dumpdtb, *dumpacpi;
	bool no_acpi;			/* -machine acpi=off: no ACPI tables */

	char *cpu_model;		/* NULL: the accelerator's default */
	unsigned ncpu_flags;
	struct cpu_flag *cpu_flags;

	uint64_t ram_size;
	unsigned smp;

	char *bios, *kernel, *initrd, *append;

	unsigned nserials;		/* entries in serial[]; COM1 first */
	struct serial_cfg serial[CLI_MAX_SERIALS];
	bool serial_given;
	bool nographic, display_none, nodefaults, no_reboot, no_shutdown;

	struct str_list devices, drives, netdevs;
	struct str_list nics;		/* -nic as given, expanded into netdevs and devices */
	unsigned nfw_cfg;
	struct fw_cfg_opt *fw_cfg;

	unsigned log_mask;
	char *log_file;
	bool boot_report;		/* -d boot: the boot report at exit (vmm/bootrep.h) */

	struct serial_cfg debugcon;	/* -debugcon: the board's isa-debugcon output */
	bool debugcon_given;
	char *datadir;			/* -L: where option ROMs are looked up first */

	bool start_stopped;		/* -S */
	char *gdb;			/* -gdb tcp:[HOST]:PORT or -s; NULL: no stub */
	char *gdb_host;			/* NULL: all local addresses, as QEMU's tcp::PORT */
	unsigned gdb_port;
};

/*
 * One -nic argument as the -netdev and -device strings it stands for (both
 * malloc'd; both NULL for "none"); index names the pair when no id= is given.
 * 0, or -1 with a one-line message in err. vmm/cli_nic.c.
 */
int cli_nic_expand(const char *arg, unsigned index, enum machine_type machine, char **netdev,
		   char **device, char *err, size_t errlen);

/* 0 on success; -1 with a one-line message (no "bringup: " prefix, no newline) in err. */
int cli_parse(int argc, char *const argv[], struct vm_config *cfg, char *err, size_t errlen);
void cli_free(struct vm_config *cfg);

/* Size with optional K/M/G/T suffix (default unit: def_shift, 20 for MiB). */
int cli_parse_size(const char *s, unsigned def_shift, uint64_t *out, const char **why);

const char *cli_usage(void);
const char *cli_version(void);

#endif
