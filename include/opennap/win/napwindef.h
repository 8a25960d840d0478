// The Windows base layer the NAP SDK headers stand on (windows.h / objbase.h / winerror.h /
// unknwn.h, only the part the NAP API uses), for Linux. See docs/win-api.md.
//
// Everything here is at global scope with the Windows spelling, as the SDK has it. Differences
// that matter when porting:
//  * WCHAR is char16_t (UTF-16, as on Windows), not wchar_t (32-bit on Linux): use u"" literals.
//  * LONG/ULONG/DWORD are 32-bit (Windows is LLP64, Linux LP64).
//  * HRESULT values (S_OK, E_POINTER, NAP_E_*, ...) and Win32 error numbers are constexpr
//    constants rather than macros, so that they coexist with opennap::hr::S_OK & co.
//    SUCCEEDED / FAILED / MAKE_HRESULT / HRESULT_CODE / ... are macros; HRESULT_FROM_WIN32 is a
//    constexpr function (the SDK's INLINE_HRESULT_FROM_WIN32 form).
//  * Objects are created with NapCreateInstance (or CoCreateInstance, CLSCTX_INPROC_SERVER
//    only); __uuidof is not available: pass IID_<interface>.
//  * The CoTaskMem allocator is malloc/free.
//  * HANDLE is void*; the notifier (NapUtil.h) takes a file descriptor wrapped with
//    HandleFromFd(). HWND, BSTR and VARIANT exist only as stand-ins for signatures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "opennap/core/hresult.h"

// ---- basic types -------------------------------------------------------------------------------

typedef std::int32_t HRESULT;
typedef std::int32_t BOOL;
typedef std::uint8_t BYTE, UINT8, UCHAR, BOOLEAN;
typedef std::int8_t INT8;
typedef std::uint16_t UINT16, USHORT, WORD;
typedef std::int16_t INT16, SHORT;
typedef std::uint32_t UINT32, UINT, ULONG, DWORD;
typedef std::int32_t INT32, INT, LONG;
typedef std::uint64_t UINT64, ULONGLONG, DWORD64;
typedef std::int64_t INT64, LONGLONG;
typedef std::size_t SIZE_T;
typedef BYTE *PBYTE, *LPBYTE;
typedef DWORD *PDWORD, *LPDWORD;
typedef BOOL *PBOOL, *LPBOOL;
typedef void *PVOID, *LPVOID;
typedef const void* LPCVOID;
typedef char CHAR;
typedef CHAR *PSTR, *LPSTR;
typedef const CHAR *PCSTR, *LPCSTR;

// UTF-16 code units, as on Windows (nap-api.md §2.4). Literals: u"text".
typedef char16_t WCHAR;
typedef WCHAR *PWSTR, *LPWSTR;
typedef const WCHAR *PCWSTR, *LPCWSTR;
typedef WCHAR OLECHAR;
typedef OLECHAR* LPOLESTR;
typedef const OLECHAR* LPCOLESTR;

#ifndef VOID
#define VOID void
#endif
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

// Calling conventions and declaration helpers: empty on Linux.
#define STDMETHODCALLTYPE
#define STDAPICALLTYPE
#define WINAPI
#define CALLBACK
#define NAPAPI
#define EXTERN_C extern "C"
#define STDAPI EXTERN_C HRESULT STDAPICALLTYPE
#define STDAPI_(type) EXTERN_C type STDAPICALLTYPE
#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#define IFACEMETHODIMP STDMETHODIMP
#define IFACEMETHODIMP_(type) STDMETHODIMP_(type)
#define PURE = 0

// Memory helpers SDK code commonly uses.
#define ZeroMemory(dest, len) std::memset((dest), 0, (len))
#define FillMemory(dest, len, fill) std::memset((dest), (fill), (len))
#define CopyMemory(dest, src, len) std::memcpy((dest), (src), (len))
#define MoveMemory(dest, src, len) std::memmove((dest), (src), (len))

// ---- HRESULT -----------------------------------------------------------------------------------

#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#define IS_ERROR(status) (((DWORD)(status)) >> 31 == 1)
#define HRESULT_CODE(hr) ((HRESULT)(hr)&0xFFFF)
#define HRESULT_FACILITY(hr) ((((HRESULT)(hr)) >> 16) & 0x1fff)
#define HRESULT_SEVERITY(hr) ((((HRESULT)(hr)) >> 31) & 0x1)
// (Windows writes these with unsigned long, which is 32-bit there: DWORD here.)
#define MAKE_HRESULT(sev, fac, code) \
    ((HRESULT)(((DWORD)(sev) << 31) | ((DWORD)(fac) << 16) | ((DWORD)(code))))

inline constexpr DWORD SEVERITY_SUCCESS = 0;
inline constexpr DWORD SEVERITY_ERROR = 1;
inline constexpr DWORD FACILITY_NULL = opennap::hr::FACILITY_NULL;
inline constexpr DWORD FACILITY_RPC = opennap::hr::FACILITY_RPC;
inline constexpr DWORD FACILITY_ITF = 4;
inline constexpr DWORD FACILITY_WIN32 = opennap::hr::FACILITY_WIN32;
inline constexpr DWORD FACILITY_NAP = opennap::hr::FACILITY_NAP;

