#include "opennap/tools/tree.h"

#include <cstdio>
#include <string_view>

namespace opennap::tools {

using nlohmann::json;

namespace {

class Printer {
  public:
    explicit Printer(int base) : base_(base) {}

    void line(int depth, const std::string& text) {
        out_.append(static_cast<std::size_t>(base_ + depth * 4), ' ');
        out_ += text;
        out_.push_back('\n');
    }
    std::string take() { return std::move(out_); }

  private:
    int base_;
    std::string out_;
};

std::string str(const json& o, std::string_view key) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null())
        return {};
    if (it->is_string())
        return it->get<std::string>();
    return it->dump();
}

// o[key], or null when o is not an object or has no such key (hand-made JSON).
const json& sub(const json& o, std::string_view key) {
    static const json kNull;
    if (!o.is_object())
        return kNull;
    auto it = o.find(key);
    return it == o.end() ? kNull : *it;
}

bool has(const json& o, std::string_view key) {
    return o.is_object() && o.contains(key) && !o.at(std::string(key)).is_null();
}

std::string at_offset(const json& o) {
    return has(o, "offset") ? " @" + str(o, "offset") : std::string{};
}

std::string with_name(const std::string& value, const std::string& name) {
    return name.empty() ? value : value + " (" + name + ")";
}

// A string value shown quoted and escaped, with its trailing NULs counted separately.
std::string quote_text(std::string_view s) {
    std::size_t nuls = 0;
    while (nuls < s.size() && s[s.size() - 1 - nuls] == '\0')
        ++nuls;
    std::string out = json(std::string(s.substr(0, s.size() - nuls))).dump();
    if (nuls > 0)
        out += " + " + std::to_string(nuls) + " NUL";
    return out;
}

std::string quoted_field(const json& o, std::string_view text_key, std::string_view nuls_key,
                         std::string_view hex_key) {
    if (has(o, text_key)) {
        std::string s = quote_text(str(o, text_key));
        const std::string n = str(o, nuls_key);
        if (!n.empty() && n != "0")
            s += " + " + n + " NUL";
        return s;
    }
    return "hex " + str(o, hex_key) + " (not text)";
}

void print_ms_attribute(Printer& p, int d, const json& a) {
    const std::string head = str(a, "name") + " (" + str(a, "type") + ")" + at_offset(a);
    const int type = a.value("type", 0);
    switch (type) {
        case 1:
            p.line(d, head);
            p.line(d + 1, "OS version: " + str(a, "os_major") + "." + str(a, "os_minor") +
                              ", build " + str(a, "os_build"));
            p.line(d + 1, "Service pack: " + str(a, "sp_major") + "." + str(a, "sp_minor"));
            p.line(d + 1, "Processor architecture: " +
                              with_name(str(a, "processor_arch"), str(a, "processor_arch_name")));
            break;
        case 2:
            p.line(d, head);
            p.line(d + 1, "Flags: " + str(a, "flags"));
            p.line(d + 2, "Isolation state: " +
                              with_name(str(a, "isolation_state"), str(a, "isolation_state_name")));
            p.line(d + 2, "Extended state: " +
                              with_name(str(a, "extended_state"), str(a, "extended_state_name")));
            p.line(d + 2, "f bit: " + str(a, "f_bit"));
            p.line(d + 1, "Probation time: " + str(a, "probation_time"));
            p.line(d + 1, "URL: " + quoted_field(a, "url", "url_trailing_nuls", "url_hex"));
            break;
        case 3:
            p.line(d, head + ": " + str(a, "value") + " (" +
                          (a.value("request", false) ? "request" : "response") + ", version " +
                          str(a, "version") + ")");
            break;
        case 4:
        case 7: {
            const json& ids = sub(a, "ids");
            const json& names = sub(a, "id_names");
            p.line(d, head + ": " + std::to_string(ids.size()) + " id(s)");
            for (std::size_t i = 0; i < ids.size(); ++i) {
                p.line(
                    d + 1,
                    with_name(ids[i].is_string() ? ids[i].get<std::string>() : ids[i].dump(),
                              i < names.size() && names[i].is_string() ? names[i].get<std::string>()
                                                                       : ""));
            }
            break;
        }
        case 5:
            p.line(d, head + ": " + quoted_field(a, "machine_name", "trailing_nuls", "hex"));
            break;
        case 6:
            p.line(d, head + ": " + str(a, "correlation_id"));
            p.line(d + 1, "= " + str(a, "correlation"));
            break;
        default:
            p.line(d, head + ": reserved " + str(a, "reserved") + ", product type " +
                          with_name(str(a, "product_type"), str(a, "product_type_name")));
            break;
    }
}

