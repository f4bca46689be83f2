#!/bin/sh
# smoke: the kernel runs userspace and /proc answers.
# On failure: the reason goes to $BRINGUP_REASON, exit 1 (see /init).
fail() {
	echo "smoke: $*"
	echo "$*" >"${BRINGUP_REASON:-/dev/null}"
	exit 1
}

[ -r /proc/version ] || fail "/proc is not mounted"
release=$(uname -r)
echo "smoke: uname -r: $release"
[ "$release" = "$(cat /proc/sys/kernel/osrelease)" ] ||
	fail "uname -r and /proc/sys/kernel/osrelease differ"

cpus=$(grep -c '^processor' /proc/cpuinfo)
models=$(grep -c '^model name' /proc/cpuinfo)
echo "smoke: cpuinfo: $cpus processor lines, $models model name lines"
[ "$models" -ge 1 ] || fail "no 'model name' line in /proc/cpuinfo"

mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
free_kb=$(sed -n 's/^MemFree: *\([0-9]*\) kB$/\1/p' /proc/meminfo)
echo "smoke: memory: total ${mem_kb:-?} kB, free ${free_kb:-?} kB"
[ -n "$mem_kb" ] && [ "$mem_kb" -gt 0 ] || fail "no MemTotal in /proc/meminfo"

echo "smoke: /proc/interrupts:"
cat /proc/interrupts || fail "cannot read /proc/interrupts"
head -n 1 /proc/interrupts | grep -q 'CPU0' || fail "/proc/interrupts has no CPU0 column"
exit 0
