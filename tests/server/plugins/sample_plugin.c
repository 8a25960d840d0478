/* A small SHV plug-in in plain C for the tests (tests/server/plugin_test.cc, isolated_test.cc),
 * built several times with PLUGIN_VARIANT_* to get the broken variants the loader must refuse.
 *
 * Validation: the client's SoH must carry a Vendor-Specific attribute whose data byte (after the
 * 4-byte vendor id) is 1 ("firewall on") -> Compliance-Result-Codes [0]; 0 -> [0x80270050];
 * no such attribute -> [NAP_E_INVALID_PACKET]; no SoH -> [NAP_E_MISSING_SOH].
 *
 * Behaviour, chosen by the configuration text given to create() (or by the TOML text
 * `mode = "..."`, as napserver passes an [[shv]] settings table):
 *   "" / "sync"           answer inside validate()
 *   "async"               answer from a thread of its own (E_PENDING + complete())
 *   "never"               return E_PENDING and never complete
 *   "gone"                return RPC_S_SERVER_UNAVAILABLE
 *   "fail-create"         create() fails with E_ACCESSDENIED
 *   "crash"               validate() dereferences NULL (SIGSEGV)
 *   "exit"                validate() calls _exit(7)
 *   "crash-once:<path>"   crash if <path> does not exist (after creating it), else answer */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opennap/server/shv_plugin.h"

enum mode { MODE_SYNC, MODE_ASYNC, MODE_NEVER, MODE_GONE, MODE_CRASH, MODE_EXIT, MODE_CRASH_ONCE };

struct instance {
    const opennap_shv_host_api* host;
    enum mode mode;
    char marker[256];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int threads;      /* async answers still running */
    struct job* jobs; /* every async answer's thread, joined by destroy() */
};

