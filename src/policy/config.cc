// parse_config / check_config / load_config / find_client: server.toml -> ServerConfig, every
// mistake with its line and key (include/opennap/policy/config.h, docs/server-config.md).
// Syntax errors come from config::parse_document, which lets no toml++ exception escape.
#include "opennap/policy/config.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include "opennap/config/document.h"
#include "opennap/core/opennap_ids.h"
#include "opennap/policy/toml_check.h"

namespace opennap::policy {

namespace {

constexpr std::size_t kMaxName = 64;
constexpr std::size_t kMaxSecret = 256;
constexpr std::size_t kMaxPath = 4095;
constexpr std::size_t kMaxMachineName = 255;
constexpr std::size_t kMaxUrl = 1024;          // soh::Limits' quarantine URL limit
constexpr std::size_t kMaxRadiusString = 253;  // one RADIUS attribute value
constexpr std::size_t kMaxConnInfo = 4096;
constexpr std::size_t kMaxServersV4 = 61;  // (247 - 1) / 4: one MS-IPv4-Remediation-Servers VSA
constexpr std::size_t kMaxServersV6 = 15;  // (247 - 1) / 16
constexpr std::int64_t kMaxProbationSeconds = 3650LL * 86400;

using namespace std::string_view_literals;

constexpr std::array<std::pair<std::string_view, LogLevel>, 5> kLogLevels{{
    {"trace", LogLevel::trace},
    {"debug", LogLevel::debug},
    {"info", LogLevel::info},
    {"warn", LogLevel::warn},
    {"error", LogLevel::error},
}};

constexpr std::array<std::pair<std::string_view, NasType>, 7> kNasTypes{{
    {"unspecified", NasType::Unspecified},
    {"ts-gateway", NasType::TsGateway},
    {"ras", NasType::Ras},
    {"dhcp", NasType::Dhcp},
    {"wireless", NasType::WirelessAccessPoint},
    {"hra", NasType::Hra},
    {"hcap", NasType::Hcap},
}};

constexpr std::array<std::pair<std::string_view, AuditStore>, 2> kStores{{
    {"sqlite", AuditStore::sqlite},
    {"postgresql", AuditStore::postgresql},
}};

constexpr std::array<std::pair<std::string_view, ShvKind>, 3> kShvKinds{{
    {"wsha", ShvKind::wsha},
    {"plugin", ShvKind::plugin},
    {"linux", ShvKind::linux},
}};

constexpr std::array<std::pair<std::string_view, bool>, 2> kCompliance{{
    {"compliant", true},
    {"noncompliant", false},
}};

constexpr std::array<std::pair<std::string_view, HealthCondition>, 12> kConditions{{
    {"passes-all", HealthCondition::passes_all},
    {"fails-all", HealthCondition::fails_all},
    {"passes-one-or-more", HealthCondition::passes_one_or_more},
    {"fails-one-or-more", HealthCondition::fails_one_or_more},
    {"transitional", HealthCondition::transitional},
    {"infected", HealthCondition::infected},
    {"unknown", HealthCondition::unknown},
    {"unavailable", HealthCondition::unavailable},
    {"not-nap-capable", HealthCondition::not_nap_capable},
    {"pass", HealthCondition::pass},
    {"fail", HealthCondition::fail},
    {"undecided", HealthCondition::undecided},
}};

constexpr std::array<std::pair<std::string_view, Combine>, 3> kCombine{{
    {"default", Combine::default_},
    {"any", Combine::any},
    {"all", Combine::all},
}};

constexpr std::array<std::pair<std::string_view, Grant>, 4> kGrants{{
    {"full", Grant::full},
    {"probation", Grant::probation},
    {"restricted", Grant::restricted},
    {"deny", Grant::deny},
}};

constexpr std::array<std::pair<std::string_view, ExtendedIsolationState>, 4> kExtStates{{
    {"no-data", ExtendedIsolationState::NoData},
    {"transition", ExtendedIsolationState::Transition},
    {"infected", ExtendedIsolationState::Infected},
    {"unknown", ExtendedIsolationState::Unknown},
}};

// The failure-category mapping keys, in FailureCategory order (0 = none).
constexpr std::array<std::string_view, 6> kCategoryKeys{"none",
                                                        "other",
                                                        "client_component",
                                                        "client_communication",
                                                        "server_component",
                                                        "server_communication"};

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<std::string_view, E>, N>& table,
                         E value) noexcept {
    for (const auto& [n, v] : table) {
        if (v == value) {
            return n;
        }
    }
    return "invalid";
}

bool is_http_url(std::string_view s) {
    return (s.starts_with("http://") && s.size() > 7) ||
           (s.starts_with("https://") && s.size() > 8);
}

// "7d", "36h", "90m", "3600s".
std::optional<std::int64_t> parse_duration_seconds(std::string_view s) {
    if (s.size() < 2) {
        return std::nullopt;
    }
    std::int64_t unit = 0;
    switch (s.back()) {
        case 's':
            unit = 1;
            break;
        case 'm':
            unit = 60;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'd':
            unit = 86400;
            break;
        default:
            return std::nullopt;
    }
    const std::string_view digits = s.substr(0, s.size() - 1);
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::int64_t n = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (r.ec != std::errc{} || n > kMaxProbationSeconds / unit) {
        return std::nullopt;
    }
    return n * unit;
}

// A TOML offset date-time as a FILETIME; nullopt before 1601.
std::optional<FileTime> to_filetime(const toml::date_time& dt) {
    using namespace std::chrono;
    const year_month_day ymd{year{dt.date.year}, month{dt.date.month}, day{dt.date.day}};
    if (!ymd.ok() || dt.date.year < 1601) {
        return std::nullopt;
    }
    const std::int64_t days = sys_days{ymd}.time_since_epoch().count();
    std::int64_t seconds =
        days * 86400 + dt.time.hour * 3600 + dt.time.minute * 60 + dt.time.second;
    if (dt.offset) {
        seconds -= std::int64_t{dt.offset->minutes} * 60;
    }
    const std::int64_t since_1601 = seconds + FileTime::kEpochDeltaSeconds;
    if (since_1601 < 0) {
        return std::nullopt;
    }
    return FileTime{static_cast<std::uint64_t>(since_1601) * 10'000'000u +
                    dt.time.nanosecond / 100};
}

class ConfigChecker : public TomlChecker {
  public:
    ConfigChecker(std::string_view source, std::vector<ConfigError>& errors,
                  const ParseOptions& options)
        : TomlChecker(source, errors), options_(options) {}

