// The napctl commands that talk to the napagent daemon through the client library (RemoteAgent):
// status, register / unregister / enable / disable, trace-level and `soh show`. See
// docs/napctl.md for the output, the JSON schema and the exit codes.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent_conn.h"
#include "commands.h"
#include "opennap/agent/agent_api.h"
#include "opennap/client/remote_agent.h"
#include "opennap/core/hresult.h"
#include "opennap/core/nap_structs.h"
#include "opennap/soh/message.h"
#include "opennap/tools/detect.h"
#include "opennap/tools/soh_json.h"
#include "opennap/tools/tree.h"

namespace napctl {

namespace {

namespace agent = opennap::agent;
namespace client = opennap::client;
namespace hr = opennap::hr;
namespace tools = opennap::tools;
using nlohmann::json;
// Status JSON keeps its keys in the documented order.
using ojson = nlohmann::ordered_json;
using opennap::HResult;

std::string hex32(std::uint32_t v) {
    return hex_id(v);
}

std::string utf8(const std::u16string& s) {
    return opennap::utf16_to_utf8(s);
}

std::string kind_word(bool sha) {
    return sha ? "SHA" : "EC";
}

// "soh", "rp", "soh+rp", "none" (ComponentTypeEnforcementClientSoH / ...Rp bits), or the number.
std::string ec_type_name(std::uint32_t t) {
    switch (t) {
        case 0:
            return "none";
        case opennap::ComponentTypeEnforcementClientSoH:
            return "soh";
        case opennap::ComponentTypeEnforcementClientRp:
            return "rp";
        case opennap::ComponentTypeEnforcementClientSoH | opennap::ComponentTypeEnforcementClientRp:
            return "soh+rp";
        default:
            return hex32(t);
    }
}

// A FILETIME for people and for JSON: nullopt for 0 (never) and for the "none" value.
std::optional<std::string> time_text(opennap::FileTime t) {
    if (t.ticks == 0 || t.ticks == opennap::FileTime::kNone)
        return std::nullopt;
    return t.to_string();
}

ojson time_json(opennap::FileTime t) {
    auto s = time_text(t);
    return s ? ojson(*s) : ojson(nullptr);
}

ojson codes_json(const opennap::ResultCodes& codes) {
    ojson out = ojson::array();
    for (const HResult h : codes) {
        ojson c = {{"code", hex32(h.bits())}};
        const std::string_view n = opennap::name(h);
        c["name"] = n.empty() ? ojson(nullptr) : ojson(std::string(n));
        out.push_back(std::move(c));
    }
    return out;
}

std::string codes_text(const opennap::ResultCodes& codes) {
    if (codes.empty())
        return "none";
    std::string out;
    for (const HResult h : codes) {
        if (!out.empty())
            out += ", ";
        const std::string_view n = opennap::name(h);
        out += n.empty() ? hex32(h.bits()) : std::string(n) + " (" + hex32(h.bits()) + ")";
    }
    return out;
}

// ---- status -----------------------------------------------------------------------------------

struct StatusArgs {
    ConnArgs conn;
    bool json = false;
};

struct Snapshot {
    agent::SystemIsolation system;
    std::vector<agent::ShaStatus> shas;
    std::vector<agent::EcStatus> ecs;
    std::size_t connections = 0;
    std::size_t decided = 0;
};

struct Verdict {
    const char* name;
    int exit_code;
};

// The exit code of `napctl status` (docs/napctl.md, "Exit codes").
Verdict verdict_of(const Snapshot& s) {
    switch (s.system.info.isolation_state) {
        case opennap::IsolationState::RestrictedAccess:
            return {"restricted", kExitRestricted};
        case opennap::IsolationState::InProbation:
            return {"probation", kExitProbation};
        case opennap::IsolationState::NotRestricted:
            // The agent's default when nothing decided it: only a decided connection says so.
            if (s.decided > 0)
                return {"full-access", kExitOk};
            break;
    }
    return {"no-decision", kExitNoDecision};
}

ojson isolation_json(const opennap::IsolationInfoEx& i) {
    return {{"state", std::string(to_string(i.isolation_state))},
            {"extended_state", std::string(to_string(i.extended_isolation_state))},
            {"probation_end", i.isolation_state == opennap::IsolationState::InProbation
                                  ? time_json(i.prob_end_time)
                                  : ojson(nullptr)},
            {"failure_url", utf8(i.failure_url)}};
}

ojson registration_json(const opennap::NapComponentRegistrationInfo& r) {
    return {{"id", hex_id(r.id)},
            {"name", utf8(r.friendly_name)},
            {"vendor", utf8(r.vendor_name)},
            {"version", utf8(r.version)},
            {"description", utf8(r.description)},
            {"registration_date", time_json(r.registration_date)}};
}

ojson status_json(const Agent& a, const Snapshot& s, const Verdict& v) {
    ojson doc;
    doc["schema"] = 1;
    doc["socket"] = a.path;
    doc["role"] = a.remote->role();
    doc["verdict"] = v.name;
    doc["exit_code"] = v.exit_code;
    const auto& si = s.system.info;
    ojson sys = isolation_json(si);
    sys["unknown_connections"] = s.system.unknown_connections;
    sys["connections"] = s.connections;
    sys["decided_connections"] = s.decided;
    doc["system"] = std::move(sys);
    ojson shas = ojson::array();
    for (const auto& sha : s.shas) {
        ojson j = registration_json(sha.info);
        j["enabled"] = sha.enabled;
        j["bound"] = sha.bound;
        j["cached_soh"] = sha.has_cached_soh;
        j["result_codes"] = codes_json(sha.state.sha_result_codes);
        j["failure_category"] = std::string(to_string(sha.state.failure_category));
        const auto& f = sha.state.fixup_info;
        j["fixup"] = {
            {"state", std::string(to_string(f.state))},
            {"percentage", f.percentage == opennap::percentageNotSupported ? ojson(nullptr)
                                                                           : ojson(f.percentage)},
            {"result_codes", codes_json(f.result_codes)},
            {"message_id", f.fixup_msg_id}};
        shas.push_back(std::move(j));
    }
    doc["shas"] = std::move(shas);
    ojson ecs = ojson::array();
    for (const auto& ec : s.ecs) {
        ojson j = registration_json(ec.info);
        j["type"] = ec_type_name(ec.info.component_type);
        j["enabled"] = ec.enabled;
        j["bound"] = ec.bound;
        ojson conns = ojson::array();
        for (const auto& c : ec.connections) {
            conns.push_back(
                {{"key", c.key},
                 {"connection_id",
                  c.connection_id ? ojson(c.connection_id->to_string()) : ojson(nullptr)},
                 {"correlation_id",
                  c.correlation_id ? ojson(c.correlation_id->to_string()) : ojson(nullptr)},
                 {"isolation", c.isolation ? isolation_json(*c.isolation) : ojson(nullptr)},
                 {"request_outstanding", c.request_outstanding},
                 {"last_exchange", time_json(c.last_exchange)}});
        }
        j["connections"] = std::move(conns);
        ecs.push_back(std::move(j));
    }
    doc["ecs"] = std::move(ecs);
    return doc;
}

// "    Label               : value\n": labels padded to 20 columns, so that the colons of one
// block line up.
class Lines {
  public:
    void heading(int indent, const std::string& text) {
        out_ += std::string(static_cast<std::size_t>(indent) * 4, ' ') + text + '\n';
    }
    void field(int indent, std::string_view label, const std::string& value) {
        std::string l(label);
        if (l.size() < kLabelWidth)
            l.resize(kLabelWidth, ' ');
        out_ += std::string(static_cast<std::size_t>(indent) * 4, ' ') + l + ": " + value + '\n';
    }
    void blank() { out_ += '\n'; }
    [[nodiscard]] const std::string& text() const { return out_; }

