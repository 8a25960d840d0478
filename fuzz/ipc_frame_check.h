// The properties ipc_frame_fuzz checks, shared with tests/ipc/regression_test.cc (which replays
// the committed corpus and crash reproducers through them).
//
// The input is a byte stream. It goes
//   * to decode_frame() whole;
//   * to a FrameReader in chunks whose sizes (and whether feed() or prepare()/commit() is used)
//     come from the input itself, and to a second FrameReader in one feed(): both must yield the
//     same frames and end the same way (NeedMore with the same bytes buffered, or the same error);
//   * every frame the reader yields must decode alone with decode_frame() to the same Envelope, and
//     re-encode to a frame that decodes to it again;
//   * decoding never logs (a proto3 `string` field with bad UTF-8 makes protobuf log to stderr;
//     trap_protobuf_logs() turns any protobuf log line into a crash);
//   * every message nested in a decoded Envelope goes through its *_from_proto() converter; what
//     converts must convert back (to_proto) to a message that converts to the same value.
#pragma once

#include <google/protobuf/stubs/logging.h>
#include <algorithm>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "opennap/ipc/convert.h"
#include "opennap/ipc/frame.h"

namespace opennap::ipc::fuzz {

// Makes any protobuf log line abort. Returns the previous handler.
inline google::protobuf::LogHandler* trap_protobuf_logs() {
    return google::protobuf::SetLogHandler(
        [](google::protobuf::LogLevel, const char* file, int line, const std::string& message) {
            std::fprintf(stderr, "fuzz property failed: protobuf logged %s:%d: %s\n", file, line,
                         message.c_str());
            std::abort();
        });
}

// A *_from_proto converter and its inverse agree.
template <class Msg, class From>
void check_converter(const Msg& m, From from) {
    auto x = from(m);
    if (!x) {
        OPENNAP_FUZZ_CHECK(!x.error().field.empty());
        OPENNAP_FUZZ_CHECK(!x.error().message().empty());
        return;
    }
    Msg m2;
    to_proto(*x, m2);
    auto y = from(m2);
    OPENNAP_FUZZ_CHECK(y.has_value());
    Msg m3;
    to_proto(*y, m3);
    OPENNAP_FUZZ_CHECK(m2.SerializeAsString() == m3.SerializeAsString());
}

inline void check_guid(const std::string& bytes) {
    auto g = guid_from_bytes(bytes, "guid");
    OPENNAP_FUZZ_CHECK(g.has_value() == (bytes.size() == 16));
    if (g)
        OPENNAP_FUZZ_CHECK(guid_bytes(*g) == bytes);
}

inline void check_u16(const std::string& bytes) {
    auto s = u16_from_bytes(bytes, "string");
    if (s)
        OPENNAP_FUZZ_CHECK(u16_bytes(*s) == bytes);
    else
        OPENNAP_FUZZ_CHECK(bytes.size() % 2 != 0 || bytes.size() / 2 > maxStringLength);
}

inline void check_soh(const v1::SoH& m) {
    check_converter(m, [](const v1::SoH& x) { return soh_from_proto(x); });
}
// The TLV form: what converts re-encodes to the same bytes; an error names a field.
inline void check_soh_tlvs(const std::string& bytes) {
    auto s = soh_from_tlvs(bytes, "response");
    if (!s) {
        OPENNAP_FUZZ_CHECK(!s.error().field.empty());
        return;
    }
    std::string again;
    append_tlvs(*s, again);
    OPENNAP_FUZZ_CHECK(again == bytes);
}
inline void check_correlation(const v1::CorrelationId& m) {
    check_converter(m, [](const v1::CorrelationId& x) { return correlation_from_proto(x); });
}
inline void check_isolation(const v1::IsolationInfo& m) {
    check_converter(m, [](const v1::IsolationInfo& x) { return isolation_from_proto(x); });
    check_converter(m, [](const v1::IsolationInfo& x) { return isolation_ex_from_proto(x); });
}
inline void check_fixup(const v1::FixupInfo& m) {
    check_converter(m, [](const v1::FixupInfo& x) { return fixup_from_proto(x); });
}
inline void check_registration(const v1::Registration& m) {
    check_converter(m, [](const v1::Registration& x) { return registration_from_proto(x); });
}

inline void check_conn_value(const v1::ConnValue& v) {
    switch (v.value_case()) {
        case v1::ConnValue::kGuid:
            check_guid(v.guid());
            break;
        case v1::ConnValue::kCorrelationId:
            check_correlation(v.correlation_id());
            break;
        case v1::ConnValue::kIsolation:
            check_isolation(v.isolation());
            break;
        default:
            break;
    }
}

inline void check_sha_request(const v1::ShaRequest& r) {
    check_correlation(r.correlation_id());
    if (r.has_cached())
        check_soh(r.cached());
    check_soh_tlvs(r.response());
}

inline void check_request(const v1::Request& r) {
    switch (r.call_case()) {
        case v1::Request::kRegister:
            check_registration(r.register_().info());
            break;
        case v1::Request::kConnSet:
            check_conn_value(r.conn_set().value());
            break;
        case v1::Request::kCertSubscribe:
            check_u16(r.cert_subscribe().subscriber_name());
            break;
        default:
            break;
    }
}

inline void check_reply(const v1::Reply& r) {
    switch (r.result_case()) {
        case v1::Reply::kRegistrations:
            for (const v1::Registration& item : r.registrations().items())
                check_registration(item);
            break;
        case v1::Reply::kClientInfo:
            check_converter(r.client_info(),
                            [](const v1::ClientInfo& x) { return client_info_from_proto(x); });
            break;
        case v1::Reply::kSystemIsolation:
            check_converter(r.system_isolation(), [](const v1::SystemIsolation& x) {
                return system_isolation_from_proto(x);
            });
            break;
        case v1::Reply::kStatus:
            check_converter(r.status(), [](const v1::Status& x) { return status_from_proto(x); });
            for (const v1::ShaStatus& s : r.status().shas()) {
                check_converter(s, [](const v1::ShaStatus& x) { return sha_status_from_proto(x); });
            }
            for (const v1::EcStatus& e : r.status().ecs()) {
                check_converter(e, [](const v1::EcStatus& x) { return ec_status_from_proto(x); });
            }
            break;
        case v1::Reply::kValue:
            check_conn_value(r.value());
            break;
        default:
            break;
    }
    if (r.has_snapshot()) {
        if (r.snapshot().has_correlation_id())
            check_correlation(r.snapshot().correlation_id());
        if (r.snapshot().has_isolation())
            check_isolation(r.snapshot().isolation());
    }
}

inline void check_callback(const v1::Callback& c) {
    switch (c.call_case()) {
        case v1::Callback::kShaGetSohRequest:
            check_sha_request(c.sha_get_soh_request());
            break;
        case v1::Callback::kShaProcessSohResponse:
            check_sha_request(c.sha_process_soh_response());
            break;
        case v1::Callback::kShaCompare:
            check_soh(c.sha_compare().lhs());
            check_soh(c.sha_compare().rhs());
            break;
        case v1::Callback::kShaOrphaned:
            check_correlation(c.sha_orphaned());
            break;
        default:
            break;
    }
}

inline void check_callback_reply(const v1::CallbackReply& r) {
    switch (r.result_case()) {
        case v1::CallbackReply::kSoh:
            check_soh(r.soh().soh());
            break;
        case v1::CallbackReply::kFixup:
            check_fixup(r.fixup());
            break;
        default:
            break;
    }
}

inline void check_envelope(const v1::Envelope& env) {
    switch (env.kind_case()) {
        case v1::Envelope::kRequest:
            check_request(env.request());
            break;
        case v1::Envelope::kReply:
            check_reply(env.reply());
            break;
        case v1::Envelope::kCallback:
            check_callback(env.callback());
            break;
        case v1::Envelope::kCallbackReply:
            check_callback_reply(env.callback_reply());
            break;
        case v1::Envelope::kEvent:
            break;
        case v1::Envelope::KIND_NOT_SET:
            OPENNAP_FUZZ_CHECK(false);  // the framing rejects it
            break;
    }
}

// What a reader made of a stream.
struct ReaderRun {
    std::vector<std::string> frames;  // serialized envelopes
    std::vector<std::uint64_t> ends;  // stream offset after each frame
    FrameReader::Status last = FrameReader::Status::NeedMore;
    FrameError error{};
    std::size_t buffered = 0;
};

inline void pump(FrameReader& r, ReaderRun& run) {
    v1::Envelope env;
    for (;;) {
        const FrameReader::Status st = r.next(&env);
        run.last = st;
        if (st != FrameReader::Status::Frame)
            break;
        run.frames.push_back(env.SerializeAsString());
        run.ends.push_back(r.stream_offset());
    }
    if (run.last == FrameReader::Status::Error)
        run.error = r.error();
    run.buffered = r.buffered();
}

inline void check_stream(const std::uint8_t* data, std::size_t size,
                         std::uint32_t max_body = kDefaultMaxBody) {
    const std::span<const std::uint8_t> in(data, size);

    // The whole input as one frame.
    auto whole = decode_frame(in, max_body);
    if (whole) {
        check_envelope(*whole);
    } else {
        OPENNAP_FUZZ_CHECK(whole.error().offset <= size);
        OPENNAP_FUZZ_CHECK(!whole.error().message().empty());
    }

    // In chunks: each chunk's first byte says how long it is and how it is delivered.
    FrameReader chunked(max_body);
    ReaderRun a;
    for (std::size_t pos = 0; pos < size;) {
        const std::uint8_t b = data[pos];
        const std::size_t n = std::min<std::size_t>(1 + (b & 0x3F), size - pos);
        if ((b & 0x40) != 0) {
            const std::span<std::uint8_t> tail = chunked.prepare(n + (b >> 7) * 100);
            OPENNAP_FUZZ_CHECK(tail.size() >= n);
            std::copy_n(data + pos, n, tail.data());
            chunked.commit(n);
        } else {
            chunked.feed(in.subspan(pos, n));
        }
        pos += n;
        pump(chunked, a);
    }
    pump(chunked, a);

    // All at once.
    FrameReader once(max_body);
    once.feed(in);
    ReaderRun b;
    pump(once, b);

    OPENNAP_FUZZ_CHECK(a.frames == b.frames);
    OPENNAP_FUZZ_CHECK(a.ends == b.ends);
    OPENNAP_FUZZ_CHECK(a.last == b.last);
    OPENNAP_FUZZ_CHECK(a.error == b.error);
    OPENNAP_FUZZ_CHECK(a.buffered == b.buffered);
    OPENNAP_FUZZ_CHECK(b.last != FrameReader::Status::Frame);
    if (b.last == FrameReader::Status::Error) {
        OPENNAP_FUZZ_CHECK(b.buffered == 0);
        OPENNAP_FUZZ_CHECK(b.error.offset < size);
        OPENNAP_FUZZ_CHECK(b.error.code != FrameErrc::Truncated &&
                           b.error.code != FrameErrc::TrailingBytes);
    } else {
        const std::uint64_t consumed = b.ends.empty() ? 0 : b.ends.back();
        OPENNAP_FUZZ_CHECK(b.buffered == size - consumed);
    }

    // A whole-input frame is exactly what the reader finds first.
    if (whole) {
        OPENNAP_FUZZ_CHECK(b.frames.size() == 1 && b.ends[0] == size);
        OPENNAP_FUZZ_CHECK(b.frames[0] == whole->SerializeAsString());
    }

    // Each frame decodes alone, its converters hold, and it re-encodes.
    std::uint64_t start = 0;
    for (std::size_t i = 0; i < b.frames.size(); ++i) {
        const auto len = static_cast<std::size_t>(b.ends[i] - start);
        auto alone = decode_frame(in.subspan(static_cast<std::size_t>(start), len), max_body);
        OPENNAP_FUZZ_CHECK(alone.has_value());
        OPENNAP_FUZZ_CHECK(alone->SerializeAsString() == b.frames[i]);
        check_envelope(*alone);
        std::vector<std::uint8_t> again;
        if (encode_frame(*alone, again, max_body)) {
            auto back = decode_frame(again, max_body);
            OPENNAP_FUZZ_CHECK(back.has_value());
            OPENNAP_FUZZ_CHECK(back->SerializeAsString() == b.frames[i]);
        }
        start = b.ends[i];
    }
}

}  // namespace opennap::ipc::fuzz
