"""NSD (Debian's nsd) as the kernel-side DNS peer of the interop tests.

start_nsd(eng, workdir, zones[, zonesdir]) writes an nsd.conf into workdir serving each
(name, zone file) on the kernel side's address of the test's namespace
and starts NSD there, bounded by `timeout`; stop_process() ends it.
ip-freebind lets NSD bind the address before the tap carries it.
"""

from __future__ import annotations

import os
import subprocess

import portway_interop as pi


def start_nsd(eng: pi.Engine, workdir: str, zones: list[tuple[str, str]],
              zonesdir: str | None = None) -> subprocess.Popen:
    """zonesdir: where relative names in the zone files ($INCLUDE) are found."""
    conf = os.path.join(workdir, "nsd.conf")
    zone_lines = "".join(f"zone:\n    name: {name}\n    zonefile: \"{path}\"\n" for name, path in zones)
    with open(conf, "w") as f:
        f.write(f"""server:
    ip-address: {pi.PEER_IP}
    ip-freebind: yes
    port: 53
    zonesdir: "{zonesdir or workdir}"
    username: ""
    chroot: ""
    database: ""
    zonelistfile: "{workdir}/zone.list"
    xfrdfile: "{workdir}/xfrd.state"
    xfrdir: "{workdir}"
    pidfile: "{workdir}/nsd.pid"
    logfile: "{workdir}/nsd.log"
    server-count: 1
    minimal-responses: yes
    hide-version: yes
    verbosity: 1
remote-control:
    control-enable: no
{zone_lines}""")
    # Bounded: `timeout` ends it even if the test cannot.
    return subprocess.Popen(["ip", "netns", "exec", eng.ns, "timeout", "120", "nsd", "-d", "-c", conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=pi._die_with_parent)


def stop_process(proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
