// SystemRoot: the base path every file-based check reads under ("/" in production, a scratch
// tree in tests), so that /etc, /proc, /sys, /var/lib, /run, /boot ... can be replaced by a tree
// the test builds. Checks name files by their absolute path on a real system ("/etc/os-release");
// SystemRoot maps that to <root>/etc/os-release.
//
// Reads use open/read (not stat sizes: sysfs and procfs report 4096 or 0), capped at `max_bytes`.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "opennap/checks/result.h"

namespace opennap::checks {

class SystemRoot {
  public:
    SystemRoot() = default;  // "/"
    explicit SystemRoot(std::filesystem::path root);

    [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }
    // True when the root is "/": the live system (library-backed paths that cannot be
    // redirected, such as netlink or D-Bus, are used only then).
    [[nodiscard]] bool is_host() const noexcept { return host_; }

    // "/etc/os-release" -> <root>/etc/os-release. `absolute` must start with '/'.
    [[nodiscard]] std::filesystem::path path(std::string_view absolute) const;

    // The whole file (at most max_bytes; a longer file is an error, EFBIG). errno on failure.
    [[nodiscard]] Result<std::string> read(std::string_view absolute,
                                           std::size_t max_bytes = 1u << 20) const;
    // The first `n` bytes (fewer if the file is shorter).
    [[nodiscard]] Result<std::string> read_prefix(std::string_view absolute, std::size_t n) const;
    // One trimmed line-ish value (sysfs/procfs style): read() without trailing whitespace.
    [[nodiscard]] Result<std::string> read_value(std::string_view absolute) const;

    [[nodiscard]] bool exists(std::string_view absolute) const;
    // Entry names of a directory (not "." / ".."), unsorted. errno on failure.
    [[nodiscard]] Result<std::vector<std::string>> list(std::string_view absolute) const;
    // readlink() of a path under the root (the link text as stored).
    [[nodiscard]] Result<std::string> read_link(std::string_view absolute) const;

    friend bool operator==(const SystemRoot& a, const SystemRoot& b) { return a.root_ == b.root_; }

  private:
    std::filesystem::path root_ = "/";
    bool host_ = true;
};

}  // namespace opennap::checks
