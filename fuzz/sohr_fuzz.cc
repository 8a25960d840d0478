// SoHR decode (Direction::Response), plus the SoHR-side accessors a client uses: the SSoHR's
// quarantine state and the fix-up servers, compliance codes and failure category of each entry.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

using namespace opennap::soh;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = decode(opennap::Bytes(data, size), {.expect = Direction::Response});
    if (!v) {
        OPENNAP_FUZZ_CHECK(v.error().offset <= size);
        return 0;
    }
    if (v->system.quarantine_state) {
        (void)quarantine_flags::isolation_state(v->system.quarantine_state->flags);
    }
    for (const TlvView& t : v->system_group)
        (void)attr::decode_value(t);
    for (const EntryView& e : v->entries) {
        if (auto t = e.find(tlv_type::kComplianceResultCodes)) {
            if (auto codes = attr::compliance_result_codes(*t)) {
                for (std::size_t i = 0; i < codes->size(); ++i)
                    (void)codes->u32(i);
            }
        }
        if (auto t = e.find(tlv_type::kIpv4FixupServers))
            (void)attr::ipv4_fixup_servers(*t);
        if (auto t = e.find(tlv_type::kIpv6FixupServers))
            (void)attr::ipv6_fixup_servers(*t);
        if (auto t = e.find(tlv_type::kFailureCategory))
            (void)attr::failure_category(*t);
    }
    return 0;
}
