#include "wire/tcp_options.h"

#include <algorithm>
#include <cassert>

namespace portway::wire {
namespace {

using namespace tcp_option;

// Writes fields one after another, big-endian.
class Writer {
  public:
    explicit Writer(uint8_t* p) : p_(p) {}
    Writer& u8(uint8_t v) {
        *p_++ = v;
        return *this;
    }
    Writer& u16(uint16_t v) {
        store_be16(p_, v);
        p_ += 2;
        return *this;
    }
    Writer& u32(uint32_t v) {
        store_be32(p_, v);
        p_ += 4;
        return *this;
    }

  private:
    uint8_t* p_;
};

// Reads one known option's value into `out`; false if its length is wrong.
bool read_option(uint8_t kind, Bytes value, TcpOptions& out) {
    const std::size_t length = value.size() + 2;  // with kind and length bytes
    switch (kind) {
        case kMss:
            if (length != kMssLen) {
                return false;
            }
            out.mss = load_be16(&value[0]);
            return true;
        case kWindowScale:
            if (length != kWindowScaleLen) {
                return false;
            }
            out.window_scale = std::min(value[0], kMaxWindowScale);
            return true;
        case kSackPermitted:
            if (length != kSackPermittedLen) {
                return false;
            }
            out.sack_permitted = true;
            return true;
        case kSack: {
            // RFC 2018 §3: length 2 + 8n, at least one block.
            const std::size_t blocks = value.size() / kSackBlockLen;
            if (value.size() % kSackBlockLen != 0 || blocks == 0 || blocks > kMaxSackBlocks) {
                return false;
            }
            for (std::size_t i = 0; i < blocks; ++i) {
                const uint8_t* b = &value[i * kSackBlockLen];
                out.sack_blocks[i] = {load_be32(b), load_be32(b + 4)};
            }
            out.sack_count = static_cast<uint8_t>(blocks);
            return true;
        }
        case kTimestamp:
            if (length != kTimestampLen) {
                return false;
            }
            out.timestamp = TcpTimestamp{load_be32(&value[0]), load_be32(&value[4])};
            return true;
        default:
            return true;  // unknown: skipped by its length
    }
}

}  // namespace

Result<TcpOptions, OptionWalk> TcpOptions::parse(Bytes list) {
    TcpOptions out;
    const OptionWalk walk = for_each_option(
        list, [&out](uint8_t kind, Bytes value) { return read_option(kind, value, out); });
    if (walk != OptionWalk::ok) {
        return walk;
    }
    return out;
}

std::size_t TcpOptions::len_without_sack() const {
    std::size_t n = mss ? kMssLen : 0;
    if (timestamp) {
        n += 2 + kTimestampLen;  // SACKP or NOP NOP, then TS
    } else if (sack_permitted) {
        n += 2 + kSackPermittedLen;
    }
    return n + (window_scale ? 1 + kWindowScaleLen : 0);
}

std::size_t TcpOptions::sack_blocks_emitted() const {
    const std::size_t room = kMaxLen - len_without_sack();
    const std::size_t fit = room >= 4 ? (room - 4) / kSackBlockLen : 0;  // NOP NOP kind len
    return std::min<std::size_t>(sack_count, fit);
}

std::size_t TcpOptions::buffer_len() const {
    const std::size_t blocks = sack_blocks_emitted();
    return len_without_sack() + (blocks > 0 ? 4 + blocks * kSackBlockLen : 0);
}

void TcpOptions::emit(MutBytes out) const {
    assert(out.size() >= buffer_len());
    Writer w(out.data());
    if (mss) {
        w.u8(kMss).u8(kMssLen).u16(*mss);
    }
    if (timestamp) {
        if (sack_permitted) {
            w.u8(kSackPermitted).u8(kSackPermittedLen);
        } else {
            w.u8(kOptionNop).u8(kOptionNop);
        }
        w.u8(kTimestamp).u8(kTimestampLen).u32(timestamp->value).u32(timestamp->echo);
    } else if (sack_permitted) {
        w.u8(kOptionNop).u8(kOptionNop).u8(kSackPermitted).u8(kSackPermittedLen);
    }
    if (window_scale) {
        w.u8(kOptionNop).u8(kWindowScale).u8(kWindowScaleLen).u8(*window_scale);
    }
    if (const std::size_t blocks = sack_blocks_emitted(); blocks > 0) {
        w.u8(kOptionNop).u8(kOptionNop).u8(kSack);
        w.u8(static_cast<uint8_t>(2 + blocks * kSackBlockLen));
        for (std::size_t i = 0; i < blocks; ++i) {
            w.u32(sack_blocks[i].left).u32(sack_blocks[i].right);
        }
    }
}

}  // namespace portway::wire
