// Windows Security Health Agent / Validator entry ([MS-WSH]); rules and section references in
// include/opennap/soh/wsha.h.
#include "opennap/soh/wsha.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "opennap/core/endian.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/nap_soh.h"

namespace opennap::soh::wsha {
namespace {

// ---- names -------------------------------------------------------------------------------------

struct CodeInfo {
    std::uint32_t code;
    std::string_view name;
    std::string_view message;
};

// 2.2.9.1, 2.2.9.2, 2.2.13, 2.2.14.1; ascending.
constexpr std::array<CodeInfo, 22> kCodes{{
    {0x00000000, "S_OK", "the status reported for the health class is acceptable"},
    {0x00FF0005, "S_MSSHA_NO_MISSING_UPDATES", "the client is not missing any security updates"},
    {0x00FF0006, "S_MSSHA_MISSING_UPDATES", "the client is missing security updates"},
    {0x00FF0008, "E_MSSHAV_WUA_SERVICE_NOT_STARTED_SINCE_BOOT",
     "the Windows Update Agent has not started since the computer started"},
    {0xC0FF0001, "E_MSSHV_PRODUCT_NOT_ENABLED", "a Microsoft product is installed but not enabled"},
    {0xC0FF0002, "E_MSSHAV_PRODUCT_NOT_INSTALLED", "no product is installed"},
    {0xC0FF0003, "E_MSSHAV_WSC_SERVICE_DOWN",
     "the Windows Security Center service is not available to report status"},
    {0xC0FF0004, "E_MSSHV_PRODUCT_NOT_UPTODATE",
     "a Microsoft product is installed and enabled but not up to date"},
    {0xC0FF0007, "E_MSSHV_SYNC_AND_INSTALL_UPDATES",
     "required security updates are missing or the last synchronisation is too old"},
    {0xC0FF000C, "E_MSSHAV_NO_WUS_SERVER",
     "the client is configured for WSUS but no WSUS server is specified"},
    {0xC0FF000D, "E_MSSHAV_NO_CLIENT_ID",
     "the client is configured for WSUS but has no valid client id"},
    {0xC0FF000E, "E_MSSHAV_WUA_SERVICE_DISABLED", "the Windows Update Agent service is disabled"},
    {0xC0FF000F, "E_MSSHAV_WUA_COMM_FAILURE",
     "the WSHA cannot communicate with the Windows Update Agent"},
    {0xC0FF0010, "E_MSSHAV_UPDATES_INSTALLED_REQUIRE_REBOOT",
     "installed security updates require a restart"},
    {0xC0FF0012, "E_MSSHV_WUS_SHC_FAILURE",
     "the validator could not process the security updates health class"},
    {0xC0FF0018, "E_MSSHAV_WSC_SERVICE_NOT_STARTED_SINCE_BOOT",
     "the Windows Security Center service has not started since the computer started"},
    {0xC0FF0047, "E_MSSHV_THIRD_PARTY_PRODUCT_NOT_ENABLED",
     "a non-Microsoft product is installed but not enabled"},
    {0xC0FF0048, "E_MSSHV_THIRD_PARTY_PRODUCT_NOT_UPTODATE",
     "a non-Microsoft product is installed and enabled but not up to date"},
    {0xC0FF004E, "E_MSSHAV_BAD_UPDATE_SOURCE_MU", "policy requires updates from Microsoft Update"},
    {0xC0FF004F, "E_MSSHAV_BAD_UPDATE_SOURCE_WUMU",
     "policy requires updates from Windows Update or Microsoft Update"},
    {0xC0FF0050, "E_MSSHAV_BAD_UPDATE_SOURCE_MUWSUS",
     "policy requires updates from Microsoft Update or WSUS"},
    {0xC0FF0051, "E_MSSHAV_NO_UPDATE_SOURCE", "the client has no security update source"},
}};

const CodeInfo* find_code(std::uint32_t code) noexcept {
    for (const auto& c : kCodes) {
        if (c.code == code)
            return &c;
    }
    return nullptr;
}

// %08x (lower case) as FreeRADIUS prints it.
std::string hex8(std::uint32_t v, bool upper = false) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string s(8, '0');
    for (int i = 7; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = digits[v & 0xF];
        v >>= 4;
    }
    return s;
}

// ---- parsing -----------------------------------------------------------------------------------

// The TLVs after the System-Health-ID, with absolute (or entry-relative) offsets.
struct Tlvs {
    std::uint32_t id = 0;
    std::uint32_t shid_offset = 0;
    std::vector<TlvView> tlvs;
    std::uint32_t end_offset = 0;  // just past the entry's last byte
    std::int32_t entry = -1;
};

Tlvs collect(const EntryView& e) {
    Tlvs r;
    r.id = e.id;
    r.shid_offset = e.offset;
    r.entry = e.index;
    r.end_offset = e.offset + static_cast<std::uint32_t>(kTlvHeaderSize + 4);
    r.tlvs.reserve(e.attribute_count);
    for (const TlvView& t : e.attributes) {
        r.tlvs.push_back(t);
        r.end_offset = t.value_offset() + static_cast<std::uint32_t>(t.value.size());
    }
    return r;
}

Tlvs collect(const ReportEntry& e) {
    Tlvs r;
    r.id = e.id;
    r.shid_offset = 0;
    r.entry = -1;
    std::size_t off = kTlvHeaderSize + 4;
    r.tlvs.reserve(e.attributes.size());
    for (const Attribute& a : e.attributes) {
        TlvView v = a.view();
        v.offset = static_cast<std::uint32_t>(off);
        r.tlvs.push_back(v);
        off += kTlvHeaderSize + a.value.size();
    }
    r.end_offset = static_cast<std::uint32_t>(off);
    return r;
}

// As collect(to_entry(soh)) (soh/nap_soh.cc): the first 4-byte System-Health-ID is the id,
// every other attribute a TLV (flags 0) at the offset it would have in the encoded entry. The
// views point into `soh`, which must outlive the result.
Tlvs collect(const SoH& soh) {
    Tlvs r;
    r.shid_offset = 0;
    r.entry = -1;
    std::size_t off = kTlvHeaderSize + 4;
    r.tlvs.reserve(soh.attributes.size());
    bool id_seen = false;
    for (const SoHAttribute& a : soh.attributes) {
        if (!id_seen && is_entry_id(a)) {
            r.id = load_be32(a.value.data());
            id_seen = true;
            continue;
        }
        r.tlvs.push_back(TlvView{a.type, 0, Bytes(a.value), static_cast<std::uint32_t>(off)});
        off += kTlvHeaderSize + a.value.size();
    }
    r.end_offset = static_cast<std::uint32_t>(off);
    return r;
}

class Parser {
  public:
    explicit Parser(const Tlvs& t) noexcept : t_(t) {}

