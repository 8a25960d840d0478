// Drives an agent in process: runs agent->run_pending() on a thread of its own whenever the
// agent has new work (its wake hook) or a timer it reported falls due. Installs itself as the
// agent's wake hook; the destructor stops and joins the thread and removes the hook. (The
// napagent daemon drives the agent from its event loop instead.)
#pragma once

#include <memory>

#include "opennap/agent/agent.h"

namespace opennap::agent {

class AgentDriver {
  public:
    explicit AgentDriver(std::shared_ptr<Agent> agent);
    ~AgentDriver();
    AgentDriver(const AgentDriver&) = delete;
    AgentDriver& operator=(const AgentDriver&) = delete;

    [[nodiscard]] const std::shared_ptr<Agent>& agent() const noexcept;

    class State;

  private:
    std::shared_ptr<State> state_;
};

}  // namespace opennap::agent
