// The host <-> helper messages (helper_wire.h): byte-exact encodings, round trips, truncation at
// every byte, and malformed datagrams.
#include "harness.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "opennap/server/helper_wire.h"
#include "support/vectors.h"

namespace opennap::server::test {
namespace {

using opennap::test::from_hex;
using opennap::test::to_hex;

std::vector<wire::Message> samples() {
    wire::Validate v;
    v.call = 0x0102030405060708;
    v.shv_id = kShvA;
    v.hint_ms = 2000;
    v.correlation_id = kCorr.to_bytes();
    v.config_id = 3;
    v.system_generated = true;
    v.machine_name = "client.example";
    v.soh = codes_response(kShvA, {0});
    wire::Validate no_soh = v;
    no_soh.soh.reset();
    no_soh.system_generated = false;
    wire::Result r{9, static_cast<std::int32_t>(0x80270050u), codes_response(kShvA, {1})};
    wire::Result r_none{10, hr::E_FAIL.value(), std::nullopt};
    return {wire::Configure{"/usr/lib/x.so", {1, 2, 3}},
            wire::Ready{1, kShvA, "sample"},
            wire::LoadFailed{1, hr::E_FAIL.value(), "missing symbol"},
            v,
            no_soh,
            r,
            r_none};
}

TEST(HelperWireTest, ByteExactEncodings) {
    EXPECT_EQ(to_hex(wire::encode(wire::Configure{"/a", {0xAA}})),
              "01"
              "0002"
              "2f61"
              "00000001"
              "aa");
    EXPECT_EQ(to_hex(wire::encode(wire::Ready{1, 0x000137F0, "x"})),
              "02"
              "00000001"
              "000137f0"
              "0001"
              "78");
    EXPECT_EQ(to_hex(wire::encode(wire::LoadFailed{4, hr::E_FAIL.value(), ""})),
              "03"
              "04"
              "80004005"
              "0000");
    EXPECT_EQ(to_hex(wire::encode(wire::Result{1, 0, codes_response(0x000137F0, {0})})),
              "05"
              "0000000000000001"
              "00000000"
              "01"
              "0002"
              "0002"
              "0004"
              "000137f0"
              "0004"
              "0004"
              "00000000");
    wire::Validate v;
    v.call = 2;
    v.shv_id = 0x000137F0;
    v.hint_ms = 100;
    v.config_id = 7;
    v.machine_name = "m";
    EXPECT_EQ(to_hex(wire::encode(v)),
              "04"
              "0000000000000002"
              "000137f0"
              "00000064" +
                  std::string(48, '0') +
                  "00000007"
                  "00"
                  "0001"
                  "6d");
}

TEST(HelperWireTest, RoundTrips) {
    for (const wire::Message& m : samples()) {
        const auto bytes = wire::encode(m);
        auto back = wire::decode(bytes);
        ASSERT_TRUE(back.has_value()) << back.error().message();
        EXPECT_EQ(*back, m);
    }
}

TEST(HelperWireTest, TruncationAtEveryByteIsAnError) {
    for (const wire::Message& m : samples()) {
        const auto bytes = wire::encode(m);
        for (std::size_t n = 0; n < bytes.size(); ++n) {
            auto r = wire::decode(Bytes(bytes.data(), n));
            ASSERT_FALSE(r.has_value()) << "prefix " << n << " of " << to_hex(bytes);
            EXPECT_LE(r.error().offset, n);
            EXPECT_TRUE(r.error().code == soh::Errc::Truncated ||
                        r.error().code == soh::Errc::LengthOverrun)
                << r.error().message();
        }
    }
}

TEST(HelperWireTest, MalformedDatagrams) {
    auto err = [](std::string_view hex) {
        auto r = wire::decode(from_hex(hex));
        EXPECT_FALSE(r.has_value()) << hex;
        return r ? wire::WireError{} : r.error();
    };
    auto e = err("");
    EXPECT_EQ(e.code, soh::Errc::Truncated);
    EXPECT_STREQ(e.field, "type");
    e = err("09");
    EXPECT_EQ(e.code, soh::Errc::BadType);
    EXPECT_EQ(e.value, 9u);
    e = err("020000000100013700000078");  // Ready with a name length 0 and a trailing byte
    EXPECT_EQ(e.code, soh::Errc::TrailingBytes);
    EXPECT_EQ(e.offset, 11u);
    e = err("01ffff");
    EXPECT_EQ(e.code, soh::Errc::LimitExceeded) << "string over kMaxString";
    EXPECT_STREQ(e.field, "plugin_path");
    e =
        err("010000"
            "00010000");
    EXPECT_EQ(e.code, soh::Errc::LimitExceeded) << "blob over kMaxBlob";
    e =
        err("0306"
            "80004005"
            "0000");
    EXPECT_EQ(e.code, soh::Errc::BadValue) << "load-failed kind 6";
    e =
        err("05"
            "0000000000000001"
            "00000000"
            "02");
    EXPECT_EQ(e.code, soh::Errc::BadValue) << "has_response 2";
    e =
        err("05"
            "0000000000000001"
            "00000000"
            "01"
            "0065");
    EXPECT_EQ(e.code, soh::Errc::LimitExceeded) << "101 attributes";
    EXPECT_STREQ(e.field, "soh.count");
    e =
        err("05"
            "0000000000000001"
            "00000000"
            "01"
            "0064");
    EXPECT_EQ(e.code, soh::Errc::LengthOverrun) << "100 attributes announced, none there";
    e =
        err("05"
            "0000000000000001"
            "00000000"
            "01"
            "0001"
            "0002"
            "0fa1");
    EXPECT_EQ(e.code, soh::Errc::LimitExceeded) << "attribute of 4001 bytes";
    EXPECT_STREQ(e.field, "soh.attribute.size");
    e =
        err("05"
            "0000000000000001"
            "00000000"
            "01"
            "0001"
            "0002"
            "0004"
            "0001");
    EXPECT_EQ(e.code, soh::Errc::LengthOverrun);
    EXPECT_STREQ(e.field, "soh.attribute.value");
    wire::Validate v;
    auto bytes = wire::encode(v);
    bytes[1 + 8 + 4 + 4 + 24 + 4] = 0x04;  // flags: an unknown bit
    auto r = wire::decode(bytes);
    ASSERT_FALSE(r.has_value());
    EXPECT_STREQ(r.error().field, "flags");
    std::vector<std::uint8_t> huge(wire::kMaxDatagram + 1, 0x05);
    r = wire::decode(huge);
    ASSERT_FALSE(r.has_value());
    EXPECT_STREQ(r.error().field, "datagram");
    EXPECT_EQ(e.message().substr(0, 15), "helper message:");
}

// The committed fuzz corpus, through the fuzz target's property: decoded messages re-encode to
// the same bytes, the others fail with an offset inside the datagram.
TEST(HelperWireTest, FuzzCorpusKeepsItsProperties) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(OPENNAP_SOURCE_DIR) / "fuzz/corpus/shv_wire";
    int files = 0;
    int decoded = 0;
    for (const auto& f : fs::directory_iterator(dir)) {
        std::ifstream in(f.path(), std::ios::binary);
        const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                              std::istreambuf_iterator<char>());
        ++files;
        auto m = wire::decode(bytes);
        if (!m) {
            EXPECT_LE(m.error().offset, bytes.size()) << f.path();
            continue;
        }
        ++decoded;
        EXPECT_EQ(wire::encode(*m), bytes) << f.path();
    }
    EXPECT_GE(files, 8);
    EXPECT_GE(decoded, 8) << "the hand-written seeds decode";
}

}  // namespace
}  // namespace opennap::server::test
