/*
 * Kernel files the firmware loads whole (QEMU's option ROMs do this on QEMU;
 * our board hands the file over as it is):
 *
 *  - opt/bringup/kernel, when present, wins over -kernel (QEMU intercepts
 *    multiboot and PVH images itself: this hands us the file as it is);
 *    opt/bringup/initrd and opt/bringup/cmdline go with it, else the
 *    INITRD and CMDLINE keys are used;
 *  - KERNEL_DATA without SETUP keys: our VMM's -kernel for any non-bzImage;
 *  - KERNEL_ENTRY set, no SETUP keys: QEMU's own multiboot hand-over (it
 *    loaded the image and built the info; only the memory map is missing);
 *  - KERNEL_ENTRY set, SETUP_DATA an ELF header with no SETUP_ADDR: QEMU's
 *    own PVH hand-over (it loaded the segments; hvm_start_info is missing).
 *
 * Multiboot v1 and PVH ELF segments go where their headers say, after a
 * check that they land in RAM the firmware does not use. The initrd goes to
 * the top of free RAM below the ACPI/SMBIOS zone, the command line to
 * FW_CMDLINE_ADDR and the info block to FW_BOOTINFO_ADDR. Entry: flat 32-bit
 * protected mode, paging off, interrupts off, EAX/EBX as each protocol says.
 */
#include "firmware/fw.h"

#define FW_BOOTINFO_ADDR	0x00008000	/* multiboot info / hvm_start_info */
#define FW_BOOTINFO_SIZE	0x00008000
#define FW_SETUP_ADDR		0x00010000	/* bzImage setup (header only, 32-bit entry) */
#define FW_CMDLINE_ADDR		0x00020000
#define FW_CMDLINE_MAX		0x00010000
#define FW_LOW_FREE		0x00030000	/* low RAM a kernel may use: up to FW_RAM_BASE */
#define BZ_KERNEL_ADDR		0x00100000
#define BZ_SETUP_SECTS_DEFAULT	4
#define ELF_MAGIC_LE		0x464c457f	/* "\177ELF" */

/* QEMU's multiboot hand-over: the info at 0x9500, the map left to the ROM at 0x9000 */
#define QEMU_MB_MMAP_ADDR	0x9000
#define QEMU_MB_MMAP_MAX	(0x500 / MB_MMAP_ENTRY)

static const char loader_name[] = "bringup firmware";
static const char module_name[] = "initrd";

struct file_src {
	u16 key;
	u32 size;
};

static int file_read(void *ctx, u32 off, void *buf, u32 len)
{
	const struct file_src *f = ctx;

	fw_cfg_read_at(f->key, off, buf, len);
	return 0;
}

/* [addr, addr+size) is RAM nothing of the firmware's lives in. */
static bool range_free(u64 addr, u64 size)
{
	u64 end = addr + size;

	if (!size)
		return true;
	if (end < addr || !e820_covers(&fw_e820, addr, size, E820_RAM))
		return false;
	if (addr >= 0x100000)
		return end <= mem_high_bottom();
	return addr >= FW_LOW_FREE && end <= FW_RAM_BASE;
}

/* opt/bringup/NAME if present, else the key pair (size 0: none). */
static struct file_src pick(const char *opt, u16 size_key, u16 data_key)
{
	struct file_src f = { 0, 0 };

	if (fw_cfg_find(opt, &f.key, &f.size) == 0)
		return f;
	f.size = fw_cfg_read32(size_key);
	f.key = data_key;
	return f;
}

/* Command line at FW_CMDLINE_ADDR; returns its address, 0 if there is none. */
static u32 load_cmdline(u32 *len)
{
	struct file_src f = pick("opt/bringup/cmdline", FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA);
	char *p = phys(FW_CMDLINE_ADDR);

	*len = 0;
	if (!f.size)
		return 0;
	if (f.size >= FW_CMDLINE_MAX)
		boot_bad_kernel("command line longer than 64 KiB");
	fw_cfg_read_at(f.key, 0, p, f.size);
	p[f.size] = 0;
	*len = (u32)strlen(p);
	return FW_CMDLINE_ADDR;
}

