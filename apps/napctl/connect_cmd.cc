// `napctl connect radius://HOST[:PORT]`: a health exchange through the RADIUS enforcement client
// (opennap/enforcement/radius_ec.h) on the napagent daemon: this machine's SoH goes to the health
// policy server in an Access-Request, its SoH response goes back to the agent, and the decision
// is printed. See docs/napctl.md.
#include <signal.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "agent_conn.h"
#include "commands.h"
#include "opennap/agent/client_management.h"
#include "opennap/enforcement/radius_ec.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace napctl {

namespace {

namespace enf = opennap::enforcement;
namespace hr = opennap::hr;
using ojson = nlohmann::ordered_json;

struct ConnectArgs {
    ConnArgs conn;
    std::string url;
    std::string secret;
    std::string secret_file;
    std::string ec_id = "0x007ED910";
    std::string framing = "bare";
    std::string machine_name;
    std::string nas_type = "ras";
    unsigned timeout_ms = 2000;
    unsigned attempts = 3;
    bool no_register = false;
    bool json = false;
    bool watch = false;
};

// radius://HOST[:PORT], HOST may be [v6].
bool parse_url(const std::string& url, std::string& host, std::uint16_t& port) {
    constexpr std::string_view scheme = "radius://";
    if (url.rfind(scheme, 0) != 0)
        return false;
    std::string rest = url.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/')
        rest.pop_back();
    port = 1812;
    std::string port_text;
    if (!rest.empty() && rest[0] == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos)
            return false;
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':')
                return false;
            port_text = rest.substr(close + 2);
        }
    } else {
        const auto colon = rest.rfind(':');
        host = rest.substr(0, colon);
        if (colon != std::string::npos)
            port_text = rest.substr(colon + 1);
    }
    if (host.empty())
        return false;
    if (!port_text.empty()) {
        unsigned v = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || v == 0 || v > 65535)
            return false;
        port = static_cast<std::uint16_t>(v);
    }
    return true;
}

std::optional<opennap::radius::NasType> parse_nas_type(const std::string& s) {
    using opennap::radius::NasType;
    if (s == "unspecified")
        return NasType::Unspecified;
    if (s == "ts-gateway")
        return NasType::TsGateway;
    if (s == "ras" || s == "vpn")
        return NasType::Ras;
    if (s == "dhcp")
        return NasType::Dhcp;
    if (s == "hra")
        return NasType::Hra;
    if (s == "hcap")
        return NasType::Hcap;
    return std::nullopt;
}

std::string code_text(std::uint32_t c) {
    const std::string_view n = opennap::name(opennap::HResult(c));
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", c);
    return n.empty() ? std::string(buf) : std::string(n) + " (" + buf + ")";
}

// One line per SHV entry of the SoH response: its id and compliance result codes / failure.
struct EntrySummary {
    std::uint32_t id = 0;
    std::vector<std::uint32_t> codes;
    std::optional<std::uint8_t> failure_category;
};
std::vector<EntrySummary> entries_of(const std::vector<std::uint8_t>& sohr) {
    std::vector<EntrySummary> out;
    auto view = opennap::soh::decode(sohr, {.expect = opennap::soh::Direction::Response});
    if (!view)
        return out;
    for (const auto& e : view->entries) {
        EntrySummary s;
        s.id = e.id;
        if (auto t = e.find(opennap::soh::tlv_type::kComplianceResultCodes)) {
            if (auto codes = opennap::soh::attr::compliance_result_codes(*t)) {
                for (std::size_t i = 0; i < codes->size(); ++i)
                    s.codes.push_back(codes->u32(i));
            }
        }
        if (auto t = e.find(opennap::soh::tlv_type::kFailureCategory)) {
            if (auto fc = opennap::soh::attr::failure_category(*t))
                s.failure_category = *fc;
        }
        out.push_back(std::move(s));
    }
    return out;
}

int exit_code_of(std::string_view verdict) {
    if (verdict == "full-access")
        return kExitOk;
    if (verdict == "probation")
        return kExitProbation;
    if (verdict == "restricted")
        return kExitRestricted;
    if (verdict == "rejected")
        return kExitRejected;
    return kExitNoDecision;
}

std::string isolation_word(opennap::IsolationState s) {
    switch (s) {
        case opennap::IsolationState::NotRestricted:
            return "not restricted (full access)";
        case opennap::IsolationState::InProbation:
            return "in probation";
        case opennap::IsolationState::RestrictedAccess:
            return "restricted access";
    }
    return "unknown";
}

