#include "opennap/soh/linux_soh.h"

#include <algorithm>
#include <array>

#include "opennap/core/endian.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/tlv.h"

namespace opennap::soh::linux_sha {

namespace {

constexpr std::uint8_t kClientComponent = 2;  // failureCategoryClientComponent

// ---- encoding ---------------------------------------------------------------------------------

std::string_view cut(std::string_view s) {
    if (s.size() <= kMaxText)
        return s;
    std::size_t n = kMaxText;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0u) == 0x80u)
        --n;  // do not split a UTF-8 sequence
    return s.substr(0, n);
}

class Items {
  public:
    void raw(std::uint8_t type, Bytes value) {
        if (count_ >= kMaxItems)
            return;
        ++count_;
        out_.push_back(type);
        append_be16(out_, static_cast<std::uint16_t>(value.size()));
        out_.insert(out_.end(), value.begin(), value.end());
    }
    void text(std::uint8_t type, std::string_view s) {
        s = cut(s);
        raw(type, Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
    }
    void u8s(std::uint8_t type, std::initializer_list<std::uint8_t> v) {
        raw(type, Bytes(v.begin(), v.size()));
    }
    void u32(std::uint8_t type, std::uint32_t v) {
        std::array<std::uint8_t, 4> b{};
        store_be32(b.data(), v);
        raw(type, b);
    }
    [[nodiscard]] const std::vector<std::uint8_t>& bytes() const noexcept { return out_; }

  private:
    std::vector<std::uint8_t> out_;
    std::size_t count_ = 0;
};

void record(std::vector<std::uint8_t>& out, std::uint8_t check, std::uint8_t status,
            const std::vector<std::uint8_t>& items) {
    out.push_back(check);
    out.push_back(status);
    append_be16(out, static_cast<std::uint16_t>(items.size()));
    out.insert(out.end(), items.begin(), items.end());
}

Attribute text_attribute(std::uint16_t type, std::string_view s) {
    s = cut(s);
    return attr::make_octets(type,
                             Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

// ---- decoding ---------------------------------------------------------------------------------

std::unexpected<DecodeError> bad(Errc code, std::size_t offset, std::uint32_t value = 0,
                                 std::uint32_t limit = 0, std::uint16_t type = 0) {
    return fail(code, Field::LinuxEntry, offset, value, limit, type);
}

// A bounded reader over a span whose first byte sits at `base` in the entry.
class Reader {
  public:
    Reader(Bytes b, std::size_t base) : b_(b), base_(base) {}
    [[nodiscard]] bool done() const noexcept { return pos_ >= b_.size(); }
    [[nodiscard]] std::size_t left() const noexcept { return b_.size() - pos_; }
    [[nodiscard]] std::size_t at() const noexcept { return base_ + pos_; }
    std::uint8_t u8() noexcept { return b_[pos_++]; }
    std::uint16_t u16() noexcept {
        const std::uint16_t v = load_be16(b_.data() + pos_);
        pos_ += 2;
        return v;
    }
    Bytes take(std::size_t n) noexcept {
        const Bytes v = b_.subspan(pos_, n);
        pos_ += n;
        return v;
    }

  private:
    Bytes b_;
    std::size_t base_;
    std::size_t pos_ = 0;
};

struct Item {
    std::uint8_t type = 0;
    Bytes value;
    std::size_t offset = 0;  // of the value
};

// Splits a record body into items.
Result<std::vector<Item>> items_of(Bytes body, std::size_t base) {
    std::vector<Item> items;
    Reader r(body, base);
    while (!r.done()) {
        if (items.size() >= kMaxItems)
            return bad(Errc::LimitExceeded, r.at(), static_cast<std::uint32_t>(items.size() + 1),
                       kMaxItems);
        const std::size_t start = r.at();
        if (r.left() < 3)
            return bad(Errc::Truncated, start, 3, static_cast<std::uint32_t>(r.left()));
        Item it;
        it.type = r.u8();
        const std::uint16_t len = r.u16();
        if (len > r.left())
            return bad(Errc::LengthOverrun, start + 1, len, static_cast<std::uint32_t>(r.left()),
                       it.type);
        it.offset = r.at();
        it.value = r.take(len);
        items.push_back(it);
    }
    return items;
}

Result<std::string> text_of(const Item& it) {
    if (it.value.size() > kMaxText)
        return bad(Errc::LimitExceeded, it.offset, static_cast<std::uint32_t>(it.value.size()),
                   kMaxText, it.type);
    return std::string(it.value.begin(), it.value.end());
}

Result<void> need_size(const Item& it, std::size_t n) {
    if (it.value.size() != n)
        return bad(Errc::BadLength, it.offset - 2, static_cast<std::uint32_t>(it.value.size()),
                   static_cast<std::uint32_t>(n), it.type);
    return {};
}

Result<State> state_of(const Item& it, std::size_t i) {
    const std::uint8_t v = it.value[i];
    if (v > 2)
        return bad(Errc::BadValue, it.offset + i, v, 2, it.type);
    return static_cast<State>(v);
}

// Where each attribute of the entry starts, as encoded (TLV header included).
std::vector<std::size_t> attribute_offsets(const ReportEntry& e) {
    std::vector<std::size_t> out;
    std::size_t at = 0;
    for (const auto& a : e.attributes) {
        out.push_back(at);
        at += kTlvHeaderSize + a.value.size();
    }
    return out;
}

struct Payload {
    Bytes data;        // after the format byte
    std::size_t base;  // offset of data[0] in the entry
};

// The entry's Vendor-Specific TLV (the first one with our vendor id) and its format byte.
Result<std::optional<Payload>> payload_of(const ReportEntry& e) {
    const auto offsets = attribute_offsets(e);
    for (std::size_t i = 0; i < e.attributes.size(); ++i) {
        const Attribute& a = e.attributes[i];
        if (a.type != tlv_type::kVendorSpecific)
            continue;
        const std::size_t v = offsets[i] + kTlvHeaderSize;
        if (a.value.size() < 4)
            return bad(Errc::BadLength, offsets[i] + 2, static_cast<std::uint32_t>(a.value.size()),
                       4, tlv_type::kVendorSpecific);
        if (load_be32(a.value.data()) != vendor_id_for(e.id))
            continue;  // another vendor's data: not ours to read
        if (a.value.size() < 5)
            return bad(Errc::Truncated, v + 4, 1, 0, tlv_type::kVendorSpecific);
        if (a.value[4] != kFormat)
            return bad(Errc::BadValue, v + 4, a.value[4], kFormat, tlv_type::kVendorSpecific);
        return Payload{Bytes(a.value).subspan(5), v + 5};
    }
    return std::optional<Payload>{};
}

struct Record {
    std::uint8_t check = 0;
    std::uint8_t status = 0;
    std::size_t offset = 0;  // of the record header
    std::vector<Item> items;
};

// Splits the payload into records; unknown check numbers are kept (the caller skips them),
// duplicates of a known check are errors.
Result<std::vector<Record>> records_of(const Payload& p, std::uint8_t status_max) {
    std::vector<Record> out;
    std::array<bool, 256> seen{};
    Reader r(p.data, p.base);
    while (!r.done()) {
        const std::size_t start = r.at();
        if (out.size() >= kMaxRecords)
            return bad(Errc::LimitExceeded, start, static_cast<std::uint32_t>(out.size() + 1),
                       kMaxRecords);
        if (r.left() < 4)
            return bad(Errc::Truncated, start, 4, static_cast<std::uint32_t>(r.left()));
        Record rec;
        rec.offset = start;
        rec.check = r.u8();
        rec.status = r.u8();
        const std::uint16_t len = r.u16();
        if (rec.check == 0)
            return bad(Errc::BadValue, start, 0, kCheckMax, rec.check);
        if (seen[rec.check])
            return bad(Errc::BadValue, start, rec.check, 0, rec.check);
        seen[rec.check] = true;
        if (rec.status > status_max)
            return bad(Errc::BadValue, start + 1, rec.status, status_max, rec.check);
        if (len > r.left())
            return bad(Errc::LengthOverrun, start + 2, len, static_cast<std::uint32_t>(r.left()),
                       rec.check);
        const Bytes body = r.take(len);
        if (rec.check > kCheckMax) {
            out.push_back(std::move(rec));  // a newer SHA's check: its body is not ours to read
            continue;
        }
        auto items = items_of(body, start + 4);
        if (!items)
            return std::unexpected(items.error());
        rec.items = std::move(*items);
        out.push_back(std::move(rec));
    }
    return out;
}

Result<CheckReport> check_of(const Record& rec) {
    CheckReport c;
    c.check = static_cast<Check>(rec.check);
    c.status = static_cast<Status>(rec.status);
    for (const Item& it : rec.items) {
        switch (it.type) {
            case item::kReason: {
                auto t = text_of(it);
                if (!t)
                    return std::unexpected(t.error());
                c.reason = std::move(*t);
                break;
            }
            case item::kError: {
                if (auto s = need_size(it, 4); !s)
                    return std::unexpected(s.error());
                c.error = load_be32(it.value.data());
                break;
            }
            case item::kTarget: {
                if (it.value.size() < 2)
                    return bad(Errc::Truncated, it.offset, 2,
                               static_cast<std::uint32_t>(it.value.size()), it.type);
                if (it.value.size() - 2 > kMaxText)
                    return bad(Errc::LimitExceeded, it.offset + 2,
                               static_cast<std::uint32_t>(it.value.size() - 2), kMaxText, it.type);
                Target t;
                if (it.value[0] > kStatusMax)
                    return bad(Errc::BadValue, it.offset, it.value[0], kStatusMax, it.type);
                if (it.value[1] > 1)
                    return bad(Errc::BadValue, it.offset + 1, it.value[1], 1, it.type);
                t.status = static_cast<Status>(it.value[0]);
                t.kind = static_cast<TargetKind>(it.value[1]);
                t.path.assign(it.value.begin() + 2, it.value.end());
                c.targets.push_back(std::move(t));
                break;
            }
            case item::kLockdown: {
                if (auto s = need_size(it, 1); !s)
                    return std::unexpected(s.error());
                const std::uint8_t v = it.value[0];
                if (v > 2 && v != 0xFF)
                    return bad(Errc::BadValue, it.offset, v, 2, it.type);
                c.lockdown = static_cast<Lockdown>(v);
                break;
            }
            case item::kSecureBoot:
            case item::kForwarding: {
                if (auto s = need_size(it, 2); !s)
                    return std::unexpected(s.error());
                auto a = state_of(it, 0);
                if (!a)
                    return std::unexpected(a.error());
                auto b = state_of(it, 1);
                if (!b)
                    return std::unexpected(b.error());
                if (it.type == item::kSecureBoot) {
                    c.secure_boot = *a;
                    c.setup_mode = *b;
                } else {
                    c.ipv4_forwarding = *a;
                    c.ipv6_forwarding = *b;
                }
                break;
            }
            case item::kOsId:
            case item::kOsVersionId:
            case item::kKernel:
            case item::kOsName: {
                auto t = text_of(it);
                if (!t)
                    return std::unexpected(t.error());
                std::string& dst = it.type == item::kOsId          ? c.os_id
                                   : it.type == item::kOsVersionId ? c.os_version_id
                                   : it.type == item::kKernel      ? c.kernel
                                                                   : c.os_name;
                dst = std::move(*t);
                break;
            }
            default:
                break;  // a newer SHA's item: skipped
        }
    }
    return c;
}

}  // namespace

std::string to_string(Check c) {
    switch (c) {
        case Check::DiskEncryption:
            return "disk-encryption";
        case Check::SecureBoot:
            return "secure-boot";
        case Check::KernelLockdown:
            return "kernel-lockdown";
        case Check::ScreenLock:
            return "screen-lock";
        case Check::IpForwarding:
            return "ip-forwarding";
        case Check::OsIdentity:
            return "os-identity";
    }
    return "check " + std::to_string(static_cast<unsigned>(c));
}

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::Pass:
            return "pass";
        case Status::Fail:
            return "fail";
        case Status::NotApplicable:
            return "not-applicable";
        case Status::Error:
            return "error";
    }
    return "unknown";
}

