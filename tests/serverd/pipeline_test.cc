// napserver's pure request-path steps (pipeline.h), run as nap_server.cc runs them: the request
// read, the built-in WSHV in a real SHV host, the policy decision, the SoHR and the signed answer.
// Every answer is checked with the project's own RADIUS and SoH decoders.
#include "opennap/serverd/pipeline.h"

#include <gtest/gtest.h>

#include <future>

#include "opennap/radius/authorization.h"
#include "opennap/radius/tunnel.h"
#include "opennap/server/shv_host.h"
#include "opennap/serverd/validators.h"
#include "opennap/shvs/wshv.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/system_soh.h"
#include "serverd/helpers.h"

namespace opennap::serverd {
namespace {

using namespace opennap::serverd::test;

policy::ServerConfig make_config(const ConfigOptions& o = {}) {
    policy::ParseOptions po;
    po.wsha_settings = shvs::wshv::settings_check();
    auto c = policy::parse_config(config_text(o), "test.toml", po);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().to_string());
    return c ? std::move(*c) : policy::ServerConfig{};
}

struct Outcome {
    ByteVec answer;
    NapRequest nap;
    policy::Decision decision;
    std::optional<server::ValidationResult> result;
    std::optional<ByteVec> sohr;
};

// One request through the steps nap_server.cc's process() and finish() take.
Outcome run(const policy::ServerConfig& cfg, const ByteVec& rq,
            bool message_authenticator = false) {
    Outcome r;
    auto p = radius::decode_packet(rq);
    EXPECT_TRUE(p.has_value());
    if (!p)
        return r;
    r.nap = read_nap_request(*p);
    if (r.nap.soh) {
        server::ShvHostOptions ho;
        ho.timeout = cfg.server.shv_timeout;
        server::ShvHost host(std::move(ho));
        for (const auto& shv : cfg.shvs) {
            auto reg = registration_for(shv);
            EXPECT_TRUE(reg.has_value());
            EXPECT_FALSE(host.register_validator(std::move(*reg)).failed());
        }
        std::promise<server::ValidationResult> done;
        auto f = done.get_future();
        EXPECT_FALSE(
            host.validate(r.nap.input,
                          [&](server::ValidationResult&& v) { done.set_value(std::move(v)); })
                .failed());
        r.result = f.get();
    }
    std::vector<policy::ShvVerdict> verdicts;
    if (r.result)
        verdicts = verdicts_of(cfg, *r.result);
    policy::RequestFacts facts;
    facts.nas_type = r.nap.nas_type ? r.nap.nas_type : cfg.radius.clients[0].nas_type;
    facts.client_address = policy::IpAddress::v4(127, 0, 0, 1);
    facts.nas_address = r.nap.nas_address;
    facts.machine_name = r.nap.machine_name;
    facts.soh_present = r.nap.soh.has_value();
    facts.now = FileTime::now();
    r.decision = policy::evaluate(cfg, facts, verdicts);
    r.sohr = sohr_for(cfg, r.decision, r.nap, r.result ? &*r.result : nullptr);
    auto secret = radius::SharedSecret::create(cfg.radius.clients[0].secret);
    auto a = build_answer(*p, r.decision, r.sohr, r.nap.wrapping, message_authenticator, *secret);
    EXPECT_TRUE(a.has_value()) << (a ? "" : a.error().message());
    if (a)
        r.answer = std::move(*a);
    return r;
}

// Checks the answer's signature against the request; returns the decoded view.
radius::PacketView verified(const ByteVec& answer, const ByteVec& rq, bool require_ma = false) {
    auto p = radius::decode_packet(answer);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message());
    auto q = radius::decode_packet(rq);
    const auto check = radius::verify_response(*p, q->authenticator(), kSecret, require_ma);
    EXPECT_TRUE(check.ok()) << radius::to_string(check.status);
    EXPECT_EQ(p->identifier(), q->identifier());
    return *p;
}

