// Agent::preview_soh_request(): the SSoH the agent would send now (`napctl soh show`), built
// without calling any SHA and without changing any state.
#include "harness.h"

namespace opennap::agent::test {
namespace {

constexpr SystemHealthEntityId kSha3 = 0x000137D0;  // registered, then disabled

class PreviewTest : public AgentTest {
  protected:
    PreviewTest()
        : sha1(std::make_shared<TestSha>(kSha1)),
          ec(std::make_shared<TestEc>()),
          sha_binding(bind_sha(kSha1, sha1)),
          ec_a(bind_ec(kEcA, ec)) {
        EXPECT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two (unbound)")), hr::S_OK);
    }
    soh::Message preview() {
        auto bytes = agent->preview_soh_request();
        EXPECT_TRUE(bytes) << to_string(bytes.error());
        if (!bytes)
            return {};
        auto v = soh::decode(bytes->data, {.expect = soh::Direction::Request});
        EXPECT_TRUE(v) << v.error().message();
        return v ? soh::Message::from(*v) : soh::Message{};
    }
    static std::uint32_t error_code(const soh::ReportEntry& e) {
        auto codes = e.find(soh::tlv_type::kErrorCodes);
        EXPECT_NE(codes, nullptr);
        return codes == nullptr ? 0 : load_be32(codes->value.data());
    }
    std::shared_ptr<TestSha> sha1;
    std::shared_ptr<TestEc> ec;
    HealthAgentBinding sha_binding;
    EnforcementClientBinding ec_a;
};

TEST_F(PreviewTest, BeforeAnyExchangeEverySoHIsSystemGenerated) {
    soh::Message m = preview();
    EXPECT_TRUE(m.is_request());
    EXPECT_EQ(m.correlation_id(), (CorrelationId{Guid{}, clock->now()}));
    EXPECT_EQ(m.system.find<soh::MachineName>()->text(), "harness.opennap.test");
    ASSERT_NE(m.system.find<soh::SystemGeneratedIds>(), nullptr);
    EXPECT_EQ(m.system.find<soh::SystemGeneratedIds>()->ids,
              (std::vector<std::uint32_t>{kSha2, kSha1}));
    ASSERT_EQ(m.entries.size(), 2u);
    EXPECT_EQ(m.entries[0].id, kSha2);
    EXPECT_EQ(error_code(m.entries[0]), hr::NAP_E_NOT_INITIALIZED.bits()) << "unbound";
    EXPECT_EQ(m.entries[1].id, kSha1);
    EXPECT_EQ(error_code(m.entries[1]), hr::NAP_E_NO_CACHED_SOH.bits()) << "bound, nothing cached";
    EXPECT_EQ(sha1->get_calls, 0) << "a preview calls no SHA";
}

TEST_F(PreviewTest, CachedSoHsAreSentAsTheyAre) {
    auto c = connect(ec_a, 7);
    ASSERT_EQ(exchange(ec_a, *c), hr::S_OK);
    ASSERT_EQ(sha1->get_calls, 1);
    clock->advance(std::chrono::seconds(3));

    soh::Message m = preview();
    EXPECT_EQ(m.correlation_id(), (CorrelationId{Guid{}, clock->now()}));
    EXPECT_EQ(m.system.find<soh::SystemGeneratedIds>()->ids, (std::vector<std::uint32_t>{kSha2}));
    ASSERT_EQ(m.entries.size(), 2u);
    EXPECT_EQ(m.entries[1].id, kSha1);
    ASSERT_EQ(m.entries[1].attributes.size(), 1u);
    EXPECT_EQ(m.entries[1].attributes[0].type, soh::tlv_type::kHealthClass);
    EXPECT_EQ(sha1->get_calls, 1);
}

TEST_F(PreviewTest, CarriesTheSystemIsolationState) {
    auto c = connect(ec_a, 7);
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.url = "http://fix.example/";
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    soh::Message m = preview();
    const auto* q = m.system.find<soh::QuarantineState>();
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(q->flags),
              static_cast<std::uint8_t>(IsolationState::RestrictedAccess));
    EXPECT_EQ(q->url, std::string("http://fix.example/") + '\0');
}

TEST_F(PreviewTest, DisabledShasAreLeftOut) {
    ASSERT_EQ(mgmt.register_system_health_agent(info(kSha3, u"SHA three")), hr::S_OK);
    ASSERT_EQ(mgmt.set_system_health_agent_enabled(kSha3, false), hr::S_OK);
    soh::Message m = preview();
    for (const auto& e : m.entries)
        EXPECT_NE(e.id, kSha3);
    EXPECT_EQ(m.entries.size(), 2u);
}

TEST_F(PreviewTest, ChangesNothing) {
    auto c = connect(ec_a, 7);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const auto corr = c->correlation_id();
    const auto request = c->soh_request();
    const auto system = agent->system_isolation();
    const auto ecs = agent->ec_status();
    ASSERT_TRUE(agent->preview_soh_request());
    EXPECT_EQ(c->correlation_id(), corr);
    EXPECT_EQ(c->soh_request(), request);
    EXPECT_EQ(agent->system_isolation(), system);
    ASSERT_EQ(agent->ec_status().size(), ecs.size());
    EXPECT_TRUE(agent->ec_status()[0].connections[0].request_outstanding);
    // The outstanding request is still the one a response must answer.
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    auto sohr = make_sohr(*corr, o);
    ASSERT_EQ(c->set_soh_response(sohr), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::S_OK);
    EXPECT_TRUE(sha1->orphaned.empty());
}

}  // namespace
}  // namespace opennap::agent::test
