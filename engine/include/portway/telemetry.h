// Engine counters through DPDK telemetry, readable with dpdk-telemetry.py:
//   /portway/stats   totals and drops by reason
//   /portway/lcores  per worker lcore: packets, polls, empty polls, cycles/packet
//   /portway/ports   per port: rx, tx, refused, and per queue (= per worker)
//   /portway/pools   per mempool: size, in use, baseline
// Callbacks run on DPDK's telemetry thread and read the single-writer
// counters with relaxed loads; the workers never wait for them.
#pragma once

namespace portway {

class Engine;

// Registers the commands (once per process) and points them at `engine`.
void telemetry_attach(Engine* engine);
// Detaches before the engine goes away; waits for a callback in flight.
void telemetry_detach();

}  // namespace portway
