#include "log.h"

namespace opennap::server {

spdlog::logger& server_log() {
    static const std::shared_ptr<spdlog::logger> logger = [] {
        if (auto l = spdlog::get("opennap.server"))
            return l;
        auto l = spdlog::default_logger()->clone("opennap.server");
        spdlog::register_logger(l);
        return l;
    }();
    return *logger;
}

}  // namespace opennap::server
