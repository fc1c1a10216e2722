#!/usr/bin/python3
"""Hostile TCP against the engine over net_tap (issue: TCP interop).

SYN flood (RFC 4987). hping3 sends FLOOD SYNs to port 7 (from ports
10000-59999, paced at ~10 us, bounded by count and by `timeout`), and the
kernel's RSTs to the SYN-ACKs they get are dropped by nft in the namespace,
so the engine's half-open connections never clear: its backlog
(--tcp-backlog 8) stays full for the whole flood. Meanwhile a kernel client
(ports 61000-61999) connects and echoes 4 MiB:
- with SYN cookies (the default): the client connects and gets its 4 MiB back
  (sha256); the engine answered far more SYNs than its backlog holds (SYN-ACKs
  in the capture: at least FLOOD / 4), tcp_backlog_full stays 0;
- control, --tcp-no-syn-cookies: the same flood fills the backlog
  (tcp_backlog_full rises) and the client cannot connect: the flood is real.

Blind in-window injections (RFC 5961), with scapy, on an established echo
connection whose sequence numbers the test reads off the wire:
- RSTs and SYNs with sequence numbers inside the engine's receive window but
  not exactly RCV.NXT: none resets the connection; each is answered by a
  challenge ACK or suppressed by the per-connection limit (--tcp-challenge-acks
  10/s): tcp_challenge_ack + tcp_challenge_limited rise by the number sent,
  tcp_challenge_limited by at least the excess over the limit;
- data at exactly RCV.NXT with an unacceptable ACK (ahead of SND.NXT, and
  older than SND.UNA - MAX.SND.WND): dropped, never echoed;
- the connection still echoes afterwards, byte for byte;
- control: a RST at exactly RCV.NXT does reset it (the numbers were right).

No drop that valid traffic should never cause; the engine's transmitted
frames pass tshark; SIGINT: exit 0, pools at baseline.

Usage: test_tcp_hostile.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import re
import socket
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

ECHO = 7
BACKLOG = 8
FLOOD = 50000                 # SYNs, from source ports 10000.. 59999 (hping3 -s counts up)
FLOOD_PORTS = "10000-59999"
CLIENT_PORTS = "61000 61999"  # the real client's ephemeral ports, outside the flood's
CLIENT_BYTES = 4 << 20
CHALLENGE_LIMIT = 10          # the engine's default --tcp-challenge-acks
INJECTED_TTL = 200            # marks the frames the test injects (the kernel's have 64)

NFT_KEEP_HALF_OPEN = f"""table inet portway_flood {{
  chain out {{
    type filter hook output priority 0;
    ip daddr {pi.ENGINE_IP} tcp dport {ECHO} tcp sport {FLOOD_PORTS} tcp flags & rst == rst counter drop
  }}
}}
"""


# ---------------------------------------------------------------- SYN flood


def syn_flood(r: pi.Results, binary: str, cookies: bool) -> None:
    name = "syn-flood-cookies" if cookies else "syn-flood-no-cookies"
    args = ["--tcp-backlog", str(BACKLOG)] + ([] if cookies else ["--tcp-no-syn-cookies"])
    with pi.Engine(binary, "tcp-flood" if cookies else "tcp-flood-nc", app_args=args, capture=cookies) as eng:
        eng.sh(["ip", "netns", "exec", eng.ns, "sysctl", "-qw", f"net.ipv4.ip_local_port_range={CLIENT_PORTS}"])
        eng.nft(NFT_KEEP_HALF_OPEN)
        before = eng.stats()
        t0 = time.monotonic()
        flood = subprocess.Popen(["ip", "netns", "exec", eng.ns, "timeout", "15", "hping3", "-q", "-S",
                                  "-p", str(ECHO), "-s", "10000", "-i", "u10", "-c", str(FLOOD), pi.ENGINE_IP],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(0.5)  # the backlog is full by now
            res, why, flooding_at_connect = None, "", False
            with eng.netns():
                try:
                    with socket.create_connection((pi.ENGINE_IP, ECHO), timeout=3 if not cookies else 10) as s:
                        flooding_at_connect = flood.poll() is None
                        res = pi.tcp_stream(s, CLIENT_BYTES, timeout=30)
                except OSError as e:
                    why = f"{type(e).__name__}: {e}"
            client_done = time.monotonic() - t0
            still_flooding = flood.poll() is None
        finally:
            try:
                out, _ = flood.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                flood.kill()
                out, _ = flood.communicate()
        flood_s = time.monotonic() - t0
        sent = next((int(line.split()[0]) for line in out.splitlines() if "packets transmitted" in line), 0)
        after = eng.stats()
        nft = eng.run(["nft", "list", "table", "inet", "portway_flood"]).stdout
        held = re.search(r"counter packets (\d+)", nft)
        pi.log(f"{name}: the kernel's RSTs to the flood's SYN-ACKs dropped: {held.group(1) if held else '?'}")
        pi.log(f"{name}: hping3 sent {sent} SYNs in {flood_s:.1f} s (status {flood.returncode}); the client was "
               f"done after {client_done:.1f} s{'' if still_flooding else ' (the flood had ended)'}; "
               f"tap: {eng.tap_counters()}; moved: {pi.moved(before, after)}")
        r.check(f"{name}-flood-sent", sent >= FLOOD // 2,
                f"hping3 status {flood.returncode}, {sent} SYNs sent: {out.strip()[-300:]}")
        if cookies:
            # The backlog stays full after the flood too (the half-open connections wait for
            # their SYN-ACK retransmissions to run out), so what matters is the connect.
            r.check(f"{name}-client-connects-during-flood-and-echoes-{CLIENT_BYTES >> 20}MiB",
                    res is not None and res.intact and flooding_at_connect,
                    (res.describe() if res else why) + ("" if flooding_at_connect or res is None
                                                        else "; but the flood had ended before the connect"))
            r.check(f"{name}-backlog-never-refuses", after["drop_tcp_backlog_full"] == before["drop_tcp_backlog_full"],
                    pi.moved(before, after))
            r.check("engine-alive", eng.alive(), eng.log_tail())
            ok, pools = eng.wait_pools_at_baseline(timeout=5)
            r.check(f"{name}-pools-at-baseline-while-running", ok, str(pools))
            pi.check_no_bug_drops(r, eng, name=f"{name}-no-drops-of-valid-traffic", extra=pi.TCP_BUG_REASONS)
            # SYN-ACKs far beyond the backlog: only cookies can have answered them.
            pi.check_capture(r, eng, name=f"{name}-capture-clean", min_frames=1000, tcp_payload_as_data=True,
                             expect={"tcp.srcport == 7 && tcp.flags.syn == 1 && tcp.flags.ack == 1": FLOOD // 4,
                                     "tcp.srcport == 7 && tcp.len > 0": CLIENT_BYTES // 1460})
        else:
            r.check(f"{name}-control-backlog-full", after["drop_tcp_backlog_full"] > before["drop_tcp_backlog_full"],
                    pi.moved(before, after))
            r.check(f"{name}-control-client-cannot-connect", res is None,
                    res.describe() if res else f"as expected: {why}")
        pi.check_stopped_clean(r, eng, prefix=f"{name}-")


# ---------------------------------------------------------------- blind injections


class Wire:
    """The client connection's sequence numbers, read from frames on the kernel side of the tap."""

    def __init__(self, eng: pi.Engine, cport: int) -> None:
        self.eng, self.cport = eng, cport
        self.sock = eng.raw_socket()
        self.sock.setblocking(False)
        self.rcv_nxt = None      # the engine's RCV.NXT: next byte the client sends
        self.snd_nxt = None      # the engine's SND.NXT: next byte the engine sends
        self.window = 0          # the engine's last advertised window, scaled
        self.wscale = 0
        self.frames_to_engine = 0

    def drain(self) -> None:
        while True:
            try:
                frame, addr = self.sock.recvfrom(65535)
            except BlockingIOError:
                return
            if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6 or frame[22] == INJECTED_TTL:
                continue  # not TCP, or one of ours
            ihl = (frame[14] & 0xF) * 4
            total = struct.unpack("!H", frame[16:18])[0]
            tcp = frame[14 + ihl:14 + total]
            sport, dport, seq, ack = struct.unpack("!HHII", tcp[:12])
            off = (tcp[12] >> 4) * 4
            flags = tcp[13]
            win = struct.unpack("!H", tcp[14:16])[0]
            length = len(tcp) - off + (1 if flags & 0x03 else 0)  # SYN and FIN take a number
            outgoing = addr[2] == socket.PACKET_OUTGOING
            if outgoing and (sport, dport) == (self.cport, ECHO):
                self.frames_to_engine += 1
                end = (seq + length) & 0xFFFFFFFF
                if self.rcv_nxt is None or ((end - self.rcv_nxt) & 0xFFFFFFFF) < 1 << 31:
                    self.rcv_nxt = end
            elif not outgoing and (sport, dport) == (ECHO, self.cport):
                if flags & 0x02:  # the SYN-ACK: its window scale option
                    i = 20
                    while i < off:
                        kind = tcp[i]
                        if kind == 0:
                            break
                        if kind == 1:
                            i += 1
                            continue
                        if kind == 3:
                            self.wscale = tcp[i + 2]
                        i += max(2, tcp[i + 1])
                    self.window = win
                else:
                    self.window = win << self.wscale
                end = (seq + length) & 0xFFFFFFFF
                if self.snd_nxt is None or ((end - self.snd_nxt) & 0xFFFFFFFF) < 1 << 31:
                    self.snd_nxt = end

    def close(self) -> None:
        self.sock.close()


