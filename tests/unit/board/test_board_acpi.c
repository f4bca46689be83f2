/*
 * ACPI builder: for 1, 2 and 8 CPUs, the tables decompile with `iasl -d`,
 * acpiexec loads them and evaluates \_S5 and \_SB.PCI0._PRT, every checksum
 * holds, the MADT and FADT say what the board is, and the table-loader
 * script, run the way qboot runs it on data read through fw_cfg, produces
 * the direct-boot form byte for byte.
 */
#include <check.h>
#include <ftw.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/acpi.h"
#include "board/fw_cfg.h"
#include "tests/unit/common/harness.h"

#define TABLES_GPA	0x7fe0000ull	/* where "firmware" allocates the tables */
#define RSDP_GPA	0xf5a10ull	/* FSEG, 16-aligned */
#define TOOL_TIMEOUT	30.0

#include "tests/unit/board/acpi_test_util.h"

static const unsigned cpu_counts[] = { 1, 2, 8 };

static void build_direct(struct direct *d, unsigned ncpus, uint32_t hole, bool hpet)
{
	struct acpi_board_desc desc;

	acpi_board_desc_pc(&desc, ncpus, hole);
	desc.has_hpet = hpet;
	ck_assert_int_eq(acpi_build(&desc, &d->t), 0);
	d->tables = malloc(d->t.len);
	ck_assert_int_eq(acpi_relocate(&d->t, TABLES_GPA, RSDP_GPA, d->tables, d->rsdp), 0);
}

START_TEST(test_checksums_and_pointers)
{
	unsigned n = cpu_counts[_i];
	struct direct d;
	const uint8_t *rsdt, *xsdt, *fadt;
	unsigned i;

	build_direct(&d, n, 0xe0000000u, false);
	/* RSDP: both checksums */
	ck_assert_mem_eq(d.rsdp, "RSD PTR ", 8);
	ck_assert_uint_eq(d.rsdp[15], 2);
	ck_assert_uint_eq(acpi_checksum(d.rsdp, 20), 0);
	ck_assert_uint_eq(acpi_checksum(d.rsdp, 36), 0);
	ck_assert_uint_eq(le(d.rsdp + 20, 4), 36);
	/* every table but the FACS sums to 0 and has its length */
	ck_assert_uint_ge(d.t.ntables, 6);
	for (i = 0; i < d.t.ntables; i++) {
		const uint8_t *t = d.tables + d.t.table[i].offset;

		ck_assert_uint_eq(le(t + 4, 4), d.t.table[i].len);
		ck_assert_mem_eq(t, d.t.table[i].sig, 4);
		if (strcmp(d.t.table[i].sig, "FACS"))
			ck_assert_msg(acpi_checksum(t, d.t.table[i].len) == 0, "%s checksum",
				      d.t.table[i].sig);
	}
	/* RSDT and XSDT list the same tables: FACP and APIC */
	rsdt = d.tables + (le(d.rsdp + 16, 4) - TABLES_GPA);
	xsdt = find_table(&d, "XSDT");
	ck_assert_mem_eq(rsdt, "RSDT", 4);
	ck_assert_mem_eq(xsdt, "XSDT", 4);
	ck_assert_uint_eq(le(rsdt + 4, 4), 36 + 2 * 4);
	ck_assert_uint_eq(le(xsdt + 4, 4), 36 + 2 * 8);
	for (i = 0; i < 2; i++)
		ck_assert_uint_eq(le(rsdt + 36 + 4 * i, 4), le(xsdt + 36 + 8 * i, 8));
	ck_assert_ptr_nonnull(find_table(&d, "APIC"));
	ck_assert_ptr_null(find_table(&d, "HPET"));

	/* FADT: PM blocks, SCI, reset register, FACS and DSDT pointers */
	fadt = find_table(&d, "FACP");
	ck_assert_ptr_nonnull(fadt);
	ck_assert_uint_eq(fadt[8], 5);
	ck_assert_uint_eq(le(fadt + 4, 4), 268);
	ck_assert_mem_eq(d.tables + (le(fadt + 36, 4) - TABLES_GPA), "FACS", 4);
	ck_assert_uint_eq(le(fadt + 36, 4) % 64, 0);
	ck_assert_mem_eq(d.tables + (le(fadt + 40, 4) - TABLES_GPA), "DSDT", 4);
	ck_assert_uint_eq(le(fadt + 140, 8), le(fadt + 40, 4));		/* X_DSDT */
	ck_assert_uint_eq(le(fadt + 46, 2), 9);				/* SCI_INT */
	ck_assert_uint_eq(le(fadt + 48, 4), 0xb2);			/* SMI_CMD */
	ck_assert_uint_eq(le(fadt + 56, 4), 0x600);			/* PM1a_EVT */
	ck_assert_uint_eq(le(fadt + 64, 4), 0x604);			/* PM1a_CNT */
	ck_assert_uint_eq(le(fadt + 76, 4), 0x608);			/* PM_TMR */
	ck_assert_uint_eq(fadt[88], 4);
	ck_assert_uint_eq(fadt[89], 2);
	ck_assert_uint_eq(fadt[91], 4);
	ck_assert_uint_eq(le(fadt + 109, 2), 0x3);			/* legacy + 8042 */
	ck_assert_uint_eq(le(fadt + 112, 4) & (1u << 10), 1u << 10);	/* RESET_REG_SUP */
	ck_assert_uint_eq(le(fadt + 112, 4) & (1u << 8), 0);		/* 24-bit PM timer */
	ck_assert_uint_eq(fadt[116], 1);				/* reset reg: I/O */
	ck_assert_uint_eq(fadt[117], 8);
	ck_assert_uint_eq(le(fadt + 120, 8), 0xcf9);
	ck_assert_uint_eq(fadt[128], 6);
	ck_assert_uint_eq(le(fadt + 148 + 4, 8), 0x600);		/* X_PM1a_EVT */
	ck_assert_uint_eq(le(fadt + 208 + 4, 8), 0x608);		/* X_PM_TMR */
	free_direct(&d);
}
END_TEST

