// In-process harness for the agent core: scriptable SHAs and ECs, an SoHR generator, and a
// fixture with a manual clock.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "opennap/agent/client_management.h"
#include "opennap/agent/enforcement_client.h"
#include "opennap/agent/health_agent.h"
#include "opennap/agent/tracing.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace opennap::agent::test {

inline SoH make_soh(SystemHealthEntityId id, std::vector<SoHAttribute> rest = {}) {
    SoH soh;
    auto a = soh::attr::make_system_health_id(id);
    soh.attributes.push_back({a.type, a.value});
    for (auto& r : rest)
        soh.attributes.push_back(std::move(r));
    return soh;
}

inline SoHAttribute health_class(std::uint8_t cls) {
    auto a = soh::attr::make_health_class(cls);
    return {a.type, a.value};
}

class TestSha : public HealthAgentCallback {
  public:
    explicit TestSha(SystemHealthEntityId id) : id_(id), soh_(make_soh(id, {health_class(0)})) {}

    Status get_soh_request(ShaRequest& request) override {
        ++get_calls;
        if (on_get)
            return on_get(request);
        if (result.failed() || result != hr::S_OK)
            return result;
        if (set_soh)
            return request.set_soh_request(soh_, cache);
        return hr::S_OK;
    }
    Status process_soh_response(ShaRequest& request) override {
        std::lock_guard lock(mu);
        ++responses;
        auto r = request.soh_response();
        if (r)
            last_response = *r;
        last_flags = request.response_flags();
        return response_result;
    }
    Status notify_system_isolation_state_change() override {
        ++state_changes;
        return hr::S_OK;
    }
    Result<FixupInfo> get_fixup_info() override {
        std::lock_guard lock(mu);
        ++fixup_polls;
        return fixup;
    }
    Result<bool> compare_soh_requests(const SoH& lhs, const SoH& rhs) override {
        if (!compare)
            return fail(hr::E_NOTIMPL);
        return compare(lhs, rhs);
    }
    Status notify_orphaned_soh_request(const CorrelationId& id) override {
        std::lock_guard lock(mu);
        orphaned.push_back(id);
        return hr::S_OK;
    }

    void set_soh_value(std::uint8_t cls) { soh_ = make_soh(id_, {health_class(cls)}); }
    const SoH& soh() const { return soh_; }

    std::mutex mu;
    std::atomic<int> get_calls{0};
    std::atomic<int> state_changes{0};
    int responses = 0;
    int fixup_polls = 0;
    SoH last_response;
    std::uint8_t last_flags = 0;
    std::vector<CorrelationId> orphaned;
    Status result = hr::S_OK;  // returned by get_soh_request
    Status response_result = hr::S_OK;
    bool set_soh = true;
    bool cache = true;
    FixupInfo fixup{FixupState::Success, 100, {}, 0};
    std::function<Result<bool>(const SoH&, const SoH&)> compare;
    std::function<Status(ShaRequest&)> on_get;

  private:
    SystemHealthEntityId id_;
    SoH soh_;
};

class TestEc : public EnforcementClientCallback {
  public:
    Status notify_soh_change() override {
        ++notifications;
        if (on_notify)
            return on_notify();
        return result;
    }
    Result<std::vector<std::shared_ptr<Connection>>> get_connections() override {
        return connections;
    }
    std::atomic<int> notifications{0};
    Status result = hr::S_OK;
    std::function<Status()> on_notify;
    std::vector<std::shared_ptr<Connection>> connections;
};

struct SohrOptions {
    IsolationState state = IsolationState::NotRestricted;
    ExtendedIsolationState ext = ExtendedIsolationState::NoData;
    FileTime probation_end{};
    std::string url;
    bool fixup = false;  // the "f" flag: SHAs may auto-remediate
    // Per-SHA response entries: id -> compliance result code.
    std::vector<std::pair<SystemHealthEntityId, std::uint32_t>> entries;
    std::optional<CorrelationId> correlation;  // default: the connection's
};