    [[nodiscard]] std::unexpected<DecodeError> error(Errc code, const TlvView& at,
                                                     std::uint32_t value,
                                                     std::uint32_t limit) const noexcept {
        return fail(code, Field::WshaEntry, at.offset, value, limit, at.type, t_.entry);
    }
    [[nodiscard]] std::unexpected<DecodeError> missing(std::uint16_t type) const noexcept {
        return fail(Errc::MissingField, Field::WshaEntry, t_.end_offset, 0, 0, type, t_.entry);
    }
    [[nodiscard]] std::unexpected<DecodeError> wrong_type(const TlvView& at,
                                                          std::uint16_t expected) const noexcept {
        return error(Errc::BadType, at, at.type, expected);
    }

    [[nodiscard]] bool done() const noexcept { return i_ >= t_.tlvs.size(); }
    [[nodiscard]] std::size_t size() const noexcept { return t_.tlvs.size(); }
    [[nodiscard]] const TlvView& peek() const noexcept { return t_.tlvs[i_]; }
    [[nodiscard]] bool next_is(std::uint16_t type) const noexcept {
        return !done() && peek().type == type;
    }
    const TlvView& take() noexcept { return t_.tlvs[i_++]; }
    [[nodiscard]] std::size_t pos() const noexcept { return i_; }

