#!/usr/bin/python3
"""The chat relay (portway --chat) against kernel clients, and portway-chat end to end.

Part one: portway with --chat on TWO worker cores, kernel socket clients in the namespace:
- each client sees the others' joins, and the others' lines in the order they were sent;
- a nick held by another client (in another case) is refused; a line over the limit is
  refused and the connection stays;
- a client that never reads is told it is too slow and closed, while the others (reading
  as they go) receive every line of the flood that did it;
- QUIT closes politely, the others see the leave; the chat counters agree; pools at
  baseline, no drops of valid traffic.
Part two: two engines in ONE namespace, each on its own net_tap, both taps on a Linux
bridge that carries 198.18.0.1/24: the server portway --chat --dns-zone (the sample zone)
at 198.18.0.2, portway-chat at 198.18.0.3. portway-chat resolves engine.portway.test with
its stub resolver against the server's own DNS service (--dns 198.18.0.2) and connects; a
kernel client sees portway-chat's stdin lines, portway-chat prints the kernel client's
lines, and exits 0 at its stdin's end. A name the zone does not have (NXDOMAIN) makes it
exit 1 with the reason.

Usage: test_chat.py PORTWAY_BINARY_OR_BUILD_DIR [PORTWAY_CHAT_BINARY]
"""

import os
import socket
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402

PORT = 5555
FLOOD_LINES = 3000
CLIENT_IP = "198.18.0.3"


