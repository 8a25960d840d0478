// Who is calling the agent. Every core entry point takes a Caller so that ownership and
// who-sets-what rules are checked in one place, whatever the transport (in process, or the
// napagent socket of issue 4, which maps each client's bindings to these tokens).
#pragma once

#include <cstdint>

#include "opennap/core/nap_types.h"

namespace opennap::agent {

// Identifies one binding incarnation: a new token for every successful Initialize.
using BindingToken = std::uint64_t;

struct Caller {
    enum class Kind : std::uint8_t {
        Admin,              // management (register, enable, ...) and read-only queries
        EnforcementClient,  // an EC through its binding
        HealthAgent,        // an SHA through its binding
        Agent,              // the NAP agent itself (agent-only setters of a connection)
    };
    Kind kind = Kind::Admin;
    NapComponentId id = 0;     // EC or SHA id
    BindingToken binding = 0;  // the binding the call comes through (0 for Admin/Agent)

    static constexpr Caller admin() noexcept { return Caller{Kind::Admin, 0, 0}; }
    static constexpr Caller agent() noexcept { return Caller{Kind::Agent, 0, 0}; }
    friend constexpr bool operator==(const Caller&, const Caller&) = default;
};

}  // namespace opennap::agent
