#include "opennap/soh/dhcp.h"

#include <algorithm>

namespace opennap::soh::dhcp {

namespace {

std::uint32_t u32(std::size_t v) {
    return static_cast<std::uint32_t>(v);
}

// A value reassembled from pieces of the input, with the pieces' positions so that an offset in the
// reassembled value can be mapped back to the input.
struct Pieces {
    struct Piece {
        std::size_t start = 0;     // offset in `data`
        std::size_t absolute = 0;  // offset in the input
    };
    std::vector<std::uint8_t> data;
    std::vector<Piece> pieces;
    std::size_t length_offset = 0;  // absolute offset of the first piece's length byte

    void append(Bytes part, std::size_t absolute) {
        pieces.push_back(Piece{data.size(), absolute});
        data.insert(data.end(), part.begin(), part.end());
    }

    [[nodiscard]] std::size_t map(std::size_t offset) const {
        // The last piece starting at or before `offset` (pieces may be empty, so prefer the last).
        const Piece* best = &pieces.front();
        for (const Piece& p : pieces) {
            if (p.start <= offset) {
                best = &p;
            }
        }
        return best->absolute + (offset - best->start);
    }
};

DecodeError relocate(DecodeError e, const Pieces& pieces) {
    e.offset = u32(pieces.map(e.offset));
    return e;
}

// `code len data` with MS-DHCPE 2.2.9 continuation (option 250) for data longer than 255 bytes.
void append_long(std::vector<std::uint8_t>& out, std::uint8_t code, Bytes data) {
    std::size_t pos = 0;
    std::uint8_t c = code;
    do {
        const std::size_t n = std::min(kMaxOptionData, data.size() - pos);
        out.push_back(c);
        out.push_back(static_cast<std::uint8_t>(n));
        out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                   data.begin() + static_cast<std::ptrdiff_t>(pos + n));
        pos += n;
        c = kOptionLongContinuation;
    } while (pos < data.size());
}

constexpr std::uint8_t kNap[3] = {'N', 'A', 'P'};
constexpr std::uint8_t kPan[3] = {'P', 'A', 'N'};

}  // namespace

// ---- NAP-SoH ------------------------------------------------------------------------------------

Result<NapSoh> decode_nap_soh(Bytes value, std::size_t base) {
    NapSoh out;
    if (value.empty()) {
        out.kind = NapSohKind::DiscoverProbe;
        return out;
    }
    if (value.size() == 1 && value[0] == 0) {
        out.kind = NapSohKind::RequestProbe;
        return out;
    }
    if (value.size() == 3 && std::ranges::equal(value, kNap)) {
        out.kind = NapSohKind::NapMarker;
        return out;
    }
    if (value.size() == 3 && std::ranges::equal(value, kPan)) {
        out.kind = NapSohKind::NapMarkerReversed;
        return out;
    }
    auto unwrapped = radius::unwrap_quarantine_soh(value, base);
    if (!unwrapped) {
        DecodeError e = unwrapped.error();
        e.field = Field::DhcpOption;
        e.type = kSubNapSoh;
        return std::unexpected(e);
    }
    out.kind = NapSohKind::Message;
    out.wrapping = unwrapped->wrapping;
    out.message.assign(unwrapped->message.begin(), unwrapped->message.end());
    return out;
}

// ---- Option 43 ----------------------------------------------------------------------------------