    void document(const toml::table& root, ServerConfig& out) {
        check_keys(root, "",
                   {"server", "radius", "audit", "metrics", "shv", "health_policy",
                    "network_policy", "remediation_server_group"});
        if (const toml::table* t = table(root, "", "server")) {
            server(*t, out.server);
        }
        if (const toml::table* t = table(root, "", "radius")) {
            radius(*t, out.radius);
        }
        if (const toml::table* t = table(root, "", "audit")) {
            audit(*t, out.audit);
        }
        if (const toml::table* t = table(root, "", "metrics")) {
            metrics(*t, out.metrics);
        }
        shvs(root, out.shvs);
        remediation_groups(root, out.remediation_groups);
        health_policies(root, out);
        network_policies(root, out);
        build_index(out.radius);
    }

  private:
    // Calls f(entry, key, index) for each table of the array of tables `name`.
    template <typename F>
    void each_table(const toml::table& parent, std::string_view prefix, std::string_view name,
                    F&& f) {
        auto it = parent.find(name);
        if (it == parent.end()) {
            return;
        }
        const std::string key = dotted(prefix, name);
        const toml::array* a = it->second.as_array();
        if (a == nullptr) {
            type_error(it->first.source(), key, "an array of tables (write [[" + key + "]])",
                       it->second);
            return;
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::node& element = *a->get(i);
            const std::string entry_key = indexed(key, i);
            const toml::table* entry = element.as_table();
            if (entry == nullptr) {
                type_error(element.source(), entry_key, "a table", element);
                continue;
            }
            f(*entry, entry_key, i);
        }
    }

    // A required, unique name.
    std::string entry_name(const toml::table& t, const std::string& key,
                           std::map<std::string, std::string, std::less<>>& seen,
                           std::string_view what) {
        std::string name;
        if (t.find("name") == t.end()) {
            error(t.source(), dotted(key, "name"),
                  "missing: every " + std::string(what) + " needs a name");
            return name;
        }
        if (!text(t, key, "name", name, kMaxName)) {
            return name;
        }
        auto [it, inserted] = seen.emplace(name, key);
        if (!inserted) {
            error(t.find("name")->first.source(), dotted(key, "name"),
                  "duplicate name " + quote_text(name) + " (also " + it->second + ")");
        }
        return name;
    }

    void absolute_path(const toml::table& t, std::string_view prefix, std::string_view name,
                       std::string& out) {
        TomlChecker::absolute_path(t, prefix, name, out, kMaxPath);
    }

    // ---- [server] ----------------------------------------------------------------------------

    void server(const toml::table& t, ServerSettings& out) {
        constexpr std::string_view p = "server";
        check_keys(t, p, {"log_level", "workers", "shv_timeout_ms", "name", "description"});
        one_of(t, p, "log_level", kLogLevels, out.log_level);
        integer(t, p, "workers", out.workers, 0, 256);
        milliseconds(t, p, "shv_timeout_ms", out.shv_timeout, 10, 60000);
        text(t, p, "name", out.name, 255, true);
        text(t, p, "description", out.description, 1024, true);
    }

    // ---- [radius] ----------------------------------------------------------------------------

    void radius(const toml::table& t, RadiusSettings& out) {
        constexpr std::string_view p = "radius";
        check_keys(t, p, {"listen", "max_packets_per_second", "duplicate_cache_ms", "client"});
        if (const toml::array* a = array(t, p, "listen", "an array of \"address:port\" strings")) {
            const toml::source_region& at = t.find("listen")->first.source();
            if (a->empty()) {
                error(at, "radius.listen", "must list at least one \"address:port\"");
            } else {
                std::vector<Endpoint> listen;
                for (std::size_t i = 0; i < a->size(); ++i) {
                    const toml::node& e = *a->get(i);
                    const std::string key = indexed("radius.listen", i);
                    const auto* s = e.as_string();
                    if (s == nullptr) {
                        type_error(e.source(), key, "a string \"address:port\"", e);
                        continue;
                    }
                    auto ep = Endpoint::parse(s->get());
                    if (!ep) {
                        error(e.source(), key, ep.error());
                    } else if (std::find(listen.begin(), listen.end(), *ep) != listen.end()) {
                        error(e.source(), key, "listed twice: " + ep->to_string());
                    } else {
                        listen.push_back(*ep);
                    }
                }
                out.listen = std::move(listen);
            }
        }
        integer(t, p, "max_packets_per_second", out.max_packets_per_second, 0, 10'000'000);
        milliseconds(t, p, "duplicate_cache_ms", out.duplicate_cache, 1000, 600000);
        std::map<std::string, std::string, std::less<>> names;
        std::map<Prefix, std::size_t> prefixes;
        each_table(t, p, "client", [&](const toml::table& c, const std::string& key, std::size_t) {
            out.clients.push_back(client(c, key, names, prefixes, out.clients));
        });
    }

