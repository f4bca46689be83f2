/*
 * loader: turns a kernel file into a boot plan.
 *
 * Contract (ARCHITECTURE.md): pure functions over byte buffers. No I/O besides
 * loader_read_file(), no globals, no printing. Every function that can fail
 * returns a negative enum loader_status and fills a struct loader_err naming
 * the field at fault; loader_err_format() turns that into the one-line message
 * the programs print. Nothing here reads past a buffer it was given, and no
 * allocation is sized from an unchecked header field.
 */
#ifndef LOADER_LOADER_H
#define LOADER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- errors ---------------------------------------------------------------- */

enum loader_status {
	LOADER_OK = 0,
	LOADER_E_NOMEM = -1,		/* allocation failed */
	LOADER_E_IO = -2,		/* file could not be read */
	LOADER_E_UNKNOWN_FORMAT = -3,	/* no magic we know */
	LOADER_E_BAD_MAGIC = -4,	/* a magic/signature field is wrong */
	LOADER_E_TRUNCATED = -5,	/* a structure runs past the end of the file */
	LOADER_E_PROTOCOL = -6,		/* boot protocol too old/new for what was asked */
	LOADER_E_RANGE = -7,		/* an offset, size or address is out of range */
	LOADER_E_OVERFLOW = -8,		/* a size or address sum overflows */
	LOADER_E_OVERLAP = -9,		/* two segments overlap */
	LOADER_E_ENTRY = -10,		/* entry point outside every loaded segment */
	LOADER_E_CMDLINE = -11,		/* command line longer than the kernel accepts */
	LOADER_E_INITRD = -12,		/* initrd fits under no allowed ceiling */
	LOADER_E_COMPRESSION = -13,	/* corrupt or unsupported compressed payload */
	LOADER_E_UNSUPPORTED = -14,	/* valid but not something we can boot (e.g. wrong machine) */
	LOADER_E_NOT_FOUND = -15,	/* a required note/header is absent */
};

struct loader_err {
	enum loader_status status;
	const char *field;	/* the header field or structure at fault, e.g. "setup_sects" */
	char detail[160];	/* what is wrong with it, e.g. "57 sectors but file has 12" */
};

/* Short name of a status ("truncated", "bad magic", ...). */
const char *loader_status_name(enum loader_status s);
/* Set *err and return its status: loader_fail(err, LOADER_E_RANGE, "field", "fmt", ...). */
int loader_fail(struct loader_err *err, enum loader_status s, const char *field,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "FILE: FIELD: DETAIL (STATUS-NAME)" into buf; returns buf. */
char *loader_err_format(const struct loader_err *err, const char *file, char *buf, size_t len);

/* Read a whole file into a malloc'd buffer (capped at max bytes). */
int loader_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
		     struct loader_err *err);
/* malloc() for big buffers (free() releases it): large ones get a huge-page hint. */
void *loader_alloc_large(size_t len);

/* ---- format detection ------------------------------------------------------ */

enum image_format {
	IMAGE_UNKNOWN = 0,
	IMAGE_BZIMAGE,		/* "HdrS" at 0x202 */
	IMAGE_ELF64,
	IMAGE_ELF32,
	IMAGE_MULTIBOOT,	/* multiboot v1 header in the first 8 KiB (and not bzImage) */
};
/* By magic only: bzImage first, then multiboot (an ELF may carry one), then ELF. */
enum image_format loader_detect(const uint8_t *buf, size_t len);
const char *image_format_name(enum image_format f);

/* ---- compression ----------------------------------------------------------- */

enum compression {
	COMPRESSION_NONE = 0,
	COMPRESSION_GZIP, COMPRESSION_BZIP2, COMPRESSION_LZMA, COMPRESSION_XZ,
	COMPRESSION_LZO, COMPRESSION_LZ4, COMPRESSION_ZSTD,
};
enum compression compression_detect(const uint8_t *buf, size_t len);
const char *compression_name(enum compression c);
/*
 * Decompress buf into a malloc'd *out. The output is never allowed to grow
 * past max_out (the kernel's init_size for a bzImage payload): a larger
 * result is LOADER_E_COMPRESSION, as is any corrupt stream.
 */
