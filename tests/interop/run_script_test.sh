#!/usr/bin/env bash
# scripts/run end to end: the portway app on a net_tap inside the private
# namespace scripts/run creates; the kernel side pings it (bounded); stats
# lines appear each second; the namespace is gone afterwards; pools are back
# at baseline. Usage: run_script_test.sh BUILD_DIR
set -uo pipefail
BUILD="$1"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
failures=0
check() { if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi; }

before=$(ip netns list | grep -c '^portway-run-' || true)
out=$(PORTWAY_BUILD_DIR="$BUILD" timeout 60 "$ROOT/scripts/run" --duration 4 --no-huge 2>&1); rc=$?
after=$(ip netns list | grep -c '^portway-run-' || true)
lines=$(grep -c '^\[ *[0-9.]*s\] rx ' <<<"$out")
rx=$(sed -n 's/.*summary after .*: rx \([0-9]*\) tx.*/\1/p' <<<"$out")

[[ $rc -eq 0 ]]; check exit-code $? "rc=$rc $out"
[[ $lines -ge 3 ]]; check stats-every-second $? "lines=$lines"
[[ $out == *"port 0 net_tap0 (net_tap)"* && $out == *"kernel side: pw0 198.18.0.1/24"* ]]; check tap-in-namespace $? "$out"
[[ -n $rx && $rx -gt 0 ]]; check kernel-traffic-received $? "rx=$rx"
[[ $out != *"not back at baseline"* && $out == *"in use (baseline"* ]]; check pools-at-baseline $? "$out"
[[ $after -eq $before ]]; check namespace-deleted $? "before=$before after=$after"
! ip link show pw0 >/dev/null 2>&1; check no-tap-in-root-namespace $? "pw0 exists in the root namespace"

echo "$(( 7 - failures )) passed, $failures failed"
[ "$failures" -eq 0 ]
