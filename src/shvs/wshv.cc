// The Windows Security Health Validator's checks (include/opennap/shvs/wshv.h; the rules and
// every CHOSEN point are in docs/server-config.md, "The built-in WSHV").
#include "opennap/shvs/wshv.h"

#include <algorithm>
#include <array>
#include <utility>

#include "opennap/core/hresult.h"
#include "opennap/core/nap_structs.h"
#include "opennap/core/nap_types.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/nap_soh.h"

namespace opennap::shvs::wshv {

namespace {

using namespace soh::wsha;
using namespace std::string_view_literals;

constexpr std::uint32_t kOk = compliance::kOk;

constexpr std::array<std::pair<std::string_view, std::uint32_t>, 5> kSeverities{{
    {"unspecified", updates_flag::kSeverityUnspecified},
    {"low", updates_flag::kSeverityLow},
    {"moderate", updates_flag::kSeverityModerate},
    {"important", updates_flag::kSeverityImportant},
    {"critical", updates_flag::kSeverityCritical},
}};

std::string_view severity_name(std::uint32_t bit) {
    for (const auto& [name, value] : kSeverities) {
        if (value == bit) {
            return name;
        }
    }
    return "?";
}

// ---- settings ----------------------------------------------------------------------------------

void product_settings(const toml::table& t, const std::string& key, policy::TomlChecker& checker,
                      ProductPolicy& out, bool signatures) {
    if (signatures) {
        checker.check_keys(t, key, {"required", "up_to_date", "allow_snoozed"});
        checker.boolean(t, key, "up_to_date", out.up_to_date);
    } else {
        checker.check_keys(t, key, {"required", "allow_snoozed"});
    }
    checker.boolean(t, key, "required", out.required);
    checker.boolean(t, key, "allow_snoozed", out.allow_snoozed);
}

// ---- hints -------------------------------------------------------------------------------------

std::string_view action(std::uint32_t code) {
    switch (code) {
        case compliance::kProductNotEnabled:
        case compliance::kThirdPartyProductNotEnabled:
            return "turn the product on";
        case compliance::kProductNotUpToDate:
        case compliance::kThirdPartyProductNotUpToDate:
            return "update its signatures";
        case status::kProductNotInstalled:
            return "install and enable a product of this class";
        case status::kWscServiceDown:
            return "start the Windows Security Center service";
        case status::kWscNotStartedSinceBoot:
        case status::kWuaNotStartedSinceBoot:
            return "wait until the service has started, then ask for a new health check";
        case compliance::kSyncAndInstallUpdates:
            return "scan for updates and install the missing ones";
        case status::kNoWusServer:
            return "configure the WSUS server the client uses";
        case status::kNoClientId:
            return "synchronise the client with its WSUS server";
        case status::kWuaServiceDisabled:
            return "enable the Windows Update service";
        case status::kWuaCommFailure:
            return "restart the Windows Update service";
        case status::kUpdatesRequireReboot:
            return "restart the computer to finish installing updates";
        case compliance::kWusShcFailure:
            return "the client's security-updates report could not be evaluated";
        case compliance::kBadUpdateSourceMu:
            return "get updates from Microsoft Update";
        case compliance::kBadUpdateSourceWuMu:
            return "get updates from Windows Update or Microsoft Update";
        case compliance::kBadUpdateSourceMuWsus:
            return "get updates from Microsoft Update or the WSUS server";
        case compliance::kNoUpdateSource:
            return "configure a source of updates";
        default:
            return "";
    }
}

std::string hint(HealthClass cls, std::uint32_t code, std::string_view product) {
    std::string out(to_string(cls));
    if (!product.empty()) {
        out += " \"";
        out += product;
        out += '"';
    }
    out += ": ";
    out += code_to_string(code);
    const std::string_view meaning = code_message(code);
    if (!meaning.empty()) {
        out += ": ";
        out += meaning;
    }
    const std::string_view what = action(code);
    if (!what.empty()) {
        out += "; ";
        out += what;
    }
    return out;
}

// ---- evaluation --------------------------------------------------------------------------------

class Evaluator {
  public:
    Evaluator(const Settings& s, Result& r, bool hints) : s_(s), r_(r), hints_(hints) {}

