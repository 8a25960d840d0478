// SqliteStore: the agent's persisted state in SQLite (include/opennap/agentd/store.h;
// docs/napagent.md, "Persistence").
#include "opennap/agentd/store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <set>
#include <span>
#include <system_error>
#include <variant>
#include <vector>

namespace opennap::agentd {

using agent::Change;
using agent::ComponentKind;
using agent::PersistedEc;
using agent::PersistedSha;
using agent::PersistedState;

std::string_view to_string(StoreError::Kind kind) noexcept {
    switch (kind) {
        case StoreError::Kind::Unreadable:
            return "unreadable database";
        case StoreError::Kind::Corrupt:
            return "corrupt database";
        case StoreError::Kind::TooNew:
            return "database of a newer napagent";
    }
    return "database error";
}

std::string StoreError::to_string() const {
    return path.string() + ": " + std::string(agentd::to_string(kind)) + ": " + message;
}

namespace {

// Schema version 1 (docs/napagent.md, "Persistence"). Integers are SQLite's signed 64-bit;
// FILETIMEs are stored as their 64-bit pattern.
constexpr const char* kSchema = R"sql(
CREATE TABLE schema_version (
  version INTEGER NOT NULL
);
CREATE TABLE component (
  kind TEXT NOT NULL CHECK (kind IN ('sha', 'ec')),
  id INTEGER NOT NULL CHECK (id BETWEEN 0 AND 4294967295),
  friendly_name TEXT NOT NULL,
  description TEXT NOT NULL,
  version TEXT NOT NULL,
  vendor_name TEXT NOT NULL,
  info_clsid TEXT NOT NULL,
  config_clsid TEXT NOT NULL,
  registration_date INTEGER NOT NULL,
  component_type INTEGER NOT NULL,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE sha_cache (
  id INTEGER PRIMARY KEY,
  soh BLOB NOT NULL
);
CREATE TABLE sha_state (
  id INTEGER PRIMARY KEY,
  result_codes BLOB NOT NULL,
  failure_category INTEGER NOT NULL,
  fixup_state INTEGER NOT NULL,
  fixup_percentage INTEGER NOT NULL,
  fixup_result_codes BLOB NOT NULL,
  fixup_msg_id INTEGER NOT NULL
);
CREATE TABLE cert_subscription (
  ec_id INTEGER PRIMARY KEY,
  subscriber TEXT NOT NULL
);
CREATE TABLE system_isolation (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  isolation_state INTEGER NOT NULL,
  extended_state INTEGER NOT NULL,
  prob_end_time INTEGER NOT NULL,
  failure_url TEXT NOT NULL,
  unknown_connections INTEGER NOT NULL CHECK (unknown_connections IN (0, 1))
);
INSERT INTO schema_version (version) VALUES (1);
)sql";

const char* kind_text(ComponentKind k) {
    return k == ComponentKind::Sha ? "sha" : "ec";
}

std::int64_t as_i64(std::uint64_t v) {
    return static_cast<std::int64_t>(v);
}

// ---- blob encodings ----

// A result-code list: 4 bytes per code, big-endian.
std::vector<std::uint8_t> encode_codes(const ResultCodes& codes) {
    std::vector<std::uint8_t> out;
    out.reserve(codes.size() * 4);
    for (HResult c : codes) {
        const std::uint32_t v = c.bits();
        out.push_back(static_cast<std::uint8_t>(v >> 24));
        out.push_back(static_cast<std::uint8_t>(v >> 16));
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

std::optional<ResultCodes> decode_codes(std::span<const std::uint8_t> b) {
    if (b.size() % 4 != 0 || b.size() / 4 > maxDwordCountPerSoHAttribute)
        return std::nullopt;
    ResultCodes out;
    out.reserve(b.size() / 4);
    for (std::size_t i = 0; i < b.size(); i += 4) {
        out.emplace_back((std::uint32_t{b[i]} << 24) | (std::uint32_t{b[i + 1]} << 16) |
                         (std::uint32_t{b[i + 2]} << 8) | std::uint32_t{b[i + 3]});
    }
    return out;
}

// An SoH: its attributes as TLVs (type, length: 2 bytes each, big-endian; then the value).
std::vector<std::uint8_t> encode_soh(const SoH& soh) {
    std::vector<std::uint8_t> out;
    for (const SoHAttribute& a : soh.attributes) {
        const auto n = static_cast<std::uint16_t>(a.value.size());  // <= maxSoHAttributeSize
        out.push_back(static_cast<std::uint8_t>(a.type >> 8));
        out.push_back(static_cast<std::uint8_t>(a.type));
        out.push_back(static_cast<std::uint8_t>(n >> 8));
        out.push_back(static_cast<std::uint8_t>(n));
        out.insert(out.end(), a.value.begin(), a.value.end());
    }
    return out;
}

std::optional<SoH> decode_soh(std::span<const std::uint8_t> b) {
    SoH soh;
    std::size_t at = 0;
    while (at < b.size()) {
        if (b.size() - at < 4)
            return std::nullopt;
        const auto type = static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
        const std::size_t n = static_cast<std::size_t>((b[at + 2] << 8) | b[at + 3]);
        at += 4;
        if (b.size() - at < n)
            return std::nullopt;
        soh.attributes.push_back(
            SoHAttribute{type, std::vector<std::uint8_t>(b.begin() + static_cast<long>(at),
                                                         b.begin() + static_cast<long>(at + n))});
        at += n;
    }
    if (soh.attributes.empty() || !soh.is_valid())
        return std::nullopt;
    return soh;
}

// ---- statements ----

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

// Resets a prepared statement (and its bindings) when it goes out of scope.
class Use {
  public:
    explicit Use(const Stmt& s) : s_(s.get()) {}
    ~Use() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    sqlite3_stmt* operator*() const noexcept { return s_; }

  private:
    sqlite3_stmt* s_;
};

void bind_text(sqlite3_stmt* s, int i, const std::u16string& v) {
    const std::string u = utf16_to_utf8(v);
    sqlite3_bind_text(s, i, u.data(), static_cast<int>(u.size()), SQLITE_TRANSIENT);
}
void bind_blob(sqlite3_stmt* s, int i, const std::vector<std::uint8_t>& v) {
    // A zero-length blob must still be a blob (not NULL): SQLite takes "" for that.
    sqlite3_bind_blob(s, i, v.empty() ? "" : static_cast<const void*>(v.data()),
                      static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

}  // namespace

class SqliteStore::Impl {
  public:
    std::filesystem::path path;
    sqlite3* db = nullptr;
    mutable std::mutex mu;
    std::atomic<std::uint64_t> failures{0};
    bool failing = false;  // mu
    bool closed = false;   // mu

    Stmt begin, commit, rollback, sync_full, sync_normal;
    Stmt put_component, del_component, set_enabled;
    Stmt put_cache, del_cache, put_state, del_state, put_cert, del_cert, put_system;

    // close_v2 leaves the connection open until the statements (members, finalized after this
    // body) are gone.
    ~Impl() { sqlite3_close_v2(db); }

    StoreError error(StoreError::Kind kind, std::string what, int rc = 0) const {
        std::string msg = std::move(what);
        if (rc != 0) {
            msg += ": ";
            msg += db != nullptr && sqlite3_extended_errcode(db) == rc ? sqlite3_errmsg(db)
                                                                       : sqlite3_errstr(rc);
        }
        return StoreError{kind, path, std::move(msg), rc};
    }
    // The kind an SQLite failure code means for a database being opened or read.
    static StoreError::Kind kind_of(int rc) {
        switch (rc & 0xFF) {
            case SQLITE_CORRUPT:
            case SQLITE_NOTADB:
            case SQLITE_FORMAT:
                return StoreError::Kind::Corrupt;
            default:
                return StoreError::Kind::Unreadable;
        }
    }

    int exec(const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr); }

    std::expected<Stmt, StoreError> prepare(const char* sql) const {
        sqlite3_stmt* s = nullptr;
        const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
        if (rc != SQLITE_OK) {
            // A statement of ours that does not prepare: the tables are not ours (or damaged).
            const auto kind = (rc & 0xFF) == SQLITE_ERROR ? StoreError::Kind::Corrupt : kind_of(rc);
            return std::unexpected(error(kind, std::string("preparing \"") + sql + "\"", rc));
        }
        return Stmt(s);
    }

    // Runs a write statement to completion.
    bool step_done(sqlite3_stmt* s) { return sqlite3_step(s) == SQLITE_DONE; }

    bool run(const Stmt& s) {
        Use u(s);
        return step_done(*u);
    }

    // ---- writes (mu held) ----
    bool write_component(const agent::ComponentRegistered& x) {
        Use u(put_component);
        sqlite3_stmt* s = *u;
        sqlite3_bind_text(s, 1, kind_text(x.kind), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, x.info.id);
        bind_text(s, 3, x.info.friendly_name);
        bind_text(s, 4, x.info.description);
        bind_text(s, 5, x.info.version);
        bind_text(s, 6, x.info.vendor_name);
        const std::string info_clsid = x.info.info_clsid.to_string();
        const std::string config_clsid = x.info.config_clsid.to_string();
        sqlite3_bind_text(s, 7, info_clsid.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 8, config_clsid.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 9, as_i64(x.info.registration_date.ticks));
        sqlite3_bind_int64(s, 10, x.info.component_type);
        sqlite3_bind_int(s, 11, x.enabled ? 1 : 0);
        return step_done(s);
    }
    bool delete_by_id(const Stmt& st, NapComponentId id) {
        Use u(st);
        sqlite3_bind_int64(*u, 1, id);
        return step_done(*u);
    }
    // Removes what is kept for a component besides its row.
    bool delete_dependents(ComponentKind kind, NapComponentId id) {
        if (kind == ComponentKind::Sha)
            return delete_by_id(del_cache, id) && delete_by_id(del_state, id);
        return delete_by_id(del_cert, id);
    }

    // One change, one transaction. Returns false on a failure (rolled back).
    bool apply(const Change& change) {
        struct V {
            Impl& im;
            bool operator()(const agent::ComponentRegistered& x) const {
                return im.registry_txn([&] {
                    return im.write_component(x) && im.delete_dependents(x.kind, x.info.id);
                });
            }
            bool operator()(const agent::ComponentUnregistered& x) const {
                return im.registry_txn([&] {
                    Use u(im.del_component);
                    sqlite3_bind_text(*u, 1, kind_text(x.kind), -1, SQLITE_STATIC);
                    sqlite3_bind_int64(*u, 2, x.id);
                    return im.step_done(*u) && im.delete_dependents(x.kind, x.id);
                });
            }
            bool operator()(const agent::ComponentEnabled& x) const {
                return im.registry_txn([&] {
                    Use u(im.set_enabled);
                    sqlite3_bind_int(*u, 1, x.enabled ? 1 : 0);
                    sqlite3_bind_text(*u, 2, kind_text(x.kind), -1, SQLITE_STATIC);
                    sqlite3_bind_int64(*u, 3, x.id);
                    return im.step_done(*u);
                });
            }
            bool operator()(const agent::CertSubscriptionChanged& x) const {
                return im.registry_txn([&] {
                    if (!x.subscriber)
                        return im.delete_by_id(im.del_cert, x.id);
                    Use u(im.put_cert);
                    sqlite3_bind_int64(*u, 1, x.id);
                    bind_text(*u, 2, *x.subscriber);
                    return im.step_done(*u);
                });
            }
            // The rest are single statements: SQLite commits each atomically on its own.
            bool operator()(const agent::ShaCacheChanged& x) const {
                if (!x.soh)
                    return im.delete_by_id(im.del_cache, x.id);
                Use u(im.put_cache);
                sqlite3_bind_int64(*u, 1, x.id);
                bind_blob(*u, 2, encode_soh(*x.soh));
                return im.step_done(*u);
            }
            bool operator()(const agent::ShaStateChanged& x) const {
                const auto& st = x.state;
                Use u(im.put_state);
                sqlite3_stmt* s = *u;
                sqlite3_bind_int64(s, 1, st.id);
                bind_blob(s, 2, encode_codes(st.sha_result_codes));
                sqlite3_bind_int64(s, 3, static_cast<std::uint32_t>(st.failure_category));
                sqlite3_bind_int64(s, 4, static_cast<std::uint32_t>(st.fixup_info.state));
                sqlite3_bind_int(s, 5, st.fixup_info.percentage);
                bind_blob(s, 6, encode_codes(st.fixup_info.result_codes));
                sqlite3_bind_int64(s, 7, st.fixup_info.fixup_msg_id);
                return im.step_done(s);
            }
            bool operator()(const agent::SystemIsolationChanged& x) const {
                const auto& i = x.system.info;
                Use u(im.put_system);
                sqlite3_stmt* s = *u;
                sqlite3_bind_int64(s, 1, static_cast<std::uint32_t>(i.isolation_state));
                sqlite3_bind_int64(s, 2, static_cast<std::uint32_t>(i.extended_isolation_state));
                sqlite3_bind_int64(s, 3, as_i64(i.prob_end_time.ticks));
                bind_text(s, 4, i.failure_url);
                sqlite3_bind_int(s, 5, x.system.unknown_connections ? 1 : 0);
                return im.step_done(s);
            }
        };
        return std::visit(V{*this}, change);
    }

    // A registry change: one transaction committed with synchronous=FULL (the WAL is synced at
    // commit), so what an administrator did survives a power cut too.
    template <typename F>
    bool registry_txn(F&& body) {
        if (!run(sync_full))
            return false;
        bool ok = run(begin) && body() && run(commit);
        if (!ok && sqlite3_get_autocommit(db) == 0)
            (void)run(rollback);
        ok = run(sync_normal) && ok;
        return ok;
    }

    std::expected<void, StoreError> init();
    std::expected<PersistedState, StoreError> load() const;
};

std::expected<void, StoreError> SqliteStore::Impl::init() {
    using K = StoreError::Kind;
    int rc = sqlite3_extended_result_codes(db, 1);
    // Exclusive locking: the database stays locked by this process (a second napagent on the
    // same state directory fails to open it), and WAL needs no shared-memory file.
    if ((rc = exec("PRAGMA locking_mode=EXCLUSIVE")) != SQLITE_OK)
        return std::unexpected(error(kind_of(rc), "setting the locking mode", rc));
    {
        sqlite3_stmt* raw = nullptr;
        rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
        Stmt s(raw);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s.get());
        if (rc != SQLITE_ROW)
            return std::unexpected(error(kind_of(rc), "setting WAL mode", rc));
        const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
        if (mode == nullptr || std::strcmp(mode, "wal") != 0) {
            return std::unexpected(
                error(K::Unreadable, std::string("WAL mode refused (journal mode ") +
                                         (mode != nullptr ? mode : "?") + ")"));
        }
    }
    if ((rc = exec("PRAGMA synchronous=NORMAL")) != SQLITE_OK)
        return std::unexpected(error(kind_of(rc), "setting synchronous=NORMAL", rc));
    // Take the lock now, not at the first change.
    if ((rc = exec("BEGIN EXCLUSIVE; COMMIT")) != SQLITE_OK) {
        if ((rc & 0xFF) == SQLITE_BUSY) {
            return std::unexpected(
                error(K::Unreadable,
                      "locked by another process (another napagent on this state_dir?)", rc));
        }
        return std::unexpected(error(kind_of(rc), "locking", rc));
    }
    {
        sqlite3_stmt* raw = nullptr;
        rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &raw, nullptr);
        Stmt s(raw);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s.get());
        if (rc != SQLITE_ROW)
            return std::unexpected(error(kind_of(rc), "checking", rc));
        const auto* r = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
        if (r == nullptr || std::strcmp(r, "ok") != 0) {
            return std::unexpected(
                error(K::Corrupt, std::string("integrity check: ") + (r != nullptr ? r : "?")));
        }
    }
    // Which tables are there: none (a new database), or ours with a version.
    int tables = 0;
    bool versioned = false;
    {
        sqlite3_stmt* raw = nullptr;
        rc = sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table'", -1, &raw,
                                nullptr);
        Stmt s(raw);
        if (rc != SQLITE_OK)
            return std::unexpected(error(kind_of(rc), "reading the schema", rc));
        while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
            ++tables;
            const auto* n = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0));
            versioned = versioned || (n != nullptr && std::strcmp(n, "schema_version") == 0);
        }
        if (rc != SQLITE_DONE)
            return std::unexpected(error(kind_of(rc), "reading the schema", rc));
    }
    if (tables == 0) {
        rc = exec("BEGIN IMMEDIATE");
        if (rc == SQLITE_OK)
            rc = exec(kSchema);
        if (rc == SQLITE_OK)
            rc = exec("COMMIT");
        if (rc != SQLITE_OK) {
            const StoreError e = error(kind_of(rc), "creating the tables", rc);
            exec("ROLLBACK");
            return std::unexpected(e);
        }
    } else {
        if (!versioned)
            return std::unexpected(
                error(K::Corrupt, "not a napagent database (no schema_version)"));
        sqlite3_stmt* raw = nullptr;
        rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &raw, nullptr);
        Stmt s(raw);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s.get());
        if (rc != SQLITE_ROW || sqlite3_column_type(s.get(), 0) != SQLITE_INTEGER) {
            return std::unexpected(
                error(rc == SQLITE_ROW || rc == SQLITE_DONE ? K::Corrupt : kind_of(rc),
                      "no schema version", rc == SQLITE_DONE ? 0 : rc));
        }
        const auto v = sqlite3_column_int64(s.get(), 0);
        if (v > kStoreSchemaVersion) {
            return std::unexpected(error(K::TooNew, "schema version " + std::to_string(v) +
                                                        ", this napagent reads up to " +
                                                        std::to_string(kStoreSchemaVersion)));
        }
        if (v != kStoreSchemaVersion)
            return std::unexpected(error(K::Corrupt, "schema version " + std::to_string(v)));
    }

    struct {
        Stmt* s;
        const char* sql;
    } const stmts[] = {
        {&begin, "BEGIN IMMEDIATE"},
        {&commit, "COMMIT"},
        {&rollback, "ROLLBACK"},
        {&sync_full, "PRAGMA synchronous=FULL"},
        {&sync_normal, "PRAGMA synchronous=NORMAL"},
        {&put_component,
         "INSERT OR REPLACE INTO component (kind, id, friendly_name, description, version, "
         "vendor_name, info_clsid, config_clsid, registration_date, component_type, enabled) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
        {&del_component, "DELETE FROM component WHERE kind = ?1 AND id = ?2"},
        {&set_enabled, "UPDATE component SET enabled = ?1 WHERE kind = ?2 AND id = ?3"},
        {&put_cache, "INSERT OR REPLACE INTO sha_cache (id, soh) VALUES (?1, ?2)"},
        {&del_cache, "DELETE FROM sha_cache WHERE id = ?1"},
        {&put_state,
         "INSERT OR REPLACE INTO sha_state (id, result_codes, failure_category, fixup_state, "
         "fixup_percentage, fixup_result_codes, fixup_msg_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
        {&del_state, "DELETE FROM sha_state WHERE id = ?1"},
        {&put_cert, "INSERT OR REPLACE INTO cert_subscription (ec_id, subscriber) VALUES (?1, ?2)"},
        {&del_cert, "DELETE FROM cert_subscription WHERE ec_id = ?1"},
        {&put_system,
         "INSERT OR REPLACE INTO system_isolation (id, isolation_state, extended_state, "
         "prob_end_time, failure_url, unknown_connections) VALUES (1, ?1, ?2, ?3, ?4, ?5)"},
    };
    for (const auto& [target, sql] : stmts) {
        auto s = prepare(sql);
        if (!s)
            return std::unexpected(s.error());
        *target = std::move(*s);
    }
    return {};
}

namespace {

// Reading rows, each value checked (anything unexpected: Corrupt).
class Row {
  public:
    explicit Row(sqlite3_stmt* s) : s_(s) {}
    bool integer(int col, std::int64_t lo, std::int64_t hi, std::int64_t& out) const {
        if (sqlite3_column_type(s_, col) != SQLITE_INTEGER)
            return false;
        out = sqlite3_column_int64(s_, col);
        return out >= lo && out <= hi;
    }
    template <typename T>
    bool u32(int col, T& out) const {
        std::int64_t v = 0;
        if (!integer(col, 0, 0xFFFFFFFF, v))
            return false;
        out = static_cast<T>(v);
        return true;
    }
    bool u64(int col, std::uint64_t& out) const {
        if (sqlite3_column_type(s_, col) != SQLITE_INTEGER)
            return false;
        out = static_cast<std::uint64_t>(sqlite3_column_int64(s_, col));
        return true;
    }
    bool text(int col, std::u16string& out, std::size_t max = maxStringLength) const {
        if (sqlite3_column_type(s_, col) != SQLITE_TEXT)
            return false;
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(s_, col));
        out = utf8_to_utf16(std::string_view(p != nullptr ? p : "", n));
        return out.size() <= max;
    }
    bool guid(int col, Guid& out) const {
        if (sqlite3_column_type(s_, col) != SQLITE_TEXT)
            return false;
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
        auto g = Guid::parse(std::string_view(
            p != nullptr ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(s_, col))));
        if (!g)
            return false;
        out = *g;
        return true;
    }
    bool blob(int col, std::span<const std::uint8_t>& out) const {
        if (sqlite3_column_type(s_, col) != SQLITE_BLOB)
            return false;
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
        out = std::span<const std::uint8_t>(
            p, static_cast<std::size_t>(sqlite3_column_bytes(s_, col)));
        return true;
    }

  private:
    sqlite3_stmt* s_;
};

