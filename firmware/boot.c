/*
 * Booting the -kernel QEMU hands over in fw_cfg. QEMU has already chosen the
 * addresses (KERNEL_ADDR, SETUP_ADDR, INITRD_ADDR, CMDLINE_ADDR) and patched
 * the setup header copy to match, including setup_data links that point into
 * the kernel blob; so everything goes exactly where QEMU said, after a check
 * that it lands in RAM.
 */
#include "firmware/fw.h"

struct kernel {
	u32 kernel_addr, kernel_size;
	u32 setup_addr, setup_size;
	u32 initrd_addr, initrd_size;
	u32 cmdline_addr, cmdline_size;
};

void boot_bad_kernel(const char *what)
{
	log_error("bringup firmware: bad kernel: %s; halting\n", what);
	fw_halt(POST_ERR_BAD_KERNEL);
}

/*
 * [addr, addr+size) is RAM the firmware does not own: below the EBDA and
 * clear of its working area, or from 1 MiB to the top of low RAM. Computed
 * without branches (& on the comparisons): under a JIT each branch taken
 * is another block to translate, and this runs for every part of the kernel.
 */
static bool in_ram(u32 addr, u32 size, u32 ram_top)
{
	u64 end = (u64)addr + size;
	bool low = (addr >= 0x500) & (end <= FW_EBDA_BASE) &
		   ((addr >= FW_STACK_TOP) | (end <= FW_RAM_BASE));
	bool high = (addr >= 0x100000) & (end <= ram_top);

	return (size == 0) | low | high;
}

/*
 * The keys once: boot_reserved_top() and boot_kernel() both want them. One
 * loop over a table rather than eight calls: under a JIT each call's return
 * is another block to translate.
 */
static void read_keys(struct kernel *out)
{
	static const u16 key[] = {
		FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE,
		FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE,
	};
	static u32 v[ARRAY_SIZE(key)];
	static bool have;

	_Static_assert(sizeof(*out) == sizeof(v), "struct kernel: the keys' values in order");
	for (u32 i = 0; !have && i < ARRAY_SIZE(key); i++)
		v[i] = fw_cfg_read32(key[i]);
	have = true;
	memcpy(out, v, sizeof(v));
}

/* opt/bringup/kernel: looked up once */
static int opt_kernel(u16 *sel, u32 *size)
{
	static bool looked;
	static int found;
	static u16 s;
	static u32 n;

	if (!looked) {
		found = fw_cfg_find(OPT_KERNEL, &s, &n);
		looked = true;
	}
	*sel = s;
	*size = n;
	return found;
}

u32 boot_reserved_top(void)
{
	struct kernel k;
	u32 top = 0, size;
	u16 sel;

	/* the firmware places a whole file itself, after the tables */
	if (opt_kernel(&sel, &size) == 0)
		return 0;
	read_keys(&k);
	if (k.initrd_size && k.initrd_addr + k.initrd_size > top)
		top = k.initrd_addr + k.initrd_size;
	if (k.kernel_size && k.kernel_addr + k.kernel_size > top)
		top = k.kernel_addr + k.kernel_size;
	return top;
}

void boot_enter32(u32 entry, u32 zero_page)
{
	post(POST_BOOT32);
	bios_pic_mask_all();
	fw_cpu_handover();
	__asm__ volatile("cli\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "xorl %%edi, %%edi\n\t"
			 "xorl %%ebx, %%ebx\n\t"
			 "jmp *%%eax"
			 :: "a"(entry), "S"(zero_page) : "memory");
	__builtin_unreachable();
}

