// The SQLite audit store (include/opennap/store/sqlite_store.h; docs/audit.md, "SQLite").
#include "opennap/store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "internal.h"

namespace opennap::store {

namespace {

using internal::Col;
using K = StoreError::Kind;

// Schema version 1 (docs/audit.md, "Schema"), as earlier releases created it: a new database is
// created as version 1 and then brought to version 2, as an existing one is. Times are
// microseconds since the Unix epoch (UTC). The outcome CHECK is written with OR rather than IN
// (...): SQLite 3.40 builds an ephemeral table for an IN list on every insert (databases created
// with the IN form behave the same).
constexpr const char* kSchema = R"sql(
CREATE TABLE opennap_schema (
  version INTEGER NOT NULL
);
CREATE TABLE opennap_decision (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  instance TEXT NOT NULL,
  client_address TEXT NOT NULL,
  client_name TEXT NOT NULL,
  nas_type INTEGER CHECK (nas_type BETWEEN 0 AND 4294967295),
  machine_name TEXT NOT NULL,
  machine_key TEXT NOT NULL,
  connection_id TEXT,
  correlation_guid TEXT,
  correlation_time INTEGER,
  shvs TEXT NOT NULL,
  health_policy TEXT NOT NULL,
  network_policy TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome = 'full' OR outcome = 'probation' OR
                              outcome = 'restricted' OR outcome = 'deny'),
  probation_end INTEGER,
  extended_state TEXT NOT NULL,
  remediation_group TEXT NOT NULL,
  url TEXT NOT NULL,
  reasons TEXT NOT NULL,
  latency_us INTEGER NOT NULL
);
CREATE INDEX opennap_decision_time ON opennap_decision (time);
CREATE INDEX opennap_decision_machine ON opennap_decision (machine_key, time);
INSERT INTO opennap_schema (version) VALUES (1);
)sql";

// Version 1 -> 2: a record's reasons are stored once per distinct list, in opennap_reasons, and
// the record names them (reasons_id; its own reasons column is then ''). The reasons were 40 %
// of a record's bytes and repeat from record to record (they name SHVs, codes and policies, not
// machines); every byte of a record is written twice, to the WAL and at the checkpoint
// (docs/benchmarks.md). The table is renamed opennap_decision_row, and the view
// opennap_decision shows the version 1 columns, so queries written for version 1 read the same.
// Records written under version 1 keep their reasons in place (reasons_id NULL). O(1): no
// record is rewritten.
constexpr const char* kToVersion2 = R"sql(
ALTER TABLE opennap_decision RENAME TO opennap_decision_row;
ALTER TABLE opennap_decision_row ADD COLUMN reasons_id INTEGER;
CREATE TABLE opennap_reasons (
  id INTEGER PRIMARY KEY,
  reasons TEXT NOT NULL UNIQUE
);
CREATE VIEW opennap_decision AS SELECT id, time, instance, client_address, client_name,
  nas_type, machine_name, machine_key, connection_id, correlation_guid, correlation_time, shvs,
  health_policy, network_policy, outcome, probation_end, extended_state, remediation_group, url,
  CASE WHEN d.reasons_id IS NULL THEN d.reasons
       ELSE (SELECT r.reasons FROM opennap_reasons r WHERE r.id = d.reasons_id) END AS reasons,
  latency_us FROM opennap_decision_row d;
UPDATE opennap_schema SET version = 2;
)sql";

// One record is 20 parameters, ?1 .. ?20; kInsertMany rows are one statement of kInsertMany
// such tuples (row k's parameters are 20 k + 1 .. 20 k + 20). A statement's fixed costs (its
// start, and its end: sqlite3VdbeHalt) were a fifth of SQLite's instructions per record at one
// row per statement (docs/benchmarks.md). OR ROLLBACK: a statement of several rows that may
// fail half-way otherwise keeps a statement journal, which SQLite spills to a temporary file
// past 64 KiB (with 16 KiB pages, every statement); a refused record fails the whole batch
// anyway (the callers roll back; the ROLLBACK after SQLite's own is a harmless no-op).
constexpr int kInsertParams = 20;
constexpr std::size_t kInsertMany = 16;
constexpr const char* kInsertHead =
    "INSERT OR ROLLBACK INTO opennap_decision_row (time, instance, client_address, client_name, "
    "nas_type, machine_name, machine_key, connection_id, correlation_guid, correlation_time, "
    "shvs, health_policy, network_policy, outcome, probation_end, extended_state, "
    "remediation_group, url, reasons, reasons_id, latency_us) VALUES ";

