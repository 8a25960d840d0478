#include "opennap/ipc/frame.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "samples.h"

namespace opennap::ipc {
namespace {

using Bytes = std::vector<std::uint8_t>;

v1::Envelope event_envelope(std::uint32_t type) {
    v1::Envelope env;
    env.mutable_event()->set_notify_type(type);
    return env;
}

Bytes encode(const v1::Envelope& env, std::uint32_t max_body = kDefaultMaxBody) {
    Bytes out;
    EXPECT_TRUE(encode_frame(env, out, max_body));
    return out;
}

std::string wire(const v1::Envelope& env) {
    return env.SerializeAsString();
}

Bytes frame_with_body(const Bytes& body, std::uint8_t version = kProtocolVersion,
                      std::uint8_t flags = 0) {
    Bytes f = {'O',
               'N',
               version,
               flags,
               static_cast<std::uint8_t>(body.size() >> 24),
               static_cast<std::uint8_t>(body.size() >> 16),
               static_cast<std::uint8_t>(body.size() >> 8),
               static_cast<std::uint8_t>(body.size())};
    f.insert(f.end(), body.begin(), body.end());
    return f;
}

FrameError err(FrameErrc c, std::size_t offset, std::uint64_t value, std::uint64_t limit) {
    return FrameError{c, offset, value, limit};
}

// ---- encoding
// ------------------------------------------------------------------------------------

TEST(IpcFrame, EncodesTheHeaderByteForByte) {
    // Envelope{event{notify_type: 2}}: field 5 LEN (0x2A), 2 bytes: field 1 varint (0x08) = 2.
    EXPECT_EQ(encode(event_envelope(2)),
              (Bytes{0x4F, 0x4E, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x2A, 0x02, 0x08, 0x02}));

    // Envelope{request{id: 1, hello{min_version: 1, max_version: 1}}}:
    //   request = field 1 LEN (0x0A), 8 bytes: 08 01 (id) 52 04 (field 10 LEN 4) 08 01 10 01.
    v1::Envelope env;
    env.mutable_request()->set_id(1);
    env.mutable_request()->mutable_hello()->set_min_version(1);
    env.mutable_request()->mutable_hello()->set_max_version(1);
    EXPECT_EQ(encode(env), (Bytes{0x4F, 0x4E, 0x01, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x0A, 0x08, 0x08,
                                  0x01, 0x52, 0x04, 0x08, 0x01, 0x10, 0x01}));
}

TEST(IpcFrame, LengthIsBigEndian) {
    v1::Envelope env;
    env.mutable_reply()->set_soh(std::string(0x1234, 'x'));
    const Bytes f = encode(env);
    const std::size_t body = f.size() - kHeaderSize;
    EXPECT_EQ(f[4], static_cast<std::uint8_t>(body >> 24));
    EXPECT_EQ(f[5], static_cast<std::uint8_t>(body >> 16));
    EXPECT_EQ(f[6], static_cast<std::uint8_t>(body >> 8));
    EXPECT_EQ(f[7], static_cast<std::uint8_t>(body));
    EXPECT_GT(body, 0x1234u);
}

TEST(IpcFrame, EncodeAppendsAndLeavesOutputAloneOnFailure) {
    Bytes out = {1, 2, 3};
    ASSERT_TRUE(encode_frame(event_envelope(1), out));
    EXPECT_EQ(out.size(), 3 + kHeaderSize + 4);
    EXPECT_EQ(out[0], 1);
    EXPECT_EQ(out[3], 'O');

    const Bytes before = out;
    EXPECT_FALSE(encode_frame(v1::Envelope{}, out));  // no kind: serializes to nothing
    EXPECT_EQ(out, before);

    v1::Envelope big;
    big.mutable_reply()->set_soh(std::string(100, 'x'));
    EXPECT_FALSE(encode_frame(big, out, 100));  // body is 100 + 4 bytes of tags and lengths
    EXPECT_EQ(out, before);
    const std::size_t size = big.ByteSizeLong();
    EXPECT_TRUE(encode_frame(big, out, static_cast<std::uint32_t>(size)));  // exactly the limit
}

// ---- decoding
// ------------------------------------------------------------------------------------

TEST(IpcFrame, DecodesTheHeader) {
    const Bytes f = encode(event_envelope(2));
    auto h = decode_header(f);
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->version, kProtocolVersion);
    EXPECT_EQ(h->flags, 0);
    EXPECT_EQ(h->length, 4u);
    // More bytes after the header are fine for decode_header.
    Bytes longer = f;
    longer.resize(100, 0xEE);
    EXPECT_TRUE(decode_header(longer));
}

TEST(IpcFrame, DecodesEverySample) {
    for (const auto& [name, env] : test::samples()) {
        const Bytes f = encode(env);
        auto d = decode_frame(f);
        ASSERT_TRUE(d) << name << ": " << d.error().message();
        EXPECT_EQ(wire(*d), wire(env)) << name;
        EXPECT_EQ(d->kind_case(), env.kind_case()) << name;
    }
}

TEST(IpcFrame, BodyOfExactlyMaxBodyIsAccepted) {
    v1::Envelope env;
    env.mutable_reply()->set_soh(std::string(kDefaultMaxBody - 10, 's'));
    const std::size_t size = env.ByteSizeLong();
    ASSERT_LE(size, kDefaultMaxBody);
    env.mutable_reply()->set_soh(std::string(kDefaultMaxBody - 10 + (kDefaultMaxBody - size), 's'));
    ASSERT_EQ(env.ByteSizeLong(), kDefaultMaxBody);
    const Bytes f = encode(env);
    EXPECT_TRUE(decode_frame(f));
    FrameReader r;
    r.feed(f);
    v1::Envelope out;
    EXPECT_EQ(r.next(&out), FrameReader::Status::Frame);
    EXPECT_EQ(out.reply().soh().size(), env.reply().soh().size());
}

// Found by ipc_frame_fuzz: Hello.client_name and HelloReply.role were proto3 `string` fields, and
// protobuf logs to stderr when such a field holds bad UTF-8 (and fails the parse). They are
// `bytes` now: the decoder neither logs nor rejects the frame. Reproducer:
// fuzz/regressions/ipc_frame/hello-client-name-bad-utf8.bin.
int g_protobuf_logs = 0;

TEST(IpcFrame, DecodingNeverLogsOrRejectsBadUtf8) {
    auto* previous =
        google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int,
                                           const std::string&) { ++g_protobuf_logs; });
    // Envelope{request{id: 1, hello{client_name: "\xff\xfe"}}}
    const Bytes f = frame_with_body({0x0A, 0x08, 0x08, 0x01, 0x52, 0x04, 0x1A, 0x02, 0xFF, 0xFE});
    auto d = decode_frame(f);
    ASSERT_TRUE(d) << d.error().message();
    EXPECT_EQ(d->request().hello().client_name(), "\xff\xfe");
    v1::Envelope role;
    role.mutable_reply()->mutable_hello()->set_role("\xc3");
    auto r = decode_frame(encode(role));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->reply().hello().role(), "\xc3");
    EXPECT_EQ(g_protobuf_logs, 0);
    GOOGLE_LOG(WARNING) << "control: the handler sees protobuf's log lines";
    EXPECT_EQ(g_protobuf_logs, 1);
    google::protobuf::SetLogHandler(previous);
}

