// From an SHV's answer to a verdict (outcome.h; docs/shv.md).
#include "opennap/server/outcome.h"

#include "opennap/soh/attributes.h"
#include "opennap/soh/tlv.h"

namespace opennap::server {

std::string_view to_string(OutcomeKind k) noexcept {
    switch (k) {
        case OutcomeKind::Responded:
            return "responded";
        case OutcomeKind::InvalidResponse:
            return "invalid-response";
        case OutcomeKind::Failed:
            return "failed";
        case OutcomeKind::TimedOut:
            return "timed-out";
        case OutcomeKind::Unavailable:
            return "unavailable";
        case OutcomeKind::Discarded:
            return "discarded";
    }
    return "invalid";
}

std::string_view to_string(Verdict v) noexcept {
    switch (v) {
        case Verdict::Compliant:
            return "compliant";
        case Verdict::NonCompliant:
            return "non-compliant";
        case Verdict::None:
            return "none";
    }
    return "invalid";
}

ResponseAssessment assess_response(const SoH& response, const FailureCategoryMapping& mapping) {
    ResponseAssessment a;
    bool codes_seen = false;
    bool codes_malformed = false;
    bool category_malformed = false;
    // The first Failure-Category other than None, and whether any of them maps to non-compliant.
    std::optional<FailureCategory> first_category;
    bool category_fails = false;
    // attributes[0] is the System-Health-ID (ValidationRequest::set_soh_response checked it).
    // One allocation for the codes of every Compliance-Result-Codes TLV (the WSHV sends one per
    // health class): at most this many.
    std::size_t n_codes = 0;
    for (std::size_t i = 1; i < response.attributes.size(); ++i) {
        if (response.attributes[i].type == soh::tlv_type::kComplianceResultCodes)
            n_codes += response.attributes[i].value.size() / 4;
    }
    a.compliance_codes.reserve(n_codes);
    for (std::size_t i = 1; i < response.attributes.size(); ++i) {
        const SoHAttribute& attr = response.attributes[i];
        const soh::TlvView t{attr.type, 0, Bytes(attr.value), 0};
        if (attr.type == soh::tlv_type::kComplianceResultCodes) {
            auto codes = soh::attr::compliance_result_codes(t);
            if (!codes || codes->empty()) {
                codes_malformed = true;
                continue;
            }
            codes_seen = true;
            for (std::size_t k = 0; k < codes->size(); ++k)
                a.compliance_codes.push_back(HResult{codes->u32(k)});
        } else if (attr.type == soh::tlv_type::kFailureCategory) {
            auto c = soh::attr::failure_category(t);
            if (!c || *c > static_cast<std::uint8_t>(FailureCategory::ServerCommunication)) {
                category_malformed = true;
                continue;
            }
            if (*c != static_cast<std::uint8_t>(FailureCategory::None)) {
                const auto fc = static_cast<FailureCategory>(*c);
                if (!first_category)
                    first_category = fc;
                if (map_failure_category(mapping, fc) != Verdict::Compliant)
                    category_fails = true;
            }
        }
    }
    if (category_malformed) {
        a.problem = "malformed Failure-Category";
        return a;
    }
    if (first_category) {
        a.usable = true;
        a.failure_category = *first_category;
        a.verdict = category_fails ? Verdict::NonCompliant : Verdict::Compliant;
        return a;
    }
    if (codes_malformed) {
        a.problem = "malformed Compliance-Result-Codes";
        return a;
    }
    if (!codes_seen) {
        a.problem = "neither Compliance-Result-Codes nor Failure-Category";
        return a;
    }
    a.usable = true;
    a.verdict = Verdict::Compliant;
    for (HResult c : a.compliance_codes) {
        if (c.failed())
            a.verdict = Verdict::NonCompliant;
    }
    return a;
}

SoH host_generated_response(SystemHealthEntityId id, FailureCategory category, HResult error) {
    SoH soh;
    soh.attributes.reserve(3);
    auto add = [&](soh::Attribute a) { soh.attributes.push_back({a.type, std::move(a.value)}); };
    add(soh::attr::make_system_health_id(id));
    add(soh::attr::make_failure_category(static_cast<std::uint8_t>(category)));
    const std::uint32_t code = error.bits();
    add(soh::attr::make_error_codes(std::span<const std::uint32_t>(&code, 1)));
    return soh;
}

std::vector<std::uint8_t> encode_entry(const SoH& soh) {
    std::size_t n = 0;
    for (const SoHAttribute& a : soh.attributes)
        n += soh::kTlvHeaderSize + a.value.size();
    std::vector<std::uint8_t> out;
    out.reserve(n);
    for (const SoHAttribute& a : soh.attributes)
        soh::append_tlv(out, a.type, Bytes(a.value));
    return out;
}

}  // namespace opennap::server
