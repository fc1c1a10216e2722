#!/usr/bin/python3
"""The DNS service (port 53) against kernel clients and against NSD.

The portway app serves tests/interop/data/dns/*.zone (--dns-zone, twice: a
zone and a second one below it). Inside the test's namespace:

- kdig over UDP and TCP (+tcp): answers, CNAME chains, ANY (one RRset over
  UDP, RFC 8482; all over TCP), NXDOMAIN and NODATA
  with the SOA at min(TTL, MINIMUM), wildcards, a referral (AA clear, glue),
  REFUSED outside the zones, the question's case kept; EDNS: our OPT back,
  BADVERS for version 1, TC=1 past a 512-byte size and the whole answer
  over TCP or with a 4096-byte size; a size below 512 counts as 512; a
  DNS cookie answered with a server cookie that verifies when sent back;
- TCP by hand: two queries in one segment, one query split over two
  segments, answered in order; an idle connection closed after
  --dns-tcp-idle;
- the same fixed query set answered identically by Portway and by NSD
  (minimal-responses) serving the same zone files from the kernel side
  (rcode, AA, TC, and each section sorted, OPT aside);
- malformed queries from a raw UDP socket each land in their counter
  (dns_malformed_*), FORMERR or NOTIMP or nothing as RFC 1035 says;
- dnsperf for 3 seconds: no query lost;
- a second engine with --dns-rrl 10: a burst of 100 same questions gets 10
  answers and every other limited one truncated (the slip); TCP unlimited;
- SIGINT: exit 0, pools at baseline.

Usage: test_dns.py PORTWAY_BINARY_OR_BUILD_DIR
"""

import os
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portway_interop as pi  # noqa: E402
import dns_peers  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "dns")
ZONE = os.path.join(DATA, "interop.test.zone")
DEEP = os.path.join(DATA, "deep.interop.test.zone")
IDLE_S = 1.5


def kdig(eng, *args, timeout=20):
    r = eng.run(["kdig", "@" + pi.ENGINE_IP, "+time=2", "+retry=2", *args], timeout=timeout)
    return r.stdout + r.stderr


def query_bytes(qid, name, qtype, flags=0x0100, qd=1, extra=b"", arcount=0):
    labels = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, flags, qd, 0, 0, arcount) + labels + struct.pack("!HH", qtype, 1) + extra


OPT = b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)


def udp_exchange(eng, payload, server=pi.ENGINE_IP, timeout=1.0, tries=3):
    """The answer to one datagram, asked up to `tries` times (UDP on a loaded machine); None if none."""
    with eng.netns():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(timeout)
        s.bind((pi.PEER_IP, 0))
        try:
            for _ in range(tries):
                s.sendto(payload, (server, 53))
                try:
                    return s.recv(65535)
                except socket.timeout:
                    continue
            return None
        finally:
            s.close()


# ---------------------------------------------------------------- NSD


def start_nsd(eng, workdir):
    proc = dns_peers.start_nsd(eng, workdir, [("interop.test", ZONE), ("deep.interop.test", DEEP)],
                               zonesdir=DATA)
    for _ in range(50):
        if udp_exchange(eng, query_bytes(1, "interop.test", 6), server=pi.PEER_IP, timeout=0.2, tries=1):
            return proc
        time.sleep(0.1)
    return proc


def normalise(wire):
    """rcode, AA, TC and the sorted sections, OPT aside: what must match."""
    import dns.flags
    import dns.message
    m = dns.message.from_wire(wire)

    def section(rrsets):
        out = []
        for rrset in rrsets:
            for rd in rrset:
                out.append((str(rrset.name), rrset.rdtype, rrset.ttl, rd.to_text()))
        return sorted(out)
    return (m.rcode(), bool(m.flags & dns.flags.AA), bool(m.flags & dns.flags.TC),
            section(m.question), section(m.answer), section(m.authority), section(m.additional))


