// `napctl server decisions` end to end: the built napctl reads records that the store wrote, from
// SQLite (--db) and from PostgreSQL (--conninfo), with filters, JSON, counts and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "opennap/store/pg_store.h"
#include "opennap/store/sqlite_store.h"
#include "store/harness.h"

namespace opennap::store {
namespace {

#ifdef OPENNAP_NAPCTL_PATH

using testing::sample_record;

struct CliRun {
    int exit_code = -1;
    std::string out;
    std::string err;
};

CliRun napctl(const std::string& args) {
    const std::string base =
        ::testing::TempDir() + "napctl_decisions_" + std::to_string(::getpid()) + "_";
    const std::string cmd = std::string("'") + OPENNAP_NAPCTL_PATH + "' " + args +
                            " </dev/null >'" + base + "out' 2>'" + base + "err'";
    const int status = std::system(cmd.c_str());
    CliRun r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    auto slurp = [](const std::string& p) {
        std::ifstream f(p);
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    r.out = slurp(base + "out");
    r.err = slurp(base + "err");
    return r;
}

std::vector<DecisionRecord> records() {
    std::vector<DecisionRecord> v;
    for (int i = 0; i < 20; ++i)
        v.push_back(sample_record(i));  // PC-<i>.corp.example, outcome i % 4
    return v;
}

void check(const std::string& source) {
    CliRun r = napctl("server decisions " + source + " --machine 'pc-1*' --json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 11u);  // PC-1, PC-10 .. PC-19
    EXPECT_EQ(j[0]["machine_name"], "PC-19.corp.example");
    EXPECT_EQ(j[10]["machine_name"], "PC-1.corp.example");
    EXPECT_EQ(j[10]["outcome"], "probation");
    EXPECT_EQ(j[10]["shvs"][0]["codes"][2], "0x80270050");

    r = napctl("server decisions " + source + " --outcome deny --limit 2");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("TIME ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("PC-19.corp.example"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PC-15.corp.example"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("PC-11.corp.example"), std::string::npos) << r.out;

    r = napctl("server decisions " + source + " --counts --since 2025-12-02T01:46:50Z");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "full 2, probation 2, restricted 3, deny 3 (10 in all)\n");
    r = napctl("server decisions " + source + " --counts --json --until 2025-12-02T01:46:41Z");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "{\"full\":1,\"probation\":0,\"restricted\":0,\"deny\":0,\"total\":1}\n");

    r = napctl("server decisions " + source + " --machine nobody");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "no decisions\n");
    r = napctl("server decisions " + source + " --since yesterday");
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("--since"), std::string::npos) << r.err;
}

TEST(NapctlDecisions, FromSqlite) {
    testing::TempDir dir;
    const auto db = dir.path() / "audit.db";
    {
        SqliteOptions o;
        o.path = db;
        auto s = open_sqlite_store(o);
        ASSERT_TRUE(s);
        ASSERT_TRUE((*s)->append(records()));
    }
    check("--db '" + db.string() + "'");
    CliRun r = napctl("server decisions --db '" + (dir.path() / "missing.db").string() + "'");
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("missing.db"), std::string::npos) << r.err;
    r = napctl("server decisions --db x --conninfo y");
    EXPECT_EQ(r.exit_code, 1);
}

TEST(NapctlDecisions, FromPostgresql) {
    if (const std::string why = testing::PgServer::unusable(); !why.empty())
        GTEST_SKIP() << why;
    testing::PgServer pg;
    std::string why;
    ASSERT_TRUE(pg.start(why)) << why;
    const std::string db = pg.create_database();
    {
        PgOptions o;
        o.conninfo = pg.conninfo(db);
        auto s = open_pg_store(o);
        ASSERT_TRUE(s) << s.error().to_string();
        ASSERT_TRUE((*s)->append(records()));
    }
    check("--conninfo '" + pg.conninfo(db) + "'");
    ASSERT_TRUE(pg.stop("fast"));
    CliRun r = napctl("server decisions --conninfo '" + pg.conninfo(db) + "'");
    EXPECT_EQ(r.exit_code, 5) << r.err;
}

#endif

}  // namespace
}  // namespace opennap::store
