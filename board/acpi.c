/*
 * ACPI table builder. See board/acpi.h for the contract.
 *
 * Layout of etc/acpi/tables (QEMU's order): FACS first (it must be 64-byte
 * aligned and the blob is allocated 64-aligned; none on a hardware-reduced
 * board), then DSDT, FACP, APIC,
 * [HPET], RSDT, XSDT, each 8-aligned. Every pointer is recorded as a linker
 * command, so the fw_cfg script and the direct-boot relocation apply the
 * very same list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/acpi.h"
#include "board/fw_cfg.h"

#define HDR_SIZE		36
#define HDR_OFF_LENGTH		4
#define HDR_OFF_CHECKSUM	9

#define OEM_ID			"BOCHS "
#define OEM_TABLE_ID		"BXPC    "
#define OEM_REVISION		1
#define CREATOR_ID		"BXPC"
#define CREATOR_REVISION	1

/* FADT (ACPI 5.0, revision 5) */
#define FADT_REVISION		5
#define FADT_SIZE		268
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PROC_C1		(1u << 2)
#define FADT_F_SLP_BUTTON	(1u << 5)
#define FADT_F_RTC_S4		(1u << 7)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_F_USE_PLATFORM_CLOCK (1u << 15)
#define FADT_F_FORCE_APIC_CLUSTER (1u << 18)
#define FADT_F_HW_REDUCED_ACPI	(1u << 20)
#define IAPC_LEGACY_DEVICES	(1u << 0)
#define IAPC_8042		(1u << 1)
#define IAPC_VGA_NOT_PRESENT	(1u << 2)
#define GAS_SYSTEM_MEMORY	0
#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

/* MADT */
#define MADT_REVISION		3
#define MADT_PCAT_COMPAT	(1u << 0)
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_INT_OVERRIDE	2
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_ENABLED	1
#define MPS_ACTIVE_HIGH		0x1
#define MPS_LEVEL		(0x3 << 2)
#define LAPIC_NMI_ALL_CPUS	0xff

#define FACS_SIZE		64
#define FACS_VERSION		2
#define HPET_BLOCK_ID		0x8086a201u	/* as QEMU: vendor 8086, 3 timers, 64-bit */

/* DSDT patch point: Name (PHST, DWordConst) */
static const uint8_t phst_pattern[] = { 0x08, 'P', 'H', 'S', 'T', 0x0c };

extern const unsigned char acpi_aml_dsdt[];
extern const unsigned int acpi_aml_dsdt_len;
extern const unsigned char acpi_aml_dsdt_microvm[];
extern const unsigned int acpi_aml_dsdt_microvm_len;

const uint8_t *acpi_builtin_dsdt(size_t *len)
{
	*len = acpi_aml_dsdt_len;
	return acpi_aml_dsdt;
}

