/*
 * Legacy PC state a BIOS leaves behind for programs that expect one: the
 * PIC at vector bases 0x08/0x70, the PIT ticking on IRQ 0, the real-mode IVT
 * (services in bios16.S; anything else returns carry set), the BDA, and the
 * memory figures int 15h reports. Also the jump into a kernel's 16-bit setup.
 */
#include "firmware/fw.h"

#define PIC1_CMD		0x20
#define PIC1_DATA		0x21
#define PIC2_CMD		0xa0
#define PIC2_DATA		0xa1
#define PIC_ICW1_INIT		0x11	/* edge, cascade, ICW4 follows */
#define PIC_ICW4_8086		0x01
#define PIC1_BASE		0x08
#define PIC2_BASE		0x70
#define PIT_CMD			0x43
#define PIT_CH0			0x40
#define PIT_CH0_MODE3		0x36	/* channel 0, lo/hi, square wave */

#define BDA_COM1		0x400
#define BDA_EQUIPMENT		0x410
#define BDA_BASE_MEM_KB		0x413
#define BDA_EBDA_SEG		0x40e
#define BDA_VIDEO_MODE		0x449
#define BDA_VIDEO_COLS		0x44a
#define BDA_VIDEO_ROWS		0x484

/* bios16.S */
extern char bios_int_default[], bios_irq_master[], bios_irq_slave[], bios_irq0[];
extern char bios_int10[], bios_int12[], bios_int15[], bios_int16[], bios_int1a[], bios_int19[];

/* In the F segment's uncopied RAM tail (firmware.ld): filled in at run time. */
struct bios16_data bios16_data __attribute__((section(".fseg")));
_Static_assert(__builtin_offsetof(struct bios16_data, e820_nr) == BIOS16_E820_NR, "layout");
_Static_assert(__builtin_offsetof(struct bios16_data, e801_ax) == BIOS16_E801_AX, "layout");
_Static_assert(__builtin_offsetof(struct bios16_data, e801_bx) == BIOS16_E801_BX, "layout");
_Static_assert(__builtin_offsetof(struct bios16_data, ext_kb) == BIOS16_EXT_KB, "layout");
_Static_assert(__builtin_offsetof(struct bios16_data, rm_idt) == BIOS16_RM_IDT, "layout");
_Static_assert(__builtin_offsetof(struct bios16_data, e820_tab) == BIOS16_E820_TAB, "layout");
void boot16_jump(u32 seg) __attribute__((noreturn));

/*
 * An IVT entry: F000:offset of a bios16.S handler. The offset is below 64 KiB,
 * so adding the segment is the same as or-ing it in, and the sum is a single
 * link-time constant: one store per vector.
 */
static inline u32 ivt_entry(const char *handler)
{
	return (u32)(uintptr_t)handler + ((FW_IMAGE_BASE >> 4) << 16) - FW_IMAGE_BASE;
}

/*
 * Every vector to the default handler in one rep stosl, then the services,
 * unrolled: under a JIT each loop is blocks to translate, stores are not.
 */
static inline void ivt_setup(void)
{
	u32 *ivt = phys(0), n = 256;
	u32 master = ivt_entry(bios_irq_master), slave = ivt_entry(bios_irq_slave);
	void *d = ivt;

	/* both in registers: one store each, not a load of the constant and a store */
	OPAQUE(master);
	OPAQUE(slave);
	__asm__ volatile("rep stosl" : "+D"(d), "+c"(n) : "a"(ivt_entry(bios_int_default)) : "memory");
#pragma GCC unroll 8
	for (u32 i = 1; i < 8; i++) {
		ivt[PIC1_BASE + i] = master;
		ivt[PIC2_BASE + i] = slave;
	}
	ivt[PIC1_BASE] = ivt_entry(bios_irq0);
	ivt[0x10] = ivt_entry(bios_int10);
	ivt[0x12] = ivt_entry(bios_int12);
	ivt[0x15] = ivt_entry(bios_int15);
	ivt[0x16] = ivt_entry(bios_int16);
	ivt[0x19] = ivt_entry(bios_int19);
	ivt[0x1a] = ivt_entry(bios_int1a);
}

