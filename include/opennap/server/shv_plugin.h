/* The C ABI of OpenNAP SHV plug-ins: a System Health Validator built as a shared library and
 * loaded by the SHV host (in process with dlopen, or in the opennap-shvhost helper process).
 * Plain C; see docs/shv.md, "Plug-ins".
 *
 * A plug-in exports one function, named OPENNAP_SHV_PLUGIN_ENTRY_NAME:
 *
 *     const opennap_shv_plugin* opennap_shv_plugin_entry(uint32_t host_abi_version);
 *
 * It returns its function table (static storage), whose abi_version must equal the host's
 * OPENNAP_SHV_PLUGIN_ABI_VERSION, or NULL when it cannot work with that host.
 *
 * Ownership: everything the host passes (the request, its strings, SoH and attribute arrays) is
 * the host's and stays valid until validate() returns or, when validate() returned E_PENDING,
 * until the plug-in calls complete(). What the plug-in passes to set_response() is the
 * plug-in's: the host copies it before set_response() returns. No memory crosses the boundary
 * that the other side must free.
 *
 * Threads: validate() may be called on several host threads at once, for one instance or
 * several; it must not block (answer later with E_PENDING + complete() instead). set_response()
 * and complete() may be called on any thread. destroy() is called when no validate() is running;
 * after it returns the plug-in must not use any call handle (pending calls it never completed
 * are dropped by the host, which times them out), and every thread the instance started must
 * have ended (joined): the library may be unloaded right after the last destroy(). */
#ifndef OPENNAP_SERVER_SHV_PLUGIN_H
#define OPENNAP_SERVER_SHV_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OPENNAP_SHV_PLUGIN_ABI_VERSION 1u
#define OPENNAP_SHV_PLUGIN_ENTRY_NAME "opennap_shv_plugin_entry"

/* An HRESULT (the NAP API's return type), with the values of NapError.h / winerror.h. */
typedef int32_t opennap_hresult;

#define OPENNAP_SHV_S_OK ((opennap_hresult)0)
#define OPENNAP_SHV_E_PENDING ((opennap_hresult)0x8000000Au)
#define OPENNAP_SHV_E_FAIL ((opennap_hresult)0x80004005u)
#define OPENNAP_SHV_E_POINTER ((opennap_hresult)0x80004003u)
#define OPENNAP_SHV_E_INVALIDARG ((opennap_hresult)0x80070057u)
#define OPENNAP_SHV_E_OUTOFMEMORY ((opennap_hresult)0x8007000Eu)
/* HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE): "I am gone" (the host re-creates the instance). */
#define OPENNAP_SHV_RPC_S_SERVER_UNAVAILABLE ((opennap_hresult)0x800706BAu)
#define OPENNAP_SHV_NAP_E_INVALID_PACKET ((opennap_hresult)0x80270001u)
#define OPENNAP_SHV_NAP_E_MISSING_SOH ((opennap_hresult)0x80270002u)
#define OPENNAP_SHV_NAP_E_NOT_PENDING ((opennap_hresult)0x80270009u)

/* SoH attribute (TLV) types used by SHVs (SoHAttributeType). */
#define OPENNAP_SHV_ATTR_SYSTEM_HEALTH_ID 2u
#define OPENNAP_SHV_ATTR_COMPLIANCE_RESULT_CODES 4u
#define OPENNAP_SHV_ATTR_VENDOR_SPECIFIC 7u
#define OPENNAP_SHV_ATTR_ERROR_CODES 13u
#define OPENNAP_SHV_ATTR_FAILURE_CATEGORY 14u

/* One attribute: `size` bytes of value exactly as they travel in the TLV (network byte order:
 * a System-Health-ID or a result code is 4 big-endian bytes). */
typedef struct opennap_shv_attribute {
    uint16_t type;
    uint16_t size;
    const uint8_t* value;
} opennap_shv_attribute;

/* An SoH (request) or SoH response: the first attribute is the System-Health-ID. */
typedef struct opennap_shv_soh {
    uint16_t count;
    const opennap_shv_attribute* attributes;
} opennap_shv_soh;

/* What the client sent for this SHV (INapSystemHealthValidationRequest2). */
typedef struct opennap_shv_request {
    uint32_t struct_size; /* the host's sizeof(opennap_shv_request); fields are only appended */
    uint32_t shv_id;      /* the SHV this request is for */
    /* CorrelationId, wire form: 16 GUID bytes (fields big-endian) + FILETIME (64-bit big-endian).
     */
    uint8_t correlation_id[24];
    const char* string_correlation_id; /* UTF-8, NUL-terminated: "{guid}@{ISO time}" */
    const char* machine_name;          /* UTF-8, NUL-terminated; "" when unknown */
    const opennap_shv_soh* soh;        /* NULL: the client sent no SoH for this SHV */
    int32_t nap_system_generated;      /* nonzero: the NAP agent generated it (the SHA failed) */
    uint32_t config_id;                /* INapComponentConfig3 configuration for this request */
    uint32_t hint_timeout_ms;          /* answer within this many milliseconds */
} opennap_shv_request;

/* One validate() call, opaque to the plug-in. */
typedef struct opennap_shv_call opennap_shv_call;

/* The host's functions, given to create() and valid for the instance's lifetime. */
typedef struct opennap_shv_host_api {
    uint32_t struct_size;
    uint32_t abi_version;
    /* SetSoHResponse: copies `response`. OPENNAP_SHV_E_INVALIDARG when it breaks the SoH rules
     * (first attribute System-Health-ID = the request's shv_id, at most 100 attributes of at
     * most 4000 bytes), OPENNAP_SHV_E_POINTER for NULLs, NAP_E_NOT_PENDING once complete. */
    opennap_hresult (*set_response)(opennap_shv_call* call, const opennap_shv_soh* response);
    /* OnComplete, for a validate() that returned E_PENDING: exactly once, on any thread; `result`
     * is what set_response() returned or why there is no response. The call handle and the
     * request are invalid once it returns. NAP_E_NOT_PENDING when the host no longer waits. */
    opennap_hresult (*complete)(opennap_shv_call* call, opennap_hresult result);
    /* One log line through the host's logger. level: 0 debug, 1 info, 2 warning, 3 error. */
    void (*log)(int level, const char* message);
} opennap_shv_host_api;

/* The plug-in's function table. */
typedef struct opennap_shv_plugin {
    uint32_t abi_version; /* OPENNAP_SHV_PLUGIN_ABI_VERSION the plug-in was built for */
    uint32_t struct_size; /* sizeof(opennap_shv_plugin) */
    const char* name;     /* for logs */
    uint32_t shv_id;      /* the System-Health-ID it validates; 0: any (set by configuration) */
    /* Creates an instance with its configuration (opaque bytes, may be empty). */
    opennap_hresult (*create)(const opennap_shv_host_api* host, const uint8_t* config,
                              size_t config_size, void** instance);
    /* Validate: S_OK (response set), E_PENDING (complete() follows), RPC_S_SERVER_UNAVAILABLE,
     * or another failure (a server-component failure for this SHV). */
    opennap_hresult (*validate)(void* instance, opennap_shv_call* call,
                                const opennap_shv_request* request);
    void (*destroy)(void* instance);
} opennap_shv_plugin;

typedef const opennap_shv_plugin* (*opennap_shv_plugin_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* OPENNAP_SERVER_SHV_PLUGIN_H */
