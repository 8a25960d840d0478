#include "opennap/checks/file_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace opennap::checks {

namespace {
constexpr std::uint32_t kMask = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                                IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
}

Result<FileWatcher> FileWatcher::create() {
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        return fail(errno_error("inotify_init1", errno));
    }
    return FileWatcher(fd);
}

FileWatcher::FileWatcher(FileWatcher&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), watches_(std::move(o.watches_)) {}

FileWatcher& FileWatcher::operator=(FileWatcher&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = std::exchange(o.fd_, -1);
        watches_ = std::move(o.watches_);
    }
    return *this;
}

FileWatcher::~FileWatcher() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

Result<void> FileWatcher::watch_file(const std::filesystem::path& file) {
    const auto dir = file.parent_path();
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
    if (wd < 0) {
        return fail(errno_error("inotify_add_watch " + dir.string(), errno));
    }
    Watch& w = watches_[wd];
    w.dir = dir;
    w.names.insert(file.filename().string());
    return {};
}

Result<void> FileWatcher::watch_dir(const std::filesystem::path& dir) {
    const int wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
    if (wd < 0) {
        return fail(errno_error("inotify_add_watch " + dir.string(), errno));
    }
    Watch& w = watches_[wd];
    w.dir = dir;
    w.whole_dir = true;
    return {};
}

std::vector<std::filesystem::path> FileWatcher::drain() {
    std::vector<std::filesystem::path> changed;
    alignas(inotify_event) char buf[8192];
    for (;;) {
        const ssize_t n = ::read(fd_, buf, sizeof buf);
        if (n <= 0) {
            break;  // EAGAIN: nothing more
        }
        std::size_t off = 0;
        while (off + sizeof(inotify_event) <= static_cast<std::size_t>(n)) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            off += sizeof(inotify_event) + ev->len;
            auto it = watches_.find(ev->wd);
            if (it == watches_.end()) {
                continue;
            }
            const Watch& w = it->second;
            const std::string name = ev->len > 0 ? std::string(ev->name) : std::string();
            if (w.whole_dir) {
                changed.push_back(w.dir);
            } else if (w.names.count(name) != 0) {
                changed.push_back(w.dir / name);
            } else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                for (const auto& nm : w.names) {
                    changed.push_back(w.dir / nm);
                }
            }
        }
    }
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    return changed;
}

}  // namespace opennap::checks