START_TEST(test_madt)
{
	unsigned n = cpu_counts[_i];
	struct direct d;
	const uint8_t *madt, *p, *end;
	unsigned lapics = 0, ioapics = 0, nmis = 0, i;
	bool irq0 = false, sci = false;

	build_direct(&d, n, 0xe0000000u, false);
	madt = find_table(&d, "APIC");
	ck_assert_ptr_nonnull(madt);
	ck_assert_uint_eq(le(madt + 36, 4), 0xfee00000u);
	ck_assert_uint_eq(le(madt + 40, 4), 1);			/* PCAT_COMPAT */
	end = madt + le(madt + 4, 4);
	for (p = madt + 44; p < end; p += p[1]) {
		ck_assert_uint_ge(p[1], 2);
		switch (p[0]) {
		case 0:
			ck_assert_uint_eq(p[1], 8);
			ck_assert_uint_eq(p[2], lapics);		/* UID */
			ck_assert_uint_eq(p[3], lapics);		/* APIC ID */
			ck_assert_uint_eq(le(p + 4, 4), 1);		/* enabled */
			lapics++;
			break;
		case 1:
			ck_assert_uint_eq(p[1], 12);
			ck_assert_uint_eq(le(p + 4, 4), 0xfec00000u);
			ck_assert_uint_eq(le(p + 8, 4), 0);
			ioapics++;
			break;
		case 2:
			ck_assert_uint_eq(p[1], 10);
			ck_assert_uint_eq(p[2], 0);
			if (p[3] == 0) {
				ck_assert_uint_eq(le(p + 4, 4), 2);
				ck_assert_uint_eq(le(p + 8, 2), 0);
				irq0 = true;
			} else {
				ck_assert_uint_eq(le(p + 4, 4), p[3]);
				ck_assert_uint_eq(le(p + 8, 2), 0xd);	/* level, active high */
				if (p[3] == 9)
					sci = true;
			}
			break;
		case 4:
			ck_assert_uint_eq(p[1], 6);
			ck_assert_uint_eq(p[2], 0xff);
			ck_assert_uint_eq(p[5], 1);			/* LINT1 */
			nmis++;
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", p[0]);
		}
	}
	ck_assert_ptr_eq(p, end);
	ck_assert_uint_eq(lapics, n);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(nmis, 1);
	ck_assert(irq0);
	ck_assert(sci);
	/* FADT asks for cluster mode only above 8 CPUs */
	i = le(find_table(&d, "FACP") + 112, 4);
	ck_assert_uint_eq(i & (1u << 18), 0);
	free_direct(&d);
}
END_TEST

