// SystemNameResolver: the I/O edge of the access policy, user and group names through NSS.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "opennap/agentd/names.h"

namespace opennap::agentd {

namespace {

constexpr std::size_t kMaxBuffer = std::size_t{1} << 20;

std::size_t initial_buffer(int sysconf_name) {
    const long n = ::sysconf(sysconf_name);
    return n > 0 ? static_cast<std::size_t>(n) : std::size_t{1024};
}

// Calls `lookup(buffer, size, &found)` (a getpwnam_r / getgrnam_r wrapper returning an errno
// value), growing the buffer on ERANGE. POSIX leaves "not found" to the result being null with
// 0 returned, but several implementations return one of these errors instead.
template <typename Id, typename Lookup>
NameLookup<Id> run_lookup(std::string_view what, std::string_view name, int sysconf_name,
                          Lookup lookup) {
    if (name.find('\0') != std::string_view::npos) {
        return std::optional<Id>{};
    }
    const std::string cname(name);
    std::vector<char> buffer(initial_buffer(sysconf_name));
    for (;;) {
        std::optional<Id> id;
        const int rc = lookup(cname.c_str(), buffer.data(), buffer.size(), id);
        if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM) {
            return id;
        }
        if (rc == EINTR) {
            continue;
        }
        if (rc == ERANGE && buffer.size() < kMaxBuffer) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        return std::unexpected(std::string("cannot look up ") + std::string(what) + " \"" + cname +
                               "\": " + std::strerror(rc));
    }
}

}  // namespace

NameLookup<uid_t> SystemNameResolver::user_id(std::string_view name) const {
    return run_lookup<uid_t>(
        "user", name, _SC_GETPW_R_SIZE_MAX,
        [](const char* n, char* buf, std::size_t size, std::optional<uid_t>& id) {
            struct passwd pw {};
            struct passwd* found = nullptr;
            const int rc = ::getpwnam_r(n, &pw, buf, size, &found);
            if (rc == 0 && found != nullptr) {
                id = found->pw_uid;
            }
            return rc;
        });
}

NameLookup<gid_t> SystemNameResolver::group_id(std::string_view name) const {
    return run_lookup<gid_t>(
        "group", name, _SC_GETGR_R_SIZE_MAX,
        [](const char* n, char* buf, std::size_t size, std::optional<gid_t>& id) {
            struct group gr {};
            struct group* found = nullptr;
            const int rc = ::getgrnam_r(n, &gr, buf, size, &found);
            if (rc == 0 && found != nullptr) {
                id = found->gr_gid;
            }
            return rc;
        });
}

}  // namespace opennap::agentd