    void run(const SohEntry& e) {
        r_.classes.classes.reserve(e.classes.size());
        for (const ClassStatus& cs : e.classes) {
            switch (cs.cls) {
                case HealthClass::Firewall:
                    products(cs, s_.firewall, false);
                    break;
                case HealthClass::Antivirus:
                    products(cs, s_.antivirus, true);
                    break;
                case HealthClass::Antispyware:
                    products(cs, s_.antispyware, true);
                    break;
                case HealthClass::AutomaticUpdates:
                    automatic_updates(cs);
                    break;
                case HealthClass::SecurityUpdates:
                    security_updates(cs, e);
                    break;
            }
        }
    }

  private:
    // `codes` for `cls`; a hint for each of the first `hinted` codes that is not S_OK (the
    // security-updates class's second code is a severity mask, not a result).
    void add(HealthClass cls, std::vector<std::uint32_t> codes, bool failure_category,
             std::string_view product, std::size_t hinted = 2) {
        for (std::size_t i = 0; hints_ && i < codes.size() && i < hinted; ++i) {
            if (codes[i] != kOk) {
                r_.hints.push_back(hint(cls, codes[i], product));
            }
        }
        ClassResult cr;
        cr.cls = cls;
        cr.codes = std::move(codes);
        if (failure_category) {
            cr.failure_category = kFailureCategoryClientComponent;
        }
        r_.classes.classes.push_back(std::move(cr));
    }

    // Firewall (one code), antivirus and antispyware (two codes).
    void products(const ClassStatus& cs, const ProductPolicy& p, bool signatures) {
        const bool check_fresh = signatures && p.up_to_date;
        if (!p.required && !check_fresh) {
            add(cs.cls,
                signatures ? std::vector<std::uint32_t>{kOk, kOk} : std::vector<std::uint32_t>{kOk},
                false, {});
            return;
        }
        if (cs.products.size() == 1 && !cs.products.front().name &&
            is_error(cs.products.front().status)) {
            // No product: the status is the WSC's error code (3.3.5.2), echoed with Failure-
            // Category 2. CHOSEN: any error code is echoed (3.3.5.2 lists three), and a nameless
            // status that is not an error is evaluated as a product without a name, which is how
            // the compact layout (vector 08) reports every product (3.3.5.2 would abandon it).
            const std::uint32_t st = cs.products.front().status;
            add(cs.cls,
                signatures ? std::vector<std::uint32_t>{st, kOk} : std::vector<std::uint32_t>{st},
                true, {});
            return;
        }
        std::uint32_t c1 = kOk;
        std::uint32_t c2 = kOk;
        std::string name;
        for (const Product& prod : cs.products) {
            const std::uint32_t st = prod.status;
            const bool on = !p.required || (enabled(st) && (p.allow_snoozed || !snoozed(st)));
            const bool fresh = !check_fresh || up_to_date(st);
            const bool ms = microsoft_product(st);
            if (hints_)  // the name is only for the hint
                name = prod.name ? utf16_to_utf8(*prod.name) : std::string();
            if (on && fresh) {
                c1 = kOk;
                c2 = kOk;
                break;
            }
            // CHOSEN: when no product satisfies the policy, the last product's codes are sent
            // (3.3.5.2's product loop overwrites them with each product it reads).
            c1 = on ? kOk
                    : (ms ? compliance::kProductNotEnabled
                          : compliance::kThirdPartyProductNotEnabled);
            c2 = fresh ? kOk
                       : (ms ? compliance::kProductNotUpToDate
                             : compliance::kThirdPartyProductNotUpToDate);
        }
        add(cs.cls,
            signatures ? std::vector<std::uint32_t>{c1, c2} : std::vector<std::uint32_t>{c1}, false,
            name);
    }