// An SoHR answering `correlation`.
inline NetworkSoH make_sohr(const CorrelationId& correlation, const SohrOptions& o) {
    soh::Message m;
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = (o.correlation ? *o.correlation : correlation).to_bytes();
    m.mode->intent = soh::kIntentResponse;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.system.items.emplace_back(soh::MsCorrelationId{m.mode->correlation_id});
    std::uint16_t flags = soh::quarantine_flags::make(static_cast<std::uint8_t>(o.state),
                                                      static_cast<std::uint8_t>(o.ext));
    if (o.fixup)
        flags |= soh::quarantine_flags::kFBit;
    std::string url = o.url;
    url.push_back('\0');
    m.system.items.emplace_back(soh::QuarantineState{
        flags, o.state == IsolationState::InProbation ? o.probation_end : FileTime{FileTime::kNone},
        url});
    for (auto [id, code] : o.entries) {
        soh::ReportEntry e{id, {}};
        e.attributes.push_back(
            soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&code, 1)));
        m.entries.push_back(std::move(e));
    }
    return NetworkSoH{*soh::encode(m)};
}

inline NapComponentRegistrationInfo info(NapComponentId id, std::u16string name) {
    NapComponentRegistrationInfo i;
    i.id = id;
    i.friendly_name = std::move(name);
    i.component_type = ComponentTypeEnforcementClientSoH;
    return i;
}

inline Guid guid(std::uint32_t n) {
    return Guid{n, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}};
}

constexpr EnforcementEntityId kEcA = 0x000137F1;
constexpr EnforcementEntityId kEcB = 0x000137F2;
constexpr SystemHealthEntityId kSha1 = 0x000137F0;
constexpr SystemHealthEntityId kSha2 = 0x000137E0;

class AgentTest : public ::testing::Test {
  protected:
    AgentTest()
        : clock(std::make_shared<ManualClock>()),
          failing_site(std::make_shared<std::string>()),
          agent(std::make_shared<Agent>(config(failing_site), clock)),
          mgmt(agent) {
        set_tracing_level(NapTracingLevel::Undefined);  // warnings and errors only
        EXPECT_EQ(mgmt.register_enforcement_client(info(kEcA, u"EC A")), hr::S_OK);
        EXPECT_EQ(mgmt.register_enforcement_client(info(kEcB, u"EC B")), hr::S_OK);
        EXPECT_EQ(mgmt.register_system_health_agent(info(kSha1, u"SHA one")), hr::S_OK);
    }
    // Every fixture's agent can simulate an allocation failure at *failing_site.
    static AgentConfig config(std::shared_ptr<std::string> site) {
        AgentConfig c;
        c.fail_allocation = [site](std::string_view s) { return !site->empty() && s == *site; };
        c.machine.machine_name = "harness.opennap.test";
        c.connections_refresh_interval = std::chrono::milliseconds(0);  // see ConnectionsRefresh
        return c;
    }

    EnforcementClientBinding bind_ec(EnforcementEntityId id, std::shared_ptr<TestEc> ec) {
        auto b = EnforcementClientBinding::initialize(agent, id, std::move(ec));
        EXPECT_TRUE(b) << to_string(b.error());
        return std::move(*b);
    }
    HealthAgentBinding bind_sha(SystemHealthEntityId id, std::shared_ptr<TestSha> sha) {
        auto b = HealthAgentBinding::initialize(agent, id, std::move(sha));
        EXPECT_TRUE(b) << to_string(b.error());
        return std::move(*b);
    }
    std::shared_ptr<Connection> connect(EnforcementClientBinding& ec, std::uint32_t n) {
        auto c = ec.create_connection();
        EXPECT_TRUE(c);
        EXPECT_EQ((*c)->set_connection_id(guid(n)), hr::S_OK);
        return *c;
    }
    // GetSoHRequest + a response with `o` + ProcessSoHResponse.
    Status exchange(EnforcementClientBinding& ec, Connection& c, const SohrOptions& o = {}) {
        auto hint = ec.get_soh_request(c);
        if (!hint)
            return hint.error();
        auto corr = c.correlation_id();
        EXPECT_TRUE(corr);
        EXPECT_EQ(c.set_soh_response(make_sohr(*corr, o)), hr::S_OK);
        return ec.process_soh_response(c);
    }

    std::shared_ptr<ManualClock> clock;
    std::shared_ptr<std::string> failing_site;
    std::shared_ptr<Agent> agent;
    ClientManagement mgmt;
};

}  // namespace opennap::agent::test
