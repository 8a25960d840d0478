// Initialize / Uninitialize of the COM binding objects (INapEnforcementClientBinding and
// INapSystemHealthAgentBinding(2)): the same steps for both, over their C++ binding type and the
// adapter that wraps the component's callback. Internal to src/win.
#pragma once

#include <memory>
#include <optional>

#include "binding_slot.h"
#include "com_object.h"
#include "convert.h"
#include "opennap/agent/agent.h"

#include "NapError.h"

namespace opennap::win {

// What a binding object holds between Initialize and Uninitialize.
template <typename Binding, typename Adapter>
struct BindingState {
    Binding binding;
    std::shared_ptr<Adapter> adapter;
};

// Binds `id` with `callback` (wrapped in an Adapter, which the binding keeps until Uninitialize).
template <typename Binding, typename Adapter, typename Id, typename Callback>
HRESULT initialize_binding(BindingSlot<BindingState<Binding, Adapter>>& slot,
                           const std::shared_ptr<agent::AgentApi>& agent, Id id,
                           Callback* callback) {
    if (callback == nullptr)
        return E_POINTER;
    if (!slot.reserve())
        return HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED);
    std::optional<BindingState<Binding, Adapter>> state;
    const HRESULT hr = guarded([&]() -> HRESULT {
        auto adapter = std::make_shared<Adapter>(callback);
        auto b = Binding::initialize(agent, id, adapter);
        if (!b) {
            adapter->detach();
            return to_hr(b.error());
        }
        state.emplace(BindingState<Binding, Adapter>{std::move(*b), std::move(adapter)});
        return S_OK;
    });
    slot.fill(std::move(state));
    return hr;
}

// Waits for other threads' calls on the binding, unbinds, and lets go of the callback.
template <typename State>
HRESULT uninitialize_binding(BindingSlot<State>& slot) {
    auto state = slot.take();
    if (!state)
        return NAP_E_NOT_INITIALIZED;
    const HRESULT hr = guarded([&] { return to_hr(state->binding.uninitialize()); });
    state->adapter->detach();
    return hr;
}

}  // namespace opennap::win
