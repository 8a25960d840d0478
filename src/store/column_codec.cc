// The JSON columns (include/opennap/store/column_codec.h).
#include "opennap/store/column_codec.h"

#include <nlohmann/json.hpp>

namespace opennap::store {

using nlohmann::json;

std::string ColumnError::to_string() const {
    std::string out = field + ": " + message;
    if (offset != 0)
        out += " (at byte " + std::to_string(offset) + ")";
    return out;
}

namespace {

// Larger texts are refused before parsing (64 SHVs x 1000 codes fit in well under 1 MiB).
constexpr std::size_t kMaxColumnBytes = 4u << 20;

std::unexpected<ColumnError> error(std::string field, std::string message, std::size_t offset = 0) {
    return std::unexpected(ColumnError{std::move(field), offset, std::move(message)});
}

std::expected<json, ColumnError> parse(std::string_view text, const char* column) {
    if (text.size() > kMaxColumnBytes)
        return error(column, "longer than " + std::to_string(kMaxColumnBytes) + " bytes");
    try {
        return json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // e.byte is 1-based: the byte where parsing stopped.
        return error(column, "JSON syntax error", e.byte > 0 ? e.byte - 1 : 0);
    } catch (const json::exception&) {
        return error(column, "JSON syntax error");
    }
}

bool u32(const json& v, std::uint32_t& out) {
    if (v.is_number_unsigned()) {
        const auto n = v.get<std::uint64_t>();
        if (n > 0xFFFFFFFFu)
            return false;
        out = static_cast<std::uint32_t>(n);
        return true;
    }
    if (v.is_number_integer()) {
        const auto n = v.get<std::int64_t>();
        if (n < 0 || n > 0xFFFFFFFF)
            return false;
        out = static_cast<std::uint32_t>(n);
        return true;
    }
    return false;
}

}  // namespace

std::string encode_shvs(std::span<const ShvResult> shvs) {
    json arr = json::array();
    for (const ShvResult& s : shvs) {
        json codes = json::array();
        for (HResult c : s.compliance_codes)
            codes.push_back(c.bits());
        json o = json::object();
        o["id"] = s.id;
        o["status"] = std::string(to_string(s.status));
        o["passed"] = s.passed;
        o["codes"] = std::move(codes);
        if (s.failure_category)
            o["failure_category"] = std::string(opennap::to_string(*s.failure_category));
        o["latency_us"] = s.latency_us;
        arr.push_back(std::move(o));
    }
    return arr.dump();
}

std::expected<std::vector<ShvResult>, ColumnError> decode_shvs(std::string_view text) {
    auto doc = parse(text, "shvs");
    if (!doc)
        return std::unexpected(doc.error());
    if (!doc->is_array())
        return error("shvs", "not a JSON array");
    std::vector<ShvResult> out;
    out.reserve(doc->size());
    for (std::size_t i = 0; i < doc->size(); ++i) {
        const json& o = (*doc)[i];
        const std::string f = "shvs[" + std::to_string(i) + "]";
        if (!o.is_object())
            return error(f, "not a JSON object");
        ShvResult s;
        auto it = o.find("id");
        if (it == o.end() || !u32(*it, s.id))
            return error(f + ".id", "missing, or not an unsigned 32-bit number");
        it = o.find("status");
        std::optional<ShvStatus> st;
        if (it != o.end() && it->is_string())
            st = parse_shv_status(it->get_ref<const std::string&>());
        if (!st)
            return error(f + ".status", "missing, or not a known SHV status");
        s.status = *st;
        it = o.find("passed");
        if (it == o.end() || !it->is_boolean())
            return error(f + ".passed", "missing, or not true or false");
        s.passed = it->get<bool>();
        it = o.find("codes");
        if (it == o.end() || !it->is_array())
            return error(f + ".codes", "missing, or not an array");
        for (std::size_t k = 0; k < it->size(); ++k) {
            std::uint32_t c = 0;
            if (!u32((*it)[k], c))
                return error(f + ".codes[" + std::to_string(k) + "]",
                             "not an unsigned 32-bit number");
            s.compliance_codes.emplace_back(c);
        }
        it = o.find("failure_category");
        if (it != o.end()) {
            bool ok = false;
            for (std::uint32_t v = 0; it->is_string() && v <= 5; ++v) {
                const auto fc = static_cast<FailureCategory>(v);
                if (opennap::to_string(fc) == it->get_ref<const std::string&>()) {
                    s.failure_category = fc;
                    ok = true;
                }
            }
            if (!ok)
                return error(f + ".failure_category", "not a known failure category");
        }
        it = o.find("latency_us");
        if (it == o.end() || !u32(*it, s.latency_us))
            return error(f + ".latency_us", "missing, or not an unsigned 32-bit number");
        out.push_back(std::move(s));
    }
    return out;
}

std::string encode_reasons(std::span<const std::string> reasons) {
    json arr = json::array();
    for (const std::string& r : reasons)
        arr.push_back(r);
    // Strings are valid UTF-8 (sanitize()); replace anything else rather than throw.
    return arr.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::expected<std::vector<std::string>, ColumnError> decode_reasons(std::string_view text) {
    auto doc = parse(text, "reasons");
    if (!doc)
        return std::unexpected(doc.error());
    if (!doc->is_array())
        return error("reasons", "not a JSON array");
    std::vector<std::string> out;
    out.reserve(doc->size());
    for (std::size_t i = 0; i < doc->size(); ++i) {
        if (!(*doc)[i].is_string())
            return error("reasons[" + std::to_string(i) + "]", "not a string");
        out.push_back((*doc)[i].get<std::string>());
    }
    return out;
}

}  // namespace opennap::store
