// The PostgreSQL audit store (include/opennap/store/pg_store.h; docs/audit.md, "PostgreSQL").
#include "opennap/store/pg_store.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <mutex>
#include <utility>
#include <variant>

#include "internal.h"

namespace opennap::store {

namespace {

using K = StoreError::Kind;

// Held by the session that checks and creates the schema, so that instances starting together
// do not race (an arbitrary constant: "OpenNAP1" in ASCII).
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(5732608389418815537)";

// Schema version 1 (docs/audit.md, "Schema"); the same columns as the SQLite store.
constexpr const char* kCreate[] = {
    R"sql(CREATE TABLE opennap_decision (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  time timestamptz NOT NULL,
  instance text NOT NULL,
  client_address text NOT NULL,
  client_name text NOT NULL,
  nas_type bigint CHECK (nas_type BETWEEN 0 AND 4294967295),
  machine_name text NOT NULL,
  machine_key text NOT NULL,
  connection_id uuid,
  correlation_guid uuid,
  correlation_time bigint,
  shvs jsonb NOT NULL,
  health_policy text NOT NULL,
  network_policy text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('full', 'probation', 'restricted', 'deny')),
  probation_end timestamptz,
  extended_state text NOT NULL,
  remediation_group text NOT NULL,
  url text NOT NULL,
  reasons jsonb NOT NULL,
  latency_us bigint NOT NULL
))sql",
    "CREATE INDEX opennap_decision_time ON opennap_decision (time)",
    ("CREATE INDEX opennap_decision_machine ON opennap_decision (machine_key text_pattern_ops, "
     "time)"),
    "INSERT INTO opennap_schema (version) VALUES (1)",
};

constexpr const char* kColumns =
    "time, instance, client_address, client_name, nas_type, machine_name, machine_key, "
    "connection_id, correlation_guid, correlation_time, shvs, health_policy, network_policy, "
    "outcome, probation_end, extended_state, remediation_group, url, reasons, latency_us";
constexpr int kInsertColumns = 20;

constexpr const char* kSelect =
    "SELECT id, (extract(epoch FROM time) * 1000000)::bigint, instance, client_address, "
    "client_name, nas_type, machine_name, connection_id, correlation_guid, correlation_time, "
    "shvs, health_policy, network_policy, outcome, "
    "(extract(epoch FROM probation_end) * 1000000)::bigint, extended_state, remediation_group, "
    "url, reasons, latency_us FROM opennap_decision";

// At most this many rows per INSERT statement (PostgreSQL takes at most 65535 parameters).
constexpr std::size_t kRowsPerInsert = 1000;

struct ResultDeleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// What a failed command means for the caller, from its SQLSTATE.
K kind_of_state(std::string_view state) {
    if (state.starts_with("22") || state.starts_with("23"))
        return K::Rejected;  // data exception, integrity constraint violation
    if (state.starts_with("42") || state == "XX001" || state == "XX002")
        return K::Corrupt;  // undefined table / column: not our tables; data corrupted
    if (state.starts_with("28") || state.starts_with("3D"))
        return K::Unreadable;  // authorization, no such database
    return K::Unavailable;     // 08 connection, 57 shutdown, 53 resources, 40 rollback, ...
}

// One value as COPY's text format wants it: '\' and control characters escaped.
void copy_text(std::string& out, std::string_view v) {
    for (char c : v) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                out += c;
        }
    }
}

// The row's values as text (nullopt = NULL), in kColumns order.
std::array<std::optional<std::string>, kInsertColumns> values(const internal::EncodedRow& r) {
    auto num = [](const std::optional<std::int64_t>& v) -> std::optional<std::string> {
        return v ? std::optional(std::to_string(*v)) : std::nullopt;
    };
    auto time = [](std::int64_t us) { return to_iso(Timestamp(std::chrono::microseconds(us))); };
    auto text = [](std::string_view v) { return std::optional<std::string>(std::in_place, v); };
    return {time(r.time_us),
            text(r.instance),
            text(r.client_address),
            text(r.client_name),
            num(r.nas_type),
            text(r.machine_name),
            r.machine_key,
            r.connection_id,
            r.correlation_guid,
            num(r.correlation_time),
            r.shvs,
            text(r.health_policy),
            text(r.network_policy),
            text(r.outcome),
            r.probation_end_us ? std::optional(time(*r.probation_end_us)) : std::nullopt,
            text(r.extended_state),
            text(r.remediation_group),
            text(r.url),
            r.reasons,
            std::to_string(r.latency_us)};
}

