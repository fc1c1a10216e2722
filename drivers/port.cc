#include <rte_ethdev.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "portway/port.h"
#include "rss.h"

namespace portway {

namespace {

// rte_eth_rss_conf wants a mutable key; the one key lives in rss.h.
std::array<uint8_t, 40> g_symmetric_rss_key = kSymmetricRssKey;

std::string port_error(uint16_t port_id, const std::string& what, int rc) {
    return "port " + std::to_string(port_id) + ": " + what + ": " + rte_strerror(-rc);
}

uint16_t clamp_descriptors(uint16_t wanted, uint16_t min, uint16_t max) {
    if (max != 0)
        wanted = std::min(wanted, max);
    return std::max(wanted, min);
}

}  // namespace

Expected<PortCapabilities> Port::query(uint16_t port_id) {
    if (!rte_eth_dev_is_valid_port(port_id)) {
        return Error{"port " + std::to_string(port_id) + " does not exist"};
    }
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0) {
        return Error{port_error(port_id, "cannot read device info", rc)};
    }
    PortCapabilities caps;
    caps.driver = info.driver_name != nullptr ? info.driver_name : "";
    caps.max_rx_queues = info.max_rx_queues;
    caps.max_tx_queues = info.max_tx_queues;
    caps.rss_hash_functions = info.flow_type_rss_offloads;
    caps.reta_size = info.reta_size;
    caps.rx_ipv4_checksum = (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
    caps.rx_l4_checksum = (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) != 0 &&
                          (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0;
    caps.tx_ipv4_checksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
    caps.tx_udp_checksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
    caps.tx_tcp_checksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0;
    caps.tx_multi_segment = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
    caps.tx_fast_free = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) != 0;
    caps.min_rx_descriptors = info.rx_desc_lim.nb_min;
    caps.max_rx_descriptors = info.rx_desc_lim.nb_max;
    caps.min_tx_descriptors = info.tx_desc_lim.nb_min;
    caps.max_tx_descriptors = info.tx_desc_lim.nb_max;
    caps.min_mtu = info.min_mtu;
    caps.max_mtu = info.max_mtu;
    uint16_t mtu = 0;
    caps.mtu = rte_eth_dev_get_mtu(port_id, &mtu) == 0 ? mtu : 1500;
    const int socket = rte_eth_dev_socket_id(port_id);
    caps.socket = socket < 0 ? 0 : socket;
    return caps;
}

Expected<Port> Port::configure(uint16_t port_id, const PortSetup& setup) {
    auto caps = query(port_id);
    if (!caps)
        return Error{caps.error()};
    Port port;
    port.id_ = port_id;
    port.caps_ = *caps;
    port.preset_ = &preset_for_driver(port.caps_.driver);
    char name[RTE_ETH_NAME_MAX_LEN] = {};
    if (rte_eth_dev_get_name_by_port(port_id, name) == 0)
        port.name_ = name;

    if (setup.pool == nullptr)
        return Error{"port " + port.name_ + ": no mempool for RX"};
    port.rx_queues_ = std::min<uint16_t>(setup.queues, port.caps_.max_rx_queues);
    port.tx_queues_ = std::min<uint16_t>(setup.queues, port.caps_.max_tx_queues);
    if (port.rx_queues_ == 0 || port.tx_queues_ == 0) {
        return Error{"port " + port.name_ + " offers no RX or no TX queue"};
    }

    rte_eth_conf conf{};
    if (setup.want_rss && port.rx_queues_ > 1 && port.caps_.rss_hash_functions != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = g_symmetric_rss_key.data();
        conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(g_symmetric_rss_key.size());
        conf.rx_adv_conf.rss_conf.rss_hf =
            (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & port.caps_.rss_hash_functions;
        port.rss_enabled_ = conf.rx_adv_conf.rss_conf.rss_hf != 0;
        if (!port.rss_enabled_)
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
    }
    if (setup.want_checksum_offload) {
        if (port.caps_.rx_ipv4_checksum)
            port.rx_offloads_ |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
        if (port.caps_.rx_l4_checksum) {
            port.rx_offloads_ |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
        }
        if (port.caps_.tx_ipv4_checksum)
            port.tx_offloads_ |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
        if (port.caps_.tx_udp_checksum)
            port.tx_offloads_ |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
        if (port.caps_.tx_tcp_checksum)
            port.tx_offloads_ |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
    }
    if (port.caps_.tx_multi_segment)
        port.tx_offloads_ |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
    conf.rxmode.offloads = port.rx_offloads_;
    conf.txmode.offloads = port.tx_offloads_;

    if (int rc = rte_eth_dev_configure(port_id, port.rx_queues_, port.tx_queues_, &conf); rc != 0) {
        return Error{port_error(port_id, "cannot configure " + port.name_, rc)};
    }

    uint16_t rxd = setup.rx_descriptors != 0 ? setup.rx_descriptors : port.preset_->rx_descriptors;
    uint16_t txd = setup.tx_descriptors != 0 ? setup.tx_descriptors : port.preset_->tx_descriptors;
    if (rxd == 0)
        rxd = 1024;
    if (txd == 0)
        txd = 1024;
    rxd = clamp_descriptors(rxd, port.caps_.min_rx_descriptors, port.caps_.max_rx_descriptors);
    txd = clamp_descriptors(txd, port.caps_.min_tx_descriptors, port.caps_.max_tx_descriptors);
    if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rxd, &txd); rc != 0) {
        return Error{port_error(port_id, "cannot adjust descriptor counts", rc)};
    }
    port.rx_desc_ = rxd;
    port.tx_desc_ = txd;

    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0) {
        return Error{port_error(port_id, "cannot read device info", rc)};
    }
    const auto socket = static_cast<unsigned>(port.caps_.socket);
    for (uint16_t q = 0; q < port.rx_queues_; ++q) {
        rte_eth_rxconf rxconf = info.default_rxconf;
        rxconf.offloads = port.rx_offloads_;
        if (int rc = rte_eth_rx_queue_setup(port_id, q, rxd, socket, &rxconf, setup.pool);
            rc != 0) {
            return Error{port_error(port_id, "cannot set up RX queue " + std::to_string(q), rc)};
        }
    }
    for (uint16_t q = 0; q < port.tx_queues_; ++q) {
        rte_eth_txconf txconf = info.default_txconf;
        txconf.offloads = port.tx_offloads_;
        if (int rc = rte_eth_tx_queue_setup(port_id, q, txd, socket, &txconf); rc != 0) {
            return Error{port_error(port_id, "cannot set up TX queue " + std::to_string(q), rc)};
        }
    }
    if (setup.promiscuous) {
        // Not every virtual device supports it (net_ring does not); that is fine.
        (void)rte_eth_promiscuous_enable(port_id);
    }
    return port;
}

