// RADIUS framings: every decoder on the input; errors must point into the input, decoded spans must
// lie in it, and every successful decode must survive encode -> decode unchanged.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "opennap/soh/radius.h"

using namespace opennap;
using namespace opennap::soh::radius;

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

    auto q = decode_quarantine_soh(in);
    check_error(q, size);
    if (q) {
        const auto encoded = encode_quarantine_soh_vsas(q->message, q->wrapping);
        auto again = decode_quarantine_soh(encoded);
        check(again && again->message == q->message && again->wrapping == q->wrapping);
    }

    auto s = decode_quarantine_soh_vsa(in);
    check_error(s, size);
    if (s) {
        check(inside(s->message, data, size));
        const auto encoded = encode_quarantine_soh_vsas(s->message, s->wrapping);
        auto again = decode_quarantine_soh_vsa(encoded);
        check(again && again->wrapping == s->wrapping &&
              std::ranges::equal(again->message, s->message));
    }

    auto u = unwrap_quarantine_soh(in);
    check_error(u, size);
    if (u) {
        check(inside(u->message, data, size));
        const auto wrapped = wrap_quarantine_soh(u->message, u->wrapping);
        auto again = unwrap_quarantine_soh(wrapped);
        check(again && again->wrapping == u->wrapping &&
              std::ranges::equal(again->message, u->message));
    }

    auto a = decode_nap_attributes(in);
    check_error(a, size);
    if (a) {
        const auto encoded = encode_nap_attributes(*a);
        auto again = decode_nap_attributes(encoded);
        check(again && *again == *a);
    }
    return 0;
}
