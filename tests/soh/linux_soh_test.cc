// OpenNAP's Linux SHA entry (linux_soh.h): byte-exact encoding, decoding, truncation at every
// byte, malformed input.
#include "opennap/soh/linux_soh.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "linux_soh_check.h"

#include "opennap/soh/message.h"
#include "opennap/soh/tlv.h"

namespace opennap::soh::linux_sha {
namespace {

constexpr std::uint32_t kId = 0x007ED902;

std::string hex(const std::vector<std::uint8_t>& v) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (auto b : v) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

Soh small() {
    Soh s;
    s.id = kId;
    s.version = "1";
    CheckReport fw;
    fw.check = Check::IpForwarding;
    fw.status = Status::Fail;
    fw.ipv4_forwarding = State::On;
    fw.ipv6_forwarding = State::NotApplicable;
    s.checks.push_back(fw);
    CheckReport lock;
    lock.check = Check::KernelLockdown;
    lock.status = Status::Error;
    lock.error = 0x80004005u;
    lock.reason = "x";
    s.checks.push_back(lock);
    return s;
}

Soh full() {
    Soh s = small();
    CheckReport disk;
    disk.check = Check::DiskEncryption;
    disk.status = Status::Fail;
    disk.reason = "/home is on /dev/sda2, not encrypted";
    disk.targets = {{Status::Pass, TargetKind::Mount, "/"},
                    {Status::Fail, TargetKind::Mount, "/home"},
                    {Status::NotApplicable, TargetKind::Swap, "/dev/zram0"}};
    s.checks.push_back(disk);
    CheckReport sb;
    sb.check = Check::SecureBoot;
    sb.status = Status::NotApplicable;
    sb.secure_boot = State::NotApplicable;
    sb.setup_mode = State::Off;
    s.checks.push_back(sb);
    CheckReport sl;
    sl.check = Check::ScreenLock;
    sl.status = Status::Pass;
    s.checks.push_back(sl);
    CheckReport os;
    os.check = Check::OsIdentity;
    os.status = Status::Pass;
    os.os_id = "debian";
    os.os_version_id = "12";
    os.os_name = "Debian GNU/Linux 12 (bookworm)";
    os.kernel = "6.1.0-18-amd64";
    s.checks.push_back(os);
    return s;
}

TEST(LinuxSoh, EncodesByteExact) {
    const ReportEntry e = encode_soh(small());
    EXPECT_EQ(e.id, kId);
    ASSERT_EQ(e.attributes.size(), 4u);
    EXPECT_EQ(e.attributes[0].type, tlv_type::kProductName);
    EXPECT_EQ(std::string(e.attributes[0].value.begin(), e.attributes[0].value.end()),
              "OpenNAP Linux SHA");
    EXPECT_EQ(e.attributes[1].type, tlv_type::kSoftwareVersion);
    EXPECT_EQ(hex(e.attributes[1].value), "31");
    EXPECT_EQ(e.attributes[2].type, tlv_type::kFailureCategory);  // one check is an Error
    EXPECT_EQ(hex(e.attributes[2].value), "02");
    EXPECT_EQ(e.attributes[3].type, tlv_type::kVendorSpecific);
    EXPECT_EQ(hex(e.attributes[3].value),
              "007ed902"  // vendor id
              "01"        // format
              "0501"      // ip-forwarding, fail
              "0005"      // 5 bytes of items
              "06000201"
              "02"  // forwarding: IPv4 on, IPv6 n/a
              "0303"
              "000b"              // kernel-lockdown, error, 11 bytes
              "01000178"          // reason "x"
              "02000480004005");  // error E_FAIL
}

TEST(LinuxSoh, NoFailureCategoryWithoutErrors) {
    Soh s = small();
    s.checks.pop_back();
    const ReportEntry e = encode_soh(s);
    EXPECT_EQ(e.find(tlv_type::kFailureCategory), nullptr);
}

TEST(LinuxSoh, RoundTrips) {
    const Soh s = full();
    auto d = decode_soh(encode_soh(s));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, s);
    ASSERT_NE(d->find(Check::DiskEncryption), nullptr);
    EXPECT_EQ(d->find(Check::DiskEncryption)->targets.size(), 3u);
    EXPECT_EQ(d->find(Check::ScreenLock)->status, Status::Pass);
}

TEST(LinuxSoh, RoundTripsThroughAWholeSoh) {
    Message m;
    m.entries.push_back(encode_soh(full()));
    const auto bytes = encode(m);
    ASSERT_TRUE(bytes);
    auto view = decode(*bytes);
    ASSERT_TRUE(view) << view.error().message();
    const Message back = Message::from(*view);
    ASSERT_EQ(back.entries.size(), 1u);
    auto d = decode_soh(back.entries[0]);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, full());
}

