#include "sample_server.h"

#include <utility>

#include "opennap/core/nap_types.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace opennap::examples {

namespace {

constexpr std::uint8_t kIsolationNotRestricted = 1;
constexpr std::uint8_t kIsolationRestrictedAccess = 3;
constexpr std::uint8_t kExtendedNoData = 0;

}  // namespace

std::expected<ServerDecision, std::string> evaluate_soh_request(
    std::span<const std::uint8_t> soh_request) {
    const auto view = soh::decode(Bytes(soh_request.data(), soh_request.size()));
    if (!view)
        return std::unexpected(std::string("undecodable SoH"));
    const soh::Message request = soh::Message::from(*view);
    if (!request.is_request())
        return std::unexpected(std::string("not an SoH request"));
    const auto correlation = request.correlation_id();
    if (!correlation)
        return std::unexpected(std::string("SoH request without a correlation id"));

    // The sample SHV: look for the sample SHA's entry and its firewall byte.
    bool healthy = false;
    for (const soh::ReportEntry& entry : request.entries) {
        if (entry.id != kSampleShaId)
            continue;
        const soh::Attribute* a =
            entry.find(static_cast<std::uint16_t>(SoHAttributeType::VendorSpecific));
        if (a == nullptr)
            break;
        const auto vs = soh::attr::vendor_specific(a->view());
        healthy =
            vs && vs->vendor_id == kSampleShaId && !vs->data.empty() && vs->data[0] == kFirewallOn;
    }

    soh::Message response;
    response.mode = soh::ModeSubHeader{};
    response.mode->intent = soh::kIntentResponse;
    response.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    response.set_correlation_id(*correlation);  // mode sub-header and MS-CorrelationId
    soh::QuarantineState q;
    if (healthy) {
        q.flags = soh::quarantine_flags::make(kIsolationNotRestricted, kExtendedNoData);
    } else {
        q.flags = soh::quarantine_flags::make(kIsolationRestrictedAccess, kExtendedNoData) |
                  soh::quarantine_flags::kFBit;  // the client may auto-remediate
        q.url = kRemediationUrl;
    }
    q.url.push_back('\0');
    response.system.items.emplace_back(std::move(q));

    const std::uint32_t code = healthy ? kCompliant : kNonCompliantFirewall;
    soh::ReportEntry entry{kSampleShaId, {}};
    entry.attributes.push_back(
        soh::attr::make_compliance_result_codes(std::span<const std::uint32_t>(&code, 1)));
    response.entries.push_back(std::move(entry));

    auto bytes = soh::encode(response);
    if (!bytes)
        return std::unexpected(std::string("SoHR encoding failed"));
    return ServerDecision{healthy, std::move(*bytes)};
}

}  // namespace opennap::examples
