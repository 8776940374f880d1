#!/usr/bin/env bash
# Requests per second of the suite against `mock --listen`, next to a plain load generator's on
# the same mock process: wrk (Debian's `wrk`, installed when missing and apt-get is there) or,
# failing that, oha (crates.io, `cargo install oha`). The load generator sends one valid body
# for SECONDS (default 10) with CONNECTIONS (default 32) connections; the suite runs
# `run -q --target URL --seed 1 --examples EXAMPLES` (default 2000: the hand-written and corpus
# cases + 2000 generated bodies per class) at its default settings. Prints both rates and the suite's share.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SECONDS_PER_RUN:-10}
connections=${CONNECTIONS:-32}
examples=${EXAMPLES:-2000}
port=${PORT:-18480}
cargo build --release --quiet
binary=target/release/dli-conformance

if ! command -v wrk >/dev/null && ! command -v oha >/dev/null; then
  if command -v apt-get >/dev/null; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    cargo install oha --locked
  fi
fi

work=$(mktemp -d)
"$binary" mock --listen "127.0.0.1:$port" >"$work/mock.out" 2>&1 &
mock=$!
trap 'kill "$mock" 2>/dev/null; wait "$mock" 2>/dev/null; rm -rf "$work"' EXIT
url="http://127.0.0.1:$port"
path="/v2.0/0123456789abcdef0123456789abcdef/datasource-connection"
body='{"name":"bench","service":"DWS","security_group_id":"a07ab107-a4ad-4835-ad09-08a2f2efccdb","network_id":"e83ba67d-e812-42d3-908d-6ea0b2cc5ecb","url":"192.168.0.10:8000"}'
for _ in $(seq 50); do grep -q http "$work/mock.out" && break; sleep 0.1; done

if command -v wrk >/dev/null; then
  tool=wrk
  cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
  wrk -t 2 -c "$connections" -d "${seconds}s" -s "$work/post.lua" "$url$path" >"$work/load.out"
  load_rate=$(awk '/^Requests\/sec:/ {print $2}' "$work/load.out")
  statuses=$(grep -c 'Non-2xx' "$work/load.out" || true)
  [ "$statuses" = 0 ] || { echo "wrk saw answers other than 2xx:"; cat "$work/load.out"; exit 1; }
else
  tool=oha
  oha -z "${seconds}s" -c "$connections" --no-tui -m POST -H 'Content-Type: application/json' \
      -d "$body" "$url$path" >"$work/load.out"
  load_rate=$(awk '/Requests\/sec:/ {print $2}' "$work/load.out")
fi

set +e
"$binary" run -q --seed 1 --examples "$examples" --target "$url" >"$work/suite.out" 2>&1
code=$?
set -e
summary=$(grep -E 'passed, [0-9]+ failed' "$work/suite.out" | tail -1)
suite_rate=$(echo "$summary" | grep -oE '\(([0-9]+) requests/s\)' | grep -oE '[0-9]+')
[ "$code" = 0 ] || { echo "the suite exited $code:"; tail -5 "$work/suite.out"; exit 1; }

printf '%-34s %12s\n' "" "requests/s"
printf '%-34s %12.0f\n' "$tool ($connections connections, ${seconds} s)" "$load_rate"
printf '%-34s %12.0f\n' "dli-conformance run (--examples $examples)" "$suite_rate"
printf 'suite / %s: %.0f %%\n' "$tool" "$(awk -v a="$suite_rate" -v b="$load_rate" 'BEGIN {print 100 * a / b}')"
echo "suite: $summary"
