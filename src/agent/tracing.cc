#include "opennap/agent/tracing.h"

#include "agent_impl.h"

namespace opennap::agent {

void set_tracing_level(NapTracingLevel level) {
    spdlog::level::level_enum l = spdlog::level::info;
    switch (level) {
        case NapTracingLevel::Undefined:
            l = spdlog::level::warn;
            break;
        case NapTracingLevel::Basic:
            l = spdlog::level::info;
            break;
        case NapTracingLevel::Advanced:
            l = spdlog::level::debug;
            break;
        case NapTracingLevel::Debug:
            l = spdlog::level::trace;
            break;
    }
    agent_log().set_level(l);
}

NapTracingLevel tracing_level() {
    switch (agent_log().level()) {
        case spdlog::level::trace:
            return NapTracingLevel::Debug;
        case spdlog::level::debug:
            return NapTracingLevel::Advanced;
        case spdlog::level::info:
            return NapTracingLevel::Basic;
        default:
            return NapTracingLevel::Undefined;
    }
}

}  // namespace opennap::agent
