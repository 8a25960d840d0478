// The "health policy server" side of the SHV sample: a stand-in for NPS that builds the SSoH a
// client would send (with OpenNAP's SoH codec) and validates it with the NAP server's SHV host
// (opennap/server), the way the RADIUS front-end of napserver does. It is the C++ half of the
// SHV example; the SHV itself (examples/win/sample_shv.cpp) is written against the Windows-shaped
// headers only.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "opennap/server/shv_host.h"

namespace opennap::examples {

// What the pretend client sends for the sample SHA.
enum class SampleClient {
    FirewallOn,   // the SHA's SoH, firewall byte 1
    FirewallOff,  // the SHA's SoH, firewall byte 0
    NoSha,        // an SSoH without the SHA's SoH
    ShaFailed,    // a system-generated SoH {SHID, FailureCategory, ErrorCodes}
};

[[nodiscard]] const char* to_string(SampleClient c);

struct SampleVerdict {
    bool compliant = false;
    std::string kind;                  // OutcomeKind name
    std::vector<std::uint32_t> codes;  // compliance result codes
    int failure_category = -1;         // -1: none
};

// Validates one client's SSoH with every SHV registered on `host` and returns the outcome of
// the SHV with id `shv` (waiting for asynchronous SHVs); an error text when there is none.
[[nodiscard]] std::expected<SampleVerdict, std::string> validate_sample_client(
    server::ShvHost& host, std::uint32_t shv, SampleClient client);

}  // namespace opennap::examples
