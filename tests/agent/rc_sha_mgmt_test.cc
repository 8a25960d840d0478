// Return-code audit of nap-api.md §11 (SHA binding, the agent's reaction to every SHA callback
// return, the SHA request object) and §12 (client management, cert relying parties, component
// configuration) in the C++ API: every documented code that the existing suites did not check,
// each with "nothing changed" where the documentation or docs/agent.md says so, and every
// E_OUTOFMEMORY path (allocation failure and configured quota). docs/return-codes-sha.md maps
// each (method, code) to its test.
#include <future>
#include <thread>

#include "harness.h"
#include "opennap/agent/cert_relying_party.h"
#include "opennap/agent/component_config.h"

namespace opennap::agent::test {
namespace {

using namespace std::chrono_literals;

// A TestSha whose every callback result can be scripted, and whose ProcessSoHResponse can look
// at the request object.
class ScriptedSha : public TestSha {
  public:
    using TestSha::TestSha;

    Status process_soh_response(ShaRequest& request) override {
        if (on_process)
            on_process(request);
        return TestSha::process_soh_response(request);
    }
    Status notify_system_isolation_state_change() override {
        (void)TestSha::notify_system_isolation_state_change();
        return state_change_result;
    }
    Result<FixupInfo> get_fixup_info() override {
        auto r = TestSha::get_fixup_info();
        if (fixup_result != hr::S_OK)
            return fail(fixup_result);
        return r;
    }
    Status notify_orphaned_soh_request(const CorrelationId& id) override {
        (void)TestSha::notify_orphaned_soh_request(id);
        return orphan_result;
    }

    std::function<void(ShaRequest&)> on_process;
    Status state_change_result = hr::S_OK;
    Status fixup_result = hr::S_OK;
    Status orphan_result = hr::S_OK;
};

constexpr HResult kBareServerUnavailable{static_cast<std::uint32_t>(1722)};

// The decoded SoH request last built on `c`.
soh::Message request_of(const Connection& c) {
    auto bytes = c.soh_request();
    EXPECT_TRUE(bytes);
    if (!bytes)
        return {};
    auto v = soh::decode(bytes->data, {.expect = soh::Direction::Request});
    EXPECT_TRUE(v) << v.error().message();
    if (!v)
        return {};
    return soh::Message::from(*v);
}

std::optional<soh::ReportEntry> entry_of(const Connection& c, SystemHealthEntityId id) {
    for (auto& e : request_of(c).entries) {
        if (e.id == id)
            return e;
    }
    return std::nullopt;
}

// True when `e` carries exactly `soh` (its attributes after the System-Health-ID).
bool carries(const std::optional<soh::ReportEntry>& e, const SoH& soh) {
    if (!e || soh.attributes.empty() || e->attributes.size() + 1 != soh.attributes.size())
        return false;
    for (std::size_t i = 0; i < e->attributes.size(); ++i) {
        if (e->attributes[i].type != soh.attributes[i + 1].type ||
            e->attributes[i].value != soh.attributes[i + 1].value) {
            return false;
        }
    }
    return true;
}

// The error of a result, S_OK when it has a value.
template <typename T>
HResult error_of(const Result<T>& r) {
    return r ? hr::S_OK : r.error();
}

// The Error-Codes value of a system-generated entry (nullopt: not system generated).
std::optional<std::uint32_t> generated_error(const soh::ReportEntry& e) {
    auto fc = e.find(soh::tlv_type::kFailureCategory);
    auto codes = e.find(soh::tlv_type::kErrorCodes);
    if (fc == nullptr || codes == nullptr || codes->value.size() != 4)
        return std::nullopt;
    EXPECT_EQ(fc->value.at(0), static_cast<std::uint8_t>(FailureCategory::ClientComponent));
    return load_be32(codes->value.data());
}

bool listed_as_generated(const Connection& c, SystemHealthEntityId id) {
    const soh::Message m = request_of(c);
    const auto* ids = m.system.find<soh::SystemGeneratedIds>();
    return ids != nullptr && std::find(ids->ids.begin(), ids->ids.end(), id) != ids->ids.end();
}

ShaStatus status_of(const Agent& a, SystemHealthEntityId id) {
    for (auto& s : a.sha_status()) {
        if (s.info.id == id)
            return s;
    }
    ADD_FAILURE() << "SHA " << id << " not registered";
    return {};
}

std::vector<NapComponentId> ids_of(const Result<std::vector<NapComponentRegistrationInfo>>& r) {
    std::vector<NapComponentId> out;
    if (r) {
        for (const auto& i : *r)
            out.push_back(i.id);
    }
    return out;
}

// ---- §11.1-11.2 INapSystemHealthAgentBinding(2)
// --------------------------------------------------

class RcShaBinding : public AgentTest {
  protected:
    RcShaBinding() : sha(std::make_shared<ScriptedSha>(kSha1)), ec(std::make_shared<TestEc>()) {}
    std::shared_ptr<ScriptedSha> sha;
    std::shared_ptr<TestEc> ec;
};

TEST_F(RcShaBinding, InitializeNullCallbackOrAgentIsPointerAndBindsNothing) {
    auto b = HealthAgentBinding::initialize(agent, kSha1, nullptr);
    ASSERT_FALSE(b);
    EXPECT_EQ(b.error(), hr::E_POINTER);
    EXPECT_FALSE(status_of(*agent, kSha1).bound);
    auto n = HealthAgentBinding::initialize(nullptr, kSha1, sha);
    ASSERT_FALSE(n);
    EXPECT_EQ(n.error(), hr::E_POINTER);
    EXPECT_EQ(sha.use_count(), 1) << "a failed Initialize keeps no reference";
    // Nothing half-bound is left behind: a real Initialize works.
    EXPECT_TRUE(HealthAgentBinding::initialize(agent, kSha1, sha));
}

TEST_F(RcShaBinding, FailedInitializeKeepsNoReferenceAndLeavesTheLiveBindingAlone) {
    // NAP_E_NOT_REGISTERED
    auto unreg = HealthAgentBinding::initialize(agent, 0x00013777, sha);
    ASSERT_FALSE(unreg);
    EXPECT_EQ(unreg.error(), hr::NAP_E_NOT_REGISTERED);
    EXPECT_EQ(sha.use_count(), 1);
    // NAP_E_ENTITY_DISABLED
    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha1, false), hr::S_OK);
    auto disabled = HealthAgentBinding::initialize(agent, kSha1, sha);
    ASSERT_FALSE(disabled);
    EXPECT_EQ(disabled.error(), hr::NAP_E_ENTITY_DISABLED);
    EXPECT_EQ(sha.use_count(), 1);
    EXPECT_FALSE(status_of(*agent, kSha1).bound);
    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha1, true), hr::S_OK);
    // ERROR_ALREADY_INITIALIZED: the first binding keeps working, the second callback is not
    // held.
    auto first = bind_sha(kSha1, sha);
    auto other = std::make_shared<ScriptedSha>(kSha1);
    auto second = HealthAgentBinding::initialize(agent, kSha1, other);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().bits(), 0x800704DFu);
    EXPECT_EQ(other.use_count(), 1);
    EXPECT_EQ(first.notify_soh_change(), hr::S_OK);
    EXPECT_EQ(first.flush_cache(), hr::S_OK);
    EXPECT_TRUE(first.system_isolation_info());
}

