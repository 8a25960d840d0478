// The /metrics endpoint's request-head parser (opennap_metrics): any bytes a client may send.
// Properties: no crash; a parsed head lies inside the input and ends with an empty line; its
// method is a token and its path a prefix of its target; an error's offset is inside the input;
// every prefix of a parsed head is Incomplete (a head is never accepted early).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "opennap/metrics/http_request.h"

using namespace opennap::metrics;

namespace {

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    auto h = parse_request_head(in);
    if (!h) {
        OPENNAP_FUZZ_CHECK(h.error().offset <= size);
        OPENNAP_FUZZ_CHECK(!h.error().what.empty());
        return 0;
    }
    OPENNAP_FUZZ_CHECK(h->head_size >= 2 && h->head_size <= size);
    OPENNAP_FUZZ_CHECK(in[h->head_size - 1] == '\n');
    OPENNAP_FUZZ_CHECK(inside(h->method, in) && inside(h->target, in) && inside(h->path, in));
    OPENNAP_FUZZ_CHECK(!h->method.empty() && !h->target.empty());
    OPENNAP_FUZZ_CHECK(h->target.substr(0, h->path.size()) == h->path);
    OPENNAP_FUZZ_CHECK(h->minor_version <= 1);
    // The same head alone parses the same; any shorter prefix is Incomplete.
    auto alone = parse_request_head(in.substr(0, h->head_size));
    OPENNAP_FUZZ_CHECK(alone && alone->head_size == h->head_size);
    auto shorter = parse_request_head(in.substr(0, h->head_size - 1));
    OPENNAP_FUZZ_CHECK(!shorter && shorter.error().code == HttpErrc::Incomplete);
    return 0;
}
