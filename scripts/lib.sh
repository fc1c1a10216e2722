# Shared helpers for scripts/*: sourced, not run.
# shellcheck shell=bash

PORTWAY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PORTWAY_ROOT

if [ -t 2 ]; then _b=$'\033[1m' _r=$'\033[1;31m' _n=$'\033[0m'; else _b="" _r="" _n=""; fi
log() { printf '%s[portway]%s %s\n' "$_b" "$_n" "$*" >&2; }
die() { printf '%s[portway] error:%s %s\n' "$_r" "$_n" "$*" >&2; exit 1; }

need_root() {
    [ "$(id -u)" -eq 0 ] || die "$1 needs root (DPDK's tap device and network namespaces need CAP_NET_ADMIN and CAP_SYS_ADMIN); run it with sudo"
}

# Packages to build and test Portway on Debian 12. Everything comes from apt.
PORTWAY_BUILD_PACKAGES=(
    build-essential pkg-config meson ninja-build python3 python3-pyelftools
    libdpdk-dev dpdk-dev dpdk libhwloc-dev libpcap-dev libnuma-dev
    libgtest-dev libgmock-dev libbenchmark-dev clang-format
    clang libclang-rt-14-dev
)
PORTWAY_PEER_PACKAGES=(
    iproute2 iputils-ping iputils-arping netcat-openbsd socat curl tshark
    python3-scapy hping3 nmap nftables dnsutils wrk valgrind ethtool traceroute dpdk-doc
    knot-dnsutils nsd dnsperf python3-dnspython python3-h11
)

# Installs whatever is missing from the given package names.
ensure_packages() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    need_root "installing ${missing[*]}"
    log "installing with apt: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # tshark asks whether non-root users may capture; the answer does not matter here.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install failed: ${missing[*]}"
}

# Configures (once) and builds the tree in $1 with the remaining meson options.
build_tree() {
    local dir="$1"; shift
    if [ ! -f "$dir/build.ninja" ]; then
        log "configuring $dir: meson setup $*"
        meson setup "$dir" "$PORTWAY_ROOT" "$@" >/dev/null || die "meson setup failed"
    fi
    log "building $dir"
    ninja -C "$dir" >/dev/null 2>"$dir/.ninja-errors" || { cat "$dir/.ninja-errors" >&2; ninja -C "$dir" | tail -30 >&2; die "build failed"; }
}

# Network namespaces for kernel peers: created here, deleted on exit, even
# on failure (the test network rule, docs/layers.md).
PORTWAY_NETNS=()
netns_create() {
    local name="$1"
    ip netns add "$name" || die "cannot create network namespace $name"
    PORTWAY_NETNS+=("$name")
    ip -n "$name" link set lo up
}
netns_cleanup() {
    local ns
    for ns in "${PORTWAY_NETNS[@]}"; do
        # Whatever still runs in the namespace goes with it.
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -TERM 2>/dev/null || true
        sleep 0.2
        ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
        ip netns delete "$ns" 2>/dev/null || true
    done
    PORTWAY_NETNS=()
}

# Waits up to $3 seconds for interface $2 to appear in namespace $1.
wait_for_link() {
    local ns="$1" dev="$2" limit="${3:-20}" i
    for ((i = 0; i < limit * 10; i++)); do
        ip -n "$ns" link show "$dev" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
