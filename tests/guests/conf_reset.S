/*
 * The top 512 bytes of a conformance guest's flat BIOS image
 * (build/guests/conf_*.bios): the reset vector, so the guest runs without
 * any firmware (`-bios conf_x.bios`, QEMU or bringup). Linked at 0xfffffe00;
 * the image below it is the guest's multiboot ELF flattened from 0x100000.
 *
 * From the reset state it enables A20, enters 32-bit protected mode with a
 * flat GDT, copies the image below this stub to 0x100000 where the guest
 * is linked, clears the memory after it (the guest's .bss), and jumps to
 * the guest's ELF entry (guest_entry, given by the link) as a multiboot
 * loader would: EAX = 0x2badb002, EBX = 0 (no info; the runtime does not
 * read it).
 */
#define IMAGE_BASE	0xffff0000
#define IMAGE_SIZE	0xfe00		/* everything below this stub */
#define STUB_OFFSET	0xfe00		/* where the link puts us in CS (0xffff0000) */
#define LOAD_ADDR	0x100000
#define CLEAR_END	0x400000
#define MB_LOADER_MAGIC	0x2badb002
#define PORT_A20	0x92

	.text
	.code16
	.globl reset_start
reset_start:
	cli
	cld
	inb $PORT_A20, %al
	orb $0x02, %al
	andb $0xfe, %al			/* bit 0 would reset the machine */
	outb %al, $PORT_A20
	lgdtl %cs:(STUB_OFFSET + gdt_desc - reset_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $pm32

	.code32
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $IMAGE_BASE, %esi
	movl $LOAD_ADDR, %edi
	movl $IMAGE_SIZE / 4, %ecx
	rep movsl
	xorl %eax, %eax
	movl $(CLEAR_END - LOAD_ADDR - IMAGE_SIZE) / 4, %ecx
	rep stosl
	movl $LOAD_ADDR + 0x10000, %esp
	movl $MB_LOADER_MAGIC, %eax
	xorl %ebx, %ebx
	movl $guest_entry, %ecx
	jmp *%ecx

	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: code, flat, 32-bit */
	.quad 0x00cf92000000ffff	/* 0x10: data, flat */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	/* the reset vector: 0xfffffff0, real mode, CS.base 0xffff0000 */
	.org 0x1f0
	.code16
	jmp reset_start
	.org 0x200, 0xf4

	.section .note.GNU-stack, "", @progbits
