#!/bin/sh
# Host-side decompression + ELF parse of Debian's cloud kernel, beside the
# lz4 command on the same payload, in one run (best of 5 each, interleaved).
# Goal (issue 2): ours within 1.2x of `lz4 -d`. Prints figures; not a test.
#
# lz4 exits 1 on this payload: Linux appends the 4-byte decompressed size,
# which the lz4 tool reads as a broken frame after decoding everything. We
# check once that it produced the whole ELF and then ignore its status.
set -eu
name=loader-decompress
build=${BRINGUP_BUILD:?set by make bench}
assets=${BRINGUP_ASSETS:?set by make bench}
kernel=$assets/vmlinuz
inspect=$build/bringup-inspect
runs=5

[ -f "$kernel" ] || { echo "$name: $kernel is missing (run make assets)" >&2; exit 1; }
[ -x "$inspect" ] || { echo "$name: $inspect is missing (run make)" >&2; exit 1; }
command -v lz4 >/dev/null || { echo "$name: lz4 not installed (apt-get install lz4)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$inspect" --payload-to "$tmp/payload" "$kernel" > "$tmp/report"
comp=$(sed -n 's/^payload_compression: //p' "$tmp/report")
elf_size=$(sed -n 's/^elf_size: //p' "$tmp/report")
if [ "$comp" != lz4 ]; then
	echo "$name: payload is $comp, not lz4; this benchmark compares against lz4" >&2
	exit 1
fi
lz4_size=$(lz4 -d -c "$tmp/payload" 2>/dev/null | wc -c) || true
if [ "$lz4_size" != "$elf_size" ]; then
	echo "$name: lz4 -d gave $lz4_size bytes, bringup-inspect $elf_size" >&2
	exit 1
fi

now_us() { echo $(( $(date +%s%N) / 1000 )); }
best_ours=
best_lz4=
i=0
while [ $i -lt $runs ]; do
	t0=$(now_us)
	"$inspect" --elf-to /dev/null "$kernel" > /dev/null
	t1=$(now_us)
	lz4 -d -c "$tmp/payload" > /dev/null 2>&1 || true
	t2=$(now_us)
	d=$((t1 - t0)); [ -z "$best_ours" ] || [ $d -lt $best_ours ] && best_ours=$d
	d=$((t2 - t1)); [ -z "$best_lz4" ] || [ $d -lt $best_lz4 ] && best_lz4=$d
	i=$((i + 1))
done

awk -v o="$best_ours" -v l="$best_lz4" -v n="$name" -v mb="$elf_size" -v r="$runs" 'BEGIN {
	printf "%s: %-58s %8.2f ms  (%.0f MB/s)\n", n,
		"bringup-inspect --elf-to /dev/null (lz4 + ELF parse)", o / 1000, mb / o
	printf "%s: %-58s %8.2f ms  (%.0f MB/s)\n", n,
		"lz4 -d -c payload > /dev/null", l / 1000, mb / l
	ratio = o / l
	printf "%s: ratio %.2fx (best of %d each, %d-byte ELF); goal within 1.20x: %s\n", n,
		ratio, r, mb, ratio <= 1.2 ? "met" : "MISSED"
}'
