/*
 * fw_main: the phases in order, each ending with its POST code. The order
 * matters in two places: the chipset's PM base must be set before QEMU
 * builds the ACPI tables (it does so when etc/table-loader is first read),
 * and the high allocation zone must stay above the kernel and initrd QEMU
 * placed before anything is allocated there.
 */
#include "firmware/fw.h"

extern char __bss_start[], __bss_end[];

/* The banner whole, per board and fw_cfg access: one log call, not five */
static const char *const banner[3][2] = {
	[BOARD_I440FX] = { "bringup firmware: i440fx, fw_cfg PIO\n",
			   "bringup firmware: i440fx, fw_cfg DMA\n" },
	[BOARD_Q35] = { "bringup firmware: q35, fw_cfg PIO\n", "bringup firmware: q35, fw_cfg DMA\n" },
	[BOARD_NONE] = { "bringup firmware: no PCI (microvm), fw_cfg PIO\n",
			 "bringup firmware: no PCI (microvm), fw_cfg DMA\n" },
};

void fw_main(void)
{
	/*
	 * Inline, not memset(): memset would be translated twice under a JIT,
	 * once here and again after fw_cpu_init() changes CR4 (part of a
	 * block's key in QEMU)
	 */
	u32 words = (u32)(__bss_end - __bss_start) / 4;
	char *p = __bss_start;

	__asm__ volatile("rep stosl" : "+D"(p), "+c"(words) : "a"(0) : "memory");
	post(POST_SHADOW);
	fw_cpu_init();
	log_init();
	if (!fw_cfg_init()) {
		log_error("bringup firmware: no fw_cfg device (no \"QEMU\" signature at 0x510); halting\n");
		fw_halt(POST_ERR_NO_FW_CFG);
	}
	log_configure(fw_cfg_opt_u32("opt/bringup/quiet", 0) != 0,
		      fw_cfg_opt_u32("opt/bringup/verbose", 0) != 0);
	post(POST_FW_CFG);
	fw_board = pci_detect_board();
	log_puts(banner[fw_board][fw_cfg_has_dma()]);

	mem_init();
	post(POST_E820);
	pci_setup();
	bios_setup();
	post(POST_LEGACY);

	mem_set_high_floor(boot_reserved_top());
	acpi_setup();
	mptable_setup();
	smbios_setup();
	mem_finish();
	boot_kernel();
}
