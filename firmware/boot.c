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
 * What the boot needs from fw_cfg, read once: boot_reserved_top() (fw_main,
 * before the tables) and boot_kernel() both want it. The keys in one loop
 * over a table rather than eight calls: under a JIT each call's return is
 * another block to translate.
 */
static struct {
	struct kernel k;
	u32 opt_size;		/* opt/bringup/kernel: its size and selector, */
	u16 opt_sel;
	bool opt;		/* if present */
	bool have;
} in;

static void read_inputs(void)
{
	static const u16 key[] = {
		FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE,
		FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE,
	};
	u32 *v = &in.k.kernel_addr;

	_Static_assert(sizeof(in.k) == sizeof(u32) * ARRAY_SIZE(key),
		       "struct kernel: the keys' values in order");
	in.opt = fw_cfg_find(OPT_KERNEL, &in.opt_sel, &in.opt_size) == 0;
	for (u32 i = 0; i < ARRAY_SIZE(key); i++) {
		JIT_LOOP_TOP();
		v[i] = fw_cfg_read32(key[i]);
	}
	in.have = true;
}

/*
 * Which of the kernel's parts (struct kernel's pairs in order: bit 0 kernel,
 * 1 setup, 2 initrd, 3 command line) are unusable: a size outside the
 * part's bounds, an address below its floor, or a range that is not RAM the
 * firmware leaves free (below the EBDA and clear of its working area, or
 * from 1 MiB to the top of low RAM; a range that wraps past 4 GiB is
 * neither). One loop over a table, no branch: under a JIT the loop body is
 * translated once, where a call per part was a block per call.
 */
static u32 parts_bad(const struct kernel *k, u32 ram_top)
{
	/* size - min > span rejects a size below min or above min + span */
	static const u32 min[4] = { 0, 0x300, 0, 0 };
	static const u32 span[4] = { ~0u, 0x10000 - 0x300, ~0u, 0x10000 };
	static const u32 floor[4] = { 0x100000, 0, 0, 0 };
	const u32 *pair = &k->kernel_addr;
	u32 bad = 0;

	for (u32 i = 0; i < 4; i++) {
		u32 addr, size, end, wrap;
		bool low, high, ok;
		u64 sum;

		JIT_LOOP_TOP();
		addr = pair[2 * i];
		size = pair[2 * i + 1];
		/* one u64 sum: its upper half is the carry, as a value (no branch) */
		sum = (u64)addr + size;
		end = (u32)sum;
		wrap = (u32)(sum >> 32);
		low = (addr >= 0x500) & (end <= FW_EBDA_BASE) &
		      ((addr >= FW_STACK_TOP) | (end <= FW_RAM_BASE));
		high = (addr >= 0x100000) & (end <= ram_top);
		ok = (size == 0) | ((wrap == 0) & (low | high));
		bad |= (u32)(!ok | (size - min[i] > span[i]) | (addr < floor[i])) << i;
	}
	return bad;
}

