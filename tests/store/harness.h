// Test harness of the audit store: a private PostgreSQL server (initdb into a temporary
// directory, a Unix socket there, no TCP listener, run as the `postgres` user when the tests run
// as root), a temporary directory, and sample decision records with every field set.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "opennap/store/decision.h"
#include "support/sqlite.h"

namespace opennap::store::testing {

namespace fs = std::filesystem;

class TempDir {
  public:
    explicit TempDir(const char* name = "opennap-store") {
        std::string tmpl =
            (fs::path(::testing::TempDir()) / (std::string(name) + "-XXXXXX")).string();
        const char* d = ::mkdtemp(tmpl.data());
        path_ = d != nullptr ? fs::path(d) : fs::path(::testing::TempDir());
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl; "" when none.
inline std::string pg_bin_dir() {
    std::string best;
    int best_version = -1;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        const fs::path bin = e.path() / "bin";
        if (!fs::exists(bin / "initdb") || !fs::exists(bin / "pg_ctl"))
            continue;
        const int v = std::atoi(e.path().filename().c_str());
        if (v > best_version) {
            best_version = v;
            best = bin.string();
        }
    }
    return best;
}

// A private PostgreSQL server for one test program.
class PgServer {
  public:
    // Why the server cannot be used here ("" when it can): binaries missing, or root without a
    // postgres user. Only these make the PostgreSQL tests skip.
    static std::string unusable() {
        if (pg_bin_dir().empty())
            return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                   "(apt-get install postgresql; CI installs it through scripts/bootstrap)";
        if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr)
            return "running as root and there is no postgres user to run the server as";
        return "";
    }

    PgServer() : dir_("opennap-pg") {}
    ~PgServer() {
        if (started_)
            pg_ctl("stop -m immediate");
    }
    PgServer(const PgServer&) = delete;
    PgServer& operator=(const PgServer&) = delete;

    // initdb and start; false (with the log in `why`) on failure.
    bool start(std::string& why) {
        bin_ = pg_bin_dir();
        if (::geteuid() == 0) {
            const passwd* pw = ::getpwnam("postgres");
            if (pw == nullptr || ::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                why = "cannot give the temporary directory to postgres";
                return false;
            }
            as_ = "runuser -u postgres -- ";
        }
        ::chmod(dir_.path().c_str(), 0700);
        // initdb once per machine and PostgreSQL build into a shared template (about a second
        // each time), then copy it for every server (cp -a keeps postgres as the owner).
        const std::string tmpl = template_dir();
        if (!ensure_template(tmpl, why))
            return false;
        const std::string copy = "cp -a " + tmpl + " " + data() + " 2>>" + log() + ".initdb";
        if (std::system(copy.c_str()) != 0) {
            why = "copying the initdb template failed: " + slurp(log() + ".initdb");
            return false;
        }
        if (!pg_ctl("start")) {
            why = "pg_ctl start failed: " + slurp(log());
            return false;
        }
        started_ = true;
        return true;
    }

    // pg_ctl stop -m <mode> (fast, immediate) / start again on the same data and socket.
    bool stop(const char* mode = "fast") {
        started_ = false;
        return pg_ctl(std::string("stop -m ") + mode);
    }
    bool restart() {
        started_ = pg_ctl("start");
        return started_;
    }

    std::string socket_dir() const { return dir_.path().string(); }
    std::string conninfo(const std::string& db = "postgres") const {
        return "host=" + socket_dir() + " port=" + std::to_string(kPort) +
               " user=opennap dbname=" + db + " connect_timeout=5";
    }

    // Runs SQL on database `db`; "" when it worked, else the error.
    std::string sql(const std::string& text, const std::string& db = "postgres") const {
        PGconn* c = PQconnectdb(conninfo(db).c_str());
        std::string err;
        if (PQstatus(c) != CONNECTION_OK) {
            err = PQerrorMessage(c);
        } else {
            PGresult* r = PQexec(c, text.c_str());
            if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
                err = PQresultErrorMessage(r);
            PQclear(r);
        }
        PQfinish(c);
        return err;
    }
    // The first value of the first row ("" on error or no rows).
    std::string value(const std::string& text, const std::string& db) const {
        PGconn* c = PQconnectdb(conninfo(db).c_str());
        std::string out;
        if (PQstatus(c) == CONNECTION_OK) {
            PGresult* r = PQexec(c, text.c_str());
            if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
                out = PQgetvalue(r, 0, 0);
            PQclear(r);
        }
        PQfinish(c);
        return out;
    }

    // A new empty database; its name.
    std::string create_database() {
        static std::atomic<int> n{0};
        const std::string name = "audit_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
        const std::string err = sql("CREATE DATABASE " + name);
        EXPECT_EQ(err, "");
        return name;
    }

