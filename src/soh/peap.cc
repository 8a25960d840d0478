#include "opennap/soh/peap.h"

namespace opennap::soh::peap {

namespace {

// Vendor-Specific(311) TLV around one sub-TLV. Empty result if it cannot be represented.
std::vector<std::uint8_t> vendor_tlv(std::uint16_t sub_type, Bytes value) {
    if (value.size() > kMaxVendorMessage) {
        return {};
    }
    std::vector<std::uint8_t> out;
    out.reserve(kVendorTlvOverhead + value.size());
    append_be16(out, kTlvVendorSpecific);
    append_be16(out, static_cast<std::uint16_t>(8 + value.size()));
    append_be32(out, kVendorMicrosoft);
    append_be16(out, sub_type);
    append_be16(out, static_cast<std::uint16_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

// Prepends the optional EAP header and the method-type bytes to `body`.
std::vector<std::uint8_t> eap_packet(Bytes method, Bytes body, std::optional<EapHeader> header) {
    const std::size_t total = (header ? kEapHeaderSize : 0) + method.size() + body.size();
    if (header && total > 0xFFFF) {
        return {};
    }
    std::vector<std::uint8_t> out;
    out.reserve(total);
    if (header) {
        out.push_back(header->code);
        out.push_back(header->identifier);
        append_be16(out, static_cast<std::uint16_t>(total));
    }
    out.insert(out.end(), method.begin(), method.end());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

struct Framed {
    std::optional<EapHeader> header;
    std::size_t body = 0;  // offset of the method type byte
};

// Detects the optional 4-byte EAP header. `method_type` is the header-less first byte.
Result<Framed> eap_frame(Bytes eap, std::uint8_t method_type) {
    if (eap.empty()) {
        return fail(Errc::Truncated, Field::EapHeader, 0, 0, 1);
    }
    const std::uint8_t first = eap[0];
    if (first == method_type) {
        return Framed{std::nullopt, 0};
    }
    if (first != kEapCodeRequest && first != kEapCodeResponse) {
        return fail(Errc::NotRecognised, Field::EapHeader, 0, first, 0, first);
    }
    if (eap.size() < kEapHeaderSize + 1) {
        return fail(Errc::Truncated, Field::EapHeader, eap.size(),
                    static_cast<std::uint32_t>(eap.size()), kEapHeaderSize + 1);
    }
    const std::uint16_t length = load_be16(eap.data() + 2);
    if (length > eap.size()) {
        return fail(Errc::LengthOverrun, Field::EapHeader, 2, length,
                    static_cast<std::uint32_t>(eap.size()));
    }
    if (length < eap.size()) {
        if (length < kEapHeaderSize + 1) {
            return fail(Errc::BadLength, Field::EapHeader, 2, length, kEapHeaderSize + 1);
        }
        return fail(Errc::TrailingBytes, Field::EapHeader, length, length,
                    static_cast<std::uint32_t>(eap.size()));
    }
    if (eap[kEapHeaderSize] != method_type) {
        return fail(Errc::BadType, Field::EapHeader, kEapHeaderSize, eap[kEapHeaderSize],
                    method_type, eap[kEapHeaderSize]);
    }
    return Framed{EapHeader{first, eap[1]}, kEapHeaderSize};
}

}  // namespace

// ---- Vendor-Specific TLV ---------------------------------------------------------------------

Result<VendorPayload> decode_vendor_payload(Bytes tlv, std::size_t base) {
    const auto size = static_cast<std::uint32_t>(tlv.size());
    if (tlv.size() < kTlvHeaderSize) {
        return fail(Errc::Truncated, Field::PeapTlv, base + tlv.size(), size, kTlvHeaderSize);
    }
    const std::uint16_t type = load_be16(tlv.data()) & kTlvTypeMask;
    if (type != kTlvVendorSpecific) {
        return fail(Errc::BadType, Field::PeapTlv, base, type, kTlvVendorSpecific, type);
    }
    const std::size_t length = load_be16(tlv.data() + 2);
    if (kTlvHeaderSize + length > tlv.size()) {
        return fail(Errc::LengthOverrun, Field::PeapTlv, base + 2,
                    static_cast<std::uint32_t>(length),
                    size - static_cast<std::uint32_t>(kTlvHeaderSize), type);
    }
    if (kTlvHeaderSize + length < tlv.size()) {
        return fail(Errc::TrailingBytes, Field::PeapTlv, base + kTlvHeaderSize + length,
                    static_cast<std::uint32_t>(length + kTlvHeaderSize), size, type);
    }
    if (length < 4) {
        return fail(Errc::BadLength, Field::PeapTlv, base + 2, static_cast<std::uint32_t>(length),
                    4, type);
    }
    const std::uint32_t vendor = load_be32(tlv.data() + 4);
    if (vendor != kVendorMicrosoft) {
        return fail(Errc::BadVendor, Field::PeapTlv, base + 4, vendor, kVendorMicrosoft, type);
    }
    if (length == 4) {
        return fail(Errc::MissingField, Field::PeapTlv, base + 8, 0, 0, type);
    }
    if (length < 8) {
        // Room for the vendor id but not for a sub-TLV header.
        return fail(Errc::BadLength, Field::PeapTlv, base + 2, static_cast<std::uint32_t>(length),
                    8, type);
    }
    const std::uint16_t sub_type = load_be16(tlv.data() + 8) & kTlvTypeMask;
    if (sub_type != kVendorTlvSoh && sub_type != kVendorTlvSohRequest &&
        sub_type != kVendorTlvSohResponse) {
        return fail(Errc::BadType, Field::PeapTlv, base + 8, sub_type, 0, sub_type);
    }
    const std::size_t sub_length = load_be16(tlv.data() + 10);
    const std::size_t room = tlv.size() - kVendorTlvOverhead;
    if (sub_length > room) {
        return fail(Errc::LengthOverrun, Field::PeapTlv, base + 10,
                    static_cast<std::uint32_t>(sub_length), static_cast<std::uint32_t>(room),
                    sub_type);
    }
    if (sub_length < room) {
        // Exactly one sub-TLV: anything after it is a framing error.
        return fail(Errc::TrailingBytes, Field::PeapTlv, base + kVendorTlvOverhead + sub_length,
                    static_cast<std::uint32_t>(sub_length), static_cast<std::uint32_t>(room),
                    sub_type);
    }
    const Bytes value = tlv.subspan(kVendorTlvOverhead);
    switch (sub_type) {
        case kVendorTlvSohRequest:
            if (!value.empty()) {
                return fail(Errc::BadLength, Field::PeapTlv, base + 10,
                            static_cast<std::uint32_t>(sub_length), 0, sub_type);
            }
            return VendorPayload{Kind::SohRequest, value};
        case kVendorTlvSoh:
            return VendorPayload{Kind::Soh, value};
        default:
            return VendorPayload{Kind::SohResponse, value};
    }
}

std::vector<std::uint8_t> encode_soh_request_tlv() {
    return vendor_tlv(kVendorTlvSohRequest, {});
}

std::vector<std::uint8_t> encode_soh_tlv(Bytes soh) {
    return vendor_tlv(kVendorTlvSoh, soh);
}

std::vector<std::uint8_t> encode_soh_response_tlv(Bytes sohr) {
    return vendor_tlv(kVendorTlvSohResponse, sohr);
}

std::vector<std::uint8_t> encode_vendor_payload(const VendorPayload& payload) {
    switch (payload.kind) {
        case Kind::SohRequest:
            return encode_soh_request_tlv();
        case Kind::Soh:
            return encode_soh_tlv(payload.message);
        case Kind::SohResponse:
            return encode_soh_response_tlv(payload.message);
    }
    return {};
}

// ---- SoH EAP Extensions Method ---------------------------------------------------------------

namespace {
constexpr std::uint8_t kExpandedSohHeader[kExpandedHeaderSize] = {
    kEapTypeExpanded,
    0x00,
    0x01,
    0x37,
    0x00,
    0x00,
    0x00,
    static_cast<std::uint8_t>(kEapVendorTypeSoh)};
}  // namespace

Result<EapSoh> decode_eap_soh(Bytes eap) {
    auto framed = eap_frame(eap, kEapTypeExpanded);
    if (!framed) {
        return std::unexpected(framed.error());
    }
    const std::size_t at = framed->body;
    if (eap.size() - at < kExpandedHeaderSize) {
        return fail(Errc::Truncated, Field::EapHeader, eap.size(),
                    static_cast<std::uint32_t>(eap.size() - at), kExpandedHeaderSize);
    }
    const std::uint32_t vendor = (std::uint32_t{eap[at + 1]} << 16) |
                                 (std::uint32_t{eap[at + 2]} << 8) | std::uint32_t{eap[at + 3]};
    if (vendor != kEapVendorMicrosoft) {
        return fail(Errc::BadVendor, Field::EapHeader, at + 1, vendor, kEapVendorMicrosoft);
    }
    const std::uint32_t vendor_type = load_be32(eap.data() + at + 4);
    if (vendor_type != kEapVendorTypeSoh) {
        return fail(Errc::BadType, Field::EapHeader, at + 4, vendor_type, kEapVendorTypeSoh);
    }
    const std::size_t tlv_at = at + kExpandedHeaderSize;
    const Bytes tlv = eap.subspan(tlv_at);
    auto payload = decode_vendor_payload(tlv, tlv_at);
    if (!payload) {
        return std::unexpected(payload.error());
    }
    if (framed->header) {
        const bool request = framed->header->code == kEapCodeRequest;
        const bool ok = request ? payload->kind == Kind::SohRequest : payload->kind == Kind::Soh;
        if (!ok) {
            return fail(Errc::WrongDirection, Field::PeapTlv, tlv_at + 8,
                        static_cast<std::uint32_t>(payload->kind), framed->header->code);
        }
    }
    return EapSoh{framed->header, *payload, tlv};
}

std::vector<std::uint8_t> encode_eap_soh(Bytes vendor_tlv_bytes, std::optional<EapHeader> header) {
    return eap_packet(Bytes(kExpandedSohHeader), vendor_tlv_bytes, header);
}

// ---- EAP-TLV Extensions Method ---------------------------------------------------------------

Result<EapTlv> decode_eap_tlv(Bytes eap) {
    auto framed = eap_frame(eap, kEapTypeTlv);
    if (!framed) {
        return std::unexpected(framed.error());
    }
    EapTlv out;
    out.header = framed->header;
    std::size_t pos = framed->body + 1;
    while (pos < eap.size()) {
        if (eap.size() - pos < kTlvHeaderSize) {
            return fail(Errc::Truncated, Field::PeapTlv, eap.size(),
                        static_cast<std::uint32_t>(eap.size() - pos), kTlvHeaderSize);
        }
        const std::uint16_t raw_type = load_be16(eap.data() + pos);
        const std::uint16_t type = raw_type & kTlvTypeMask;
        const bool mandatory = (raw_type & kTlvMandatoryBit) != 0;
        const std::size_t length = load_be16(eap.data() + pos + 2);
        const std::size_t room = eap.size() - pos - kTlvHeaderSize;
        if (length > room) {
            return fail(Errc::LengthOverrun, Field::PeapTlv, pos + 2,
                        static_cast<std::uint32_t>(length), static_cast<std::uint32_t>(room), type);
        }
        const std::size_t value_at = pos + kTlvHeaderSize;
        const Bytes value = eap.subspan(value_at, length);
        switch (type) {
            case kTlvResult: {
                if (out.result) {
                    return fail(Errc::BadValue, Field::PeapTlv, pos, 2, 1, type);
                }
                if (length != 2) {
                    return fail(Errc::BadLength, Field::PeapTlv, pos + 2,
                                static_cast<std::uint32_t>(length), 2, type);
                }
                const std::uint16_t result = load_be16(value.data());
                if (result != kResultSuccess && result != kResultFailure) {
                    return fail(Errc::BadValue, Field::PeapTlv, value_at, result, kResultFailure,
                                type);
                }
                out.result = result;
                break;
            }
            case kTlvVendorSpecific: {
                if (length < 4) {
                    return fail(Errc::BadLength, Field::PeapTlv, pos + 2,
                                static_cast<std::uint32_t>(length), 4, type);
                }
                const std::uint32_t vendor = load_be32(value.data());
                if (vendor != kVendorMicrosoft) {
                    if (mandatory) {
                        return fail(Errc::BadVendor, Field::PeapTlv, value_at, vendor,
                                    kVendorMicrosoft, type);
                    }
                    break;
                }
                auto payload =
                    decode_vendor_payload(eap.subspan(pos, kTlvHeaderSize + length), pos);
                if (!payload) {
                    return std::unexpected(payload.error());
                }
                if (payload->kind != Kind::SohResponse) {
                    return fail(Errc::WrongDirection, Field::PeapTlv, pos + 8,
                                static_cast<std::uint32_t>(payload->kind), 0, type);
                }
                if (out.soh_response) {
                    return fail(Errc::BadValue, Field::PeapTlv, pos, 2, 1, type);
                }
                out.soh_response = payload->message;
                break;
            }
            case kTlvCryptoBinding:
                if (out.crypto_binding) {
                    return fail(Errc::BadValue, Field::PeapTlv, pos, 2, 1, type);
                }
                out.crypto_binding = value;
                break;
            default:
                if (mandatory) {
                    return fail(Errc::BadType, Field::PeapTlv, pos, type, 0, type);
                }
                break;
        }
        pos = value_at + length;
    }
    return out;
}

std::vector<std::uint8_t> encode_eap_tlv(const EapTlv& packet) {
    std::vector<std::uint8_t> body;
    if (packet.result) {
        append_be16(body, kTlvResultMandatory);
        append_be16(body, 2);
        append_be16(body, *packet.result);
    }
    if (packet.soh_response) {
        const auto tlv = encode_soh_response_tlv(*packet.soh_response);
        if (tlv.empty()) {
            return {};
        }
        body.insert(body.end(), tlv.begin(), tlv.end());
    }
    if (packet.crypto_binding) {
        if (packet.crypto_binding->size() > 0xFFFF) {
            return {};
        }
        append_be16(body, kTlvCryptoBinding);
        append_be16(body, static_cast<std::uint16_t>(packet.crypto_binding->size()));
        body.insert(body.end(), packet.crypto_binding->begin(), packet.crypto_binding->end());
    }
    constexpr std::uint8_t method[1] = {kEapTypeTlv};
    return eap_packet(Bytes(method), body, packet.header);
}

std::vector<std::uint8_t> encode_eap_tlv_result(std::uint16_t result, std::optional<Bytes> sohr,
                                                std::optional<EapHeader> header) {
    EapTlv packet;
    packet.header = header;
    packet.result = result;
    packet.soh_response = sohr;
    return encode_eap_tlv(packet);
}

}  // namespace opennap::soh::peap
