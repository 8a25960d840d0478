// `napctl soh decode` and `napctl soh encode`. See docs/napctl.md.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <expected>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "opennap/soh/dhcp.h"
#include "opennap/soh/message.h"
#include "opennap/soh/peap.h"
#include "opennap/soh/radius.h"
#include "opennap/tools/detect.h"
#include "opennap/tools/hex.h"
#include "opennap/tools/soh_json.h"
#include "opennap/tools/tree.h"

namespace napctl {

namespace {

namespace soh = opennap::soh;
namespace tools = opennap::tools;
using nlohmann::json;
using opennap::Bytes;

using ByteVec = std::vector<std::uint8_t>;

// ---- I/O helpers ------------------------------------------------------------------------------

bool is_stdin(const std::string& path) {
    return path.empty() || path == "-";
}

// Reads a whole file ("" or "-": standard input).
std::expected<ByteVec, std::string> read_all(const std::string& path) {
    FILE* f = is_stdin(path) ? stdin : std::fopen(path.c_str(), "rb");
    if (f == nullptr)
        return std::unexpected(path + ": " + std::strerror(errno));
    ByteVec out;
    std::uint8_t buf[65536];
    for (;;) {
        const std::size_t n = std::fread(buf, 1, sizeof buf, f);
        out.insert(out.end(), buf, buf + n);
        if (n < sizeof buf)
            break;
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    if (f != stdin)
        std::fclose(f);
    if (failed)
        return std::unexpected((is_stdin(path) ? "standard input" : path) + ": " +
                               std::strerror(err));
    return out;
}

// Writes `data` to `path` ("" or "-": standard output).
std::expected<void, std::string> write_all(const std::string& path, Bytes data) {
    FILE* f = is_stdin(path) ? stdout : std::fopen(path.c_str(), "wb");
    if (f == nullptr)
        return std::unexpected(path + ": " + std::strerror(errno));
    const bool ok =
        std::fwrite(data.data(), 1, data.size(), f) == data.size() && std::fflush(f) == 0;
    const int err = errno;
    const bool closed = f == stdout || std::fclose(f) == 0;
    if (!ok || !closed)
        return std::unexpected((is_stdin(path) ? "standard output" : path) + ": " +
                               std::strerror(err));
    return {};
}

std::expected<void, std::string> write_text(const std::string& path, const std::string& text) {
    return write_all(path, Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

int report(int code, const std::string& message) {
    std::cerr << message << '\n';
    return code;
}

// ---- decode -----------------------------------------------------------------------------------

struct DecodeArgs {
    std::vector<std::string> hex;
    std::string file;
    bool json = false;
    bool strict = false;
};

int run_decode(const DecodeArgs& a) {
    ByteVec input;
    std::string source;
    std::string format;
    if (!a.hex.empty()) {
        std::string joined;
        for (const auto& t : a.hex)
            joined += t + " ";
        auto b = tools::parse_hex(joined);
        if (!b)
            return report(kExitUsage, "error: hex argument: " + b.error());
        input = std::move(*b);
        source = "argument";
        format = "hex";
    } else {
        auto raw = read_all(a.file);
        if (!raw)
            return report(kExitIo, "error: " + raw.error());
        source = is_stdin(a.file) ? "stdin" : a.file;
        if (tools::looks_like_hex_text(*raw)) {
            auto b = tools::parse_hex(std::string(raw->begin(), raw->end()));
            if (!b)
                return report(kExitUndecodable, "error: " + source + ": " + b.error());
            input = std::move(*b);
            format = "hex";
        } else {
            input = std::move(*raw);
            format = "binary";
        }
    }
    if (input.empty())
        return report(kExitUndecodable, "error: empty input");

    soh::DecodeOptions options;
    options.allow_partial = !a.strict;

    json doc;
    doc["input"] = {{"source", source}, {"format", format}, {"size", input.size()}};
    doc["framing"] = nullptr;
    doc["message"] = nullptr;

    // Prints the document (tree or JSON) and the diagnostic; returns `code`.
    auto finish = [&](int code, const char* status, const std::string& diagnostic) {
        doc["status"] = status;
        if (!diagnostic.empty())
            doc["error"] = diagnostic;
        std::string out;
        if (a.json) {
            out = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
        } else if (!doc["framing"].is_null()) {
            out = tools::format_document_tree(doc);
        }
        if (!diagnostic.empty())
            std::cerr << diagnostic << '\n';
        if (!out.empty()) {
            if (auto w = write_text("", out); !w)
                return report(kExitIo, "error: " + w.error());
        }
        return code;
    };

    auto detected = tools::detect(input, options);
    if (!detected)
        return finish(kExitUndecodable, "error", "error: " + detected.error().message());
    doc["framing"] = tools::to_json(*detected);
    if (!detected->message)
        return finish(kExitOk, "ok", "");

    auto view = soh::decode(*detected->message, options);
    if (!view) {
        soh::DecodeError e = view.error();
        std::string where;
        if (detected->message_offset)
            e.offset += static_cast<std::uint32_t>(*detected->message_offset);
        else
            where = " (offset within the reassembled message)";
        if (e.is_ignorable()) {
            return finish(kExitIgnored, "ignored",
                          "ignored by receiver rules: " + e.message() + where);
        }
        return finish(kExitUndecodable, "error", "error: " + e.message() + where);
    }
    tools::JsonOptions jo;
    jo.base_offset = detected->message_offset.value_or(0);
    doc["message"] = tools::to_json(*view, jo);
    if (view->partial()) {
        const auto& s = view->system;
        return finish(kExitIgnored, "partial",
                      "warning: partial decode: unknown MS attribute type " +
                          std::to_string(s.unknown_type) + " at offset " +
                          std::to_string(s.unknown_offset + jo.base_offset) +
                          " stopped the MS attribute walk (receiver rule 5; --strict rejects)");
    }
    return finish(kExitOk, "ok", "");
}

// ---- encode -----------------------------------------------------------------------------------

struct EncodeArgs {
    std::string file;
    std::string framing = "bare";
    bool hex = false;
    bool binary = false;
    std::string output;
    int eap_id = -1;
};

int run_encode(const EncodeArgs& a) {
    auto raw = read_all(a.file);
    if (!raw)
        return report(kExitIo, "error: " + raw.error());
    auto message = tools::message_from_json_text(std::string(raw->begin(), raw->end()));
    if (!message)
        return report(kExitUndecodable, "error: " + message.error());
    auto bytes = soh::encode(*message);
    if (!bytes)
        return report(kExitUndecodable, "error: cannot encode: " + bytes.error().message());
    if (auto check = soh::decode(*bytes); !check) {
        std::cerr << "warning: the encoded message does not decode with the default limits: "
                  << check.error().message() << '\n';
    }
    // Direction: an SoHR (MS-Packet-Info without the request bit) travels server -> peer.
    const bool request =
        message->system.find<soh::PacketInfo>() == nullptr || message->is_request();
    std::optional<soh::peap::EapHeader> header;
    if (a.eap_id >= 0) {
        header =
            soh::peap::EapHeader{request ? soh::peap::kEapCodeResponse : soh::peap::kEapCodeRequest,
                                 static_cast<std::uint8_t>(a.eap_id)};
    }
    const Bytes msg(*bytes);
    ByteVec out;
    if (a.framing == "bare") {
        out = *bytes;
    } else if (a.framing == "peap") {
        out = request ? soh::peap::encode_soh_tlv(msg) : soh::peap::encode_soh_response_tlv(msg);
    } else if (a.framing == "eap") {
        if (request) {
            const ByteVec tlv = soh::peap::encode_soh_tlv(msg);
            if (!tlv.empty())
                out = soh::peap::encode_eap_soh(tlv, header);
        } else {
            out = soh::peap::encode_eap_tlv_result(soh::peap::kResultSuccess, msg, header);
        }
    } else if (a.framing == "radius-bare" || a.framing == "radius-peap") {
        out = soh::radius::encode_quarantine_soh_vsas(msg, a.framing == "radius-peap"
                                                               ? soh::radius::Wrapping::PeapWrapper
                                                               : soh::radius::Wrapping::Bare);
    } else {  // dhcp
        out =
            soh::dhcp::encode_option43(soh::dhcp::encode_nap_soh(msg, soh::radius::Wrapping::Bare));
    }
    if (out.empty()) {
        return report(kExitUndecodable, "error: the " + std::to_string(bytes->size()) +
                                            "-byte message does not fit the " + a.framing +
                                            " framing");
    }
    auto written = a.binary ? write_all(a.output, out) : write_text(a.output, tools::hex_dump(out));
    if (!written)
        return report(kExitIo, "error: " + written.error());
    return kExitOk;
}

}  // namespace

void register_soh_commands(CLI::App& app, int& exit_code) {
    CLI::App* group = app.add_subcommand("soh", "Decode and encode Statement of Health messages");
    group->require_subcommand(1);

    auto dargs = std::make_shared<DecodeArgs>();
    CLI::App* dec = group->add_subcommand(
        "decode",
        "Decode an SoH or SoHR and print it as a tree (or JSON). The framing is detected: bare "
        "message, PEAP Vendor-Specific TLV, SoH EAP method (with or without EAP header), EAP-TLV "
        "result packet, RADIUS MS-Quarantine-SoH VSAs, DHCP option 43.");
    CLI::Option* hex = dec->add_option(
        "hex", dargs->hex,
        "The input as hex digits (spaces, ':' and 0x prefixes allowed). Without it and without "
        "--file the input is read from standard input.");
    dec->add_option("-f,--file", dargs->file,
                    "Read the input from FILE ('-' = standard input): binary, or hex text with "
                    "optional '#' comment lines like the shared vector files")
        ->excludes(hex);
    dec->add_flag("--json", dargs->json, "Print the decoded message as JSON (see docs/napctl.md)");
    dec->add_flag("--strict", dargs->strict,
                  "Reject an SSoH with an unknown MS attribute type (exit 2) instead of "
                  "decoding it partially (exit 3)");
    dec->callback([dargs, &exit_code] { exit_code = run_decode(*dargs); });

    auto eargs = std::make_shared<EncodeArgs>();
    CLI::App* enc = group->add_subcommand(
        "encode",
        "Build an SoH or SoHR from JSON (the schema of 'decode --json', see docs/napctl.md) and "
        "print it in the chosen framing.");
    enc->add_option("-f,--file", eargs->file, "Read the JSON from FILE (default: standard input)");
    enc->add_option("--framing", eargs->framing,
                    "bare: the message; peap: PEAP Vendor-Specific TLV (SoH TLV, or SoH-Response "
                    "TLV for an SoHR); eap: SoH EAP method, header-less unless --eap-id (an SoHR "
                    "goes in an EAP-TLV Result(success) packet); radius-bare / radius-peap: "
                    "MS-Quarantine-SoH VSAs with the value bare or in the FreeRADIUS wrapper; "
                    "dhcp: option 43 with sub-option 220")
        ->check(CLI::IsMember({"bare", "peap", "eap", "radius-bare", "radius-peap", "dhcp"}))
        ->default_str("bare");
    CLI::Option* eap_id = enc->add_option(
        "--eap-id", eargs->eap_id,
        "With --framing eap: add the 4-byte EAP header with this identifier (code Response for "
        "an SoH, Request for an SoHR)");
    eap_id->check(CLI::Range(0, 255));
    CLI::Option* as_hex =
        enc->add_flag("--hex", eargs->hex, "Write hex text, 16 bytes per line (the default)");
    enc->add_flag("--binary", eargs->binary, "Write the raw bytes")->excludes(as_hex);
    enc->add_option("-o,--output", eargs->output, "Write to FILE (default: standard output)");
    enc->callback([eargs, eap_id, &exit_code] {
        if (eap_id->count() > 0 && eargs->framing != "eap") {
            std::cerr << "napctl: --eap-id needs --framing eap\n";
            exit_code = kExitUsage;
            return;
        }
        exit_code = run_encode(*eargs);
    });
}

}  // namespace napctl
