// The SoHR builder: byte-exact output, vector 15, every field decoded back, and a round trip
// through the NAP agent's own ProcessSoHResponse.
#include "opennap/policy/sohr.h"

#include <gtest/gtest.h>

#include "agent/harness.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/system_soh.h"
#include "support/vectors.h"

namespace {

using namespace opennap;
using namespace opennap::policy;
using opennap::test::from_hex;
using opennap::test::load_vector;
using opennap::test::to_hex;

std::array<std::uint8_t, 24> counting_id() {
    std::array<std::uint8_t, 24> id{};
    for (std::size_t i = 0; i < id.size(); ++i) {
        id[i] = static_cast<std::uint8_t>(i + 1);
    }
    return id;
}

IpAddress ip(std::string_view s) {
    return IpAddress::parse(s).value();
}

soh::ReportEntry sample_entry(std::uint32_t code) {
    return soh::ReportEntry{
        0x000137F0,
        {soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&code, 1))}};
}

TEST(PolicySohr, ByteExactWithoutModeSubHeader) {
    SohrContent c;
    c.isolation_state = IsolationState::RestrictedAccess;
    c.extended_state = ExtendedIsolationState::Infected;
    c.fixup = true;
    c.url = "http://r/";
    c.fixup_servers = {ip("10.9.0.1"), ip("2001:db8::9")};
    c.installed_shvs = {0x00013780, 0x000137F0};
    SohrEcho echo;
    echo.correlation_id = counting_id();
    echo.mode_sub_header = false;
    const std::array entries{sample_entry(0x80270050)};
    auto bytes = build_sohr(c, echo, entries);
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message();
    const auto expected = from_hex(R"(
        00 07 00 81 00 00 01 37 00 01 00 79
        00 02 00 04 00 01 37 00
        00 07 00 41 00 00 01 37
          03 01
          06 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18
          02 00 2b ff ff ff ff ff ff ff ff 00 0a 68 74 74 70 3a 2f 2f 72 2f 00
          07 00 08 00 01 37 80 00 01 37 f0
        00 03 00 04 0a 09 00 01
        00 0f 00 10 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 09
        00 02 00 04 00 01 37 f0 00 04 00 04 80 27 00 50)");
    EXPECT_EQ(to_hex(*bytes), to_hex(expected));
}

TEST(PolicySohr, ByteExactProbationWithModeSubHeader) {
    SohrContent c;
    c.isolation_state = IsolationState::InProbation;
    c.probation_end = FileTime{0x01E0F6C0A005C000ull};  // 2030-01-01T00:00:00Z
    SohrEcho echo;
    echo.correlation_id = counting_id();
    auto bytes = build_sohr(c, echo, {});
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message();
    const auto expected = from_hex(R"(
        00 07 00 63 00 00 01 37 00 02 00 5b
        00 07 00 1e 00 00 01 37
          01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 00 00
        00 02 00 04 00 01 37 00
        00 07 00 2d 00 00 01 37
          03 01
          06 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18
          02 00 02 01 e0 f6 c0 a0 05 c0 00 00 01 00)");
    EXPECT_EQ(to_hex(*bytes), to_hex(expected));
}

TEST(PolicySohr, ReproducesVector15ButForTheNoProbationValue) {
    // Vector 15 is a labelled guess at an SoHR: full access, no URL, the WSHV's answer. OpenNAP
    // writes 0xFFFFFFFFFFFFFFFF ("none", as wpa_supplicant and the agent do) where the vector has
    // a zero probation time; everything else is the same, byte for byte.
    const auto v15 = load_vector("15-sohr-synthesized.hex");
    auto view = soh::decode(v15, {.expect = soh::Direction::Response});
    ASSERT_TRUE(view.has_value()) << view.error().message();
    auto echo = SohrEcho::from(*view);
    ASSERT_TRUE(echo.has_value());
    EXPECT_TRUE(echo->mode_sub_header);
    const soh::Message model = soh::Message::from(*view);

    Decision d;
    d.access = Access::full;
    d.isolation_state = IsolationState::NotRestricted;
    auto content = SohrContent::from(d);
    ASSERT_TRUE(content.has_value());
    auto bytes = build_sohr(*content, *echo, model.entries);
    ASSERT_TRUE(bytes.has_value()) << bytes.error().message();

    auto expected = v15;
    const auto& q = view->system.quarantine_state;
    ASSERT_TRUE(q.has_value());
    const std::size_t url_at = static_cast<std::size_t>(q->url.data() - v15.data());
    const std::size_t probation_at = url_at - 2 - 8;
    for (std::size_t i = 0; i < 8; ++i) {
        ASSERT_EQ(expected[probation_at + i], 0x00);
        expected[probation_at + i] = 0xFF;
    }
    EXPECT_EQ(to_hex(*bytes), to_hex(expected));
}