std::string_view to_string(Verdict v) noexcept {
    switch (v) {
        case Verdict::Compliant:
            return "compliant";
        case Verdict::NonCompliant:
            return "non-compliant";
        case Verdict::Missing:
            return "missing";
        case Verdict::ClientError:
            return "client-error";
    }
    return "unknown";
}

HResult code_of(Verdict v) noexcept {
    switch (v) {
        case Verdict::Compliant:
            return hr::S_OK;
        case Verdict::NonCompliant:
            return HResult{kCodeNonCompliant};
        case Verdict::Missing:
            return HResult{kCodeMissing};
        case Verdict::ClientError:
            return HResult{kCodeClientError};
    }
    return HResult{kCodeNonCompliant};
}

const CheckReport* Soh::find(Check c) const noexcept {
    const auto it = std::ranges::find(checks, c, &CheckReport::check);
    return it == checks.end() ? nullptr : &*it;
}

const CheckAnswer* Sohr::find(Check c) const noexcept {
    const auto it = std::ranges::find(checks, c, &CheckAnswer::check);
    return it == checks.end() ? nullptr : &*it;
}

bool Sohr::compliant() const noexcept {
    return !whole && std::ranges::all_of(checks, [](const CheckAnswer& a) {
        return a.verdict == Verdict::Compliant;
    });
}

