// Shared helpers of the checks tests: scratch system roots, running code in a fresh network
// namespace (a thread that unshares CLONE_NEWNET) or in a forked child (for mount namespaces),
// and running shell commands. The tests run as root (CI does); tests that need a capability the
// machine lacks skip with the reason.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "opennap/checks/system_root.h"

namespace opennap::checks::test {

namespace fs = std::filesystem;

// A temporary directory, removed with everything in it on destruction.
class ScratchRoot {
  public:
    ScratchRoot() {
        std::string tmpl = (fs::temp_directory_path() / "opennap-checks-XXXXXX").string();
        char* p = ::mkdtemp(tmpl.data());
        if (p == nullptr) {
            std::abort();
        }
        dir_ = p;
    }
    ~ScratchRoot() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    ScratchRoot(const ScratchRoot&) = delete;
    ScratchRoot& operator=(const ScratchRoot&) = delete;

    [[nodiscard]] const fs::path& dir() const { return dir_; }
    [[nodiscard]] SystemRoot root() const { return SystemRoot(dir_); }
    [[nodiscard]] fs::path path(std::string_view abs) const {
        while (!abs.empty() && abs.front() == '/') {
            abs.remove_prefix(1);
        }
        return dir_ / abs;
    }
    void write(std::string_view abs, std::string_view content) const {
        const fs::path p = path(abs);
        fs::create_directories(p.parent_path());
        std::ofstream f(p, std::ios::binary | std::ios::trunc);
        f.write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    void mkdir(std::string_view abs) const { fs::create_directories(path(abs)); }
    // A symlink at `abs` whose text is `target` (as stored, relative or absolute).
    void link(std::string_view abs, const std::string& target) const {
        const fs::path p = path(abs);
        fs::create_directories(p.parent_path());
        std::error_code ec;
        fs::remove(p, ec);
        fs::create_symlink(target, p);
    }
    void remove(std::string_view abs) const {
        std::error_code ec;
        fs::remove_all(path(abs), ec);
    }
    // Sets the mtime of a file to `seconds_ago` before now.
    void age(std::string_view abs, long seconds_ago) const {
        timespec ts[2];
        ::clock_gettime(CLOCK_REALTIME, &ts[0]);
        ts[0].tv_sec -= seconds_ago;
        ts[1] = ts[0];
        ::utimensat(AT_FDCWD, path(abs).c_str(), ts, 0);
    }

  private:
    fs::path dir_;
};

// Runs `fn` on a new thread that first moves into a fresh network namespace (only that thread
// moves; the namespace disappears with it). Returns false if unshare failed (no CAP_SYS_ADMIN).
inline bool run_in_netns(const std::function<void()>& fn) {
    bool ok = false;
    std::thread t([&] {
        if (::unshare(CLONE_NEWNET) != 0) {
            return;
        }
        ok = true;
        fn();
    });
    t.join();
    return ok;
}

// Runs `fn` in a forked child (which may unshare a mount namespace); its result string comes
// back through a pipe. The child never returns into the test framework.
inline std::string run_in_child(const std::function<std::string()>& fn) {
    int p[2];
    if (::pipe(p) != 0) {
        return "pipe failed";
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(p[0]);
        const std::string out = fn();
        const ssize_t w = ::write(p[1], out.data(), out.size());
        (void)w;
        ::_exit(0);
    }
    ::close(p[1]);
    std::string out;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(p[0], buf, sizeof buf)) > 0) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(p[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return out;
}

// Runs a shell command; its exit status (127 if the shell could not run it).
inline int sh(const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

inline bool have(const std::string& program) {
    return sh("command -v " + program + " >/dev/null 2>&1") == 0;
}

}  // namespace opennap::checks::test
