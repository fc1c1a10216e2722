// The resolver on the test kit's fakes: a FakeContext clock and sockets,
// answers made by hand, each check of RFC 5452, the retry schedule, TCP
// fallback, CNAMEs and the cache.
#include <gtest/gtest.h>

#include <memory>

#include "resolver_test_util.h"

namespace portway::dns::resolver_test {
namespace {

class ResolverTest : public ::testing::Test {
  protected:
    void make(ResolverConfig c) { host = std::make_unique<ResolverHost>(c); }
    void SetUp() override { make(config_with({kServerA, kServerB})); }

    FakeUdpSocket& socket(std::size_t i) { return *ctx.opened_sockets().at(i); }
    FakeUdpSocket& last_socket() { return *ctx.opened_sockets().back(); }
    std::size_t sockets() const { return ctx.opened_sockets().size(); }
    SentQuery query_on(FakeUdpSocket& s) { return parse_query(s.sent.back().payload); }
    void reply(FakeUdpSocket& s, const Endpoint& from, const Bytes& b) {
        UdpDatagram d = s.datagram_from(from, b);
        host->on_datagram(ctx, s, d);
    }
    // The right answer, from the server asked, to the last socket.
    void answer(AnswerSpec spec) {
        FakeUdpSocket& s = last_socket();
        reply(s, *s.remote(), answer_bytes(spec));
    }
    AnswerSpec answering_last() { return answering(query_on(last_socket())); }
    void run(Nanos t) { ctx.advance(*host, t); }
    uint64_t stat(ResolverStat s) const { return counted(ctx, s); }

    FakeContext ctx;
    std::unique_ptr<ResolverHost> host;
};

TEST_F(ResolverTest, QueryHasRandomIdTheQuestionAndEdns) {
    host->ask(ctx, "WWW.Example.ORG", type::A);
    host->ask(ctx, "mail.example.org.", type::MX);
    ASSERT_EQ(sockets(), 2u);
    const SentQuery q1 = query_on(socket(0));
    const SentQuery q2 = query_on(socket(1));
    EXPECT_EQ(socket(0).remote(), kServerA);
    EXPECT_EQ(socket(0).sent.back().to, kServerA);
    EXPECT_FALSE(q1.header.qr());
    EXPECT_NE(q1.header.flags & flag::RD, 0);
    EXPECT_EQ(q1.question.name.view().to_string(), "www.example.org.");
    EXPECT_EQ(q1.question.type, type::A);
    EXPECT_EQ(q1.question.klass, klass::IN);
    EXPECT_TRUE(q1.has_opt);
    EXPECT_EQ(q1.opt_payload, 1232);
    EXPECT_EQ(q2.question.type, type::MX);
    // Two queries from the CSPRNG: equal only once in 65536 runs.
    EXPECT_NE(q1.id, q2.id);
    EXPECT_NE(socket(0).local().port, socket(1).local().port);
    EXPECT_EQ(stat(ResolverStat::sent), 2u);
}

TEST_F(ResolverTest, AnswerIsDeliveredAndTheSocketClosed) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {a("www.example.org.", "198.18.5.1", 120), a("www.example.org.", "198.18.5.2", 60)};
    answer(s);
    const Seen* r = host->result("www.example.org");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, ResolveStatus::ok);
    EXPECT_EQ(r->name, "www.example.org.");
    EXPECT_EQ(r->addresses, (std::vector<std::string>{"198.18.5.1", "198.18.5.2"}));
    EXPECT_FALSE(r->from_cache);
    EXPECT_TRUE(socket(0).closed);
    EXPECT_EQ(host->resolver.pending(), 0u);
    EXPECT_EQ(ctx.pending_timers(), 0u);
}