int decompress(enum compression c, const uint8_t *buf, size_t len, size_t max_out,
	       uint8_t **out, size_t *out_len, struct loader_err *err);

/* ---- bzImage (Documentation/arch/x86/boot.rst) ------------------------------ */

#define BZ_LOADED_HIGH		(1u << 0)
#define BZ_CAN_USE_HEAP		(1u << 7)
#define BZ_XLF_KERNEL_64	(1u << 0)
#define BZ_XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

struct bzimage_info {
	uint16_t protocol;		/* 0x0200 .. 0x020f */
	unsigned setup_sects;		/* effective: 0 in the header means 4 */
	size_t setup_size;		/* (setup_sects + 1) * 512 bytes, from file start */
	size_t kernel_offset;		/* protected-mode kernel in the file */
	size_t kernel_size;
	uint8_t loadflags;
	uint16_t xloadflags;		/* 0 before 2.12 */
	uint32_t code32_start;		/* 32-bit entry (default 0x100000) */
	bool has_entry64;		/* XLF_KERNEL_64: 64-bit entry at load address + 0x200 */
	bool relocatable;		/* 2.05+ */
	uint32_t kernel_alignment;	/* 2.05+ */
	uint8_t min_alignment;		/* 2.10+ (log2) */
	uint64_t pref_address;		/* 2.10+, else 0x100000 */
	uint32_t init_size;		/* 2.10+, else 0 */
	uint32_t cmdline_size;		/* 2.06+, else 255 */
	uint32_t initrd_addr_max;	/* 2.03+, else 0x37ffffff */
	uint32_t payload_offset;	/* 2.08+: from the start of the protected-mode kernel */
	uint32_t payload_length;
	enum compression payload_compression;
	uint64_t setup_data;		/* 2.09+ (as in the file; normally 0) */
	uint32_t handover_offset;	/* 2.11+ */
	char version[128];		/* kernel_version string, "" if absent */
};

int bzimage_parse(const uint8_t *buf, size_t len, struct bzimage_info *bz,
		  struct loader_err *err);
/*
 * Decompress the payload (2.08+) into the kernel's ELF image (vmlinux),
 * checking payload bounds and the result against init_size.
 */
int bzimage_decompress(const uint8_t *buf, size_t len, const struct bzimage_info *bz,
		       uint8_t **elf, size_t *elf_len, struct loader_err *err);

