// Return-code audit of the enforcement-client API (nap-api.md §10), C++ face: every documented
// return code of INapEnforcementClientBinding, the agent's reaction to each
// INapEnforcementClientCallback return, every INapEnforcementClientConnection(2) method, the
// SetConnectionId rules and the E_OUTOFMEMORY (allocation failure and quota) paths, each checked
// for its exact HRESULT and for what must not change. docs/return-codes-ec.md maps each
// (method, code) to its test; cases already covered elsewhere are not repeated here.
#include <cstdio>
#include <functional>
#include <string>
#include <tuple>

#include "harness.h"

namespace opennap::agent::test {
namespace {

std::string hex_digits(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08X", v);
    return buf;
}

using namespace std::chrono_literals;

template <typename T>
HResult rc(const Result<T>& r) {
    return r ? hr::S_OK : r.error();
}

// An EC callback whose answers the test scripts: NotifySoHChange's status and GetConnections'
// result.
class ScriptedEc : public EnforcementClientCallback {
  public:
    Status notify_soh_change() override {
        ++notifications;
        if (on_notify)
            return on_notify();
        return notify_result;
    }
    Result<std::vector<std::shared_ptr<Connection>>> get_connections() override {
        ++listings;
        return listed;
    }
    std::atomic<int> notifications{0};
    std::atomic<int> listings{0};
    Status notify_result = hr::S_OK;
    std::function<Status()> on_notify;
    Result<std::vector<std::shared_ptr<Connection>>> listed =
        std::vector<std::shared_ptr<Connection>>{};
};

class CountingSink : public NotificationSink {
  public:
    void notify(NapNotifyType type) override {
        if (type == NapNotifyType::QuarState)
            ++quar;
    }
    std::atomic<int> quar{0};
};

class RcEc : public AgentTest {
  protected:
    RcEc()
        : sha1(std::make_shared<TestSha>(kSha1)),
          ec(std::make_shared<ScriptedEc>()),
          sha_binding(bind_sha(kSha1, sha1)),
          ec_a(bind_ec_scripted(agent, kEcA, ec)) {}

    static EnforcementClientBinding bind_ec_scripted(std::shared_ptr<Agent> a,
                                                     EnforcementEntityId id,
                                                     std::shared_ptr<ScriptedEc> cb) {
        auto b = EnforcementClientBinding::initialize(std::move(a), id, std::move(cb));
        EXPECT_TRUE(b) << to_string(b.error());
        return std::move(*b);
    }

    // A second agent with a tweaked configuration (same clock, same fault switch), with EC A,
    // EC B and SHA 1 registered.
    std::shared_ptr<Agent> custom_agent(const std::function<void(AgentConfig&)>& tweak) {
        AgentConfig cfg = config(failing_site);
        tweak(cfg);
        auto a = std::make_shared<Agent>(cfg, clock);
        EXPECT_EQ(a->register_ec(Caller::admin(), info(kEcA, u"EC A")), hr::S_OK);
        EXPECT_EQ(a->register_ec(Caller::admin(), info(kEcB, u"EC B")), hr::S_OK);
        EXPECT_EQ(a->register_sha(Caller::admin(), info(kSha1, u"SHA one")), hr::S_OK);
        return a;
    }

    static std::size_t live_connections(const Agent& a, EnforcementEntityId id) {
        for (const auto& s : a.ec_status()) {
            if (s.info.id == id)
                return s.connections.size();
        }
        return 0;
    }
    static bool bound(const Agent& a, EnforcementEntityId id) {
        for (const auto& s : a.ec_status()) {
            if (s.info.id == id)
                return s.bound;
        }
        return false;
    }
    static Caller stale(const EnforcementClientBinding& b) {
        return Caller{Caller::Kind::EnforcementClient, b.caller().id, b.caller().binding + 1000};
    }

    std::shared_ptr<TestSha> sha1;
    std::shared_ptr<ScriptedEc> ec;
    HealthAgentBinding sha_binding;
    EnforcementClientBinding ec_a;
};

// ==== §10.1 INapEnforcementClientBinding =========================================================

// ---- Uninitialize ------------------------------------------------------------------------------

TEST_F(RcEc, UninitializeByAnotherKindOfCallerIsAccessDenied) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(agent->unbind_ec(sha_binding.caller()), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->unbind_ec(Caller::admin()), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->unbind_ec(Caller::agent()), hr::E_ACCESSDENIED);
    // Nothing changed: the EC is still bound and its connection still live.
    EXPECT_TRUE(bound(*agent, kEcA));
    EXPECT_EQ(live_connections(*agent, kEcA), 1u);
    EXPECT_TRUE(ec_a.get_soh_request(*c));
    // A stale token of the right kind is not initialized (not "access denied").
    EXPECT_EQ(agent->unbind_ec(stale(ec_a)), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(bound(*agent, kEcA));
}

TEST_F(RcEc, UninitializeTakesTheConnectionsDownAndOrphansTheirRequests) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId corr = *c->correlation_id();
    EXPECT_TRUE(agent->system_isolation().unknown_connections);
    EXPECT_EQ(ec_a.uninitialize(), hr::S_OK);
    EXPECT_FALSE(bound(*agent, kEcA));
    EXPECT_EQ(live_connections(*agent, kEcA), 0u);
    ASSERT_EQ(sha1->orphaned.size(), 1u);
    EXPECT_EQ(sha1->orphaned[0], corr);
    EXPECT_FALSE(agent->system_isolation().unknown_connections);
    // The connection's id is free again for the EC's next binding.
    auto again = bind_ec_scripted(agent, kEcA, ec);
    auto c2 = *again.create_connection();
    EXPECT_EQ(c2->set_connection_id(guid(1)), hr::S_OK);
}

// ---- every binding method: the caller must be the live binding ----------------------------------

TEST_F(RcEc, BindingMethodsThroughAStaleBindingAreNotInitialized) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const Caller old = stale(ec_a);
    EXPECT_EQ(agent->create_connection(old).error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->get_soh_request(old, c->key()).error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->process_soh_response(old, c->key()), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->notify_connection_state_down(old, c->key()), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->notify_soh_change_failure(old), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(live_connections(*agent, kEcA), 1u);
    EXPECT_TRUE(sha1->orphaned.empty());

    // Through the handle after Uninitialize.
    EXPECT_EQ(ec_a.uninitialize(), hr::S_OK);
    EXPECT_EQ(ec_a.get_soh_request(*c).error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_a.notify_connection_state_down(*c), hr::NAP_E_NOT_INITIALIZED);
}

TEST_F(RcEc, BindingMethodsFromAnShaManagementOrTheAgentAreAccessDenied) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId corr = *c->correlation_id();
    ASSERT_EQ(c->set_soh_response(make_sohr(corr, {})), hr::S_OK);
    for (const Caller& who : {sha_binding.caller(), Caller::admin(), Caller::agent()}) {
        EXPECT_EQ(agent->create_connection(who).error(), hr::E_ACCESSDENIED);
        EXPECT_EQ(agent->get_soh_request(who, c->key()).error(), hr::E_ACCESSDENIED);
        EXPECT_EQ(agent->process_soh_response(who, c->key()), hr::E_ACCESSDENIED);
        EXPECT_EQ(agent->notify_connection_state_down(who, c->key()), hr::E_ACCESSDENIED);
        EXPECT_EQ(agent->notify_soh_change_failure(who), hr::E_ACCESSDENIED);
    }
    // Nothing happened: no connection created, the request is still the one outstanding, no
    // response processed, nothing orphaned, no retry scheduled.
    EXPECT_EQ(live_connections(*agent, kEcA), 1u);
    EXPECT_EQ(*c->correlation_id(), corr);
    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(sha1->orphaned.empty());
    EXPECT_EQ(sha1->get_calls, 1);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::S_OK) << "still pending";
}