FIXED_SET = [
    ("interop.test", "SOA"), ("interop.test", "NS"), ("interop.test", "MX"), ("interop.test", "TXT"),
    ("InTeRoP.tEsT", "MX"), ("www.interop.test", "A"), ("WWW.Interop.Test", "A"),
    ("www.interop.test", "CNAME"), ("chain1.interop.test", "A"), ("chain1.interop.test", "AAAA"),
    ("dangling.interop.test", "A"), ("outside.interop.test", "A"), ("host.interop.test", "A"),
    ("host.interop.test", "TXT"), ("nope.interop.test", "A"), ("nope.nope.interop.test", "MX"),
    ("mail.interop.test", "AAAA"), ("_sip._udp.interop.test", "SRV"), ("caa.interop.test", "CAA"),
    ("rev.interop.test", "PTR"), ("opaque.interop.test", "TYPE65000"),
    ("known-generic.interop.test", "A"), ("c.ent.interop.test", "A"), ("b.c.ent.interop.test", "TXT"),
    ("a.b.c.ent.interop.test", "A"), ("x.c.ent.interop.test", "A"), ("any.wild.interop.test", "A"),
    ("Deeper.Any.wild.interop.test", "MX"), ("x.wild.interop.test", "TXT"),
    ("sub.wild.interop.test", "A"), ("sub.wild.interop.test", "TXT"), ("x.sub.wild.interop.test", "A"),
    ("foo.cname-wild.interop.test", "A"), ("child.interop.test", "A"), ("x.child.interop.test", "A"),
    ("ns.child.interop.test", "A"), ("child.interop.test", "NS"), ("included.interop.test", "A"),
    ("deep.included.interop.test", "A"), ("deep.interop.test", "SOA"), ("www.deep.interop.test", "A"),
    ("nope.deep.interop.test", "A"), ("ns2.interop.test", "A"),
]


def compare_with_nsd(results, eng):
    import dns.message
    import dns.rdatatype
    differences = []
    for i, (name, qtype) in enumerate(FIXED_SET):
        for edns in (-1, 0):
            q = dns.message.make_query(name, dns.rdatatype.from_text(qtype), use_edns=edns, want_dnssec=False)
            q.id = 4000 + i
            q.flags &= ~0x0100  # no RD: an authoritative question
            ours = udp_exchange(eng, q.to_wire())
            theirs = udp_exchange(eng, q.to_wire(), server=pi.PEER_IP)
            if ours is None or theirs is None:
                differences.append(f"{name} {qtype} edns={edns}: no answer from "
                                   f"{'portway' if ours is None else 'nsd'}")
                continue
            a, b = normalise(ours), normalise(theirs)
            if a != b:
                differences.append(f"{name} {qtype} edns={edns}:\n  portway {a}\n  nsd     {b}")
    results.check("same-answers-as-nsd", not differences,
                  f"{len(differences)} of {2 * len(FIXED_SET)} differ\n" + "\n".join(differences[:10]))


# ---------------------------------------------------------------- kdig