const uint8_t *acpi_builtin_dsdt_microvm(size_t *len)
{
	*len = acpi_aml_dsdt_microvm_len;
	return acpi_aml_dsdt_microvm;
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

void acpi_board_desc_pc(struct acpi_board_desc *d, unsigned ncpus, uint32_t pci_hole_start)
{
	memset(d, 0, sizeof(*d));
	d->ncpus = ncpus;
	d->lapic_addr = ACPI_LAPIC_ADDR;
	d->ioapic_addr = ACPI_IOAPIC_ADDR;
	d->ioapic_id = 0;
	d->pic = true;
	d->irq0_override = true;
	d->pci_irq_mask = ACPI_PC_PCI_IRQ_MASK;
	d->pm_base = ACPI_PC_PM_BASE;
	d->gpe0_base = ACPI_PC_GPE0_BASE;
	d->gpe0_len = ACPI_PC_GPE0_LEN;
	d->sci_irq = ACPI_PC_SCI_IRQ;
	d->smi_cmd = ACPI_PC_SMI_CMD;
	d->acpi_enable = ACPI_PC_ACPI_ENABLE;
	d->acpi_disable = ACPI_PC_ACPI_DISABLE;
	d->reset_port = ACPI_PC_RESET_PORT;
	d->reset_value = ACPI_PC_RESET_VALUE;
	d->rtc_century = ACPI_RTC_CENTURY;
	d->has_8042 = true;
	d->legacy_devices = true;
	d->has_pci = true;
	d->pci_hole_start = pci_hole_start;
	d->hpet_addr = ACPI_HPET_ADDR;
}

void acpi_board_desc_microvm(struct acpi_board_desc *d, unsigned ncpus)
{
	memset(d, 0, sizeof(*d));
	d->ncpus = ncpus;
	d->lapic_addr = ACPI_LAPIC_ADDR;
	d->ioapic_addr = ACPI_IOAPIC_ADDR;
	d->pic = true;
	d->irq0_override = true;
	d->hw_reduced = true;
	d->sleep_ctl = ACPI_MICROVM_GED_REGS + ACPI_GED_SLEEP_CTL;
	d->sleep_sts = ACPI_MICROVM_GED_REGS + ACPI_GED_SLEEP_STS;
	d->reset_mmio = ACPI_MICROVM_GED_REGS + ACPI_GED_RESET;
	d->reset_value = ACPI_GED_RESET_VALUE;
	d->rtc_century = ACPI_RTC_CENTURY;
}

/* ---- growable blob ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static uint8_t *buf_grow(struct buf *b, size_t n)
{
	if (b->err)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	memset(b->p + b->len, 0, n);
	b->len += n;
	return b->p + b->len - n;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	while (n--) {
		*p++ = v;
		v >>= 8;
	}
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void buf_le(struct buf *b, uint64_t v, unsigned n)
{
	uint8_t *p = buf_grow(b, n);

	if (p)
		put_le(p, v, n);
}

static void buf_align(struct buf *b, size_t a)
{
	if (b->len % a)
		buf_grow(b, a - b->len % a);
}

/* ---- builder state ---- */

struct builder {
	struct buf tables;
	struct acpi_tables *t;
	int err;
};

static void add_cmd(struct builder *bl, const struct acpi_cmd *c)
{
	if (bl->t->ncmds >= ACPI_MAX_CMDS) {
		bl->err = -ENOSPC;
		return;
	}
	bl->t->cmd[bl->t->ncmds++] = *c;
}

/* Pointer field at offset in file: holds target_off now, + base of src later. */
static void add_pointer(struct builder *bl, uint8_t *field_base, enum acpi_file file,
			uint32_t offset, uint8_t size, enum acpi_file src, uint32_t target_off)
{
	struct acpi_cmd c = { .kind = ACPI_LOADER_ADD_POINTER, .file = file, .src = src,
			      .size = size, .offset = offset };

	put_le(field_base + offset, target_off, size);
	add_cmd(bl, &c);
}

static void add_checksum(struct builder *bl, enum acpi_file file, uint32_t start, uint32_t len,
			 uint32_t offset)
{
	struct acpi_cmd c = { .kind = ACPI_LOADER_ADD_CHECKSUM, .file = file, .offset = offset,
			      .start = start, .len = len };

	add_cmd(bl, &c);
}

/* Start a table: 8-align, header with the signature; returns its offset. */
static size_t table_begin(struct builder *bl, const char *sig, uint8_t rev)
{
	struct buf *b = &bl->tables;
	size_t off;
	uint8_t *h;

	buf_align(b, 8);
	off = b->len;
	h = buf_grow(b, HDR_SIZE);
	if (!h)
		return off;
	memcpy(h, sig, 4);
	h[8] = rev;
	memcpy(h + 10, OEM_ID, 6);
	memcpy(h + 16, OEM_TABLE_ID, 8);
	put_le(h + 24, OEM_REVISION, 4);
	memcpy(h + 28, CREATOR_ID, 4);
	put_le(h + 32, CREATOR_REVISION, 4);
	return off;
}

static void table_record(struct builder *bl, const char *sig, size_t off, size_t len)
{
	struct acpi_table_ref *r;

	if (bl->t->ntables >= ACPI_MAX_TABLES) {
		bl->err = -ENOSPC;
		return;
	}
	r = &bl->t->table[bl->t->ntables++];
	memcpy(r->sig, sig, 4);
	r->sig[4] = '\0';
	r->offset = off;
	r->len = len;
}

/* Finish a table: length, zero checksum (the checksum command sets it). */
static void table_end(struct builder *bl, size_t off)
{
	struct buf *b = &bl->tables;
	size_t len = b->len - off;
	char sig[5] = { 0 };

	if (b->err)
		return;
	put_le(b->p + off + HDR_OFF_LENGTH, len, 4);
	b->p[off + HDR_OFF_CHECKSUM] = 0;
	add_checksum(bl, ACPI_F_TABLES, off, len, off + HDR_OFF_CHECKSUM);
	memcpy(sig, b->p + off, 4);
	table_record(bl, sig, off, len);
}

/* ---- tables ---- */

static size_t build_facs(struct builder *bl)
{
	struct buf *b = &bl->tables;
	size_t off = b->len;		/* 0: the blob is allocated 64-aligned */
	uint8_t *p = buf_grow(b, FACS_SIZE);

	if (!p)
		return off;
	memcpy(p, "FACS", 4);
	put_le(p + 4, FACS_SIZE, 4);
	p[32] = FACS_VERSION;
	table_record(bl, "FACS", off, FACS_SIZE);	/* FACS has no checksum */
	return off;
}

static size_t build_dsdt(struct builder *bl, const struct acpi_board_desc *d)
{
	struct buf *b = &bl->tables;
	const uint8_t *aml = d->dsdt;
	size_t len = d->dsdt_len, off, i;
	uint8_t *p;

	if (!aml) {
		if (d->has_pci)
			aml = acpi_builtin_dsdt(&len);
		else
			aml = acpi_builtin_dsdt_microvm(&len);
	}
	if (!aml || len < HDR_SIZE || memcmp(aml, "DSDT", 4) || get_le(aml + 4, 4) != len) {
		bl->err = -EINVAL;
		return 0;
	}
	buf_align(b, 8);
	off = b->len;
	p = buf_grow(b, len);
	if (!p)
		return off;
	memcpy(p, aml, len);
	/* the PCI window start: Name (PHST, DWordConst) */
	for (i = HDR_SIZE; i + sizeof(phst_pattern) + 4 <= len; i++) {
		if (!memcmp(p + i, phst_pattern, sizeof(phst_pattern))) {
			put_le(p + i + sizeof(phst_pattern), d->pci_hole_start, 4);
			break;
		}
	}
	table_end(bl, off);
	return off;
}

static void put_gas(uint8_t *p, uint8_t space, uint8_t bit_width, uint8_t access, uint64_t addr)
{
	p[0] = space;
	p[1] = bit_width;
	p[2] = 0;			/* bit offset */
	p[3] = access;
	put_le(p + 4, addr, 8);
}

static size_t build_fadt(struct builder *bl, const struct acpi_board_desc *d, size_t facs,
			 size_t dsdt)
{
	struct buf *b = &bl->tables;
	size_t off = table_begin(bl, "FACP", FADT_REVISION);
	uint32_t flags = d->hw_reduced ? FADT_F_HW_REDUCED_ACPI :
			 FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_RTC_S4 |
			 FADT_F_USE_PLATFORM_CLOCK;
	uint16_t boot_arch = 0;
	uint8_t *p;

	if (!buf_grow(b, FADT_SIZE - HDR_SIZE))
		return off;
	p = b->p + off;
	if (!d->hw_reduced)	/* FIRMWARE_CTRL: a hardware-reduced board has no FACS */
		add_pointer(bl, b->p, ACPI_F_TABLES, off + 36, 4, ACPI_F_TABLES, facs);
	add_pointer(bl, b->p, ACPI_F_TABLES, off + 40, 4, ACPI_F_TABLES, dsdt);	/* DSDT */
	if (d->hw_reduced) {
		if (d->reset_mmio) {
			flags |= FADT_F_RESET_REG_SUP;
			put_gas(p + 116, GAS_SYSTEM_MEMORY, 8, GAS_ACCESS_BYTE, d->reset_mmio);
			p[128] = d->reset_value;
		}
		p[108] = d->rtc_century;
		put_le(p + 112, flags, 4);
		add_pointer(bl, b->p, ACPI_F_TABLES, off + 140, 8, ACPI_F_TABLES, dsdt); /* X_DSDT */
		if (d->sleep_ctl)	/* SLEEP_CONTROL_REG */
			put_gas(p + 244, GAS_SYSTEM_MEMORY, 8, GAS_ACCESS_BYTE, d->sleep_ctl);
		if (d->sleep_sts)	/* SLEEP_STATUS_REG */
			put_gas(p + 256, GAS_SYSTEM_MEMORY, 8, GAS_ACCESS_BYTE, d->sleep_sts);
		table_end(bl, off);
		return off;
	}
	put_le(p + 46, d->sci_irq, 2);
	put_le(p + 48, d->smi_cmd, 4);
	p[52] = d->acpi_enable;
	p[53] = d->acpi_disable;
	put_le(p + 56, d->pm_base, 4);			/* PM1a_EVT_BLK */
	put_le(p + 64, d->pm_base + 4, 4);		/* PM1a_CNT_BLK */
	put_le(p + 76, d->pm_base + 8, 4);		/* PM_TMR_BLK */
	if (d->gpe0_base)
		put_le(p + 80, d->gpe0_base, 4);	/* GPE0_BLK */
	p[88] = 4;					/* PM1_EVT_LEN */
	p[89] = 2;					/* PM1_CNT_LEN */
	p[91] = 4;					/* PM_TMR_LEN */
	p[92] = d->gpe0_base ? d->gpe0_len : 0;		/* GPE0_BLK_LEN */
	put_le(p + 96, 0xfff, 2);			/* P_LVL2_LAT: no C2 */
	put_le(p + 98, 0xfff, 2);			/* P_LVL3_LAT: no C3 */
	p[108] = d->rtc_century;
	if (d->legacy_devices)
		boot_arch |= IAPC_LEGACY_DEVICES;
	if (d->has_8042)
		boot_arch |= IAPC_8042;
	if (d->no_vga)
		boot_arch |= IAPC_VGA_NOT_PRESENT;
	put_le(p + 109, boot_arch, 2);
	if (d->reset_port || d->reset_mmio) {
		flags |= FADT_F_RESET_REG_SUP;
		if (d->reset_port)
			put_gas(p + 116, GAS_SYSTEM_IO, 8, GAS_ACCESS_BYTE, d->reset_port);
		else
			put_gas(p + 116, GAS_SYSTEM_MEMORY, 8, GAS_ACCESS_BYTE, d->reset_mmio);
		p[128] = d->reset_value;
	}
	if (d->ncpus > 8)
		flags |= FADT_F_FORCE_APIC_CLUSTER;	/* flat logical mode ends at 8 */
	put_le(p + 112, flags, 4);
	/* X_FIRMWARE_CTRL (132) stays 0: FIRMWARE_CTRL is used */
	add_pointer(bl, b->p, ACPI_F_TABLES, off + 140, 8, ACPI_F_TABLES, dsdt); /* X_DSDT */
	put_gas(p + 148, GAS_SYSTEM_IO, 32, 0, d->pm_base);		/* X_PM1a_EVT_BLK */
	put_gas(p + 172, GAS_SYSTEM_IO, 16, 0, d->pm_base + 4);	/* X_PM1a_CNT_BLK */
	put_gas(p + 208, GAS_SYSTEM_IO, 32, 0, d->pm_base + 8);	/* X_PM_TMR_BLK */
	if (d->gpe0_base)
		put_gas(p + 220, GAS_SYSTEM_IO, d->gpe0_len * 8, 0, d->gpe0_base); /* X_GPE0_BLK */
	/* PM1b, PM2, GPE1, SLEEP_CONTROL/STATUS stay all-zero: absent */
	table_end(bl, off);
	return off;
}

static size_t build_madt(struct builder *bl, const struct acpi_board_desc *d)
{
	struct buf *b = &bl->tables;
	size_t off = table_begin(bl, "APIC", MADT_REVISION);
	unsigned i, irq;

	buf_le(b, d->lapic_addr, 4);
	buf_le(b, d->pic ? MADT_PCAT_COMPAT : 0, 4);
	for (i = 0; i < d->ncpus; i++) {
		buf_le(b, MADT_LAPIC, 1);
		buf_le(b, 8, 1);
		buf_le(b, i, 1);				/* ACPI processor UID */
		buf_le(b, d->apic_ids ? d->apic_ids[i] : i, 1);
		buf_le(b, MADT_LAPIC_ENABLED, 4);
	}
	buf_le(b, MADT_IOAPIC, 1);
	buf_le(b, 12, 1);
	buf_le(b, d->ioapic_id, 1);
	buf_le(b, 0, 1);
	buf_le(b, d->ioapic_addr, 4);
	buf_le(b, d->ioapic_gsi_base, 4);
	if (d->irq0_override) {
		buf_le(b, MADT_INT_OVERRIDE, 1);
		buf_le(b, 10, 1);
		buf_le(b, 0, 1);			/* bus: ISA */
		buf_le(b, 0, 1);			/* IRQ 0 */
		buf_le(b, 2, 4);			/* GSI 2 */
		buf_le(b, 0, 2);			/* conforms to the bus */
	}
	/* the SCI and the PCI link IRQs are level-triggered, active high */
	for (irq = 1; irq < 16; irq++) {
		if (!((d->pci_irq_mask & (1u << irq)) || irq == d->sci_irq))
			continue;
		buf_le(b, MADT_INT_OVERRIDE, 1);
		buf_le(b, 10, 1);
		buf_le(b, 0, 1);
		buf_le(b, irq, 1);
		buf_le(b, irq, 4);
		buf_le(b, MPS_ACTIVE_HIGH | MPS_LEVEL, 2);
	}
	buf_le(b, MADT_LAPIC_NMI, 1);
	buf_le(b, 6, 1);
	buf_le(b, LAPIC_NMI_ALL_CPUS, 1);
	buf_le(b, 0, 2);				/* flags: conforms */
	buf_le(b, 1, 1);				/* LINT1 */
	table_end(bl, off);
	return off;
}

static size_t build_hpet(struct builder *bl, const struct acpi_board_desc *d)
{
	struct buf *b = &bl->tables;
	size_t off = table_begin(bl, "HPET", 1);
	uint8_t *gas;

	buf_le(b, HPET_BLOCK_ID, 4);
	gas = buf_grow(b, 12);
	if (gas)
		put_gas(gas, GAS_SYSTEM_MEMORY, 0, 0, d->hpet_addr);
	buf_le(b, 0, 1);				/* HPET number */
	buf_le(b, 0, 2);				/* minimum clock tick */
	buf_le(b, 0, 1);				/* page protection */
	table_end(bl, off);
	return off;
}

/* RSDT (4-byte entries) or XSDT (8-byte) pointing at tables[] */
static size_t build_sdt(struct builder *bl, const char *sig, unsigned width,
			const size_t *targets, unsigned n)
{
	struct buf *b = &bl->tables;
	size_t off = table_begin(bl, sig, 1);
	unsigned i;

	for (i = 0; i < n; i++) {
		size_t field = b->len;

		if (!buf_grow(b, width))
			break;
		add_pointer(bl, b->p, ACPI_F_TABLES, field, width, ACPI_F_TABLES, targets[i]);
	}
	table_end(bl, off);
	return off;
}

static void build_rsdp(struct builder *bl, size_t rsdt, size_t xsdt)
{
	uint8_t *r = bl->t->rsdp;
	struct acpi_cmd alloc = { .kind = ACPI_LOADER_ALLOCATE, .file = ACPI_F_RSDP,
				  .align = 16, .zone = ACPI_LOADER_ZONE_FSEG };

	memset(r, 0, ACPI_RSDP_SIZE);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, OEM_ID, 6);
	r[15] = 2;				/* revision: ACPI 2.0+ */
	put_le(r + 20, ACPI_RSDP_SIZE, 4);
	add_cmd(bl, &alloc);
	add_pointer(bl, r, ACPI_F_RSDP, 16, 4, ACPI_F_TABLES, rsdt);
	add_pointer(bl, r, ACPI_F_RSDP, 24, 8, ACPI_F_TABLES, xsdt);
	add_checksum(bl, ACPI_F_RSDP, 0, 20, 8);	/* ACPI 1.0 part first... */
	add_checksum(bl, ACPI_F_RSDP, 0, ACPI_RSDP_SIZE, 32);	/* ...it is summed again here */
}

