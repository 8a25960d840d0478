// The COM task allocator and the apartment no-ops (napwindef.h).
#include <cstdlib>

#include "napwindef.h"

EXTERN_C LPVOID CoTaskMemAlloc(SIZE_T cb) noexcept {
    return std::malloc(cb == 0 ? 1 : cb);
}

EXTERN_C LPVOID CoTaskMemRealloc(LPVOID pv, SIZE_T cb) noexcept {
    return std::realloc(pv, cb == 0 ? 1 : cb);
}

EXTERN_C void CoTaskMemFree(LPVOID pv) noexcept {
    std::free(pv);
}

EXTERN_C HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit) noexcept {
    (void)pvReserved;
    (void)dwCoInit;
    return S_OK;
}

EXTERN_C HRESULT CoInitialize(LPVOID pvReserved) noexcept {
    (void)pvReserved;
    return S_OK;
}

EXTERN_C void CoUninitialize() noexcept {}
