#include "apt_env.h"

#include <apt-pkg/configuration.h>
#include <apt-pkg/error.h>
#include <apt-pkg/init.h>
#include <apt-pkg/pkgsystem.h>

#include <filesystem>

namespace opennap::checks::detail {

std::mutex& apt_mutex() {
    static std::mutex m;
    return m;
}

std::string apt_errors() {
    std::string all;
    std::string msg;
    while (!_error->empty()) {
        const bool is_error = _error->PopMessage(msg);
        if (!is_error) {
            continue;  // warnings and notices are not failures
        }
        if (!all.empty()) {
            all += "; ";
        }
        all += msg;
    }
    _error->Discard();
    return all;
}

Result<void> apt_reset(const SystemRoot& root, const std::string& cache_dir, bool init_system) {
    _error->Discard();
    delete _config;
    _config = new Configuration;
    // Not RootDir: that would also move dpkg's own tables (/usr/share/dpkg/cputable) and
    // binaries into the scratch root. "Dir" moves only what APT keeps relative to it (etc/apt,
    // var/lib/apt, var/cache/apt); dpkg's status file is set explicitly.
    if (!root.is_host()) {
        _config->Set("Dir", root.root().string() + "/");
    }
    if (!pkgInitConfig(*_config)) {
        return fail(plain_error("libapt-pkg: reading the APT configuration: " + apt_errors()));
    }
    if (!root.is_host()) {
        _config->Set("Dir::State::status", root.path("/var/lib/dpkg/status").string());
    }
    std::error_code ec;
    if (!cache_dir.empty() && !std::filesystem::is_directory(cache_dir, ec)) {
        std::filesystem::create_directories(cache_dir, ec);
    }
    if (cache_dir.empty() || !std::filesystem::is_directory(cache_dir, ec)) {
        // No usable cache directory: libapt builds the cache in memory (slower, same answer).
        _config->Set("Dir::Cache::pkgcache", "");
        _config->Set("Dir::Cache::srcpkgcache", "");
    } else {
        _config->Set("Dir::Cache::pkgcache", cache_dir + "/pkgcache.bin");
        _config->Set("Dir::Cache::srcpkgcache", cache_dir + "/srcpkgcache.bin");
    }
    if (init_system && !pkgInitSystem(*_config, _system)) {
        return fail(plain_error("libapt-pkg: initialising the packaging system: " + apt_errors()));
    }
    return {};
}

}  // namespace opennap::checks::detail
