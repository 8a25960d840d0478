// GetSoHRequest / ProcessSoHResponse: the SSoH the agent builds and how it handles responses.
#include "harness.h"

namespace opennap::agent::test {
namespace {

class ExchangeTest : public AgentTest {
  protected:
    ExchangeTest()
        : sha1(std::make_shared<TestSha>(kSha1)),
          ec(std::make_shared<TestEc>()),
          sha_binding(bind_sha(kSha1, sha1)),
          ec_a(bind_ec(kEcA, ec)) {
        EXPECT_EQ(mgmt.register_system_health_agent(info(kSha2, u"SHA two (unbound)")), hr::S_OK);
    }
    soh::Message request_of(const Connection& c) {
        auto bytes = c.soh_request();
        EXPECT_TRUE(bytes);
        auto v = soh::decode(bytes->data, {.expect = soh::Direction::Request});
        EXPECT_TRUE(v) << v.error().message();
        return soh::Message::from(*v);
    }
    std::shared_ptr<TestSha> sha1;
    std::shared_ptr<TestEc> ec;
    HealthAgentBinding sha_binding;
    EnforcementClientBinding ec_a;
};

TEST_F(ExchangeTest, RequestCarriesSystemPartAndEverySha) {
    auto c = connect(ec_a, 7);
    auto hint = ec_a.get_soh_request(*c);
    ASSERT_TRUE(hint);
    EXPECT_TRUE(*hint) << "the first request is a change";
    EXPECT_EQ(*c->flags(), freshSoHRequest);
    const CorrelationId corr = *c->correlation_id();
    EXPECT_EQ(corr.conn_id, guid(7));
    EXPECT_EQ(corr.time_stamp, clock->now());

    soh::Message m = request_of(*c);
    EXPECT_TRUE(m.is_request());
    EXPECT_EQ(m.correlation_id(), corr);
    EXPECT_EQ(m.system.find<soh::MachineName>()->text(), "harness.opennap.test");
    ASSERT_NE(m.system.find<soh::SystemGeneratedIds>(), nullptr);
    EXPECT_EQ(m.system.find<soh::SystemGeneratedIds>()->ids, (std::vector<std::uint32_t>{kSha2}));
    ASSERT_EQ(m.entries.size(), 2u);
    // Entries in SHA id order: kSha2 (0x...E0) then kSha1 (0x...F0).
    EXPECT_EQ(m.entries[0].id, kSha2);
    auto fc = m.entries[0].find(soh::tlv_type::kFailureCategory);
    ASSERT_NE(fc, nullptr);
    EXPECT_EQ(fc->value[0], static_cast<std::uint8_t>(FailureCategory::ClientComponent));
    auto codes = m.entries[0].find(soh::tlv_type::kErrorCodes);
    ASSERT_NE(codes, nullptr);
    EXPECT_EQ(load_be32(codes->value.data()), hr::NAP_E_NOT_INITIALIZED.bits());
    EXPECT_EQ(m.entries[1].id, kSha1);
    ASSERT_EQ(m.entries[1].attributes.size(), 1u);
    EXPECT_EQ(m.entries[1].attributes[0].type, soh::tlv_type::kHealthClass);
    EXPECT_EQ(sha1->get_calls, 1);
}

TEST_F(ExchangeTest, ResponseSetsTheDecisionAndReachesTheSha) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.state = IsolationState::RestrictedAccess;
    o.url = "http://remediation.example/";
    o.fixup = true;
    o.entries = {{kSha1, 0xC0FF0001}};
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    auto iso = c->isolation_info_ex();
    ASSERT_TRUE(iso);
    EXPECT_EQ(iso->isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(iso->failure_url, u"http://remediation.example/");
    EXPECT_EQ(sha1->responses, 1);
    EXPECT_EQ(sha1->last_flags, shaFixup) << "non-compliant and the server allows fix-up";
    EXPECT_EQ(sha1->last_response.attributes.front().type, soh::tlv_type::kSystemHealthId);
    EXPECT_EQ(agent->system_isolation().info.isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(sha1->state_changes, 1);
    auto status = agent->sha_status();
    auto s1 =
        std::find_if(status.begin(), status.end(), [](auto& s) { return s.info.id == kSha1; });
    ASSERT_EQ(s1->state.sha_result_codes.size(), 1u);
    EXPECT_EQ(s1->state.sha_result_codes[0].bits(), 0xC0FF0001u);
}

TEST_F(ExchangeTest, ShaFixupOnlyWhenAllowedAndNonCompliant) {
    auto c = connect(ec_a, 1);
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    o.fixup = true;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_EQ(sha1->last_flags, 0);
    o.entries = {{kSha1, 0xC0FF0001}};
    o.fixup = false;
    ASSERT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    EXPECT_EQ(sha1->last_flags, 0);
}

TEST_F(ExchangeTest, RetriggerHintFollowsTheSoh) {
    auto c = connect(ec_a, 1);
    EXPECT_TRUE(*ec_a.get_soh_request(*c));
    EXPECT_FALSE(*ec_a.get_soh_request(*c)) << "nothing changed";
    sha1->set_soh_value(3);
    EXPECT_TRUE(*ec_a.get_soh_request(*c));
    // An SHA that says two byte-different SoHs mean the same health: no retrigger.
    sha1->compare = [](const SoH&, const SoH&) -> Result<bool> { return true; };
    sha1->set_soh_value(4);
    EXPECT_FALSE(*ec_a.get_soh_request(*c));
}

TEST_F(ExchangeTest, MismatchedCorrelationIsDropped) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    SohrOptions o;
    o.correlation = CorrelationId{guid(99), FileTime{1}};
    ASSERT_EQ(c->set_soh_response(make_sohr(*c->correlation_id(), o)), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_MISMATCHED_ID);
    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    // A response to an older request is a mismatch too.
    const CorrelationId old = *c->correlation_id();
    clock->advance(std::chrono::seconds(1));
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_EQ(c->set_soh_response(make_sohr(old, {})), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_MISMATCHED_ID);
}

TEST_F(ExchangeTest, MalformedResponseIsInvalidPacket) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_EQ(c->set_soh_response(NetworkSoH{{0, 7, 0, 99, 1, 2, 3}}), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_INVALID_PACKET);
    // Our own request echoed back is a request, not a response.
    ASSERT_EQ(c->set_soh_response(*c->soh_request()), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_INVALID_PACKET);
    // A response without a decision (no MS-Quarantine-State).
    soh::Message m;
    m.mode = soh::ModeSubHeader{c->correlation_id()->to_bytes(), 0, 0};
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    ASSERT_EQ(c->set_soh_response(NetworkSoH{*soh::encode(m)}), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_INVALID_PACKET);
}

TEST_F(ExchangeTest, ProcessOnAnEcWithNoConnectionsIsInvalidArg) {
    auto c = connect(ec_a, 1);
    auto ec_b = bind_ec(kEcB, std::make_shared<TestEc>());
    EXPECT_EQ(ec_b.process_soh_response(*c), hr::E_INVALIDARG);
}

TEST_F(ExchangeTest, ResponseBeforeAnyRequestIsNotPending) {
    auto c = connect(ec_a, 1);
    ASSERT_EQ(c->set_soh_response(make_sohr(CorrelationId{guid(1), FileTime{}}, {})), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::NAP_E_NOT_PENDING);
    auto fresh = connect(ec_a, 2);
    EXPECT_EQ(ec_a.process_soh_response(*fresh), hr::E_INVALIDARG) << "no SoHResponse set";
}

TEST_F(ExchangeTest, EmptyResponseLeavesTheConnectionUnknown) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId corr = *c->correlation_id();
    ASSERT_EQ(c->set_soh_response(NetworkSoH{}), hr::S_OK);
    EXPECT_EQ(ec_a.process_soh_response(*c), hr::S_OK);
    EXPECT_EQ(c->isolation_info().error(), hr::NAP_E_NOT_INITIALIZED);
    EXPECT_TRUE(agent->system_isolation().unknown_connections);
    ASSERT_EQ(sha1->orphaned.size(), 1u);
    EXPECT_EQ(sha1->orphaned[0], corr);
}

