// Decoder limits. The defaults are the NAP SDK's (NapTypes.h); every one can be raised or lowered.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opennap::soh {

struct Limits {
    std::size_t max_message_size = 4000;  // maxNetworkSoHSize: bytes of one SoH/SoHR message
    std::size_t max_tlvs = 100;           // maxSoHAttributeCount: TLVs in one message body
    std::size_t max_entries = 20;         // maxSystemHealthEntityCount: SoHReportEntries
    std::size_t max_string_chars = 1024;  // maxStringLength: characters in one string field
};

}  // namespace opennap::soh
