// The audit store: where every decision is recorded (docs/audit.md). AuditStore is the interface
// the two implementations share (sqlite_store.h: embedded SQLite, the default; pg_store.h:
// PostgreSQL, shared by several napserver instances); AuditWriter (audit_writer.h) batches
// appends off the request path.
//
// An AuditStore object holds one database connection and serialises its own calls (it is safe to
// call from several threads, one call at a time runs). No call throws: failures are StoreError
// values. Reads check every value they decode and report the row and column of a bad one.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/store/decision.h"

namespace opennap::store {

struct StoreError {
    enum class Kind : std::uint8_t {
        // The database cannot be reached or is busy now (connection refused or lost, server
        // shutting down, SQLite busy or locked, disk full): the same call may succeed later.
        Unavailable,
        // The database refused the data (a constraint, a value out of range): retrying the same
        // records fails again.
        Rejected,
        // A stored value that does not decode (row and field say which), or tables that are not
        // ours.
        Corrupt,
        // The schema version is newer than this program knows.
        TooNew,
        // Cannot be opened at all (bad path or conninfo, permissions, authentication).
        Unreadable,
        // A bad argument (a filter out of range).
        Invalid,
    };
    Kind kind = Kind::Unavailable;
    std::string where;     // the database file, or the conninfo without its password
    std::string message;   // what went wrong, with the database's own message when it has one
    std::int64_t row = 0;  // for Corrupt: the row id; 0 otherwise
    std::string field;     // for Corrupt / Rejected: the column, e.g. "shvs[1].codes[0]"
    std::string code;      // SQLite's extended result code or PostgreSQL's SQLSTATE, "" if none

    // Unavailable is worth retrying; everything else is not.
    [[nodiscard]] bool retryable() const noexcept { return kind == Kind::Unavailable; }
    // "audit.db: corrupt record: row 17 field shvs[0].status: unknown status \"x\""
    [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] std::string_view to_string(StoreError::Kind kind) noexcept;

template <typename T>
using StoreResult = std::expected<T, StoreError>;

// Filters of query() and count_by_outcome(). Every filter given must match.
struct DecisionQuery {
    std::optional<Timestamp> since;  // time >= since
    std::optional<Timestamp> until;  // time < until
    // The machine name: an exact name, or a glob when it contains '*' (any run of characters)
    // or '?' (one character); '\' makes the next character literal. ASCII letters match either
    // case (machine_key()). "" matches every record.
    std::string machine;
    std::optional<Outcome> outcome;
    // At most this many records (newest first); 0 means no limit.
    std::size_t limit = 100;
};

// Records per outcome, indexed by Outcome.
struct OutcomeCounts {
    std::array<std::uint64_t, kOutcomeCount> by_outcome{};
    [[nodiscard]] std::uint64_t operator[](Outcome o) const noexcept {
        return by_outcome[static_cast<std::size_t>(o)];
    }
    [[nodiscard]] std::uint64_t total() const noexcept;
    friend bool operator==(const OutcomeCounts&, const OutcomeCounts&) = default;
};

class AuditStore {
  public:
    virtual ~AuditStore() = default;
    AuditStore() = default;
    AuditStore(const AuditStore&) = delete;
    AuditStore& operator=(const AuditStore&) = delete;

    // "sqlite" or "postgresql".
    [[nodiscard]] virtual std::string_view kind() const noexcept = 0;
    // The database file or the conninfo (password removed), for messages.
    [[nodiscard]] virtual const std::string& where() const noexcept = 0;

    // Appends the records in one transaction: all are stored, or none (on error). Each record
    // is sanitize()d first (on a copy); `id` is ignored. An empty batch does nothing.
    virtual StoreResult<void> append(std::span<const DecisionRecord> batch) = 0;

    // One transaction written in parts, as its records arrive (optional; docs/audit.md, "The
    // writer"): begin_batch() opens it, append_part() adds records to it (each sanitize()d, as
    // append() does), commit_batch() stores every part's records, or none on error, and
    // abort_batch() drops them. After an error the transaction is over (rolled back). A store
    // that does not write in parts returns false from begin_batch(), the default: its writer
    // gives it whole batches through append(). While a transaction is open, append(), query(),
    // count_by_outcome() and prune() belong to no one else: the writer calls none of them then.
    virtual StoreResult<bool> begin_batch() { return false; }
    virtual StoreResult<void> append_part(std::span<const DecisionRecord> part);
    virtual StoreResult<void> commit_batch();
    virtual void abort_batch() {}

    // The matching records, newest first (by time, then by id).
    virtual StoreResult<std::vector<DecisionRecord>> query(const DecisionQuery& q) = 0;

    // How many records match, per outcome (q.outcome and q.limit are ignored).
    virtual StoreResult<OutcomeCounts> count_by_outcome(const DecisionQuery& q) = 0;

    // Deletes the records older than `before` (time < before); returns how many. Retention is
    // the operator's choice (docs/audit.md, "Retention"): nothing is deleted unless asked.
    virtual StoreResult<std::uint64_t> prune(Timestamp before) = 0;
};

// The glob of DecisionQuery::machine as a SQL LIKE pattern over machine_key() with '\' as the
// ESCAPE character ("PC-*" -> "pc-%", "a_b" -> "a\_b"); nullopt when `machine` has no wildcard
// (an exact match). Shared by both stores so that they match the same records.
[[nodiscard]] std::optional<std::string> machine_like_pattern(std::string_view machine);
// The exact name's key (the escapes removed, lower-cased): for a `machine` without wildcards.
[[nodiscard]] std::string machine_exact_key(std::string_view machine);
// Whether `machine_name` matches the filter `machine` (the same rule, in C++: for tests and for
// filtering outside a database).
[[nodiscard]] bool machine_matches(std::string_view machine, std::string_view machine_name);

}  // namespace opennap::store
