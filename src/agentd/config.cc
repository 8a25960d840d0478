// parse_config / check_config: TOML text -> DaemonConfig, every mistake with its line and key.
// Pure: the only outside dependency is the NameResolver. Read through the project's TomlChecker
// (include/opennap/config/), so that nothing throws out of here.
#include "opennap/agentd/config.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <tuple>
#include <utility>

#include <toml++/toml.h>

#include "opennap/config/document.h"
#include "opennap/config/toml_check.h"
#include "opennap/core/nap_types.h"

namespace opennap::agentd {

namespace {

// sockaddr_un::sun_path is 108 bytes on Linux, including the terminating NUL.
constexpr std::size_t kMaxSocketPath = 107;
constexpr std::size_t kMaxMachineName = 255;
constexpr std::int64_t kMaxId32 = 0xFFFFFFFF;
// (uid_t)-1 and (gid_t)-1 mean "no id" to the kernel.
constexpr std::int64_t kMaxUnixId = 0xFFFFFFFE;

constexpr std::array<std::pair<std::string_view, LogLevel>, 5> kLogLevels{{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
}};

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

using config::dotted;
using config::indexed;
using config::quote_text;

// agent.toml's sections, read through the project's TomlChecker.
class Checker : public config::TomlChecker {
  public:
    Checker(std::string_view source, const NameResolver& names, std::vector<ConfigError>& errors)
        : TomlChecker(source, errors), names_(names) {}

    void absolute_path(const toml::table& t, std::string_view prefix, std::string_view name,
                       std::filesystem::path& out, std::size_t max_length) {
        std::string path;
        if (TomlChecker::absolute_path(t, prefix, name, path, max_length)) {
            out = std::move(path);
        }
    }

    void daemon(const toml::table& t, DaemonSettings& out) {
        constexpr std::string_view p = "daemon";
        check_keys(t, p, {"socket", "socket_mode", "state_dir", "log_level", "workers"});
        absolute_path(t, p, "socket", out.socket, kMaxSocketPath);
        absolute_path(t, p, "state_dir", out.state_dir, 4095);
        socket_mode(t, out.socket_mode);
        const toml::source_region* at = nullptr;
        if (const std::string* s = string(t, p, "log_level", at)) {
            auto it = std::find_if(kLogLevels.begin(), kLogLevels.end(),
                                   [&](const auto& entry) { return entry.first == *s; });
            if (it == kLogLevels.end()) {
                error(*at, "daemon.log_level",
                      "must be one of trace, debug, info, warn, error, got " + quote_text(*s));
            } else {
                out.log_level = it->second;
            }
        }
        integer(t, p, "workers", out.workers, 1, 256);
    }

    // An integer 0..0o777 (written 0o666 in TOML) or a string of octal digits ("0666").
    void socket_mode(const toml::table& t, mode_t& out) {
        auto it = t.find("socket_mode");
        if (it == t.end()) {
            return;
        }
        const toml::source_region& at = it->first.source();
        const std::string key = "daemon.socket_mode";
        std::int64_t value = -1;
        std::string shown;
        if (const auto* i = it->second.as_integer()) {
            value = i->get();
            shown = std::to_string(value);
        } else if (const auto* s = it->second.as_string()) {
            const std::string& text = s->get();
            shown = quote_text(text);
            const bool octal =
                !text.empty() && text.size() <= 4 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; });
            if (octal) {
                value = std::stoll(text, nullptr, 8);
            }
        } else {
            type_error(at, key, "a file mode (0o666 or \"0666\")", it->second);
            return;
        }
        if (value < 0 || value > 0777) {
            error(at, key,
                  "must be a file mode between 0o000 and 0o777 (write 0o666 or \"0666\"), got " +
                      shown);
            return;
        }
        out = static_cast<mode_t>(value);
    }

