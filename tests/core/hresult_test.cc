#include "opennap/core/hresult.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace opennap {
namespace {

TEST(HResult, DefaultIsSOk) {
    constexpr HResult h;
    static_assert(h == hr::S_OK);
    EXPECT_EQ(h.value(), 0);
    EXPECT_TRUE(h.succeeded());
}

TEST(HResult, FieldAccessors) {
    constexpr HResult h{0x80070005u};
    static_assert(h.value() == static_cast<std::int32_t>(0x80070005u));
    static_assert(h.bits() == 0x80070005u);
    static_assert(h.code() == 5);
    static_assert(h.facility() == 7);
    static_assert(h.severity() == 1);
    static_assert(h.failed() && !h.succeeded());

    constexpr HResult nap_s = hr::NAP_S_CERT_ALREADY_PRESENT;
    static_assert(nap_s.facility() == hr::FACILITY_NAP);
    static_assert(nap_s.code() == 0x0D);
    static_assert(nap_s.severity() == 0);
    static_assert(nap_s.succeeded());

    EXPECT_EQ(HResult{std::int32_t{-1}}.bits(), 0xFFFFFFFFu);
    EXPECT_EQ(HResult{std::int32_t{1}}, hr::S_FALSE);
    EXPECT_TRUE(hr::S_FALSE.succeeded());
}

TEST(HResult, Ordering) {
    EXPECT_LT(hr::E_FAIL, hr::S_OK);  // signed order: failures first
    EXPECT_LT(hr::S_OK, hr::S_FALSE);
    EXPECT_NE(hr::E_FAIL, hr::E_NOTIMPL);
}

TEST(HResult, MakeHresult) {
    static_assert(make_hresult(1, hr::FACILITY_NAP, 0x50) == HResult{0x80270050u});
    static_assert(make_hresult(0, hr::FACILITY_NAP, 0x0D) == hr::NAP_S_CERT_ALREADY_PRESENT);
    static_assert(make_hresult(1, hr::FACILITY_WIN32, 5) == hr::E_ACCESSDENIED);
}

TEST(HResult, FacilityConstants) {
    EXPECT_EQ(hr::FACILITY_NAP, 0x27u);
    EXPECT_EQ(hr::FACILITY_NAP, 39u);
    EXPECT_EQ(hr::FACILITY_WIN32, 7u);
}

TEST(HResult, StandardValues) {
    EXPECT_EQ(hr::S_OK.bits(), 0x00000000u);
    EXPECT_EQ(hr::S_FALSE.bits(), 0x00000001u);
    EXPECT_EQ(hr::E_NOTIMPL.bits(), 0x80004001u);
    EXPECT_EQ(hr::E_POINTER.bits(), 0x80004003u);
    EXPECT_EQ(hr::E_FAIL.bits(), 0x80004005u);
    EXPECT_EQ(hr::E_PENDING.bits(), 0x8000000Au);
    EXPECT_EQ(hr::E_UNEXPECTED.bits(), 0x8000FFFFu);
    EXPECT_EQ(hr::E_ACCESSDENIED.bits(), 0x80070005u);
    EXPECT_EQ(hr::E_HANDLE.bits(), 0x80070006u);
    EXPECT_EQ(hr::E_OUTOFMEMORY.bits(), 0x8007000Eu);
    EXPECT_EQ(hr::E_INVALIDARG.bits(), 0x80070057u);
    EXPECT_EQ(hr::RPC_E_DISCONNECTED.bits(), 0x80010108u);
}

TEST(HResult, Win32Values) {
    EXPECT_EQ(win32::ERROR_FILE_NOT_FOUND, 2u);
    EXPECT_EQ(win32::ERROR_INVALID_PARAMETER, 87u);
    EXPECT_EQ(win32::ERROR_NOT_FOUND, 1168u);
    EXPECT_EQ(win32::ERROR_CANCELLED, 1223u);
    EXPECT_EQ(win32::ERROR_ALREADY_INITIALIZED, 1247u);
    EXPECT_EQ(win32::ERROR_TIMEOUT, 1460u);
    EXPECT_EQ(win32::RPC_S_SERVER_UNAVAILABLE, 1722u);

    EXPECT_EQ(hr::ERROR_FILE_NOT_FOUND.bits(), 0x80070002u);
    EXPECT_EQ(hr::ERROR_INVALID_PARAMETER.bits(), 0x80070057u);
    EXPECT_EQ(hr::ERROR_INVALID_PARAMETER, hr::E_INVALIDARG);
    EXPECT_EQ(hr::ERROR_NOT_FOUND.bits(), 0x80070490u);
    EXPECT_EQ(hr::ERROR_CANCELLED.bits(), 0x800704C7u);
    EXPECT_EQ(hr::ERROR_ALREADY_INITIALIZED.bits(), 0x800704DFu);
    EXPECT_EQ(hr::ERROR_TIMEOUT.bits(), 0x800705B4u);
    EXPECT_EQ(hr::RPC_S_SERVER_UNAVAILABLE.bits(), 0x800706BAu);
}

TEST(HResult, NapValues) {
    EXPECT_EQ(hr::NAP_E_INVALID_PACKET.bits(), 0x80270001u);
    EXPECT_EQ(hr::NAP_E_MISSING_SOH.bits(), 0x80270002u);
    EXPECT_EQ(hr::NAP_E_CONFLICTING_ID.bits(), 0x80270003u);
    EXPECT_EQ(hr::NAP_E_NO_CACHED_SOH.bits(), 0x80270004u);
    EXPECT_EQ(hr::NAP_E_STILL_BOUND.bits(), 0x80270005u);
    EXPECT_EQ(hr::NAP_E_NOT_REGISTERED.bits(), 0x80270006u);
    EXPECT_EQ(hr::NAP_E_NOT_INITIALIZED.bits(), 0x80270007u);
    EXPECT_EQ(hr::NAP_E_MISMATCHED_ID.bits(), 0x80270008u);
    EXPECT_EQ(hr::NAP_E_NOT_PENDING.bits(), 0x80270009u);
    EXPECT_EQ(hr::NAP_E_ID_NOT_FOUND.bits(), 0x8027000Au);
    EXPECT_EQ(hr::NAP_E_MAXSIZE_TOO_SMALL.bits(), 0x8027000Bu);
    EXPECT_EQ(hr::NAP_E_SERVICE_NOT_RUNNING.bits(), 0x8027000Cu);
    EXPECT_EQ(hr::NAP_S_CERT_ALREADY_PRESENT.bits(), 0x0027000Du);
    EXPECT_EQ(hr::NAP_E_ENTITY_DISABLED.bits(), 0x8027000Eu);
    EXPECT_EQ(hr::NAP_E_NETSH_GROUPPOLICY_ERROR.bits(), 0x8027000Fu);
    EXPECT_EQ(hr::NAP_E_TOO_MANY_CALLS.bits(), 0x80270010u);
    EXPECT_EQ(hr::NAP_E_SHV_CONFIG_EXISTED.bits(), 0x80270011u);
    EXPECT_EQ(hr::NAP_E_SHV_CONFIG_NOT_FOUND.bits(), 0x80270012u);
    EXPECT_EQ(hr::NAP_E_SHV_TIMEOUT.bits(), 0x80270013u);
}

TEST(HResult, AllNineteenNapCodesAreKnown) {
    int nap = 0;
    for (const HResultInfo& row : known_hresults()) {
        if (row.value.facility() == hr::FACILITY_NAP) {
            ++nap;
            EXPECT_EQ(row.name.substr(0, 4), "NAP_") << row.name;
        }
    }
    EXPECT_EQ(nap, 19);
}

TEST(HResult, HresultFromWin32) {
    static_assert(hresult_from_win32(0) == hr::S_OK);
    static_assert(hresult_from_win32(5) == hr::E_ACCESSDENIED);
    static_assert(hresult_from_win32(87) == hr::E_INVALIDARG);
    static_assert(hresult_from_win32(1247).bits() == 0x800704DFu);
    static_assert(hresult_from_win32(1722).bits() == 0x800706BAu);
    // Only the low 16 bits of positive values survive (as in the Windows macro).
    static_assert(hresult_from_win32(0x00012345u).bits() == 0x80072345u);
    // Values that are already failure HRESULTs pass through.
    static_assert(hresult_from_win32(0x80270001u) == hr::NAP_E_INVALID_PACKET);
    static_assert(hresult_from_win32(0xFFFFFFFFu).bits() == 0xFFFFFFFFu);
}

TEST(HResult, IsServerUnavailable) {
    static_assert(is_server_unavailable(1722u));
    static_assert(is_server_unavailable(0x800706BAu));
    static_assert(is_server_unavailable(hr::RPC_S_SERVER_UNAVAILABLE));
    static_assert(is_server_unavailable(HResult{std::int32_t{1722}}));
    EXPECT_FALSE(is_server_unavailable(hr::S_OK));
    EXPECT_FALSE(is_server_unavailable(hr::RPC_E_DISCONNECTED));
    EXPECT_TRUE(is_server_unavailable(0x000006BAu));  // == 1722
    EXPECT_FALSE(is_server_unavailable(0x000706BAu));
    EXPECT_FALSE(is_server_unavailable(0x800706BBu));
    EXPECT_FALSE(is_server_unavailable(1721u));
}

TEST(HResult, ToStringKnown) {
    EXPECT_EQ(to_string(hr::E_ACCESSDENIED), "E_ACCESSDENIED (0x80070005): access denied");
    EXPECT_EQ(to_string(hr::S_OK), "S_OK (0x00000000): success");
    EXPECT_EQ(to_string(hr::ERROR_ALREADY_INITIALIZED),
              "HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED) (0x800704DF): already initialized");
    EXPECT_EQ(to_string(hr::RPC_S_SERVER_UNAVAILABLE),
              "HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE) (0x800706BA): the RPC server is "
              "unavailable");
    EXPECT_EQ(to_string(hr::NAP_E_CONFLICTING_ID),
              "NAP_E_CONFLICTING_ID (0x80270003): the entity ID conflicts with an already "
              "registered ID");
    EXPECT_EQ(to_string(hr::NAP_S_CERT_ALREADY_PRESENT).substr(0, 40),
              "NAP_S_CERT_ALREADY_PRESENT (0x0027000D):");
}

TEST(HResult, ToStringUnknown) {
    EXPECT_EQ(to_string(HResult{0x80270050u}),
              "0x80270050: unknown HRESULT (facility 0x27, code 0x50)");
    EXPECT_EQ(to_string(HResult{0x00000002u}),
              "0x00000002: unknown HRESULT (facility 0x0, code 0x2)");
    EXPECT_EQ(to_string(HResult{0xFFFFFFFFu}),
              "0xFFFFFFFF: unknown HRESULT (facility 0x1FFF, code 0xFFFF)");
    EXPECT_EQ(name(HResult{0x80270050u}), "");
    EXPECT_EQ(message(HResult{0x80270050u}), "");
    // The bare Win32 value is not an HRESULT we name, even though it means "server unavailable".
    EXPECT_EQ(name(HResult{std::int32_t{1722}}), "");
}

TEST(HResult, NamesAndMessages) {
    EXPECT_EQ(name(hr::E_ACCESSDENIED), "E_ACCESSDENIED");
    EXPECT_EQ(name(hr::ERROR_INVALID_PARAMETER), "E_INVALIDARG");
    EXPECT_EQ(name(hr::ERROR_FILE_NOT_FOUND), "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)");
    EXPECT_EQ(name(hr::E_UNEXPECTED), "E_UNEXPECTED");
    EXPECT_EQ(name(hr::E_HANDLE), "E_HANDLE");
    EXPECT_EQ(message(hr::E_ACCESSDENIED), "access denied");
}

TEST(HResult, TableIsConsistent) {
    const auto table = known_hresults();
    EXPECT_EQ(table.size(), 37u);  // 19 NAP + 12 standard + 6 wrapped Win32 (one is E_INVALIDARG)
    std::set<std::uint32_t> values;
    std::set<std::string_view> names;
    std::uint32_t previous = 0;
    bool first = true;
    for (const HResultInfo& row : table) {
        EXPECT_TRUE(values.insert(row.value.bits()).second) << "duplicate value " << row.name;
        EXPECT_TRUE(names.insert(row.name).second) << "duplicate name " << row.name;
        EXPECT_FALSE(row.name.empty());
        ASSERT_FALSE(row.message.empty()) << row.name;
        EXPECT_TRUE(std::islower(static_cast<unsigned char>(row.message.front()))) << row.name;
        EXPECT_NE(row.message.back(), '.') << row.name;
        EXPECT_EQ(row.message.find('\n'), std::string_view::npos) << row.name;
        if (!first) {
            EXPECT_LT(previous, row.value.bits()) << "table not sorted at " << row.name;
        }
        previous = row.value.bits();
        first = false;
        EXPECT_EQ(name(row.value), row.name);
        EXPECT_EQ(message(row.value), row.message);
    }
}

TEST(HResult, EveryNamedConstantIsInTheTable) {
    for (HResult h : {hr::S_OK,
                      hr::S_FALSE,
                      hr::E_NOTIMPL,
                      hr::E_POINTER,
                      hr::E_FAIL,
                      hr::E_PENDING,
                      hr::E_UNEXPECTED,
                      hr::E_ACCESSDENIED,
                      hr::E_HANDLE,
                      hr::E_OUTOFMEMORY,
                      hr::E_INVALIDARG,
                      hr::RPC_E_DISCONNECTED,
                      hr::ERROR_FILE_NOT_FOUND,
                      hr::ERROR_INVALID_PARAMETER,
                      hr::ERROR_NOT_FOUND,
                      hr::ERROR_CANCELLED,
                      hr::ERROR_ALREADY_INITIALIZED,
                      hr::ERROR_TIMEOUT,
                      hr::RPC_S_SERVER_UNAVAILABLE,
                      hr::NAP_E_INVALID_PACKET,
                      hr::NAP_E_MISSING_SOH,
                      hr::NAP_E_CONFLICTING_ID,
                      hr::NAP_E_NO_CACHED_SOH,
                      hr::NAP_E_STILL_BOUND,
                      hr::NAP_E_NOT_REGISTERED,
                      hr::NAP_E_NOT_INITIALIZED,
                      hr::NAP_E_MISMATCHED_ID,
                      hr::NAP_E_NOT_PENDING,
                      hr::NAP_E_ID_NOT_FOUND,
                      hr::NAP_E_MAXSIZE_TOO_SMALL,
                      hr::NAP_E_SERVICE_NOT_RUNNING,
                      hr::NAP_S_CERT_ALREADY_PRESENT,
                      hr::NAP_E_ENTITY_DISABLED,
                      hr::NAP_E_NETSH_GROUPPOLICY_ERROR,
                      hr::NAP_E_TOO_MANY_CALLS,
                      hr::NAP_E_SHV_CONFIG_EXISTED,
                      hr::NAP_E_SHV_CONFIG_NOT_FOUND,
                      hr::NAP_E_SHV_TIMEOUT}) {
        EXPECT_FALSE(name(h).empty()) << to_string(h);
    }
}

}  // namespace
}  // namespace opennap
