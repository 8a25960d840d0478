// napdemo: builds this machine's Statement of Health, encodes it, decodes it back, checks that
// nothing was lost and prints it. (A later version runs the full health exchange.)
#include <cstdio>
#include <string>

#include "opennap/soh/message.h"
#include "opennap/tools/hex.h"
#include "opennap/tools/soh_json.h"
#include "opennap/tools/sysinfo.h"
#include "opennap/tools/tree.h"

namespace soh = opennap::soh;
namespace tools = opennap::tools;

int main() {
    const tools::SystemFacts facts = tools::gather_system_facts();
    std::printf("OpenNAP demo: Statement of Health of %s\n\n", facts.host_name.c_str());
    std::printf("This machine: %s, kernel %s (%s)\n",
                facts.os.pretty_name.empty() ? "unknown OS" : facts.os.pretty_name.c_str(),
                facts.kernel_release.c_str(), facts.machine.c_str());
    std::printf(
        "  -> OS version %u.%u, build 0x%06X (kernel version code), processor "
        "architecture %u\n\n",
        facts.os.major, facts.os.minor, facts.os_build, facts.processor_arch);

    const soh::Message message = tools::build_request(facts, tools::new_correlation_id());
    auto bytes = soh::encode(message);
    if (!bytes) {
        std::fprintf(stderr, "napdemo: encoding failed: %s\n", bytes.error().message().c_str());
        return 1;
    }
    auto view = soh::decode(
        *bytes, soh::DecodeOptions{.expect = soh::Direction::Request, .allow_partial = false});
    if (!view) {
        std::fprintf(stderr, "napdemo: decoding our own SoH failed: %s\n",
                     view.error().message().c_str());
        return 1;
    }
    if (soh::Message::from(*view) != message) {
        std::fprintf(stderr, "napdemo: the decoded SoH differs from the one built\n");
        return 1;
    }
    auto again = soh::encode(soh::Message::from(*view));
    if (!again || *again != *bytes) {
        std::fprintf(stderr, "napdemo: re-encoding the decoded SoH changed its bytes\n");
        return 1;
    }
    std::printf(
        "Encoded %zu bytes (%zu-byte header, %zu-byte mode sub-header, %zu-byte SSoH, "
        "%u report entries); decoded back: identical.\n\n",
        bytes->size(), soh::kMessageHeaderSize, soh::kModeSubHeaderSize,
        bytes->size() - soh::kMessageHeaderSize - soh::kModeSubHeaderSize,
        static_cast<unsigned>(view->entry_count));
    std::fputs(tools::format_message_tree(tools::to_json(*view)).c_str(), stdout);
    std::printf("\nHex (%zu bytes):\n%s", bytes->size(), tools::hex_dump(*bytes).c_str());
    return 0;
}
