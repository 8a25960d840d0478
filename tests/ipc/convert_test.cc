#include "opennap/ipc/convert.h"

#include <gtest/gtest.h>

#include <string>

#include "samples.h"

namespace opennap::ipc {
namespace {

using test::same;

std::string raw(std::initializer_list<unsigned> bytes) {
    std::string s;
    for (const unsigned b : bytes)
        s += static_cast<char>(b);
    return s;
}

ConvertError cerr(std::string field, std::string reason) {
    return ConvertError{std::move(field), std::move(reason)};
}

// ---- scalars
// -------------------------------------------------------------------------------------

TEST(IpcConvert, U16IsLittleEndianCodeUnits) {
    EXPECT_EQ(u16_bytes(u"A\u00e9\u20ac"), raw({0x41, 0x00, 0xE9, 0x00, 0xAC, 0x20}));
    EXPECT_EQ(u16_bytes(u"\U0001F600"), raw({0x3D, 0xD8, 0x00, 0xDE}));  // surrogate pair
    EXPECT_EQ(u16_bytes(u""), "");
    // Any 16-bit values travel as they are, lone surrogates and NULs included.
    const std::u16string odd = {u'\xD800', u'\0', u'\xFFFF', u'x'};
    auto back = u16_from_bytes(u16_bytes(odd), "f");
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, odd);
    EXPECT_EQ(*u16_from_bytes(raw({0x41, 0x00, 0xE9, 0x00}), "f"), u"A\u00e9");
}

TEST(IpcConvert, U16Errors) {
    EXPECT_EQ(u16_from_bytes(raw({0x41}), "ClientInfo.client_name").error(),
              cerr("ClientInfo.client_name", "1 bytes, odd (UTF-16LE needs an even count)"));
    const std::u16string max(maxStringLength, u'a');
    EXPECT_TRUE(u16_from_bytes(u16_bytes(max), "f"));
    const std::u16string over(maxStringLength + 1, u'a');
    EXPECT_EQ(u16_from_bytes(u16_bytes(over), "f").error(),
              cerr("f", "1025 UTF-16 code units, more than 1024"));
}

TEST(IpcConvert, GuidIsTheWindowsMemoryLayout) {
    const Guid g{0x00112233, 0x4455, 0x6677, {0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}};
    EXPECT_EQ(guid_bytes(g), raw({0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA,
                                  0xBB, 0xCC, 0xDD, 0xEE, 0xFF}));
    EXPECT_EQ(*guid_from_bytes(guid_bytes(g), "g"), g);
    EXPECT_EQ(*guid_from_bytes(std::string(16, '\0'), "g"), Guid{});
    EXPECT_EQ(guid_from_bytes(std::string(15, 'x'), "a.b").error(),
              cerr("a.b", "15 bytes, expected 16"));
    EXPECT_EQ(guid_from_bytes("", "g").error(), cerr("g", "0 bytes, expected 16"));
    EXPECT_EQ(guid_from_bytes(std::string(17, 'x'), "g").error(),
              cerr("g", "17 bytes, expected 16"));
}

TEST(IpcConvert, ErrorMessage) {
    EXPECT_EQ(cerr("Registration.info_clsid", "15 bytes, expected 16").message(),
              "Registration.info_clsid: 15 bytes, expected 16");
    EXPECT_EQ(cerr("", "bad").message(), "bad");
}

// ---- SoH
// -----------------------------------------------------------------------------------------

// maxSoHAttributeCount attributes, the first of maxSoHAttributeSize octets.
SoH largest_soh() {
    SoH big;
    big.attributes.push_back({0xFFFF, std::vector<std::uint8_t>(maxSoHAttributeSize, 7)});
    while (big.attributes.size() < maxSoHAttributeCount)
        big.attributes.push_back({2, {}});
    return big;
}

TEST(IpcConvert, SoHRoundTrip) {
    for (const std::size_t n : {0u, 1u, 5u}) {
        const SoH soh = test::sample_soh(n == 0 ? 1 : n);
        SoH in = n == 0 ? SoH{} : soh;
        v1::SoH p;
        to_proto(in, p);
        EXPECT_EQ(p.attributes_size(), static_cast<int>(in.attributes.size()));
        auto back = soh_from_proto(p);
        ASSERT_TRUE(back) << back.error().message();
        EXPECT_EQ(*back, in);
    }
    // At the limits.
    const SoH big = largest_soh();
    v1::SoH p;
    to_proto(big, p);
    auto back = soh_from_proto(p);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, big);
    // Meaning is the agent's business: an SoH that does not start with its System-Health-ID
    // converts (and the agent answers E_INVALIDARG).
    SoH odd;
    odd.attributes.push_back({9, {1, 2}});
    to_proto(odd, p);
    EXPECT_EQ(*soh_from_proto(p), odd);
}

