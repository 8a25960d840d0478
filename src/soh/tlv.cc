#include "opennap/soh/tlv.h"

namespace opennap::soh {

Result<TlvView> read_tlv(Bytes buf, std::size_t pos, std::size_t end, Field field,
                         std::int32_t entry, std::size_t base_offset) noexcept {
    if (end > buf.size())
        end = buf.size();
    if (pos > end || end - pos < kTlvHeaderSize) {
        const std::size_t remain = pos > end ? 0 : end - pos;
        return fail(Errc::Truncated, field, base_offset + pos, kTlvHeaderSize,
                    static_cast<std::uint32_t>(remain), 0, entry);
    }
    const std::uint16_t raw = load_be16(buf.data() + pos);
    const std::uint16_t type = raw & kTlvTypeMask;
    const std::uint16_t len = load_be16(buf.data() + pos + 2);
    const std::size_t avail = end - pos - kTlvHeaderSize;
    if (len > avail) {
        return fail(Errc::LengthOverrun, field, base_offset + pos, len,
                    static_cast<std::uint32_t>(avail), type, entry);
    }
    return TlvView{type, static_cast<std::uint16_t>(raw & ~kTlvTypeMask),
                   buf.subspan(pos + kTlvHeaderSize, len),
                   static_cast<std::uint32_t>(base_offset + pos)};
}

}  // namespace opennap::soh