TEST_F(ResolverTest, SpoofedAnswersAreDroppedAndTheQueryKeepsWaiting) {
    host->ask(ctx, "www.example.org", type::A);
    FakeUdpSocket& s = last_socket();
    const SentQuery q = query_on(s);
    AnswerSpec good = answering(q);
    good.answers = {a("www.example.org.", "198.18.5.1")};

    AnswerSpec wrong_id = good;
    wrong_id.id = static_cast<uint16_t>(q.id + 1);
    AnswerSpec not_response = good;
    not_response.qr = false;
    AnswerSpec other_name = good;
    other_name.qname = "evil.example.org.";
    AnswerSpec other_type = good;
    other_type.qtype = type::AAAA;
    AnswerSpec other_class = good;
    other_class.qclass = 3;  // CH

    reply(s, {kServerA.address, 5353}, answer_bytes(good));                        // another port
    reply(s, {Ipv4Address::from_octets(198, 18, 0, 66), 53}, answer_bytes(good));  // another host
    for (const AnswerSpec* spec :
         {&wrong_id, &not_response, &other_name, &other_type, &other_class})
        reply(s, kServerA, answer_bytes(*spec));
    EXPECT_EQ(stat(ResolverStat::mismatched_answers), 7u);
    EXPECT_TRUE(host->results.empty());
    EXPECT_FALSE(s.closed);

    // A datagram to a socket that is not the resolver's is not its business.
    FakeUdpSocket stranger(4000);
    UdpDatagram d = stranger.datagram_from(kServerA, answer_bytes(good));
    EXPECT_FALSE(host->resolver.on_datagram(ctx, stranger, d));

    // The question's case may differ (RFC 4343).
    good.qname = "WWW.EXAMPLE.ORG.";
    reply(s, kServerA, answer_bytes(good));
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::ok);
}

TEST_F(ResolverTest, RetriesBackOffOverTheServersThenTimeOut) {
    host->ask(ctx, "www.example.org", type::A);
    // 400 ms, 800, 1600, then 3200 capped at 3 s: four attempts in all.
    const struct {
        Nanos at;
        std::size_t sockets;
    } schedule[] = {{ms(399), 1},  {ms(400), 2},  {ms(1199), 2}, {ms(1200), 3},
                    {ms(2799), 3}, {ms(2800), 4}, {ms(5799), 4}};
    Nanos now = Nanos::zero();
    for (const auto& step : schedule) {
        run(step.at - now);
        now = step.at;
        EXPECT_EQ(sockets(), step.sockets) << "at " << step.at.count() << " ns";
    }
    EXPECT_TRUE(host->results.empty());
    run(ms(1));
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::timeout);
    // Servers in turn, each attempt on a socket of its own, with a new ID.
    EXPECT_EQ(socket(0).remote(), kServerA);
    EXPECT_EQ(socket(1).remote(), kServerB);
    EXPECT_EQ(socket(2).remote(), kServerA);
    EXPECT_EQ(socket(3).remote(), kServerB);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_TRUE(socket(i).closed);
    EXPECT_NE(query_on(socket(0)).id, query_on(socket(1)).id);
    EXPECT_EQ(stat(ResolverStat::retries), 3u);
    EXPECT_EQ(stat(ResolverStat::timeouts), 1u);
    EXPECT_EQ(ctx.pending_timers(), 0u);
}

TEST_F(ResolverTest, AnAnswerToAnEarlierAttemptIsNotAccepted) {
    host->ask(ctx, "www.example.org", type::A);
    FakeUdpSocket& first = socket(0);
    const SentQuery q = query_on(first);
    run(ms(400));
    ASSERT_EQ(sockets(), 2u);
    // The late answer to the first attempt, on the second socket (another
    // ID) from the second server: dropped.
    AnswerSpec late = answering(q);
    late.answers = {a("www.example.org.", "198.18.5.1")};
    reply(socket(1), kServerB, answer_bytes(late));
    EXPECT_EQ(stat(ResolverStat::mismatched_answers), 1u);
    EXPECT_TRUE(host->results.empty());
}

TEST_F(ResolverTest, TotalTimeoutBoundsTheQuery) {
    ResolverConfig c = config_with({kServerA});
    c.attempts = 50;
    c.total_timeout = ms(1000);
    make(c);
    host->ask(ctx, "www.example.org", type::A);
    run(ms(999));
    EXPECT_TRUE(host->results.empty());
    run(ms(1));
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::timeout);
    EXPECT_EQ(sockets(), 2u);  // 400 ms, then 800 cut at the deadline
}

