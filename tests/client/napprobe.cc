// napprobe: a small napagent client for the access-control tests (tests/client/access_test.cc),
// which run it under other uids. It connects with RemoteAgent to --socket PATH and runs the steps
// given on the command line, printing one line per step: "<step> <HRESULT name>".
//
//   napprobe --socket PATH STEP...
//
// Steps (ID in decimal or 0x hex):
//   register-sha ID | register-ec ID | unregister-sha ID | unregister-ec ID
//   enable-sha ID | enable-ec ID | disable-sha ID | disable-ec ID
//   bind-ec ID | bind-sha ID
//   connect      CreateConnection + SetConnectionId on the last bound EC
//   exchange     GetSoHRequest on that connection
//   trace-level N
//   status       sha_status (always allowed; S_OK when it answered)
//   role         prints "role <the role the daemon gave this process>"
//
// Before the steps it prints "pid <its pid>" (the tests find it in the daemon's log).
// Exit: 0 when every step ran (whatever the HRESULTs), 2 on usage errors, 5 when the daemon
// cannot be reached.
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/client/remote_agent.h"
#include "opennap/core/hresult.h"

namespace {

using namespace opennap;
using agent::Caller;

class ProbeEc final : public agent::EnforcementClientCallback {
  public:
    agent::Status notify_soh_change() override { return hr::S_OK; }
    agent::Result<std::vector<std::shared_ptr<agent::Connection>>> get_connections() override {
        return std::vector<std::shared_ptr<agent::Connection>>{};
    }
};

class ProbeSha final : public agent::HealthAgentCallback {
  public:
    agent::Status get_soh_request(agent::ShaRequest&) override { return hr::S_OK; }
    agent::Status process_soh_response(agent::ShaRequest&) override { return hr::S_OK; }
    agent::Status notify_system_isolation_state_change() override { return hr::S_OK; }
    agent::Result<FixupInfo> get_fixup_info() override { return FixupInfo{}; }
    agent::Status notify_orphaned_soh_request(const CorrelationId&) override { return hr::S_OK; }
};

std::optional<std::uint32_t> parse_u32(std::string_view s) {
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        base = 16;
    }
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc{} || p != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

NapComponentRegistrationInfo registration(std::uint32_t id) {
    NapComponentRegistrationInfo i;
    i.id = id;
    i.friendly_name = u"napprobe";
    i.component_type = ComponentTypeEnforcementClientSoH;
    return i;
}

int usage(const char* msg) {
    std::fprintf(stderr, "napprobe: %s\nusage: napprobe --socket PATH STEP...\n", msg);
    return 2;
}

// Steps that take an argument.
bool takes_argument(std::string_view step) {
    return step == "register-sha" || step == "register-ec" || step == "unregister-sha" ||
           step == "unregister-ec" || step == "enable-sha" || step == "enable-ec" ||
           step == "disable-sha" || step == "disable-ec" || step == "bind-ec" ||
           step == "bind-sha" || step == "trace-level";
}

bool known_step(std::string_view step) {
    return takes_argument(step) || step == "connect" || step == "exchange" || step == "status" ||
           step == "role";
}

}  // namespace

int main(int argc, char** argv) {
    std::string socket;
    struct Step {
        std::string name;
        std::uint32_t arg = 0;
        std::string text;  // "name arg" as printed
    };
    std::vector<Step> steps;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--socket") {
            if (++i >= argc)
                return usage("--socket needs a path");
            socket = argv[i];
            continue;
        }
        if (!known_step(a))
            return usage(("unknown step: " + std::string(a)).c_str());
        Step s{std::string(a), 0, std::string(a)};
        if (takes_argument(a)) {
            if (++i >= argc)
                return usage(("step " + std::string(a) + " needs a number").c_str());
            auto v = parse_u32(argv[i]);
            if (!v)
                return usage(("not a number: " + std::string(argv[i])).c_str());
            s.arg = *v;
            s.text += " ";
            s.text += argv[i];
        }
        steps.push_back(std::move(s));
    }
    if (socket.empty())
        return usage("--socket is required");

    client::RemoteOptions o;
    o.socket_path = socket;
    o.client_name = "napprobe";
    o.call_timeout = std::chrono::seconds(10);
    auto remote = client::RemoteAgent::connect(o);
    if (!remote->wait_connected(std::chrono::seconds(5))) {
        std::fprintf(stderr, "napprobe: cannot reach the daemon at %s\n", socket.c_str());
        return 5;
    }

    // The tests look for this pid in the daemon's log lines.
    std::printf("pid %d\n", static_cast<int>(::getpid()));
    const auto admin = Caller::admin();
    std::vector<std::shared_ptr<void>> callbacks;  // kept alive while bound
    std::optional<Caller> ec;                      // the last bound EC
    std::optional<agent::ConnectionKey> key;       // its connection
    for (const auto& s : steps) {
        HResult r = hr::S_OK;
        const std::string& n = s.name;
        if (n == "register-sha") {
            r = remote->register_sha(admin, registration(s.arg));
        } else if (n == "register-ec") {
            r = remote->register_ec(admin, registration(s.arg));
        } else if (n == "unregister-sha") {
            r = remote->unregister_sha(admin, s.arg);
        } else if (n == "unregister-ec") {
            r = remote->unregister_ec(admin, s.arg);
        } else if (n == "enable-sha" || n == "disable-sha") {
            r = remote->set_sha_enabled(admin, s.arg, n == "enable-sha");
        } else if (n == "enable-ec" || n == "disable-ec") {
            r = remote->set_ec_enabled(admin, s.arg, n == "enable-ec");
        } else if (n == "bind-ec") {
            auto cb = std::make_shared<ProbeEc>();
            auto t = remote->bind_ec(s.arg, cb);
            if (t) {
                callbacks.push_back(cb);
                ec = Caller{Caller::Kind::EnforcementClient, s.arg, *t};
            } else {
                r = t.error();
            }
        } else if (n == "bind-sha") {
            auto cb = std::make_shared<ProbeSha>();
            auto t = remote->bind_sha(s.arg, cb);
            if (t)
                callbacks.push_back(cb);
            else
                r = t.error();
        } else if (n == "connect") {
            if (!ec) {
                r = hr::E_UNEXPECTED;
            } else if (auto k = remote->create_connection(*ec); !k) {
                r = k.error();
            } else {
                key = *k;
                const ConnectionId id{static_cast<std::uint32_t>(::getpid()),
                                      0x1234,
                                      0x5678,
                                      {1, 2, 3, 4, 5, 6, 7, 8}};
                r = remote->conn_set_connection_id(*ec, *key, &id);
            }
        } else if (n == "exchange") {
            if (!ec || !key) {
                r = hr::E_UNEXPECTED;
            } else if (auto x = remote->get_soh_request(*ec, *key); !x) {
                r = x.error();
            }
        } else if (n == "trace-level") {
            r = remote->set_trace_level(static_cast<NapTracingLevel>(s.arg));
        } else if (n == "status") {
            (void)remote->sha_status();
            r = remote->connected() ? hr::S_OK : hr::RPC_E_DISCONNECTED;
        } else if (n == "role") {
            std::printf("role %s\n", remote->role().c_str());
            continue;
        }
        const std::string_view nm = name(r);
        std::printf("%s %s\n", s.text.c_str(),
                    nm.empty() ? to_string(r).c_str() : std::string(nm).c_str());
        std::fflush(stdout);
    }
    return 0;
}
