#include "sample_nps.h"

#include <chrono>
#include <future>

#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

namespace opennap::examples {

const char* to_string(SampleClient c) {
    switch (c) {
        case SampleClient::FirewallOn:
            return "firewall on";
        case SampleClient::FirewallOff:
            return "firewall off";
        case SampleClient::NoSha:
            return "no sample SHA";
        case SampleClient::ShaFailed:
            return "sample SHA failed";
    }
    return "?";
}

std::expected<SampleVerdict, std::string> validate_sample_client(server::ShvHost& host,
                                                                 std::uint32_t shv,
                                                                 SampleClient client) {
    // The SSoH, as the client's NAP agent would build it.
    soh::Message m;
    const CorrelationId corr{
        Guid{0x5E3F3C8A,
             0x7A1B,
             0x4C55,
             {0x9B, 0x2E, 0x0D, 0x1F, 0x6A, 0x7C, 0x8B, static_cast<std::uint8_t>(client)}},
        FileTime::now()};
    m.mode = soh::ModeSubHeader{};
    m.mode->correlation_id = corr.to_bytes();
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoRequest});
    m.system.items.emplace_back(soh::MachineName{std::string("sample-client") + '\0'});
    m.system.items.emplace_back(soh::MsCorrelationId{corr.to_bytes()});
    soh::ReportEntry e;
    e.id = shv;
    if (client == SampleClient::FirewallOn || client == SampleClient::FirewallOff) {
        const std::uint8_t firewall[1] = {client == SampleClient::FirewallOn ? std::uint8_t{1}
                                                                             : std::uint8_t{0}};
        e.attributes.push_back(soh::attr::make_vendor_specific(shv, Bytes(firewall, 1)));
        m.entries.push_back(e);
    } else if (client == SampleClient::ShaFailed) {
        e.attributes.push_back(soh::attr::make_failure_category(2));
        const std::uint32_t code = hr::NAP_E_NOT_INITIALIZED.bits();
        e.attributes.push_back(
            soh::attr::make_error_codes(std::span<const std::uint32_t>(&code, 1)));
        m.entries.push_back(e);
        m.system.items.emplace_back(soh::SystemGeneratedIds{{shv}});
    }
    auto bytes = soh::encode(m);
    if (!bytes)
        return std::unexpected("cannot encode the SSoH: " + bytes.error().message());
    // What the RADIUS front-end does with an MS-Quarantine-SoH: decode, then validate.
    auto view = soh::decode(*bytes, {.expect = soh::Direction::Request});
    if (!view)
        return std::unexpected("cannot decode the SSoH: " + view.error().message());
    std::promise<server::ValidationResult> done;
    auto result = done.get_future();
    const server::Status s =
        host.validate(server::ValidationInput::from(*view),
                      [&done](server::ValidationResult&& r) { done.set_value(std::move(r)); });
    if (s.failed())
        return std::unexpected("validate: " + opennap::to_string(s));
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
        return std::unexpected("no result within 10 s");
    const server::ValidationResult r = result.get();
    for (const server::ShvOutcome& o : r.outcomes) {
        if (o.id != shv)
            continue;
        SampleVerdict v;
        v.compliant = o.verdict == server::Verdict::Compliant;
        v.kind = std::string(server::to_string(o.kind));
        for (HResult c : o.compliance_codes)
            v.codes.push_back(c.bits());
        if (o.failure_category)
            v.failure_category = static_cast<int>(*o.failure_category);
        return v;
    }
    return std::unexpected("no outcome for the sample SHV");
}

}  // namespace opennap::examples
