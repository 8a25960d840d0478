// The host <-> opennap-shvhost helper messages (opennap/server/helper_wire.h): the host decodes
// what a helper (running plug-in code) sends, so any datagram must give a message or a typed
// error. A decoded message re-encodes to exactly the same bytes (the encoding is canonical).
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "opennap/server/helper_wire.h"

using namespace opennap::server;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto m = wire::decode(opennap::Bytes(data, size));
    if (!m) {
        OPENNAP_FUZZ_CHECK(m.error().offset <= size);
        OPENNAP_FUZZ_CHECK(!m.error().message().empty());
        return 0;
    }
    const auto bytes = wire::encode(*m);
    OPENNAP_FUZZ_CHECK(bytes.size() == size);
    OPENNAP_FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), data));
    auto again = wire::decode(bytes);
    OPENNAP_FUZZ_CHECK(again.has_value() && *again == *m);
    return 0;
}