/* Setup header fields, as file (and zero page) offsets. */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_SYSSIZE		0x1f4	/* 2.04+ */
#define BZ_BOOT_FLAG		0x1fe	/* 0xaa55 */
#define BZ_JUMP			0x200	/* eb XX: the header ends at 0x202 + XX */
#define BZ_HDRS			0x202	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_KERNEL_VERSION	0x20e	/* string at this value + 0x200 */
#define BZ_TYPE_OF_LOADER	0x210
#define BZ_LOADFLAGS		0x211
#define BZ_CODE32_START		0x214
#define BZ_RAMDISK_IMAGE	0x218
#define BZ_RAMDISK_SIZE		0x21c
#define BZ_HEAP_END_PTR		0x224	/* 2.01+ */
#define BZ_CMD_LINE_PTR		0x228	/* 2.02+ */
#define BZ_INITRD_ADDR_MAX	0x22c	/* 2.03+ */
#define BZ_KERNEL_ALIGNMENT	0x230	/* 2.05+ */
#define BZ_RELOCATABLE		0x234	/* 2.05+ */
#define BZ_MIN_ALIGNMENT	0x235	/* 2.10+ */
#define BZ_XLOADFLAGS		0x236	/* 2.12+ */
#define BZ_CMDLINE_SIZE		0x238	/* 2.06+ */
#define BZ_HW_SUBARCH_DATA	0x240	/* 2.07+ */
#define BZ_PAYLOAD_OFFSET	0x248	/* 2.08+ */
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_SETUP_DATA		0x250	/* 2.09+ */
#define BZ_PREF_ADDRESS		0x258	/* 2.10+ */
#define BZ_INIT_SIZE		0x260	/* 2.10+ */
#define BZ_HANDOVER_OFFSET	0x264	/* 2.11+ */
#define BZ_KERNEL_INFO_OFFSET	0x268	/* 2.15+ */
#define BZ_HEADER_LIMIT		0x290	/* struct boot_params: edd_mbr_sig_buffer follows */
/* Zero page fields outside the setup header. */
#define ZP_CMD_LINE_MAGIC	0x020	/* < 2.02: 0xa33f, then the offset at 0x022 */
#define ZP_CMD_LINE_OFFSET	0x022
#define ZP_ACPI_RSDP_ADDR	0x070	/* 2.14+ */
#define ZP_EXT_RAMDISK_IMAGE	0x0c0
#define ZP_EXT_RAMDISK_SIZE	0x0c4
#define ZP_EXT_CMD_LINE_PTR	0x0c8
#define ZP_E820_ENTRIES		0x1e8
#define ZP_E820_TABLE		0x2d0
#define ZP_E820_MAX		128
#define BZ_CMD_LINE_MAGIC	0xa33f
/* Real-mode layout: the stack/heap ends here in the setup segment, the cmdline follows. */
#define BZ_HEAP_END		0xe000
/* End (file offset) of the setup header given by the jump at 0x200; 0 if too short. */
size_t bzimage_header_end(const uint8_t *buf, size_t len);

/* ---- ELF (32 and 64-bit) and the PVH note ---------------------------------- */

#define LOADER_MAX_SEGMENTS 32

struct load_segment {
	uint64_t paddr;		/* guest-physical load address */
	uint64_t file_offset;
	uint64_t file_size;	/* bytes copied from the file */
	uint64_t mem_size;	/* >= file_size; the rest is zeroed */
};

struct elf_info {
	bool is64;
	uint16_t machine;		/* EM_X86_64 or EM_386 */
	uint64_t entry;			/* e_entry (virtual for Linux) */
	unsigned nsegments;
	struct load_segment seg[LOADER_MAX_SEGMENTS];	/* PT_LOAD, p_paddr */
	uint64_t low, high;		/* lowest paddr, end of highest segment */
	bool has_pvh;
	uint32_t pvh_entry;		/* XEN_ELFNOTE_PHYS32_ENTRY (type 18, name "Xen") */
	uint64_t entry_paddr;		/* e_entry through its segment's paddr (0: unresolved, PVH only) */
};
/*
 * Parse headers, PT_LOAD segments and PT_NOTE notes; check every offset and
 * size against len, segments against each other (overlap) and the entry
 * against the segments (e_entry, or the PVH entry when present).
 */
int elf_parse(const uint8_t *buf, size_t len, struct elf_info *elf, struct loader_err *err);

/* ---- multiboot v1 ---------------------------------------------------------- */

#define MULTIBOOT_HEADER_MAGIC		0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC	0x2BADB002u
#define MULTIBOOT_SEARCH		8192

struct multiboot_info_hdr {
	size_t header_offset;		/* where the header is in the file */
	uint32_t flags;
	bool aout_kludge;		/* flag bit 16: the address fields below are valid */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
	/* What to load, resolved from either the a.out fields or the ELF. */
	unsigned nsegments;
	struct load_segment seg[LOADER_MAX_SEGMENTS];
	uint32_t entry;
};
int multiboot_parse(const uint8_t *buf, size_t len, struct multiboot_info_hdr *mb,
		    struct loader_err *err);

/* ---- RAM layout, e820 ------------------------------------------------------ */

enum e820_type { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4 };

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define E820_MAX 128