TEST_F(RcShaBinding, InitializeDoesNotTriggerAnExchange) {
    auto e = bind_ec(kEcA, ec);
    auto c = connect(e, 1);
    auto s = bind_sha(kSha1, sha);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 0);
    EXPECT_EQ(sha->get_calls, 0);
    // NotifySoHChange does.
    EXPECT_EQ(s.notify_soh_change(), hr::S_OK);
    agent->run_pending();
    EXPECT_EQ(ec->notifications, 1);
}

TEST_F(RcShaBinding, UninitializeReleasesTheCallbackAndTwiceIsNotInitialized) {
    auto s = bind_sha(kSha1, sha);
    EXPECT_GT(sha.use_count(), 1);
    const Caller stale = s.caller();
    EXPECT_EQ(s.uninitialize(), hr::S_OK);
    EXPECT_EQ(sha.use_count(), 1) << "afterwards the agent holds no reference to the callback";
    EXPECT_FALSE(status_of(*agent, kSha1).bound);
    EXPECT_EQ(s.uninitialize(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->unbind_sha(stale), hr::NAP_E_NOT_INITIALIZED);
    // A stale token stays refused after the SHA binds again.
    auto again = bind_sha(kSha1, sha);
    EXPECT_EQ(agent->unbind_sha(stale), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->notify_soh_change(stale), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->flush_cache(stale), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(error_of(agent->get_system_isolation_info(stale)), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(status_of(*agent, kSha1).bound) << "the live binding is untouched";
}

TEST_F(RcShaBinding, BindingMethodsFromAnotherKindOfCallerAreAccessDenied) {
    auto s = bind_sha(kSha1, sha);
    auto e = bind_ec(kEcA, ec);
    // An EC's live binding, the administrator and the agent are not SHA bindings.
    for (const Caller& c : {e.caller(), Caller::admin(), Caller::agent(),
                            Caller{Caller::Kind::EnforcementClient, kSha1, s.caller().binding}}) {
        EXPECT_EQ(agent->unbind_sha(c), hr::E_ACCESSDENIED);
        EXPECT_EQ(agent->notify_soh_change(c), hr::E_ACCESSDENIED);
        EXPECT_EQ(agent->flush_cache(c), hr::E_ACCESSDENIED);
    }
    // Nothing changed: still bound, no change queued.
    EXPECT_TRUE(status_of(*agent, kSha1).bound);
    EXPECT_EQ(agent->run_pending(), std::nullopt);
    EXPECT_EQ(ec->notifications, 0);
    EXPECT_EQ(s.uninitialize(), hr::S_OK);
}

TEST_F(RcShaBinding, GetSystemIsolationInfoFromAnotherKindOfCallerIsAccessDenied) {
    auto e = bind_ec(kEcA, ec);
    if (agent->get_system_isolation_info(e.caller())) {
        FAIL() << "regression: src/agent/bindings.cc Agent::get_system_isolation_info returns "
                  "the state to any caller that is not a HealthAgent (an EC binding, "
                  "Caller::agent()); docs/agent.md: binding methods called by the wrong kind "
                  "of caller are E_ACCESSDENIED (unbind_sha, notify_soh_change and "
                  "flush_cache already are)";
    }
    EXPECT_EQ(error_of(agent->get_system_isolation_info(e.caller())), hr::E_ACCESSDENIED);
    EXPECT_EQ(error_of(agent->get_system_isolation_info(Caller::agent())), hr::E_ACCESSDENIED);
}

TEST_F(RcShaBinding, FlushCacheFlushesOnlyThisShasEntry) {
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two")), hr::S_OK);
    auto sha2 = std::make_shared<ScriptedSha>(kSha2);
    auto s1 = bind_sha(kSha1, sha);
    auto s2 = bind_sha(kSha2, sha2);
    auto e = bind_ec(kEcA, ec);
    auto c = connect(e, 1);
    ASSERT_TRUE(e.get_soh_request(*c));
    ASSERT_TRUE(status_of(*agent, kSha1).has_cached_soh);
    ASSERT_TRUE(status_of(*agent, kSha2).has_cached_soh);
    EXPECT_EQ(s1.flush_cache(), hr::S_OK);
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh);
    EXPECT_TRUE(status_of(*agent, kSha2).has_cached_soh);
    EXPECT_EQ(s1.flush_cache(), hr::S_OK) << "flushing an empty cache is S_OK";
    // The flushed SHA, once unbound, is represented as unbound; the other by its cache.
    EXPECT_EQ(s1.uninitialize(), hr::S_OK);
    EXPECT_EQ(s2.uninitialize(), hr::S_OK);
    ASSERT_TRUE(e.get_soh_request(*c));
    EXPECT_EQ(generated_error(*entry_of(*c, kSha1)), hr::NAP_E_NOT_INITIALIZED.bits());
    EXPECT_TRUE(carries(entry_of(*c, kSha2), sha2->soh()));
}

// ---- §11.3 how the agent reacts to each INapSystemHealthAgentCallback return ------------------

class RcShaCallback : public AgentTest {
  protected:
    RcShaCallback()
        : sha(std::make_shared<ScriptedSha>(kSha1)),
          ec(std::make_shared<TestEc>()),
          sha_binding(bind_sha(kSha1, sha)),
          ec_a(bind_ec(kEcA, ec)) {}
    std::shared_ptr<ScriptedSha> sha;
    std::shared_ptr<TestEc> ec;
    HealthAgentBinding sha_binding;
    EnforcementClientBinding ec_a;
};

TEST_F(RcShaCallback, GetSoHRequestServerUnavailableEitherFormUnbindsAndFlushes) {
    auto c = connect(ec_a, 1);
    for (const HResult gone : {kBareServerUnavailable, hr::RPC_S_SERVER_UNAVAILABLE}) {
        SCOPED_TRACE(to_string(gone));
        sha->result = hr::S_OK;
        ASSERT_TRUE(ec_a.get_soh_request(*c));  // caches the SHA's SoH
        ASSERT_TRUE(status_of(*agent, kSha1).has_cached_soh);
        sha->result = gone;
        auto hint = ec_a.get_soh_request(*c);
        ASSERT_TRUE(hint) << "the EC's GetSoHRequest still succeeds";
        // Represented for this request as unbound, and listed as system generated.
        auto e = entry_of(*c, kSha1);
        ASSERT_TRUE(e);
        EXPECT_EQ(generated_error(*e), hr::NAP_E_NOT_INITIALIZED.bits());
        EXPECT_TRUE(listed_as_generated(*c, kSha1));
        // Removed from the bound SHAs, its cache flushed, its callback let go.
        const ShaStatus st = status_of(*agent, kSha1);
        EXPECT_FALSE(st.bound);
        EXPECT_FALSE(st.has_cached_soh);
        EXPECT_EQ(sha.use_count(), 1);
        EXPECT_EQ(sha_binding.notify_soh_change(), hr::NAP_E_NOT_INITIALIZED);
        // Not asked again.
        const int calls = sha->get_calls;
        ASSERT_TRUE(ec_a.get_soh_request(*c));
        EXPECT_EQ(sha->get_calls, calls);
        EXPECT_EQ(generated_error(*entry_of(*c, kSha1)), hr::NAP_E_NOT_INITIALIZED.bits());
        // The handle's Uninitialize finds nothing to unbind; the SHA may initialize again.
        EXPECT_EQ(sha_binding.uninitialize(), hr::NAP_E_NOT_INITIALIZED);
        sha_binding = bind_sha(kSha1, sha);
    }
}

TEST_F(RcShaCallback, GetSoHRequestAnyOtherErrorIsSentAsItsErrorCode) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));  // caches the SHA's SoH
    for (const HResult code : {hr::E_FAIL, hr::E_OUTOFMEMORY, hr::E_ACCESSDENIED,
                               hr::NAP_E_NO_CACHED_SOH, hr::NAP_E_INVALID_PACKET}) {
        SCOPED_TRACE(to_string(code));
        sha->result = code;
        ASSERT_TRUE(ec_a.get_soh_request(*c));
        auto e = entry_of(*c, kSha1);
        ASSERT_TRUE(e);
        EXPECT_EQ(generated_error(*e), code.bits());
        EXPECT_TRUE(listed_as_generated(*c, kSha1));
        // Still bound, and its cached SoH is neither flushed nor used.
        const ShaStatus st = status_of(*agent, kSha1);
        EXPECT_TRUE(st.bound);
        EXPECT_TRUE(st.has_cached_soh);
    }
    sha->result = hr::S_OK;
    sha->set_soh = false;  // S_OK without an SoH: the cache (still the first SoH) is used
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_TRUE(carries(entry_of(*c, kSha1), sha->soh()));
    EXPECT_FALSE(listed_as_generated(*c, kSha1));
}