TEST_F(RcEc, BindingMethodsOnAnUnknownConnectionAreInvalidArg) {
    auto c = connect(ec_a, 1);
    const ConnectionKey unknown = c->key() + 1000;
    EXPECT_EQ(agent->get_soh_request(ec_a.caller(), unknown).error(), hr::E_INVALIDARG);
    EXPECT_EQ(agent->process_soh_response(ec_a.caller(), unknown), hr::E_INVALIDARG);
    EXPECT_EQ(agent->notify_connection_state_down(ec_a.caller(), unknown), hr::E_INVALIDARG);
    EXPECT_EQ(live_connections(*agent, kEcA), 1u);
}

// ---- CreateConnection: E_OUTOFMEMORY (allocation failure, quotas)
// --------------------------------

TEST_F(RcEc, CreateConnectionAllocationFailureLeavesNoPartialState) {
    *failing_site = "connection";
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
    failing_site->clear();
    EXPECT_EQ(live_connections(*agent, kEcA), 0u);
    EXPECT_FALSE(agent->system_isolation().unknown_connections) << "no phantom connection";
    // The failed attempts used none of the EC's quota.
    std::vector<std::shared_ptr<Connection>> keep;
    for (int i = 0; i < maxConnectionCountPerEnforcer; ++i) {
        auto c = ec_a.create_connection();
        ASSERT_TRUE(c) << "connection " << i;
        keep.push_back(*c);
    }
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
}

TEST_F(RcEc, CreateConnectionPerEcQuotaCountsOnlyThatEcsLiveConnections) {
    auto a = custom_agent([](AgentConfig& c) { c.max_connections_per_ec = 2; });
    auto cb = std::make_shared<ScriptedEc>();
    auto ea = bind_ec_scripted(a, kEcA, cb);
    auto eb = bind_ec_scripted(a, kEcB, std::make_shared<ScriptedEc>());
    auto c1 = *ea.create_connection();
    auto c2 = *ea.create_connection();
    EXPECT_EQ(ea.create_connection().error(), hr::E_OUTOFMEMORY);
    EXPECT_EQ(live_connections(*a, kEcA), 2u) << "the refused one left nothing behind";
    EXPECT_TRUE(eb.create_connection()) << "another EC has its own quota";
    // A connection reported down frees its slot (and only once).
    EXPECT_EQ(ea.notify_connection_state_down(*c1), hr::S_OK);
    EXPECT_EQ(ea.notify_connection_state_down(*c1), hr::S_OK);
    auto c3 = ea.create_connection();
    ASSERT_TRUE(c3);
    EXPECT_EQ(ea.create_connection().error(), hr::E_OUTOFMEMORY);
}

TEST_F(RcEc, CreateConnectionTotalQuotaIsOutOfMemory) {
    auto a = custom_agent([](AgentConfig& c) { c.max_connections_total = 3; });
    auto ea = bind_ec_scripted(a, kEcA, std::make_shared<ScriptedEc>());
    auto eb = bind_ec_scripted(a, kEcB, std::make_shared<ScriptedEc>());
    auto a1 = *ea.create_connection();
    auto a2 = *ea.create_connection();
    auto b1 = *eb.create_connection();
    EXPECT_EQ(eb.create_connection().error(), hr::E_OUTOFMEMORY);
    EXPECT_EQ(ea.create_connection().error(), hr::E_OUTOFMEMORY);
    EXPECT_EQ(live_connections(*a, kEcA), 2u);
    EXPECT_EQ(live_connections(*a, kEcB), 1u);
    // Another EC's connection going away frees a slot in the total.
    a2.reset();
    EXPECT_TRUE(eb.create_connection());
}

// ---- GetSoHRequest ------------------------------------------------------------------------------

TEST_F(RcEc, GetSoHRequestCacheAllocationFailureStillBuildsTheRequest) {
    auto c = connect(ec_a, 1);
    *failing_site = "cache";
    auto hint = ec_a.get_soh_request(*c);
    ASSERT_TRUE(hint) << "not caching is not an error";
    EXPECT_TRUE(*hint);
    const NetworkSoH request = *c->soh_request();
    auto v = soh::decode(request.data, {.expect = soh::Direction::Request});
    ASSERT_TRUE(v);
    const soh::Message m = soh::Message::from(*v);
    ASSERT_EQ(m.entries.size(), 1u);
    EXPECT_EQ(m.entries[0].id, kSha1);
    EXPECT_FALSE(agent->sha_status()[0].has_cached_soh) << "nothing half-cached";
    failing_site->clear();
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_TRUE(agent->sha_status()[0].has_cached_soh);
}

