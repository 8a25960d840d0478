// The napagent daemon under abuse: malformed and out-of-order frames close only the offending
// connection, per-client quotas return E_OUTOFMEMORY without touching other clients, and slow
// or dead callbacks are bounded by the callback timeout.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "agent/harness.h"
#include "opennap/client/remote_agent.h"
#include "opennap/ipc/frame.h"
#include "support/daemon.h"

namespace opennap::client {
namespace {

using namespace std::chrono_literals;
using agent::ClientManagement;
using agent::EnforcementClientBinding;
using agent::HealthAgentBinding;
using agent::test::info;
using agent::test::TestEc;
using agent::test::TestSha;

constexpr SystemHealthEntityId kSha = 0x000137F0;
constexpr EnforcementEntityId kEc = 0x000137F1;
constexpr EnforcementEntityId kEc2 = 0x000137F2;

template <typename F>
bool eventually(F&& f, std::chrono::milliseconds timeout = 5s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (f())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return f();
}

int raw_connect(const std::filesystem::path& path) {
    const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(s);
        return -1;
    }
    return s;
}

// True when the daemon closes `s` (read returns 0 or an error) within the timeout.
bool closed_by_peer(int s, std::chrono::milliseconds timeout = 3s) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    for (;;) {
        const ssize_t k = ::recv(s, buf, sizeof buf, 0);
        if (k == 0)
            return true;
        if (k < 0)
            return errno == ECONNRESET;
    }
}

void send_bytes(int s, const std::vector<std::uint8_t>& bytes) {
    ASSERT_EQ(::send(s, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
}

std::vector<std::uint8_t> frame(const ipc::v1::Envelope& env) {
    std::vector<std::uint8_t> out;
    EXPECT_TRUE(ipc::encode_frame(env, out));
    return out;
}

std::vector<std::uint8_t> hello_frame() {
    ipc::v1::Envelope env;
    auto* rq = env.mutable_request();
    rq->set_id(1);
    rq->mutable_hello()->set_min_version(ipc::kMessageVersion);
    rq->mutable_hello()->set_max_version(ipc::kMessageVersion);
    return frame(env);
}

class DaemonLimitsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(daemon.start()) << daemon.log_text();
        remote = connect_client();
        ASSERT_TRUE(remote->wait_connected(5s));
        ClientManagement mgmt(remote);
        ASSERT_EQ(mgmt.register_system_health_agent(info(kSha, u"SHA")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEc, u"EC")), hr::S_OK);
        ASSERT_EQ(mgmt.register_enforcement_client(info(kEc2, u"EC 2")), hr::S_OK);
    }
    void TearDown() override {
        if (HasFailure())
            std::fprintf(stderr, "---- napagent log ----\n%s\n", daemon.log_text().c_str());
    }
    std::shared_ptr<RemoteAgent> connect_client() {
        RemoteOptions o;
        o.socket_path = daemon.socket();
        auto r = RemoteAgent::connect(o);
        r->wait_connected(5s);
        return r;
    }
    // The daemon still serves a well-behaved client.
    void expect_still_serving() {
        EXPECT_TRUE(remote->connected());
        EXPECT_TRUE(remote->registered_shas().has_value());
    }

    test::NapagentProcess daemon{
        "[limits]\nper_client_connections = 3\ncallback_timeout_ms = 300\n"
        "callback_timeouts_before_unbind = 2\n"};
    std::shared_ptr<RemoteAgent> remote;
};

