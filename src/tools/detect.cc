#include "opennap/tools/detect.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "opennap/core/nap_types.h"
#include "opennap/soh/dhcp.h"
#include "opennap/soh/peap.h"
#include "opennap/soh/radius.h"
#include "opennap/tools/hex.h"

namespace opennap::tools {

using nlohmann::json;
using soh::DecodeError;

std::string_view to_string(Framing f) noexcept {
    switch (f) {
        case Framing::Bare:
            return "bare";
        case Framing::PeapVendorTlv:
            return "peap-vendor-tlv";
        case Framing::EapSoh:
            return "eap-soh";
        case Framing::EapTlv:
            return "eap-tlv";
        case Framing::Radius:
            return "radius";
        case Framing::Dhcp:
            return "dhcp-option-43";
    }
    return "unknown";
}

namespace {

constexpr std::uint16_t kMask = 0x3FFF;

// The bytes start like an SoH / PEAP vendor TLV: type 7 (M/R masked), vendor 311.
bool starts_like_soh(Bytes b) noexcept {
    return b.size() >= 8 && (load_be16(b.data()) & kMask) == 7 &&
           load_be32(b.data() + 4) == soh::kMicrosoftVendorId;
}

bool has_eap_header(Bytes b, std::uint8_t method) noexcept {
    return b.size() >= 5 && (b[0] == 1 || b[0] == 2) && b[4] == method;
}

// Signature scores of each attempt (see detect.h).
int bare_score(Bytes b) noexcept {
    if (!starts_like_soh(b))
        return 0;
    if (b.size() < 10)
        return 1;
    const std::uint16_t inner = load_be16(b.data() + 8);
    if (inner == soh::kInnerTypeNoModeHeader && b.size() >= 12 && starts_like_soh(b.subspan(12)))
        return 1;  // rather the PEAP wrapper 00 07 .. 00 00 01 37 00 01 .. + SoH
    return inner == soh::kInnerTypeNoModeHeader || inner == soh::kInnerTypeModeHeader ? 2 : 1;
}

int peap_score(Bytes b) noexcept {
    if (!starts_like_soh(b) || b.size() < 12)
        return 0;
    const std::uint16_t sub = load_be16(b.data() + 8) & kMask;
    if (sub == soh::peap::kVendorTlvSohRequest)
        return b.size() == 12 ? 3 : 0;
    if (sub == soh::peap::kVendorTlvSoh || sub == soh::peap::kVendorTlvSohResponse)
        return starts_like_soh(b.subspan(12)) ? 3 : 0;
    return 0;
}

int eap_soh_score(Bytes b) noexcept {
    static constexpr std::uint8_t kSig[] = {0xFE, 0x00, 0x01, 0x37, 0x00, 0x00, 0x00, 0x21};
    auto sig_at = [&](std::size_t at) {
        return b.size() >= at + sizeof kSig && std::equal(kSig, kSig + sizeof kSig, b.data() + at);
    };
    if (sig_at(0) || (has_eap_header(b, 0xFE) && sig_at(4)))
        return 3;
    if (!b.empty() && b[0] == 0xFE)
        return 1;
    return 0;
}

int eap_tlv_score(Bytes b) noexcept {
    if (has_eap_header(b, soh::peap::kEapTypeTlv))
        return 2;
    return !b.empty() && b[0] == soh::peap::kEapTypeTlv ? 1 : 0;
}

int radius_score(Bytes b) noexcept {
    if (b.size() >= 6 && b[0] == soh::radius::kAttrVendorSpecific &&
        load_be32(b.data() + 2) == soh::radius::kVendorMicrosoft) {
        return 3;
    }
    return 0;
}

int dhcp_score(Bytes b) noexcept {
    return !b.empty() && b[0] == soh::dhcp::kOptionVendorSpecific ? 2 : 0;
}

struct Attempt {
    DecodeError error;
    int score = 0;
};

std::optional<std::size_t> locate(Bytes input, Bytes message) {
    if (message.empty())
        return std::nullopt;
    if (message.data() >= input.data() &&
        message.data() + message.size() <= input.data() + input.size())
        return static_cast<std::size_t>(message.data() - input.data());
    const auto it = std::search(input.begin(), input.end(), message.begin(), message.end());
    if (it == input.end())
        return std::nullopt;
    return static_cast<std::size_t>(it - input.begin());
}

void set_message(Detection& d, Bytes input, Bytes message) {
    d.message = std::vector<std::uint8_t>(message.begin(), message.end());
    d.message_offset = locate(input, message);
}

std::string sub_tlv_name(soh::peap::Kind k) {
    switch (k) {
        case soh::peap::Kind::SohRequest:
            return "SoH-Request TLV (2)";
        case soh::peap::Kind::Soh:
            return "SoH TLV (1)";
        case soh::peap::Kind::SohResponse:
            return "SoH-Response TLV (3)";
    }
    return "?";
}

std::string payload_of(soh::peap::Kind k) {
    switch (k) {
        case soh::peap::Kind::SohRequest:
            return "SoH-Request (no message)";
        case soh::peap::Kind::Soh:
            return "SoH message";
        case soh::peap::Kind::SohResponse:
            return "SoHR message";
    }
    return "?";
}

std::string eap_header_text(const std::optional<soh::peap::EapHeader>& h) {
    if (!h)
        return "none (header-less, as FreeRADIUS 3.x and wpa_supplicant send it)";
    return "code " + std::to_string(h->code) +
           (h->code == soh::peap::kEapCodeRequest    ? " (Request)"
            : h->code == soh::peap::kEapCodeResponse ? " (Response)"
                                                     : "") +
           ", identifier " + std::to_string(h->identifier);
}

std::string wrapping_text(soh::radius::Wrapping w) {
    return w == soh::radius::Wrapping::PeapWrapper
               ? "PEAP-style wrapper 00 07 .. 00 00 01 37 00 01 .. (FreeRADIUS 3.x form)"
               : "bare SoH (MS-RNAP / MS-DHCPN form)";
}

std::string ipv4(const std::array<std::uint8_t, 4>& a) {
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, a.data(), buf, sizeof buf);
    return buf;
}

std::string ipv6(const std::array<std::uint8_t, 16>& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    return buf;
}

void add_nap_attributes(Detection& d, const soh::radius::NapAttributes& n) {
    if (n.quarantine_state) {
        static constexpr const char* kNames[] = {"full access", "restricted", "probation"};
        const std::uint32_t v = *n.quarantine_state;
        d.details.emplace_back(
            "MS-Quarantine-State",
            std::to_string(v) + (v < 3 ? std::string(" (") + kNames[v] + ")" : std::string{}));
    }
    if (n.extended_quarantine_state) {
        const auto v = *n.extended_quarantine_state;
        const auto e = static_cast<ExtendedIsolationState>(v);
        d.details.emplace_back(
            "MS-Extended-Quarantine-State",
            std::to_string(v) + (is_valid(e) ? " (" + std::string(to_string(e)) + ")" : ""));
    }
    if (n.quarantine_grace_time)
        d.details.emplace_back("MS-Quarantine-Grace-Time",
                               std::to_string(*n.quarantine_grace_time));
    if (n.network_access_server_type) {
        d.details.emplace_back("MS-Network-Access-Server-Type",
                               std::to_string(*n.network_access_server_type));
    }
    for (const auto& a : n.ipv4_remediation_servers)
        d.details.emplace_back("MS-IPv4-Remediation-Server", ipv4(a));
    for (const auto& a : n.ipv6_remediation_servers)
        d.details.emplace_back("MS-IPv6-Remediation-Server", ipv6(a));
}

bool any(const soh::radius::NapAttributes& n) {
    return n.quarantine_state || n.extended_quarantine_state || n.quarantine_grace_time ||
           n.network_access_server_type || !n.ipv4_remediation_servers.empty() ||
           !n.ipv6_remediation_servers.empty();
}

}  // namespace

