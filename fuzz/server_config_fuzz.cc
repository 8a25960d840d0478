// server.toml on arbitrary text: check_config never throws or crashes and reports positions
// inside the text; a configuration that parses is then used for real -- find_client, evaluate
// over a few requests, and an SoHR for every decision that is not a denial.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "opennap/policy/config.h"
#include "opennap/policy/evaluate.h"
#include "opennap/policy/sohr.h"
#include "opennap/shvs/linux_shv.h"
#include "opennap/shvs/wshv.h"

using namespace opennap;
using namespace opennap::policy;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ParseOptions options;
    options.wsha_settings = shvs::wshv::settings_check();
    options.linux_settings = shvs::linux_shv::settings_check();
    auto errors = check_config(text, "fuzz.toml", options);
    for (const ConfigError& e : errors) {
        OPENNAP_FUZZ_CHECK(e.line >= 0 && e.column >= 0);
        OPENNAP_FUZZ_CHECK(static_cast<std::size_t>(e.line) <= size + 1);
    }
    auto config = parse_config(text, "fuzz.toml", options);
    OPENNAP_FUZZ_CHECK(config.has_value() == errors.empty());
    if (!config) {
        return 0;
    }
    for (const ShvConfig& shv : config->shvs) {
        OPENNAP_FUZZ_CHECK(shv.settings != nullptr);
        if (shv.kind == ShvKind::wsha) {
            OPENNAP_FUZZ_CHECK(shvs::wshv::parse_settings(*shv.settings).has_value());
        }
    }
    const IpAddress addresses[] = {IpAddress::v4(127, 0, 0, 1), IpAddress::v4(10, 1, 2, 3),
                                   *IpAddress::parse("2001:db8::1"), *IpAddress::parse("::1")};
    std::vector<ShvVerdict> verdicts;
    for (const ShvConfig& shv : config->shvs) {
        switch (shv.id % 4) {
            case 0:
                verdicts.push_back(ShvVerdict::from_codes(shv.id, {hr::S_OK}));
                break;
            case 1:
                verdicts.push_back(ShvVerdict::from_codes(shv.id, {HResult{0xC0FF0001u}}));
                break;
            case 2:
                verdicts.push_back(ShvVerdict::failed(shv.id, FailureCategory::ClientComponent));
                break;
            default:
                break;  // unavailable
        }
    }
    for (const IpAddress& a : addresses) {
        const RadiusClient* c = find_client(*config, a);
        OPENNAP_FUZZ_CHECK(c == nullptr || c->prefix.contains(a));
        for (bool soh : {true, false}) {
            RequestFacts f;
            f.client_address = a;
            f.nas_address = a;
            f.machine_name = "pc-1.example.org";
            f.soh_present = soh;
            f.now = FileTime{0x01E0F6C0A005C000ull};
            const Decision d = evaluate(*config, f, verdicts);
            OPENNAP_FUZZ_CHECK(d.shvs.size() == config->shvs.size());
            OPENNAP_FUZZ_CHECK(d.probation_end.has_value() == (d.access == Access::probation));
            auto content = SohrContent::from(d);
            OPENNAP_FUZZ_CHECK(content.has_value() == (d.access != Access::deny));
            if (content) {
                auto bytes = build_sohr(*content, SohrEcho{}, {}, 0xFFFF);
                OPENNAP_FUZZ_CHECK(bytes.has_value());
                OPENNAP_FUZZ_CHECK(soh::decode(*bytes, {.limits = {.max_message_size = 0xFFFF},
                                                        .expect = soh::Direction::Response})
                                       .has_value());
            }
        }
    }
    return 0;
}
