#!/bin/sh
# dmesg-clean: the kernel log has no ACPI errors and no "[Firmware Bug]".
# On failure: the reason goes to $BRINGUP_REASON, exit 1 (see /init).
PATTERN='ACPI Error|ACPI BIOS Error|ACPI Exception|\[Firmware Bug\]'

log=$(dmesg) || {
	echo "cannot read dmesg" >"${BRINGUP_REASON:-/dev/null}"
	exit 1
}
bad=$(printf '%s\n' "$log" | grep -E "$PATTERN")
if [ -n "$bad" ]; then
	echo "dmesg-clean: offending lines:"
	printf '%s\n' "$bad"
	n=$(printf '%s\n' "$bad" | wc -l)
	echo "$n offending dmesg lines, first: $(printf '%s\n' "$bad" | head -n 1)" \
		>"${BRINGUP_REASON:-/dev/null}"
	exit 1
fi
echo "dmesg-clean: no ACPI errors, no [Firmware Bug]"
exit 0
