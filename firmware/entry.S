/*
 * Reset to C. The CPU starts in real mode at F000:FFF0 with CS based at
 * 0xFFFF0000, i.e. in the ROM's alias just below 4 GiB. Protected mode comes
 * first; the code then runs from that high alias (position independent) while
 * it turns 0xE0000-0xFFFFF into RAM through the PAM registers and copies the
 * image down, since the low alias vanishes the moment PAM switches it to RAM.
 */
#include "firmware/fw.h"

#define HIGH_ALIAS	(0xffff0000 - FW_IMAGE_BASE)	/* add to a link address */
#define SEG_CODE16	0x08
#define SEG_CODE32	0x10
#define SEG_DATA32	0x18
#define SEG_DATA16	0x20
#define CR0_PE		1

/*
 * Set bytes in a dword of PCI configuration space, mechanism #1, no stack
 * needed: read, clear 'clear', set 'set', write back. A dword, not a byte at
 * a time: each PAM write makes QEMU rebuild its memory map (about 0.1 ms
 * under TCG here), and one write covers the two E-segment registers.
 */
.macro cfg_set32 reg, clear, set
	movl	$(0x80000000 | \reg), %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movw	$0xcfc, %dx
	inl	%dx, %eax
	andl	$~\clear, %eax
	orl	$\set, %eax
	outl	%eax, %dx
.endm

	.section .text16, "ax"
	.code16
	.globl	reset16
reset16:
	cli
	cld
	movb	$POST_RESET, %al
	outb	%al, $0x80
	lgdtl	%cs:gdt_desc_off	/* gdt_desc - 0xF0000, from the linker script */
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEG_CODE32, $(early32 + HIGH_ALIAS)

	.code32
early32:
	movl	$SEG_DATA32, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movb	$POST_PROTECTED, %al
	outb	%al, $0x80

	/* host bridge at 00:00.0 says which PAM registers exist */
	movl	$0x80000000, %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movw	$0xcfc, %dx
	inl	%dx, %eax
	cmpl	$0x12378086, %eax
	je	1f
	cmpl	$0x29c08086, %eax
	je	2f
	jmp	4f			/* no chipset (microvm): the BIOS area is RAM */
1:	/* i440fx: PAM0 0x59 (F segment, high nibble), PAM5/6 0x5e/0x5f (E segment) */
	cfg_set32 0x58, 0x0000ff00, 0x00003000
	cfg_set32 0x5c, 0xffff0000, 0x33330000
	jmp	3f
2:	/* q35 MCH: PAM0 0x90, PAM5/6 0x95/0x96 */
	cfg_set32 0x90, 0x000000ff, 0x00000030
	cfg_set32 0x94, 0x00ffff00, 0x00333300
3:	movl	$0xffff0000, %esi
	movl	$FW_IMAGE_BASE, %edi
	movl	$fw_copy_dwords, %ecx
	rep movsl
4:	ljmpl	$SEG_CODE32, $entry32

	.section .text.entry32, "ax"
entry32:
	movl	$FW_STACK_TOP, %esp
	call	fw_main
5:	cli
	hlt
	jmp	5b

	.section .rodata.gdt, "a"
	.balign	16
	.globl	gdt
gdt:
	.quad	0
	.quad	0x00009b0f0000ffff	/* 0x08: 16-bit code, base 0xF0000 */
	.quad	0x00cf9b000000ffff	/* 0x10: flat 32-bit code */
	.quad	0x00cf93000000ffff	/* 0x18: flat 32-bit data */
	.quad	0x000093000000ffff	/* 0x20: 16-bit data, base 0 */
gdt_end:
	.globl	gdt_desc
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt

	/* the reset vector: last 16 bytes of the image */
	.section .reset, "ax"
	.code16
	.globl	reset_vector
reset_vector:
	jmp	reset16
	.balign	16, 0xcc
	.section .note.GNU-stack, "", @progbits