    // The System-Health-ID must be the WSHA/WSHV's (3.1.5.1).
    [[nodiscard]] Result<void> check_id() const noexcept {
        if (t_.id != kSystemHealthId) {
            return fail(Errc::BadValue, Field::WshaEntry, t_.shid_offset, t_.id, kSystemHealthId,
                        tlv_type::kSystemHealthId, t_.entry);
        }
        return {};
    }
    [[nodiscard]] std::unexpected<DecodeError> too_few(std::uint32_t count) const noexcept {
        return fail(Errc::MissingField, Field::WshaEntry, t_.shid_offset, count, 4,
                    tlv_type::kSystemHealthId, t_.entry);
    }

    // Vendor-Specific(7): 0x00013780 BE + u32 LE (TLVs 2, 3, 17, 19).
    Result<std::uint32_t> vendor_le32() noexcept {
        if (done())
            return missing(tlv_type::kVendorSpecific);
        const TlvView& v = take();
        auto body = vendor_body(v);
        if (!body)
            return std::unexpected(body.error());
        if (body->size() != 4)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(v.value.size()), 8);
        return load_le32(body->data());
    }

    // Vendor-Specific(7): 0x00013780 + at least one byte (TLV 18).
    Result<Bytes> vendor_bytes() noexcept {
        if (done())
            return missing(tlv_type::kVendorSpecific);
        const TlvView& v = take();
        auto body = vendor_body(v);
        if (!body)
            return std::unexpected(body.error());
        if (body->empty())
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(v.value.size()), 5);
        return *body;
    }

    // Health-Class(8), 1 byte.
    Result<std::uint8_t> health_class() noexcept {
        if (done())
            return missing(tlv_type::kHealthClass);
        const TlvView& v = take();
        if (v.type != tlv_type::kHealthClass)
            return wrong_type(v, tlv_type::kHealthClass);
        if (v.value.size() != 1)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(v.value.size()), 1);
        return v.value[0];
    }

    // Health-Class-Status(11), u32 BE (2.2.2.6).
    Result<std::uint32_t> status() noexcept {
        if (done())
            return missing(tlv_type::kHealthClassStatus);
        const TlvView& v = take();
        if (v.type != tlv_type::kHealthClassStatus)
            return wrong_type(v, tlv_type::kHealthClassStatus);
        if (v.value.size() != 4)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(v.value.size()), 4);
        return load_be32(v.value.data());
    }

    // Product-Name(10): UTF-16LE, NUL-terminated (2.2.8, 2.2.15.1).
    Result<std::u16string> product_name() {
        const TlvView& v = take();
        const std::size_t n = v.value.size();
        if (n % 2 != 0)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(n), 2);
        if (n == 0)
            return error(Errc::BadValue, v, 0, 0);
        const std::uint16_t last = load_le16(v.value.data() + n - 2);
        if (last != 0)
            return error(Errc::BadValue, v, last, 0);
        std::u16string s;
        s.resize(n / 2 - 1);
        for (std::size_t k = 0; k + 1 < n / 2; ++k)
            s[k] = static_cast<char16_t>(load_le16(v.value.data() + 2 * k));
        return s;
    }

    // Compliance-Result-Codes(4): one or two u32 BE (2.2.3.6).
    Result<std::vector<std::uint32_t>> codes() {
        if (done())
            return missing(tlv_type::kComplianceResultCodes);
        const TlvView& v = take();
        if (v.type != tlv_type::kComplianceResultCodes)
            return wrong_type(v, tlv_type::kComplianceResultCodes);
        const std::size_t n = v.value.size();
        if (n != 4 && n != 8)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(n), 8);
        std::vector<std::uint32_t> out;
        for (std::size_t k = 0; k < n; k += 4)
            out.push_back(load_be32(v.value.data() + k));
        return out;
    }

    // Failure-Category(14), 1 byte (2.2.3.4).
    Result<std::uint8_t> failure_category() noexcept {
        const TlvView& v = take();
        if (v.value.size() != 1)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(v.value.size()), 1);
        return v.value[0];
    }

  private:
    Result<Bytes> vendor_body(const TlvView& v) const noexcept {
        if (v.type != tlv_type::kVendorSpecific)
            return wrong_type(v, tlv_type::kVendorSpecific);
        if (v.value.size() < 4)
            return error(Errc::BadLength, v, static_cast<std::uint32_t>(v.value.size()), 8);
        const std::uint32_t vendor = load_be32(v.value.data());
        if (vendor != kVendorId)
            return error(Errc::BadVendor, v, vendor, kVendorId);
        return v.value.subspan(4);
    }

    const Tlvs& t_;
    std::size_t i_ = 0;
};

