#include "wire/ethernet.h"

#include <cassert>

namespace portway::wire {

EthernetRepr EthernetRepr::parse(const EthernetView& view) {
    return {view.dst(), view.src(), view.ethertype(), view.vlan()};
}

void EthernetRepr::emit(MutBytes frame) const {
    using namespace ethernet;
    assert(frame.size() >= header_len());
    dst.store(&frame[kDst]);
    src.store(&frame[kSrc]);
    if (vlan) {
        store_be16(&frame[kType], static_cast<uint16_t>(EtherType::vlan));
        store_be16(&frame[kTci], vlan->tci());
        store_be16(&frame[kInnerType], static_cast<uint16_t>(ethertype));
    } else {
        store_be16(&frame[kType], static_cast<uint16_t>(ethertype));
    }
}

}  // namespace portway::wire
