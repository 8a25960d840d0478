// The pure parts of the store room: time conversions, enum names, sanitize(), the machine-name
// glob (and its SQL LIKE form), the JSON column codec (round trips and every malformed input
// reported with its field), formatting and the time arguments of `napctl server decisions`.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "opennap/store/audit_store.h"
#include "opennap/store/column_codec.h"
#include "opennap/store/format.h"
#include "store/harness.h"

namespace opennap::store {
namespace {

using namespace std::chrono_literals;
using testing::sample_record;

Timestamp us(std::int64_t v) {
    return Timestamp(std::chrono::microseconds(v));
}

TEST(Decision, TimeConversions) {
    // 2009-12-09T14:03:13.3750000Z (docs/soh-wire.md's example FILETIME).
    const FileTime ft{0x01ca78d858ee1ef0ull};
    const auto t = to_timestamp(ft);
    ASSERT_TRUE(t);
    EXPECT_EQ(to_iso(*t), "2009-12-09T14:03:13.375000Z");
    EXPECT_EQ(to_filetime(*t), ft);
    EXPECT_EQ(to_timestamp(FileTime{ft.ticks + 9}), t);  // rounded down to the microsecond
    EXPECT_FALSE(to_timestamp(FileTime{FileTime::kNone}));
    EXPECT_FALSE(to_timestamp(FileTime{0}));  // 1601: before 1970
    EXPECT_EQ(to_iso(us(0)), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(to_iso(us(253402300799999999)), "9999-12-31T23:59:59.999999Z");
    EXPECT_TRUE(in_range(us(253402300799999999)));
    EXPECT_FALSE(in_range(us(253402300800000000)));
    EXPECT_FALSE(in_range(us(-1)));
}

TEST(Decision, Names) {
    for (std::size_t i = 0; i < kOutcomeCount; ++i) {
        const auto o = static_cast<Outcome>(i);
        EXPECT_EQ(parse_outcome(to_string(o)), o);
    }
    EXPECT_EQ(to_string(Outcome::Restricted), "restricted");
    EXPECT_FALSE(parse_outcome("Full"));
    EXPECT_EQ(to_string(static_cast<Outcome>(9)), "invalid");
    EXPECT_EQ(parse_shv_status("non-compliant"), ShvStatus::NonCompliant);
    EXPECT_FALSE(parse_shv_status("invalid"));
}

TEST(Decision, SanitizeReplacesBadUtf8AndNulAndCutsAtCharacters) {
    DecisionRecord r;
    r.machine_name = "ok ☃";
    EXPECT_FALSE(sanitize(r));
    // Overlong, surrogate, above U+10FFFF, truncated sequences: each bad byte becomes U+FFFD.
    r.machine_name = std::string("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x98", 14);
    EXPECT_TRUE(sanitize(r));
    const std::string R = "\xEF\xBF\xBD";
    EXPECT_EQ(r.machine_name, R + R + "|" + R + R + R + "|" + R + R + R + R + "|" + R + R);
    r.url = std::string(kMaxText - 1, 'a') + "☃";  // the snowman would straddle the limit
    EXPECT_TRUE(sanitize(r));
    EXPECT_EQ(r.url, std::string(kMaxText - 1, 'a'));
    r.reasons.assign(kMaxReasons + 5, "x");
    r.shvs.assign(kMaxShvs + 1, ShvResult{});
    EXPECT_TRUE(sanitize(r));
    EXPECT_EQ(r.reasons.size(), kMaxReasons);
    EXPECT_EQ(r.shvs.size(), kMaxShvs);
}

// is_sanitized() decides whether the stores encode a record as it is: it must say "clean"
// exactly when sanitize() would change nothing, for every kind of change, in every field.
TEST(Decision, IsSanitizedAgreesWithSanitize) {
    std::vector<std::function<void(DecisionRecord&, const std::string&)>> set = {
        [](DecisionRecord& r, const std::string& v) { r.instance = v; },
        [](DecisionRecord& r, const std::string& v) { r.client_address = v; },
        [](DecisionRecord& r, const std::string& v) { r.client_name = v; },
        [](DecisionRecord& r, const std::string& v) { r.machine_name = v; },
        [](DecisionRecord& r, const std::string& v) { r.health_policy = v; },
        [](DecisionRecord& r, const std::string& v) { r.network_policy = v; },
        [](DecisionRecord& r, const std::string& v) { r.remediation_group = v; },
        [](DecisionRecord& r, const std::string& v) { r.url = v; },
        [](DecisionRecord& r, const std::string& v) {
            r.reasons = {"fine", v};
        },
    };
    const std::vector<std::string> values = {
        "",
        "plain ascii text, longer than eight",
        "ok \xe2\x98\x83",
        std::string("nul\0inside", 10),
        "bad \xc0\xaf",
        "cut \xe2\x98",
        std::string(kMaxText, 'a'),
        std::string(kMaxText + 1, 'a'),
    };
    for (std::size_t f = 0; f < set.size(); ++f) {
        for (std::size_t v = 0; v < values.size(); ++v) {
            DecisionRecord r = sample_record(1);
            ASSERT_TRUE(is_sanitized(r));
            set[f](r, values[v]);
            DecisionRecord copy = r;
            EXPECT_EQ(is_sanitized(r), !sanitize(copy)) << "field " << f << ", value " << v;
            EXPECT_TRUE(is_sanitized(copy)) << "field " << f << ", value " << v;
        }
    }
    DecisionRecord r = sample_record(1);
    r.reasons.assign(kMaxReasons, "x");
    EXPECT_TRUE(is_sanitized(r));
    r.reasons.push_back("x");
    EXPECT_FALSE(is_sanitized(r));
    r = sample_record(1);
    r.shvs.assign(kMaxShvs + 1, ShvResult{});
    EXPECT_FALSE(is_sanitized(r));
    r = sample_record(1);
    ASSERT_FALSE(r.shvs.empty());
    r.shvs[0].compliance_codes.assign(maxDwordCountPerSoHAttribute + 1, HResult{});
    EXPECT_FALSE(is_sanitized(r));
}

TEST(MachineFilter, GlobAndLikePattern) {
    EXPECT_EQ(machine_key("PC-17.Corp"), "pc-17.corp");
    EXPECT_EQ(machine_key("ÄB"), "Äb");  // only ASCII letters fold
    EXPECT_FALSE(machine_like_pattern("pc-17"));
    EXPECT_EQ(machine_like_pattern("PC-*"), "pc-%");
    EXPECT_EQ(machine_like_pattern("a_b%c*"), "a\\_b\\%c%");
    EXPECT_EQ(machine_like_pattern("x?\\*y*"), "x_*y%");
    EXPECT_EQ(machine_like_pattern("back\\\\slash*"), "back\\\\slash%");
    EXPECT_EQ(machine_exact_key("A\\*B"), "a*b");
    EXPECT_TRUE(machine_matches("", "anything"));
    EXPECT_TRUE(machine_matches("pc-*", "PC-17"));
    EXPECT_TRUE(machine_matches("*", ""));
    EXPECT_FALSE(machine_matches("?", ""));
    EXPECT_TRUE(machine_matches("?", "☃"));  // one character, three bytes
    EXPECT_TRUE(machine_matches("a*b*c", "axxbyyc"));
    EXPECT_FALSE(machine_matches("a*b*c", "axxbyy"));
    EXPECT_TRUE(machine_matches("*☃*", "x☃y"));
    EXPECT_FALSE(machine_matches("a\\*", "ab"));
    EXPECT_TRUE(machine_matches("a\\*", "a*"));
    EXPECT_FALSE(machine_matches("pc", "pc-1"));
}

TEST(ColumnCodec, ShvsRoundTrip) {
    const auto shvs = sample_record(3).shvs;
    const std::string text = encode_shvs(shvs);
    EXPECT_EQ(text,
              "[{\"codes\":[3237937153,0,2150039632],\"id\":79744,\"latency_us\":1234,"
              "\"passed\":false,\"status\":\"non-compliant\"},{\"codes\":[],"
              "\"failure_category\":\"server-communication\",\"id\":79856,\"latency_us\":2000000,"
              "\"passed\":true,\"status\":\"failed\"}]");
    auto back = decode_shvs(text);
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, shvs);
    EXPECT_EQ(encode_shvs({}), "[]");
    // Unknown keys are ignored; key order does not matter (jsonb reorders).
    back = decode_shvs(
        "[{\"status\":\"compliant\",\"id\":1,\"new\":{},\"passed\":true,\"codes\":[0],"
        "\"latency_us\":5}]");
    ASSERT_TRUE(back);
    EXPECT_EQ((*back)[0].status, ShvStatus::Compliant);
}

TEST(ColumnCodec, ShvsErrorsNameTheField) {
    const std::string ok_tail = ",\"passed\":true,\"codes\":[],\"latency_us\":0}]";
    struct Case {
        std::string text;
        std::string field;
    };
    const Case cases[] = {
        {"", "shvs"},
        {"{}", "shvs"},
        {"[1]", "shvs[0]"},
        {"[{\"status\":\"compliant\"" + ok_tail, "shvs[0].id"},
        {"[{\"id\":-1,\"status\":\"compliant\"" + ok_tail, "shvs[0].id"},
        {"[{\"id\":4294967296,\"status\":\"compliant\"" + ok_tail, "shvs[0].id"},
        {"[{\"id\":1.5,\"status\":\"compliant\"" + ok_tail, "shvs[0].id"},
        {"[{\"id\":1,\"status\":\"nope\"" + ok_tail, "shvs[0].status"},
        {"[{\"id\":1,\"status\":\"failed\",\"passed\":1,\"codes\":[],\"latency_us\":0}]",
         "shvs[0].passed"},
        {"[{\"id\":1,\"status\":\"failed\",\"passed\":true,\"codes\":[1,\"x\"],"
         "\"latency_us\":0}]",
         "shvs[0].codes[1]"},
        {"[{\"id\":1,\"status\":\"failed\",\"passed\":true,\"codes\":{},\"latency_us\":0}]",
         "shvs[0].codes"},
        {"[{\"id\":1,\"status\":\"failed\",\"passed\":true,\"codes\":[],\"latency_us\":0,"
         "\"failure_category\":\"bad\"}]",
         "shvs[0].failure_category"},
        {"[{\"id\":1,\"status\":\"failed\",\"passed\":true,\"codes\":[]}]", "shvs[0].latency_us"},
    };
    for (const Case& c : cases) {
        auto r = decode_shvs(c.text);
        ASSERT_FALSE(r) << c.text;
        EXPECT_EQ(r.error().field, c.field) << c.text << ": " << r.error().to_string();
    }
    auto r = decode_shvs("[{\"id\":1,}");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().offset, 9u) << r.error().to_string();
    EXPECT_EQ(decode_shvs(std::string(5u << 20, ' ')).error().field, "shvs");
    // Deep nesting is data, not a crash.
    EXPECT_FALSE(decode_shvs(std::string(100000, '[') + std::string(100000, ']')));
}

TEST(ColumnCodec, Reasons) {
    const std::vector<std::string> in = {"a \"quoted\" reason", "tab\tnewline\n", ""};
    auto back = decode_reasons(encode_reasons(in));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, in);
    EXPECT_EQ(decode_reasons("[\"a\",2]").error().field, "reasons[1]");
    EXPECT_EQ(decode_reasons("\"a\"").error().field, "reasons");
    // Invalid UTF-8 is replaced, never thrown.
    EXPECT_EQ(encode_reasons(std::vector<std::string>{"\xff"}), "[\"\xEF\xBF\xBD\"]");
}