ReportEntry encode_soh(const Soh& soh) {
    ReportEntry e;
    e.id = soh.id;
    e.attributes.push_back(text_attribute(tlv_type::kProductName, soh.product));
    e.attributes.push_back(text_attribute(tlv_type::kSoftwareVersion, soh.version));
    const bool error = std::ranges::any_of(
        soh.checks, [](const CheckReport& c) { return c.status == Status::Error; });
    if (error)
        e.attributes.push_back(attr::make_failure_category(kClientComponent));
    std::vector<std::uint8_t> payload{kFormat};
    std::size_t n = 0;
    for (const CheckReport& c : soh.checks) {
        if (n++ >= kMaxRecords)
            break;
        Items items;
        if (!c.reason.empty())
            items.text(item::kReason, c.reason);
        if (c.error)
            items.u32(item::kError, *c.error);
        for (const Target& t : c.targets) {
            const std::string_view path = cut(t.path);
            std::vector<std::uint8_t> v{static_cast<std::uint8_t>(t.status),
                                        static_cast<std::uint8_t>(t.kind)};
            v.insert(v.end(), path.begin(), path.end());
            items.raw(item::kTarget, v);
        }
        if (c.lockdown)
            items.u8s(item::kLockdown, {static_cast<std::uint8_t>(*c.lockdown)});
        if (c.secure_boot || c.setup_mode)
            items.u8s(item::kSecureBoot,
                      {static_cast<std::uint8_t>(c.secure_boot.value_or(State::NotApplicable)),
                       static_cast<std::uint8_t>(c.setup_mode.value_or(State::NotApplicable))});
        if (c.ipv4_forwarding || c.ipv6_forwarding)
            items.u8s(
                item::kForwarding,
                {static_cast<std::uint8_t>(c.ipv4_forwarding.value_or(State::NotApplicable)),
                 static_cast<std::uint8_t>(c.ipv6_forwarding.value_or(State::NotApplicable))});
        if (!c.os_id.empty())
            items.text(item::kOsId, c.os_id);
        if (!c.os_version_id.empty())
            items.text(item::kOsVersionId, c.os_version_id);
        if (!c.kernel.empty())
            items.text(item::kKernel, c.kernel);
        if (!c.os_name.empty())
            items.text(item::kOsName, c.os_name);
        record(payload, static_cast<std::uint8_t>(c.check), static_cast<std::uint8_t>(c.status),
               items.bytes());
    }
    e.attributes.push_back(attr::make_vendor_specific(vendor_id_for(soh.id), payload));
    return e;
}

