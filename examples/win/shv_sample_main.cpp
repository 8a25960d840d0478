// The NAP SDK's SHV flow on Linux: register the sample SHV's class (OpenNAP's stand-in for COM
// registration), register the SHV with the NAP server through INapServerManagement, list it with
// INapServerInfo, then let a stand-in health policy server (../common/sample_nps.cpp) validate
// clients with it: firewall on, firewall off, no SoH for the SHV, a failed SHA. Once with the
// synchronous class, once with the asynchronous one (E_PENDING + OnComplete), then unregister.
//
// Exit status 0 only if every verdict is the expected one.
#include <NapError.h>
#include <NapServerManagement.h>
#include <NapUtil.h>
#include <nap_server_runtime.h>
#include <objbase.h>

#include <string>

#include "../common/sample_nps.h"
#include "sample_common.h"
#include "sample_shv.h"

namespace {

using opennap::examples::SampleClient;

std::string Narrow(const CountedString* s) {
    std::string out;
    if (s != NULL && s->string != NULL) {
        for (UINT16 i = 0; i < s->length; ++i)
            out.push_back(s->string[i] < 0x80 ? static_cast<char>(s->string[i]) : '?');
    }
    return out;
}

// Prints what INapServerInfo says about the server and its SHVs.
HRESULT ShowServer() {
    INapServerInfo* info = NULL;
    HRESULT hr = CoCreateInstance(CLSID_NapServerInfo, NULL, CLSCTX_INPROC_SERVER,
                                  IID_INapServerInfo, reinterpret_cast<void**>(&info));
    if (FAILED(hr))
        return hr;
    CountedString* name = NULL;
    CountedString* description = NULL;
    CountedString* version = NULL;
    hr = info->GetNapServerInfo(&name, &description, &version);
    if (SUCCEEDED(hr)) {
        SampleLog("server: %s, %s, protocol %s", Narrow(name).c_str(), Narrow(description).c_str(),
                  Narrow(version).c_str());
        FreeCountedString(name);
        FreeCountedString(description);
        FreeCountedString(version);
    }
    SystemHealthEntityCount count = 0;
    NapComponentRegistrationInfo* validators = NULL;
    CLSID* clsids = NULL;
    if (SUCCEEDED(hr))
        hr = info->GetRegisteredSystemHealthValidators(&count, &validators, &clsids);
    if (SUCCEEDED(hr)) {
        for (UINT16 i = 0; i < count; ++i) {
            SampleLog("registered SHV 0x%08X \"%s\" %s, class {%08X-...}", validators[i].id,
                      Narrow(&validators[i].friendlyName).c_str(),
                      Narrow(&validators[i].version).c_str(), clsids[i].Data1);
        }
        FreeNapComponentRegistrationInfoArray(count, &validators);
        CoTaskMemFree(clsids);
        if (count != 1)
            hr = E_UNEXPECTED;
    }
    info->Release();
    return hr;
}

struct Expectation {
    SampleClient client;
    bool compliant;
    HRESULT code;  // expected compliance result code, or S_FALSE for "a failure category"
};

int Scenario(const char* name) {
    const Expectation expectations[] = {
        {SampleClient::FirewallOn, true, S_OK},
        {SampleClient::FirewallOff, false, SAMPLE_E_FIREWALL_OFF},
        {SampleClient::NoSha, false, NAP_E_MISSING_SOH},
        {SampleClient::ShaFailed, false, S_FALSE},
    };
    int failures = 0;
    auto host = opennap::win::default_shv_host();
    for (const Expectation& e : expectations) {
        auto v =
            opennap::examples::validate_sample_client(*host, QuarSampleSystemHealthId, e.client);
        if (!v) {
            SampleLog("%s: %s: %s", name, to_string(e.client), v.error().c_str());
            ++failures;
            continue;
        }
        const bool code_ok =
            e.code == S_FALSE
                ? v->failure_category == failureCategoryClientComponent
                : (v->codes.size() == 1 && v->codes[0] == static_cast<UINT32>(e.code));
        const bool ok = v->kind == "responded" && v->compliant == e.compliant && code_ok;
        SampleLog("%s: %-18s -> %s, %s%s", name, to_string(e.client), v->kind.c_str(),
                  v->compliant ? "compliant (full access)" : "non-compliant (restricted)",
                  ok ? "" : "   <-- UNEXPECTED");
        if (!ok)
            ++failures;
    }
    return failures;
}

}  // namespace

int main() {
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (SUCCEEDED(hr))
        hr = RegisterSampleShvClasses();
    if (FAILED(hr)) {
        SampleLog("cannot register the sample SHV classes: 0x%08X", hr);
        return 1;
    }
    int failures = 0;
    const struct {
        const CLSID* clsid;
        const char* name;
    } runs[] = {{&CLSID_QuarSampleShv, "synchronous SHV"},
                {&CLSID_QuarSampleShvAsync, "asynchronous SHV"}};
    for (const auto& run : runs) {
        hr = RegisterSampleShv(*run.clsid);
        if (FAILED(hr)) {
            SampleLog("RegisterSystemHealthValidator failed: 0x%08X", hr);
            return 1;
        }
        if (FAILED(ShowServer())) {
            SampleLog("INapServerInfo does not list the sample SHV");
            ++failures;
        }
        failures += Scenario(run.name);
        hr = UnregisterSampleShv();
        if (FAILED(hr)) {
            SampleLog("UnregisterSystemHealthValidator failed: 0x%08X", hr);
            ++failures;
        }
    }
    if (UnregisterSampleShv() != NAP_E_ID_NOT_FOUND) {
        SampleLog("unregistering twice should be NAP_E_ID_NOT_FOUND");
        ++failures;
    }
    if (QuarSampleShv::s_asyncAnswers.load() != 4) {
        SampleLog("the asynchronous SHV answered %d times, expected 4",
                  QuarSampleShv::s_asyncAnswers.load());
        ++failures;
    }
    UnregisterSampleShvClasses();
    CoUninitialize();
    SampleLog(failures == 0 ? "SHV sample: every verdict as expected"
                            : "SHV sample: %d unexpected result(s)",
              failures);
    return failures == 0 ? 0 : 1;
}