TEST_F(ExchangeTest, NewRequestOrphansTheOutstandingOne) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    const CorrelationId first = *c->correlation_id();
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_EQ(sha1->orphaned.size(), 1u);
    EXPECT_EQ(sha1->orphaned[0], first);
    EXPECT_NE(*c->correlation_id(), first) << "every request gets a new correlation id";
}

TEST_F(ExchangeTest, ConnectionDownOrphansAndUnanswerdShasAreOrphaned) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(ec_a.notify_connection_state_down(*c), hr::S_OK);
    EXPECT_EQ(sha1->orphaned.size(), 1u);
    EXPECT_EQ(ec_a.get_soh_request(*c).error(), hr::E_INVALIDARG);
    // A response that has no entry for the SHA (no matching SHV) orphans its request.
    auto c2 = connect(ec_a, 2);
    ASSERT_EQ(exchange(ec_a, *c2, {}), hr::S_OK);
    EXPECT_EQ(sha1->orphaned.size(), 2u);
}

TEST_F(ExchangeTest, ShaLeftOutWhenMaxSizeIsTight) {
    auto c = connect(ec_a, 1);
    SoHAttribute big{soh::tlv_type::kSoftwareVersion, std::vector<std::uint8_t>(250, 'v')};
    sha1->on_get = [&](ShaRequest& r) { return r.set_soh_request(make_soh(kSha1, {big}), false); };
    ASSERT_EQ(c->set_max_size(300), hr::S_OK);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    soh::Message m = request_of(*c);
    ASSERT_EQ(m.entries.size(), 1u) << "only the small system-generated entry fits";
    EXPECT_EQ(m.entries[0].id, kSha2);
    EXPECT_LE(c->soh_request()->data.size(), 300u);
}