START_TEST(test_hpet_and_bad_desc)
{
	struct acpi_board_desc desc;
	struct acpi_tables t;
	struct direct d;
	const uint8_t *h;
	uint32_t ids[2] = { 0, 0xff };

	build_direct(&d, 16, 0x80000000u, true);
	h = find_table(&d, "HPET");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(le(h + 4, 4), 56);
	ck_assert_uint_eq(le(h + 36, 4), 0x8086a201u);
	ck_assert_uint_eq(le(h + 44, 8), 0xfed00000u);
	ck_assert_uint_eq(le(find_table(&d, "FACP") + 112, 4) & (1u << 18), 1u << 18);
	free_direct(&d);

	acpi_board_desc_pc(&desc, 0, 0xe0000000u);
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	ck_assert_ptr_null(t.blob);
	desc.ncpus = 256;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	desc.ncpus = 2;
	desc.apic_ids = ids;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	desc.apic_ids = NULL;
	desc.dsdt = (const uint8_t *)"SSDT not a dsdt at all, long enough to have a header";
	desc.dsdt_len = 50;
	ck_assert_int_eq(acpi_build(&desc, &t), -EINVAL);
	desc.dsdt = NULL;
	/* no PCI: the microvm DSDT, no PCI window to patch */
	desc.has_pci = false;
	ck_assert_int_eq(acpi_build(&desc, &t), 0);
	{
		size_t len;
		const uint8_t *aml = acpi_builtin_dsdt_microvm(&len);
		unsigned i;

		for (i = 0; i < t.ntables && strcmp(t.table[i].sig, "DSDT"); i++)
			;
		ck_assert_uint_lt(i, t.ntables);
		ck_assert_uint_eq(t.table[i].len, len);
		ck_assert(memcmp(t.blob + t.table[i].offset + 10, aml + 10, len - 10) == 0);
		ck_assert(memmem(aml, len, "PCI0", 4) == NULL);
	}
	acpi_tables_free(&t);
	desc.has_pci = true;
	ck_assert_int_eq(acpi_build(&desc, &t), 0);
	/* relocation that cannot be honoured */
	{
		uint8_t *out = malloc(t.len), rsdp[ACPI_RSDP_SIZE];

		ck_assert_int_eq(acpi_relocate(&t, 0x100000020ull, RSDP_GPA, out, rsdp), -EINVAL);
		ck_assert_int_eq(acpi_relocate(&t, 0x100000000ull, RSDP_GPA, out, rsdp), -ERANGE);
		ck_assert_int_eq(acpi_relocate(&t, TABLES_GPA, RSDP_GPA + 8, out, rsdp), -EINVAL);
		free(out);
	}
	acpi_tables_free(&t);
}
END_TEST

/* ---- the table-loader script, run as qboot runs it ---- */

struct fw_file {
	const char *name;
	uint8_t *mem;		/* "allocated" copy */
	uint64_t addr;
	uint32_t size;
};