Result<Option43> decode_option43_payload(Bytes payload, std::size_t base) {
    // Accumulators for 220..223 (repeated instances and continuations are concatenated).
    std::array<std::optional<Pieces>, 4> nap;
    Option43 out;

    enum class Last { None, Nap, Other };
    Last last = Last::None;
    std::size_t last_index = 0;

    std::size_t pos = 0;
    while (pos < payload.size()) {
        const std::uint8_t code = payload[pos];
        if (code == kOptionPad) {
            ++pos;
            last = Last::None;
            continue;
        }
        if (code == kOptionEnd) {
            for (std::size_t k = pos + 1; k < payload.size(); ++k) {
                if (payload[k] != kOptionPad) {
                    return fail(Errc::TrailingBytes, Field::DhcpOption, base + k, payload[k],
                                u32(payload.size()), kOptionEnd);
                }
            }
            break;
        }
        const std::size_t remaining = payload.size() - pos;
        if (remaining < 2) {
            return fail(Errc::Truncated, Field::DhcpOption, base + payload.size(), u32(remaining),
                        2, code);
        }
        const std::size_t length = payload[pos + 1];
        if (length > remaining - 2) {
            return fail(Errc::LengthOverrun, Field::DhcpOption, base + pos + 1, u32(length),
                        u32(remaining - 2), code);
        }
        const Bytes data = payload.subspan(pos + 2, length);
        const std::size_t data_at = base + pos + 2;
        if (code == kOptionLongContinuation) {
            switch (last) {
                case Last::None:
                    return fail(Errc::BadType, Field::DhcpOption, base + pos, code, 0, code);
                case Last::Nap:
                    nap[last_index]->append(data, data_at);
                    break;
                case Last::Other: {
                    auto& d = out.other[last_index].data;
                    d.insert(d.end(), data.begin(), data.end());
                    break;
                }
            }
        } else if (code >= kSubNapSoh && code <= kSubNapIpv6) {
            last = Last::Nap;
            last_index = code - kSubNapSoh;
            if (!nap[last_index]) {
                nap[last_index].emplace();
                nap[last_index]->length_offset = base + pos + 1;
            }
            nap[last_index]->append(data, data_at);
        } else {
            last = Last::Other;
            last_index = out.other.size();
            out.other.push_back(SubOption{code, {data.begin(), data.end()}});
        }
        pos += 2 + length;
    }

    if (const auto& soh = nap[kSubNapSoh - kSubNapSoh]) {
        auto decoded = decode_nap_soh(soh->data, 0);
        if (!decoded) {
            return std::unexpected(relocate(decoded.error(), *soh));
        }
        out.nap_soh = std::move(*decoded);
    }
    if (const auto& mask = nap[kSubNapMask - kSubNapSoh]) {
        if (mask->data.size() != 4) {
            return fail(Errc::BadLength, Field::DhcpOption, mask->length_offset,
                        u32(mask->data.size()), 4, kSubNapMask);
        }
        out.nap_mask = load_le32(mask->data.data());
    }
    if (const auto& coid = nap[kSubNapCoId - kSubNapSoh]) {
        if (coid->data.size() != kNapCoIdSize) {
            return fail(Errc::BadLength, Field::DhcpOption, coid->length_offset,
                        u32(coid->data.size()), kNapCoIdSize, kSubNapCoId);
        }
        std::array<std::uint8_t, kNapCoIdSize> raw{};
        std::ranges::copy(coid->data, raw.begin());
        out.nap_coid = raw;
    }
    if (const auto& v6 = nap[kSubNapIpv6 - kSubNapSoh]) {
        std::vector<Ipv6Address> servers;
        const std::size_t size = v6->data.size();
        if (size != 0) {
            if ((size - 1) % 16 != 0) {
                return fail(Errc::BadLength, Field::DhcpOption, v6->length_offset, u32(size),
                            u32(1 + ((size - 1) / 16) * 16), kSubNapIpv6);
            }
            const std::size_t n = (size - 1) / 16;
            if (v6->data[0] != n) {
                return fail(Errc::BadValue, Field::DhcpOption, v6->pieces.front().absolute,
                            v6->data[0], u32(n), kSubNapIpv6);
            }
            servers.resize(n);
            for (std::size_t i = 0; i < n; ++i) {
                std::copy_n(v6->data.begin() + static_cast<std::ptrdiff_t>(1 + 16 * i), 16,
                            servers[i].begin());
            }
        }
        out.nap_ipv6 = std::move(servers);
    }
    return out;
}

Result<Option43> decode_option43(Bytes option) {
    if (option.size() < 2) {
        return fail(Errc::Truncated, Field::DhcpOption, option.size(), u32(option.size()), 2,
                    option.empty() ? 0 : option[0]);
    }
    if (option[0] != kOptionVendorSpecific) {
        return fail(Errc::BadType, Field::DhcpOption, 0, option[0], kOptionVendorSpecific,
                    option[0]);
    }
    const std::size_t length = option[1];
    if (2 + length > option.size()) {
        return fail(Errc::LengthOverrun, Field::DhcpOption, 1, u32(length), u32(option.size() - 2),
                    kOptionVendorSpecific);
    }
    std::size_t pos = 2 + length;
    if (pos == option.size()) {
        return decode_option43_payload(option.subspan(2, length), 2);
    }
    Pieces joined;
    joined.append(option.subspan(2, length), 2);
    while (pos < option.size()) {
        if (option[pos] != kOptionLongContinuation) {
            return fail(Errc::TrailingBytes, Field::DhcpOption, pos, option[pos],
                        u32(option.size()), option[pos]);
        }
        const std::size_t remaining = option.size() - pos;
        if (remaining < 2) {
            return fail(Errc::Truncated, Field::DhcpOption, option.size(), u32(remaining), 2,
                        kOptionLongContinuation);
        }
        const std::size_t n = option[pos + 1];
        if (n > remaining - 2) {
            return fail(Errc::LengthOverrun, Field::DhcpOption, pos + 1, u32(n), u32(remaining - 2),
                        kOptionLongContinuation);
        }
        joined.append(option.subspan(pos + 2, n), pos + 2);
        pos += 2 + n;
    }
    auto decoded = decode_option43_payload(joined.data, 0);
    if (!decoded) {
        return std::unexpected(relocate(decoded.error(), joined));
    }
    return decoded;
}

