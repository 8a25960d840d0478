// napserver's configuration: /etc/opennap/server.toml, its defaults, and what every mistake in it
// is reported as. Every table, key, default and range is documented in docs/server-config.md and
// in packaging/server.toml, which parses to default_config().
//
// Two kinds of defaults:
//   * a key that is absent takes its default (an empty text gives the scalar defaults and no
//     RADIUS clients, SHVs or policies: every request is denied);
//   * a file that does not exist gives default_config(): the embedded demo configuration
//     (kDefaultConfigText), which listens on 127.0.0.1:1812 only, knows the loopback RADIUS
//     client with the secret "testing123", validates the Windows Security Health Agent and grants
//     full access to compliant clients and restricted access to the others.
//
// parse_config() and check_config() are pure: secret files are read only through the
// SecretReader the caller passes, SHV settings are checked through the hooks it passes.
// load_config() is the I/O edge. Nothing here throws for anything in the file.
//
// Errors: every mistake that can be found is collected (after a TOML syntax error there is no
// document to check, so that one is alone), sorted by position, and reported as
// "file:line:column: dotted.key: message". Unknown tables and keys are errors, with "did you
// mean" for near misses: a typo is never silently ignored.
//
// The parsed configuration is also compiled for per-request use: names are resolved to indices,
// machine-name patterns are lower-cased, and the RADIUS clients are indexed by prefix for
// find_client() (longest prefix wins).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "opennap/core/ids.h"
#include "opennap/core/nap_types.h"
#include "opennap/policy/address.h"
#include "opennap/policy/config_error.h"
#include "opennap/policy/glob.h"
#include "opennap/policy/shv_settings.h"

