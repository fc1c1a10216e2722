#!/usr/bin/python3
"""TCP echo through a bad network over net_tap (issue: TCP interop).

The path between the kernel and the engine:
- the kernel side loses 5% of the TCP segments it sends to the engine and 5%
  of those it receives from it: `numgen random mod 100 < 5 drop` in the input
  and output hooks of an nft table inside the test's namespace (this kernel
  has no netem); GSO is off on the kernel side of the tap (gso_max_segs 1),
  so the output hook sees single segments rather than 64 KiB GSO packets;
- the engine's own impairment stage (--impair) reorders 25%, duplicates 2%
  and delays by 1 ms what it receives and what it transmits (seed 7).

Through it:
- a kernel socket sends LOSSY_MIB (default 100) MiB to the echo and gets them
  back identical (sha256), then the engine's FIN (MB/s printed; the plain
  100 MiB is test_tcp.py's); about a minute (1.8 MB/s each way here);
- the engine's sending does not stall on the retransmission timer: from the
  capture of what it sent, the share of the transfer spent in silences of
  100 ms or more (RTO-sized; SACK-based fast recovery repairs a loss in a few
  round trips of ~2 ms) stays below STALL_SHARE_MAX;
- 50 concurrent connections (handshakes, data and FINs all exposed to the
  loss) each get their 64 KiB back;
- the loss really happened (nft counters in both hooks, impair_* counters);
- no drop that valid traffic should never cause; the engine's transmitted
  frames pass tshark; SIGINT: exit 0, pools at baseline.

Usage: test_tcp_lossy.py PORTWAY_BINARY_OR_BUILD_DIR
Environment: PORTWAY_TCP_LOSSY_MIB=N (default 100) for the single stream.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

ECHO = 7
LOSS_PERCENT = 5
IMPAIR = "reorder=25%,duplicate=2%,delay=1ms,seed=7"
LOSSY_MIB = int(os.environ.get("PORTWAY_TCP_LOSSY_MIB", "100"))
STREAM_TIMEOUT = 100 + LOSSY_MIB * 5  # seconds
MANY, MANY_BYTES = 50, 64 << 10
STALL_S = 0.1
STALL_SHARE_MAX = 0.5

NFT_LOSS = f"""table inet portway_loss {{
  chain in {{
    type filter hook input priority 0;
    ip saddr {pi.ENGINE_IP} meta l4proto tcp numgen random mod 100 < {LOSS_PERCENT} counter drop
  }}
  chain out {{
    type filter hook output priority 0;
    ip daddr {pi.ENGINE_IP} meta l4proto tcp numgen random mod 100 < {LOSS_PERCENT} counter drop
  }}
}}
"""


def nft_drops(eng: pi.Engine) -> tuple[int, int]:
    """(segments from the engine dropped, segments to the engine dropped)."""
    out = eng.run(["nft", "list", "table", "inet", "portway_loss"]).stdout
    counts = [int(x) for x in re.findall(r"counter packets (\d+)", out)]
    return (counts[0], counts[1]) if len(counts) == 2 else (-1, -1)


def stalls(pcap: str, port: int) -> tuple[float, float, int]:
    """From the capture of the engine's TX: (span of its data segments from `port`, seconds spent in gaps
    of STALL_S or more between two of them, how many such gaps)."""
    r = subprocess.run(["tshark", "-n", "-r", pcap, *pi.TSHARK_TCP_AS_DATA, "-Y",
                        f"tcp.srcport == {port} && tcp.len > 0", "-T", "fields", "-e", "frame.time_relative"],
                       capture_output=True, text=True, timeout=120)
    times = [float(x) for x in r.stdout.split()]
    if len(times) < 2:
        return 0.0, 0.0, 0
    gaps = [b - a for a, b in zip(times, times[1:]) if b - a >= STALL_S]
    return times[-1] - times[0], sum(gaps), len(gaps)


def many(r: pi.Results) -> None:
    results: list[pi.StreamResult | None] = [None] * MANY
    errors: list[str] = [""] * MANY

    def one(i: int) -> None:
        try:
            with socket.create_connection((pi.ENGINE_IP, ECHO), timeout=20) as s:
                results[i] = pi.tcp_stream(s, MANY_BYTES, timeout=60)
        except OSError as e:
            errors[i] = f"connect: {e}"

    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(MANY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    seconds = time.monotonic() - t0
    bad = [f"#{i}: {errors[i] or (results[i].describe() if results[i] else 'did not finish')}"
           for i in range(MANY) if not (results[i] and results[i].intact)]
    r.check(f"lossy-{MANY}-connections-echoed", not bad, f"{len(bad)} of {MANY} failed: " + "; ".join(bad[:4]))
    pi.log(f"{MANY} concurrent connections x {MANY_BYTES >> 10} KiB through the lossy path in {seconds:.1f} s")


def main(r: pi.Results) -> None:
    pi.require(tools=("nft", "tshark"))
    binary = pi.engine_binary(sys.argv)
    if not pi.engine_supports(binary, "--impair"):
        r.check("engine-has-impair", False, "portway --help lists no --impair: the impairment stage is missing")
        return
    t0 = time.monotonic()
    with pi.Engine(binary, "tcp-lossy", app_args=["--impair", IMPAIR], capture=True,
                   max_seconds=STREAM_TIMEOUT + 120) as eng:
        eng.sh(["ip", "-n", eng.ns, "link", "set", "dev", eng.iface, "gso_max_segs", "1"])
        eng.nft(NFT_LOSS)
        impair0 = eng.stats()
        with eng.netns():
            total = LOSSY_MIB << 20
            with socket.create_connection((pi.ENGINE_IP, ECHO), timeout=20) as s:
                res = pi.tcp_stream(s, total, timeout=STREAM_TIMEOUT, progress=10)
            r.check(f"lossy-echo-{LOSSY_MIB}MiB-sha256", res.intact, res.describe())
            pi.log(f"lossy echo: {LOSSY_MIB} MiB there and back in {res.seconds:.1f} s: {res.mbps():.2f} MB/s")
            from_engine, to_engine = nft_drops(eng)
            pi.log(f"nft dropped {from_engine} segments from the engine and {to_engine} to it")
            many(r)
        from_engine2, to_engine2 = nft_drops(eng)
        r.check("nft-lost-both-ways", from_engine2 > 0 and to_engine2 > 0,
                f"dropped {from_engine2} from the engine, {to_engine2} to it")
        st = eng.stats()
        r.check("impairment-applied", all(st.get(k, 0) > impair0.get(k, 0) for k in
                                          ("impair_reordered", "impair_duplicated", "impair_delayed")),
                pi.moved(impair0, st, only_drops=False))
        r.check("engine-alive", eng.alive(), eng.log_tail())
        ok, pools = eng.wait_pools_at_baseline(timeout=5)
        r.check("pools-at-baseline-while-running", ok, str(pools))
        # Duplicated or late segments of connections the engine has already closed (its final
        # ACK arrived first) reach the listener as bare ACKs: it answers with a RST (RFC 9293
        # §3.10.7.1) and counts them as tcp_listen_invalid. No backlog fills here, so no SYN
        # cookie is live and tcp_bad_cookie stays a bug.
        st = pi.check_no_bug_drops(r, eng, extra=pi.TCP_BUG_REASONS)
        pi.log(f"counters: {pi.moved({}, st, only_drops=False)}")
        pi.check_capture(r, eng, min_frames=total // 1460, tcp_payload_as_data=True,
                         expect={"tcp.srcport == 7 && tcp.flags.fin == 1": 1 + MANY})
        span, stalled, n = stalls(eng.pcap, ECHO)
        share = stalled / span if span else 1.0
        r.check("lossy-no-rto-stalls", span > 0 and share < STALL_SHARE_MAX,
                f"the engine's echo sent nothing for {stalled:.1f} s of {span:.1f} s ({share:.0%}) in {n} silences of "
                f">= {STALL_S * 1000:.0f} ms (each a retransmission timeout: losses are not repaired by fast "
                f"retransmit)")
        pi.check_stopped_clean(r, eng)
    pi.log(f"test_tcp_lossy took {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    pi.main_guard(main)
