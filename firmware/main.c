/*
 * fw_main: the phases in order, each ending with its POST code. The order
 * matters in two places: the chipset's PM base must be set before QEMU
 * builds the ACPI tables (it does so when etc/table-loader is first read),
 * and the high allocation zone must stay above the kernel and initrd QEMU
 * placed before anything is allocated there.
 */
#include "firmware/fw.h"

extern char __bss_start[], __bss_end[];

static const char *board_name(enum fw_board b)
{
	return b == BOARD_I440FX ? "i440fx" : b == BOARD_Q35 ? "q35" : "no PCI (microvm)";
}

void fw_main(void)
{
	memset(__bss_start, 0, (size_t)(__bss_end - __bss_start));
	post(POST_SHADOW);
	fw_cpu_init();
	log_init();
	if (!fw_cfg_init()) {
		log_error("bringup firmware: no fw_cfg device (no \"QEMU\" signature at 0x510); halting\n");
		fw_halt(POST_ERR_NO_FW_CFG);
	}
	log_set_quiet(fw_cfg_opt_u32("opt/bringup/quiet", 0) != 0);
	log_set_verbose(fw_cfg_opt_u32("opt/bringup/verbose", 0) != 0);
	post(POST_FW_CFG);
	fw_board = pci_detect_board();
	log_puts("bringup firmware: ");
	log_puts(board_name(fw_board));
	log_puts(fw_cfg_has_dma() ? ", fw_cfg DMA\n" : ", fw_cfg PIO\n");

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
	for (u32 i = 0; log_verbose() && i < fw_e820.nr; i++)
		log_detail("e820: %llx-%llx type %u\n", fw_e820.e[i].addr,
			   fw_e820.e[i].addr + fw_e820.e[i].size - 1, fw_e820.e[i].type);
	boot_kernel();
}