std::string join_values(const json& values, const json& names) {
    std::string s;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            s += ", ";
        std::string name = names.is_array() && i < names.size() ? names[i].get<std::string>() : "";
        s += with_name(values[i].get<std::string>(), name);
    }
    return s.empty() ? "(none)" : s;
}

void print_tlv(Printer& p, int d, const json& t) {
    std::string head = str(t, "name") + " (" + str(t, "type") + ")" + at_offset(t) + ", length " +
                       str(t, "length");
    if (const int flags = t.value("flags", 0); flags != 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, ", flags 0x%04X", static_cast<unsigned>(flags));
        head += buf;
        if (flags & 0x8000)
            head += " (M)";
    }
    if (has(t, "error")) {
        p.line(d, head + ": undecodable for its type");
        p.line(d + 1, "Error: " + str(t, "error"));
        p.line(d + 1, "Hex: " + str(t, "hex"));
        return;
    }
    if (has(t, "value")) {
        const json& v = sub(t, "value");
        if (v.is_array()) {
            p.line(d, head + ": " + join_values(v, t.value("value_names", json())));
        } else if (v.is_object()) {
            p.line(d, head + ": vendor " + with_name(str(v, "vendor_id"), str(v, "vendor_name")));
            std::string data =
                "Data: " + (str(v, "data_hex").empty() ? "(empty)" : str(v, "data_hex"));
            if (has(v, "data_text"))
                data += " = " + quote_text(str(v, "data_text"));
            else if (has(v, "data_utf16le"))
                data += " = " + quote_text(str(v, "data_utf16le")) + " (UTF-16LE)";
            if (has(v, "data_le32"))
                data += " (little-endian u32 " + str(v, "data_le32") + ")";
            p.line(d + 1, data);
        } else {
            p.line(d, head + ": " + with_name(str(t, "value"), str(t, "value_name")));
        }
        return;
    }
    // Octet strings.
    if (has(t, "text")) {
        p.line(d, head + ": " + quote_text(str(t, "text")));
        p.line(d + 1, "Hex: " + str(t, "hex"));
    } else if (has(t, "utf16le")) {
        p.line(d, head + ": " + quote_text(str(t, "utf16le")) + " (UTF-16LE)");
        p.line(d + 1, "Hex: " + str(t, "hex"));
    } else if (has(t, "status")) {
        p.line(d, head + ": " + with_name(str(t, "status"), str(t, "status_name")));
    } else {
        p.line(d, head + ": " + (str(t, "hex").empty() ? "(empty)" : str(t, "hex")));
    }
}

void print_wsha(Printer& p, int d, const json& w) {
    if (has(w, "error")) {
        p.line(d, "MS-WSH: not a valid WSHA/WSHV entry: " + str(w, "error"));
        return;
    }
    if (has(w, "layout")) {
        std::string head = "MS-WSH: " + str(w, "layout") + " layout";
        if (has(w, "counter"))
            head +=
                ", counter " + str(w, "counter") + ", client version " + str(w, "client_version");
        p.line(d, head);
        for (const json& line : sub(w, "health"))
            p.line(d + 1, line.get<std::string>());
        return;
    }
    p.line(d,
           std::string("MS-WSH: ") + (w.value("compliant", false) ? "compliant" : "NOT compliant"));
    for (const json& c : sub(w, "classes")) {
        p.line(d + 1, str(c, "class") + ": " +
                          (c.value("compliant", false) ? "compliant" : "not compliant"));
    }
}