/* Initrd at the top of free RAM, page aligned, above floor and at most limit. */
static void load_initrd(u32 floor, u32 limit, u32 *addr, u32 *size)
{
	struct file_src f = pick("opt/bringup/initrd", FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA);
	u32 top = mem_high_bottom();

	*addr = *size = 0;
	if (!f.size)
		return;
	if (limit && top > limit)
		top = limit;
	floor = ALIGN_UP(floor, 0x1000);
	if (floor < 0x100000)
		floor = 0x100000;
	if (f.size > top || ((top - f.size) & ~0xfffu) < floor)
		boot_bad_kernel("initrd does not fit in RAM above the kernel");
	*addr = (top - f.size) & ~0xfffu;
	*size = f.size;
	fw_cfg_read_at(f.key, 0, phys(*addr), f.size);
}

static void load_segments(const struct file_src *f, const struct kimg *k)
{
	for (u32 i = 0; i < k->nr_seg; i++) {
		const struct kimg_seg *s = &k->seg[i];

		if (!range_free(s->paddr, s->memsz)) {
			log_error("bringup firmware: segment %x+%x is not free RAM\n", s->paddr,
				  s->memsz);
			boot_bad_kernel("a segment would overwrite the firmware or is not RAM");
		}
	}
	for (u32 i = 0; i < k->nr_seg; i++) {
		const struct kimg_seg *s = &k->seg[i];

		fw_cfg_read_at(f->key, s->file_off, phys(s->paddr), s->filesz);
		if (s->memsz > s->filesz)
			memset(phys(s->paddr + s->filesz), 0, s->memsz - s->filesz);
	}
}

static void __attribute__((noreturn)) enter_flat(u8 code, u32 entry, u32 eax, u32 ebx)
{
	post(code);
	bios_pic_mask_all();
	fw_cpu_handover();
	__asm__ volatile("cli\n\t"
			 "cld\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "xorl %%esi, %%esi\n\t"
			 "xorl %%edi, %%edi\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "jmp *%%ecx"
			 :: "c"(entry), "a"(eax), "b"(ebx) : "memory");
	__builtin_unreachable();
}

/*
 * Command line, initrd (above floor) and the rest of what the info blocks
 * carry. Not int 15h's map: only the paths whose program may call the BIOS
 * publish it.
 */
static void fill_info(struct kboot_info *in, u32 floor, u32 limit)
{
	u32 len, cmdline = load_cmdline(&len), initrd_addr, initrd_size;

	load_initrd(floor, limit, &initrd_addr, &initrd_size);
	/* stores, not a memset call and then stores */
	*in = (struct kboot_info){
		.e820 = &fw_e820, .cmdline_addr = cmdline,
		.initrd_addr = initrd_addr, .initrd_size = initrd_size,
		.module_string_addr = (u32)(uintptr_t)module_name,
		.loader_name_addr = (u32)(uintptr_t)loader_name, .rsdp = fw_rsdp,
	};
}

static void __attribute__((noreturn)) boot_multiboot(const struct file_src *f,
						     const struct kimg *k)
{
	struct kboot_info in;
	u32 mbi;

	if (k->mb_flags & MB_FLAG_VIDEO)
		log_printf("boot: multiboot video mode request ignored (no framebuffer)\n");
	load_segments(f, k);
	fill_info(&in, (u32)k->load_end, 0);
	/* a multiboot program may call int 15h (a PVH kernel never calls the BIOS) */
	bios_publish_e820();
	mbi = mb_info_fill(phys(FW_BOOTINFO_ADDR), FW_BOOTINFO_ADDR, FW_BOOTINFO_SIZE, &in);
	if (!mbi)
		boot_bad_kernel("multiboot info does not fit");
	log_printf("boot: multiboot entry %x, info %x, module %x+%x\n", k->entry, mbi,
		   in.initrd_addr, in.initrd_size);
	enter_flat(POST_BOOT_MULTIBOOT, k->entry, MB_BOOT_MAGIC, mbi);
}

