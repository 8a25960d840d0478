// The head of an HTTP/1.x request, as the metrics endpoint reads it (RFC 9112 §2-3, §5). Pure:
// bytes in, a RequestHead or an HttpError (with the byte offset) out; no allocation.
//
// Accepted: "METHOD SP request-target SP HTTP/1.0|HTTP/1.1 CRLF", then header fields
// "name: value CRLF" (field names are tokens; a field line starting with whitespace -- obsolete
// line folding -- is refused), then an empty line. Bare LF line ends are accepted (RFC 9112 §2.2
// allows it). Header values are not interpreted: GET /metrics needs none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string_view>

namespace opennap::metrics {

struct RequestHead {
    std::string_view method;         // "GET"
    std::string_view target;         // "/metrics?x=1"
    std::string_view path;           // the target up to '?' ("/metrics")
    std::uint8_t minor_version = 1;  // HTTP/1.<minor>
    std::size_t head_size = 0;       // bytes up to and including the empty line
};

enum class HttpErrc : std::uint8_t {
    Incomplete,      // no empty line yet: read more (not an error while under the size limit)
    BadRequestLine,  // 400
    BadVersion,      // 505: a version other than HTTP/1.0 or HTTP/1.1
    BadHeader,       // 400
};

struct HttpError {
    HttpErrc code = HttpErrc::Incomplete;
    std::size_t offset = 0;  // where in the input the problem is
    std::string_view what;   // static text, e.g. "request target is not origin-form"
};

// Parses the head at the start of `input` (which may hold more after it).
[[nodiscard]] std::expected<RequestHead, HttpError> parse_request_head(
    std::string_view input) noexcept;

}  // namespace opennap::metrics