TEST(LinuxSoh, TruncationAtEveryByteIsAnErrorOrARecordBoundary) {
    const ReportEntry e = encode_soh(full());
    const Attribute& vs = e.attributes.back();
    // Record boundaries inside the vendor value (after vendor id and format byte).
    std::vector<std::size_t> boundaries{5};
    for (std::size_t at = 5; at < vs.value.size();) {
        at += 4 + (static_cast<std::size_t>(vs.value[at + 2]) << 8 | vs.value[at + 3]);
        boundaries.push_back(at);
    }
    for (std::size_t n = 0; n < vs.value.size(); ++n) {
        ReportEntry cut = e;
        cut.attributes.back().value.resize(n);
        auto d = decode_soh(cut);
        const bool boundary = std::ranges::find(boundaries, n) != boundaries.end();
        if (boundary) {
            ASSERT_TRUE(d) << n << ": " << d.error().message();
            EXPECT_LT(d->checks.size(), full().checks.size());
        } else {
            ASSERT_FALSE(d) << n;
            EXPECT_EQ(d.error().field, Field::LinuxEntry);
        }
    }
}

ReportEntry with_payload(std::vector<std::uint8_t> payload) {
    ReportEntry e;
    e.id = kId;
    std::vector<std::uint8_t> v{0x00, 0x7E, 0xD9, 0x02};
    v.insert(v.end(), payload.begin(), payload.end());
    e.attributes.push_back(Attribute{tlv_type::kVendorSpecific, 0, v});
    return e;
}

TEST(LinuxSoh, MalformedInputGivesTypedErrors) {
    struct Case {
        std::vector<std::uint8_t> payload;
        Errc code;
        std::uint32_t offset;
    };
    // Offsets: the vendor TLV's header is at 0, its value at 4, the format byte at 8.
    const std::vector<Case> cases = {
        {{}, Errc::Truncated, 8},
        {{0x02}, Errc::BadValue, 8},                                        // unknown format
        {{0x01, 0x01}, Errc::Truncated, 9},                                 // record header
        {{0x01, 0x00, 0x00, 0x00, 0x00}, Errc::BadValue, 9},                // check 0
        {{0x01, 0x01, 0x04, 0x00, 0x00}, Errc::BadValue, 10},               // status 4
        {{0x01, 0x01, 0x00, 0x00, 0x01}, Errc::LengthOverrun, 11},          // record length
        {{0x01, 0x01, 0x00, 0x00, 0x02, 0x01, 0x00}, Errc::Truncated, 13},  // item header
        {{0x01, 0x01, 0x00, 0x00, 0x03, 0x01, 0x00, 0x01}, Errc::LengthOverrun, 14},
        {{0x01, 0x03, 0x00, 0x00, 0x04, 0x04, 0x00, 0x01, 0x03}, Errc::BadValue, 16},  // lockdown
        {{0x01, 0x03, 0x00, 0x00, 0x05, 0x04, 0x00, 0x02, 0x01, 0x01}, Errc::BadLength, 14},
        {{0x01, 0x05, 0x00, 0x00, 0x05, 0x06, 0x00, 0x02, 0x01, 0x07}, Errc::BadValue, 17},
        {{0x01, 0x01, 0x00, 0x00, 0x04, 0x03, 0x00, 0x01, 0x00}, Errc::Truncated, 16},  // target
        {{0x01, 0x01, 0x00, 0x00, 0x05, 0x03, 0x00, 0x02, 0x09, 0x00}, Errc::BadValue, 16},
        {{0x01, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, Errc::BadValue, 13},  // dup
    };
    for (const Case& c : cases) {
        auto d = decode_soh(with_payload(c.payload));
        ASSERT_FALSE(d) << hex(c.payload);
        EXPECT_EQ(d.error().code, c.code) << hex(c.payload) << ": " << d.error().message();
        EXPECT_EQ(d.error().offset, c.offset) << hex(c.payload) << ": " << d.error().message();
        EXPECT_EQ(d.error().field, Field::LinuxEntry);
        EXPECT_FALSE(d.error().message().empty());
    }
}

TEST(LinuxSoh, MissingVendorTlvAndForeignVendorData) {
    ReportEntry e;
    e.id = kId;
    auto d = decode_soh(e);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::MissingField);
    // Another vendor's data is skipped; ours after it is read.
    e.attributes.push_back(Attribute{tlv_type::kVendorSpecific, 0, {0x00, 0x00, 0x01, 0x37, 0xFF}});
    e.attributes.push_back(with_payload({0x01, 0x04, 0x00, 0x00, 0x00}).attributes[0]);
    d = decode_soh(e);
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_EQ(d->checks.size(), 1u);
    EXPECT_EQ(d->checks[0].check, Check::ScreenLock);
    // A Vendor-Specific TLV shorter than its vendor id.
    e.attributes[0].value = {0x00, 0x01};
    d = decode_soh(e);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadLength);
}