// ---- Encoders -----------------------------------------------------------------------------------

std::vector<std::uint8_t> encode_suboption(std::uint8_t code, Bytes data) {
    std::vector<std::uint8_t> out;
    out.reserve(data.size() + 2 * (data.size() / kMaxOptionData + 1));
    append_long(out, code, data);
    return out;
}

std::vector<std::uint8_t> encode_nap_discover_probe() {
    return {kSubNapSoh, 0x00};
}

std::vector<std::uint8_t> encode_nap_request_probe() {
    return {kSubNapSoh, 0x01, 0x00};
}

std::vector<std::uint8_t> encode_nap_marker(bool reversed) {
    return encode_suboption(kSubNapSoh, reversed ? Bytes(kPan) : Bytes(kNap));
}

std::vector<std::uint8_t> encode_nap_soh(Bytes message, radius::Wrapping wrapping) {
    return encode_suboption(kSubNapSoh, radius::wrap_quarantine_soh(message, wrapping));
}

std::vector<std::uint8_t> encode_nap_soh(const NapSoh& value) {
    switch (value.kind) {
        case NapSohKind::DiscoverProbe:
            return encode_nap_discover_probe();
        case NapSohKind::RequestProbe:
            return encode_nap_request_probe();
        case NapSohKind::NapMarker:
            return encode_nap_marker(false);
        case NapSohKind::NapMarkerReversed:
            return encode_nap_marker(true);
        case NapSohKind::Message:
            return encode_nap_soh(value.message, value.wrapping);
    }
    return {};
}

std::vector<std::uint8_t> encode_nap_mask(std::uint32_t mask) {
    std::vector<std::uint8_t> out{kSubNapMask, 4, 0, 0, 0, 0};
    store_le32(out.data() + 2, mask);
    return out;
}

std::vector<std::uint8_t> encode_nap_coid(const std::array<std::uint8_t, kNapCoIdSize>& coid) {
    return encode_suboption(kSubNapCoId, coid);
}

std::vector<std::uint8_t> encode_nap_ipv6(std::span<const Ipv6Address> servers) {
    if (servers.empty()) {
        return {kSubNapIpv6, 0x00};
    }
    const std::size_t n = std::min<std::size_t>(servers.size(), 255);
    std::vector<std::uint8_t> data;
    data.reserve(1 + 16 * n);
    data.push_back(static_cast<std::uint8_t>(n));
    for (std::size_t i = 0; i < n; ++i) {
        data.insert(data.end(), servers[i].begin(), servers[i].end());
    }
    return encode_suboption(kSubNapIpv6, data);
}

std::vector<std::uint8_t> encode_option43_payload(const Option43& value) {
    std::vector<std::uint8_t> out;
    auto add = [&out](const std::vector<std::uint8_t>& bytes) {
        out.insert(out.end(), bytes.begin(), bytes.end());
    };
    if (value.nap_coid) {
        add(encode_nap_coid(*value.nap_coid));
    }
    if (value.nap_soh) {
        add(encode_nap_soh(*value.nap_soh));
    }
    if (value.nap_mask) {
        add(encode_nap_mask(*value.nap_mask));
    }
    if (value.nap_ipv6) {
        add(encode_nap_ipv6(*value.nap_ipv6));
    }
    for (const SubOption& s : value.other) {
        append_long(out, s.code, s.data);
    }
    return out;
}

std::vector<std::uint8_t> encode_option43(Bytes payload) {
    std::vector<std::uint8_t> out;
    out.reserve(payload.size() + 2 * (payload.size() / kMaxOptionData + 1));
    append_long(out, kOptionVendorSpecific, payload);
    return out;
}

std::vector<std::uint8_t> encode_option43(const Option43& value) {
    return encode_option43(encode_option43_payload(value));
}

}  // namespace opennap::soh::dhcp