struct ram_layout {
	uint64_t ram_size;		/* total guest RAM */
	uint64_t below_4g;		/* RAM below the PCI hole (<= ram_size) */
	uint64_t low_reserved_start;	/* start of the 0x9fc00..0xfffff hole (EBDA/BIOS) */
};
/*
 * Fill a sorted e820 map for the layout; returns the number of entries (or <0).
 * RAM [0, low_reserved_start (0: 0x9fc00)), reserved to 0xa0000 and
 * 0xf0000-0xfffff, RAM [1 MiB, below_4g), the rest of ram_size at 4 GiB.
 */
int e820_build(const struct ram_layout *ram, struct e820_entry *map, unsigned max,
	       struct loader_err *err);
/* The effective below_4g: as given, or for 0 QEMU i440fx's split (all of RAM
 * under 3.5 GiB, else 3 GiB). */
uint64_t e820_below_4g(const struct ram_layout *ram);

/* ---- boot plan ------------------------------------------------------------- */

enum boot_entry {
	ENTRY_REAL16,		/* bzImage real-mode setup at seg:0x200 */
	ENTRY_PROT32,		/* bzImage 32-bit entry, %esi = boot_params */
	ENTRY_LONG64,		/* bzImage 64-bit entry (load address + 0x200), %rsi = boot_params */
	ENTRY_PVH,		/* ELF PVH entry, %ebx = hvm_start_info */
	ENTRY_MULTIBOOT,	/* %eax = 0x2BADB002, %ebx = multiboot info */
	ENTRY_FLAT,		/* flat binary, entered at its load address */
};
const char *boot_entry_name(enum boot_entry e);

struct boot_request {
	const uint8_t *image;		/* the kernel file */
	size_t image_len;
	const uint8_t *initrd;		/* may be NULL */
	size_t initrd_len;
	const char *cmdline;		/* may be NULL */
	struct ram_layout ram;
	uint64_t rsdp_addr;		/* 0 if none */
	uint64_t flat_addr;		/* load address for flat binaries */
	bool flat;			/* treat the image as a flat binary */
	enum boot_entry want;		/* preferred entry for bzImage (REAL16/PROT32/LONG64), or PVH */
	bool want_set;
};

/* A piece of guest memory the plan wants written: data (may be NULL: zero-fill). */
struct plan_blob {
	uint64_t gpa;
	const uint8_t *data;	/* points into the image, the initrd, or plan-owned memory */
	size_t len;		/* bytes of data */
	size_t zero_len;	/* further zeroed bytes after data */
};

#define PLAN_MAX_BLOBS (LOADER_MAX_SEGMENTS + 8)

struct boot_plan {
	enum image_format format;
	enum boot_entry entry_kind;
	uint64_t entry;			/* guest-physical entry address */
	uint16_t real_mode_seg;		/* ENTRY_REAL16: segment of the setup code */
	uint64_t boot_info;		/* gpa of boot_params / hvm_start_info / multiboot info */
	unsigned nblobs;
	struct plan_blob blob[PLAN_MAX_BLOBS];
	uint8_t *owned;			/* plan-owned memory (decompressed ELF, built structures) */
	size_t owned_len;
	uint8_t *owned2;
	size_t owned2_len;
};
/*
 * Build the plan for a direct boot: segments, zero page / start info / mb info,
 * cmdline and initrd placement, entry. Every blob lies inside RAM and no two
 * overlap. boot_plan_free() releases what the plan owns.
 */
int boot_plan_build(const struct boot_request *req, struct boot_plan *plan,
		    struct loader_err *err);
void boot_plan_free(struct boot_plan *plan);
/*
 * Where the plan puts things (guest-physical). bzImage 32/64-bit: zero page at
 * PLAN_INFO_ADDR, cmdline at PLAN_CMDLINE_ADDR, kernel at pref_address when
 * relocatable and free, else PLAN_KERNEL_ADDR (or the lowest aligned fit).
 * bzImage real mode: setup segment at PLAN_REAL_MODE_BASE, heap to +BZ_HEAP_END,
 * cmdline right after. PVH: hvm_start_info at PLAN_INFO_ADDR, its module entry
 * at +PLAN_PVH_MODLIST_OFF, memory map at +PLAN_PVH_MEMMAP_OFF. Multiboot: info
 * at PLAN_INFO_ADDR. The initrd goes as high as its ceiling allows (4 KiB aligned).
 * Default bzImage entry when want_set is false: LONG64, else PROT32, else REAL16.
 */
