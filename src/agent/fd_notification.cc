#include "opennap/agent/fd_notification.h"

#include <poll.h>
#include <unistd.h>

#include <cstdint>

namespace opennap::agent {

void FdNotificationSink::notify(NapNotifyType) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, 0) != 1 || (p.revents & POLLOUT) == 0)
        return;
    const std::uint64_t one = 1;
    if (::write(fd_, &one, sizeof one) < 0) {
        // A notification is a hint; a failed write loses nothing the subscriber cannot re-read.
    }
}

}  // namespace opennap::agent
