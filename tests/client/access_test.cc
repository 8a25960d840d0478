// Access control end to end (docs/ipc.md "Who may do what", docs/napagent.md [access]): the real
// napagent daemon with an [access] configuration, and clients in separate processes (napprobe)
// running under other uids and groups (setpriv). Needs root (CI runs the tests as root).
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "opennap/core/hresult.h"
#include "opennap/ipc/frame.h"
#include "support/daemon.h"

namespace opennap::client {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kSha = 0x000137F0;      // health_agent: uid 60001
constexpr std::uint32_t kSha2 = 0x000137F3;     // nobody's
constexpr std::uint32_t kEc = 0x000137F1;       // enforcement_client: uid 65534 (nobody)
constexpr std::uint32_t kEc2 = 0x000137F2;      // nobody's
constexpr std::uint32_t kEcGroup = 0x000137F4;  // enforcement_client: gid 60010

constexpr unsigned kEcUid = 65534;
constexpr unsigned kShaUid = 60001;
constexpr unsigned kNoRoleUid = 60003;
constexpr unsigned kGroup = 60010;

const char* const kAccess = R"([limits]
callback_timeout_ms = 1000

[access]
administrators = { users = ["root"] }

[[access.enforcement_client]]
users = [65534]
ids = [0x000137F1]

[[access.health_agent]]
users = ["60001"]
ids = [0x000137F0]

[[access.enforcement_client]]
groups = [60010]
ids = [0x000137F4]
)";

std::string hex(std::uint32_t id) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08X", id);
    return b;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct ProbeResult {
    int exit_code = -1;
    long pid = -1;
    std::vector<std::pair<std::string, std::string>> steps;  // (step, HRESULT name)
    std::string out, err;

    [[nodiscard]] std::string result(const std::string& step) const {
        for (const auto& [s, h] : steps)
            if (s == step)
                return h;
        return "<step " + step + " missing>";
    }
    [[nodiscard]] int denials() const {
        int n = 0;
        for (const auto& s : steps)
            n += s.second == "E_ACCESSDENIED" ? 1 : 0;
        return n;
    }
};

class AccessTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0)
            GTEST_SKIP() << "needs root to run clients as other users";
        if (std::system("command -v setpriv >/dev/null 2>&1") != 0)
            GTEST_SKIP() << "setpriv (util-linux) is not installed";
        ASSERT_TRUE(daemon.start()) << daemon.log_text();
        // The daemon's private directory is 0700: let the other uids reach the socket (0666).
        ASSERT_EQ(::chmod(daemon.dir().c_str(), 0755), 0);
        // Root registers every component (root is administrator).
        const ProbeResult r = probe(
            "", "register-sha " + hex(kSha) + " register-sha " + hex(kSha2) + " register-sha " +
                    hex(kEc) + " register-ec " + hex(kEc) + " register-ec " + hex(kEc2) +
                    " register-ec " + hex(kEcGroup) + " register-ec " + hex(kSha));
        ASSERT_EQ(r.exit_code, 0) << r.err;
        for (const auto& [step, h] : r.steps)
            ASSERT_EQ(h, "S_OK") << step;
    }
    void TearDown() override {
        if (HasFailure())
            std::fprintf(stderr, "---- napagent log ----\n%s\n", daemon.log_text().c_str());
    }

    // Runs `[prefix] napprobe --socket S <steps>`; prefix is e.g. a setpriv command.
    ProbeResult probe(const std::string& prefix, const std::string& steps) {
        const std::string base = ::testing::TempDir() + "access_" +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                                 "_" + std::to_string(::getpid()) + "_";
        const std::string out = base + "out", err = base + "err";
        const std::string cmd = prefix + "'" + OPENNAP_NAPPROBE_PATH + "' --socket '" +
                                daemon.socket().string() + "' " + steps + " </dev/null >'" + out +
                                "' 2>'" + err + "'";
        const int status = std::system(cmd.c_str());
        ProbeResult r;
        r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        std::remove(out.c_str());
        std::remove(err.c_str());
        std::istringstream lines(r.out);
        std::string line;
        while (std::getline(lines, line)) {
            const auto sp = line.rfind(' ');
            if (sp == std::string::npos)
                continue;
            if (line.starts_with("pid "))
                r.pid = std::stol(line.substr(4));
            else if (!line.starts_with("role "))
                r.steps.emplace_back(line.substr(0, sp), line.substr(sp + 1));
        }
        return r;
    }

    static std::string as(unsigned uid, unsigned gid, const std::string& groups = "") {
        return "setpriv --reuid=" + std::to_string(uid) + " --regid=" + std::to_string(gid) +
               (groups.empty() ? std::string(" --clear-groups ") : " --groups=" + groups + " ");
    }

    // Lines of the daemon's log that record a denial for this uid and pid.
    int logged_denials(unsigned uid, long pid) const {
        const std::string needle =
            "(uid " + std::to_string(uid) + " pid " + std::to_string(pid) + "): E_ACCESSDENIED: ";
        const std::string log = daemon.log_text();
        int n = 0;
        for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
            ++n;
        return n;
    }

    // Every E_ACCESSDENIED the probe saw is in the log with its uid and pid (the log is written
    // by the daemon's thread: wait a little for it).
    void expect_denials_logged(const ProbeResult& r, unsigned uid) {
        ASSERT_GT(r.pid, 0) << r.out;
        const auto end = std::chrono::steady_clock::now() + 3s;
        while (logged_denials(uid, r.pid) < r.denials() && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(20ms);
        EXPECT_EQ(logged_denials(uid, r.pid), r.denials())
            << "uid " << uid << " pid " << r.pid << "\n"
            << r.out;
    }

    // Management steps on every component; each must give `expected`.
    static std::string management_steps() {
        return "register-sha 0x000137FE register-ec 0x000137FE unregister-sha " + hex(kSha) +
               " unregister-ec " + hex(kEc) + " disable-sha " + hex(kSha) + " disable-ec " +
               hex(kEc) + " enable-sha " + hex(kSha) + " enable-ec " + hex(kEc) + " trace-level 1";
    }
    static void expect_management(const ProbeResult& r, const std::string& expected) {
        for (const std::string& step : std::vector<std::string>{
                 "register-sha 0x000137FE", "register-ec 0x000137FE", "unregister-sha " + hex(kSha),
                 "unregister-ec " + hex(kEc), "disable-sha " + hex(kSha), "disable-ec " + hex(kEc),
                 "enable-sha " + hex(kSha), "enable-ec " + hex(kEc), std::string("trace-level 1")})
            EXPECT_EQ(r.result(step), expected) << step << "\n" << r.out;
    }

    test::NapagentProcess daemon{kAccess};
};

