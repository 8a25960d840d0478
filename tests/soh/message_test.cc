#include "opennap/soh/message.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "opennap/soh/nap_soh.h"
#include "support/vectors.h"

namespace opennap::soh {
namespace {

using test::ByteVec;
using test::load_vector;

std::string str(Bytes b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

ByteVec reencode(const MessageView& v) {
    auto out = encode(Message::from(v));
    EXPECT_TRUE(out.has_value()) << out.error().message();
    return out.value_or(ByteVec{});
}

constexpr const char* kMessageVectors[] = {"04-soh-wpas-v2.hex", "07-soh-wpas-v1.hex",
                                           "08-soh-wsha-compact.hex", "09-soh-wsha-full.hex",
                                           "15-sohr-synthesized.hex"};

TEST(SohMessage, DecodesWpaSupplicantV2) {
    const ByteVec bytes = load_vector("04-soh-wpas-v2.hex");
    ASSERT_EQ(bytes.size(), 152u);
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(v->inner_type, 2);
    ASSERT_TRUE(v->mode);
    EXPECT_EQ(v->mode->intent, 1);
    EXPECT_EQ(v->mode->content_type, 0);
    for (std::size_t i = 0; i < 24; ++i)
        EXPECT_EQ(v->mode->correlation_id[i], i);
    EXPECT_EQ(v->body_offset, 46u);
    EXPECT_EQ(v->system_offset, 46u);
    const SystemSohView& s = v->system;
    EXPECT_EQ(s.count, 6);
    EXPECT_FALSE(s.partial);
    ASSERT_TRUE(s.packet_info);
    EXPECT_EQ(*s.packet_info, 0x11);
    EXPECT_TRUE(v->is_request());
    ASSERT_TRUE(s.machine_inventory);
    EXPECT_EQ(*s.machine_inventory, MachineInventory{});
    ASSERT_TRUE(s.machine_name);
    EXPECT_EQ(str(*s.machine_name), std::string("wpa_supplicant@w1.fi\0", 21));
    ASSERT_TRUE(s.correlation_id);
    EXPECT_EQ((*s.correlation_id)[23], 0x17);
    ASSERT_TRUE(s.quarantine_state);
    EXPECT_EQ(s.quarantine_state->flags, 1);
    EXPECT_EQ(quarantine_flags::isolation_state(s.quarantine_state->flags), 1);
    EXPECT_EQ(s.quarantine_state->probation_time.ticks, FileTime::kNone);
    EXPECT_EQ(str(s.quarantine_state->url), std::string("\0", 1));
    ASSERT_TRUE(s.machine_inventory_ex);
    EXPECT_EQ(s.machine_inventory_ex->reserved, 0u);
    EXPECT_EQ(s.machine_inventory_ex->product_type, 1);
    EXPECT_FALSE(s.system_generated_ids);
    EXPECT_FALSE(s.installed_shvs);
    EXPECT_EQ(v->entry_count, 0);
    EXPECT_EQ(v->tlv_count, 2);
    EXPECT_EQ(v->entries.begin(), v->entries.end());

    Message m = Message::from(*v);
    ASSERT_EQ(m.system.items.size(), 6u);
    // wpa_supplicant's order: 3, 1, 5, 6, 2, 8.
    const std::uint8_t order[] = {3, 1, 5, 6, 2, 8};
    for (std::size_t i = 0; i < 6; ++i)
        EXPECT_EQ(ms_type_of(m.system.items[i]), order[i]);
    EXPECT_EQ(m.system.find<MachineName>()->text(), "wpa_supplicant@w1.fi");
    EXPECT_EQ(reencode(*v), bytes);
}

TEST(SohMessage, DecodesInnerTypeOne) {
    const ByteVec bytes = load_vector("07-soh-wpas-v1.hex");
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_EQ(v->inner_type, 1);
    EXPECT_FALSE(v->mode);
    EXPECT_EQ(v->body_offset, 12u);
    EXPECT_EQ(v->system.count, 6);
    EXPECT_EQ(reencode(*v), bytes);
    Message m = Message::from(*v);
    auto cid = m.correlation_id();
    ASSERT_TRUE(cid);  // taken from MS-CorrelationId when there is no mode sub-header
    EXPECT_EQ(cid->to_bytes()[5], 5);
}

TEST(SohMessage, DecodesCompactWshaEntry) {
    const ByteVec bytes = load_vector("08-soh-wsha-compact.hex");
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    const SystemSohView& s = v->system;
    ASSERT_TRUE(s.machine_inventory);
    EXPECT_EQ(s.machine_inventory->os_major, 6u);
    EXPECT_EQ(s.machine_inventory->os_minor, 0u);
    EXPECT_EQ(s.machine_inventory->os_build, 6001u);
    EXPECT_EQ(s.machine_inventory->sp_major, 1);
    EXPECT_EQ(s.machine_inventory->sp_minor, 0);
    EXPECT_EQ(s.machine_inventory->processor_arch, static_cast<std::uint16_t>(ProcessorArch::X64));
    EXPECT_EQ(str(*s.machine_name), std::string("netbios.example.com\0", 20));
    EXPECT_FALSE(s.quarantine_state);
    ASSERT_EQ(v->entry_count, 1);
    const EntryView e = *v->entries.begin();
    EXPECT_EQ(e.id, 0x00013780u);
    EXPECT_EQ(e.index, 1);
    EXPECT_EQ(e.attribute_count, 10);
    // Health-Class / Health-Class-Status pairs for classes 0..4.
    const std::uint32_t status[] = {0x7, 0xC0FF0002, 0x7, 0x4, 0x00FF0006};
    std::size_t i = 0;
    for (const TlvView& t : e.attributes) {
        if (i % 2 == 0) {
            ASSERT_EQ(t.type, tlv_type::kHealthClass);
            EXPECT_EQ(*attr::health_class(t), i / 2);
        } else {
            ASSERT_EQ(t.type, tlv_type::kHealthClassStatus);
            auto st = attr::health_class_status(t);
            ASSERT_EQ(st->size(), 4u);
            EXPECT_EQ(load_be32(st->data()), status[i / 2]);
        }
        ++i;
    }
    EXPECT_EQ(i, 10u);
    EXPECT_EQ(reencode(*v), bytes);
}

TEST(SohMessage, DecodesFullWshaEntry) {
    const ByteVec bytes = load_vector("09-soh-wsha-full.hex");
    ASSERT_EQ(bytes.size(), 343u);
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    ASSERT_EQ(v->entry_count, 1);
    const EntryView e = *v->entries.begin();
    EXPECT_EQ(e.id, 0x00013780u);
    EXPECT_EQ(e.attribute_count, 17);  // TLV2..TLV19 of MS-WSH 2.2.2 less the AV product name
    auto first = *e.attributes.begin();
    auto vs = attr::vendor_specific(first);
    ASSERT_TRUE(vs);
    EXPECT_EQ(vs->vendor_id, 0x00013780u);
    EXPECT_EQ(load_le32(vs->data.data()), 3u);  // LE counter
    EXPECT_EQ(reencode(*v), bytes);
}

TEST(SohMessage, DecodesSynthesizedSohr) {
    const ByteVec bytes = load_vector("15-sohr-synthesized.hex");
    auto v = decode(bytes, {.expect = Direction::Response});
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_FALSE(v->is_request());
    EXPECT_EQ(*v->system.packet_info, kPacketInfoResponse);
    EXPECT_EQ(v->mode->intent, 0);
    ASSERT_TRUE(v->system.quarantine_state);
    EXPECT_EQ(v->system.quarantine_state->flags, 1);
    EXPECT_EQ(v->system.quarantine_state->probation_time.ticks, 0u);
    EXPECT_EQ(str(v->system.quarantine_state->url), std::string("\0", 1));
    ASSERT_EQ(v->entry_count, 1);
    const EntryView e = *v->entries.begin();
    EXPECT_EQ(e.id, 0x00013780u);
    auto codes = e.find(tlv_type::kComplianceResultCodes);
    ASSERT_TRUE(codes);
    EXPECT_EQ(attr::compliance_result_codes(*codes)->u32(0), 0u);
    auto fc = e.find(tlv_type::kFailureCategory);
    ASSERT_TRUE(fc);
    EXPECT_EQ(*attr::failure_category(*fc), 2);
    EXPECT_EQ(reencode(*v), bytes);

    auto wrong = decode(bytes, {.expect = Direction::Request});
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, Errc::WrongDirection);
}

TEST(SohMessage, RequestRejectedWhenResponseExpected) {
    auto r = decode(load_vector("04-soh-wpas-v2.hex"), {.expect = Direction::Response});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::WrongDirection);
}

TEST(SohMessage, EveryPrefixIsRejected) {
    for (const char* name : kMessageVectors) {
        const ByteVec bytes = load_vector(name);
        for (std::size_t n = 0; n < bytes.size(); ++n) {
            const ByteVec prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
            auto r = decode(prefix);
            ASSERT_FALSE(r) << name << " prefix " << n;
            EXPECT_LE(r.error().offset, n) << name << " prefix " << n;
            EXPECT_FALSE(r.error().message().empty());
        }
    }
}

// Offsets of every length field the decoder reads: outer, inner, mode header, body TLVs, and
// MS attributes with a length.
struct LengthFields {
    std::vector<std::size_t> tlv;  // outer, inner, mode header and TLV lengths
    std::vector<std::size_t> ms;   // MS attribute lengths inside the SSoH's vendor TLV
};

LengthFields length_fields(const ByteVec& bytes) {
    LengthFields f{{2, 10}, {}};
    auto& at = f.tlv;
    auto v = decode(bytes);
    if (!v)
        return f;
    if (v->mode)
        at.push_back(14);
    for (const TlvView& t : v->body)
        at.push_back(t.offset + 2);
    // MS attributes with a 16-bit length: 4, 5, 7 (length right after the type) and the URL
    // length of 2 (after 10 fixed bytes).
    Bytes blk = v->system.block;
    std::size_t p = 0;
    while (p < blk.size()) {
        const std::uint8_t t = blk[p];
        const std::size_t abs = v->system.block_offset + p;
        std::size_t len = 0;
        switch (t) {
            case 1:
                len = 18;
                break;
            case 3:
                len = 1;
                break;
            case 6:
                len = 24;
                break;
            case 8:
                len = 5;
                break;
            case 2:
                f.ms.push_back(abs + 11);
                len = 12 + load_be16(blk.data() + p + 11);
                break;
            default:
                f.ms.push_back(abs + 1);
                len = 2 + load_be16(blk.data() + p + 1);
                break;
        }
        p += 1 + len;
    }
    return f;
}

// Every variant of a corrupted length field at `at`.
std::vector<ByteVec> corruptions(const ByteVec& bytes, std::size_t at) {
    std::vector<ByteVec> out;
    const std::uint16_t orig = load_be16(bytes.data() + at);
    for (int delta : {1, -1, 2, -2, 0x100, -0x100}) {
        ByteVec bad = bytes;
        store_be16(bad.data() + at, static_cast<std::uint16_t>(orig + delta));
        out.push_back(bad);
    }
    for (std::uint16_t value : {std::uint16_t{0}, std::uint16_t{0xFFFF}}) {
        if (value == orig)
            continue;
        ByteVec bad = bytes;
        store_be16(bad.data() + at, value);
        out.push_back(bad);
    }
    return out;
}

TEST(SohMessage, CorruptedLengthFieldsAreRejected) {
    int accepted = 0, rejected = 0;
    for (const char* name : kMessageVectors) {
        const ByteVec bytes = load_vector(name);
        const LengthFields fields = length_fields(bytes);
        ASSERT_GE(fields.tlv.size(), 4u);
        // Outer, inner and mode sub-header lengths are cross-checked: always rejected.
        for (std::size_t i = 0; i < fields.tlv.size(); ++i) {
            const std::size_t at = fields.tlv[i];
            const bool header = at < kMessageHeaderSize || (at == 14 && bytes[9] == 2);
            for (const ByteVec& bad : corruptions(bytes, at)) {
                auto r = decode(bad);
                if (header) {
                    EXPECT_FALSE(r) << name << " header length at " << at;
                    continue;
                }
                // A body TLV's length has no second copy to check against: the corrupted body
                // is rejected unless it is itself a well-formed TLV list (value bytes that read
                // as further TLVs, e.g. "00 00 00 00" = two empty TLVs of unknown type 0, which
                // forward compatibility requires skipping). Then the decode must describe
                // exactly those bytes.
                if (r) {
                    ++accepted;
                    EXPECT_EQ(reencode(*r), bad) << name << " TLV length at " << at;
                } else {
                    ++rejected;
                }
            }
        }
        // MS attributes carry no length byte of their own: a wrong inner length makes the walk
        // land on a byte that is not a known type, which is either an error or a decode flagged
        // partial; with allow_partial = false it is always an error.
        for (std::size_t at : fields.ms) {
            for (const ByteVec& bad : corruptions(bytes, at)) {
                auto lenient = decode(bad);
                EXPECT_TRUE(!lenient || lenient->partial()) << name << " MS length at " << at;
                EXPECT_FALSE(decode(bad, {.allow_partial = false})) << name << " at " << at;
            }
        }
    }
    // The coincidences are rare; a decoder that accepted corrupted lengths wholesale would fail.
    EXPECT_GT(rejected, 20 * accepted) << accepted << " accepted, " << rejected << " rejected";
}

TEST(SohMessage, ErrorNamesEntryTlvAndOffset) {
    // SSoH (from vector 07's body) + entry 1 {SHID, Health-Class} + entry 2 {SHID, TLV 11 whose
    // length 9 runs past the end}.
    Message m = Message::from(*decode(load_vector("07-soh-wpas-v1.hex")));
    m.entries.push_back({0x00013780, {attr::make_health_class(0)}});
    m.entries.push_back({0x00013781, {attr::make_octets(11, ByteVec{0, 0, 0, 7})}});
    ByteVec bytes = *encode(m);
    const std::size_t tlv11 = bytes.size() - 8;
    store_be16(bytes.data() + tlv11 + 2, 9);
    auto r = decode(bytes);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::LengthOverrun);
    EXPECT_EQ(r.error().entry, 2);
    EXPECT_EQ(r.error().type, 11);
    EXPECT_EQ(r.error().offset, tlv11);
    EXPECT_EQ(r.error().message(),
              "SoHReportEntry 2: TLV 11 length 9 runs past the entry end at offset " +
                  std::to_string(tlv11) + " (4 bytes available)");
}