namespace opennap::policy {

inline constexpr std::string_view kDefaultConfigPath = "/etc/opennap/server.toml";

enum class LogLevel : std::uint8_t { trace, debug, info, warn, error };
[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;

// MS-Network-Access-Server-Type ([MS-RNAP] 2.2.1, RADIUS VSA 311/47). 4 is not in MS-RNAP; it is
// FreeRADIUS's Wireless-Access-Point.
enum class NasType : std::uint32_t {
    Unspecified = 0,          // "unspecified"
    TsGateway = 1,            // "ts-gateway"
    Ras = 2,                  // "ras" (VPN)
    Dhcp = 3,                 // "dhcp"
    WirelessAccessPoint = 4,  // "wireless"
    Hra = 5,                  // "hra" (IPsec health registration authority)
    Hcap = 6,                 // "hcap" (Cisco NAC interop)
};
[[nodiscard]] std::string_view to_string(NasType t) noexcept;

// [server]
struct ServerSettings {
    LogLevel log_level = LogLevel::info;
    unsigned workers = 0;  // request threads; 0: one per CPU it may run on (NapServer::start)
    // How long an SHV may take to answer (nap-api.md §14.1: 2000 ms, one value for all SHVs).
    std::chrono::milliseconds shv_timeout{2000};
    std::string name;  // empty: the host name, found at run time (INapServerInfo)
    std::string description = "OpenNAP health policy server";
    friend bool operator==(const ServerSettings&, const ServerSettings&) = default;
};

// [[radius.client]]
struct RadiusClient {
    std::string name;
    Prefix prefix;       // the address or block the requests come from
    std::string secret;  // the shared secret (from `secret`, or read from `secret_file`)
    // As configured ("" for an inline secret). parse_config() without a SecretReader leaves
    // `secret` empty for these; load_config() always reads them.
    std::string secret_file;
    bool require_message_authenticator = true;
    std::optional<NasType> nas_type;  // a hint for requests that carry no NAS type
    friend bool operator==(const RadiusClient&, const RadiusClient&) = default;
};

// The RADIUS clients indexed by prefix: for each prefix length in use (longest first), the
// masked address -> client index. find_client() does one hash lookup per length.
struct ClientIndex {
    using Key = std::array<std::uint8_t, 16>;  // the masked address bytes
    struct KeyHash {
        [[nodiscard]] std::size_t operator()(const Key& k) const noexcept;
    };
    struct Level {
        std::uint8_t length = 0;
        std::unordered_map<Key, std::uint32_t, KeyHash> clients;
        friend bool operator==(const Level&, const Level&) = default;
    };
    std::vector<Level> v4;  // longest first
    std::vector<Level> v6;
    friend bool operator==(const ClientIndex&, const ClientIndex&) = default;
};

// [radius]
struct RadiusSettings {
    std::vector<Endpoint> listen{Endpoint{IpAddress::v4(127, 0, 0, 1), 1812}};
    std::uint32_t max_packets_per_second = 0;  // 0: no limit
    // How long a reply is kept to answer a retransmitted request again (RFC 5080 §2.2.2).
    std::chrono::milliseconds duplicate_cache{10000};
    std::vector<RadiusClient> clients;
    ClientIndex index;  // compiled from `clients`
    friend bool operator==(const RadiusSettings&, const RadiusSettings&) = default;
};

// [audit]
enum class AuditStore : std::uint8_t { sqlite, postgresql };
struct AuditSettings {
    AuditStore store = AuditStore::sqlite;
    std::string sqlite_path = "/var/lib/opennap/audit.db";
    std::string postgresql;  // libpq conninfo; required when store is postgresql
    std::uint32_t batch_size = 1000;
    std::chrono::milliseconds flush_interval{1000};
    friend bool operator==(const AuditSettings&, const AuditSettings&) = default;
};

// [metrics]: Prometheus text exposition; off unless `listen` is set.
struct MetricsSettings {
    std::optional<Endpoint> listen;
    friend bool operator==(const MetricsSettings&, const MetricsSettings&) = default;
};

// [[shv]]
enum class ShvKind : std::uint8_t {
    wsha,    // the built-in Windows Security Health Validator (include/opennap/shvs/wshv.h)
    plugin,  // a shared object implementing the SHV API
    linux,   // the built-in validator of OpenNAP's Linux SHA (include/opennap/shvs/linux_shv.h)
};
[[nodiscard]] std::string_view to_string(ShvKind k) noexcept;

struct ShvConfig {
    SystemHealthEntityId id = 0;
    ShvKind kind = ShvKind::wsha;
    std::string name;
    std::string plugin;  // absolute path of the .so (kind plugin only)
    // How a Failure-Category answer maps to compliance (nap-api.md §6.1): the SDK's mapping for
    // categories 1-5 (default: all non-compliant), plus failureCategoryNone, which the SDK has
    // no slot for (default: compliant -- "none" means no failure).
    FailureCategoryMapping mapping{};
    bool none_compliant = true;
    std::shared_ptr<const ShvSettingsTable> settings;  // never null

    // The mapping's verdict for `category` (None -> none_compliant; invalid -> false).
    [[nodiscard]] bool compliant_for(FailureCategory category) const noexcept;
    friend bool operator==(const ShvConfig& a, const ShvConfig& b);
};

// [[health_policy]] condition over its SHVs. The first four are NPS's (SHV_COMBINATION_TYPE);
// pass / fail / undecided combine the per-SHV verdicts with a strongSwan-style rule (Combine).
// See docs/server-config.md for the exact semantics.
enum class HealthCondition : std::uint8_t {
    passes_all,          // "passes-all": every SHV passes
    fails_all,           // "fails-all": every SHV fails
    passes_one_or_more,  // "passes-one-or-more"
    fails_one_or_more,   // "fails-one-or-more"
    transitional,        // "transitional": one or more SHVs report the client in transition
    infected,            // "infected": one or more SHVs report it infected
    unknown,             // "unknown": one or more SHVs could not determine its health
    unavailable,         // "unavailable": one or more SHVs did not answer (timeout, not loaded)
    not_nap_capable,     // "not-nap-capable": the request carried no (usable) SoH
    pass,                // "pass": the combined verdict is pass
    fail,                // "fail": the combined verdict is fail
    undecided,           // "undecided": the combined verdict is undecided
};
[[nodiscard]] std::string_view to_string(HealthCondition c) noexcept;

// How per-SHV verdicts combine for pass / fail / undecided (strongSwan's TNC
// recommendation_policy): default = the most restrictive verdict wins (fail if any fails),
// any = the least restrictive wins (pass if any passes), all = unanimity (pass if all pass,
// fail if all fail, undecided otherwise). No SHVs at all: undecided under every rule.
enum class Combine : std::uint8_t { default_, any, all };
[[nodiscard]] std::string_view to_string(Combine c) noexcept;

struct HealthPolicy {
    std::string name;
    HealthCondition condition = HealthCondition::passes_all;
    Combine combine = Combine::default_;
    // Indices into ServerConfig::shvs (the `shvs` ids, resolved); every configured SHV when the
    // key is absent.
    std::vector<std::uint8_t> shvs;
    friend bool operator==(const HealthPolicy&, const HealthPolicy&) = default;
};

// [[network_policy]] grant.
enum class Grant : std::uint8_t { full, probation, restricted, deny };
[[nodiscard]] std::string_view to_string(Grant g) noexcept;

inline constexpr std::uint32_t kNoIndex = 0xFFFFFFFF;

struct NetworkPolicy {
    std::string name;
    // Conditions; an empty list (or absent health policy) matches everything. All must match.
    std::vector<NasType> nas_types;
    std::vector<std::uint32_t> radius_clients;  // indices into RadiusSettings::clients
    std::vector<Prefix> client_addresses;       // the RADIUS client's (packet source) address
    std::vector<Prefix> nas_addresses;          // NAS-IP-Address / NAS-IPv6-Address
    std::vector<Glob> machine_names;            // MS-MachineName from the SoH
    std::uint32_t health_policy = kNoIndex;     // index into ServerConfig::health_policies
    // Grant.
    Grant grant = Grant::deny;
    std::optional<FileTime> probation_until;            // absolute end of probation, or
    std::optional<std::chrono::seconds> probation_for;  // probation length from "now"
    std::uint32_t remediation_group = kNoIndex;  // index into ServerConfig::remediation_groups
    std::string help_url;
    bool auto_remediation = false;
    std::optional<ExtendedIsolationState> extended_state;  // overrides the derived one
    // RADIUS reply extras, for any grant but deny.
    std::optional<std::uint32_t> session_timeout;  // seconds (Session-Timeout)
    std::string filter_id;                         // Filter-Id
    std::string vlan;                              // Tunnel-Private-Group-Id (RFC 3580 VLAN)
    friend bool operator==(const NetworkPolicy&, const NetworkPolicy&) = default;
};

// [[remediation_server_group]]
struct RemediationServer {
    IpAddress address;
    std::string name;  // optional, for logs and the help page
    friend bool operator==(const RemediationServer&, const RemediationServer&) = default;
};
struct RemediationServerGroup {
    std::string name;
    std::vector<RemediationServer> servers;
    friend bool operator==(const RemediationServerGroup&, const RemediationServerGroup&) = default;
};

struct ServerConfig {
    ServerSettings server;
    RadiusSettings radius;
    AuditSettings audit;
    MetricsSettings metrics;
    std::vector<ShvConfig> shvs;
    std::vector<HealthPolicy> health_policies;
    std::vector<NetworkPolicy> network_policies;  // in order: the first match wins
    std::vector<RemediationServerGroup> remediation_groups;
    // Set by load_config() when the file does not exist and this is default_config().
    bool defaults_used = false;
    friend bool operator==(const ServerConfig&, const ServerConfig&) = default;

    // Index of the SHV with `id`, or kNoIndex.
    [[nodiscard]] std::uint32_t shv_index(SystemHealthEntityId id) const noexcept;
};

// Reads a secret file for `radius.client[].secret_file`: the file's bytes, or a message
// ("cannot open: Permission denied").
class SecretReader {
  public:
    virtual ~SecretReader() = default;
    [[nodiscard]] virtual std::expected<std::string, std::string> read(
        const std::string& path) const = 0;
};

// Reads files from the file system (what load_config() uses).
class FileSecretReader final : public SecretReader {
  public:
    [[nodiscard]] std::expected<std::string, std::string> read(
        const std::string& path) const override;
};

struct ParseOptions {
    // Null: secret files are not read (RadiusClient::secret stays empty for them).
    const SecretReader* secrets = nullptr;
    // Checks the settings table of every [[shv]] with kind "wsha" (shvs::wshv::settings_check()).
    // Empty: the table is only required to be a table.
    ShvSettingsCheck wsha_settings;
    // The same for kind "linux" (shvs::linux_shv::settings_check()).
    ShvSettingsCheck linux_settings;
};

// The embedded configuration used when the file does not exist (a loopback demo):
// packaging/server.toml, embedded at build time.
extern const std::string_view kDefaultConfigText;

// kDefaultConfigText, parsed. Its SHV settings tables are not checked (no hook is passed).
[[nodiscard]] ServerConfig default_config();

// Parses and checks `toml_text`; `source_name` is used in error messages only. The first error.
[[nodiscard]] std::expected<ServerConfig, ConfigError> parse_config(
    std::string_view toml_text, std::string_view source_name, const ParseOptions& options = {});

// Every mistake in `toml_text`, sorted by line and column; empty when it is valid.
[[nodiscard]] std::vector<ConfigError> check_config(std::string_view toml_text,
                                                    std::string_view source_name,
                                                    const ParseOptions& options = {});

// Reads and parses the file, reading secret files with a FileSecretReader (options.secrets is
// ignored). A file that does not exist gives default_config() with defaults_used = true; a file
// that exists but cannot be read is an error (line 0).
[[nodiscard]] std::expected<ServerConfig, ConfigError> load_config(
    const std::filesystem::path& path, const ParseOptions& options = {});

// The RADIUS client whose prefix contains `ip` (an IPv4-mapped IPv6 address is looked up as IPv4);
// the longest prefix wins. Null when none does. Pure; allocates nothing.
[[nodiscard]] const RadiusClient* find_client(const ServerConfig& config,
                                              const IpAddress& ip) noexcept;

}  // namespace opennap::policy
