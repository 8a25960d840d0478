// InitializeNapAgentNotifier / UninitializeNapAgentNotifier (NapUtil.h, nap-api.md §13.10) over
// the default agent's subscriptions.
#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <memory>

#include "com_object.h"

#include "NapUtil.h"
#include "nap_runtime.h"

namespace {

// Signals the caller's descriptor: an 8-byte 1 (an eventfd increment). Skipped when the
// descriptor is not writable right now (a full pipe nobody reads), so the agent never blocks.
class FdSink final : public opennap::agent::NotificationSink {
  public:
    explicit FdSink(int fd) : fd_(fd) {}
    void notify(opennap::NapNotifyType) override {
        pollfd p{fd_, POLLOUT, 0};
        if (::poll(&p, 1, 0) != 1 || (p.revents & POLLOUT) == 0)
            return;
        const std::uint64_t one = 1;
        if (::write(fd_, &one, sizeof one) < 0) {
            // nothing to do: a notification is a hint
        }
    }

  private:
    int fd_;
};

// One subscription per type for this process, kept with the agent it was made on.
std::shared_ptr<opennap::agent::Agent> g_subscribed[3];

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
                             std::make_shared<FdSink>(fd));
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
