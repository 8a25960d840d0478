#include "opennap/shas/health_agents.h"

#include <cstdio>

#include "opennap/checks/linux_sha_map.h"
#include "opennap/core/endian.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/linux_soh.h"
#include "opennap/soh/nap_soh.h"
#include "opennap/soh/wsha.h"

namespace opennap::shas {

namespace {

std::size_t index(Which w) {
    return static_cast<std::size_t>(w);
}

std::string hex32(std::uint32_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "0x%08X", v);
    return b;
}

SoH build_wsha(const checks::Report& r, const ShaOptions& o, std::uint32_t counter) {
    checks::WshaMapOptions m = o.wsha;
    m.counter = counter;
    soh::ReportEntry e = soh::wsha::build_soh_entry(r.wsha_entry(m));
    e.id = o.security_center_id;
    return soh::to_soh(e);
}

// What a Linux operator does about a WSHV code, per class (the WSHV's codes speak of Windows).
std::string_view linux_action(soh::wsha::HealthClass cls, std::uint32_t code) {
    using soh::wsha::HealthClass;
    namespace c = soh::wsha::compliance;
    namespace st = soh::wsha::status;
    const bool stale = code == c::kProductNotUpToDate || code == c::kThirdPartyProductNotUpToDate;
    switch (cls) {
        case HealthClass::Firewall:
            return "load an nftables ruleset whose input chain drops by default (policy drop), "
                   "or enable ufw / firewalld";
        case HealthClass::Antivirus:
        case HealthClass::Antispyware:
            if (stale)
                return "update the ClamAV signatures (freshclam, clamav-freshclam.service)";
            if (code == st::kProductNotInstalled)
                return "install clamav-daemon and clamav-freshclam";
            return "start clamav-daemon.service";
        case HealthClass::AutomaticUpdates:
            return "install unattended-upgrades and set APT::Periodic::Update-Package-Lists and "
                   "Unattended-Upgrade to \"1\" (dpkg-reconfigure unattended-upgrades)";
        case HealthClass::SecurityUpdates:
            if (code == st::kUpdatesRequireReboot)
                return "reboot to finish installing updates";
            return "apt update, then apt upgrade the pending security updates";
    }
    return "";
}

}  // namespace

std::string_view to_string(Which w) noexcept {
    return w == Which::SecurityCenter ? "security-center" : "linux";
}

std::vector<std::string> wsha_hints(const SoH& response, bool& compliant, std::string& error) {
    std::vector<std::string> hints;
    soh::ReportEntry e = soh::to_entry(response);
    e.id = soh::wsha::kSystemHealthId;  // the layout is the WSHA's under either id
    compliant = false;
    auto parsed = soh::wsha::parse_sohr_entry(e);
    if (!parsed) {
        // An answer without classes: the WSHV's whole-SoH codes (NAP_E_MISSING_SOH, ...).
        if (const soh::Attribute* a = e.find(soh::tlv_type::kComplianceResultCodes)) {
            if (auto codes = soh::attr::compliance_result_codes(a->view()); codes) {
                compliant = !codes->empty();
                for (std::size_t i = 0; i < codes->size(); ++i) {
                    if (codes->u32(i) != 0) {
                        compliant = false;
                        hints.push_back("security center: the server answered " +
                                        hex32(codes->u32(i)));
                    }
                }
                return hints;
            }
        }
        error = parsed.error().message();
        return hints;
    }
    compliant = parsed->compliant();
    for (const auto& c : parsed->classes) {
        for (std::uint32_t code : c.codes) {
            if (code == soh::wsha::compliance::kOk)
                continue;
            std::string h(soh::wsha::to_string(c.cls));
            h += ": " + soh::wsha::code_to_string(code);
            const std::string_view meaning = soh::wsha::code_message(code);
            if (!meaning.empty()) {
                h += ": ";
                h += meaning;
            }
            const std::string_view action = linux_action(c.cls, code);
            if (!action.empty()) {
                h += "; ";
                h += action;
            }
            hints.push_back(std::move(h));
        }
    }
    return hints;
}

class HealthAgents::Callback final : public agent::HealthAgentCallback {
  public:
    Callback(HealthAgents& owner, Which which) : owner_(owner), which_(which) {}

    agent::Status get_soh_request(agent::ShaRequest& request) override {
        return request.set_soh_request(owner_.soh(which_), /*cache_soh_for_later_use=*/true);
    }
    agent::Status process_soh_response(agent::ShaRequest& request) override {
        auto response = request.soh_response();
        if (!response)
            return response.error();
        return owner_.process_response(which_, *response, request.response_flags());
    }
    agent::Status notify_system_isolation_state_change() override { return hr::S_OK; }
    agent::Result<FixupInfo> get_fixup_info() override {
        if (which_ == Which::Linux) {
            return FixupInfo{};  // the Linux SHA has no fix-ups: nothing to do
        }
        return owner_.fixup_info();
    }
    agent::Status notify_orphaned_soh_request(const CorrelationId&) override { return hr::S_OK; }

  private:
    HealthAgents& owner_;
    Which which_;
};

HealthAgents::HealthAgents(ShaOptions options, std::unique_ptr<checks::FixupRunner> fixups,
                           LogSink log)
    : options_(std::move(options)), fixups_(std::move(fixups)), log_(std::move(log)) {
    callbacks_[0] = std::make_shared<Callback>(*this, Which::SecurityCenter);
    callbacks_[1] = std::make_shared<Callback>(*this, Which::Linux);
    // Until the first measurement: an SoH that says only who is speaking.
    for (Which w : {Which::SecurityCenter, Which::Linux}) {
        soh::ReportEntry e;
        e.id = id(w);
        soh_[index(w)] = soh::to_soh(e);
    }
}

