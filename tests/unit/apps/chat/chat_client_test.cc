// portway-chat's handler against the real chat relay on the test kit's
// simulated network: the client's stdin is a pipe, its stdout and stderr
// temporary files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "../../../../apps/services/chat/chat.h"
#include "chat_client.h"
#include "client_service.h"
#include "host_lookup.h"
#include "portway/testing/fakes.h"
#include "portway/testing/sim.h"

namespace portway::chat_client {
namespace {

using testkit::RecordingPeer;
using testkit::SimHost;
using testkit::SimNetwork;

const Ipv4Address kServer = Ipv4Address::from_octets(198, 18, 0, 2);
const Ipv4Address kClient = Ipv4Address::from_octets(198, 18, 0, 3);
const Ipv4Address kOther = Ipv4Address::from_octets(198, 18, 0, 4);

std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string contents(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
        out.append(buf, n);
    return out;
}

struct ClientRig {
    int input[2] = {-1, -1};
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    std::shared_ptr<ClientOptions> options = std::make_shared<ClientOptions>();
    std::shared_ptr<ClientOutcome> outcome = std::make_shared<ClientOutcome>();

    ClientRig(const std::string& server, const std::string& nick) {
        EXPECT_EQ(::pipe(input), 0);
        EXPECT_EQ(parse_server(server, *options), "");
        options->nick = nick;
        options->input_fd = input[0];
        options->output = out;
        options->errors = err;
    }
    ~ClientRig() {
        ::close(input[0]);
        if (input[1] >= 0)
            ::close(input[1]);
        std::fclose(out);
        std::fclose(err);
    }
    void type(const std::string& s) {
        ASSERT_EQ(::write(input[1], s.data(), s.size()), static_cast<ssize_t>(s.size()));
    }
    void end_input() {
        ::close(input[1]);
        input[1] = -1;
    }
    Service service() { return client_service(options, outcome); }
};

std::string received(RecordingPeer::Stream& s) {
    return std::string(s.received.begin(), s.received.end());
}

TEST(ChatClient, RelaysBothWaysAndExitsZeroAtTheEndOfItsInput) {
    SimNetwork net;
    SimHost& server = net.add_host(kServer, {chat::chat_service({.listen = true})});
    ClientRig rig("198.18.0.2:5555", "carol");
    SimHost& client = net.add_host(kClient, {rig.service()});
    SimHost& other = net.add_host(kOther, {testkit::recording_peer()});
    auto& peer = other.handler_as<RecordingPeer>("peer");
    auto& s = peer.track(*other.context("peer").tcp_connect({kServer, 5555}));
    peer.send(s, bytes("NICK dave\n"));
    ASSERT_TRUE(net.run_until(
        [&] { return client.handler_as<ChatClientHandler>("chat_client").joined(); }, seconds(2)))
        << contents(rig.out) << contents(rig.err) << server.counted("chat", "connections") << " "
        << server.counted("chat", "joins") << received(s);
    rig.type("hello from carol\nsecond");
    peer.send(s, bytes("hi carol\n"));
    ASSERT_TRUE(net.run_until(
        [&] { return received(s).find("carol: hello from carol\n") != std::string::npos; },
        seconds(2)));
    rig.end_input();  // the last line has no LF: it is ended for it
    ASSERT_TRUE(net.run_until([&] { return rig.outcome->finished.load(); }, seconds(5)));
    EXPECT_EQ(rig.outcome->exit_code, 0) << contents(rig.err);
    EXPECT_TRUE(client.stop_requested());
    net.run_for(ms(100));
    const std::string at_peer = received(s);
    EXPECT_NE(at_peer.find("carol: hello from carol\ncarol: second\n* carol left\n"),
              std::string::npos)
        << at_peer;
    const std::string out = contents(rig.out);
    EXPECT_EQ(out.rfind("OK carol\n", 0), 0u) << out;
    EXPECT_NE(out.find("dave: hi carol\n"), std::string::npos) << out;
    EXPECT_EQ(contents(rig.err), "");
    EXPECT_EQ(server.counted("chat", "quits"), 1u);
}

TEST(ChatClient, ATakenNickIsAnError) {
    SimNetwork net;
    net.add_host(kServer, {chat::chat_service({.listen = true})});
    SimHost& other = net.add_host(kOther, {testkit::recording_peer()});
    auto& peer = other.handler_as<RecordingPeer>("peer");
    auto& s = peer.track(*other.context("peer").tcp_connect({kServer, 5555}));
    peer.send(s, bytes("NICK Erin\n"));
    net.run_for(ms(20));
    ClientRig rig("198.18.0.2:5555", "erin");
    net.add_host(kClient, {rig.service()});
    ASSERT_TRUE(net.run_until([&] { return rig.outcome->finished.load(); }, seconds(2)));
    EXPECT_EQ(rig.outcome->exit_code, 1);
    EXPECT_NE(contents(rig.err).find("ERR nick taken"), std::string::npos) << contents(rig.err);
}

TEST(ChatClient, ARefusedConnectionIsAnError) {
    SimNetwork net;
    net.add_host(kServer, {chat::chat_service({})});  // not listening
    ClientRig rig("198.18.0.2:5555", "frank");
    net.add_host(kClient, {rig.service()});
    ASSERT_TRUE(net.run_until([&] { return rig.outcome->finished.load(); }, seconds(2)));
    EXPECT_EQ(rig.outcome->exit_code, 1);
    EXPECT_NE(contents(rig.err).find("connection refused"), std::string::npos) << contents(rig.err);
}

TEST(ChatClient, ANameWithoutAResolverDoesNotResolve) {
    SimNetwork net;
    ClientRig rig("chat.portway.test:5555", "gina");
    SimHost& client = net.add_host(kClient, {rig.service()});
    EXPECT_TRUE(rig.outcome->finished);
    EXPECT_EQ(rig.outcome->exit_code, 1);
    EXPECT_TRUE(client.stop_requested());
    EXPECT_NE(contents(rig.err).find("cannot resolve chat.portway.test"), std::string::npos)
        << contents(rig.err);
}

// The seam: a name goes to the resolver, and the lookup goes on in the
// callback, as a DNS-backed resolver will do.
class ScriptedResolver final : public NameResolver {
  public:
    void resolve(Context&, std::string_view name, LookupDone& done) override {
        asked = std::string(name);
        waiting = &done;
    }
    std::string asked;
    LookupDone* waiting = nullptr;
};

struct Recorder final : LookupDone {
    void on_resolved(Context&, const LookupResult& r) override {
        ++calls;
        result = r;
    }
    int calls = 0;
    LookupResult result;
};

TEST(HostLookup, LiteralsAtOnceNamesThroughTheResolver) {
    testkit::FakeContext ctx;
    Recorder done;
    lookup_host(ctx, "198.18.0.2", nullptr, done);
    ASSERT_EQ(done.calls, 1);
    EXPECT_EQ(done.result.address, kServer);

    ScriptedResolver resolver;
    Recorder later;
    lookup_host(ctx, "chat.portway.test", &resolver, later);
    EXPECT_EQ(later.calls, 0);
    EXPECT_EQ(resolver.asked, "chat.portway.test");
    ASSERT_NE(resolver.waiting, nullptr);
    resolver.waiting->on_resolved(ctx, {kServer, {}});
    EXPECT_EQ(later.calls, 1);

    Recorder none;
    lookup_host(ctx, "chat.portway.test", nullptr, none);
    ASSERT_EQ(none.calls, 1);
    EXPECT_FALSE(none.result.address);
    EXPECT_FALSE(none.result.error.empty());
    lookup_host(ctx, "198.18.0.256", nullptr, none);  // not a literal
    EXPECT_FALSE(none.result.address);
}

TEST(ChatClientOptions, ServerAndDns) {
    ClientOptions o;
    EXPECT_EQ(parse_server("198.18.0.2:5555", o), "");
    EXPECT_EQ(o.host, "198.18.0.2");
    EXPECT_EQ(o.port, 5555);
    EXPECT_EQ(parse_server("chat.portway.test:7000", o), "");
    EXPECT_EQ(o.host, "chat.portway.test");
    EXPECT_NE(parse_server("198.18.0.2", o), "");
    EXPECT_NE(parse_server(":5555", o), "");
    EXPECT_NE(parse_server("h:0", o), "");
    EXPECT_NE(parse_server("h:70000", o), "");
    EXPECT_EQ(parse_dns("198.18.0.1", o), "");
    EXPECT_EQ(o.dns->port, 53);
    EXPECT_EQ(parse_dns("198.18.0.1:5353", o), "");
    EXPECT_EQ(o.dns->port, 5353);
    EXPECT_NE(parse_dns("resolver", o), "");
}

}  // namespace
}  // namespace portway::chat_client