void print_message(Printer& p, int d, const json& m) {
    const std::string kind = str(m, "kind");
    std::string title = kind == "SoH"    ? "Statement of Health (SoH), request"
                        : kind == "SoHR" ? "Statement of Health Response (SoHR)"
                                         : "SoH/SoHR without MS-Packet-Info";
    p.line(d, title + ", " + str(m, "size") + " bytes");
    const json& outer = sub(m, "outer");
    p.line(d + 1, "Outer header: type " + str(outer, "type") + ", length " + str(outer, "length") +
                      ", vendor " + str(outer, "vendor_id") + " (Microsoft)");
    const std::string inner = str(m, "inner_type");
    p.line(d + 1, "Inner type: " + inner +
                      (inner == "2" ? " (mode sub-header, SSoH, report entries)"
                                    : " (SSoH, report entries)") +
                      ", length " + str(m, "inner_length"));
    p.line(d + 1, "Body: " + str(m, "tlv_count") + " TLVs, " + str(m, "entry_count") +
                      " report entr" + (str(m, "entry_count") == "1" ? "y" : "ies"));
    if (has(m, "mode")) {
        const json& mode = sub(m, "mode");
        p.line(d + 1, "Mode sub-header" + at_offset(mode));
        p.line(d + 2, "Correlation-Id: " + str(mode, "correlation_id"));
        p.line(d + 3, "= " + str(mode, "correlation"));
        const std::string intent = str(mode, "intent");
        p.line(d + 2, "Intent: " + with_name(intent, intent == "1"   ? "request"
                                                     : intent == "0" ? "response"
                                                                     : ""));
        const std::string ct = str(mode, "content_type");
        p.line(d + 2, "Content-Type: " + with_name(ct, ct == "0" ? "SoH" : "not SoH"));
    }
    const json& s = sub(m, "system");
    p.line(d + 1, std::string(kind == "SoHR" ? "SSoHR" : "SSoH") + at_offset(s) +
                      ": System-Health-ID " + str(s, "id") + " (NAP system)");
    char flags[16];
    std::snprintf(flags, sizeof flags, "0x%04X", s.value("vendor_tlv_flags", 0u));
    p.line(d + 2, "Vendor-Specific TLV @" + str(s, "vendor_tlv_offset") + ": vendor 0x00000137" +
                      " (Microsoft), flags " + flags + ", " + str(s, "attribute_count") +
                      " MS attribute(s)" +
                      (s.value("partial", false) ? ", PARTIAL (unknown MS attribute type)" : ""));
    for (const json& a : sub(s, "ms_attributes"))
        print_ms_attribute(p, d + 2, a);
    if (s.value("partial", false)) {
        p.line(d + 2, "Unknown MS attribute type " + str(s, "unknown_type") + " @" +
                          str(s, "unknown_offset") + ": walk stopped (receiver rule 5)");
        p.line(d + 3, "Undecoded: " + str(s, "undecoded_hex"));
    }
    for (const json& t : sub(s, "tlvs"))
        print_tlv(p, d + 2, t);
    const std::string entry_word = kind == "SoHR" ? "SoHRReportEntry " : "SoHReportEntry ";
    for (const json& e : sub(m, "entries")) {
        p.line(d + 1, entry_word + str(e, "index") + at_offset(e) + ": System-Health-ID " +
                          with_name(str(e, "id"), str(e, "id_name")) + ", " +
                          std::to_string(sub(e, "tlvs").size()) + " TLV(s)");
        if (has(e, "wsha"))
            print_wsha(p, d + 2, sub(e, "wsha"));
        for (const json& t : sub(e, "tlvs"))
            print_tlv(p, d + 2, t);
    }
}

}  // namespace

std::string format_message_tree(const json& message, int indent) {
    Printer p(indent);
    try {
        print_message(p, 0, message);
    } catch (const std::exception& e) {  // a hand-made JSON without the expected keys
        p.line(0, std::string("(cannot render: ") + e.what() + ")");
    }
    return p.take();
}

std::string format_document_tree(const json& doc) {
    Printer p(0);
    try {
        if (has(doc, "input"))
            p.line(0, "Input: " + str(sub(doc, "input"), "size") + " bytes");
        if (has(doc, "framing")) {
            const json& f = sub(doc, "framing");
            p.line(0, "Framing: " + str(f, "description"));
            if (has(f, "details")) {
                for (const json& item : sub(f, "details"))
                    p.line(1, str(item, "name") + ": " + str(item, "value"));
            }
            p.line(1, "Payload: " + str(f, "payload"));
            if (has(f, "message_offset"))
                p.line(1, "Message at input offset " + str(f, "message_offset"));
        }
        if (has(doc, "status") && str(doc, "status") != "ok")
            p.line(0, "Status: " + str(doc, "status"));
    } catch (const std::exception& e) {
        p.line(0, std::string("(cannot render: ") + e.what() + ")");
    }
    std::string out = p.take();
    if (has(doc, "message"))
        out += format_message_tree(sub(doc, "message"), 0);
    return out;
}

}  // namespace opennap::tools