std::string text_of(const ConnectArgs& a, const enf::ExchangeResult& r) {
    std::ostringstream o;
    const auto verdict = enf::verdict_of(r);
    o << "Health policy server : " << a.url << "\n";
    o << "Connection id       : " << r.connection_id.to_string() << "\n";
    o << "Correlation id      : " << r.correlation_id.to_string() << "\n";
    o << "SoH sent            : " << r.soh_bytes << " bytes\n";
    o << "RADIUS answer       : " << (r.radius.accepted ? "Access-Accept" : "Access-Reject")
      << " after " << r.round_trip.count() << " µs\n";
    if (r.isolation) {
        o << "Isolation state     : " << isolation_word(r.isolation->isolation_state) << "\n";
        if (r.isolation->isolation_state == opennap::IsolationState::InProbation)
            o << "Probation ends      : " << r.isolation->prob_end_time.to_string() << "\n";
        if (!r.isolation->failure_url.empty())
            o << "Help URL            : " << opennap::utf16_to_utf8(r.isolation->failure_url)
              << "\n";
    } else if (r.radius.accepted) {
        o << "Isolation state     : no decision (the server sent no SoH response)\n";
    }
    if (!r.radius.remediation_servers.empty()) {
        o << "Remediation servers :";
        for (const auto& s : r.radius.remediation_servers)
            o << ' ' << s;
        o << "\n";
    }
    if (r.radius.session_timeout)
        o << "Session-Timeout     : " << *r.radius.session_timeout << " s\n";
    if (!r.radius.filter_id.empty())
        o << "Filter-Id           : " << r.radius.filter_id << "\n";
    if (!r.radius.vlan.empty())
        o << "VLAN                : " << r.radius.vlan << "\n";
    if (!r.radius.reply_message.empty())
        o << "Reply-Message       : " << r.radius.reply_message << "\n";
    for (const auto& e : entries_of(r.radius.sohr)) {
        o << "SHV " << hex_id(e.id) << "      : ";
        if (e.failure_category && e.codes.empty()) {
            o << "failure category " << unsigned{*e.failure_category};
        } else {
            for (std::size_t i = 0; i < e.codes.size(); ++i)
                o << (i ? ", " : "") << code_text(e.codes[i]);
        }
        o << "\n";
    }
    o << "Verdict             : " << verdict << " (exit code " << exit_code_of(verdict) << ")\n";
    return o.str();
}

ojson json_of(const ConnectArgs& a, const enf::ExchangeResult& r) {
    ojson j;
    j["server"] = a.url;
    j["connection_id"] = r.connection_id.to_string();
    j["correlation_id"] = r.correlation_id.to_string();
    j["soh_bytes"] = r.soh_bytes;
    j["radius"] = {{"code", r.radius.accepted ? "Access-Accept" : "Access-Reject"},
                   {"round_trip_us", r.round_trip.count()},
                   {"remediation_servers", r.radius.remediation_servers},
                   {"filter_id", r.radius.filter_id},
                   {"vlan", r.radius.vlan},
                   {"reply_message", r.radius.reply_message}};
    if (r.radius.session_timeout)
        j["radius"]["session_timeout"] = *r.radius.session_timeout;
    if (r.radius.quarantine_state)
        j["radius"]["ms_quarantine_state"] = *r.radius.quarantine_state;
    if (r.radius.extended_state)
        j["radius"]["ms_extended_quarantine_state"] = *r.radius.extended_state;
    if (r.radius.grace_time)
        j["radius"]["ms_quarantine_grace_time"] = *r.radius.grace_time;
    if (r.isolation) {
        j["isolation"] = {
            {"state", std::string(opennap::to_string(r.isolation->isolation_state))},
            {"extended_state",
             std::string(opennap::to_string(r.isolation->extended_isolation_state))},
            {"probation_end", r.isolation->isolation_state == opennap::IsolationState::InProbation
                                  ? ojson(r.isolation->prob_end_time.to_string())
                                  : ojson(nullptr)},
            {"url", opennap::utf16_to_utf8(r.isolation->failure_url)}};
    } else {
        j["isolation"] = nullptr;
    }
    ojson shvs = ojson::array();
    for (const auto& e : entries_of(r.radius.sohr)) {
        ojson s{{"id", hex_id(e.id)}};
        ojson codes = ojson::array();
        for (auto c : e.codes)
            codes.push_back(code_text(c));
        s["compliance_result_codes"] = codes;
        s["failure_category"] = e.failure_category ? ojson(*e.failure_category) : ojson(nullptr);
        shvs.push_back(s);
    }
    j["shvs"] = shvs;
    const auto verdict = enf::verdict_of(r);
    j["verdict"] = std::string(verdict);
    j["exit_code"] = exit_code_of(verdict);
    return j;
}

std::atomic<bool> g_stop{false};
void on_signal(int) {
    g_stop = true;
}