static const char *const acpi_file_names[] = { ACPI_FILE_TABLES, ACPI_FILE_RSDP };

static int build_loader(struct acpi_tables *t)
{
	uint8_t *s = calloc(t->ncmds ? t->ncmds : 1, ACPI_LOADER_ENTRY_SIZE);
	unsigned i;

	if (!s)
		return -ENOMEM;
	for (i = 0; i < t->ncmds; i++) {
		const struct acpi_cmd *c = &t->cmd[i];
		uint8_t *e = s + i * ACPI_LOADER_ENTRY_SIZE;

		put_le(e, c->kind, 4);
		strcpy((char *)e + 4, acpi_file_names[c->file]);
		switch (c->kind) {
		case ACPI_LOADER_ALLOCATE:
			put_le(e + 4 + 56, c->align, 4);
			e[4 + 60] = c->zone;
			break;
		case ACPI_LOADER_ADD_POINTER:
			strcpy((char *)e + 4 + 56, acpi_file_names[c->src]);
			put_le(e + 4 + 112, c->offset, 4);
			e[4 + 116] = c->size;
			break;
		case ACPI_LOADER_ADD_CHECKSUM:
			put_le(e + 4 + 56, c->offset, 4);
			put_le(e + 4 + 60, c->start, 4);
			put_le(e + 4 + 64, c->len, 4);
			break;
		}
	}
	t->loader = s;
	t->loader_len = (size_t)t->ncmds * ACPI_LOADER_ENTRY_SIZE;
	return 0;
}