TEST_F(AccessTest, EnforcementClientRoleBindsOnlyItsEcId) {
    const ProbeResult r = probe(as(kEcUid, kEcUid),
                                "role bind-ec " + hex(kEc) + " connect bind-ec " + hex(kEc2) +
                                    " bind-ec " + hex(kEcGroup) + " bind-sha " + hex(kSha) +
                                    " bind-sha " + hex(kEc) + " " + management_steps() + " status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("role enforcement"), std::string::npos) << r.out;
    EXPECT_EQ(r.result("bind-ec " + hex(kEc)), "S_OK");
    EXPECT_EQ(r.result("connect"), "S_OK");
    EXPECT_EQ(r.result("bind-ec " + hex(kEc2)), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("bind-ec " + hex(kEcGroup)), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("bind-sha " + hex(kSha)), "E_ACCESSDENIED");
    // The EC grant does not allow the same number as an SHA id.
    EXPECT_EQ(r.result("bind-sha " + hex(kEc)), "E_ACCESSDENIED");
    expect_management(r, "E_ACCESSDENIED");
    EXPECT_EQ(r.result("status"), "S_OK");
    EXPECT_EQ(r.denials(), 13) << r.out;
    expect_denials_logged(r, kEcUid);
}

TEST_F(AccessTest, HealthAgentRoleBindsOnlyItsShaId) {
    const ProbeResult r =
        probe(as(kShaUid, kShaUid), "role bind-sha " + hex(kSha) + " bind-sha " + hex(kSha2) +
                                        " bind-ec " + hex(kEc) + " bind-ec " + hex(kSha) + " " +
                                        management_steps() + " status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("role health"), std::string::npos) << r.out;
    EXPECT_EQ(r.result("bind-sha " + hex(kSha)), "S_OK");
    EXPECT_EQ(r.result("bind-sha " + hex(kSha2)), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("bind-ec " + hex(kEc)), "E_ACCESSDENIED");
    // The SHA grant does not allow the same number as an EC id.
    EXPECT_EQ(r.result("bind-ec " + hex(kSha)), "E_ACCESSDENIED");
    expect_management(r, "E_ACCESSDENIED");
    EXPECT_EQ(r.result("status"), "S_OK");
    EXPECT_EQ(r.denials(), 12) << r.out;
    expect_denials_logged(r, kShaUid);
}

TEST_F(AccessTest, NoRoleIsDeniedEverythingButReading) {
    const ProbeResult r = probe(as(kNoRoleUid, kNoRoleUid),
                                "role bind-ec " + hex(kEc) + " bind-ec " + hex(kEc2) + " bind-ec " +
                                    hex(kEcGroup) + " bind-sha " + hex(kSha) + " bind-sha " +
                                    hex(kSha2) + " " + management_steps() + " status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("role no role"), std::string::npos) << r.out;
    for (const auto id : {kEc, kEc2, kEcGroup})
        EXPECT_EQ(r.result("bind-ec " + hex(id)), "E_ACCESSDENIED");
    for (const auto id : {kSha, kSha2})
        EXPECT_EQ(r.result("bind-sha " + hex(id)), "E_ACCESSDENIED");
    expect_management(r, "E_ACCESSDENIED");
    EXPECT_EQ(r.result("status"), "S_OK");
    EXPECT_EQ(r.denials(), 14) << r.out;
    expect_denials_logged(r, kNoRoleUid);
    // The log names what was asked for: the kind and id of a bind, the management call.
    const std::string tag = "(uid " + std::to_string(kNoRoleUid) + " pid " + std::to_string(r.pid) +
                            "): E_ACCESSDENIED: ";
    const std::string log = daemon.log_text();
    for (const std::string what :
         {"Initialize of EC 000137F1", "Initialize of EC 000137F4", "Initialize of SHA 000137F0",
          "Register (administrators only)", "TraceLevel (administrators only)"})
        EXPECT_NE(log.find(tag + what), std::string::npos) << what;
}

TEST_F(AccessTest, GroupGrantThroughThePrimaryGid) {
    const ProbeResult r =
        probe(as(60004, kGroup), "bind-ec " + hex(kEcGroup) + " connect bind-ec " + hex(kEc) +
                                     " bind-sha " + hex(kSha) + " register-ec 0x000137FE status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.result("bind-ec " + hex(kEcGroup)), "S_OK") << r.out;
    EXPECT_EQ(r.result("connect"), "S_OK") << r.out;
    EXPECT_EQ(r.result("bind-ec " + hex(kEc)), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("bind-sha " + hex(kSha)), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("register-ec 0x000137FE"), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("status"), "S_OK");
    expect_denials_logged(r, 60004);
}

TEST_F(AccessTest, GroupGrantThroughASupplementaryGroup) {
    const ProbeResult r =
        probe(as(60005, 60005, "60011," + std::to_string(kGroup)),
              "bind-ec " + hex(kEcGroup) + " bind-ec " + hex(kEc) + " trace-level 1 status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.result("bind-ec " + hex(kEcGroup)), "S_OK") << r.out;
    EXPECT_EQ(r.result("bind-ec " + hex(kEc)), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("trace-level 1"), "E_ACCESSDENIED");
    EXPECT_EQ(r.result("status"), "S_OK");
    expect_denials_logged(r, 60005);

    // Control: the same uid in other groups only has no role.
    const ProbeResult other =
        probe(as(60005, 60005, "60011,60012"), "role bind-ec " + hex(kEcGroup));
    ASSERT_EQ(other.exit_code, 0) << other.err;
    EXPECT_NE(other.out.find("role no role"), std::string::npos) << other.out;
    EXPECT_EQ(other.result("bind-ec " + hex(kEcGroup)), "E_ACCESSDENIED");
    expect_denials_logged(other, 60005);
}

TEST_F(AccessTest, RootMayDoEverything) {
    const ProbeResult r = probe(
        "", "role bind-ec " + hex(kEc2) + " connect exchange bind-sha " + hex(kSha2) +
                " register-sha 0x000137FE register-ec 0x000137FE disable-sha " + hex(kSha) +
                " disable-ec " + hex(kEc) + " enable-sha " + hex(kSha) + " enable-ec " + hex(kEc) +
                " unregister-sha 0x000137FE unregister-ec 0x000137FE trace-level 2 status");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("role administrator"), std::string::npos) << r.out;
    for (const auto& [step, h] : r.steps)
        EXPECT_EQ(h, "S_OK") << step << "\n" << r.out;
    EXPECT_EQ(r.steps.size(), 14u) << r.out;
    EXPECT_EQ(logged_denials(0, r.pid), 0);
}

TEST_F(AccessTest, ProbeUsageAndUnreachableDaemon) {
    EXPECT_EQ(probe("", "bogus-step").exit_code, 2);
    EXPECT_EQ(probe("", "bind-ec").exit_code, 2);
    EXPECT_EQ(probe("", "bind-ec twelve").exit_code, 2);
    const std::string cmd = std::string("'") + OPENNAP_NAPPROBE_PATH + "' --socket '" +
                            (daemon.dir() / "nothing.sock").string() + "' status >/dev/null 2>&1";
    const int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 5);
}

// ---- one client's tokens and connection keys are useless in another ---------------------------

// A raw protocol client: frames on a plain Unix socket, so that it can send any token or key.
class RawClient {
  public:
    // Connects as `uid` (0: as this process). The socket is connected by a forked child that has
    // dropped to uid/gid first: the daemon takes the peer's credentials at connect().
    RawClient(const std::filesystem::path& socket, unsigned uid) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
        if (uid == 0) {
            ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        } else {
            const pid_t child = ::fork();
            if (child == 0) {
                const auto id = static_cast<uid_t>(uid);
                if (::setgroups(0, nullptr) != 0 || ::setresgid(id, id, id) != 0 ||
                    ::setresuid(id, id, id) != 0)
                    ::_exit(3);
                ::_exit(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0
                                                                                             : 4);
            }
            int status = 0;
            ::waitpid(child, &status, 0);
            ok_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            connector_pid_ = child;
        }
        if (ok_) {
            ipc::v1::Request rq;
            rq.mutable_hello()->set_min_version(ipc::kMessageVersion);
            rq.mutable_hello()->set_max_version(ipc::kMessageVersion);
            rq.mutable_hello()->set_client_name("access_test raw");
            ok_ = call(rq).hresult() == 0;
        }
    }
    ~RawClient() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] pid_t connector_pid() const { return connector_pid_; }

    ipc::v1::Reply call(ipc::v1::Request rq) {
        rq.set_id(++next_id_);
        ipc::v1::Envelope env;
        *env.mutable_request() = std::move(rq);
        std::vector<std::uint8_t> bytes;
        if (!ipc::encode_frame(env, bytes))
            return failed();
        for (std::size_t off = 0; off < bytes.size();) {
            const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
            if (n <= 0)
                return failed();
            off += static_cast<std::size_t>(n);
        }
        for (;;) {
            ipc::v1::Envelope in;
            switch (reader_.next(&in)) {
                case ipc::FrameReader::Status::Frame:
                    if (in.has_reply() && in.reply().id() == next_id_)
                        return in.reply();
                    continue;  // callbacks and events: not answered (none expected here)
                case ipc::FrameReader::Status::Error:
                    return failed();
                case ipc::FrameReader::Status::NeedMore:
                    break;
            }
            auto buf = reader_.prepare(4096);
            const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
            if (n <= 0)
                return failed();
            reader_.commit(static_cast<std::size_t>(n));
        }
    }

    // Bind an EC; returns the token (0 on failure).
    std::uint64_t bind_ec(std::uint32_t id) {
        ipc::v1::Request rq;
        rq.mutable_bind()->set_kind(ipc::v1::COMPONENT_KIND_ENFORCEMENT_CLIENT);
        rq.mutable_bind()->set_id(id);
        const auto r = call(rq);
        return r.hresult() == 0 ? r.token() : 0;
    }
    // Create a connection under the next key of this client's own; returns it (0 on failure).
    std::uint64_t create_connection(std::uint64_t token) {
        const std::uint64_t key = next_key_++;
        ipc::v1::Request rq;
        rq.set_binding(token);
        rq.mutable_create_connection()->set_key(key);
        const auto r = call(rq);
        return r.hresult() == 0 ? key : 0;
    }
    void set_first_key(std::uint64_t k) { next_key_ = k; }

  private:
    static ipc::v1::Reply failed() {
        ipc::v1::Reply r;
        r.set_hresult(0x8000FFFFu);  // E_UNEXPECTED: the transport failed
        return r;
    }
    int fd_ = -1;
    bool ok_ = false;
    pid_t connector_pid_ = 0;
    std::uint64_t next_id_ = 0;
    std::uint64_t next_key_ = 1;
    ipc::FrameReader reader_;
};

std::string hr_name(std::uint32_t bits) {
    return std::string(name(HResult{bits}));
}

TEST_F(AccessTest, TokensAndKeysOfAnotherClientAreUseless) {
    // A: root binds EC kEc2 and creates a connection.
    RawClient a(daemon.socket(), 0);
    ASSERT_TRUE(a.ok());
    const std::uint64_t token_a = a.bind_ec(kEc2);
    ASSERT_NE(token_a, 0u);
    a.set_first_key(100);  // a key B does not hold (B's own start at 1)
    const std::uint64_t key_a = a.create_connection(token_a);
    ASSERT_NE(key_a, 0u);
    {
        ipc::v1::Request rq;
        rq.set_binding(token_a);
        auto* s = rq.mutable_conn_set();
        s->set_key(key_a);
        s->set_field(ipc::v1::CONN_FIELD_CONNECTION_ID);
        s->mutable_value()->set_guid(std::string(16, '\x42'));
        ASSERT_EQ(hr_name(a.call(rq).hresult()), "S_OK");
    }

    // B: nobody, in another process, with its own EC binding (kEc, its role).
    RawClient b(daemon.socket(), kEcUid);
    ASSERT_TRUE(b.ok());
    const std::uint64_t token_b = b.bind_ec(kEc);
    ASSERT_NE(token_b, 0u);
    const long pid_b = b.connector_pid();
    // B creates a connection of its own (key 1): connection keys are each client's own, so A's
    // key names nothing B created and every call on it is a denial.
    ASSERT_EQ(b.create_connection(token_b), 1u);

    std::vector<std::pair<std::string, ipc::v1::Request>> tries;
    auto add = [&](const std::string& what, std::uint64_t binding, auto&& fill) {
        ipc::v1::Request rq;
        rq.set_binding(binding);
        fill(rq);
        tries.emplace_back(what, std::move(rq));
    };
    // A's token through B's connection to the daemon.
    add("CreateConnection through A's token", token_a,
        [](ipc::v1::Request& rq) { rq.mutable_create_connection()->set_key(7); });
    add("GetSoHRequest through A's token", token_a,
        [&](ipc::v1::Request& rq) { rq.mutable_get_soh_request()->set_key(key_a); });
    add("NotifySoHChange through A's token", token_a,
        [](ipc::v1::Request& rq) { rq.mutable_notify_soh_change(); });
    add("Unbind through A's token", token_a, [](ipc::v1::Request& rq) { rq.mutable_unbind(); });
    // A's connection key through B's own binding.
    add("GetSoHRequest on A's connection", token_b,
        [&](ipc::v1::Request& rq) { rq.mutable_get_soh_request()->set_key(key_a); });
    add("ProcessSoHResponse on A's connection", token_b,
        [&](ipc::v1::Request& rq) { rq.mutable_process_soh_response()->set_key(key_a); });
    add("NotifyConnectionStateDown on A's connection", token_b,
        [&](ipc::v1::Request& rq) { rq.mutable_connection_state_down()->set_key(key_a); });
    add("ConnSet ConnectionId on A's connection", token_b, [&](ipc::v1::Request& rq) {
        auto* s = rq.mutable_conn_set();
        s->set_key(key_a);
        s->set_field(ipc::v1::CONN_FIELD_CONNECTION_ID);
        s->mutable_value()->set_guid(std::string(16, '\x07'));
    });
    add("ConnGet ConnectionId of A's connection", token_b, [&](ipc::v1::Request& rq) {
        rq.mutable_conn_get()->set_key(key_a);
        rq.mutable_conn_get()->set_field(ipc::v1::CONN_FIELD_CONNECTION_ID);
    });
    add("ReleaseConnection of A's connection", 0,
        [&](ipc::v1::Request& rq) { rq.mutable_release_connection()->set_key(key_a); });

    for (auto& [what, rq] : tries)
        EXPECT_EQ(hr_name(b.call(rq).hresult()), "E_ACCESSDENIED") << what;

    // Every one of them is logged with B's uid and pid.
    const std::string needle =
        "(uid " + std::to_string(kEcUid) + " pid " + std::to_string(pid_b) + "): E_ACCESSDENIED: ";
    auto count = [&] {
        const std::string log = daemon.log_text();
        std::size_t n = 0;
        for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1))
            ++n;
        return n;
    };
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (count() < tries.size() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(count(), tries.size());
    // The denials on A's connection name it by key and ConnectionId.
    EXPECT_NE(daemon.log_text().find("on connection " + std::to_string(key_a) + " (ConnectionId"),
              std::string::npos);

    // A's connection is untouched and still A's.
    {
        ipc::v1::Request rq;
        rq.set_binding(token_a);
        rq.mutable_conn_get()->set_key(key_a);
        rq.mutable_conn_get()->set_field(ipc::v1::CONN_FIELD_CONNECTION_ID);
        const auto r = a.call(rq);
        EXPECT_EQ(hr_name(r.hresult()), "S_OK");
        EXPECT_EQ(r.value().guid(), std::string(16, '\x42'));
        ipc::v1::Request rel;
        rel.mutable_release_connection()->set_key(key_a);
        EXPECT_EQ(hr_name(a.call(rel).hresult()), "S_OK");
    }
}

}  // namespace
}  // namespace opennap::client