def kdig_checks(results, eng):
    out = kdig(eng, "-t", "A", "www.interop.test")
    results.check("udp-cname-then-a", "status: NOERROR" in out and "CNAME\thost.interop.test." in out
                  and "198.18.0.80" in out and "198.18.0.81" in out and " aa" in out, out)
    out = kdig(eng, "+tcp", "-t", "A", "chain1.interop.test")
    results.check("tcp-cname-chain", "(TCP)" in out and "chain2.interop.test." in out
                  and "198.18.0.81" in out, out)
    out = kdig(eng, "-t", "A", "nope.interop.test")
    results.check("nxdomain-soa-min-ttl", "status: NXDOMAIN" in out and "\t120\tIN\tSOA" in out, out)
    out = kdig(eng, "+tcp", "-t", "TXT", "host.interop.test")
    results.check("nodata-over-tcp", "status: NOERROR" in out and "ANSWER: 0" in out and "SOA" in out, out)
    out = kdig(eng, "-t", "A", "two.labels.wild.interop.test")
    results.check("wildcard", "two.labels.wild.interop.test.\t600\tIN\tA\t198.18.0.91" in out, out)
    out = kdig(eng, "-t", "A", "x.c.ent.interop.test")
    results.check("no-wildcard-past-ent", "status: NXDOMAIN" in out, out)
    out = kdig(eng, "-t", "A", "www.child.interop.test")
    results.check("referral", "status: NOERROR" in out and " aa" not in out.split("QUESTION")[0]
                  and "AUTHORITY SECTION" in out and "ns.child.interop.test.\t600\tIN\tA\t198.18.0.100" in out, out)
    out = kdig(eng, "-t", "A", "www.example.org")
    results.check("refused-outside", "status: REFUSED" in out, out)
    # kdig lowers the question; a raw query keeps its case, and so must the answer.
    r = udp_exchange(eng, query_bytes(55, "InTeRoP.tEsT", 15))
    results.check("question-case-kept", r is not None and r[12:26] == b"\x07InTeRoP\x04tEsT\x00"
                  and struct.unpack("!H", r[6:8])[0] == 2 and r.count(b"InTeRoP") == 1, repr(r))
    out = kdig(eng, "-t", "ANY", "mail.interop.test")
    results.check("any-minimal-over-udp", "ANSWER: 1;" in out and "(UDP)" in out, out)
    out = kdig(eng, "+tcp", "-t", "ANY", "mail.interop.test")
    results.check("any-whole-over-tcp", "ANSWER: 2;" in out and "AAAA" in out, out)
    out = kdig(eng, "+edns", "-t", "SOA", "interop.test")
    results.check("edns-opt-back", "EDNS PSEUDOSECTION" in out and "UDP size: 1232" in out, out)
    out = kdig(eng, "+edns=1", "-t", "SOA", "interop.test")
    results.check("edns-badvers", "BADVERS" in out, out)
    out = kdig(eng, "+ignore", "+bufsize=512", "-t", "TXT", "big.interop.test")
    results.check("tc-past-512", " tc" in out and "ANSWER: 0" in out, out)
    out = kdig(eng, "+ignore", "+noedns", "-t", "TXT", "big.interop.test")
    results.check("tc-without-edns", " tc" in out, out)
    out = kdig(eng, "+bufsize=512", "-t", "TXT", "big.interop.test")
    results.check("tc-then-tcp", "(TCP)" in out and "ANSWER: 7" in out, out)
    out = kdig(eng, "+bufsize=4096", "-t", "TXT", "big.interop.test")
    results.check("edns-4096-whole-over-udp", "(UDP)" in out and "ANSWER: 7" in out and " tc" not in out, out)
    out = kdig(eng, "+tcp", "-t", "TXT", "big.interop.test")
    results.check("tcp-whole", "ANSWER: 7" in out, out)
    # DNS cookies (RFC 7873, RFC 9018): a client cookie gets a server cookie, which then verifies.
    before = eng.stats()
    out = kdig(eng, "+cookie", "-t", "A", "host.interop.test")
    cookie = ""
    for line in out.splitlines():
        if "COOKIE:" in line:
            cookie = line.split("COOKIE:")[1].split()[0]
    results.check("cookie-server-cookie-given", len(cookie) == 48 and cookie[16:18] == "01", out)
    if cookie:
        out = kdig(eng, "+cookie=" + cookie, "-t", "A", "host.interop.test")
        forged = cookie[:-2] + ("00" if cookie[-2:] != "00" else "11")
        kdig(eng, "+cookie=" + forged, "-t", "A", "host.interop.test")
        after = eng.stats()
        moved = {k: after.get(k, 0) - before.get(k, 0) for k in
                 ("dns_cookie_client_only", "dns_cookie_valid", "dns_cookie_invalid")}
        results.check("cookie-verified-and-forgery-seen", "status: NOERROR" in out and
                      moved == {"dns_cookie_client_only": 1, "dns_cookie_valid": 1, "dns_cookie_invalid": 1},
                      f"{moved}\n{out}")
    # A size below 512 counts as 512 (RFC 6891 §6.2.5): the 420-byte answer of MX fits.
    q = query_bytes(77, "big.interop.test", 16, extra=b"\0" + struct.pack("!HHIH", 41, 100, 0, 0), arcount=1)
    r = udp_exchange(eng, q)
    results.check("edns-below-512-is-512", r is not None and len(r) <= 512 and (r[2] & 0x02) != 0,
                  repr(r[:4]) if r else "no answer")


# ---------------------------------------------------------------- TCP by hand


