// The reference-counting base of every COM object src/win implements, and the helpers their
// methods share. Internal to src/win.
#pragma once

#include <atomic>
#include <initializer_list>
#include <new>
#include <utility>

#include "napwindef.h"

namespace opennap::win {

// Implements AddRef/Release over an atomic count that starts at 1 (the creator's reference);
// the last Release deletes the object. Iface is the most derived interface of a single-chain
// hierarchy (e.g. INapEnforcementClientConnection2), so there is exactly one IUnknown.
template <typename Iface>
class ComObject : public Iface {
  public:
    ULONG STDMETHODCALLTYPE AddRef() override {
        return refs_.fetch_add(1, std::memory_order_relaxed) + 1;
    }
    ULONG STDMETHODCALLTYPE Release() override {
        const ULONG n = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (n == 0)
            delete this;
        return n;
    }

    ComObject(const ComObject&) = delete;
    ComObject& operator=(const ComObject&) = delete;

  protected:
    ComObject() = default;
    virtual ~ComObject() = default;

    // QueryInterface for an object that answers to `iids` (IID_IUnknown is always accepted).
    HRESULT query(REFIID riid, void** ppv, std::initializer_list<IID> iids) noexcept {
        if (ppv == nullptr)
            return E_POINTER;
        bool match = IsEqualIID(riid, IID_IUnknown);
        for (const IID& iid : iids)
            match = match || IsEqualIID(riid, iid);
        if (!match) {
            *ppv = nullptr;
            return E_NOINTERFACE;
        }
        *ppv = static_cast<Iface*>(this);
        AddRef();
        return S_OK;
    }

  private:
    std::atomic<ULONG> refs_{1};
};

// Runs a method body, turning escaping exceptions into HRESULTs: COM callers must never see
// one.
template <typename F>
HRESULT guarded(F&& body) noexcept {
    try {
        return std::forward<F>(body)();
    } catch (const std::bad_alloc&) {
        return E_OUTOFMEMORY;
    } catch (...) {
        return E_FAIL;
    }
}

// Creates a T and returns its `riid` interface through ppv (the object's own reference is
// dropped, so the caller ends up with exactly one).
template <typename T, typename... Args>
HRESULT create_object(REFIID riid, void** ppv, Args&&... args) noexcept {
    if (ppv == nullptr)
        return E_POINTER;
    *ppv = nullptr;
    return guarded([&]() -> HRESULT {
        T* object = new T(std::forward<Args>(args)...);
        const HRESULT hr = object->QueryInterface(riid, ppv);
        object->Release();
        return hr;
    });
}

// Releases an interface pointer on scope exit (a minimal CComPtr for the adapters).
template <typename I>
class ComRef {
  public:
    ComRef() = default;
    explicit ComRef(I* p) noexcept : p_(p) {}  // adopts a reference
    ~ComRef() {
        if (p_ != nullptr)
            p_->Release();
    }
    ComRef(ComRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    ComRef& operator=(ComRef&& o) noexcept {
        if (this != &o) {
            if (p_ != nullptr)
                p_->Release();
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    ComRef(const ComRef&) = delete;
    ComRef& operator=(const ComRef&) = delete;

    [[nodiscard]] I* get() const noexcept { return p_; }
    I* operator->() const noexcept { return p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    [[nodiscard]] I* release() noexcept { return std::exchange(p_, nullptr); }
    I** put() noexcept {
        if (p_ != nullptr)
            p_->Release();
        p_ = nullptr;
        return &p_;
    }

  private:
    I* p_ = nullptr;
};

}  // namespace opennap::win