  private:
    static constexpr int kPort = 5432;  // on a private socket directory: no clash possible
    // Where the template data directory of this PostgreSQL build lives.
    std::string template_dir() const {
        return "/tmp/opennap-pg-template-" + std::to_string(::geteuid()) + "-" +
               std::to_string(std::hash<std::string>{}(bin_));
    }
    // initdb into a private name, then rename: concurrent test programs never see a half-made
    // template (the loser of the rename race removes its own).
    bool ensure_template(const std::string& tmpl, std::string& why) const {
        if (fs::exists(tmpl + "/PG_VERSION"))
            return true;
        const std::string part = tmpl + ".part-" + std::to_string(::getpid());
        fs::create_directories(part);
        if (::geteuid() == 0) {
            const passwd* pw = ::getpwnam("postgres");
            if (pw == nullptr || ::chown(part.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
                why = "cannot give the template directory to postgres";
                return false;
            }
        }
        ::chmod(part.c_str(), 0700);
        const std::string init = as_ + bin_ + "/initdb -D " + part +
                                 " -U opennap --auth=trust -N -E UTF8 --locale=C > " + log() +
                                 ".initdb 2>&1";
        if (std::system(init.c_str()) != 0) {
            why = "initdb failed: " + slurp(log() + ".initdb");
            std::error_code ec;
            fs::remove_all(part, ec);
            return false;
        }
        if (::rename(part.c_str(), tmpl.c_str()) != 0) {
            std::error_code ec;
            fs::remove_all(part, ec);
        }
        return fs::exists(tmpl + "/PG_VERSION");
    }  // on a private socket directory: no clash possible
    std::string data() const { return dir_.path().string() + "/data"; }
    std::string log() const { return dir_.path().string() + "/log"; }
    static std::string slurp(const std::string& path) {
        std::ifstream f(path);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
    bool pg_ctl(const std::string& what) const {
        const std::string cmd =
            as_ + bin_ + "/pg_ctl -D " + data() + " -w -s -l " + log() +
            " -o \"-c listen_addresses='' -c unix_socket_directories=" + socket_dir() + " -p " +
            std::to_string(kPort) + " -c fsync=off -c max_connections=40\" " + what + " >> " +
            log() + ".ctl 2>&1";
        return std::system(cmd.c_str()) == 0;
    }

    TempDir dir_;
    std::string bin_;
    std::string as_;  // "runuser -u postgres -- " when root
    bool started_ = false;
};

// Polls `pred` every millisecond for up to 10 s; whether it became true.
template <typename Pred>
bool eventually(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// SQL on the database beside the store (support/sqlite.h).
using test::sqlite_exec;
using test::sqlite_value;

// A record with every field set (and distinct per `i`): times on whole microseconds.
inline DecisionRecord sample_record(
    int i, Timestamp base = Timestamp(std::chrono::microseconds(1'764'640'000'123'456))) {
    DecisionRecord r;
    r.time = base + std::chrono::seconds(i);
    r.instance = "nps-a";
    r.client_address = "192.0.2." + std::to_string(i % 250 + 1);
    r.client_name = "switch-" + std::to_string(i % 3);
    r.nas_type = static_cast<std::uint32_t>(i % 7);
    r.machine_name = "PC-" + std::to_string(i) + ".corp.example";
    r.connection_id = Guid{0x54468936u + static_cast<std::uint32_t>(i),
                           0xcb49,
                           0x4374,
                           {0xb1, 0x27, 0xa6, 0xa3, 0xcc, 0x3b, 0xb1, 0x1c}};
    r.correlation_id = CorrelationId{
        Guid{0x11111111u, 0x2222, 0x3333, {1, 2, 3, 4, 5, 6, 7, static_cast<std::uint8_t>(i)}},
        FileTime{0x01ca78d858ee1ef0ull + static_cast<std::uint64_t>(i)}};
    ShvResult a;
    a.id = NapOutOfBoxSystemHealthId;
    a.status = ShvStatus::NonCompliant;
    a.passed = false;
    a.compliance_codes = {HResult{0xC0FF0001u}, HResult{0x00000000u}, HResult{0x80270050u}};
    a.latency_us = 1234;
    ShvResult b;
    b.id = 0x000137F0;
    b.status = ShvStatus::Failed;
    b.passed = true;
    b.failure_category = FailureCategory::ServerCommunication;
    b.latency_us = 2'000'000;
    r.shvs = {a, b};
    r.health_policy = "noncompliant";
    r.network_policy = "restrict-noncompliant";
    r.outcome = static_cast<Outcome>(i % 4);
    if (r.outcome == Outcome::Probation)
        r.probation_end = r.time + std::chrono::hours(24 * 7);
    r.extended_state = ExtendedIsolationState::Transition;
    r.remediation_group = "wsus";
    r.url = "https://remediation.example/help?id=" + std::to_string(i);
    r.reasons = {"health policy \"noncompliant\" matched", "tab\tnewline\nbackslash\\ \"quote\""};
    r.latency_us = 4321;
    return r;
}

}  // namespace opennap::store::testing