soh::MessageView decoded_sohr(const radius::PacketView& answer, radius::Wrapping wrapping) {
    auto q = radius::quarantine_soh(answer);
    EXPECT_TRUE(q.has_value() && q->has_value()) << "no MS-Quarantine-SoH in the answer";
    static thread_local ByteVec keep;
    keep = (*q)->message;
    EXPECT_EQ((*q)->wrapping, wrapping);
    auto v = soh::decode(keep, {.expect = soh::Direction::Response});
    EXPECT_TRUE(v.has_value()) << (v ? "" : v.error().message());
    return *v;
}

TEST(ServerdPipeline, ReadsABareSohAndItsMachineName) {
    const auto cfg = make_config();
    const auto soh = ssoh(healthy_entry(), "pc.example.test");
    const auto rq = request({.soh = soh, .nas_type = radius::NasType::Dhcp});
    auto p = radius::decode_packet(rq);
    ASSERT_TRUE(p);
    const NapRequest nap = read_nap_request(*p);
    EXPECT_EQ(nap.problem, "");
    ASSERT_TRUE(nap.soh);
    EXPECT_EQ(*nap.soh, soh);
    EXPECT_EQ(nap.wrapping, radius::Wrapping::Bare);
    EXPECT_EQ(nap.machine_name, "pc.example.test");
    ASSERT_TRUE(nap.nas_type);
    EXPECT_EQ(static_cast<std::uint32_t>(*nap.nas_type),
              static_cast<std::uint32_t>(radius::NasType::Dhcp));
}

TEST(ServerdPipeline, HealthyClientGetsFullAccessWithThePolicyExtras) {
    const auto cfg = make_config();
    const auto rq = request({.soh = ssoh(healthy_entry(), "pc.example.test")});
    const Outcome r = run(cfg, rq);
    EXPECT_EQ(r.decision.access, policy::Access::full);
    EXPECT_EQ(r.decision.network_policy, "compliant-policy");
    const auto p = verified(r.answer, rq);
    EXPECT_EQ(p.code(), radius::Code::AccessAccept);
    auto nap = radius::nap_attributes(p);
    ASSERT_TRUE(nap) << nap.error().message();
    EXPECT_EQ(nap->quarantine_state, 0u) << "MS-Quarantine-State full access";
    EXPECT_FALSE(nap->quarantine_grace_time);
    EXPECT_TRUE(nap->ipv4_remediation_servers.empty());
    auto st = radius::session_timeout(p);
    ASSERT_TRUE(st && *st);
    EXPECT_EQ(**st, std::chrono::seconds(3600));
    EXPECT_EQ(values_of(p, radius::Attr::FilterId),
              (std::vector<ByteVec>{{'h', 'e', 'a', 'l', 't', 'h', 'y'}}));
    auto vlan = radius::vlan_assignment(p);
    ASSERT_TRUE(vlan && *vlan);
    EXPECT_EQ((*vlan)->vlan_id(), 10);
    EXPECT_FALSE(p.find(radius::Attr::MessageAuthenticator));
}

