#!/usr/bin/env bash
# The per-packet path takes no lock and does no atomic read-modify-write
# (docs/layers.md, "shared-nothing cores"). This greps the sources that
# run per packet for the constructs that would break the rule. A line may be
# excused only with a `lock-free-exception:` comment saying why it is not on
# the per-packet path (set-up, the control thread); docs/multicore.md lists
# the exceptions.
set -uo pipefail
cd "$(dirname "$0")/.."
paths=(engine/flow engine/tcp engine/udp engine/ip engine/wire engine/core/worker.cc engine/core/timer_wheel.cc
       engine/core/timer_wheel.h engine/include/portway/worker.h engine/include/portway/stats.h
       engine/include/portway/udp.h engine/include/portway/tcp.h engine/include/portway/service.h
       engine/include/portway/payload.h drivers/impair.cc drivers/impair.h
       drivers/impair_lane.h drivers/impair_queues.cc drivers/rss.h apps/services)
pattern='std::mutex|lock_guard|unique_lock|scoped_lock|shared_mutex|spinlock|rte_rwlock|pthread_mutex|fetch_add|fetch_sub|fetch_or|fetch_and|compare_exchange|\.exchange\(|rte_atomic|__atomic_|__sync_|\+\+[a-z_]*\.load|std::atomic_flag'
hits=$(grep -rnE "$pattern" "${paths[@]}" 2>/dev/null | grep -v 'lock-free-exception:' || true)
if [ -n "$hits" ]; then
    echo "locks or atomic read-modify-writes on the per-packet path:"
    echo "$hits"
    echo "0 passed, 1 failed"
    exit 1
fi
excused=$(grep -rnE "$pattern" "${paths[@]}" 2>/dev/null | grep -c 'lock-free-exception:' || true)
echo "no locks or atomic RMW on the per-packet path (${excused} excused set-up lines)"
echo "1 passed, 0 failed"
