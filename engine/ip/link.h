// The bottom of the stack's output: an Ethernet header in front of a
// packet, and the worker's buffered transmit on the interface's port.
#pragma once

#include <rte_mbuf.h>

#include "portway/interface.h"
#include "portway/net.h"
#include "portway/worker.h"
#include "wire/ethernet.h"

namespace portway::ip {

class Link {
  public:
    explicit Link(Worker& worker) : worker_(worker) {}

    // Prepends Ethernet (to `destination`, from the interface's MAC) and
    // sends `m` on the interface's port. Consumes `m`.
    void send(const Interface& ifc, rte_mbuf* m, const MacAddress& destination,
              wire::EtherType ethertype) {
        wire::EthernetRepr eth;
        eth.dst = destination;
        eth.src = ifc.mac;
        eth.ethertype = ethertype;
        auto* p = reinterpret_cast<uint8_t*>(
            rte_pktmbuf_prepend(m, static_cast<uint16_t>(eth.header_len())));
        if (p == nullptr) {
            worker_.drop(m, DropReason::no_mbuf);
            return;
        }
        eth.emit({p, eth.header_len()});
        m->l2_len = eth.header_len() & 0x7F;
        worker_.send(ifc.port, m);
    }

    Worker& worker() const { return worker_; }

  private:
    Worker& worker_;
};

}  // namespace portway::ip
