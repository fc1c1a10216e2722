#!/usr/bin/env bash
# portway-fwd end to end on net_null: arguments, errors, a real run,
# telemetry, and pools back at baseline. Usage: fwd_cli_test.sh BUILD_DIR
set -uo pipefail
BUILD="$1"
FWD="$BUILD/apps/fwd/portway-fwd"
EAL=(--no-huge -m 512 -l 1)
failures=0
check() {  # check NAME CONDITION-RESULT DETAIL
    if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1: $3"; failures=$((failures + 1)); fi
}
run() { out=$("$@" 2>&1); rc=$?; }

run "$FWD" --help
[[ $rc -eq 0 && $out == *"--mode io|macswap|l3"* && $out == *"--duration SECONDS"* ]]; check help $? "$out"

run "$FWD" "${EAL[@]}" -- --bogus
[[ $rc -eq 2 && $out == *"unknown option '--bogus' (see --help)"* ]]; check unknown-option $? "rc=$rc $out"

run "$FWD" "${EAL[@]}" -- --mode sideways
[[ $rc -eq 2 && $out == *"expected 'io', 'macswap' or 'l3', got 'sideways'"* ]]; check bad-mode $? "rc=$rc $out"

run "$FWD" --vdev=net_null0 --mode io
[[ $rc -eq 2 && $out == *"it is an EAL option"* ]]; check missing-separator $? "rc=$rc $out"

run "$FWD" "${EAL[@]}" --no-pci --vdev=net_pcap0,rx_pcap=/nonexistent/in.pcap -- --duration 1
[[ $rc -eq 1 && $out == *"device 'net_pcap0' failed to probe"* ]]; check probe-failure $? "rc=$rc $out"

run "$FWD" --no-huge -m 512 -l 1 --bogus-eal -- --duration 1
[[ $rc -eq 1 && $out == *"EAL rejected its arguments"* ]]; check bad-eal-argument $? "rc=$rc $out"

run "$FWD" "${EAL[@]}" -- --mode macswap --duration 1.5 --stats-interval 0.5
rx=$(sed -n 's/.*summary after .*: rx \([0-9]*\) tx.*/\1/p' <<<"$out")
tx=$(sed -n 's/.*summary after .*: rx [0-9]* tx \([0-9]*\) drops.*/\1/p' <<<"$out")
lines=$(grep -c '^\[ *[0-9.]*s\] rx ' <<<"$out")
[[ $rc -eq 0 && -n $rx && $rx -gt 0 && $rx == "$tx" && $lines -ge 2 && $out == *"memory: --no-huge (as asked)"* && $out == *"(baseline 0)"* && $out != *"not back at baseline"* ]]
check run-macswap $? "rc=$rc rx=$rx tx=$tx lines=$lines $out"

# Telemetry while it runs.
"$FWD" "${EAL[@]}" --file-prefix=pwtel-$$ -- --duration 4 --quiet >/tmp/pw-tel-$$.log 2>&1 &
pid=$!
tel=""
for _ in $(seq 30); do
    sleep 0.2
    tel=$(echo /portway/stats | timeout 5 dpdk-telemetry.py -f pwtel-$$ 2>/dev/null | grep portway || true)
    [ -n "$tel" ] && break
done
lcores=$(echo /portway/lcores | timeout 5 dpdk-telemetry.py -f pwtel-$$ 2>/dev/null | grep portway || true)
wait "$pid"; rc=$?
[[ $rc -eq 0 && $tel == *'"rx_packets": '[1-9]* && $tel == *'"drop_tx_refused": 0'* && $lcores == *'"lcore1"'* ]]
check telemetry $? "rc=$rc stats=$tel lcores=$lcores $(cat /tmp/pw-tel-$$.log)"
rm -f /tmp/pw-tel-$$.log

# SIGTERM stops it cleanly with pools at baseline.
"$FWD" "${EAL[@]}" -- --quiet >/tmp/pw-term-$$.log 2>&1 &
pid=$!
sleep 1.5
kill -TERM "$pid"
wait "$pid"; rc=$?
out=$(cat /tmp/pw-term-$$.log); rm -f /tmp/pw-term-$$.log
[[ $rc -eq 0 && $out == *"summary after"* && $out != *"not back at baseline"* ]]; check sigterm $? "rc=$rc $out"

# net_pcap: a finite capture goes through exactly once, in order.
tmp=$(mktemp -d)
python3 - "$tmp/in.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i in range(1000):
        frame = bytes.fromhex("020000000002020000000001ffff") + i.to_bytes(4, "big") + bytes(42)
        f.write(struct.pack("<IIII", 0, i, len(frame), len(frame)) + frame)
PY
run "$FWD" "${EAL[@]}" --vdev=net_pcap0,rx_pcap="$tmp/in.pcap",tx_pcap="$tmp/out.pcap" -- --duration 1 --quiet
sent=$(python3 - "$tmp/out.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, seqs = 24, []
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    seqs.append(int.from_bytes(data[off + 16 + 14:off + 16 + 18], "big"))
    off += 16 + incl
print("ok" if seqs == list(range(1000)) else "bad %d" % len(seqs))
PY
)
[[ $rc -eq 0 && $sent == ok && $out == *"rx 1000 tx 1000 drops 0"* ]]; check pcap-exact $? "rc=$rc sent=$sent $out"

# net_memif: two engines, server and client, forward through shared memory.
sock="$tmp/memif.sock"
"$FWD" --no-huge -m 512 -l 0 --file-prefix=pwmemif-a-$$ --vdev=net_memif0,role=server,socket="$sock" \
    --vdev=net_null0 -- --duration 4 --quiet >"$tmp/a.log" 2>&1 &
server=$!
sleep 0.5
run "$FWD" --no-huge -m 512 -l 1 --file-prefix=pwmemif-b-$$ --vdev=net_memif0,role=client,socket="$sock" \
    --vdev=net_null0 -- --duration 2.5 --quiet
wait "$server"; server_rc=$?
memif_rx=$(sed -n 's/.*port 0 device: ipackets \([0-9]*\) .*/\1/p' <<<"$out")
[[ $rc -eq 0 && $server_rc -eq 0 && -n $memif_rx && $memif_rx -gt 0 && $out != *"not back at baseline"* ]]
check memif-two-processes $? "rc=$rc server_rc=$server_rc memif_rx=$memif_rx $out $(cat "$tmp/a.log")"
rm -rf "$tmp"

echo "$(( 11 - failures )) passed, $failures failed"
[ "$failures" -eq 0 ]