TEST(SohMessage, ReceiverRules) {
    const ByteVec base = load_vector("04-soh-wpas-v2.hex");
    {  // content type != 0 -> ignore
        ByteVec b = base;
        b[45] = 1;
        auto r = decode(b);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::ContentTypeNotSoh);
        EXPECT_EQ(r.error().offset, 45u);
        EXPECT_TRUE(r.error().is_ignorable());
    }
    {  // inner type 3 -> ignore
        ByteVec b = base;
        b[9] = 3;
        auto r = decode(b);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::UnknownInnerType);
        EXPECT_TRUE(r.error().is_ignorable());
    }
    {  // outer type / vendor
        ByteVec b = base;
        b[1] = 6;
        EXPECT_EQ(decode(b).error().code, Errc::BadType);
        b = base;
        b[7] = 0x38;
        EXPECT_EQ(decode(b).error().code, Errc::BadVendor);
        b = base;
        b[19] = 0x38;  // mode sub-header vendor
        EXPECT_EQ(decode(b).error().field, Field::ModeSubHeader);
    }
    {  // the SSoH's System-Health-ID must be 0x00013700
        ByteVec b = base;
        b[52] = 0x38;
        auto r = decode(b);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, Errc::BadValue);
        EXPECT_EQ(r.error().field, Field::SystemSoh);
    }
    {  // M bit on TLV types is masked
        ByteVec b = base;
        b[46] |= 0x80;
        EXPECT_TRUE(decode(b));
    }
    {  // trailing bytes after the message
        ByteVec b = base;
        b.push_back(0);
        EXPECT_EQ(decode(b).error().code, Errc::TrailingBytes);
    }
}