Status Port::start() {
    if (int rc = rte_eth_dev_start(id_); rc != 0) {
        return Status::error(port_error(id_, "cannot start " + name_, rc));
    }
    started_ = true;
    if (rss_enabled_ && caps_.reta_size >= kRetaSize) {
        // RETA entry i -> queue (i % 128) % queues, so the NIC puts a flow
        // where flow/steering.h says its owner is, whatever the table size.
        std::vector<rte_eth_rss_reta_entry64> reta(caps_.reta_size / RTE_ETH_RETA_GROUP_SIZE);
        for (uint16_t i = 0; i < caps_.reta_size; ++i) {
            auto& group = reta[i / RTE_ETH_RETA_GROUP_SIZE];
            group.mask |= uint64_t{1} << (i % RTE_ETH_RETA_GROUP_SIZE);
            group.reta[i % RTE_ETH_RETA_GROUP_SIZE] =
                static_cast<uint16_t>((i % kRetaSize) % rx_queues_);
        }
        // A device that keeps its own table still spreads flows; steering
        // then moves what lands on the wrong core, so this is not fatal.
        (void)rte_eth_dev_rss_reta_update(id_, reta.data(), caps_.reta_size);
    }
    return {};
}

void Port::stop() {
    if (started_) {
        (void)rte_eth_dev_stop(id_);
        started_ = false;
    }
}

LinkState Port::link() const {
    rte_eth_link link{};
    LinkState s;
    if (rte_eth_link_get_nowait(id_, &link) == 0) {
        s.up = link.link_status == RTE_ETH_LINK_UP;
        s.speed_mbps = link.link_speed;
        s.full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
    }
    return s;
}

std::string Port::mac() const {
    rte_ether_addr addr{};
    if (rte_eth_macaddr_get(id_, &addr) != 0)
        return "??:??:??:??:??:??";
    char buf[RTE_ETHER_ADDR_FMT_SIZE];
    rte_ether_format_addr(buf, sizeof(buf), &addr);
    return buf;
}

std::string Port::describe() const {
    char line[512];
    const LinkState l = link();
    std::snprintf(line, sizeof(line),
                  "port %u %s (%s) mac %s socket %d: %u rxq x %u, %u txq x %u, rss %s, "
                  "rx cksum %s, tx cksum %s, mtu %u, link %s %u Mbps",
                  id_, name_.c_str(), caps_.driver.c_str(), mac().c_str(), caps_.socket, rx_queues_,
                  rx_desc_, tx_queues_, tx_desc_, rss_enabled_ ? "on" : "off",
                  (rx_offloads_ & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0 ? "offload" : "software",
                  (tx_offloads_ & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0 ? "offload" : "software",
                  caps_.mtu, l.up ? "up" : "down", l.speed_mbps);
    return line;
}

}  // namespace portway
