// napagent framing and conversions: any byte stream, cut into chunks of any sizes, either yields
// frames or a FrameError, the same way however it is cut; every message in a decoded Envelope
// goes through its converter, and what converts converts back. See ipc_frame_check.h.
#include <cstddef>
#include <cstdint>

#include "ipc_frame_check.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    opennap::ipc::fuzz::trap_protobuf_logs();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    opennap::ipc::fuzz::check_stream(data, size);
    return 0;
}