static inline void pic_init(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT);
	outb(PIC2_CMD, PIC_ICW1_INIT);
	outb(PIC1_DATA, PIC1_BASE);
	outb(PIC2_DATA, PIC2_BASE);
	outb(PIC1_DATA, 1 << 2);	/* slave on IRQ 2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, (u8)~((1 << 0) | (1 << 2)));	/* timer and cascade open */
	outb(PIC2_DATA, 0xff);
}

void bios_pic_mask_all(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void bios_setup(void)
{
	u8 *bda = phys(0);

	/*
	 * The header before the e820 table: inline stores, not a call (a block
	 * more under a JIT). The real-mode IDT for the 16-bit entry: limit
	 * 0x3ff, base 0.
	 */
	__builtin_memset(&bios16_data, 0, BIOS16_E820_TAB);
	put_le16(bios16_data.rm_idt, 0x3ff);
	ivt_setup();

	memset(bda + 0x400, 0, 0x100);
	put_le16(bda + BDA_COM1, 0x3f8);
	put_le16(bda + BDA_EQUIPMENT, 1 << 9 | 2 << 4);	/* one serial port, 80x25 colour */
	put_le16(bda + BDA_BASE_MEM_KB, FW_EBDA_BASE >> 10);
	put_le16(bda + BDA_EBDA_SEG, FW_EBDA_SEG);
	bda[BDA_VIDEO_MODE] = 3;
	put_le16(bda + BDA_VIDEO_COLS, 80);
	bda[BDA_VIDEO_ROWS] = 24;
	memset(phys(FW_EBDA_BASE), 0, FW_LOWMEM_END - FW_EBDA_BASE);
	*(u8 *)phys(FW_EBDA_BASE) = (FW_LOWMEM_END - FW_EBDA_BASE) >> 10;	/* EBDA size, KiB */

	pic_init();
	outb(PIT_CMD, PIT_CH0_MODE3);
	outb(PIT_CH0, 0);		/* divisor 65536: 18.2 Hz */
	outb(PIT_CH0, 0);
}

void bios_publish_e820(void)
{
	u64 ext = 0, high = 0;
	u32 n = fw_e820.nr < BIOS_E820_MAX ? fw_e820.nr : BIOS_E820_MAX;

	for (u32 i = 0; i < n; i++) {
		const struct e820_entry *e = &fw_e820.e[i];
		u8 *p = bios16_data.e820_tab + i * 20;

		put_le64(p, e->addr);
		put_le64(p + 8, e->size);
		put_le32(p + 16, e->type);
		if (e->type == E820_RAM && e->addr <= 0x100000 && e->addr + e->size > 0x100000)
			ext = e->addr + e->size - 0x100000;
	}
	bios16_data.e820_nr = n;
	/* E801: KiB from 1 MiB to 16 MiB, then 64 KiB blocks to the 4 GiB hole */
	if (ext > (15ULL << 20)) {
		high = (ext - (15ULL << 20)) >> 16;
		ext = 15ULL << 20;
	}
	bios16_data.e801_ax = (u16)(ext >> 10);
	bios16_data.e801_bx = (u16)(high > 0xffff ? 0xffff : high);
	ext = ((u64)bios16_data.e801_ax << 10) + ((u64)bios16_data.e801_bx << 16);
	bios16_data.ext_kb = (u16)((ext >> 10) > 0xfc00 ? 0xfc00 : (ext >> 10));
}

void boot16_enter(u32 setup_addr, const struct bp_info *bi)
{
	if (setup_addr & 0xf || setup_addr + 0x10000 > FW_EBDA_BASE) {
		log_error("bringup firmware: setup at %x cannot run in real mode; halting\n",
			  setup_addr);
		fw_halt(POST_ERR_BAD_KERNEL);
	}
	/* int 15h's memory map lives in the F segment */
	if (!mem_fseg_writable()) {
		log_error("bringup firmware: the 16-bit entry needs a writable BIOS area, and this "
			  "board's is read-only; halting\n");
		fw_halt(POST_ERR_BAD_KERNEL);
	}
	log_printf("boot: 16-bit entry at %x:0000\n", (setup_addr >> 4) + 0x20);
	fw_cpu_handover();
	boot16_jump(setup_addr >> 4);
}
