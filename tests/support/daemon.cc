#include "support/daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace opennap::test {

namespace {

bool can_connect(const std::filesystem::path& p) {
    const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, p.c_str(), sizeof addr.sun_path - 1);
    const bool ok = ::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(s);
    return ok;
}

}  // namespace

NapagentProcess::NapagentProcess(std::string extra_toml) {
    char tmpl[] = "/tmp/opennap-napagent-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    dir_ = d != nullptr ? d : "/tmp";
    std::ofstream cfg(config());
    cfg << "[daemon]\nsocket = \"" << socket().string() << "\"\nstate_dir = \""
        << (dir_ / "state").string() << "\"\nlog_level = \"debug\"\n"
        << extra_toml << "\n";
}

NapagentProcess::~NapagentProcess() {
    if (pid_ > 0)
        kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

bool NapagentProcess::start(std::chrono::milliseconds timeout) {
    pid_ = ::fork();
    if (pid_ == 0) {
        const int fd = ::open(log().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 2);
            ::dup2(fd, 1);
        }
        ::execl(OPENNAP_NAPAGENT_PATH, "napagent", "--config", config().c_str(),
                static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    if (pid_ < 0)
        return false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (can_connect(socket()))
            return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

int NapagentProcess::stop() {
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill();
    return -1;
}

void NapagentProcess::kill() {
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string NapagentProcess::log_text() const {
    std::ifstream in(log());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace opennap::test
