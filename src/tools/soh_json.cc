#include "opennap/tools/soh_json.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <utility>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/core/nap_types.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/wsha.h"
#include "opennap/tools/hex.h"

namespace opennap::tools {

using nlohmann::json;
using soh::Attribute;
using soh::TlvView;

// ---- names ------------------------------------------------------------------------------------

std::string_view health_id_name(std::uint32_t id) noexcept {
    switch (id) {
        case NapSystemId:
            return "NAP system";
        case NapDhcpEnforcementId:
            return "DHCP enforcement client";
        case NapRasEnforcementId:
            return "RAS enforcement client";
        case NapIpsecEnforcementId:
            return "IPsec enforcement client";
        case Nap8021xEnforcementId:
            return "802.1X enforcement client";
        case NapAnywhereAccessEnforcementId:
            return "AnywhereAccess enforcement client";
        case NapIsaEnforcementId:
            return "ISA enforcement client";
        case NapEapEnforcementId:
            return "EAP enforcement client";
        case NapOutOfBoxSystemHealthId:
            return "Windows Security Health Agent";
        case NapSmsSystemHealthId:
            return "SMS health agent";
        case NapFCSv1SystemHealthId:
            return "Forefront Client Security v1 health agent";
        case NapFCSv2SystemHealthId:
            return "Forefront Client Security v2 health agent";
        case NapTpmSystemHealthId:
            return "TPM health agent";
        case QuarSampleSystemHealthId:
            return "NAP SDK sample health agent";
        default:
            return "";
    }
}

std::string_view processor_arch_name(std::uint16_t arch) noexcept {
    switch (arch) {
        case 0:
            return "x86";
        case 5:
            return "arm";
        case 6:
            return "ia64";
        case 9:
            return "x64";
        case 12:
            return "arm64";
        case 0xFFFF:
            return "unknown";
        default:
            return "";
    }
}

std::string_view product_type_name(std::uint8_t type) noexcept {
    switch (type) {
        case 1:
            return "workstation";
        case 2:
            return "domain-controller";
        case 3:
            return "server";
        default:
            return "";
    }
}

std::string_view health_class_name(std::uint32_t entry_id, std::uint8_t value) noexcept {
    if (entry_id == NapOutOfBoxSystemHealthId) {
        static constexpr std::string_view kWsh[] = {"firewall", "antivirus", "antispyware",
                                                    "automatic-updates", "security-updates"};
        return value < std::size(kWsh) ? kWsh[value] : std::string_view{};
    }
    const auto v = static_cast<HealthClassValue>(value);
    return is_valid(v) ? to_string(v) : std::string_view{};
}

// ---- FILETIME text ----------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kTicksPerSecond = 10'000'000;
constexpr std::uint64_t kTicksPerDay = kTicksPerSecond * 86'400;

// Days from 1601-01-01 to y-m-d (proleptic Gregorian), y >= 1601 (H. Hinnant's algorithm).
constexpr std::int64_t days_since_1601(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = y / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days_since_0000_03_01 = era * 146097 + static_cast<std::int64_t>(doe);
    // 1601-01-01 is day 584694 after 0000-03-01.
    return days_since_0000_03_01 - 584694;
}

constexpr bool is_leap(std::int64_t y) noexcept {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool read_digits(std::string_view s, std::size_t& pos, std::size_t count, std::uint64_t& out) {
    if (s.size() - pos < count)
        return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    pos += count;
    out = v;
    return true;
}

bool expect_char(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c)
        return false;
    ++pos;
    return true;
}

}  // namespace

std::optional<FileTime> parse_filetime(std::string_view s) noexcept {
    if (s == "none")
        return FileTime{FileTime::kNone};
    std::size_t pos = 0;
    std::size_t year_digits = 0;
    while (year_digits < s.size() && s[year_digits] >= '0' && s[year_digits] <= '9')
        ++year_digits;
    if (year_digits < 4 || year_digits > 6)
        return std::nullopt;
    std::uint64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(s, pos, year_digits, year) || !expect_char(s, pos, '-') ||
        !read_digits(s, pos, 2, month) || !expect_char(s, pos, '-') ||
        !read_digits(s, pos, 2, day) || !expect_char(s, pos, 'T') ||
        !read_digits(s, pos, 2, hour) || !expect_char(s, pos, ':') ||
        !read_digits(s, pos, 2, minute) || !expect_char(s, pos, ':') ||
        !read_digits(s, pos, 2, second)) {
        return std::nullopt;
    }
    std::uint64_t fraction = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t n = 0;
        while (pos + n < s.size() && s[pos + n] >= '0' && s[pos + n] <= '9')
            ++n;
        if (n == 0 || n > 7 || !read_digits(s, pos, n, fraction))
            return std::nullopt;
        for (std::size_t i = n; i < 7; ++i)
            fraction *= 10;
    }
    if (!expect_char(s, pos, 'Z') || pos != s.size())
        return std::nullopt;
    if (year < 1601 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    const auto y = static_cast<std::int64_t>(year);
    const auto m = static_cast<unsigned>(month);
    if (day < 1 || day > days_in_month(y, m))
        return std::nullopt;
    const auto days = static_cast<std::uint64_t>(days_since_1601(y, m, static_cast<unsigned>(day)));
    std::uint64_t ticks = 0;
    if (__builtin_mul_overflow(days, kTicksPerDay, &ticks))
        return std::nullopt;
    const std::uint64_t in_day = ((hour * 60 + minute) * 60 + second) * kTicksPerSecond + fraction;
    if (__builtin_add_overflow(ticks, in_day, &ticks) || ticks == FileTime::kNone)
        return std::nullopt;
    return FileTime{ticks};
}

// ---- output helpers ---------------------------------------------------------------------------

