// Shared by the Windows-shaped sample SHA, EC and driver: the component ids (as in the NAP SDK
// samples), a thread-safe logger, and the record of what happened, which the driver checks.
#pragma once

#include <NapTypes.h>

#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <vector>

// The SDK sample's QuarSampleSystemHealthId and its enforcement client.
static const SystemHealthEntityId QuarSampleSystemHealthId = 0x000137F0;
static const EnforcementEntityId QuarSampleEnforcementId = 0x000137F1;

// One line per step, whatever thread it comes from.
inline void SampleLog(const char* format, ...) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    va_list args;
    va_start(args, format);
    std::vfprintf(stdout, format, args);
    va_end(args);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

// The milestones of the scenario, in the order they happened.
enum SampleEvent {
    sampleEventRestricted,  // an exchange ended in restricted access
    sampleEventRemediated,  // the SHA fixed itself
    sampleEventFullAccess,  // an exchange ended in full access
};

class SampleProgress {
  public:
    void Record(SampleEvent e) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            events_.push_back(e);
        }
        changed_.notify_all();
    }
    // Waits (bounded) until `e` has been recorded; FALSE on timeout.
    BOOL WaitFor(SampleEvent e, std::chrono::milliseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        const bool seen = changed_.wait_for(lock, timeout, [&] {
            for (SampleEvent x : events_)
                if (x == e)
                    return true;
            return false;
        });
        return seen ? TRUE : FALSE;
    }
    std::vector<SampleEvent> Events() {
        std::lock_guard<std::mutex> lock(mutex_);
        return events_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<SampleEvent> events_;
};

inline const char* IsolationStateName(IsolationState state) {
    switch (state) {
        case isolationStateNotRestricted:
            return "not restricted (full access)";
        case isolationStateInProbation:
            return "in probation";
        case isolationStateRestrictedAccess:
            return "restricted access";
    }
    return "invalid";
}
