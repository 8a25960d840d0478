// Presenting audit records (include/opennap/store/format.h).
#include "opennap/store/format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace opennap::store {

namespace {

using ojson = nlohmann::ordered_json;

// Joins pieces by appending: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
// "literal" + std::string temporaries.
std::string cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (std::string_view p : parts)
        out += p;
    return out;
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", v);
    return buf;
}

// MS-Network-Access-Server-Type names ([MS-RNAP] 2.2.1.13); the number for others.
std::string nas_name(std::uint32_t t) {
    switch (t) {
        case 0:
            return "unspecified";
        case 1:
            return "ts-gateway";
        case 2:
            return "ras";
        case 3:
            return "dhcp";
        case 5:
            return "hra";
        case 6:
            return "hcap";
        default:
            return std::to_string(t);
    }
}

std::string shv_summary(const ShvResult& s) {
    std::string out = hex32(s.id) + ":" + std::string(to_string(s.status));
    if (s.status == ShvStatus::Failed && s.failure_category)
        out += cat({"(", opennap::to_string(*s.failure_category), ")"});
    return out;
}

std::string dash(const std::string& s) {
    return s.empty() ? "-" : s;
}

}  // namespace

std::string format_table(std::span<const DecisionRecord> records) {
    if (records.empty())
        return "no decisions\n";
    const std::vector<std::string> head = {"TIME",   "OUTCOME",        "MACHINE",
                                           "CLIENT", "NETWORK POLICY", "SHVS"};
    std::vector<std::vector<std::string>> rows;
    rows.push_back(head);
    for (const DecisionRecord& r : records) {
        std::string shvs;
        for (const ShvResult& s : r.shvs)
            shvs += cat({shvs.empty() ? "" : " ", shv_summary(s)});
        rows.push_back({to_iso(r.time), std::string(to_string(r.outcome)), dash(r.machine_name),
                        dash(r.client_name.empty() ? r.client_address
                                                   : r.client_name + " (" + r.client_address + ")"),
                        dash(r.network_policy), shvs.empty() ? "-" : shvs});
    }
    std::vector<std::size_t> width(head.size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c + 1 < row.size(); ++c)
            width[c] = std::max(width[c], std::min<std::size_t>(row[c].size(), 40));
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size())
                line += std::string(width[c] > row[c].size() ? width[c] - row[c].size() : 0, ' ') +
                        "  ";
        }
        out += line + "\n";
    }
    return out;
}

std::string format_details(const DecisionRecord& r) {
    std::string out;
    auto line = [&](std::string_view k, const std::string& v) {
        out += std::string(k) + ": " + v + "\n";
    };
    line("id", std::to_string(r.id));
    line("time", to_iso(r.time));
    line("outcome", std::string(to_string(r.outcome)));
    if (r.probation_end)
        line("probation end", to_iso(*r.probation_end));
    line("extended state", std::string(opennap::to_string(r.extended_state)));
    line("machine", dash(r.machine_name));
    line("client",
         dash(r.client_address) + (r.client_name.empty() ? "" : " (" + r.client_name + ")"));
    line("NAS type", r.nas_type ? nas_name(*r.nas_type) : "-");
    line("connection id", r.connection_id ? r.connection_id->to_string() : "-");
    line("correlation id", r.correlation_id ? r.correlation_id->to_string() : "-");
    line("health policy", dash(r.health_policy));
    line("network policy", dash(r.network_policy));
    line("remediation group", dash(r.remediation_group));
    line("url", dash(r.url));
    line("instance", dash(r.instance));
    line("latency", std::to_string(r.latency_us) + " us");
    for (const ShvResult& s : r.shvs) {
        std::string v = std::string(to_string(s.status)) + (s.passed ? ", passed" : ", failed");
        if (!s.compliance_codes.empty()) {
            v += ", codes";
            for (HResult c : s.compliance_codes)
                v += cat({" ", hex32(c.bits())});
        }
        if (s.failure_category)
            v += ", failure category " + std::string(opennap::to_string(*s.failure_category));
        v += ", " + std::to_string(s.latency_us) + " us";
        line("shv " + hex32(s.id), v);
    }
    for (const std::string& reason : r.reasons)
        line("reason", reason);
    return out;
}