int acpi_build(const struct acpi_board_desc *d, struct acpi_tables *t)
{
	struct builder bl = { .t = t };
	struct acpi_cmd alloc = { .kind = ACPI_LOADER_ALLOCATE, .file = ACPI_F_TABLES,
				  .align = 64, .zone = ACPI_LOADER_ZONE_HIGH };
	size_t facs, dsdt, sdt[ACPI_MAX_TABLES], rsdt, xsdt;
	unsigned nsdt = 0, i;

	memset(t, 0, sizeof(*t));
	if (!d || !d->ncpus || d->ncpus > ACPI_MAX_CPUS || d->sci_irq >= 16)
		return -EINVAL;
	/* hardware-reduced: no fixed hardware for the FADT to name */
	if (d->hw_reduced && (d->pm_base || d->gpe0_base || d->sci_irq || d->smi_cmd))
		return -EINVAL;
	if (d->apic_ids)
		for (i = 0; i < d->ncpus; i++)
			if (d->apic_ids[i] > 0xfe)
				return -EINVAL;	/* xAPIC ids only; 0xff is broadcast */

	add_cmd(&bl, &alloc);
	facs = d->hw_reduced ? 0 : build_facs(&bl);
	dsdt = build_dsdt(&bl, d);
	sdt[nsdt++] = build_fadt(&bl, d, facs, dsdt);
	sdt[nsdt++] = build_madt(&bl, d);
	if (d->has_hpet)
		sdt[nsdt++] = build_hpet(&bl, d);
	rsdt = build_sdt(&bl, "RSDT", 4, sdt, nsdt);
	xsdt = build_sdt(&bl, "XSDT", 8, sdt, nsdt);
	build_rsdp(&bl, rsdt, xsdt);

	if (!bl.err)
		bl.err = bl.tables.err;
	if (!bl.err)
		bl.err = build_loader(t);
	t->blob = bl.tables.p;
	t->len = bl.tables.len;
	if (bl.err) {
		acpi_tables_free(t);
		return bl.err;
	}
	return 0;
}

