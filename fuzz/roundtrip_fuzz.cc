// decode -> owning model -> encode -> decode: the second decode must succeed and give the same
// model, and encoding that model again must give the same bytes (the canonical form is a fixed
// point).
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "opennap/soh/message.h"

using namespace opennap::soh;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto v = decode(opennap::Bytes(data, size));
    if (!v)
        return 0;
    const Message m = Message::from(*v);
    auto bytes = encode(m);
    OPENNAP_FUZZ_CHECK(bytes.has_value());
    auto v2 = decode(*bytes);
    OPENNAP_FUZZ_CHECK(v2.has_value());
    const Message m2 = Message::from(*v2);
    OPENNAP_FUZZ_CHECK(m2 == m);
    auto bytes2 = encode(m2);
    OPENNAP_FUZZ_CHECK(bytes2.has_value() && *bytes2 == *bytes);
    return 0;
}