TEST_F(ResolverTest, ServfailAsksTheNextServerAndReportsTheLastAnswer) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.rcode = static_cast<uint8_t>(Rcode::servfail);
    answer(s);
    ASSERT_EQ(sockets(), 2u);  // at once, not after the timeout
    EXPECT_EQ(socket(1).remote(), kServerB);
    EXPECT_TRUE(host->results.empty());
    AnswerSpec r = answering_last();
    r.rcode = static_cast<uint8_t>(Rcode::refused);
    answer(r);
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::refused);
    EXPECT_EQ(stat(ResolverStat::servfail_next_server), 1u);
    // Not cached: the next resolve asks again.
    host->ask(ctx, "www.example.org", type::A);
    EXPECT_EQ(sockets(), 3u);
}

TEST_F(ResolverTest, ServfailFromTheOnlyServerIsReported) {
    make(config_with({kServerA}));
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.rcode = static_cast<uint8_t>(Rcode::servfail);
    answer(s);
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::servfail);
}

TEST_F(ResolverTest, TruncatedAnswerIsAskedAgainOverTcp) {
    host->ask(ctx, "big.example.org", type::A);
    AnswerSpec tc = answering_last();
    tc.tc = true;
    answer(tc);
    EXPECT_TRUE(socket(0).closed);
    ASSERT_EQ(ctx.connected_streams().size(), 1u);
    testkit::FakeTcpStream& stream = *ctx.connected_streams()[0];
    EXPECT_EQ(stream.remote(), kServerA);
    stream.open(*host, ctx, true);
    ASSERT_GE(stream.sent.size(), 2u);
    const uint16_t length = load16(stream.sent.data());
    ASSERT_EQ(stream.sent.size(), 2u + length);
    const SentQuery q = parse_query({stream.sent.data() + 2, length});
    EXPECT_EQ(q.question.name.view().to_string(), "big.example.org.");

    AnswerSpec full = answering(q);
    for (int i = 1; i <= 40; ++i)
        full.answers.push_back(a("big.example.org.", "198.18.6." + std::to_string(i)));
    const Bytes body = answer_bytes(full);
    Bytes framed(2 + body.size());
    store16(framed.data(), static_cast<uint16_t>(body.size()));
    std::copy(body.begin(), body.end(), framed.begin() + 2);
    // In two segments: the resolver waits for the whole message.
    stream.peer_sends(*host, ctx, {framed.data(), 7});
    EXPECT_TRUE(host->results.empty());
    stream.peer_sends(*host, ctx, {framed.data() + 7, framed.size() - 7});
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::ok);
    EXPECT_EQ(host->results[0].second.addresses.size(), 40u);
    EXPECT_TRUE(stream.closed);
    EXPECT_EQ(stat(ResolverStat::tcp_fallbacks), 1u);
    // Its on_closed is still the resolver's.
    EXPECT_TRUE(host->resolver.on_closed(ctx, stream, TcpCloseReason::closed));
}

TEST_F(ResolverTest, TcpClosedBeforeTheAnswerMovesOn) {
    host->ask(ctx, "big.example.org", type::A);
    AnswerSpec tc = answering_last();
    tc.tc = true;
    answer(tc);
    testkit::FakeTcpStream& stream = *ctx.connected_streams()[0];
    stream.end(*host, ctx, TcpCloseReason::refused);
    EXPECT_EQ(stat(ResolverStat::tcp_closed_early), 1u);
    ASSERT_EQ(sockets(), 2u);  // the next attempt, over UDP to the next server
    EXPECT_EQ(socket(1).remote(), kServerB);
}

TEST_F(ResolverTest, CnameChainInOneResponse) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {cname("www.example.org.", "alias.example.org.", 500),
                 cname("alias.example.org.", "host.example.net.", 200),
                 a("host.example.net.", "198.18.7.1", 300)};
    answer(s);
    const Seen* r = host->result("www.example.org");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, ResolveStatus::ok);
    EXPECT_EQ(r->name, "host.example.net.");
    EXPECT_EQ(r->records,
              (std::vector<std::string>{"www.example.org. 5 500", "alias.example.org. 5 200",
                                        "host.example.net. 1 300"}));
    EXPECT_EQ(r->addresses, std::vector<std::string>{"198.18.7.1"});
    EXPECT_EQ(sockets(), 1u);
}