class Client:
    """A kernel TCP client of the chat: non-blocking, lines collected as they come."""

    def __init__(self, name: str, rcvbuf: int = 0) -> None:
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(5)
        self.sock.connect((pi.ENGINE_IP, PORT))
        self.sock.setblocking(False)
        self.buf = b""
        self.lines: list[str] = []
        self.eof = False
        self.error = ""

    def send(self, text: str) -> None:
        data = text.encode()
        deadline = time.monotonic() + 10
        while data and time.monotonic() < deadline:
            try:
                data = data[self.sock.send(data):]
            except BlockingIOError:
                time.sleep(0.001)

    def pump(self) -> None:
        while not self.eof:
            try:
                chunk = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError as e:
                self.error = str(e)
                self.eof = True
                return
            if not chunk:
                self.eof = True
                return
            self.buf += chunk
            *whole, self.buf = self.buf.split(b"\n")
            self.lines += [w.decode(errors="replace") for w in whole]

    def wait_for(self, line: str, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if line in self.lines:
                return True
            if self.eof:
                return False
            time.sleep(0.01)
        return False

    def wait_eof(self, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.eof:
            self.pump()
            time.sleep(0.01)
        return self.eof

    def close(self) -> None:
        self.sock.close()


def chat_on_two_cores(r: pi.Results, binary: str) -> None:
    with pi.Engine(binary, "chat", lcores="0-1", app_args=["--chat"]) as eng:
        with eng.netns():
            alice, bob, carol = Client("alice"), Client("bob"), Client("carol")
            for c in (alice, bob, carol):
                c.send(f"hello before nick\nNICK {c.name}\n")
                r.check(f"{c.name}-not-named-first", c.wait_for("ERR send NICK name first"), str(c.lines))
                r.check(f"{c.name}-ok", c.wait_for(f"OK {c.name}"), str(c.lines))
            r.check("alice-sees-joins", alice.wait_for("* carol joined") and "* bob joined" in alice.lines,
                    str(alice.lines))

            # Lines in order, to every other client, whichever core each is on.
            sent = {c.name: [f"{c.name} says {i}" for i in range(100)] for c in (alice, bob, carol)}
            for i in range(100):
                for c in (alice, bob, carol):
                    c.send(sent[c.name][i] + "\n")
            for c in (alice, bob, carol):
                c.wait_for(f"{'carol' if c.name != 'carol' else 'bob'}: {sent['carol' if c.name != 'carol' else 'bob'][-1]}", 10)
            for c in (alice, bob, carol):
                for other in (alice, bob, carol):
                    got = [ln[len(other.name) + 2:] for ln in c.lines if ln.startswith(other.name + ": ")]
                    want = [] if other is c else sent[other.name]
                    r.check(f"{c.name}-got-{other.name}-in-order", got == want,
                            f"{len(got)} lines, first differences: "
                            f"{[(a, b) for a, b in zip(got, want) if a != b][:3]}")

            # A nick is unique regardless of case; the refused client may pick another.
            dave = Client("dave")
            dave.send("NICK ALICE\n")
            r.check("nick-taken", dave.wait_for("ERR nick taken"), str(dave.lines))
            dave.send("NICK dave\n")
            r.check("nick-after-refusal", dave.wait_for("OK dave"), str(dave.lines))

            # Too long: refused, the connection stays.
            alice.send("x" * 600 + "\nstill here\n")
            r.check("line-too-long", alice.wait_for("ERR line too long"), str(alice.lines[-3:]))
            r.check("after-too-long", bob.wait_for("alice: still here"), str(bob.lines[-3:]))

            # A client that never reads is disconnected; the others keep receiving.
            slow = Client("slowpoke", rcvbuf=4096)
            slow.send("NICK slowpoke\n")
            r.check("slow-joined", bob.wait_for("* slowpoke joined"), str(bob.lines[-3:]))
            flood = [f"flood {i:05d} " + "f" * 150 for i in range(FLOOD_LINES)]
            slow_saw = []
            slow_eof = False
            deadline = time.monotonic() + 60
            for i, text in enumerate(flood):
                if time.monotonic() > deadline:
                    break
                carol.send(text + "\n")
                if i % 25 == 24:
                    # Paced by the readers (on two shared vCPUs an unpaced flood outruns
                    # any reader): each has taken this burst before the next goes.
                    for c in (alice, bob, dave):
                        c.wait_for("carol: " + text, 5)
                if not slow_eof and "* slowpoke left" in bob.lines:
                    # Read it now, within the linger time: the error, then the close.
                    slow_eof = slow.wait_eof(10)
                    slow_saw = slow.lines
            for c in (alice, bob, dave):
                c.wait_for("carol: " + flood[-1], 20)
            if not slow_eof:
                slow_eof = slow.wait_eof(10)
                slow_saw = slow.lines
            for c in (alice, bob, dave):
                got = [ln[7:] for ln in c.lines if ln.startswith("carol: flood")]
                r.check(f"{c.name}-got-the-whole-flood", got == flood,
                        f"{len(got)} of {len(flood)} flood lines, in order: {got == flood[:len(got)]}")
            r.check("slow-reader-left", "* slowpoke left" in bob.lines and "* slowpoke left" in alice.lines,
                    str(bob.lines[-3:]))
            r.check("slow-reader-told-and-closed", slow_eof and slow_saw[-1:] == ["ERR too slow"],
                    f"eof {slow_eof} {slow.error}; last lines {slow_saw[-2:]}")

            # QUIT closes politely.
            carol.send("QUIT\n")
            r.check("quit-closes", carol.wait_eof(5) and not carol.error, carol.error)
            r.check("quit-announced", alice.wait_for("* carol left"), str(alice.lines[-3:]))
            for c in (alice, bob, dave, carol, slow):
                c.close()

        st = eng.stats()
        lc = eng.telemetry("/portway/lcores")
        pi.log(f"chat counters: { {k: v for k, v in st.items() if k.startswith('chat_')} }")
        r.check("counters-joins", st.get("chat_joins") == 5, str(st.get("chat_joins")))
        r.check("counters-nick-taken", st.get("chat_nick_taken") == 1, str(st.get("chat_nick_taken")))
        r.check("counters-too-long", st.get("chat_lines_too_long") == 1, str(st.get("chat_lines_too_long")))
        r.check("counters-slow", st.get("chat_slow_disconnects") == 1, str(st.get("chat_slow_disconnects")))
        r.check("counters-lines", st.get("chat_lines") == 300 + 1 + FLOOD_LINES, str(st.get("chat_lines")))
        r.check("counters-no-post-failures", st.get("chat_post_failures", 0) == 0,
                str(st.get("chat_post_failures")))
        r.check("counters-no-bad-messages", st.get("chat_bad_messages", 0) == 0, str(st.get("chat_bad_messages")))
        pi.log(f"per core: {str(lc)[:600]}")
        time.sleep(0.5)  # the leaves end their connections
        pi.check_no_bug_drops(r, eng, extra=pi.TCP_BUG_REASONS)
        pi.check_stopped_clean(r, eng)


def chat_client_end_to_end(r: pi.Results, binary: str, chat_binary: str) -> None:
    zone = os.path.join(pi.ROOT, "apps", "services", "dns", "sample", "portway.test.zone")
    with pi.Engine(binary, "srv-chat", app_args=["--chat", "--dns-zone", zone], bridge="pwbr",
                   tap_args=",mac=02:00:00:00:00:02") as srv:
        kern = None
        with srv.netns():
            kern = Client("kern")
            kern.send("NICK kern\n")
            r.check("e2e-kernel-joined", kern.wait_for("OK kern"), str(kern.lines))
        with pi.Engine(chat_binary, "cli-nxd", share_netns=srv, ip=CLIENT_IP, bridge="pwbr",
                       tap_args=",mac=02:00:00:00:00:03", lcores="0", stdin_pipe=True,
                       app_args=["--server", f"nosuch.portway.test:{PORT}", "--nick", "nobody",
                                 "--dns", pi.ENGINE_IP]) as bad:
            try:
                rc = bad.proc.wait(timeout=20) if bad.proc else None
            except Exception:
                rc = None
            r.check("e2e-unknown-name-fails", rc == 1 and "cannot resolve nosuch.portway.test: NXDOMAIN"
                    in bad.log_text(), f"status {rc}\n{bad.log_tail()}")
            bad.stop()
        with pi.Engine(chat_binary, "cli-chat", share_netns=srv, ip=CLIENT_IP, bridge="pwbr",
                       tap_args=",mac=02:00:00:00:00:03", lcores="0", stdin_pipe=True,
                       app_args=["--server", f"engine.portway.test:{PORT}", "--nick", "pwchat",
                                 "--dns", pi.ENGINE_IP]) as cli:
            with srv.netns():
                joined = kern.wait_for("* pwchat joined", 20)
                r.check("e2e-portway-chat-joined", joined, f"{kern.lines}\n{cli.log_tail()}")
                answers = cli.stats().get("chat_client_resolver_answers", 0)
                r.check("e2e-name-resolved-by-portway-dns", answers >= 1,
                        f"chat_client_resolver_answers {answers}")
                assert cli.proc is not None and cli.proc.stdin is not None
                cli.proc.stdin.write(b"hello from the engine\nsecond line\n")
                cli.proc.stdin.flush()
                r.check("e2e-kernel-sees-its-lines", kern.wait_for("pwchat: second line", 10)
                        and "pwchat: hello from the engine" in kern.lines, str(kern.lines))
                kern.send("hi portway-chat\n")
                deadline = time.monotonic() + 10
                while "kern: hi portway-chat" not in cli.log_text() and time.monotonic() < deadline:
                    time.sleep(0.05)
                r.check("e2e-it-prints-the-kernel-lines", "kern: hi portway-chat" in cli.log_text(),
                        cli.log_tail())
                cli.proc.stdin.close()  # EOF: QUIT, the server closes, it exits
                try:
                    rc = cli.proc.wait(timeout=15)
                except Exception:
                    rc = None
                r.check("e2e-exit-0-at-stdin-eof", rc == 0, f"status {rc}\n{cli.log_tail()}")
                r.check("e2e-left", kern.wait_for("* pwchat left"), str(kern.lines[-3:]))
                kern.close()
            s = cli.stop()
            r.check("e2e-client-pools-at-baseline", s.pools_at_baseline(), s.describe_pools())
        time.sleep(0.3)
        pi.check_no_bug_drops(r, srv, name="e2e-no-drops-of-valid-traffic", extra=pi.TCP_BUG_REASONS)
        pi.check_stopped_clean(r, srv, prefix="e2e-")


def main(r: pi.Results) -> None:
    binary = pi.engine_binary(sys.argv)
    if len(sys.argv) > 2:
        chat_binary = os.path.abspath(sys.argv[2])
    else:
        chat_binary = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(binary))), "apps", "chat",
                                   "portway-chat")
    chat_on_two_cores(r, binary)
    if not os.access(chat_binary, os.X_OK):
        r.check("portway-chat-binary", False, f"no portway-chat at {chat_binary}")
        return
    chat_client_end_to_end(r, binary, chat_binary)


if __name__ == "__main__":
    pi.main_guard(main)