soh::Result<Detection> detect(Bytes input, const soh::DecodeOptions& options) {
    std::vector<Attempt> failed;

    // 1. Bare message.
    {
        soh::DecodeOptions o = options;
        o.allow_partial = true;
        o.expect = soh::Direction::Any;
        auto v = soh::decode(input, o);
        if (v || v.error().is_ignorable()) {
            Detection d;
            d.framing = Framing::Bare;
            d.description = "bare SoH/SoHR message";
            d.payload = !v                       ? "SoH/SoHR message (ignored by receiver rules)"
                        : !v->system.packet_info ? "SoH/SoHR message"
                        : v->is_request()        ? "SoH message"
                                                 : "SoHR message";
            set_message(d, input, input);
            return d;
        }
        failed.push_back({v.error(), bare_score(input)});
    }

    // 2. PEAP Vendor-Specific TLV.
    if (auto p = soh::peap::decode_vendor_payload(input)) {
        if (p->kind == soh::peap::Kind::SohRequest || starts_like_soh(p->message)) {
            Detection d;
            d.framing = Framing::PeapVendorTlv;
            d.description = "PEAP Vendor-Specific TLV (vendor 311) > " + sub_tlv_name(p->kind);
            d.payload = payload_of(p->kind);
            if (p->kind != soh::peap::Kind::SohRequest)
                set_message(d, input, p->message);
            return d;
        }
        // The slot does not hold an SoH: report the message's own error at its input offset.
        auto v = soh::decode(p->message);
        if (!v) {
            DecodeError e = v.error();
            e.offset += static_cast<std::uint32_t>(p->message.data() - input.data());
            failed.push_back({e, 1});
        }
    } else {
        failed.push_back({p.error(), peap_score(input)});
    }

    // 3. SoH EAP Extensions Method.
    if (auto e = soh::peap::decode_eap_soh(input)) {
        Detection d;
        d.framing = Framing::EapSoh;
        d.description = std::string("SoH EAP Extensions Method (254 / 0x000137 / 0x21)") +
                        (e->header ? " with EAP header" : ", header-less") + " > " +
                        "PEAP Vendor-Specific TLV > " + sub_tlv_name(e->payload.kind);
        d.details.emplace_back("EAP header", eap_header_text(e->header));
        d.payload = payload_of(e->payload.kind);
        if (e->payload.kind != soh::peap::Kind::SohRequest)
            set_message(d, input, e->payload.message);
        return d;
    } else {
        failed.push_back({e.error(), eap_soh_score(input)});
    }

    // 4. EAP-TLV Extensions Method.
    if (auto t = soh::peap::decode_eap_tlv(input)) {
        Detection d;
        d.framing = Framing::EapTlv;
        d.description = std::string("EAP-TLV Extensions Method (33)") +
                        (t->header ? " with EAP header" : ", header-less");
        d.details.emplace_back("EAP header", eap_header_text(t->header));
        if (t->result) {
            const auto r = *t->result;
            d.details.emplace_back(
                "Result TLV", std::to_string(r) + (r == soh::peap::kResultSuccess   ? " (success)"
                                                   : r == soh::peap::kResultFailure ? " (failure)"
                                                                                    : ""));
        } else {
            d.details.emplace_back("Result TLV", "absent");
        }
        if (t->crypto_binding) {
            d.details.emplace_back("Crypto-Binding TLV",
                                   std::to_string(t->crypto_binding->size()) + " bytes");
        }
        if (t->soh_response) {
            d.description += " > PEAP Vendor-Specific TLV > SoH-Response TLV (3)";
            d.payload = "SoHR message";
            set_message(d, input, *t->soh_response);
        } else {
            d.payload = "no SoH Response";
        }
        return d;
    } else {
        failed.push_back({t.error(), eap_tlv_score(input)});
    }

    // 5. RADIUS attributes.
    if (auto r = soh::radius::decode_quarantine_soh(input)) {
        Detection d;
        d.framing = Framing::Radius;
        d.description = "RADIUS Vendor-Specific (26, vendor 311) > MS-Quarantine-SoH (55)";
        d.details.emplace_back("MS-Quarantine-SoH VSAs", std::to_string(r->vsa_count));
        d.details.emplace_back("value format", wrapping_text(r->wrapping));
        if (auto nap = soh::radius::decode_nap_attributes(input))
            add_nap_attributes(d, *nap);
        d.payload = "SoH/SoHR message";
        set_message(d, input, r->message);
        if (r->vsa_count > 1)
            d.message_offset.reset();  // reassembled: no single position
        return d;
    } else {
        const DecodeError err = r.error();
        if (err.code == soh::Errc::MissingField) {
            auto nap = soh::radius::decode_nap_attributes(input);
            if (nap && any(*nap)) {
                Detection d;
                d.framing = Framing::Radius;
                d.description = "RADIUS attributes with Microsoft NAP VSAs (no MS-Quarantine-SoH)";
                add_nap_attributes(d, *nap);
                d.payload = "no SoH/SoHR";
                return d;
            }
        }
        failed.push_back({err, radius_score(input)});
    }

    // 6. DHCP option 43.
    if (auto o = soh::dhcp::decode_option43(input)) {
        Detection d;
        d.framing = Framing::Dhcp;
        d.description = "DHCP option 43 (vendor-specific information), NAP sub-options";
        if (o->nap_coid)
            d.details.emplace_back("222 NAP-CoID", to_hex(*o->nap_coid));
        if (o->nap_mask) {
            const std::uint32_t m = *o->nap_mask;
            char buf[32];
            std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", m >> 24, (m >> 16) & 255, (m >> 8) & 255,
                          m & 255);
            d.details.emplace_back("221 NAP-Mask", buf);
        }
        if (o->nap_ipv6) {
            std::string s = std::to_string(o->nap_ipv6->size()) + " server(s)";
            for (const auto& a : *o->nap_ipv6)
                s += " " + ipv6(a);
            d.details.emplace_back("223 NAP-IPv6", s);
        }
        for (const auto& so : o->other) {
            d.details.emplace_back("sub-option " + std::to_string(so.code),
                                   std::to_string(so.data.size()) + " bytes: " + to_hex(so.data));
        }
        if (!o->nap_soh) {
            d.payload = "no NAP-SoH sub-option";
            return d;
        }
        using K = soh::dhcp::NapSohKind;
        switch (o->nap_soh->kind) {
            case K::DiscoverProbe:
                d.payload =
                    "220 NAP-SoH, length 0: DHCPDISCOVER probe \"is NAP enabled?\" (no "
                    "message)";
                break;
            case K::RequestProbe:
                d.payload = "220 NAP-SoH, one 0x00: DHCPREQUEST/INFORM probe (no message)";
                break;
            case K::NapMarker:
                d.payload = "220 NAP-SoH \"NAP\": server marker, NAP enabled (no message)";
                break;
            case K::NapMarkerReversed:
                d.payload =
                    "220 NAP-SoH \"PAN\": FreeRADIUS 3.x server marker, NAP enabled (no "
                    "message)";
                break;
            case K::Message:
                d.payload = "220 NAP-SoH: SoH/SoHR message";
                d.details.emplace_back("value format", wrapping_text(o->nap_soh->wrapping));
                set_message(d, input, o->nap_soh->message);
                break;
        }
        return d;
    } else {
        failed.push_back({o.error(), dhcp_score(input)});
    }

    // Nothing matched: the most plausible attempt's error; the bare-SoH error when no framing
    // signature matched at all.
    const Attempt* best = &failed.front();
    for (const Attempt& a : failed) {
        if (a.score > best->score ||
            (a.score > 0 && a.score == best->score && a.error.offset > best->error.offset)) {
            best = &a;
        }
    }
    return std::unexpected(best->error);
}

json to_json(const Detection& d) {
    json j;
    j["kind"] = std::string(to_string(d.framing));
    j["description"] = d.description;
    j["payload"] = d.payload;
    json details = json::array();
    for (const auto& [name, value] : d.details)
        details.push_back({{"name", name}, {"value", value}});
    j["details"] = details;
    j["message_offset"] = d.message_offset ? json(*d.message_offset) : json(nullptr);
    j["message_size"] = d.message ? json(d.message->size()) : json(nullptr);
    return j;
}

}  // namespace opennap::tools