// The SDK's inline form of HRESULT_FROM_WIN32: values <= 0 pass through, others become
// 0x8007xxxx.
constexpr HRESULT HRESULT_FROM_WIN32(DWORD x) noexcept {
    return opennap::hresult_from_win32(x).value();
}

// Standard HRESULTs (nap-api.md §8.2, plus the COM creation codes).
inline constexpr HRESULT S_OK = opennap::hr::S_OK.value();
inline constexpr HRESULT S_FALSE = opennap::hr::S_FALSE.value();
inline constexpr HRESULT E_NOTIMPL = opennap::hr::E_NOTIMPL.value();
inline constexpr HRESULT E_NOINTERFACE = static_cast<HRESULT>(0x80004002u);
inline constexpr HRESULT E_POINTER = opennap::hr::E_POINTER.value();
inline constexpr HRESULT E_ABORT = static_cast<HRESULT>(0x80004004u);
inline constexpr HRESULT E_FAIL = opennap::hr::E_FAIL.value();
inline constexpr HRESULT E_PENDING = opennap::hr::E_PENDING.value();
inline constexpr HRESULT E_UNEXPECTED = opennap::hr::E_UNEXPECTED.value();
inline constexpr HRESULT E_ACCESSDENIED = opennap::hr::E_ACCESSDENIED.value();
inline constexpr HRESULT E_HANDLE = opennap::hr::E_HANDLE.value();
inline constexpr HRESULT E_OUTOFMEMORY = opennap::hr::E_OUTOFMEMORY.value();
inline constexpr HRESULT E_INVALIDARG = opennap::hr::E_INVALIDARG.value();
inline constexpr HRESULT RPC_E_DISCONNECTED = opennap::hr::RPC_E_DISCONNECTED.value();
inline constexpr HRESULT CLASS_E_NOAGGREGATION = static_cast<HRESULT>(0x80040110u);
inline constexpr HRESULT CLASS_E_CLASSNOTAVAILABLE = static_cast<HRESULT>(0x80040111u);
inline constexpr HRESULT REGDB_E_CLASSNOTREG = static_cast<HRESULT>(0x80040154u);

// Win32 error numbers (not HRESULTs: wrap them with HRESULT_FROM_WIN32).
inline constexpr LONG ERROR_SUCCESS = opennap::win32::ERROR_SUCCESS;
inline constexpr LONG ERROR_FILE_NOT_FOUND = opennap::win32::ERROR_FILE_NOT_FOUND;
inline constexpr LONG ERROR_ACCESS_DENIED = opennap::win32::ERROR_ACCESS_DENIED;
inline constexpr LONG ERROR_INVALID_HANDLE = opennap::win32::ERROR_INVALID_HANDLE;
inline constexpr LONG ERROR_NOT_ENOUGH_MEMORY = 8;
inline constexpr LONG ERROR_OUTOFMEMORY = opennap::win32::ERROR_OUTOFMEMORY;
inline constexpr LONG ERROR_INVALID_PARAMETER = opennap::win32::ERROR_INVALID_PARAMETER;
inline constexpr LONG ERROR_NOT_FOUND = opennap::win32::ERROR_NOT_FOUND;
inline constexpr LONG ERROR_CANCELLED = opennap::win32::ERROR_CANCELLED;
inline constexpr LONG ERROR_ALREADY_INITIALIZED = opennap::win32::ERROR_ALREADY_INITIALIZED;
inline constexpr LONG ERROR_TIMEOUT = opennap::win32::ERROR_TIMEOUT;
inline constexpr LONG RPC_S_SERVER_UNAVAILABLE = opennap::win32::RPC_S_SERVER_UNAVAILABLE;

// ---- GUID --------------------------------------------------------------------------------------

typedef struct _GUID {
    DWORD Data1;
    WORD Data2;
    WORD Data3;
    BYTE Data4[8];
} GUID;
typedef GUID IID;
typedef GUID CLSID;
typedef GUID *LPGUID, *LPIID, *LPCLSID;
typedef const GUID& REFGUID;
typedef const IID& REFIID;
typedef const CLSID& REFCLSID;

static_assert(sizeof(GUID) == 16 && alignof(GUID) == 4, "GUID layout (nap-api.md §2.4)");

constexpr bool IsEqualGUID(REFGUID a, REFGUID b) noexcept {
    if (a.Data1 != b.Data1 || a.Data2 != b.Data2 || a.Data3 != b.Data3)
        return false;
    for (int i = 0; i < 8; ++i) {
        if (a.Data4[i] != b.Data4[i])
            return false;
    }
    return true;
}
#define IsEqualIID(a, b) IsEqualGUID((a), (b))
#define IsEqualCLSID(a, b) IsEqualGUID((a), (b))
#define InlineIsEqualGUID(a, b) IsEqualGUID((a), (b))
constexpr bool operator==(REFGUID a, REFGUID b) noexcept {
    return IsEqualGUID(a, b);
}
constexpr bool operator!=(REFGUID a, REFGUID b) noexcept {
    return !IsEqualGUID(a, b);
}