TEST_F(RcShaCallback, RegisteredButUnboundShaIsSentAsNotInitialized) {
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha2, u"never bound")), hr::S_OK);
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    auto e = entry_of(*c, kSha2);
    ASSERT_TRUE(e);
    EXPECT_EQ(generated_error(*e), hr::NAP_E_NOT_INITIALIZED.bits());
    EXPECT_TRUE(listed_as_generated(*c, kSha2));
    EXPECT_FALSE(listed_as_generated(*c, kSha1));
    // A disabled SHA is left out entirely.
    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha2, false), hr::S_OK);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_FALSE(entry_of(*c, kSha2));
    EXPECT_FALSE(listed_as_generated(*c, kSha2));
}

TEST_F(RcShaCallback, ProcessSoHResponseServerUnavailableUnbinds) {
    auto c = connect(ec_a, 1);
    sha->response_result = kBareServerUnavailable;
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    EXPECT_EQ(exchange(ec_a, *c, o), hr::S_OK) << "the EC's call is not failed by the SHA";
    EXPECT_EQ(sha->responses, 1);
    EXPECT_EQ(sha->fixup_polls, 0) << "a gone SHA is not asked for its fix-up state";
    const ShaStatus st = status_of(*agent, kSha1);
    EXPECT_FALSE(st.bound);
    EXPECT_FALSE(st.has_cached_soh);
    EXPECT_EQ(sha_binding.flush_cache(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_EQ(agent->run_pending(), std::nullopt) << "no fix-up polling of a gone SHA";
}

TEST_F(RcShaCallback, ProcessSoHResponseInvalidPacketAndOtherErrors) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    // NAP_E_INVALID_PACKET: recorded as a client-component failure (covered in exchange_test for
    // the category); the SHA stays bound and its fix-up state is still read.
    sha->response_result = hr::NAP_E_INVALID_PACKET;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_TRUE(status_of(*agent, kSha1).bound);
    EXPECT_EQ(sha->fixup_polls, 1);
    // Any other error: logged only; the state records what the server said.
    sha->response_result = hr::E_FAIL;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    const ShaStatus st = status_of(*agent, kSha1);
    EXPECT_TRUE(st.bound);
    EXPECT_EQ(st.state.failure_category, FailureCategory::None);
    EXPECT_EQ(sha->fixup_polls, 2);
}

TEST_F(RcShaCallback, NotifySystemIsolationStateChangeResults) {
    auto c = connect(ec_a, 1);
    SohrOptions restricted;
    restricted.state = IsolationState::RestrictedAccess;
    // Any error other than server-unavailable is ignored.
    sha->state_change_result = hr::E_FAIL;
    ASSERT_EQ(exchange(ec_a, *c, restricted), hr::S_OK);
    EXPECT_EQ(sha->state_changes, 1);
    EXPECT_TRUE(status_of(*agent, kSha1).bound);
    // Server unavailable: unbound and flushed.
    ASSERT_TRUE(status_of(*agent, kSha1).has_cached_soh);
    sha->state_change_result = hr::RPC_S_SERVER_UNAVAILABLE;
    ASSERT_EQ(exchange(ec_a, *c, {}), hr::S_OK);  // back to not restricted: a change
    EXPECT_EQ(sha->state_changes, 2);
    const ShaStatus st = status_of(*agent, kSha1);
    EXPECT_FALSE(st.bound);
    EXPECT_FALSE(st.has_cached_soh);
    EXPECT_EQ(sha_binding.notify_soh_change(), hr::NAP_E_NOT_INITIALIZED);
    ASSERT_EQ(exchange(ec_a, *c, restricted), hr::S_OK);
    EXPECT_EQ(sha->state_changes, 2) << "a gone SHA is not notified";
}

TEST_F(RcShaCallback, NotifyOrphanedSoHRequestResults) {
    auto c = connect(ec_a, 1);
    sha->orphan_result = hr::E_FAIL;
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_TRUE(ec_a.get_soh_request(*c));  // orphans the first
    EXPECT_EQ(sha->orphaned.size(), 1u);
    EXPECT_TRUE(status_of(*agent, kSha1).bound) << "other errors are ignored";
    sha->orphan_result = kBareServerUnavailable;
    ASSERT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);  // orphans the second
    EXPECT_EQ(sha->orphaned.size(), 2u);
    const ShaStatus st = status_of(*agent, kSha1);
    EXPECT_FALSE(st.bound);
    EXPECT_FALSE(st.has_cached_soh);
}