static void __attribute__((noreturn)) boot_pvh(const struct file_src *f, const struct kimg *k)
{
	struct kboot_info in;
	u32 si;

	load_segments(f, k);
	fill_info(&in, (u32)k->load_end, 0);
	si = pvh_info_fill(phys(FW_BOOTINFO_ADDR), FW_BOOTINFO_ADDR, FW_BOOTINFO_SIZE, &in);
	if (!si)
		boot_bad_kernel("hvm_start_info does not fit");
	static const char *const text[] = { "boot: PVH entry ", ", start_info ", ", initrd ", "+" };
	log_fields(text, (const u32[]){ k->entry, si, in.initrd_addr, in.initrd_size }, 4);
	enter_flat(POST_BOOT_PVH, k->entry, 0, si);
}

/* A whole bzImage (opt/bringup/kernel): split it here, then the 32-bit entry. */
static void __attribute__((noreturn)) boot_bzimage_file(const struct file_src *f)
{
	u8 *setup = phys(FW_SETUP_ADDR);
	u32 sects, setup_size, kernel_size, initrd_max;
	struct bp_info bi;
	enum bp_err err;

	fw_cfg_read_at(f->key, 0, setup, 0x200);
	sects = setup[BP_SETUP_SECTS] ? setup[BP_SETUP_SECTS] : BZ_SETUP_SECTS_DEFAULT;
	setup_size = (sects + 1) * 512;
	if (setup_size >= f->size || setup_size > FW_CMDLINE_ADDR - FW_SETUP_ADDR)
		boot_bad_kernel("setup_sects larger than the file");
	fw_cfg_read_at(f->key, 0, setup, setup_size);
	if (bp_protocol(setup, setup_size) < 0x0202)
		boot_bad_kernel("bzImage in opt/bringup/kernel needs boot protocol 2.02 or later");
	kernel_size = f->size - setup_size;
	if (!range_free(BZ_KERNEL_ADDR, kernel_size))
		boot_bad_kernel("protected-mode kernel does not fit in RAM at 1 MiB");
	fw_cfg_read_at(f->key, setup_size, phys(BZ_KERNEL_ADDR), kernel_size);

	memset(&bi, 0, sizeof(bi));
	bi.cmdline_addr = load_cmdline(&bi.cmdline_len);
	initrd_max = get_le32(setup + BP_INITRD_ADDR_MAX);
	load_initrd(BZ_KERNEL_ADDR + kernel_size, initrd_max ? initrd_max + 1 : 0,
		    &bi.initrd_addr, &bi.initrd_size);
	bi.rsdp = fw_rsdp;
	bi.e820 = &fw_e820;
	bios_publish_e820();
	err = bp_fill(phys(FW_ZERO_PAGE), setup, setup_size, &bi);
	if (err)
		boot_bad_kernel(bp_strerror(err));
	post(POST_KERNEL_READY);
	boot_enter32(get_le32((u8 *)phys(FW_ZERO_PAGE) + BP_CODE32_START), FW_ZERO_PAGE);
}

void boot_file(u16 key, u32 size)
{
	static struct kimg k __noinit;	/* the probe clears what it uses */
	struct file_src f = { key, size };
	struct kimg_src src = { size, file_read, &f };
	enum kimg_err err;

	post(POST_KERNEL_LOAD);
	err = kimg_probe(&src, &k);
	if (err)
		boot_bad_kernel(kimg_strerror(err));
	post(POST_KERNEL_FILE);
	switch (k.kind) {
	case KIMG_MULTIBOOT:
		boot_multiboot(&f, &k);
	case KIMG_PVH:
		boot_pvh(&f, &k);
	case KIMG_BZIMAGE:
		boot_bzimage_file(&f);
	default:
		boot_bad_kernel(kimg_strerror(KIMG_ERR_FORMAT));
	}
}

/*
 * QEMU loaded the multiboot image (KERNEL_DATA at KERNEL_ADDR: kernel,
 * modules and strings) and built the info (INITRD_DATA at INITRD_ADDR);
 * its option ROM would add the memory map, so this does.
 */