namespace {

std::string bytes_str(Bytes b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Bytes str_bytes(std::string_view s) {
    return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// Valid UTF-8 without NUL or other C0/C1 control characters: safe and readable as a
// JSON string.
bool is_clean_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F)
                return false;
            ++i;
            continue;
        }
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (s.size() - i <= n)
            return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        const std::uint32_t min = n == 1 ? 0x80 : n == 2 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ||
            (cp >= 0x80 && cp < 0xA0)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

// Splits raw string bytes into text + count of trailing NULs; nullopt when the text part is not
// clean UTF-8.
std::optional<std::pair<std::string, std::size_t>> split_nuls(std::string_view raw) {
    std::size_t nuls = 0;
    while (nuls < raw.size() && raw[raw.size() - 1 - nuls] == '\0')
        ++nuls;
    std::string_view text = raw.substr(0, raw.size() - nuls);
    if (!is_clean_utf8(text))
        return std::nullopt;
    return std::pair{std::string(text), nuls};
}

// Printable ASCII, optionally followed by NULs, at least one printable character.
bool looks_ascii(Bytes b) noexcept {
    std::size_t n = b.size();
    while (n > 0 && b[n - 1] == 0)
        --n;
    if (n == 0)
        return false;
    for (std::size_t i = 0; i < n; ++i) {
        if (b[i] < 0x20 || b[i] > 0x7E)
            return false;
    }
    return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// UTF-16LE-looking: even length, printable code units (valid surrogate pairs allowed) optionally
// followed by NUL units, at least one unit, and at least half of them ASCII. Returns the text as
// UTF-8 *including* the trailing NULs (as U+0000), so that utf16le_bytes() inverts it exactly.
std::optional<std::string> utf16le_text(Bytes b) {
    if (b.size() < 2 || b.size() % 2 != 0)
        return std::nullopt;
    const std::size_t units = b.size() / 2;
    std::size_t end = units;
    while (end > 0 && load_le16(b.data() + 2 * (end - 1)) == 0)
        --end;
    if (end == 0)
        return std::nullopt;
    std::string out;
    std::size_t ascii = 0;
    for (std::size_t i = 0; i < end; ++i) {
        std::uint32_t u = load_le16(b.data() + 2 * i);
        if (u >= 0x20 && u < 0x7F) {
            ++ascii;
        } else if (u < 0xA0 || u == 0xFFFE || u == 0xFFFF) {
            return std::nullopt;
        } else if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 1 >= end)
                return std::nullopt;
            const std::uint32_t lo = load_le16(b.data() + 2 * (i + 1));
            if (lo < 0xDC00 || lo > 0xDFFF)
                return std::nullopt;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            ++i;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            return std::nullopt;
        }
        append_utf8(out, u);
    }
    if (ascii * 2 < end)
        return std::nullopt;
    out.append(units - end, '\0');
    return out;
}

json hex_list(const std::vector<std::uint32_t>& ids) {
    json a = json::array();
    for (auto id : ids)
        a.push_back(hex_u32(id));
    return a;
}

json id_names(const std::vector<std::uint32_t>& ids) {
    json a = json::array();
    for (auto id : ids)
        a.push_back(std::string(health_id_name(id)));
    return a;
}

void put_correlation(json& o, std::span<const std::uint8_t, CorrelationId::kWireSize> bytes) {
    o["correlation_id"] = to_hex(bytes);
    o["correlation"] = CorrelationId::from_bytes(bytes).to_string();
}

void put_string_field(json& o, const char* key, const char* nul_key, const char* hex_key,
                      std::string_view raw) {
    if (auto split = split_nuls(raw)) {
        o[key] = split->first;
        o[nul_key] = split->second;
    }
    o[hex_key] = to_hex(str_bytes(raw));
}

json ms_attr_json(const soh::MsAttribute& a, std::size_t offset) {
    json o;
    const std::uint8_t type = soh::ms_type_of(a);
    o["type"] = type;
    o["name"] = soh::ms_type_name(type);
    o["offset"] = offset;
    if (const auto* inv = std::get_if<soh::MachineInventory>(&a)) {
        o["os_major"] = inv->os_major;
        o["os_minor"] = inv->os_minor;
        o["os_build"] = inv->os_build;
        o["sp_major"] = inv->sp_major;
        o["sp_minor"] = inv->sp_minor;
        o["processor_arch"] = inv->processor_arch;
        o["processor_arch_name"] = std::string(processor_arch_name(inv->processor_arch));
    } else if (const auto* q = std::get_if<soh::QuarantineState>(&a)) {
        o["flags"] = hex_u32(q->flags, 4);
        const std::uint8_t iso = soh::quarantine_flags::isolation_state(q->flags);
        const std::uint8_t ext = soh::quarantine_flags::extended_state(q->flags);
        o["isolation_state"] = iso;
        o["isolation_state_name"] = std::string(to_string(static_cast<IsolationState>(iso)));
        o["extended_state"] = ext;
        o["extended_state_name"] = std::string(to_string(static_cast<ExtendedIsolationState>(ext)));
        o["f_bit"] = (q->flags & soh::quarantine_flags::kFBit) != 0;
        o["probation_time"] = q->probation_time.to_string();
        put_string_field(o, "url", "url_trailing_nuls", "url_hex", q->url);
    } else if (const auto* pi = std::get_if<soh::PacketInfo>(&a)) {
        o["value"] = hex_u32(pi->value, 2);
        o["request"] = (pi->value & soh::kPacketInfoRequestBit) != 0;
        o["version"] = pi->value & 0x0F;
    } else if (const auto* sg = std::get_if<soh::SystemGeneratedIds>(&a)) {
        o["ids"] = hex_list(sg->ids);
        o["id_names"] = id_names(sg->ids);
    } else if (const auto* mn = std::get_if<soh::MachineName>(&a)) {
        put_string_field(o, "machine_name", "trailing_nuls", "hex", mn->bytes);
    } else if (const auto* c = std::get_if<soh::MsCorrelationId>(&a)) {
        put_correlation(o, c->bytes);
    } else if (const auto* sh = std::get_if<soh::InstalledShvs>(&a)) {
        o["ids"] = hex_list(sh->ids);
        o["id_names"] = id_names(sh->ids);
    } else if (const auto* ex = std::get_if<soh::MachineInventoryEx>(&a)) {
        o["reserved"] = hex_u32(ex->reserved);
        o["product_type"] = ex->product_type;
        o["product_type_name"] = std::string(product_type_name(ex->product_type));
    }
    return o;
}

std::string ipv4_text(std::span<const std::uint8_t, 4> a) {
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, a.data(), buf, sizeof buf);
    return buf;
}

std::string ipv6_text(std::span<const std::uint8_t, 16> a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    return buf;
}

void put_octets_text(json& o, Bytes b, const char* text_key, const char* utf16_key) {
    if (looks_ascii(b)) {
        o[text_key] = bytes_str(b);
    } else if (auto u = utf16le_text(b)) {
        o[utf16_key] = *u;
    }
}

// HRESULT name (hresult.h), else the MS-WSH ClientStatusCode / ComplianceCode name, else "".
std::string_view code_name(std::uint32_t code) noexcept {
    if (auto n = opennap::name(HResult{code}); !n.empty())
        return n;
    return soh::wsha::code_name(code);
}

