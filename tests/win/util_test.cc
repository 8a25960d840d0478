// NapUtil.h: Alloc*/Free* semantics (nap-api.md §17). Leaks are caught by LeakSanitizer.
#include <gtest/gtest.h>

#include <string>

#include <NapUtil.h>

namespace {

TEST(WinUtil, AllocCountedString) {
    CountedString* s = nullptr;
    ASSERT_EQ(AllocCountedString(&s, u"http://fix.example/"), S_OK);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->length, 19);
    EXPECT_EQ(std::u16string(s->string), u"http://fix.example/");
    EXPECT_EQ(s->string[s->length], u'\0');
    FreeCountedString(s);

    // Empty strings still get a buffer holding the NUL.
    ASSERT_EQ(AllocCountedString(&s, u""), S_OK);
    EXPECT_EQ(s->length, 0);
    ASSERT_NE(s->string, nullptr);
    EXPECT_EQ(s->string[0], u'\0');
    FreeCountedString(s);

    EXPECT_EQ(AllocCountedString(nullptr, u"x"), E_INVALIDARG);
    EXPECT_EQ(AllocCountedString(&s, nullptr), E_INVALIDARG);
    const std::u16string too_long(maxStringLength + 1, u'a');
    EXPECT_EQ(AllocCountedString(&s, too_long.c_str()), E_INVALIDARG);
    const std::u16string longest(maxStringLength, u'a');
    ASSERT_EQ(AllocCountedString(&s, longest.c_str()), S_OK);
    EXPECT_EQ(s->length, maxStringLength);
    FreeCountedString(s);
}

TEST(WinUtil, AllocCountedStringPartsAreSeparateBlocks) {
    // SDK code keeps the string and frees the struct alone (the samples' FillCountedString).
    CountedString* s = nullptr;
    ASSERT_EQ(AllocCountedString(&s, u"name"), S_OK);
    CountedString kept = *s;
    CoTaskMemFree(s);
    EXPECT_EQ(std::u16string(kept.string), u"name");
    CoTaskMemFree(kept.string);
}

TEST(WinUtil, AllocConnectionsSampleSemantics) {
    Connections* c = nullptr;
    ASSERT_EQ(AllocConnections(&c, 0), S_OK);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->count, 0);
    EXPECT_EQ(c->connections, nullptr);
    FreeConnections(c);

    ASSERT_EQ(AllocConnections(&c, 3), S_OK);
    EXPECT_EQ(c->count, 3);
    ASSERT_NE(c->connections, nullptr);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(c->connections[i], nullptr);
    FreeConnections(c);

    EXPECT_EQ(AllocConnections(nullptr, 1), E_INVALIDARG);
    EXPECT_EQ(AllocConnections(&c, maxConnectionCountPerEnforcer + 1), E_INVALIDARG);
    ASSERT_EQ(AllocConnections(&c, maxConnectionCountPerEnforcer), S_OK);
    FreeConnections(c);
}

TEST(WinUtil, AllocFixupInfo) {
    FixupInfo* f = nullptr;
    ASSERT_EQ(AllocFixupInfo(&f, 2), S_OK);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->resultCodes.count, 2);
    ASSERT_NE(f->resultCodes.results, nullptr);
    EXPECT_EQ(f->resultCodes.results[0], S_OK);
    EXPECT_EQ(f->state, fixupStateSuccess);
    f->resultCodes.results[1] = E_FAIL;
    f->percentage = percentageNotSupported;
    FreeFixupInfo(f);

    ASSERT_EQ(AllocFixupInfo(&f, 0), S_OK);
    EXPECT_EQ(f->resultCodes.count, 0);
    EXPECT_EQ(f->resultCodes.results, nullptr);
    FreeFixupInfo(f);

    EXPECT_EQ(AllocFixupInfo(nullptr, 1), E_INVALIDARG);
    EXPECT_EQ(AllocFixupInfo(&f, maxDwordCountPerSoHAttribute + 1), E_INVALIDARG);
}

// Builds the structures by hand with CoTaskMem, as a NAP system callee would, and frees them
// with the helpers: every embedded pointer must be released (LeakSanitizer checks).
template <typename T>
T* co_new() {
    auto* p = static_cast<T*>(CoTaskMemAlloc(sizeof(T)));
    std::memset(p, 0, sizeof(T));
    return p;
}
WCHAR* co_string(const char16_t* s) {
    const std::u16string v(s);
    auto* p = static_cast<WCHAR*>(CoTaskMemAlloc((v.size() + 1) * sizeof(WCHAR)));
    std::copy(v.begin(), v.end(), p);
    p[v.size()] = u'\0';
    return p;
}
BYTE* co_bytes(std::size_t n) {
    auto* p = static_cast<BYTE*>(CoTaskMemAlloc(n));
    std::memset(p, 0xAB, n);
    return p;
}

