// Audit append throughput (docs/benchmarks.md, "Audit store"): records per second written to
// SQLite and to PostgreSQL (COPY and multi-row INSERT) for several batch sizes, and through the
// AuditWriter end to end. PostgreSQL: OPENNAP_BENCH_PG names a libpq conninfo to use; without it
// a private server is started (initdb in a temporary directory, Unix socket only, as the
// postgres user when run as root) and removed at the end.
#include <benchmark/benchmark.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "opennap/store/audit_writer.h"
#include "opennap/store/pg_store.h"
#include "opennap/store/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using namespace opennap;
using namespace opennap::store;

DecisionRecord record(int i) {
    DecisionRecord r;
    r.time = Timestamp(std::chrono::microseconds(1'764'640'000'000'000 + i * 1000LL));
    r.instance = "nps-a";
    r.client_address = "192.0.2.10";
    r.client_name = "switch-1";
    r.nas_type = 2;
    r.machine_name = "PC-" + std::to_string(i % 5000) + ".corp.example";
    r.connection_id = Guid{0x54468936u, 0xcb49, 0x4374, {1, 2, 3, 4, 5, 6, 7, 8}};
    r.correlation_id =
        CorrelationId{Guid{1, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}}, FileTime{0x01ca78d858ee1ef0ull}};
    ShvResult s;
    s.id = NapOutOfBoxSystemHealthId;
    s.status = ShvStatus::NonCompliant;
    s.compliance_codes = {HResult{0xC0FF0001u}, HResult{0u}};
    s.latency_us = 800;
    r.shvs = {s};
    r.health_policy = "noncompliant";
    r.network_policy = "restrict-noncompliant";
    r.outcome = Outcome::Restricted;
    r.remediation_group = "wsus";
    r.url = "https://remediation.example/help";
    r.reasons = {"health policy \"noncompliant\" matched"};
    r.latency_us = 2500;
    return r;
}

std::string temp_dir(const char* name) {
    std::string t = (fs::temp_directory_path() / (std::string(name) + "-XXXXXX")).string();
    return ::mkdtemp(t.data()) != nullptr ? t : "";
}

// ---- a private PostgreSQL server for the benchmarks -------------------------------------------

class Pg {
  public:
    static Pg& get() {
        static Pg pg;
        return pg;
    }
    const std::string& conninfo() const { return conninfo_; }
    const std::string& error() const { return error_; }

  private:
    Pg() {
        if (const char* c = std::getenv("OPENNAP_BENCH_PG"); c != nullptr && *c != '\0') {
            conninfo_ = c;
            return;
        }
        std::string bin;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
            if (fs::exists(e.path() / "bin" / "initdb"))
                bin = (e.path() / "bin").string();
        }
        if (bin.empty()) {
            error_ = "PostgreSQL is not installed (set OPENNAP_BENCH_PG or install postgresql)";
            return;
        }
        dir_ = temp_dir("opennap-bench-pg");
        if (::geteuid() == 0) {
            const passwd* pw = ::getpwnam("postgres");
            if (pw == nullptr || ::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                error_ = "root without a postgres user";
                return;
            }
            as_ = "runuser -u postgres -- ";
        }
        ctl_ = as_ + bin + "/pg_ctl -D " + dir_ + "/data -w -s -l " + dir_ +
               "/log -o \"-c listen_addresses='' -c unix_socket_directories=" + dir_ +
               " -p 5432\" ";
        const std::string init = as_ + bin + "/initdb -D " + dir_ +
                                 "/data -U opennap --auth=trust -N -E UTF8 --locale=C >/dev/null";
        if (std::system(init.c_str()) != 0 || std::system((ctl_ + "start").c_str()) != 0) {
            error_ = "cannot start PostgreSQL in " + dir_;
            return;
        }
        started_ = true;
        conninfo_ = "host=" + dir_ + " port=5432 user=opennap dbname=postgres";
    }
    ~Pg() {
        if (started_)
            std::system((ctl_ + "stop -m fast >/dev/null").c_str());
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }
    std::string conninfo_, error_, dir_, ctl_, as_;
    bool started_ = false;
};

// ---- benchmarks --------------------------------------------------------------------------------