TEST_F(ExchangeTest, MaxSizeTooSmallForTheSystemPart) {
    AgentConfig cfg = config(failing_site);
    cfg.machine.machine_name = std::string(400, 'm');
    auto big_agent = std::make_shared<Agent>(cfg, clock);
    ASSERT_EQ(big_agent->register_ec(Caller::admin(), info(kEcA, u"EC")), hr::S_OK);
    auto b = *EnforcementClientBinding::initialize(big_agent, kEcA, std::make_shared<TestEc>());
    auto c = *b.create_connection();
    ASSERT_EQ(c->set_connection_id(guid(1)), hr::S_OK);
    ASSERT_EQ(c->set_max_size(300), hr::S_OK);
    EXPECT_EQ(b.get_soh_request(*c).error(), hr::NAP_E_MAXSIZE_TOO_SMALL);
    ASSERT_EQ(c->set_max_size(4000), hr::S_OK);
    EXPECT_TRUE(b.get_soh_request(*c));
}

TEST_F(ExchangeTest, FailingShaGetsASystemGeneratedSoh) {
    auto c = connect(ec_a, 1);
    sha1->result = hr::E_FAIL;
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    soh::Message m = request_of(*c);
    const soh::ReportEntry& e = m.entries[1];
    EXPECT_EQ(e.id, kSha1);
    EXPECT_EQ(load_be32(e.find(soh::tlv_type::kErrorCodes)->value.data()), hr::E_FAIL.bits());
    EXPECT_EQ(m.system.find<soh::SystemGeneratedIds>()->ids.size(), 2u);
}

TEST_F(ExchangeTest, ServerUnavailableUnbindsTheShaAndFlushesItsCache) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));  // caches the SHA's SoH
    auto status = agent->sha_status();
    EXPECT_TRUE(std::find_if(status.begin(), status.end(), [](auto& s) {
                    return s.info.id == kSha1;
                })->has_cached_soh);
    sha1->result = hr::RPC_S_SERVER_UNAVAILABLE;
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    status = agent->sha_status();
    auto s1 =
        std::find_if(status.begin(), status.end(), [](auto& s) { return s.info.id == kSha1; });
    EXPECT_FALSE(s1->bound);
    EXPECT_FALSE(s1->has_cached_soh);
    EXPECT_EQ(sha_binding.notify_soh_change(), hr::NAP_E_NOT_INITIALIZED);
}

TEST_F(ExchangeTest, CachedSohIsOfferedAndUsed) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    std::optional<SoH> offered;
    sha1->on_get = [&](ShaRequest& r) {
        auto cached = r.soh_request();
        if (cached)
            offered = *cached;
        return hr::S_OK;  // sets nothing: the cached SoH is used
    };
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    ASSERT_TRUE(offered);
    EXPECT_EQ(*offered, sha1->soh());
    EXPECT_EQ(request_of(*c).entries[1].attributes.size(), 1u);
    // After FlushCache there is nothing to offer: the agent reports NAP_E_NO_CACHED_SOH.
    EXPECT_EQ(sha_binding.flush_cache(), hr::S_OK);
    offered.reset();
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_FALSE(offered);
    auto e = request_of(*c).entries[1];
    EXPECT_EQ(load_be32(e.find(soh::tlv_type::kErrorCodes)->value.data()),
              hr::NAP_E_NO_CACHED_SOH.bits());
}

TEST_F(ExchangeTest, UnboundShaWithCacheIsRepresentedByItsCache) {
    auto c = connect(ec_a, 1);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    EXPECT_EQ(sha_binding.uninitialize(), hr::S_OK);
    ASSERT_TRUE(ec_a.get_soh_request(*c));
    soh::Message m = request_of(*c);
    EXPECT_EQ(m.entries[1].id, kSha1);
    EXPECT_EQ(m.entries[1].find(soh::tlv_type::kErrorCodes), nullptr) << "the cached SoH";
}

TEST_F(ExchangeTest, ShaRejectingItsResponseIsRecorded) {
    auto c = connect(ec_a, 1);
    sha1->response_result = hr::NAP_E_INVALID_PACKET;
    SohrOptions o;
    o.entries = {{kSha1, 0}};
    EXPECT_EQ(exchange(ec_a, *c, o), hr::S_OK);
    auto status = agent->sha_status();
    auto s1 =
        std::find_if(status.begin(), status.end(), [](auto& s) { return s.info.id == kSha1; });
    EXPECT_EQ(s1->state.failure_category, FailureCategory::ClientComponent);
}

TEST_F(ExchangeTest, InvalidShaSohIsRefusedByTheRequestObject) {
    ShaRequest r(CorrelationId{}, nullptr, kSha1);
    EXPECT_EQ(r.set_soh_request(SoH{}, true), hr::E_INVALIDARG);
    EXPECT_EQ(r.set_soh_request(make_soh(kSha2), true), hr::E_INVALIDARG);  // another SHA's
    EXPECT_EQ(r.set_soh_request(SoH{{{soh::tlv_type::kHealthClass, {0}}}}, true), hr::E_INVALIDARG);
    EXPECT_EQ(r.soh_request().error(), hr::NAP_E_NO_CACHED_SOH);
    EXPECT_EQ(r.soh_response().error(), hr::NAP_E_NOT_PENDING);
}

}  // namespace
}  // namespace opennap::agent::test