TEST(LinuxSoh, UnknownChecksAndItemsAreSkipped) {
    auto d = decode_soh(with_payload({0x01, 0x07, 0x00, 0x00, 0x01, 0x7F,  // check 7, one byte
                                      0x04, 0x00, 0x00, 0x04,     // screen-lock pass, 4 bytes
                                      0x63, 0x00, 0x01, 0xAA}));  // item 99
    ASSERT_TRUE(d) << d.error().message();
    ASSERT_EQ(d->checks.size(), 1u);
    EXPECT_EQ(d->checks[0].check, Check::ScreenLock);
    EXPECT_EQ(d->checks[0].status, Status::Pass);
}

TEST(LinuxSoh, LongTextsAreCutAtACharacterBoundaryAndRejectedWhenOverTheLimit) {
    Soh s;
    s.id = kId;
    CheckReport c;
    c.check = Check::OsIdentity;
    c.status = Status::Pass;
    c.os_name = std::string(kMaxText - 1, 'a') + "\xC3\xA9";  // é straddles the limit
    s.checks.push_back(c);
    auto d = decode_soh(encode_soh(s));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->checks[0].os_name, std::string(kMaxText - 1, 'a'));
    std::vector<std::uint8_t> p{0x01, 0x06, 0x00};
    const std::size_t n = kMaxText + 1;
    p.push_back(static_cast<std::uint8_t>((n + 3) >> 8));
    p.push_back(static_cast<std::uint8_t>(n + 3));
    p.push_back(item::kOsId);
    p.push_back(static_cast<std::uint8_t>(n >> 8));
    p.push_back(static_cast<std::uint8_t>(n));
    p.insert(p.end(), n, 'x');
    d = decode_soh(with_payload(p));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::LimitExceeded);
}

TEST(LinuxSoh, TooManyRecordsOrItems) {
    std::vector<std::uint8_t> p{0x01};
    for (int i = 0; i < 33; ++i) {
        p.insert(p.end(), {static_cast<std::uint8_t>(10 + i), 0x00, 0x00, 0x00});
    }
    auto d = decode_soh(with_payload(p));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::LimitExceeded);
    std::vector<std::uint8_t> q{0x01, 0x04, 0x00, 0x00, 65 * 3};
    for (int i = 0; i < 65; ++i) {
        q.insert(q.end(), {0x63, 0x00, 0x00});
    }
    d = decode_soh(with_payload(q));
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::LimitExceeded);
}

// ---- SoHR -------------------------------------------------------------------------------------

Sohr answer() {
    Sohr r;
    r.id = kId;
    r.checks = {{Check::DiskEncryption, Verdict::NonCompliant, {"encrypt /home"}},
                {Check::ScreenLock, Verdict::Compliant, {}},
                {Check::SecureBoot, Verdict::Missing, {"enable the check", "update the SHA"}},
                {Check::KernelLockdown, Verdict::ClientError, {}}};
    return r;
}

TEST(LinuxSohr, EncodesByteExact) {
    Sohr r;
    r.id = kId;
    r.checks = {{Check::DiskEncryption, Verdict::NonCompliant, {"ab"}},
                {Check::ScreenLock, Verdict::Compliant, {}}};
    const ReportEntry e = encode_sohr(r);
    ASSERT_EQ(e.attributes.size(), 2u);
    EXPECT_EQ(e.attributes[0].type, tlv_type::kComplianceResultCodes);
    EXPECT_EQ(hex(e.attributes[0].value), "a004000100000000");
    EXPECT_EQ(e.attributes[1].type, tlv_type::kVendorSpecific);
    EXPECT_EQ(hex(e.attributes[1].value),
              "007ed902"
              "01"
              "0101"
              "0005"
              "0100026162"
              "0400"
              "0000");
    EXPECT_FALSE(r.compliant());
}

