// The ipc_frame fuzz seeds are generated from samples() (samples.h): run this program with
// OPENNAP_WRITE_IPC_SEEDS=1 to (re)write fuzz/corpus/ipc_frame/. Without it, the test checks that
// every committed seed still decodes to its sample, and replays the corpus and the crash
// reproducers in fuzz/regressions/ipc_frame/ through the fuzz target's checks.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ipc_frame_check.h"
#include "opennap/ipc/frame.h"
#include "samples.h"

namespace opennap::ipc {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

const fs::path kCorpus = fs::path(OPENNAP_SOURCE_DIR) / "fuzz/corpus/ipc_frame";
const fs::path kRegressions = fs::path(OPENNAP_SOURCE_DIR) / "fuzz/regressions/ipc_frame";

Bytes read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const Bytes& b) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// The seeds: one frame per sample, plus a stream of three frames.
std::vector<std::pair<std::string, Bytes>> seeds() {
    std::vector<std::pair<std::string, Bytes>> out;
    Bytes stream;
    for (const auto& [name, env] : test::samples()) {
        Bytes f;
        EXPECT_TRUE(encode_frame(env, f)) << name;
        if (stream.empty() || name == "request-register" || name == "request-get-soh-request")
            stream.insert(stream.end(), f.begin(), f.end());
        out.emplace_back(name + ".bin", std::move(f));
    }
    out.emplace_back("stream-hello-register-get-soh-request.bin", std::move(stream));
    return out;
}

TEST(IpcFuzzCorpus, SeedsAreTheSamples) {
    const bool write = std::getenv("OPENNAP_WRITE_IPC_SEEDS") != nullptr;
    if (write)
        fs::create_directories(kCorpus);
    for (const auto& [name, bytes] : seeds()) {
        const fs::path p = kCorpus / name;
        if (write)
            write_file(p, bytes);
        ASSERT_TRUE(fs::exists(p)) << p << " missing: run with OPENNAP_WRITE_IPC_SEEDS=1";
        const Bytes committed = read_file(p);
        FrameReader committed_reader;
        committed_reader.feed(committed);
        FrameReader sample_reader;
        sample_reader.feed(bytes);
        // Compared as decoded envelopes, so that a different protobuf version's encoding of the
        // same values still matches.
        v1::Envelope x;
        v1::Envelope y;
        int frames = 0;
        for (;;) {
            const auto a = committed_reader.next(&x);
            const auto b = sample_reader.next(&y);
            ASSERT_EQ(a, b) << name;
            ASSERT_NE(a, FrameReader::Status::Error)
                << name << ": " << committed_reader.error().message();
            if (a == FrameReader::Status::NeedMore)
                break;
            ++frames;
            EXPECT_EQ(x.SerializeAsString(), y.SerializeAsString()) << name;
        }
        EXPECT_GE(frames, 1) << name;
        EXPECT_EQ(committed_reader.buffered(), 0u) << name;
    }
}

TEST(IpcFuzzCorpus, CorpusAndRegressionsPassTheFuzzChecks) {
    google::protobuf::LogHandler* previous = fuzz::trap_protobuf_logs();
    std::size_t files = 0;
    for (const fs::path& dir : {kCorpus, kRegressions}) {
        if (!fs::exists(dir))
            continue;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (!entry.is_regular_file())
                continue;
            const Bytes b = read_file(entry.path());
            SCOPED_TRACE(entry.path().string());
            fuzz::check_stream(b.data(), b.size());
            fuzz::check_stream(b.data(), b.size(), 64);  // small limit: TooLarge paths
            ++files;
        }
    }
    google::protobuf::SetLogHandler(previous);
    EXPECT_GE(files, seeds().size());
}

}  // namespace
}  // namespace opennap::ipc