    void automatic_updates(const ClassStatus& cs) {
        if (!s_.automatic_updates_required) {
            add(cs.cls, {kOk}, false, {});
            return;
        }
        const std::uint32_t st = cs.status().value_or(0);
        if (is_error(st)) {
            // CHOSEN: every error is echoed (3.3.5.2 names WSC down and not started); Failure-
            // Category 2 follows "not started since boot", written 0x00FF0008 in 3.3.5.2 and
            // 0xC0FF0018 in 2.2.9.2 -- both are taken.
            const bool not_started =
                st == status::kWscNotStartedSinceBoot || st == status::kWuaNotStartedSinceBoot;
            add(cs.cls, {st}, not_started, {});
            return;
        }
        add(cs.cls, {auto_updates_enabled(st) ? kOk : compliance::kProductNotEnabled}, false, {});
    }

    void security_updates(const ClassStatus& cs, const SohEntry& e) {
        const SecurityUpdatesPolicy& p = s_.security_updates;
        if (!p.required) {
            add(cs.cls, {kOk, kOk}, false, {});
            return;
        }
        std::uint32_t c1 = kOk;
        const std::uint32_t st = cs.status().value_or(0);
        if (st != status::kNoMissingUpdates && st != status::kMissingUpdates) {
            // CHOSEN: an error status is echoed (3.3.5.2); any other value cannot be evaluated
            // (echoing it would send 0 = S_OK for a status of 0).
            c1 = is_error(st) ? st : compliance::kWusShcFailure;
        } else if (!e.updates) {
            c1 = compliance::kWusShcFailure;  // TLVs 17-19 missing
        } else {
            const UpdateDetails& u = *e.updates;
            const std::uint32_t flag = u.updates_flag;
            // <15>: a Windows Vista (SP0) client with nothing missing reports no sources.
            const bool skip_sources = e.client_version == client_version::kWindowsVista &&
                                      st == status::kNoMissingUpdates;
            if (!skip_sources && (flag & updates_flag::kSourceWsus) != 0 && !p.allow_wsus) {
                c1 = p.allow_windows_update ? compliance::kBadUpdateSourceWuMu
                                            : compliance::kBadUpdateSourceMu;
            } else if (!skip_sources && (flag & updates_flag::kSourceWindowsUpdate) != 0 &&
                       !p.allow_windows_update) {
                // CHOSEN: the allowed sources are named (3.3.5.2 has the two codes swapped here).
                c1 = p.allow_wsus ? compliance::kBadUpdateSourceMuWsus
                                  : compliance::kBadUpdateSourceMu;
            } else if (!skip_sources && (flag & updates_flag::kSourceMask) == 0) {
                c1 = compliance::kNoUpdateSource;
            } else {
                if (std::chrono::seconds(u.seconds_since_last_sync) > p.max_since_sync) {
                    c1 = compliance::kSyncAndInstallUpdates;
                }
                // CHOSEN: updates of the minimum severity itself are required too (3.3.5.2
                // compares with ">", which would let a missing update of exactly the minimum
                // severity pass).
                const std::uint32_t at_or_above =
                    flag & updates_flag::kSeverityMask & ~(p.minimum_severity - 1);
                if (st == status::kMissingUpdates && at_or_above != 0) {
                    c1 = compliance::kSyncAndInstallUpdates;
                }
            }
        }
        const std::uint32_t c2 = c1 == kOk ? kOk : p.minimum_severity;
        add(cs.cls, {c1, c2}, false, {}, 1);
        if (c1 == compliance::kSyncAndInstallUpdates && !r_.hints.empty()) {
            r_.hints.back() += " (updates of severity " +
                               std::string(severity_name(p.minimum_severity)) +
                               " and above, last scan at most " +
                               std::to_string(p.max_since_sync.count() / 3600) + " hours ago)";
        }
    }

