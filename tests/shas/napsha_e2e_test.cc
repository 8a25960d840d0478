// End to end: napagent (private socket), napsha in a network namespace the test creates, napserver
// on 127.0.0.1 requiring a firewall, and `napctl connect --watch`. Loading a drop-by-default input
// ruleset with nft in napsha's namespace flips the decision from restricted to full access;
// flushing it flips it back; napsha logs the SoH responses and their remediation hints.
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// Waits until `pred` holds (polling), at most `timeout`.
bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred())
            return true;
        std::this_thread::sleep_for(50ms);
    }
    return pred();
}

// A free UDP port on 127.0.0.1 (bound and released; napserver binds it right after).
int free_udp_port() {
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(s);
        return -1;
    }
    socklen_t len = sizeof a;
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    return ntohs(a.sin_port);
}

// A child process with its output in `log`; `new_netns`: in a network namespace of its own.
class Child {
  public:
    Child(std::vector<std::string> argv, fs::path log, bool new_netns = false)
        : log_(std::move(log)) {
        pid_ = ::fork();
        if (pid_ == 0) {
            const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            if (new_netns && ::unshare(CLONE_NEWNET) != 0) {
                std::perror("unshare(CLONE_NEWNET)");
                std::_Exit(126);
            }
            std::vector<char*> args;
            for (auto& a : argv)
                args.push_back(a.data());
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            std::_Exit(127);
        }
    }
    ~Child() { stop(); }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    [[nodiscard]] pid_t pid() const noexcept { return pid_; }
    [[nodiscard]] bool running() {
        if (pid_ <= 0)
            return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        return true;
    }
    [[nodiscard]] std::string log() const { return slurp(log_); }
    // SIGTERM, then SIGKILL after 10 s; the exit status (-1 if killed or already gone).
    int stop() {
        if (pid_ <= 0)
            return -1;
        ::kill(pid_, SIGTERM);
        int status = 0;
        for (int i = 0; i < 1000; ++i) {
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(10ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return -1;
    }

  private:
    fs::path log_;
    pid_t pid_ = -1;
};

// Runs a command to completion; its exit status.
int run(std::vector<std::string> argv, const fs::path& log) {
    Child c(std::move(argv), log);
    int status = 0;
    ::waitpid(c.pid(), &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

constexpr const char* kServerToml = R"([radius]
listen = ["127.0.0.1:@PORT@"]
[[radius.client]]
name = "loopback"
address = "127.0.0.1"
secret = "e2e-secret"
[audit]
store = "sqlite"
sqlite_path = "@DIR@/audit.db"
# OpenNAP's security-center SHA, validated by the WSHV under 0x007ED901: the firewall only.
[[shv]]
id = 0x7ED901
kind = "wsha"
[shv.settings.firewall]
required = true
[shv.settings.antivirus]
required = false
up_to_date = false
[shv.settings.antispyware]
required = false
up_to_date = false
[shv.settings.automatic_updates]
required = false
# The Linux SHV: nothing this machine cannot have (no LUKS, no graphical session).
[[shv]]
id = 0x7ED902
kind = "linux"
[shv.settings.disk_encryption]
required = false
[shv.settings.screen_lock]
required = false
[[health_policy]]
name = "healthy"
condition = "passes-all"
[[health_policy]]
name = "unhealthy"
condition = "fails-one-or-more"
[[network_policy]]
name = "full"
health_policy = "healthy"
grant = "full"
[[network_policy]]
name = "restricted"
health_policy = "unhealthy"
grant = "restricted"
)";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

TEST(NapshaEndToEnd, FirewallRulesetInItsNamespaceFlipsTheDecision) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root (network namespaces, nftables)";
    // napagent with napsha's [checks] in the same file (napagent must accept it). Security
    // updates are measured elsewhere (tests/checks); here they would only cost time.
    opennap::test::NapagentProcess agent(
        "[checks]\ndisabled = [\"security-updates\"]\ninterval_s = 600\n"
        "[checks.security_updates]\ncache_dir = \"\"\n");
    ASSERT_TRUE(agent.start(30s)) << agent.log_text();
    const fs::path dir = agent.dir();

    const int port = free_udp_port();
    ASSERT_GT(port, 0);
    {
        std::ofstream out(dir / "server.toml");
        out << replace_all(replace_all(kServerToml, "@PORT@", std::to_string(port)), "@DIR@",
                           dir.string());
    }
    Child server({OPENNAP_NAPSERVER_PATH, "--config", (dir / "server.toml").string()},
                 dir / "napserver.log");
    ASSERT_TRUE(wait_for([&] { return server.log().find("RADIUS on") != std::string::npos; }, 30s))
        << server.log();

    Child sha({OPENNAP_NAPSHA_PATH, "--config", agent.config().string()}, dir / "napsha.log",
              /*new_netns=*/true);
    ASSERT_TRUE(wait_for(
        [&] {
            const std::string l = sha.log();
            return l.find("security-center SHA 0x007ED901 bound") != std::string::npos &&
                   l.find("linux SHA 0x007ED902 bound") != std::string::npos;
        },
        30s))
        << sha.log() << agent.log_text();

    Child watch({OPENNAP_NAPCTL_PATH, "connect", "radius://127.0.0.1:" + std::to_string(port),
                 "--secret", "e2e-secret", "--socket", agent.socket().string(), "--watch"},
                dir / "watch.log");
    const auto verdicts = [&](const char* v) {
        return count(watch.log(), std::string("Verdict             : ") + v);
    };
    // No firewall in napsha's fresh namespace: restricted, and napsha hears why.
    ASSERT_TRUE(wait_for([&] { return verdicts("restricted") >= 1; }, 30s))
        << watch.log() << server.log();
    ASSERT_TRUE(wait_for(
        [&] {
            return sha.log().find("security-center SHA: remediation: firewall:") !=
                   std::string::npos;
        },
        30s))
        << sha.log();
    EXPECT_NE(watch.log().find("SHV 0x007ED901      : 0xC0FF0047"), std::string::npos)
        << watch.log();

    // A drop-by-default input chain in napsha's namespace: napsha sees the netlink event, its
    // SoH changes, NotifySoHChange runs the exchange again: full access.
    const fs::path rules = dir / "drop.nft";
    std::ofstream(rules) << "table inet e2e {\n  chain input {\n    type filter hook input "
                            "priority 0; policy drop;\n  }\n}\n";
    const std::string ns = std::to_string(sha.pid());
    ASSERT_EQ(run({"/usr/bin/nsenter", "-t", ns, "-n", "/usr/sbin/nft", "-f", rules.string()},
                  dir / "nft.log"),
              0)
        << slurp(dir / "nft.log");
    ASSERT_TRUE(wait_for([&] { return verdicts("full-access") >= 1; }, 30s))
        << watch.log() << sha.log();
    ASSERT_TRUE(wait_for(
        [&] {
            return sha.log().find("security-center SHA 0x007ED901: decision: compliant") !=
                   std::string::npos;
        },
        30s))
        << sha.log();

    // The ruleset removed: restricted again.
    ASSERT_EQ(
        run({"/usr/bin/nsenter", "-t", ns, "-n", "/usr/sbin/nft", "delete", "table", "inet", "e2e"},
            dir / "nft.log"),
        0)
        << slurp(dir / "nft.log");
    ASSERT_TRUE(wait_for([&] { return verdicts("restricted") >= 2; }, 30s))
        << watch.log() << sha.log();
    const std::string log = sha.log();
    EXPECT_GE(count(log, "security-center SHA 0x007ED901: decision: non-compliant"), 2u) << log;
    EXPECT_GE(count(log, "linux SHA 0x007ED902: decision: compliant"), 3u) << log;
    // Only the SoH that changed was re-announced: the Linux SHA's stayed the same throughout.
    EXPECT_EQ(count(log, "linux SHA: NotifySoHChange"), 1u) << log;
    EXPECT_EQ(count(log, "security-center SHA: NotifySoHChange"), 3u) << log;

    watch.stop();
    // napsha unbinds and exits cleanly on SIGTERM (under ASan: without a report).
    EXPECT_EQ(sha.stop(), 0) << sha.log();
    EXPECT_EQ(sha.log().find("Sanitizer"), std::string::npos) << sha.log();
    server.stop();
    EXPECT_EQ(agent.stop(), 0);
}

// napagent killed with SIGKILL and started again: napsha's bindings come back by themselves (the
// client library re-binds) and napsha announces its SoHs again; no action from napsha's side.
TEST(NapshaEndToEnd, RebindsAfterNapagentIsKilledAndRestarted) {
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root (napsha registers its SHAs as administrator)";
    opennap::test::NapagentProcess agent(
        "[checks]\ndisabled = [\"security-updates\"]\ninterval_s = 600\n"
        "[checks.security_updates]\ncache_dir = \"\"\n");
    ASSERT_TRUE(agent.start(30s)) << agent.log_text();
    const fs::path dir = agent.dir();
    Child sha({OPENNAP_NAPSHA_PATH, "--config", agent.config().string()}, dir / "napsha.log");
    const auto bound_twice = [&](std::size_t n) {
        const std::string l = sha.log();
        return count(l, "security-center SHA 0x007ED901 bound") >= n &&
               count(l, "linux SHA 0x007ED902 bound") >= n;
    };
    ASSERT_TRUE(wait_for([&] { return bound_twice(1); }, 30s)) << sha.log() << agent.log_text();

    agent.kill();
    ASSERT_TRUE(agent.start(30s)) << agent.log_text();
    // Both SHAs bound again, as the daemon itself reports them.
    const fs::path status = dir / "status.json";
    ASSERT_TRUE(wait_for(
        [&] {
            std::filesystem::remove(status);
            (void)run(
                {OPENNAP_NAPCTL_PATH, "status", "--json", "--socket", agent.socket().string()},
                status);
            return count(slurp(status), "\"bound\": true") >= 2;
        },
        30s))
        << slurp(status) << sha.log() << agent.log_text();
    EXPECT_TRUE(sha.running()) << sha.log();
    EXPECT_GE(count(sha.log(), "napagent connection (re-)established"), 2u) << sha.log();
    // The SoHs are announced again to the new daemon, whose cache they fill.
    ASSERT_TRUE(wait_for([&] { return count(sha.log(), "linux SHA: NotifySoHChange") >= 2; }, 30s))
        << sha.log();
    EXPECT_EQ(sha.stop(), 0) << sha.log();
    EXPECT_EQ(agent.stop(), 0);
}

}  // namespace
