// StoreError, the machine-name filter, and the row conversions both stores share
// (include/opennap/store/audit_store.h, internal.h).
#include "opennap/store/audit_store.h"

#include <algorithm>
#include <charconv>

#include "internal.h"
#include "opennap/store/column_codec.h"

namespace opennap::store {

std::string_view to_string(StoreError::Kind kind) noexcept {
    switch (kind) {
        case StoreError::Kind::Unavailable:
            return "database unavailable";
        case StoreError::Kind::Rejected:
            return "record rejected";
        case StoreError::Kind::Corrupt:
            return "corrupt record";
        case StoreError::Kind::TooNew:
            return "database of a newer OpenNAP";
        case StoreError::Kind::Unreadable:
            return "cannot open database";
        case StoreError::Kind::Invalid:
            return "invalid argument";
    }
    return "database error";
}

std::string StoreError::to_string() const {
    std::string out = where + ": " + std::string(store::to_string(kind)) + ": ";
    if (row != 0)
        out += "row " + std::to_string(row) + " ";
    if (!field.empty())
        out += "field " + field + ": ";
    out += message;
    if (!code.empty())
        out += " [" + code + "]";
    return out;
}

std::uint64_t OutcomeCounts::total() const noexcept {
    std::uint64_t n = 0;
    for (auto v : by_outcome)
        n += v;
    return n;
}

// ---- machine-name filter -----------------------------------------------------------------------

namespace {

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool has_wildcard(std::string_view m) {
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\\') {
            ++i;
        } else if (m[i] == '*' || m[i] == '?') {
            return true;
        }
    }
    return false;
}

// One element of a parsed glob: a literal character, '*' (any run) or '?' (one character).
struct GlobChar {
    char c;
    bool literal;
};

std::vector<GlobChar> parse_glob(std::string_view m) {
    std::vector<GlobChar> out;
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\\' && i + 1 < m.size()) {
            out.push_back({lower(m[++i]), true});
        } else if (m[i] == '*' || m[i] == '?') {
            out.push_back({m[i], false});
        } else {
            out.push_back({lower(m[i]), true});  // a trailing '\' is itself
        }
    }
    return out;
}

}  // namespace

std::optional<std::string> machine_like_pattern(std::string_view machine) {
    if (!has_wildcard(machine))
        return std::nullopt;
    std::string out;
    for (const GlobChar& g : parse_glob(machine)) {
        if (!g.literal) {
            out += g.c == '*' ? '%' : '_';
        } else {
            if (g.c == '%' || g.c == '_' || g.c == '\\')
                out += '\\';
            out += g.c;
        }
    }
    return out;
}

std::string machine_exact_key(std::string_view machine) {
    std::string out;
    for (const GlobChar& g : parse_glob(machine))
        out += g.c;
    return out;
}

// A store that does not write in parts never opens a transaction (begin_batch() is false), so
// these are only reached by a caller that ignored that.
static std::unexpected<StoreError> not_in_parts(const std::string& where) {
    return std::unexpected(StoreError{StoreError::Kind::Invalid, where,
                                      "this store does not write in parts", 0, "", ""});
}

StoreResult<void> AuditStore::append_part(std::span<const DecisionRecord>) {
    return not_in_parts(where());
}

StoreResult<void> AuditStore::commit_batch() {
    return not_in_parts(where());
}

bool machine_matches(std::string_view machine, std::string_view machine_name) {
    if (machine.empty())
        return true;
    const std::vector<GlobChar> p = parse_glob(machine);
    const std::string s = machine_key(machine_name);
    // Iterative glob matching with one backtrack point (the last '*'). '?' and the backtracking
    // step over one UTF-8 character, as LIKE's '_' does in both databases (stored text is valid
    // UTF-8: sanitize()).
    auto char_len = [&](std::size_t i) -> std::size_t {
        const auto b = static_cast<unsigned char>(s[i]);
        const std::size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return std::min(n, s.size() - i);
    };
    std::size_t pi = 0;
    std::size_t si = 0;
    std::size_t star = std::string::npos;
    std::size_t mark = 0;
    while (si < s.size()) {
        if (pi < p.size() && !p[pi].literal && p[pi].c == '*') {
            star = pi++;
            mark = si;
        } else if (pi < p.size() && !p[pi].literal) {
            ++pi;
            si += char_len(si);
        } else if (pi < p.size() && p[pi].c == s[si]) {
            ++pi;
            ++si;
        } else if (star != std::string::npos) {
            pi = star + 1;
            mark += char_len(mark);
            si = mark;
        } else {
            return false;
        }
    }
    while (pi < p.size() && !p[pi].literal && p[pi].c == '*')
        ++pi;
    return pi == p.size();
}