    RadiusClient client(const toml::table& t, const std::string& key,
                        std::map<std::string, std::string, std::less<>>& names,
                        std::map<Prefix, std::size_t>& prefixes,
                        const std::vector<RadiusClient>& before) {
        check_keys(t, key,
                   {"name", "address", "secret", "secret_file", "require_message_authenticator",
                    "nas_type"});
        RadiusClient c;
        c.name = entry_name(t, key, names, "RADIUS client");
        const toml::source_region* at = nullptr;
        if (t.find("address") == t.end()) {
            error(t.source(), dotted(key, "address"),
                  "missing: the client's address or block, e.g. \"192.0.2.10\" or "
                  "\"10.0.0.0/8\"");
        } else if (const std::string* s = string(t, key, "address", at)) {
            auto prefix = Prefix::parse(*s);
            if (!prefix) {
                error(*at, dotted(key, "address"), prefix.error());
            } else {
                c.prefix = *prefix;
                auto [it, inserted] = prefixes.emplace(*prefix, before.size());
                if (!inserted) {
                    error(*at, dotted(key, "address"),
                          prefix->to_string() + " is already the address of radius.client[" +
                              std::to_string(it->second) + "] (" +
                              quote_text(before[it->second].name) + ")");
                }
            }
        }
        const bool inline_secret = t.find("secret") != t.end();
        const bool file_secret = t.find("secret_file") != t.end();
        if (inline_secret && file_secret) {
            error(t.find("secret_file")->first.source(), dotted(key, "secret_file"),
                  "give either secret or secret_file, not both");
        } else if (!inline_secret && !file_secret) {
            error(t.source(), dotted(key, "secret"),
                  "missing: every client needs a shared secret (secret or secret_file)");
        } else if (inline_secret) {
            const toml::source_region* s_at = nullptr;
            if (const std::string* s = string(t, key, "secret", s_at)) {
                if (s->empty()) {
                    error(*s_at, dotted(key, "secret"), "must not be empty");
                } else if (s->size() > kMaxSecret) {
                    error(*s_at, dotted(key, "secret"),
                          "is " + std::to_string(s->size()) + " bytes long; at most " +
                              std::to_string(kMaxSecret) + " are allowed");
                } else {
                    c.secret = *s;
                }
            }
        } else {
            absolute_path(t, key, "secret_file", c.secret_file);
            if (!c.secret_file.empty() && options_.secrets != nullptr) {
                const toml::source_region& f_at = t.find("secret_file")->first.source();
                auto content = options_.secrets->read(c.secret_file);
                if (!content) {
                    error(f_at, dotted(key, "secret_file"),
                          quote_text(c.secret_file) + ": " + content.error());
                } else {
                    std::string secret = std::move(*content);
                    if (secret.ends_with("\r\n")) {
                        secret.resize(secret.size() - 2);
                    } else if (secret.ends_with('\n')) {
                        secret.pop_back();
                    }
                    if (secret.empty()) {
                        error(f_at, dotted(key, "secret_file"),
                              quote_text(c.secret_file) + " is empty");
                    } else if (secret.size() > kMaxSecret) {
                        error(f_at, dotted(key, "secret_file"),
                              quote_text(c.secret_file) + " holds " +
                                  std::to_string(secret.size()) + " bytes; at most " +
                                  std::to_string(kMaxSecret) + " are allowed");
                    } else {
                        c.secret = std::move(secret);
                    }
                }
            }
        }
        boolean(t, key, "require_message_authenticator", c.require_message_authenticator);
        NasType nas = NasType::Unspecified;
        if (one_of(t, key, "nas_type", kNasTypes, nas)) {
            c.nas_type = nas;
        }
        return c;
    }

    void build_index(RadiusSettings& r) {
        std::map<std::uint8_t, ClientIndex::Level, std::greater<>> v4;
        std::map<std::uint8_t, ClientIndex::Level, std::greater<>> v6;
        for (std::uint32_t i = 0; i < r.clients.size(); ++i) {
            const Prefix& p = r.clients[i].prefix;
            auto& levels = p.address.is_v4() ? v4 : v6;
            auto& level = levels[p.length];
            level.length = p.length;
            level.clients.emplace(p.address.bytes, i);  // a duplicate was reported; first wins
        }
        r.index = ClientIndex{};
        for (auto& [len, level] : v4) {
            r.index.v4.push_back(std::move(level));
        }
        for (auto& [len, level] : v6) {
            r.index.v6.push_back(std::move(level));
        }
    }

    // ---- [audit], [metrics] ------------------------------------------------------------------

    void audit(const toml::table& t, AuditSettings& out) {
        constexpr std::string_view p = "audit";
        check_keys(t, p, {"store", "sqlite_path", "postgresql", "batch_size", "flush_interval_ms"});
        one_of(t, p, "store", kStores, out.store);
        absolute_path(t, p, "sqlite_path", out.sqlite_path);
        text(t, p, "postgresql", out.postgresql, kMaxConnInfo);
        integer(t, p, "batch_size", out.batch_size, 1, 100000);
        milliseconds(t, p, "flush_interval_ms", out.flush_interval, 10, 3'600'000);
        if (out.store == AuditStore::postgresql && out.postgresql.empty() &&
            t.find("postgresql") == t.end()) {
            error(t.find("store")->first.source(), "audit.postgresql",
                  "missing: store = \"postgresql\" needs a libpq conninfo, e.g. "
                  "postgresql = \"host=db dbname=opennap user=napserver\"");
        }
    }

    void metrics(const toml::table& t, MetricsSettings& out) {
        constexpr std::string_view p = "metrics";
        check_keys(t, p, {"listen"});
        const toml::source_region* at = nullptr;
        if (const std::string* s = string(t, p, "listen", at)) {
            auto ep = Endpoint::parse(*s);
            if (!ep) {
                error(*at, "metrics.listen",
                      ep.error() + " (leave the key out to turn metrics off)");
            } else {
                out.listen = *ep;
            }
        }
    }