def recv_message(s):
    head = b""
    while len(head) < 2:
        chunk = s.recv(2 - len(head))
        if not chunk:
            return None
        head += chunk
    n = struct.unpack("!H", head)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def tcp_checks(results, eng):
    with eng.netns():
        s = socket.create_connection((pi.ENGINE_IP, 53), timeout=3)
        try:
            q1, q2 = query_bytes(101, "host.interop.test", 1), query_bytes(102, "mail.interop.test", 28)
            s.sendall(struct.pack("!H", len(q1)) + q1 + struct.pack("!H", len(q2)) + q2)
            a1, a2 = recv_message(s), recv_message(s)
            results.check("tcp-two-in-one-segment", a1 is not None and a2 is not None
                          and a1[:2] == b"\x00\x65" and a2[:2] == b"\x00\x66", f"{a1!r} {a2!r}")
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            q3 = query_bytes(103, "www.interop.test", 1)
            framed = struct.pack("!H", len(q3)) + q3
            s.send(framed[:1])
            time.sleep(0.2)
            s.send(framed[1:9])
            time.sleep(0.2)
            s.send(framed[9:])
            a3 = recv_message(s)
            results.check("tcp-split-across-segments", a3 is not None and a3[:2] == b"\x00\x67", repr(a3))
            t0 = time.monotonic()
            s.settimeout(IDLE_S + 5)
            try:
                closed = s.recv(1) == b""
            except (socket.timeout, ConnectionResetError):
                closed = False
            waited = time.monotonic() - t0
            results.check("tcp-idle-closed", closed and IDLE_S - 0.5 <= waited <= IDLE_S + 3,
                          f"closed={closed} after {waited:.1f}s")
        finally:
            s.close()


# ---------------------------------------------------------------- malformed


def malformed_checks(results, eng):
    header = lambda qid, flags=0x0100, qd=1, an=0, ns=0, ar=0: struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)
    q = b"\x03www\x07interop\x04test\x00" + struct.pack("!HH", 1, 1)
    cases = [
        # name, payload, counter, expected: None (no answer) or the rcode
        ("short", b"\x12\x34\x01", "dns_malformed_short_header", None),
        ("response", header(1, flags=0x8000) + q, "dns_malformed_response", None),
        ("qdcount-0", header(2, qd=0), "dns_malformed_qdcount", 1),
        ("qdcount-2", header(3, qd=2) + q + q, "dns_malformed_qdcount", 1),
        ("label-type-01", header(4) + b"\x41abc\x00\x00\x01\x00\x01", "dns_malformed_bad_label", 1),
        ("pointer-forward", header(5) + b"\xc0\x20\x00\x01\x00\x01", "dns_malformed_bad_pointer", 1),
        ("pointer-self", header(6) + b"\xc0\x0c\x00\x01\x00\x01", "dns_malformed_bad_pointer", 1),
        ("name-too-long", header(7) + b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" + b"c" * 63
         + b"\x3f" + b"d" * 63 + b"\x00\x00\x01\x00\x01", "dns_malformed_name_too_long", 1),
        ("truncated-question", header(8) + b"\x03www\x07inter", "dns_malformed_truncated", 1),
        ("truncated-record", header(9, ar=1) + q + b"\x00\x00\x29\x04", "dns_malformed_truncated", 1),
        ("two-opt", header(10, ar=2) + q + OPT + OPT, "dns_malformed_opt_twice", 1),
    ]
    before = eng.stats()
    for name, payload, counter, rcode in cases:
        # One try each, so that each counter moves exactly once.
        r = udp_exchange(eng, payload, timeout=0.5 if rcode is None else 2.0, tries=1)
        if rcode is None:
            results.check(f"malformed-{name}-dropped", r is None, repr(r))
        else:
            results.check(f"malformed-{name}-formerr", r is not None and (r[3] & 0x0F) == rcode
                          and (r[2] & 0x80) != 0, repr(r))
    r = udp_exchange(eng, header(11, flags=0x1100) + q, timeout=2.0, tries=1)  # opcode 2, STATUS
    results.check("opcode-status-notimp", r is not None and (r[3] & 0x0F) == 4, repr(r))
    after = eng.stats()
    expected = {}
    for _, _, counter, _ in cases:
        expected[counter] = expected.get(counter, 0) + 1
    wrong = {k: (after.get(k, 0) - before.get(k, 0), n) for k, n in expected.items()
             if after.get(k, 0) - before.get(k, 0) != n}
    results.check("malformed-counted-each", not wrong, f"counter: (moved, expected) {wrong}")
    results.check("notimp-counted", after.get("dns_rcode_notimp", 0) - before.get("dns_rcode_notimp", 0) == 1,
                  str(after.get("dns_rcode_notimp")))