// The encoders write what nlohmann::json::dump() writes for the same values (they used to call
// it; the writer's thread now skips building the document): every ASCII character, the UTF-8
// and invalid-UTF-8 fallbacks, every status and failure category, extreme numbers.
// The encoder and sanitize() skip plain ASCII eight octets at a time: an octet that needs
// escaping or replacing must be found at every position of a longer text, not only in the tail.
TEST(ColumnCodec, EveryEscapeAtEveryPositionOfALongText) {
    using nlohmann::json;
    for (std::size_t pos = 0; pos < 21; ++pos) {
        for (int c : {0, 1, 0x1f, 0x20, int{'"'}, int{'\\'}, int{'a'}, 0x7f, 0x80, 0xff}) {
            std::string text(21, 'x');
            text[pos] = static_cast<char>(c);
            json arr = json::array({text, text + text});
            EXPECT_EQ(encode_reasons(std::vector<std::string>{text, text + text}),
                      arr.dump(-1, ' ', false, json::error_handler_t::replace))
                << "octet " << c << " at " << pos;

            DecisionRecord r;
            r.machine_name = text;
            const bool bad = c == 0 || c >= 0x80;
            EXPECT_EQ(sanitize(r), bad) << "octet " << c << " at " << pos;
            std::string want = text;
            if (bad)
                want.replace(pos, 1, "\xEF\xBF\xBD");
            EXPECT_EQ(r.machine_name, want) << "octet " << c << " at " << pos;
        }
    }
}

