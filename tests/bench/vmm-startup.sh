#!/bin/sh
# VMM start-up cost (issue 4): the whole-process time of a guest whose first
# instruction writes to isa-debug-exit (a 64 KiB BIOS image built here with
# printf), under bringup (kvm; tcg once it is built) beside qemu-system-x86_64
# (tcg; kvm where it works), in one run; best and median of $runs runs each,
# interleaved. Then each VMM's peak RSS for the same guest (1 vCPU, 128 MiB):
# the guest touches no RAM (its code runs from the ROM), so the whole RSS is
# the VMM's own. Goals: under 5 ms and below QEMU's; under 5 MiB.
# Uses hyperfine when installed, else date +%s%N. Prints figures; not a test.
set -eu
name=vmm-startup
build=${BRINGUP_BUILD:-$(dirname "$0")/../../build}
bringup=$build/bringup
runs=${RUNS:-20}
qemu=$(command -v qemu-system-x86_64 || true)

[ -x "$bringup" ] || { echo "$name: $bringup is missing (run make)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
bios=$tmp/exit.bin
# 0xFFFFFFF0: mov al, 0x2a; out 0xf4, al; jmp $  -> status (0x2a << 1) | 1 = 85
head -c 65520 /dev/zero > "$bios"
printf '\260\052\346\364\353\376' >> "$bios"
head -c 10 /dev/zero >> "$bios"
[ "$(wc -c < "$bios")" -eq 65536 ] || { echo "$name: bad image size" >&2; exit 1; }

dev="isa-debug-exit,iobase=0xf4,iosize=0x4"
common="-bios $bios -device $dev -nodefaults -display none -m 128 -smp 1"

# candidates: label and command; each must exit 85 once to be measured
set --
try() {
	label=$1; shift
	st=0
	timeout 20 "$@" > /dev/null 2> "$tmp/err" < /dev/null || st=$?
	if [ "$st" -eq 85 ]; then
		printf '%s\n' "$label|$*" >> "$tmp/cands"
	else
		echo "$name: $label: skipped (status $st: $(head -n 1 "$tmp/err"))"
	fi
}
: > "$tmp/cands"
try "bringup kvm" "$bringup" -accel kvm $common
try "bringup tcg" "$bringup" -accel tcg $common
if [ -n "$qemu" ]; then
	try "qemu tcg" "$qemu" -M pc -accel tcg $common
	try "qemu kvm" "$qemu" -M pc -accel kvm $common
else
	echo "$name: qemu-system-x86_64 not installed: no reference figures"
fi
[ -s "$tmp/cands" ] || { echo "$name: nothing ran" >&2; exit 1; }

now_ns() { date +%s%N; }
if command -v hyperfine > /dev/null; then
	while IFS='|' read -r label cmd; do
		hyperfine -N -i --runs "$runs" --export-json "$tmp/h.json" "$cmd" > /dev/null
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%-12s best %7.2f ms  median %7.2f ms" % (sys.argv[2], r["min"]*1e3, r["median"]*1e3))' \
			"$tmp/h.json" "$label"
	done < "$tmp/cands"
else
	i=0
	while [ $i -lt "$runs" ]; do
		n=0
		while IFS='|' read -r label cmd; do
			t0=$(now_ns)
			$cmd > /dev/null 2>&1 < /dev/null || true
			t1=$(now_ns)
			echo $(( (t1 - t0) / 1000 )) >> "$tmp/t$n"
			n=$((n + 1))
		done < "$tmp/cands"
		i=$((i + 1))
	done
	n=0
	echo "$name: whole-process time, $runs runs each (date +%s%N)"
	while IFS='|' read -r label cmd; do
		sort -n "$tmp/t$n" > "$tmp/s$n"
		best=$(head -n 1 "$tmp/s$n")
		med=$(sed -n "$(( (runs + 1) / 2 ))p" "$tmp/s$n")
		printf '  %-12s best %4d.%02d ms  median %4d.%02d ms\n' "$label" \
			$((best / 1000)) $((best % 1000 / 10)) $((med / 1000)) $((med % 1000 / 10))
		n=$((n + 1))
	done < "$tmp/cands"
fi

echo "$name: peak RSS, 1 vCPU, 128 MiB (guest RAM touched: none)"
while IFS='|' read -r label cmd; do
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%M' -o "$tmp/rss" $cmd > /dev/null 2>&1 < /dev/null || true
		kib=$(tail -n 1 "$tmp/rss")
	else
		kib=$(python3 -c 'import resource,subprocess,sys; subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' $cmd)
	fi
	printf '  %-12s %6d KiB (%d.%02d MiB)\n' "$label" "$kib" $((kib / 1024)) $((kib % 1024 * 100 / 1024))
done < "$tmp/cands"