TEST_F(DaemonLimitsTest, GarbageClosesOnlyThatConnection) {
    const int s = raw_connect(daemon.socket());
    ASSERT_GE(s, 0);
    send_bytes(s, {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'});
    EXPECT_TRUE(closed_by_peer(s));
    ::close(s);
    expect_still_serving();
    EXPECT_NE(daemon.log_text().find("malformed frame"), std::string::npos);
}

TEST_F(DaemonLimitsTest, OversizedLengthIsRefusedFromTheHeader) {
    const int s = raw_connect(daemon.socket());
    ASSERT_GE(s, 0);
    // "ON", version 1, flags 0, length 64 MiB: refused before any body is read.
    send_bytes(s, {'O', 'N', 1, 0, 0x04, 0x00, 0x00, 0x00});
    EXPECT_TRUE(closed_by_peer(s));
    ::close(s);
    expect_still_serving();
    EXPECT_NE(daemon.log_text().find("exceeds"), std::string::npos) << "the reason is logged";
}

TEST_F(DaemonLimitsTest, OutOfOrderFramesCloseTheConnection) {
    {  // a request before Hello
        const int s = raw_connect(daemon.socket());
        ipc::v1::Envelope env;
        env.mutable_request()->set_id(1);
        env.mutable_request()->mutable_status();
        send_bytes(s, frame(env));
        EXPECT_TRUE(closed_by_peer(s));
        ::close(s);
    }
    {  // a Reply from a client
        const int s = raw_connect(daemon.socket());
        send_bytes(s, hello_frame());
        ipc::v1::Envelope env;
        env.mutable_reply()->set_id(1);
        send_bytes(s, frame(env));
        EXPECT_TRUE(closed_by_peer(s));
        ::close(s);
    }
    {  // an answer to a callback never sent
        const int s = raw_connect(daemon.socket());
        send_bytes(s, hello_frame());
        ipc::v1::Envelope env;
        env.mutable_callback_reply()->set_id(77);
        send_bytes(s, frame(env));
        EXPECT_TRUE(closed_by_peer(s));
        ::close(s);
    }
    {  // a second Hello
        const int s = raw_connect(daemon.socket());
        send_bytes(s, hello_frame());
        send_bytes(s, hello_frame());
        EXPECT_TRUE(closed_by_peer(s));
        ::close(s);
    }
    expect_still_serving();
    const std::string log = daemon.log_text();
    EXPECT_NE(log.find("the first frame must be Hello"), std::string::npos);
    EXPECT_NE(log.find("a client may not send"), std::string::npos);
    EXPECT_NE(log.find("never sent"), std::string::npos);
    EXPECT_NE(log.find("a second Hello"), std::string::npos);
}

TEST_F(DaemonLimitsTest, PerClientConnectionQuotaIsOutOfMemoryForThatClientOnly) {
    auto eb = EnforcementClientBinding::initialize(remote, kEc, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    std::vector<std::shared_ptr<agent::Connection>> held;
    for (int i = 0; i < 3; ++i) {
        auto c = eb->create_connection();
        ASSERT_TRUE(c) << i;
        held.push_back(*c);
    }
    auto over = eb->create_connection();
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error(), hr::E_OUTOFMEMORY);
    EXPECT_NE(daemon.log_text().find("E_OUTOFMEMORY: CreateConnection over the limit"),
              std::string::npos);

    // Another client still gets its own quota.
    auto other = connect_client();
    auto eb2 = EnforcementClientBinding::initialize(other, kEc2, std::make_shared<TestEc>());
    ASSERT_TRUE(eb2);
    EXPECT_TRUE(eb2->create_connection());

    // Releasing one frees a slot.
    held.pop_back();
    EXPECT_TRUE(eventually([&] { return eb->create_connection().has_value(); }));
}

TEST_F(DaemonLimitsTest, ASlowShaIsTimedOutAndUnboundAfterRepeatedTimeouts) {
    auto sha = std::make_shared<TestSha>(kSha);
    sha->cache = false;  // asked every time
    sha->on_get = [](agent::ShaRequest&) -> agent::Status {
        std::this_thread::sleep_for(700ms);  // past the 300 ms callback timeout
        return hr::S_OK;
    };
    auto sha_agent = connect_client();
    auto sb = HealthAgentBinding::initialize(sha_agent, kSha, sha);
    ASSERT_TRUE(sb);
    auto eb = EnforcementClientBinding::initialize(remote, kEc, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto c = eb->create_connection();
    ASSERT_TRUE(c);
    ASSERT_EQ((*c)->set_connection_id(agent::test::guid(3)), hr::S_OK);

    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(eb->get_soh_request(**c));
    const auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_LT(took, 3s) << "bounded by the callback timeout";
    // The SHA's entry is the system-generated one carrying the timeout.
    auto request = (*c)->soh_request();
    ASSERT_TRUE(request);
    auto view = soh::decode(request->data, {.expect = soh::Direction::Request});
    ASSERT_TRUE(view);
    ASSERT_TRUE(view->system.system_generated_ids);
    EXPECT_NE(daemon.log_text().find("got no answer within 300 ms"), std::string::npos);

    // A second timeout in a row unbinds it (callback_timeouts_before_unbind = 2).
    ASSERT_TRUE(eb->get_soh_request(**c));
    EXPECT_TRUE(eventually([&] {
        for (const auto& s : remote->sha_status()) {
            if (s.info.id == kSha)
                return !s.bound;
        }
        return false;
    }));
    EXPECT_NE(daemon.log_text().find("unbound after 2 callbacks without an answer"),
              std::string::npos);
}

TEST_F(DaemonLimitsTest, AClientThatDiesMidCallbackIsCleanedUp) {
    auto eb = EnforcementClientBinding::initialize(remote, kEc, std::make_shared<TestEc>());
    ASSERT_TRUE(eb);
    auto c = eb->create_connection();
    ASSERT_TRUE(c);
    ASSERT_EQ((*c)->set_connection_id(agent::test::guid(4)), hr::S_OK);
    {
        // An "SHA" that binds on a raw socket and never answers its callbacks, then goes away.
        const int s = raw_connect(daemon.socket());
        send_bytes(s, hello_frame());
        ipc::v1::Envelope env;
        env.mutable_request()->set_id(2);
        env.mutable_request()->mutable_bind()->set_kind(ipc::v1::COMPONENT_KIND_HEALTH_AGENT);
        env.mutable_request()->mutable_bind()->set_id(kSha);
        send_bytes(s, frame(env));
        ASSERT_TRUE(eventually([&] {
            for (const auto& st : remote->sha_status()) {
                if (st.info.id == kSha && st.bound)
                    return true;
            }
            return false;
        }));
        std::thread closer([s] {
            std::this_thread::sleep_for(100ms);
            ::close(s);
        });
        // GetSoHRequest waits for the SHA; its death ends the wait well before the timeout.
        const auto t0 = std::chrono::steady_clock::now();
        EXPECT_TRUE(eb->get_soh_request(**c));
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
        closer.join();
    }
    EXPECT_TRUE(eventually([&] {
        for (const auto& st : remote->sha_status()) {
            if (st.info.id == kSha)
                return !st.bound;
        }
        return false;
    }));
    expect_still_serving();
}

}  // namespace
}  // namespace opennap::client