namespace {

ojson json_of(const DecisionRecord& r) {
    ojson o;
    o["id"] = r.id;
    o["time"] = to_iso(r.time);
    o["instance"] = r.instance;
    o["client_address"] = r.client_address;
    o["client_name"] = r.client_name;
    o["nas_type"] = r.nas_type ? ojson(*r.nas_type) : ojson(nullptr);
    o["machine_name"] = r.machine_name;
    o["connection_id"] = r.connection_id ? ojson(r.connection_id->to_string()) : ojson(nullptr);
    o["correlation_id"] = r.correlation_id ? ojson(r.correlation_id->to_string()) : ojson(nullptr);
    ojson shvs = ojson::array();
    for (const ShvResult& s : r.shvs) {
        ojson so;
        so["id"] = hex32(s.id);
        so["status"] = std::string(to_string(s.status));
        so["passed"] = s.passed;
        ojson codes = ojson::array();
        for (HResult c : s.compliance_codes)
            codes.push_back(hex32(c.bits()));
        so["codes"] = std::move(codes);
        so["failure_category"] = s.failure_category
                                     ? ojson(std::string(opennap::to_string(*s.failure_category)))
                                     : ojson(nullptr);
        so["latency_us"] = s.latency_us;
        shvs.push_back(std::move(so));
    }
    o["shvs"] = std::move(shvs);
    o["health_policy"] = r.health_policy;
    o["network_policy"] = r.network_policy;
    o["outcome"] = std::string(to_string(r.outcome));
    o["probation_end"] = r.probation_end ? ojson(to_iso(*r.probation_end)) : ojson(nullptr);
    o["extended_state"] = std::string(opennap::to_string(r.extended_state));
    o["remediation_group"] = r.remediation_group;
    o["url"] = r.url;
    o["reasons"] = r.reasons;
    o["latency_us"] = r.latency_us;
    return o;
}

std::string dump(const ojson& j) {
    return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace

std::string to_json(const DecisionRecord& r) {
    return dump(json_of(r));
}

std::string format_json(std::span<const DecisionRecord> records) {
    if (records.empty())
        return "[]\n";
    std::string out = "[\n";
    for (std::size_t i = 0; i < records.size(); ++i) {
        out += dump(json_of(records[i]));
        out += i + 1 < records.size() ? ",\n" : "\n";
    }
    out += "]\n";
    return out;
}

std::string format_counts(const OutcomeCounts& c) {
    std::string out;
    for (std::size_t i = 0; i < kOutcomeCount; ++i) {
        if (i > 0)
            out += ", ";
        out +=
            std::string(to_string(static_cast<Outcome>(i))) + " " + std::to_string(c.by_outcome[i]);
    }
    return out + " (" + std::to_string(c.total()) + " in all)";
}

namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (s.size() < at + n)
        return false;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

}  // namespace

std::expected<Timestamp, std::string> parse_time_arg(std::string_view text, Timestamp now) {
    using namespace std::chrono;
    if (text.empty())
        return std::unexpected("empty time");
    // A duration: digits and one unit.
    if (text.size() >= 2 && text[0] >= '0' && text[0] <= '9' &&
        std::string_view("smhdw").find(text.back()) != std::string_view::npos &&
        text.find('-') == std::string_view::npos) {
        std::uint64_t n = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size() - 1, n);
        if (r.ec != std::errc() || r.ptr != text.data() + text.size() - 1)
            return std::unexpected(
                cat({"\"", text, "\": a duration is a number and one of s, m, h, d, w"}));
        std::uint64_t secs_per = 1;
        switch (text.back()) {
            case 'm':
                secs_per = 60;
                break;
            case 'h':
                secs_per = 3600;
                break;
            case 'd':
                secs_per = 86400;
                break;
            case 'w':
                secs_per = 7 * 86400;
                break;
            default:
                break;
        }
        if (n > 1'000'000'000'000ull / secs_per)
            return std::unexpected(cat({"\"", text, "\": too long ago"}));
        const auto t = now - seconds(static_cast<std::int64_t>(n * secs_per));
        if (!in_range(t))
            return std::unexpected(cat({"\"", text, "\": before 1970"}));
        return Timestamp(t);
    }
    // YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z]
    auto bad = [&] {
        return std::unexpected(cat({"\"", text,
                                    "\": not a time (2026-12-02, 2026-12-02T01:43:39Z, or a "
                                    "duration such as 15m, 2h, 7d)"}));
    };
    std::string_view s = text;
    if (s.back() == 'Z' || s.back() == 'z')
        s.remove_suffix(1);
    int y = 0;
    int mo = 0;
    int d = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d))
        return bad();
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                             day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || y < 1970)
        return bad();
    microseconds tod{0};
    if (s.size() > 10) {
        int hh = 0;
        int mm = 0;
        int ss = 0;
        if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hh) ||
            s.size() < 16 || s[13] != ':' || !digits(s, 14, 2, mm) || hh > 23 || mm > 59)
            return bad();
        std::size_t at = 16;
        if (s.size() > at) {
            if (s[at] != ':' || !digits(s, at + 1, 2, ss) || ss > 59)
                return bad();
            at += 3;
        }
        std::int64_t frac = 0;
        if (s.size() > at) {
            if (s[at] != '.' || s.size() == at + 1 || s.size() > at + 7)
                return bad();
            std::int64_t scale = 100000;
            for (std::size_t i = at + 1; i < s.size(); ++i, scale /= 10) {
                if (s[i] < '0' || s[i] > '9')
                    return bad();
                frac += (s[i] - '0') * scale;
            }
        }
        tod = hours(hh) + minutes(mm) + seconds(ss) + microseconds(frac);
    }
    const Timestamp t = time_point_cast<microseconds>(sys_days(ymd)) + tod;
    if (!in_range(t))
        return bad();
    return t;
}

}  // namespace opennap::store
