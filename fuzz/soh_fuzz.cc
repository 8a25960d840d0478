// SoH decode: any input either decodes or yields a DecodeError; never crashes or over-reads.
// Every typed accessor is exercised on every TLV of a decoded message.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "opennap/soh/attributes.h"
#include "opennap/soh/message.h"

using namespace opennap::soh;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const opennap::Bytes in(data, size);
    auto v = decode(in, {.expect = Direction::Request});
    if (!v) {
        OPENNAP_FUZZ_CHECK(v.error().offset <= size);
        (void)v.error().message();
        return 0;
    }
    std::size_t tlvs = 0;
    for (const TlvView& t : v->body) {
        ++tlvs;
        OPENNAP_FUZZ_CHECK(t.value.data() >= data &&
                           t.value.data() + t.value.size() <= data + size);
        (void)attr::decode_value(t);
    }
    OPENNAP_FUZZ_CHECK(tlvs == v->tlv_count);
    std::size_t entries = 0;
    for (const EntryView& e : v->entries) {
        ++entries;
        std::size_t n = 0;
        for (const TlvView& t : e.attributes) {
            ++n;
            OPENNAP_FUZZ_CHECK(t.type != tlv_type::kSystemHealthId);
        }
        OPENNAP_FUZZ_CHECK(n == e.attribute_count);
    }
    OPENNAP_FUZZ_CHECK(entries == v->entry_count);
    return 0;
}