TEST(IpcConvert, SoHErrors) {
    v1::SoH p;
    to_proto(test::sample_soh(3), p);
    p.mutable_attributes(1)->set_type(0x10000);
    EXPECT_EQ(soh_from_proto(p).error(),
              cerr("SoH.attributes[1].type", "65536 does not fit 16 bits"));
    EXPECT_EQ(soh_from_proto(p, "Callback.sha_compare.lhs").error().field,
              "Callback.sha_compare.lhs.attributes[1].type");

    to_proto(test::sample_soh(3), p);
    p.mutable_attributes(2)->set_value(std::string(maxSoHAttributeSize + 1, 'x'));
    EXPECT_EQ(soh_from_proto(p).error(),
              cerr("SoH.attributes[2].value", "4001 bytes, more than 4000"));

    to_proto(test::sample_soh(1), p);
    while (p.attributes_size() <= static_cast<int>(maxSoHAttributeCount))
        p.add_attributes()->set_type(7);
    EXPECT_EQ(soh_from_proto(p).error(), cerr("SoH.attributes", "101 attributes, more than 100"));
}

TEST(IpcConvert, SoHTlvsAreTypeLengthValueBigEndian) {
    SoH soh;
    soh.attributes.push_back({0x0002, {0x00, 0x01, 0x37, 0x00}});
    soh.attributes.push_back({0x1234, {}});
    soh.attributes.push_back({0xFFFF, {0xAB}});
    std::string out = "x";  // appended to
    append_tlvs(soh, out);
    EXPECT_EQ(out, raw({'x', 0x00, 0x02, 0x00, 0x04, 0x00, 0x01, 0x37, 0x00, 0x12, 0x34, 0x00, 0x00,
                        0xFF, 0xFF, 0x00, 0x01, 0xAB}));
    auto back = soh_from_tlvs(std::string_view(out).substr(1));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, soh);
    EXPECT_EQ(soh_from_tlvs("")->attributes.size(), 0u);
}

TEST(IpcConvert, SoHTlvsRoundTripAtTheLimits) {
    for (const std::size_t n : {1u, 5u}) {
        const SoH soh = test::sample_soh(n);
        std::string t;
        append_tlvs(soh, t);
        EXPECT_EQ(*soh_from_tlvs(t), soh);
    }
    const SoH big = largest_soh();
    std::string t;
    append_tlvs(big, t);
    auto back = soh_from_tlvs(t);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, big);
    // One attribute more is refused.
    t += raw({0x00, 0x02, 0x00, 0x00});
    EXPECT_EQ(soh_from_tlvs(t, "ShaRequest.response").error(),
              cerr("ShaRequest.response.attributes[100] at offset " + std::to_string(t.size() - 4),
                   "more than 100 attributes"));
}

