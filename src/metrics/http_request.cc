// parse_request_head (include/opennap/metrics/http_request.h): RFC 9112 request line and field
// lines, enough for GET /metrics.
#include "opennap/metrics/http_request.h"

namespace opennap::metrics {

namespace {

// RFC 9110 §5.6.2 tchar.
bool tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '%':
        case '&':
        case '\'':
        case '*':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

// Visible characters of a request target (RFC 3986 characters; no spaces or controls).
bool target_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F;
}

// A field value byte: VCHAR, obs-text, SP, HTAB.
bool value_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || u >= 0x20 ? u != 0x7F : false;
}

std::unexpected<HttpError> fail(HttpErrc code, std::size_t offset, std::string_view what) {
    return std::unexpected(HttpError{code, offset, what});
}

// The end of the line starting at `at` (the index of its '\n'), or npos.
std::size_t line_end(std::string_view in, std::size_t at) {
    return in.find('\n', at);
}

// The line's content without its CR (if the line ends CRLF).
std::string_view line(std::string_view in, std::size_t at, std::size_t lf) {
    std::size_t end = lf;
    if (end > at && in[end - 1] == '\r')
        --end;
    return in.substr(at, end - at);
}

}  // namespace

std::expected<RequestHead, HttpError> parse_request_head(std::string_view in) noexcept {
    RequestHead out;
    std::size_t lf = line_end(in, 0);
    if (lf == std::string_view::npos) {
        // Refuse garbage early rather than waiting for the size limit.
        for (std::size_t i = 0; i < in.size(); ++i) {
            if (in[i] == ' ')
                break;
            if (!tchar(in[i]) && in[i] != '\r')
                return fail(HttpErrc::BadRequestLine, i, "method is not a token");
        }
        return fail(HttpErrc::Incomplete, in.size(), "no end of line yet");
    }
    const std::string_view rl = line(in, 0, lf);
    // method SP target SP version, single spaces (RFC 9112 §3).
    const std::size_t sp1 = rl.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0)
        return fail(HttpErrc::BadRequestLine, 0, "request line has no method");
    for (std::size_t i = 0; i < sp1; ++i) {
        if (!tchar(rl[i]))
            return fail(HttpErrc::BadRequestLine, i, "method is not a token");
    }
    const std::size_t sp2 = rl.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        return fail(HttpErrc::BadRequestLine, rl.size(), "request line has no version");
    if (sp2 == sp1 + 1)
        return fail(HttpErrc::BadRequestLine, sp2, "empty request target");
    for (std::size_t i = sp1 + 1; i < sp2; ++i) {
        if (!target_char(rl[i]))
            return fail(HttpErrc::BadRequestLine, i, "bad character in request target");
    }
    out.method = rl.substr(0, sp1);
    out.target = rl.substr(sp1 + 1, sp2 - sp1 - 1);
    if (out.target.front() != '/' && out.target != "*")
        return fail(HttpErrc::BadRequestLine, sp1 + 1, "request target is not origin-form");
    out.path = out.target.substr(0, out.target.find('?'));
    const std::string_view version = rl.substr(sp2 + 1);
    if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        return fail(HttpErrc::BadRequestLine, sp2 + 1, "malformed HTTP version");
    }
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1'))
        return fail(HttpErrc::BadVersion, sp2 + 1, "HTTP version other than 1.0 or 1.1");
    out.minor_version = static_cast<std::uint8_t>(version[7] - '0');

    // Field lines up to the empty line.
    std::size_t at = lf + 1;
    for (;;) {
        lf = line_end(in, at);
        if (lf == std::string_view::npos)
            return fail(HttpErrc::Incomplete, in.size(), "no empty line yet");
        const std::string_view fl = line(in, at, lf);
        if (fl.empty()) {
            out.head_size = lf + 1;
            return out;
        }
        if (fl.front() == ' ' || fl.front() == '\t')
            return fail(HttpErrc::BadHeader, at, "obsolete line folding");
        const std::size_t colon = fl.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return fail(HttpErrc::BadHeader, at, "field line has no name");
        for (std::size_t i = 0; i < colon; ++i) {
            if (!tchar(fl[i]))
                return fail(HttpErrc::BadHeader, at + i, "field name is not a token");
        }
        for (std::size_t i = colon + 1; i < fl.size(); ++i) {
            if (!value_char(fl[i]))
                return fail(HttpErrc::BadHeader, at + i, "control character in field value");
        }
        at = lf + 1;
    }
}

}  // namespace opennap::metrics