TEST_F(RcEc, GetSoHRequestMaxSizeTooSmallLeavesTheConnectionUnchanged) {
    auto a = custom_agent([](AgentConfig& c) { c.machine.machine_name = std::string(400, 'm'); });
    auto sha = std::make_shared<TestSha>(kSha1);
    auto sb = *HealthAgentBinding::initialize(a, kSha1, sha);
    auto b = bind_ec_scripted(a, kEcA, std::make_shared<ScriptedEc>());
    auto c = *b.create_connection();
    ASSERT_EQ(c->set_connection_id(guid(1)), hr::S_OK);
    ASSERT_EQ(c->set_max_size(300), hr::S_OK);
    EXPECT_EQ(b.get_soh_request(*c).error(), hr::NAP_E_MAXSIZE_TOO_SMALL);
    EXPECT_EQ(c->soh_request().error(), hr::NAP_E_NOT_INITIALIZED) << "no request set";
    EXPECT_EQ(c->correlation_id().error(), hr::NAP_E_NOT_INITIALIZED) << "no id invented";
    EXPECT_EQ(*c->flags(), 0);
    // With a request outstanding, the failure keeps that request as it was.
    ASSERT_EQ(c->set_max_size(4000), hr::S_OK);
    ASSERT_TRUE(b.get_soh_request(*c));
    const CorrelationId corr = *c->correlation_id();
    const NetworkSoH request = *c->soh_request();
    ASSERT_EQ(c->set_max_size(300), hr::S_OK);
    EXPECT_EQ(b.get_soh_request(*c).error(), hr::NAP_E_MAXSIZE_TOO_SMALL);
    EXPECT_EQ(*c->correlation_id(), corr);
    EXPECT_EQ(*c->soh_request(), request);
    EXPECT_EQ(*c->flags(), freshSoHRequest);
}

TEST_F(RcEc, GetSoHRequestMaxSizeTooSmallDoesNotOrphanTheOutstandingRequest) {
    auto a = custom_agent([](AgentConfig& c) { c.machine.machine_name = std::string(400, 'm'); });
    auto sha = std::make_shared<TestSha>(kSha1);
    auto sb = *HealthAgentBinding::initialize(a, kSha1, sha);
    auto b = bind_ec_scripted(a, kEcA, std::make_shared<ScriptedEc>());
    auto c = *b.create_connection();
    ASSERT_EQ(c->set_connection_id(guid(1)), hr::S_OK);
    ASSERT_TRUE(b.get_soh_request(*c));
    const CorrelationId corr = *c->correlation_id();
    ASSERT_EQ(c->set_max_size(300), hr::S_OK);
    EXPECT_EQ(b.get_soh_request(*c).error(), hr::NAP_E_MAXSIZE_TOO_SMALL);
    EXPECT_TRUE(sha->orphaned.empty()) << "the request was not replaced";
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    ASSERT_EQ(c->set_soh_response(make_sohr(corr, o)), hr::S_OK);
    EXPECT_EQ(b.process_soh_response(*c), hr::S_OK);
    EXPECT_EQ(sha->responses, 1);
    EXPECT_TRUE(sha->orphaned.empty());
}

// ---- ProcessSoHResponse -------------------------------------------------------------------------

TEST_F(RcEc, ProcessSoHResponseInvalidPacketChangesNothing) {
    auto sink = std::make_shared<CountingSink>();
    ASSERT_EQ(agent->subscribe(1, NapNotifyType::QuarState, sink), hr::S_OK);
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId corr = *c->correlation_id();
    const SystemIsolation before = agent->system_isolation();
    // Invalid decisions in MS-Quarantine-State: isolation state 0, and extended state 7.
    SohrOptions bad_state;
    bad_state.state = static_cast<IsolationState>(0);
    bad_state.entries = {{kSha1, 0}};
    ASSERT_EQ(c->set_soh_response(make_sohr(corr, bad_state)), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_INVALID_PACKET);
    SohrOptions bad_ext;
    bad_ext.ext = static_cast<ExtendedIsolationState>(7);
    ASSERT_EQ(c->set_soh_response(make_sohr(corr, bad_ext)), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_INVALID_PACKET);
    // Truncated and empty-bodied garbage.
    ASSERT_EQ(c->set_soh_response(NetworkSoH{{0x00, 0x07}}), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_INVALID_PACKET);

    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->system_isolation(), before);
    EXPECT_EQ(sha1->responses, 0) << "no SHA saw the dropped packet";
    EXPECT_TRUE(sha1->orphaned.empty()) << "the request is still outstanding";
    EXPECT_EQ(sha1->state_changes, 0);
    EXPECT_EQ(sink->quar, 0);
    EXPECT_TRUE(agent->ec_status()[0].connections[0].request_outstanding);
    // The server's real answer is still accepted.
    SohrOptions good;
    good.state = IsolationState::RestrictedAccess;
    good.entries = {{kSha1, 0}};
    ASSERT_EQ(c->set_soh_response(make_sohr(corr, good)), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::S_OK);
    EXPECT_EQ(c->isolation_info()->isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(sha1->responses, 1);
}

TEST_F(RcEc, ProcessSoHResponseMismatchedIdWaitsForTheNewerResponse) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId old = *c->correlation_id();
    clock->advance(1s);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId current = *c->correlation_id();
    SohrOptions restricted;
    restricted.state = IsolationState::RestrictedAccess;
    restricted.entries = {{kSha1, 0}};
    ASSERT_EQ(c->set_soh_response(make_sohr(old, restricted)), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_MISMATCHED_ID);
    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(sha1->responses, 0);
    EXPECT_EQ(*c->correlation_id(), current);
    EXPECT_TRUE(agent->ec_status()[0].connections[0].request_outstanding);
    ASSERT_EQ(c->set_soh_response(make_sohr(current, restricted)), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::S_OK);
    EXPECT_EQ(c->isolation_info()->isolation_state, IsolationState::RestrictedAccess);
}

TEST_F(RcEc, ProcessSoHResponseOnADownConnectionIsInvalidArg) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_EQ(c->set_soh_response(make_sohr(*c->correlation_id(), {})), hr::S_OK);
    ASSERT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);
    const SystemIsolation before = agent->system_isolation();
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::E_INVALIDARG);
    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->system_isolation(), before);
    EXPECT_EQ(sha1->responses, 0);
}

