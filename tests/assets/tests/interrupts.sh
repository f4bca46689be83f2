#!/bin/sh
# interrupts: the timer and the serial port (ttyS0) have interrupt lines.
# On failure: the reason goes to $BRINGUP_REASON, exit 1 (see /init).
fail() {
	echo "interrupts: $*"
	echo "$*" >"${BRINGUP_REASON:-/dev/null}"
	exit 1
}

echo "interrupts: /proc/interrupts:"
cat /proc/interrupts || fail "cannot read /proc/interrupts"
# Device names end the line: "  0:   123   IO-APIC   2-edge      timer".
grep -Eq '^ *[0-9]+:.*[[:space:]]timer[[:space:]]*$' /proc/interrupts ||
	fail "no timer line in /proc/interrupts"
grep -Eq '^ *[0-9]+:.*[[:space:]]ttyS0[[:space:]]*$' /proc/interrupts ||
	fail "no ttyS0 line in /proc/interrupts"
exit 0
