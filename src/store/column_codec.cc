// The JSON columns (include/opennap/store/column_codec.h).
#include "opennap/store/column_codec.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdint>

#include "octets.h"

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

// The encoders write the text nlohmann::json::dump() gives for the same values (keys sorted, no
// spaces), without building a json document: they run once per audit record on the writer's
// thread, which must keep up with the request threads.
namespace {

void append_u64(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Zero when the eight octets of `w` are all written as they are (0x20..0x7F, not '"' or '\\');
// else first_octet() of it is the first that is not.
constexpr std::uint64_t special8(std::uint64_t w) {
    using namespace internal;
    return any_high(w) | any_below(w, 0x20) | any_equal(w, '"') | any_equal(w, '\\');
}

// A JSON string as dump() writes it, for text without octets >= 0x80 (false: not written, the
// caller falls back to nlohmann, which also replaces invalid UTF-8).
bool append_ascii_string(std::string& out, std::string_view text) {
    const std::size_t start = out.size();
    out += '"';
    std::size_t run = 0;  // octets copied as they are, appended together
    for (std::size_t i = 0; i < text.size(); ++i) {
        // Most text has nothing to escape: eight octets at a time, then straight to the first
        // octet that needs a look.
        while (i + 8 <= text.size()) {
            const std::uint64_t special = special8(internal::load8(text.data() + i));
            if (special != 0) {
                i += static_cast<std::size_t>(internal::first_octet(special));
                break;
            }
            i += 8;
        }
        if (i == text.size())
            break;
        const auto c = static_cast<unsigned char>(text[i]);
        if (static_cast<unsigned char>(c - 0x20) < 0x60 && c != '"' && c != '\\')
            continue;  // 0x20 .. 0x7F but the two escaped ones
        if (c >= 0x80) {
            out.resize(start);
            return false;
        }
        out.append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default: {
                constexpr char kHex[] = "0123456789abcdef";
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
            }
        }
    }
    out.append(text.data() + run, text.size() - run);
    out += '"';
    return true;
}

std::string encode_shvs_slow(std::span<const ShvResult> shvs) {
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

}  // namespace

std::string encode_shvs(std::span<const ShvResult> shvs) {
    std::string out;
    out.reserve(16 + shvs.size() * 112);
    out += '[';
    for (std::size_t i = 0; i < shvs.size(); ++i) {
        const ShvResult& s = shvs[i];
        if (i != 0)
            out += ',';
        out += "{\"codes\":[";
        for (std::size_t k = 0; k < s.compliance_codes.size(); ++k) {
            if (k != 0)
                out += ',';
            append_u64(out, s.compliance_codes[k].bits());
        }
        out += ']';
        if (s.failure_category) {
            out += ",\"failure_category\":";
            if (!append_ascii_string(out, opennap::to_string(*s.failure_category)))
                return encode_shvs_slow(shvs);
        }
        out += ",\"id\":";
        append_u64(out, s.id);
        out += ",\"latency_us\":";
        append_u64(out, s.latency_us);
        out += s.passed ? ",\"passed\":true,\"status\":" : ",\"passed\":false,\"status\":";
        if (!append_ascii_string(out, to_string(s.status)))
            return encode_shvs_slow(shvs);
        out += '}';
    }
    out += ']';
    return out;
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
    std::string out;
    std::size_t size = 2;
    for (const std::string& r : reasons)
        size += r.size() + 3;
    out.reserve(size);
    out += '[';
    bool ascii = true;
    for (std::size_t i = 0; ascii && i < reasons.size(); ++i) {
        if (i != 0)
            out += ',';
        ascii = append_ascii_string(out, reasons[i]);
    }
    if (ascii) {
        out += ']';
        return out;
    }
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