TEST_F(ResolverTest, ChainEndingAtACnameIsAskedForItsTarget) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {cname("www.example.org.", "cdn.example.net.", 100)};
    answer(s);
    ASSERT_EQ(sockets(), 2u);
    const SentQuery q = query_on(last_socket());
    EXPECT_EQ(q.question.name.view().to_string(), "cdn.example.net.");
    EXPECT_EQ(stat(ResolverStat::cname_requeries), 1u);
    AnswerSpec t = answering(q);
    t.answers = {a("cdn.example.net.", "198.18.7.9", 50)};
    answer(t);
    const Seen* r = host->result("www.example.org");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->status, ResolveStatus::ok);
    EXPECT_EQ(r->name, "cdn.example.net.");
    EXPECT_EQ(r->records,
              (std::vector<std::string>{"www.example.org. 5 100", "cdn.example.net. 1 50"}));
    // Cached under the name asked, for the chain's smallest TTL.
    run(seconds(49));
    host->ask(ctx, "www.example.org", type::A);
    run(Nanos::zero());
    ASSERT_NE(host->result("www.example.org", 1), nullptr);
    EXPECT_TRUE(host->result("www.example.org", 1)->from_cache);
    run(seconds(2));
    host->ask(ctx, "www.example.org", type::A);
    EXPECT_EQ(sockets(), 3u);
}

TEST_F(ResolverTest, CnameLoopAndOverlongChain) {
    host->ask(ctx, "a.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {cname("a.example.org.", "b.example.org."),
                 cname("b.example.org.", "a.example.org.")};
    answer(s);
    ASSERT_NE(host->result("a.example.org"), nullptr);
    EXPECT_EQ(host->result("a.example.org")->status, ResolveStatus::cname_loop);

    host->ask(ctx, "l0.example.org", type::A);
    AnswerSpec l = answering_last();
    for (int i = 0; i < 9; ++i)
        l.answers.push_back(cname("l" + std::to_string(i) + ".example.org.",
                                  "l" + std::to_string(i + 1) + ".example.org."));
    l.answers.push_back(a("l9.example.org.", "198.18.7.1"));
    answer(l);
    ASSERT_NE(host->result("l0.example.org"), nullptr);
    EXPECT_EQ(host->result("l0.example.org")->status, ResolveStatus::cname_loop);
    EXPECT_EQ(stat(ResolverStat::cname_loops), 2u);

    // Eight links are fine.
    host->ask(ctx, "m0.example.org", type::A);
    AnswerSpec m = answering_last();
    for (int i = 0; i < 8; ++i)
        m.answers.push_back(cname("m" + std::to_string(i) + ".example.org.",
                                  "m" + std::to_string(i + 1) + ".example.org."));
    m.answers.push_back(a("m8.example.org.", "198.18.7.1"));
    answer(m);
    ASSERT_NE(host->result("m0.example.org"), nullptr);
    EXPECT_EQ(host->result("m0.example.org")->status, ResolveStatus::ok);
}

TEST_F(ResolverTest, LoopAcrossRequeries) {
    host->ask(ctx, "a.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {cname("a.example.org.", "b.example.net.")};
    answer(s);
    AnswerSpec t = answering_last();
    t.answers = {cname("b.example.net.", "A.example.org.")};
    answer(t);
    ASSERT_NE(host->result("a.example.org"), nullptr);
    EXPECT_EQ(host->result("a.example.org")->status, ResolveStatus::cname_loop);
}

TEST_F(ResolverTest, CacheHitIsDeliveredLaterWithTheTtlCountingDown) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {a("www.example.org.", "198.18.5.1", 300)};
    answer(s);
    run(seconds(100));
    host->ask(ctx, "WWW.example.org.", type::A);
    EXPECT_EQ(sockets(), 1u);
    EXPECT_EQ(host->result("WWW.example.org."), nullptr);  // not from inside resolve()
    run(Nanos::zero());
    const Seen* r = host->result("WWW.example.org.");
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(r->from_cache);
    EXPECT_EQ(r->records, std::vector<std::string>{"www.example.org. 1 200"});
    EXPECT_EQ(r->addresses, std::vector<std::string>{"198.18.5.1"});
    EXPECT_EQ(stat(ResolverStat::cache_hits), 1u);
    // Another type is another key.
    host->ask(ctx, "www.example.org", type::AAAA);
    EXPECT_EQ(sockets(), 2u);
}

