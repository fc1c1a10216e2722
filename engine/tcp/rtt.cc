#include "tcp/rtt.h"

#include <algorithm>

namespace portway::tcp {

void RtoEstimator::on_sample(Nanos r) {
    if (!has_sample_) {
        // RFC 6298 §2.2: SRTT <- R, RTTVAR <- R/2.
        srtt_ = r;
        rttvar_ = r / 2;
        has_sample_ = true;
    } else {
        // RFC 6298 §2.3, in this order (RTTVAR uses the old SRTT):
        //   RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|,  beta = 1/4
        //   SRTT <- (1 - alpha) * SRTT + alpha * R',             alpha = 1/8
        rttvar_ = (rttvar_ * 3 + abs_diff(srtt_, r)) / 4;
        srtt_ = (srtt_ * 7 + r) / 8;
    }
    // RFC 6298 §2.2/§2.3: RTO <- SRTT + max(G, K * RTTVAR), then §2.4/§2.5.
    rto_ = clamp(srtt_ + std::max(config_.granularity, rttvar_ * kK));
    backoffs_ = 0;
}

void RtoEstimator::on_timeout() {
    rto_ = std::min(rto_ * 2, config_.max);
    ++backoffs_;
}

void RtoEstimator::on_established_after_syn_timeout() {
    if (has_sample_)
        return;
    rto_ = clamp(seconds(3));
    backoffs_ = 0;
}

Nanos RtoEstimator::clamp(Nanos rto) const {
    return std::min(std::max(rto, config_.min), config_.max);
}

}  // namespace portway::tcp
