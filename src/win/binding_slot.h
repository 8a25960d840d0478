// Holds the C++ binding behind a COM binding object between Initialize and Uninitialize, and
// gives Uninitialize the documented blocking behaviour: it waits until the calls other threads
// are making on the binding have returned, then takes the binding out. No lock is held while a
// binding method runs, so calls (and callbacks that call back in) may nest. Internal to src/win.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace opennap::win {

template <typename B>
class BindingSlot {
  public:
    // One call on the binding; get() is nullptr when there is no binding (not initialized, or
    // being uninitialized).
    class Use {
      public:
        Use(BindingSlot* slot, B* binding) noexcept : slot_(slot), binding_(binding) {}
        ~Use() {
            if (binding_ != nullptr)
                slot_->leave();
        }
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;
        [[nodiscard]] B* get() const noexcept { return binding_; }

      private:
        BindingSlot* slot_;
        B* binding_;
    };

    Use enter() {
        std::lock_guard lock(mu_);
        if (!binding_ || closing_)
            return Use(this, nullptr);
        callers_.push_back(std::this_thread::get_id());
        return Use(this, &*binding_);
    }

    // Reserves the slot for an Initialize in progress; false when it is taken.
    bool reserve() {
        std::lock_guard lock(mu_);
        if (binding_ || reserved_ || closing_)
            return false;
        reserved_ = true;
        return true;
    }
    // Ends a reservation, installing the binding if there is one.
    void fill(std::optional<B> binding) {
        std::lock_guard lock(mu_);
        reserved_ = false;
        binding_ = std::move(binding);
    }

    // Removes the binding once every other thread's call has returned (the calling thread's
    // own, if it is inside one, does not count). nullopt when there is none.
    std::optional<B> take() {
        std::unique_lock lock(mu_);
        if (!binding_ || closing_)
            return std::nullopt;
        closing_ = true;
        const auto self = std::this_thread::get_id();
        idle_.wait(lock, [&] {
            return std::all_of(callers_.begin(), callers_.end(),
                               [&](std::thread::id id) { return id == self; });
        });
        std::optional<B> out = std::move(binding_);
        binding_.reset();
        closing_ = false;
        return out;
    }

  private:
    void leave() {
        std::lock_guard lock(mu_);
        const auto it = std::find(callers_.begin(), callers_.end(), std::this_thread::get_id());
        if (it != callers_.end())
            callers_.erase(it);
        idle_.notify_all();
    }

    std::mutex mu_;
    std::condition_variable idle_;
    std::optional<B> binding_;
    std::vector<std::thread::id> callers_;
    bool reserved_ = false;
    bool closing_ = false;
};

}  // namespace opennap::win