Result<ClassStatus> parse_class(Parser& p, HealthClass cls) {
    ClassStatus cs{cls, {}};
    if (!has_products(cls)) {
        // Automatic / security updates: exactly one nameless status (2.2.2.14, 2.2.2.16).
        auto st = p.status();
        if (!st)
            return std::unexpected(st.error());
        cs.products.push_back(Product{std::nullopt, *st});
        return cs;
    }
    // Firewall / antivirus / antispyware: one nameless status (an error code) ends the class ...
    if (p.next_is(tlv_type::kHealthClassStatus)) {
        auto st = p.status();
        if (!st)
            return std::unexpected(st.error());
        cs.products.push_back(Product{std::nullopt, *st});
        return cs;
    }
    if (!p.next_is(tlv_type::kProductName)) {
        if (p.done())
            return p.missing(tlv_type::kHealthClassStatus);
        return p.wrong_type(p.peek(), tlv_type::kHealthClassStatus);
    }
    // ... otherwise Product-Name + Health-Class-Status pairs, one per product.
    while (p.next_is(tlv_type::kProductName)) {
        auto n = p.product_name();
        if (!n)
            return std::unexpected(n.error());
        auto st = p.status();
        if (!st)
            return std::unexpected(st.error());
        cs.products.push_back(Product{std::move(*n), *st});
    }
    return cs;
}

Result<SohEntry> parse_soh(const Tlvs& t) {
    Parser p(t);
    if (auto ok = p.check_id(); !ok)
        return std::unexpected(ok.error());
    // 3.3.5.2: fewer than 4 TLVs (System-Health-ID included) -> abandon.
    if (p.size() + 1 < 4)
        return p.too_few(static_cast<std::uint32_t>(p.size() + 1));

    SohEntry e;
    e.client_version = 0;
    if (p.next_is(tlv_type::kVendorSpecific)) {
        e.layout = Layout::Full;
        auto counter = p.vendor_le32();  // TLV 2, Flag (2.2.5)
        if (!counter)
            return std::unexpected(counter.error());
        auto version = p.vendor_le32();  // TLV 3, Version (2.2.6)
        if (!version)
            return std::unexpected(version.error());
        e.counter = *counter;
        e.client_version = *version;
    } else {
        e.layout = Layout::Compact;
    }

    // Health classes 0, 1, [2], 3, 4 (2.2.7; antispyware absent for XP, <3>).
    const bool antispyware_optional = e.layout == Layout::Compact;
    const bool antispyware_absent =
        e.layout == Layout::Full && e.client_version == client_version::kWindowsXp;
    for (std::uint8_t c = 0; c < kHealthClassCount; ++c) {
        const auto cls = static_cast<HealthClass>(c);
        if (cls == HealthClass::Antispyware) {
            if (antispyware_absent)
                continue;
            if (antispyware_optional && p.next_is(tlv_type::kHealthClass) &&
                p.peek().value.size() == 1 &&
                p.peek().value[0] == static_cast<std::uint8_t>(HealthClass::AutomaticUpdates))
                continue;
        }
        if (!p.done() && p.peek().type == tlv_type::kHealthClass && p.peek().value.size() == 1 &&
            p.peek().value[0] != c)
            return p.error(Errc::BadValue, p.peek(), p.peek().value[0], c);
        auto hc = p.health_class();
        if (!hc)
            return std::unexpected(hc.error());
        auto cs = parse_class(p, cls);
        if (!cs)
            return std::unexpected(cs.error());
        e.classes.push_back(std::move(*cs));
    }

    // TLVs 17-19 (2.2.2.17-19).
    if (p.next_is(tlv_type::kVendorSpecific)) {
        UpdateDetails d;
        auto secs = p.vendor_le32();
        if (!secs)
            return std::unexpected(secs.error());
        auto wsus = p.vendor_bytes();
        if (!wsus)
            return std::unexpected(wsus.error());
        auto flags = p.vendor_le32();
        if (!flags)
            return std::unexpected(flags.error());
        d.seconds_since_last_sync = *secs;
        if (!(wsus->size() == 1 && (*wsus)[0] == 0))
            d.wsus_server.assign(reinterpret_cast<const char*>(wsus->data()), wsus->size());
        d.updates_flag = *flags;
        e.updates = std::move(d);
    }

    while (!p.done())
        e.trailing.push_back(Attribute::from(p.take()));
    return e;
}