int run_connect(const ConnectArgs& a) {
    enf::RadiusEcOptions o;
    if (!parse_url(a.url, o.host, o.port))
        return usage("the server must be radius://HOST[:PORT], got '" + a.url + "'");
    if (!a.secret.empty() && !a.secret_file.empty())
        return usage("--secret and --secret-file exclude each other");
    o.secret = a.secret;
    if (!a.secret_file.empty()) {
        std::ifstream in(a.secret_file);
        if (!in || !std::getline(in, o.secret)) {
            std::cerr << "napctl: cannot read the secret from " << a.secret_file << "\n";
            return kExitIo;
        }
    }
    if (o.secret.empty())
        return usage("a shared secret is required (--secret or --secret-file)");
    auto id = parse_id(a.ec_id);
    if (!id)
        return usage("--ec-id: not an id: " + a.ec_id);
    o.ec_id = *id;
    if (a.framing == "peap")
        o.wrapping = opennap::radius::Wrapping::PeapWrapper;
    else if (a.framing != "bare")
        return usage("--framing must be bare or peap");
    auto nas = parse_nas_type(a.nas_type);
    if (!nas)
        return usage("--nas-type must be unspecified, ts-gateway, ras, dhcp, hra or hcap");
    o.nas_type = *nas;
    o.machine_name = a.machine_name;
    o.timeout = std::chrono::milliseconds(a.timeout_ms);
    o.attempts = a.attempts;

    int exit_code = kExitOk;
    auto agent = connect(a.conn, exit_code);
    if (!agent)
        return exit_code;
    if (!a.no_register) {
        // The EC must be registered with the agent; an administrator registers it on first use.
        opennap::agent::ClientManagement mgmt(agent->remote);
        opennap::NapComponentRegistrationInfo info;
        info.id = o.ec_id;
        info.friendly_name = u"OpenNAP RADIUS enforcement client";
        info.vendor_name = u"OpenNAP";
        info.version = u"1.0";
        info.component_type = opennap::ComponentTypeEnforcementClientSoH;
        const auto s = mgmt.register_enforcement_client(info);
        if (s.failed() && s != hr::NAP_E_CONFLICTING_ID && s != hr::E_ACCESSDENIED)
            return failed(*agent, "registering the enforcement client", s);
    }
    auto ec = enf::RadiusEnforcementClient::start(agent->remote, o);
    if (!ec) {
        if (is_transport_failure(ec.error().code))
            return unreachable(agent->path, describe(ec.error().code));
        std::cerr << "napctl: " << ec.error().message << "\n";
        return ec.error().code == hr::E_ACCESSDENIED ? kExitAccessDenied : kExitAgentError;
    }
    auto show = [&](const enf::EcResult<enf::ExchangeResult>& r) -> int {
        if (!r) {
            std::cerr << "napctl: connect: " << r.error().message << "\n";
            return kExitExchangeFailed;
        }
        const int code = exit_code_of(enf::verdict_of(*r));
        const int printed = print(a.json ? json_of(a, *r).dump(2) + "\n" : text_of(a, *r));
        return printed != kExitOk ? printed : code;
    };
    int result = show((*ec)->exchange());
    if (a.watch) {
        // Stay bound: when an SHA reports a change the agent calls NotifySoHChange and the EC
        // runs the exchange again; each decision is printed. Ends on SIGINT / SIGTERM.
        std::mutex mu;
        (*ec)->on_exchange([&](const enf::EcResult<enf::ExchangeResult>& r) {
            std::lock_guard lock(mu);
            result = show(r);
        });
        ::signal(SIGINT, on_signal);
        ::signal(SIGTERM, on_signal);
        while (!g_stop.load())
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    (*ec)->stop();
    return result;
}

}  // namespace

void register_connect_commands(CLI::App& app, int& exit_code) {
    static ConnectArgs args;
    auto* cmd = app.add_subcommand(
        "connect", "Run a health exchange with a health policy server (RADIUS) for this machine");
    cmd->add_option("server", args.url, "radius://HOST[:PORT] (port 1812 by default)")->required();
    cmd->add_option("--secret", args.secret, "The RADIUS shared secret");
    cmd->add_option("--secret-file", args.secret_file, "Read the shared secret from this file");
    cmd->add_option("--ec-id", args.ec_id,
                    "The enforcement client's id (default 0x007ED910, OpenNAP's RADIUS EC)");
    cmd->add_option("--framing", args.framing,
                    "How MS-Quarantine-SoH carries the SoH: bare ([MS-RNAP], default) or peap "
                    "(what FreeRADIUS expects)");
    cmd->add_option("--machine-name", args.machine_name, "MS-Machine-Name (default: host name)");
    cmd->add_option("--nas-type", args.nas_type,
                    "MS-Network-Access-Server-Type: ras (default), dhcp, ts-gateway, hra, hcap, "
                    "unspecified");
    cmd->add_option("--radius-timeout", args.timeout_ms,
                    "Milliseconds to wait for each RADIUS answer (default 2000)")
        ->check(CLI::Range(1u, 600000u));
    cmd->add_option("--attempts", args.attempts, "Times to send the request (default 3)")
        ->check(CLI::Range(1u, 20u));
    cmd->add_flag("--no-register", args.no_register,
                  "Do not register the enforcement client with the agent if it is not");
    cmd->add_flag("--json", args.json, "Print the result as JSON");
    cmd->add_flag("--watch", args.watch,
                  "Stay connected and run the exchange again whenever an SHA's health changes");
    add_conn_options(cmd, args.conn);
    cmd->callback([&exit_code] { exit_code = run_connect(args); });
}

}  // namespace napctl
