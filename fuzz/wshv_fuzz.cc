// The built-in Windows Security Health Validator on untrusted SoHs: decode the input as an SoH,
// validate its WSHA entry (as sent, as an owned entry, as the NAP API's SoH, and as if
// system-generated) under three policies, and check that every answer is a well-formed,
// self-consistent SoHR entry and that the owned entry and the SoH give the same one.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "opennap/policy/verdict.h"
#include "opennap/shvs/wshv.h"
#include "opennap/soh/message.h"
#include "opennap/soh/nap_soh.h"
#include "opennap/soh/wsha.h"

using namespace opennap;
using namespace opennap::shvs::wshv;

namespace {

Settings strict() {
    Settings s;
    s.firewall.allow_snoozed = false;
    s.antivirus.allow_snoozed = false;
    s.antispyware.allow_snoozed = false;
    s.security_updates.required = true;
    s.security_updates.allow_wsus = true;
    s.security_updates.minimum_severity = soh::wsha::updates_flag::kSeverityUnspecified;
    return s;
}

Settings lenient() {
    Settings s;
    s.firewall.required = false;
    s.antivirus = ProductPolicy{false, false, true};
    s.antispyware = ProductPolicy{false, true, true};
    s.automatic_updates_required = false;
    s.security_updates.required = true;
    s.security_updates.allow_windows_update = false;
    return s;
}

void check(const Result& r) {
    OPENNAP_FUZZ_CHECK(r.response.id == soh::wsha::kSystemHealthId);
    const policy::ShvVerdict wire = policy::ShvVerdict::from_response(r.response);
    OPENNAP_FUZZ_CHECK(wire.status == r.verdict.status);
    OPENNAP_FUZZ_CHECK(wire.compliance_codes == r.verdict.compliance_codes);
    OPENNAP_FUZZ_CHECK((r.verdict.status == policy::ShvVerdict::Status::Compliant) ==
                       r.hints.empty());
    if (!r.classes.classes.empty()) {
        auto back = soh::wsha::parse_sohr_entry(r.response);
        OPENNAP_FUZZ_CHECK(back.has_value());
        OPENNAP_FUZZ_CHECK(*back == r.classes);
    }
    // The answer fits an SoHR.
    soh::Message m;
    m.system.items.emplace_back(soh::PacketInfo{soh::kPacketInfoResponse});
    m.entries.push_back(r.response);
    auto bytes = soh::encode(m);
    OPENNAP_FUZZ_CHECK(bytes.has_value());
    OPENNAP_FUZZ_CHECK(soh::decode(*bytes).has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = soh::decode(Bytes(data, size));
    if (!v) {
        return 0;
    }
    static const Settings kPolicies[] = {Settings{}, strict(), lenient()};
    const std::optional<soh::EntryView> entry = soh::wsha::find_entry(*v);
    const soh::Message owned = soh::Message::from(*v);
    const soh::ReportEntry* owned_entry = soh::wsha::find_entry(owned);
    for (const Settings& s : kPolicies) {
        const Result r = validate(s, *v);
        check(r);
        check(validate(s, entry, true));
        if (owned_entry != nullptr) {
            const Result o = validate(s, *owned_entry);
            check(o);
            // The view and the owned entry give the same answer (system-generated aside).
            if (!r.error && !o.error) {
                OPENNAP_FUZZ_CHECK(o.response == r.response ||
                                   r.verdict.status == policy::ShvVerdict::Status::Failed);
            }
            // The NAP API's SoH of that entry (what the server's WSHV is handed) gives exactly
            // the owned entry's answer, system-generated or not.
            const SoH nap = soh::to_soh(*owned_entry);
            for (const bool generated : {false, true}) {
                const Result want = generated ? validate(s, *owned_entry, true) : o;
                const Result got = validate_as_wsha(s, nap, generated);
                OPENNAP_FUZZ_CHECK(got.verdict == want.verdict);
                OPENNAP_FUZZ_CHECK(got.response == want.response);
                OPENNAP_FUZZ_CHECK(got.classes == want.classes);
                OPENNAP_FUZZ_CHECK(got.hints == want.hints);
                OPENNAP_FUZZ_CHECK(got.error == want.error);
            }
        }
    }
    return 0;
}