    // ---- [[shv]] -----------------------------------------------------------------------------

    void shvs(const toml::table& root, std::vector<ShvConfig>& out) {
        std::map<std::string, std::string, std::less<>> names;
        std::map<SystemHealthEntityId, std::string> ids;
        each_table(
            root, "", "shv", [&](const toml::table& t, const std::string& key, std::size_t index) {
                if (index == maxSystemHealthEntityCount) {
                    error(t.source(), key,
                          "too many SHVs: at most " + std::to_string(maxSystemHealthEntityCount) +
                              " can be configured (maxSystemHealthEntityCount)");
                }
                ShvConfig shv = one_shv(t, key, names);
                if (shv.id != 0) {
                    auto [it, inserted] = ids.emplace(shv.id, key);
                    if (!inserted) {
                        const auto id_it = t.find("id");
                        error(id_it != t.end() ? id_it->first.source() : t.source(),
                              dotted(key, "id"),
                              "System-Health-ID " + hex_id(shv.id) + " is already configured (" +
                                  it->second + ")");
                    }
                }
                if (index < maxSystemHealthEntityCount) {
                    out.push_back(std::move(shv));
                }
            });
    }

    static std::string hex_id(std::uint32_t id) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08X", id);
        return buf;
    }

    ShvConfig one_shv(const toml::table& t, const std::string& key,
                      std::map<std::string, std::string, std::less<>>& names) {
        check_keys(t, key, {"id", "kind", "name", "plugin", "failure_category", "settings"});
        ShvConfig shv;
        // The checks that depend on the kind are skipped when it is missing or wrong (reported).
        bool kind_ok = false;
        if (t.find("kind") == t.end()) {
            error(t.source(), dotted(key, "kind"), "missing: \"wsha\", \"linux\" or \"plugin\"");
        } else {
            kind_ok = one_of(t, key, "kind", kShvKinds, shv.kind);
        }
        std::int64_t id = -1;
        const auto id_it = t.find("id");
        if (integer64(t, key, "id", id, 0, 0xFFFFFFFF)) {
            const auto& at = id_it->first.source();
            if (id == NapSystemId) {
                error(at, dotted(key, "id"),
                      "0x00013700 is the NAP system's own id (NapSystemId), not an SHV's");
                id = -1;
            } else if (id == 0) {
                error(at, dotted(key, "id"), "0 is not a System-Health-ID");
                id = -1;
            } else if (kind_ok && shv.kind == ShvKind::wsha && id != NapOutOfBoxSystemHealthId &&
                       id != ids::kSecurityCenterSha) {
                error(at, dotted(key, "id"),
                      "kind \"wsha\" validates the Windows Security Health Agent entry, under "
                      "0x00013780 or OpenNAP's security-center SHA 0x007ED901; got " +
                          hex_id(static_cast<std::uint32_t>(id)));
                id = -1;
            }
        } else if (id_it == t.end() && kind_ok) {
            if (shv.kind == ShvKind::wsha) {
                id = NapOutOfBoxSystemHealthId;
            } else if (shv.kind == ShvKind::linux) {
                id = ids::kLinuxSha;
            } else {
                error(t.source(), dotted(key, "id"),
                      "missing: the System-Health-ID the SHV validates, e.g. 0x000137F0");
            }
        }
        shv.id = id > 0 ? static_cast<SystemHealthEntityId>(id) : 0;
        if (t.find("name") != t.end()) {
            shv.name = entry_name(t, key, names, "SHV");
        } else if (shv.kind == ShvKind::wsha) {
            shv.name = "Windows Security Health Validator";
        } else if (shv.kind == ShvKind::linux) {
            shv.name = "OpenNAP Linux SHV";
        } else {
            shv.name = "SHV " + hex_id(shv.id);
        }
        if (!kind_ok) {
            // Nothing more to say about `plugin` until the kind is right.
        } else if (shv.kind == ShvKind::plugin) {
            if (t.find("plugin") == t.end()) {
                error(t.source(), dotted(key, "plugin"),
                      "missing: the absolute path of the SHV's shared object");
            } else {
                absolute_path(t, key, "plugin", shv.plugin);
            }
        } else if (t.find("plugin") != t.end()) {
            error(t.find("plugin")->first.source(), dotted(key, "plugin"),
                  "applies only to kind = \"plugin\"");
        }
        if (const toml::table* fc = table(t, key, "failure_category")) {
            failure_category(*fc, dotted(key, "failure_category"), shv);
        }
        auto settings = std::make_shared<ShvSettingsTable>();
        settings->source = std::string(source());
        settings->key = dotted(key, "settings");
        if (const toml::table* s = table(t, key, "settings")) {
            settings->table = *s;
            if (shv.kind == ShvKind::wsha && options_.wsha_settings) {
                options_.wsha_settings(*s, settings->key, *this);
            } else if (shv.kind == ShvKind::linux && options_.linux_settings) {
                options_.linux_settings(*s, settings->key, *this);
            }
        } else if (shv.kind == ShvKind::wsha && options_.wsha_settings) {
            options_.wsha_settings(settings->table, settings->key, *this);
        } else if (shv.kind == ShvKind::linux && options_.linux_settings) {
            options_.linux_settings(settings->table, settings->key, *this);
        }
        shv.settings = std::move(settings);
        return shv;
    }