TEST(IpcConvert, SoHTlvsErrorsNameTheAttributeAndOffset) {
    std::string t;
    append_tlvs(test::sample_soh(2), t);
    const std::size_t whole = t.size();
    // Cut at every byte: each cut inside an attribute is an error at that attribute.
    for (std::size_t cut = 0; cut < whole; ++cut) {
        auto r = soh_from_tlvs(std::string_view(t).substr(0, cut));
        std::string again;
        if (r) {
            append_tlvs(*r, again);
            EXPECT_EQ(again, t.substr(0, cut)) << cut;  // cut on an attribute boundary
        } else {
            EXPECT_NE(r.error().field.find("SoH.attributes["), std::string::npos) << cut;
        }
    }
    EXPECT_EQ(soh_from_tlvs(raw({0x00, 0x02, 0x00})).error(),
              cerr("SoH.attributes[0] at offset 0", "TLV header cut short (3 of 4 bytes)"));
    EXPECT_EQ(soh_from_tlvs(raw({0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0x00, 0x05, 1, 2})).error(),
              cerr("SoH.attributes[1] at offset 4", "length 5 runs past the end (2 bytes left)"));
    std::string over = raw({0x00, 0x07, 0x0F, 0xA1});  // 4001
    over += std::string(4001, 'x');
    EXPECT_EQ(soh_from_tlvs(over).error(),
              cerr("SoH.attributes[0] at offset 0", "length 4001, more than 4000"));
}

// ---- CorrelationId
// -------------------------------------------------------------------------------

TEST(IpcConvert, CorrelationRoundTripAndErrors) {
    const CorrelationId id = test::sample_correlation();
    v1::CorrelationId p;
    to_proto(id, p);
    EXPECT_EQ(p.connection_id(), guid_bytes(id.conn_id));
    EXPECT_EQ(p.time(), id.time_stamp.ticks);
    EXPECT_EQ(*correlation_from_proto(p), id);

    p.set_connection_id("short");
    EXPECT_EQ(correlation_from_proto(p).error(),
              cerr("CorrelationId.connection_id", "5 bytes, expected 16"));
    p.clear_connection_id();
    EXPECT_EQ(correlation_from_proto(p, "Callback.sha_orphaned").error(),
              cerr("Callback.sha_orphaned.connection_id", "0 bytes, expected 16"));
}

// ---- IsolationInfo(Ex)
// ---------------------------------------------------------------------------

TEST(IpcConvert, IsolationRoundTrip) {
    const IsolationInfoEx ex = test::sample_isolation_ex();
    v1::IsolationInfo p;
    to_proto(ex, p);
    EXPECT_EQ(p.extended_state(), 1u);
    EXPECT_EQ(*isolation_ex_from_proto(p), ex);

    const IsolationInfo info{IsolationState::RestrictedAccess, FileTime{5}, u"url"};
    to_proto(info, p);
    EXPECT_EQ(p.extended_state(), 0u);
    EXPECT_EQ(*isolation_from_proto(p), info);
    // An IsolationInfo reads as an IsolationInfoEx with NoData.
    EXPECT_EQ(*isolation_ex_from_proto(p),
              (IsolationInfoEx{IsolationState::RestrictedAccess, ExtendedIsolationState::NoData,
                               FileTime{5}, u"url"}));
    for (std::uint32_t s = 1; s <= 3; ++s) {
        for (std::uint32_t e = 0; e <= 3; ++e) {
            p.set_isolation_state(s);
            p.set_extended_state(e);
            auto x = isolation_ex_from_proto(p);
            ASSERT_TRUE(x);
            EXPECT_EQ(static_cast<std::uint32_t>(x->isolation_state), s);
            EXPECT_EQ(static_cast<std::uint32_t>(x->extended_isolation_state), e);
        }
    }
}

TEST(IpcConvert, IsolationErrors) {
    v1::IsolationInfo p;
    to_proto(test::sample_isolation_ex(), p);
    p.set_isolation_state(0);  // the proto3 default is not a state
    EXPECT_EQ(isolation_ex_from_proto(p).error(),
              cerr("IsolationInfo.isolation_state", "0 is not a valid IsolationState"));
    EXPECT_EQ(isolation_from_proto(p).error().field, "IsolationInfo.isolation_state");
    p.set_isolation_state(4);
    EXPECT_EQ(isolation_ex_from_proto(p).error(),
              cerr("IsolationInfo.isolation_state", "4 is not a valid IsolationState"));

    to_proto(test::sample_isolation_ex(), p);
    p.set_extended_state(4);
    EXPECT_EQ(isolation_ex_from_proto(p).error(),
              cerr("IsolationInfo.extended_state", "4 is not a valid ExtendedIsolationState"));
    p.set_extended_state(2);
    EXPECT_EQ(isolation_from_proto(p, "ConnValue.isolation").error(),
              cerr("ConnValue.isolation.extended_state", "2, must be 0 in an IsolationInfo"));

    to_proto(test::sample_isolation_ex(), p);
    p.set_failure_url("abc");
    EXPECT_EQ(isolation_ex_from_proto(p).error(),
              cerr("IsolationInfo.failure_url", "3 bytes, odd (UTF-16LE needs an even count)"));
    p.set_failure_url(std::string(2 * (maxStringLength + 1), 'a'));
    EXPECT_EQ(isolation_from_proto(p).error().field, "IsolationInfo.failure_url");
}