Result<SohrEntry> parse_sohr(const Tlvs& t) {
    Parser p(t);
    if (auto ok = p.check_id(); !ok)
        return std::unexpected(ok.error());
    SohrEntry e;
    int previous = -1;
    while (!p.done()) {
        const TlvView& h = p.peek();
        auto hc = p.health_class();
        if (!hc)
            return std::unexpected(hc.error());
        if (*hc >= kHealthClassCount || static_cast<int>(*hc) <= previous)
            return p.error(Errc::BadValue, h, *hc, static_cast<std::uint32_t>(previous + 1));
        previous = *hc;
        ClassResult r;
        r.cls = static_cast<HealthClass>(*hc);
        auto codes = p.codes();
        if (!codes)
            return std::unexpected(codes.error());
        r.codes = std::move(*codes);
        if (p.next_is(tlv_type::kFailureCategory)) {
            auto fc = p.failure_category();
            if (!fc)
                return std::unexpected(fc.error());
            r.failure_category = *fc;
        }
        e.classes.push_back(std::move(r));
    }
    if (e.classes.empty())
        return p.missing(tlv_type::kHealthClass);
    return e;
}

// ---- building ----------------------------------------------------------------------------------

Attribute vendor_le32(std::uint32_t v) {
    std::array<std::uint8_t, 4> b{};
    store_le32(b.data(), v);
    return attr::make_vendor_specific(kVendorId, b);
}

Attribute status_attr(std::uint32_t v) {
    std::array<std::uint8_t, 4> b{};
    store_be32(b.data(), v);
    return attr::make_octets(tlv_type::kHealthClassStatus, b);
}

Attribute product_name_attr(const std::u16string& s) {
    std::vector<std::uint8_t> b((s.size() + 1) * 2, 0);
    for (std::size_t k = 0; k < s.size(); ++k)
        store_le16(b.data() + 2 * k, static_cast<std::uint16_t>(s[k]));
    return Attribute{tlv_type::kProductName, 0, std::move(b)};
}

ReportEntry build(const SohEntry& e, bool full) {
    ReportEntry r;
    r.id = kSystemHealthId;
    if (full) {
        r.attributes.push_back(vendor_le32(e.counter));
        r.attributes.push_back(vendor_le32(e.client_version));
    }
    for (const ClassStatus& c : e.classes) {
        r.attributes.push_back(attr::make_health_class(static_cast<std::uint8_t>(c.cls)));
        for (const Product& p : c.products) {
            if (p.name)
                r.attributes.push_back(product_name_attr(*p.name));
            r.attributes.push_back(status_attr(p.status));
        }
    }
    if (e.updates) {
        const UpdateDetails& d = *e.updates;
        r.attributes.push_back(vendor_le32(d.seconds_since_last_sync));
        if (d.wsus_server.empty()) {
            const std::uint8_t none = 0;
            r.attributes.push_back(attr::make_vendor_specific(kVendorId, Bytes(&none, 1)));
        } else {
            r.attributes.push_back(attr::make_vendor_specific(
                kVendorId, Bytes(reinterpret_cast<const std::uint8_t*>(d.wsus_server.data()),
                                 d.wsus_server.size())));
        }
        r.attributes.push_back(vendor_le32(d.updates_flag));
    }
    r.attributes.insert(r.attributes.end(), e.trailing.begin(), e.trailing.end());
    return r;
}

}  // namespace