TEST_F(RcShaCallback, OrphanServerUnavailableInsideGetSoHRequestDropsTheSha) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    sha->orphan_result = hr::RPC_S_SERVER_UNAVAILABLE;
    // The new request is built (the SHA, still bound, answers it), then the previous one is
    // orphaned: the SHA says it is gone.
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(sha->orphaned.size(), 1u);
    EXPECT_FALSE(status_of(*agent, kSha1).bound);
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh)
        << "flushed, and not cached again by the request that was being built";
    EXPECT_EQ(sha.use_count(), 1);
    // Not asked again; represented as unbound.
    const int calls = sha->get_calls;
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(sha->get_calls, calls);
    EXPECT_EQ(generated_error(*entry_of(*c, kSha1)), hr::NAP_E_NOT_INITIALIZED.bits());
    EXPECT_EQ(sha->orphaned.size(), 1u) << "a gone SHA is not told about orphans";
}

TEST_F(RcShaCallback, GetFixupInfoErrorAfterTheResponseKeepsTheStateAndDoesNotPoll) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.fixup = true;
    o.entries = {{kSha1, 0xC0FF0001}};
    sha->fixup = FixupInfo{FixupState::InProgress, 10, {}, 0};
    sha->fixup_result = hr::E_NOTIMPL;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_EQ(sha->fixup_polls, 1);
    EXPECT_EQ(status_of(*agent, kSha1).state.fixup_info, FixupInfo{})
        << "a failed GetFixupInfo records nothing";
    EXPECT_EQ(agent->run_pending(), std::nullopt) << "and starts no polling";
    EXPECT_TRUE(status_of(*agent, kSha1).bound);
}

TEST_F(RcShaCallback, GetFixupInfoErrorWhilePollingKeepsPolling) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.fixup = true;
    o.entries = {{kSha1, 0xC0FF0001}};
    sha->fixup = FixupInfo{FixupState::InProgress, 10, {}, 0};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    sha->fixup_result = hr::E_FAIL;
    clock->advance(5s);
    auto next = agent->run_pending();
    EXPECT_EQ(sha->fixup_polls, 2);
    ASSERT_TRUE(next) << "still in progress as far as the agent knows";
    EXPECT_EQ(next->ticks - clock->now().ticks, ticks(5s));
    EXPECT_EQ(status_of(*agent, kSha1).state.fixup_info.percentage, 10);
    EXPECT_TRUE(status_of(*agent, kSha1).bound);
}

TEST_F(RcShaCallback, GetFixupInfoServerUnavailableUnbindsEitherWhen) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.fixup = true;
    o.entries = {{kSha1, 0xC0FF0001}};
    // Right after ProcessSoHResponse.
    sha->fixup_result = hr::RPC_S_SERVER_UNAVAILABLE;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_FALSE(status_of(*agent, kSha1).bound);
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh);
    // While polling.
    sha_binding = bind_sha(kSha1, sha);
    sha->fixup_result = hr::S_OK;
    sha->fixup = FixupInfo{FixupState::InProgress, 10, {}, 0};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    ASSERT_TRUE(status_of(*agent, kSha1).bound);
    sha->fixup_result = kBareServerUnavailable;
    clock->advance(5s);
    agent->run_pending();
    EXPECT_FALSE(status_of(*agent, kSha1).bound);
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh);
    clock->advance(5s);
    const int polls = sha->fixup_polls;
    agent->run_pending();
    EXPECT_EQ(sha->fixup_polls, polls) << "polling stopped";
}

TEST_F(RcShaCallback, CompareSoHRequestsAnswerDecidesTheRetriggerHint) {
    auto c = connect(ec_a, 1);
    int compares = 0;
    bool equal = true;
    sha->compare = [&](const SoH&, const SoH&) -> Result<bool> {
        ++compares;
        return equal;
    };
    ASSERT_TRUE(*ec_a.get_soh_request(*c));  // the first request is always a change
    // S_OK, not equal: a change even though the bytes are the same.
    equal = false;
    EXPECT_TRUE(*ec_a.get_soh_request(*c));
    EXPECT_EQ(compares, 1);
    // S_OK, equal: no change even though the bytes differ.
    equal = true;
    sha->set_soh_value(7);
    EXPECT_FALSE(*ec_a.get_soh_request(*c));
    EXPECT_EQ(compares, 2);
}

TEST_F(RcShaCallback, CompareSoHRequestsErrorsFallBackToBytes) {
    auto c = connect(ec_a, 1);
    for (const HResult code : {hr::E_NOTIMPL, hr::E_FAIL, hr::E_OUTOFMEMORY}) {
        SCOPED_TRACE(to_string(code));
        sha->compare = [code](const SoH&, const SoH&) -> Result<bool> { return fail(code); };
        sha->set_soh_value(1);
        (void)ec_a.get_soh_request(*c);
        EXPECT_FALSE(*ec_a.get_soh_request(*c)) << "same bytes";
        sha->set_soh_value(2);
        EXPECT_TRUE(*ec_a.get_soh_request(*c)) << "different bytes";
        EXPECT_TRUE(status_of(*agent, kSha1).bound);
    }
}

