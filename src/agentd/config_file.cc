// load_config: the I/O edge of the configuration (reads the file, then parse_config).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "opennap/agentd/config.h"

namespace opennap::agentd {

namespace {

constexpr std::size_t kMaxConfigSize = std::size_t{1} << 20;

ConfigError file_error(const std::filesystem::path& path, std::string message) {
    return ConfigError{path.string(), 0, 0, {}, std::move(message)};
}

ConfigError errno_error(const std::filesystem::path& path, std::string_view what, int err) {
    return file_error(path, std::string(what) + ": " + std::strerror(err));
}

}  // namespace

std::expected<DaemonConfig, ConfigError> load_config(const std::filesystem::path& path,
                                                     const NameResolver& names) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT) {
            DaemonConfig config = default_config();
            config.defaults_used = true;
            return config;
        }
        return std::unexpected(errno_error(path, "cannot open", err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return std::unexpected(errno_error(path, "cannot stat", err));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return std::unexpected(errno_error(path, "cannot read", EISDIR));
    }
    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int err = errno;
            ::close(fd);
            return std::unexpected(errno_error(path, "cannot read", err));
        }
        if (n == 0) {
            break;
        }
        if (text.size() + static_cast<std::size_t>(n) > kMaxConfigSize) {
            ::close(fd);
            return std::unexpected(file_error(
                path,
                "larger than " + std::to_string(kMaxConfigSize) + " bytes: not a config file"));
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return parse_config(text, path.string(), names);
}

}  // namespace opennap::agentd
