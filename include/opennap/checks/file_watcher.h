// FileWatcher: inotify on the files and directories the checks read, so that a change is
// noticed without waiting for the timer. A file is watched through its directory (IN_CREATE,
// IN_CLOSE_WRITE, IN_MOVED_TO, IN_MOVED_FROM, IN_DELETE, IN_ATTRIB filtered by name), so that
// replace-by-rename (how dpkg, apt and editors write) is seen; a directory is watched for any
// change of its entries. procfs and sysfs do not support inotify: those checks rely on the timer.
// A path whose directory does not exist is skipped (reported by watch()).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "opennap/checks/result.h"

namespace opennap::checks {

class FileWatcher {
  public:
    [[nodiscard]] static Result<FileWatcher> create();
    FileWatcher(FileWatcher&& o) noexcept;
    FileWatcher& operator=(FileWatcher&& o) noexcept;
    FileWatcher(const FileWatcher&) = delete;
    FileWatcher& operator=(const FileWatcher&) = delete;
    ~FileWatcher();

    // Watches `file` (through its directory).
    [[nodiscard]] Result<void> watch_file(const std::filesystem::path& file);
    // Watches the entries of `dir`.
    [[nodiscard]] Result<void> watch_dir(const std::filesystem::path& dir);

    // The inotify descriptor (non-blocking), for poll().
    [[nodiscard]] int fd() const noexcept { return fd_; }
    // Reads every pending event; returns the watched paths that changed (each once, sorted).
    [[nodiscard]] std::vector<std::filesystem::path> drain();

  private:
    explicit FileWatcher(int fd) : fd_(fd) {}
    struct Watch {
        std::filesystem::path dir;
        bool whole_dir = false;
        std::set<std::string> names;
    };
    int fd_ = -1;
    std::map<int, Watch> watches_;
};

}  // namespace opennap::checks
