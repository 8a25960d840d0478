// PEAP framings: every decoder on the input; errors must point into the input, decoded spans must
// lie in it, and every successful decode must survive encode -> decode unchanged.
#include <cstddef>
#include <cstdint>

#include "opennap/soh/peap.h"

using namespace opennap;
using namespace opennap::soh::peap;

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

    auto v = decode_vendor_payload(in);
    check_error(v, size);
    if (v) {
        check(inside(v->message, data, size));
        const auto encoded = encode_vendor_payload(*v);
        auto again = decode_vendor_payload(encoded);
        check(again && *again == *v);
    }

    auto e = decode_eap_soh(in);
    check_error(e, size);
    if (e) {
        check(inside(e->payload.message, data, size) && inside(e->vendor_tlv, data, size));
        const auto encoded = encode_eap_soh(encode_vendor_payload(e->payload), e->header);
        auto again = decode_eap_soh(encoded);
        check(again && again->header == e->header && again->payload == e->payload);
    }

    auto t = decode_eap_tlv(in);
    check_error(t, size);
    if (t) {
        check(!t->soh_response || inside(*t->soh_response, data, size));
        check(!t->crypto_binding || inside(*t->crypto_binding, data, size));
        const auto encoded = encode_eap_tlv(*t);
        auto again = decode_eap_tlv(encoded);
        check(again && *again == *t);
    }
    return 0;
}
