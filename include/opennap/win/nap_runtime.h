// The agent behind the Windows-shaped objects. NapCreateInstance creates bindings and client
// management objects over the process-wide default agent; each object keeps the agent it was
// created with for its whole life.
#pragma once

#include <memory>

#include "napwindef.h"
#include "opennap/agent/agent.h"
#include "opennap/agent/driver.h"

namespace opennap::win {

// The process-wide default agent. Created on first use: when the environment variable
// OPENNAP_AGENT_SOCKET names a napagent socket, a client of that daemon (RemoteAgent, so the
// same program runs out of process); otherwise an in-process agent with a SystemClock and a
// default AgentConfig, driven by a background thread (AgentDriver) so that NotifySoHChange,
// retries and fix-up polls are processed as they would be by the Windows NapAgent service.
[[nodiscard]] std::shared_ptr<agent::AgentApi> default_agent();

// Replaces the default agent for objects created from now on (objects already created keep
// theirs). With drive = true a background AgentDriver runs its pending work; with false the
// caller drives it (agent->run_pending(), e.g. under a ManualClock in tests). nullptr resets to
// the lazily created default.
void set_default_agent(std::shared_ptr<agent::AgentApi> agent, bool drive = true);

// NapCreateInstance over a given agent.
HRESULT create_instance(std::shared_ptr<agent::AgentApi> agent, REFCLSID rclsid, REFIID riid,
                        void** ppv) noexcept;

// The in-process driver of the default agent (see opennap/agent/driver.h).
using AgentDriver = agent::AgentDriver;

}  // namespace opennap::win
