// The audit store's pure decoders (opennap_store): the JSON columns (shvs, reasons) as read back
// from a database anyone with access may have edited, the machine-name glob, and the time
// arguments of `napctl server decisions`. The first byte picks the decoder; the rest is its
// input. Properties: nothing crashes or throws; a decoded column re-encodes to text that decodes
// to the same values; an error names a field and points inside the text; a glob's SQL LIKE form
// only escapes what LIKE treats specially; parsed times are in the stores' range.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "opennap/store/audit_store.h"
#include "opennap/store/column_codec.h"
#include "opennap/store/format.h"

using namespace opennap::store;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
        case 0: {
            auto shvs = decode_shvs(text);
            if (!shvs) {
                OPENNAP_FUZZ_CHECK(!shvs.error().field.empty());
                OPENNAP_FUZZ_CHECK(shvs.error().offset <= text.size());
                OPENNAP_FUZZ_CHECK(!shvs.error().to_string().empty());
                break;
            }
            auto again = decode_shvs(encode_shvs(*shvs));
            OPENNAP_FUZZ_CHECK(again && *again == *shvs);
            break;
        }
        case 1: {
            auto reasons = decode_reasons(text);
            if (!reasons) {
                OPENNAP_FUZZ_CHECK(!reasons.error().field.empty());
                OPENNAP_FUZZ_CHECK(reasons.error().offset <= text.size());
                break;
            }
            auto again = decode_reasons(encode_reasons(*reasons));
            OPENNAP_FUZZ_CHECK(again && *again == *reasons);
            break;
        }
        case 2: {
            // pattern '\n' name
            const auto nl = text.find('\n');
            const std::string_view pattern = text.substr(0, nl);
            const std::string_view name =
                nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
            (void)machine_matches(pattern, name);
            if (auto like = machine_like_pattern(pattern)) {
                // Every '%' or '_' that is not escaped came from '*' or '?'.
                for (std::size_t i = 0; i < like->size(); ++i) {
                    if ((*like)[i] == '\\') {
                        OPENNAP_FUZZ_CHECK(i + 1 < like->size());
                        const char c = (*like)[++i];
                        OPENNAP_FUZZ_CHECK(c == '%' || c == '_' || c == '\\');
                    }
                }
            } else {
                // No wildcard: the exact key matches the name it came from (escapes removed).
                const std::string key = machine_exact_key(pattern);
                OPENNAP_FUZZ_CHECK(machine_matches(pattern, key));
            }
            break;
        }
        case 3: {
            const Timestamp now{std::chrono::microseconds(1'764'640'000'000'000)};
            auto t = parse_time_arg(text, now);
            if (t)
                OPENNAP_FUZZ_CHECK(in_range(*t));
            else
                OPENNAP_FUZZ_CHECK(!t.error().empty());
            break;
        }
    }
    return 0;
}