// Two octets that need a look in the same eight (the encoder jumps to the first of them), and
// the octet after an escaped one that would borrow in the eight-at-a-time test ('#' after '"',
// ']' after '\\').
TEST(ColumnCodec, TwoEscapesNearEachOther) {
    using nlohmann::json;
    const int octets[] = {0, 1, 0x1f, int{'"'}, int{'#'}, int{'\\'}, int{']'}, int{'a'}, 0x7f};
    for (std::size_t pos = 0; pos < 19; ++pos) {
        for (std::size_t gap = 1; gap < 10 && pos + gap < 19; ++gap) {
            for (int a : octets) {
                for (int b : octets) {
                    std::string text(19, 'x');
                    text[pos] = static_cast<char>(a);
                    text[pos + gap] = static_cast<char>(b);
                    EXPECT_EQ(encode_reasons(std::vector<std::string>{text}),
                              json::array({text}).dump())
                        << "octets " << a << " at " << pos << " and " << b << " at " << pos + gap;
                }
            }
        }
    }
}

TEST(ColumnCodec, EncodersMatchNlohmannDump) {
    using nlohmann::json;
    std::vector<std::string> reasons;
    for (int c = 0; c < 128; ++c)
        reasons.push_back(std::string("r") + static_cast<char>(c) + "/");
    reasons.push_back("");
    auto dump_reasons = [](const std::vector<std::string>& in) {
        json arr = json::array();
        for (const auto& r : in)
            arr.push_back(r);
        return arr.dump(-1, ' ', false, json::error_handler_t::replace);
    };
    EXPECT_EQ(encode_reasons(reasons), dump_reasons(reasons));
    EXPECT_EQ(encode_reasons({}), "[]");
    for (const std::vector<std::string>& in :
         {std::vector<std::string>{"a", "caf\xC3\xA9 \"x\""},
          std::vector<std::string>{"\xff", "b\n"}, std::vector<std::string>{"\xE2\x98\x83\x01"}}) {
        EXPECT_EQ(encode_reasons(in), dump_reasons(in));
    }

    std::vector<ShvResult> shvs;
    for (std::uint8_t st = 0; st <= 3; ++st) {
        for (std::uint32_t fc = 0; fc <= 6; ++fc) {
            ShvResult s;
            s.id = fc == 6 ? 0xFFFFFFFFu : 0x13780u + fc;
            s.status = static_cast<ShvStatus>(st);
            s.passed = (st + fc) % 2 == 0;
            if (fc < 6)
                s.failure_category = static_cast<FailureCategory>(fc);
            for (std::uint32_t k = 0; k < fc; ++k)
                s.compliance_codes.emplace_back(k == 0 ? 0xFFFFFFFFu : 0xC0FF0000u + k);
            s.latency_us = fc * 1000003u;
            shvs.push_back(std::move(s));
        }
    }
    json arr = json::array();
    for (const ShvResult& s : shvs) {
        json codes = json::array();
        for (HResult c : s.compliance_codes)
            codes.push_back(c.bits());
        json o = json::object();
        o["id"] = s.id;
        o["status"] = std::string(to_string(s.status));
        o["passed"] = s.passed;
        o["codes"] = std::move(codes);
        if (s.failure_category)
            o["failure_category"] = std::string(opennap::to_string(*s.failure_category));
        o["latency_us"] = s.latency_us;
        arr.push_back(std::move(o));
    }
    EXPECT_EQ(encode_shvs(shvs), arr.dump());
    auto back = decode_shvs(encode_shvs(shvs));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(*back, shvs);
}

