#!/bin/sh
# Linux boot under a software CPU (issue 7): wall time from process start to
# the initramfs's BRINGUP-INIT-START marker, Debian's cloud kernel with the
# project's initramfs, side by side in one run:
#   qemu-system-x86_64 -accel tcg, qboot.rom, bzImage (the anchor)
#   bringup -accel tcg, qboot.rom, bzImage (the same boot)
#   bringup -accel tcg, our firmware, host-decompressed ELF through its PVH
#     entry (opt/bringup/kernel): no in-guest decompressor
# Also the CPU time (user+sys) of each run: on a loaded machine the wall time
# says little, the CPU time is what the interpreter costs.
# Goal: bringup at most 1.5x QEMU's time. Prints figures; not a test.
set -eu
name=linux-boot
build=${BRINGUP_BUILD:-$(dirname "$0")/../../build}
assets=${BRINGUP_ASSETS:-$build/../assets}
[ -d "$assets" ] || assets=$build/assets
bringup=$build/bringup
inspect=$build/bringup-inspect
qboot=/usr/share/qemu/qboot.rom
qemu=$(command -v qemu-system-x86_64 || true)
limit=${LINUX_BOOT_TIMEOUT:-300}
marker=BRINGUP-INIT-START
append="console=ttyS0 bringup.test=smoke"

[ -x "$bringup" ] || { echo "$name: $bringup is missing (run make)" >&2; exit 1; }
[ -r "$assets/vmlinuz" ] && [ -r "$assets/initramfs.cpio.gz" ] ||
	{ echo "$name: kernel/initramfs missing (run make assets)" >&2; exit 1; }
[ -r "$qboot" ] || { echo "$name: $qboot missing" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# $1: label; the rest: the command. Prints "label: N.NN s (cpu N.NN s)".
measure() {
	label=$1; shift
	start=$(date +%s%N)
	"$@" > "$tmp/out" 2>&1 < /dev/null &
	pid=$!
	found=0
	while kill -0 "$pid" 2>/dev/null; do
		if grep -q "$marker" "$tmp/out" 2>/dev/null; then
			found=1
			break
		fi
		now=$(date +%s%N)
		[ $(( (now - start) / 1000000000 )) -lt "$limit" ] || break
		sleep 0.02
	done
	end=$(date +%s%N)
	grep -q "$marker" "$tmp/out" 2>/dev/null && found=1
	# CPU time so far, from /proc (clock ticks), before the process goes
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' \
		"/proc/$pid/stat" 2>/dev/null || echo "?")
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if [ "$found" -eq 1 ]; then
		ms=$(( (end - start) / 1000000 ))
		printf '%s: %d.%02d s (cpu %s s)\n' "$label" $((ms / 1000)) $((ms % 1000 / 10)) "$cpu"
		echo "$ms" > "$tmp/ms-$label"
	else
		echo "$label: no $marker within $limit s; last output:"
		tail -n 5 "$tmp/out"
	fi
}

echo "$name: time to $marker (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
if [ -n "$qemu" ]; then
	measure qemu-tcg-qboot "$qemu" -M pc -accel tcg -m 512 -nographic -no-reboot \
		-bios "$qboot" -kernel "$assets/vmlinuz" -initrd "$assets/initramfs.cpio.gz" \
		-append "$append"
else
	echo "qemu-tcg-qboot: qemu-system-x86_64 not installed"
fi
measure bringup-tcg-qboot "$bringup" -M pc -accel tcg -m 512 -nographic -no-reboot \
	-bios "$qboot" -kernel "$assets/vmlinuz" -initrd "$assets/initramfs.cpio.gz" \
	-append "$append"
if [ -x "$inspect" ] && "$inspect" --elf-to "$tmp/vmlinux.elf" "$assets/vmlinuz" \
	> "$tmp/inspect" 2>&1 && grep -q pvh_entry "$tmp/inspect"; then
	measure bringup-tcg-pvh "$bringup" -M pc -accel tcg -m 512 -nographic -no-reboot \
		-fw_cfg "name=opt/bringup/kernel,file=$tmp/vmlinux.elf" \
		-fw_cfg "name=opt/bringup/initrd,file=$assets/initramfs.cpio.gz" \
		-fw_cfg "name=opt/bringup/cmdline,string=$append"
else
	echo "bringup-tcg-pvh: no PVH ELF from $inspect"
fi

if [ -r "$tmp/ms-qemu-tcg-qboot" ]; then
	q=$(cat "$tmp/ms-qemu-tcg-qboot")
	for l in bringup-tcg-qboot bringup-tcg-pvh; do
		[ -r "$tmp/ms-$l" ] || continue
		b=$(cat "$tmp/ms-$l")
		r=$(( b * 100 / q ))
		printf '%s / qemu-tcg-qboot: %d.%02dx (goal <= 1.5x)\n' "$l" $((r / 100)) $((r % 100))
	done
fi
