/*
 * Real-mode side: the BIOS services a kernel's 16-bit setup code and
 * multiboot programs call, the IRQ handlers behind the IVT (EOI, tick count),
 * and the switch from 32-bit protected mode back to real mode that starts
 * the kernel's setup. Code segment F000; data is reached through %cs.
 */
#include "firmware/fw.h"

#define SEG_CODE16	0x08
#define SEG_DATA16	0x20
#define COM1		0x3f8
#define SMAP		0x534d4150
#define BDA_TICKS	0x46c

#define OFF(sym)	(sym - FW_IMAGE_BASE)	/* only in 32-bit fields */
/* 16-bit fields take offsets from absolute symbols in firmware.ld (REL addends are 16-bit) */
#define DATA(field)	(bios16_data_off + (field))

/* Return from an interrupt with CF (bit 0) of the caller's FLAGS cleared or set. */
.macro ret_cf_clear
	push	%bp
	mov	%sp, %bp
	andw	$0xfffe, 6(%bp)
	pop	%bp
	iret
.endm
.macro ret_cf_set
	push	%bp
	mov	%sp, %bp
	orw	$1, 6(%bp)
	pop	%bp
	iret
.endm

	.section .text16, "ax"
	.code16

	.globl	bios_int_default
bios_int_default:		/* any service we do not offer: carry set, AH=0x86 */
	movb	$0x86, %ah
	ret_cf_set

	.globl	bios_irq_master
bios_irq_master:
	push	%ax
	movb	$0x20, %al
	outb	%al, $0x20
	pop	%ax
	iret

	.globl	bios_irq_slave
bios_irq_slave:
	push	%ax
	movb	$0x20, %al
	outb	%al, $0xa0
	outb	%al, $0x20
	pop	%ax
	iret

	.globl	bios_irq0
bios_irq0:			/* PIT: count ticks in the BDA like every BIOS */
	push	%ds
	push	%ax
	xor	%ax, %ax
	mov	%ax, %ds
	incl	BDA_TICKS
	movb	$0x20, %al
	outb	%al, $0x20
	pop	%ax
	pop	%ds
	iret

	.globl	bios_int10
bios_int10:
	cmpb	$0x0e, %ah
	je	10f
	cmpb	$0x0f, %ah
	je	11f
	cmpw	$0x1a00, %ax
	je	12f
	iret			/* other video calls: no change, as on a headless box */
10:	push	%dx
	push	%ax
	movw	$COM1 + 5, %dx
13:	inb	%dx, %al
	testb	$0x20, %al
	jz	13b
	pop	%ax
	movw	$COM1, %dx
	outb	%al, %dx
	pop	%dx
	iret
11:	movw	$0x5003, %ax	/* 80 columns, mode 3 */
	xorb	%bh, %bh
	iret
12:	xorb	%al, %al	/* no VGA display combination */
	iret

	.globl	bios_int12
bios_int12:
	movw	$(FW_EBDA_BASE >> 10), %ax
	iret

	.globl	bios_int15
bios_int15:
	cmpl	$0xe820, %eax
	je	20f
	cmpw	$0xe801, %ax
	je	21f
	cmpb	$0x88, %ah
	je	22f
	cmpw	$0x2401, %ax	/* A20 on: it is */
	je	23f
	cmpw	$0x2402, %ax
	je	24f
	cmpb	$0x86, %ah	/* wait: return at once */
	je	23f
	movb	$0x86, %ah
	ret_cf_set
20:	cmpl	$SMAP, %edx
	jne	29f
	cmpl	%cs:DATA(BIOS16_E820_NR), %ebx
	jae	29f
	cmpl	$20, %ecx
	jb	29f
	push	%ds
	push	%si
	push	%di
	push	%cx
	push	%cs
	pop	%ds
	imul	$20, %bx, %si
	add	$DATA(BIOS16_E820_TAB), %si
	movw	$20, %cx
	cld
	rep movsb
	pop	%cx
	pop	%di
	pop	%si
	pop	%ds
	incl	%ebx
	cmpl	%cs:DATA(BIOS16_E820_NR), %ebx
	jb	28f
	xorl	%ebx, %ebx	/* last entry */
28:	movl	$SMAP, %eax
	movl	$20, %ecx
	ret_cf_clear
29:	movb	$0x86, %ah
	ret_cf_set
21:	movw	%cs:DATA(BIOS16_E801_AX), %ax
	movw	%ax, %cx
	movw	%cs:DATA(BIOS16_E801_BX), %bx
	movw	%bx, %dx
	ret_cf_clear
22:	movw	%cs:DATA(BIOS16_EXT_KB), %ax
	ret_cf_clear
23:	xorb	%ah, %ah
	ret_cf_clear
24:	movw	$0x0001, %ax	/* A20 status: on */
	ret_cf_clear

	.globl	bios_int16
bios_int16:
	cmpb	$0x01, %ah
	je	31f
	cmpb	$0x11, %ah
	je	31f
	cmpb	$0x02, %ah
	je	32f
	cmpb	$0x12, %ah
	je	32f
	xorw	%ax, %ax	/* read key: none, and no waiting */
	iret
31:	push	%bp		/* key available? no: ZF set */
	mov	%sp, %bp
	orw	$0x40, 6(%bp)
	pop	%bp
	iret
32:	xorw	%ax, %ax	/* shift flags: none */
	iret

	.globl	bios_int1a
bios_int1a:
	testb	%ah, %ah
	jnz	40f
	push	%ds
	xorw	%cx, %cx
	movw	%cx, %ds
	movw	BDA_TICKS, %dx
	movw	BDA_TICKS + 2, %cx
	pop	%ds
	xorb	%al, %al
	ret_cf_clear
40:	ret_cf_set

	.globl	bios_int19
bios_int19:			/* nothing to boot from */
	cli
	hlt
	jmp	bios_int19

/*
 * boot16_jump(seg): from flat 32-bit protected mode to real mode, then into
 * the kernel's setup at seg+0x20:0 with DS=ES=FS=GS=SS=seg, SP below the
 * command line, interrupts on the real-mode IVT.
 */
	.code32
	.globl	boot16_jump
boot16_jump:
	cli
	movl	4(%esp), %ebx
	ljmpl	$SEG_CODE16, $OFF(boot16_pm16)
	.code16
	.globl	boot16_pm16
boot16_pm16:
	movw	$SEG_DATA16, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %fs
	movw	%ax, %gs
	movw	%ax, %ss
	movl	%cr0, %eax
	andl	$~1, %eax
	movl	%eax, %cr0
	ljmp	$(FW_IMAGE_BASE >> 4), $boot16_rm_off
	.globl	boot16_rm
boot16_rm:
	lidt	%cs:DATA(BIOS16_RM_IDT)
	movw	%bx, %ds
	movw	%bx, %es
	movw	%bx, %fs
	movw	%bx, %gs
	movw	%bx, %ss
	movw	$0xfff0, %sp
	addw	$0x20, %bx
	pushw	%bx
	pushw	$0
	movb	$POST_BOOT16, %al
	outb	%al, $0x80
	xorl	%eax, %eax
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	lret

	.section .note.GNU-stack, "", @progbits
