// User and group names to numeric ids, for the daemon's access policy (docs/napagent.md).
//
// NameResolver is the seam between the pure configuration parser and the system's user database:
// SystemNameResolver asks NSS (getpwnam_r / getgrnam_r, the only I/O here, in its own source
// file); MapNameResolver answers from a fixed table, for tests and tools.
#pragma once

#include <sys/types.h>

#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace opennap::agentd {

// A lookup: the id; std::nullopt when the name is not known; an error text when the lookup
// itself failed (e.g. the directory service is unreachable), so that such a failure is reported
// as such rather than as an unknown name.
template <typename Id>
using NameLookup = std::expected<std::optional<Id>, std::string>;

class NameResolver {
  public:
    virtual ~NameResolver() = default;
    [[nodiscard]] virtual NameLookup<uid_t> user_id(std::string_view name) const = 0;
    [[nodiscard]] virtual NameLookup<gid_t> group_id(std::string_view name) const = 0;
};

// The system's user database through NSS. Thread-safe (reentrant lookups).
class SystemNameResolver final : public NameResolver {
  public:
    [[nodiscard]] NameLookup<uid_t> user_id(std::string_view name) const override;
    [[nodiscard]] NameLookup<gid_t> group_id(std::string_view name) const override;
};

// Fixed tables; a name not in them is unknown.
class MapNameResolver final : public NameResolver {
  public:
    MapNameResolver() = default;
    MapNameResolver(std::map<std::string, uid_t, std::less<>> users,
                    std::map<std::string, gid_t, std::less<>> groups)
        : users_(std::move(users)), groups_(std::move(groups)) {}

    [[nodiscard]] NameLookup<uid_t> user_id(std::string_view name) const override;
    [[nodiscard]] NameLookup<gid_t> group_id(std::string_view name) const override;

  private:
    std::map<std::string, uid_t, std::less<>> users_;
    std::map<std::string, gid_t, std::less<>> groups_;
};

}  // namespace opennap::agentd
