// The embedded audit store: one SQLite database file (docs/audit.md, "SQLite").
//
// WAL mode, so that `napctl server decisions` reads while the server writes; synchronous=NORMAL
// by default (a committed batch survives the process being killed; the last batches may be lost
// on a power cut) or FULL. A second writer on the same file waits up to busy_timeout for the
// lock and then fails with StoreError::Kind::Unavailable (the AuditWriter retries). Writes in
// parts (AuditStore::begin_batch): the AuditWriter holds the write lock while a batch is open,
// at most its flush_interval.
//
// Schema version 2: the records are in opennap_decision_row, each distinct reasons list once in
// opennap_reasons, and the view opennap_decision reads as version 1's table did. A version 1
// database is brought to version 2 when opened for writing; read-only, either is read as it is.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "opennap/store/audit_store.h"

namespace opennap::store {

inline constexpr int kSqliteSchemaVersion = 2;

struct SqliteOptions {
    std::filesystem::path path;
    // How long a statement waits for another connection's lock before failing Unavailable.
    std::chrono::milliseconds busy_timeout{2000};
    // true: synchronous=FULL (fsync of the WAL at each commit: batches survive a power cut).
    bool full_sync = false;
    // The WAL's size, in pages, past which a commit checkpoints it into the database file
    // (SQLite's default, 1,000; values below 1 are taken as 1).
    int checkpoint_pages = 1000;
    // After each checkpoint, drop the database file's pages from the operating system's page
    // cache (posix_fadvise DONTNEED): the audit log is written once and seldom read, and kept
    // cached it grows the page cache by every record written (docs/audit.md, "SQLite").
    bool drop_written_pages = true;
    // Open without creating or changing anything (napctl): the file must exist.
    bool read_only = false;
};

// Opens (creating when absent, unless read_only) the database and its schema. Errors: Unreadable
// (cannot open), Corrupt (not a database, or tables that are not ours), TooNew, Unavailable
// (locked by another connection past busy_timeout while creating the schema).
[[nodiscard]] StoreResult<std::unique_ptr<AuditStore>> open_sqlite_store(
    const SqliteOptions& options);

}  // namespace opennap::store