TEST(ServerdPipeline, UnhealthyClientIsRestrictedWithRemediation) {
    const auto cfg = make_config();
    const auto rq = request({.soh = ssoh(unhealthy_entry(), "sick.example.test")});
    const Outcome r = run(cfg, rq);
    EXPECT_EQ(r.decision.access, policy::Access::restricted);
    const auto p = verified(r.answer, rq);
    EXPECT_EQ(p.code(), radius::Code::AccessAccept);
    auto nap = radius::nap_attributes(p);
    ASSERT_TRUE(nap);
    EXPECT_EQ(nap->quarantine_state, 1u) << "MS-Quarantine-State restricted";
    ASSERT_EQ(nap->ipv4_remediation_servers.size(), 1u);
    EXPECT_EQ(nap->ipv4_remediation_servers[0], (radius::Ipv4Address{10, 0, 0, 5}));
    auto vlan = radius::vlan_assignment(p);
    ASSERT_TRUE(vlan && *vlan);
    EXPECT_EQ((*vlan)->vlan_id(), 99);
    auto st = radius::session_timeout(p);
    ASSERT_TRUE(st && *st);
    EXPECT_EQ(**st, std::chrono::seconds(600));
    EXPECT_EQ(values_of(p, radius::Attr::FilterId).size(), 1u);

    // The SoHR: restricted, auto-remediation, the help URL, the WSHV's codes for the WSHA.
    const auto v = decoded_sohr(p, radius::Wrapping::Bare);
    ASSERT_TRUE(v.system.quarantine_state);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(v.system.quarantine_state->flags),
              static_cast<std::uint8_t>(IsolationState::RestrictedAccess));
    const std::string url(v.system.quarantine_state->url.begin(),
                          v.system.quarantine_state->url.end());
    EXPECT_EQ(url.substr(0, url.find('\0')), "http://10.0.0.5/help");
    ASSERT_EQ(v.entry_count, 1u);
    const auto entry = *v.entries.begin();
    EXPECT_EQ(entry.id, kWshaId);
    bool some_failure = false;
    int code_tlvs = 0;
    for (const auto& t : entry.attributes) {
        if (t.type != soh::tlv_type::kComplianceResultCodes)
            continue;
        ++code_tlvs;
        auto codes = soh::attr::compliance_result_codes(t);
        ASSERT_TRUE(codes);
        for (std::size_t i = 0; i < codes->size(); ++i)
            some_failure |= codes->u32(i) != 0;
    }
    EXPECT_GT(code_tlvs, 0);
    EXPECT_TRUE(some_failure) << "the WSHV reported a problem";
}

TEST(ServerdPipeline, SohrEchoesTheCorrelationIdAndHasOneEntryPerSha) {
    const auto cfg = make_config();
    const auto rq = request({.soh = ssoh(healthy_entry(), "pc.example.test", true, 0x42)});
    const Outcome r = run(cfg, rq);
    const auto p = verified(r.answer, rq);
    const auto v = decoded_sohr(p, radius::Wrapping::Bare);
    const auto expected = correlation_bytes(0x42);
    ASSERT_TRUE(v.mode);
    EXPECT_TRUE(
        std::equal(v.mode->correlation_id.begin(), v.mode->correlation_id.end(), expected.begin()));
    ASSERT_TRUE(v.system.correlation_id);
    EXPECT_TRUE(std::equal(v.system.correlation_id->begin(), v.system.correlation_id->end(),
                           expected.begin()));
    EXPECT_FALSE(v.is_request());
    ASSERT_TRUE(v.system.quarantine_state);
    EXPECT_EQ(soh::quarantine_flags::isolation_state(v.system.quarantine_state->flags),
              static_cast<std::uint8_t>(IsolationState::NotRestricted));
    ASSERT_EQ(v.entry_count, 1u);
    EXPECT_EQ((*v.entries.begin()).id, kWshaId);
    // The record carries the same correlation id and the WSHV's codes.
    const auto rec = record_of(
        RecordContext{"i", &cfg.radius.clients[0], policy::IpAddress::v4(127, 0, 0, 1), {}}, r.nap,
        r.decision, &*r.result);
    ASSERT_TRUE(rec.correlation_id);
    EXPECT_EQ(rec.correlation_id->to_bytes(), expected);
    EXPECT_EQ(rec.machine_name, "pc.example.test");
    EXPECT_EQ(rec.client_name, "loopback");
    EXPECT_EQ(rec.outcome, store::Outcome::Full);
    EXPECT_EQ(rec.network_policy, "compliant-policy");
    ASSERT_EQ(rec.shvs.size(), 1u);
    EXPECT_EQ(rec.shvs[0].id, kWshaId);
    EXPECT_EQ(rec.shvs[0].status, store::ShvStatus::Compliant);
    EXPECT_FALSE(rec.shvs[0].compliance_codes.empty());
}