// ---- every error, with its offset
// ----------------------------------------------------------------

TEST(IpcFrame, EveryErrorCodeWithItsOffset) {
    const Bytes good = encode(event_envelope(2));  // 12 bytes
    auto with = [&](std::size_t i, std::uint8_t v) {
        Bytes b = good;
        b[i] = v;
        return b;
    };
    EXPECT_EQ(decode_frame(with(0, 'X')).error(), err(FrameErrc::BadMagic, 0, 'X', 'O'));
    EXPECT_EQ(decode_frame(with(1, 'n')).error(), err(FrameErrc::BadMagic, 1, 'n', 'N'));
    EXPECT_EQ(decode_frame(with(2, 2)).error(), err(FrameErrc::UnsupportedVersion, 2, 2, 1));
    EXPECT_EQ(decode_frame(with(2, 0)).error(), err(FrameErrc::UnsupportedVersion, 2, 0, 1));
    EXPECT_EQ(decode_frame(with(3, 0x80)).error(), err(FrameErrc::ReservedFlags, 3, 0x80, 0));
    EXPECT_EQ(decode_frame(frame_with_body({})).error(), err(FrameErrc::EmptyBody, 4, 0, 1));

    Bytes too_large = {'O', 'N', 1, 0, 0x00, 0x04, 0x93, 0xE0};  // 300000
    EXPECT_EQ(decode_frame(too_large).error(), err(FrameErrc::TooLarge, 4, 300000, 262144));
    EXPECT_EQ(decode_frame(good, 3).error(), err(FrameErrc::TooLarge, 4, 4, 3));
    Bytes max_len = {'O', 'N', 1, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    EXPECT_EQ(decode_frame(max_len, 0xFFFFFFFEu).error(),
              err(FrameErrc::TooLarge, 4, 0xFFFFFFFFu, 0xFFFFFFFEu));

    EXPECT_EQ(decode_frame(Bytes(good.begin(), good.begin() + 5)).error(),
              err(FrameErrc::Truncated, 0, 5, 8));
    EXPECT_EQ(decode_frame(Bytes(good.begin(), good.begin() + 10)).error(),
              err(FrameErrc::Truncated, 8, 2, 4));

    Bytes trailing = good;
    trailing.push_back(0);
    trailing.push_back(0);
    trailing.push_back(0);
    EXPECT_EQ(decode_frame(trailing).error(), err(FrameErrc::TrailingBytes, 12, 3, 12));
    Bytes two = good;
    two.insert(two.end(), good.begin(), good.end());
    EXPECT_EQ(decode_frame(two).error(), err(FrameErrc::TrailingBytes, 12, 12, 12));

    // 0xFF is field 31 with wire type 7, which does not exist.
    EXPECT_EQ(decode_frame(frame_with_body({0xFF, 0xFF})).error(),
              err(FrameErrc::BadBody, 8, 2, 0));
    // Field 1 (request) LEN 5 with only 1 byte of value.
    EXPECT_EQ(decode_frame(frame_with_body({0x0A, 0x05, 0x08})).error(),
              err(FrameErrc::BadBody, 8, 3, 0));
    // A valid message with only an unknown field (15, varint 1): no kind.
    EXPECT_EQ(decode_frame(frame_with_body({0x78, 0x01})).error(),
              err(FrameErrc::EmptyEnvelope, 8, 2, 0));
}

TEST(IpcFrame, ShortInputsAreCheckedAsFarAsTheyGo) {
    EXPECT_EQ(decode_header(Bytes{}).error(), err(FrameErrc::Truncated, 0, 0, 8));
    EXPECT_EQ(decode_header(Bytes{'O'}).error(), err(FrameErrc::Truncated, 0, 1, 8));
    EXPECT_EQ(decode_header(Bytes{'X'}).error(), err(FrameErrc::BadMagic, 0, 'X', 'O'));
    EXPECT_EQ(decode_header(Bytes{'O', 'X'}).error(), err(FrameErrc::BadMagic, 1, 'X', 'N'));
    EXPECT_EQ(decode_header(Bytes{'O', 'N', 9}).error(),
              err(FrameErrc::UnsupportedVersion, 2, 9, 1));
    EXPECT_EQ(decode_header(Bytes{'O', 'N', 1, 1, 0}).error(),
              err(FrameErrc::ReservedFlags, 3, 1, 0));
    EXPECT_EQ(decode_header(Bytes{'O', 'N', 1, 0, 0xFF, 0xFF, 0xFF}).error(),
              err(FrameErrc::Truncated, 0, 7, 8));
}

TEST(IpcFrame, ErrorMessagesAndNames) {
    EXPECT_EQ(err(FrameErrc::TooLarge, 4, 300000, 262144).message(),
              "frame body length 300000 exceeds the limit 262144 (offset 4)");
    EXPECT_EQ(err(FrameErrc::BadMagic, 0, 'X', 'O').message(),
              "bad frame magic byte 0x58, expected 0x4f (\"ON\") (offset 0)");
    EXPECT_EQ(err(FrameErrc::UnsupportedVersion, 2, 2, 1).message(),
              "unsupported protocol version 2, this side speaks 1 (offset 2)");
    EXPECT_EQ(err(FrameErrc::ReservedFlags, 3, 0x80, 0).message(),
              "reserved frame flags 0x80 are not 0 (offset 3)");
    EXPECT_EQ(err(FrameErrc::EmptyBody, 4, 0, 1).message(), "frame body length 0 (offset 4)");
    EXPECT_EQ(err(FrameErrc::Truncated, 8, 2, 4).message(),
              "frame truncated: 4 bytes needed, 2 present (offset 8)");
    EXPECT_EQ(err(FrameErrc::TrailingBytes, 12, 3, 12).message(),
              "3 bytes after the end of the frame (offset 12)");
    EXPECT_EQ(err(FrameErrc::BadBody, 8, 2, 0).message(),
              "frame body of 2 bytes is not a valid Envelope (offset 8)");
    EXPECT_EQ(err(FrameErrc::EmptyEnvelope, 8, 2, 0).message(),
              "frame body of 2 bytes is an Envelope with no kind (offset 8)");
    for (int c = 0; c <= static_cast<int>(FrameErrc::EmptyEnvelope); ++c) {
        EXPECT_NE(to_string(static_cast<FrameErrc>(c)), "unknown frame error") << c;
        EXPECT_FALSE(err(static_cast<FrameErrc>(c), 0, 0, 0).message().empty());
    }
    EXPECT_EQ(to_string(FrameErrc::BadMagic), "bad magic");
}

// ---- truncation
// ----------------------------------------------------------------------------------

TEST(IpcFrame, TruncationAtEveryByte) {
    for (const auto& [name, env] : test::samples()) {
        const Bytes f = encode(env);
        for (std::size_t k = 0; k < f.size(); ++k) {
            const std::span<const std::uint8_t> prefix(f.data(), k);
            auto d = decode_frame(prefix);
            ASSERT_FALSE(d) << name << " at " << k;
            EXPECT_EQ(d.error().code, FrameErrc::Truncated) << name << " at " << k;
            EXPECT_EQ(d.error().offset, k < kHeaderSize ? 0u : kHeaderSize) << name << " at " << k;

            FrameReader r;
            r.feed(prefix);
            v1::Envelope out;
            EXPECT_EQ(r.next(&out), FrameReader::Status::NeedMore) << name << " at " << k;
            EXPECT_EQ(r.buffered(), k);
            // The rest completes it.
            r.feed(std::span<const std::uint8_t>(f).subspan(k));
            ASSERT_EQ(r.next(&out), FrameReader::Status::Frame) << name << " at " << k;
            EXPECT_EQ(wire(out), wire(env));
            EXPECT_EQ(r.next(&out), FrameReader::Status::NeedMore);
        }
    }
}

// ---- FrameReader
// ---------------------------------------------------------------------------------

struct Stream {
    Bytes bytes;
    std::vector<std::string> wires;
};

Stream sample_stream() {
    Stream s;
    for (const auto& [name, env] : test::samples()) {
        EXPECT_TRUE(encode_frame(env, s.bytes)) << name;
        s.wires.push_back(wire(env));
    }
    return s;
}

void drain(FrameReader& r, std::vector<std::string>& got) {
    v1::Envelope out;
    for (;;) {
        const auto st = r.next(&out);
        if (st == FrameReader::Status::NeedMore)
            return;
        ASSERT_EQ(st, FrameReader::Status::Frame) << r.error().message();
        got.push_back(wire(out));
    }
}

TEST(IpcFrameReader, StreamFedOneByteAtATime) {
    const Stream s = sample_stream();
    FrameReader r;
    std::vector<std::string> got;
    for (const std::uint8_t b : s.bytes) {
        r.feed(std::span<const std::uint8_t>(&b, 1));
        drain(r, got);
    }
    EXPECT_EQ(got, s.wires);
    EXPECT_EQ(r.buffered(), 0u);
    EXPECT_EQ(r.stream_offset(), s.bytes.size());
}

TEST(IpcFrameReader, StreamFedAllAtOnce) {
    const Stream s = sample_stream();
    FrameReader r;
    r.feed(s.bytes);
    std::vector<std::string> got;
    drain(r, got);
    EXPECT_EQ(got, s.wires);
    EXPECT_EQ(r.stream_offset(), s.bytes.size());
}

TEST(IpcFrameReader, StreamInRandomChunksThroughFeedAndPrepareCommit) {
    const Stream s = sample_stream();
    for (std::uint32_t seed = 1; seed <= 50; ++seed) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<std::size_t> size(1, 300);
        FrameReader r;
        std::vector<std::string> got;
        std::size_t pos = 0;
        while (pos < s.bytes.size()) {
            const std::size_t n = std::min(size(rng), s.bytes.size() - pos);
            if (rng() % 2 == 0) {
                r.feed(std::span<const std::uint8_t>(s.bytes.data() + pos, n));
            } else {
                // As a read(2) loop does: ask for room, receive fewer bytes than asked for.
                const std::span<std::uint8_t> tail = r.prepare(n + 64);
                ASSERT_GE(tail.size(), n + 64);
                std::copy_n(s.bytes.data() + pos, n, tail.data());
                r.commit(n);
            }
            pos += n;
            drain(r, got);
        }
        EXPECT_EQ(got, s.wires) << "seed " << seed;
        EXPECT_EQ(r.buffered(), 0u);
        EXPECT_EQ(r.stream_offset(), s.bytes.size());
    }
}