    void limits(const toml::table& t, LimitSettings& out) {
        constexpr std::string_view p = "limits";
        check_keys(t, p,
                   {"max_frame_size", "max_clients", "per_client_connections",
                    "per_client_calls_in_flight", "per_client_pending_callbacks", "max_soh_size",
                    "total_connections", "callback_timeout_ms", "callback_timeouts_before_unbind"});
        integer(t, p, "max_frame_size", out.max_frame_size, 131072, 67108864);
        integer(t, p, "max_clients", out.max_clients, 1, 65536);
        integer(t, p, "per_client_connections", out.per_client_connections, 1, 100000);
        integer(t, p, "per_client_calls_in_flight", out.per_client_calls_in_flight, 1, 65536);
        integer(t, p, "per_client_pending_callbacks", out.per_client_pending_callbacks, 1, 65536);
        integer(t, p, "max_soh_size", out.max_soh_size, minNetworkSoHSize, maxProtocolMaxSize);
        integer(t, p, "total_connections", out.total_connections, 1, 10000000);
        milliseconds(t, p, "callback_timeout_ms", out.callback_timeout, 10, 600000);
        integer(t, p, "callback_timeouts_before_unbind", out.callback_timeouts_before_unbind, 1,
                1000);
    }

    void agent(const toml::table& t, AgentSettings& out) {
        constexpr std::string_view p = "agent";
        check_keys(t, p,
                   {"soh_change_retry_interval_ms", "fixup_poll_interval_ms",
                    "connections_refresh_interval_ms", "machine_name"});
        milliseconds(t, p, "soh_change_retry_interval_ms", out.soh_change_retry_interval, 100,
                     86400000);
        milliseconds(t, p, "fixup_poll_interval_ms", out.fixup_poll_interval, 100, 86400000);
        if (auto it = t.find("connections_refresh_interval_ms"); it != t.end()) {
            const auto* v = it->second.as_integer();
            const std::string key = "agent.connections_refresh_interval_ms";
            if (v == nullptr) {
                type_error(it->first.source(), key, "an integer", it->second);
            } else if (v->get() != 0 && (v->get() < 1000 || v->get() > 86400000)) {
                error(it->first.source(), key,
                      "must be 0 (disabled) or between 1000 and 86400000, got " +
                          std::to_string(v->get()));
            } else {
                out.connections_refresh_interval = std::chrono::milliseconds(v->get());
            }
        }
        const toml::source_region* at = nullptr;
        if (const std::string* s = string(t, p, "machine_name", at)) {
            const bool control = std::any_of(s->begin(), s->end(), [](char c) {
                const auto u = static_cast<unsigned char>(c);
                return u < 0x20 || u == 0x7F;
            });
            if (s->size() > kMaxMachineName) {
                error(*at, "agent.machine_name",
                      "is " + std::to_string(s->size()) + " bytes long; at most " +
                          std::to_string(kMaxMachineName) + " are allowed");
            } else if (control) {
                error(*at, "agent.machine_name", "must not contain control characters");
            } else {
                out.machine_name = *s;
            }
        }
    }