// The MS-WSH reading of the WSHA / WSHV entry: FreeRADIUS-style status lines for an SoH, the
// compliance verdict for an SoHR, or why the entry is not a valid MS-WSH entry.
json wsha_json(const soh::EntryView& e, bool request, std::size_t base) {
    namespace w = soh::wsha;
    json o;
    if (request) {
        auto parsed = w::parse_soh_entry(e);
        if (!parsed) {
            soh::DecodeError err = parsed.error();
            err.offset += static_cast<std::uint32_t>(base);
            o["error"] = err.message();
            return o;
        }
        o["layout"] = std::string(w::to_string(parsed->layout));
        if (parsed->layout == w::Layout::Full) {
            o["counter"] = parsed->counter;
            o["client_version"] = hex_u32(parsed->client_version);
        }
        o["health"] = w::describe(*parsed);
        return o;
    }
    auto parsed = w::parse_sohr_entry(e);
    if (!parsed) {
        soh::DecodeError err = parsed.error();
        err.offset += static_cast<std::uint32_t>(base);
        o["error"] = err.message();
        return o;
    }
    o["compliant"] = parsed->compliant();
    json classes = json::array();
    for (const auto& c : parsed->classes) {
        classes.push_back(
            {{"class", std::string(w::to_string(c.cls))}, {"compliant", c.compliant()}});
    }
    o["classes"] = classes;
    return o;
}

json tlv_json(const TlvView& t, std::uint32_t entry_id, std::size_t base) {
    json o;
    o["offset"] = base + t.offset;
    o["type"] = t.type;
    const char* name = soh::attr::type_name(t.type);
    o["name"] = name != nullptr ? std::string(name) : "type " + std::to_string(t.type);
    o["flags"] = t.flags;
    o["length"] = t.value.size();
    auto value = soh::attr::decode_value(t);
    if (!value) {
        o["error"] = value.error().message();
    } else {
        std::visit(
            [&](const auto& v) {
                using V = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<V, std::uint32_t>) {
                    o["value"] = hex_u32(v);
                    if (auto n = health_id_name(v); !n.empty())
                        o["value_name"] = std::string(n);
                } else if constexpr (std::is_same_v<V, soh::Ipv4Servers>) {
                    json a = json::array();
                    for (std::size_t i = 0; i < v.list.size(); ++i)
                        a.push_back(ipv4_text(v.list.item(i)));
                    o["value"] = a;
                } else if constexpr (std::is_same_v<V, soh::Ipv6Servers>) {
                    json a = json::array();
                    for (std::size_t i = 0; i < v.list.size(); ++i)
                        a.push_back(ipv6_text(v.list.item(i)));
                    o["value"] = a;
                } else if constexpr (std::is_same_v<V, soh::Codes>) {
                    json a = json::array();
                    json names = json::array();
                    for (std::size_t i = 0; i < v.list.size(); ++i) {
                        a.push_back(hex_u32(v.list.u32(i)));
                        names.push_back(std::string(code_name(v.list.u32(i))));
                    }
                    o["value"] = a;
                    o["value_names"] = names;
                } else if constexpr (std::is_same_v<V, FileTime>) {
                    o["value"] = v.to_string();
                } else if constexpr (std::is_same_v<V, soh::VendorSpecificView>) {
                    json vs;
                    vs["vendor_id"] = hex_u32(v.vendor_id);
                    if (v.vendor_id == soh::kMicrosoftVendorId) {
                        vs["vendor_name"] = "Microsoft";
                    } else if (auto n = health_id_name(v.vendor_id); !n.empty()) {
                        vs["vendor_name"] = std::string(n);
                    }
                    vs["data_hex"] = to_hex(v.data);
                    put_octets_text(vs, v.data, "data_text", "data_utf16le");
                    if (v.data.size() == 4)
                        vs["data_le32"] = load_le32(v.data.data());
                    o["value"] = vs;
                } else if constexpr (std::is_same_v<V, std::uint8_t>) {
                    o["value"] = v;
                    std::string_view n;
                    if (t.type == soh::tlv_type::kHealthClass) {
                        n = health_class_name(entry_id, v);
                    } else if (t.type == soh::tlv_type::kFailureCategory) {
                        const auto fc = static_cast<FailureCategory>(v);
                        n = is_valid(fc) ? to_string(fc) : std::string_view{};
                    } else if (t.type == soh::tlv_type::kExtendedIsolationState) {
                        const auto es = static_cast<ExtendedIsolationState>(v);
                        n = is_valid(es) ? to_string(es) : std::string_view{};
                    }
                    if (!n.empty())
                        o["value_name"] = std::string(n);
                } else if constexpr (std::is_same_v<V, soh::Octets>) {
                    put_octets_text(o, v.data, "text", "utf16le");
                    if (t.type == soh::tlv_type::kHealthClassStatus && v.data.size() == 4) {
                        const std::uint32_t status = load_be32(v.data.data());
                        o["status"] = hex_u32(status);
                        if (entry_id == soh::wsha::kSystemHealthId) {
                            if (auto n = soh::wsha::code_name(status); !n.empty())
                                o["status_name"] = std::string(n);
                        }
                    }
                }
            },
            *value);
    }
    o["hex"] = to_hex(t.value);
    return o;
}

}  // namespace

json to_json(const soh::MessageView& view, const JsonOptions& options) {
    const std::size_t base = options.base_offset;
    json j;
    j["kind"] = !view.system.packet_info ? "unknown" : view.is_request() ? "SoH" : "SoHR";
    j["size"] = view.bytes.size();
    j["outer"] = {{"type", soh::kOuterType},
                  {"length", view.bytes.size() - 4},
                  {"vendor_id", hex_u32(soh::kMicrosoftVendorId)}};
    j["inner_type"] = view.inner_type;
    j["inner_length"] = view.bytes.size() - soh::kMessageHeaderSize;
    j["tlv_count"] = view.tlv_count;
    j["entry_count"] = view.entry_count;
    j["partial"] = view.partial();
    if (view.mode) {
        json m;
        m["offset"] = base + soh::kMessageHeaderSize;
        put_correlation(m, view.mode->correlation_id);
        m["intent"] = view.mode->intent;
        m["content_type"] = view.mode->content_type;
        j["mode"] = m;
    }

    json s;
    s["offset"] = base + view.system_offset;
    s["id"] = hex_u32(soh::kNapSystemId);
    s["vendor_tlv_offset"] = base + view.system_vendor_tlv_offset;
    s["vendor_tlv_flags"] = view.system_vendor_tlv_flags;
    s["attribute_count"] = view.system.count;
    s["partial"] = view.system.partial;
    const soh::SystemAttributes attrs = soh::SystemAttributes::from(view.system);
    json items = json::array();
    std::size_t at = view.system.block_offset;
    for (const auto& a : attrs.items) {
        items.push_back(ms_attr_json(a, base + at));
        soh::SystemAttributes one;
        one.items.push_back(a);
        std::vector<std::uint8_t> tmp;
        at += one.encode_to(tmp).value_or(0);
    }
    s["ms_attributes"] = items;
    if (view.system.partial) {
        s["unknown_type"] = view.system.unknown_type;
        s["unknown_offset"] = base + view.system.unknown_offset;
        s["undecoded_hex"] = to_hex(view.system.undecoded);
    }
    json extra = json::array();
    for (const TlvView& t : view.system_group) {
        if (t.offset != view.system_vendor_tlv_offset)
            extra.push_back(tlv_json(t, soh::kNapSystemId, base));
    }
    s["tlvs"] = extra;
    j["system"] = s;

    json entries = json::array();
    for (const soh::EntryView& e : view.entries) {
        json eo;
        eo["index"] = e.index;
        eo["offset"] = base + e.offset;
        eo["id"] = hex_u32(e.id);
        if (auto n = health_id_name(e.id); !n.empty())
            eo["id_name"] = std::string(n);
        json tl = json::array();
        for (const TlvView& t : e.attributes)
            tl.push_back(tlv_json(t, e.id, base));
        eo["tlvs"] = tl;
        if (e.id == soh::wsha::kSystemHealthId)
            eo["wsha"] = wsha_json(e, !view.system.packet_info || view.is_request(), base);
        entries.push_back(eo);
    }
    j["entries"] = entries;
    return j;
}

