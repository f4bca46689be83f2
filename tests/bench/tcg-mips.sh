#!/bin/sh
# Guest MIPS of the software CPU beside QEMU's TCG, in one run: a 64 KiB BIOS
# image (reset vector, flat 32-bit protected mode) runs a CPU-bound loop of
# integer arithmetic, memory accesses and branches N times and exits through
# isa-debug-exit. Each side is timed with N and with 0 iterations; the
# difference is the loop (11 guest instructions per iteration).
# Goal (issue 6): at least 100 MIPS. Prints figures; not a test.
set -eu
name=tcg-mips
build=${BRINGUP_BUILD:-build}
iters=${TCG_MIPS_ITERS:-20000000}
per_iter=11
vmm=$build/bringup

[ -x "$vmm" ] || { echo "$name: $vmm is missing (run make)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# $1: iterations; writes $tmp/bios-$1.bin
make_image() {
	cat > "$tmp/g.s" <<ASM
.intel_syntax noprefix
.code16
start:	cli
	mov ax, cs
	mov ds, ax
	lgdt cs:[gdtr - start]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	.byte 0x66, 0xea
	.long pm32
	.word 0x08
.align 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff
	.quad 0x00cf92000000ffff
gdtr:	.word gdtr - gdt - 1
	.long gdt - start + 0xf0000	# below 16 MiB: a 16-bit lgdt loads 24 bits
.code32
pm32:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x90000
	mov esi, 0x100000
	xor ebx, ebx
	xor edx, edx
	mov ecx, $1
	test ecx, ecx
	jz done
loop:	mov eax, [esi + ebx*4]
	add eax, ecx
	xor eax, 0x5a5a5a5a
	imul eax, eax, 7
	mov [esi + ebx*4], eax
	inc ebx
	and ebx, 1023
	cmp eax, edx
	jb 1f
1:	dec ecx
	jnz loop
done:	mov al, 0x21
	out 0xf4, al
	hlt
	jmp done
.org 0xfff0
	.byte 0xea
	.word start - start
	.word 0xf000
.org 0x10000
ASM
	as --32 -o "$tmp/g.o" "$tmp/g.s"
	ld -m elf_i386 -Ttext=0xffff0000 --oformat binary -e 0 -o "$tmp/bios-$1.bin" "$tmp/g.o"
}

now_ns() { date +%s%N; }

# $1: label, rest: command; prints elapsed ns (exit status 67: debug-exit with 0x21)
run_timed() {
	t0=$(now_ns)
	set +e
	"$@" >/dev/null 2>"$tmp/err"
	st=$?
	set -e
	t1=$(now_ns)
	if [ $st -ne 67 ]; then
		echo "$name: '$*' exited $st:" >&2
		cat "$tmp/err" >&2
		return 1
	fi
	echo $((t1 - t0))
}

make_image "$iters"
make_image 0

ours() {
	run_timed "$vmm" -M pc -accel tcg -m 64 -bios "$tmp/bios-$1.bin" -nographic -nodefaults \
		-device isa-debug-exit,iobase=0xf4,iosize=0x4
}

qemu() {
	run_timed qemu-system-x86_64 -M pc -accel tcg -m 64 -bios "$tmp/bios-$1.bin" -display none \
		-nodefaults -device isa-debug-exit,iobase=0xf4,iosize=0x4
}

mips() {
	# insns / (ns / 1000) = MIPS
	awk -v n="$1" -v t="$2" 'BEGIN { if (t <= 0) print "n/a"; else printf "%.1f", n * 1000 / t }'
}

insns=$((iters * per_iter))
ours_n=$(ours "$iters")
ours_0=$(ours 0)
echo "$name: bringup tcg: $insns guest instructions in $(( (ours_n - ours_0) / 1000000 )) ms: $(mips $insns $((ours_n - ours_0))) MIPS"
if command -v qemu-system-x86_64 >/dev/null; then
	q_n=$(qemu "$iters")
	q_0=$(qemu 0)
	echo "$name: qemu tcg:    $insns guest instructions in $(( (q_n - q_0) / 1000000 )) ms: $(mips $insns $((q_n - q_0))) MIPS"
else
	echo "$name: qemu-system-x86_64 not installed: no reference figure"
fi