  private:
    static constexpr std::size_t kLabelWidth = 20;
    std::string out_;
};

std::string yes_no(bool b) {
    return b ? "yes" : "no";
}

std::string isolation_text(const opennap::IsolationInfoEx& i) {
    std::string s = std::string(to_string(i.isolation_state)) + " (" +
                    std::string(to_string(i.extended_isolation_state)) + ")";
    if (i.isolation_state == opennap::IsolationState::InProbation)
        s += ", probation ends " + time_text(i.prob_end_time).value_or("never");
    return s;
}

void registration_text(Lines& l, const opennap::NapComponentRegistrationInfo& r) {
    if (!r.vendor_name.empty())
        l.field(2, "Vendor", utf8(r.vendor_name));
    if (!r.version.empty())
        l.field(2, "Version", utf8(r.version));
    if (!r.description.empty())
        l.field(2, "Description", utf8(r.description));
    l.field(2, "Registered", time_text(r.registration_date).value_or("unknown"));
}

std::string status_text(const Agent& a, const Snapshot& s, const Verdict& v) {
    Lines l;
    l.heading(0, "NAP agent at " + a.path + " (this process's role: " + a.remote->role() + ")");
    l.blank();
    const auto& si = s.system.info;
    l.heading(0, "System isolation state:");
    l.field(1, "State", std::string(to_string(si.isolation_state)));
    l.field(1, "Extended state", std::string(to_string(si.extended_isolation_state)));
    l.field(1, "Probation end",
            si.isolation_state == opennap::IsolationState::InProbation
                ? time_text(si.prob_end_time).value_or("never")
                : std::string("none"));
    l.field(1, "Failure URL", si.failure_url.empty() ? "none" : utf8(si.failure_url));
    l.field(1, "Unknown connections", yes_no(s.system.unknown_connections));
    l.field(1, "Connections",
            std::to_string(s.connections) + " (" + std::to_string(s.decided) + " with a decision)");
    l.field(1, "Verdict", std::string(v.name) + " (exit code " + std::to_string(v.exit_code) + ")");
    l.blank();
    l.heading(0, "System health agents: " + std::to_string(s.shas.size()));
    for (const auto& sha : s.shas) {
        l.heading(1, "SHA " + hex_id(sha.info.id) + " \"" + utf8(sha.info.friendly_name) + "\"");
        registration_text(l, sha.info);
        l.field(2, "Enabled", yes_no(sha.enabled));
        l.field(2, "Bound", yes_no(sha.bound));
        l.field(2, "Cached SoH", yes_no(sha.has_cached_soh));
        l.field(2, "Result codes", codes_text(sha.state.sha_result_codes));
        l.field(2, "Failure category", std::string(to_string(sha.state.failure_category)));
        const auto& f = sha.state.fixup_info;
        std::string fix = std::string(to_string(f.state)) + ", " +
                          (f.percentage == opennap::percentageNotSupported
                               ? std::string("percentage not supported")
                               : std::to_string(f.percentage) + "%");
        if (!f.result_codes.empty())
            fix += ", codes " + codes_text(f.result_codes);
        if (f.fixup_msg_id != 0)
            fix += ", message " + hex32(f.fixup_msg_id);
        l.field(2, "Fix-up", fix);
    }
    l.blank();
    l.heading(0, "Enforcement clients: " + std::to_string(s.ecs.size()));
    for (const auto& ec : s.ecs) {
        l.heading(1, "EC " + hex_id(ec.info.id) + " \"" + utf8(ec.info.friendly_name) + "\"");
        registration_text(l, ec.info);
        l.field(2, "Type", ec_type_name(ec.info.component_type));
        l.field(2, "Enabled", yes_no(ec.enabled));
        l.field(2, "Bound", yes_no(ec.bound));
        l.field(2, "Connections", std::to_string(ec.connections.size()));
        for (const auto& c : ec.connections) {
            l.heading(2, "Connection " + std::to_string(c.key));
            l.field(3, "ConnectionId",
                    c.connection_id ? c.connection_id->to_string() : std::string("not set"));
            l.field(3, "CorrelationId",
                    c.correlation_id ? c.correlation_id->to_string() : std::string("none"));
            l.field(3, "Isolation state",
                    c.isolation ? isolation_text(*c.isolation) : std::string("unknown"));
            l.field(3, "Request outstanding", yes_no(c.request_outstanding));
            l.field(3, "Last exchange", time_text(c.last_exchange).value_or("never"));
        }
    }
    return l.text();
}

int run_status(const StatusArgs& args) {
    int code = kExitOk;
    auto a = connect(args.conn, code);
    if (!a)
        return code;
    // Three calls (the client library has no single-snapshot call); a connection lost or
    // re-established in between would make them disagree, so that is checked afterwards.
    const std::uint64_t generation = a->remote->generation();
    Snapshot s;
    s.system = a->remote->system_isolation();
    s.shas = a->remote->sha_status();
    s.ecs = a->remote->ec_status();
    if (!a->remote->connected() || a->remote->generation() != generation)
        return unreachable(a->path, "the connection was lost while reading the status");
    for (const auto& ec : s.ecs) {
        for (const auto& c : ec.connections) {
            ++s.connections;
            if (c.isolation)
                ++s.decided;
        }
    }
    const Verdict v = verdict_of(s);
    const std::string out =
        args.json
            ? status_json(*a, s, v).dump(2, ' ', false, ojson::error_handler_t::replace) + "\n"
            : status_text(*a, s, v);
    if (const int w = print(out); w != kExitOk)
        return w;
    return v.exit_code;
}

// ---- register / unregister / enable / disable ---------------------------------------------------

struct RegisterArgs {
    ConnArgs conn;
    std::string kind;
    std::string id;
    std::string name;
    std::string vendor;
    std::string version;
    std::string description;
    std::string type;
};

int run_register(const RegisterArgs& args) {
    const bool sha = args.kind == "sha";
    auto id = parse_id(args.id);
    if (!id)
        return usage("--id: \"" + args.id + "\" is not an id (decimal, or hex after 0x)");
    opennap::NapComponentRegistrationInfo info;
    info.id = *id;
    info.friendly_name = opennap::utf8_to_utf16(args.name);
    info.vendor_name = opennap::utf8_to_utf16(args.vendor);
    info.version = opennap::utf8_to_utf16(args.version);
    info.description = opennap::utf8_to_utf16(args.description);
    if (sha) {
        if (!args.type.empty())
            return usage("--type is for enforcement clients only");
    } else if (args.type.empty() || args.type == "soh") {
        info.component_type = opennap::ComponentTypeEnforcementClientSoH;
    } else if (args.type == "rp") {
        info.component_type = opennap::ComponentTypeEnforcementClientRp;
    } else {  // soh+rp (CLI11 checked the value)
        info.component_type =
            opennap::ComponentTypeEnforcementClientSoH | opennap::ComponentTypeEnforcementClientRp;
    }
    int code = kExitOk;
    auto a = connect(args.conn, code);
    if (!a)
        return code;
    // The daemon decides who may (SO_PEERCRED roles); the Caller is not sent.
    const agent::Caller caller = agent::Caller::admin();
    const agent::Status s =
        sha ? a->remote->register_sha(caller, info) : a->remote->register_ec(caller, info);
    const std::string what = "register " + kind_word(sha) + " " + hex_id(*id);
    if (s.failed())
        return failed(*a, what, s);
    return print("registered " + kind_word(sha) + " " + hex_id(*id) + " \"" + args.name + "\"\n");
}

enum class Action { Unregister, Enable, Disable };

struct IdArgs {
    ConnArgs conn;
    std::string kind;
    std::string id;
};

int run_id_action(Action action, const IdArgs& args) {
    const bool sha = args.kind == "sha";
    auto id = parse_id(args.id);
    if (!id)
        return usage("\"" + args.id + "\" is not an id (decimal, or hex after 0x)");
    int code = kExitOk;
    auto a = connect(args.conn, code);
    if (!a)
        return code;
    const agent::Caller caller = agent::Caller::admin();
    agent::Status s = hr::S_OK;
    const char* verb = "";
    const char* done = "";
    switch (action) {
        case Action::Unregister:
            s = sha ? a->remote->unregister_sha(caller, *id)
                    : a->remote->unregister_ec(caller, *id);
            verb = "unregister";
            done = "unregistered";
            break;
        case Action::Enable:
        case Action::Disable: {
            const bool on = action == Action::Enable;
            s = sha ? a->remote->set_sha_enabled(caller, *id, on)
                    : a->remote->set_ec_enabled(caller, *id, on);
            verb = on ? "enable" : "disable";
            done = on ? "enabled" : "disabled";
            break;
        }
    }
    if (s.failed())
        return failed(*a, std::string(verb) + " " + kind_word(sha) + " " + hex_id(*id), s);
    return print(std::string(done) + " " + kind_word(sha) + " " + hex_id(*id) + "\n");
}

// ---- trace-level ------------------------------------------------------------------------------

struct TraceArgs {
    ConnArgs conn;
    std::string level;
};

std::optional<opennap::NapTracingLevel> parse_level(const std::string& s) {
    using L = opennap::NapTracingLevel;
    if (s == "undefined" || s == "disabled" || s == "0")
        return L::Undefined;
    if (s == "basic" || s == "1")
        return L::Basic;
    if (s == "advanced" || s == "2")
        return L::Advanced;
    if (s == "debug" || s == "3")
        return L::Debug;
    return std::nullopt;
}

int run_trace_level(const TraceArgs& args) {
    if (args.level.empty()) {
        // Protocol v1 (src/ipc/napagent.proto) can set the daemon's tracing level but has no call
        // that reads it back.
        std::cerr << "napctl: trace-level: reading the daemon's tracing level is not supported: "
                  << describe(hr::E_NOTIMPL)
                  << "; give a level (undefined|basic|advanced|debug) to set it\n";
        return kExitAgentError;
    }
    auto level = parse_level(args.level);
    if (!level) {
        return usage("trace-level: \"" + args.level +
                     "\" is not a level (undefined or disabled, basic, advanced, debug, or 0-3)");
    }
    int code = kExitOk;
    auto a = connect(args.conn, code);
    if (!a)
        return code;
    const agent::Status s = a->remote->set_trace_level(*level);
    if (s.failed())
        return failed(*a, "trace-level " + std::string(to_string(*level)), s);
    return print("tracing level set to " + std::string(to_string(*level)) + "\n");
}

// ---- soh show ---------------------------------------------------------------------------------

struct ShowArgs {
    ConnArgs conn;
    bool json = false;
};

int run_soh_show(const ShowArgs& args) {
    int code = kExitOk;
    auto a = connect(args.conn, code);
    if (!a)
        return code;
    auto soh = a->remote->preview_soh();
    if (!soh)
        return failed(*a, "soh show", soh.error());
    const std::vector<std::uint8_t>& bytes = soh->data;

    // The same document as `napctl soh decode --json`, so `soh show --json | soh encode` works.
    json doc;
    doc["input"] = {{"source", "napagent"}, {"format", "binary"}, {"size", bytes.size()}};
    doc["framing"] = nullptr;
    doc["message"] = nullptr;
    int result = kExitOk;
    std::string diagnostic;
    auto detected = tools::detect(bytes);
    if (!detected) {
        result = kExitUndecodable;
        diagnostic = "error: the agent's SSoH does not decode: " + detected.error().message();
        doc["status"] = "error";
    } else {
        doc["framing"] = tools::to_json(*detected);
        auto view = detected->message ? opennap::soh::decode(*detected->message)
                                      : opennap::soh::decode(opennap::Bytes{});
        if (!view) {
            result = kExitUndecodable;
            diagnostic = "error: the agent's SSoH does not decode: " + view.error().message();
            doc["status"] = "error";
        } else {
            doc["message"] = tools::to_json(*view);
            doc["status"] = view->partial() ? "partial" : "ok";
            if (view->partial()) {
                result = kExitIgnored;
                diagnostic = "warning: partial decode";
            }
        }
    }
    if (!diagnostic.empty()) {
        doc["error"] = diagnostic;
        std::cerr << diagnostic << '\n';
    }
    std::string out;
    if (args.json) {
        out = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    } else {
        out = "SSoH the NAP agent at " + a->path + " would send now (" +
              std::to_string(bytes.size()) + " bytes)\n";
        if (!doc["framing"].is_null())
            out += tools::format_document_tree(doc);
    }
    if (const int w = print(out); w != kExitOk)
        return w;
    return result;
}

}  // namespace

void register_agent_commands(CLI::App& app, int& exit_code) {
    add_conn_options(&app, global_conn());
    auto add_kind = [](CLI::App* cmd, std::string& kind) {
        cmd->add_option("kind", kind, "sha (system health agent) or ec (enforcement client)")
            ->required()
            ->check(CLI::IsMember({"sha", "ec"}));
    };

    // status
    auto sargs = std::make_shared<StatusArgs>();
    CLI::App* status = app.add_subcommand(
        "status",
        "Show the NAP agent's state (like 'netsh nap client show state'): system isolation "
        "state, SHAs, ECs and their connections. The exit code tells the isolation state: 0 full "
        "access, 10 probation, 11 restricted, 12 no decision yet.");
    add_conn_options(status, sargs->conn);
    status->add_flag("--json", sargs->json, "Print JSON (schema in docs/napctl.md)");
    status->callback([sargs, &exit_code] { exit_code = run_status(*sargs); });

    // register
    auto rargs = std::make_shared<RegisterArgs>();
    CLI::App* reg = app.add_subcommand(
        "register", "Register a system health agent or an enforcement client (administrators)");
    add_kind(reg, rargs->kind);
    reg->add_option("--id", rargs->id, "The component id: decimal, or hex after 0x")->required();
    reg->add_option("--name", rargs->name, "Friendly name")->required();
    reg->add_option("--vendor", rargs->vendor, "Vendor name");
    reg->add_option("--version", rargs->version, "Version text");
    reg->add_option("--description", rargs->description, "Description");
    reg->add_option("--type", rargs->type,
                    "ECs: soh (in-band SoH exchange, the default), rp (certificate relying "
                    "party) or soh+rp")
        ->check(CLI::IsMember({"soh", "rp", "soh+rp"}));
    add_conn_options(reg, rargs->conn);
    reg->callback([rargs, &exit_code] { exit_code = run_register(*rargs); });

    // unregister / enable / disable
    struct Verb {
        const char* name;
        const char* help;
        Action action;
    };
    for (const Verb v :
         {Verb{"unregister", "Unregister an SHA or EC (administrators)", Action::Unregister},
          Verb{"enable", "Enable an SHA or EC (administrators)", Action::Enable},
          Verb{"disable",
               "Disable an SHA or EC (administrators): a disabled SHA is left out "
               "of the SSoH, a disabled EC cannot bind",
               Action::Disable}}) {
        auto iargs = std::make_shared<IdArgs>();
        CLI::App* cmd = app.add_subcommand(v.name, v.help);
        add_kind(cmd, iargs->kind);
        cmd->add_option("id", iargs->id, "The component id: decimal, or hex after 0x")->required();
        add_conn_options(cmd, iargs->conn);
        const Action action = v.action;
        cmd->callback([iargs, action, &exit_code] { exit_code = run_id_action(action, *iargs); });
    }

    // trace-level
    auto targs = std::make_shared<TraceArgs>();
    CLI::App* trace =
        app.add_subcommand("trace-level", "Set the NAP agent's tracing level (administrators)");
    trace->add_option("level", targs->level,
                      "undefined (alias disabled: warnings and errors only), basic, advanced or "
                      "debug; or 0-3");
    add_conn_options(trace, targs->conn);
    trace->callback([targs, &exit_code] { exit_code = run_trace_level(*targs); });

    // soh show (in the soh group of soh_cmd.cc)
    CLI::App* soh = app.get_subcommand("soh");
    soh->description("Decode, encode and show Statement of Health messages");
    auto shargs = std::make_shared<ShowArgs>();
    CLI::App* show = soh->add_subcommand(
        "show",
        "Show the SSoH the NAP agent would send now (cached SoHs of the SHAs, system-generated "
        "ones for the others), decoded like 'soh decode'");
    show->add_flag("--json", shargs->json,
                   "Print the 'soh decode --json' document (pipe it to 'soh encode')");
    add_conn_options(show, shargs->conn);
    show->callback([shargs, &exit_code] { exit_code = run_soh_show(*shargs); });
}

}  // namespace napctl