/* Read a whole file through fw_cfg's directory and DMA, as firmware does. */
static uint8_t *fw_read_file(struct fw_cfg *fc, struct guest_mem *m, const char *name,
			     uint32_t *size)
{
	uint8_t dir[4 + 64 * FW_CFG_FILE_SLOTS];
	uint32_t count, i;
	uint8_t *out;

	fw_cfg_select(fc, FW_CFG_FILE_DIR);
	for (i = 0; i < 4; i++)
		dir[i] = fw_cfg_io_read(fc, FW_CFG_PORT_DATA, 1);
	count = (uint32_t)dir[0] << 24 | dir[1] << 16 | dir[2] << 8 | dir[3];
	ck_assert_uint_le(count, FW_CFG_FILE_SLOTS);
	for (i = 4; i < 4 + 64 * count; i++)
		dir[i] = fw_cfg_io_read(fc, FW_CFG_PORT_DATA, 1);
	for (i = 0; i < count; i++) {
		const uint8_t *e = dir + 4 + 64 * i;
		uint16_t key = e[4] << 8 | e[5];
		uint8_t desc[16] = { 0 };

		if (strcmp((const char *)e + 8, name))
			continue;
		*size = (uint32_t)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
		/* DMA the file to 0x10000 in guest RAM */
		desc[0] = key >> 8;
		desc[1] = key;
		desc[3] = FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
		desc[4] = *size >> 24;
		desc[5] = *size >> 16;
		desc[6] = *size >> 8;
		desc[7] = *size;
		desc[13] = 0x01;	/* address 0x10000 */
		ck_assert_int_eq(gmem_write(m, 0x1000, desc, 16), 0);
		fw_cfg_io_write(fc, FW_CFG_PORT_DMA + 4, __builtin_bswap32(0x1000), 4);
		ck_assert_int_eq(gmem_read(m, 0x1000, desc, 4), 0);
		ck_assert_uint_eq(desc[0] | desc[1] | desc[2] | desc[3], 0);
		out = malloc(*size);
		ck_assert_int_eq(gmem_read(m, 0x10000, out, *size), 0);
		return out;
	}
	ck_abort_msg("fw_cfg file %s not found", name);
	return NULL;
}

static struct fw_file *script_file(struct fw_file *files, unsigned n, const char *name)
{
	unsigned i;

	ck_assert_msg(memchr(name, 0, ACPI_LOADER_FILESZ) != NULL, "file name not terminated");
	for (i = 0; i < n; i++)
		if (!strcmp(files[i].name, name))
			return &files[i];
	ck_abort_msg("script names unknown file %s", name);
	return NULL;
}