    void failure_category(const toml::table& t, const std::string& key, ShvConfig& shv) {
        check_keys(t, key,
                   {kCategoryKeys[0], kCategoryKeys[1], kCategoryKeys[2], kCategoryKeys[3],
                    kCategoryKeys[4], kCategoryKeys[5]});
        one_of(t, key, kCategoryKeys[0], kCompliance, shv.none_compliant);
        for (std::size_t i = 1; i < kCategoryKeys.size(); ++i) {
            one_of(t, key, kCategoryKeys[i], kCompliance, shv.mapping.mapping_compliance[i - 1]);
        }
    }

    // ---- [[remediation_server_group]] --------------------------------------------------------

    void remediation_groups(const toml::table& root, std::vector<RemediationServerGroup>& out) {
        std::map<std::string, std::string, std::less<>> names;
        each_table(root, "", "remediation_server_group",
                   [&](const toml::table& t, const std::string& key, std::size_t) {
                       check_keys(t, key, {"name", "servers"});
                       RemediationServerGroup g;
                       g.name = entry_name(t, key, names, "remediation server group");
                       servers(t, key, g);
                       out.push_back(std::move(g));
                   });
    }

    void servers(const toml::table& t, const std::string& key, RemediationServerGroup& g) {
        const std::string skey = dotted(key, "servers");
        if (t.find("servers") == t.end()) {
            error(t.source(), skey, "missing: the group's server addresses");
            return;
        }
        const toml::array* a =
            array(t, key, "servers", "an array of addresses or { address, name } tables");
        if (a == nullptr) {
            return;
        }
        if (a->empty()) {
            error(t.find("servers")->first.source(), skey, "must list at least one server");
            return;
        }
        std::size_t v4 = 0;
        std::size_t v6 = 0;
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::node& e = *a->get(i);
            const std::string ekey = indexed(skey, i);
            RemediationServer server;
            const toml::source_region* at = &e.source();
            const std::string* addr = nullptr;
            std::string addr_key = ekey;
            if (const auto* s = e.as_string()) {
                addr = &s->get();
            } else if (const auto* st = e.as_table()) {
                check_keys(*st, ekey, {"address", "name"});
                if (st->find("address") == st->end()) {
                    error(st->source(), dotted(ekey, "address"), "missing: the server's address");
                    continue;
                }
                addr = string(*st, ekey, "address", at);
                addr_key = dotted(ekey, "address");
                text(*st, ekey, "name", server.name, kMaxMachineName);
                if (addr == nullptr) {
                    continue;
                }
            } else {
                type_error(e.source(), ekey, "an address string or a { address, name } table", e);
                continue;
            }
            auto ip = IpAddress::parse(*addr);
            if (!ip) {
                error(*at, addr_key, quote_text(*addr) + " is not an IPv4 or IPv6 address");
                continue;
            }
            server.address = ip->unmapped();
            const bool dup = std::any_of(g.servers.begin(), g.servers.end(), [&](const auto& s) {
                return s.address == server.address;
            });
            if (dup) {
                error(*at, addr_key, "listed twice: " + server.address.to_string());
                continue;
            }
            if (server.address.is_v4() ? ++v4 > kMaxServersV4 : ++v6 > kMaxServersV6) {
                error(*at, addr_key,
                      "too many " + std::string(server.address.is_v4() ? "IPv4" : "IPv6") +
                          " servers: at most " +
                          std::to_string(server.address.is_v4() ? kMaxServersV4 : kMaxServersV6) +
                          " fit one RADIUS remediation-servers attribute");
                continue;
            }
            g.servers.push_back(std::move(server));
        }
    }

    // ---- [[health_policy]] -------------------------------------------------------------------

    void health_policies(const toml::table& root, ServerConfig& out) {
        std::map<std::string, std::string, std::less<>> names;
        each_table(root, "", "health_policy",
                   [&](const toml::table& t, const std::string& key, std::size_t) {
                       out.health_policies.push_back(health_policy(t, key, names, out));
                   });
    }

    HealthPolicy health_policy(const toml::table& t, const std::string& key,
                               std::map<std::string, std::string, std::less<>>& names,
                               const ServerConfig& config) {
        check_keys(t, key, {"name", "condition", "combine", "shvs"});
        HealthPolicy h;
        h.name = entry_name(t, key, names, "health policy");
        if (t.find("condition") == t.end()) {
            error(t.source(), dotted(key, "condition"),
                  "missing: e.g. \"passes-all\", \"fails-one-or-more\" or \"not-nap-capable\"");
        } else {
            one_of(t, key, "condition", kConditions, h.condition);
        }
        const bool combined = h.condition == HealthCondition::pass ||
                              h.condition == HealthCondition::fail ||
                              h.condition == HealthCondition::undecided;
        if (auto it = t.find("combine"); it != t.end()) {
            if (!combined) {
                error(it->first.source(), dotted(key, "combine"),
                      "applies only to the conditions pass, fail and undecided (condition " +
                          quote_text(to_string(h.condition)) + " has its own rule)");
            } else {
                one_of(t, key, "combine", kCombine, h.combine);
            }
        }
        if (auto it = t.find("shvs"); it != t.end()) {
            const std::string skey = dotted(key, "shvs");
            if (h.condition == HealthCondition::not_nap_capable) {
                error(it->first.source(), skey,
                      "does not apply to not-nap-capable (no SHV is asked when there is no SoH)");
            } else if (const toml::array* a = array(t, key, "shvs", "an array of SHV ids")) {
                if (a->empty()) {
                    error(it->first.source(), skey,
                          "must list at least one SHV id (leave the key out for every SHV)");
                }
                for (std::size_t i = 0; i < a->size(); ++i) {
                    const toml::node& e = *a->get(i);
                    const std::string ekey = indexed(skey, i);
                    const auto* n = e.as_integer();
                    if (n == nullptr) {
                        type_error(e.source(), ekey, "an SHV id (an integer)", e);
                        continue;
                    }
                    const std::int64_t id = n->get();
                    const std::uint32_t index =
                        id < 0 || id > 0xFFFFFFFF
                            ? kNoIndex
                            : config.shv_index(static_cast<SystemHealthEntityId>(id));
                    if (index == kNoIndex) {
                        error(e.source(), ekey,
                              "no [[shv]] has the id " +
                                  (id < 0 || id > 0xFFFFFFFF
                                       ? std::to_string(id)
                                       : hex_id(static_cast<std::uint32_t>(id))));
                    } else if (std::find(h.shvs.begin(), h.shvs.end(), index) != h.shvs.end()) {
                        error(e.source(), ekey,
                              "listed twice: " + hex_id(static_cast<std::uint32_t>(id)));
                    } else {
                        h.shvs.push_back(static_cast<std::uint8_t>(index));
                    }
                }
                return h;
            }
        }
        if (t.find("shvs") == t.end()) {
            for (std::size_t i = 0; i < config.shvs.size(); ++i) {
                h.shvs.push_back(static_cast<std::uint8_t>(i));
            }
        }
        return h;
    }

    // ---- [[network_policy]] ------------------------------------------------------------------

    void network_policies(const toml::table& root, ServerConfig& out) {
        std::map<std::string, std::string, std::less<>> names;
        each_table(root, "", "network_policy",
                   [&](const toml::table& t, const std::string& key, std::size_t) {
                       out.network_policies.push_back(network_policy(t, key, names, out));
                   });
    }

    // Resolves the name at `key` against `names`; kNoIndex (reported) when unknown.
    std::uint32_t resolve(const toml::source_region& at, const std::string& key,
                          const std::string& name, const std::vector<std::string_view>& names,
                          std::string_view what) {
        for (std::uint32_t i = 0; i < names.size(); ++i) {
            if (names[i] == name) {
                return i;
            }
        }
        std::string message = "no " + std::string(what) + " is named " + quote_text(name);
        const std::string_view best = closest(name, names);
        if (!best.empty()) {
            message += " (did you mean " + quote_text(best) + "?)";
        }
        error(at, key, std::move(message));
        return kNoIndex;
    }

    template <typename T>
    static std::vector<std::string_view> names_of(const std::vector<T>& items) {
        std::vector<std::string_view> out;
        out.reserve(items.size());
        for (const auto& i : items) {
            out.push_back(i.name);
        }
        return out;
    }

    // Each string of the array `name`, with its key and position.
    template <typename F>
    void each_string(const toml::table& t, const std::string& key, std::string_view name,
                     std::string_view expected, F&& f) {
        const toml::array* a = array(t, key, name, expected);
        if (a == nullptr) {
            return;
        }
        const std::string akey = dotted(key, name);
        if (a->empty()) {
            error(t.find(name)->first.source(), akey,
                  "must not be empty (leave the key out to match everything)");
        }
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::node& e = *a->get(i);
            const auto* s = e.as_string();
            if (s == nullptr) {
                type_error(e.source(), indexed(akey, i), "a string", e);
                continue;
            }
            f(s->get(), indexed(akey, i), e.source());
        }
    }

    void prefixes(const toml::table& t, const std::string& key, std::string_view name,
                  std::vector<Prefix>& out) {
        each_string(
            t, key, name, "an array of addresses or CIDR blocks",
            [&](const std::string& s, const std::string& ekey, const toml::source_region& at) {
                auto p = Prefix::parse(s);
                if (!p) {
                    error(at, ekey, p.error());
                } else {
                    out.push_back(*p);
                }
            });
    }

    NetworkPolicy network_policy(const toml::table& t, const std::string& key,
                                 std::map<std::string, std::string, std::less<>>& names,
                                 const ServerConfig& config) {
        check_keys(t, key,
                   {"name", "nas_types", "radius_clients", "client_addresses", "nas_addresses",
                    "machine_names", "health_policy", "grant", "probation_until", "probation_for",
                    "remediation_group", "help_url", "auto_remediation", "extended_state",
                    "session_timeout", "filter_id", "vlan"});
        NetworkPolicy n;
        n.name = entry_name(t, key, names, "network policy");
        // Conditions.
        each_string(
            t, key, "nas_types", "an array of NAS types",
            [&](const std::string& s, const std::string& ekey, const toml::source_region& at) {
                for (const auto& [nm, v] : kNasTypes) {
                    if (nm == s) {
                        n.nas_types.push_back(v);
                        return;
                    }
                }
                std::vector<std::string_view> all;
                for (const auto& c : kNasTypes) {
                    all.push_back(c.first);
                }
                not_one_of(at, ekey, s, all);
            });
        const auto client_names = names_of(config.radius.clients);
        each_string(
            t, key, "radius_clients", "an array of [[radius.client]] names",
            [&](const std::string& s, const std::string& ekey, const toml::source_region& at) {
                const std::uint32_t i = resolve(at, ekey, s, client_names, "RADIUS client");
                if (i != kNoIndex) {
                    n.radius_clients.push_back(i);
                }
            });
        prefixes(t, key, "client_addresses", n.client_addresses);
        prefixes(t, key, "nas_addresses", n.nas_addresses);
        each_string(
            t, key, "machine_names", "an array of machine-name patterns",
            [&](const std::string& s, const std::string& ekey, const toml::source_region& at) {
                const bool control = std::any_of(s.begin(), s.end(), [](char c) {
                    const auto u = static_cast<unsigned char>(c);
                    return u < 0x20 || u == 0x7F;
                });
                if (s.empty() || s.size() > kMaxMachineName || control) {
                    error(
                        at, ekey,
                        "must be a pattern of 1 to 255 printable characters, got " + quote_text(s));
                } else {
                    n.machine_names.emplace_back(s);
                }
            });
        const toml::source_region* at = nullptr;
        if (const std::string* s = string(t, key, "health_policy", at)) {
            n.health_policy = resolve(*at, dotted(key, "health_policy"), *s,
                                      names_of(config.health_policies), "health policy");
        }
        // Grant.
        if (t.find("grant") == t.end()) {
            error(t.source(), dotted(key, "grant"),
                  "missing: \"full\", \"probation\", \"restricted\" or \"deny\"");
            return n;
        }
        if (!one_of(t, key, "grant", kGrants, n.grant)) {
            return n;
        }
        grant_details(t, key, n, config);
        return n;
    }

    // Reports `name` (if present) as not applying to this grant.
    void not_for_grant(const toml::table& t, const std::string& key, std::string_view name,
                       Grant grant, std::string_view applies_to) {
        if (auto it = t.find(name); it != t.end()) {
            error(it->first.source(), dotted(key, name),
                  "does not apply to grant = " + quote_text(to_string(grant)) + " (only to " +
                      std::string(applies_to) + ")");
        }
    }

    void grant_details(const toml::table& t, const std::string& key, NetworkPolicy& n,
                       const ServerConfig& config) {
        const Grant g = n.grant;
        // Probation end.
        if (g != Grant::probation) {
            not_for_grant(t, key, "probation_until", g, "probation");
            not_for_grant(t, key, "probation_for", g, "probation");
        } else {
            const auto until = t.find("probation_until");
            const auto for_ = t.find("probation_for");
            if (until != t.end() && for_ != t.end()) {
                error(for_->first.source(), dotted(key, "probation_for"),
                      "give either probation_until or probation_for, not both");
            } else if (until == t.end() && for_ == t.end()) {
                error(t.find("grant")->first.source(), dotted(key, "grant"),
                      "probation needs an end: probation_until (a date-time with a UTC "
                      "offset, e.g. 2030-01-31T18:00:00Z) or probation_for (e.g. \"7d\")");
            } else if (until != t.end()) {
                const auto* dt = until->second.as_date_time();
                if (dt == nullptr) {
                    type_error(until->first.source(), dotted(key, "probation_until"),
                               "a date-time with a UTC offset, e.g. 2030-01-31T18:00:00Z",
                               until->second);
                } else if (!dt->get().offset) {
                    error(until->first.source(), dotted(key, "probation_until"),
                          "needs a UTC offset (e.g. 2030-01-31T18:00:00Z or "
                          "2030-01-31T19:00:00+01:00): a local time is ambiguous");
                } else if (auto ft = to_filetime(dt->get())) {
                    n.probation_until = *ft;
                } else {
                    error(until->first.source(), dotted(key, "probation_until"),
                          "is before 1601, which a FILETIME cannot hold");
                }
            } else {
                const toml::source_region* at = nullptr;
                if (const std::string* s = string(t, key, "probation_for", at)) {
                    const auto secs = parse_duration_seconds(*s);
                    if (!secs || *secs == 0) {
                        error(*at, dotted(key, "probation_for"),
                              "must be a positive number of seconds, minutes, hours or days "
                              "up to 3650d, written like \"3600s\", \"90m\", \"36h\" or \"7d\"; "
                              "got " +
                                  quote_text(*s));
                    } else {
                        n.probation_for = std::chrono::seconds(*secs);
                    }
                }
            }
        }
        // Remediation.
        if (g == Grant::restricted || g == Grant::probation) {
            const toml::source_region* at = nullptr;
            if (const std::string* s = string(t, key, "remediation_group", at)) {
                n.remediation_group =
                    resolve(*at, dotted(key, "remediation_group"), *s,
                            names_of(config.remediation_groups), "remediation server group");
            }
            if (const std::string* s = string(t, key, "help_url", at)) {
                if (!is_http_url(*s) || s->size() > kMaxUrl ||
                    std::any_of(s->begin(), s->end(), [](char c) {
                        const auto u = static_cast<unsigned char>(c);
                        return u <= 0x20 || u == 0x7F;
                    })) {
                    error(*at, dotted(key, "help_url"),
                          "must be an http:// or https:// URL of at most 1024 bytes without "
                          "spaces or control characters, got " +
                              quote_text(*s));
                } else {
                    n.help_url = *s;
                }
            }
            boolean(t, key, "auto_remediation", n.auto_remediation);
        } else {
            for (std::string_view k : {"remediation_group"sv, "help_url"sv, "auto_remediation"sv}) {
                not_for_grant(t, key, k, g, "restricted and probation");
            }
        }
        // Extended state and RADIUS extras.
        if (g == Grant::deny) {
            for (std::string_view k :
                 {"extended_state"sv, "session_timeout"sv, "filter_id"sv, "vlan"sv}) {
                not_for_grant(t, key, k, g, "full, probation and restricted");
            }
            return;
        }
        ExtendedIsolationState ext = ExtendedIsolationState::NoData;
        if (one_of(t, key, "extended_state", kExtStates, ext)) {
            n.extended_state = ext;
        }
        std::uint32_t timeout = 0;
        if (integer(t, key, "session_timeout", timeout, 1, 0x7FFFFFFF)) {
            n.session_timeout = timeout;
        }
        text(t, key, "filter_id", n.filter_id, kMaxRadiusString);
        if (auto it = t.find("vlan"); it != t.end()) {
            if (const auto* i = it->second.as_integer()) {
                if (i->get() < 1 || i->get() > 4094) {
                    error(it->first.source(), dotted(key, "vlan"),
                          "a VLAN id must be between 1 and 4094, got " + std::to_string(i->get()));
                } else {
                    n.vlan = std::to_string(i->get());
                }
            } else if (it->second.is_string()) {
                text(t, key, "vlan", n.vlan, kMaxRadiusString);
            } else {
                type_error(it->first.source(), dotted(key, "vlan"),
                           "a VLAN id (1..4094) or a VLAN name", it->second);
            }
        }
    }

    const ParseOptions& options_;
};