TEST_F(ResolverTest, EntriesExpireWithTheirTtlCappedByMaxTtl) {
    ResolverConfig c = config_with({kServerA});
    c.max_ttl = 60;
    make(c);
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {a("www.example.org.", "198.18.5.1", 100000)};
    answer(s);
    run(seconds(59));
    host->ask(ctx, "www.example.org", type::A);
    EXPECT_EQ(sockets(), 1u);
    run(seconds(1));
    host->ask(ctx, "www.example.org", type::A);
    EXPECT_EQ(sockets(), 2u);  // expired on Context::now()
}

TEST_F(ResolverTest, NegativeAnswersAreCachedForTheSoaMinimum) {
    host->ask(ctx, "nope.example.org", type::A);
    AnswerSpec s = answering_last();
    s.rcode = static_cast<uint8_t>(Rcode::nxdomain);
    s.authority = {soa("example.org.", 600, 30)};
    answer(s);
    ASSERT_NE(host->result("nope.example.org"), nullptr);
    EXPECT_EQ(host->result("nope.example.org")->status, ResolveStatus::nxdomain);
    run(seconds(29));
    host->ask(ctx, "nope.example.org", type::A);
    run(Nanos::zero());
    ASSERT_NE(host->result("nope.example.org", 1), nullptr);
    EXPECT_EQ(host->result("nope.example.org", 1)->status, ResolveStatus::nxdomain);
    EXPECT_TRUE(host->result("nope.example.org", 1)->from_cache);
    run(seconds(1));
    host->ask(ctx, "nope.example.org", type::A);
    EXPECT_EQ(sockets(), 2u);
    s.id = answering_last().id;
    answer(s);

    // NODATA for the SOA's TTL when it is the smaller.
    host->ask(ctx, "www.example.org", type::AAAA);
    AnswerSpec n = answering_last();
    n.authority = {soa("example.org.", 20, 3600)};
    answer(n);
    ASSERT_NE(host->result("www.example.org"), nullptr);
    EXPECT_EQ(host->result("www.example.org")->status, ResolveStatus::nodata);
    run(seconds(19));
    host->ask(ctx, "www.example.org", type::AAAA);
    EXPECT_EQ(sockets(), 3u);
    run(seconds(1));
    host->ask(ctx, "www.example.org", type::AAAA);
    EXPECT_EQ(sockets(), 4u);
}

TEST_F(ResolverTest, NegativeAnswerWithoutSoaIsNotCached) {
    host->ask(ctx, "nope.example.org", type::A);
    AnswerSpec s = answering_last();
    s.rcode = static_cast<uint8_t>(Rcode::nxdomain);
    answer(s);
    EXPECT_EQ(host->result("nope.example.org")->status, ResolveStatus::nxdomain);
    host->ask(ctx, "nope.example.org", type::A);
    EXPECT_EQ(sockets(), 2u);
}

TEST_F(ResolverTest, SameQuestionInFlightIsJoined) {
    host->ask(ctx, "www.example.org", type::A);
    host->ask(ctx, "WWW.EXAMPLE.ORG", type::A);
    EXPECT_EQ(sockets(), 1u);
    EXPECT_EQ(stat(ResolverStat::joined), 1u);
    AnswerSpec s = answering_last();
    s.answers = {a("www.example.org.", "198.18.5.1")};
    answer(s);
    ASSERT_EQ(host->results.size(), 2u);
    EXPECT_EQ(host->results[0].second.addresses, std::vector<std::string>{"198.18.5.1"});
    EXPECT_EQ(host->results[1].second.addresses, std::vector<std::string>{"198.18.5.1"});
    EXPECT_EQ(host->resolver.pending(), 0u);
}

