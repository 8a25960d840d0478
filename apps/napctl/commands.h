// napctl command groups. main.cc builds the CLI11 application and hands it to each group's
// register function; every group adds its subcommands and stores the exit code of the command
// that ran in `exit_code`. New groups (status, register, ...) get their own <group>_cmd.cc.
#pragma once

#include <CLI/CLI.hpp>

namespace napctl {

// Exit codes shared by every napctl command (also listed in --help and docs/napctl.md).
enum ExitCode : int {
    kExitOk = 0,           // success
    kExitUsage = 1,        // bad command line
    kExitUndecodable = 2,  // input not decodable / not encodable
    kExitIgnored = 3,      // decoded, but partial or to be ignored by the receiver rules
    kExitIo = 4,           // a file or stream could not be read or written
};

// The exit-code table for --help footers.
extern const char* const kExitCodeHelp;

// `napctl soh decode` and `napctl soh encode` (soh_cmd.cc).
void register_soh_commands(CLI::App& app, int& exit_code);

}  // namespace napctl