void collect(std::string_view toml_text, std::string_view source_name, const ParseOptions& options,
             ServerConfig& out, std::vector<ConfigError>& errors) {
    std::optional<toml::table> root = config::parse_document(toml_text, source_name, errors);
    if (!root) {
        return;
    }
    ConfigChecker checker(source_name, errors, options);
    try {
        checker.document(*root, out);
    } catch (const std::exception& e) {
        errors.push_back(ConfigError{std::string(source_name), 0, 0, "", e.what()});
    }
    sort_errors(errors);
}

}  // namespace

// ---- names -------------------------------------------------------------------------------------

std::string_view to_string(LogLevel level) noexcept {
    return name_of(kLogLevels, level);
}
std::string_view to_string(NasType t) noexcept {
    return name_of(kNasTypes, t);
}
std::string_view to_string(ShvKind k) noexcept {
    return name_of(kShvKinds, k);
}
std::string_view to_string(HealthCondition c) noexcept {
    return name_of(kConditions, c);
}
std::string_view to_string(Combine c) noexcept {
    return name_of(kCombine, c);
}
std::string_view to_string(Grant g) noexcept {
    return name_of(kGrants, g);
}

// ---- ServerConfig ------------------------------------------------------------------------------

bool ShvConfig::compliant_for(FailureCategory category) const noexcept {
    if (category == FailureCategory::None) {
        return none_compliant;
    }
    const auto i = mapping_index(category);
    return i ? mapping.mapping_compliance[*i] : false;
}