TEST_F(RcShaCallback, CompareSoHRequestsServerUnavailableUnbinds) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    sha->compare = [](const SoH&, const SoH&) -> Result<bool> {
        return fail(hr::RPC_S_SERVER_UNAVAILABLE);
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    if (status_of(*agent, kSha1).bound) {
        FAIL() << "regression: src/agent/exchange.cc Agent::get_soh_request ignores "
                  "RPC_S_SERVER_UNAVAILABLE from compare_soh_requests (it falls back to a "
                  "byte comparison) instead of unbinding the SHA and flushing its cache as "
                  "for every other callback (callbacks.h, docs/agent.md): set p.drop when "
                  "is_server_unavailable(cmp.error())";
    }
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh);
    EXPECT_EQ(sha_binding.notify_soh_change(), hr::NAP_E_NOT_INITIALIZED);
}

// ---- §11.4 INapSystemHealthAgentRequest
// ----------------------------------------------------------

class RcShaRequest : public RcShaCallback {};

TEST_F(RcShaRequest, CorrelationIdIsTheExchangesInBothCallbacks) {
    auto c = connect(ec_a, 3);
    std::optional<CorrelationId> in_get, in_process;
    std::string text_in_get;
    bool flag = false;
    sha->on_get = [&](ShaRequest& r) {
        in_get = r.correlation_id();
        text_in_get = r.string_correlation_id();
        const Status s = r.set_soh_request(sha->soh(), true);
        flag = r.cache_flag();
        return s;
    };
    sha->on_process = [&](ShaRequest& r) { in_process = r.correlation_id(); };
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    const CorrelationId corr = *c->correlation_id();
    EXPECT_EQ(in_get, corr);
    EXPECT_EQ(in_process, corr);
    EXPECT_EQ(text_in_get, corr.to_string());
    EXPECT_EQ(utf8_to_utf16(text_in_get), *c->string_correlation_id());
    EXPECT_TRUE(flag) << "GetCacheSoHFlag: the flag given to SetSoHRequest";
}

TEST_F(RcShaRequest, RefusedSetSoHRequestChangesNothing) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));  // caches sha->soh()
    SoH too_big = make_soh(kSha1, {{soh::tlv_type::kSoftwareVersion,
                                    std::vector<std::uint8_t>(maxSoHAttributeSize + 1, 1)}});
    SoH wrong_first = SoH{{{soh::tlv_type::kHealthClass, {0}}}};
    SoH short_id = SoH{{{soh::tlv_type::kSystemHealthId, {1, 2}}}};
    std::vector<Status> results;
    std::vector<bool> has_new;
    std::optional<SoH> seen;
    sha->on_get = [&](ShaRequest& r) {
        for (const SoH* bad : {&too_big, &wrong_first, &short_id}) {
            results.push_back(r.set_soh_request(*bad, false));
            has_new.push_back(r.has_new_soh());
        }
        if (auto s = r.soh_request())
            seen = *s;
        return hr::S_OK;
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(results, (std::vector<Status>(3, hr::E_INVALIDARG)));
    EXPECT_EQ(has_new, (std::vector<bool>(3, false)));
    EXPECT_EQ(seen, sha->soh()) << "the cached SoH is still what the request holds";
    EXPECT_TRUE(carries(entry_of(*c, kSha1), sha->soh())) << "and what is sent";
    EXPECT_TRUE(status_of(*agent, kSha1).has_cached_soh);
}

TEST_F(RcShaRequest, SetSoHRequestWithAnotherShasIdIsRefused) {
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two")), hr::S_OK);
    auto c = connect(ec_a, 1);
    std::optional<Status> set;
    sha->on_get = [&](ShaRequest& r) {
        set = r.set_soh_request(make_soh(kSha2, {health_class(1)}), true);
        return hr::S_OK;
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const soh::Message m = request_of(*c);
    const auto sha2_entries =
        std::count_if(m.entries.begin(), m.entries.end(), [](auto& e) { return e.id == kSha2; });
    if (set == hr::S_OK) {
        FAIL() << "regression: ShaRequest::set_soh_request (src/agent/handles.cc, "
                  "opennap/agent/sha_request.h) accepts an SoH whose System-Health-ID is "
                  "another SHA's, so one SHA can speak for another: the SSoH then has "
               << sha2_entries
               << " entries for SHA two and none of SHA one's own. "
                  "Give ShaRequest the SHA's id (exchange.cc constructs it) and return "
                  "E_INVALIDARG when the first attribute's value is not that id";
    }
    EXPECT_EQ(set, hr::E_INVALIDARG);
    EXPECT_EQ(sha2_entries, 1);
    EXPECT_EQ(generated_error(*entry_of(*c, kSha1)), hr::NAP_E_NO_CACHED_SOH.bits())
        << "the SHA set nothing valid";
}

TEST_F(RcShaRequest, GetSoHRequestReturnsWhatWasJustSetAndTheCacheFlag) {
    auto c = connect(ec_a, 1);
    const SoH mine = make_soh(kSha1, {health_class(5)});
    HResult before = hr::S_OK;
    std::optional<Status> set;
    std::optional<SoH> after;
    bool flag_before = true, flag_after = true;
    sha->on_get = [&](ShaRequest& r) {
        before = error_of(r.soh_request());
        flag_before = r.cache_flag();
        set = r.set_soh_request(mine, false);
        if (auto s = r.soh_request())
            after = *s;
        flag_after = r.cache_flag();
        return *set;
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(before, hr::NAP_E_NO_CACHED_SOH) << "nothing cached, nothing set yet";
    EXPECT_FALSE(flag_before);
    EXPECT_EQ(set, hr::S_OK);
    EXPECT_EQ(after, mine);
    EXPECT_FALSE(flag_after);
    EXPECT_TRUE(carries(entry_of(*c, kSha1), mine));
}

TEST_F(RcShaRequest, CacheFlagFalseLeavesTheCacheAsItWas) {
    auto c = connect(ec_a, 1);
    sha->cache = false;
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh) << "nothing cached";
    sha->cache = true;
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_TRUE(status_of(*agent, kSha1).has_cached_soh);
    const SoH cached = sha->soh();
    sha->cache = false;
    sha->set_soh_value(9);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    std::optional<SoH> offered;
    sha->on_get = [&](ShaRequest& r) {
        if (auto s = r.soh_request())
            offered = *s;
        return hr::S_OK;
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(offered, cached) << "an SoH set without the cache flag does not replace the cache";
}

TEST_F(RcShaRequest, GetSoHResponseIsNotPendingOutsideProcessSoHResponse) {
    auto c = connect(ec_a, 1);
    std::optional<Status> in_get;
    std::optional<SoH> in_process;
    std::uint8_t flags = 0xFF;
    sha->on_get = [&](ShaRequest& r) {
        in_get = r.soh_response() ? hr::S_OK : r.soh_response().error();
        return r.set_soh_request(sha->soh(), true);
    };
    sha->on_process = [&](ShaRequest& r) {
        if (auto s = r.soh_response())
            in_process = *s;
        flags = r.response_flags();
    };
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.fixup = true;
    o.entries = {{kSha1, 0xC0FF0001}};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_EQ(in_get, hr::NAP_E_NOT_PENDING);
    ASSERT_TRUE(in_process);
    EXPECT_EQ(in_process->attributes.front().type, soh::tlv_type::kSystemHealthId);
    EXPECT_EQ(flags, shaFixup);
}

TEST_F(RcShaRequest, CacheAllocationFailureKeepsTheOldCache) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));  // caches class 0
    const SoH old = sha->soh();
    sha->set_soh_value(3);
    *failing_site = "cache";
    auto hint = ec_a.get_soh_request(*c);
    failing_site->clear();
    ASSERT_TRUE(hint) << "the request is still built";
    EXPECT_TRUE(*hint);
    EXPECT_TRUE(carries(entry_of(*c, kSha1), sha->soh())) << "and carries the SHA's new SoH";
    // The cache was not touched: the old SoH is what is offered next.
    std::optional<SoH> offered;
    sha->on_get = [&](ShaRequest& r) {
        if (auto s = r.soh_request())
            offered = *s;
        return hr::S_OK;
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(offered, old);
}