class PgStore final : public AuditStore {
  public:
    std::string conninfo;
    std::string redacted;
    PgOptions options;
    PGconn* conn = nullptr;
    std::mutex mu;

    ~PgStore() override {
        if (conn != nullptr)
            PQfinish(conn);
    }

    std::string_view kind() const noexcept override { return "postgresql"; }
    const std::string& where() const noexcept override { return redacted; }

    StoreError error(K kind, std::string what, const PGresult* res = nullptr) const {
        std::string msg = std::move(what);
        std::string code;
        const char* text = res != nullptr ? PQresultErrorMessage(res) : nullptr;
        if (text == nullptr || *text == '\0')
            text = conn != nullptr ? PQerrorMessage(conn) : nullptr;
        if (text != nullptr && *text != '\0') {
            std::string t(text);
            while (!t.empty() && (t.back() == '\n' || t.back() == ' '))
                t.pop_back();
            msg += ": " + t;
        }
        if (res != nullptr) {
            if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE); s != nullptr)
                code = s;
        }
        return StoreError{kind, redacted, std::move(msg), 0, "", std::move(code)};
    }

    // The kind of a failed command: Unavailable when the connection is gone.
    StoreError failed(std::string what, const PGresult* res) const {
        if (PQstatus(conn) != CONNECTION_OK)
            return error(K::Unavailable, std::move(what), res);
        const char* s = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
        return error(s != nullptr ? kind_of_state(s) : K::Unavailable, std::move(what), res);
    }

    // (Re)connects when there is no good connection. One attempt per call.
    StoreResult<void> connect() {
        if (conn != nullptr && PQstatus(conn) == CONNECTION_OK)
            return {};
        if (conn != nullptr) {
            PQfinish(conn);
            conn = nullptr;
        }
        const std::string timeout = std::to_string(options.connect_timeout.count());
        // Earlier keywords are overridden by the same keyword inside the expanded conninfo.
        const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
        const char* vals[] = {timeout.c_str(), "opennap", conninfo.c_str(), nullptr};
        conn = PQconnectdbParams(keys, vals, 1);
        if (conn == nullptr)
            return std::unexpected(
                StoreError{K::Unavailable, redacted, "out of memory", 0, "", ""});
        if (PQstatus(conn) != CONNECTION_OK) {
            const std::string m = PQerrorMessage(conn);
            // No SQLSTATE before a connection exists: tell "never works" from "not now" by text.
            const bool hopeless = m.find("authentication failed") != std::string::npos ||
                                  m.find("does not exist") != std::string::npos ||
                                  m.find("no pg_hba.conf entry") != std::string::npos ||
                                  m.find("invalid connection option") != std::string::npos ||
                                  m.find("missing \"=\"") != std::string::npos;
            return std::unexpected(
                error(hopeless ? K::Unreadable : K::Unavailable, "cannot connect"));
        }
        // Server notices ("relation already exists, skipping") go to the debug log, not stderr.
        PQsetNoticeProcessor(
            conn,
            [](void*, const char* message) {
                std::string m(message);
                while (!m.empty() && m.back() == '\n')
                    m.pop_back();
                spdlog::debug("audit: postgresql: {}", m);
            },
            nullptr);
        // Text results in UTC, whatever the server's default.
        Result r(PQexec(conn, "SET TIME ZONE 'UTC'"));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
            return std::unexpected(failed("setting the time zone", r.get()));
        return {};
    }

    StoreResult<void> command(const char* sql, const char* what) {
        Result r(PQexec(conn, sql));
        const auto st = PQresultStatus(r.get());
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
            return std::unexpected(failed(what, r.get()));
        return {};
    }

    void rollback() {
        if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE)
            Result(PQexec(conn, "ROLLBACK"));
    }

    StoreResult<void> init() {
        if (auto r = connect(); !r)
            return r;
        if (options.read_only) {
            auto v = version();
            if (!v)
                return std::unexpected(v.error());
            if (*v == 0)
                return std::unexpected(error(K::Unreadable, "no audit records here (no schema)"));
            return probe();
        }
        auto fail = [&](StoreError e) -> StoreResult<void> {
            rollback();
            return std::unexpected(std::move(e));
        };
        if (auto r = command("BEGIN", "starting a transaction"); !r)
            return fail(r.error());
        if (auto r = command(kSchemaLock, "locking the schema"); !r)
            return fail(r.error());
        if (auto r = command("CREATE TABLE IF NOT EXISTS opennap_schema (version integer NOT NULL)",
                             "creating the schema");
            !r)
            return fail(r.error());
        auto v = version();
        if (!v)
            return fail(v.error());
        if (*v == 0) {
            for (const char* sql : kCreate) {
                if (auto r = command(sql, "creating the schema"); !r)
                    return fail(r.error());
            }
        }
        if (auto r = command("COMMIT", "creating the schema"); !r)
            return fail(r.error());
        return probe();
    }

    // 0 when there is no schema yet.
    StoreResult<int> version() {
        Result r(PQexec(conn, "SELECT to_regclass('opennap_schema') IS NOT NULL"));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return std::unexpected(failed("reading the schema", r.get()));
        if (std::strcmp(PQgetvalue(r.get(), 0, 0), "t") != 0)
            return 0;
        r.reset(PQexec(conn, "SELECT max(version) FROM opennap_schema"));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return std::unexpected(failed("reading the schema version", r.get()));
        if (PQgetisnull(r.get(), 0, 0))
            return 0;  // created by an instance that stopped before the tables: create them
        const long v = std::strtol(PQgetvalue(r.get(), 0, 0), nullptr, 10);
        if (v > kPgSchemaVersion)
            return std::unexpected(error(K::TooNew, "schema version " + std::to_string(v) +
                                                        " (this program knows " +
                                                        std::to_string(kPgSchemaVersion) + ")"));
        if (v < 1)
            return std::unexpected(error(K::Corrupt, "schema version " + std::to_string(v)));
        return static_cast<int>(v);
    }

    // Checks that the table has our columns.
    StoreResult<void> probe() {
        const std::string sql = std::string(kSelect) + " LIMIT 0";
        Result r(PQexec(conn, sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
            auto e = failed("checking the tables", r.get());
            if (e.kind == K::Corrupt)
                e.message = "not an OpenNAP audit database (" + e.message + ")";
            return std::unexpected(e);
        }
        return {};
    }

    StoreResult<void> append(std::span<const DecisionRecord> batch) override {
        if (batch.empty())
            return {};
        if (options.read_only)
            return std::unexpected(error(K::Invalid, "opened read-only"));
        auto encoded = internal::encode_batch(batch, redacted);
        if (!encoded)
            return std::unexpected(encoded.error());
        const std::vector<internal::EncodedRow>& rows = *encoded;
        std::lock_guard lock(mu);
        if (auto r = connect(); !r)
            return r;
        auto fail = [&](StoreError e) -> StoreResult<void> {
            rollback();
            return std::unexpected(std::move(e));
        };
        if (auto r = command("BEGIN", "starting a transaction"); !r)
            return fail(r.error());
        auto r = options.insert_method == PgInsertMethod::Copy ? copy(rows) : insert(rows);
        if (!r)
            return fail(r.error());
        // A connection lost here may leave the batch committed or not: the writer retries it,
        // so a batch may be stored twice (docs/audit.md, "PostgreSQL").
        if (auto c = command("COMMIT", "committing"); !c)
            return fail(c.error());
        return {};
    }

    StoreResult<void> copy(const std::vector<internal::EncodedRow>& rows) {
        const std::string sql = std::string("COPY opennap_decision (") + kColumns + ") FROM STDIN";
        Result r(PQexec(conn, sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_COPY_IN)
            return std::unexpected(failed("starting COPY", r.get()));
        std::string buf;
        buf.reserve(1024 * 64);
        auto send = [&]() -> bool {
            if (PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) != 1)
                return false;
            buf.clear();
            return true;
        };
        bool ok = true;
        for (const auto& row : rows) {
            const auto v = values(row);
            for (std::size_t c = 0; c < v.size(); ++c) {
                if (c > 0)
                    buf += '\t';
                if (v[c])
                    copy_text(buf, *v[c]);
                else
                    buf += "\\N";
            }
            buf += '\n';
            if (buf.size() >= 60 * 1024 && !(ok = send()))
                break;
        }
        if (ok && !buf.empty())
            ok = send();
        if (PQputCopyEnd(conn, ok ? nullptr : "client failed to send") != 1)
            ok = false;
        // The COPY's outcome (read every result until none is left).
        StoreResult<void> out;
        while (PGresult* raw = PQgetResult(conn)) {
            Result res(raw);
            if (PQresultStatus(res.get()) != PGRES_COMMAND_OK && out)
                out = std::unexpected(failed("copying records", res.get()));
        }
        if (out && !ok)
            out = std::unexpected(failed("copying records", nullptr));
        return out;
    }

    StoreResult<void> insert(const std::vector<internal::EncodedRow>& rows) {
        for (std::size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
            const std::size_t n = std::min(kRowsPerInsert, rows.size() - start);
            std::string sql =
                std::string("INSERT INTO opennap_decision (") + kColumns + ") VALUES ";
            std::vector<std::optional<std::string>> vals;
            vals.reserve(n * kInsertColumns);
            int p = 1;
            for (std::size_t i = 0; i < n; ++i) {
                sql += i == 0 ? "(" : ", (";
                for (int c = 0; c < kInsertColumns; ++c) {
                    if (c > 0)
                        sql += ", ";
                    // Appended piecewise: "$" + to_string() trips GCC 12's -Wrestrict at -O3.
                    sql += '$';
                    sql += std::to_string(p++);
                }
                sql += ')';
                for (auto& v : values(rows[start + i]))
                    vals.push_back(std::move(v));
            }
            std::vector<const char*> ptrs;
            ptrs.reserve(vals.size());
            for (const auto& v : vals)
                ptrs.push_back(v ? v->c_str() : nullptr);
            Result r(PQexecParams(conn, sql.c_str(), static_cast<int>(ptrs.size()), nullptr,
                                  ptrs.data(), nullptr, nullptr, 0));
            if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
                return std::unexpected(failed("inserting records", r.get()));
        }
        return {};
    }

    struct Where {
        std::string sql;
        std::vector<std::string> args;
    };
    static Where where_clause(const DecisionQuery& q, bool with_outcome) {
        Where w;
        auto add = [&](std::string cond, std::string arg) {
            w.args.push_back(std::move(arg));
            w.sql += w.sql.empty() ? " WHERE " : " AND ";
            w.sql += cond + std::to_string(w.args.size());
        };
        if (q.since)
            add("time >= $", to_iso(*q.since));
        if (q.until)
            add("time < $", to_iso(*q.until));
        if (!q.machine.empty()) {
            if (auto like = machine_like_pattern(q.machine)) {
                add("machine_key LIKE $", std::move(*like));
                w.sql += " ESCAPE '\\'";
            } else {
                add("machine_key = $", machine_exact_key(q.machine));
            }
        }
        if (with_outcome && q.outcome)
            add("outcome = $", std::string(to_string(*q.outcome)));
        return w;
    }

    StoreResult<Result> select(const std::string& sql, const Where& w, const char* what) {
        if (auto r = connect(); !r)
            return std::unexpected(r.error());
        std::vector<const char*> ptrs;
        for (const auto& a : w.args)
            ptrs.push_back(a.c_str());
        Result r(PQexecParams(conn, sql.c_str(), static_cast<int>(ptrs.size()), nullptr,
                              ptrs.data(), nullptr, nullptr, 0));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
            return std::unexpected(failed(what, r.get()));
        return r;
    }

    StoreResult<std::vector<DecisionRecord>> query(const DecisionQuery& q) override {
        const Where w = where_clause(q, true);
        std::string sql = std::string(kSelect) + w.sql + " ORDER BY time DESC, id DESC";
        if (q.limit != 0)
            sql += " LIMIT " + std::to_string(q.limit);
        std::lock_guard lock(mu);
        auto res = select(sql, w, "reading records");
        if (!res)
            return std::unexpected(res.error());
        PGresult* r = res->get();
        std::vector<DecisionRecord> out;
        const int n = PQntuples(r);
        out.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            internal::RawRow row;
            for (int c = 0; c < static_cast<int>(internal::kColCount); ++c) {
                if (!PQgetisnull(r, i, c)) {
                    row[static_cast<std::size_t>(c)] = std::string_view(
                        PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
                }
            }
            auto rec = internal::decode_row(row, redacted);
            if (!rec)
                return std::unexpected(rec.error());
            out.push_back(std::move(*rec));
        }
        return out;
    }

    StoreResult<OutcomeCounts> count_by_outcome(const DecisionQuery& q) override {
        const Where w = where_clause(q, false);
        const std::string sql =
            "SELECT outcome, count(*) FROM opennap_decision" + w.sql + " GROUP BY outcome";
        std::lock_guard lock(mu);
        auto res = select(sql, w, "counting records");
        if (!res)
            return std::unexpected(res.error());
        OutcomeCounts out;
        for (int i = 0; i < PQntuples(res->get()); ++i) {
            const auto o = parse_outcome(PQgetvalue(res->get(), i, 0));
            if (!o)
                return std::unexpected(
                    StoreError{K::Corrupt, redacted, "not a known outcome", 0, "outcome", ""});
            out.by_outcome[static_cast<std::size_t>(*o)] +=
                std::strtoull(PQgetvalue(res->get(), i, 1), nullptr, 10);
        }
        return out;
    }

    StoreResult<std::uint64_t> prune(Timestamp before) override {
        std::lock_guard lock(mu);
        if (auto r = connect(); !r)
            return std::unexpected(r.error());
        const std::string t = to_iso(before);
        const char* args[] = {t.c_str()};
        Result r(PQexecParams(conn, "DELETE FROM opennap_decision WHERE time < $1", 1, nullptr,
                              args, nullptr, nullptr, 0));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
            return std::unexpected(failed("pruning", r.get()));
        return std::strtoull(PQcmdTuples(r.get()), nullptr, 10);
    }
};

}  // namespace

