#!/bin/sh
# Firmware boot cost (issue 8): bringup's firmware against qboot and SeaBIOS,
# same kernel, initrd and command line.
#
#  1. Instructions from reset to the kernel's first instruction, counted by
#     our software CPU: `bringup -M pc -accel tcg -d exec` logs one line per
#     executed instruction, up to the first at 0x100000 (the 32-bit entry) or
#     0x10200 (the real-mode setup at 1000:0200, where qboot and SeaBIOS
#     enter). A rep-prefixed string instruction retires once there, as on
#     hardware. This is the issue's measure; goal: at most half of qboot's.
#  2. The same on qemu-system-x86_64 -M pc TCG (`-singlestep -d exec,nochain`),
#     where QEMU logs each iteration of a rep instruction ("per-iteration");
#     "rep-once" counts a run of one address once.
#  3. Wall time from QEMU's launch (-M pc, TCG) to the kernel's first serial
#     line that is not our firmware's log (SeaBIOS and qboot run the kernel's
#     real-mode setup, which prints "Probing EDD"; ours enters at 32 bits),
#     to "Linux version" (the same event for all: the goal is judged on it)
#     and to the init's BRINGUP-INIT-START. FW_BENCH_RUNS rounds (default 5)
#     run every firmware once each, in turn, so a load change hits all alike;
#     best and median per firmware. The firmware's own part is a few ms of
#     some 200 (QEMU's start, then mostly the kernel's decompression, whose
#     time varies with where KASLR puts it): compare within one run.
#  4. What the firmware's part of 3 costs QEMU: blocks TCG translated from
#     reset to the kernel's 32-bit entry and the instructions in them
#     (`-d in_asm`; for qboot, SeaBIOS and ours-boot16 this includes the
#     kernel's real-mode setup they run). Under a JIT code is translated once
#     before it runs: measured on this kind of host, about 1.5 us a block and
#     0.5 us an instruction translated ("~us", an estimate). This, not the
#     instructions executed of 1, decides the firmware's wall time.
#  5. Wall time from launch to the kernel's 32-bit entry: a copy of the kernel
#     whose first 32-bit instruction is replaced by a serial write of
#     "KERNEL-ENTRY", so the kernel's decompression and KASLR are out of the
#     figure and the firmware's part (with the setup it runs) is what differs.
#  6. Launch to "Linux version" when QEMU's -kernel is the same kernel as an
#     ELF with its PVH note (decompressed on the host by bringup-inspect):
#     QEMU loads it and each firmware finishes the PVH hand-over; nothing to
#     decompress, so the firmware's part weighs more.
#  7. The goal, settled on many paired rounds: FW_BENCH_PAIRS (default 200)
#     rounds of ours (default log) and qboot, in alternating order, each timed
#     to "Linux version" and to the kernel's entry (5's kernel). The kernel's
#     own ~180 ms vary by several ms from boot to boot (KASLR, the host's
#     first touch of fresh guest RAM), more than the firmware's share, so a
#     difference of a millisecond shows only over many rounds: how many ours
#     won, the median of the paired differences, and a sign test (z >= 2, one
#     side: p < 0.025) decide "met". FW_BENCH_PAIRS=0 skips it.
# "ours-quiet" is ours with opt/bringup/quiet (no log); "ours-boot16" is that
# through the kernel's real-mode setup, as qboot boots it, so its first line
# is the same "Probing EDD" as qboot's. FW_BENCH_COUNT=0 skips 1 and 2,
# FW_BENCH_RUNS=0 skips 3 (default 10 rounds). The time goals are judged on
# the medians, and on the rounds themselves: in how many of them ours came
# sooner than qboot did in the same round (paired, so a load change between
# rounds does not count). Figures only, not a test: exit 1 only if nothing ran.
set -eu
name=firmware-boot
build=${BRINGUP_BUILD:-$(dirname "$0")/../../build}
assets=${BRINGUP_ASSETS:-$build/assets}
runs=${FW_BENCH_RUNS:-10}
count=${FW_BENCH_COUNT:-1}
pairs=${FW_BENCH_PAIRS:-200}
qemu=$(command -v qemu-system-x86_64 || true)
vmm=$build/bringup
kernel=$assets/vmlinuz
initrd=$assets/initramfs.cpio.gz
append="console=ttyS0 earlyprintk=ttyS0 bringup.test=smoke"
quiet="-fw_cfg name=opt/bringup/quiet,string=1"

