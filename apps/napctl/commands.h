// napctl command groups. main.cc builds the CLI11 application and hands it to each group's
// register function; every group adds its subcommands and stores the exit code of the command
// that ran in `exit_code`. Each group lives in its own <group>_cmd.cc.
#pragma once

#include <CLI/CLI.hpp>

namespace napctl {

// Exit codes shared by every napctl command (also listed in --help and docs/napctl.md).
enum ExitCode : int {
    kExitOk = 0,           // success
    kExitUsage = 1,        // bad command line
    kExitUndecodable = 2,  // input not decodable / not encodable
    kExitIgnored = 3,      // decoded, but partial or to be ignored by the receiver rules
    kExitIo = 4,           // a file, stream or database could not be read or written
    // The agent commands (agent_cmd.cc).
    kExitUnreachable = 5,   // the napagent daemon cannot be reached (or stopped answering)
    kExitAgentError = 6,    // the agent failed the call (its HRESULT is printed)
    kExitAccessDenied = 7,  // the agent refused the call: E_ACCESSDENIED
    // `napctl status`: the system isolation state (0 = full access).
    kExitProbation = 10,   // in probation
    kExitRestricted = 11,  // restricted access
    kExitNoDecision = 12,  // no connection has a decision yet (no health policy server answer)
    // `napctl connect`.
    kExitRejected = 13,        // the health policy server rejected the request (Access-Reject)
    kExitExchangeFailed = 14,  // the exchange did not complete (no answer, bad secret, ...)
};

// The exit-code table for --help footers.
extern const char* const kExitCodeHelp;

// `napctl soh decode` and `napctl soh encode` (soh_cmd.cc).
void register_soh_commands(CLI::App& app, int& exit_code);

// status, register, unregister, enable, disable, trace-level and `soh show`: the commands that
// talk to the napagent daemon (agent_cmd.cc). Call after register_soh_commands.
void register_agent_commands(CLI::App& app, int& exit_code);

// `napctl connect radius://HOST[:PORT]`: a health exchange through the RADIUS enforcement client
// (connect_cmd.cc).
void register_connect_commands(CLI::App& app, int& exit_code);

// `napctl server decisions`: the health policy server's audit records (server_cmd.cc).
void register_server_commands(CLI::App& app, int& exit_code);

}  // namespace napctl
