// Creation functions of the COM objects src/win implements (NapCreateInstance dispatches to
// them). Internal to src/win.
#pragma once

#include <memory>

#include "opennap/agent/agent.h"

#include "napwindef.h"

namespace opennap::win {

// NapProtocol.h helper objects (no agent).
HRESULT create_soh_constructor(REFIID riid, void** ppv) noexcept;
HRESULT create_soh_processor(REFIID riid, void** ppv) noexcept;

// Agent-backed objects.
HRESULT create_ec_binding(std::shared_ptr<agent::AgentApi> agent, REFIID riid, void** ppv) noexcept;
HRESULT create_sha_binding(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                           void** ppv) noexcept;
HRESULT create_client_management(std::shared_ptr<agent::AgentApi> agent, REFIID riid,
                                 void** ppv) noexcept;

// Server-side objects (server_management.cc): CLSID_NapServerManagement / CLSID_NapServerInfo
// over the default SHV host, and the classes registered with register_shv_class.
bool is_server_class(REFCLSID rclsid) noexcept;
HRESULT create_server_object(REFCLSID rclsid, REFIID riid, void** ppv) noexcept;

}  // namespace opennap::win