[ -r "$kernel" ] && [ -r "$initrd" ] || { echo "$name: no $kernel or $initrd (make assets)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# label, ROM, extra arguments
: > "$tmp/list"
add() {
	if [ -r "$2" ]; then
		printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$tmp/list"
	else
		echo "$name: $1: skipped ($2 missing)"
	fi
}
add ours "$build/firmware.bin"
add ours-quiet "$build/firmware.bin" "$quiet"
add ours-boot16 "$build/firmware.bin" "$quiet -fw_cfg name=opt/bringup/boot16,string=1"
add qboot /usr/share/qemu/qboot.rom
add seabios /usr/share/seabios/bios-256k.bin
[ -s "$tmp/list" ] || { echo "$name: nothing to run" >&2; exit 1; }
ran=0

# "n m entry" for one traced boot: instructions, runs of one address, entry
# address; "- - -" if it never got there. $1: qemu|bringup, then the command.
count_to_entry() {
	kind=$1
	shift
	rm -f "$tmp/pid"
	# the VMM ignores SIGPIPE: awk stops it by its pid once the entry is reached
	timeout -k 5 300 sh -c 'echo $$ > "$0"; exec "$@"' "$tmp/pid" "$@" 2>&1 >/dev/null |
		awk -v pidf="$tmp/pid" -v kind="$kind" '/Trace/ {
			if (kind == "qemu") { split($4, a, "/"); pc = a[2] }
			else { pc = $0; sub(/.*\[/, "", pc); sub(/\].*/, "", pc) }
			sub(/^0+/, "", pc)
			n++
			if (pc != prev) m++
			prev = pc
			if (pc == "100000" || pc == "10200") {
				print n, m, "0x" pc; found = 1
				system("kill $(cat " pidf ") 2>/dev/null"); exit } }
			END { if (!found) print "-", "-", "-" }' || true
}