    // users = [...] / groups = [...]: names, numeric strings or integers.
    template <typename Id>
    void principals(const toml::table& t, std::string_view prefix, std::string_view name,
                    std::set<Id>& out, bool user) {
        auto it = t.find(name);
        if (it == t.end()) {
            return;
        }
        const std::string key = dotted(prefix, name);
        const toml::array* array = it->second.as_array();
        if (array == nullptr) {
            type_error(it->first.source(), key,
                       user ? "an array of user names or uids" : "an array of group names or gids",
                       it->second);
            return;
        }
        const std::string_view what = user ? "user" : "group";
        const std::string_view id_name = user ? "uid" : "gid";
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = *array->get(i);
            const std::string element_key = indexed(key, i);
            std::int64_t numeric = -1;
            bool is_numeric = false;
            if (const auto* n = element.as_integer()) {
                numeric = n->get();
                is_numeric = true;
            } else if (const auto* s = element.as_string()) {
                const std::string& text = s->get();
                if (text.empty()) {
                    error(element.source(), element_key, "empty " + std::string(what) + " name");
                    continue;
                }
                if (all_digits(text)) {
                    is_numeric = true;
                    const auto r = std::from_chars(text.data(), text.data() + text.size(), numeric);
                    if (r.ec != std::errc{}) {
                        numeric = std::numeric_limits<std::int64_t>::max();
                    }
                } else {
                    auto found = user ? lookup_user(text) : lookup_group(text);
                    if (!found.has_value()) {
                        error(element.source(), element_key, found.error());
                    } else if (!found->has_value()) {
                        error(element.source(), element_key,
                              "unknown " + std::string(what) + " " + quote_text(text));
                    } else {
                        out.insert(static_cast<Id>(**found));
                    }
                    continue;
                }
            } else {
                type_error(element.source(), element_key,
                           "a " + std::string(what) + " name or " + std::string(id_name), element);
                continue;
            }
            if (is_numeric) {
                if (numeric < 0 || numeric > kMaxUnixId) {
                    error(element.source(), element_key,
                          "a " + std::string(id_name) + " must be between 0 and " +
                              std::to_string(kMaxUnixId) + ", got " + std::to_string(numeric));
                } else {
                    out.insert(static_cast<Id>(numeric));
                }
            }
        }
    }

    NameLookup<std::int64_t> lookup_user(const std::string& name) {
        auto r = names_.user_id(name);
        if (!r.has_value()) {
            return std::unexpected(r.error());
        }
        if (!r->has_value()) {
            return std::optional<std::int64_t>{};
        }
        return std::optional<std::int64_t>{static_cast<std::int64_t>(**r)};
    }

    NameLookup<std::int64_t> lookup_group(const std::string& name) {
        auto r = names_.group_id(name);
        if (!r.has_value()) {
            return std::unexpected(r.error());
        }
        if (!r->has_value()) {
            return std::optional<std::int64_t>{};
        }
        return std::optional<std::int64_t>{static_cast<std::int64_t>(**r)};
    }

    Principals who(const toml::table& t, std::string_view prefix) {
        Principals p;
        principals(t, prefix, "users", p.users, true);
        principals(t, prefix, "groups", p.groups, false);
        return p;
    }

    // ids = [0x00013701, 79744] or ids = "*".
    void ids(const toml::table& t, std::string_view prefix, IdGrant& out) {
        const std::string key = dotted(prefix, "ids");
        auto it = t.find("ids");
        if (it == t.end()) {
            error(t.source(), key, "missing: every entry lists the ids it grants, or \"*\"");
            return;
        }
        const toml::source_region& at = it->first.source();
        if (const auto* s = it->second.as_string()) {
            if (s->get() == "*") {
                out.any_id = true;
            } else {
                error(at, key,
                      "expected \"*\" or an array of integer ids, got " + quote_text(s->get()));
            }
            return;
        }
        const toml::array* array = it->second.as_array();
        if (array == nullptr) {
            type_error(at, key, "\"*\" or an array of integer ids", it->second);
            return;
        }
        if (array->empty()) {
            error(at, key, "must list at least one id, or be \"*\"");
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = *array->get(i);
            const std::string element_key = indexed(key, i);
            if (const auto* n = element.as_integer()) {
                if (n->get() < 0 || n->get() > kMaxId32) {
                    error(element.source(), element_key,
                          "malformed id: must be between 0 and 0xFFFFFFFF, got " +
                              std::to_string(n->get()));
                } else {
                    out.ids.insert(static_cast<std::uint32_t>(n->get()));
                }
            } else if (const auto* s = element.as_string(); s != nullptr && s->get() == "*") {
                error(element.source(), element_key,
                      "malformed id: \"*\" stands alone, write ids = \"*\"");
            } else {
                error(element.source(), element_key,
                      "malformed id: expected an integer, got " +
                          std::string(config::toml_type_name(element)));
            }
        }
    }

    // How many names `t[name]` lists; an absent key lists none, a key of the wrong type (reported
    // on its own) counts as one so that it is not reported twice.
    static std::size_t listed(const toml::table& t, std::string_view name) {
        const toml::node* n = t.get(name);
        if (n == nullptr) {
            return 0;
        }
        const toml::array* array = n->as_array();
        return array == nullptr ? 1 : array->size();
    }

    void grants(const toml::table& access, std::string_view name, std::vector<IdGrant>& out) {
        auto it = access.find(name);
        if (it == access.end()) {
            return;
        }
        const std::string key = dotted("access", name);
        const toml::array* array = it->second.as_array();
        if (array == nullptr) {
            type_error(it->first.source(), key, "an array of tables (write [[" + key + "]])",
                       it->second);
            return;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = *array->get(i);
            const std::string entry_key = indexed(key, i);
            const toml::table* entry = element.as_table();
            if (entry == nullptr) {
                type_error(element.source(), entry_key, "a table", element);
                continue;
            }
            check_keys(*entry, entry_key, {"users", "groups", "ids"});
            IdGrant grant;
            grant.who = who(*entry, entry_key);
            ids(*entry, entry_key, grant);
            if (listed(*entry, "users") + listed(*entry, "groups") == 0) {
                error(entry->source(), entry_key,
                      "names no users and no groups, so it would grant nothing");
            }
            out.push_back(std::move(grant));
        }
    }

    void access(const toml::table& t, AccessPolicy& out) {
        constexpr std::string_view p = "access";
        check_keys(t, p, {"administrators", "enforcement_client", "health_agent"});
        if (const toml::table* admins = table(t, p, "administrators")) {
            check_keys(*admins, "access.administrators", {"users", "groups"});
            out.administrators = who(*admins, "access.administrators");
        }
        grants(t, "enforcement_client", out.enforcement_clients);
        grants(t, "health_agent", out.health_agents);
    }

    void document(const toml::table& root, DaemonConfig& out) {
        // [checks] is napsha's (the health agents' measurements, checks/config.h), kept in the
        // same file; napagent accepts it without reading it.
        check_keys(root, "", {"daemon", "limits", "agent", "access", "checks"});
        if (const toml::table* t = table(root, "", "daemon")) {
            daemon(*t, out.daemon);
        }
        if (const toml::table* t = table(root, "", "limits")) {
            limits(*t, out.limits);
        }
        if (const toml::table* t = table(root, "", "agent")) {
            agent(*t, out.agent);
        }
        if (const toml::table* t = table(root, "", "access")) {
            access(*t, out.access);
        }
    }

  private:
    std::string_view source_;
    const NameResolver& names_;
};

