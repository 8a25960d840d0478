// The server room's logger ("opennap.server") and its macro. Internal to src/server.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

namespace opennap::server {

spdlog::logger& server_log();

// The arguments are evaluated only when the level is enabled.
#define OPENNAP_SERVER_LOG(lvl, ...)                                        \
    do {                                                                    \
        ::spdlog::logger& server_logger_ = ::opennap::server::server_log(); \
        if (server_logger_.should_log(::spdlog::level::lvl)) {              \
            server_logger_.log(::spdlog::level::lvl, __VA_ARGS__);          \
        }                                                                   \
    } while (0)

inline std::string hex_id(std::uint32_t id) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", id);
    return buf;
}

}  // namespace opennap::server