ReportEntry encode_sohr(const Sohr& sohr) {
    ReportEntry e;
    e.id = sohr.id;
    if (sohr.whole) {
        const std::array<std::uint32_t, 1> code{*sohr.whole};
        e.attributes.push_back(attr::make_compliance_result_codes(code));
        return e;
    }
    std::vector<std::uint32_t> codes;
    std::vector<std::uint8_t> payload{kFormat};
    for (const CheckAnswer& a : sohr.checks) {
        if (codes.size() >= kMaxRecords)
            break;
        codes.push_back(code_of(a.verdict).bits());
        Items items;
        for (const std::string& h : a.hints)
            items.text(item::kHint, h);
        record(payload, static_cast<std::uint8_t>(a.check), static_cast<std::uint8_t>(a.verdict),
               items.bytes());
    }
    e.attributes.push_back(attr::make_compliance_result_codes(codes));
    e.attributes.push_back(attr::make_vendor_specific(vendor_id_for(sohr.id), payload));
    return e;
}

Result<Soh> decode_soh(const ReportEntry& entry) {
    Soh out;
    out.id = entry.id;
    out.product.clear();
    const auto offsets = attribute_offsets(entry);
    for (std::size_t i = 0; i < entry.attributes.size(); ++i) {
        const Attribute& a = entry.attributes[i];
        if (a.type != tlv_type::kProductName && a.type != tlv_type::kSoftwareVersion)
            continue;
        if (a.value.size() > kMaxText)
            return bad(Errc::LimitExceeded, offsets[i] + 2,
                       static_cast<std::uint32_t>(a.value.size()), kMaxText, a.type);
        (a.type == tlv_type::kProductName ? out.product : out.version)
            .assign(a.value.begin(), a.value.end());
    }
    auto payload = payload_of(entry);
    if (!payload)
        return std::unexpected(payload.error());
    if (!*payload)
        return bad(Errc::MissingField, 0, 0, 0, tlv_type::kVendorSpecific);
    auto records = records_of(**payload, kStatusMax);
    if (!records)
        return std::unexpected(records.error());
    for (const Record& r : *records) {
        if (r.check > kCheckMax)
            continue;  // a newer SHA's check
        auto c = check_of(r);
        if (!c)
            return std::unexpected(c.error());
        out.checks.push_back(std::move(*c));
    }
    return out;
}

