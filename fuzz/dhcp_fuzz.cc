// DHCP option-43 framings: every decoder on the input; errors must point into the input, and every
// successful decode must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>

#include "opennap/soh/dhcp.h"

using namespace opennap;
using namespace opennap::soh::dhcp;

namespace {

// Property violation: trap so that libFuzzer saves the input as a crash reproducer.
inline void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

// A failed decode must point inside (or at the end of) the input and render a message.
template <typename R>
void check_error(const R& r, std::size_t size) {
    if (!r) {
        check(r.error().offset <= size);
        (void)r.error().message();
    }
}

// A decoded span must lie inside the input (zero-copy results).
[[maybe_unused]] bool inside(opennap::Bytes part, const std::uint8_t* data, std::size_t size) {
    return part.empty() || (part.data() >= data && part.data() + part.size() <= data + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Bytes in(data, size);

    auto o = decode_option43(in);
    check_error(o, size);
    if (o) {
        auto again = decode_option43(encode_option43(*o));
        check(again && *again == *o);
    }

    auto p = decode_option43_payload(in);
    check_error(p, size);
    if (p) {
        auto again = decode_option43_payload(encode_option43_payload(*p));
        check(again && *again == *p);
    }

    auto n = decode_nap_soh(in);
    check_error(n, size);
    if (n) {
        auto again = decode_option43_payload(encode_nap_soh(*n));
        check(again && again->nap_soh && *again->nap_soh == *n);
    }
    return 0;
}