TEST(PolicySohr, EveryFieldDecodesBack) {
    Decision d;
    d.access = Access::probation;
    d.isolation_state = IsolationState::InProbation;
    d.extended_state = ExtendedIsolationState::Transition;
    d.probation_end = FileTime{0x01DA000000000000ull};
    d.help_url = "https://help.example.org/nap?x=1";
    d.fixup = true;
    d.remediation_servers = {ip("10.9.0.1"), ip("10.9.0.2"), ip("::ffff:10.9.0.3"),
                             ip("2001:db8::1")};
    const std::array<SystemHealthEntityId, 1> installed{0x00013780};
    auto content = SohrContent::from(d, installed);
    ASSERT_TRUE(content.has_value());
    EXPECT_EQ(quarantine_flags(*content), 0x001A);
    SohrEcho echo;
    echo.correlation_id = counting_id();
    const std::array entries{sample_entry(0), sample_entry(0xC0FF0001)};
    auto bytes = build_sohr(*content, echo, entries);
    ASSERT_TRUE(bytes.has_value());

    auto view = soh::decode(*bytes, {.expect = soh::Direction::Response, .allow_partial = false});
    ASSERT_TRUE(view.has_value()) << view.error().message();
    EXPECT_FALSE(view->is_request());
    EXPECT_EQ(view->inner_type, soh::kInnerTypeModeHeader);
    ASSERT_TRUE(view->mode.has_value());
    EXPECT_TRUE(std::equal(view->mode->correlation_id.begin(), view->mode->correlation_id.end(),
                           echo.correlation_id.begin()));
    EXPECT_EQ(view->mode->intent, soh::kIntentResponse);
    EXPECT_EQ(view->mode->content_type, 0);
    const auto& sys = view->system;
    EXPECT_EQ(sys.packet_info, soh::kPacketInfoResponse);
    ASSERT_TRUE(sys.correlation_id.has_value());
    EXPECT_TRUE(std::equal(sys.correlation_id->begin(), sys.correlation_id->end(),
                           echo.correlation_id.begin()));
    ASSERT_TRUE(sys.quarantine_state.has_value());
    EXPECT_EQ(soh::quarantine_flags::isolation_state(sys.quarantine_state->flags), 2);
    EXPECT_EQ(soh::quarantine_flags::extended_state(sys.quarantine_state->flags), 1);
    EXPECT_NE(sys.quarantine_state->flags & soh::quarantine_flags::kFBit, 0);
    EXPECT_EQ(sys.quarantine_state->probation_time, *d.probation_end);
    EXPECT_EQ(std::string(sys.quarantine_state->url.begin(), sys.quarantine_state->url.end()),
              d.help_url + std::string(1, '\0'));
    ASSERT_TRUE(sys.installed_shvs.has_value());
    ASSERT_EQ(sys.installed_shvs->size(), 1u);
    EXPECT_EQ(sys.installed_shvs->u32(0), 0x00013780u);
    EXPECT_FALSE(sys.machine_name.has_value());
    EXPECT_FALSE(sys.machine_inventory.has_value());
    // The fix-up servers: one TLV per family, IPv4-mapped addresses as IPv4.
    std::vector<soh::TlvView> extra(view->system_group.begin(), view->system_group.end());
    ASSERT_EQ(extra.size(), 3u);  // Vendor-Specific(311), IPv4, IPv6
    auto v4 = soh::attr::ipv4_fixup_servers(extra[1]);
    ASSERT_TRUE(v4.has_value());
    ASSERT_EQ(v4->size(), 3u);
    EXPECT_EQ(v4->u32(2), 0x0A090003u);
    auto v6 = soh::attr::ipv6_fixup_servers(extra[2]);
    ASSERT_TRUE(v6.has_value());
    ASSERT_EQ(v6->size(), 1u);
    EXPECT_EQ(v6->item(0)[15], 1);
    // The SHV entries, in order.
    ASSERT_EQ(view->entry_count, 2);
    std::vector<soh::EntryView> got(view->entries.begin(), view->entries.end());
    EXPECT_EQ(got[0].id, 0x000137F0u);
    auto codes =
        soh::attr::compliance_result_codes(*got[1].find(soh::tlv_type::kComplianceResultCodes));
    ASSERT_TRUE(codes.has_value());
    EXPECT_EQ(codes->u32(0), 0xC0FF0001u);
    // The editable model says the same.
    EXPECT_EQ(soh::Message::from(*view), make_sohr(*content, echo, entries));
}

