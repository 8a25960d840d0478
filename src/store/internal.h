// What the SQLite and PostgreSQL stores share (not a public header): the columns of a decision
// row, the record <-> row conversions, and the checks before an append. Both stores read rows as
// text (NULL = nullopt) so that one decoder checks every value the same way.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "opennap/store/audit_store.h"
#include "opennap/store/decision.h"

namespace opennap::store::internal {

// The columns a query selects, in this order.
enum Col : std::size_t {
    kId,
    kTimeUs,
    kInstance,
    kClientAddress,
    kClientName,
    kNasType,
    kMachineName,
    kConnectionId,
    kCorrelationGuid,
    kCorrelationTime,
    kShvs,
    kHealthPolicy,
    kNetworkPolicy,
    kOutcome,
    kProbationEndUs,
    kExtendedState,
    kRemediationGroup,
    kUrl,
    kReasons,
    kLatencyUs,
    kColCount,
};
// Column names as stored (kTimeUs is "time", kProbationEndUs "probation_end").
extern const std::array<std::string_view, kColCount> kColNames;

using RawRow = std::array<std::optional<std::string_view>, kColCount>;

// Decodes a row; a bad value is Corrupt with the row id and the column (and JSON path).
[[nodiscard]] StoreResult<DecisionRecord> decode_row(const RawRow& row, const std::string& where);

// A record ready to be written: sanitized, every value as the stores write it.
struct EncodedRow {
    // The sanitized copy of a record that sanitize() had to change; null when the record was
    // stored as it came. The text fields below view it or the caller's record, which must
    // outlive the row (both stores encode and insert a batch within one append()).
    std::unique_ptr<DecisionRecord> sanitized;
    std::int64_t time_us = 0;
    std::string_view instance;
    std::string_view client_address;
    std::string_view client_name;
    std::optional<std::int64_t> nas_type;
    std::string_view machine_name;
    std::string machine_key;
    std::optional<std::string> connection_id;      // canonical GUID text
    std::optional<std::string> correlation_guid;   // canonical GUID text
    std::optional<std::int64_t> correlation_time;  // FILETIME ticks (the 64 bits, signed)
    std::string shvs;                              // JSON
    std::string_view health_policy;
    std::string_view network_policy;
    std::string_view outcome;
    std::optional<std::int64_t> probation_end_us;
    std::string_view extended_state;
    std::string_view remediation_group;
    std::string_view url;
    std::string reasons;  // JSON
    std::int64_t latency_us = 0;
};

// Checks and encodes every record of a batch; the first rejected record (a time out of range or
// an enum value outside its documented set) fails the batch, its message naming the record's
// index in the batch. A record whose reasons are those of the record before it (most of a busy
// server's batch: the same SHV results give the same lines) takes that record's encoded reasons
// instead of encoding them again.
[[nodiscard]] StoreResult<std::vector<EncodedRow>> encode_batch(
    std::span<const DecisionRecord> batch, const std::string& where);

[[nodiscard]] std::string_view extended_state_name(ExtendedIsolationState s) noexcept;

}  // namespace opennap::store::internal
