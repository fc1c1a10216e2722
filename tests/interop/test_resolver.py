#!/usr/bin/python3
"""portway-resolve (the stub resolver, docs/dns.md) against NSD and against Portway's own DNS.

Each run is an engine in its own namespace (198.18.0.0/15 only):

- NSD (Debian `nsd`) on the kernel side serves a generated zone; one
  portway-resolve run asks it for an A RRset, a missing name, a CNAME
  chain and an RRset too large for 1232 bytes: the addresses equal what
  kdig gets from NSD, NXDOMAIN is reported (exit status 1, since a name
  failed), the chain's links are printed, and the large RRset comes over
  TCP after NSD's TC=1 (the resolver_tcp_fallbacks counter);
- a silent UDP listener as the server: TIMEOUT after the attempts'
  schedule (--timeout 1500 --attempts 2: 4.5 s), within a bound;
- the portway app with --dns-zone serving the same zone, and
  portway-resolve on a second tap in the same namespace, the kernel
  routing between the two subnets.

Every run exits by itself with its pools at baseline.

Usage: test_resolver.py PORTWAY_BINARY_OR_BUILD_DIR [PORTWAY_RESOLVE_BINARY]
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402
from dns_peers import start_nsd, stop_process  # noqa: E402

ZONE_NAME = "resolver.test"
MANY = 120  # A records: 120 x 16 bytes, past the 1232 bytes of EDNS
SILENT_PORT = 5300
# portway-resolve beside the portway app, on a second tap and subnet the
# kernel routes to the first.
RESOLVE_IP = "198.18.1.2"
RESOLVE_GATEWAY = "198.18.1.1"


def zone_text() -> str:
    lines = [
        "$TTL 300",
        f"$ORIGIN {ZONE_NAME}.",
        "@ IN SOA ns1 hostmaster 1 3600 600 86400 60",
        "  IN NS ns1",
        f"ns1 IN A {pi.PEER_IP}",
        "www IN A 198.18.1.10",
        "    IN A 198.18.1.11",
        "alias1 IN CNAME alias2",
        "alias2 IN CNAME www",
        "mx IN MX 10 www",
    ]
    lines += [f"many IN A 198.18.2.{i}" for i in range(1, MANY + 1)]
    return "\n".join(lines) + "\n"


def resolve_binary(argv) -> str:
    """argv[2], else beside the portway binary in its build tree."""
    if len(argv) > 2:
        path = os.path.abspath(argv[2])
    else:
        build = os.path.dirname(os.path.dirname(os.path.dirname(pi.engine_binary(argv))))
        path = os.path.join(build, "apps", "resolve", "portway-resolve")
    if not os.access(path, os.X_OK):
        print(f"FAIL setup: no portway-resolve at {path}", flush=True)
        sys.exit(1)
    return path


def parse_output(text: str):
    """{name: [(ttl, type, rdata)]} for record lines, {name: STATUS} for failures."""
    records, statuses = {}, {}
    for line in text.splitlines():
        m = re.fullmatch(r"(\S+) (\d+) IN ([A-Z0-9]+) (.*)", line)
        if m:
            records.setdefault(m.group(1).lower(), []).append((int(m.group(2)), m.group(3), m.group(4)))
            continue
        m = re.fullmatch(r"(\S+): ([A-Z_]+)", line)
        if m:
            statuses[m.group(1)] = m.group(2)
    return records, statuses


def counter(text: str, name: str) -> int:
    m = re.search(r"\b" + name + r" (\d+)", text)
    return int(m.group(1)) if m else -1


def addresses(records, owner):
    # A set: an RRset printed again at the end of another name's chain counts once.
    return sorted({r[2] for r in records.get(owner, []) if r[1] == "A"})


def kdig_addresses(eng, server, name, tcp=False):
    cmd = ["kdig", "@" + server, "+time=2", "+retry=1", "+short", *(["+tcp"] if tcp else []), "-t", "A", name]
    out = eng.run(cmd, timeout=15).stdout
    return sorted(l for l in out.split() if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", l))


def wait_exit(eng, seconds):
    try:
        eng.proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pass
    return eng.proc.poll() is not None


def check_clean_exit(results, eng, prefix, want_rc):
    s = eng.stop()
    results.check(f"{prefix}exit-{want_rc}", s.rc == want_rc, f"exit status {s.rc}\n{eng.log_tail()}")
    results.check(f"{prefix}summary-printed", s.found, eng.log_tail())
    results.check(f"{prefix}pools-at-baseline", s.pools_at_baseline(), s.describe_pools())
    return s


def nsd_checks(results, binary, workdir, zone_file):
    names = [f"www.{ZONE_NAME}", f"nope.{ZONE_NAME}", f"alias1.{ZONE_NAME}", f"many.{ZONE_NAME}"]
    nsd = [None]

    def prestart(eng):
        nsd[0] = start_nsd(eng, workdir, [(ZONE_NAME, zone_file)])

    app = ["--server", pi.PEER_IP, "--timeout", "1000", "--attempts", "4", *names]
    with pi.Engine(binary, "resolver-nsd", app_args=app, prestart=prestart, max_seconds=40) as eng:
        try:
            stopped = wait_exit(eng, 30)
            results.check("nsd-stops-by-itself", stopped, eng.log_tail())
            s = check_clean_exit(results, eng, "nsd-", 1)  # nope is NXDOMAIN: one name failed
            records, statuses = parse_output(s.text)
            # The tap left with the engine: NSD (freebind) is reached on lo now.
            eng.sh(["ip", "-n", eng.ns, "addr", "add", f"{pi.PEER_IP}/32", "dev", "lo"])
            want_www = kdig_addresses(eng, pi.PEER_IP, f"www.{ZONE_NAME}")
            results.check("nsd-a-equals-kdig", bool(want_www) and addresses(records, f"www.{ZONE_NAME}.") == want_www,
                          f"portway-resolve {addresses(records, f'www.{ZONE_NAME}.')} kdig {want_www}")
            results.check("nsd-nxdomain", statuses.get(f"nope.{ZONE_NAME}") == "NXDOMAIN", str(statuses))
            links = [(o, r[2]) for o, rs in records.items() for r in rs if r[1] == "CNAME"]
            results.check("nsd-cname-chain",
                          (f"alias1.{ZONE_NAME}.", f"alias2.{ZONE_NAME}.") in links and
                          (f"alias2.{ZONE_NAME}.", f"www.{ZONE_NAME}.") in links, str(links))
            want_many = kdig_addresses(eng, pi.PEER_IP, f"many.{ZONE_NAME}", tcp=True)
            got_many = addresses(records, f"many.{ZONE_NAME}.")
            results.check("nsd-large-rrset-equals-kdig", len(want_many) == MANY and got_many == want_many,
                          f"{len(got_many)} addresses, kdig {len(want_many)}")
            results.check("nsd-tcp-fallback-taken", counter(s.text, "resolver_tcp_fallbacks") >= 1,
                          f"resolver_tcp_fallbacks {counter(s.text, 'resolver_tcp_fallbacks')}")
            pi.log("nsd run: " + " ".join(l for l in s.text.splitlines() if "resolver_" in l))
        finally:
            stop_process(nsd[0])


def silent_checks(results, binary):
    held = []

    def prestart(eng):
        # A UDP listener that reads nothing and answers nothing (no ICMP
        # port unreachable either): every attempt times out.
        with eng.netns():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND: the address comes with the tap
            s.bind((pi.PEER_IP, SILENT_PORT))
            held.append(s)

    app = ["--server", f"{pi.PEER_IP}:{SILENT_PORT}", "--timeout", "1500", "--attempts", "2", f"www.{ZONE_NAME}"]
    started = time.monotonic()
    with pi.Engine(binary, "resolver-silent", app_args=app, prestart=prestart, max_seconds=40) as eng:
        try:
            stopped = wait_exit(eng, 30)
            elapsed = time.monotonic() - started
            results.check("silent-stops-by-itself", stopped, eng.log_tail())
            s = check_clean_exit(results, eng, "silent-", 1)
            _, statuses = parse_output(s.text)
            results.check("silent-timeout", statuses.get(f"www.{ZONE_NAME}") == "TIMEOUT", str(statuses))
            # 1.5 s + 3 s of attempts after the engine's start (a few seconds at most).
            results.check("silent-within-bound", 4.5 <= elapsed <= 4.5 + 8, f"{elapsed:.1f} s")
            results.check("silent-counted", counter(s.text, "resolver_timeouts") == 1 and
                          counter(s.text, "resolver_retries") == 1,
                          " ".join(l for l in s.text.splitlines() if "resolver_" in l))
        finally:
            for sock in held:
                sock.close()


def own_dns_checks(results, portway, binary, zone_file):
    """portway serving the zone at .0.2; portway-resolve at .1.2 on a second tap, the kernel routing between."""
    app = ["--dns-zone", zone_file, "--gateway", pi.PEER_IP]
    with pi.Engine(portway, "resolver-own", app_args=app, max_seconds=60) as eng:
        iface = f"pwres{os.getpid() % 100000}"
        prefix = eng.ns + "-resolve"
        cmd = ["ip", "netns", "exec", eng.ns, binary, "--no-huge", "-l", "1", f"--file-prefix={prefix}",
               f"--vdev=net_tap0,iface={iface}", "--", "--ip", f"{RESOLVE_IP}/{pi.PREFIX_LEN}",
               "--gateway", RESOLVE_GATEWAY, "--duration", "30", "--server", pi.ENGINE_IP,
               "--timeout", "1000", "--attempts", "4",
               f"www.{ZONE_NAME}", f"nope.{ZONE_NAME}", f"alias1.{ZONE_NAME}", f"many.{ZONE_NAME}"]
        log_path = os.path.join(eng.workdir, "resolve.log")
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    preexec_fn=pi._die_with_parent)
            try:
                for _ in range(100):  # the second tap, then its kernel side as the gateway
                    if subprocess.run(["ip", "-n", eng.ns, "link", "show", iface], capture_output=True).returncode == 0:
                        break
                    time.sleep(0.1)
                eng.sh(["ip", "netns", "exec", eng.ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
                eng.sh(["ip", "-n", eng.ns, "addr", "add", f"{RESOLVE_GATEWAY}/{pi.PREFIX_LEN}", "dev", iface])
                eng.sh(["ip", "-n", eng.ns, "link", "set", iface, "up"])
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(pi._dpdk_runtime_dir(prefix), ignore_errors=True)
        with open(log_path, errors="replace") as f:
            text = f.read()
        summary = pi.Summary(proc.returncode, text)
        results.check("own-exit-1", proc.returncode == 1, f"exit status {proc.returncode}\n{text[-2000:]}")
        results.check("own-pools-at-baseline", summary.pools_at_baseline(), summary.describe_pools())
        records, statuses = parse_output(text)
        want_www = kdig_addresses(eng, pi.ENGINE_IP, f"www.{ZONE_NAME}")
        results.check("own-a-equals-kdig", bool(want_www) and addresses(records, f"www.{ZONE_NAME}.") == want_www,
                      f"portway-resolve {addresses(records, f'www.{ZONE_NAME}.')} kdig {want_www}")
        results.check("own-nxdomain", statuses.get(f"nope.{ZONE_NAME}") == "NXDOMAIN", str(statuses))
        results.check("own-cname-chain", addresses(records, f"www.{ZONE_NAME}.") and
                      any(r[1] == "CNAME" for r in records.get(f"alias1.{ZONE_NAME}.", [])), str(records.keys()))
        results.check("own-large-rrset-over-tcp", len(addresses(records, f"many.{ZONE_NAME}.")) == MANY and
                      counter(text, "resolver_tcp_fallbacks") >= 1,
                      f"{len(addresses(records, f'many.{ZONE_NAME}.'))} addresses, "
                      f"tcp_fallbacks {counter(text, 'resolver_tcp_fallbacks')}")
        pi.check_stopped_clean(results, eng, prefix="own-server-")


def main(results) -> None:
    portway = pi.engine_binary(sys.argv)
    binary = resolve_binary(sys.argv)
    workdir = tempfile.mkdtemp(prefix="portway-resolver-")
    try:
        zone_file = os.path.join(workdir, f"{ZONE_NAME}.zone")
        with open(zone_file, "w") as f:
            f.write(zone_text())
        os.chmod(workdir, 0o755)
        nsd_checks(results, binary, workdir, zone_file)
        silent_checks(results, binary)
        own_dns_checks(results, portway, binary, zone_file)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    pi.require(tools=("kdig", "nsd", "timeout"))
    pi.main_guard(main)