START_TEST(test_table_loader_matches_direct)
{
	unsigned n = cpu_counts[_i];
	struct direct d;
	struct guest_mem m;
	struct fw_cfg fc;
	struct fw_file files[2] = { { ACPI_FILE_TABLES }, { ACPI_FILE_RSDP } };
	uint8_t *script;
	uint32_t script_len, i;
	unsigned allocs = 0, ptrs = 0, sums = 0;

	build_direct(&d, n, 0xc0000000u, n == 8);
	ck_assert_int_eq(gmem_init(&m, 16u << 20, 0xe0000000ull), 0);
	ck_assert_int_eq(fw_cfg_init(&fc, &m, true), 0);
	ck_assert_int_eq(acpi_add_fw_cfg(&d.t, &fc), 0);

	script = fw_read_file(&fc, &m, ACPI_FILE_LOADER, &script_len);
	ck_assert_uint_eq(script_len % ACPI_LOADER_ENTRY_SIZE, 0);
	ck_assert_uint_gt(script_len, 0);
	for (i = 0; i < script_len; i += ACPI_LOADER_ENTRY_SIZE) {
		const uint8_t *e = script + i;
		uint32_t cmd = le(e, 4);
		struct fw_file *f = script_file(files, 2, (const char *)e + 4);

		switch (cmd) {
		case ACPI_LOADER_ALLOCATE: {
			uint32_t align = le(e + 60, 4);
			uint8_t zone = e[64];

			ck_assert_ptr_null(f->mem);
			ck_assert(align && !(align & (align - 1)));
			if (!strcmp(f->name, ACPI_FILE_RSDP)) {
				ck_assert_uint_eq(zone, ACPI_LOADER_ZONE_FSEG);
				f->addr = RSDP_GPA;
			} else {
				ck_assert_uint_eq(zone, ACPI_LOADER_ZONE_HIGH);
				f->addr = TABLES_GPA;
			}
			ck_assert_uint_eq(f->addr % align, 0);
			f->mem = fw_read_file(&fc, &m, f->name, &f->size);
			allocs++;
			break;
		}
		case ACPI_LOADER_ADD_POINTER: {
			struct fw_file *src = script_file(files, 2, (const char *)e + 60);
			uint32_t off = le(e + 116, 4);
			uint8_t size = e[120];
			uint64_t v;

			ck_assert_ptr_nonnull(f->mem);
			ck_assert_ptr_nonnull(src->mem);
			ck_assert(size == 1 || size == 2 || size == 4 || size == 8);
			ck_assert_uint_le(off + size, f->size);
			v = le(f->mem + off, size) + src->addr;
			/* the pointer is an offset inside the source file before patching */
			ck_assert_uint_lt(le(f->mem + off, size), src->size);
			memcpy(f->mem + off, &v, size);	/* little-endian host */
			ptrs++;
			break;
		}
		case ACPI_LOADER_ADD_CHECKSUM: {
			uint32_t off = le(e + 60, 4), start = le(e + 64, 4), len = le(e + 68, 4);

			ck_assert_ptr_nonnull(f->mem);
			ck_assert_uint_lt(off, f->size);
			ck_assert_uint_le(start, f->size);
			ck_assert_uint_le(len, f->size - start);
			ck_assert(off >= start && off < start + len);
			f->mem[off] -= acpi_checksum(f->mem + start, len);
			sums++;
			break;
		}
		default:
			ck_abort_msg("unknown table-loader command %u", cmd);
		}
	}
	ck_assert_uint_eq(allocs, 2);
	/* FADT 3, RSDT/XSDT one each per table, RSDP 2 */
	ck_assert_uint_eq(ptrs, 3 + 2 * (n == 8 ? 3 : 2) + 2);
	/* every table but the FACS, and the RSDP twice */
	ck_assert_uint_eq(sums, d.t.ntables - 1 + 2);
	ck_assert_uint_eq(files[0].size, d.t.len);
	ck_assert_uint_eq(files[1].size, ACPI_RSDP_SIZE);
	ck_assert(memcmp(files[0].mem, d.tables, d.t.len) == 0);
	ck_assert_mem_eq(files[1].mem, d.rsdp, ACPI_RSDP_SIZE);

	/* acpi_install writes the same bytes into guest RAM */
	ck_assert_int_eq(acpi_install(&d.t, &m, 0x200000, 0xe0000), 0);
	ck_assert_int_eq(acpi_install(&d.t, &m, 0x2000000, 0xe0000), -EFAULT);
	{
		uint8_t *want = malloc(d.t.len), rsdp[ACPI_RSDP_SIZE];

		ck_assert_int_eq(acpi_relocate(&d.t, 0x200000, 0xe0000, want, rsdp), 0);
		ck_assert(memcmp(m.ram + 0x200000, want, d.t.len) == 0);
		ck_assert_mem_eq(m.ram + 0xe0000, rsdp, ACPI_RSDP_SIZE);
		free(want);
	}
	free(files[0].mem);
	free(files[1].mem);
	free(script);
	fw_cfg_destroy(&fc);
	gmem_destroy(&m);
	free_direct(&d);
}
END_TEST

/* ---- iasl and acpiexec on the dumped tables ---- */

static const char prt_probe_asl[] =
	"DefinitionBlock (\"\", \"SSDT\", 2, \"BRINGU\", \"PRTPROBE\", 1)\n"
	"{\n"
	"    External (\\_SB.PCI0._PRT, MethodObj)\n"
	"    /* acpiexec's evaluate copies results into a 16 KiB buffer, too small\n"
	"     * for 128 _PRT entries: print the package through Debug instead. */\n"
	"    Method (\\TPRT, 0, NotSerialized)\n"
	"    {\n"
	"        Local0 = \\_SB.PCI0._PRT ()\n"
	"        Debug = Local0\n"
	"        Return (SizeOf (Local0))\n"
	"    }\n"
	"}\n";

