#!/bin/sh
# Interrupt round-trip latency (issue 5): the latency guest (tests/guests/
# latency.c) times, inside the guest with the TSC, a device raise (a
# pc-testdev line write for the 8259 and IOAPIC paths, edu's raise register
# for MSI) to the handler's entry, 400 rounds per path, and prints min,
# median, mean and p99 in ns. This runs it on QEMU TCG (the anchor) and on
# bringup in each mode that starts it, and prints the medians side by side.
# A mode that cannot run says why; figures only, not a test (exit 1 only if
# nothing ran at all).
set -eu
name=irq-latency
build=${BRINGUP_BUILD:-$(dirname "$0")/../../build}
guest=$build/guests/latency.elf
bringup=$build/bringup
qemu=$(command -v qemu-system-x86_64 || true)

[ -r "$guest" ] || { echo "$name: $guest is missing (run make guests)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
common="-display none -serial stdio -smp 1 -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -device pc-testdev -device edu -kernel $guest"

: > "$tmp/modes"
run() {
	label=$1; shift
	st=0
	timeout -k 5 30 "$@" $common > "$tmp/$label.out" 2> "$tmp/$label.err" < /dev/null || st=$?
	if [ "$st" -eq 1 ] && grep -q '^# LATENCY' "$tmp/$label.out"; then
		echo "$label" >> "$tmp/modes"
	else
		if [ "$st" -eq 124 ]; then
			why="timed out after 30 s; guest's last line: $(tail -n 1 "$tmp/$label.out")"
		else
			why=$(grep -m1 -v '^$' "$tmp/$label.err" || true)
			[ -n "$why" ] || why=$(tail -n 1 "$tmp/$label.out")
		fi
		echo "$name: $label: skipped (status $st: $why)"
	fi
}

if [ -n "$qemu" ]; then
	run qemu-tcg "$qemu" -M pc -accel tcg
else
	echo "$name: qemu-system-x86_64 not installed: no reference figures"
fi
if [ -x "$bringup" ]; then
	run bringup-tcg "$bringup" -M pc -accel tcg
	for chip in on split off; do
		if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
			run "bringup-kvm-$chip" "$bringup" -M "pc,kernel-irqchip=$chip" -accel kvm
		else
			echo "$name: bringup-kvm-$chip: skipped (/dev/kvm unusable)"
		fi
	done
else
	echo "$name: $bringup is missing: bringup columns skipped"
fi
[ -s "$tmp/modes" ] || { echo "$name: nothing ran" >&2; exit 1; }

# one row per path, one column per mode: median ns (min ns)
python3 - "$tmp" <<'EOF'
import os, re, sys
tmp = sys.argv[1]
modes = [m.strip() for m in open(os.path.join(tmp, "modes")) if m.strip()]
data, paths = {}, []
for m in modes:
    for line in open(os.path.join(tmp, m + ".out"), errors="replace"):
        r = re.match(r"# LATENCY (\S+) (.*)", line.strip())
        if not r:
            continue
        kv = dict(x.split("=", 1) for x in r.group(2).split())
        p = r.group(1).replace("latency_", "")
        if p not in paths:
            paths.append(p)
        data[(p, m)] = kv
print("irq-latency: device raise to handler entry, median ns (min ns), 400 rounds")
print("%-14s" % "path" + "".join("%-22s" % m for m in modes))
for p in paths:
    row = "%-14s" % p
    for m in modes:
        kv = data.get((p, m))
        row += "%-22s" % ("%s (%s)" % (kv["median_ns"], kv["min_ns"]) if kv else "-")
    print(row)
EOF
