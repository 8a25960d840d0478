// The host <-> opennap-shvhost messages (helper_wire.h).
#include "opennap/server/helper_wire.h"

#include <algorithm>
#include <new>
#include <type_traits>

namespace opennap::server::wire {

namespace {

using soh::Errc;

class Reader {
  public:
    explicit Reader(Bytes b) noexcept : b_(b) {}
    [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
    [[nodiscard]] std::size_t left() const noexcept { return b_.size() - pos_; }

    bool u8(std::uint8_t& v, const char* field) noexcept {
        if (!need(1, field))
            return false;
        v = b_[pos_++];
        return true;
    }
    bool u16(std::uint16_t& v, const char* field) noexcept {
        if (!need(2, field))
            return false;
        v = load_be16(b_.data() + pos_);
        pos_ += 2;
        return true;
    }
    bool u32(std::uint32_t& v, const char* field) noexcept {
        if (!need(4, field))
            return false;
        v = load_be32(b_.data() + pos_);
        pos_ += 4;
        return true;
    }
    bool u64(std::uint64_t& v, const char* field) noexcept {
        if (!need(8, field))
            return false;
        v = load_be64(b_.data() + pos_);
        pos_ += 8;
        return true;
    }
    bool bytes(Bytes& v, std::size_t n, const char* field) noexcept {
        if (n > left())
            return fail(Errc::LengthOverrun, field, pos_, static_cast<std::uint32_t>(n));
        v = b_.subspan(pos_, n);
        pos_ += n;
        return true;
    }
    bool str(std::string& v, const char* field) {
        const std::size_t at = pos_;
        std::uint16_t n = 0;
        if (!u16(n, field))
            return false;
        if (n > kMaxString)
            return fail(Errc::LimitExceeded, field, at, n);
        Bytes s;
        if (!bytes(s, n, field))
            return false;
        v.assign(reinterpret_cast<const char*>(s.data()), s.size());
        return true;
    }
    bool blob(std::vector<std::uint8_t>& v, const char* field) {
        const std::size_t at = pos_;
        std::uint32_t n = 0;
        if (!u32(n, field))
            return false;
        if (n > kMaxBlob)
            return fail(Errc::LimitExceeded, field, at, n);
        Bytes s;
        if (!bytes(s, n, field))
            return false;
        v.assign(s.begin(), s.end());
        return true;
    }
    bool soh(SoH& v) {
        const std::size_t at = pos_;
        std::uint16_t count = 0;
        if (!u16(count, "soh.count"))
            return false;
        if (count > maxSoHAttributeCount)
            return fail(Errc::LimitExceeded, "soh.count", at, count);
        // Each attribute needs at least 4 bytes: refuse an impossible count before reserving.
        if (std::size_t{count} * 4 > left())
            return fail(Errc::LengthOverrun, "soh.count", at, count);
        v.attributes.reserve(count);
        for (std::uint16_t i = 0; i < count; ++i) {
            SoHAttribute a;
            std::uint16_t size = 0;
            if (!u16(a.type, "soh.attribute.type"))
                return false;
            const std::size_t size_at = pos_;
            if (!u16(size, "soh.attribute.size"))
                return false;
            if (size > maxSoHAttributeSize)
                return fail(Errc::LimitExceeded, "soh.attribute.size", size_at, size);
            Bytes value;
            if (!bytes(value, size, "soh.attribute.value"))
                return false;
            a.value.assign(value.begin(), value.end());
            v.attributes.push_back(std::move(a));
        }
        return true;
    }
    bool fail(Errc code, const char* field, std::size_t offset, std::uint32_t value = 0) noexcept {
        error = WireError{code, field, static_cast<std::uint32_t>(offset), value};
        return false;
    }

    WireError error;

  private:
    bool need(std::size_t n, const char* field) noexcept {
        if (left() < n)
            return fail(Errc::Truncated, field, pos_, static_cast<std::uint32_t>(n));
        return true;
    }

    Bytes b_;
    std::size_t pos_ = 0;
};

void put_u8(std::vector<std::uint8_t>& out, std::uint8_t v) {
    out.push_back(v);
}
void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
    const std::size_t at = out.size();
    out.resize(at + 2);
    store_be16(out.data() + at, v);
}
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    const std::size_t at = out.size();
    out.resize(at + 4);
    store_be32(out.data() + at, v);
}
void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
    const std::size_t at = out.size();
    out.resize(at + 8);
    store_be64(out.data() + at, v);
}
void put_str(std::vector<std::uint8_t>& out, const std::string& s) {
    const std::size_t n = std::min<std::size_t>(s.size(), 0xFFFF);
    put_u16(out, static_cast<std::uint16_t>(n));
    out.insert(out.end(), s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n));
}
void put_blob(std::vector<std::uint8_t>& out, const std::vector<std::uint8_t>& b) {
    put_u32(out, static_cast<std::uint32_t>(b.size()));
    out.insert(out.end(), b.begin(), b.end());
}
void put_soh(std::vector<std::uint8_t>& out, const SoH& s) {
    const auto count =
        static_cast<std::uint16_t>(std::min<std::size_t>(s.attributes.size(), 0xFFFF));
    put_u16(out, count);
    for (std::size_t i = 0; i < count; ++i) {
        const SoHAttribute& a = s.attributes[i];
        const auto size = static_cast<std::uint16_t>(std::min<std::size_t>(a.value.size(), 0xFFFF));
        put_u16(out, a.type);
        put_u16(out, size);
        out.insert(out.end(), a.value.begin(), a.value.begin() + size);
    }
}

}  // namespace

std::string WireError::message() const {
    return "helper message: " + std::string(soh::to_string(code)) + " in " + field + " at offset " +
           std::to_string(offset) + " (value " + std::to_string(value) + ")";
}