TEST_F(RcShaRequest, CacheAllocationFailureWithNoCacheCachesNothing) {
    auto c = connect(ec_a, 1);
    *failing_site = "cache";
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    failing_site->clear();
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh);
    // An unbound SHA without a cache is sent as not initialized, not with a half-made cache.
    ASSERT_EQ(sha_binding.uninitialize(), hr::S_OK);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(generated_error(*entry_of(*c, kSha1)), hr::NAP_E_NOT_INITIALIZED.bits());
}

// ---- §12.1-12.2 INapClientManagement(2)
// ------------------------------------------------------------

class RcMgmt : public AgentTest {};

TEST_F(RcMgmt, GetNapClientInfo) {
    const NapClientInfo i = mgmt.client_info();
    EXPECT_TRUE(i.nap_enabled);
    for (const auto* s : {&i.client_name, &i.client_description, &i.protocol_version}) {
        EXPECT_FALSE(s->empty());
        EXPECT_TRUE(is_valid_counted_string(*s));
    }
}

TEST_F(RcMgmt, RegistryAllocationFailureLeavesNoEntry) {
    const auto shas = ids_of(mgmt.registered_system_health_agents());
    const auto ecs = ids_of(mgmt.registered_enforcement_clients());
    *failing_site = "registry";
    EXPECT_EQ(mgmt.register_system_health_agent(info(kSha2, u"x")), hr::E_OUTOFMEMORY);
    EXPECT_EQ(mgmt.register_enforcement_client(info(0x000137F3, u"x")), hr::E_OUTOFMEMORY);
    failing_site->clear();
    EXPECT_EQ(ids_of(mgmt.registered_system_health_agents()), shas);
    EXPECT_EQ(ids_of(mgmt.registered_enforcement_clients()), ecs);
    EXPECT_EQ(
        error_of(HealthAgentBinding::initialize(agent, kSha2, std::make_shared<TestSha>(kSha2))),
        hr::NAP_E_NOT_REGISTERED);
    EXPECT_EQ(error_of(EnforcementClientBinding::initialize(agent, 0x000137F3,
                                                            std::make_shared<TestEc>())),
              hr::NAP_E_NOT_REGISTERED);
    EXPECT_EQ(mgmt.unregister_system_health_agent(kSha2), hr::NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(mgmt.unregister_enforcement_client(0x000137F3), hr::NAP_E_ID_NOT_FOUND);
    // No stale entry: the same ids register now.
    EXPECT_EQ(mgmt.register_system_health_agent(info(kSha2, u"x")), hr::S_OK);
    EXPECT_EQ(mgmt.register_enforcement_client(info(0x000137F3, u"x")), hr::S_OK);
}

TEST_F(RcMgmt, ConfiguredRegistryQuotaIsOutOfMemory) {
    AgentConfig cfg = config(failing_site);
    cfg.max_registered_shas = 2;
    cfg.max_registered_ecs = 1;
    auto a = std::make_shared<Agent>(cfg, clock);
    ClientManagement m(a);
    ASSERT_EQ(m.register_system_health_agent(info(kSha1, u"1")), hr::S_OK);
    ASSERT_EQ(m.register_system_health_agent(info(kSha2, u"2")), hr::S_OK);
    ASSERT_EQ(m.register_enforcement_client(info(kEcA, u"A")), hr::S_OK);
    EXPECT_EQ(m.register_system_health_agent(info(0x00013001, u"3")), hr::E_OUTOFMEMORY);
    EXPECT_EQ(m.register_enforcement_client(info(kEcB, u"B")), hr::E_OUTOFMEMORY);
    EXPECT_EQ(ids_of(m.registered_system_health_agents()),
              (std::vector<NapComponentId>{kSha2, kSha1}));
    EXPECT_EQ(ids_of(m.registered_enforcement_clients()), std::vector<NapComponentId>{kEcA});
    EXPECT_EQ(m.unregister_system_health_agent(0x00013001), hr::NAP_E_ID_NOT_FOUND);
    EXPECT_EQ(error_of(HealthAgentBinding::initialize(a, 0x00013001, std::make_shared<TestSha>(1))),
              hr::NAP_E_NOT_REGISTERED);
    // A duplicate is a conflict even at the quota (the id is checked first).
    EXPECT_EQ(m.register_system_health_agent(info(kSha1, u"again")), hr::NAP_E_CONFLICTING_ID);
    EXPECT_EQ(m.register_enforcement_client(info(kEcA, u"again")), hr::NAP_E_CONFLICTING_ID);
    // Unregistering makes room.
    ASSERT_EQ(m.unregister_system_health_agent(kSha2), hr::S_OK);
    EXPECT_EQ(m.register_system_health_agent(info(0x00013001, u"3")), hr::S_OK);
    ASSERT_EQ(m.unregister_enforcement_client(kEcA), hr::S_OK);
    EXPECT_EQ(m.register_enforcement_client(info(kEcB, u"B")), hr::S_OK);
}

TEST_F(RcMgmt, DefaultEnforcementClientQuotaIsMaxEnforcerCount) {
    // The fixture registered two ECs.
    for (std::uint32_t i = 0; i + 2u < maxEnforcerCount; ++i) {
        ASSERT_EQ(mgmt.register_enforcement_client(info(0x00013000 + i, u"ec")), hr::S_OK);
    }
    EXPECT_EQ(mgmt.register_enforcement_client(info(0x00013100, u"21st")), hr::E_OUTOFMEMORY);
    EXPECT_EQ(mgmt.registered_enforcement_clients()->size(), std::size_t{maxEnforcerCount});
    EXPECT_EQ(mgmt.unregister_enforcement_client(0x00013100), hr::NAP_E_ID_NOT_FOUND);
}

TEST_F(RcMgmt, DefaultShaQuotaLeavesNothingBehind) {
    for (std::uint32_t i = 0; i + 1u < maxSystemHealthEntityCount; ++i) {
        ASSERT_EQ(mgmt.register_system_health_agent(info(0x00013000 + i, u"x")), hr::S_OK);
    }
    EXPECT_EQ(mgmt.register_system_health_agent(info(0x00013100, u"21st")), hr::E_OUTOFMEMORY);
    EXPECT_EQ(mgmt.registered_system_health_agents()->size(),
              std::size_t{maxSystemHealthEntityCount});
    EXPECT_EQ(
        error_of(HealthAgentBinding::initialize(agent, 0x00013100, std::make_shared<TestSha>(1))),
        hr::NAP_E_NOT_REGISTERED);
    EXPECT_EQ(mgmt.unregister_system_health_agent(0x00013100), hr::NAP_E_ID_NOT_FOUND);
}

TEST_F(RcMgmt, EnforcementClientRegistrationAccessAndArguments) {
    const auto before = ids_of(mgmt.registered_enforcement_clients());
    for (const Caller& c : {Caller{Caller::Kind::EnforcementClient, kEcA, 1},
                            Caller{Caller::Kind::HealthAgent, kSha1, 1}, Caller::agent()}) {
        ClientManagement not_admin(agent, c);
        EXPECT_EQ(not_admin.register_enforcement_client(info(0x000137F3, u"x")),
                  hr::E_ACCESSDENIED);
        EXPECT_EQ(not_admin.unregister_enforcement_client(kEcA), hr::E_ACCESSDENIED);
        EXPECT_EQ(not_admin.register_system_health_agent(info(kSha2, u"x")), hr::E_ACCESSDENIED);
        EXPECT_EQ(not_admin.unregister_system_health_agent(kSha1), hr::E_ACCESSDENIED);
    }
    auto bad = info(0x000137F3, std::u16string(maxStringLength + 1, u'n'));
    EXPECT_EQ(mgmt.register_enforcement_client(bad), hr::E_INVALIDARG);
    EXPECT_EQ(ids_of(mgmt.registered_enforcement_clients()), before) << "nothing changed";
    EXPECT_EQ(ids_of(mgmt.registered_system_health_agents()), std::vector<NapComponentId>{kSha1});
}

TEST_F(RcMgmt, UnregisterWhileBoundChangesNothing) {
    auto sha = std::make_shared<TestSha>(kSha1);
    auto s = bind_sha(kSha1, sha);
    auto ec = std::make_shared<TestEc>();
    auto e = bind_ec(kEcA, ec);
    EXPECT_EQ(mgmt.unregister_system_health_agent(kSha1), hr::NAP_E_STILL_BOUND);
    EXPECT_EQ(mgmt.unregister_enforcement_client(kEcA), hr::NAP_E_STILL_BOUND);
    // Both still registered and bound; their bindings work.
    EXPECT_EQ(ids_of(mgmt.registered_system_health_agents()), std::vector<NapComponentId>{kSha1});
    EXPECT_EQ(mgmt.registered_enforcement_clients()->size(), 2u);
    EXPECT_TRUE(status_of(*agent, kSha1).bound);
    EXPECT_EQ(s.notify_soh_change(), hr::S_OK);
    auto c = connect(e, 1);
    ASSERT_TRUE(e.get_soh_request(*c));
    EXPECT_TRUE(status_of(*agent, kSha1).has_cached_soh) << "the cache survives too";
}

TEST_F(RcMgmt, UnregisteringAnShaDropsItsCachedSoh) {
    auto sha = std::make_shared<TestSha>(kSha1);
    auto s = bind_sha(kSha1, sha);
    auto e = bind_ec(kEcA, std::make_shared<TestEc>());
    auto c = connect(e, 1);
    ASSERT_TRUE(e.get_soh_request(*c));
    ASSERT_TRUE(status_of(*agent, kSha1).has_cached_soh);
    ASSERT_EQ(s.uninitialize(), hr::S_OK);
    ASSERT_EQ(mgmt.unregister_system_health_agent(kSha1), hr::S_OK);
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha1, u"SHA one, again")), hr::S_OK);
    EXPECT_FALSE(status_of(*agent, kSha1).has_cached_soh);
    ASSERT_TRUE(e.get_soh_request(*c));
    EXPECT_EQ(generated_error(*entry_of(*c, kSha1)), hr::NAP_E_NOT_INITIALIZED.bits())
        << "the re-registered SHA starts without the old cache";
}