TEST(Format, Json) {
    DecisionRecord r = sample_record(1);  // probation
    r.id = 42;
    const auto j = nlohmann::json::parse(to_json(r));
    EXPECT_EQ(j["id"], 42);
    EXPECT_EQ(j["time"], "2025-12-02T01:46:41.123456Z");
    EXPECT_EQ(j["outcome"], "probation");
    EXPECT_EQ(j["probation_end"], "2025-12-09T01:46:41.123456Z");
    EXPECT_EQ(j["machine_name"], "PC-1.corp.example");
    EXPECT_EQ(j["connection_id"], "54468937-cb49-4374-b127-a6a3cc3bb11c");
    EXPECT_EQ(j["correlation_id"],
              "11111111-2222-3333-0102-030405060701@2009-12-09T14:03:13.3750001Z");
    EXPECT_EQ(j["shvs"][0]["id"], "0x00013780");
    EXPECT_EQ(j["shvs"][0]["codes"][0], "0xC0FF0001");
    EXPECT_EQ(j["shvs"][0]["failure_category"], nullptr);
    EXPECT_EQ(j["shvs"][1]["failure_category"], "server-communication");
    EXPECT_EQ(j["extended_state"], "transition");
    EXPECT_EQ(j["nas_type"], 1);
    EXPECT_EQ(j["reasons"][1], "tab\tnewline\nbackslash\\ \"quote\"");
    DecisionRecord bare;
    const auto b = nlohmann::json::parse(to_json(bare));
    EXPECT_EQ(b["connection_id"], nullptr);
    EXPECT_EQ(b["probation_end"], nullptr);
    EXPECT_EQ(b["nas_type"], nullptr);
    const std::vector<DecisionRecord> two = {r, bare};
    const auto arr = nlohmann::json::parse(format_json(two));
    ASSERT_TRUE(arr.is_array());
    EXPECT_EQ(arr.size(), 2u);
    EXPECT_EQ(format_json({}), "[]\n");
}

