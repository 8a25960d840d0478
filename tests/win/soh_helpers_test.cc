// INapSoHConstructor / INapSoHProcessor (NapProtocol.h, nap-api.md §16).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include <NapError.h>
#include <NapProtocol.h>
#include <NapUtil.h>

namespace {

constexpr SystemHealthEntityId kShaId = 0x000137F0;  // the SDK samples' SHA
constexpr HRESULT kNotFound = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);

INapSoHConstructor* new_constructor() {
    INapSoHConstructor* c = nullptr;
    EXPECT_EQ(NapCreateInstance(CLSID_NapSoHConstructor, IID_INapSoHConstructor,
                                reinterpret_cast<void**>(&c)),
              S_OK);
    return c;
}

INapSoHProcessor* new_processor() {
    INapSoHProcessor* p = nullptr;
    EXPECT_EQ(NapCreateInstance(CLSID_NapSoHProcessor, IID_INapSoHProcessor,
                                reinterpret_cast<void**>(&p)),
              S_OK);
    return p;
}

std::vector<BYTE> value_of(const SoHAttribute& a) {
    return a.size == 0 ? std::vector<BYTE>{} : std::vector<BYTE>(a.value, a.value + a.size);
}

// A response with a compliance code, as an SHV would build it.
SoH* build_response(INapSoHConstructor* c, HRESULT code) {
    EXPECT_EQ(c->Initialize(kShaId, FALSE), S_OK);
    SoHAttributeValue v = {0};
    v.codesVal.count = 1;
    v.codesVal.results = &code;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeComplianceResultCodes, &v), S_OK);
    SoH* soh = nullptr;
    EXPECT_EQ(c->GetSoH(&soh), S_OK);
    return soh;
}

TEST(WinSoHConstructor, BuildsTheTlvValues) {
    INapSoHConstructor* c = new_constructor();
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(c->Initialize(kShaId, TRUE), S_OK);

    // The SDK sample's vendor-specific attribute.
    BYTE data[] = {0x01, 0x02, 0x03};
    SoHAttributeValue v = {0};
    v.vendorSpecificVal.vendorId = kShaId;
    v.vendorSpecificVal.size = sizeof data;
    v.vendorSpecificVal.vendorSpecificData = data;
    ASSERT_EQ(c->AppendAttribute(sohAttributeTypeVendorSpecific, &v), S_OK);

    HRESULT codes[] = {S_OK, static_cast<HRESULT>(0x80270050u)};
    v = SoHAttributeValue{};
    v.codesVal.count = 2;
    v.codesVal.results = codes;
    ASSERT_EQ(c->AppendAttribute(sohAttributeTypeComplianceResultCodes, &v), S_OK);

    v = SoHAttributeValue{};
    v.dateTimeVal = FILETIME{0x58ee1ef0, 0x01ca78d8};
    ASSERT_EQ(c->AppendAttribute(sohAttributeTypeTimeOfLastUpdate, &v), S_OK);

    v = SoHAttributeValue{};
    v.uint8Val = healthClassAntiVirus;
    ASSERT_EQ(c->AppendAttribute(sohAttributeTypeHealthClass, &v), S_OK);

    Ipv4Address servers[] = {{{10, 0, 0, 1}}, {{10, 0, 0, 2}}};
    v = SoHAttributeValue{};
    v.v4AddressesVal.count = 2;
    v.v4AddressesVal.addresses = servers;
    ASSERT_EQ(c->AppendAttribute(sohAttributeTypeIpv4FixupServers, &v), S_OK);

    BYTE name[] = {'a', 'v'};
    v = SoHAttributeValue{};
    v.octetStringVal.size = 2;
    v.octetStringVal.data = name;
    ASSERT_EQ(c->AppendAttribute(sohAttributeTypeProductName, &v), S_OK);

    SoH* soh = nullptr;
    ASSERT_EQ(c->GetSoH(&soh), S_OK);
    ASSERT_NE(soh, nullptr);
    ASSERT_EQ(soh->count, 7);
    EXPECT_EQ(soh->attributes[0].type, sohAttributeTypeSystemHealthId);
    EXPECT_EQ(value_of(soh->attributes[0]), (std::vector<BYTE>{0x00, 0x01, 0x37, 0xF0}));
    EXPECT_EQ(soh->attributes[1].type, sohAttributeTypeVendorSpecific);
    EXPECT_EQ(value_of(soh->attributes[1]),
              (std::vector<BYTE>{0x00, 0x01, 0x37, 0xF0, 0x01, 0x02, 0x03}));
    EXPECT_EQ(value_of(soh->attributes[2]),
              (std::vector<BYTE>{0, 0, 0, 0, 0x80, 0x27, 0x00, 0x50}));
    EXPECT_EQ(value_of(soh->attributes[3]),
              (std::vector<BYTE>{0x01, 0xca, 0x78, 0xd8, 0x58, 0xee, 0x1e, 0xf0}));
    EXPECT_EQ(value_of(soh->attributes[4]), (std::vector<BYTE>{2}));
    EXPECT_EQ(value_of(soh->attributes[5]), (std::vector<BYTE>{10, 0, 0, 1, 10, 0, 0, 2}));
    EXPECT_EQ(value_of(soh->attributes[6]), (std::vector<BYTE>{'a', 'v'}));
    EXPECT_EQ(c->Validate(soh, TRUE), S_OK);
    FreeSoH(soh);
    EXPECT_EQ(c->Release(), 0u);
}