std::string row_name(const char* table, std::int64_t id) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s row 0x%08llX", table, static_cast<unsigned long long>(id));
    return buf;
}

}  // namespace

std::expected<PersistedState, StoreError> SqliteStore::Impl::load() const {
    using K = StoreError::Kind;
    PersistedState out;
    // Runs `sql`, calling `row(Row, id)` for each row; `row` returns an error text or "".
    auto each = [&](const char* sql, auto&& row) -> std::expected<void, StoreError> {
        sqlite3_stmt* raw = nullptr;
        int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
        Stmt s(raw);
        if (rc != SQLITE_OK) {
            return std::unexpected(error((rc & 0xFF) == SQLITE_ERROR ? K::Corrupt : kind_of(rc),
                                         std::string("reading \"") + sql + "\"", rc));
        }
        while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
            if (std::string why = row(Row(s.get())); !why.empty())
                return std::unexpected(error(K::Corrupt, why));
        }
        if (rc != SQLITE_DONE)
            return std::unexpected(error(kind_of(rc), std::string("reading \"") + sql + "\"", rc));
        return {};
    };

    auto r = each(
        "SELECT kind, id, friendly_name, description, version, vendor_name, info_clsid, "
        "config_clsid, registration_date, component_type, enabled FROM component ORDER BY kind, "
        "id",
        [&](const Row& row) -> std::string {
            std::int64_t id = 0;
            std::u16string kind;
            if (!row.text(0, kind) || (kind != u"sha" && kind != u"ec") ||
                !row.integer(1, 0, 0xFFFFFFFF, id)) {
                return "component row with a bad kind or id";
            }
            NapComponentRegistrationInfo info;
            info.id = static_cast<NapComponentId>(id);
            std::int64_t enabled = 0;
            if (!row.text(2, info.friendly_name) || !row.text(3, info.description) ||
                !row.text(4, info.version) || !row.text(5, info.vendor_name) ||
                !row.guid(6, info.info_clsid) || !row.guid(7, info.config_clsid) ||
                !row.u64(8, info.registration_date.ticks) || !row.u32(9, info.component_type) ||
                !row.integer(10, 0, 1, enabled)) {
                return row_name("component", id) + ": a value is out of range";
            }
            if (kind == u"sha") {
                PersistedSha s{std::move(info), enabled != 0, std::nullopt, {}};
                s.state.id = s.info.id;
                out.shas.push_back(std::move(s));
            } else {
                out.ecs.push_back(PersistedEc{std::move(info), enabled != 0, std::nullopt});
            }
            return {};
        });
    if (!r)
        return std::unexpected(r.error());
    auto sha = [&](std::int64_t id) -> PersistedSha* {
        for (auto& s : out.shas) {
            if (s.info.id == id)
                return &s;
        }
        return nullptr;
    };
    auto unknown = [&](const char* table, std::int64_t id) {
        // A row for a component that is not registered: left over, not harmful; not loaded.
        spdlog::warn("{}: {}: no such component; ignored", path.string(), row_name(table, id));
        return std::string();
    };
    r = each("SELECT id, soh FROM sha_cache ORDER BY id", [&](const Row& row) -> std::string {
        std::int64_t id = 0;
        std::span<const std::uint8_t> b;
        if (!row.integer(0, 0, 0xFFFFFFFF, id) || !row.blob(1, b))
            return "sha_cache row with a bad id or value";
        auto soh = decode_soh(b);
        if (!soh)
            return row_name("sha_cache", id) + ": not a valid SoH";
        PersistedSha* s = sha(id);
        if (s == nullptr)
            return unknown("sha_cache", id);
        s->cached_soh = std::move(*soh);
        return {};
    });
    if (!r)
        return std::unexpected(r.error());
    r = each(
        "SELECT id, result_codes, failure_category, fixup_state, fixup_percentage, "
        "fixup_result_codes, fixup_msg_id FROM sha_state ORDER BY id",
        [&](const Row& row) -> std::string {
            std::int64_t id = 0;
            if (!row.integer(0, 0, 0xFFFFFFFF, id))
                return "sha_state row with a bad id";
            SystemHealthAgentState st;
            st.id = static_cast<SystemHealthEntityId>(id);
            std::span<const std::uint8_t> codes;
            std::span<const std::uint8_t> fix_codes;
            std::int64_t pct = 0;
            if (!row.blob(1, codes) || !row.u32(2, st.failure_category) ||
                !row.u32(3, st.fixup_info.state) ||
                !row.integer(4, 0, percentageNotSupported, pct) || !row.blob(5, fix_codes) ||
                !row.u32(6, st.fixup_info.fixup_msg_id)) {
                return row_name("sha_state", id) + ": a value is out of range";
            }
            st.fixup_info.percentage = static_cast<Percentage>(pct);
            auto c1 = decode_codes(codes);
            auto c2 = decode_codes(fix_codes);
            if (!c1 || !c2)
                return row_name("sha_state", id) + ": bad result codes";
            st.sha_result_codes = std::move(*c1);
            st.fixup_info.result_codes = std::move(*c2);
            if (!st.is_valid())
                return row_name("sha_state", id) + ": a value is out of range";
            PersistedSha* s = sha(id);
            if (s == nullptr)
                return unknown("sha_state", id);
            s->state = std::move(st);
            return {};
        });
    if (!r)
        return std::unexpected(r.error());
    r = each("SELECT ec_id, subscriber FROM cert_subscription ORDER BY ec_id",
             [&](const Row& row) -> std::string {
                 std::int64_t id = 0;
                 std::u16string name;
                 if (!row.integer(0, 0, 0xFFFFFFFF, id) || !row.text(1, name, SIZE_MAX))
                     return "cert_subscription row with a bad value";
                 for (auto& e : out.ecs) {
                     if (e.info.id == id) {
                         e.cert_subscriber = std::move(name);
                         return {};
                     }
                 }
                 return unknown("cert_subscription", id);
             });
    if (!r)
        return std::unexpected(r.error());
    r = each(
        "SELECT isolation_state, extended_state, prob_end_time, failure_url, unknown_connections "
        "FROM system_isolation WHERE id = 1",
        [&](const Row& row) -> std::string {
            agent::SystemIsolation sys;
            std::int64_t unknown_connections = 0;
            if (!row.u32(0, sys.info.isolation_state) ||
                !row.u32(1, sys.info.extended_isolation_state) ||
                !row.u64(2, sys.info.prob_end_time.ticks) || !row.text(3, sys.info.failure_url) ||
                !row.integer(4, 0, 1, unknown_connections) || !sys.info.is_valid()) {
                return "system_isolation: a value is out of range";
            }
            sys.unknown_connections = unknown_connections != 0;
            out.system = std::move(sys);
            return {};
        });
    if (!r)
        return std::unexpected(r.error());
    return out;
}

