#include "opennap/core/nap_types.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <type_traits>

namespace opennap {
namespace {

template <typename E>
constexpr auto raw(E e) {
    return static_cast<std::underlying_type_t<E>>(e);
}

TEST(NapTypes, NapTypesHConstants) {
    static_assert(std::is_same_v<decltype(freshSoHRequest), const std::uint8_t>);
    static_assert(std::is_same_v<decltype(maxSoHAttributeCount), const std::uint16_t>);
    static_assert(std::is_same_v<decltype(ComponentTypeEnforcementClientSoH), const std::uint32_t>);
    EXPECT_EQ(freshSoHRequest, 0x1);
    EXPECT_EQ(shaFixup, 0x1);
    EXPECT_EQ(percentageNotSupported, 101);
    EXPECT_EQ(maxSoHAttributeCount, 100);
    EXPECT_EQ(maxSoHAttributeSize, 0xFA0);
    EXPECT_EQ(minNetworkSoHSize, 12);
    EXPECT_EQ(maxNetworkSoHSize, 4000);
    EXPECT_EQ(maxDwordCountPerSoHAttribute, 1000);
    EXPECT_EQ(maxIpv4CountPerSoHAttribute, 1000);
    EXPECT_EQ(maxIpv6CountPerSoHAttribute, 250);
    EXPECT_EQ(maxStringLength, 0x400);
    EXPECT_EQ(maxStringLengthInBytes, 2050);
    EXPECT_EQ(maxSystemHealthEntityCount, 20);
    EXPECT_EQ(maxEnforcerCount, 20);
    EXPECT_EQ(maxPrivateDataSize, 200);
    EXPECT_EQ(maxConnectionCountPerEnforcer, 20);
    EXPECT_EQ(maxCachedSoHCount, 8000);
    EXPECT_EQ(failureCategoryCount, 5);
    EXPECT_EQ(ComponentTypeEnforcementClientSoH, 1u);
    EXPECT_EQ(ComponentTypeEnforcementClientRp, 2u);
}

TEST(NapTypes, EnforcementClientConstants) {
    EXPECT_EQ(defaultProtocolMaxSize, 4000u);
    EXPECT_EQ(minProtocolMaxSize, 300u);
    EXPECT_EQ(maxProtocolMaxSize, 0xFFFFu);
}

TEST(NapTypes, CertRelyingPartyConstants) {
    EXPECT_EQ(NapAfwZonePropId, 0x8000u);
    EXPECT_EQ(NapAfwProtectionLevelPropId, 0x8001u);
}

TEST(NapTypes, MicrosoftComponentIds) {
    EXPECT_EQ(MicrosoftVendorId, 0x137u);
    EXPECT_EQ(NapSystemId, 0x00013700u);
    EXPECT_EQ(NapDhcpEnforcementId, 0x00013701u);
    EXPECT_EQ(NapRasEnforcementId, 0x00013702u);
    EXPECT_EQ(NapIpsecEnforcementId, 0x00013703u);
    EXPECT_EQ(Nap8021xEnforcementId, 0x00013704u);
    EXPECT_EQ(NapAnywhereAccessEnforcementId, 0x00013705u);
    EXPECT_EQ(NapIsaEnforcementId, 0x00013706u);
    EXPECT_EQ(NapEapEnforcementId, 0x00013707u);
    EXPECT_EQ(NapOutOfBoxSystemHealthId, 0x00013780u);
    EXPECT_EQ(NapSmsSystemHealthId, 0x00013781u);
    EXPECT_EQ(NapFCSv1SystemHealthId, 0x00013782u);
    EXPECT_EQ(NapFCSv2SystemHealthId, 0x00013783u);
    EXPECT_EQ(NapTpmSystemHealthId, 0x00013784u);
    EXPECT_EQ(QuarSampleSystemHealthId, 0x000137F0u);
    for (NapComponentId id :
         {NapSystemId, NapDhcpEnforcementId, NapRasEnforcementId, NapIpsecEnforcementId,
          Nap8021xEnforcementId, NapAnywhereAccessEnforcementId, NapIsaEnforcementId,
          NapEapEnforcementId, NapOutOfBoxSystemHealthId, NapSmsSystemHealthId,
          NapFCSv1SystemHealthId, NapFCSv2SystemHealthId, NapTpmSystemHealthId,
          QuarSampleSystemHealthId}) {
        EXPECT_EQ(vendor_of(id), MicrosoftVendorId) << std::hex << id;
    }
}

TEST(NapTypes, ComponentIdHelpers) {
    static_assert(vendor_of(0x00013701u) == 0x137u);
    static_assert(component_of(0x00013701u) == 0x01);
    static_assert(make_component_id(0x137, 0x01) == NapDhcpEnforcementId);
    static_assert(make_component_id(MicrosoftVendorId, 0xF0) == QuarSampleSystemHealthId);
    static_assert(vendor_of(0xABCDEF12u) == 0xABCDEFu);
    static_assert(component_of(0xABCDEF12u) == 0x12);
    static_assert(make_component_id(0x01ABCDEFu, 0x12) == 0xABCDEF12u);  // vendor truncated
    for (NapComponentId id : {0u, 0x00013780u, 0xFFFFFFFFu, 0x12345678u}) {
        EXPECT_EQ(make_component_id(vendor_of(id), component_of(id)), id);
    }
}

TEST(NapTypes, TypedefWidths) {
    static_assert(std::is_same_v<NapComponentId, std::uint32_t>);
    static_assert(std::is_same_v<SystemHealthEntityId, std::uint32_t>);
    static_assert(std::is_same_v<EnforcementEntityId, std::uint32_t>);
    static_assert(std::is_same_v<MessageId, std::uint32_t>);
    static_assert(std::is_same_v<Percentage, std::uint8_t>);
    static_assert(std::is_same_v<ProtocolMaxSize, std::uint32_t>);
    static_assert(std::is_same_v<SystemHealthEntityCount, std::uint16_t>);
    static_assert(std::is_same_v<EnforcementEntityCount, std::uint16_t>);
    static_assert(std::is_same_v<ProbationTime, FileTime>);
    static_assert(sizeof(IsolationState) == 4);
    static_assert(sizeof(FailureCategory) == 4);
    static_assert(sizeof(SoHAttributeType) == 2);
    static_assert(sizeof(HealthClassValue) == 1);
}

TEST(NapTypes, IsolationState) {
    EXPECT_EQ(raw(IsolationState::NotRestricted), 1u);
    EXPECT_EQ(raw(IsolationState::InProbation), 2u);
    EXPECT_EQ(raw(IsolationState::RestrictedAccess), 3u);
    EXPECT_EQ(to_string(IsolationState::NotRestricted), "not-restricted");
    EXPECT_EQ(to_string(IsolationState::InProbation), "in-probation");
    EXPECT_EQ(to_string(IsolationState::RestrictedAccess), "restricted-access");
    EXPECT_FALSE(is_valid(IsolationState{0}));
    EXPECT_TRUE(is_valid(IsolationState{1}));
    EXPECT_TRUE(is_valid(IsolationState{3}));
    EXPECT_FALSE(is_valid(IsolationState{4}));
    EXPECT_EQ(to_string(IsolationState{0}), "invalid");
}

TEST(NapTypes, ExtendedIsolationState) {
    EXPECT_EQ(raw(ExtendedIsolationState::NoData), 0u);
    EXPECT_EQ(raw(ExtendedIsolationState::Transition), 1u);
    EXPECT_EQ(raw(ExtendedIsolationState::Infected), 2u);
    EXPECT_EQ(raw(ExtendedIsolationState::Unknown), 3u);
    EXPECT_EQ(to_string(ExtendedIsolationState::NoData), "no-data");
    EXPECT_EQ(to_string(ExtendedIsolationState::Transition), "transition");
    EXPECT_EQ(to_string(ExtendedIsolationState::Infected), "infected");
    EXPECT_EQ(to_string(ExtendedIsolationState::Unknown), "unknown");
    EXPECT_TRUE(is_valid(ExtendedIsolationState{0}));
    EXPECT_FALSE(is_valid(ExtendedIsolationState{4}));
    EXPECT_EQ(to_string(ExtendedIsolationState{4}), "invalid");
}

TEST(NapTypes, NapTracingLevel) {
    EXPECT_EQ(raw(NapTracingLevel::Undefined), 0u);
    EXPECT_EQ(raw(NapTracingLevel::Basic), 1u);
    EXPECT_EQ(raw(NapTracingLevel::Advanced), 2u);
    EXPECT_EQ(raw(NapTracingLevel::Debug), 3u);
    EXPECT_EQ(to_string(NapTracingLevel::Undefined), "undefined");
    EXPECT_EQ(to_string(NapTracingLevel::Basic), "basic");
    EXPECT_EQ(to_string(NapTracingLevel::Advanced), "advanced");
    EXPECT_EQ(to_string(NapTracingLevel::Debug), "debug");
    EXPECT_TRUE(is_valid(NapTracingLevel{3}));
    EXPECT_FALSE(is_valid(NapTracingLevel{4}));
}

TEST(NapTypes, FailureCategory) {
    EXPECT_EQ(raw(FailureCategory::None), 0u);
    EXPECT_EQ(raw(FailureCategory::Other), 1u);
    EXPECT_EQ(raw(FailureCategory::ClientComponent), 2u);
    EXPECT_EQ(raw(FailureCategory::ClientCommunication), 3u);
    EXPECT_EQ(raw(FailureCategory::ServerComponent), 4u);
    EXPECT_EQ(raw(FailureCategory::ServerCommunication), 5u);
    EXPECT_EQ(to_string(FailureCategory::None), "none");
    EXPECT_EQ(to_string(FailureCategory::Other), "other");
    EXPECT_EQ(to_string(FailureCategory::ClientComponent), "client-component");
    EXPECT_EQ(to_string(FailureCategory::ClientCommunication), "client-communication");
    EXPECT_EQ(to_string(FailureCategory::ServerComponent), "server-component");
    EXPECT_EQ(to_string(FailureCategory::ServerCommunication), "server-communication");
    EXPECT_TRUE(is_valid(FailureCategory{5}));
    EXPECT_FALSE(is_valid(FailureCategory{6}));
}

TEST(NapTypes, FailureCategoryMapping) {
    static_assert(kFailureCategoryCount == 5);
    FailureCategoryMapping m;
    for (bool b : m.mapping_compliance) {
        EXPECT_FALSE(b);  // default: non-compliant
    }
    EXPECT_EQ(m, FailureCategoryMapping{});
    EXPECT_EQ(mapping_index(FailureCategory::None), std::nullopt);
    EXPECT_EQ(mapping_index(FailureCategory::Other), 0u);
    EXPECT_EQ(mapping_index(FailureCategory::ClientComponent), 1u);
    EXPECT_EQ(mapping_index(FailureCategory::ClientCommunication), 2u);
    EXPECT_EQ(mapping_index(FailureCategory::ServerComponent), 3u);
    EXPECT_EQ(mapping_index(FailureCategory::ServerCommunication), 4u);
    EXPECT_EQ(mapping_index(FailureCategory{6}), std::nullopt);
    m.mapping_compliance[*mapping_index(FailureCategory::ServerCommunication)] = true;
    EXPECT_NE(m, FailureCategoryMapping{});
}

TEST(NapTypes, FixupState) {
    EXPECT_EQ(raw(FixupState::Success), 0u);
    EXPECT_EQ(raw(FixupState::InProgress), 1u);
    EXPECT_EQ(raw(FixupState::CouldNotUpdate), 2u);
    EXPECT_EQ(to_string(FixupState::Success), "success");
    EXPECT_EQ(to_string(FixupState::InProgress), "in-progress");
    EXPECT_EQ(to_string(FixupState::CouldNotUpdate), "could-not-update");
    EXPECT_TRUE(is_valid(FixupState{2}));
    EXPECT_FALSE(is_valid(FixupState{3}));
}

TEST(NapTypes, NapNotifyType) {
    EXPECT_EQ(raw(NapNotifyType::Unknown), 0u);
    EXPECT_EQ(raw(NapNotifyType::ServiceState), 1u);
    EXPECT_EQ(raw(NapNotifyType::QuarState), 2u);
    EXPECT_EQ(to_string(NapNotifyType::Unknown), "unknown");
    EXPECT_EQ(to_string(NapNotifyType::ServiceState), "service-state");
    EXPECT_EQ(to_string(NapNotifyType::QuarState), "quar-state");
    EXPECT_TRUE(is_valid(NapNotifyType{2}));
    EXPECT_FALSE(is_valid(NapNotifyType{3}));
}

TEST(NapTypes, RemoteConfigurationType) {
    EXPECT_EQ(raw(RemoteConfigurationType::Machine), 1u);
    EXPECT_EQ(raw(RemoteConfigurationType::ConfigBlob), 2u);
    EXPECT_EQ(to_string(RemoteConfigurationType::Machine), "machine");
    EXPECT_EQ(to_string(RemoteConfigurationType::ConfigBlob), "config-blob");
    EXPECT_FALSE(is_valid(RemoteConfigurationType{0}));
    EXPECT_TRUE(is_valid(RemoteConfigurationType{1}));
    EXPECT_TRUE(is_valid(RemoteConfigurationType{2}));
    EXPECT_FALSE(is_valid(RemoteConfigurationType{3}));
}

TEST(NapTypes, SoHAttributeType) {
    EXPECT_EQ(raw(SoHAttributeType::SystemHealthId), 2);
    EXPECT_EQ(raw(SoHAttributeType::Ipv4FixupServers), 3);
    EXPECT_EQ(raw(SoHAttributeType::ComplianceResultCodes), 4);
    EXPECT_EQ(raw(SoHAttributeType::TimeOfLastUpdate), 5);
    EXPECT_EQ(raw(SoHAttributeType::ClientId), 6);
    EXPECT_EQ(raw(SoHAttributeType::VendorSpecific), 7);
    EXPECT_EQ(raw(SoHAttributeType::HealthClass), 8);
    EXPECT_EQ(raw(SoHAttributeType::SoftwareVersion), 9);
    EXPECT_EQ(raw(SoHAttributeType::ProductName), 10);
    EXPECT_EQ(raw(SoHAttributeType::HealthClassStatus), 11);
    EXPECT_EQ(raw(SoHAttributeType::SoHGenerationTime), 12);
    EXPECT_EQ(raw(SoHAttributeType::ErrorCodes), 13);
    EXPECT_EQ(raw(SoHAttributeType::FailureCategory), 14);
    EXPECT_EQ(raw(SoHAttributeType::Ipv6FixupServers), 15);
    EXPECT_EQ(raw(SoHAttributeType::ExtendedIsolationState), 16);

    EXPECT_EQ(to_string(SoHAttributeType::SystemHealthId), "system-health-id");
    EXPECT_EQ(to_string(SoHAttributeType::ComplianceResultCodes), "compliance-result-codes");
    EXPECT_EQ(to_string(SoHAttributeType::SoHGenerationTime), "soh-generation-time");
    EXPECT_EQ(to_string(SoHAttributeType::ExtendedIsolationState), "extended-isolation-state");

    std::set<std::string_view> names;
    for (std::uint16_t v = 0; v <= 20; ++v) {
        const auto t = SoHAttributeType{v};
        const bool valid = v >= 2 && v <= 16;
        EXPECT_EQ(is_valid(t), valid) << v;
        if (valid) {
            EXPECT_NE(to_string(t), "invalid") << v;
            EXPECT_TRUE(names.insert(to_string(t)).second) << v;
        } else {
            EXPECT_EQ(to_string(t), "invalid") << v;
        }
    }
    EXPECT_EQ(names.size(), 15u);

    int consumed = 0;
    for (std::uint16_t v = 2; v <= 16; ++v) {
        consumed += is_consumed_by_nap_system(SoHAttributeType{v}) ? 1 : 0;
    }
    EXPECT_EQ(consumed, 5);
    EXPECT_TRUE(is_consumed_by_nap_system(SoHAttributeType::FailureCategory));
    EXPECT_FALSE(is_consumed_by_nap_system(SoHAttributeType::ErrorCodes));
}

TEST(NapTypes, HealthClassValue) {
    EXPECT_EQ(raw(HealthClassValue::Firewall), 0);
    EXPECT_EQ(raw(HealthClassValue::PatchLevel), 1);
    EXPECT_EQ(raw(HealthClassValue::AntiVirus), 2);
    EXPECT_EQ(raw(HealthClassValue::CriticalUpdate), 3);
    EXPECT_EQ(raw(HealthClassValue::Reserved), 128);
    EXPECT_EQ(to_string(HealthClassValue::Firewall), "firewall");
    EXPECT_EQ(to_string(HealthClassValue::PatchLevel), "patch-level");
    EXPECT_EQ(to_string(HealthClassValue::AntiVirus), "anti-virus");
    EXPECT_EQ(to_string(HealthClassValue::CriticalUpdate), "critical-update");
    EXPECT_EQ(to_string(HealthClassValue::Reserved), "reserved");
    EXPECT_TRUE(is_valid(HealthClassValue{3}));
    EXPECT_FALSE(is_valid(HealthClassValue{4}));
    EXPECT_FALSE(is_valid(HealthClassValue{127}));
    EXPECT_TRUE(is_valid(HealthClassValue{128}));
    EXPECT_FALSE(is_valid(HealthClassValue{129}));
    EXPECT_EQ(to_string(HealthClassValue{4}), "invalid");
}

}  // namespace
}  // namespace opennap