# goal lines: $1 file of "label value", $2 what, $3 rule (half|less)
verdicts() {
	ref=$(awk '$1 == "qboot" { print $2 }' "$1")
	[ -n "$ref" ] && [ "$ref" != - ] || return 0
	for l in ours ours-quiet ours-boot16; do
		v=$(awk -v l=$l '$1 == l { print $2 }' "$1")
		[ -n "$v" ] && [ "$v" != - ] || continue
		if [ "$3" = half ]; then
			ok=$([ $((v * 2)) -le "$ref" ] && echo met || echo "NOT met")
			ratio=$(awk -v a="$v" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')
			echo "$name: goal '$l: at most half of qboot's instructions' ($2): $ok ($v vs $ref, ${ratio}x)"
		else
			ok=$(awk -v a="$v" -v b="$ref" 'BEGIN { print (a < b) ? "met" : "NOT met" }')
			w=${5:+, $(wins "$l" "$5")}
			echo "$name: goal '$l: $4 sooner than with qboot' ($2): $ok ($v ms vs $ref ms$w)"
		fi
	done
}

# "sooner in W of N rounds": label $1 against qboot, column $2 of the times,
# each round's pair compared (a round where either missed it does not count)
wins() {
	awk -v l="$1" -v c="$2" '
		$1 == l && $c != "-" { mine[$7] = $c }
		$1 == "qboot" && $c != "-" { ref[$7] = $c }
		END { for (r in mine) if (r in ref) { n++; w += mine[r] < ref[r] }
		      printf "sooner in %d of %d rounds", w, n }' "$tmp/times"
}

if [ "$count" != 0 ] && [ -x "$vmm" ]; then
	printf '%s: instructions from reset to the kernel, our software CPU (bringup -M pc -accel tcg)\n' "$name"
	printf '%-12s %14s %10s\n' firmware instructions entry
	: > "$tmp/ours-count"
	while IFS='	' read -r label rom extra; do
		# shellcheck disable=SC2086
		set -- $(count_to_entry bringup "$vmm" -M pc -accel tcg -m 512 -display none \
			-nodefaults -no-reboot -serial null -bios "$rom" $extra -kernel "$kernel" \
			-initrd "$initrd" -append "$append" -d exec)
		printf '%-12s %14s %10s\n' "$label" "$1" "$3"
		echo "$label $1" >> "$tmp/ours-count"
		[ "$1" = - ] || ran=1
	done < "$tmp/list"
	verdicts "$tmp/ours-count" "our software CPU" half
	echo
fi

if [ "$count" != 0 ] && [ -n "$qemu" ]; then
	printf '%s: instructions from reset to the kernel, QEMU -M pc TCG (-singlestep -d exec,nochain)\n' "$name"
	printf '%-12s %14s %10s %10s\n' firmware per-iteration rep-once entry
	: > "$tmp/q-iter"
	: > "$tmp/q-once"
	while IFS='	' read -r label rom extra; do
		# shellcheck disable=SC2086
		set -- $(count_to_entry qemu "$qemu" -M pc -accel tcg -m 512 -display none \
			-nodefaults -no-reboot -serial null -bios "$rom" $extra -kernel "$kernel" \
			-initrd "$initrd" -append "$append" -singlestep -d exec,nochain)
		printf '%-12s %14s %10s %10s\n' "$label" "$1" "$2" "$3"
		echo "$label $1" >> "$tmp/q-iter"
		echo "$label $2" >> "$tmp/q-once"
		[ "$1" = - ] || ran=1
	done < "$tmp/list"
	verdicts "$tmp/q-iter" "QEMU, per-iteration" half
	verdicts "$tmp/q-once" "QEMU, rep-once" half
	echo
fi

if [ "$count" != 0 ] && [ -n "$qemu" ]; then
	printf '%s: QEMU TCG translation from reset to the kernel'"'"'s 32-bit entry (-d in_asm)\n' "$name"
	printf '%-12s %10s %14s %10s\n' firmware blocks instructions "~us"
	while IFS='	' read -r label rom extra; do
		rm -f "$tmp/pid" "$tmp/in_asm"
		mkfifo "$tmp/in_asm"
		# the log is read as it is written; the VM stops at the entry's block
		# shellcheck disable=SC2086
		timeout -k 5 120 sh -c 'echo $$ > "$0"; exec "$@"' "$tmp/pid" "$qemu" -M pc -accel tcg \
			-m 512 -display none -nodefaults -no-reboot -serial null -bios "$rom" $extra \
			-kernel "$kernel" -initrd "$initrd" -append "$append" -d in_asm -D "$tmp/in_asm" \
			>/dev/null 2>&1 &
		# "blocks instructions" before the entry's block
		n=$(awk -v pidf="$tmp/pid" '/^IN:/ { want = 1; next }
			/^0x/ && want { want = 0; n++
				if ($1 ~ /^0x0*100000:$/) { print n - 1, i; found = 1
					system("kill $(cat " pidf ") 2>/dev/null"); exit } }
			/^0x/ { i++ }
			END { if (!found) print "- -" }' "$tmp/in_asm")
		wait 2>/dev/null || true
		i=${n#* } n=${n% *}
		us=$([ "$n" = - ] && echo - || echo $((n * 3 / 2 + i / 2)))
		printf '%-12s %10s %14s %10s\n' "$label" "$n" "$i" "$us"
		[ "$n" = - ] || ran=1
	done < "$tmp/list"
	echo
fi

{ [ "$runs" != 0 ] || [ "$pairs" != 0 ]; } && [ -n "$qemu" ] ||
	{ [ "$ran" = 1 ] && exit 0; echo "$name: nothing ran" >&2; exit 1; }

# Times one boot: prints "first linux init entry" in ms, "-" for a line never seen;
# stops at the init marker or at KERNEL-ENTRY (the patched kernel of 5).
cat > "$tmp/time.py" <<'EOF'
import os, re, select, subprocess, sys, time
argv = sys.argv[1:]
ours = re.compile(rb"^(bringup firmware|mem:|pci[ :]|e820:|acpi:|mptable:|smbios:|boot:)")
marks = {"first": None, "linux": None, "init": None, "entry": None}
t0 = time.monotonic()
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, start_new_session=True)
buf = b""
deadline = t0 + 60
stop_at_linux = os.environ.get("STOP") == "linux"
while marks["init"] is None and marks["entry"] is None and time.monotonic() < deadline and \
        not (stop_at_linux and marks["linux"] is not None):
    r, _, _ = select.select([p.stdout], [], [], 0.5)
    if not r:
        if p.poll() is not None:
            break
        continue
    chunk = os.read(p.stdout.fileno(), 65536)
    now = time.monotonic() - t0
    if not chunk:
        break
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        line = line.strip(b"\r")
        if marks["first"] is None and line.strip() and not ours.match(line):
            marks["first"] = now
        if marks["linux"] is None and b"Linux version" in line:
            marks["linux"] = now
        if b"BRINGUP-INIT-START" in line:
            marks["init"] = now
        if b"KERNEL-ENTRY" in line:
            marks["entry"] = now
try:
    os.killpg(p.pid, 9)
except ProcessLookupError:
    pass
p.wait()
print(" ".join("-" if marks[k] is None else "%.1f" % (marks[k] * 1000)
               for k in ("first", "linux", "init", "entry")))
EOF

# 5's kernel: the first 32-bit instruction (at the protected-mode part's
# start, where code32_start points) becomes a serial write and a halt
cat > "$tmp/patch.py" <<'EOF'
import sys
k = bytearray(open(sys.argv[1], "rb").read())
pm = ((k[0x1f1] or 4) + 1) * 512
code = bytes([0x66, 0xba, 0xf8, 0x03])			# mov $0x3f8, %dx
for c in b"KERNEL-ENTRY\n":
	code += bytes([0xb0, c, 0xee])			# mov $c, %al; out %al, %dx
code += bytes([0xfa, 0xf4])				# cli; hlt
k[pm:pm + len(code)] = code
open(sys.argv[2], "wb").write(k)
EOF
python3 "$tmp/patch.py" "$kernel" "$tmp/entry-kernel"
# 6's kernel: the same one decompressed on the host into its ELF (PVH note)
pvh=
if [ -x "$build/bringup-inspect" ] &&
   "$build/bringup-inspect" --elf-to "$tmp/vmlinux.elf" "$kernel" > /dev/null 2>&1; then
	pvh=$tmp/vmlinux.elf
fi

base="-M pc -accel tcg -m 512 -display none -nodefaults -no-reboot"
: > "$tmp/times"
round=1
while [ "$round" -le "$runs" ]; do
	while IFS='	' read -r label rom extra; do
		# shellcheck disable=SC2086
		set -- $(python3 "$tmp/time.py" "$qemu" $base -serial stdio -bios "$rom" $extra \
			-kernel "$kernel" -initrd "$initrd" -append "$append")
		# shellcheck disable=SC2086
		e=$(python3 "$tmp/time.py" "$qemu" $base -serial stdio -bios "$rom" $extra \
			-kernel "$tmp/entry-kernel" -initrd "$initrd" -append "$append" | cut -d' ' -f4)
		p=-
		if [ -n "$pvh" ]; then
			# shellcheck disable=SC2086
			p=$(python3 "$tmp/time.py" "$qemu" $base -serial stdio -bios "$rom" $extra \
				-kernel "$pvh" -initrd "$initrd" -append "$append" | cut -d' ' -f2)
		fi
		echo "$label $1 $2 $3 $e $p $round" >> "$tmp/times"
	done < "$tmp/list"
	round=$((round + 1))
done

if [ "$runs" != 0 ]; then
# best and median of each column, "-" when a run missed it
stat() {
	awk -v l="$1" -v c="$2" '$1 == l && $c != "-" { v[n++] = $c }
		END { if (!n) { print "- -"; exit }
		      for (i = 1; i < n; i++) for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			      t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		      printf "%.1f %.1f\n", v[0], (n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) }' \
		"$tmp/times"
}
printf '%s: wall time (ms, best/median of %s interleaved rounds) on %s -M pc TCG\n' "$name" \
	"$runs" "$($qemu --version | head -n 1)"
printf '%-12s %14s %16s %14s %14s %14s\n' firmware first-line "Linux version" init kernel-entry \
	"PVH: Linux"
for f in linux-best linux entry pvh first; do : > "$tmp/$f"; done
while IFS='	' read -r label rom extra; do
	f=$(stat "$label" 2) l=$(stat "$label" 3) i=$(stat "$label" 4) e=$(stat "$label" 5)
	v=$(stat "$label" 6)
	printf '%-12s %14s %16s %14s %14s %14s\n' "$label" "$(echo $f | tr ' ' /)" \
		"$(echo $l | tr ' ' /)" "$(echo $i | tr ' ' /)" "$(echo $e | tr ' ' /)" \
		"$(echo $v | tr ' ' /)"
	echo "$label ${l%% *}" >> "$tmp/linux-best"
	echo "$label ${l##* }" >> "$tmp/linux"
	echo "$label ${e##* }" >> "$tmp/entry"
	echo "$label ${v##* }" >> "$tmp/pvh"
	# the first lines compare only between boots through the real-mode setup
	case $label in qboot|ours-boot16) echo "$label ${f##* }" >> "$tmp/first" ;; esac
	[ "${l%% *}" = - ] || ran=1
done < "$tmp/list"
# the issue's goal: "Linux version", the kernel's first line with every firmware
verdicts "$tmp/linux" "median of $runs" less '"Linux version"' 3
verdicts "$tmp/linux-best" "best of $runs" less '"Linux version"'
verdicts "$tmp/entry" "median of $runs" less "the kernel's 32-bit entry" 5
verdicts "$tmp/pvh" "median of $runs" less '"Linux version" (PVH ELF)' 6
verdicts "$tmp/first" "median of $runs" less "the kernel's first line (Probing EDD)" 2
fi

# 7: ours and qboot, paired rounds, order alternating
qboot=/usr/share/qemu/qboot.rom
if [ "$pairs" != 0 ] && [ -r "$qboot" ] && [ -r "$build/firmware.bin" ]; then
	: > "$tmp/pairs"
	r=1
	while [ "$r" -le "$pairs" ]; do
		order="ours qboot"
		[ $((r % 2)) = 0 ] && order="qboot ours"
		for who in $order; do
			rom=$qboot
			[ "$who" = ours ] && rom=$build/firmware.bin
			# shellcheck disable=SC2086
			l=$(STOP=linux python3 "$tmp/time.py" "$qemu" $base -serial stdio -bios "$rom" \
				-kernel "$kernel" -initrd "$initrd" -append "$append" | cut -d' ' -f2)
			# shellcheck disable=SC2086
			e=$(python3 "$tmp/time.py" "$qemu" $base -serial stdio -bios "$rom" \
				-kernel "$tmp/entry-kernel" -initrd "$initrd" -append "$append" | cut -d' ' -f4)
			echo "$who $r $l $e" >> "$tmp/pairs"
			[ "$l" = - ] || ran=1
		done
		r=$((r + 1))
	done
	echo
	python3 - "$tmp/pairs" "$name" <<'EOF'
import math, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
name = sys.argv[2]
print("%s: ours (default log) against qboot in %d paired rounds, launch to the line (ms)" %
      (name, len(rows) // 2))
print("%-26s %20s %20s %9s %12s" % ("line", "ours best/q1/median", "qboot best/q1/median",
                                   "sooner", "median diff"))
verdicts = []
for col, what in ((2, '"Linux version"'), (3, "the kernel's 32-bit entry")):
    t = {}
    for r in rows:
        if r[col] != "-":
            t.setdefault(r[0], {})[r[1]] = float(r[col])
    ours, ref = t.get("ours", {}), t.get("qboot", {})
    common = [k for k in ours if k in ref]
    if not common:
        continue
    d = [ours[k] - ref[k] for k in common]
    n, w, md = len(d), sum(x < 0 for x in d), statistics.median(d)
    z = (w - n / 2) / math.sqrt(n / 4)
    fmt = lambda v: "%.1f/%.1f/%.1f" % (min(v), sorted(v)[len(v) // 4], statistics.median(v))
    print("%-26s %20s %20s %9s %+12.1f" % (what, fmt(list(ours.values())), fmt(list(ref.values())),
                                          "%d/%d" % (w, n), md))
    verdicts.append("%s: goal 'ours: %s sooner than with qboot' (%d paired rounds): %s "
                    "(sooner in %d, sign test z = %.1f, median paired difference %+.1f ms)" %
                    (name, what, n, "met" if z >= 2 and md < 0 else "NOT met", w, z, md))
print("\n".join(verdicts))
EOF
fi
[ "$ran" = 1 ] || { echo "$name: nothing ran" >&2; exit 1; }
