// The "enforcement server" both example pairs talk to: a stand-in for the NAP health policy
// server (NPS with the sample SHV) that the enforcement client would reach over the network.
//
// It is written against OpenNAP's SoH codec (opennap/soh/message.h), NOT against the NAP client
// API: on a real network this code runs on another machine. The client examples call it as a
// plain function with the bytes of the SoH request and send the bytes of its SoHR back into the
// NAP agent.
#pragma once

#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <vector>

namespace opennap::examples {

// The SDK sample's QuarSampleSystemHealthId (SMI code 311 << 8 | 0xF0).
inline constexpr std::uint32_t kSampleShaId = 0x000137F0;
// The SDK sample EC's id.
inline constexpr std::uint32_t kSampleEcId = 0x000137F1;

// The sample SHA's SoH carries one Vendor-Specific attribute (vendor id kSampleShaId) whose
// first data byte is 1 when the (pretend) firewall is on.
inline constexpr std::uint8_t kFirewallOff = 0x00;
inline constexpr std::uint8_t kFirewallOn = 0x01;

// Compliance-Result-Codes the server reports for the sample SHA.
inline constexpr std::uint32_t kCompliant = 0x00000000;             // S_OK
inline constexpr std::uint32_t kNonCompliantFirewall = 0x80040201;  // FACILITY_ITF, sample-defined

inline constexpr const char* kRemediationUrl = "http://remediation.opennap.example/firewall";

struct ServerDecision {
    bool healthy = false;
    std::vector<std::uint8_t> sohr;  // the SoHR to hand to the NAP agent
};

// Decodes an SoH request, checks the sample SHA's firewall attribute and answers: full access
// (not restricted) when healthy, otherwise restricted access with kRemediationUrl and the
// auto-remediation ("f") bit set. An error text when the request cannot be evaluated.
[[nodiscard]] std::expected<ServerDecision, std::string> evaluate_soh_request(
    std::span<const std::uint8_t> soh_request);

}  // namespace opennap::examples
