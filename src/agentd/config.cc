// parse_config / check_config: TOML text -> DaemonConfig, every mistake with its line and key.
// Pure: the only outside dependency is the NameResolver. toml++ reports a syntax error by
// throwing toml::parse_error; it is caught here and never leaves this file.
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

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return n.is_array_of_tables() ? "an array of tables" : "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string quote_text(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(u));
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
    return out;
}

std::string join(std::initializer_list<std::string_view> items) {
    std::string out;
    for (std::string_view item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::string dotted(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) {
        return std::string(key);
    }
    std::string out(prefix);
    out += '.';
    out += key;
    return out;
}

std::string indexed(std::string_view prefix, std::size_t index) {
    return std::string(prefix) + "[" + std::to_string(index) + "]";
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

class Checker {
  public:
    Checker(std::string_view source, const NameResolver& names, std::vector<ConfigError>& errors)
        : source_(source), names_(names), errors_(errors) {}

    void error(const toml::source_region& at, std::string key, std::string message) {
        errors_.push_back(ConfigError{std::string(source_), static_cast<int>(at.begin.line),
                                      static_cast<int>(at.begin.column), std::move(key),
                                      std::move(message)});
    }

    void type_error(const toml::source_region& at, std::string key, std::string_view expected,
                    const toml::node& got) {
        error(at, std::move(key),
              "expected " + std::string(expected) + ", got " + std::string(type_name(got)));
    }

    // Every key of `t` must be one of `known`; a near miss is named.
    void check_keys(const toml::table& t, std::string_view prefix,
                    std::initializer_list<std::string_view> known) {
        for (auto&& [k, v] : t) {
            const std::string_view name = k.str();
            if (std::find(known.begin(), known.end(), name) != known.end()) {
                continue;
            }
            std::string message = v.is_table() ? "unknown table" : "unknown key";
            std::string_view best;
            std::size_t best_distance = 3;
            for (std::string_view candidate : known) {
                const std::size_t d = edit_distance(name, candidate);
                if (d < best_distance) {
                    best_distance = d;
                    best = candidate;
                }
            }
            if (!best.empty()) {
                message += " (did you mean " + quote_text(best) + "?)";
            } else {
                message += " (expected one of: " + join(known) + ")";
            }
            error(k.source(), dotted(prefix, name), std::move(message));
        }
    }

    // The sub-table `name` of `parent`, or null when absent or not a table (reported).
    const toml::table* table(const toml::table& parent, std::string_view prefix,
                             std::string_view name) {
        auto it = parent.find(name);
        if (it == parent.end()) {
            return nullptr;
        }
        if (const toml::table* t = it->second.as_table()) {
            return t;
        }
        type_error(it->first.source(), dotted(prefix, name), "a table", it->second);
        return nullptr;
    }

    // An integer in [min, max]; `out` is left alone when the key is absent or wrong.
    template <typename T>
    void integer(const toml::table& t, std::string_view prefix, std::string_view name, T& out,
                 std::int64_t min, std::int64_t max) {
        auto it = t.find(name);
        if (it == t.end()) {
            return;
        }
        const toml::key& k = it->first;
        const auto* v = it->second.as_integer();
        if (v == nullptr) {
            type_error(k.source(), dotted(prefix, name), "an integer", it->second);
            return;
        }
        const std::int64_t value = v->get();
        if (value < min || value > max) {
            error(k.source(), dotted(prefix, name),
                  "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", got " + std::to_string(value));
            return;
        }
        out = static_cast<T>(value);
    }

    void milliseconds(const toml::table& t, std::string_view prefix, std::string_view name,
                      std::chrono::milliseconds& out, std::int64_t min, std::int64_t max) {
        std::int64_t ms = out.count();
        integer(t, prefix, name, ms, min, max);
        out = std::chrono::milliseconds(ms);
    }

    // A string, or null when absent or wrong (reported).
    const std::string* string(const toml::table& t, std::string_view prefix, std::string_view name,
                              const toml::source_region*& at) {
        auto it = t.find(name);
        if (it == t.end()) {
            return nullptr;
        }
        at = &it->first.source();
        if (const auto* v = it->second.as_string()) {
            return &v->get();
        }
        type_error(it->first.source(), dotted(prefix, name), "a string", it->second);
        return nullptr;
    }

    void absolute_path(const toml::table& t, std::string_view prefix, std::string_view name,
                       std::filesystem::path& out, std::size_t max_length) {
        const toml::source_region* at = nullptr;
        const std::string* s = string(t, prefix, name, at);
        if (s == nullptr) {
            return;
        }
        if (s->empty() || s->front() != '/') {
            error(*at, dotted(prefix, name), "must be an absolute path, got " + quote_text(*s));
            return;
        }
        if (s->find('\0') != std::string::npos) {
            error(*at, dotted(prefix, name), "must not contain a NUL character");
            return;
        }
        if (s->size() > max_length) {
            error(*at, dotted(prefix, name),
                  "is " + std::to_string(s->size()) + " bytes long; at most " +
                      std::to_string(max_length) + " fit");
            return;
        }
        out = *s;
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
                      "malformed id: expected an integer, got " + std::string(type_name(element)));
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
    std::vector<ConfigError>& errors_;
};

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(" \t\r");
    return s.substr(first, last - first + 1);
}

// The name in a table header line "[a.b]" / "[[a.b]]" (comment allowed after it), or "".
std::string_view header_name(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() != '[') {
        return {};
    }
    const std::size_t open = line.starts_with("[[") ? 2 : 1;
    const std::size_t close = line.find(']', open);
    return trim(
        line.substr(open, close == std::string_view::npos ? std::string_view::npos : close - open));
}

// The key of a "key = value" line, or "".
std::string_view assigned_key(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == '[') {
        return {};
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
        return {};
    }
    const std::string_view key = trim(line.substr(0, eq));
    const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.' || c == ' ' || c == '"' || c == '\'';
    });
    return plain ? key : std::string_view{};
}