void boot_kernel(void)
{
	struct kernel k;
	struct bp_info bi;
	u8 *setup, *zp = (u8 *)FW_ZERO_PAGE;
	enum bp_err err;
	u16 proto;

	u16 sel;
	u32 size, entry, top, bad;

	if (opt_kernel(&sel, &size) == 0 && size)
		boot_file(sel, size);
	read_keys(&k);
	const struct { u16 key; u32 addr, size; } part[] = {
		{ FW_CFG_KERNEL_DATA, k.kernel_addr, k.kernel_size },
		{ FW_CFG_INITRD_DATA, k.initrd_addr, k.initrd_size },
		{ FW_CFG_CMDLINE_DATA, k.cmdline_addr, k.cmdline_size },
	};
	if (!k.kernel_size) {
		log_error("bringup firmware: no kernel given (QEMU: -kernel FILE); halting\n");
		fw_halt(POST_ERR_NO_KERNEL);
	}
	if (!k.setup_size) {
		entry = fw_cfg_read32(FW_CFG_KERNEL_ENTRY);
		if (entry)
			boot_qemu_multiboot(entry);
		boot_file(FW_CFG_KERNEL_DATA, k.kernel_size);
	}
	post(POST_KERNEL_LOAD);
	/*
	 * The checks in two groups, each one branch on a mask of what failed
	 * (the first failure named): under a JIT a branch per check is a block
	 * per check. The setup's header is read before the kernel's range is
	 * judged, so that a file that is no bzImage is named as such.
	 */
	top = mem_low_ram_top();
	bad = ((k.setup_size - 0x300 > 0x10000 - 0x300) | !in_ram(k.setup_addr, k.setup_size, top)) |
	      !in_ram(k.initrd_addr, k.initrd_size, top) << 1 |
	      ((k.cmdline_size > 0x10000) | !in_ram(k.cmdline_addr, k.cmdline_size, top)) << 2;
	if (bad) {
		/* QEMU loaded a PVH ELF itself: a kernel entry, a setup with no address */
		entry = fw_cfg_read32(FW_CFG_KERNEL_ENTRY);
		if ((bad & 1) && entry && !k.setup_addr)
			boot_qemu_pvh(entry);
		boot_bad_kernel(bad & 1 ? "setup size or address unusable" :
				bad & 2 ? "initrd does not fit in RAM" : "command line address unusable");
	}

	setup = (u8 *)(uintptr_t)k.setup_addr;
	fw_cfg_read_entry(FW_CFG_SETUP_DATA, setup, k.setup_size);
	proto = bp_protocol(setup, k.setup_size);
	bad = (proto == 0) | ((k.kernel_addr < 0x100000) | !in_ram(k.kernel_addr, k.kernel_size, top)) << 1;
	if (bad)
		boot_bad_kernel(bad & 1 ? "no \"HdrS\" setup header at 0x202 (not a bzImage)" :
				"protected-mode kernel does not fit in RAM at its load address");
	/* kernel, initrd, command line: one loop (an empty one reads nothing) */
	for (u32 i = 0; i < ARRAY_SIZE(part); i++)
		fw_cfg_read_entry(part[i].key, (void *)(uintptr_t)part[i].addr, part[i].size);
	if (k.cmdline_size)
		((char *)(uintptr_t)k.cmdline_addr)[k.cmdline_size - 1] = 0;
	log_detail("boot: protocol %x, kernel %x+%x, initrd %x+%x\n", proto, k.kernel_addr,
		   k.kernel_size, k.initrd_addr, k.initrd_size);

	memset(&bi, 0, sizeof(bi));
	bi.cmdline_addr = k.cmdline_size ? k.cmdline_addr : 0;
	bi.cmdline_len = k.cmdline_size ? (u32)strlen((char *)(uintptr_t)k.cmdline_addr) : 0;
	bi.initrd_addr = k.initrd_addr;
	bi.initrd_size = k.initrd_size;
	bi.rsdp = fw_rsdp;
	bi.e820 = &fw_e820;

	/* int 15h's map only for the real-mode entry: nothing calls the BIOS after the 32-bit one */
	if (fw_cfg_opt_u32("opt/bringup/boot16", 0) || proto < 0x0202) {
		bios_publish_e820();
		boot16_enter(k.setup_addr, &bi);
	}

	err = bp_fill(zp, setup, k.setup_size, &bi);
	if (err)
		boot_bad_kernel(bp_strerror(err));
	post(POST_KERNEL_READY);
	entry = get_le32(zp + BP_CODE32_START);
	log_fields((const char *const[]){ "boot: 32-bit entry at " }, &entry, 1);
	boot_enter32(entry, FW_ZERO_PAGE);
}
