// A scratch APT root: dpkg status, sources.list, lists (Release + Packages) for a main and a
// security archive, as apt-get update would leave them.
#pragma once

#include <string>
#include <vector>

#include "helpers.h"

namespace opennap::checks::test {

struct AptPackage {
    std::string name;
    std::string version;
};

struct AptRoot {
    ScratchRoot s;

    AptRoot() {
        s.write("/etc/apt/sources.list",
                "deb http://deb.example.org/debian bookworm main\n"
                "deb http://deb.example.org/debian bookworm-updates main\n"
                "deb http://security.example.org/debian-security bookworm-security main\n");
        s.mkdir("/etc/apt/apt.conf.d");
        s.mkdir("/etc/apt/preferences.d");
        s.mkdir("/etc/apt/sources.list.d");
        s.mkdir("/var/lib/apt/lists/partial");
        s.mkdir("/var/cache/apt/archives/partial");
        s.mkdir("/var/lib/dpkg/info");
        s.write("/var/lib/dpkg/status", "");
        // Pin the architecture: the scratch root has no dpkg to ask.
        s.write("/etc/apt/apt.conf.d/00arch",
                "APT::Architecture \"amd64\";\nAPT::Architectures { \"amd64\"; };\n");
    }

    void installed(const std::vector<AptPackage>& pkgs) const {
        std::string text;
        for (const auto& p : pkgs) {
            text += "Package: " + p.name +
                    "\nStatus: install ok installed\nPriority: optional\nSection: libs\n"
                    "Installed-Size: 10\nMaintainer: Test <t@example.org>\nArchitecture: amd64\n"
                    "Version: " +
                    p.version + "\nDescription: test package\n\n";
        }
        s.write("/var/lib/dpkg/status", text);
    }

    // Release + Packages for one suite. `host_dir` like "deb.example.org_debian".
    void suite(const std::string& host_dir, const std::string& suite, const std::string& origin,
               const std::string& label, const std::vector<AptPackage>& pkgs) const {
        const std::string base = "/var/lib/apt/lists/" + host_dir + "_dists_" + suite;
        s.write(base + "_Release", "Origin: " + origin + "\nLabel: " + label + "\nSuite: " + suite +
                                       "\nCodename: " + suite +
                                       "\nArchitectures: amd64\nComponents: main\n"
                                       "Date: Mon, 01 Jan 2024 00:00:00 UTC\n");
        std::string text;
        for (const auto& p : pkgs) {
            text += "Package: " + p.name + "\nVersion: " + p.version +
                    "\nArchitecture: amd64\nMaintainer: Test <t@example.org>\nInstalled-Size: "
                    "10\nFilename: pool/main/" +
                    p.name + "_" + p.version +
                    "_amd64.deb\nSize: 1000\nSHA256: " + std::string(64, 'a') +
                    "\nSection: libs\nPriority: optional\n"
                    "Description: test package\n\n";
        }
        s.write(base + "_main_binary-amd64_Packages", text);
    }

    void standard_archives(const std::vector<AptPackage>& main,
                           const std::vector<AptPackage>& updates,
                           const std::vector<AptPackage>& security) const {
        suite("deb.example.org_debian", "bookworm", "Debian", "Debian", main);
        suite("deb.example.org_debian", "bookworm-updates", "Debian", "Debian", updates);
        suite("security.example.org_debian-security", "bookworm-security", "Debian",
              "Debian-Security", security);
    }
};

}  // namespace opennap::checks::test