// The INSERT of `rows` records.
std::string insert_sql(std::size_t rows) {
    std::string sql = kInsertHead;
    for (std::size_t k = 0; k < rows; ++k) {
        const std::size_t b = k * kInsertParams;
        sql += k == 0 ? "(" : ", (";
        for (std::size_t c = 1; c <= kInsertParams; ++c) {
            sql += c == 1 ? "?" : (c == 19 ? ", '', ?" : ", ?");  // the reasons column is ''
            sql += std::to_string(b + c);
        }
        sql += ')';
    }
    return sql;
}

// A reasons list's id: made when new, found when it exists (the cache in front of these).
constexpr const char* kInsertReasons =
    "INSERT INTO opennap_reasons (reasons) VALUES (?1) ON CONFLICT (reasons) DO NOTHING";
constexpr const char* kSelectReasons = "SELECT id FROM opennap_reasons WHERE reasons = ?1";

// Reasons lists whose ids the store keeps in memory, and their bytes (a list may be up to 64
// sentences of 4 KiB); past either the cache starts again.
constexpr std::size_t kReasonsCache = 4096;
constexpr std::size_t kReasonsCacheBytes = std::size_t{4} << 20;

constexpr const char* kSelect =
    "SELECT id, time, instance, client_address, client_name, nas_type, machine_name, "
    "connection_id, correlation_guid, correlation_time, shvs, health_policy, network_policy, "
    "outcome, probation_end, extended_state, remediation_group, url, reasons, latency_us FROM "
    "opennap_decision";

class Stmt {
  public:
    Stmt() = default;
    explicit Stmt(sqlite3_stmt* s) : s_(s) {}
    Stmt(Stmt&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Stmt& operator=(Stmt&& o) noexcept {
        std::swap(s_, o.s_);
        return *this;
    }
    ~Stmt() { sqlite3_finalize(s_); }
    sqlite3_stmt* get() const noexcept { return s_; }

  private:
    sqlite3_stmt* s_ = nullptr;
};

// What an SQLite failure means for the caller.
K kind_of(int rc) {
    switch (rc & 0xFF) {
        case SQLITE_CONSTRAINT:
        case SQLITE_TOOBIG:
        case SQLITE_MISMATCH:
        case SQLITE_RANGE:
            return K::Rejected;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_FORMAT:
        case SQLITE_SCHEMA:
            return K::Corrupt;
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
        case SQLITE_AUTH:
            return K::Unreadable;
        default:  // BUSY, LOCKED, FULL, IOERR, READONLY, NOMEM, ...: may pass later
            return K::Unavailable;
    }
}

// Binds one value; the text must stay alive until the step (SQLITE_STATIC).
void bind(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}
void bind(sqlite3_stmt* s, int i, std::string_view v) {
    // A null pointer would bind NULL; an empty view of no string is still text.
    sqlite3_bind_text(s, i, v.data() != nullptr ? v.data() : "", static_cast<int>(v.size()),
                      SQLITE_STATIC);
}
void bind(sqlite3_stmt* s, int i, std::int64_t v) {
    sqlite3_bind_int64(s, i, v);
}
template <typename T>
void bind(sqlite3_stmt* s, int i, const std::optional<T>& v) {
    if (v)
        bind(s, i, *v);
    else
        sqlite3_bind_null(s, i);
}

class SqliteStore final : public AuditStore {
  public:
    std::string path;
    sqlite3* db = nullptr;
    std::mutex mu;
    Stmt insert, insert_many, begin, commit, rollback, insert_reasons, select_reasons;
    bool in_batch = false;       // mu: begin_batch() opened a transaction
    std::size_t batch_rows = 0;  // mu: rows appended to it so far
    // mu: encoded reasons lists -> their opennap_reasons id. Only ids of rows that exist, or that
    // the open transaction made: every rollback empties it (rollback_locked), and nothing
    // deletes from opennap_reasons.
    std::unordered_map<std::string, std::int64_t> reasons_ids;
    std::size_t reasons_bytes = 0;  // mu: the keys' bytes
    // Checkpoints (wal_hook): the WAL's size in pages past which a commit checkpoints it, and a
    // descriptor of the database file (-1: none) whose cached pages are dropped after each.
    int checkpoint_pages = 1000;
    int drop_fd = -1;