static void put_be32(uint8_t* p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t judge(const opennap_shv_request* request) {
    uint16_t i;
    if (request->soh == NULL)
        return (uint32_t)OPENNAP_SHV_NAP_E_MISSING_SOH;
    for (i = 0; i < request->soh->count; ++i) {
        const opennap_shv_attribute* a = &request->soh->attributes[i];
        if (a->type == OPENNAP_SHV_ATTR_VENDOR_SPECIFIC && a->size >= 5)
            return a->value[4] == 1 ? 0u : 0x80270050u;
    }
    return (uint32_t)OPENNAP_SHV_NAP_E_INVALID_PACKET;
}

static opennap_hresult answer(struct instance* in, opennap_shv_call* call,
                              const opennap_shv_request* request) {
    uint8_t id[4];
    uint8_t code[4];
    opennap_shv_attribute attrs[2];
    opennap_shv_soh response;
    put_be32(id, request->shv_id);
    put_be32(code, judge(request));
    attrs[0].type = OPENNAP_SHV_ATTR_SYSTEM_HEALTH_ID;
    attrs[0].size = 4;
    attrs[0].value = id;
    attrs[1].type = OPENNAP_SHV_ATTR_COMPLIANCE_RESULT_CODES;
    attrs[1].size = 4;
    attrs[1].value = code;
    response.count = 2;
    response.attributes = attrs;
    return in->host->set_response(call, &response);
}

struct job {
    struct instance* in;
    opennap_shv_call* call;
    const opennap_shv_request* request;
    pthread_t thread;
    struct job* next;
};

static void* async_answer(void* arg) {
    struct job* j = (struct job*)arg;
    struct instance* in = j->in;
    usleep(1000);
    in->host->complete(j->call, answer(in, j->call, j->request));
    pthread_mutex_lock(&in->mu);
    --in->threads;
    pthread_cond_broadcast(&in->cv);
    pthread_mutex_unlock(&in->mu);
    return NULL;
}

static opennap_hresult sample_create(const opennap_shv_host_api* host, const uint8_t* config,
                                     size_t config_size, void** instance) {
    struct instance* in;
    char text[300];
    if (host == NULL || instance == NULL)
        return OPENNAP_SHV_E_POINTER;
    if (config_size >= sizeof text)
        return OPENNAP_SHV_E_INVALIDARG;
    if (config_size > 0)
        memcpy(text, config, config_size);
    text[config_size] = '\0';
    /* Given as napserver gives an [[shv]] settings table -- TOML text `mode = "async"` (or with
     * single quotes) -- the mode is the quoted value. */
    if (strncmp(text, "mode = ", 7) == 0 && (text[7] == '"' || text[7] == '\'')) {
        char* end = strchr(text + 8, text[7]);
        if (end == NULL)
            return OPENNAP_SHV_E_INVALIDARG;
        *end = '\0';
        memmove(text, text + 8, (size_t)(end - (text + 8)) + 1);
    }
    if (strcmp(text, "fail-create") == 0)
        return (opennap_hresult)0x80070005u; /* E_ACCESSDENIED */
    in = (struct instance*)calloc(1, sizeof *in);
    if (in == NULL)
        return OPENNAP_SHV_E_OUTOFMEMORY;
    in->host = host;
    if (strcmp(text, "async") == 0)
        in->mode = MODE_ASYNC;
    else if (strcmp(text, "never") == 0)
        in->mode = MODE_NEVER;
    else if (strcmp(text, "gone") == 0)
        in->mode = MODE_GONE;
    else if (strcmp(text, "crash") == 0)
        in->mode = MODE_CRASH;
    else if (strcmp(text, "exit") == 0)
        in->mode = MODE_EXIT;
    else if (strncmp(text, "crash-once:", 11) == 0) {
        const size_t n = strlen(text + 11);
        if (n >= sizeof in->marker) {
            free(in);
            return OPENNAP_SHV_E_INVALIDARG;
        }
        in->mode = MODE_CRASH_ONCE;
        memcpy(in->marker, text + 11, n + 1);
    } else
        in->mode = MODE_SYNC;
    pthread_mutex_init(&in->mu, NULL);
    pthread_cond_init(&in->cv, NULL);
    host->log(1, "sample plug-in created");
    *instance = in;
    return OPENNAP_SHV_S_OK;
}

static opennap_hresult sample_validate(void* instance, opennap_shv_call* call,
                                       const opennap_shv_request* request) {
    struct instance* in = (struct instance*)instance;
    switch (in->mode) {
        case MODE_ASYNC: {
            pthread_t t;
            struct job* j = (struct job*)malloc(sizeof *j);
            if (j == NULL)
                return OPENNAP_SHV_E_OUTOFMEMORY;
            j->in = in;
            j->call = call;
            j->request = request;
            pthread_mutex_lock(&in->mu);
            ++in->threads;
            pthread_mutex_unlock(&in->mu);
            if (pthread_create(&t, NULL, async_answer, j) == 0) {
                pthread_mutex_lock(&in->mu);
                j->thread = t;
                j->next = in->jobs;
                in->jobs = j;
                pthread_mutex_unlock(&in->mu);
            } else {
                free(j);
                pthread_mutex_lock(&in->mu);
                --in->threads;
                pthread_mutex_unlock(&in->mu);
                return OPENNAP_SHV_E_FAIL;
            }
            return OPENNAP_SHV_E_PENDING;
        }
        case MODE_NEVER:
            return OPENNAP_SHV_E_PENDING;
        case MODE_GONE:
            return OPENNAP_SHV_RPC_S_SERVER_UNAVAILABLE;
        case MODE_CRASH:
            *(volatile int*)(uintptr_t)request->config_id = 1; /* config id 0: NULL */
            return OPENNAP_SHV_E_FAIL;
        case MODE_EXIT:
            _exit(7);
        case MODE_CRASH_ONCE: {
            int fd = open(in->marker, O_CREAT | O_EXCL | O_WRONLY, 0600);
            if (fd >= 0) {
                close(fd);
                *(volatile int*)(uintptr_t)request->config_id = 1;
            }
            break;
        }
        case MODE_SYNC:
            break;
    }
    return answer(in, call, request);
}

static void sample_destroy(void* instance) {
    struct instance* in = (struct instance*)instance;
    struct job* j;
    pthread_mutex_lock(&in->mu);
    while (in->threads > 0)
        pthread_cond_wait(&in->cv, &in->mu);
    j = in->jobs;
    in->jobs = NULL;
    pthread_mutex_unlock(&in->mu);
    /* Join, not just wait for the count: the library may be unloaded once destroy() returns, and
     * a thread that has counted itself out is still running this library's code until it ends. */
    while (j != NULL) {
        struct job* next = j->next;
        pthread_join(j->thread, NULL);
        free(j);
        j = next;
    }
    pthread_mutex_destroy(&in->mu);
    pthread_cond_destroy(&in->cv);
    free(in);
}

#if defined(PLUGIN_VARIANT_BAD_TABLE)
#define VALIDATE_FN NULL
#else
#define VALIDATE_FN sample_validate
#endif
#if defined(PLUGIN_VARIANT_BAD_VERSION)
#define TABLE_VERSION 99u
#else
#define TABLE_VERSION OPENNAP_SHV_PLUGIN_ABI_VERSION
#endif

static const opennap_shv_plugin table = {TABLE_VERSION,      sizeof(opennap_shv_plugin),
                                         "sample C plug-in", 0x000137F0u,
                                         sample_create,      VALIDATE_FN,
                                         sample_destroy};

#if defined(PLUGIN_VARIANT_NO_ENTRY)
const opennap_shv_plugin* some_other_name(uint32_t host_abi_version) {
    (void)host_abi_version;
    return &table;
}
#else
const opennap_shv_plugin* opennap_shv_plugin_entry(uint32_t host_abi_version) {
#if defined(PLUGIN_VARIANT_REFUSES)
    return host_abi_version == 0xFFFFFFFFu ? &table : NULL; /* never: refuses every host */
#else
#if defined(PLUGIN_VARIANT_BAD_TABLE)
    (void)sample_validate;
#endif
    return host_abi_version == OPENNAP_SHV_PLUGIN_ABI_VERSION ? &table : NULL;
#endif
}
#endif
