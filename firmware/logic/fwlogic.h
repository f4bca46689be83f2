/*
 * firmware/logic: the firmware's pure logic, built both into the firmware
 * image and, for the host Check tests, into libfwlogic.a. Nothing here touches
 * hardware or globals: every function works on the buffers it is given and
 * reports bad input with an error code, never by trusting it.
 *
 *   e820_*  memory map: add ranges (a later overlap with a stronger type wins:
 *           hole > unusable > reserved > NVS > ACPI > RAM), then normalize
 *           (overlaps resolved, sorted, neighbours of one type merged).
 *   pci_alloc_*  BAR and bridge-window assignment over a tree of buses:
 *           windows sized bottom-up, resources placed largest alignment first,
 *           64-bit capable memory moved above 4 GiB when the 32-bit hole is full.
 *   tl_*    the interpreter of QEMU's etc/table-loader (ACPI linker) script.
 *   bp_*    Linux boot_params (the "zero page") for the 32-bit boot protocol.
 *   kimg_*  kernel files that are not split bzImages: multiboot v1 (ELF32 or
 *           the a.out kludge) and PVH ELF (XEN_ELFNOTE_PHYS32_ENTRY), probed
 *           through a read callback into a list of segments and an entry.
 *   mb_info_fill, pvh_info_fill  the multiboot info / hvm_start_info blocks.
 */
#ifndef FW_LOGIC_H
#define FW_LOGIC_H

#include "firmware/logic/port.h"

/* ---- e820 ------------------------------------------------------------------- */
#define E820_HOLE		0	/* pseudo type: removes what it covers */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4
#define E820_UNUSABLE		5
#define E820_MAX		128

struct e820_entry {
	u64 addr;
	u64 size;
	u32 type;
};

struct e820_map {
	u32 nr;
	struct e820_entry e[E820_MAX];
};

/* 0, or -1 when the map is full or the range wraps past 2^64; size 0 is a no-op. */
int e820_add(struct e820_map *m, u64 addr, u64 size, u32 type);
/*
 * Add to a normalized map and keep it so, as add + normalize would, cheaply
 * when the range sits in a gap or inside one entry. 0, or -1 when full.
 */
int e820_insert(struct e820_map *m, u64 addr, u64 size, u32 type);
/*
 * in[0..n) copied to out sorted by address; true only when e820_insert()
 * of each into an empty map would have built exactly that (disjoint, no
 * holes, no neighbours of one type to merge). The common case's fast path.
 */
bool e820_sorted_copy(struct e820_entry *out, const struct e820_entry *in, u32 n);
/* Resolve overlaps, sort, merge. Returns the entry count, or -1 if it overflows. */
int e820_normalize(struct e820_map *m);
/* End of the highest RAM range that ends at or below limit (0 if none). */
u64 e820_ram_end_below(const struct e820_map *m, u64 limit);
/* Total RAM at and above 'from'. */
u64 e820_ram_above(const struct e820_map *m, u64 from);
/* True when [addr, addr+size) lies inside one entry of that type (normalized map). */
bool e820_covers(const struct e820_map *m, u64 addr, u64 size, u32 type);

/* ---- PCI resource allocation ---------------------------------------------- */
enum pci_res_kind { PCI_RES_IO, PCI_RES_MEM, PCI_RES_PREF, PCI_RES_KINDS };

#define PCI_IO_WINDOW_GRAN	0x1000
#define PCI_MEM_WINDOW_GRAN	0x100000

struct pci_res {
	u64 size;		/* BAR: power of two; window: set by the sizing pass */
	u64 align;		/* BAR: its size; window: set by the sizing pass */
	u64 addr;		/* result (0 when size is 0 or placement failed) */
	u8 kind;		/* enum pci_res_kind */
	bool is64;		/* may go above 4 GiB */
	bool failed;		/* no room for it */
	s32 node;		/* bus (index into nodes) the resource is decoded on */
	s32 window;		/* >= 0: the window of that child bus, else -1 */
	u32 tag;		/* caller's: bdf << 8 | BAR register */
};

struct pci_node {
	s32 parent;		/* -1 for the root; parents come before children */
	bool pref64;		/* bridge decodes 64-bit prefetchable addresses */
};