// ---- rows --------------------------------------------------------------------------------------

namespace internal {

const std::array<std::string_view, kColCount> kColNames = {
    "id",
    "time",
    "instance",
    "client_address",
    "client_name",
    "nas_type",
    "machine_name",
    "connection_id",
    "correlation_guid",
    "correlation_time",
    "shvs",
    "health_policy",
    "network_policy",
    "outcome",
    "probation_end",
    "extended_state",
    "remediation_group",
    "url",
    "reasons",
    "latency_us",
};

std::string_view extended_state_name(ExtendedIsolationState s) noexcept {
    return opennap::to_string(s);
}

namespace {

template <typename T>
bool parse_int(std::string_view text, T& out) {
    const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
    return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace

StoreResult<DecisionRecord> decode_row(const RawRow& row, const std::string& where) {
    DecisionRecord r;
    std::int64_t id = 0;
    auto corrupt = [&](std::string field, std::string message) {
        return std::unexpected(StoreError{StoreError::Kind::Corrupt, where, std::move(message), id,
                                          std::move(field), ""});
    };
    auto name = [](Col c) { return std::string(kColNames[c]); };
    if (!row[kId] || !parse_int(*row[kId], id) || id <= 0)
        return corrupt("id", "not a row id");
    r.id = id;
    // Required text columns.
    auto text = [&](Col c, std::string& out) {
        if (!row[c])
            return false;
        out.assign(*row[c]);
        return true;
    };
    auto micros = [&](Col c, Timestamp& out) {
        std::int64_t us = 0;
        if (!row[c] || !parse_int(*row[c], us))
            return false;
        out = Timestamp(std::chrono::microseconds(us));
        return in_range(out);
    };
    if (!micros(kTimeUs, r.time))
        return corrupt(name(kTimeUs), "not a time between 1970 and 9999");
    for (auto [c, s] : {std::pair{kInstance, &r.instance},
                        {kClientAddress, &r.client_address},
                        {kClientName, &r.client_name},
                        {kMachineName, &r.machine_name},
                        {kHealthPolicy, &r.health_policy},
                        {kNetworkPolicy, &r.network_policy},
                        {kRemediationGroup, &r.remediation_group},
                        {kUrl, &r.url}}) {
        if (!text(c, *s))
            return corrupt(name(c), "NULL where text is required");
    }
    if (row[kNasType]) {
        std::uint32_t v = 0;
        if (!parse_int(*row[kNasType], v))
            return corrupt(name(kNasType), "not an unsigned 32-bit number");
        r.nas_type = v;
    }
    if (row[kConnectionId]) {
        auto g = Guid::parse(*row[kConnectionId]);
        if (!g)
            return corrupt(name(kConnectionId), "not a GUID");
        r.connection_id = *g;
    }
    if (row[kCorrelationGuid].has_value() != row[kCorrelationTime].has_value())
        return corrupt(name(kCorrelationGuid), "correlation GUID and time must be set together");
    if (row[kCorrelationGuid]) {
        auto g = Guid::parse(*row[kCorrelationGuid]);
        if (!g)
            return corrupt(name(kCorrelationGuid), "not a GUID");
        std::int64_t ticks = 0;
        if (!parse_int(*row[kCorrelationTime], ticks))
            return corrupt(name(kCorrelationTime), "not a 64-bit number");
        r.correlation_id = CorrelationId{*g, FileTime{static_cast<std::uint64_t>(ticks)}};
    }
    if (!row[kShvs])
        return corrupt(name(kShvs), "NULL where JSON is required");
    auto shvs = decode_shvs(*row[kShvs]);
    if (!shvs)
        return corrupt(shvs.error().field, shvs.error().message);
    r.shvs = std::move(*shvs);
    if (!row[kReasons])
        return corrupt(name(kReasons), "NULL where JSON is required");
    auto reasons = decode_reasons(*row[kReasons]);
    if (!reasons)
        return corrupt(reasons.error().field, reasons.error().message);
    r.reasons = std::move(*reasons);
    auto outcome = row[kOutcome] ? parse_outcome(*row[kOutcome]) : std::nullopt;
    if (!outcome)
        return corrupt(name(kOutcome), "not one of full, probation, restricted, deny");
    r.outcome = *outcome;
    if (row[kProbationEndUs]) {
        Timestamp t;
        if (!micros(kProbationEndUs, t))
            return corrupt(name(kProbationEndUs), "not a time between 1970 and 9999");
        r.probation_end = t;
    }
    bool ext_ok = false;
    for (std::uint32_t v = 0; row[kExtendedState] && v <= 3; ++v) {
        const auto s = static_cast<ExtendedIsolationState>(v);
        if (extended_state_name(s) == *row[kExtendedState]) {
            r.extended_state = s;
            ext_ok = true;
        }
    }
    if (!ext_ok)
        return corrupt(name(kExtendedState), "not one of no-data, transition, infected, unknown");
    if (!row[kLatencyUs] || !parse_int(*row[kLatencyUs], r.latency_us))
        return corrupt(name(kLatencyUs), "not an unsigned 32-bit number");
    return r;
}

namespace {

StoreResult<EncodedRow> encode_row(const DecisionRecord& in, std::size_t index,
                                   const std::string& where, const std::string* reasons) {
    auto rejected = [&](std::string field, std::string message) {
        return std::unexpected(
            StoreError{StoreError::Kind::Rejected, where,
                       "record " + std::to_string(index) + " of the batch: " + std::move(message),
                       0, std::move(field), ""});
    };
    if (!in_range(in.time))
        return rejected("time", "time outside 1970 .. 9999");
    if (in.probation_end && !in_range(*in.probation_end))
        return rejected("probation_end", "time outside 1970 .. 9999");
    if (static_cast<std::size_t>(in.outcome) >= kOutcomeCount)
        return rejected("outcome", "not a known outcome");
    if (!is_valid(in.extended_state))
        return rejected("extended_state", "not a known extended isolation state");
    for (std::size_t i = 0; i < in.shvs.size(); ++i) {
        const ShvResult& s = in.shvs[i];
        const std::string f = "shvs[" + std::to_string(i) + "]";
        if (static_cast<std::uint8_t>(s.status) > 3)
            return rejected(f + ".status", "not a known SHV status");
        if (s.failure_category && !is_valid(*s.failure_category))
            return rejected(f + ".failure_category", "not a known failure category");
    }
    EncodedRow e;
    if (!is_sanitized(in)) {  // rare: the copy is made only for a record that needs it
        e.sanitized = std::make_unique<DecisionRecord>(in);
        sanitize(*e.sanitized);
    }
    const DecisionRecord& r = e.sanitized ? *e.sanitized : in;
    e.time_us = r.time.time_since_epoch().count();
    e.instance = r.instance;
    e.client_address = r.client_address;
    e.client_name = r.client_name;
    if (r.nas_type)
        e.nas_type = *r.nas_type;
    e.machine_key = machine_key(r.machine_name);
    e.machine_name = r.machine_name;
    if (r.connection_id)
        e.connection_id = r.connection_id->to_string();
    if (r.correlation_id) {
        e.correlation_guid = r.correlation_id->conn_id.to_string();
        e.correlation_time = static_cast<std::int64_t>(r.correlation_id->time_stamp.ticks);
    }
    e.shvs = encode_shvs(r.shvs);
    e.health_policy = r.health_policy;
    e.network_policy = r.network_policy;
    e.outcome = to_string(r.outcome);
    if (r.probation_end)
        e.probation_end_us = r.probation_end->time_since_epoch().count();
    e.extended_state = extended_state_name(r.extended_state);
    e.remediation_group = r.remediation_group;
    e.url = r.url;
    e.reasons = reasons != nullptr ? *reasons : encode_reasons(r.reasons);
    e.latency_us = r.latency_us;
    return e;
}

}  // namespace

StoreResult<std::vector<EncodedRow>> encode_batch(std::span<const DecisionRecord> batch,
                                                  const std::string& where) {
    std::vector<EncodedRow> rows;
    rows.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        // Equal reasons as given are equal once sanitized too (sanitize() is a function of them).
        const bool same = i > 0 && batch[i].reasons == batch[i - 1].reasons;
        auto e = encode_row(batch[i], i, where, same ? &rows.back().reasons : nullptr);
        if (!e)
            return std::unexpected(e.error());
        rows.push_back(std::move(*e));
    }
    return rows;
}

}  // namespace internal

}  // namespace opennap::store
