// InitializeNapAgentNotifier / UninitializeNapAgentNotifier (NapUtil.h, nap-api.md §13.10) over
// the default agent's subscriptions.
#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <memory>

#include "com_object.h"
#include "opennap/agent/fd_notification.h"

#include "NapUtil.h"
#include "nap_runtime.h"

namespace {

// One subscription per type for this process, kept with the agent it was made on.
std::shared_ptr<opennap::agent::AgentApi> g_subscribed[3];

std::uint64_t subscriber_id() {
    return static_cast<std::uint64_t>(::getpid());
}

}  // namespace

EXTERN_C NAPAPI HRESULT WINAPI InitializeNapAgentNotifier(NapNotifyType type,
                                                          HANDLE hNotifyEvent) noexcept {
    if (type != napNotifyTypeServiceState && type != napNotifyTypeQuarState)
        return E_INVALIDARG;
    const int fd = FdFromHandle(hNotifyEvent);
    if (fd < 0)
        return E_INVALIDARG;
    auto& slot = g_subscribed[type];
    if (slot)
        return HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED);
    return opennap::win::guarded([&]() -> HRESULT {
        auto agent = opennap::win::default_agent();
        const auto status =
            agent->subscribe(subscriber_id(), static_cast<opennap::NapNotifyType>(type),
                             std::make_shared<opennap::agent::FdNotificationSink>(fd));
        if (status.failed())
            return status.value();
        slot = std::move(agent);
        return S_OK;
    });
}

EXTERN_C NAPAPI VOID WINAPI UninitializeNapAgentNotifier(NapNotifyType type) noexcept {
    if (type != napNotifyTypeServiceState && type != napNotifyTypeQuarState)
        return;
    auto& slot = g_subscribed[type];
    if (!slot)
        return;
    slot->unsubscribe(subscriber_id(), static_cast<opennap::NapNotifyType>(type));
    slot.reset();
}