TEST_F(RcMgmt, SystemIsolationInfoIgnoresUnknownConnections) {
    auto e = bind_ec(kEcA, std::make_shared<TestEc>());
    auto known = connect(e, 1);
    SohrOptions o;
    o.state = IsolationState::InProbation;
    o.ext = ExtendedIsolationState::Transition;
    o.probation_end = FileTime{clock->now().ticks + ticks(1h)};
    o.url = "http://fix/";
    ASSERT_EQ(exchange(e, *known, o), hr::S_OK);
    auto unknown = connect(e, 2);
    const SystemIsolation s = mgmt.system_isolation_info();
    EXPECT_TRUE(s.unknown_connections);
    EXPECT_EQ(s.info.isolation_state, IsolationState::InProbation);
    EXPECT_EQ(s.info.extended_isolation_state, ExtendedIsolationState::Transition);
    EXPECT_EQ(s.info.prob_end_time, o.probation_end);
    EXPECT_EQ(s.info.failure_url, u"http://fix/");
    auto sha = bind_sha(kSha1, std::make_shared<TestSha>(kSha1));
    EXPECT_EQ(sha.system_isolation_info(), s) << "the SHA binding sees the same";
}

// ---- §12.3 INapCertRelyingParty
// ------------------------------------------------------------------