TEST_F(ResolverTest, MoreThanMaxInFlightIsBusy) {
    for (int i = 0; i < 4; ++i)
        host->ask(ctx, "n" + std::to_string(i) + ".example.org", type::A);
    host->ask(ctx, "n4.example.org", type::A);
    EXPECT_EQ(sockets(), 4u);
    EXPECT_TRUE(host->results.empty());  // even busy comes later
    run(Nanos::zero());
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].first, "n4.example.org");
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::busy);
    EXPECT_EQ(stat(ResolverStat::busy), 1u);
    // Past the refusal queue too: resolve() says so, and never calls back.
    for (int i = 0; i < 4; ++i)
        host->ask(ctx, "x.example.org", type::A);
    EXPECT_FALSE(host->resolver.resolve(ctx, "x.example.org", type::A,
                                        [](const Resolution&) { ADD_FAILURE(); }));
    EXPECT_EQ(stat(ResolverStat::refusals_dropped), 1u);
    run(Nanos::zero());
    EXPECT_EQ(host->results.size(), 5u);
}

TEST_F(ResolverTest, BadNamesAreRefused) {
    const std::string label63(63, 'a');
    const std::string label64(64, 'a');
    std::string long_name;
    for (int i = 0; i < 4; ++i)
        long_name += label63 + ".";  // 4 * 64 + 1 = 257 bytes in wire form
    for (const std::string& bad : {std::string(), std::string("a..b"), std::string(".a"),
                                   label64 + ".org", long_name, std::string("a\\")})
        host->ask(ctx, bad, type::A);
    EXPECT_EQ(sockets(), 0u);
    run(Nanos::zero());
    ASSERT_EQ(host->results.size(), 6u);
    for (const auto& [name, seen] : host->results)
        EXPECT_EQ(seen.status, ResolveStatus::bad_name) << name;
    EXPECT_EQ(stat(ResolverStat::bad_names), 6u);
    host->ask(ctx, label63 + ".org", type::A);
    EXPECT_EQ(sockets(), 1u);
}

TEST_F(ResolverTest, CallbacksThatResolveAgainAreAnsweredLater) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {a("www.example.org.", "198.18.5.1")};
    answer(s);
    // From inside a delivery, a cache hit: delivered by the next flush.
    int calls = 0;
    EXPECT_TRUE(host->resolver.resolve(ctx, "www.example.org", type::A, [&](const Resolution&) {
        ++calls;
        EXPECT_TRUE(
            host->resolver.resolve(ctx, "www.example.org", type::A, [&](const Resolution& r) {
                ++calls;
                EXPECT_TRUE(r.from_cache);
            }));
        EXPECT_EQ(calls, 1);
    }));
    EXPECT_EQ(calls, 0);
    run(Nanos::zero());
    EXPECT_EQ(calls, 2);
}

TEST_F(ResolverTest, MalformedAnswerIsDroppedAndCounted) {
    host->ask(ctx, "www.example.org", type::A);
    AnswerSpec s = answering_last();
    s.answers = {a("www.example.org.", "198.18.5.1")};
    Bytes bytes = answer_bytes(s);
    Bytes cut(bytes.begin(), bytes.end() - 3);  // the last record's rdata cut short
    reply(last_socket(), kServerA, cut);
    EXPECT_EQ(stat(ResolverStat::malformed_answers), 1u);
    EXPECT_TRUE(host->results.empty());
    reply(last_socket(), kServerA, bytes);
    ASSERT_EQ(host->results.size(), 1u);
    EXPECT_EQ(host->results[0].second.status, ResolveStatus::ok);
}

TEST_F(ResolverTest, ForeignTimerTokensAreNotTheResolvers) {
    EXPECT_FALSE(host->resolver.on_timer(ctx, 42));
    EXPECT_FALSE(host->resolver.on_timer(ctx, uint64_t{0x5254} << 48));
}

}  // namespace
}  // namespace portway::dns::resolver_test