// Best effort for syntax errors, which toml++ reports with a position only: the dotted key being
// defined at `line` (the table header on that line, or the nearest "key =" at or above it under
// the table header above that).
std::string key_at_line(std::string_view text, std::size_t line) {
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos <= text.size() && lines.size() < line;) {
        const std::size_t nl = text.find('\n', pos);
        lines.push_back(
            text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos));
        if (nl == std::string_view::npos) {
            break;
        }
        pos = nl + 1;
    }
    if (lines.size() < line || line == 0) {
        return {};
    }
    std::string_view key;
    for (std::size_t i = line; i-- > 0;) {
        if (std::string_view h = header_name(lines[i]); !h.empty()) {
            if (i + 1 == line) {
                return std::string(h);
            }
            return key.empty() ? std::string(h) : dotted(h, key);
        }
        if (key.empty()) {
            key = assigned_key(lines[i]);
        }
    }
    return std::string(key);
}

void collect(std::string_view toml_text, std::string_view source_name, const NameResolver& names,
             DaemonConfig& out, std::vector<ConfigError>& errors) {
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& at = e.source().begin;
        std::string message(e.description());
        std::string key = key_at_line(toml_text, at.line);
        if (key.ends_with("socket_mode") && message.find("leading zero") != std::string::npos) {
            message += " (write file modes as 0o666 or \"0666\")";
        }
        errors.push_back(ConfigError{std::string(source_name), static_cast<int>(at.line),
                                     static_cast<int>(at.column), std::move(key),
                                     std::move(message)});
        return;
    }
    Checker checker(source_name, names, errors);
    checker.document(root, out);
    // (std::stable_sort is avoided: clang warns about libstdc++ 12's get_temporary_buffer.)
    std::sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
        return std::tie(a.line, a.column, a.key, a.message) <
               std::tie(b.line, b.column, b.key, b.message);
    });
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

std::string ConfigError::to_string() const {
    std::string out = source;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) {
            out += ':' + std::to_string(column);
        }
    }
    out += ": ";
    if (!key.empty()) {
        out += key + ": ";
    }
    out += message;
    return out;
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
