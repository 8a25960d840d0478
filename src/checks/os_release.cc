#include "opennap/checks/os_release.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>

namespace opennap::checks {

namespace {

bool name_start(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9');
}
bool blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

// Parses one logical assignment starting at text[pos] (first non-blank of a line). On success
// stores into `out` and leaves `pos` at the start of the next line.
bool parse_line(std::string_view text, std::size_t& pos, std::size_t& line, OsRelease& out) {
    const std::size_t start = pos;
    const std::size_t start_line = line;
    auto skip_rest = [&] {
        while (pos < text.size() && text[pos] != '\n') {
            ++pos;
        }
        if (pos < text.size()) {
            ++pos;
            ++line;
        }
    };
    auto bad = [&](std::size_t at, std::string field, std::string msg) {
        out.skipped.push_back(ParseError{at, start_line, std::move(field), std::move(msg)});
        pos = start;
        line = start_line;
        skip_rest();
        return false;
    };
    std::size_t p = pos;
    if (!name_start(text[p])) {
        return bad(p, "", "expected a variable name");
    }
    while (p < text.size() && name_char(text[p])) {
        ++p;
    }
    std::string key(text.substr(pos, p - pos));
    if (p >= text.size() || text[p] != '=') {
        return bad(p, key, "expected '=' after the variable name");
    }
    ++p;
    std::string value;
    std::size_t cur_line = line;
    for (;;) {
        if (p >= text.size() || text[p] == '\n') {
            break;
        }
        const char c = text[p];
        if (c == '"') {
            const std::size_t open = p++;
            bool closed = false;
            while (p < text.size()) {
                const char d = text[p];
                if (d == '"') {
                    closed = true;
                    ++p;
                    break;
                }
                if (d == '\\' && p + 1 < text.size()) {
                    const char e = text[p + 1];
                    if (e == '"' || e == '\\' || e == '$' || e == '`') {
                        value.push_back(e);
                        p += 2;
                        continue;
                    }
                    if (e == '\n') {  // line continuation
                        p += 2;
                        ++cur_line;
                        continue;
                    }
                    value.push_back('\\');
                    ++p;
                    continue;
                }
                if (d == '\n') {
                    ++cur_line;
                }
                value.push_back(d);
                ++p;
            }
            if (!closed) {
                return bad(open, key, "unterminated double quote");
            }
        } else if (c == '\'') {
            const std::size_t open = p++;
            const std::size_t close = text.find('\'', p);
            if (close == std::string_view::npos) {
                return bad(open, key, "unterminated single quote");
            }
            const std::string_view piece = text.substr(p, close - p);
            cur_line += static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
            value.append(piece);
            p = close + 1;
        } else if (c == '\\') {
            if (p + 1 >= text.size()) {
                return bad(p, key, "backslash at the end of the input");
            }
            if (text[p + 1] == '\n') {
                ++cur_line;
            } else {
                value.push_back(text[p + 1]);
            }
            p += 2;
        } else if (blank(c)) {
            // Trailing blanks end the value; anything after them but a comment is an error.
            std::size_t q = p;
            while (q < text.size() && blank(text[q])) {
                ++q;
            }
            if (q < text.size() && text[q] != '\n' && text[q] != '#') {
                return bad(q, key, "unquoted whitespace in the value");
            }
            p = q;
            while (p < text.size() && text[p] != '\n') {
                ++p;
            }
            break;
        } else if (c == '$' || c == '`' || c == ';' || c == '|' || c == '&' || c == '<' ||
                   c == '>' || c == '(' || c == ')') {
            return bad(p, key, std::string("unquoted shell special character '") + c + "'");
        } else {
            value.push_back(c);
            ++p;
        }
    }
    out.fields[key] = std::move(value);
    pos = p;
    line = cur_line;
    if (pos < text.size()) {
        ++pos;  // the newline
        ++line;
    }
    return true;
}

}  // namespace

std::string OsRelease::get(std::string_view key, std::string_view fallback) const {
    auto it = fields.find(key);
    if (it == fields.end()) {
        return std::string(fallback);
    }
    return it->second;
}

OsRelease parse_os_release(std::string_view text) {
    OsRelease out;
    std::size_t pos = 0;
    std::size_t line = 1;
    while (pos < text.size()) {
        while (pos < text.size() && blank(text[pos])) {
            ++pos;
        }
        if (pos >= text.size()) {
            break;
        }
        if (text[pos] == '\n') {
            ++pos;
            ++line;
            continue;
        }
        if (text[pos] == '#') {
            while (pos < text.size() && text[pos] != '\n') {
                ++pos;
            }
            continue;
        }
        parse_line(text, pos, line, out);
    }
    return out;
}

Measurement<OsIdentityDetails> check_os_identity(const SystemRoot& root,
                                                 const OsIdentityOptions& opt) {
    OsIdentityDetails d;
    struct utsname u {};
    if (::uname(&u) == 0) {
        d.kernel_release = u.release;
        d.kernel_version = u.version;
        d.machine = u.machine;
    }
    Result<std::string> text = fail(plain_error(""));
    for (const char* f : {"/etc/os-release", "/usr/lib/os-release"}) {
        text = root.read(f, 64 * 1024);
        if (text) {
            d.source = f;
            break;
        }
        if (text.error().errno_value != ENOENT) {
            return make_error(text.error(), std::move(d));
        }
    }
    if (!text) {
        return make_error(
            errno_error("neither /etc/os-release nor /usr/lib/os-release exists", ENOENT),
            std::move(d));
    }
    const OsRelease os = parse_os_release(*text);
    d.id = os.get("ID", "linux");
    d.id_like = os.get("ID_LIKE");
    d.name = os.get("NAME", "Linux");
    d.pretty_name = os.get("PRETTY_NAME", "Linux");
    d.version_id = os.get("VERSION_ID");
    d.version_codename = os.get("VERSION_CODENAME");
    d.variant_id = os.get("VARIANT_ID");
    d.build_id = os.get("BUILD_ID");
    d.skipped_lines = os.skipped.size();
    if (!opt.allowed_ids.empty() &&
        std::find(opt.allowed_ids.begin(), opt.allowed_ids.end(), d.id) == opt.allowed_ids.end()) {
        return make(Status::Fail, "distribution \"" + d.id + "\" is not an allowed one",
                    std::move(d));
    }
    std::string reason = d.pretty_name + ", kernel " + d.kernel_release;
    return make(Status::Pass, std::move(reason), std::move(d));
}

}  // namespace opennap::checks