void collect(std::string_view toml_text, std::string_view source_name, const NameResolver& names,
             DaemonConfig& out, std::vector<ConfigError>& errors) {
    std::optional<toml::table> root = config::parse_document(toml_text, source_name, errors);
    if (!root) {
        for (ConfigError& e : errors) {
            if (e.key.ends_with("socket_mode") &&
                e.message.find("leading zero") != std::string::npos) {
                e.message += " (write file modes as 0o666 or \"0666\")";
            }
        }
        return;
    }
    Checker checker(source_name, names, errors);
    checker.document(*root, out);
    config::sort_errors(errors);
}

}  // namespace

std::string_view to_string(LogLevel level) noexcept {
    for (const auto& [name, value] : kLogLevels) {
        if (value == level) {
            return name;
        }
    }
    return "invalid";
}

DaemonConfig default_config() {
    return DaemonConfig{};
}

std::vector<ConfigError> check_config(std::string_view toml_text, std::string_view source_name,
                                      const NameResolver& names) {
    DaemonConfig config;
    std::vector<ConfigError> errors;
    collect(toml_text, source_name, names, config, errors);
    return errors;
}

std::expected<DaemonConfig, ConfigError> parse_config(std::string_view toml_text,
                                                      std::string_view source_name,
                                                      const NameResolver& names) {
    DaemonConfig config;
    std::vector<ConfigError> errors;
    collect(toml_text, source_name, names, config, errors);
    if (!errors.empty()) {
        return std::unexpected(std::move(errors.front()));
    }
    return config;
}

agent::AgentConfig to_agent_config(const DaemonConfig& config, agent::MachineFacts machine) {
    agent::AgentConfig out;
    out.max_connections_per_ec = config.limits.per_client_connections;
    out.max_connections_total = config.limits.total_connections;
    out.soh_change_retry_interval = config.agent.soh_change_retry_interval;
    out.fixup_poll_interval = config.agent.fixup_poll_interval;
    out.connections_refresh_interval = config.agent.connections_refresh_interval;
    if (!config.agent.machine_name.empty()) {
        machine.machine_name = config.agent.machine_name;
    }
    out.machine = std::move(machine);
    return out;
}

}  // namespace opennap::agentd