bool operator==(const ShvConfig& a, const ShvConfig& b) {
    const bool same_settings = (a.settings == nullptr || b.settings == nullptr)
                                   ? a.settings == b.settings
                                   : *a.settings == *b.settings;
    return a.id == b.id && a.kind == b.kind && a.name == b.name && a.plugin == b.plugin &&
           a.mapping == b.mapping && a.none_compliant == b.none_compliant && same_settings;
}

std::uint32_t ServerConfig::shv_index(SystemHealthEntityId id) const noexcept {
    for (std::uint32_t i = 0; i < shvs.size(); ++i) {
        if (shvs[i].id == id) {
            return i;
        }
    }
    return kNoIndex;
}

std::size_t ClientIndex::KeyHash::operator()(const Key& k) const noexcept {
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, k.data(), 8);
    std::memcpy(&b, k.data() + 8, 8);
    std::uint64_t h = a * 0x9E3779B97F4A7C15ull;
    h ^= (b + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2));
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return static_cast<std::size_t>(h);
}

const RadiusClient* find_client(const ServerConfig& config, const IpAddress& ip) noexcept {
    const IpAddress a = ip.unmapped();
    const auto& levels = a.is_v4() ? config.radius.index.v4 : config.radius.index.v6;
    for (const auto& level : levels) {
        const IpAddress key = masked(a, level.length);
        auto it = level.clients.find(key.bytes);
        if (it != level.clients.end()) {
            return &config.radius.clients[it->second];
        }
    }
    return nullptr;
}

