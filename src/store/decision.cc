// DecisionRecord helpers (include/opennap/store/decision.h).
#include "opennap/store/decision.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "octets.h"

namespace opennap::store {

namespace {

using std::chrono::microseconds;

// 1970-01-01 .. 9999-12-31T23:59:59.999999Z in microseconds.
constexpr std::int64_t kMaxMicros = 253402300799999999;

}  // namespace

bool in_range(Timestamp t) noexcept {
    const auto us = t.time_since_epoch().count();
    return us >= 0 && us <= kMaxMicros;
}

std::optional<Timestamp> to_timestamp(FileTime t) noexcept {
    if (t.ticks == FileTime::kNone)
        return std::nullopt;
    constexpr std::uint64_t kEpochTicks =
        static_cast<std::uint64_t>(FileTime::kEpochDeltaSeconds) * 10'000'000u;
    if (t.ticks < kEpochTicks)
        return std::nullopt;
    const std::uint64_t us = (t.ticks - kEpochTicks) / 10;
    if (us > static_cast<std::uint64_t>(kMaxMicros))
        return std::nullopt;
    return Timestamp(microseconds(static_cast<std::int64_t>(us)));
}

FileTime to_filetime(Timestamp t) noexcept {
    const auto us = t.time_since_epoch().count();
    constexpr std::int64_t kEpochTicks = FileTime::kEpochDeltaSeconds * 10'000'000;
    const std::int64_t ticks = kEpochTicks + us * 10;  // in range for every in_range() time
    return FileTime{ticks < 0 ? 0 : static_cast<std::uint64_t>(ticks)};
}

std::string to_iso(Timestamp t) {
    const auto us = t.time_since_epoch().count();
    std::int64_t secs = us / 1'000'000;
    std::int64_t frac = us % 1'000'000;
    if (frac < 0) {
        frac += 1'000'000;
        --secs;
    }
    const std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(frac));
    return buf;
}

std::string_view to_string(Outcome o) noexcept {
    switch (o) {
        case Outcome::Full:
            return "full";
        case Outcome::Probation:
            return "probation";
        case Outcome::Restricted:
            return "restricted";
        case Outcome::Deny:
            return "deny";
    }
    return "invalid";
}

std::optional<Outcome> parse_outcome(std::string_view text) noexcept {
    for (std::size_t i = 0; i < kOutcomeCount; ++i) {
        const auto o = static_cast<Outcome>(i);
        if (to_string(o) == text)
            return o;
    }
    return std::nullopt;
}

std::string_view to_string(ShvStatus s) noexcept {
    switch (s) {
        case ShvStatus::Compliant:
            return "compliant";
        case ShvStatus::NonCompliant:
            return "non-compliant";
        case ShvStatus::Failed:
            return "failed";
        case ShvStatus::Unavailable:
            return "unavailable";
    }
    return "invalid";
}

std::optional<ShvStatus> parse_shv_status(std::string_view text) noexcept {
    for (std::uint8_t i = 0; i < 4; ++i) {
        const auto s = static_cast<ShvStatus>(i);
        if (to_string(s) == text)
            return s;
    }
    return std::nullopt;
}

namespace {

// The length of the valid UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF), or 0 when there is none.
std::size_t utf8_seq(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80)
        return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0)
            lo = 0xA0;
        if (b0 == 0xED)
            hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0)
            lo = 0x90;
        if (b0 == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (s.size() - i < n)
        return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
            return 0;
    }
    return n;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the leading run of printable-or-control ASCII octets other than NUL (0x01..0x7F),
// eight at a time: audit text is nearly always ASCII, and this runs for every string of every
// record.
std::size_t ascii_prefix(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        const std::uint64_t w = internal::load8(s.data() + i);
        if ((internal::any_high(w) | internal::any_below(w, 1)) != 0)
            break;  // an octet >= 0x80, or a zero octet, in these eight
    }
    while (i < s.size() && static_cast<unsigned char>(s[i]) - 1u < 0x7Fu)
        ++i;
    return i;
}

// Valid UTF-8 without NUL.
bool valid_text(std::string_view s) {
    for (std::size_t i = ascii_prefix(s); i < s.size();) {
        const std::size_t n = utf8_seq(s, i);
        if (n == 0 || s[i] == '\0')
            return false;
        i += n;
    }
    return true;
}

bool clean_text(std::string_view s) {
    return s.size() <= kMaxText && valid_text(s);
}

bool clean(std::string& s) {
    bool changed = false;
    if (!valid_text(s)) {
        std::string out;
        out.reserve(s.size() + 8);
        for (std::size_t i = 0; i < s.size();) {
            const std::size_t n = utf8_seq(s, i);
            if (n == 0 || s[i] == '\0') {
                out += kReplacement;
                ++i;
            } else {
                out.append(s, i, n);
                i += n;
            }
        }
        s = std::move(out);
        changed = true;
    }
    if (s.size() > kMaxText) {
        std::size_t cut = kMaxText;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
            --cut;  // not inside a character
        s.resize(cut);
        changed = true;
    }
    return changed;
}

// The record's single text fields (the reasons are a list), for sanitize() and is_sanitized().
template <typename Record>
auto text_fields(Record& r) {
    return std::array{&r.instance,      &r.client_address, &r.client_name,       &r.machine_name,
                      &r.health_policy, &r.network_policy, &r.remediation_group, &r.url};
}

}  // namespace

bool sanitize(DecisionRecord& r) {
    bool changed = false;
    for (std::string* s : text_fields(r))
        changed |= clean(*s);
    if (r.reasons.size() > kMaxReasons) {
        r.reasons.resize(kMaxReasons);
        changed = true;
    }
    for (std::string& s : r.reasons)
        changed |= clean(s);
    if (r.shvs.size() > kMaxShvs) {
        r.shvs.resize(kMaxShvs);
        changed = true;
    }
    for (ShvResult& s : r.shvs) {
        if (s.compliance_codes.size() > maxDwordCountPerSoHAttribute) {
            s.compliance_codes.resize(maxDwordCountPerSoHAttribute);
            changed = true;
        }
    }
    return changed;
}

bool is_sanitized(const DecisionRecord& r) {
    for (const std::string* s : text_fields(r)) {
        if (!clean_text(*s))
            return false;
    }
    if (r.reasons.size() > kMaxReasons || r.shvs.size() > kMaxShvs)
        return false;
    for (const std::string& s : r.reasons) {
        if (!clean_text(s))
            return false;
    }
    for (const ShvResult& s : r.shvs) {
        if (s.compliance_codes.size() > maxDwordCountPerSoHAttribute)
            return false;
    }
    return true;
}

std::string machine_key(std::string_view machine_name) {
    std::string out(machine_name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace opennap::store