TEST(Format, TableDetailsCounts) {
    EXPECT_EQ(format_table({}), "no decisions\n");
    const std::vector<DecisionRecord> recs = {sample_record(2), sample_record(3)};
    const std::string t = format_table(recs);
    EXPECT_EQ(t.substr(0, t.find('\n')),
              "TIME                         OUTCOME     MACHINE            CLIENT                "
              "NETWORK POLICY         SHVS");
    EXPECT_NE(t.find("2025-12-02T01:46:42.123456Z  restricted  PC-2.corp.example  switch-2 "
                     "(192.0.2.3)  restrict-noncompliant  0x00013780:non-compliant "
                     "0x000137F0:failed(server-communication)\n"),
              std::string::npos)
        << t;
    const std::string d = format_details(sample_record(1));
    EXPECT_NE(d.find("probation end: 2025-12-09T01:46:41.123456Z\n"), std::string::npos) << d;
    EXPECT_NE(d.find("NAS type: ts-gateway\n"), std::string::npos) << d;
    EXPECT_NE(d.find("shv 0x00013780: non-compliant, failed, codes 0xC0FF0001 0x00000000 "
                     "0x80270050, 1234 us\n"),
              std::string::npos)
        << d;
    OutcomeCounts c;
    c.by_outcome = {10, 0, 3, 1};
    EXPECT_EQ(format_counts(c), "full 10, probation 0, restricted 3, deny 1 (14 in all)");
}

TEST(Format, TimeArguments) {
    const Timestamp now = us(1'764'640'000'000'000);  // 2025-12-02T01:46:40Z
    auto p = [&](const char* s) { return parse_time_arg(s, now); };
    EXPECT_EQ(p("90s"), now - 90s);
    EXPECT_EQ(p("15m"), now - 15min);
    EXPECT_EQ(p("2h"), now - 2h);
    EXPECT_EQ(p("7d"), now - std::chrono::hours(24 * 7));
    EXPECT_EQ(p("1w"), now - std::chrono::hours(24 * 7));
    EXPECT_EQ(to_iso(*p("2025-12-02")), "2025-12-02T00:00:00.000000Z");
    EXPECT_EQ(to_iso(*p("2025-12-02T01:43")), "2025-12-02T01:43:00.000000Z");
    EXPECT_EQ(to_iso(*p("2025-12-02T01:43:39Z")), "2025-12-02T01:43:39.000000Z");
    EXPECT_EQ(to_iso(*p("2025-12-02 01:43:39.5")), "2025-12-02T01:43:39.500000Z");
    EXPECT_EQ(to_iso(*p("2025-12-02t01:43:39.123456z")), "2025-12-02T01:43:39.123456Z");
    for (const char* bad : {"", "yesterday", "2025-13-01", "2025-02-30", "2025-12-02T24:00",
                            "2025-12-02T01:60", "2025-12-02T01:43:39.1234567", "1969-12-31", "12x",
                            "-5m", "99999999999999999999d", "2025-12-02X", "5"}) {
        EXPECT_FALSE(p(bad)) << bad;
    }
    EXPECT_NE(p("yesterday").error().find("yesterday"), std::string::npos);
}

}  // namespace
}  // namespace opennap::store