// ---- FixupInfo
// -----------------------------------------------------------------------------------

TEST(IpcConvert, FixupRoundTrip) {
    const FixupInfo f = test::sample_fixup();
    v1::FixupInfo p;
    to_proto(f, p);
    EXPECT_EQ(p.result_codes(0), 0x80070005u);
    EXPECT_EQ(*fixup_from_proto(p), f);

    FixupInfo limits{FixupState::CouldNotUpdate, percentageNotSupported,
                     ResultCodes(maxDwordCountPerSoHAttribute, HResult{0xFFFFFFFFu}), 0xFFFFFFFF};
    to_proto(limits, p);
    EXPECT_EQ(*fixup_from_proto(p), limits);
    // to_proto replaces what was there.
    to_proto(FixupInfo{}, p);
    EXPECT_EQ(p.result_codes_size(), 0);
    EXPECT_EQ(*fixup_from_proto(p), FixupInfo{});
}

TEST(IpcConvert, FixupErrors) {
    v1::FixupInfo p;
    to_proto(test::sample_fixup(), p);
    p.set_state(3);
    EXPECT_EQ(fixup_from_proto(p).error(), cerr("FixupInfo.state", "3 is not a valid FixupState"));
    to_proto(test::sample_fixup(), p);
    p.set_percentage(102);
    EXPECT_EQ(fixup_from_proto(p).error(),
              cerr("FixupInfo.percentage", "102, more than 101 (not supported)"));
    p.set_percentage(0x1000000);
    EXPECT_EQ(fixup_from_proto(p).error().field, "FixupInfo.percentage");
    to_proto(test::sample_fixup(), p);
    while (p.result_codes_size() <= static_cast<int>(maxDwordCountPerSoHAttribute))
        p.add_result_codes(1);
    EXPECT_EQ(fixup_from_proto(p).error(),
              cerr("FixupInfo.result_codes", "1001 result codes, more than 1000"));
}

// ---- Registration
// --------------------------------------------------------------------------------

TEST(IpcConvert, RegistrationRoundTrip) {
    const NapComponentRegistrationInfo r = test::sample_registration(0x000137F0);
    v1::Registration p;
    to_proto(r, p);
    EXPECT_EQ(p.info_clsid().size(), 16u);
    EXPECT_EQ(p.version(), raw({'1', 0, '.', 0, '2', 0, '.', 0, '3', 0}));
    EXPECT_EQ(*registration_from_proto(p), r);
    // Defaults: nil GUIDs still travel as 16 bytes, empty strings as nothing.
    to_proto(NapComponentRegistrationInfo{}, p);
    EXPECT_EQ(p.info_clsid(), std::string(16, '\0'));
    EXPECT_TRUE(p.friendly_name().empty());
    EXPECT_EQ(*registration_from_proto(p), NapComponentRegistrationInfo{});
}

