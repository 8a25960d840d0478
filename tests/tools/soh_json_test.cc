#include "opennap/tools/soh_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "opennap/tools/tree.h"
#include "support/vectors.h"

namespace opennap::tools {
namespace {

using nlohmann::json;
using test::ByteVec;
using test::load_vector;

constexpr const char* kMessageVectors[] = {"04-soh-wpas-v2.hex", "07-soh-wpas-v1.hex",
                                           "08-soh-wsha-compact.hex", "09-soh-wsha-full.hex",
                                           "15-sohr-synthesized.hex"};

json decode_json(const ByteVec& bytes) {
    auto v = soh::decode(bytes);
    EXPECT_TRUE(v) << v.error().message();
    return v ? to_json(*v) : json();
}

ByteVec encode_json(const json& j) {
    auto m = message_from_json(j);
    EXPECT_TRUE(m) << m.error();
    if (!m)
        return {};
    auto out = soh::encode(*m);
    EXPECT_TRUE(out) << out.error().message();
    return out.value_or(ByteVec{});
}

std::string error_of(const json& j) {
    auto m = message_from_json(j);
    EXPECT_FALSE(m);
    return m ? std::string() : m.error();
}

TEST(SohJson, RoundTripsEveryMessageVector) {
    for (const char* name : kMessageVectors) {
        SCOPED_TRACE(name);
        const ByteVec bytes = load_vector(name);
        const json j = decode_json(bytes);
        EXPECT_EQ(encode_json(j), bytes);
        // Through text as well (what napctl does).
        auto m = message_from_json_text(j.dump(2));
        ASSERT_TRUE(m) << m.error();
        EXPECT_EQ(soh::encode(*m).value_or(ByteVec{}), bytes);
        // The decode document wrapper is accepted too.
        json doc = {{"input", {{"size", bytes.size()}}},
                    {"framing", {{"kind", "bare"}}},
                    {"message", j},
                    {"status", "ok"}};
        EXPECT_EQ(encode_json(doc), bytes);
    }
}

TEST(SohJson, DescribesWpaSupplicantSoh) {
    const json j = decode_json(load_vector("04-soh-wpas-v2.hex"));
    EXPECT_EQ(j["kind"], "SoH");
    EXPECT_EQ(j["inner_type"], 2);
    EXPECT_EQ(j["mode"]["correlation_id"], "000102030405060708090a0b0c0d0e0f1011121314151617");
    EXPECT_EQ(j["mode"]["correlation"],
              "00010203-0405-0607-0809-0a0b0c0d0e0f@" + FileTime{0x1011121314151617}.to_string());
    const json& items = j["system"]["ms_attributes"];
    ASSERT_EQ(items.size(), 6u);
    EXPECT_EQ(items[0]["name"], "MS-Packet-Info");
    EXPECT_EQ(items[0]["value"], "0x11");
    EXPECT_EQ(items[0]["request"], true);
    EXPECT_EQ(items[0]["offset"], 62);
    EXPECT_EQ(items[1]["offset"], 64);
    EXPECT_EQ(items[2]["machine_name"], "wpa_supplicant@w1.fi");
    EXPECT_EQ(items[2]["trailing_nuls"], 1);
    EXPECT_EQ(items[4]["flags"], "0x0001");
    EXPECT_EQ(items[4]["isolation_state"], 1);
    EXPECT_EQ(items[4]["isolation_state_name"], "not-restricted");
    EXPECT_EQ(items[4]["probation_time"], "none");
    EXPECT_EQ(items[4]["url"], "");
    EXPECT_EQ(items[4]["url_trailing_nuls"], 1);
    EXPECT_EQ(items[5]["product_type_name"], "workstation");
    EXPECT_TRUE(j["entries"].empty());
}

TEST(SohJson, DescribesWshaEntry) {
    const json j = decode_json(load_vector("09-soh-wsha-full.hex"));
    ASSERT_EQ(j["entries"].size(), 1u);
    const json& e = j["entries"][0];
    EXPECT_EQ(e["id"], "0x00013780");
    EXPECT_EQ(e["id_name"], "Windows Security Health Agent");
    const json& t = e["tlvs"];
    EXPECT_EQ(t[0]["name"], "Vendor-Specific");
    EXPECT_EQ(t[0]["value"]["vendor_id"], "0x00013780");
    EXPECT_EQ(t[0]["value"]["data_le32"], 3);
    EXPECT_EQ(t[2]["name"], "Health-Class");
    EXPECT_EQ(t[2]["value"], 0);
    EXPECT_EQ(t[2]["value_name"], "firewall");
    EXPECT_EQ(t[3]["name"], "Product-Name");
    EXPECT_EQ(t[3]["utf16le"], std::string("Windows Firewall\0", 17));
    EXPECT_EQ(t[4]["status"], "0x00000007");
    EXPECT_EQ(t[4]["hex"], "00000007");
}

TEST(SohJson, DescribesSohr) {
    const json j = decode_json(load_vector("15-sohr-synthesized.hex"));
    EXPECT_EQ(j["kind"], "SoHR");
    const json& t = j["entries"][0]["tlvs"];
    EXPECT_EQ(t[1]["name"], "Compliance-Result-Codes");
    EXPECT_EQ(t[1]["value"], json::array({"0x00000000"}));
    EXPECT_EQ(t[1]["value_names"], json::array({"S_OK"}));
    bool found_failure_category = false;
    for (const json& x : t) {
        if (x["type"] == 14) {
            found_failure_category = true;
            EXPECT_EQ(x["value_name"], "client-component");
        }
    }
    EXPECT_TRUE(found_failure_category);
}

TEST(SohJson, TypedAndRawTlvFormsAgree) {
    json j = {{"mode", {{"correlation_id", std::string(48, '0')}}},
              {"system", {{"ms_attributes", json::array({{{"type", "MS-Packet-Info"}}})}}},
              {"entries",
               json::array(
                   {{{"id", "0x00013780"},
                     {"tlvs",
                      json::array({
                          {{"type", "Health-Class"}, {"value", 0}},
                          {{"type", 11}, {"hex", "00000007"}},
                          {{"type", "Product-Name"}, {"utf16le", "FW"}},
                          {{"type", "Software-Version"}, {"text", "1.0"}},
                          {{"type", "Compliance-Result-Codes"}, {"value", {"0xC0FF0002", 0}}},
                          {{"type", "IPv4-Fixup-Servers"}, {"value", {"10.0.0.1"}}},
                          {{"type", 15}, {"value", {"fe80::1"}}},
                          {{"type", "SoH-Generation-Time"}, {"value", "2009-12-09T14:03:13.375Z"}},
                          {{"type", 7}, {"value", {{"vendor_id", 311}, {"data_le32", 5}}}},
                          {{"type", 99}, {"flags", "0x8000"}, {"hex", "ab"}},
                      })}}})}};
    const ByteVec bytes = encode_json(j);
    ASSERT_FALSE(bytes.empty());
    auto v = soh::decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    const json out = to_json(*v);
    const json& t = out["entries"][0]["tlvs"];
    EXPECT_EQ(t[0]["hex"], "00");
    EXPECT_EQ(t[1]["hex"], "00000007");
    EXPECT_EQ(t[2]["hex"], "46005700");
    EXPECT_EQ(t[3]["hex"], "312e30");
    EXPECT_EQ(t[4]["hex"], "c0ff000200000000");
    EXPECT_EQ(t[5]["value"][0], "10.0.0.1");
    EXPECT_EQ(t[6]["value"][0], "fe80::1");
    EXPECT_EQ(t[7]["hex"], "01ca78d858ee1ef0");
    EXPECT_EQ(t[8]["hex"], "0000013705000000");
    EXPECT_EQ(t[9]["flags"], 0x8000);
    EXPECT_EQ(t[9]["name"], "type 99");
    // Defaults: Packet-Info 0x11, intent 1.
    EXPECT_EQ(out["system"]["ms_attributes"][0]["value"], "0x11");
    EXPECT_EQ(out["mode"]["intent"], 1);
    EXPECT_EQ(encode_json(out), bytes);
}

TEST(SohJson, PartialMessageRoundTrips) {
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{});
    m.system.undecoded = {0x09, 0xAA, 0xBB};
    const ByteVec bytes = soh::encode(m).value();
    auto v = soh::decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    ASSERT_TRUE(v->partial());
    const json j = to_json(*v);
    EXPECT_EQ(j["partial"], true);
    EXPECT_EQ(j["system"]["unknown_type"], 9);
    EXPECT_EQ(j["system"]["undecoded_hex"], "09aabb");
    EXPECT_EQ(encode_json(j), bytes);
    EXPECT_NE(format_message_tree(j).find("Unknown MS attribute type 9"), std::string::npos);
}

TEST(SohJson, ErrorsNameTheJsonPath) {
    json base = decode_json(load_vector("08-soh-wsha-compact.hex"));

    json j = base;
    j["entries"][0]["tlvs"][2]["value"] = 300;
    EXPECT_EQ(error_of(j).rfind("$.entries[0].tlvs[2].value: expected an integer 0..255", 0), 0u)
        << error_of(j);

    j = base;
    j["entries"][0]["tlvs"][1]["hex"] = "0000000";
    EXPECT_EQ(error_of(j), "$.entries[0].tlvs[1].hex: odd number of hex digits");

    j = base;
    j["entries"][0]["tlvs"][0]["value"] = 1;  // hex still says 00
    EXPECT_NE(error_of(j).find("$.entries[0].tlvs[0]: \"value\" (01) and \"hex\" (00) disagree"),
              std::string::npos)
        << error_of(j);

    j = base;
    j["system"]["ms_attributes"][2]["machine_nme"] = "x";
    EXPECT_EQ(error_of(j), "$.system.ms_attributes[2]: unknown key \"machine_nme\"");

    j = base;
    j["system"]["ms_attributes"][0]["type"] = "MS-Nothing";
    EXPECT_EQ(error_of(j).rfind("$.system.ms_attributes[0].type: expected an MS attribute", 0), 0u);

    j = base;
    j["mode"]["correlation_id"] = "00";
    EXPECT_EQ(error_of(j), "$.mode.correlation_id: expected 24 bytes (48 hex digits), got 1");

    j = base;
    j["inner_type"] = 1;
    EXPECT_EQ(error_of(j), "$.mode: not allowed with inner_type 1");

    j = base;
    j["entries"][0]["tlvs"][1].erase("hex");
    j["entries"][0]["tlvs"][1].erase("status");
    EXPECT_EQ(error_of(j),
              "$.entries[0].tlvs[1]: needs one of \"value\", \"hex\", \"text\", \"utf16le\"");

    j = base;
    j["entries"][0]["tlvs"][0]["type"] = 2;
    EXPECT_EQ(error_of(j).rfind("$.entries[0].tlvs[0].type: System-Health-ID starts", 0), 0u);

    j = base;
    j["system"]["ms_attributes"][3]["correlation"] = "nonsense";
    EXPECT_EQ(error_of(j).rfind("$.system.ms_attributes[3].correlation: expected", 0), 0u);

    j = base;
    j["entries"] = json::object();
    EXPECT_EQ(error_of(j), "$.entries: expected an array of report entries");

    auto syntax = message_from_json_text("{\"mode\": ");
    ASSERT_FALSE(syntax);
    EXPECT_EQ(syntax.error().rfind("JSON syntax error at byte", 0), 0u) << syntax.error();

    json doc = {{"framing", {{"kind", "dhcp"}}}, {"message", nullptr}};
    EXPECT_EQ(error_of(doc), "$.message: the document holds no SoH/SoHR message");
}

TEST(SohJson, ParseFileTimeInvertsToString) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 2000; ++i) {
        FileTime t{rng()};
        if (i % 3 == 0)
            t.ticks >>= 8;
        if (t.ticks == FileTime::kNone)
            continue;
        auto back = parse_filetime(t.to_string());
        ASSERT_TRUE(back) << t.to_string();
        EXPECT_EQ(back->ticks, t.ticks) << t.to_string();
    }
    for (std::uint64_t t :
         {std::uint64_t{0}, FileTime::kNone - 1, std::uint64_t{0x01ca78d858ee1ef0}}) {
        EXPECT_EQ(parse_filetime(FileTime{t}.to_string()), FileTime{t});
    }
    EXPECT_EQ(parse_filetime("none"), FileTime{FileTime::kNone});
    EXPECT_EQ(parse_filetime("1601-01-01T00:00:00Z"), FileTime{0});
    EXPECT_EQ(parse_filetime("2009-12-09T14:03:13.375Z"), FileTime{0x01ca78d858ee1ef0});
    EXPECT_FALSE(parse_filetime("2009-02-29T00:00:00Z"));
    EXPECT_FALSE(parse_filetime("1600-12-31T23:59:59Z"));
    EXPECT_FALSE(parse_filetime("2009-12-09 14:03:13Z"));
    EXPECT_FALSE(parse_filetime("2009-12-09T14:03:13.12345678Z"));
    EXPECT_FALSE(parse_filetime("60056-05-28T05:36:10.9551616Z"));  // == kNone: not a time
}

TEST(SohJson, TreeShowsFields) {
    const std::string tree = format_message_tree(decode_json(load_vector("09-soh-wsha-full.hex")));
    EXPECT_NE(tree.find("MS-MachineName (5) @83: \"netbios.example.com\""), std::string::npos)
        << tree;
    EXPECT_NE(tree.find("\"Windows Firewall\" + 1 NUL (UTF-16LE)"), std::string::npos) << tree;
    EXPECT_NE(tree.find("SoHReportEntry 1 @137: System-Health-ID 0x00013780 (Windows Security "
                        "Health Agent)"),
              std::string::npos)
        << tree;
}

}  // namespace
}  // namespace opennap::tools