void acpi_tables_free(struct acpi_tables *t)
{
	free(t->blob);
	free(t->loader);
	t->blob = t->loader = NULL;
	t->len = t->loader_len = 0;
}

int acpi_add_fw_cfg(const struct acpi_tables *t, struct fw_cfg *fc)
{
	int ret = fw_cfg_add_file(fc, ACPI_FILE_TABLES, t->blob, t->len);

	if (!ret)
		ret = fw_cfg_add_file(fc, ACPI_FILE_RSDP, t->rsdp, ACPI_RSDP_SIZE);
	if (!ret)
		ret = fw_cfg_add_file(fc, ACPI_FILE_LOADER, t->loader, t->loader_len);
	return ret;
}

int acpi_relocate(const struct acpi_tables *t, uint64_t tables_gpa, uint64_t rsdp_gpa,
		  uint8_t *tables_out, uint8_t rsdp_out[ACPI_RSDP_SIZE])
{
	uint8_t *file[2] = { tables_out, rsdp_out };
	size_t flen[2] = { t->len, ACPI_RSDP_SIZE };
	uint64_t base[2] = { tables_gpa, rsdp_gpa };
	unsigned i;

	memcpy(tables_out, t->blob, t->len);
	memcpy(rsdp_out, t->rsdp, ACPI_RSDP_SIZE);
	for (i = 0; i < t->ncmds; i++) {
		const struct acpi_cmd *c = &t->cmd[i];
		uint64_t v;

		switch (c->kind) {
		case ACPI_LOADER_ALLOCATE:
			if (base[c->file] % c->align)
				return -EINVAL;
			break;
		case ACPI_LOADER_ADD_POINTER:
			if (c->offset > flen[c->file] || c->size > flen[c->file] - c->offset)
				return -EINVAL;
			v = get_le(file[c->file] + c->offset, c->size) + base[c->src];
			if (c->size < 8 && v >> (8 * c->size))
				return -ERANGE;
			put_le(file[c->file] + c->offset, v, c->size);
			break;
		case ACPI_LOADER_ADD_CHECKSUM:
			if (c->start > flen[c->file] || c->len > flen[c->file] - c->start ||
			    c->offset >= flen[c->file])
				return -EINVAL;
			file[c->file][c->offset] -= acpi_checksum(file[c->file] + c->start, c->len);
			break;
		}
	}
	return 0;
}

