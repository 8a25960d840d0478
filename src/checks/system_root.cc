#include "opennap/checks/system_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace opennap::checks {

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

Result<std::string> read_fd(const std::filesystem::path& p, std::size_t max_bytes, bool cap_ok) {
    Fd f{::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)};
    if (f.fd < 0) {
        return fail(errno_error("open " + p.string(), errno));
    }
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail(errno_error("read " + p.string(), errno));
        }
        if (n == 0) {
            break;
        }
        const auto got = static_cast<std::size_t>(n);
        if (out.size() + got > max_bytes) {
            if (cap_ok) {
                out.append(buf, max_bytes - out.size());
                break;
            }
            return fail(errno_error(
                "read " + p.string() + " (larger than " + std::to_string(max_bytes) + " bytes)",
                EFBIG));
        }
        out.append(buf, got);
        if (cap_ok && out.size() == max_bytes) {
            break;
        }
    }
    return out;
}

}  // namespace

SystemRoot::SystemRoot(std::filesystem::path root) : root_(std::move(root)) {
    if (root_.empty()) {
        root_ = "/";
    }
    std::error_code ec;
    const auto canon = std::filesystem::weakly_canonical(root_, ec);
    host_ = (!ec && canon == "/") || root_ == "/";
}

std::filesystem::path SystemRoot::path(std::string_view absolute) const {
    while (!absolute.empty() && absolute.front() == '/') {
        absolute.remove_prefix(1);
    }
    if (host_) {
        return std::filesystem::path("/") / absolute;
    }
    return root_ / absolute;
}

Result<std::string> SystemRoot::read(std::string_view absolute, std::size_t max_bytes) const {
    return read_fd(path(absolute), max_bytes, false);
}

Result<std::string> SystemRoot::read_prefix(std::string_view absolute, std::size_t n) const {
    return read_fd(path(absolute), n, true);
}

Result<std::string> SystemRoot::read_value(std::string_view absolute) const {
    auto r = read(absolute, 64 * 1024);
    if (!r) {
        return r;
    }
    while (!r->empty() && (r->back() == '\n' || r->back() == ' ' || r->back() == '\t' ||
                           r->back() == '\r' || r->back() == '\0')) {
        r->pop_back();
    }
    return r;
}

bool SystemRoot::exists(std::string_view absolute) const {
    struct stat st {};
    return ::lstat(path(absolute).c_str(), &st) == 0;
}

Result<std::vector<std::string>> SystemRoot::list(std::string_view absolute) const {
    const auto p = path(absolute);
    DIR* d = ::opendir(p.c_str());
    if (d == nullptr) {
        return fail(errno_error("opendir " + p.string(), errno));
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(d)) {
        const std::string_view n = e->d_name;
        if (n != "." && n != "..") {
            names.emplace_back(n);
        }
    }
    ::closedir(d);
    return names;
}

Result<std::string> SystemRoot::read_link(std::string_view absolute) const {
    const auto p = path(absolute);
    char buf[4096];
    const ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
    if (n < 0) {
        return fail(errno_error("readlink " + p.string(), errno));
    }
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace opennap::checks
