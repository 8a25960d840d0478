// napctl: the OpenNAP command-line tool. This file only dispatches; each command group lives in
// its own <group>_cmd.cc (see commands.h).
#include <iostream>

#include "commands.h"

namespace napctl {

const char* const kExitCodeHelp =
    "Exit codes:\n"
    "  0  success: decoded (or encoded) completely; the agent did what was asked\n"
    "  1  usage error: unknown option, missing or conflicting arguments, bad hex argument\n"
    "  2  input not decodable (the error names the offset and field) or JSON not encodable\n"
    "     (the error names the JSON path)\n"
    "  3  decoded, but only partially (unknown MS attribute type) or the message is one the\n"
    "     receiver rules say to ignore (content type != 0, unknown inner type)\n"
    "  4  I/O error: a file or stream could not be read or written; an audit database cannot\n"
    "     be opened or holds a bad record\n"
    "  5  the NAP agent (napagent), or the audit database server, cannot be reached\n"
    "  6  the agent failed the call (its HRESULT name and message are printed)\n"
    "  7  the agent refused the call: E_ACCESSDENIED (administrators only)\n"
    "status, connect: 0 full access (not restricted), 10 in probation, 11 restricted access,\n"
    "  12 no decision yet (no connection has had an SoH response)\n"
    "connect: 13 the health policy server rejected the request (Access-Reject),\n"
    "  14 the exchange did not complete (no answer, wrong secret, ...)\n";

}  // namespace napctl

int main(int argc, char** argv) {
    CLI::App app{"napctl - OpenNAP (Network Access Protection for Linux) control tool"};
    app.footer(napctl::kExitCodeHelp);
    app.require_subcommand(1);
    int exit_code = napctl::kExitOk;
    napctl::register_soh_commands(app, exit_code);
    napctl::register_agent_commands(app, exit_code);
    napctl::register_connect_commands(app, exit_code);
    napctl::register_server_commands(app, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
            return app.exit(e);  // --help
        std::cerr << "napctl: " << e.what() << "\nRun 'napctl --help' for usage.\n";
        return napctl::kExitUsage;
    }
    return exit_code;
}