TEST(IpcFrameReader, PrepareCommitZero) {
    FrameReader r;
    auto tail = r.prepare(16);
    EXPECT_GE(tail.size(), 16u);
    r.commit(0);
    v1::Envelope out;
    EXPECT_EQ(r.next(&out), FrameReader::Status::NeedMore);
    EXPECT_EQ(r.buffered(), 0u);
}

TEST(IpcFrameReader, OversizedLengthIsRejectedBeforeTheBodyIsBuffered) {
    FrameReader r(100);
    Bytes f = {'O', 'N', 1, 0, 0, 0, 0, 101};
    f.resize(8 + 50, 0x42);  // the start of the body arrives in the same read
    r.feed(f);
    EXPECT_EQ(r.buffered(), 0u);  // nothing kept
    v1::Envelope out;
    ASSERT_EQ(r.next(&out), FrameReader::Status::Error);
    EXPECT_EQ(r.error(), err(FrameErrc::TooLarge, 4, 101, 100));
    // Failed for good: more bytes are dropped, valid frames are not decoded.
    r.feed(encode(event_envelope(1)));
    EXPECT_EQ(r.buffered(), 0u);
    EXPECT_EQ(r.next(&out), FrameReader::Status::Error);
    EXPECT_EQ(r.error().code, FrameErrc::TooLarge);

    // The same through prepare/commit.
    FrameReader r2(100);
    auto tail = r2.prepare(f.size());
    std::copy(f.begin(), f.end(), tail.begin());
    r2.commit(f.size());
    EXPECT_EQ(r2.buffered(), 0u);
    EXPECT_EQ(r2.next(&out), FrameReader::Status::Error);
    EXPECT_EQ(r2.error(), err(FrameErrc::TooLarge, 4, 101, 100));
    EXPECT_GE(r2.prepare(10).size(), 10u);  // still usable as a sink
    r2.commit(10);
    EXPECT_EQ(r2.buffered(), 0u);

    // And with the header arriving a byte at a time.
    FrameReader r3(100);
    for (std::size_t i = 0; i < 8; ++i) {
        r3.feed(std::span<const std::uint8_t>(f.data() + i, 1));
    }
    EXPECT_EQ(r3.buffered(), 0u);
    EXPECT_EQ(r3.next(&out), FrameReader::Status::Error);
    EXPECT_EQ(r3.error(), err(FrameErrc::TooLarge, 4, 101, 100));
}

