#include "opennap/core/nap_types.h"

namespace opennap {

namespace {
constexpr std::string_view kInvalid = "invalid";
}  // namespace

std::string_view to_string(IsolationState v) noexcept {
    switch (v) {
        case IsolationState::NotRestricted:
            return "not-restricted";
        case IsolationState::InProbation:
            return "in-probation";
        case IsolationState::RestrictedAccess:
            return "restricted-access";
    }
    return kInvalid;
}

std::string_view to_string(ExtendedIsolationState v) noexcept {
    switch (v) {
        case ExtendedIsolationState::NoData:
            return "no-data";
        case ExtendedIsolationState::Transition:
            return "transition";
        case ExtendedIsolationState::Infected:
            return "infected";
        case ExtendedIsolationState::Unknown:
            return "unknown";
    }
    return kInvalid;
}

std::string_view to_string(NapTracingLevel v) noexcept {
    switch (v) {
        case NapTracingLevel::Undefined:
            return "undefined";
        case NapTracingLevel::Basic:
            return "basic";
        case NapTracingLevel::Advanced:
            return "advanced";
        case NapTracingLevel::Debug:
            return "debug";
    }
    return kInvalid;
}

std::string_view to_string(FailureCategory v) noexcept {
    switch (v) {
        case FailureCategory::None:
            return "none";
        case FailureCategory::Other:
            return "other";
        case FailureCategory::ClientComponent:
            return "client-component";
        case FailureCategory::ClientCommunication:
            return "client-communication";
        case FailureCategory::ServerComponent:
            return "server-component";
        case FailureCategory::ServerCommunication:
            return "server-communication";
    }
    return kInvalid;
}

std::string_view to_string(FixupState v) noexcept {
    switch (v) {
        case FixupState::Success:
            return "success";
        case FixupState::InProgress:
            return "in-progress";
        case FixupState::CouldNotUpdate:
            return "could-not-update";
    }
    return kInvalid;
}

std::string_view to_string(NapNotifyType v) noexcept {
    switch (v) {
        case NapNotifyType::Unknown:
            return "unknown";
        case NapNotifyType::ServiceState:
            return "service-state";
        case NapNotifyType::QuarState:
            return "quar-state";
    }
    return kInvalid;
}

std::string_view to_string(RemoteConfigurationType v) noexcept {
    switch (v) {
        case RemoteConfigurationType::Machine:
            return "machine";
        case RemoteConfigurationType::ConfigBlob:
            return "config-blob";
    }
    return kInvalid;
}

std::string_view to_string(SoHAttributeType v) noexcept {
    switch (v) {
        case SoHAttributeType::SystemHealthId:
            return "system-health-id";
        case SoHAttributeType::Ipv4FixupServers:
            return "ipv4-fixup-servers";
        case SoHAttributeType::ComplianceResultCodes:
            return "compliance-result-codes";
        case SoHAttributeType::TimeOfLastUpdate:
            return "time-of-last-update";
        case SoHAttributeType::ClientId:
            return "client-id";
        case SoHAttributeType::VendorSpecific:
            return "vendor-specific";
        case SoHAttributeType::HealthClass:
            return "health-class";
        case SoHAttributeType::SoftwareVersion:
            return "software-version";
        case SoHAttributeType::ProductName:
            return "product-name";
        case SoHAttributeType::HealthClassStatus:
            return "health-class-status";
        case SoHAttributeType::SoHGenerationTime:
            return "soh-generation-time";
        case SoHAttributeType::ErrorCodes:
            return "error-codes";
        case SoHAttributeType::FailureCategory:
            return "failure-category";
        case SoHAttributeType::Ipv6FixupServers:
            return "ipv6-fixup-servers";
        case SoHAttributeType::ExtendedIsolationState:
            return "extended-isolation-state";
    }
    return kInvalid;
}

std::string_view to_string(HealthClassValue v) noexcept {
    switch (v) {
        case HealthClassValue::Firewall:
            return "firewall";
        case HealthClassValue::PatchLevel:
            return "patch-level";
        case HealthClassValue::AntiVirus:
            return "anti-virus";
        case HealthClassValue::CriticalUpdate:
            return "critical-update";
        case HealthClassValue::Reserved:
            return "reserved";
    }
    return kInvalid;
}

}  // namespace opennap