constexpr EnforcementEntityId kRp = 0x000137F5;

class RcCertRp : public AgentTest {
  protected:
    RcCertRp() : crp(agent) {
        auto i = info(kRp, u"RP");
        i.component_type = ComponentTypeEnforcementClientRp;
        EXPECT_EQ(mgmt.register_enforcement_client(i), hr::S_OK);
    }
    CertRelyingParty crp;
};

TEST_F(RcCertRp, SubscribeAllocationFailureLeavesNoSubscription) {
    *failing_site = "registry";
    auto r = crp.subscribe_cert_by_group(kRp, u"ipsec");
    failing_site->clear();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), hr::E_OUTOFMEMORY);
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{});
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kRp), hr::ERROR_NOT_FOUND);
    // Re-subscribing under allocation failure keeps the subscription there was.
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"ipsec"));
    *failing_site = "registry";
    EXPECT_EQ(error_of(crp.subscribe_cert_by_group(kRp, u"other")), hr::E_OUTOFMEMORY);
    failing_site->clear();
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{kRp});
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kRp), hr::S_OK);
}

TEST_F(RcCertRp, RefusedCallsChangeNothing) {
    ASSERT_TRUE(crp.subscribe_cert_by_group(kRp, u"x"));
    auto e = EnforcementClientBinding::initialize(agent, kRp, std::make_shared<TestEc>());
    ASSERT_TRUE(e);
    const Caller stale = e->caller();
    ASSERT_EQ(e->uninitialize(), hr::S_OK);
    EXPECT_EQ(agent->unsubscribe_cert_by_group(stale, kRp), hr::E_ACCESSDENIED);
    EXPECT_EQ(agent->unsubscribe_cert_by_group(Caller::admin(), kRp, true), hr::E_INVALIDARG);
    EXPECT_EQ(agent->unsubscribe_cert_by_group(Caller{Caller::Kind::HealthAgent, kSha1, 1}, kRp),
              hr::E_ACCESSDENIED);
    EXPECT_EQ(crp.unsubscribe_cert_by_group(kEcA), hr::NAP_E_NOT_REGISTERED) << "an SoH-only EC";
    EXPECT_EQ(crp.subscribed_relying_parties(), std::vector<EnforcementEntityId>{kRp});
}

// ---- §12.5 InMemoryComponentConfigStore: failures change nothing
// -----------------------------------

TEST(RcComponentConfig, FailuresChangeNothing) {
    InMemoryComponentConfigStore s(ConfigBlob{1, 2, 3});
    ASSERT_EQ(s.new_config(4), hr::S_OK);
    ASSERT_EQ(s.set_config_to_id(4, ConfigBlob{4, 4}), hr::S_OK);
    // NAP_E_SHV_CONFIG_EXISTED does not reset the existing configuration to the default.
    EXPECT_EQ(s.new_config(4), hr::NAP_E_SHV_CONFIG_EXISTED);
    EXPECT_EQ(s.get_config_from_id(4), (ConfigBlob{4, 4}));
    // E_INVALIDARG for id 0 leaves the default alone.
    EXPECT_EQ(s.new_config(kDefaultConfigId), hr::E_INVALIDARG);
    EXPECT_EQ(s.delete_config(kDefaultConfigId), hr::E_INVALIDARG);
    EXPECT_EQ(s.get_config(), (ConfigBlob{1, 2, 3}));
    // NAP_E_SHV_CONFIG_NOT_FOUND: SetConfigToID does not create the id; DeleteConfig of an
    // unknown id deletes nothing else.
    EXPECT_EQ(s.set_config_to_id(5, ConfigBlob{5}), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(error_of(s.get_config_from_id(5)), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(s.delete_config(5), hr::NAP_E_SHV_CONFIG_NOT_FOUND);
    EXPECT_EQ(s.config_ids(), (std::vector<std::uint32_t>{0, 4}));
    // An oversized blob (E_INVALIDARG) keeps the configuration it would have replaced.
    const ConfigBlob over(kMaxComponentConfigSize + 1, 0x77);
    EXPECT_EQ(s.set_config(over), hr::E_INVALIDARG);
    EXPECT_EQ(s.set_config_to_id(4, over), hr::E_INVALIDARG);
    EXPECT_EQ(s.get_config(), (ConfigBlob{1, 2, 3}));
    EXPECT_EQ(s.get_config_from_id(4), (ConfigBlob{4, 4}));
    // GetConfigFromID(0) is the default; SetConfigToID(0) sets it.
    EXPECT_EQ(s.get_config_from_id(kDefaultConfigId), (ConfigBlob{1, 2, 3}));
    EXPECT_EQ(s.set_config_to_id(kDefaultConfigId, ConfigBlob{0}), hr::S_OK);
    EXPECT_EQ(s.get_config(), ConfigBlob{0});
    // NewConfig copies the default as it is now; later changes to the default do not follow.
    ASSERT_EQ(s.new_config(6), hr::S_OK);
    ASSERT_EQ(s.set_config(ConfigBlob{9}), hr::S_OK);
    EXPECT_EQ(s.get_config_from_id(6), ConfigBlob{0});
    // DeleteAllConfig on a store holding only the default is S_OK and keeps it.
    EXPECT_EQ(s.delete_all_config(), hr::S_OK);
    EXPECT_EQ(s.delete_all_config(), hr::S_OK);
    EXPECT_EQ(s.config_ids(), std::vector<std::uint32_t>{0});
    EXPECT_EQ(s.get_config(), ConfigBlob{9});
}

}  // namespace
}  // namespace opennap::agent::test
