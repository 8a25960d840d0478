// One health policy decision as the audit store records it (docs/audit.md, "The record"). A
// plain value: no I/O. The server fills it once per answered Access-Request and hands it to the
// AuditWriter (audit_store.h).
//
// Times are UTC microseconds since the Unix epoch (Timestamp): PostgreSQL's timestamptz holds
// exactly that, SQLite an int64 of it, and it sorts and compares as one integer. FILETIMEs
// (100 ns) are rounded down to the microsecond by to_timestamp(); the SoH correlation id keeps its
// FILETIME exactly, because it names the request on the wire.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/core/ids.h"
#include "opennap/core/nap_types.h"

namespace opennap::store {

using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// FILETIME -> Timestamp, rounded down to the microsecond; nullopt for FileTime::kNone and for
// values outside 1970-01-01 .. 9999-12-31 (what both stores accept).
[[nodiscard]] std::optional<Timestamp> to_timestamp(FileTime t) noexcept;
[[nodiscard]] FileTime to_filetime(Timestamp t) noexcept;
// True for 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z.
[[nodiscard]] bool in_range(Timestamp t) noexcept;
// "2026-12-02T01:43:39.123456Z" (always six fraction digits).
[[nodiscard]] std::string to_iso(Timestamp t);

// The access the server granted.
enum class Outcome : std::uint8_t {
    Full = 0,        // "full": full access (isolation state not restricted)
    Probation = 1,   // "probation": full access until probation_end
    Restricted = 2,  // "restricted": restricted access (remediation)
    Deny = 3,        // "deny": Access-Reject
};
inline constexpr std::size_t kOutcomeCount = 4;
[[nodiscard]] std::string_view to_string(Outcome o) noexcept;
[[nodiscard]] std::optional<Outcome> parse_outcome(std::string_view text) noexcept;

// What one SHV said (the policy engine's verdict kinds, docs/audit.md).
enum class ShvStatus : std::uint8_t {
    Compliant = 0,     // "compliant": compliance result codes, all S_OK
    NonCompliant = 1,  // "non-compliant": compliance result codes, not all S_OK
    Failed = 2,        // "failed": a failure category instead of codes
    Unavailable = 3,   // "unavailable": no answer (timeout, not loaded, crashed)
};
[[nodiscard]] std::string_view to_string(ShvStatus s) noexcept;
[[nodiscard]] std::optional<ShvStatus> parse_shv_status(std::string_view text) noexcept;

struct ShvResult {
    SystemHealthEntityId id = 0;
    ShvStatus status = ShvStatus::Unavailable;
    // Whether the SHV counted as passing after the failure-category mapping.
    bool passed = false;
    std::vector<HResult> compliance_codes;            // as the SHV sent them, in order
    std::optional<FailureCategory> failure_category;  // when the SHV sent one
    std::uint32_t latency_us = 0;                     // Validate() to its answer (or timeout)

    friend bool operator==(const ShvResult&, const ShvResult&) = default;
};

struct DecisionRecord {
    // Set by the store when the record is read back (its row id); ignored when appending.
    std::int64_t id = 0;

    Timestamp time{};      // when the decision was made (UTC)
    std::string instance;  // the napserver instance name ([server] name)
    std::string
        client_address;       // the RADIUS client's address as text ("192.0.2.10", "2001:db8::1")
    std::string client_name;  // its [[radius.client]] name; "" if none
    std::optional<std::uint32_t> nas_type;  // MS-Network-Access-Server-Type, when sent
    std::string machine_name;               // MS-MachineName (or the SoH's), "" if none
    // MS-RAS-Correlation-ID of the Access-Request (a GUID), when sent.
    std::optional<Guid> connection_id;
    // The SoH's correlation id (the client's connection GUID + request time), when an SoH was
    // present.
    std::optional<CorrelationId> correlation_id;

    std::vector<ShvResult> shvs;  // one per SHV consulted, in the order the server lists them
    std::string health_policy;    // "" when none matched
    std::string network_policy;   // "" when none matched (default deny)

    Outcome outcome = Outcome::Deny;
    std::optional<Timestamp> probation_end;  // set for Probation
    ExtendedIsolationState extended_state = ExtendedIsolationState::NoData;
    std::string remediation_group;     // "" when none
    std::string url;                   // the help / remediation URL, "" when none
    std::vector<std::string> reasons;  // the policy engine's reasons, in order
    std::uint32_t latency_us = 0;      // request read to answer ready to send

    friend bool operator==(const DecisionRecord&, const DecisionRecord&) = default;
};

// Strings are stored as UTF-8 text. sanitize() makes a record storable by both stores: invalid
// UTF-8 sequences and NUL characters become U+FFFD, and each string is cut (at a character
// boundary) to kMaxText bytes, each reason list to kMaxReasons entries and each SHV list to
// kMaxShvs. The server's strings come from the network (MS-MachineName), so the stores call it on
// every record they append; it returns true when it changed something.
inline constexpr std::size_t kMaxText = 4096;
inline constexpr std::size_t kMaxReasons = 64;
inline constexpr std::size_t kMaxShvs = 64;
bool sanitize(DecisionRecord& record);
// True when sanitize() would change nothing (the usual case: the stores then encode the record
// as it is, without a sanitized copy).
[[nodiscard]] bool is_sanitized(const DecisionRecord& record);

// The key the machine-name filter matches against: the name with ASCII letters lower-cased
// (Windows machine names compare case-insensitively; other characters are compared as they are).
[[nodiscard]] std::string machine_key(std::string_view machine_name);

}  // namespace opennap::store