void boot_qemu_multiboot(u32 entry)
{
	u32 addr = fw_cfg_read32(FW_CFG_KERNEL_ADDR), size = fw_cfg_read32(FW_CFG_KERNEL_SIZE);
	u32 mbi = fw_cfg_read32(FW_CFG_INITRD_ADDR), mbi_size = fw_cfg_read32(FW_CFG_INITRD_SIZE);
	u8 *map = phys(QEMU_MB_MMAP_ADDR), *info = phys(mbi);
	u32 nr = fw_e820.nr < QEMU_MB_MMAP_MAX ? fw_e820.nr : QEMU_MB_MMAP_MAX, lower, upper;

	post(POST_KERNEL_LOAD);
	if (!range_free(addr, size) || entry < addr || entry - addr >= size)
		boot_bad_kernel("QEMU's multiboot image is not in free RAM");
	if (mbi != QEMU_MB_MMAP_ADDR + 0x500 || mbi_size < MBI_SIZE || mbi_size > 0x1000)
		boot_bad_kernel("QEMU's multiboot info is not where its ROM expects it");
	fw_cfg_read_entry(FW_CFG_KERNEL_DATA, phys(addr), size);
	fw_cfg_read_entry(FW_CFG_INITRD_DATA, info, mbi_size);
	for (u32 i = 0; i < nr; i++) {
		u8 *p = map + i * MB_MMAP_ENTRY;

		put_le32(p, MB_MMAP_ENTRY - 4);
		put_le64(p + 4, fw_e820.e[i].addr);
		put_le64(p + 12, fw_e820.e[i].size);
		put_le32(p + 20, fw_e820.e[i].type);
	}
	mb_mem_sizes(&fw_e820, &lower, &upper);
	put_le32(info + MBI_MEM_LOWER, lower);
	put_le32(info + MBI_MEM_UPPER, upper);
	put_le32(info + MBI_MMAP_LENGTH, nr * MB_MMAP_ENTRY);
	put_le32(info + MBI_MMAP_ADDR, QEMU_MB_MMAP_ADDR);
	put_le32(info + MBI_FLAGS, get_le32(info + MBI_FLAGS) | MBI_F_MMAP);
	bios_publish_e820();
	post(POST_KERNEL_FILE);
	log_printf("boot: QEMU multiboot image %x+%x, entry %x, info %x\n", addr, size, entry, mbi);
	enter_flat(POST_BOOT_MULTIBOOT, entry, MB_BOOT_MAGIC, mbi);
}

/*
 * QEMU's PVH hand-over (-kernel with an ELF that has a PVH note): QEMU loaded
 * the segments itself at reset, KERNEL_ADDR and KERNEL_SIZE span them,
 * SETUP_DATA is the file's first 8 KiB and KERNEL_ENTRY the PVH entry; the
 * command line and the initrd come in their keys, as for QEMU's pvh.bin
 * option ROM. What is left is hvm_start_info.
 */
void boot_qemu_pvh(u32 entry)
{
	u32 addr = fw_cfg_read32(FW_CFG_KERNEL_ADDR), size = fw_cfg_read32(FW_CFG_KERNEL_SIZE);
	struct kboot_info in;
	u8 magic[4];
	u32 si;

	post(POST_KERNEL_LOAD);
	fw_cfg_read_at(FW_CFG_SETUP_DATA, 0, magic, sizeof(magic));
	if (get_le32(magic) != ELF_MAGIC_LE)
		boot_bad_kernel("a kernel entry but neither a bzImage nor an ELF header");
	/* one branch: entry - addr wraps past size when entry < addr */
	if ((size == 0) | !range_free(addr, size) | (entry - addr >= size))
		boot_bad_kernel("QEMU's PVH kernel is not in free RAM");
	post(POST_KERNEL_FILE);
	fill_info(&in, addr + size, 0);
	si = pvh_info_fill(phys(FW_BOOTINFO_ADDR), FW_BOOTINFO_ADDR, FW_BOOTINFO_SIZE, &in);
	if (!si)
		boot_bad_kernel("hvm_start_info does not fit");
	/*
	 * The default log without the formatter: fewer blocks for a JIT to
	 * translate; the texts static (a compound literal is a copy).
	 */
	static const char *const text[] = { "boot: QEMU PVH kernel ", "+", ", entry ",
					    ", start_info ", ", initrd ", "+" };
	log_fields(text, (const u32[]){ addr, size, entry, si, in.initrd_addr, in.initrd_size }, 6);
	enter_flat(POST_BOOT_PVH, entry, 0, si);
}