struct pci_alloc {
	struct pci_res *res;
	u32 nr_res;
	struct pci_node *node;
	u32 nr_node;
	u64 io_base, io_end;		/* [base, end) of the root's windows */
	u64 mem_base, mem_end;
	u64 mem64_base, mem64_end;
};

/* Size the windows and place every resource. Returns how many failed (0 is success). */
int pci_alloc_run(struct pci_alloc *a);

/* ---- table-loader (QEMU's BIOS linker) ------------------------------------- */
#define TL_ENTRY_SIZE		128
#define TL_NAME_SIZE		56
#define TL_MAX_BLOBS		16

#define TL_CMD_ALLOCATE		1
#define TL_CMD_ADD_POINTER	2
#define TL_CMD_ADD_CHECKSUM	3
#define TL_CMD_WRITE_POINTER	4

#define TL_ZONE_HIGH		1
#define TL_ZONE_FSEG		2

enum tl_err {
	TL_OK,
	TL_ERR_UNKNOWN_CMD,	/* command number not 0 (padding) or 1-4 */
	TL_ERR_TRUNCATED,	/* script length not a multiple of 128 */
	TL_ERR_BAD_NAME,	/* empty or not NUL-terminated in 56 bytes */
	TL_ERR_NO_FILE,		/* fw_cfg has no such file */
	TL_ERR_NOT_ALLOCATED,	/* a command names a file never allocated */
	TL_ERR_DUPLICATE,	/* the same file allocated twice */
	TL_ERR_TOO_MANY,	/* more than TL_MAX_BLOBS files */
	TL_ERR_BAD_ALIGN,	/* alignment not a power of two */
	TL_ERR_BAD_ZONE,	/* zone not HIGH or FSEG */
	TL_ERR_NO_MEMORY,	/* the allocator said no */
	TL_ERR_LOAD,		/* reading the file failed */
	TL_ERR_BAD_SIZE,	/* pointer size not 1, 2, 4 or 8 */
	TL_ERR_RANGE,		/* offset/length outside the file */
	TL_ERR_WRITE,		/* WRITE_POINTER could not write the fw_cfg file */
};

struct tl_blob {
	char name[TL_NAME_SIZE];	/* NUL-padded */
	u8 name_len;
	u8 *ptr;		/* where the contents are, for this program */
	u64 addr;		/* the guest-physical address they have */
	u32 size;
};

struct tl_ops {
	/* 0 and the size if fw_cfg has the file, else -1 */
	int (*file_size)(void *ctx, const char *name, u32 *size);
	int (*alloc)(void *ctx, u32 size, u32 align, u8 zone, u8 **ptr, u64 *addr);
	/* only after file_size said 0 for this same name, with nothing in between but alloc */
	int (*load)(void *ctx, const char *name, u8 *ptr, u32 size);
	int (*write_pointer)(void *ctx, const char *name, u32 offset, u64 value, u8 size);
	/* one call per failed command; index counts commands from 0 */
	void (*error)(void *ctx, u32 index, u32 cmd, enum tl_err err);
	/* optional: a faster sum8 (the firmware's is in assembly) */
	u8 (*sum)(const void *p, u32 len);
};

struct tl_state {
	const struct tl_ops *ops;
	void *ctx;
	u32 nr;
	struct tl_blob blob[TL_MAX_BLOBS];
};

/* The blobs are written as they are allocated: only the count needs a start. */
static inline void tl_init(struct tl_state *s, const struct tl_ops *ops, void *ctx)
{
	s->ops = ops;
	s->ctx = ctx;
	s->nr = 0;
}

/* Run every command; a bad one is reported and skipped. Returns the error count. */
int tl_run(struct tl_state *s, const u8 *script, u32 len);
const struct tl_blob *tl_find(const struct tl_state *s, const char *name);
/* The guest address of the named file, 0 if it was not allocated. */
u64 tl_addr(const struct tl_state *s, const char *name);
const char *tl_strerror(enum tl_err err);
/* Sum of len bytes mod 256 (a word at a time): ACPI, MP and SMBIOS checksums. */
u8 sum8(const void *p, u32 len);