# ---------------------------------------------------------------- dnsperf


def dnsperf_check(results, eng, workdir):
    qfile = os.path.join(workdir, "queries.txt")
    with open(qfile, "w") as f:
        for name, qtype in FIXED_SET:
            if not qtype.startswith("TYPE"):
                f.write(f"{name} {qtype}\n")
    r = eng.run(["dnsperf", "-s", pi.ENGINE_IP, "-d", qfile, "-l", "3", "-Q", "3000", "-t", "2", "-c", "4"],
                timeout=30)
    out = r.stdout + r.stderr
    completed = lost = None
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Queries completed:"):
            completed = int(line.split()[2])
        if line.startswith("Queries lost:"):
            lost = int(line.split()[2])
    results.check("dnsperf-no-loss", r.returncode == 0 and completed is not None and completed > 1000 and lost == 0,
                  out[-1500:])


def rrl_checks(results, binary):
    """--dns-rrl 10: a burst of 100 same questions gets 10 answers, half the rest truncated."""
    with pi.Engine(binary, "dnsrrl", app_args=["--dns-zone", ZONE, "--dns-rrl", "10",
                                               "--dns-rrl-slip", "2"]) as eng:
        q = query_bytes(9, "host.interop.test", 1)
        full = truncated = 0
        with eng.netns():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((pi.PEER_IP, 0))
            s.settimeout(0.5)
            for _ in range(100):  # bounded: 100 datagrams, well within a second
                s.sendto(q, (pi.ENGINE_IP, 53))
            try:
                while True:
                    r = s.recv(2048)
                    if r[2] & 0x02:
                        truncated += 1
                    else:
                        full += 1
            except socket.timeout:
                pass
            s.close()
        st = eng.stats()
        results.check("rrl-limits-a-burst", 10 <= full <= 12 and 40 <= truncated <= 46
                      and st.get("dns_rrl_dropped", 0) + st.get("dns_rrl_slipped", 0) == 100 - full
                      and st.get("dns_rrl_slipped", 0) == truncated,
                      f"full {full} truncated {truncated} stats "
                      f"{ {k: v for k, v in st.items() if k.startswith('dns_rrl')} }")
        out = kdig(eng, "+tcp", "-t", "A", "host.interop.test")
        results.check("rrl-tcp-unlimited", "198.18.0.80" in out, out)
        pi.check_stopped_clean(results, eng, prefix="rrl-")


def main(results) -> None:
    binary = pi.engine_binary(sys.argv)
    workdir = tempfile.mkdtemp(prefix="portway-dns-nsd-")
    with pi.Engine(binary, "dns", app_args=["--dns-zone", ZONE, "--dns-zone", DEEP,
                                            "--dns-tcp-idle", str(IDLE_S)]) as eng:
        nsd = start_nsd(eng, workdir)
        try:
            kdig_checks(results, eng)
            tcp_checks(results, eng)
            compare_with_nsd(results, eng)
            malformed_checks(results, eng)
            dnsperf_check(results, eng, workdir)
        finally:
            dns_peers.stop_process(nsd)
        pi.check_stopped_clean(results, eng)
    shutil.rmtree(workdir, ignore_errors=True)
    rrl_checks(results, binary)


if __name__ == "__main__":
    pi.require(tools=("kdig", "nsd", "dnsperf", "timeout"))
    try:
        import dns.message  # noqa: F401
    except ImportError:
        print("skip: missing python3-dnspython (scripts/test installs it)", flush=True)
        sys.exit(pi.SKIP)
    pi.main_guard(main)
