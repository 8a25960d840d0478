// The properties the linux_soh fuzz target checks, shared with the corpus replay test
// (tests/soh/linux_soh_test.cc): the input as an SoH / SoHR message; every report entry through
// the Linux SHA's SoH and SoHR decoders; a decoded value re-encodes to one that decodes equal.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "opennap/soh/linux_soh.h"
#include "opennap/soh/message.h"

namespace opennap::fuzz {

inline void check_linux_soh(const std::uint8_t* data, std::size_t size) {
    using namespace opennap::soh;
    auto view = decode(Bytes(data, size));
    if (!view)
        return;
    const Message m = Message::from(*view);
    for (const ReportEntry& e : m.entries) {
        if (auto s = linux_sha::decode_soh(e)) {
            OPENNAP_FUZZ_CHECK(s->checks.size() <= linux_sha::kMaxRecords);
            auto again = linux_sha::decode_soh(linux_sha::encode_soh(*s));
            OPENNAP_FUZZ_CHECK(again.has_value());
            OPENNAP_FUZZ_CHECK(*again == *s);
        } else {
            OPENNAP_FUZZ_CHECK(!s.error().message().empty());
        }
        if (auto r = linux_sha::decode_sohr(e)) {
            if (r->whole || !r->checks.empty()) {
                auto again = linux_sha::decode_sohr(linux_sha::encode_sohr(*r));
                OPENNAP_FUZZ_CHECK(again.has_value());
                OPENNAP_FUZZ_CHECK(*again == *r);
            }
        } else {
            OPENNAP_FUZZ_CHECK(!r.error().message().empty());
        }
    }
}

}  // namespace opennap::fuzz