// ---- NotifyConnectionStateDown ------------------------------------------------------------------

TEST_F(RcEc, NotifyConnectionStateDownTwiceIsHarmless) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);
    EXPECT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);
    EXPECT_EQ(sha1->orphaned.size(), 1u) << "orphaned once";
    // The quota was given back once: 20 more, not 21.
    std::vector<std::shared_ptr<Connection>> keep;
    for (int i = 0; i < maxConnectionCountPerEnforcer; ++i)
        keep.push_back(*ec_a.create_connection());
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
}

// ---- NotifySoHChangeFailure ---------------------------------------------------------------------

TEST_F(RcEc, NotifySoHChangeFailureRetryEndsWithTheBinding) {
    EXPECT_EQ(ec_a.notify_soh_change_failure(), hr::S_OK);
    EXPECT_EQ(ec_a.uninitialize(), hr::S_OK);
    clock->advance(30s);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 0) << "no retry for an EC that has gone";
}

TEST_F(RcEc, NotifySoHChangeFailureIsRetriedUntilTheEcCopes) {
    // The retry itself fails again: the EC reports the failure again and is retried again.
    ec->on_notify = [&] {
        if (ec->notifications == 1) {
            EXPECT_EQ(ec_a.notify_soh_change_failure(), hr::S_OK);
        }
        return hr::S_OK;
    };
    EXPECT_EQ(ec_a.notify_soh_change_failure(), hr::S_OK);
    clock->advance(30s);
    auto due = agent->run_pending();
    EXPECT_EQ(ec->notifications, 1);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->ticks - clock->now().ticks, ticks(30s));
    clock->advance(30s);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 2);
}

// ==== §10.2 INapEnforcementClientCallback: how the agent reacts to each return
// ====================

TEST_F(RcEc, NotifySoHChangeServerUnavailableUnbindsTheEcWhichMayReinitialize) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ec->notify_result = hr::RPC_S_SERVER_UNAVAILABLE;  // the HRESULT form, 0x800706BA
    ASSERT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 1);
    EXPECT_FALSE(bound(*agent, kEcA));
    EXPECT_EQ(live_connections(*agent, kEcA), 0u);
    EXPECT_EQ(sha1->orphaned.size(), 1u) << "its outstanding request was orphaned";
    EXPECT_FALSE(agent->system_isolation().unknown_connections);
    EXPECT_EQ(ec_a.create_connection().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_a.notify_soh_change_failure(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->set_max_size(500), hr::E_ACCESSDENIED);
    // Not notified again: it is no longer bound.
    ASSERT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 1);
    // The EC may initialize again; the old handle's Uninitialize does not touch the new binding.
    auto ec2 = std::make_shared<ScriptedEc>();
    auto again = bind_ec_scripted(agent, kEcA, ec2);
    EXPECT_EQ(ec_a.uninitialize(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(bound(*agent, kEcA));
    EXPECT_TRUE(again.create_connection());
}

TEST_F(RcEc, NotifySoHChangeOtherFailureKeepsTheEcBound) {
    auto c = connect(ec_a, 1);
    ec->notify_result = hr::E_FAIL;
    ASSERT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    EXPECT_EQ(agent->run_pending(), std::nullopt) << "no retry without NotifySoHChangeFailure";
    EXPECT_EQ(ec->notifications, 1);
    EXPECT_TRUE(bound(*agent, kEcA));
    EXPECT_EQ(live_connections(*agent, kEcA), 1u);
    EXPECT_TRUE(ec_a.get_soh_request(*c));
    // The next change reaches it again.
    ASSERT_EQ(sha_binding.notify_soh_change(), hr::S_OK);
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 2);
}

class RcEcRefresh : public RcEc {
  protected:
    RcEcRefresh()
        : ra(custom_agent([](AgentConfig& c) { c.connections_refresh_interval = 60s; })),
          rec(std::make_shared<ScriptedEc>()),
          rsha(std::make_shared<TestSha>(kSha1)),
          rsb(*HealthAgentBinding::initialize(ra, kSha1, rsha)),
          rb(bind_ec_scripted(ra, kEcA, rec)) {
        c1 = *rb.create_connection();
        c2 = *rb.create_connection();
        EXPECT_EQ(c1->set_connection_id(guid(1)), hr::S_OK);
        EXPECT_EQ(c2->set_connection_id(guid(2)), hr::S_OK);
        EXPECT_TRUE(rb.get_soh_request(*c2));
    }
    ~RcEcRefresh() override { rec->listed = std::vector<std::shared_ptr<Connection>>{}; }
    void refresh() {
        clock->advance(60s);
        ra->run_pending();
    }
    std::shared_ptr<Agent> ra;
    std::shared_ptr<ScriptedEc> rec;
    std::shared_ptr<TestSha> rsha;
    HealthAgentBinding rsb;
    EnforcementClientBinding rb;
    std::shared_ptr<Connection> c1, c2;
};

TEST_F(RcEcRefresh, GetConnectionsServerUnavailableUnbindsTheEc) {
    rec->listed = fail(HResult{win32::RPC_S_SERVER_UNAVAILABLE});  // the bare Win32 form
    refresh();
    EXPECT_EQ(rec->listings, 1);
    EXPECT_FALSE(bound(*ra, kEcA));
    EXPECT_EQ(live_connections(*ra, kEcA), 0u);
    EXPECT_EQ(rsha->orphaned.size(), 1u);
    EXPECT_EQ(rb.create_connection().error(), hr::NAP_E_NOT_INITIALIZED);
    refresh();
    EXPECT_EQ(rec->listings, 1) << "an unbound EC is not asked again";
    // The HRESULT form, 0x800706BA, through a new binding.
    auto again = bind_ec_scripted(ra, kEcA, rec);
    auto c3 = *again.create_connection();
    rec->listed = fail(hr::RPC_S_SERVER_UNAVAILABLE);
    refresh();
    EXPECT_EQ(rec->listings, 2);
    EXPECT_FALSE(bound(*ra, kEcA));
    EXPECT_EQ(live_connections(*ra, kEcA), 0u);
}