// ---- input ------------------------------------------------------------------------------------

namespace {

using Fail = std::unexpected<std::string>;
template <typename T>
using R = std::expected<T, std::string>;

Fail fail_at(const std::string& path, const std::string& what) {
    return Fail(path + ": " + what);
}

std::string key_path(const std::string& path, std::string_view key) {
    return path + "." + std::string(key);
}

std::string index_path(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

// Rejects keys outside `allowed` (the input keys plus the output-only ones to_json writes).
R<bool> check_keys(const json& o, const std::string& path,
                   std::initializer_list<std::string_view> allowed) {
    if (!o.is_object())
        return fail_at(path, "expected an object");
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end())
            return fail_at(path, "unknown key \"" + it.key() + "\"");
    }
    return true;
}

const json* member(const json& o, std::string_view key) {
    auto it = o.find(key);
    return it == o.end() ? nullptr : &*it;
}

// An integer from a JSON number or a string (decimal, or hex after "0x").
R<std::uint64_t> get_uint(const json& v, const std::string& path, std::uint64_t max) {
    const std::string want =
        "expected an integer 0.." + std::to_string(max) + " (a number or a \"0x...\" string)";
    std::uint64_t n = 0;
    if (v.is_number_unsigned()) {
        n = v.get<std::uint64_t>();
    } else if (v.is_number_integer()) {
        const auto s = v.get<std::int64_t>();
        if (s < 0)
            return fail_at(path, want);
        n = static_cast<std::uint64_t>(s);
    } else if (v.is_string()) {
        std::string_view d = v.get_ref<const std::string&>();
        std::uint64_t radix = 10;
        if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
            d.remove_prefix(2);
            radix = 16;
        }
        if (d.empty())
            return fail_at(path, want);
        for (char c : d) {
            std::uint64_t digit = 99;
            if (c >= '0' && c <= '9')
                digit = static_cast<std::uint64_t>(c - '0');
            else if (radix == 16 && c >= 'a' && c <= 'f')
                digit = static_cast<std::uint64_t>(c - 'a' + 10);
            else if (radix == 16 && c >= 'A' && c <= 'F')
                digit = static_cast<std::uint64_t>(c - 'A' + 10);
            if (digit >= radix || __builtin_mul_overflow(n, radix, &n) ||
                __builtin_add_overflow(n, digit, &n)) {
                return fail_at(path, want);
            }
        }
    } else {
        return fail_at(path, want);
    }
    if (n > max)
        return fail_at(path, want);
    return n;
}

template <typename T>
R<T> get_int(const json& v, const std::string& path) {
    auto n = get_uint(v, path, std::numeric_limits<T>::max());
    if (!n)
        return Fail(n.error());
    return static_cast<T>(*n);
}

template <typename T>
R<T> get_int_or(const json& o, std::string_view key, const std::string& path, T fallback) {
    const json* v = member(o, key);
    if (v == nullptr)
        return fallback;
    return get_int<T>(*v, key_path(path, key));
}

R<bool> get_bool(const json& v, const std::string& path) {
    if (!v.is_boolean())
        return fail_at(path, "expected true or false");
    return v.get<bool>();
}

R<std::string> get_string(const json& v, const std::string& path) {
    if (!v.is_string())
        return fail_at(path, "expected a string");
    return v.get<std::string>();
}

R<std::vector<std::uint8_t>> get_hex(const json& v, const std::string& path) {
    if (!v.is_string())
        return fail_at(path, "expected a string of hex digits");
    auto b = parse_hex(v.get_ref<const std::string&>());
    if (!b)
        return fail_at(path, b.error());
    return *b;
}

R<FileTime> get_filetime(const json& v, const std::string& path) {
    if (v.is_string()) {
        if (auto t = parse_filetime(v.get_ref<const std::string&>()))
            return *t;
    }
    if (v.is_number() || (v.is_string() && v.get_ref<const std::string&>().starts_with("0x"))) {
        if (auto n = get_uint(v, path, ~std::uint64_t{0}))
            return FileTime{*n};
    }
    return fail_at(path,
                   "expected \"none\", a UTC time like \"2009-12-09T14:03:13.3750000Z\" or a "
                   "FILETIME tick count");
}

// UTF-8 text to UTF-16LE code units.
R<std::vector<std::uint8_t>> utf16le_bytes(std::string_view s, const std::string& path) {
    std::vector<std::uint8_t> out;
    std::size_t i = 0;
    auto put = [&out](std::uint32_t u) {
        out.push_back(static_cast<std::uint8_t>(u));
        out.push_back(static_cast<std::uint8_t>(u >> 8));
    };
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
        std::uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1Fu) : n == 2 ? (c & 0x0Fu) : (c & 0x07u);
        if (s.size() - i <= n && n > 0)
            return fail_at(path, "invalid UTF-8");
        for (std::size_t k = 1; k <= n; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
        i += n + 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put(0xD800 + (cp >> 10));
            put(0xDC00 + (cp & 0x3FF));
        } else {
            put(cp);
        }
    }
    return out;
}

