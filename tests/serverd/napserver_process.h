// Test support: the real napserver binary on 127.0.0.1 with a server.toml, SQLite audit database
// and log in a fresh temporary directory; `napctl server decisions` on that database.
#pragma once

#include <atomic>

#include <nlohmann/json.hpp>

#include "serverd/helpers.h"

namespace opennap::serverd::test {

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs a shell command line; stdout and stderr captured through files in `dir`.
inline CliResult run_command(const std::string& cmdline, const fs::path& dir) {
    static std::atomic<int> n{0};
    const auto base = dir / ("cmd" + std::to_string(n++));
    const std::string out = base.string() + ".out", err = base.string() + ".err";
    const std::string cmd = cmdline + " </dev/null >'" + out + "' 2>'" + err + "'";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
}

class NapserverProcess {
  public:
    NapserverProcess() : dir_("napserver") {
        port_ = free_udp_port();
        metrics_port_ = free_tcp_port();
    }
    ~NapserverProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    NapserverProcess(const NapserverProcess&) = delete;
    NapserverProcess& operator=(const NapserverProcess&) = delete;

    // The options for this instance's port, database and metrics port.
    [[nodiscard]] ConfigOptions options() const {
        ConfigOptions o;
        o.port = port_;
        o.sqlite_path = db().string();
        o.metrics_port = metrics_port_;
        return o;
    }
    void write_config(const std::string& text) const { std::ofstream(config()) << text; }
    void write_config(const ConfigOptions& o) const { write_config(config_text(o)); }

    // Starts napserver and waits until it answers a Status-Server. False if it did not come up
    // (exited() then says whether it exited, with what status).
    bool start(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (!fs::exists(config()))
            write_config(options());
        pid_ = spawn({OPENNAP_NAPSERVER_PATH, "--config", config().string()}, log());
        if (pid_ <= 0)
            return false;
        UdpClient c;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::uint8_t id = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            if (poll_exit())
                return false;
            if (c.exchange(port_, request({.identifier = ++id, .code = radius::Code::StatusServer}),
                           std::chrono::milliseconds(100)))
                return true;
        }
        return false;
    }
    // Runs napserver to its end with the current config (for the exit-code tests).
    int run_to_exit(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        pid_ = spawn({OPENNAP_NAPSERVER_PATH, "--config", config().string()}, log());
        const int rc = wait_exit(pid_, timeout);
        if (rc >= 0)
            pid_ = -1;
        return rc;
    }
    void signal(int sig) const { ::kill(pid_, sig); }
    // SIGTERM; the exit status (-1 if it did not exit in time).
    int stop(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (pid_ <= 0)
            return exit_status_;
        ::kill(pid_, SIGTERM);
        const int rc = wait_exit(pid_, timeout);
        if (rc >= 0)
            pid_ = -1;
        return rc;
    }
    // Reaps the process if it exited; true then.
    bool poll_exit() {
        if (pid_ <= 0)
            return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            pid_ = -1;
            return true;
        }
        return false;
    }
    [[nodiscard]] int exit_status() const { return exit_status_; }

    // Counts occurrences of `text` in the log.
    [[nodiscard]] std::size_t log_count(const std::string& text) const {
        const std::string l = log_text();
        std::size_t n = 0;
        for (auto at = l.find(text); at != std::string::npos; at = l.find(text, at + 1))
            ++n;
        return n;
    }
    // Sends SIGHUP and waits for the log line that ends the reload (accepted or refused).
    bool reload() {
        const auto before = log_count("configuration reloaded from") + log_count("reload refused");
        signal(SIGHUP);
        return wait_for([&] {
            return log_count("configuration reloaded from") + log_count("reload refused") > before;
        });
    }

    [[nodiscard]] std::string metrics() const { return http_get(metrics_port_, "/metrics"); }

    // `napctl server decisions --db DB --json -n 0` (`source` replaces `--db DB`), parsed (an
    // empty array on failure).
    [[nodiscard]] nlohmann::json decisions(const std::string& extra = "",
                                           const std::string& source = "") const {
#ifdef OPENNAP_NAPCTL_PATH
        const std::string from = source.empty() ? "--db '" + db().string() + "'" : source;
        const auto r = run_command(std::string("'") + OPENNAP_NAPCTL_PATH + "' server decisions " +
                                       from + " --json -n 0 " + extra,
                                   dir_.path());
        EXPECT_EQ(r.exit_code, 0) << r.err;
        auto j = nlohmann::json::parse(r.out, nullptr, false);
        EXPECT_TRUE(j.is_array()) << r.out;
        return j.is_array() ? j : nlohmann::json::array();
#else
        ADD_FAILURE() << "napctl was not built";
        return nlohmann::json::array();
#endif
    }

    [[nodiscard]] const fs::path& dir() const {
        return dir_.path();
    }
    [[nodiscard]] fs::path config() const {
        return dir() / "server.toml";
    }
    [[nodiscard]] fs::path db() const {
        return dir() / "audit" / "audit.db";
    }
    [[nodiscard]] fs::path log() const {
        return dir() / "napserver.log";
    }
    [[nodiscard]] std::string log_text() const {
        return read_file(log());
    }
    [[nodiscard]] std::uint16_t port() const {
        return port_;
    }
    [[nodiscard]] std::uint16_t metrics_port() const {
        return metrics_port_;
    }

  private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    std::uint16_t metrics_port_ = 0;
    pid_t pid_ = -1;
    int exit_status_ = -1;
};

}  // namespace opennap::serverd::test
