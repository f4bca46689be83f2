#!/bin/sh
# Firmware boot cost (issue 8): bringup's firmware against qboot and SeaBIOS on
# qemu-system-x86_64 TCG -M pc, same kernel, initrd and command line.
#
#  1. Wall time from QEMU's launch to the kernel's first serial line (the first
#     line that is not our firmware's log: SeaBIOS and qboot run the kernel's
#     real-mode setup, which prints "Probing EDD", ours enters at 32 bits), to
#     "Linux version" (the same event for all: the goal is judged on it), and
#     to the init's BRINGUP-INIT-START; best of N (FW_BENCH_RUNS, default 5).
#     "ours-quiet" is ours with opt/bringup/quiet. A loaded host makes these
#     noisy: compare within one run.
#  2. Instructions from reset to the kernel's first instruction, counted by
#     QEMU: `-singlestep -d exec,nochain` logs one line per executed
#     instruction, up to the first at 0x100000 (32-bit entry) or 0x10200 (the
#     real-mode setup at 1000:0200). QEMU runs each iteration of a rep-prefixed
#     string instruction as one instruction ("per-iteration"); "rep-once"
#     counts a run of one address once, as a rep instruction retires once.
#     FW_BENCH_COUNT=0 skips this part.
#     The issue's count by our own software CPU waits for its counter.
# Figures only, not a test: exit 1 only if nothing ran.
set -eu
name=firmware-boot
build=${BRINGUP_BUILD:-$(dirname "$0")/../../build}
assets=${BRINGUP_ASSETS:-$build/assets}
runs=${FW_BENCH_RUNS:-5}
count=${FW_BENCH_COUNT:-1}
qemu=$(command -v qemu-system-x86_64 || true)
kernel=$assets/vmlinuz
initrd=$assets/initramfs.cpio.gz
append="console=ttyS0 earlyprintk=ttyS0 bringup.test=smoke"

[ -n "$qemu" ] || { echo "$name: qemu-system-x86_64 not installed" >&2; exit 1; }
[ -r "$kernel" ] && [ -r "$initrd" ] || { echo "$name: no $kernel or $initrd (make assets)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# label, ROM, extra QEMU arguments
: > "$tmp/list"
add() {
	if [ -r "$2" ]; then
		printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$tmp/list"
	else
		echo "$name: $1: skipped ($2 missing)"
	fi
}
add ours "$build/firmware.bin"
add ours-quiet "$build/firmware.bin" "-fw_cfg name=opt/bringup/quiet,string=1"
add qboot /usr/share/qemu/qboot.rom
add seabios /usr/share/seabios/bios-256k.bin
[ -s "$tmp/list" ] || { echo "$name: nothing to run" >&2; exit 1; }

# Times one boot: prints "first linux init" in ms, or "- - -" lines it never saw.
cat > "$tmp/time.py" <<'EOF'
import os, re, select, subprocess, sys, time
argv = sys.argv[1:]
ours = re.compile(rb"^(bringup firmware|pci[ :]|e820:|acpi:|mptable:|smbios:|boot:)")
marks = {"first": None, "linux": None, "init": None}
t0 = time.monotonic()
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, start_new_session=True)
buf = b""
deadline = t0 + 60
while marks["init"] is None and time.monotonic() < deadline:
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
try:
    os.killpg(p.pid, 9)
except ProcessLookupError:
    pass
p.wait()
print(" ".join("-" if marks[k] is None else "%d" % (marks[k] * 1000)
               for k in ("first", "linux", "init")))
EOF

base="-M pc -accel tcg -m 512 -display none -nodefaults -no-reboot"
printf '%s: wall time (ms, best of %s) on %s -M pc TCG\n' "$name" "$runs" "$($qemu --version | head -n 1)"
printf '%-12s %12s %14s %12s\n' firmware first-line "Linux version" init
while IFS='	' read -r label rom extra; do
	best_f=- best_l=- best_i=-
	i=0
	while [ "$i" -lt "$runs" ]; do
		# shellcheck disable=SC2086
		set -- $(python3 "$tmp/time.py" "$qemu" $base -serial stdio -bios "$rom" $extra \
			-kernel "$kernel" -initrd "$initrd" -append "$append")
		for v in f:$1 l:$2 i:$3; do
			k=${v%%:*} x=${v#*:}
			[ "$x" = - ] && continue
			eval "cur=\$best_$k"
			if [ "$cur" = - ] || [ "$x" -lt "$cur" ]; then eval "best_$k=$x"; fi
		done
		i=$((i + 1))
	done
	printf '%-12s %12s %14s %12s\n' "$label" "$best_f" "$best_l" "$best_i"
	echo "$label $best_l" >> "$tmp/first"
done < "$tmp/list"

# The same kernel event for all: "Linux version" (qboot and SeaBIOS run the
# real-mode setup first, whose "Probing EDD" line ours skips).
qboot_ms=$(awk '$1 == "qboot" { print $2 }' "$tmp/first")
for l in ours ours-quiet; do
	ms=$(awk -v l=$l '$1 == l { print $2 }' "$tmp/first")
	[ -n "$ms" ] && [ -n "$qboot_ms" ] && [ "$ms" != - ] && [ "$qboot_ms" != - ] || continue
	if [ "$ms" -lt "$qboot_ms" ]; then verdict=met; else verdict="NOT met"; fi
	echo "$name: goal '$l: Linux's first line sooner than with qboot': $verdict ($ms ms vs $qboot_ms ms)"
done

[ "$count" = 0 ] && exit 0
echo
printf '%s: instructions from reset to the kernel (QEMU -singlestep -d exec,nochain)\n' "$name"
printf '%-12s %14s %10s %10s\n' firmware per-iteration rep-once entry
: > "$tmp/counts"
while IFS='	' read -r label rom extra; do
	# QEMU ignores SIGPIPE: awk stops it by its pid once the entry is reached
	rm -f "$tmp/qpid"
	# shellcheck disable=SC2086
	res=$(timeout -k 5 300 sh -c 'echo $$ > "$0"; exec "$@"' "$tmp/qpid" "$qemu" $base \
		-serial null -bios "$rom" $extra -kernel "$kernel" -initrd "$initrd" \
		-append "$append" -singlestep -d exec,nochain 2>&1 >/dev/null |
		awk -v pidf="$tmp/qpid" '/^Trace/ { n++; split($4, a, "/"); pc = a[2]; sub(/^0+/, "", pc)
			if (pc != prev) m++; prev = pc
			if (pc == "100000" || pc == "10200") {
				print n, m, "0x" pc; found = 1
				system("kill $(cat " pidf ")"); exit } }
			END { if (!found) print "-", "-", "-" }') || true
	printf '%-12s %14s %10s %10s\n' "$label" ${res:-- - -}
	echo "$label $res" >> "$tmp/counts"
done < "$tmp/list"
for col in 2 3; do
	qboot_n=$(awk -v c=$col '$1 == "qboot" { print $c }' "$tmp/counts")
	[ -n "$qboot_n" ] && [ "$qboot_n" != - ] || continue
	[ $col = 2 ] && how=per-iteration || how=rep-once
	for l in ours ours-quiet; do
		n=$(awk -v c=$col -v l=$l '$1 == l { print $c }' "$tmp/counts")
		[ -n "$n" ] && [ "$n" != - ] || continue
		if [ $((n * 2)) -le "$qboot_n" ]; then verdict=met; else verdict="NOT met"; fi
		echo "$name: goal '$l at most half of qboot's instructions' ($how): $verdict ($n vs $qboot_n)"
	done
done