def exchange(s: socket.socket, payload: bytes, timeout: float = 3) -> str:
    """Sends payload, reads it back; '' or what went wrong."""
    try:
        s.settimeout(timeout)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            b = s.recv(65536)
            if not b:
                return f"EOF after {len(got)} of {len(payload)} bytes"
            got += b
        if got != payload:
            return f"{len(got)} bytes back, not the ones sent: {got[:40]!r}"
        s.settimeout(0.3)
        try:
            extra = s.recv(65536)
            return f"{len(extra)} bytes nobody sent: {extra[:40]!r}" if extra else "EOF"
        except socket.timeout:
            return ""
    except OSError as e:
        return f"{type(e).__name__}: {e}"


def blind_injection(r: pi.Results, binary: str) -> None:
    from scapy.all import IP, TCP, Ether  # noqa: PLC0415

    with pi.Engine(binary, "tcp-blind", capture=True) as eng:
        with eng.netns():
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((pi.PEER_IP, 0))
            wire = Wire(eng, s.getsockname()[1])
            try:
                s.settimeout(5)
                s.connect((pi.ENGINE_IP, ECHO))
                err = exchange(s, os.urandom(3000))
                r.check("blind-setup-echo", not err, err)
                time.sleep(0.3)  # delayed ACKs out
                wire.drain()
                known = wire.rcv_nxt is not None and wire.snd_nxt is not None and wire.window >= 4096
                r.check("blind-setup-sequence-numbers-seen", known,
                        f"rcv_nxt {wire.rcv_nxt} snd_nxt {wire.snd_nxt} window {wire.window} "
                        f"({wire.frames_to_engine} frames to the engine seen)")
                if not known:
                    return
                eth = Ether(dst=eng.mac, src=eng.mac)

                def seg(flags: str, seq: int, ack: int = 0, payload: bytes = b""):
                    return eth / IP(src=pi.PEER_IP, dst=pi.ENGINE_IP, ttl=INJECTED_TTL) / TCP(
                        sport=wire.cport, dport=ECHO, flags=flags, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF,
                        window=502) / payload

                # In the window, never exactly RCV.NXT.
                span = min(wire.window, 60000) // 2
                offsets = [1, 2, 100, 1000, span // 3, span // 2, span - 1]
                rsts = [seg("R", wire.rcv_nxt + k) for k in offsets] + \
                       [seg("RA", wire.rcv_nxt + k, wire.snd_nxt) for k in offsets]
                syns = [seg("S", wire.rcv_nxt + k) for k in offsets] + \
                       [seg("SA", wire.rcv_nxt + k, wire.snd_nxt) for k in offsets]
                injected = rsts + syns
                before = eng.stats()
                eng.send_frames(injected)
                keys = ("drop_tcp_challenge_ack", "drop_tcp_challenge_limited")
                deadline = time.monotonic() + 2
                while True:
                    after = eng.stats()
                    rose = sum(after[k] - before[k] for k in keys)
                    if rose >= len(injected) or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                limited = after["drop_tcp_challenge_limited"] - before["drop_tcp_challenge_limited"]
                r.check("blind-rst-syn-challenged", rose == len(injected),
                        f"{len(rsts)} RSTs + {len(syns)} SYNs in the window: challenge_ack + challenge_limited rose "
                        f"by {rose}; moved: {pi.moved(before, after)}")
                r.check("blind-challenge-acks-limited", limited >= len(injected) - CHALLENGE_LIMIT - 1,
                        f"challenge_limited rose by {limited} for {len(injected)} in well under a second "
                        f"(limit {CHALLENGE_LIMIT}/s)")
                err = exchange(s, os.urandom(5000))
                r.check("blind-rst-syn-connection-survives", not err, err)

                # Data at exactly RCV.NXT, but with an ACK no real peer could send.
                time.sleep(0.3)
                wire.drain()
                before = eng.stats()
                eng.send_frames([seg("PA", wire.rcv_nxt, wire.snd_nxt + (1 << 20), b"INJECTED-AHEAD!"),
                                 seg("PA", wire.rcv_nxt, wire.snd_nxt - (1 << 30), b"INJECTED-OLD!!")])
                time.sleep(0.3)
                after = eng.stats()
                err = exchange(s, os.urandom(2000))
                r.check("blind-data-bad-ack-not-echoed", not err,
                        f"{err}; moved: {pi.moved(before, after)}")
                r.check("blind-data-bad-ack-counted",
                        after["drop_tcp_bad_ack"] > before["drop_tcp_bad_ack"]
                        and sum(after[k] - before[k] for k in keys) >= 1, pi.moved(before, after))
                r.check("engine-alive", eng.alive(), eng.log_tail())
                pi.check_no_bug_drops(r, eng, extra=pi.TCP_BUG_REASONS)

                # Control: exactly RCV.NXT resets it (so the numbers above were right).
                time.sleep(1.1)  # a new second for the challenge limit, should it matter
                wire.drain()
                before = eng.stats()
                eng.send_frames([seg("R", wire.rcv_nxt)])
                time.sleep(0.3)
                err = exchange(s, b"are you there?")
                r.check("blind-control-exact-rst-resets", "reset" in err.lower() or "EOF" in err or "Broken" in err,
                        f"after a RST at exactly RCV.NXT ({wire.rcv_nxt}) the echo answered: {err or 'normally'}; "
                        f"moved: {pi.moved(before, eng.stats())}")
            finally:
                wire.close()
                s.close()
        ok, pools = eng.wait_pools_at_baseline(timeout=3)
        r.check("blind-pools-at-baseline-while-running", ok, str(pools))
        pi.check_capture(r, eng, name="blind-capture-clean", tcp_payload_as_data=True,
                         expect={"tcp.srcport == 7 && tcp.len == 0 && tcp.flags.reset == 0": 10})
        pi.check_stopped_clean(r, eng, prefix="blind-")


def main(r: pi.Results) -> None:
    pi.require(tools=("hping3", "nft", "tshark"), scapy=True)
    binary = pi.engine_binary(sys.argv)
    t0 = time.monotonic()
    syn_flood(r, binary, cookies=True)
    syn_flood(r, binary, cookies=False)
    blind_injection(r, binary)
    pi.log(f"test_tcp_hostile took {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    pi.main_guard(main)
