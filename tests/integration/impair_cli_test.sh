#!/usr/bin/env bash
# --impair end to end through portway-fwd on net_null: the option's errors,
# the start-up plan, the counters in the summary, and pools back at baseline
# with packets still held at stop. Usage: impair_cli_test.sh BUILD_DIR
set -uo pipefail
BUILD="$1"
FWD="$BUILD/apps/fwd/portway-fwd"
EAL=(--no-huge -m 512 -l 1)
failures=0
passed=0
check() {  # check NAME CONDITION-RESULT DETAIL
    if [ "$2" = 0 ]; then
        echo "ok   $1"; passed=$((passed + 1))
    else
        echo "FAIL $1: $3"; failures=$((failures + 1))
    fi
}
run() { out=$("$@" 2>&1); rc=$?; }

run "$FWD" --help
[[ $rc -eq 0 && $out == *"--impair SPEC"* && $out == *"loss=P%"* ]]; check help $? "$out"

run "$FWD" "${EAL[@]}" -- --impair loss=5
[[ $rc -eq 2 && $out == *"--impair: loss: expected a percentage from 0% to 100%, such as 5% or 0.5%, got '5'"* ]]
check bad-percentage $? "rc=$rc $out"

run "$FWD" "${EAL[@]}" -- --impair delay=1
[[ $rc -eq 2 && $out == *"--impair: delay: expected a duration with a unit (ns, us, ms or s)"* ]]
check bad-duration $? "rc=$rc $out"

run "$FWD" "${EAL[@]}" -- --impair lose=5%
[[ $rc -eq 2 && $out == *"unknown impairment 'lose' (keys: loss, duplicate, reorder, delay, jitter, seed, limit)"* ]]
check unknown-key $? "rc=$rc $out"

# A real run at net_null's rate: losses, copies, reordering, a delay queue
# that fills up, and whatever is held at stop freed (exit 3 on a leak).
run "$FWD" "${EAL[@]}" -- --impair loss=5%,duplicate=2%,reorder=10%,delay=1ms,seed=7 \
    --duration 1.5 --stats-interval 0
[[ $rc -eq 0 && $out == *"impairment: rx and tx loss 5%, duplicate 2%, reorder 10%"* &&
   $out == *"seed 7; up to 1024 delayed packets"* &&
   $out == *"replay: --impair loss=5%,duplicate=2%,reorder=10%,delay=1ms,seed=7"* &&
   $out == *"drop impair_loss"* && $out == *"drop impair_queue_full"* &&
   $out == *"drop impair_held_at_stop"* && $out == *"impairment: duplicated "* &&
   $out != *"not back at baseline"* ]]
check run-impaired $? "rc=$rc $out"

# No seed: the default one is printed so the run can be replayed.
run "$FWD" "${EAL[@]}" -- --impair tx:loss=1% --duration 0.5 --stats-interval 0
[[ $rc -eq 0 && $out == *"impairment: rx untouched; tx loss 1%; seed 1 (the default; seed=N for another sequence)"* &&
   $out == *"replay: --impair tx:loss=1% --impair seed=1"* && $out != *"not back at baseline"* ]]
check default-seed $? "rc=$rc $out"

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