TEST_F(RcEcRefresh, GetConnectionsOtherFailureChangesNothing) {
    rec->listed = fail(hr::E_FAIL);
    refresh();
    EXPECT_EQ(rec->listings, 1);
    EXPECT_TRUE(bound(*ra, kEcA));
    EXPECT_EQ(live_connections(*ra, kEcA), 2u);
    EXPECT_TRUE(rsha->orphaned.empty());
    // Asked again at the next interval; an empty list then takes both connections down.
    rec->listed = std::vector<std::shared_ptr<Connection>>{};
    refresh();
    EXPECT_EQ(rec->listings, 2);
    EXPECT_EQ(live_connections(*ra, kEcA), 0u);
    EXPECT_EQ(rb.get_soh_request(*c1).error(), hr::E_INVALIDARG);
}

TEST_F(RcEcRefresh, GetConnectionsIgnoresConnectionsOfOtherBindings) {
    auto cb_b = std::make_shared<ScriptedEc>();
    auto ecb = bind_ec_scripted(ra, kEcB, cb_b);
    auto other = *ecb.create_connection();
    cb_b->listed = std::vector<std::shared_ptr<Connection>>{other};
    // EC A lists c1 and, wrongly, EC B's connection.
    rec->listed = std::vector<std::shared_ptr<Connection>>{c1, other};
    refresh();
    EXPECT_EQ(live_connections(*ra, kEcA), 1u) << "c2 is not listed: down";
    EXPECT_EQ(live_connections(*ra, kEcB), 1u);
    EXPECT_EQ(rsha->orphaned.size(), 1u);
    // EC B no longer lists its connection: that takes it down; EC A's listing does not keep it.
    cb_b->listed = std::vector<std::shared_ptr<Connection>>{};
    refresh();
    EXPECT_EQ(live_connections(*ra, kEcB), 0u);
    EXPECT_EQ(live_connections(*ra, kEcA), 1u);
}

// ==== §10.3 / §10.4 INapEnforcementClientConnection(2) ===========================================

// Every method of the connection object, as the core entry point it maps to, with valid
// arguments that differ from what the connection holds.
struct ConnOp {
    const char* name;
    bool agent_only;
    std::function<HResult(Agent&, const Caller&, ConnectionKey)> call;
};

std::vector<ConnOp> connection_ops() {
    using C = const Caller&;
    using K = ConnectionKey;
    std::vector<ConnOp> ops;
    ops.push_back(
        {"Initialize", true, [](Agent& a, C c, K k) { return a.conn_initialize(c, k, kEcA); }});
    ops.push_back(
        {"SetMaxSize", false, [](Agent& a, C c, K k) { return a.conn_set_max_size(c, k, 1234); }});
    ops.push_back(
        {"GetMaxSize", false, [](Agent& a, C c, K k) { return rc(a.conn_get_max_size(c, k)); }});
    ops.push_back({"SetFlags", true, [](Agent& a, C c, K k) { return a.conn_set_flags(c, k, 0); }});
    ops.push_back(
        {"GetFlags", false, [](Agent& a, C c, K k) { return rc(a.conn_get_flags(c, k)); }});
    ops.push_back({"SetConnectionId", false, [](Agent& a, C c, K k) {
                       const ConnectionId id = guid(50);
                       return a.conn_set_connection_id(c, k, &id);
                   }});
    ops.push_back({"GetConnectionId", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_connection_id(c, k)); }});
    // GetStringCorrelationId is GetCorrelationId formatted (Connection::string_correlation_id).
    ops.push_back({"GetCorrelationId", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_correlation_id(c, k)); }});
    ops.push_back({"SetCorrelationId", true, [](Agent& a, C c, K k) {
                       return a.conn_set_correlation_id(c, k, CorrelationId{guid(51), FileTime{9}});
                   }});
    ops.push_back({"SetSoHRequest", true, [](Agent& a, C c, K k) {
                       const NetworkSoH soh{std::vector<std::uint8_t>(20, 0x5A)};
                       return a.conn_set_soh_request(c, k, &soh);
                   }});
    ops.push_back({"GetSoHRequest", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_soh_request(c, k)); }});
    ops.push_back({"SetSoHResponse", false, [](Agent& a, C c, K k) {
                       const NetworkSoH soh{{1, 2, 3}};
                       return a.conn_set_soh_response(c, k, &soh);
                   }});
    ops.push_back({"GetSoHResponse", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_soh_response(c, k)); }});
    ops.push_back({"SetIsolationInfo", true, [](Agent& a, C c, K k) {
                       const IsolationInfo i{IsolationState::InProbation, FileTime{77}, u"u"};
                       return a.conn_set_isolation_info(c, k, &i);
                   }});
    ops.push_back({"GetIsolationInfo", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_isolation_info(c, k)); }});
    ops.push_back({"SetPrivateData", true, [](Agent& a, C c, K k) {
                       const PrivateData d{{9, 9}};
                       return a.conn_set_private_data(c, k, &d);
                   }});
    ops.push_back({"GetPrivateData", true,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_private_data(c, k)); }});
    ops.push_back({"SetEnforcerPrivateData", false, [](Agent& a, C c, K k) {
                       const PrivateData d{{8, 8, 8}};
                       return a.conn_set_enforcer_private_data(c, k, &d);
                   }});
    ops.push_back({"GetEnforcerPrivateData", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_enforcer_private_data(c, k)); }});
    ops.push_back({"SetIsolationInfoEx", true, [](Agent& a, C c, K k) {
                       const IsolationInfoEx i{IsolationState::RestrictedAccess,
                                               ExtendedIsolationState::Infected, FileTime{}, u"x"};
                       return a.conn_set_isolation_info_ex(c, k, &i);
                   }});
    ops.push_back({"GetIsolationInfoEx", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_isolation_info_ex(c, k)); }});
    ops.push_back({"GetInstalledShvs", false,
                   [](Agent& a, C c, K k) { return rc(a.conn_get_installed_shvs(c, k)); }});
    ops.push_back({"SetInstalledShvs", true, [](Agent& a, C c, K k) {
                       return a.conn_set_installed_shvs(c, k, {kSha1, kSha2});
                   }});
    return ops;
}

