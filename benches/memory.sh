#!/usr/bin/env bash
# Peak memory of a run against the embedded mock, small and large:
#   run -q --examples 256     (the hand-written and corpus cases + 256 bodies per class, about 10 000 requests)
#   run -q --examples 20000   (the same + 20 000 bodies per class, about 440 000 requests)
# and the ratio of the two peaks. Flat memory means the ratio stays near 1 (the promise: the
# large run below 150 MB and within 20 % of the small one). Uses /usr/bin/time -v (Debian's
# `time` package) on the release binary, built first. EXAMPLES="256 20000" changes the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
binary=target/release/dli-conformance
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
examples=${EXAMPLES:-"256 20000"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-10s %10s %10s %12s %s\n' examples requests seconds "peak RSS MB" exit
peaks=()
for n in $examples; do
  set +e
  /usr/bin/time -v -o "$out/time-$n" "$binary" run -q --seed 1 --examples "$n" >"$out/out-$n" 2>&1
  code=$?
  set -e
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time-$n")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time-$n")
  requests=$(grep -oE '[0-9]+ requests in' "$out/out-$n" | grep -oE '^[0-9]+' || echo '?')
  peaks+=("$kb")
  printf '%-10s %10s %10s %12.1f %s\n' "$n" "$requests" "$wall" "$(awk -v kb="$kb" 'BEGIN {print kb / 1024}')" "$code"
done
if [ "${#peaks[@]}" -ge 2 ]; then
  printf 'peak ratio, largest run / smallest run: %.2f\n' "$(awk -v a="${peaks[-1]}" -v b="${peaks[0]}" 'BEGIN {print a / b}')"
fi