TEST(PolicySohr, FlagsForEveryState) {
    SohrContent c;
    EXPECT_EQ(quarantine_flags(c), 0x0001);
    c.isolation_state = IsolationState::RestrictedAccess;
    EXPECT_EQ(quarantine_flags(c), 0x0003);
    c.fixup = true;
    EXPECT_EQ(quarantine_flags(c), 0x000B);
    c.extended_state = ExtendedIsolationState::Unknown;
    EXPECT_EQ(quarantine_flags(c), 0x003B);
    c.isolation_state = IsolationState::NotRestricted;
    c.fixup = false;
    c.extended_state = ExtendedIsolationState::Infected;
    EXPECT_EQ(quarantine_flags(c), 0x0021);
}

TEST(PolicySohr, NoSohrForADenial) {
    Decision d;
    d.access = Access::deny;
    EXPECT_FALSE(SohrContent::from(d).has_value());
}

TEST(PolicySohr, ProbationTimeOnlyInProbation) {
    // A probation end left in a restricted decision is not written.
    SohrContent c;
    c.isolation_state = IsolationState::RestrictedAccess;
    c.probation_end = FileTime{12345};
    auto bytes = build_sohr(c, SohrEcho{}, {});
    ASSERT_TRUE(bytes.has_value());
    auto view = soh::decode(*bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->system.quarantine_state->probation_time, FileTime{FileTime::kNone});
}

TEST(PolicySohr, EchoFromTheRequest) {
    // Vector 04 (wpa_supplicant): mode sub-header -> inner type 2 with its correlation id.
    const auto v04 = load_vector("04-soh-wpas-v2.hex");
    auto req = soh::decode(v04, {.expect = soh::Direction::Request});
    ASSERT_TRUE(req.has_value());
    auto echo = SohrEcho::from(*req);
    ASSERT_TRUE(echo.has_value());
    EXPECT_TRUE(echo->mode_sub_header);
    EXPECT_TRUE(std::equal(echo->correlation_id.begin(), echo->correlation_id.end(),
                           req->mode->correlation_id.begin()));
    // Vector 07 (inner type 1): MS-CorrelationId -> inner type 1.
    const auto v07 = load_vector("07-soh-wpas-v1.hex");
    auto req1 = soh::decode(v07, {.expect = soh::Direction::Request});
    ASSERT_TRUE(req1.has_value());
    ASSERT_FALSE(req1->mode.has_value());
    auto echo1 = SohrEcho::from(*req1);
    ASSERT_TRUE(echo1.has_value());
    EXPECT_FALSE(echo1->mode_sub_header);
    EXPECT_TRUE(std::equal(echo1->correlation_id.begin(), echo1->correlation_id.end(),
                           req1->system.correlation_id->begin()));
    auto bytes = build_sohr(SohrContent{}, *echo1, {});
    ASSERT_TRUE(bytes.has_value());
    auto back = soh::decode(*bytes, {.expect = soh::Direction::Response});
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->inner_type, soh::kInnerTypeNoModeHeader);
}

TEST(PolicySohr, EchoNeedsACorrelationId) {
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    auto bytes = soh::encode(m);
    ASSERT_TRUE(bytes.has_value());
    auto view = soh::decode(*bytes);
    ASSERT_TRUE(view.has_value());
    EXPECT_FALSE(SohrEcho::from(*view).has_value());
}

TEST(PolicySohr, TooLargeIsAnError) {
    // 40 SHV entries of 100 codes each cannot fit 4000 bytes.
    std::vector<soh::ReportEntry> entries;
    std::vector<std::uint32_t> codes(100, 0);
    for (std::uint32_t i = 0; i < 40; ++i) {
        entries.push_back(
            soh::ReportEntry{0x00013790 + i, {soh::attr::make_compliance_result_codes(codes)}});
    }
    auto bytes = build_sohr(SohrContent{}, SohrEcho{}, entries);
    ASSERT_FALSE(bytes.has_value());
    EXPECT_EQ(bytes.error().code, soh::Errc::LimitExceeded);
    // A caller may allow more.
    EXPECT_TRUE(build_sohr(SohrContent{}, SohrEcho{}, entries, 0xFFFF).has_value());
}

TEST(PolicySohr, EveryTruncationIsRejected) {
    SohrContent c;
    c.isolation_state = IsolationState::RestrictedAccess;
    c.url = "http://r/";
    c.fixup_servers = {ip("10.9.0.1")};
    const std::array entries{sample_entry(0)};
    auto bytes = build_sohr(c, SohrEcho{}, entries);
    ASSERT_TRUE(bytes.has_value());
    for (std::size_t n = 0; n < bytes->size(); ++n) {
        const std::vector<std::uint8_t> cut(bytes->begin(),
                                            bytes->begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_FALSE(soh::decode(cut).has_value()) << n;
    }
}

}  // namespace

// ---- round trip through the agent
// ----------------------------------------------------------------

namespace opennap::agent::test {
namespace {

class SohrAgentTest : public AgentTest {
  protected:
    SohrAgentTest()
        : sha1(std::make_shared<TestSha>(kSha1)),
          ec(std::make_shared<TestEc>()),
          sha_binding(bind_sha(kSha1, sha1)),
          ec_a(bind_ec(kEcA, ec)) {}

