// ShvVerdict (include/opennap/policy/verdict.h).
#include "opennap/policy/verdict.h"

#include <algorithm>
#include <utility>

#include "opennap/soh/attributes.h"

namespace opennap::policy {

namespace {

// Reads the TLVs of one SHV response; `tlvs` is a range of TlvView.
template <typename Tlvs>
ShvVerdict read_response(SystemHealthEntityId id, const Tlvs& tlvs) {
    // One allocation for the codes of every Compliance-Result-Codes TLV (the WSHV sends one per
    // health class): at most this many.
    std::size_t n_codes = 0;
    for (const soh::TlvView& t : tlvs) {
        if (t.type == soh::tlv_type::kComplianceResultCodes)
            n_codes += t.value.size() / 4;
    }
    std::vector<HResult> codes;
    codes.reserve(n_codes);
    bool have_codes = false;
    std::optional<FailureCategory> failure;
    std::optional<ExtendedIsolationState> extended;
    for (const soh::TlvView& t : tlvs) {
        switch (t.type) {
            case soh::tlv_type::kComplianceResultCodes: {
                auto list = soh::attr::compliance_result_codes(t);
                if (!list) {
                    return ShvVerdict::failed(id, FailureCategory::ServerComponent);
                }
                have_codes = true;
                for (std::size_t i = 0; i < list->size(); ++i) {
                    codes.emplace_back(list->u32(i));
                }
                break;
            }
            case soh::tlv_type::kFailureCategory: {
                auto fc = soh::attr::failure_category(t);
                if (!fc || !is_valid(static_cast<FailureCategory>(*fc))) {
                    return ShvVerdict::failed(id, FailureCategory::ServerComponent);
                }
                if (!failure) {
                    failure = static_cast<FailureCategory>(*fc);
                }
                break;
            }
            case soh::tlv_type::kExtendedIsolationState: {
                auto st = soh::attr::extended_isolation_state(t);
                if (!st || !is_valid(static_cast<ExtendedIsolationState>(*st))) {
                    return ShvVerdict::failed(id, FailureCategory::ServerComponent);
                }
                if (!extended) {
                    extended = static_cast<ExtendedIsolationState>(*st);
                }
                break;
            }
            default:
                break;
        }
    }
    ShvVerdict v;
    if (have_codes) {
        v = ShvVerdict::from_codes(id, std::move(codes));
        v.failure = failure;
    } else if (failure) {
        v = ShvVerdict::failed(id, *failure);
    } else {
        v = ShvVerdict::failed(id, FailureCategory::ServerComponent);
    }
    v.extended = extended;
    return v;
}

// Owned attributes as TlvViews.
struct AttributeViews {
    const std::vector<soh::Attribute>& attrs;
    struct iterator {
        std::vector<soh::Attribute>::const_iterator it;
        soh::TlvView operator*() const noexcept { return it->view(); }
        iterator& operator++() noexcept {
            ++it;
            return *this;
        }
        friend bool operator==(const iterator&, const iterator&) = default;
    };
    [[nodiscard]] iterator begin() const noexcept { return {attrs.begin()}; }
    [[nodiscard]] iterator end() const noexcept { return {attrs.end()}; }
};

}  // namespace

ShvVerdict ShvVerdict::from_codes(SystemHealthEntityId id, std::vector<HResult> codes) {
    ShvVerdict v;
    v.id = id;
    const bool ok = !codes.empty() && std::all_of(codes.begin(), codes.end(),
                                                  [](HResult c) { return c == hr::S_OK; });
    v.status = ok ? Status::Compliant : Status::NonCompliant;
    v.compliance_codes = std::move(codes);
    return v;
}

ShvVerdict ShvVerdict::failed(SystemHealthEntityId id, FailureCategory category) {
    ShvVerdict v;
    v.id = id;
    v.status = Status::Failed;
    v.failure = category;
    return v;
}

ShvVerdict ShvVerdict::unavailable(SystemHealthEntityId id) {
    ShvVerdict v;
    v.id = id;
    v.status = Status::Unavailable;
    return v;
}

ShvVerdict ShvVerdict::from_response(const soh::EntryView& entry) {
    return read_response(entry.id, entry.attributes);
}

ShvVerdict ShvVerdict::from_response(const soh::ReportEntry& entry) {
    return read_response(entry.id, AttributeViews{entry.attributes});
}

std::string_view to_string(ShvVerdict::Status s) noexcept {
    switch (s) {
        case ShvVerdict::Status::Compliant:
            return "compliant";
        case ShvVerdict::Status::NonCompliant:
            return "non-compliant";
        case ShvVerdict::Status::Failed:
            return "failed";
        case ShvVerdict::Status::Unavailable:
            return "unavailable";
    }
    return "invalid";
}

}  // namespace opennap::policy