TEST(SohMessage, UnknownMsAttributeStopsWalkAndIsKept) {
    Message m = Message::from(*decode(load_vector("04-soh-wpas-v2.hex")));
    m.system.undecoded = {0x42, 1, 2, 3};
    const ByteVec bytes = *encode(m);
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    EXPECT_TRUE(v->partial());
    EXPECT_EQ(v->system.unknown_type, 0x42);
    EXPECT_EQ(v->system.count, 6);
    EXPECT_EQ(reencode(*v), bytes);
    auto strict = decode(bytes, {.allow_partial = false});
    ASSERT_FALSE(strict);
    EXPECT_EQ(strict.error().code, Errc::BadType);
    EXPECT_EQ(strict.error().type, 0x42);
}

TEST(SohMessage, UnknownTlvsAreKeptRaw) {
    Message m = Message::from(*decode(load_vector("08-soh-wsha-compact.hex")));
    m.entries[0].attributes.push_back(Attribute{0x1234, 0x8000, {9, 8, 7}});
    m.system_extra.push_back(Attribute{99, 0, {1}});
    const ByteVec bytes = *encode(m);
    auto v = decode(bytes);
    ASSERT_TRUE(v) << v.error().message();
    Message back = Message::from(*v);
    EXPECT_EQ(back, m);
    EXPECT_EQ(*encode(back), bytes);
    auto value = attr::decode_value(back.entries[0].attributes.back().view());
    ASSERT_TRUE(value);
    EXPECT_TRUE(std::holds_alternative<Octets>(*value));
}

