#include "sample_sha.h"

#include <algorithm>
#include <vector>

#include "opennap/soh/attributes.h"
#include "sample_server.h"

namespace opennap::examples {

namespace {

constexpr std::chrono::milliseconds kFixupDuration{100};  // how long the pretend repair takes

SoHAttribute to_attribute(const soh::Attribute& a) {
    return SoHAttribute{a.type, a.value};
}

}  // namespace

SoH SampleSha::build_soh() const {
    std::lock_guard lock(mutex_);
    const std::uint8_t firewall = firewall_on_ ? kFirewallOn : kFirewallOff;
    SoH soh;
    soh.attributes.push_back(to_attribute(soh::attr::make_system_health_id(kSampleShaId)));
    soh.attributes.push_back(
        to_attribute(soh::attr::make_vendor_specific(kSampleShaId, Bytes(&firewall, 1))));
    return soh;
}

agent::Status SampleSha::get_soh_request(agent::ShaRequest& request) {
    SoH soh = build_soh();
    const bool on = soh.attributes[1].value.back() == kFirewallOn;
    const agent::Status status = request.set_soh_request(std::move(soh), /*cache=*/true);
    log(opennap::examples::format("  SHA: get_soh_request -> SoH says the firewall is {} ({})",
                                  on ? "on" : "off", to_string(status)));
    return status;
}

agent::Status SampleSha::process_soh_response(agent::ShaRequest& request) {
    const agent::Result<SoH> response = request.soh_response();
    if (!response)
        return response.error();
    // Our Compliance-Result-Codes attribute.
    const auto it = std::ranges::find(
        response->attributes, static_cast<std::uint16_t>(SoHAttributeType::ComplianceResultCodes),
        &SoHAttribute::type);
    if (it == response->attributes.end())
        return hr::NAP_E_INVALID_PACKET;
    const auto codes =
        soh::attr::compliance_result_codes(soh::TlvView{it->type, 0, Bytes(it->value), 0});
    if (!codes || codes->empty())
        return hr::NAP_E_INVALID_PACKET;
    const HResult compliance{codes->u32(0)};
    const bool fixup = (request.response_flags() & shaFixup) != 0;
    log(opennap::examples::format("  SHA: process_soh_response -> compliance {}, shaFixup {}",
                                  to_string(compliance), fixup ? "set" : "clear"));
    if (compliance.succeeded() || !fixup)
        return hr::S_OK;

    // Non-compliant and auto-remediation allowed: repair on another thread (callbacks must not
    // block).
    std::lock_guard lock(mutex_);
    if (fixup_thread_.joinable())
        return hr::S_OK;
    fixup_state_ = FixupState::InProgress;
    fixup_thread_ = std::jthread([this](std::stop_token stop) { fix_up(std::move(stop)); });
    log("  SHA: starting fix-up (turning the firewall on)");
    return hr::S_OK;
}

void SampleSha::fix_up(std::stop_token stop) {
    {
        std::unique_lock lock(mutex_);
        // The "work": bounded, and cut short by stop_fixup().
        (void)stop_signal_.wait_for(lock, stop, kFixupDuration, [] { return false; });
        if (stop.stop_requested()) {
            fixup_state_ = FixupState::CouldNotUpdate;
            return;
        }
        firewall_on_ = true;
        fixup_state_ = FixupState::Success;
    }
    log("  SHA: fix-up done, firewall is on; calling notify_soh_change");
    progress_.record(Milestone::Remediated);
    if (const agent::Status s = binding_->notify_soh_change(); s.failed())
        log(opennap::examples::format("  SHA: notify_soh_change failed: {}", to_string(s)));
}

void SampleSha::stop_fixup() {
    std::jthread thread;
    {
        std::lock_guard lock(mutex_);
        thread = std::move(fixup_thread_);
    }
    // ~jthread: request_stop() + join().
}

agent::Status SampleSha::notify_system_isolation_state_change() {
    const auto isolation = binding_->system_isolation_info();
    if (isolation)
        log(opennap::examples::format("  SHA: notify_system_isolation_state_change -> system is {}",
                                      to_string(isolation->info.isolation_state)));
    return hr::S_OK;
}

agent::Result<FixupInfo> SampleSha::get_fixup_info() {
    std::lock_guard lock(mutex_);
    FixupInfo info;
    info.state = fixup_state_;
    info.percentage = fixup_state_ == FixupState::InProgress ? 50 : 100;
    return info;
}

agent::Status SampleSha::notify_orphaned_soh_request(const CorrelationId&) {
    return hr::S_OK;
}

}  // namespace opennap::examples