// ---- names -------------------------------------------------------------------------------------

std::string_view to_string(HealthClass c) noexcept {
    switch (c) {
        case HealthClass::Firewall:
            return "firewall";
        case HealthClass::Antivirus:
            return "antivirus";
        case HealthClass::Antispyware:
            return "antispyware";
        case HealthClass::AutomaticUpdates:
            return "auto-updates";
        case HealthClass::SecurityUpdates:
            return "security-updates";
    }
    return "unknown";
}

std::string_view to_string(Layout l) noexcept {
    return l == Layout::Full ? "full" : "compact";
}

std::string_view code_name(std::uint32_t code) noexcept {
    const CodeInfo* c = find_code(code);
    return c ? c->name : std::string_view{};
}

std::string_view code_message(std::uint32_t code) noexcept {
    const CodeInfo* c = find_code(code);
    return c ? c->message : std::string_view{};
}

std::string code_to_string(std::uint32_t code) {
    std::string s;
    const std::string_view name = code_name(code);
    if (!name.empty()) {
        s.append(name);
        s.append(" (0x");
        s.append(hex8(code, true));
        s.push_back(')');
    } else {
        s = "0x" + hex8(code, true);
    }
    return s;
}

// ---- describe (FreeRADIUS SoH-MS-Windows-Health-Status) --------------------------------------

std::string describe(HealthClass cls, std::uint32_t st) {
    std::string out;
    switch (cls) {
        case HealthClass::SecurityUpdates: {
            out = "security-updates ";
            switch (st) {
                case 0x00FF0005:
                    return out + "ok all-installed";
                case 0x00FF0006:
                    return out + "warn some-missing";
                case 0x00FF0008:
                    return out + "warn never-started";
                case 0xC0FF000C:
                    return out + "error no-wsus-srv";
                case 0xC0FF000D:
                    return out + "error no-wsus-clid";
                case 0xC0FF000E:
                    return out + "warn wsus-disabled";
                case 0xC0FF000F:
                    return out + "error comm-failure";
                case 0xC0FF0010:
                    return out + "warn needs-reboot";
                default:
                    return out + "error " + hex8(st);
            }
        }
        case HealthClass::AutomaticUpdates: {
            out = "auto-updates ";
            switch (st) {
                case 1:
                    return out + "warn disabled";
                case 2:
                    return out + "ok action=check-only";
                case 3:
                    return out + "ok action=download";
                case 4:
                    return out + "ok action=install";
                case 5:
                    return out + "warn unconfigured";
                case 0xC0FF0003:
                    return out + "warn service-down";
                case 0xC0FF0018:
                    return out + "warn never-started";
                default:
                    return out + "error " + hex8(st);
            }
        }
        case HealthClass::Firewall:
        case HealthClass::Antivirus:
        case HealthClass::Antispyware:
            break;
        default: {
            out = std::to_string(static_cast<unsigned>(cls));
            return out + " unknown " + hex8(st);
        }
    }
    out.append(to_string(cls));
    if ((st & 0xFF000000u) != 0) {
        // FreeRADIUS: a non-zero top byte is an error; its word table.
        std::string_view word;
        switch (st) {
            case 0x00FF0005:
                word = "wua-ok";
                break;
            case 0x00FF0006:
                word = "wua-missing";
                break;
            case 0x00FF0008:
                word = "wua-not-started";
                break;
            case 0xC0FF000C:
                word = "wua-no-wsus-server";
                break;
            case 0xC0FF000D:
                word = "wua-no-wsus-clientid";
                break;
            case 0xC0FF000E:
                word = "wua-disabled";
                break;
            case 0xC0FF000F:
                word = "wua-comm-failure";
                break;
            case 0xC0FF0002:
                word = "not-installed";
                break;
            case 0xC0FF0003:
                word = "down";
                break;
            case 0xC0FF0018:
                word = "not-started";
                break;
            default:
                break;
        }
        out.append(" error ");
        if (word.empty())
            out.append(hex8(st));
        else
            out.append(word);
        return out;
    }
    out.append(" ok snoozed=");
    out.push_back((st & status::kSnoozed) ? '1' : '0');
    out.append(" microsoft=");
    out.push_back((st & status::kMicrosoft) ? '1' : '0');
    out.append(" up2date=");
    out.push_back((st & status::kUpToDate) ? '1' : '0');
    out.append(" enabled=");
    out.push_back((st & status::kEnabled) ? '1' : '0');
    return out;
}