HealthAgents::~HealthAgents() = default;

std::uint32_t HealthAgents::id(Which w) const noexcept {
    return w == Which::SecurityCenter ? options_.security_center_id : options_.linux_id;
}

std::pair<bool, bool> HealthAgents::update(const checks::Report& report) {
    const SoH linux_soh = soh::to_soh(soh::linux_sha::encode_soh(
        checks::to_linux_soh(report, options_.linux_id, options_.version)));
    std::lock_guard lock(mutex_);
    // The WSHA entry without the counter change decides whether it changed.
    SoH wsha = build_wsha(report, options_, options_.wsha.counter);
    const bool first = !have_;
    const bool wsha_changed = first || wsha != soh_[0];
    const bool linux_changed = first || linux_soh != soh_[1];
    if (wsha_changed && !first) {
        ++options_.wsha.counter;
        wsha = build_wsha(report, options_, options_.wsha.counter);
    }
    // Compare the next time against the entry at the current counter.
    soh_[0] = std::move(wsha);
    soh_[1] = linux_soh;
    have_ = true;
    return {wsha_changed, linux_changed};
}

SoH HealthAgents::soh(Which w) const {
    std::lock_guard lock(mutex_);
    return soh_[index(w)];
}

Decision HealthAgents::decision(Which w) const {
    std::lock_guard lock(mutex_);
    return decision_[index(w)];
}

std::uint64_t HealthAgents::responses(Which w) const {
    std::lock_guard lock(mutex_);
    return responses_[index(w)];
}

agent::Status HealthAgents::process_response(Which w, const SoH& response, std::uint8_t flags) {
    Decision d;
    d.received = true;
    std::optional<checks::FixupAction> fixup;
    if (w == Which::SecurityCenter) {
        std::string error;
        d.hints = wsha_hints(response, d.compliant, error);
        if (!error.empty()) {
            d.summary = "invalid response: " + error;
        }
        soh::ReportEntry e = soh::to_entry(response);
        e.id = soh::wsha::kSystemHealthId;
        if (auto parsed = soh::wsha::parse_sohr_entry(e)) {
            for (const auto& c : parsed->classes) {
                for (std::uint32_t code : c.codes) {
                    d.codes.push_back(code);
                    if (code == soh::wsha::compliance::kProductNotUpToDate ||
                        code == soh::wsha::compliance::kThirdPartyProductNotUpToDate)
                        fixup = checks::FixupAction::UpdateSignatures;
                    else if (code == soh::wsha::compliance::kSyncAndInstallUpdates && !fixup)
                        fixup = checks::FixupAction::UpdatePackageLists;
                }
            }
        }
    } else {
        auto answer = soh::linux_sha::decode_sohr(soh::to_entry(response));
        if (!answer) {
            d.summary = "invalid response: " + answer.error().message();
        } else {
            d.compliant = answer->compliant();
            if (answer->whole) {
                d.codes.push_back(*answer->whole);
                d.hints.push_back("linux: the server answered " + hex32(*answer->whole) +
                                  (*answer->whole == hr::NAP_E_MISSING_SOH.bits()
                                       ? " (no Linux SHA SoH reached it)"
                                       : ""));
            }
            for (const auto& a : answer->checks) {
                d.codes.push_back(soh::linux_sha::code_of(a.verdict).bits());
                for (const std::string& h : a.hints)
                    d.hints.push_back(soh::linux_sha::to_string(a.check) + ": " + h);
            }
        }
    }
    if (d.summary.empty())
        d.summary = d.compliant ? "compliant" : "non-compliant";
    {
        std::lock_guard lock(mutex_);
        decision_[index(w)] = d;
        ++responses_[index(w)];
    }
    if (log_) {
        log_(LogLevel::Info, std::string(to_string(w)) + " SHA " + hex32(id(w)) +
                                 ": decision: " + d.summary + " (" +
                                 std::to_string(d.hints.size()) + " remediation hints)");
        for (const std::string& h : d.hints)
            log_(LogLevel::Info, std::string(to_string(w)) + " SHA: remediation: " + h);
    }
    if (fixup && !d.compliant && (flags & shaFixup) != 0 && fixups_) {
        std::lock_guard lock(mutex_);
        auto started = fixups_->start(*fixup);
        if (log_) {
            if (started)
                log_(LogLevel::Info, "fix-up started: " + std::string(checks::to_string(*fixup)));
            else
                log_(LogLevel::Info, "fix-up " + std::string(checks::to_string(*fixup)) +
                                         " not started: " + started.error().to_string());
        }
    }
    // The answer was read (an unreadable one is logged): NAP_E_INVALID_PACKET tells the agent.
    return d.summary.starts_with("invalid") ? hr::NAP_E_INVALID_PACKET : hr::S_OK;
}

agent::Result<FixupInfo> HealthAgents::fixup_info() {
    std::lock_guard lock(mutex_);
    if (!fixups_)
        return FixupInfo{};
    return fixups_->info();
}

std::shared_ptr<agent::HealthAgentCallback> HealthAgents::callback(Which w) {
    return callbacks_[index(w)];
}

}  // namespace opennap::shas
