// Helpers shared by the RADIUS codec's sources (not installed).
#pragma once

#include <cstddef>
#include <cstdint>

#include "opennap/radius/error.h"

namespace opennap::radius::detail {

inline std::uint32_t u32(std::size_t v) noexcept {
    return static_cast<std::uint32_t>(v);
}

// An error about attribute `index` (1-based) of `type`.
inline Error attribute_error(Errc code, Field field, std::size_t offset, std::uint16_t index,
                             std::uint8_t type, std::uint32_t value = 0,
                             std::uint32_t limit = 0) noexcept {
    Error e;
    e.code = code;
    e.field = field;
    e.offset = u32(offset);
    e.attribute = index;
    e.type = type;
    e.value = value;
    e.limit = limit;
    return e;
}

inline Error plain_error(Errc code, Field field, std::size_t offset, std::uint32_t value = 0,
                         std::uint32_t limit = 0) noexcept {
    return attribute_error(code, field, offset, 0, 0, value, limit);
}

}  // namespace opennap::radius::detail
