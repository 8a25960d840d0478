// Test support: runs the real napagent binary on a private socket, state directory and config
// in a fresh temporary directory, and stops or kills it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace opennap::test {

class NapagentProcess {
  public:
    // `extra_toml` is appended to the generated config (e.g. "[limits]\n...").
    explicit NapagentProcess(std::string extra_toml = {});
    ~NapagentProcess();
    NapagentProcess(const NapagentProcess&) = delete;
    NapagentProcess& operator=(const NapagentProcess&) = delete;

    // Starts the daemon and waits until its socket accepts connections. False on failure.
    bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // SIGTERM and wait; returns the exit status (-1 if it did not exit).
    int stop();
    // SIGKILL and reap.
    void kill();
    [[nodiscard]] bool running() const noexcept { return pid_ > 0; }

    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
    [[nodiscard]] std::filesystem::path socket() const { return dir_ / "agent.sock"; }
    [[nodiscard]] std::filesystem::path config() const { return dir_ / "agent.toml"; }
    [[nodiscard]] std::filesystem::path log() const { return dir_ / "napagent.log"; }
    // The daemon's stderr so far.
    [[nodiscard]] std::string log_text() const;

  private:
    std::filesystem::path dir_;
    pid_t pid_ = -1;
};

}  // namespace opennap::test
