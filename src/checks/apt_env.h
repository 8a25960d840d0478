// Internal: libapt-pkg keeps its configuration and packaging system in process globals (_config,
// _system). Every use in this room takes apt_mutex() and starts from a fresh configuration for
// the requested root (AptSession), so measurements of different roots do not leak into each
// other. CHOSEN: the room owns libapt's globals in the process that links it.
#pragma once

#include <mutex>
#include <string>

#include "opennap/checks/result.h"
#include "opennap/checks/system_root.h"

namespace opennap::checks::detail {

[[nodiscard]] std::mutex& apt_mutex();

// Replaces _config with a fresh one for `root` (Dir = the root, and dpkg's status file under it,
// when the root is not "/"), reads the
// configuration files under it (pkgInitConfig), then applies `pkgcache` ("" = no cache file,
// built in memory; else the directory of the binary caches, created if missing, in memory if it
// cannot be) and, when
// `init_system`, initialises the packaging system (pkgInitSystem). Caller holds apt_mutex().
[[nodiscard]] Result<void> apt_reset(const SystemRoot& root, const std::string& cache_dir,
                                     bool init_system);

// libapt's pending error messages, joined with "; " (and cleared).
[[nodiscard]] std::string apt_errors();

}  // namespace opennap::checks::detail