    // Sends the connection's SoH request to a "server" that answers with build_sohr().
    Status answer(Connection& c, const policy::Decision& d,
                  std::span<const soh::ReportEntry> entries,
                  std::span<const SystemHealthEntityId> installed = {}) {
        auto hint = ec_a.get_soh_request(c);
        EXPECT_TRUE(hint);
        auto request = c.soh_request();
        EXPECT_TRUE(request);
        auto view = soh::decode(request->data, {.expect = soh::Direction::Request});
        EXPECT_TRUE(view) << view.error().message();
        auto echo = policy::SohrEcho::from(*view);
        EXPECT_TRUE(echo);
        auto content = policy::SohrContent::from(d, installed);
        EXPECT_TRUE(content);
        auto sohr = policy::build_sohr(*content, *echo, entries);
        EXPECT_TRUE(sohr) << sohr.error().message();
        EXPECT_EQ(c.set_soh_response(NetworkSoH{*sohr}), hr::S_OK);
        return ec_a.process_soh_response(c);
    }

    std::shared_ptr<TestSha> sha1;
    std::shared_ptr<TestEc> ec;
    HealthAgentBinding sha_binding;
    EnforcementClientBinding ec_a;
};

TEST_F(SohrAgentTest, RestrictedDecisionReachesTheConnectionAndTheSha) {
    auto c = connect(ec_a, 1);
    policy::Decision d;
    d.access = policy::Access::restricted;
    d.isolation_state = IsolationState::RestrictedAccess;
    d.extended_state = ExtendedIsolationState::Infected;
    d.help_url = "http://remediation.example/";
    d.fixup = true;
    d.remediation_servers = {policy::IpAddress::v4(10, 9, 0, 1)};
    const std::uint32_t code = 0xC0FF0001;
    const std::array entries{soh::ReportEntry{
        kSha1,
        {soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&code, 1))}}};
    const std::array<SystemHealthEntityId, 2> installed{0x00013780, kSha1};
    ASSERT_EQ(answer(*c, d, entries, installed), hr::S_OK);

    auto iso = c->isolation_info_ex();
    ASSERT_TRUE(iso);
    EXPECT_EQ(iso->isolation_state, IsolationState::RestrictedAccess);
    EXPECT_EQ(iso->extended_isolation_state, ExtendedIsolationState::Infected);
    EXPECT_EQ(iso->failure_url, u"http://remediation.example/");
    EXPECT_EQ(iso->prob_end_time, FileTime{});
    auto shvs = c->installed_shvs();
    ASSERT_TRUE(shvs);
    EXPECT_EQ(*shvs, (std::vector<SystemHealthEntityId>{0x00013780, kSha1}));
    EXPECT_EQ(sha1->responses, 1);
    EXPECT_EQ(sha1->last_flags, shaFixup) << "non-compliant and the server allows fix-up";
    ASSERT_EQ(sha1->last_response.attributes.size(), 2u);
    EXPECT_EQ(sha1->last_response.attributes[1].type, soh::tlv_type::kComplianceResultCodes);
    EXPECT_EQ(agent->system_isolation().info.isolation_state, IsolationState::RestrictedAccess);
}

TEST_F(SohrAgentTest, ProbationAndFullAccess) {
    auto c = connect(ec_a, 2);
    policy::Decision d;
    d.access = policy::Access::probation;
    d.isolation_state = IsolationState::InProbation;
    d.probation_end = FileTime{clock->now().ticks + 36'000'000'000ull};
    const std::uint32_t ok = 0;
    const std::array entries{soh::ReportEntry{
        kSha1, {soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&ok, 1))}}};
    ASSERT_EQ(answer(*c, d, entries), hr::S_OK);
    auto iso = c->isolation_info_ex();
    ASSERT_TRUE(iso);
    EXPECT_EQ(iso->isolation_state, IsolationState::InProbation);
    EXPECT_EQ(iso->prob_end_time, *d.probation_end);
    EXPECT_EQ(iso->failure_url, u"");
    EXPECT_EQ(sha1->last_flags, 0) << "no fix-up without the f bit";

    policy::Decision full;
    full.access = policy::Access::full;
    full.isolation_state = IsolationState::NotRestricted;
    ASSERT_EQ(answer(*c, full, entries), hr::S_OK);
    iso = c->isolation_info_ex();
    ASSERT_TRUE(iso);
    EXPECT_EQ(iso->isolation_state, IsolationState::NotRestricted);
    EXPECT_EQ(iso->extended_isolation_state, ExtendedIsolationState::NoData);
    EXPECT_EQ(sha1->responses, 2);
}

}  // namespace
}  // namespace opennap::agent::test