// The live connections as ec_status() lists them (connection ids left out: they are compared
// on their own), as text.
std::string connections_digest(const Agent& a) {
    std::string out;
    for (const auto& s : a.ec_status()) {
        out += hex_digits(s.info.id) + (s.bound ? " bound:" : " unbound:");
        for (const auto& c : s.connections) {
            out += " [" + std::to_string(c.key) + " ec " + hex_digits(c.ec) + " corr " +
                   (c.correlation_id ? c.correlation_id->to_string() : "-") + " state " +
                   (c.isolation ? std::to_string(static_cast<int>(c.isolation->isolation_state))
                                : "-") +
                   (c.request_outstanding ? " outstanding]" : "]");
        }
        out += "\n";
    }
    return out;
}

// Everything a connection holds, read as the agent, plus the system state.
auto snapshot(const Agent& a, ConnectionKey k) {
    const Caller ag = Caller::agent();
    return std::tuple(a.conn_get_max_size(ag, k), a.conn_get_flags(ag, k),
                      a.conn_get_connection_id(ag, k), a.conn_get_correlation_id(ag, k),
                      a.conn_get_soh_request(ag, k), a.conn_get_soh_response(ag, k),
                      a.conn_get_isolation_info_ex(ag, k), a.conn_get_private_data(ag, k),
                      a.conn_get_enforcer_private_data(ag, k), a.conn_get_installed_shvs(ag, k),
                      a.system_isolation(), connections_digest(a));
}

TEST_F(RcEc, EveryConnectionMethodRefusesCallersOtherThanItsOwner) {
    auto c = connect(ec_a, 1);
    ASSERT_EQ(exchange(ec_a, *c, {}), hr::S_OK);  // every property has a value now
    auto ec_b = bind_ec_scripted(agent, kEcB, std::make_shared<ScriptedEc>());
    auto theirs = *ec_b.create_connection();
    const auto before = snapshot(*agent, c->key());
    const std::vector<std::pair<const char*, Caller>> intruders = {
        {"SHA", sha_binding.caller()},
        {"management", Caller::admin()},
        {"another EC", ec_b.caller()},
        {"stale binding of the owner", stale(ec_a)},
    };
    for (const ConnOp& op : connection_ops()) {
        for (const auto& [who, caller] : intruders) {
            EXPECT_EQ(op.call(*agent, caller, c->key()), hr::E_ACCESSDENIED)
                << op.name << " by " << who;
        }
        EXPECT_EQ(op.call(*agent, ec_a.caller(), c->key()),
                  op.agent_only ? hr::E_ACCESSDENIED : hr::S_OK)
            << op.name << " by the owner";
    }
    // Everything the intruders (and the owner, for agent-only methods) tried changed nothing
    // but what the owner was allowed to set.
    auto after = snapshot(*agent, c->key());
    EXPECT_EQ(*std::get<0>(after), 1234u);                                      // SetMaxSize
    EXPECT_EQ(*std::get<2>(after), guid(50));                                   // SetConnectionId
    EXPECT_EQ(std::get<5>(after)->data, (std::vector<std::uint8_t>{1, 2, 3}));  // SetSoHResponse
    EXPECT_EQ(std::get<8>(after)->data, (std::vector<std::uint8_t>{8, 8, 8}));  // enforcer data
    std::get<0>(after) = std::get<0>(before);
    std::get<2>(after) = std::get<2>(before);
    std::get<5>(after) = std::get<5>(before);
    std::get<8>(after) = std::get<8>(before);
    EXPECT_TRUE(after == before) << "a refused call changed the connection";
}

TEST_F(RcEc, EveryConnectionMethodOnAnUnknownConnectionIsInvalidArg) {
    auto c = connect(ec_a, 1);
    const ConnectionKey unknown = c->key() + 1000;
    for (const ConnOp& op : connection_ops()) {
        EXPECT_EQ(op.call(*agent, Caller::agent(), unknown), hr::E_INVALIDARG) << op.name;
        EXPECT_EQ(op.call(*agent, ec_a.caller(), unknown),
                  op.agent_only ? hr::E_ACCESSDENIED : hr::E_INVALIDARG)
            << op.name;
    }
}

TEST_F(RcEc, EveryConnectionMethodSucceedsForTheAgent) {
    auto c = connect(ec_a, 1);
    ASSERT_EQ(exchange(ec_a, *c, {}), hr::S_OK);
    for (const ConnOp& op : connection_ops())
        EXPECT_EQ(op.call(*agent, Caller::agent(), c->key()), hr::S_OK) << op.name;
}

// ---- Initialize (agent only) ------------------------------------------------------------------

TEST_F(RcEc, ConnectionInitializeWithAnotherEcsIdIsRefused) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(c->initialize(kEcA), hr::E_ACCESSDENIED) << "the EC may not";
    EXPECT_EQ(agent->conn_initialize(Caller::agent(), c->key(), kEcA), hr::S_OK) << "idempotent";
    EXPECT_EQ(agent->conn_initialize(Caller::agent(), c->key(), kEcB), hr::E_INVALIDARG);
    // Nothing moved: the connection is still EC A's, its id still reserved for EC A ...
    EXPECT_EQ(live_connections(*agent, kEcA), 1u);
    EXPECT_EQ(live_connections(*agent, kEcB), 0u);
    auto c2 = *ec_a.create_connection();
    EXPECT_EQ(c2->set_connection_id(guid(1)), hr::NAP_E_CONFLICTING_ID);
    // ... and released with it, along with its quota slot.
    ASSERT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);
    EXPECT_EQ(c2->set_connection_id(guid(1)), hr::S_OK);
    std::vector<std::shared_ptr<Connection>> keep;
    for (int i = 1; i < maxConnectionCountPerEnforcer; ++i)
        keep.push_back(*ec_a.create_connection());
    EXPECT_EQ(ec_a.create_connection().error(), hr::E_OUTOFMEMORY);
}

// ---- SetMaxSize / GetMaxSize -----------------------------------------------------------------