    ~SqliteStore() override {
        insert = Stmt();
        insert_many = Stmt();
        insert_reasons = Stmt();
        select_reasons = Stmt();
        begin = Stmt();
        commit = Stmt();
        rollback = Stmt();
        sqlite3_close_v2(db);
        if (drop_fd >= 0)
            ::close(drop_fd);
    }

    // SQLite's automatic checkpoint (a PASSIVE one once the WAL passes checkpoint_pages, as
    // sqlite3_wal_autocheckpoint() does), then the database file's pages dropped from the page
    // cache (docs/audit.md, "SQLite"). Called by SQLite after each commit, within it.
    static int wal_hook(void* self, sqlite3* db, const char* name, int pages) {
        auto* st = static_cast<SqliteStore*>(self);
        if (pages < st->checkpoint_pages)
            return SQLITE_OK;
        // A failed checkpoint (a reader in the way: BUSY) is tried again after the next commit,
        // as SQLite's own hook would; the commit itself has succeeded either way.
        (void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        if (st->drop_fd >= 0)
            (void)::posix_fadvise(st->drop_fd, 0, 0, POSIX_FADV_DONTNEED);
        return SQLITE_OK;
    }

    std::string_view kind() const noexcept override { return "sqlite"; }
    const std::string& where() const noexcept override { return path; }

    StoreError error(K kind, std::string what, int rc = 0) const {
        std::string msg = std::move(what);
        std::string code;
        if (rc != 0) {
            msg += ": ";
            msg += db != nullptr && sqlite3_extended_errcode(db) == rc ? sqlite3_errmsg(db)
                                                                       : sqlite3_errstr(rc);
            code = "SQLite " + std::to_string(rc);
        }
        return StoreError{kind, path, std::move(msg), 0, "", std::move(code)};
    }

    StoreResult<Stmt> prepare(const char* sql, bool persistent) const {
        sqlite3_stmt* s = nullptr;
        const int rc = sqlite3_prepare_v3(db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
                                          &s, nullptr);
        if (rc != SQLITE_OK) {
            // A statement of ours that does not prepare against existing tables: not ours.
            const K k = (rc & 0xFF) == SQLITE_ERROR ? K::Corrupt : kind_of(rc);
            return std::unexpected(error(k, std::string("preparing \"") + sql + "\"", rc));
        }
        return Stmt(s);
    }

    int run(const Stmt& s) {
        const int rc = sqlite3_step(s.get());
        sqlite3_reset(s.get());
        return rc;
    }

    StoreResult<void> init(bool read_only) {
        auto exec = [&](const char* sql) {
            return sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
        };
        if (!read_only) {
            // 16 KiB pages for a new database (an existing one keeps its own; in WAL mode the size
            // can no longer change): a record is 0.6-1.4 KB, and each page written costs the
            // writer two write(2)s to the WAL and one at the checkpoint, the larger part of its
            // time. Measured in docs/benchmarks.md (audit store).
            int rc = exec("PRAGMA page_size=16384");
            if (rc != SQLITE_OK)
                return std::unexpected(error(kind_of(rc), "setting the page size", rc));
            // WAL: readers (napctl) do not block the writer, nor it them.
            {
                sqlite3_stmt* raw = nullptr;
                rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
                Stmt pragma(raw);
                if (rc == SQLITE_OK)
                    rc = sqlite3_step(pragma.get());
                if (rc != SQLITE_ROW)
                    return std::unexpected(error(kind_of(rc), "setting WAL mode", rc));
            }
            rc = exec("BEGIN IMMEDIATE");
            if (rc != SQLITE_OK)
                return std::unexpected(error(kind_of(rc), "locking to check the schema", rc));
            auto version = schema_version();
            if (version && *version == 0) {
                rc = exec(kSchema);
                if (rc != SQLITE_OK) {
                    auto e = error(kind_of(rc), "creating the schema", rc);
                    exec("ROLLBACK");
                    return std::unexpected(e);
                }
            }
            if (version && *version < 2) {
                rc = exec(kToVersion2);
                if (rc != SQLITE_OK) {
                    auto e = error(kind_of(rc), "bringing the schema to version 2", rc);
                    exec("ROLLBACK");
                    return std::unexpected(e);
                }
            }
            if (!version) {
                exec("ROLLBACK");
                return std::unexpected(version.error());
            }
            rc = exec("COMMIT");
            if (rc != SQLITE_OK) {
                auto e = error(kind_of(rc), "creating the schema", rc);
                exec("ROLLBACK");
                return std::unexpected(e);
            }
        } else {
            auto version = schema_version();
            if (!version)
                return std::unexpected(version.error());
            if (*version == 0)
                return std::unexpected(error(K::Unreadable, "no audit records here (no schema)"));
        }
        const std::string insert_one = insert_sql(1);
        const std::string insert_n = insert_sql(kInsertMany);
        for (auto [stmt, sql] : {std::pair{&insert, insert_one.c_str()},
                                 {&insert_many, insert_n.c_str()},
                                 {&insert_reasons, kInsertReasons},
                                 {&select_reasons, kSelectReasons},
                                 {&begin, "BEGIN IMMEDIATE"},
                                 {&commit, "COMMIT"},
                                 {&rollback, "ROLLBACK"}}) {
            // Read-only: the database may still be at version 1 (nothing migrates it).
            if (read_only && stmt != &begin && stmt != &commit && stmt != &rollback)
                continue;
            auto s = prepare(sql, true);
            if (!s)
                return std::unexpected(s.error());
            *stmt = std::move(*s);
        }
        // Checks that the table has our columns (a query that names them all).
        auto probe = prepare((std::string(kSelect) + " LIMIT 0").c_str(), false);
        if (!probe)
            return std::unexpected(probe.error());
        return {};
    }

    // 0 when the database has no schema yet (no tables at all).
    StoreResult<int> schema_version() {
        auto count = prepare("SELECT count(*) FROM sqlite_master", false);
        if (!count)
            return std::unexpected(count.error());
        int rc = sqlite3_step(count->get());
        if (rc != SQLITE_ROW)
            return std::unexpected(error(kind_of(rc), "reading the schema", rc));
        if (sqlite3_column_int64(count->get(), 0) == 0)
            return 0;
        auto v = prepare("SELECT version FROM opennap_schema", false);
        if (!v) {
            auto e = v.error();
            e.message = "not an OpenNAP audit database (" + e.message + ")";
            return std::unexpected(e);
        }
        rc = sqlite3_step(v->get());
        if (rc != SQLITE_ROW || sqlite3_column_type(v->get(), 0) != SQLITE_INTEGER)
            return std::unexpected(
                error(K::Corrupt, "no schema version", rc == SQLITE_ROW ? 0 : rc));
        const auto version = sqlite3_column_int64(v->get(), 0);
        if (version > kSqliteSchemaVersion)
            return std::unexpected(error(
                K::TooNew, "schema version " + std::to_string(version) + " (this program knows " +
                               std::to_string(kSqliteSchemaVersion) + ")"));
        if (version < 1)
            return std::unexpected(error(K::Corrupt, "schema version " + std::to_string(version)));
        return static_cast<int>(version);
    }

    StoreResult<void> append(std::span<const DecisionRecord> batch) override {
        if (batch.empty())
            return {};
        auto encoded = internal::encode_batch(batch, path);
        if (!encoded)
            return std::unexpected(encoded.error());
        std::lock_guard lock(mu);
        if (auto r = begin_locked(); !r)
            return r;
        if (auto r = insert_rows(*encoded, 0); !r) {
            rollback_locked();
            return r;
        }
        return commit_locked();
    }

    StoreResult<bool> begin_batch() override {
        std::lock_guard lock(mu);
        if (auto r = begin_locked(); !r)
            return std::unexpected(r.error());
        in_batch = true;
        batch_rows = 0;
        return true;
    }

    // Starts a write transaction (mu held): not on a read-only store, nor inside a batch written
    // in parts.
    StoreResult<void> begin_locked() {
        if (!insert.get())
            return std::unexpected(error(K::Invalid, "opened read-only"));
        if (in_batch)
            return std::unexpected(error(K::Invalid, "a batch written in parts is open"));
        const int rc = run(begin);
        if (rc != SQLITE_DONE)
            return std::unexpected(error(kind_of(rc), "starting a transaction", rc));
        return {};
    }

    StoreResult<void> append_part(std::span<const DecisionRecord> part) override {
        auto encoded = internal::encode_batch(part, path);
        std::lock_guard lock(mu);
        if (!in_batch)
            return std::unexpected(error(K::Invalid, "no batch is open"));
        if (!encoded) {
            abort_locked();
            return std::unexpected(encoded.error());
        }
        if (auto r = insert_rows(*encoded, batch_rows); !r) {
            abort_locked();
            return r;
        }
        batch_rows += encoded->size();
        return {};
    }

    StoreResult<void> commit_batch() override {
        std::lock_guard lock(mu);
        if (!in_batch)
            return std::unexpected(error(K::Invalid, "no batch is open"));
        in_batch = false;
        return commit_locked();
    }

    void abort_batch() override {
        std::lock_guard lock(mu);
        abort_locked();
    }

    // Inserts encoded rows into the open transaction (mu held), kInsertMany per statement and
    // the rest one by one; `first` numbers them in messages. The caller rolls back on error.
    StoreResult<void> insert_rows(const std::vector<internal::EncodedRow>& rows,
                                  std::size_t first) {
        std::size_t i = 0;
        while (i < rows.size()) {
            const std::size_t n = rows.size() - i >= kInsertMany ? kInsertMany : 1;
            sqlite3_stmt* s = n == kInsertMany ? insert_many.get() : insert.get();
            for (std::size_t k = 0; k < n; ++k) {
                const internal::EncodedRow& r = rows[i + k];
                const int b = static_cast<int>(k) * kInsertParams;
                bind(s, b + 1, r.time_us);
                bind(s, b + 2, r.instance);
                bind(s, b + 3, r.client_address);
                bind(s, b + 4, r.client_name);
                bind(s, b + 5, r.nas_type);
                bind(s, b + 6, r.machine_name);
                bind(s, b + 7, r.machine_key);
                bind(s, b + 8, r.connection_id);
                bind(s, b + 9, r.correlation_guid);
                bind(s, b + 10, r.correlation_time);
                bind(s, b + 11, r.shvs);
                bind(s, b + 12, r.health_policy);
                bind(s, b + 13, r.network_policy);
                bind(s, b + 14, r.outcome);
                bind(s, b + 15, r.probation_end_us);
                bind(s, b + 16, r.extended_state);
                bind(s, b + 17, r.remediation_group);
                bind(s, b + 18, r.url);
                auto rid = reasons_id(r.reasons, first + i + k);
                if (!rid) {
                    sqlite3_reset(s);
                    return std::unexpected(rid.error());
                }
                bind(s, b + 19, *rid);
                bind(s, b + 20, r.latency_us);
            }
            // Every parameter is bound above (NULL included), so no sqlite3_clear_bindings.
            const int rc = sqlite3_step(s);
            sqlite3_reset(s);
            if (rc != SQLITE_DONE) {
                std::string what = "inserting record " + std::to_string(first + i);
                if (n > 1)
                    what += " (or one of the " + std::to_string(n - 1) + " after it)";
                return std::unexpected(error(kind_of(rc), std::move(what), rc));
            }
            i += n;
        }
        return {};
    }

    // Commits the open transaction (mu held); rolls it back when the commit fails.
    StoreResult<void> commit_locked() {
        const int rc = run(commit);
        if (rc != SQLITE_DONE) {
            auto e = error(kind_of(rc), "committing", rc);
            rollback_locked();
            return std::unexpected(e);
        }
        return {};
    }

    void abort_locked() {
        if (in_batch)
            rollback_locked();
        in_batch = false;
    }

    // Rolls the open transaction back (mu held). The reasons ids it made are gone with it, and
    // which those were is not kept: the cache starts again.
    void rollback_locked() {
        run(rollback);
        reasons_ids.clear();
        reasons_bytes = 0;
    }

    // The id of an encoded reasons list (mu held, in the open transaction): from the cache, else
    // found or made in opennap_reasons.
    StoreResult<std::int64_t> reasons_id(const std::string& reasons, std::size_t index) {
        if (auto it = reasons_ids.find(reasons); it != reasons_ids.end())
            return it->second;
        auto fail = [&](int rc) {
            return std::unexpected(
                error(kind_of(rc), "storing the reasons of record " + std::to_string(index), rc));
        };
        bind(insert_reasons.get(), 1, reasons);
        int rc = run(insert_reasons);
        if (rc != SQLITE_DONE)
            return fail(rc);
        sqlite3_stmt* s = select_reasons.get();
        bind(s, 1, reasons);
        rc = sqlite3_step(s);
        const std::int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW)
            return fail(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
        if (reasons_ids.size() >= kReasonsCache ||
            reasons_bytes + reasons.size() > kReasonsCacheBytes) {
            reasons_ids.clear();
            reasons_bytes = 0;
        }
        reasons_ids.emplace(reasons, id);
        reasons_bytes += reasons.size();
        return id;
    }

    // " WHERE ..." for the filters, and the values to bind in order.
    struct Where {
        std::string sql;
        std::vector<std::variant<std::int64_t, std::string>> args;
    };
    static Where where_clause(const DecisionQuery& q, bool with_outcome) {
        Where w;
        auto add = [&](std::string cond) {
            w.sql += w.sql.empty() ? " WHERE " : " AND ";
            w.sql += cond;
        };
        if (q.since) {
            add("time >= ?");
            w.args.emplace_back(q.since->time_since_epoch().count());
        }
        if (q.until) {
            add("time < ?");
            w.args.emplace_back(q.until->time_since_epoch().count());
        }
        if (!q.machine.empty()) {
            if (auto like = machine_like_pattern(q.machine)) {
                add("machine_key LIKE ? ESCAPE '\\'");
                w.args.emplace_back(std::move(*like));
            } else {
                add("machine_key = ?");
                w.args.emplace_back(machine_exact_key(q.machine));
            }
        }
        if (with_outcome && q.outcome) {
            add("outcome = ?");
            w.args.emplace_back(std::string(to_string(*q.outcome)));
        }
        return w;
    }

    static void bind_args(sqlite3_stmt* s, const Where& w) {
        int i = 1;
        for (const auto& a : w.args) {
            if (const auto* n = std::get_if<std::int64_t>(&a))
                sqlite3_bind_int64(s, i++, *n);
            else
                bind(s, i++, std::get<std::string>(a));
        }
    }

    StoreResult<std::vector<DecisionRecord>> query(const DecisionQuery& q) override {
        const Where w = where_clause(q, true);
        std::string sql = std::string(kSelect) + w.sql + " ORDER BY time DESC, id DESC";
        if (q.limit != 0)
            sql += " LIMIT " + std::to_string(q.limit);
        std::lock_guard lock(mu);
        auto s = prepare(sql.c_str(), false);
        if (!s)
            return std::unexpected(s.error());
        bind_args(s->get(), w);
        std::vector<DecisionRecord> out;
        int rc;
        while ((rc = sqlite3_step(s->get())) == SQLITE_ROW) {
            internal::RawRow row;
            for (std::size_t c = 0; c < internal::kColCount; ++c) {
                const int col = static_cast<int>(c);
                if (sqlite3_column_type(s->get(), col) == SQLITE_NULL)
                    continue;
                const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s->get(), col));
                const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s->get(), col));
                row[c] = std::string_view(p != nullptr ? p : "", n);
            }
            auto r = internal::decode_row(row, path);
            if (!r)
                return std::unexpected(r.error());
            out.push_back(std::move(*r));
        }
        if (rc != SQLITE_DONE)
            return std::unexpected(error(kind_of(rc), "reading records", rc));
        return out;
    }

    StoreResult<OutcomeCounts> count_by_outcome(const DecisionQuery& q) override {
        const Where w = where_clause(q, false);
        const std::string sql =
            "SELECT outcome, count(*) FROM opennap_decision" + w.sql + " GROUP BY outcome";
        std::lock_guard lock(mu);
        auto s = prepare(sql.c_str(), false);
        if (!s)
            return std::unexpected(s.error());
        bind_args(s->get(), w);
        OutcomeCounts out;
        int rc;
        while ((rc = sqlite3_step(s->get())) == SQLITE_ROW) {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0));
            const auto o = parse_outcome(p != nullptr ? p : "");
            if (!o)
                return std::unexpected(
                    StoreError{K::Corrupt, path, "not a known outcome", 0, "outcome", ""});
            out.by_outcome[static_cast<std::size_t>(*o)] +=
                static_cast<std::uint64_t>(sqlite3_column_int64(s->get(), 1));
        }
        if (rc != SQLITE_DONE)
            return std::unexpected(error(kind_of(rc), "counting records", rc));
        return out;
    }

    StoreResult<std::uint64_t> prune(Timestamp before) override {
        std::lock_guard lock(mu);
        if (in_batch)
            return std::unexpected(error(K::Invalid, "a batch written in parts is open"));
        auto s = prepare("DELETE FROM opennap_decision_row WHERE time < ?", false);
        if (!s)
            return std::unexpected(s.error());
        sqlite3_bind_int64(s->get(), 1, before.time_since_epoch().count());
        const int rc = sqlite3_step(s->get());
        if (rc != SQLITE_DONE)
            return std::unexpected(error(kind_of(rc), "pruning", rc));
        return static_cast<std::uint64_t>(sqlite3_changes64(db));
    }
};

}  // namespace