TEST(WinUtil, FreeHelpersFreeEmbeddedPointers) {
    auto* info = co_new<IsolationInfo>();
    info->failureUrl.string = co_string(u"http://x/");
    info->failureUrl.length = 9;
    FreeIsolationInfo(info);

    auto* ex = co_new<IsolationInfoEx>();
    ex->failureUrl.string = co_string(u"u");
    FreeIsolationInfoEx(ex);

    auto* n = co_new<NetworkSoH>();
    n->size = 12;
    n->data = co_bytes(12);
    FreeNetworkSoH(n);

    auto* pd = co_new<PrivateData>();
    pd->size = 3;
    pd->data = co_bytes(3);
    FreePrivateData(pd);

    auto* soh = co_new<SoH>();
    soh->count = 2;
    soh->attributes = static_cast<SoHAttribute*>(CoTaskMemAlloc(2 * sizeof(SoHAttribute)));
    soh->attributes[0] = SoHAttribute{2, 4, co_bytes(4)};
    soh->attributes[1] = SoHAttribute{7, 0, nullptr};
    FreeSoH(soh);

    auto* state = co_new<SystemHealthAgentState>();
    state->shaResultCodes.count = 1;
    state->shaResultCodes.results = static_cast<HRESULT*>(CoTaskMemAlloc(sizeof(HRESULT)));
    state->fixupInfo.resultCodes.count = 1;
    state->fixupInfo.resultCodes.results = static_cast<HRESULT*>(CoTaskMemAlloc(sizeof(HRESULT)));
    FreeSystemHealthAgentState(state);

    auto* array = static_cast<NapComponentRegistrationInfo*>(
        CoTaskMemAlloc(2 * sizeof(NapComponentRegistrationInfo)));
    std::memset(array, 0, 2 * sizeof(NapComponentRegistrationInfo));
    for (int i = 0; i < 2; ++i) {
        array[i].friendlyName.string = co_string(u"name");
        array[i].description.string = co_string(u"description");
        array[i].version.string = co_string(u"1.0");
        array[i].vendorName.string = co_string(u"vendor");
    }
    FreeNapComponentRegistrationInfoArray(2, &array);
    EXPECT_EQ(array, nullptr);
}

TEST(WinUtil, FreeHelpersAcceptNull) {
    FreeConnections(nullptr);
    FreeCountedString(nullptr);
    FreeFixupInfo(nullptr);
    FreeIsolationInfo(nullptr);
    FreeIsolationInfoEx(nullptr);
    FreeNapComponentRegistrationInfoArray(3, nullptr);
    NapComponentRegistrationInfo* none = nullptr;
    FreeNapComponentRegistrationInfoArray(0, &none);
    FreeNetworkSoH(nullptr);
    FreePrivateData(nullptr);
    FreeSoH(nullptr);
    FreeSoHAttributeValue(sohAttributeTypeVendorSpecific, nullptr);
    FreeSystemHealthAgentState(nullptr);
}

TEST(WinUtil, FreeSoHAttributeValueFreesTheArmOfTheType) {
    auto* v4 = co_new<SoHAttributeValue>();
    v4->v4AddressesVal.count = 2;
    v4->v4AddressesVal.addresses = static_cast<Ipv4Address*>(CoTaskMemAlloc(8));
    FreeSoHAttributeValue(sohAttributeTypeIpv4FixupServers, v4);

    auto* v6 = co_new<SoHAttributeValue>();
    v6->v6AddressesVal.count = 1;
    v6->v6AddressesVal.addresses = static_cast<Ipv6Address*>(CoTaskMemAlloc(16));
    FreeSoHAttributeValue(sohAttributeTypeIpv6FixupServers, v6);

    for (SoHAttributeType t : {sohAttributeTypeComplianceResultCodes, sohAttributeTypeErrorCodes}) {
        auto* codes = co_new<SoHAttributeValue>();
        codes->codesVal.count = 1;
        codes->codesVal.results = static_cast<HRESULT*>(CoTaskMemAlloc(sizeof(HRESULT)));
        FreeSoHAttributeValue(t, codes);
    }

    auto* vendor = co_new<SoHAttributeValue>();
    vendor->vendorSpecificVal.size = 5;
    vendor->vendorSpecificVal.vendorSpecificData = co_bytes(5);
    FreeSoHAttributeValue(sohAttributeTypeVendorSpecific, vendor);

    for (INT t : {6, 9, 10, 11, 42}) {  // octet strings, and an unknown type
        auto* octets = co_new<SoHAttributeValue>();
        octets->octetStringVal.size = 2;
        octets->octetStringVal.data = co_bytes(2);
        FreeSoHAttributeValue(static_cast<SoHAttributeType>(t), octets);
    }

    for (SoHAttributeType t :
         {sohAttributeTypeSystemHealthId, sohAttributeTypeTimeOfLastUpdate,
          sohAttributeTypeSoHGenerationTime, sohAttributeTypeHealthClass,
          sohAttributeTypeFailureCategory, sohAttributeTypeExtendedIsolationState}) {
        FreeSoHAttributeValue(t, co_new<SoHAttributeValue>());
    }
}

}  // namespace
