#include "opennap/soh/message.h"

#include <algorithm>
#include <cstring>

namespace opennap::soh {

namespace {

constexpr std::size_t kMaxU16 = 0xFFFF;

// Checks the 12-byte header and the optional mode sub-header; returns the body's [begin, end).
struct Framing {
    std::uint16_t inner_type;
    std::size_t body_begin;
    std::size_t end;
};

Result<Framing> check_headers(Bytes b, MessageView& view) noexcept {
    const std::size_t n = b.size();
    if (n < kMessageHeaderSize) {
        return fail(Errc::Truncated, Field::OuterHeader, 0, kMessageHeaderSize,
                    static_cast<std::uint32_t>(n));
    }
    const std::uint16_t outer_type = load_be16(b.data()) & kTlvTypeMask;
    if (outer_type != kOuterType)
        return fail(Errc::BadType, Field::OuterHeader, 0, outer_type);
    const std::size_t outer_len = load_be16(b.data() + 2);
    if (outer_len > n - 4) {
        return fail(Errc::LengthOverrun, Field::OuterHeader, 2,
                    static_cast<std::uint32_t>(outer_len), static_cast<std::uint32_t>(n - 4));
    }
    if (outer_len < kMessageHeaderSize - 4) {
        return fail(Errc::BadLength, Field::OuterHeader, 2, static_cast<std::uint32_t>(outer_len));
    }
    if (outer_len < n - 4) {
        return fail(Errc::TrailingBytes, Field::Message, 4 + outer_len,
                    static_cast<std::uint32_t>(n - 4 - outer_len));
    }
    const std::uint32_t vendor = load_be32(b.data() + 4);
    if (vendor != kMicrosoftVendorId)
        return fail(Errc::BadVendor, Field::OuterHeader, 4, vendor);
    const std::uint16_t inner_type = load_be16(b.data() + 8);
    if (inner_type != kInnerTypeNoModeHeader && inner_type != kInnerTypeModeHeader) {
        return fail(Errc::UnknownInnerType, Field::InnerHeader, 8, inner_type);
    }
    const std::size_t inner_len = load_be16(b.data() + 10);
    const std::size_t avail = n - kMessageHeaderSize;
    if (inner_len > avail) {
        return fail(Errc::LengthOverrun, Field::InnerHeader, 10,
                    static_cast<std::uint32_t>(inner_len), static_cast<std::uint32_t>(avail));
    }
    if (inner_len < avail) {
        return fail(Errc::TrailingBytes, Field::InnerHeader, kMessageHeaderSize + inner_len,
                    static_cast<std::uint32_t>(avail - inner_len));
    }
    std::size_t pos = kMessageHeaderSize;
    if (inner_type == kInnerTypeModeHeader) {
        if (n - pos < kModeSubHeaderSize) {
            return fail(Errc::Truncated, Field::ModeSubHeader, pos, kModeSubHeaderSize,
                        static_cast<std::uint32_t>(n - pos));
        }
        const std::uint8_t* m = b.data() + pos;
        const std::uint16_t type = load_be16(m) & kTlvTypeMask;
        if (type != kOuterType)
            return fail(Errc::BadType, Field::ModeSubHeader, pos, type);
        const std::uint16_t len = load_be16(m + 2);
        if (len != kModeSubHeaderLength) {
            return fail(Errc::BadLength, Field::ModeSubHeader, pos + 2, len, kModeSubHeaderLength);
        }
        const std::uint32_t mvendor = load_be32(m + 4);
        if (mvendor != kMicrosoftVendorId) {
            return fail(Errc::BadVendor, Field::ModeSubHeader, pos + 4, mvendor);
        }
        if (m[33] != 0)
            return fail(Errc::ContentTypeNotSoh, Field::ModeSubHeader, pos + 33, m[33]);
        view.mode = ModeSubHeaderView{std::span<const std::uint8_t, CorrelationId::kWireSize>(
                                          m + 8, CorrelationId::kWireSize),
                                      m[32], m[33]};
        pos += kModeSubHeaderSize;
    }
    return Framing{inner_type, pos, n};
}

}  // namespace

Result<MessageView> decode(Bytes b, const DecodeOptions& options) noexcept {
    const Limits& limits = options.limits;
    if (b.size() > limits.max_message_size) {
        return fail(Errc::LimitExceeded, Field::Message, 0, static_cast<std::uint32_t>(b.size()),
                    static_cast<std::uint32_t>(limits.max_message_size));
    }
    MessageView view;
    view.bytes = b;
    auto framing = check_headers(b, view);
    if (!framing)
        return std::unexpected(framing.error());
    view.inner_type = framing->inner_type;
    const std::size_t end = framing->end;
    std::size_t pos = framing->body_begin;
    view.body_offset = static_cast<std::uint32_t>(pos);

    // The SSoH must come first: System-Health-ID 0x00013700.
    if (pos == end)
        return fail(Errc::MissingField, Field::SystemSoh, pos, 0, 0, 0, 0);
    auto first = read_tlv(b, pos, end, Field::Tlv, 0);
    if (!first)
        return std::unexpected(first.error());
    if (first->type != tlv_type::kSystemHealthId) {
        return fail(Errc::MissingField, Field::SystemSoh, pos, first->type, 0, first->type, 0);
    }
    if (first->value.size() != 4) {
        return fail(Errc::BadLength, Field::SystemSoh, pos + 2,
                    static_cast<std::uint32_t>(first->value.size()), 4, first->type, 0);
    }
    if (const std::uint32_t id = load_be32(first->value.data()); id != kNapSystemId) {
        return fail(Errc::BadValue, Field::SystemSoh, pos + 4, id, kNapSystemId, first->type, 0);
    }
    view.system_offset = static_cast<std::uint32_t>(pos);
    std::size_t tlv_count = 1;
    pos += kTlvHeaderSize + 4;
    const std::size_t group_begin = pos;
    std::size_t entries_begin = end;
    std::int32_t entry = 0;
    bool have_ms = false;

    while (pos < end) {
        auto tlv = read_tlv(b, pos, end, Field::Tlv, entry);
        if (!tlv)
            return std::unexpected(tlv.error());
        if (++tlv_count > limits.max_tlvs) {
            return fail(Errc::LimitExceeded, Field::Tlv, pos, static_cast<std::uint32_t>(tlv_count),
                        static_cast<std::uint32_t>(limits.max_tlvs), tlv->type, entry);
        }
        if (tlv->type == tlv_type::kSystemHealthId) {
            ++entry;
            if (static_cast<std::size_t>(entry) > limits.max_entries) {
                return fail(Errc::LimitExceeded, Field::ReportEntry, pos,
                            static_cast<std::uint32_t>(entry),
                            static_cast<std::uint32_t>(limits.max_entries), tlv->type, entry);
            }
            if (tlv->value.size() != 4) {
                return fail(Errc::BadLength, Field::ReportEntry, pos + 2,
                            static_cast<std::uint32_t>(tlv->value.size()), 4, tlv->type, entry);
            }
            if (entries_begin == end)
                entries_begin = pos;
        } else if (entry == 0 && !have_ms && tlv->type == tlv_type::kVendorSpecific &&
                   tlv->value.size() >= 4 && load_be32(tlv->value.data()) == kMicrosoftVendorId) {
            auto ms = decode_ms_attributes(tlv->value.subspan(4), tlv->value_offset() + 4, limits);
            if (!ms)
                return std::unexpected(ms.error());
            view.system = *ms;
            view.system_vendor_tlv_flags = tlv->flags;
            view.system_vendor_tlv_offset = tlv->offset;
            have_ms = true;
        }
        pos += kTlvHeaderSize + tlv->value.size();
    }
    if (!have_ms) {
        return fail(Errc::MissingField, Field::SystemSoh, view.system_offset,
                    tlv_type::kVendorSpecific, 0, tlv_type::kVendorSpecific, 0);
    }

    if (view.system.partial && !options.allow_partial) {
        return fail(Errc::BadType, Field::MsAttribute, view.system.unknown_offset,
                    view.system.unknown_type, 0, view.system.unknown_type, 0);
    }
    if (options.expect != Direction::Any && view.system.packet_info) {
        const bool want_request = options.expect == Direction::Request;
        if (view.system.is_request() != want_request) {
            return fail(Errc::WrongDirection, Field::MsAttribute, view.system.block_offset,
                        *view.system.packet_info, 0, ms_type::kPacketInfo, 0);
        }
    }

    view.body = TlvRange(b.subspan(view.body_offset, end - view.body_offset), b.data());
    view.system_group = TlvRange(b.subspan(group_begin, entries_begin - group_begin), b.data());
    view.entries = EntryRange(TlvRange(b.subspan(entries_begin, end - entries_begin), b.data()));
    view.entry_count = static_cast<std::uint16_t>(entry);
    view.tlv_count = static_cast<std::uint16_t>(tlv_count);
    return view;
}

std::optional<TlvView> EntryView::find(std::uint16_t type) const noexcept {
    for (const TlvView& t : attributes) {
        if (t.type == type)
            return t;
    }
    return std::nullopt;
}

EntryView EntryRange::iterator::operator*() const noexcept {
    const TlvView shid = *it_;
    EntryView e;
    e.id = load_be32(shid.value.data());
    e.index = index_;
    e.offset = shid.offset;
    const std::uint8_t* begin_ptr = shid.value.data() + shid.value.size();
    const std::uint8_t* end_ptr = begin_ptr;
    std::uint16_t count = 0;
    for (auto j = std::next(it_); j != end_; ++j) {
        const TlvView t = *j;
        if (t.type == tlv_type::kSystemHealthId)
            break;
        end_ptr = t.value.data() + t.value.size();
        ++count;
    }
    const std::uint8_t* base = shid.value.data() - kTlvHeaderSize - shid.offset;
    e.attributes = TlvRange(Bytes(begin_ptr, static_cast<std::size_t>(end_ptr - begin_ptr)), base);
    e.attribute_count = count;
    return e;
}

EntryRange::iterator& EntryRange::iterator::operator++() noexcept {
    ++it_;
    while (it_ != end_ && (*it_).type != tlv_type::kSystemHealthId)
        ++it_;
    ++index_;
    return *this;
}

const Attribute* ReportEntry::find(std::uint16_t type) const noexcept {
    for (const auto& a : attributes) {
        if (a.type == type)
            return &a;
    }
    return nullptr;
}

Message Message::from(const MessageView& view) {
    Message m;
    if (view.mode) {
        ModeSubHeader h;
        std::memcpy(h.correlation_id.data(), view.mode->correlation_id.data(),
                    h.correlation_id.size());
        h.intent = view.mode->intent;
        h.content_type = view.mode->content_type;
        m.mode = h;
    }
    m.system = SystemAttributes::from(view.system);
    m.system_vendor_tlv_flags = view.system_vendor_tlv_flags;
    for (const TlvView& t : view.system_group) {
        if (t.offset != view.system_vendor_tlv_offset)
            m.system_extra.push_back(Attribute::from(t));
    }
    m.entries.reserve(view.entry_count);
    for (const EntryView& e : view.entries) {
        ReportEntry r;
        r.id = e.id;
        r.attributes.reserve(e.attribute_count);
        for (const TlvView& t : e.attributes)
            r.attributes.push_back(Attribute::from(t));
        m.entries.push_back(std::move(r));
    }
    return m;
}

std::optional<CorrelationId> Message::correlation_id() const noexcept {
    if (mode)
        return CorrelationId::from_bytes(mode->correlation_id);
    if (const auto* c = system.find<MsCorrelationId>())
        return CorrelationId::from_bytes(c->bytes);
    return std::nullopt;
}

void Message::set_correlation_id(const CorrelationId& id) {
    const auto bytes = id.to_bytes();
    if (mode)
        mode->correlation_id = bytes;
    system.set(MsCorrelationId{bytes});
}

bool Message::is_request() const noexcept {
    const auto* p = system.find<PacketInfo>();
    return p != nullptr && (p->value & kPacketInfoRequestBit) != 0;
}

namespace {

std::unexpected<DecodeError> too_big(Field field, std::size_t at, std::size_t size,
                                     std::size_t limit, std::uint16_t type = 0,
                                     std::int32_t entry = -1) {
    return fail(Errc::LimitExceeded, field, at, static_cast<std::uint32_t>(size),
                static_cast<std::uint32_t>(limit), type, entry);
}

}  // namespace

Result<std::size_t> encode_to(const Message& m, std::vector<std::uint8_t>& out,
                              std::size_t max_size) {
    const std::size_t start = out.size();
    auto rollback = [&](auto err) {
        out.resize(start);
        return err;
    };
    out.resize(start + kMessageHeaderSize);
    std::uint8_t* h = out.data() + start;
    store_be16(h, kOuterType);
    store_be32(h + 4, kMicrosoftVendorId);
    store_be16(h + 8, m.mode ? kInnerTypeModeHeader : kInnerTypeNoModeHeader);
    if (m.mode) {
        const std::size_t at = out.size();
        out.resize(at + kModeSubHeaderSize);
        std::uint8_t* p = out.data() + at;
        store_be16(p, kOuterType);
        store_be16(p + 2, kModeSubHeaderLength);
        store_be32(p + 4, kMicrosoftVendorId);
        std::memcpy(p + 8, m.mode->correlation_id.data(), m.mode->correlation_id.size());
        p[32] = m.mode->intent;
        p[33] = m.mode->content_type;
    }
    // SSoH: System-Health-ID + Vendor-Specific(311){MS attributes}.
    {
        const std::size_t at = out.size();
        out.resize(at + 8 + 8);
        std::uint8_t* p = out.data() + at;
        store_be16(p, tlv_type::kSystemHealthId);
        store_be16(p + 2, 4);
        store_be32(p + 4, kNapSystemId);
        store_be16(p + 8, static_cast<std::uint16_t>(tlv_type::kVendorSpecific |
                                                     m.system_vendor_tlv_flags));
        store_be32(p + 12, kMicrosoftVendorId);
        auto block = m.system.encode_to(out);
        if (!block)
            return rollback(std::unexpected(block.error()));
        const std::size_t len = 4 + *block;
        if (len > kMaxU16) {
            return rollback(
                too_big(Field::SystemSoh, at + 8, len, kMaxU16, tlv_type::kVendorSpecific, 0));
        }
        store_be16(out.data() + at + 10, static_cast<std::uint16_t>(len));
    }
    auto put = [&](const Attribute& a, std::int32_t entry) -> Result<std::size_t> {
        if (a.value.size() > kMaxU16) {
            return too_big(Field::Tlv, out.size(), a.value.size(), kMaxU16, a.type, entry);
        }
        append_tlv(out, static_cast<std::uint16_t>((a.type & kTlvTypeMask) | a.flags),
                   Bytes(a.value));
        return a.value.size();
    };
    for (const auto& a : m.system_extra) {
        if (auto r = put(a, 0); !r)
            return rollback(std::unexpected(r.error()));
    }
    std::int32_t index = 0;
    for (const auto& e : m.entries) {
        ++index;
        std::uint8_t shid[4];
        store_be32(shid, e.id);
        append_tlv(out, tlv_type::kSystemHealthId, Bytes(shid, 4));
        for (const auto& a : e.attributes) {
            if (auto r = put(a, index); !r)
                return rollback(std::unexpected(r.error()));
        }
    }
    const std::size_t total = out.size() - start;
    if (total - 4 > kMaxU16 || total > max_size) {
        return rollback(too_big(Field::Message, 0, total, std::min(max_size, kMaxU16 + 4)));
    }
    store_be16(out.data() + start + 2, static_cast<std::uint16_t>(total - 4));
    store_be16(out.data() + start + 10, static_cast<std::uint16_t>(total - kMessageHeaderSize));
    return total;
}

Result<std::vector<std::uint8_t>> encode(const Message& m, std::size_t max_size) {
    // One allocation in the usual case: the entries' size, and room for the headers and the
    // system attributes of a typical SoH(R) (encode_to grows the buffer past it if need be).
    std::size_t estimate = 256;
    for (const ReportEntry& e : m.entries) {
        estimate += kTlvHeaderSize + 4;
        for (const Attribute& a : e.attributes)
            estimate += kTlvHeaderSize + a.value.size();
    }
    for (const Attribute& a : m.system_extra)
        estimate += kTlvHeaderSize + a.value.size();
    std::vector<std::uint8_t> out;
    out.reserve(std::min(estimate, max_size));
    auto r = encode_to(m, out, max_size);
    if (!r)
        return std::unexpected(r.error());
    return out;
}

}  // namespace opennap::soh