Result<Sohr> decode_sohr(const ReportEntry& entry) {
    Sohr out;
    out.id = entry.id;
    const auto offsets = attribute_offsets(entry);
    std::optional<std::size_t> codes_at;
    for (std::size_t i = 0; i < entry.attributes.size(); ++i) {
        if (entry.attributes[i].type == tlv_type::kComplianceResultCodes) {
            codes_at = i;
            break;
        }
    }
    if (!codes_at)
        return bad(Errc::MissingField, 0, 0, 0, tlv_type::kComplianceResultCodes);
    const Attribute& ca = entry.attributes[*codes_at];
    if (ca.value.empty() || ca.value.size() % 4 != 0)
        return bad(Errc::BadLength, offsets[*codes_at] + 2,
                   static_cast<std::uint32_t>(ca.value.size()), 4,
                   tlv_type::kComplianceResultCodes);
    const std::size_t ncodes = ca.value.size() / 4;
    auto payload = payload_of(entry);
    if (!payload)
        return std::unexpected(payload.error());
    if (!*payload) {
        if (ncodes != 1)
            return bad(Errc::MissingField, 0, 0, 0, tlv_type::kVendorSpecific);
        out.whole = load_be32(ca.value.data());
        return out;
    }
    auto records = records_of(**payload, kVerdictMax);
    if (!records)
        return std::unexpected(records.error());
    if (records->size() != ncodes)
        return bad(Errc::BadValue, offsets[*codes_at] + kTlvHeaderSize,
                   static_cast<std::uint32_t>(ncodes), static_cast<std::uint32_t>(records->size()),
                   tlv_type::kComplianceResultCodes);
    for (std::size_t i = 0; i < records->size(); ++i) {
        const Record& r = (*records)[i];
        const Verdict v = static_cast<Verdict>(r.status);
        const std::uint32_t code = load_be32(ca.value.data() + 4 * i);
        if (code != code_of(v).bits())
            return bad(Errc::BadValue, offsets[*codes_at] + kTlvHeaderSize + 4 * i, code,
                       code_of(v).bits(), tlv_type::kComplianceResultCodes);
        if (r.check > kCheckMax)
            continue;
        CheckAnswer a;
        a.check = static_cast<Check>(r.check);
        a.verdict = v;
        for (const Item& it : r.items) {
            if (it.type != item::kHint)
                continue;
            auto t = text_of(it);
            if (!t)
                return std::unexpected(t.error());
            a.hints.push_back(std::move(*t));
        }
        out.checks.push_back(std::move(a));
    }
    return out;
}

}  // namespace opennap::soh::linux_sha