int acpi_install(const struct acpi_tables *t, struct guest_mem *m, uint64_t tables_gpa,
		 uint64_t rsdp_gpa)
{
	uint8_t rsdp[ACPI_RSDP_SIZE];
	uint8_t *tables = malloc(t->len ? t->len : 1);
	int ret;

	if (!tables)
		return -ENOMEM;
	ret = acpi_relocate(t, tables_gpa, rsdp_gpa, tables, rsdp);
	if (!ret && (!gmem_is_ram(m, tables_gpa, t->len) || !gmem_is_ram(m, rsdp_gpa, sizeof(rsdp))))
		ret = -EFAULT;
	if (!ret)
		ret = gmem_write(m, tables_gpa, tables, t->len);
	if (!ret)
		ret = gmem_write(m, rsdp_gpa, rsdp, sizeof(rsdp));
	free(tables);
	return ret;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	const uint8_t *p = data;
	int fd, ret = 0;

	if (snprintf(path, sizeof(path), "%s/%s.dat", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		p += n;
		len -= n;
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int acpi_dump(const struct acpi_tables *t, uint64_t tables_gpa, uint64_t rsdp_gpa,
	      const char *dir)
{
	uint8_t rsdp[ACPI_RSDP_SIZE];
	uint8_t *tables = malloc(t->len ? t->len : 1);
	unsigned i;
	int ret;

	if (!tables)
		return -ENOMEM;
	ret = acpi_relocate(t, tables_gpa, rsdp_gpa, tables, rsdp);
	for (i = 0; !ret && i < t->ntables; i++)
		ret = write_file(dir, t->table[i].sig, tables + t->table[i].offset, t->table[i].len);
	if (!ret)
		ret = write_file(dir, "RSDP", rsdp, sizeof(rsdp));
	free(tables);
	return ret;
}