std::expected<Message, WireError> decode(Bytes datagram) noexcept {
    try {
        Reader r(datagram);
        auto bad = [&]() -> std::expected<Message, WireError> { return std::unexpected(r.error); };
        if (datagram.size() > kMaxDatagram) {
            r.fail(Errc::LimitExceeded, "datagram", 0,
                   static_cast<std::uint32_t>(std::min<std::size_t>(datagram.size(), 0xFFFFFFFF)));
            return bad();
        }
        std::uint8_t type = 0;
        if (!r.u8(type, "type"))
            return bad();
        Message m;
        switch (static_cast<Type>(type)) {
            case Type::Configure: {
                Configure c;
                if (!r.str(c.plugin_path, "plugin_path") || !r.blob(c.config, "config"))
                    return bad();
                m = std::move(c);
                break;
            }
            case Type::Ready: {
                Ready c;
                if (!r.u32(c.abi_version, "abi_version") || !r.u32(c.shv_id, "shv_id") ||
                    !r.str(c.name, "name"))
                    return bad();
                m = std::move(c);
                break;
            }
            case Type::LoadFailed: {
                LoadFailed c;
                std::uint32_t hr = 0;
                const std::size_t at = r.pos();
                if (!r.u8(c.kind, "kind"))
                    return bad();
                if (c.kind > 5) {
                    r.fail(Errc::BadValue, "kind", at, c.kind);
                    return bad();
                }
                if (!r.u32(hr, "hr") || !r.str(c.detail, "detail"))
                    return bad();
                c.hr = static_cast<std::int32_t>(hr);
                m = std::move(c);
                break;
            }
            case Type::Validate: {
                Validate c;
                Bytes corr;
                std::uint8_t flags = 0;
                if (!r.u64(c.call, "call") || !r.u32(c.shv_id, "shv_id") ||
                    !r.u32(c.hint_ms, "hint_ms") ||
                    !r.bytes(corr, CorrelationId::kWireSize, "correlation_id") ||
                    !r.u32(c.config_id, "config_id"))
                    return bad();
                std::copy(corr.begin(), corr.end(), c.correlation_id.begin());
                const std::size_t at = r.pos();
                if (!r.u8(flags, "flags"))
                    return bad();
                if ((flags & ~0x03u) != 0) {
                    r.fail(Errc::BadValue, "flags", at, flags);
                    return bad();
                }
                c.system_generated = (flags & 0x02u) != 0;
                if (!r.str(c.machine_name, "machine_name"))
                    return bad();
                if ((flags & 0x01u) != 0) {
                    c.soh.emplace();
                    if (!r.soh(*c.soh))
                        return bad();
                }
                m = std::move(c);
                break;
            }
            case Type::Result: {
                Result c;
                std::uint32_t hr = 0;
                std::uint8_t has = 0;
                if (!r.u64(c.call, "call") || !r.u32(hr, "hr"))
                    return bad();
                c.hr = static_cast<std::int32_t>(hr);
                const std::size_t at = r.pos();
                if (!r.u8(has, "has_response"))
                    return bad();
                if (has > 1) {
                    r.fail(Errc::BadValue, "has_response", at, has);
                    return bad();
                }
                if (has == 1) {
                    c.response.emplace();
                    if (!r.soh(*c.response))
                        return bad();
                }
                m = std::move(c);
                break;
            }
            default:
                r.fail(Errc::BadType, "type", 0, type);
                return bad();
        }
        if (r.left() != 0) {
            r.fail(Errc::TrailingBytes, "datagram", r.pos(), static_cast<std::uint32_t>(r.left()));
            return bad();
        }
        return m;
    } catch (const std::bad_alloc&) {
        return std::unexpected(WireError{Errc::LimitExceeded, "memory", 0, 0});
    }
}

std::vector<std::uint8_t> encode(const Message& message) {
    std::vector<std::uint8_t> out;
    std::visit(
        [&](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, Configure>) {
                put_u8(out, static_cast<std::uint8_t>(Type::Configure));
                put_str(out, m.plugin_path);
                put_blob(out, m.config);
            } else if constexpr (std::is_same_v<T, Ready>) {
                put_u8(out, static_cast<std::uint8_t>(Type::Ready));
                put_u32(out, m.abi_version);
                put_u32(out, m.shv_id);
                put_str(out, m.name);
            } else if constexpr (std::is_same_v<T, LoadFailed>) {
                put_u8(out, static_cast<std::uint8_t>(Type::LoadFailed));
                put_u8(out, m.kind);
                put_u32(out, static_cast<std::uint32_t>(m.hr));
                put_str(out, m.detail);
            } else if constexpr (std::is_same_v<T, Validate>) {
                put_u8(out, static_cast<std::uint8_t>(Type::Validate));
                put_u64(out, m.call);
                put_u32(out, m.shv_id);
                put_u32(out, m.hint_ms);
                out.insert(out.end(), m.correlation_id.begin(), m.correlation_id.end());
                put_u32(out, m.config_id);
                put_u8(out,
                       static_cast<std::uint8_t>((m.soh ? 1 : 0) | (m.system_generated ? 2 : 0)));
                put_str(out, m.machine_name);
                if (m.soh)
                    put_soh(out, *m.soh);
            } else {
                put_u8(out, static_cast<std::uint8_t>(Type::Result));
                put_u64(out, m.call);
                put_u32(out, static_cast<std::uint32_t>(m.hr));
                put_u8(out, m.response ? 1 : 0);
                if (m.response)
                    put_soh(out, *m.response);
            }
        },
        message);
    return out;
}

}  // namespace opennap::server::wire
