#include "opennap/soh/radius.h"

#include <algorithm>

namespace opennap::soh::radius {

namespace {

constexpr std::uint8_t kQuarantineSoh = static_cast<std::uint8_t>(MsAttr::QuarantineSoh);

std::uint32_t u32(std::size_t v) {
    return static_cast<std::uint32_t>(v);
}

void append_vsa(std::vector<std::uint8_t>& out, std::uint8_t type, Bytes value) {
    out.push_back(kAttrVendorSpecific);
    out.push_back(static_cast<std::uint8_t>(kVsaOverhead + value.size()));
    append_be32(out, kVendorMicrosoft);
    out.push_back(type);
    out.push_back(static_cast<std::uint8_t>(2 + value.size()));
    out.insert(out.end(), value.begin(), value.end());
}

// One Microsoft sub-attribute found by the walk.
struct MsSubAttribute {
    std::uint8_t type = 0;
    Bytes value;
    std::size_t offset = 0;        // absolute offset of the sub-attribute (its vtype byte)
    std::size_t value_offset = 0;  // absolute offset of its value
};

// Walks a RADIUS attribute list and calls `visit(MsSubAttribute)` for every Microsoft (311)
// vendor sub-attribute; `visit` returns an empty optional to continue or an error to stop.
template <typename Visit>
std::optional<DecodeError> walk(Bytes attributes, Visit&& visit) {
    std::size_t pos = 0;
    while (pos < attributes.size()) {
        const std::size_t remaining = attributes.size() - pos;
        if (remaining < 2) {
            return fail(Errc::Truncated, Field::RadiusAttribute, attributes.size(), u32(remaining),
                        2, attributes[pos])
                .error();
        }
        const std::uint8_t type = attributes[pos];
        const std::size_t length = attributes[pos + 1];
        if (length < 2) {
            return fail(Errc::BadLength, Field::RadiusAttribute, pos + 1, u32(length), 2, type)
                .error();
        }
        if (length > remaining) {
            return fail(Errc::LengthOverrun, Field::RadiusAttribute, pos + 1, u32(length),
                        u32(remaining), type)
                .error();
        }
        if (type == kAttrVendorSpecific) {
            if (length < 6) {
                return fail(Errc::BadLength, Field::RadiusAttribute, pos + 1, u32(length), 6, type)
                    .error();
            }
            const std::uint32_t vendor = load_be32(attributes.data() + pos + 2);
            if (vendor == kVendorMicrosoft) {
                const std::size_t end = pos + length;
                std::size_t sub = pos + 6;
                while (sub < end) {
                    const std::size_t room = end - sub;
                    if (room < 2) {
                        return fail(Errc::Truncated, Field::RadiusAttribute, end, u32(room), 2,
                                    attributes[sub])
                            .error();
                    }
                    const std::uint8_t vtype = attributes[sub];
                    const std::size_t vlen = attributes[sub + 1];
                    if (vlen < 2) {
                        return fail(Errc::BadLength, Field::RadiusAttribute, sub + 1, u32(vlen), 2,
                                    vtype)
                            .error();
                    }
                    if (vlen > room) {
                        return fail(Errc::LengthOverrun, Field::RadiusAttribute, sub + 1, u32(vlen),
                                    u32(room), vtype)
                            .error();
                    }
                    MsSubAttribute found{vtype, attributes.subspan(sub + 2, vlen - 2), sub,
                                         sub + 2};
                    if (auto err = visit(found)) {
                        return err;
                    }
                    sub += vlen;
                }
            }
        }
        pos += length;
    }
    return std::nullopt;
}

// Maps an offset in a concatenation of segments back to the buffer the segments came from.
struct Segment {
    std::size_t concat_start = 0;
    std::size_t absolute = 0;
    std::size_t size = 0;
};

std::size_t map_offset(std::span<const Segment> segments, std::size_t offset) {
    for (const Segment& s : segments) {
        if (offset < s.concat_start + s.size) {
            return s.absolute + (offset - s.concat_start);
        }
    }
    const Segment& last = segments.back();
    return last.absolute + last.size + (offset - last.concat_start - last.size);
}

}  // namespace

// ---- Wrapper -----------------------------------------------------------------------------------

Result<Unwrapped> unwrap_quarantine_soh(Bytes value, std::size_t base) {
    const std::uint8_t* p = value.data();
    const bool wrapped = value.size() >= kPeapWrapperSize + 8 && load_be16(p) == 0x0007 &&
                         load_be32(p + 4) == kVendorMicrosoft && load_be16(p + 8) == 0x0001 &&
                         load_be16(p + 12) == 0x0007 && load_be32(p + 16) == kVendorMicrosoft;
    Unwrapped out;
    std::size_t start = 0;
    if (wrapped) {
        const std::size_t outer = load_be16(p + 2);
        if (outer != value.size() - 4) {
            return fail(Errc::BadLength, Field::RadiusAttribute, base + 2, u32(outer),
                        u32(value.size() - 4), kQuarantineSoh);
        }
        const std::size_t inner = load_be16(p + 10);
        if (inner != value.size() - kPeapWrapperSize) {
            return fail(Errc::BadLength, Field::RadiusAttribute, base + 10, u32(inner),
                        u32(value.size() - kPeapWrapperSize), kQuarantineSoh);
        }
        out.wrapping = Wrapping::PeapWrapper;
        start = kPeapWrapperSize;
    }
    out.message = value.subspan(start);
    if (out.message.size() < kMinSohSize) {
        return fail(Errc::BadLength, Field::RadiusAttribute, base + start, u32(out.message.size()),
                    kMinSohSize, kQuarantineSoh);
    }
    return out;
}

std::vector<std::uint8_t> wrap_quarantine_soh(Bytes message, Wrapping wrapping) {
    if (wrapping == Wrapping::Bare) {
        return {message.begin(), message.end()};
    }
    if (message.size() > 0xFFFF - 8) {
        return {};
    }
    std::vector<std::uint8_t> out;
    out.reserve(kPeapWrapperSize + message.size());
    append_be16(out, 0x0007);
    append_be16(out, static_cast<std::uint16_t>(8 + message.size()));
    append_be32(out, kVendorMicrosoft);
    append_be16(out, 0x0001);
    append_be16(out, static_cast<std::uint16_t>(message.size()));
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

// ---- MS-Quarantine-SoH -------------------------------------------------------------------------

std::vector<std::uint8_t> encode_quarantine_soh_vsas(Bytes message, Wrapping wrapping) {
    if (wrapping == Wrapping::PeapWrapper && message.size() > 0xFFFF - 8) {
        return {};
    }
    const std::vector<std::uint8_t> value = wrap_quarantine_soh(message, wrapping);
    const Bytes all(value);
    std::vector<std::uint8_t> out;
    out.reserve(value.size() + kVsaOverhead * (value.size() / kMaxVsaValue + 1));
    std::size_t pos = 0;
    do {
        const std::size_t n = std::min(kMaxVsaValue, all.size() - pos);
        append_vsa(out, kQuarantineSoh, all.subspan(pos, n));
        pos += n;
    } while (pos < all.size());
    return out;
}

Result<QuarantineSoh> decode_quarantine_soh(Bytes attributes) {
    std::vector<Segment> segments;
    std::size_t total = 0;
    auto err = walk(attributes, [&](const MsSubAttribute& a) -> std::optional<DecodeError> {
        if (a.type == kQuarantineSoh) {
            segments.push_back(Segment{total, a.value_offset, a.value.size()});
            total += a.value.size();
        }
        return std::nullopt;
    });
    if (err) {
        return std::unexpected(*err);
    }
    if (segments.empty()) {
        return fail(Errc::MissingField, Field::RadiusAttribute, attributes.size(), 0, 0,
                    kQuarantineSoh);
    }
    QuarantineSoh out;
    out.vsa_count = segments.size();
    if (segments.size() == 1) {
        const Bytes value = attributes.subspan(segments[0].absolute, segments[0].size);
        auto unwrapped = unwrap_quarantine_soh(value, segments[0].absolute);
        if (!unwrapped) {
            return std::unexpected(unwrapped.error());
        }
        out.wrapping = unwrapped->wrapping;
        out.message.assign(unwrapped->message.begin(), unwrapped->message.end());
        return out;
    }
    std::vector<std::uint8_t> joined;
    joined.reserve(total);
    for (const Segment& s : segments) {
        const Bytes part = attributes.subspan(s.absolute, s.size);
        joined.insert(joined.end(), part.begin(), part.end());
    }
    auto unwrapped = unwrap_quarantine_soh(joined);
    if (!unwrapped) {
        DecodeError e = unwrapped.error();
        e.offset = u32(map_offset(segments, e.offset));
        return std::unexpected(e);
    }
    out.wrapping = unwrapped->wrapping;
    const auto skip = static_cast<std::ptrdiff_t>(joined.size() - unwrapped->message.size());
    if (skip == 0) {
        out.message = std::move(joined);
    } else {
        out.message.assign(joined.begin() + skip, joined.end());
    }
    return out;
}

Result<Unwrapped> decode_quarantine_soh_vsa(Bytes vsa) {
    if (vsa.size() < kVsaOverhead) {
        return fail(Errc::Truncated, Field::RadiusAttribute, vsa.size(), u32(vsa.size()),
                    kVsaOverhead, vsa.empty() ? 0 : vsa[0]);
    }
    if (vsa[0] != kAttrVendorSpecific) {
        return fail(Errc::BadType, Field::RadiusAttribute, 0, vsa[0], kAttrVendorSpecific, vsa[0]);
    }
    const std::size_t length = vsa[1];
    if (length > vsa.size()) {
        return fail(Errc::LengthOverrun, Field::RadiusAttribute, 1, u32(length), u32(vsa.size()),
                    kAttrVendorSpecific);
    }
    if (length < vsa.size()) {
        return fail(Errc::TrailingBytes, Field::RadiusAttribute, length, u32(length),
                    u32(vsa.size()), kAttrVendorSpecific);
    }
    const std::uint32_t vendor = load_be32(vsa.data() + 2);
    if (vendor != kVendorMicrosoft) {
        return fail(Errc::BadVendor, Field::RadiusAttribute, 2, vendor, kVendorMicrosoft,
                    kAttrVendorSpecific);
    }
    if (vsa[6] != kQuarantineSoh) {
        return fail(Errc::BadType, Field::RadiusAttribute, 6, vsa[6], kQuarantineSoh, vsa[6]);
    }
    const std::size_t vlen = vsa[7];
    const std::size_t room = vsa.size() - 6;
    if (vlen < 2) {
        return fail(Errc::BadLength, Field::RadiusAttribute, 7, u32(vlen), 2, kQuarantineSoh);
    }
    if (vlen > room) {
        return fail(Errc::LengthOverrun, Field::RadiusAttribute, 7, u32(vlen), u32(room),
                    kQuarantineSoh);
    }
    if (vlen < room) {
        return fail(Errc::TrailingBytes, Field::RadiusAttribute, 6 + vlen, u32(vlen), u32(room),
                    kQuarantineSoh);
    }
    return unwrap_quarantine_soh(vsa.subspan(kVsaOverhead), kVsaOverhead);
}

// ---- Generic VSAs and NAP decision attributes --------------------------------------------------

std::vector<std::uint8_t> encode_vsa(MsAttr type, Bytes value) {
    if (value.size() > kMaxVsaValue) {
        return {};
    }
    std::vector<std::uint8_t> out;
    out.reserve(kVsaOverhead + value.size());
    append_vsa(out, static_cast<std::uint8_t>(type), value);
    return out;
}

std::vector<std::uint8_t> encode_u32_vsa(MsAttr type, std::uint32_t value) {
    std::uint8_t v[4];
    store_be32(v, value);
    return encode_vsa(type, Bytes(v));
}

namespace {

template <std::size_t N>
std::vector<std::uint8_t> encode_servers(MsAttr type,
                                         std::span<const std::array<std::uint8_t, N>> s) {
    constexpr std::size_t per_vsa = (kMaxVsaValue - 1) / N;
    std::vector<std::uint8_t> out;
    out.reserve((s.size() / per_vsa + 1) * (kVsaOverhead + 1) + s.size() * N);
    for (std::size_t i = 0; i < s.size(); i += per_vsa) {
        const std::size_t n = std::min(per_vsa, s.size() - i);
        std::vector<std::uint8_t> value;
        value.reserve(1 + n * N);
        value.push_back(0);  // reserved
        for (std::size_t k = 0; k < n; ++k) {
            value.insert(value.end(), s[i + k].begin(), s[i + k].end());
        }
        append_vsa(out, static_cast<std::uint8_t>(type), value);
    }
    return out;
}

template <std::size_t N>
std::optional<DecodeError> decode_servers(const MsSubAttribute& a,
                                          std::vector<std::array<std::uint8_t, N>>& out) {
    const std::size_t size = a.value.size();
    if (size < 1 + N || (size - 1) % N != 0) {
        return fail(Errc::BadLength, Field::RadiusAttribute, a.offset + 1, u32(size + 2),
                    u32(1 + N + 2), a.type)
            .error();
    }
    for (std::size_t pos = 1; pos < size; pos += N) {
        std::array<std::uint8_t, N> addr{};
        std::copy_n(a.value.begin() + static_cast<std::ptrdiff_t>(pos), N, addr.begin());
        out.push_back(addr);
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::uint8_t> encode_ipv4_remediation_servers(std::span<const Ipv4Address> servers) {
    return encode_servers<4>(MsAttr::Ipv4RemediationServers, servers);
}

std::vector<std::uint8_t> encode_ipv6_remediation_servers(std::span<const Ipv6Address> servers) {
    return encode_servers<16>(MsAttr::Ipv6RemediationServers, servers);
}

Result<NapAttributes> decode_nap_attributes(Bytes attributes) {
    NapAttributes out;
    auto scalar = [](const MsSubAttribute& a,
                     std::optional<std::uint32_t>& slot) -> std::optional<DecodeError> {
        if (a.value.size() != 4) {
            return fail(Errc::BadLength, Field::RadiusAttribute, a.offset + 1,
                        u32(a.value.size() + 2), 6, a.type)
                .error();
        }
        if (slot) {
            return fail(Errc::BadValue, Field::RadiusAttribute, a.offset, 2, 1, a.type).error();
        }
        slot = load_be32(a.value.data());
        return std::nullopt;
    };
    auto err = walk(attributes, [&](const MsSubAttribute& a) -> std::optional<DecodeError> {
        switch (static_cast<MsAttr>(a.type)) {
            case MsAttr::QuarantineState:
                return scalar(a, out.quarantine_state);
            case MsAttr::QuarantineGraceTime:
                return scalar(a, out.quarantine_grace_time);
            case MsAttr::NetworkAccessServerType:
                return scalar(a, out.network_access_server_type);
            case MsAttr::ExtendedQuarantineState:
                return scalar(a, out.extended_quarantine_state);
            case MsAttr::Ipv4RemediationServers:
                return decode_servers<4>(a, out.ipv4_remediation_servers);
            case MsAttr::Ipv6RemediationServers:
                return decode_servers<16>(a, out.ipv6_remediation_servers);
            default:
                return std::nullopt;
        }
    });
    if (err) {
        return std::unexpected(*err);
    }
    return out;
}

std::vector<std::uint8_t> encode_nap_attributes(const NapAttributes& attrs) {
    std::vector<std::uint8_t> out;
    auto add = [&out](const std::vector<std::uint8_t>& bytes) {
        out.insert(out.end(), bytes.begin(), bytes.end());
    };
    if (attrs.quarantine_state) {
        add(encode_u32_vsa(MsAttr::QuarantineState, *attrs.quarantine_state));
    }
    if (attrs.extended_quarantine_state) {
        add(encode_u32_vsa(MsAttr::ExtendedQuarantineState, *attrs.extended_quarantine_state));
    }
    if (attrs.quarantine_grace_time) {
        add(encode_u32_vsa(MsAttr::QuarantineGraceTime, *attrs.quarantine_grace_time));
    }
    if (attrs.network_access_server_type) {
        add(encode_u32_vsa(MsAttr::NetworkAccessServerType, *attrs.network_access_server_type));
    }
    add(encode_ipv4_remediation_servers(attrs.ipv4_remediation_servers));
    add(encode_ipv6_remediation_servers(attrs.ipv6_remediation_servers));
    return out;
}

}  // namespace opennap::soh::radius