StoreResult<std::unique_ptr<AuditStore>> open_sqlite_store(const SqliteOptions& options) {
    // SQLite's allocation statistics take a global mutex around every malloc and free it makes;
    // nothing here reads them. Only possible before SQLite initializes (later: SQLITE_MISUSE,
    // and the statistics stay on, which changes nothing but the cost).
    static std::once_flag quiet_stats;
    std::call_once(quiet_stats, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
    auto st = std::make_unique<SqliteStore>();
    st->path = options.path.string();
    const int flags =
        (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int rc = sqlite3_open_v2(st->path.c_str(), &st->db, flags, nullptr);
    if (rc != SQLITE_OK) {
        const K k = (rc & 0xFF) == SQLITE_CANTOPEN || (rc & 0xFF) == SQLITE_PERM ? K::Unreadable
                                                                                 : kind_of(rc);
        return std::unexpected(st->error(k, "cannot open", rc));
    }
    sqlite3_busy_timeout(st->db, static_cast<int>(options.busy_timeout.count()));
    if (auto r = st->init(options.read_only); !r)
        return std::unexpected(r.error());
    if (!options.read_only) {
        rc = sqlite3_exec(
            st->db, options.full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
            nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            return std::unexpected(st->error(kind_of(rc), "setting synchronous", rc));
        st->checkpoint_pages = std::max(options.checkpoint_pages, 1);
        if (options.drop_written_pages)
            st->drop_fd = ::open(st->path.c_str(), O_RDONLY | O_CLOEXEC);  // -1: not dropped
        sqlite3_wal_hook(st->db, &SqliteStore::wal_hook, st.get());
    }
    return std::unique_ptr<AuditStore>(std::move(st));
}

}  // namespace opennap::store