TEST(WinSoHConstructor, Errors) {
    INapSoHConstructor* c = new_constructor();
    SoHAttributeValue v = {0};
    SoH* soh = nullptr;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeHealthClass, &v), E_UNEXPECTED);
    EXPECT_EQ(c->GetSoH(&soh), E_UNEXPECTED);
    EXPECT_EQ(c->GetSoH(nullptr), E_POINTER);
    ASSERT_EQ(c->Initialize(kShaId, TRUE), S_OK);
    EXPECT_EQ(c->Initialize(kShaId, TRUE), HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));

    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeHealthClass, nullptr), E_POINTER);
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeSystemHealthId, &v), E_INVALIDARG);
    EXPECT_EQ(c->AppendAttribute(static_cast<SoHAttributeType>(0x4000), &v), E_INVALIDARG);
    EXPECT_EQ(c->AppendAttribute(static_cast<SoHAttributeType>(-1), &v), E_INVALIDARG);
    // Fix-up server lists hold 1..max addresses.
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeIpv4FixupServers, &v), E_INVALIDARG);
    v.v6AddressesVal.count = maxIpv6CountPerSoHAttribute + 1;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeIpv6FixupServers, &v), E_INVALIDARG);
    v = SoHAttributeValue{};
    v.v4AddressesVal.count = 1;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeIpv4FixupServers, &v), E_POINTER);
    v = SoHAttributeValue{};
    v.codesVal.count = 1;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeErrorCodes, &v), E_POINTER);
    v.codesVal.count = maxDwordCountPerSoHAttribute + 1;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeErrorCodes, &v), E_INVALIDARG);
    v = SoHAttributeValue{};
    v.vendorSpecificVal.size = maxSoHAttributeSize - 3;
    std::vector<BYTE> big(maxSoHAttributeSize + 1);
    v.vendorSpecificVal.vendorSpecificData = big.data();
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeVendorSpecific, &v), E_INVALIDARG);
    v = SoHAttributeValue{};
    v.octetStringVal.size = maxSoHAttributeSize + 1;
    v.octetStringVal.data = big.data();
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeClientId, &v), E_INVALIDARG);
    v.octetStringVal.size = maxSoHAttributeSize;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeClientId, &v), S_OK);
    // Empty octet strings are fine; unknown types are octet strings.
    v = SoHAttributeValue{};
    EXPECT_EQ(c->AppendAttribute(static_cast<SoHAttributeType>(42), &v), S_OK);

    // At most maxSoHAttributeCount attributes (the System-Health-ID included).
    v.uint8Val = 1;
    for (int i = 3; i < maxSoHAttributeCount; ++i)
        ASSERT_EQ(c->AppendAttribute(sohAttributeTypeHealthClass, &v), S_OK) << i;
    EXPECT_EQ(c->AppendAttribute(sohAttributeTypeHealthClass, &v), E_INVALIDARG);
    ASSERT_EQ(c->GetSoH(&soh), S_OK);
    EXPECT_EQ(soh->count, maxSoHAttributeCount);
    FreeSoH(soh);
    c->Release();
}

// An SoH over caller-owned attribute storage.
struct TestSoH {
    std::vector<std::pair<UINT16, std::vector<BYTE>>> items;
    std::vector<SoHAttribute> attrs;
    SoH soh{};

    TestSoH& add(UINT16 type, std::vector<BYTE> value) {
        items.emplace_back(type, std::move(value));
        return *this;
    }
    // Points the C struct at this object's storage (rebuilt on every call: copies stay valid).
    [[nodiscard]] const SoH* get() {
        attrs.clear();
        for (auto& [t, v] : items) {
            attrs.push_back(
                SoHAttribute{t, static_cast<UINT16>(v.size()), v.empty() ? nullptr : v.data()});
        }
        soh = SoH{static_cast<UINT16>(attrs.size()), attrs.data()};
        return &soh;
    }
};

