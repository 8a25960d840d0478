// libFuzzer target: the checks room's parsers (fuzz/checks_check.h says which and what is
// checked). Seeds: fuzz/corpus/checks/.
#include <cstddef>
#include <cstdint>

#include "checks_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    check_checks_input(data, size);
    return 0;
}
