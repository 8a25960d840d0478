// OpenNAP's Linux SHA entry (soh/linux_soh.h) on untrusted SoH and SoHR messages; the properties
// are in linux_soh_check.h.
#include <cstddef>
#include <cstdint>

#include "linux_soh_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    opennap::fuzz::check_linux_soh(data, size);
    return 0;
}