/* ---- Linux boot_params ------------------------------------------------------ */
#define BP_SIZE			4096
#define BP_E820_MAX		128

/* boot_params and setup header offsets (Documentation/arch/x86/boot.rst) */
#define BP_ACPI_RSDP_ADDR	0x070	/* boot_params, protocol 2.14+ */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_ALT_MEM_K		0x1e0
#define BP_E820_ENTRIES		0x1e8
#define BP_HDR_START		0x1f1
#define BP_SETUP_SECTS		0x1f1
#define BP_BOOT_FLAG		0x1fe
#define BP_JUMP			0x200
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_CODE32_START		0x214
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_HEAP_END_PTR		0x224
#define BP_CMD_LINE_PTR		0x228
#define BP_INITRD_ADDR_MAX	0x22c
#define BP_CMDLINE_SIZE		0x238
#define BP_SETUP_DATA		0x250
#define BP_HDR_LIMIT		0x290	/* boot_params fields after the header start here */
#define BP_E820_TABLE		0x2d0

#define BP_LOADED_HIGH		0x01
#define BP_CAN_USE_HEAP		0x80
#define BP_LOADER_UNKNOWN	0xff

enum bp_err {
	BP_OK,
	BP_ERR_SHORT,		/* setup shorter than its header */
	BP_ERR_BOOT_FLAG,	/* no 0xAA55 at 0x1fe */
	BP_ERR_MAGIC,		/* no "HdrS" at 0x202 */
	BP_ERR_PROTOCOL,	/* protocol older than 2.02 */
	BP_ERR_NOT_HIGH,	/* loadflags lacks LOADED_HIGH: a zImage */
	BP_ERR_CMDLINE,		/* command line longer than the kernel takes */
	BP_ERR_INITRD,		/* initrd ends above initrd_addr_max */
	BP_ERR_E820,		/* more entries than the zero page holds */
};

struct bp_info {
	u32 cmdline_addr;
	u32 cmdline_len;	/* without the NUL */
	u32 initrd_addr;
	u32 initrd_size;
	u64 rsdp;
	const struct e820_map *e820;
};

/* Version of the boot protocol (0x020f...), 0 if the header is not there. */
u16 bp_protocol(const u8 *setup, u32 len);
/* Check the header and fill zp (BP_SIZE bytes) for the 32-bit entry. */
enum bp_err bp_fill(u8 *zp, const u8 *setup, u32 len, const struct bp_info *in);
const char *bp_strerror(enum bp_err err);

/* ---- kernel images: multiboot v1, PVH ELF ------------------------------------ */
#define MB_HEADER_MAGIC		0x1badb002
#define MB_BOOT_MAGIC		0x2badb002	/* EAX at the multiboot entry */
#define MB_SEARCH_LEN		8192		/* the header is in the first 8 KiB */
#define MB_FLAG_PAGE_ALIGN	0x00000001	/* modules page aligned */
#define MB_FLAG_MEMINFO		0x00000002	/* mem_lower/upper and mmap wanted */
#define MB_FLAG_VIDEO		0x00000004	/* video mode table wanted */
#define MB_FLAG_AOUT		0x00010000	/* load through the header's address fields */
#define MB_FLAGS_KNOWN		(MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMINFO | MB_FLAG_VIDEO)
#define MB_FLAGS_REQUIRED	0x0000ffff	/* a loader must refuse unknown bits here */

/* multiboot_info offsets and flags */
#define MBI_FLAGS		0
#define MBI_MEM_LOWER		4
#define MBI_MEM_UPPER		8
#define MBI_CMDLINE		16
#define MBI_MODS_COUNT		20
#define MBI_MODS_ADDR		24
#define MBI_MMAP_LENGTH		44
#define MBI_MMAP_ADDR		48
#define MBI_LOADER_NAME		64
#define MBI_SIZE		88
#define MBI_F_MEM		(1u << 0)
#define MBI_F_CMDLINE		(1u << 2)
#define MBI_F_MODS		(1u << 3)
#define MBI_F_MMAP		(1u << 6)
#define MBI_F_LOADER_NAME	(1u << 9)
#define MB_MOD_SIZE		16	/* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY		24	/* size (20), base, length, type */

/* hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h), version 1 */
#define PVH_START_MAGIC		0x336ec578
#define PVH_SI_MAGIC		0
#define PVH_SI_VERSION		4
#define PVH_SI_FLAGS		8
#define PVH_SI_NR_MODULES	12
#define PVH_SI_MODLIST		16
#define PVH_SI_CMDLINE		24
#define PVH_SI_RSDP		32
#define PVH_SI_MEMMAP		40
#define PVH_SI_MEMMAP_ENTRIES	48
#define PVH_SI_SIZE		56
#define PVH_MOD_SIZE		32	/* paddr, size, cmdline_paddr, reserved */
#define PVH_MEMMAP_ENTRY	24	/* addr, size, type, reserved */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define KIMG_MAX_SEGS		16
#define KIMG_MAX_PHDRS		64

enum kimg_kind { KIMG_UNKNOWN, KIMG_BZIMAGE, KIMG_MULTIBOOT, KIMG_PVH };

enum kimg_err {
	KIMG_OK,
	KIMG_ERR_READ,		/* the read callback failed */
	KIMG_ERR_FORMAT,	/* not a bzImage, multiboot image or PVH ELF */
	KIMG_ERR_MB_FLAGS,	/* multiboot header requires a feature we lack */
	KIMG_ERR_MB_AOUT,	/* a.out kludge addresses inconsistent or outside the file */
	KIMG_ERR_MB_ELF64,	/* multiboot ELF without the a.out kludge must be ELF32 */
	KIMG_ERR_ELF_HEADER,	/* bad ELF header or program header table */
	KIMG_ERR_ELF_SEGMENT,	/* PT_LOAD outside the file, filesz > memsz, or above 4 GiB */
	KIMG_ERR_TOO_MANY,	/* more than KIMG_MAX_SEGS PT_LOAD segments */
	KIMG_ERR_NO_SEGMENTS,	/* nothing to load */
	KIMG_ERR_ENTRY,		/* entry point not inside a loaded segment */
	KIMG_ERR_PVH_NOTE,	/* PHYS32_ENTRY note malformed */
};

struct kimg_seg {
	u32 file_off, filesz;
	u32 paddr, memsz;	/* memsz >= filesz; the rest is zeroed */
};

struct kimg {
	enum kimg_kind kind;
	u32 entry;		/* physical */
	u32 mb_flags;		/* multiboot header flags */
	u32 nr_seg;
	struct kimg_seg seg[KIMG_MAX_SEGS];
	u32 load_start;		/* lowest paddr */
	u64 load_end;		/* highest paddr + memsz */
	u8 scratch[MB_SEARCH_LEN];	/* the probe's read buffer; keep it last */
};

struct kimg_src {
	u32 size;		/* file size */
	/* 0 when len bytes at off were read (off + len <= size is guaranteed) */
	int (*read)(void *ctx, u32 off, void *buf, u32 len);
	void *ctx;
};

enum kimg_err kimg_probe(const struct kimg_src *src, struct kimg *out);
const char *kimg_strerror(enum kimg_err err);

/* What the kernel is told, as guest-physical addresses (0: absent). */
struct kboot_info {
	const struct e820_map *e820;
	u32 cmdline_addr;
	u32 initrd_addr, initrd_size;	/* size 0: no module */
	u32 module_string_addr;		/* the module's command line */
	u32 loader_name_addr;
	u64 rsdp;
};

/*
 * Build the block in area (host pointer), which the guest sees at area_addr,
 * size bytes long. Returns the guest address of the multiboot_info or
 * hvm_start_info (area_addr), or 0 if the block does not fit.
 */
/* KiB of RAM from 0 (at most 640 KiB) and contiguous from 1 MiB, as multiboot wants. */
void mb_mem_sizes(const struct e820_map *m, u32 *lower, u32 *upper);
u32 mb_info_fill(u8 *area, u32 area_addr, u32 size, const struct kboot_info *in);
u32 pvh_info_fill(u8 *area, u32 area_addr, u32 size, const struct kboot_info *in);

#endif