u32 boot_reserved_top(void)
{
	u32 initrd_end, kernel_end;

	read_inputs();
	/* the ends of what is there, as masks and a max: no branch */
	initrd_end = (in.k.initrd_addr + in.k.initrd_size) & -(u32)(in.k.initrd_size != 0);
	kernel_end = (in.k.kernel_addr + in.k.kernel_size) & -(u32)(in.k.kernel_size != 0);
	/* none when the firmware places a whole file itself, after the tables */
	return (initrd_end > kernel_end ? initrd_end : kernel_end) & -(u32)!in.opt;
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

/*
 * The rare inputs, out of line behind one branch (under a JIT a branch per
 * case is a block per case): inputs not read yet, opt/bringup/kernel, no
 * kernel, no setup (multiboot, or a whole file to probe). Returns only when
 * none applies.
 */
static void __attribute__((cold, noinline)) rare_inputs(void)
{
	u32 entry;

	if (!in.have)
		read_inputs();
	if (in.opt && in.opt_size)
		boot_file(in.opt_sel, in.opt_size);
	if (!in.k.kernel_size) {
		log_error("bringup firmware: no kernel given (QEMU: -kernel FILE); halting\n");
		fw_halt(POST_ERR_NO_KERNEL);
	}
	if (!in.k.setup_size) {
		entry = fw_cfg_read32(FW_CFG_KERNEL_ENTRY);
		if (entry)
			boot_qemu_multiboot(entry);
		boot_file(FW_CFG_KERNEL_DATA, in.k.kernel_size);
	}
}

void boot_kernel(void)
{
	/* the parts to read: their keys, and their pairs in struct kernel */
	static const u8 data_key[] = { FW_CFG_KERNEL_DATA, FW_CFG_INITRD_DATA, FW_CFG_CMDLINE_DATA };
	static const u8 data_pair[] = { 0, 2, 3 };
	const struct kernel *k = &in.k;
	const u32 *pair = &k->kernel_addr;
	struct bp_info bi;
	u8 *setup, *zp = (u8 *)FW_ZERO_PAGE;
	enum bp_err err;
	u16 proto;
	u32 entry, bad;

	/* fw_main has read the inputs (boot_reserved_top()) */
	bad = (in.have == 0) | (in.opt & (in.opt_size != 0)) | (k->kernel_size == 0) |
	      (k->setup_size == 0);
	OPAQUE(bad);	/* one branch, not one per case */
	if (bad)
		rare_inputs();
	post(POST_KERNEL_LOAD);
	/*
	 * The checks in two groups, each one branch on a mask of what failed
	 * (the first failure named): under a JIT a branch per check is a block
	 * per check. The setup's header is read before the kernel's range is
	 * judged, so that a file that is no bzImage is named as such.
	 */
	bad = parts_bad(k, mem_low_ram_top());
	if (bad & 0xe) {
		/* QEMU loaded a PVH ELF itself: a kernel entry, a setup with no address */
		entry = fw_cfg_read32(FW_CFG_KERNEL_ENTRY);
		if (((bad & 2) != 0) & (entry != 0) & (k->setup_addr == 0))
			boot_qemu_pvh(entry);
		boot_bad_kernel(bad & 2 ? "setup size or address unusable" :
				bad & 4 ? "initrd does not fit in RAM" : "command line address unusable");
	}

	setup = (u8 *)(uintptr_t)k->setup_addr;
	fw_cfg_read_entry(FW_CFG_SETUP_DATA, setup, k->setup_size);
	proto = bp_protocol(setup, k->setup_size);
	bad = (proto == 0) | (bad & 1);
	OPAQUE(bad);
	if (bad)
		boot_bad_kernel(proto == 0 ? "no \"HdrS\" setup header at 0x202 (not a bzImage)" :
				"protected-mode kernel does not fit in RAM at its load address");
	/* kernel, initrd, command line: one loop (an empty one reads nothing) */
	for (u32 i = 0; i < ARRAY_SIZE(data_key); i++) {
		const u32 *p;

		JIT_LOOP_TOP();
		p = pair + 2 * data_pair[i];
		fw_cfg_read_entry(data_key[i], (void *)(uintptr_t)p[0], p[1]);
	}
	log_detail("boot: protocol %x, kernel %x+%x, initrd %x+%x\n", proto, k->kernel_addr,
		   k->kernel_size, k->initrd_addr, k->initrd_size);

	bi = (struct bp_info){ .initrd_addr = k->initrd_addr, .initrd_size = k->initrd_size,
			       .rsdp = fw_rsdp, .e820 = &fw_e820 };
	if (k->cmdline_size) {
		char *cmdline = (char *)(uintptr_t)k->cmdline_addr;

		cmdline[k->cmdline_size - 1] = 0;
		bi.cmdline_addr = k->cmdline_addr;
		bi.cmdline_len = (u32)strlen(cmdline);
	}

	/* int 15h's map only for the real-mode entry: nothing calls the BIOS after the 32-bit one */
	bad = (fw_cfg_opt_u32("opt/bringup/boot16", 0) != 0) | (proto < 0x0202);
	OPAQUE(bad);
	if (bad) {
		bios_publish_e820();
		boot16_enter(k->setup_addr, &bi);
	}

	err = bp_fill(zp, setup, k->setup_size, &bi);
	if (err)
		boot_bad_kernel(bp_strerror(err));
	post(POST_KERNEL_READY);
	entry = get_le32(zp + BP_CODE32_START);
	log_fields((const char *const[]){ "boot: 32-bit entry at " }, &entry, 1);
	boot_enter32(entry, FW_ZERO_PAGE);
}