std::vector<std::uint8_t> string_bytes(std::string_view s) {
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

// Collects the alternative forms of one byte field; every form given must encode to the same
// bytes.
class Forms {
  public:
    explicit Forms(std::string path) : path_(std::move(path)) {}

    R<bool> add(std::string_view key, std::vector<std::uint8_t> bytes) {
        if (!bytes_) {
            bytes_ = std::move(bytes);
            key_ = key;
            return true;
        }
        if (*bytes_ != bytes) {
            return fail_at(path_, "\"" + key_ + "\" (" + to_hex(*bytes_) + ") and \"" +
                                      std::string(key) + "\" (" + to_hex(bytes) +
                                      ") disagree; edit one and delete the other");
        }
        return true;
    }
    [[nodiscard]] bool empty() const noexcept { return !bytes_.has_value(); }
    std::vector<std::uint8_t> take() { return std::move(*bytes_); }

  private:
    std::string path_;
    std::string key_;
    std::optional<std::vector<std::uint8_t>> bytes_;
};

#define OPENNAP_TRY(var, expr)                   \
    auto var##_r = (expr);                       \
    if (!var##_r)                                \
        return Fail(std::move(var##_r.error())); \
    auto var = std::move(*var##_r)

#define OPENNAP_CHECK(expr)                           \
    do {                                              \
        if (auto check_r_ = (expr); !check_r_)        \
            return Fail(std::move(check_r_.error())); \
    } while (0)

// A text field sent as raw bytes (machine name, URL): `text_key` + `nuls_key` trailing NULs
// (default 1), and/or `hex_key`. nullopt when none is given.
R<std::optional<std::string>> get_raw_string(const json& o, const std::string& path,
                                             std::string_view text_key, std::string_view nuls_key,
                                             std::string_view hex_key) {
    Forms forms(path);
    const json* text = member(o, text_key);
    const json* nuls = member(o, nuls_key);
    if (text != nullptr) {
        OPENNAP_TRY(s, get_string(*text, key_path(path, text_key)));
        std::size_t count = 1;
        if (nuls != nullptr) {
            OPENNAP_TRY(n, get_uint(*nuls, key_path(path, nuls_key), 0xFFFF));
            count = n;
        }
        s.append(count, '\0');
        OPENNAP_CHECK(forms.add(text_key, string_bytes(s)));
    } else if (nuls != nullptr) {
        return fail_at(key_path(path, nuls_key), "needs \"" + std::string(text_key) + "\"");
    }
    if (const json* h = member(o, hex_key)) {
        OPENNAP_TRY(b, get_hex(*h, key_path(path, hex_key)));
        OPENNAP_CHECK(forms.add(hex_key, std::move(b)));
    }
    if (forms.empty())
        return std::optional<std::string>{};
    auto b = forms.take();
    if (b.size() > 0xFFFF)
        return fail_at(path, "longer than 65535 bytes");
    return std::optional<std::string>(std::string(b.begin(), b.end()));
}

R<std::array<std::uint8_t, CorrelationId::kWireSize>> get_correlation(const json& o,
                                                                      const std::string& path) {
    Forms forms(path);
    if (const json* h = member(o, "correlation_id")) {
        const std::string p = key_path(path, "correlation_id");
        OPENNAP_TRY(b, get_hex(*h, p));
        if (b.size() != CorrelationId::kWireSize)
            return fail_at(p, "expected 24 bytes (48 hex digits), got " + std::to_string(b.size()));
        OPENNAP_CHECK(forms.add("correlation_id", std::move(b)));
    }
    if (const json* t = member(o, "correlation")) {
        const std::string p = key_path(path, "correlation");
        OPENNAP_TRY(s, get_string(*t, p));
        const auto at = s.find('@');
        std::optional<Guid> guid;
        std::optional<FileTime> time;
        if (at != std::string::npos) {
            guid = Guid::parse(std::string_view(s).substr(0, at));
            time = parse_filetime(std::string_view(s).substr(at + 1));
        }
        if (!guid || !time)
            return fail_at(p,
                           "expected \"<guid>@<UTC time>\", e.g. "
                           "\"54468936-cb49-4374-b127-a6a3cc3bb11c@2009-12-09T14:03:13.3750000Z\"");
        const auto b = CorrelationId{*guid, *time}.to_bytes();
        OPENNAP_CHECK(forms.add("correlation", std::vector<std::uint8_t>(b.begin(), b.end())));
    }
    if (forms.empty())
        return fail_at(path, "missing \"correlation_id\" (48 hex digits) or \"correlation\"");
    const auto b = forms.take();
    std::array<std::uint8_t, CorrelationId::kWireSize> out{};
    std::copy(b.begin(), b.end(), out.begin());
    return out;
}

R<std::vector<std::uint32_t>> get_id_list(const json& o, const std::string& path) {
    std::vector<std::uint32_t> ids;
    const json* v = member(o, "ids");
    if (v == nullptr)
        return ids;
    const std::string p = key_path(path, "ids");
    if (!v->is_array())
        return fail_at(p, "expected an array of ids");
    for (std::size_t i = 0; i < v->size(); ++i) {
        OPENNAP_TRY(id, get_int<std::uint32_t>((*v)[i], index_path(p, i)));
        ids.push_back(id);
    }
    if (ids.size() * 4 > 0xFFFF)
        return fail_at(p, "too many ids");
    return ids;
}

R<std::uint8_t> get_ms_type(const json& o, const std::string& path) {
    const json* t = member(o, "type");
    const std::string p = key_path(path, "type");
    if (t == nullptr)
        return fail_at(path, "missing \"type\" (1..8 or a name like \"MS-MachineName\")");
    if (t->is_string()) {
        for (std::uint8_t i = 1; i <= 8; ++i) {
            if (iequals(t->get_ref<const std::string&>(), soh::ms_type_name(i)))
                return i;
        }
    }
    auto n = get_uint(*t, p, 0xFF);
    if (!n || *n < 1 || *n > 8) {
        return fail_at(p,
                       "expected an MS attribute type 1..8 or its name (MS-Machine-Inventory, "
                       "MS-Quarantine-State, MS-Packet-Info, MS-SystemGenerated-Ids, "
                       "MS-MachineName, MS-CorrelationId, MS-Installed-Shvs, "
                       "MS-Machine-Inventory-Ex)");
    }
    return static_cast<std::uint8_t>(*n);
}

R<soh::MsAttribute> ms_attr_from_json(const json& o, const std::string& path) {
    if (!o.is_object())
        return fail_at(path, "expected an object");
    OPENNAP_TRY(type, get_ms_type(o, path));
    switch (type) {
        case soh::ms_type::kMachineInventory: {
            OPENNAP_CHECK(
                check_keys(o, path,
                           {"type", "name", "offset", "os_major", "os_minor", "os_build",
                            "sp_major", "sp_minor", "processor_arch", "processor_arch_name"}));
            soh::MachineInventory inv;
            OPENNAP_TRY(a, get_int_or<std::uint32_t>(o, "os_major", path, 0));
            OPENNAP_TRY(b, get_int_or<std::uint32_t>(o, "os_minor", path, 0));
            OPENNAP_TRY(c, get_int_or<std::uint32_t>(o, "os_build", path, 0));
            OPENNAP_TRY(d, get_int_or<std::uint16_t>(o, "sp_major", path, 0));
            OPENNAP_TRY(e, get_int_or<std::uint16_t>(o, "sp_minor", path, 0));
            OPENNAP_TRY(f, get_int_or<std::uint16_t>(o, "processor_arch", path, 0));
            inv = {a, b, c, d, e, f};
            return inv;
        }
        case soh::ms_type::kQuarantineState: {
            OPENNAP_CHECK(
                check_keys(o, path,
                           {"type", "name", "offset", "flags", "isolation_state",
                            "isolation_state_name", "extended_state", "extended_state_name",
                            "f_bit", "probation_time", "url", "url_trailing_nuls", "url_hex"}));
            soh::QuarantineState q;
            namespace qf = soh::quarantine_flags;
            std::optional<std::uint8_t> iso, ext;
            std::optional<bool> f;
            if (const json* v = member(o, "isolation_state")) {
                OPENNAP_TRY(n, get_uint(*v, key_path(path, "isolation_state"), qf::kStateMask));
                iso = static_cast<std::uint8_t>(n);
            }
            if (const json* v = member(o, "extended_state")) {
                OPENNAP_TRY(n, get_uint(*v, key_path(path, "extended_state"), 15));
                ext = static_cast<std::uint8_t>(n);
            }
            if (const json* v = member(o, "f_bit")) {
                OPENNAP_TRY(b, get_bool(*v, key_path(path, "f_bit")));
                f = b;
            }
            if (const json* v = member(o, "flags")) {
                OPENNAP_TRY(flags, get_int<std::uint16_t>(*v, key_path(path, "flags")));
                if ((iso && *iso != qf::isolation_state(flags)) ||
                    (ext && *ext != qf::extended_state(flags)) ||
                    (f && *f != ((flags & qf::kFBit) != 0))) {
                    return fail_at(path, "\"flags\" " + hex_u32(flags, 4) +
                                             " disagrees with isolation_state / extended_state / "
                                             "f_bit; edit one and delete the other");
                }
                q.flags = flags;
            } else {
                q.flags = static_cast<std::uint16_t>(qf::make(iso.value_or(1), ext.value_or(0)) |
                                                     (f.value_or(false) ? qf::kFBit : 0));
            }
            if (const json* v = member(o, "probation_time")) {
                OPENNAP_TRY(t, get_filetime(*v, key_path(path, "probation_time")));
                q.probation_time = t;
            }
            OPENNAP_TRY(url, get_raw_string(o, path, "url", "url_trailing_nuls", "url_hex"));
            q.url = url.value_or(std::string(1, '\0'));
            return q;
        }
        case soh::ms_type::kPacketInfo: {
            OPENNAP_CHECK(
                check_keys(o, path, {"type", "name", "offset", "value", "request", "version"}));
            std::optional<bool> request;
            std::optional<std::uint8_t> version;
            if (const json* v = member(o, "request")) {
                OPENNAP_TRY(b, get_bool(*v, key_path(path, "request")));
                request = b;
            }
            if (const json* v = member(o, "version")) {
                OPENNAP_TRY(n, get_uint(*v, key_path(path, "version"), 15));
                version = static_cast<std::uint8_t>(n);
            }
            if (const json* v = member(o, "value")) {
                OPENNAP_TRY(value, get_int<std::uint8_t>(*v, key_path(path, "value")));
                if ((request && *request != ((value & soh::kPacketInfoRequestBit) != 0)) ||
                    (version && *version != (value & 0x0F))) {
                    return fail_at(path, "\"value\" " + hex_u32(value, 2) +
                                             " disagrees with request / version; edit one and "
                                             "delete the other");
                }
                return soh::PacketInfo{value};
            }
            return soh::PacketInfo{static_cast<std::uint8_t>(
                (request.value_or(true) ? soh::kPacketInfoRequestBit : 0) | version.value_or(1))};
        }
        case soh::ms_type::kSystemGeneratedIds:
        case soh::ms_type::kInstalledShvs: {
            OPENNAP_CHECK(check_keys(o, path, {"type", "name", "offset", "ids", "id_names"}));
            OPENNAP_TRY(ids, get_id_list(o, path));
            if (type == soh::ms_type::kInstalledShvs)
                return soh::InstalledShvs{std::move(ids)};
            return soh::SystemGeneratedIds{std::move(ids)};
        }
        case soh::ms_type::kMachineName: {
            OPENNAP_CHECK(check_keys(
                o, path, {"type", "name", "offset", "machine_name", "trailing_nuls", "hex"}));
            OPENNAP_TRY(s, get_raw_string(o, path, "machine_name", "trailing_nuls", "hex"));
            if (!s)
                return fail_at(path, "missing \"machine_name\" or \"hex\"");
            return soh::MachineName{std::move(*s)};
        }
        case soh::ms_type::kCorrelationId: {
            OPENNAP_CHECK(
                check_keys(o, path, {"type", "name", "offset", "correlation_id", "correlation"}));
            OPENNAP_TRY(bytes, get_correlation(o, path));
            return soh::MsCorrelationId{bytes};
        }
        default: {  // kMachineInventoryEx
            OPENNAP_CHECK(check_keys(
                o, path,
                {"type", "name", "offset", "reserved", "product_type", "product_type_name"}));
            OPENNAP_TRY(reserved,
                        get_int_or<std::uint32_t>(o, "reserved", path, soh::kInventoryExReserved));
            OPENNAP_TRY(product, get_int_or<std::uint8_t>(o, "product_type", path, 1));
            return soh::MachineInventoryEx{reserved, product};
        }
    }
}

R<std::uint16_t> get_tlv_type(const json& o, const std::string& path) {
    const json* t = member(o, "type");
    if (t == nullptr)
        return fail_at(path, "missing \"type\" (a number or a name like \"Health-Class\")");
    if (t->is_string()) {
        for (std::uint16_t i = 1; i <= 16; ++i) {
            const char* n = soh::attr::type_name(i);
            if (n != nullptr && iequals(t->get_ref<const std::string&>(), n))
                return i;
        }
    }
    auto n = get_uint(*t, key_path(path, "type"), soh::kTlvTypeMask);
    if (!n) {
        return fail_at(key_path(path, "type"),
                       "expected a TLV type 0..16383 or a name like \"Health-Class\"");
    }
    return static_cast<std::uint16_t>(*n);
}

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.resize(out.size() + 4);
    store_be32(out.data() + out.size() - 4, v);
}

R<std::vector<std::uint8_t>> typed_value_bytes(std::uint16_t type, const json& v,
                                               const std::string& path) {
    namespace tt = soh::tlv_type;
    std::vector<std::uint8_t> out;
    switch (type) {
        case tt::kSystemHealthId: {
            OPENNAP_TRY(n, get_int<std::uint32_t>(v, path));
            put_u32(out, n);
            return out;
        }
        case tt::kIpv4FixupServers:
        case tt::kIpv6FixupServers: {
            const bool v6 = type == tt::kIpv6FixupServers;
            if (!v.is_array())
                return fail_at(path, "expected an array of IP address strings");
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::string p = index_path(path, i);
                OPENNAP_TRY(s, get_string(v[i], p));
                std::uint8_t buf[16];
                if (inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), buf) != 1)
                    return fail_at(p, v6 ? "expected an IPv6 address" : "expected an IPv4 address");
                out.insert(out.end(), buf, buf + (v6 ? 16 : 4));
            }
            return out;
        }
        case tt::kComplianceResultCodes:
        case tt::kErrorCodes: {
            if (!v.is_array())
                return fail_at(path, "expected an array of 32-bit codes");
            for (std::size_t i = 0; i < v.size(); ++i) {
                OPENNAP_TRY(n, get_int<std::uint32_t>(v[i], index_path(path, i)));
                put_u32(out, n);
            }
            return out;
        }
        case tt::kTimeOfLastUpdate:
        case tt::kSoHGenerationTime: {
            OPENNAP_TRY(t, get_filetime(v, path));
            out.resize(8);
            store_be64(out.data(), t.ticks);
            return out;
        }
        case tt::kVendorSpecific: {
            OPENNAP_CHECK(check_keys(v, path,
                                     {"vendor_id", "vendor_name", "data_hex", "data_text",
                                      "data_utf16le", "data_le32"}));
            const json* id = member(v, "vendor_id");
            if (id == nullptr)
                return fail_at(path, "missing \"vendor_id\"");
            OPENNAP_TRY(vendor, get_int<std::uint32_t>(*id, key_path(path, "vendor_id")));
            Forms forms(path);
            if (const json* h = member(v, "data_hex")) {
                OPENNAP_TRY(b, get_hex(*h, key_path(path, "data_hex")));
                OPENNAP_CHECK(forms.add("data_hex", std::move(b)));
            }
            if (const json* t = member(v, "data_text")) {
                OPENNAP_TRY(s, get_string(*t, key_path(path, "data_text")));
                OPENNAP_CHECK(forms.add("data_text", string_bytes(s)));
            }
            if (const json* t = member(v, "data_utf16le")) {
                const std::string p = key_path(path, "data_utf16le");
                OPENNAP_TRY(s, get_string(*t, p));
                OPENNAP_TRY(b, utf16le_bytes(s, p));
                OPENNAP_CHECK(forms.add("data_utf16le", std::move(b)));
            }
            if (const json* t = member(v, "data_le32")) {
                OPENNAP_TRY(n, get_int<std::uint32_t>(*t, key_path(path, "data_le32")));
                std::vector<std::uint8_t> b(4);
                store_le32(b.data(), n);
                OPENNAP_CHECK(forms.add("data_le32", std::move(b)));
            }
            put_u32(out, vendor);
            if (!forms.empty()) {
                auto data = forms.take();
                out.insert(out.end(), data.begin(), data.end());
            }
            return out;
        }
        case tt::kHealthClass:
        case tt::kFailureCategory:
        case tt::kExtendedIsolationState: {
            OPENNAP_TRY(n, get_int<std::uint8_t>(v, path));
            out.push_back(n);
            return out;
        }
        default:
            return fail_at(path, "TLV type " + std::to_string(type) +
                                     " is an octet string: give \"hex\", \"text\" or "
                                     "\"utf16le\" instead of \"value\"");
    }
}

R<Attribute> tlv_from_json(const json& o, const std::string& path) {
    OPENNAP_CHECK(
        check_keys(o, path,
                   {"offset", "type", "name", "flags", "length", "value", "value_name",
                    "value_names", "status", "status_name", "error", "hex", "text", "utf16le"}));
    OPENNAP_TRY(type, get_tlv_type(o, path));
    if (type == soh::tlv_type::kSystemHealthId) {
        return fail_at(key_path(path, "type"),
                       "System-Health-ID starts a report entry: add an entry to \"entries\" "
                       "instead");
    }
    Attribute a;
    a.type = type;
    OPENNAP_TRY(flags, get_int_or<std::uint16_t>(o, "flags", path, 0));
    if ((flags & soh::kTlvTypeMask) != 0)
        return fail_at(key_path(path, "flags"), "only the M (0x8000) and R (0x4000) bits");
    a.flags = flags;
    Forms forms(path);
    if (const json* v = member(o, "value")) {
        OPENNAP_TRY(b, typed_value_bytes(type, *v, key_path(path, "value")));
        OPENNAP_CHECK(forms.add("value", std::move(b)));
    }
    if (const json* v = member(o, "hex")) {
        OPENNAP_TRY(b, get_hex(*v, key_path(path, "hex")));
        OPENNAP_CHECK(forms.add("hex", std::move(b)));
    }
    if (const json* v = member(o, "text")) {
        OPENNAP_TRY(s, get_string(*v, key_path(path, "text")));
        OPENNAP_CHECK(forms.add("text", string_bytes(s)));
    }
    if (const json* v = member(o, "utf16le")) {
        const std::string p = key_path(path, "utf16le");
        OPENNAP_TRY(s, get_string(*v, p));
        OPENNAP_TRY(b, utf16le_bytes(s, p));
        OPENNAP_CHECK(forms.add("utf16le", std::move(b)));
    }
    if (const json* v = member(o, "status")) {
        OPENNAP_TRY(n, get_int<std::uint32_t>(*v, key_path(path, "status")));
        std::vector<std::uint8_t> b;
        put_u32(b, n);
        OPENNAP_CHECK(forms.add("status", std::move(b)));
    }
    if (forms.empty())
        return fail_at(path, "needs one of \"value\", \"hex\", \"text\", \"utf16le\"");
    a.value = forms.take();
    if (a.value.size() > 0xFFFF)
        return fail_at(path, "value longer than 65535 bytes");
    return a;
}

R<std::vector<Attribute>> tlv_list(const json& o, std::string_view key, const std::string& path) {
    std::vector<Attribute> out;
    const json* v = member(o, key);
    if (v == nullptr)
        return out;
    const std::string p = key_path(path, key);
    if (!v->is_array())
        return fail_at(p, "expected an array of TLVs");
    for (std::size_t i = 0; i < v->size(); ++i) {
        OPENNAP_TRY(a, tlv_from_json((*v)[i], index_path(p, i)));
        out.push_back(std::move(a));
    }
    return out;
}

R<soh::Message> message_from(const json& j, const std::string& path) {
    OPENNAP_CHECK(check_keys(j, path,
                             {"kind", "size", "outer", "inner_type", "inner_length", "tlv_count",
                              "entry_count", "partial", "mode", "system", "entries"}));
    soh::Message m;
    const json* mode = member(j, "mode");
    if (mode != nullptr && mode->is_null())
        mode = nullptr;
    if (const json* it = member(j, "inner_type")) {
        const std::string p = key_path(path, "inner_type");
        OPENNAP_TRY(n, get_uint(*it, p, 0xFFFF));
        if (n != soh::kInnerTypeNoModeHeader && n != soh::kInnerTypeModeHeader)
            return fail_at(p, "expected 1 (no mode sub-header) or 2 (mode sub-header)");
        if (n == soh::kInnerTypeModeHeader && mode == nullptr)
            return fail_at(p, "inner type 2 needs a \"mode\" object");
        if (n == soh::kInnerTypeNoModeHeader && mode != nullptr)
            return fail_at(key_path(path, "mode"), "not allowed with inner_type 1");
    }
    if (mode != nullptr) {
        const std::string p = key_path(path, "mode");
        OPENNAP_CHECK(check_keys(
            *mode, p, {"offset", "correlation_id", "correlation", "intent", "content_type"}));
        soh::ModeSubHeader h;
        OPENNAP_TRY(corr, get_correlation(*mode, p));
        h.correlation_id = corr;
        OPENNAP_TRY(intent, get_int_or<std::uint8_t>(*mode, "intent", p, soh::kIntentRequest));
        OPENNAP_TRY(content, get_int_or<std::uint8_t>(*mode, "content_type", p, 0));
        h.intent = intent;
        h.content_type = content;
        m.mode = h;
    }
    if (const json* s = member(j, "system")) {
        const std::string p = key_path(path, "system");
        OPENNAP_CHECK(check_keys(
            *s, p,
            {"offset", "id", "vendor_tlv_offset", "vendor_tlv_flags", "attribute_count", "partial",
             "ms_attributes", "unknown_type", "unknown_offset", "undecoded_hex", "tlvs"}));
        if (const json* id = member(*s, "id")) {
            OPENNAP_TRY(n, get_int<std::uint32_t>(*id, key_path(p, "id")));
            if (n != soh::kNapSystemId) {
                return fail_at(key_path(p, "id"), "the SSoH's System-Health-ID is always " +
                                                      hex_u32(soh::kNapSystemId) +
                                                      "; put other ids in \"entries\"");
            }
        }
        OPENNAP_TRY(vflags, get_int_or<std::uint16_t>(*s, "vendor_tlv_flags", p, 0));
        if ((vflags & soh::kTlvTypeMask) != 0) {
            return fail_at(key_path(p, "vendor_tlv_flags"),
                           "only the M (0x8000) and R (0x4000) bits");
        }
        m.system_vendor_tlv_flags = vflags;
        if (const json* items = member(*s, "ms_attributes")) {
            const std::string ip = key_path(p, "ms_attributes");
            if (!items->is_array())
                return fail_at(ip, "expected an array of MS attributes");
            for (std::size_t i = 0; i < items->size(); ++i) {
                OPENNAP_TRY(a, ms_attr_from_json((*items)[i], index_path(ip, i)));
                m.system.items.push_back(std::move(a));
            }
        }
        if (const json* u = member(*s, "undecoded_hex")) {
            const std::string up = key_path(p, "undecoded_hex");
            OPENNAP_TRY(b, get_hex(*u, up));
            if (!b.empty() && b[0] >= 1 && b[0] <= 8) {
                return fail_at(up, "starts with MS attribute type " + std::to_string(b[0]) +
                                       ", which a decoder would read as " +
                                       soh::ms_type_name(b[0]) +
                                       "; describe it in "
                                       "\"ms_attributes\" instead");
            }
            m.system.undecoded = std::move(b);
        }
        OPENNAP_TRY(extra, tlv_list(*s, "tlvs", p));
        m.system_extra = std::move(extra);
    }
    if (const json* es = member(j, "entries")) {
        const std::string p = key_path(path, "entries");
        if (!es->is_array())
            return fail_at(p, "expected an array of report entries");
        for (std::size_t i = 0; i < es->size(); ++i) {
            const std::string ep = index_path(p, i);
            const json& e = (*es)[i];
            OPENNAP_CHECK(check_keys(e, ep, {"index", "offset", "id", "id_name", "tlvs", "wsha"}));
            const json* id = member(e, "id");
            if (id == nullptr)
                return fail_at(ep, "missing \"id\" (the System-Health-ID, e.g. \"0x00013780\")");
            soh::ReportEntry r;
            OPENNAP_TRY(n, get_int<std::uint32_t>(*id, key_path(ep, "id")));
            r.id = n;
            OPENNAP_TRY(tl, tlv_list(e, "tlvs", ep));
            r.attributes = std::move(tl);
            m.entries.push_back(std::move(r));
        }
    }
    return m;
}

#undef OPENNAP_TRY
#undef OPENNAP_CHECK

}  // namespace

std::expected<soh::Message, std::string> message_from_json(const json& j) {
    try {
        // The `napctl soh decode --json` document:
        // {"input": ..., "framing": ..., "message": ..., "status": ..., "error": ...}.
        if (j.is_object() && (j.contains("framing") || j.contains("message"))) {
            if (auto keys = check_keys(j, "$", {"input", "framing", "message", "status", "error"});
                !keys)
                return Fail(keys.error());
            const json* msg = member(j, "message");
            if (msg == nullptr || msg->is_null())
                return fail_at("$.message", "the document holds no SoH/SoHR message");
            return message_from(*msg, "$.message");
        }
        return message_from(j, "$");
    } catch (const std::exception& e) {  // nlohmann type errors we did not foresee
        return Fail(std::string("$: invalid JSON value: ") + e.what());
    }
}

std::expected<soh::Message, std::string> message_from_json_text(std::string_view text) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        return Fail("JSON syntax error at byte " + std::to_string(e.byte) + ": " + e.what());
    }
    return message_from_json(j);
}

}  // namespace opennap::tools