std::string redact_conninfo(std::string_view conninfo) {
    const std::string text(conninfo);
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(text.c_str(), &err);
    if (opts == nullptr) {
        PQfreemem(err);
        return "(a conninfo libpq cannot parse)";
    }
    std::string out;
    for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
        if (o->val == nullptr)
            continue;
        if (!out.empty())
            out += ' ';
        out += o->keyword;
        out += '=';
        out += std::strcmp(o->keyword, "password") == 0 ? "***" : o->val;
    }
    PQconninfoFree(opts);
    return out;
}

StoreResult<std::unique_ptr<AuditStore>> open_pg_store(const PgOptions& options) {
    auto st = std::make_unique<PgStore>();
    st->conninfo = options.conninfo;
    st->redacted = redact_conninfo(options.conninfo);
    st->options = options;
    // libpq would take a text without '=' as a database name; refuse anything it cannot parse.
    char* err = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(options.conninfo.c_str(), &err);
    if (parsed == nullptr) {
        std::string why = err != nullptr ? err : "out of memory";
        PQfreemem(err);
        while (!why.empty() && why.back() == '\n')
            why.pop_back();
        return std::unexpected(StoreError{K::Unreadable, st->redacted,
                                          "not a libpq connection string: " + why, 0, "", ""});
    }
    PQconninfoFree(parsed);
    if (auto r = st->init(); !r)
        return std::unexpected(r.error());
    return std::unique_ptr<AuditStore>(std::move(st));
}

}  // namespace opennap::store