    const Settings& s_;
    Result& r_;
    bool hints_;
};

Result with_codes(std::uint32_t code, std::string hint_text) {
    Result r;
    const std::array<std::uint32_t, 1> codes{code};
    r.response =
        soh::ReportEntry{kSystemHealthId, {soh::attr::make_compliance_result_codes(codes)}};
    r.verdict = policy::ShvVerdict::from_codes(kSystemHealthId, {HResult{code}});
    r.hints.push_back(std::move(hint_text));
    return r;
}

// The agent built the entry because the WSHA failed: {System-Health-ID, Failure-Category,
// Error-Codes} (nap-api.md §11.3). Its category is echoed for the server's mapping.
template <typename Tlvs>
Result system_generated(const Tlvs& tlvs) {
    FailureCategory category = FailureCategory::ClientComponent;
    std::optional<std::uint32_t> error;
    for (const soh::TlvView& t : tlvs) {
        if (t.type == soh::tlv_type::kFailureCategory) {
            auto fc = soh::attr::failure_category(t);
            if (fc && is_valid(static_cast<FailureCategory>(*fc)) && *fc != 0) {
                category = static_cast<FailureCategory>(*fc);
            }
        } else if (t.type == soh::tlv_type::kErrorCodes) {
            auto codes = soh::attr::error_codes(t);
            if (codes && !codes->empty()) {
                error = codes->u32(0);
            }
        }
    }
    Result r;
    r.response = soh::ReportEntry{
        kSystemHealthId, {soh::attr::make_failure_category(static_cast<std::uint8_t>(category))}};
    r.verdict = policy::ShvVerdict::failed(kSystemHealthId, category);
    std::string h =
        "the Windows Security Health Agent did not report (the NAP agent answered for "
        "it: failure category " +
        std::string(to_string(category));
    if (error) {
        h += ", error " + to_string(HResult{*error});
    }
    h += ")";
    r.hints.push_back(std::move(h));
    return r;
}

Result evaluated(const Settings& settings, const SohEntry& e, Want want = Want::All) {
    Result r;
    Evaluator(settings, r, want == Want::All).run(e);
    r.response = build_sohr_entry(r.classes);
    if (want == Want::Response)
        return r;
    std::vector<HResult> codes;
    std::size_t n = 0;
    for (const ClassResult& c : r.classes.classes)
        n += c.codes.size();
    codes.reserve(n);
    bool client_error = false;
    for (const ClassResult& c : r.classes.classes) {
        for (std::uint32_t code : c.codes) {
            codes.emplace_back(code);
        }
        client_error = client_error || c.failure_category.has_value();
    }
    r.verdict = policy::ShvVerdict::from_codes(kSystemHealthId, std::move(codes));
    if (client_error) {
        r.verdict.failure = FailureCategory::ClientComponent;
    }
    return r;
}

Result invalid(const soh::DecodeError& error) {
    Result r =
        with_codes(hr::NAP_E_INVALID_PACKET.bits(),
                   "the Windows Security Health Agent's SoH is malformed: " + error.message());
    r.error = error;
    return r;
}

struct OwnedTlvs {
    const std::vector<soh::Attribute>& attrs;
    struct iterator {
        std::vector<soh::Attribute>::const_iterator it;
        soh::TlvView operator*() const noexcept { return it->view(); }
        iterator& operator++() noexcept {
            ++it;
            return *this;
        }
        friend bool operator==(const iterator&, const iterator&) = default;
    };
    [[nodiscard]] iterator begin() const noexcept { return {attrs.begin()}; }
    [[nodiscard]] iterator end() const noexcept { return {attrs.end()}; }
};

}  // namespace

// ---- settings ----------------------------------------------------------------------------------

void check_settings(const toml::table& t, std::string_view key, policy::TomlChecker& checker,
                    Settings& out) {
    checker.check_keys(
        t, key, {"firewall", "antivirus", "antispyware", "automatic_updates", "security_updates"});
    if (const toml::table* s = checker.table(t, key, "firewall")) {
        product_settings(*s, policy::dotted(key, "firewall"), checker, out.firewall, false);
    }
    if (const toml::table* s = checker.table(t, key, "antivirus")) {
        product_settings(*s, policy::dotted(key, "antivirus"), checker, out.antivirus, true);
    }
    if (const toml::table* s = checker.table(t, key, "antispyware")) {
        product_settings(*s, policy::dotted(key, "antispyware"), checker, out.antispyware, true);
    }
    if (const toml::table* s = checker.table(t, key, "automatic_updates")) {
        const std::string k = policy::dotted(key, "automatic_updates");
        checker.check_keys(*s, k, {"required"});
        checker.boolean(*s, k, "required", out.automatic_updates_required);
    }
    if (const toml::table* s = checker.table(t, key, "security_updates")) {
        const std::string k = policy::dotted(key, "security_updates");
        SecurityUpdatesPolicy& p = out.security_updates;
        checker.check_keys(*s, k,
                           {"required", "minimum_severity", "max_hours_since_sync",
                            "allow_windows_update", "allow_wsus"});
        checker.boolean(*s, k, "required", p.required);
        checker.one_of(*s, k, "minimum_severity", kSeverities, p.minimum_severity);
        std::int64_t hours = p.max_since_sync.count() / 3600;
        // MaxDurationSinceLastSync is at most 259200 s (72 h), [MS-WSH] 3.3.1.
        if (checker.integer64(*s, k, "max_hours_since_sync", hours, 1, 72)) {
            p.max_since_sync = std::chrono::hours(hours);
        }
        checker.boolean(*s, k, "allow_windows_update", p.allow_windows_update);
        checker.boolean(*s, k, "allow_wsus", p.allow_wsus);
    }
}

std::expected<Settings, std::vector<policy::ConfigError>> parse_settings(
    const policy::ShvSettingsTable& table) {
    return policy::parse_shv_settings<Settings>(table, check_settings);
}

policy::ShvSettingsCheck settings_check() {
    return policy::shv_settings_check<Settings>(check_settings);
}

// ---- validation --------------------------------------------------------------------------------

Result validate(const Settings& settings, const std::optional<soh::EntryView>& entry,
                bool system_generated_entry) {
    if (!entry) {
        return with_codes(hr::NAP_E_MISSING_SOH.bits(),
                          "the client sent no Windows Security Health Agent SoH; start the "
                          "Windows Security Health Agent (Security Center) on the client");
    }
    if (system_generated_entry) {
        return system_generated(entry->attributes);
    }
    auto parsed = parse_soh_entry(*entry);
    if (!parsed) {
        return invalid(parsed.error());
    }
    return evaluated(settings, *parsed);
}

Result validate(const Settings& settings, const soh::ReportEntry& entry,
                bool system_generated_entry) {
    if (system_generated_entry) {
        return system_generated(OwnedTlvs{entry.attributes});
    }
    auto parsed = parse_soh_entry(entry);
    if (!parsed) {
        return invalid(parsed.error());
    }
    return evaluated(settings, *parsed);
}

Result validate_as_wsha(const Settings& settings, const SoH& soh, bool system_generated_entry,
                        Want want) {
    if (system_generated_entry) {
        // Rare (the NAP agent answered for a WSHA that did not): the owned entry's path.
        return validate(settings, soh::to_entry(soh), true);
    }
    auto parsed = soh::wsha::parse_soh_entry_as_wsha(soh);
    if (!parsed) {
        return invalid(parsed.error());
    }
    return evaluated(settings, *parsed, want);
}

Result validate(const Settings& settings, const soh::MessageView& request) {
    const std::optional<soh::EntryView> entry = find_entry(request);
    bool generated = false;
    if (entry && request.system.system_generated_ids) {
        const auto& ids = *request.system.system_generated_ids;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            generated = generated || ids.u32(i) == kSystemHealthId;
        }
    }
    return validate(settings, entry, generated);
}

}  // namespace opennap::shvs::wshv