TEST(IpcFrameReader, GarbageIsRejectedAtItsFirstByte) {
    FrameReader r;
    const Bytes junk = {'G', 'E', 'T', ' '};
    r.feed(std::span<const std::uint8_t>(junk.data(), 1));
    v1::Envelope out;
    EXPECT_EQ(r.next(&out), FrameReader::Status::Error);
    EXPECT_EQ(r.error(), err(FrameErrc::BadMagic, 0, 'G', 'O'));
}

TEST(IpcFrameReader, ErrorOffsetsAreStreamOffsets) {
    const Bytes good = encode(event_envelope(2));  // 12 bytes
    struct Case {
        Bytes second;
        FrameError want;
    };
    const Case cases[] = {
        {{'X'}, err(FrameErrc::BadMagic, 24, 'X', 'O')},
        {{'O', 'X'}, err(FrameErrc::BadMagic, 25, 'X', 'N')},
        {{'O', 'N', 2}, err(FrameErrc::UnsupportedVersion, 26, 2, 1)},
        {{'O', 'N', 1, 4}, err(FrameErrc::ReservedFlags, 27, 4, 0)},
        {frame_with_body({}), err(FrameErrc::EmptyBody, 28, 0, 1)},
        {{'O', 'N', 1, 0, 0, 0x04, 0, 1}, err(FrameErrc::TooLarge, 28, 0x40001, kDefaultMaxBody)},
        {frame_with_body({0xFF}), err(FrameErrc::BadBody, 32, 1, 0)},
        {frame_with_body({0x78, 0x01}), err(FrameErrc::EmptyEnvelope, 32, 2, 0)},
    };
    for (const Case& c : cases) {
        Bytes stream = good;
        stream.insert(stream.end(), good.begin(), good.end());
        stream.insert(stream.end(), c.second.begin(), c.second.end());
        // Whole, and a byte at a time: same frames, same error.
        for (const bool bytewise : {false, true}) {
            FrameReader r;
            v1::Envelope out;
            int frames = 0;
            FrameReader::Status st = FrameReader::Status::NeedMore;
            auto pump = [&] {
                while ((st = r.next(&out)) == FrameReader::Status::Frame)
                    ++frames;
            };
            if (bytewise) {
                for (const std::uint8_t b : stream) {
                    r.feed(std::span<const std::uint8_t>(&b, 1));
                    pump();
                }
            } else {
                r.feed(stream);
                pump();
            }
            EXPECT_EQ(frames, 2) << c.want.message();
            ASSERT_EQ(st, FrameReader::Status::Error) << c.want.message();
            EXPECT_EQ(r.error(), c.want) << r.error().message();
            EXPECT_EQ(r.stream_offset(), 24u);
            EXPECT_EQ(r.buffered(), 0u);
        }
    }
}

TEST(IpcFrameReader, ReusesItsBufferAcrossManyFrames) {
    FrameReader r;
    const Bytes f = encode(event_envelope(2));
    v1::Envelope out;
    for (int i = 0; i < 10000; ++i) {
        r.feed(f);
        ASSERT_EQ(r.next(&out), FrameReader::Status::Frame);
        ASSERT_EQ(r.next(&out), FrameReader::Status::NeedMore);
    }
    EXPECT_EQ(r.stream_offset(), 10000u * f.size());
}

}  // namespace
}  // namespace opennap::ipc