TEST(LinuxSohr, RoundTripsAndWholeAnswers) {
    auto d = decode_sohr(encode_sohr(answer()));
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(*d, answer());
    Sohr missing;
    missing.id = kId;
    missing.whole = hr::NAP_E_MISSING_SOH.bits();
    const ReportEntry e = encode_sohr(missing);
    ASSERT_EQ(e.attributes.size(), 1u);
    EXPECT_EQ(hex(e.attributes[0].value), "80270002");
    d = decode_sohr(e);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, missing);
    EXPECT_FALSE(d->compliant());
    Sohr ok;
    ok.id = kId;
    ok.checks = {{Check::OsIdentity, Verdict::Compliant, {}}};
    EXPECT_TRUE(ok.compliant());
}

TEST(LinuxSohr, TruncationAtEveryByteIsAnError) {
    const ReportEntry e = encode_sohr(answer());
    for (std::size_t n = 0; n < e.attributes[1].value.size(); ++n) {
        ReportEntry cut = e;
        cut.attributes[1].value.resize(n);
        EXPECT_FALSE(decode_sohr(cut)) << n;  // fewer records than codes, or cut inside one
    }
    for (std::size_t n = 0; n < e.attributes[0].value.size(); ++n) {
        ReportEntry cut = e;
        cut.attributes[0].value.resize(n);
        EXPECT_FALSE(decode_sohr(cut)) << n;
    }
}

TEST(LinuxSohr, CodesMustMatchTheRecords) {
    ReportEntry e = encode_sohr(answer());
    e.attributes[0].value[3] = 0x02;  // first code says "missing", its record "non-compliant"
    auto d = decode_sohr(e);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadValue);
    EXPECT_EQ(d.error().offset, 4u);
    e = encode_sohr(answer());
    e.attributes.erase(e.attributes.begin());
    d = decode_sohr(e);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::MissingField);
    e = encode_sohr(answer());
    e.attributes[1].value[6] = 0x09;  // verdict 9
    d = decode_sohr(e);
    ASSERT_FALSE(d);
    EXPECT_EQ(d.error().code, Errc::BadValue);
}

// ---- the fuzz corpus ---------------------------------------------------------------------------

std::vector<std::uint8_t> message_of(const ReportEntry& e) {
    Message m;
    m.entries.push_back(e);
    auto b = encode(m);
    EXPECT_TRUE(b);
    return b ? *b : std::vector<std::uint8_t>{};
}

// OPENNAP_WRITE_LINUX_SOH_SEEDS=1 (re)writes the seeds; every run replays the corpus and the
// crash reproducers through the fuzz target's checks.
TEST(LinuxSohCorpus, SeedsAndReplay) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(OPENNAP_SOURCE_DIR) / "fuzz/corpus/linux_soh";
    const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> seeds = {
        {"soh-small", message_of(encode_soh(small()))},
        {"soh-full", message_of(encode_soh(full()))},
        {"sohr-answer", message_of(encode_sohr(answer()))},
        {"sohr-missing", message_of(encode_sohr(Sohr{kId, hr::NAP_E_MISSING_SOH.bits(), {}}))},
    };
    if (std::getenv("OPENNAP_WRITE_LINUX_SOH_SEEDS") != nullptr) {
        fs::create_directories(dir);
        for (const auto& [name, bytes] : seeds) {
            std::ofstream(dir / name, std::ios::binary)
                .write(reinterpret_cast<const char*>(bytes.data()),
                       static_cast<std::streamsize>(bytes.size()));
        }
    }
    std::size_t replayed = 0;
    for (const char* d : {"fuzz/corpus/linux_soh", "fuzz/regressions/linux_soh"}) {
        const fs::path p = fs::path(OPENNAP_SOURCE_DIR) / d;
        if (!fs::exists(p))
            continue;
        for (const auto& f : fs::directory_iterator(p)) {
            std::ifstream in(f.path(), std::ios::binary);
            const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                                  std::istreambuf_iterator<char>());
            fuzz::check_linux_soh(bytes.data(), bytes.size());
            ++replayed;
        }
    }
    EXPECT_GE(replayed, seeds.size());
    for (const auto& [name, bytes] : seeds) {
        auto view = decode(bytes);
        ASSERT_TRUE(view) << name;
    }
}

}  // namespace
}  // namespace opennap::soh::linux_sha