// Appends batches of state.range(0) records; reports records/s.
void run_append(benchmark::State& state, AuditStore& store) {
    const auto n = static_cast<int>(state.range(0));
    std::vector<DecisionRecord> batch;
    for (int i = 0; i < n; ++i)
        batch.push_back(record(i));
    for (auto _ : state) {
        if (auto r = store.append(batch); !r) {
            state.SkipWithError(r.error().to_string().c_str());
            break;
        }
    }
    state.SetItemsProcessed(state.iterations() * n);
}

void BM_SqliteAppend(benchmark::State& state) {
    const std::string dir = temp_dir("opennap-bench-sqlite");
    SqliteOptions o;
    o.path = fs::path(dir) / "audit.db";
    o.full_sync = state.range(1) != 0;
    auto s = open_sqlite_store(o);
    if (!s) {
        state.SkipWithError(s.error().to_string().c_str());
        return;
    }
    run_append(state, **s);
    s->reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
}
BENCHMARK(BM_SqliteAppend)
    ->ArgNames({"batch", "full_sync"})
    ->Args({1, 0})
    ->Args({10, 0})
    ->Args({100, 0})
    ->Args({1000, 0})
    ->Args({100, 1})
    ->UseRealTime();

void BM_PgAppend(benchmark::State& state) {
    Pg& pg = Pg::get();
    if (pg.conninfo().empty()) {
        state.SkipWithError(pg.error().c_str());
        return;
    }
    PgOptions o;
    o.conninfo = pg.conninfo();
    o.insert_method = state.range(1) == 0 ? PgInsertMethod::Copy : PgInsertMethod::MultiRowInsert;
    auto s = open_pg_store(o);
    if (!s) {
        state.SkipWithError(s.error().to_string().c_str());
        return;
    }
    run_append(state, **s);
}
BENCHMARK(BM_PgAppend)
    ->ArgNames({"batch", "insert"})  // insert 0: COPY, 1: multi-row INSERT
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({10, 0})
    ->Args({10, 1})
    ->Args({100, 0})
    ->Args({100, 1})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->UseRealTime();

// Through the AuditWriter (batch_size 100) into SQLite: each iteration submits 1000 records
// from one thread and waits until they are committed (records/s end to end).
void BM_WriterSqlite(benchmark::State& state) {
    const std::string dir = temp_dir("opennap-bench-writer");
    SqliteOptions o;
    o.path = fs::path(dir) / "audit.db";
    auto s = open_sqlite_store(o);
    if (!s) {
        state.SkipWithError(s.error().to_string().c_str());
        return;
    }
    WriterOptions wo;
    wo.batch_size = 100;
    wo.queue_capacity = 1'000'000;
    AuditWriter w(std::move(*s), wo);
    const DecisionRecord r = record(1);
    for (auto _ : state) {
        for (int i = 0; i < 1000; ++i)
            w.submit(r);
        w.flush(std::chrono::minutes(5));
    }
    state.SetItemsProcessed(state.iterations() * 1000);
    w.stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
}
BENCHMARK(BM_WriterSqlite)->UseRealTime();

// What submit() costs the request path (copying the record into the queue), from
// state.threads() threads at once; the writer drains into SQLite behind.
void BM_WriterSubmit(benchmark::State& state) {
    static std::unique_ptr<AuditWriter> w;
    static std::string dir;
    if (state.thread_index() == 0) {
        dir = temp_dir("opennap-bench-submit");
        SqliteOptions o;
        o.path = fs::path(dir) / "audit.db";
        auto s = open_sqlite_store(o);
        WriterOptions wo;
        wo.queue_capacity = 10'000'000;
        if (s)
            w = std::make_unique<AuditWriter>(std::move(*s), wo);
    }
    const DecisionRecord r = record(1);
    for (auto _ : state) {
        if (w)
            w->submit(r);
    }
    state.SetItemsProcessed(state.iterations());
    if (state.thread_index() == 0) {
        // (Not timed: the benchmark's clock stops with the loop.)
        if (w)
            w->stop();
        w.reset();
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
}
BENCHMARK(BM_WriterSubmit)->Threads(1)->Threads(2)->Threads(4)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