inline constexpr GUID GUID_NULL = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
#define IID_NULL GUID_NULL
#define CLSID_NULL GUID_NULL

// DEFINE_GUID(name, l, w1, w2, b1..b8) defines the constant (the INITGUID distinction of
// Windows does not exist: every definition is an inline constexpr).
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    inline constexpr GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}

// ---- FILETIME ----------------------------------------------------------------------------------

// 100-ns intervals since 1601-01-01 UTC, split in two halves.
typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

static_assert(sizeof(FILETIME) == 8 && alignof(FILETIME) == 4, "FILETIME layout");

// ---- stand-ins for handles and automation types ------------------------------------------------

// HANDLE: an opaque pointer, as on Windows. The only NAP function taking one
// (InitializeNapAgentNotifier) wants a file descriptor made with HandleFromFd (docs/win-api.md).
typedef void* HANDLE;
typedef HANDLE* PHANDLE;
#define INVALID_HANDLE_VALUE (reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(-1)))
inline HANDLE HandleFromFd(int fd) noexcept {
    return reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(fd));
}
inline int FdFromHandle(HANDLE h) noexcept {
    return static_cast<int>(reinterpret_cast<std::intptr_t>(h));
}

struct HWND__;
typedef HWND__* HWND;   // never dereferenced: window handles do not exist here
typedef OLECHAR* BSTR;  // a plain UTF-16 string pointer (no length prefix)
struct tagVARIANT;      // incomplete: only pointers to it appear in signatures
typedef tagVARIANT VARIANT;

// ---- IUnknown ----------------------------------------------------------------------------------

// COM's root interface, as a plain abstract struct. The vtable holds exactly these three slots
// first, then each derived interface's methods in declaration (vtable) order.
struct IUnknown {
    virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppvObject) = 0;
    virtual ULONG STDMETHODCALLTYPE AddRef() = 0;
    virtual ULONG STDMETHODCALLTYPE Release() = 0;
};
typedef IUnknown* LPUNKNOWN;

// 00000000-0000-0000-C000-000000000046
inline constexpr IID IID_IUnknown = {
    0x00000000, 0x0000, 0x0000, {0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};

// ---- COM runtime -------------------------------------------------------------------------------

typedef enum tagCLSCTX : INT {
    CLSCTX_INPROC_SERVER = 0x1,
    CLSCTX_INPROC_HANDLER = 0x2,
    CLSCTX_LOCAL_SERVER = 0x4,
    CLSCTX_REMOTE_SERVER = 0x10,
} CLSCTX;
#define CLSCTX_SERVER (CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)
#define CLSCTX_ALL (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER | CLSCTX_SERVER)

typedef enum tagCOINIT : INT {
    COINIT_MULTITHREADED = 0x0,
    COINIT_APARTMENTTHREADED = 0x2,
    COINIT_DISABLE_OLE1DDE = 0x4,
    COINIT_SPEED_OVER_MEMORY = 0x8,
} COINIT;

// The COM task allocator: malloc/realloc/free. CoTaskMemAlloc(0) returns a valid, unique
// pointer; CoTaskMemFree(NULL) does nothing.
EXTERN_C LPVOID CoTaskMemAlloc(SIZE_T cb) noexcept;
EXTERN_C LPVOID CoTaskMemRealloc(LPVOID pv, SIZE_T cb) noexcept;
EXTERN_C void CoTaskMemFree(LPVOID pv) noexcept;

// No apartments here: these succeed and do nothing.
EXTERN_C HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit) noexcept;
EXTERN_C HRESULT CoInitialize(LPVOID pvReserved) noexcept;
EXTERN_C void CoUninitialize() noexcept;

// Creates one of the NAP system objects (CLSID_NapEnforcementClientBinding,
// CLSID_NapSystemHealthAgentBinding, CLSID_NapClientManagement, CLSID_NapCertRelyingParty,
// CLSID_NapSoHConstructor, CLSID_NapSoHProcessor, CLSID_NapServerManagement,
// CLSID_NapServerInfo), or an object of a class registered with opennap::win::register_shv_class,
// and returns its `riid` interface. The agent-backed objects work on
// opennap::win::default_agent() (nap_runtime.h), the server objects on
// opennap::win::default_shv_host() (nap_server_runtime.h). E_POINTER, REGDB_E_CLASSNOTREG (other
// CLSIDs), E_NOINTERFACE, E_OUTOFMEMORY.
EXTERN_C HRESULT NapCreateInstance(REFCLSID rclsid, REFIID riid, LPVOID* ppv) noexcept;

// CoCreateInstance for SDK code that should compile unchanged: NapCreateInstance, plus
// CLASS_E_NOAGGREGATION for a non-NULL outer and REGDB_E_CLASSNOTREG when dwClsContext lacks
// CLSCTX_INPROC_SERVER.
EXTERN_C HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext,
                                  REFIID riid, LPVOID* ppv) noexcept;
