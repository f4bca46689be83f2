/*
 * Byte sums mod 256 for the ACPI, MP and SMBIOS checksums, the bulk of what
 * the firmware executes; lib.c's fw_sum8() picks one.
 *
 * u8 sum8_dword(const void *p, u32 len), any len:
 * A dword at a time, four instructions each: "all" adds whole dwords, "lo"
 * adds bytes 0 and 2 in 16-bit lanes, so all - lo holds bytes 1 and 3 in
 * lanes shifted by 8 (the top lane overflows, but only its low 8 bits
 * count). Folded every 256 dwords, before a lane could carry into the next.
 */
	.section .text, "ax"
	.code32
	.globl	sum8_dword
sum8_dword:
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	pushl	%ebp
	movl	20(%esp), %esi		/* p */
	movl	24(%esp), %edi		/* len */
	xorl	%eax, %eax
	pushl	%eax			/* 0(%esp): the total */
	movl	$0x00ff00ff, %ebp
	shrl	$2, %edi		/* dwords */
	jz	5f

	/* a block of at most 256 dwords */
1:	movl	%edi, %ecx
	cmpl	$256, %ecx
	jbe	2f
	movl	$256, %ecx
2:	subl	%ecx, %edi
	xorl	%ebx, %ebx		/* all */
	xorl	%edx, %edx		/* lo */
	testl	$1, %ecx
	jz	3f
	lodsl
	addl	%eax, %ebx
	andl	%ebp, %eax
	addl	%eax, %edx
	decl	%ecx
	jz	4f
3:	shrl	$1, %ecx		/* pairs */
6:	lodsl
	addl	%eax, %ebx
	andl	%ebp, %eax
	addl	%eax, %edx
	lodsl
	addl	%eax, %ebx
	andl	%ebp, %eax
	addl	%eax, %edx
	loop	6b

	/* total += lo + lo >> 16 + hi >> 8 + hi >> 24, hi = all - lo */
4:	subl	%edx, %ebx
	addl	%edx, 0(%esp)
	shrl	$16, %edx
	addl	%edx, 0(%esp)
	shrl	$8, %ebx
	addl	%ebx, 0(%esp)
	shrl	$16, %ebx
	addl	%ebx, 0(%esp)
	testl	%edi, %edi
	jnz	1b

	/* the last 0-3 bytes */
5:	popl	%eax
	movl	24(%esp), %ecx
	andl	$3, %ecx
	jz	8f
7:	addb	(%esi), %al
	incl	%esi
	loop	7b
8:	popl	%ebp
	popl	%edi
	popl	%esi
	popl	%ebx
	ret

/*
 * u8 sum8_sse2(const void *p, u32 len), len >= 16, CR4.OSFXSR set by the
 * caller: paddb keeps sixteen byte lanes mod 256, one instruction per 16
 * aligned bytes. The unaligned head and tail are the 16 bytes at each end
 * with the bytes outside them (or already counted) masked off, so nothing
 * outside [p, p + len) is read.
 */
	.globl	sum8_sse2
sum8_sse2:
	pushl	%esi
	pushl	%edi
	movl	12(%esp), %esi		/* p */
	movl	16(%esp), %edi
	addl	%esi, %edi		/* end */
	pxor	%xmm0, %xmm0		/* sixteen byte lanes */

	/* head: the first h = -p & 15 bytes of the 16 at p */
	movl	%esi, %eax
	negl	%eax
	andl	$15, %eax
	movdqu	(%esi), %xmm1
	movl	$sum8_mask + 16, %edx
	subl	%eax, %edx
	movdqu	(%edx), %xmm2		/* h zero bytes, then ones */
	pandn	%xmm1, %xmm2
	paddb	%xmm2, %xmm0
	addl	%eax, %esi		/* aligned start */

	/* tail: the last t = end & 15 bytes of the 16 before end */
	movl	%edi, %eax
	andl	$15, %eax
	movdqu	-16(%edi), %xmm1
	movdqu	sum8_mask(%eax), %xmm2	/* 16 - t zero bytes, then ones */
	pand	%xmm1, %xmm2
	paddb	%xmm2, %xmm0
	subl	%eax, %edi		/* aligned end */

	/* the aligned middle, 64 bytes a turn, then 16 */
	movl	%edi, %ecx
	subl	%esi, %ecx
	shrl	$6, %ecx
	jz	2f
1:	paddb	(%esi), %xmm0
	paddb	16(%esi), %xmm0
	paddb	32(%esi), %xmm0
	paddb	48(%esi), %xmm0
	addl	$64, %esi
	loop	1b
2:	cmpl	%edi, %esi
	je	4f
3:	paddb	(%esi), %xmm0
	addl	$16, %esi
	cmpl	%edi, %esi
	jne	3b

	/* fold the lanes: psadbw against zero adds eight bytes per half */
4:	pxor	%xmm1, %xmm1
	psadbw	%xmm1, %xmm0
	movd	%xmm0, %eax
	psrldq	$8, %xmm0
	movd	%xmm0, %edx
	addl	%edx, %eax
	popl	%edi
	popl	%esi
	ret

	.section .rodata, "a"
	.balign	16
sum8_mask:
	.fill	16, 1, 0x00
	.fill	16, 1, 0xff
	.section .note.GNU-stack, "", @progbits
