// The SoHR builder (include/opennap/policy/sohr.h).
#include "opennap/policy/sohr.h"

#include <algorithm>
#include <utility>

#include "opennap/soh/attributes.h"
#include "opennap/soh/system_soh.h"

namespace opennap::policy {

std::optional<SohrEcho> SohrEcho::from(const soh::MessageView& request) noexcept {
    SohrEcho echo;
    if (request.mode) {
        std::copy(request.mode->correlation_id.begin(), request.mode->correlation_id.end(),
                  echo.correlation_id.begin());
        echo.mode_sub_header = true;
        return echo;
    }
    if (request.system.correlation_id) {
        std::copy(request.system.correlation_id->begin(), request.system.correlation_id->end(),
                  echo.correlation_id.begin());
        echo.mode_sub_header = false;
        return echo;
    }
    return std::nullopt;
}

std::optional<SohrContent> SohrContent::from(const Decision& decision,
                                             std::span<const SystemHealthEntityId> installed_shvs) {
    if (decision.access == Access::deny) {
        return std::nullopt;
    }
    SohrContent c;
    c.isolation_state = decision.isolation_state;
    c.extended_state = decision.extended_state;
    c.fixup = decision.fixup;
    c.probation_end = decision.probation_end;
    c.url = decision.help_url;
    c.fixup_servers = decision.remediation_servers;
    c.installed_shvs.assign(installed_shvs.begin(), installed_shvs.end());
    return c;
}

std::uint16_t quarantine_flags(const SohrContent& content) noexcept {
    std::uint16_t flags =
        soh::quarantine_flags::make(static_cast<std::uint8_t>(content.isolation_state),
                                    static_cast<std::uint8_t>(content.extended_state));
    if (content.fixup) {
        flags = static_cast<std::uint16_t>(flags | soh::quarantine_flags::kFBit);
    }
    return flags;
}

soh::Message make_sohr(const SohrContent& content, const SohrEcho& echo,
                       std::span<const soh::ReportEntry> shv_responses) {
    soh::Message m;
    if (echo.mode_sub_header) {
        m.mode = soh::ModeSubHeader{};
        m.mode->correlation_id = echo.correlation_id;
        m.mode->intent = soh::kIntentResponse;
        m.mode->content_type = 0;
    }
    auto& sys = m.system.items;
    sys.reserve(4);  // at most the four below
    sys.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    sys.emplace_back(soh::MsCorrelationId{echo.correlation_id});
    std::string url = content.url;
    url.push_back('\0');
    const bool probation = content.isolation_state == IsolationState::InProbation;
    sys.emplace_back(soh::QuarantineState{
        quarantine_flags(content),
        probation && content.probation_end ? *content.probation_end : FileTime{FileTime::kNone},
        std::move(url)});
    if (!content.installed_shvs.empty()) {
        sys.emplace_back(soh::InstalledShvs{content.installed_shvs});
    }
    std::vector<std::array<std::uint8_t, 4>> v4;
    std::vector<std::array<std::uint8_t, 16>> v6;
    v4.reserve(content.fixup_servers.size());
    for (const IpAddress& ip : content.fixup_servers) {
        const IpAddress a = ip.unmapped();
        if (a.is_v4()) {
            v4.push_back({a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]});
        } else {
            v6.push_back(a.bytes);
        }
    }
    if (!v4.empty()) {
        m.system_extra.push_back(soh::attr::make_ipv4_fixup_servers(v4));
    }
    if (!v6.empty()) {
        m.system_extra.push_back(soh::attr::make_ipv6_fixup_servers(v6));
    }
    m.entries.assign(shv_responses.begin(), shv_responses.end());
    return m;
}

soh::Result<std::vector<std::uint8_t>> build_sohr(const SohrContent& content, const SohrEcho& echo,
                                                  std::span<const soh::ReportEntry> shv_responses,
                                                  std::size_t max_size) {
    return soh::encode(make_sohr(content, echo, shv_responses), max_size);
}

}  // namespace opennap::policy
