// The shared audit store: PostgreSQL through libpq (docs/audit.md, "PostgreSQL"). Several
// napserver instances behind a RADIUS load balancer append to one database at once: each batch is
// one transaction, rows get their ids from an identity column, and the schema is created under an
// advisory lock so that instances starting together do not race.
//
// A lost connection is Unavailable; the next call reconnects first (at most once per call, so a
// caller's back-off paces the attempts). The AuditWriter keeps a failed batch and retries it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "opennap/store/audit_store.h"

namespace opennap::store {

inline constexpr int kPgSchemaVersion = 1;

// How a batch is sent (bench/audit_bench.cc measures both; docs/benchmarks.md).
enum class PgInsertMethod : std::uint8_t {
    Copy,            // COPY ... FROM STDIN (text format)
    MultiRowInsert,  // INSERT ... VALUES (...), (...) with parameters
};

struct PgOptions {
    // A libpq connection string ("host=/run/postgresql dbname=opennap user=napserver") or URI.
    // Unlike libpq, a bare word is not taken as a database name: write "dbname=NAME".
    std::string conninfo;
    PgInsertMethod insert_method = PgInsertMethod::Copy;
    // libpq's connect_timeout when the conninfo does not set one.
    std::chrono::seconds connect_timeout{5};
    // Open without creating the schema (napctl): the tables must exist.
    bool read_only = false;
};

// Connects and creates the schema when absent. Errors: Unavailable (the server cannot be
// reached), Unreadable (authentication, a database that does not exist, a bad conninfo),
// Corrupt (tables that are not ours), TooNew.
[[nodiscard]] StoreResult<std::unique_ptr<AuditStore>> open_pg_store(const PgOptions& options);

// The conninfo with any password removed, for messages ("host=/tmp port=5432 password=***").
[[nodiscard]] std::string redact_conninfo(std::string_view conninfo);

}  // namespace opennap::store
