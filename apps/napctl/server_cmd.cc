// `napctl server decisions`: the health policy server's audit records, from its SQLite database
// (--db) or its PostgreSQL database (--conninfo), opened read-only. See docs/napctl.md.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "commands.h"
#include "opennap/store/audit_store.h"
#include "opennap/store/format.h"
#include "opennap/store/pg_store.h"
#include "opennap/store/sqlite_store.h"

namespace napctl {

namespace {

namespace store = opennap::store;

constexpr const char* kDefaultDb = "/var/lib/opennap/audit.db";

struct DecisionsArgs {
    std::string db;
    std::string conninfo;
    std::string since;
    std::string until;
    std::string machine;
    std::string outcome;
    std::size_t limit = 100;
    bool json = false;
    bool counts = false;
};

int run_decisions(const DecisionsArgs& a) {
    const auto now =
        std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    store::DecisionQuery q;
    q.limit = a.limit;
    q.machine = a.machine;
    for (auto [text, out, name] :
         {std::tuple{&a.since, &q.since, "--since"}, std::tuple{&a.until, &q.until, "--until"}}) {
        if (text->empty())
            continue;
        auto t = store::parse_time_arg(*text, now);
        if (!t) {
            std::cerr << "napctl: " << name << ": " << t.error() << "\n";
            return kExitUsage;
        }
        *out = *t;
    }
    if (!a.outcome.empty())
        q.outcome = store::parse_outcome(a.outcome);  // checked by CLI11

    store::StoreResult<std::unique_ptr<store::AuditStore>> s;
    if (!a.conninfo.empty()) {
        store::PgOptions o;
        o.conninfo = a.conninfo;
        o.read_only = true;
        s = store::open_pg_store(o);
    } else {
        store::SqliteOptions o;
        o.path = a.db.empty() ? kDefaultDb : a.db;
        o.read_only = true;
        s = store::open_sqlite_store(o);
    }
    auto fail = [](const store::StoreError& e) {
        std::cerr << "napctl: " << e.to_string() << "\n";
        return e.kind == store::StoreError::Kind::Unavailable ? kExitUnreachable : kExitIo;
    };
    if (!s)
        return fail(s.error());
    if (a.counts) {
        auto c = (*s)->count_by_outcome(q);
        if (!c)
            return fail(c.error());
        if (a.json) {
            std::cout << "{";
            for (std::size_t i = 0; i < store::kOutcomeCount; ++i) {
                std::cout << (i > 0 ? "," : "") << "\""
                          << store::to_string(static_cast<store::Outcome>(i))
                          << "\":" << c->by_outcome[i];
            }
            std::cout << ",\"total\":" << c->total() << "}\n";
        } else {
            std::cout << store::format_counts(*c) << "\n";
        }
        return kExitOk;
    }
    auto records = (*s)->query(q);
    if (!records)
        return fail(records.error());
    std::cout << (a.json ? store::format_json(*records) : store::format_table(*records));
    return kExitOk;
}

}  // namespace

void register_server_commands(CLI::App& app, int& exit_code) {
    CLI::App* group =
        app.add_subcommand("server", "Look at the health policy server's records (napserver)");
    group->require_subcommand(1);
    auto args = std::make_shared<DecisionsArgs>();
    CLI::App* dec = group->add_subcommand(
        "decisions",
        "List recorded decisions, newest first: time, outcome, machine, RADIUS client, network "
        "policy and each SHV's result (or, with --json, every field; see docs/napctl.md)");
    CLI::Option* db = dec->add_option(
        "--db", args->db, std::string("The audit SQLite database (default ") + kDefaultDb + ")");
    dec->add_option("--conninfo", args->conninfo,
                    "Read the PostgreSQL audit database instead (a libpq connection string, "
                    "e.g. \"host=/run/postgresql dbname=opennap\")")
        ->excludes(db);
    dec->add_option("--since", args->since,
                    "Only decisions at or after this time: 2026-12-02, 2026-12-02T01:43:39Z, or "
                    "a duration back from now (90s, 15m, 2h, 7d, 1w)");
    dec->add_option("--until", args->until, "Only decisions before this time (same forms)");
    dec->add_option("--machine", args->machine,
                    "Only this machine name (any case); '*' and '?' are wildcards, '\\' quotes");
    dec->add_option("--outcome", args->outcome, "Only this outcome")
        ->check(CLI::IsMember({"full", "probation", "restricted", "deny"}));
    dec->add_option("-n,--limit", args->limit, "At most this many (0: all; default 100)");
    dec->add_flag("--json", args->json, "Print JSON (an array of records)");
    dec->add_flag("--counts", args->counts,
                  "Print how many decisions match, per outcome, instead of the decisions");
    dec->callback([args, &exit_code] { exit_code = run_decisions(*args); });
}

}  // namespace napctl