TEST(SohMessage, LimitsAreEnforcedAndConfigurable) {
    Message m = Message::from(*decode(load_vector("07-soh-wpas-v1.hex")));
    Message many = m;
    for (int i = 0; i < 21; ++i)
        many.entries.push_back({0x00013780u + i, {}});
    ByteVec b = *encode(many);
    auto r = decode(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, Errc::LimitExceeded);
    EXPECT_EQ(r.error().field, Field::ReportEntry);
    EXPECT_EQ(r.error().limit, 20u);
    EXPECT_TRUE(decode(b, {.limits = {.max_entries = 21}}));

    Message tlvs = m;
    tlvs.entries.push_back({0x00013780, {}});
    for (int i = 0; i < 97; ++i)
        tlvs.entries[0].attributes.push_back(attr::make_health_class(0));
    b = *encode(tlvs);  // 2 SSoH + 1 SHID + 97 = 100 TLVs
    EXPECT_TRUE(decode(b));
    tlvs.entries[0].attributes.push_back(attr::make_health_class(0));
    b = *encode(tlvs);
    r = decode(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, Field::Tlv);
    EXPECT_EQ(r.error().value, 101u);

    Message big = m;
    big.entries.push_back({0x00013780, {attr::make_octets(9, ByteVec(4000, 0x55))}});
    b = *encode(big);
    r = decode(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, Field::Message);
    EXPECT_TRUE(decode(b, {.limits = {.max_message_size = 8000}}));
    EXPECT_FALSE(encode(big, 4000));

    Message name = m;
    name.system.set(MachineName{std::string(1025, 'a')});
    b = *encode(name);
    r = decode(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().field, Field::MsAttribute);
    EXPECT_EQ(r.error().type, ms_type::kMachineName);
}