/*
 * RSDP.dat is dumped too, but iasl 20200925 cannot disassemble a lone RSDP
 * ("not a valid ACPI table"); its checksums and pointers are checked above.
 */
static const char *dumped[] = { "FACS", "DSDT", "FACP", "APIC", "RSDT", "XSDT" };

START_TEST(test_iasl_disassembles)
{
	unsigned n = cpu_counts[_i], i;
	struct direct d;
	char *dir;

	if (!tool_present("iasl")) {
		harness_skip("test_iasl_disassembles", "iasl not installed");
		return;
	}
	build_direct(&d, n, 0xe0000000u, false);
	dir = make_tmpdir();
	ck_assert_int_eq(acpi_dump(&d.t, TABLES_GPA, RSDP_GPA, dir), 0);
	for (i = 0; i < sizeof(dumped) / sizeof(dumped[0]); i++) {
		char in[512], out[512], *argv[] = { "iasl", "-d", "-p", out, in, NULL };
		struct run_result r;
		size_t len;
		char *dsl;

		snprintf(in, sizeof(in), "%s/%s.dat", dir, dumped[i]);
		snprintf(out, sizeof(out), "%s/%s", dir, dumped[i]);
		harness_run(argv, TOOL_TIMEOUT, &r);
		expect_clean(&r, in);
		harness_free(&r);
		/* the disassembly exists and names the table */
		snprintf(in, sizeof(in), "%s/%s.dsl", dir, dumped[i]);
		dsl = harness_read_file(in, &len);
		ck_assert_msg(dsl != NULL, "no %s", in);
		ck_assert_msg(strstr(dsl, dumped[i]) != NULL, "%s does not name its table", in);
		free(dsl);
	}
	rm_tmpdir(dir);
	free_direct(&d);
}
END_TEST

/* Link of slot s, pin p (PIIX swizzle); slot 1 INTA is the SCI link. */
static const char *expected_link(unsigned slot, unsigned pin)
{
	static const char *links[] = { "LNKA", "LNKB", "LNKC", "LNKD" };

	if (slot == 1 && pin == 0)
		return "LNKS";
	return links[(slot + pin + 3) & 3];
}

static void check_prt_output(const char *out)
{
	const char *p = strstr(out, "ACPI Debug:  Package  (Contains 0x80 Elements)");
	const char *q, *link;
	unsigned i;

	ck_assert_msg(p != NULL, "no _PRT package in:\n%s", out);
	for (i = 0; i < 128; i++) {
		char want[160];
		unsigned slot = i / 4, pin = i % 4;

		snprintf(want, sizeof(want), "(%02u) Package  (Contains 0x04 Elements)", i);
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "entry %u missing", i);
		snprintf(want, sizeof(want), "(00) 0x%016X", slot << 16 | 0xffff);
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "entry %u: address", i);
		snprintf(want, sizeof(want), "(01) 0x%016X", pin);
		p = strstr(p, want);
		ck_assert_msg(p != NULL, "entry %u: pin", i);
		p = strstr(p, "(02) Reference  [Named Object]");
		ck_assert_msg(p != NULL, "entry %u: source", i);
		q = strstr(p, "(03) 0x0000000000000000");
		ck_assert_msg(q != NULL, "entry %u: source index", i);
		snprintf(want, sizeof(want), "[%s] Device", expected_link(slot, pin));
		link = strstr(p, want);
		ck_assert_msg(link && link < q, "entry %u: want %s", i, want);
		p = q;
	}
	ck_assert_msg(strstr(p, "[Integer] = 0000000000000080") != NULL, "TPRT size");
}

