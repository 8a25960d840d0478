// A NotificationSink that signals a file descriptor (the Linux stand-in for the Win32 event of
// InitializeNapAgentNotifier): each notification writes an 8-byte 1, i.e. increments an eventfd.
// The write is skipped when the descriptor is not writable at that moment (a full pipe nobody
// reads), so a subscriber can never block the agent. The caller owns and closes the descriptor.
#pragma once

#include "opennap/agent/agent.h"

namespace opennap::agent {

class FdNotificationSink final : public NotificationSink {
  public:
    explicit FdNotificationSink(int fd) noexcept : fd_(fd) {}
    void notify(NapNotifyType type) override;
    [[nodiscard]] int fd() const noexcept { return fd_; }

  private:
    int fd_;
};

}  // namespace opennap::agent