std::vector<std::string> describe(const SohEntry& e) {
    std::vector<std::string> out;
    for (const ClassStatus& c : e.classes) {
        for (const Product& p : c.products)
            out.push_back(describe(c.cls, p.status));
    }
    return out;
}

// ---- SoH ---------------------------------------------------------------------------------------

const ClassStatus* SohEntry::find(HealthClass cls) const noexcept {
    for (const auto& c : classes) {
        if (c.cls == cls)
            return &c;
    }
    return nullptr;
}

std::optional<std::uint32_t> SohEntry::status(HealthClass cls) const noexcept {
    const ClassStatus* c = find(cls);
    return c ? c->status() : std::nullopt;
}

Result<SohEntry> parse_soh_entry(const EntryView& entry) {
    return parse_soh(collect(entry));
}

Result<SohEntry> parse_soh_entry(const ReportEntry& entry) {
    return parse_soh(collect(entry));
}

Result<SohEntry> parse_soh_entry_as_wsha(const SoH& soh) {
    Tlvs t = collect(soh);
    t.id = kSystemHealthId;
    return parse_soh(t);
}

ReportEntry build_soh_entry(const SohEntry& e) {
    return build(e, true);
}

ReportEntry build_compact_soh_entry(const SohEntry& e) {
    return build(e, false);
}

// ---- SoHR --------------------------------------------------------------------------------------

const ClassResult* SohrEntry::find(HealthClass cls) const noexcept {
    for (const auto& c : classes) {
        if (c.cls == cls)
            return &c;
    }
    return nullptr;
}

Result<SohrEntry> parse_sohr_entry(const EntryView& entry) {
    return parse_sohr(collect(entry));
}

Result<SohrEntry> parse_sohr_entry(const ReportEntry& entry) {
    return parse_sohr(collect(entry));
}

ReportEntry build_sohr_entry(const SohrEntry& e) {
    ReportEntry r;
    r.id = kSystemHealthId;
    for (const ClassResult& c : e.classes) {
        r.attributes.push_back(attr::make_health_class(static_cast<std::uint8_t>(c.cls)));
        r.attributes.push_back(attr::make_compliance_result_codes(c.codes));
        if (c.failure_category)
            r.attributes.push_back(attr::make_failure_category(*c.failure_category));
    }
    return r;
}

// ---- locating the entry ------------------------------------------------------------------------

std::optional<EntryView> find_entry(const MessageView& message) noexcept {
    for (const EntryView& e : message.entries) {
        if (e.id == kSystemHealthId)
            return e;
    }
    return std::nullopt;
}

const ReportEntry* find_entry(const Message& message) noexcept {
    for (const auto& e : message.entries) {
        if (e.id == kSystemHealthId)
            return &e;
    }
    return nullptr;
}

ReportEntry* find_entry(Message& message) noexcept {
    for (auto& e : message.entries) {
        if (e.id == kSystemHealthId)
            return &e;
    }
    return nullptr;
}

}  // namespace opennap::soh::wsha