#define PLAN_INFO_ADDR		0x10000ull
#define PLAN_CMDLINE_ADDR	0x20000ull
#define PLAN_REAL_MODE_BASE	0x90000ull
#define PLAN_KERNEL_ADDR	0x100000ull
#define PLAN_ZIMAGE_ADDR	0x10000ull
#define PLAN_PVH_MODLIST_OFF	0x40
#define PLAN_PVH_MEMMAP_OFF	0x80
#define PLAN_INITRD_ALIGN	0x1000ull
#define PLAN_TYPE_OF_LOADER	0xff

/* ---- builders -------------------------------------------------------------- */

#define BOOT_PARAMS_SIZE 4096

/*
 * Fill a zero page (4096 bytes) from the kernel's setup header (copied from the
 * image), the e820 map, the cmdline/initrd placement and the RSDP.
 */
struct boot_params_args {
	const uint8_t *image;
	size_t image_len;
	const struct bzimage_info *bz;
	const struct e820_entry *e820;
	unsigned e820_entries;
	uint64_t cmdline_addr;
	size_t cmdline_len;		/* without the NUL */
	uint64_t initrd_addr, initrd_size;
	uint64_t rsdp_addr;
	uint64_t setup_data;		/* gpa of the first setup_data node, 0 if none */
	uint8_t type_of_loader;		/* 0xff: undefined loader, as QEMU's direct boot */
};
int boot_params_build(const struct boot_params_args *a, uint8_t zero_page[BOOT_PARAMS_SIZE],
		      struct loader_err *err);

/* setup_data chain nodes (boot.rst): types we build. */
#define SETUP_E820_EXT	1
#define SETUP_RNG_SEED	9
/*
 * Write one setup_data node (header + payload) into buf; returns its total size
 * or a negative status. next is the gpa of the following node (0 = last).
 */
int setup_data_build(uint32_t type, const void *payload, uint32_t payload_len, uint64_t next,
		     uint8_t *buf, size_t buf_len, struct loader_err *err);
/* Walk a setup_data chain held in a guest-memory snapshot; checks every link. */
int setup_data_walk(const uint8_t *mem, size_t mem_len, uint64_t first,
		    unsigned *count, struct loader_err *err);

/* hvm_start_info (Xen's arch-x86/hvm/start_info.h, version 1) */
#define HVM_START_MAGIC 0x336ec578u
struct hvm_args {
	uint64_t cmdline_addr;
	uint64_t rsdp_addr;
	uint64_t modlist_addr;
	unsigned nr_modules;
	uint64_t memmap_addr;
	unsigned memmap_entries;
};
/* Size of the start info + memory map + one module entry, and the builder. */
int hvm_start_info_build(const struct hvm_args *a, uint8_t *buf, size_t len,
			 struct loader_err *err);
int hvm_memmap_build(const struct e820_entry *e820, unsigned n, uint8_t *buf, size_t len,
		     struct loader_err *err);
int hvm_module_build(uint64_t paddr, uint64_t size, uint64_t cmdline_paddr,
		     uint8_t *buf, size_t len, struct loader_err *err);

/* multiboot info: mem_lower/upper, cmdline, modules (one: the initrd), mmap. */
struct multiboot_args {
	const struct e820_entry *e820;
	unsigned e820_entries;
	uint32_t info_addr;		/* gpa the info will be written at (pointers are relative to it) */
	const char *cmdline;
	uint32_t mod_start, mod_end;	/* 0,0 if no module */
	const char *mod_cmdline;
};
/* Returns the number of bytes written into buf (or <0). */
int multiboot_info_build(const struct multiboot_args *a, uint8_t *buf, size_t len,
			 struct loader_err *err);

#endif