TEST(SohMessage, EncodeFailureLeavesOutputUntouched) {
    Message m;
    m.entries.push_back({1, {attr::make_octets(9, ByteVec(70000, 1))}});
    ByteVec out = {1, 2, 3};
    EXPECT_FALSE(encode_to(m, out));
    EXPECT_EQ(out, (ByteVec{1, 2, 3}));
}

TEST(SohMessage, CorrelationIdHelpers) {
    Message m;
    m.mode = ModeSubHeader{};
    CorrelationId id{
        Guid{0x54468936, 0xcb49, 0x4374, {0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c}},
        FileTime{0x01ca78d858ee1ef0}};
    m.set_correlation_id(id);
    EXPECT_EQ(m.correlation_id(), id);
    ASSERT_NE(m.system.find<MsCorrelationId>(), nullptr);
    EXPECT_EQ(m.system.find<MsCorrelationId>()->bytes, m.mode->correlation_id);
}

// Random valid messages survive encode -> decode -> from unchanged.
Message random_message(std::mt19937& gen) {
    auto rng = [&gen]() { return static_cast<std::uint32_t>(gen()); };
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto bytes = [&](std::size_t n) {
        ByteVec b(n);
        for (auto& x : b)
            x = static_cast<std::uint8_t>(rng());
        return b;
    };
    Message m;
    if (pick(2)) {
        ModeSubHeader h;
        auto c = bytes(24);
        std::copy(c.begin(), c.end(), h.correlation_id.begin());
        h.intent = static_cast<std::uint8_t>(pick(3));
        m.mode = h;
    }
    const int n_ms = pick(10);
    for (int i = 0; i < n_ms; ++i) {
        switch (pick(8)) {
            case 0:
                m.system.items.emplace_back(MachineInventory{rng(), rng(), rng(), 1, 2, 9});
                break;
            case 1: {
                auto u = bytes(static_cast<std::size_t>(pick(40)));
                m.system.items.emplace_back(QuarantineState{static_cast<std::uint16_t>(rng()),
                                                            FileTime{rng()},
                                                            std::string(u.begin(), u.end())});
                break;
            }
            case 2:
                m.system.items.emplace_back(PacketInfo{static_cast<std::uint8_t>(rng())});
                break;
            case 3:
                m.system.items.emplace_back(SystemGeneratedIds{{rng(), rng()}});
                break;
            case 4: {
                auto u = bytes(static_cast<std::size_t>(pick(30)));
                m.system.items.emplace_back(MachineName{std::string(u.begin(), u.end())});
                break;
            }
            case 5: {
                MsCorrelationId c;
                auto u = bytes(24);
                std::copy(u.begin(), u.end(), c.bytes.begin());
                m.system.items.emplace_back(c);
                break;
            }
            case 6:
                m.system.items.emplace_back(InstalledShvs{{rng()}});
                break;
            default:
                m.system.items.emplace_back(
                    MachineInventoryEx{rng(), static_cast<std::uint8_t>(pick(4))});
        }
    }
    const int n_extra = pick(3);
    for (int i = 0; i < n_extra; ++i) {
        std::uint16_t t = static_cast<std::uint16_t>(3 + pick(60));
        if (t == tlv_type::kVendorSpecific)
            t = 99;  // keep the MS block unique in the group
        m.system_extra.push_back(Attribute{t, 0, bytes(static_cast<std::size_t>(pick(20)))});
    }
    const int n_entries = pick(6);
    for (int e = 0; e < n_entries; ++e) {
        ReportEntry r{rng(), {}};
        const int n_attr = pick(8);
        for (int i = 0; i < n_attr; ++i) {
            std::uint16_t t = static_cast<std::uint16_t>(3 + pick(20));
            r.attributes.push_back(Attribute{t, static_cast<std::uint16_t>(pick(2) ? 0 : 0x8000),
                                             bytes(static_cast<std::size_t>(pick(30)))});
        }
        m.entries.push_back(std::move(r));
    }
    return m;
}