// napserver's own path moves the SHVs' responses (take_entries) instead of copying them
// (entries_of / the sohr_for that reads the result): same entries, verdicts and SoHR bytes.
TEST(ServerdPipeline, TakingTheEntriesGivesWhatCopyingThemGives) {
    const auto cfg = make_config();
    for (const auto& rq : {request({.soh = ssoh(healthy_entry(), "pc.example.test", true, 0x42)}),
                           request({.soh = ssoh(unhealthy_entry(), "pc.example.test", true, 7)})}) {
        const Outcome r = run(cfg, rq);
        ASSERT_TRUE(r.result);
        const auto copied = entries_of(*r.result);
        server::ValidationResult moved_from = *r.result;
        auto taken = take_entries(moved_from);
        ASSERT_EQ(taken.size(), copied.size());
        for (std::size_t i = 0; i < taken.size(); ++i) {
            EXPECT_EQ(taken[i].id, copied[i].id);
            EXPECT_EQ(taken[i].attributes, copied[i].attributes);
        }
        EXPECT_EQ(verdicts_of(cfg, moved_from, taken), verdicts_of(cfg, *r.result));
        const auto sohr = sohr_for(cfg, r.decision, r.nap, moved_from, std::move(taken));
        ASSERT_TRUE(sohr);
        ASSERT_TRUE(r.sohr);
        EXPECT_EQ(*sohr, *r.sohr);
    }
}

// napserver's workers fill one record again and again (fill_record): whatever the record held
// before, it ends up as record_of() makes it for the new request.
TEST(ServerdPipeline, AFilledRecordHoldsNothingOfThePreviousRequest) {
    const auto cfg = make_config();
    std::vector<Outcome> runs;
    runs.push_back(run(cfg, request({.soh = ssoh(unhealthy_entry(), "sick.example.test", true, 9),
                                     .nas_type = radius::NasType::Dhcp})));
    runs.push_back(run(cfg, request({})));  // no SoH: not NAP-capable, no SHV results
    runs.push_back(run(cfg, request({.soh = ssoh(healthy_entry(), "pc.example.test")})));
    // An SoH that does not decode: the request's problem comes first in the reasons.
    runs.push_back(run(cfg, request({.soh = ByteVec(40, 0xAB)})));
    ASSERT_FALSE(runs.back().nap.problem.empty());
    const policy::RadiusClient* client = &cfg.radius.clients[0];
    const RecordContext contexts[] = {
        {"instance-with-a-long-name", client, policy::IpAddress::v4(192, 0, 2, 77),
         std::chrono::microseconds(1234)},
        {"", nullptr, policy::IpAddress::v4(127, 0, 0, 1), {}},
    };
    store::DecisionRecord reused;
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t i = 0; i < runs.size(); ++i) {
            const auto& r = runs[pass == 0 ? i : runs.size() - 1 - i];
            const RecordContext& ctx = contexts[(i + pass) % 2];
            const server::ValidationResult* result = r.result ? &*r.result : nullptr;
            fill_record(reused, ctx, r.nap, r.decision, result);
            store::DecisionRecord fresh = record_of(ctx, r.nap, r.decision, result);
            fresh.time = reused.time;  // the clock moved on
            EXPECT_EQ(reused, fresh) << "pass " << pass << ", request " << i;
        }
    }
}

TEST(ServerdPipeline, PeapWrappedSohIsAnsweredPeapWrapped) {
    const auto cfg = make_config();
    for (const auto w : {radius::Wrapping::Bare, radius::Wrapping::PeapWrapper}) {
        const auto rq = request({.soh = ssoh(healthy_entry(), "pc"), .wrapping = w});
        const Outcome r = run(cfg, rq);
        EXPECT_EQ(r.nap.wrapping, w);
        const auto p = verified(r.answer, rq);
        decoded_sohr(p, w);
    }
}