// ---- secrets -----------------------------------------------------------------------------------

std::expected<std::string, std::string> FileSecretReader::read(const std::string& path) const {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::unexpected("cannot open: " + std::string(std::strerror(errno)));
    }
    std::string content;
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        content.append(buf, static_cast<std::size_t>(in.gcount()));
        if (content.size() > 65536) {
            return std::unexpected("too large for a shared secret");
        }
    }
    if (in.bad()) {
        return std::unexpected("cannot read: " + std::string(std::strerror(errno)));
    }
    return content;
}

// ---- parse / check / load ----------------------------------------------------------------------

ServerConfig default_config() {
    ServerConfig config;
    std::vector<ConfigError> errors;
    collect(kDefaultConfigText, "(built-in defaults)", ParseOptions{}, config, errors);
    // The embedded text is tested to parse without errors (tests/policy/config_test.cc).
    return config;
}

std::vector<ConfigError> check_config(std::string_view toml_text, std::string_view source_name,
                                      const ParseOptions& options) {
    ServerConfig config;
    std::vector<ConfigError> errors;
    collect(toml_text, source_name, options, config, errors);
    return errors;
}

std::expected<ServerConfig, ConfigError> parse_config(std::string_view toml_text,
                                                      std::string_view source_name,
                                                      const ParseOptions& options) {
    ServerConfig config;
    std::vector<ConfigError> errors;
    collect(toml_text, source_name, options, config, errors);
    if (!errors.empty()) {
        return std::unexpected(std::move(errors.front()));
    }
    return config;
}

std::expected<ServerConfig, ConfigError> load_config(const std::filesystem::path& path,
                                                     const ParseOptions& options) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (!ec && !exists) {
        ServerConfig config = default_config();
        config.defaults_used = true;
        return config;
    }
    if (!ec && !std::filesystem::is_regular_file(path, ec)) {
        return std::unexpected(ConfigError{path.string(), 0, 0, "", "is not a regular file"});
    }
    std::ifstream in(path, std::ios::binary);
    if (ec || !in) {
        return std::unexpected(ConfigError{path.string(), 0, 0, "",
                                           "cannot open: " + std::string(std::strerror(errno))});
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return std::unexpected(ConfigError{path.string(), 0, 0, "",
                                           "cannot read: " + std::string(std::strerror(errno))});
    }
    const FileSecretReader files;
    ParseOptions with_files = options;
    with_files.secrets = &files;
    return parse_config(text.str(), path.string(), with_files);
}

}  // namespace opennap::policy