TestSoH valid_response() {
    TestSoH s;
    s.add(sohAttributeTypeSystemHealthId, {0, 1, 0x37, 0xF0});
    s.add(sohAttributeTypeComplianceResultCodes, {0, 0, 0, 0});
    return s;
}

TEST(WinSoHConstructor, Validate) {
    INapSoHConstructor* c = new_constructor();
    EXPECT_EQ(c->Validate(nullptr, TRUE), E_POINTER);
    EXPECT_EQ(c->Validate(valid_response().get(), FALSE), S_OK);
    EXPECT_EQ(c->Validate(valid_response().get(), TRUE), S_OK);

    // A response must carry compliance codes or a failure category; a request need not.
    TestSoH bare;
    bare.add(sohAttributeTypeSystemHealthId, {0, 1, 0x37, 0xF0});
    EXPECT_EQ(c->Validate(bare.get(), TRUE), S_OK);
    EXPECT_EQ(c->Validate(bare.get(), FALSE), NAP_E_INVALID_PACKET);
    bare.add(sohAttributeTypeFailureCategory, {failureCategoryClientCommunication});
    EXPECT_EQ(c->Validate(bare.get(), FALSE), S_OK);

    // At most one fix-up server list in a response.
    TestSoH fixups = valid_response();
    fixups.add(sohAttributeTypeIpv4FixupServers, {10, 0, 0, 1});
    EXPECT_EQ(c->Validate(fixups.get(), FALSE), S_OK);
    fixups.add(sohAttributeTypeIpv6FixupServers, std::vector<BYTE>(16, 1));
    EXPECT_EQ(c->Validate(fixups.get(), FALSE), NAP_E_INVALID_PACKET);
    EXPECT_EQ(c->Validate(fixups.get(), TRUE), S_OK);

    SoH empty{0, nullptr};
    EXPECT_EQ(c->Validate(&empty, TRUE), NAP_E_INVALID_PACKET);
    SoH dangling{1, nullptr};
    EXPECT_EQ(c->Validate(&dangling, TRUE), NAP_E_INVALID_PACKET);

    TestSoH first_not_id;
    first_not_id.add(sohAttributeTypeHealthClass, {1});
    EXPECT_EQ(c->Validate(first_not_id.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH two_ids = valid_response();
    two_ids.add(sohAttributeTypeSystemHealthId, {0, 1, 0x37, 0xF1});
    EXPECT_EQ(c->Validate(two_ids.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH short_id;
    short_id.add(sohAttributeTypeSystemHealthId, {0, 1, 0x37});
    EXPECT_EQ(c->Validate(short_id.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH bad_codes = valid_response();
    bad_codes.add(sohAttributeTypeErrorCodes, {0, 0, 0});
    EXPECT_EQ(c->Validate(bad_codes.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH empty_fixups = valid_response();
    empty_fixups.add(sohAttributeTypeIpv4FixupServers, {});
    EXPECT_EQ(c->Validate(empty_fixups.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH bad_category = valid_response();
    bad_category.add(sohAttributeTypeFailureCategory, {6});
    EXPECT_EQ(c->Validate(bad_category.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH bad_ext = valid_response();
    bad_ext.add(sohAttributeTypeExtendedIsolationState, {4});
    EXPECT_EQ(c->Validate(bad_ext.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH too_big = valid_response();
    too_big.add(sohAttributeTypeClientId, std::vector<BYTE>(maxSoHAttributeSize + 1));
    EXPECT_EQ(c->Validate(too_big.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH wide_type = valid_response();
    wide_type.add(0x4001, {1});
    EXPECT_EQ(c->Validate(wide_type.get(), TRUE), NAP_E_INVALID_PACKET);

    TestSoH unknown = valid_response();
    unknown.add(0x3FFF, {1, 2, 3});
    EXPECT_EQ(c->Validate(unknown.get(), TRUE), S_OK);

    TestSoH many = valid_response();
    while (many.items.size() < maxSoHAttributeCount)
        many.add(sohAttributeTypeHealthClass, {0});
    EXPECT_EQ(c->Validate(many.get(), TRUE), S_OK);
    many.add(sohAttributeTypeHealthClass, {0});
    EXPECT_EQ(c->Validate(many.get(), TRUE), NAP_E_INVALID_PACKET);

    c->Release();
}

TEST(WinSoHProcessor, ReadsWhatTheConstructorBuilt) {
    INapSoHConstructor* c = new_constructor();
    SoH* soh = build_response(c, static_cast<HRESULT>(0x80270050u));
    ASSERT_NE(soh, nullptr);

    INapSoHProcessor* p = new_processor();
    SystemHealthEntityId id = 0;
    ASSERT_EQ(p->Initialize(soh, FALSE, &id), S_OK);
    EXPECT_EQ(id, kShaId);
    FreeSoH(soh);  // the processor keeps its own copy
    EXPECT_EQ(p->Initialize(soh, FALSE, &id), HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED));

    UINT16 count = 0;
    ASSERT_EQ(p->GetNumberOfAttributes(&count), S_OK);
    EXPECT_EQ(count, 2);

    // The SDK sample's lookup.
    UINT16 index = 0;
    ASSERT_EQ(p->FindNextAttribute(0, sohAttributeTypeComplianceResultCodes, &index), S_OK);
    EXPECT_EQ(index, 1);
    SoHAttributeType type = static_cast<SoHAttributeType>(0);
    SoHAttributeValue* value = nullptr;
    ASSERT_EQ(p->GetAttribute(index, &type, &value), S_OK);
    EXPECT_EQ(type, sohAttributeTypeComplianceResultCodes);
    ASSERT_EQ(value->codesVal.count, 1);
    EXPECT_EQ(static_cast<std::uint32_t>(value->codesVal.results[0]), 0x80270050u);
    FreeSoHAttributeValue(type, value);

    ASSERT_EQ(p->GetAttribute(0, &type, &value), S_OK);
    EXPECT_EQ(type, sohAttributeTypeSystemHealthId);
    EXPECT_EQ(value->idVal, kShaId);
    FreeSoHAttributeValue(type, value);

    EXPECT_EQ(p->FindNextAttribute(2, sohAttributeTypeComplianceResultCodes, &index), kNotFound);
    EXPECT_EQ(p->FindNextAttribute(1, sohAttributeTypeHealthClass, &index), kNotFound);
    EXPECT_EQ(p->FindNextAttribute(500, sohAttributeTypeHealthClass, &index), kNotFound);
    EXPECT_EQ(p->FindNextAttribute(0, sohAttributeTypeHealthClass, nullptr), E_POINTER);
    EXPECT_EQ(p->GetAttribute(2, &type, &value), E_INVALIDARG);
    EXPECT_EQ(p->GetAttribute(0, nullptr, &value), E_POINTER);
    EXPECT_EQ(p->GetAttribute(0, &type, nullptr), E_POINTER);
    EXPECT_EQ(p->GetNumberOfAttributes(nullptr), E_POINTER);

    EXPECT_EQ(p->Release(), 0u);
    EXPECT_EQ(c->Release(), 0u);
}

TEST(WinSoHProcessor, DecodesEveryArm) {
    TestSoH s = valid_response();
    s.add(sohAttributeTypeIpv4FixupServers, {10, 0, 0, 1, 10, 0, 0, 2});
    s.add(sohAttributeTypeTimeOfLastUpdate, {0x01, 0xca, 0x78, 0xd8, 0x58, 0xee, 0x1e, 0xf0});
    s.add(sohAttributeTypeVendorSpecific, {0x00, 0x00, 0x01, 0x37, 0xAA, 0xBB});
    s.add(sohAttributeTypeFailureCategory, {failureCategoryServerComponent});
    s.add(sohAttributeTypeSoftwareVersion, {'1', '.', '0'});
    s.add(0x1234, {9, 8});
    s.add(sohAttributeTypeErrorCodes, {});
    s.add(sohAttributeTypeClientId, {});

    INapSoHProcessor* p = new_processor();
    SystemHealthEntityId id = 0;
    ASSERT_EQ(p->Initialize(s.get(), FALSE, &id), S_OK);
    SoHAttributeType type{};
    SoHAttributeValue* v = nullptr;

    ASSERT_EQ(p->GetAttribute(2, &type, &v), S_OK);
    EXPECT_EQ(type, sohAttributeTypeIpv4FixupServers);
    ASSERT_EQ(v->v4AddressesVal.count, 2);
    EXPECT_EQ(v->v4AddressesVal.addresses[1].addr[3], 2);
    FreeSoHAttributeValue(type, v);

    ASSERT_EQ(p->GetAttribute(3, &type, &v), S_OK);
    EXPECT_EQ(v->dateTimeVal.dwHighDateTime, 0x01ca78d8u);
    EXPECT_EQ(v->dateTimeVal.dwLowDateTime, 0x58ee1ef0u);
    FreeSoHAttributeValue(type, v);

    ASSERT_EQ(p->GetAttribute(4, &type, &v), S_OK);
    EXPECT_EQ(v->vendorSpecificVal.vendorId, 0x137u);
    ASSERT_EQ(v->vendorSpecificVal.size, 2);
    EXPECT_EQ(v->vendorSpecificVal.vendorSpecificData[1], 0xBB);
    FreeSoHAttributeValue(type, v);

    ASSERT_EQ(p->GetAttribute(5, &type, &v), S_OK);
    EXPECT_EQ(v->uint8Val, failureCategoryServerComponent);
    FreeSoHAttributeValue(type, v);

    ASSERT_EQ(p->GetAttribute(6, &type, &v), S_OK);
    EXPECT_EQ(type, sohAttributeTypeSoftwareVersion);
    ASSERT_EQ(v->octetStringVal.size, 3);
    EXPECT_EQ(v->octetStringVal.data[0], '1');
    FreeSoHAttributeValue(type, v);

    // Unknown types come back as octet strings.
    ASSERT_EQ(p->GetAttribute(7, &type, &v), S_OK);
    EXPECT_EQ(static_cast<INT>(type), 0x1234);
    ASSERT_EQ(v->octetStringVal.size, 2);
    EXPECT_EQ(v->octetStringVal.data[1], 8);
    FreeSoHAttributeValue(type, v);

    ASSERT_EQ(p->GetAttribute(8, &type, &v), S_OK);
    EXPECT_EQ(v->codesVal.count, 0);
    EXPECT_EQ(v->codesVal.results, nullptr);
    FreeSoHAttributeValue(type, v);

    ASSERT_EQ(p->GetAttribute(9, &type, &v), S_OK);
    EXPECT_EQ(v->octetStringVal.size, 0);
    EXPECT_EQ(v->octetStringVal.data, nullptr);
    FreeSoHAttributeValue(type, v);

    UINT16 at = 0;
    ASSERT_EQ(p->FindNextAttribute(0, static_cast<SoHAttributeType>(0x1234), &at), S_OK);
    EXPECT_EQ(at, 7);
    p->Release();
}

TEST(WinSoHProcessor, Errors) {
    INapSoHProcessor* p = new_processor();
    UINT16 n = 0;
    SystemHealthEntityId id = 0;
    EXPECT_EQ(p->GetNumberOfAttributes(&n), E_UNEXPECTED);
    EXPECT_EQ(p->FindNextAttribute(0, sohAttributeTypeHealthClass, &n), E_UNEXPECTED);
    EXPECT_EQ(p->Initialize(nullptr, TRUE, &id), E_POINTER);
    EXPECT_EQ(p->Initialize(valid_response().get(), TRUE, nullptr), E_POINTER);
    TestSoH bare;
    bare.add(sohAttributeTypeSystemHealthId, {0, 1, 0x37, 0xF0});
    EXPECT_EQ(p->Initialize(bare.get(), FALSE, &id), NAP_E_INVALID_PACKET);
    // A failed Initialize leaves the object usable.
    EXPECT_EQ(p->Initialize(bare.get(), TRUE, &id), S_OK);
    EXPECT_EQ(id, kShaId);
    p->Release();
}

TEST(WinSoHHelpers, ReferenceCountsAndInterfaces) {
    INapSoHConstructor* c = new_constructor();
    EXPECT_EQ(c->AddRef(), 2u);
    IUnknown* unknown = nullptr;
    ASSERT_EQ(c->QueryInterface(IID_IUnknown, reinterpret_cast<void**>(&unknown)), S_OK);
    EXPECT_EQ(static_cast<void*>(unknown), static_cast<void*>(c));
    EXPECT_EQ(unknown->Release(), 2u);
    void* other = reinterpret_cast<void*>(1);
    EXPECT_EQ(c->QueryInterface(IID_INapSoHProcessor, &other), E_NOINTERFACE);
    EXPECT_EQ(other, nullptr);
    EXPECT_EQ(c->QueryInterface(IID_IUnknown, nullptr), E_POINTER);
    EXPECT_EQ(c->Release(), 1u);
    EXPECT_EQ(c->Release(), 0u);

    IUnknown* p = nullptr;
    ASSERT_EQ(NapCreateInstance(CLSID_NapSoHProcessor, IID_IUnknown, reinterpret_cast<void**>(&p)),
              S_OK);
    INapSoHProcessor* processor = nullptr;
    ASSERT_EQ(p->QueryInterface(IID_INapSoHProcessor, reinterpret_cast<void**>(&processor)), S_OK);
    EXPECT_EQ(p->Release(), 1u);
    EXPECT_EQ(processor->Release(), 0u);
}

}  // namespace
