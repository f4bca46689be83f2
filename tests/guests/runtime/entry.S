/*
 * Guest runtime entry: multiboot v1 header, flat GDT, the 256 interrupt
 * stubs, and the AP trampoline (copied below 1 MiB by smp.c).
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */
#define STACK_SIZE	16384
#define AP_STACK_SIZE	4096
#define SMP_MAX_CPUS	16

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	movl $bsp_stack_top, %esp
	xorl %ebp, %ebp
	pushl %ebx		/* multiboot info */
	pushl %eax		/* multiboot magic */
	call runtime_start
2:	cli
	hlt
	jmp 2b

/* ---- interrupt stubs: 16 bytes each, vector = (stub - isr_stubs) / 16 ---- */

.macro isr_stub n
	.balign 16
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushl $0
	.endif
	pushl $\n
	jmp isr_common
.endm

	.balign 16
	.globl isr_stubs
isr_stubs:
	.altmacro
	.set i, 0
	.rept 256
	isr_stub %i
	.set i, i + 1
	.endr
	.noaltmacro
	.globl isr_stubs_end
isr_stubs_end:

isr_common:
	pushal
	cld
	pushl %esp
	call irq_dispatch
	addl $4, %esp
	popal
	addl $8, %esp
	iret

/* ---- APs: the trampoline runs at AP_TRAMPOLINE in real mode ---- */

	.code16
	.globl ap_tramp_start
ap_tramp_start:
	cli
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (ap_tramp_gdt - ap_tramp_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $ap_entry32
	.balign 4
ap_tramp_gdt:
	.word gdt_end - gdt - 1
	.long gdt
	.globl ap_tramp_end
ap_tramp_end:

	.code32
ap_entry32:
	movw $0x10, %cx
	movw %cx, %ds
	movw %cx, %es
	movw %cx, %fs
	movw %cx, %gs
	movw %cx, %ss
	/* a stack per APIC ID (below SMP_MAX_CPUS); others park */
	movl $0xfee00020, %eax
	movl (%eax), %eax
	shrl $24, %eax
	cmpl $SMP_MAX_CPUS, %eax
	jae 3f
	movl %eax, %ebx
	incl %eax
	imull $AP_STACK_SIZE, %eax
	leal ap_stacks(%eax), %esp
	pushl %ebx
	call ap_main
3:	cli
	hlt
	jmp 3b

	.data
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, flat, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.balign 16
bsp_stack:
	.skip STACK_SIZE
bsp_stack_top:
	.globl ap_stacks
ap_stacks:
	.skip AP_STACK_SIZE * SMP_MAX_CPUS

	.section .note.GNU-stack, "", @progbits