TEST(ServerdPipeline, VectorTenIsReadAsAPeapWrappedSoh) {
    // Vector 10: one MS-Quarantine-SoH VSA with the PEAP wrapper around vector 08 (antivirus not
    // installed): restricted, answered wrapped.
    const auto cfg = make_config();
    radius::PacketBuilder b(radius::Code::AccessRequest, 9, *radius::random_authenticator());
    b.add(radius::Attr::UserName, "vector10");
    b.add_raw(opennap::test::load_vector("10-radius-vsa-ms-quarantine-soh-compact.hex"));
    ASSERT_TRUE(sign(b, kSecret));
    const auto rq = *b.take();
    const Outcome r = run(cfg, rq);
    EXPECT_EQ(r.nap.problem, "");
    EXPECT_EQ(r.nap.wrapping, radius::Wrapping::PeapWrapper);
    EXPECT_EQ(r.nap.machine_name, "netbios.example.com");
    EXPECT_EQ(r.decision.access, policy::Access::restricted);
    const auto p = verified(r.answer, rq);
    decoded_sohr(p, radius::Wrapping::PeapWrapper);
}

TEST(ServerdPipeline, NoSohIsNotNapCapableAndDenied) {
    const auto cfg = make_config();
    const auto rq = request({});
    const Outcome r = run(cfg, rq);
    EXPECT_FALSE(r.nap.soh);
    EXPECT_EQ(r.nap.problem, "");
    EXPECT_EQ(r.decision.access, policy::Access::deny);
    EXPECT_EQ(r.decision.network_policy, "no-soh-denied");
    const auto p = verified(r.answer, rq);
    EXPECT_EQ(p.code(), radius::Code::AccessReject);
    // A reject carries no decision attributes and no SoHR.
    EXPECT_FALSE(p.find(radius::Attr::VendorSpecific));
    EXPECT_FALSE(p.find(radius::Attr::SessionTimeout));
    EXPECT_FALSE(p.find(radius::Attr::FilterId));
}

TEST(ServerdPipeline, UndecodableSohIsNotNapCapableAndTheReasonIsRecorded) {
    const auto cfg = make_config();
    const ByteVec junk(40, 0xAB);
    const auto rq = request({.soh = junk});
    const Outcome r = run(cfg, rq);
    EXPECT_FALSE(r.nap.soh);
    EXPECT_NE(r.nap.problem, "");
    EXPECT_EQ(r.decision.access, policy::Access::deny);
    const auto p = verified(r.answer, rq);
    EXPECT_EQ(p.code(), radius::Code::AccessReject);
    const auto rec = record_of(
        RecordContext{"i", &cfg.radius.clients[0], policy::IpAddress::v4(127, 0, 0, 1), {}}, r.nap,
        r.decision, nullptr);
    ASSERT_FALSE(rec.reasons.empty());
    EXPECT_EQ(rec.reasons[0], r.nap.problem);
    EXPECT_FALSE(rec.correlation_id);
}

TEST(ServerdPipeline, SohWithoutCorrelationIdGetsNoSohr) {
    const auto cfg = make_config();
    const auto rq = request({.soh = ssoh(healthy_entry(), "pc", /*correlation=*/false)});
    const Outcome r = run(cfg, rq);
    EXPECT_EQ(r.decision.access, policy::Access::full);
    EXPECT_FALSE(r.sohr);
    const auto p = verified(r.answer, rq);
    EXPECT_EQ(p.code(), radius::Code::AccessAccept);
    auto q = radius::quarantine_soh(p);
    ASSERT_TRUE(q);
    EXPECT_FALSE(q->has_value());
    auto nap = radius::nap_attributes(p);
    ASSERT_TRUE(nap);
    EXPECT_EQ(nap->quarantine_state, 0u);
}

