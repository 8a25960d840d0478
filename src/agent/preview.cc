// Agent::preview_soh_request(): the SSoH the agent would send now, for `napctl soh show`. Built
// the way Agent::get_soh_request (exchange.cc) builds a request, but read-only: no SHA is called,
// no cache, connection or correlation counter changes. The SSoH's pieces (the system part, the
// system-generated SoHs) are exchange.cc's (agent_impl.h).
#include "agent_impl.h"
#include "opennap/core/endian.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"
#include "opennap/soh/tlv.h"

namespace opennap::agent {

Result<NetworkSoH> Agent::preview_soh_request() const {
    const auto& im = *impl_;
    std::lock_guard lock(im.mu);
    const CorrelationId corr{Guid{}, im.clock->now()};

    // Per enabled SHA, in id order: its cached SoH, else a system-generated one. An unbound SHA
    // gets what get_soh_request gives it (NAP_E_NOT_INITIALIZED); a bound SHA without a cache
    // would be asked, which a preview does not do, so it shows NAP_E_NO_CACHED_SOH, the code the
    // agent sends when an SHA answers without an SoH and has none cached.
    std::vector<SoH> generated_sohs;
    std::vector<const SoH*> sohs;
    std::vector<SystemHealthEntityId> generated;
    generated_sohs.reserve(im.shas.size());
    for (const auto& [id, comp] : im.shas) {
        if (!comp.enabled)
            continue;
        if (auto d = im.sha_dyn.find(id); d != im.sha_dyn.end() && d->second.cache) {
            sohs.push_back(d->second.cache.get());
            continue;
        }
        auto bi = im.sha_bindings.find(id);
        const bool bound = bi != im.sha_bindings.end() && !bi->second.closing;
        generated_sohs.push_back(
            system_generated(id, FailureCategory::ClientComponent,
                             bound ? hr::NAP_E_NO_CACHED_SOH : hr::NAP_E_NOT_INITIALIZED));
        sohs.push_back(&generated_sohs.back());
        generated.push_back(id);
    }

    auto base = soh::encode(build_system_part(im, corr, generated));
    if (!base || base->size() > maxProtocolMaxSize)
        return fail(hr::NAP_E_MAXSIZE_TOO_SMALL);
    std::vector<std::uint8_t> bytes = std::move(*base);
    std::size_t entries = 0;
    for (const SoH* s : sohs) {
        std::size_t n = 0;
        for (const SoHAttribute& a : s->attributes)
            n += soh::kTlvHeaderSize + a.value.size();
        // As on a connection of the largest size: what does not fit is left out.
        if (bytes.size() + n > maxProtocolMaxSize || entries >= maxSystemHealthEntityCount)
            continue;
        for (const SoHAttribute& a : s->attributes)
            soh::append_tlv(bytes, a.type, a.value);
        ++entries;
    }
    // Outer and inner lengths for the appended entries (bytes.size() <= 0xFFFF, checked above).
    store_be16(bytes.data() + 2, static_cast<std::uint16_t>(bytes.size() - 4));
    store_be16(bytes.data() + 10,
               static_cast<std::uint16_t>(bytes.size() - soh::kMessageHeaderSize));
    return NetworkSoH{std::move(bytes)};
}

}  // namespace opennap::agent