START_TEST(test_acpiexec_evaluates)
{
	unsigned n = cpu_counts[_i];
	uint32_t hole = n == 8 ? 0xc0000000u : 0xe0000000u;
	struct direct d;
	struct run_result r;
	char *dir, path[6][512], probe_asl[512], probe[512], cmd[256], *s5;
	char *iasl_argv[] = { "iasl", "-p", probe, probe_asl, NULL };
	unsigned i;
	FILE *f;

	if (!tool_present("iasl") || !tool_present("acpiexec")) {
		harness_skip("test_acpiexec_evaluates", "iasl/acpiexec not installed");
		return;
	}
	build_direct(&d, n, hole, false);
	dir = make_tmpdir();
	ck_assert_int_eq(acpi_dump(&d.t, TABLES_GPA, RSDP_GPA, dir), 0);
	snprintf(probe_asl, sizeof(probe_asl), "%s/probe.asl", dir);
	snprintf(probe, sizeof(probe), "%s/probe", dir);
	f = fopen(probe_asl, "w");
	ck_assert_ptr_nonnull(f);
	fputs(prt_probe_asl, f);
	fclose(f);
	harness_run(iasl_argv, TOOL_TIMEOUT, &r);
	ck_assert_msg(r.status == 0, "probe SSDT: %s%s", r.out, r.err);
	harness_free(&r);

	snprintf(cmd, sizeof(cmd), "evaluate \\_S5; evaluate \\PHST; evaluate \\TPRT");
	{
		static const char *tables[] = { "FACP", "APIC", "DSDT", "FACS" };
		char *argv[] = { "acpiexec", "-b", cmd, path[0], path[1], path[2], path[3],
				 path[4], NULL };

		for (i = 0; i < 4; i++)
			snprintf(path[i], sizeof(path[i]), "%s/%s.dat", dir, tables[i]);
		snprintf(path[4], sizeof(path[4]), "%s/probe.aml", dir);
		harness_run(argv, TOOL_TIMEOUT, &r);
	}
	expect_clean(&r, "acpiexec");
	/* our DSDT is the one loaded */
	ck_assert_msg(strstr(r.out, "DSDT") && strstr(r.out, "BXPC"), "%s", r.out);
	/* \_S5: package of four zeros (PIIX4 SLP_TYP 0 = soft off) */
	s5 = strstr(r.out, "Evaluation of \\_S5 returned object");
	ck_assert_msg(s5 != NULL, "%s", r.out);
	s5 = strstr(s5, "[Package] Contains 4 Elements:");
	ck_assert_ptr_nonnull(s5);
	for (i = 0; i < 4; i++) {
		s5 = strstr(s5, "[Integer] = 0000000000000000");
		ck_assert_ptr_nonnull(s5);
		s5++;
	}
	/* the PCI window start was patched in */
	{
		char want[64];

		snprintf(want, sizeof(want), "[Integer] = %016X", hole);
		ck_assert_msg(strstr(r.out, want) != NULL, "PHST: %s", r.out);
	}
	check_prt_output(r.out);
	harness_free(&r);
	rm_tmpdir(dir);
	free_direct(&d);
}
END_TEST

Suite *board_acpi_suite(void)
{
	Suite *s = suite_create("board_acpi");
	TCase *tc = tcase_create("tables");
	TCase *tools = tcase_create("tools");
	int ncounts = sizeof(cpu_counts) / sizeof(cpu_counts[0]);

	tcase_add_loop_test(tc, test_checksums_and_pointers, 0, ncounts);
	tcase_add_loop_test(tc, test_madt, 0, ncounts);
	tcase_add_test(tc, test_hpet_and_bad_desc);
	tcase_add_loop_test(tc, test_table_loader_matches_direct, 0, ncounts);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tools, 120);
	tcase_add_unchecked_fixture(tools, tools_setup, tools_teardown);
	tcase_add_loop_test(tools, test_iasl_disassembles, 0, ncounts);
	tcase_add_loop_test(tools, test_acpiexec_evaluates, 0, ncounts);
	suite_add_tcase(s, tools);
	return s;
}