// ---- SqliteStore -------------------------------------------------------------------------------

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

std::expected<std::shared_ptr<SqliteStore>, StoreError> SqliteStore::open(
    const std::filesystem::path& state_dir) {
    auto im = std::make_unique<Impl>();
    im->path = state_dir / kStoreFileName;
    const int rc = sqlite3_open_v2(
        im->path.c_str(), &im->db,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    if (rc != SQLITE_OK)
        return std::unexpected(im->error(Impl::kind_of(rc), "cannot open", rc));
    if (auto r = im->init(); !r)
        return std::unexpected(r.error());
    return std::shared_ptr<SqliteStore>(new SqliteStore(std::move(im)));
}

std::expected<PersistedState, StoreError> SqliteStore::load() const {
    std::lock_guard lock(impl_->mu);
    return impl_->load();
}

void SqliteStore::changed(const Change& change) {
    std::lock_guard lock(impl_->mu);
    if (impl_->closed) {
        spdlog::debug("{}: stopping: {} not stored", impl_->path.string(),
                      agent::to_string(change));
        return;
    }
    if (impl_->apply(change)) {
        if (impl_->failing) {
            impl_->failing = false;
            spdlog::info("{}: changes are stored again", impl_->path.string());
        }
        return;
    }
    const auto n = impl_->failures.fetch_add(1) + 1;
    // The first failure in a row, and then one in a thousand: a full disk must not flood the log.
    if (!impl_->failing || n % 1000 == 0) {
        spdlog::error("{}: {} not stored ({} failure(s) so far): {}", impl_->path.string(),
                      agent::to_string(change), n, sqlite3_errmsg(impl_->db));
    }
    impl_->failing = true;
}

void SqliteStore::close() {
    std::lock_guard lock(impl_->mu);  // waits for a change being committed
    impl_->closed = true;
}

const std::filesystem::path& SqliteStore::path() const noexcept {
    return impl_->path;
}

std::uint64_t SqliteStore::write_failures() const noexcept {
    return impl_->failures.load();
}

// ---- the daemon's policy -----------------------------------------------------------------------

namespace {

std::string utc_stamp() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

}  // namespace

std::expected<OpenedState, StoreError> open_state(const std::filesystem::path& state_dir) {
    const std::filesystem::path db = state_dir / kStoreFileName;
    std::error_code ec;
    if (!std::filesystem::exists(state_dir, ec)) {
        std::filesystem::create_directories(state_dir.parent_path(), ec);
        if (::mkdir(state_dir.c_str(), 0700) != 0 && errno != EEXIST) {
            return std::unexpected(
                StoreError{StoreError::Kind::Unreadable, db,
                           "cannot create " + state_dir.string() + ": " + std::strerror(errno), 0});
        }
    }
    OpenedState out;
    auto store = SqliteStore::open(state_dir);
    std::expected<PersistedState, StoreError> state =
        store ? (*store)->load() : std::unexpected(store.error());
    if (!state && state.error().kind == StoreError::Kind::Corrupt) {
        // Keep the bad file for whoever wants to look at it, and start empty.
        store = std::unexpected(state.error());  // closes it first
        out.recovered_from = state.error();
        std::filesystem::path aside = db;
        aside += ".corrupt-" + utc_stamp();
        for (int n = 1; std::filesystem::exists(aside, ec); ++n) {
            aside = db;
            aside += ".corrupt-" + utc_stamp() + "-" + std::to_string(n);
        }
        std::filesystem::rename(db, aside, ec);
        if (ec) {
            return std::unexpected(StoreError{StoreError::Kind::Unreadable, db,
                                              "corrupt, and cannot be moved aside: " + ec.message(),
                                              0});
        }
        std::filesystem::path wal = db;
        wal += "-wal";
        std::filesystem::path wal_aside = aside;
        wal_aside += "-wal";
        if (std::filesystem::exists(wal, ec))
            std::filesystem::rename(wal, wal_aside, ec);
        std::filesystem::path shm = db;
        shm += "-shm";
        std::filesystem::remove(shm, ec);
        out.moved_to = aside;
        store = SqliteStore::open(state_dir);
        state = store ? (*store)->load() : std::unexpected(store.error());
    }
    if (!state)
        return std::unexpected(state.error());
    out.store = std::move(*store);
    out.state = std::move(*state);
    return out;
}

std::string describe(const PersistedState& s) {
    std::size_t cached = 0;
    for (const auto& sha : s.shas)
        cached += sha.cached_soh ? 1 : 0;
    std::string out = std::to_string(s.shas.size()) + " SHAs, " + std::to_string(s.ecs.size()) +
                      " ECs, " + std::to_string(cached) + " cached SoHs, system state " +
                      std::string(to_string(s.system.info.isolation_state));
    if (s.system.info.isolation_state == IsolationState::InProbation)
        out += " (probation end " + s.system.info.prob_end_time.to_string() + ")";
    if (s.system.unknown_connections)
        out += ", unknown connections";
    return out;
}

}  // namespace opennap::agentd