TEST_F(RcEc, SetMaxSizeOutOfRangeChangesNothing) {
    auto c = connect(ec_a, 1);
    ASSERT_EQ(c->set_max_size(minProtocolMaxSize), hr::S_OK);
    EXPECT_EQ(*c->max_size(), minProtocolMaxSize);
    ASSERT_EQ(c->set_max_size(maxProtocolMaxSize), hr::S_OK);
    EXPECT_EQ(*c->max_size(), maxProtocolMaxSize);
    ASSERT_EQ(c->set_max_size(1000), hr::S_OK);
    for (ProtocolMaxSize bad : {0u, 1u, 299u, 65536u, 0xFFFFFFFFu}) {
        EXPECT_EQ(c->set_max_size(bad), hr::E_INVALIDARG) << bad;
        EXPECT_EQ(*c->max_size(), 1000u);
    }
    // The range is checked before who is calling.
    EXPECT_EQ(agent->conn_set_max_size(sha_binding.caller(), c->key(), 299), hr::E_INVALIDARG);
}

// ---- SetConnectionId -------------------------------------------------------------------------

TEST_F(RcEc, SetConnectionIdFirstTimeOutOfMemoryReservesNothing) {
    auto c = *ec_a.create_connection();
    *failing_site = "connection-id";
    EXPECT_EQ(c->set_connection_id(guid(1)), hr::E_OUTOFMEMORY);
    EXPECT_EQ(c->connection_id().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(ec_a.get_soh_request(*c).error(), hr::NAP_E_NOT_INITIALIZED) << "still no id";
    failing_site->clear();
    auto other = *ec_a.create_connection();
    EXPECT_EQ(other->set_connection_id(guid(1)), hr::S_OK) << "guid(1) was not left reserved";
    EXPECT_EQ(c->set_connection_id(guid(1)), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(c->set_connection_id(guid(2)), hr::S_OK);
}

TEST_F(RcEc, SetConnectionIdNewIdReleasesTheOldOne) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(c->set_connection_id(guid(2)), hr::S_OK);
    EXPECT_EQ(*c->connection_id(), guid(2));
    auto other = *ec_a.create_connection();
    EXPECT_EQ(other->set_connection_id(guid(2)), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(other->set_connection_id(guid(1)), hr::S_OK) << "the old id is free";
    // The request's correlation id follows the current connection id.
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(c->correlation_id()->conn_id, guid(2));
    // A released connection frees its id too.
    other.reset();
    auto third = *ec_a.create_connection();
    EXPECT_EQ(third->set_connection_id(guid(1)), hr::S_OK);
}

TEST_F(RcEc, SetConnectionIdOnADownConnectionReservesNothing) {
    auto c = connect(ec_a, 1);
    auto fresh = *ec_a.create_connection();  // never given an id
    ASSERT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);
    ASSERT_EQ(ec_a.notify_connection_state_down(*fresh), hr::S_OK);
    // A down connection's id is only a label now: setting it reserves nothing.
    EXPECT_EQ(c->set_connection_id(guid(2)), hr::S_OK);
    EXPECT_EQ(*c->connection_id(), guid(2));
    EXPECT_EQ(fresh->set_connection_id(guid(3)), hr::S_OK);
    auto live = *ec_a.create_connection();
    EXPECT_EQ(live->set_connection_id(guid(2)), hr::S_OK);
    auto live2 = *ec_a.create_connection();
    EXPECT_EQ(live2->set_connection_id(guid(3)), hr::S_OK);
    // Forgetting the down connections does not free ids that live connections hold.
    c.reset();
    fresh.reset();
    auto live3 = *ec_a.create_connection();
    EXPECT_EQ(live3->set_connection_id(guid(2)), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(live3->set_connection_id(guid(3)), hr::NAP_E_CONFLICTING_ID);
}

// ---- getters of properties not set yet --------------------------------------------------------

TEST_F(RcEc, GettersOfUnsetPropertiesAreNotInitialized) {
    auto c = connect(ec_a, 1);
    EXPECT_EQ(c->correlation_id().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->string_correlation_id().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->soh_request().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->soh_response().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(c->isolation_info_ex().error(), hr::NAP_E_NOT_INITIALIZED);
    // Properties with a default are S_OK from the start.
    EXPECT_TRUE(c->enforcer_private_data()->data.empty());
    EXPECT_TRUE(agent->conn_get_private_data(Caller::agent(), c->key())->data.empty());
    // A new request clears the previous response.
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_EQ(c->set_soh_response(NetworkSoH{{1}}), hr::S_OK);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(c->soh_response().error(), hr::NAP_E_NOT_INITIALIZED);
}

TEST_F(RcEc, StringCorrelationIdIsTheTextOfTheCorrelationId) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    auto text = c->string_correlation_id();
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, utf8_to_utf16(c->correlation_id()->to_string()));
    EXPECT_EQ(ec_a.uninitialize(), hr::S_OK);
    EXPECT_EQ(c->string_correlation_id().error(), hr::E_ACCESSDENIED);
}

// ---- the agent-only setters: the agent's values as the EC reads them --------------------------

TEST_F(RcEc, AgentSetValuesReachTheEc) {
    auto c = connect(ec_a, 1);
    const Caller ag = Caller::agent();
    const ConnectionKey k = c->key();
    EXPECT_EQ(agent->conn_set_flags(ag, k, 0), hr::S_OK);
    EXPECT_EQ(*c->flags(), 0);
    const CorrelationId corr{guid(1), FileTime{42}};
    EXPECT_EQ(agent->conn_set_correlation_id(ag, k, corr), hr::S_OK);
    EXPECT_EQ(*c->correlation_id(), corr);
    const NetworkSoH request{std::vector<std::uint8_t>(minNetworkSoHSize, 0x11)};
    EXPECT_EQ(agent->conn_set_soh_request(ag, k, &request), hr::S_OK);
    EXPECT_EQ(*c->soh_request(), request);
    EXPECT_EQ(agent->conn_set_soh_request(ag, k, nullptr), hr::S_OK) << "NULL clears";
    EXPECT_EQ(c->soh_request().error(), hr::NAP_E_NOT_INITIALIZED);
    const IsolationInfoEx ex{IsolationState::RestrictedAccess, ExtendedIsolationState::Transition,
                             FileTime{}, u"http://fix.example/"};
    EXPECT_EQ(agent->conn_set_isolation_info_ex(ag, k, &ex), hr::S_OK);
    EXPECT_EQ(*c->isolation_info_ex(), ex);
    EXPECT_EQ(c->isolation_info()->failure_url, u"http://fix.example/");
    EXPECT_EQ(agent->conn_set_installed_shvs(ag, k, {kSha2}), hr::S_OK);
    EXPECT_EQ(*c->installed_shvs(), std::vector<SystemHealthEntityId>{kSha2});
}

TEST_F(RcEc, AgentSetIsolationInfoUpdatesTheSystemState) {
    auto sink = std::make_shared<CountingSink>();
    ASSERT_EQ(agent->subscribe(1, NapNotifyType::QuarState, sink), hr::S_OK);
    auto c = connect(ec_a, 1);
    EXPECT_TRUE(agent->system_isolation().unknown_connections);
    const IsolationInfo restricted{IsolationState::RestrictedAccess, FileTime{}, u"http://r/"};
    ASSERT_EQ(agent->conn_set_isolation_info(Caller::agent(), c->key(), &restricted), hr::S_OK);
    auto sys = agent->system_isolation();
    EXPECT_EQ(sys.info.isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(sys.info.failure_url, u"http://r/");
    EXPECT_FALSE(sys.unknown_connections);
    EXPECT_EQ(sha1->state_changes, 1);
    EXPECT_EQ(sink->quar, 1);
    const IsolationInfoEx ok{IsolationState::NotRestricted, ExtendedIsolationState::NoData,
                             FileTime{}, u""};
    ASSERT_EQ(agent->conn_set_isolation_info_ex(Caller::agent(), c->key(), &ok), hr::S_OK);
    EXPECT_EQ(agent->system_isolation().info.isolation_state, IsolationState::NotRestricted);
    EXPECT_EQ(sha1->state_changes, 2);
}

TEST_F(RcEc, AgentSetterArgumentErrorsChangeNothing) {
    auto c = connect(ec_a, 1);
    ASSERT_EQ(exchange(ec_a, *c, {}), hr::S_OK);
    const Caller ag = Caller::agent();
    const ConnectionKey k = c->key();
    const auto before = snapshot(*agent, k);
    const NetworkSoH short_soh{std::vector<std::uint8_t>(minNetworkSoHSize - 1, 0)};
    EXPECT_EQ(agent->conn_set_soh_request(ag, k, &short_soh), hr::E_INVALIDARG);
    const NetworkSoH long_soh{std::vector<std::uint8_t>(maxProtocolMaxSize + 1, 0)};
    EXPECT_EQ(agent->conn_set_soh_request(ag, k, &long_soh), hr::E_INVALIDARG);
    EXPECT_EQ(agent->conn_set_isolation_info_ex(ag, k, nullptr), hr::E_POINTER);
    const IsolationInfoEx bad_ext{IsolationState::NotRestricted,
                                  static_cast<ExtendedIsolationState>(9), FileTime{}, u""};
    EXPECT_EQ(agent->conn_set_isolation_info_ex(ag, k, &bad_ext), hr::E_INVALIDARG);
    const IsolationInfo long_url{IsolationState::NotRestricted, FileTime{},
                                 std::u16string(maxStringLength + 1, u'u')};
    EXPECT_EQ(agent->conn_set_isolation_info(ag, k, &long_url), hr::E_INVALIDARG);
    EXPECT_EQ(agent->conn_set_private_data(ag, k, nullptr), hr::E_POINTER);
    const PrivateData big{std::vector<std::uint8_t>(maxPrivateDataSize + 1, 1)};
    EXPECT_EQ(agent->conn_set_private_data(ag, k, &big), hr::E_INVALIDARG);
    std::vector<SystemHealthEntityId> too_many(maxSystemHealthEntityCount + 1u, kSha1);
    EXPECT_EQ(agent->conn_set_installed_shvs(ag, k, too_many), hr::E_INVALIDARG);
    EXPECT_TRUE(snapshot(*agent, k) == before);
}

// ---- the EC's setters: argument errors --------------------------------------------------------

TEST_F(RcEc, EcSetterArgumentErrorsChangeNothing) {
    auto c = connect(ec_a, 1);
    ASSERT_EQ(c->set_soh_response(NetworkSoH{{4, 5}}), hr::S_OK);
    ASSERT_EQ(c->set_enforcer_private_data(PrivateData{{6}}), hr::S_OK);
    const auto before = snapshot(*agent, c->key());
    EXPECT_EQ(agent->conn_set_soh_response(ec_a.caller(), c->key(), nullptr), hr::E_POINTER);
    EXPECT_EQ(c->set_soh_response(NetworkSoH{std::vector<std::uint8_t>(maxProtocolMaxSize + 1)}),
              hr::E_INVALIDARG);
    EXPECT_EQ(agent->conn_set_enforcer_private_data(ec_a.caller(), c->key(), nullptr),
              hr::E_POINTER);
    EXPECT_EQ(c->set_enforcer_private_data(PrivateData{std::vector<std::uint8_t>(201)}),
              hr::E_INVALIDARG);
    EXPECT_EQ(c->set_connection_id(Guid{}), hr::E_INVALIDARG);
    EXPECT_TRUE(snapshot(*agent, c->key()) == before);
    // The largest values accepted.
    EXPECT_EQ(c->set_soh_response(NetworkSoH{std::vector<std::uint8_t>(maxProtocolMaxSize)}),
              hr::S_OK);
    EXPECT_EQ(c->set_enforcer_private_data(PrivateData{std::vector<std::uint8_t>(200)}), hr::S_OK);
}

// ---- GetInstalledShvs from the server's SSoHR -------------------------------------------------

TEST_F(RcEc, InstalledShvsComeFromTheResponse) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    soh::Message m = soh::Message::from(*soh::decode(make_sohr(*c->correlation_id(), {}).data,
                                                     {.expect = soh::Direction::Response}));
    m.system.items.emplace_back(soh::InstalledShvs{{kSha1, kSha2}});
    ASSERT_EQ(c->set_soh_response(NetworkSoH{*soh::encode(m)}), hr::S_OK);
    ASSERT_EQ(ec_a.process_soh_response(*c), hr::S_OK);
    EXPECT_EQ(*c->installed_shvs(), (std::vector<SystemHealthEntityId>{kSha1, kSha2}));
}

}  // namespace
}  // namespace opennap::agent::test