TEST(IpcConvert, RegistrationErrors) {
    const NapComponentRegistrationInfo r = test::sample_registration(1);
    v1::Registration p;
    to_proto(r, p);
    p.set_info_clsid(std::string(15, 'x'));
    EXPECT_EQ(registration_from_proto(p).error().message(),
              "Registration.info_clsid: 15 bytes, expected 16");
    to_proto(r, p);
    p.clear_config_clsid();
    EXPECT_EQ(registration_from_proto(p).error().message(),
              "Registration.config_clsid: 0 bytes, expected 16");

    using Setter = void (*)(v1::Registration&, const std::string&);
    const std::pair<Setter, const char*> strings[] = {
        {[](v1::Registration& m, const std::string& v) { m.set_friendly_name(v); },
         "friendly_name"},
        {[](v1::Registration& m, const std::string& v) { m.set_description(v); }, "description"},
        {[](v1::Registration& m, const std::string& v) { m.set_version(v); }, "version"},
        {[](v1::Registration& m, const std::string& v) { m.set_vendor_name(v); }, "vendor_name"},
    };
    for (const auto& [set, name] : strings) {
        to_proto(r, p);
        set(p, std::string("abc"));
        EXPECT_EQ(registration_from_proto(p, "Request.register.info").error(),
                  cerr(std::string("Request.register.info.") + name,
                       "3 bytes, odd (UTF-16LE needs an even count)"));
        set(p, std::string(2 * (maxStringLength + 1), 'a'));
        EXPECT_EQ(
            registration_from_proto(p).error(),
            cerr(std::string("Registration.") + name, "1025 UTF-16 code units, more than 1024"));
    }
}

// ---- agent values
// --------------------------------------------------------------------------------

TEST(IpcConvert, SystemIsolationRoundTripAndErrors) {
    const agent::SystemIsolation s{test::sample_isolation_ex(), true};
    v1::SystemIsolation p;
    to_proto(s, p);
    EXPECT_EQ(*system_isolation_from_proto(p), s);

    p.clear_info();
    EXPECT_EQ(system_isolation_from_proto(p).error(), cerr("SystemIsolation.info", "missing"));
    to_proto(s, p);
    p.mutable_info()->set_extended_state(9);
    EXPECT_EQ(
        system_isolation_from_proto(p).error(),
        cerr("SystemIsolation.info.extended_state", "9 is not a valid ExtendedIsolationState"));
}

TEST(IpcConvert, ClientInfoRoundTripAndErrors) {
    const agent::NapClientInfo c{false, u"OpenNAP agent", u"NAP for Linux", u"1.0"};
    v1::ClientInfo p;
    to_proto(c, p);
    auto back = client_info_from_proto(p);
    ASSERT_TRUE(back);
    EXPECT_TRUE(same(*back, c));

    for (int i = 0; i < 3; ++i) {
        to_proto(c, p);
        const char* name = nullptr;
        switch (i) {
            case 0:
                p.set_client_name("x");
                name = "ClientInfo.client_name";
                break;
            case 1:
                p.set_client_description("x");
                name = "ClientInfo.client_description";
                break;
            default:
                p.set_protocol_version("x");
                name = "ClientInfo.protocol_version";
                break;
        }
        EXPECT_EQ(client_info_from_proto(p).error().field, name);
    }
}

TEST(IpcConvert, StatusRoundTrip) {
    const StatusSnapshot s = test::sample_status();
    v1::Status p;
    to_proto(s, p);
    ASSERT_EQ(p.ecs(0).connections_size(), 2);
    EXPECT_TRUE(p.ecs(0).connections(0).has_isolation());
    EXPECT_FALSE(p.ecs(0).connections(1).has_isolation());
    EXPECT_FALSE(p.ecs(0).connections(1).has_correlation_id());
    EXPECT_TRUE(p.ecs(0).connections(1).connection_id().empty());
    auto back = status_from_proto(p);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_TRUE(same(*back, s));
    // Restored from the enclosing record.
    EXPECT_EQ(back->shas[0].state.id, s.shas[0].info.id);
    EXPECT_EQ(back->ecs[0].connections[1].ec, s.ecs[0].info.id);

    // A nil connection id that was set is not "never set".
    agent::ConnectionStatus c;
    c.connection_id = Guid{};
    v1::ConnectionStatus cp;
    to_proto(c, cp);
    EXPECT_EQ(cp.connection_id().size(), 16u);
    auto cback = connection_status_from_proto(cp, 0x00013701);
    ASSERT_TRUE(cback);
    EXPECT_EQ(cback->connection_id, Guid{});
    EXPECT_EQ(cback->ec, 0x00013701u);

    // Empty.
    to_proto(StatusSnapshot{}, p);
    auto empty = status_from_proto(p);
    ASSERT_TRUE(empty) << empty.error().message();
    EXPECT_TRUE(same(*empty, StatusSnapshot{}));
}

