#include "opennap/agent/soh_response.h"

#include <algorithm>

#include <fmt/format.h>

namespace opennap::agent {

namespace {

Result<SoHResponseDecision> invalid(std::string* why, std::string text) {
    if (why != nullptr)
        *why = std::move(text);
    return fail(hr::NAP_E_INVALID_PACKET);
}

}  // namespace

Result<SoHResponseDecision> evaluate_soh_response(const soh::MessageView& view,
                                                  const CorrelationId& expected, std::string* why) {
    std::optional<std::array<std::uint8_t, CorrelationId::kWireSize>> got;
    if (view.mode) {
        got.emplace();
        std::copy(view.mode->correlation_id.begin(), view.mode->correlation_id.end(), got->begin());
    } else if (view.system.correlation_id) {
        got.emplace();
        std::copy(view.system.correlation_id->begin(), view.system.correlation_id->end(),
                  got->begin());
    }
    if (!got)
        return invalid(why, "SoH response without a correlation id dropped");
    if (*got != expected.to_bytes()) {
        if (why != nullptr) {
            *why = fmt::format(
                "a packet was received with an unexpected correlation of {} "
                "instead of {}",
                CorrelationId::from_bytes(*got).to_string(), expected.to_string());
        }
        return fail(hr::NAP_E_MISMATCHED_ID);
    }
    const auto& q = view.system.quarantine_state;
    if (!q)
        return invalid(why, "SoH response without MS-Quarantine-State dropped");
    const auto state =
        static_cast<IsolationState>(soh::quarantine_flags::isolation_state(q->flags));
    const auto ext =
        static_cast<ExtendedIsolationState>(soh::quarantine_flags::extended_state(q->flags));
    if (!is_valid(state) || !is_valid(ext))
        return invalid(
            why, fmt::format("SoH response with quarantine flags 0x{:04X} dropped", q->flags));
    std::string url(reinterpret_cast<const char*>(q->url.data()), q->url.size());
    while (!url.empty() && url.back() == '\0')
        url.pop_back();
    SoHResponseDecision d;
    d.isolation = IsolationInfoEx{
        state, ext, q->probation_time.ticks == FileTime::kNone ? FileTime{} : q->probation_time,
        utf8_to_utf16(url)};
    if (!d.isolation->is_valid())
        return invalid(why, "SoH response with an invalid remediation URL dropped");
    d.fixup_allowed = (q->flags & soh::quarantine_flags::kFBit) != 0;
    if (view.system.installed_shvs && !view.system.installed_shvs->empty()) {
        std::vector<SystemHealthEntityId> ids;
        ids.reserve(view.system.installed_shvs->size());
        for (std::size_t i = 0; i < view.system.installed_shvs->size(); ++i)
            ids.push_back(view.system.installed_shvs->u32(i));
        d.installed_shvs = std::move(ids);
    }
    return d;
}

Result<SoHResponseDecision> evaluate_soh_response(std::span<const std::uint8_t> bytes,
                                                  const CorrelationId& expected, std::string* why) {
    if (bytes.empty())
        return SoHResponseDecision{};
    auto view = soh::decode(bytes, {.expect = soh::Direction::Response});
    if (!view)
        return invalid(why, "invalid SoH response dropped: " + view.error().message());
    return evaluate_soh_response(*view, expected, why);
}

}  // namespace opennap::agent