TEST(SohMessage, RandomRoundTrips) {
    std::mt19937 rng(20261124);
    for (int i = 0; i < 2000; ++i) {
        const Message m = random_message(rng);
        auto bytes = encode(m);
        ASSERT_TRUE(bytes) << bytes.error().message();
        auto v = decode(*bytes);
        ASSERT_TRUE(v) << "iteration " << i << ": " << v.error().message();
        EXPECT_EQ(Message::from(*v), m) << "iteration " << i;
    }
}

// opennap::SoH <-> ReportEntry: the moving conversions give what the copying ones give, the id
// taken from the first 4-byte System-Health-ID only, every other TLV kept in order.
TEST(NapSohConversion, MovingAndCopyingAgree) {
    SoH soh;
    soh.attributes.push_back({tlv_type::kSystemHealthId, {0x00, 0x01, 0x37, 0x80}});
    soh.attributes.push_back({tlv_type::kComplianceResultCodes, {0, 0, 0, 0, 0xC0, 0xFF, 0, 2}});
    soh.attributes.push_back({tlv_type::kSystemHealthId, {0, 0, 0, 9}});  // a second one: a TLV
    soh.attributes.push_back({tlv_type::kVendorSpecific, std::vector<std::uint8_t>(300, 7)});
    const ReportEntry copied = to_entry(soh);
    EXPECT_EQ(copied.id, 0x00013780u);
    ASSERT_EQ(copied.attributes.size(), 3u);
    SoH source = soh;
    const ReportEntry moved = to_entry(std::move(source));
    EXPECT_EQ(moved.id, copied.id);
    EXPECT_EQ(moved.attributes, copied.attributes);

    const SoH back = to_soh(copied);
    EXPECT_EQ(back, soh);
    ReportEntry entry = copied;
    EXPECT_EQ(to_soh(std::move(entry)), back);
}

}  // namespace
}  // namespace opennap::soh