TEST(IpcConvert, StatusErrorsNameTheirPath) {
    const StatusSnapshot s = test::sample_status();
    v1::Status p;
    auto fresh = [&] {
        p.Clear();
        to_proto(s, p);
        v1::EcStatus* second = p.add_ecs();
        *second = p.ecs(0);
    };

    fresh();
    p.clear_system();
    EXPECT_EQ(status_from_proto(p).error(), cerr("Status.system", "missing"));
    fresh();
    p.mutable_system()->mutable_info()->set_isolation_state(0);
    EXPECT_EQ(status_from_proto(p).error().field, "Status.system.info.isolation_state");

    fresh();
    p.mutable_shas(0)->clear_info();
    EXPECT_EQ(status_from_proto(p).error(), cerr("Status.shas[0].info", "missing"));
    fresh();
    p.mutable_shas(0)->mutable_info()->set_info_clsid("x");
    EXPECT_EQ(status_from_proto(p).error().message(),
              "Status.shas[0].info.info_clsid: 1 bytes, expected 16");
    fresh();
    p.mutable_shas(0)->set_failure_category(6);
    EXPECT_EQ(status_from_proto(p).error(),
              cerr("Status.shas[0].failure_category", "6 is not a valid FailureCategory"));
    fresh();
    for (int i = 0; i <= static_cast<int>(maxDwordCountPerSoHAttribute); ++i)
        p.mutable_shas(0)->add_result_codes(0);
    EXPECT_EQ(status_from_proto(p).error().field, "Status.shas[0].result_codes");
    fresh();
    p.mutable_shas(0)->clear_fixup();
    EXPECT_EQ(status_from_proto(p).error(), cerr("Status.shas[0].fixup", "missing"));
    fresh();
    p.mutable_shas(0)->mutable_fixup()->set_percentage(200);
    EXPECT_EQ(status_from_proto(p).error().field, "Status.shas[0].fixup.percentage");

    fresh();
    p.mutable_ecs(1)->clear_info();
    EXPECT_EQ(status_from_proto(p).error(), cerr("Status.ecs[1].info", "missing"));
    fresh();
    p.mutable_ecs(1)->mutable_info()->set_vendor_name("odd");
    EXPECT_EQ(status_from_proto(p).error().field, "Status.ecs[1].info.vendor_name");
    fresh();
    p.mutable_ecs(1)->mutable_connections(1)->set_connection_id("0123456789abcde");
    EXPECT_EQ(status_from_proto(p).error().message(),
              "Status.ecs[1].connections[1].connection_id: 15 bytes, expected 16");
    fresh();
    p.mutable_ecs(1)->mutable_connections(0)->mutable_correlation_id()->set_connection_id("x");
    EXPECT_EQ(status_from_proto(p).error().field,
              "Status.ecs[1].connections[0].correlation_id.connection_id");
    fresh();
    p.mutable_ecs(1)->mutable_connections(0)->mutable_isolation()->set_failure_url("x");
    EXPECT_EQ(status_from_proto(p).error().field,
              "Status.ecs[1].connections[0].isolation.failure_url");
    fresh();
    p.mutable_ecs(0)->mutable_connections(0)->mutable_isolation()->set_isolation_state(7);
    EXPECT_EQ(status_from_proto(p).error().field,
              "Status.ecs[0].connections[0].isolation.isolation_state");

    // The stand-alone converters use their own names.
    EXPECT_EQ(ec_status_from_proto(p.ecs(0)).error().field,
              "EcStatus.connections[0].isolation.isolation_state");
    v1::ShaStatus sp;
    EXPECT_EQ(sha_status_from_proto(sp).error(), cerr("ShaStatus.info", "missing"));
}

}  // namespace
}  // namespace opennap::ipc