TEST(ServerdPipeline, MessageAuthenticatorWhenAsked) {
    const auto cfg = make_config();
    const auto rq = request({.soh = ssoh(healthy_entry(), "pc")});
    const Outcome with = run(cfg, rq, true);
    const auto p = verified(with.answer, rq, /*require_ma=*/true);
    auto first = *p.attributes().begin();
    EXPECT_EQ(first.type, radius::Attr::MessageAuthenticator) << "first, as BlastRADIUS wants";
    const Outcome without = run(cfg, rq, false);
    const auto p2 = verified(without.answer, rq);
    EXPECT_FALSE(p2.find(radius::Attr::MessageAuthenticator));
}

TEST(ServerdPipeline, ProxyStateIsCopiedInOrderIntoAcceptAndReject) {
    // RFC 2865 §5.33.
    const auto cfg = make_config();
    const std::vector<ByteVec> states = {{'p', '1'}, ByteVec(200, 0x33), {0x00, 0xff, 0x10}};
    for (const bool with_soh : {true, false}) {
        RequestOptions o{.proxy_states = states};
        if (with_soh)
            o.soh = ssoh(healthy_entry(), "pc");
        const auto rq = request(o);
        const Outcome r = run(cfg, rq);
        const auto p = verified(r.answer, rq);
        EXPECT_EQ(p.code(), with_soh ? radius::Code::AccessAccept : radius::Code::AccessReject);
        EXPECT_EQ(values_of(p, radius::Attr::ProxyState), states);
    }
}

TEST(ServerdPipeline, AnswerTooBigWithItsSohrFitsWithout) {
    // nap_server.cc sends the answer without the SoHR when it does not fit a RADIUS packet:
    // build_answer() reports that as an error (not a truncated packet), and succeeds without it.
    const auto cfg = make_config();
    const auto rq = request({.soh = ssoh(unhealthy_entry(), "pc")});
    Outcome r = run(cfg, rq);
    ASSERT_TRUE(r.sohr);
    ByteVec big = *r.sohr;
    big.resize(4000, 0);
    auto p = radius::decode_packet(rq);
    auto secret = radius::SharedSecret::create(kSecret);
    auto a = build_answer(*p, r.decision, big, radius::Wrapping::Bare, true, *secret);
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error().code, radius::Errc::TooLong);
    auto b = build_answer(*p, r.decision, std::nullopt, radius::Wrapping::Bare, true, *secret);
    ASSERT_TRUE(b.has_value());
    const auto v = verified(*b, rq, true);
    EXPECT_EQ(v.code(), radius::Code::AccessAccept);
    auto nap = radius::nap_attributes(v);
    ASSERT_TRUE(nap);
    EXPECT_EQ(nap->quarantine_state, 1u);
    EXPECT_FALSE(v.count(radius::Attr::VendorSpecific) == 0);
}

TEST(ServerdPipeline, StatusServerIsAnsweredWithAnAcceptAndMessageAuthenticator) {
    const auto rq = request({.code = radius::Code::StatusServer});
    auto p = radius::decode_packet(rq);
    ASSERT_TRUE(p);
    auto secret = radius::SharedSecret::create(kSecret);
    auto a = build_status_answer(*p, *secret);
    ASSERT_TRUE(a);
    const auto v = verified(*a, rq, /*require_ma=*/true);
    EXPECT_EQ(v.code(), radius::Code::AccessAccept);
}

TEST(ServerdPipeline, AConfiguredShvWithoutAnOutcomeIsUnavailable) {
    const auto cfg = make_config();
    server::ValidationResult empty;
    const auto v = verdicts_of(cfg, empty);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].id, kWshaId);
    EXPECT_EQ(v[0].status, policy::ShvVerdict::Status::Unavailable);
}

}  // namespace
}  // namespace opennap::serverd
