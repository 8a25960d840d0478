#include "opennap/checks/firewall.h"

#include <nftables/libnftables.h>

#include <cerrno>
#include <memory>
#include <nlohmann/json.hpp>

#include "iptables_legacy.h"

namespace opennap::checks {

namespace {

using nlohmann::json;

std::unexpected<ParseError> structure(std::string field, std::string msg) {
    return std::unexpected(ParseError{0, 0, std::move(field), std::move(msg)});
}

// Statements a catch-all rule may carry before its verdict.
bool is_passive_statement(const std::string& key) {
    return key == "counter" || key == "log" || key == "comment";
}

// "drop" / "reject" as the verdict of a rule whose other expressions are all passive.
bool catch_all_drop(const json& expr) {
    if (!expr.is_array() || expr.empty()) {
        return false;
    }
    for (std::size_t i = 0; i < expr.size(); ++i) {
        const json& e = expr[i];
        if (!e.is_object() || e.size() != 1) {
            return false;
        }
        const std::string key = e.begin().key();
        const bool last = i + 1 == expr.size();
        if (last) {
            return key == "drop" || key == "reject";
        }
        if (!is_passive_statement(key)) {
            return false;
        }
    }
    return false;
}

}  // namespace

namespace {

std::expected<std::vector<InputChain>, ParseError> evaluate(const json& doc);

}  // namespace

std::expected<std::vector<InputChain>, ParseError> evaluate_nft_ruleset(std::string_view text) {
    // nlohmann-json reports by exceptions; none leaves this function.
    try {
        return evaluate(json::parse(text));
    } catch (const json::parse_error& e) {
        return std::unexpected(ParseError{e.byte > 0 ? e.byte - 1 : 0, 0, "json", e.what()});
    } catch (const json::exception& e) {
        // e.g. out_of_range 406: a number that overflows a double ("7e777").
        return std::unexpected(ParseError{0, 0, "json", e.what()});
    }
}

namespace {

std::expected<std::vector<InputChain>, ParseError> evaluate(const json& doc) {
    if (!doc.is_object() || !doc.contains("nftables") || !doc["nftables"].is_array()) {
        return structure("nftables", "the document is not {\"nftables\": [...]}");
    }
    std::vector<InputChain> chains;
    // Rules come after their chain in `list ruleset`; index base chains by family/table/name.
    std::vector<const json*> rules;
    std::size_t index = 0;
    for (const json& item : doc["nftables"]) {
        const std::string where = "nftables[" + std::to_string(index++) + "]";
        if (!item.is_object()) {
            return structure(where, "not an object");
        }
        if (item.contains("chain")) {
            const json& c = item["chain"];
            if (!c.is_object()) {
                return structure(where + ".chain", "not an object");
            }
            if (!c.contains("hook")) {
                continue;  // a regular chain
            }
            for (const char* k : {"family", "table", "name", "hook"}) {
                if (!c.contains(k) || !c[k].is_string()) {
                    return structure(where + ".chain." + k, "missing or not a string");
                }
            }
            if (c.contains("policy") && !c["policy"].is_string()) {
                return structure(where + ".chain.policy", "not a string");
            }
            if (c.contains("type") && !c["type"].is_string()) {
                return structure(where + ".chain.type", "not a string");
            }
            if (c.contains("prio") && !c["prio"].is_number_integer()) {
                return structure(where + ".chain.prio", "not an integer");
            }
            const std::string family = c["family"].get<std::string>();
            if (c["hook"].get<std::string>() != "input" ||
                (family != "ip" && family != "ip6" && family != "inet") ||
                c.value("type", std::string("filter")) != "filter") {
                continue;
            }
            InputChain ic;
            ic.source = "nftables";
            ic.family = family;
            ic.table = c["table"].get<std::string>();
            ic.name = c["name"].get<std::string>();
            ic.policy = c.value("policy", std::string("accept"));
            ic.priority = c.value("prio", std::int64_t{0});
            chains.push_back(std::move(ic));
        } else if (item.contains("rule")) {
            const json& r = item["rule"];
            if (!r.is_object()) {
                return structure(where + ".rule", "not an object");
            }
            for (const char* k : {"family", "table", "chain"}) {
                if (!r.contains(k) || !r[k].is_string()) {
                    return structure(where + ".rule." + k, "missing or not a string");
                }
            }
            rules.push_back(&r);
        }
    }
    for (auto& ic : chains) {
        const json* last = nullptr;
        for (const json* r : rules) {
            if ((*r)["family"].get<std::string>() == ic.family &&
                (*r)["table"].get<std::string>() == ic.table &&
                (*r)["chain"].get<std::string>() == ic.name) {
                ++ic.rules;
                last = r;
            }
        }
        if (last != nullptr && last->contains("expr")) {
            ic.catch_all_drop = catch_all_drop((*last)["expr"]);
        }
    }
    return chains;
}

}  // namespace

Result<std::string> list_nft_ruleset() {
    struct CtxFree {
        void operator()(nft_ctx* c) const noexcept { nft_ctx_free(c); }
    };
    std::unique_ptr<nft_ctx, CtxFree> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx) {
        return fail(plain_error("libnftables: nft_ctx_new failed", hr::E_OUTOFMEMORY));
    }
    nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON);
    if (nft_ctx_buffer_output(ctx.get()) != 0 || nft_ctx_buffer_error(ctx.get()) != 0) {
        return fail(plain_error("libnftables: cannot buffer output"));
    }
    errno = 0;
    const int rc = nft_run_cmd_from_buffer(ctx.get(), "list ruleset");
    const int saved = errno;
    if (rc != 0) {
        std::string msg = "libnftables: list ruleset failed";
        const char* err = nft_ctx_get_error_buffer(ctx.get());
        if (err != nullptr && *err != '\0') {
            std::string e(err);
            while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) {
                e.pop_back();
            }
            msg += ": " + e;
        }
        return fail(errno_error(std::move(msg), saved != 0 ? saved : EPERM));
    }
    const char* out = nft_ctx_get_output_buffer(ctx.get());
    std::string s(out != nullptr ? out : "");
    if (s.find_first_not_of(" \n") == std::string::npos) {
        s = R"({"nftables": []})";  // an empty ruleset prints nothing on some versions
    }
    return s;
}

Result<std::optional<InputChain>> read_iptables_legacy_input(const SystemRoot& root, bool ipv6) {
    auto names = root.read(ipv6 ? "/proc/thread-self/net/ip6_tables_names"
                                : "/proc/thread-self/net/ip_tables_names");
    if (!names) {
        if (names.error().errno_value == ENOENT) {
            return std::optional<InputChain>{};  // no legacy iptables in this kernel
        }
        return fail(names.error());
    }
    bool filter = false;
    std::size_t pos = 0;
    while (pos < names->size()) {
        std::size_t nl = names->find('\n', pos);
        if (nl == std::string::npos) {
            nl = names->size();
        }
        if (std::string_view(*names).substr(pos, nl - pos) == "filter") {
            filter = true;
        }
        pos = nl + 1;
    }
    if (!filter) {
        return std::optional<InputChain>{};
    }
    auto chain = ipv6 ? detail::read_ip6tables_input() : detail::read_ip4tables_input();
    if (!chain) {
        return fail(chain.error());
    }
    return std::optional<InputChain>{std::move(*chain)};
}

Measurement<FirewallDetails> check_firewall(const SystemRoot& root, ServiceProbe& services,
                                            const FirewallOptions& opt) {
    FirewallDetails d;
    if (opt.nftables) {
        auto text = list_nft_ruleset();
        if (!text) {
            return make_error(text.error(), std::move(d));
        }
        auto chains = evaluate_nft_ruleset(*text);
        if (!chains) {
            return make_error(plain_error("nftables JSON: " + chains.error().to_string()),
                              std::move(d));
        }
        d.input_chains = std::move(*chains);
    }
    if (opt.iptables_legacy) {
        for (bool v6 : {false, true}) {
            auto c = read_iptables_legacy_input(root, v6);
            if (!c) {
                return make_error(c.error(), std::move(d));
            }
            if (*c) {
                d.iptables_legacy = true;
                d.input_chains.push_back(std::move(**c));
            }
        }
    }
    for (const auto& c : d.input_chains) {
        if (c.protects()) {
            d.ipv4_protected = d.ipv4_protected || c.covers_ipv4();
            d.ipv6_protected = d.ipv6_protected || c.covers_ipv6();
        }
    }
    auto dis = root.read_value("/proc/sys/net/ipv6/conf/all/disable_ipv6");
    d.ipv6_enabled = dis ? *dis != "1" : false;  // no file: no IPv6 in this kernel

    // Front-ends.
    Frontend ufw{"ufw", false, false};
    if (auto conf = root.read("/etc/ufw/ufw.conf", 64 * 1024)) {
        ufw.installed = true;
        std::size_t pos = 0;
        while (pos < conf->size()) {
            std::size_t nl = conf->find('\n', pos);
            if (nl == std::string::npos) {
                nl = conf->size();
            }
            std::string_view line = std::string_view(*conf).substr(pos, nl - pos);
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
                line.remove_prefix(1);
            }
            if (line.starts_with("ENABLED=")) {
                std::string_view v = line.substr(8);
                while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) {
                    v.remove_suffix(1);
                }
                ufw.enabled = v == "yes" || v == "\"yes\"";
            }
            pos = nl + 1;
        }
    }
    d.frontends.push_back(ufw);
    Frontend firewalld{"firewalld", false, false};
    firewalld.installed = root.exists("/usr/sbin/firewalld") || root.exists("/etc/firewalld");
    if (firewalld.installed) {
        auto st = services.unit("firewalld.service", "firewalld");
        firewalld.enabled = st && st->active();
    }
    d.frontends.push_back(firewalld);

    d.product = d.iptables_legacy && !opt.nftables ? "iptables" : "nftables";
    for (const auto& f : d.frontends) {
        if (f.enabled) {
            d.product = f.name;
            break;
        }
    }
    if (d.ipv4_protected && (d.ipv6_protected || !d.ipv6_enabled)) {
        std::string why = "incoming traffic dropped by default (";
        why += d.ipv6_enabled ? "IPv4 and IPv6)" : "IPv4; IPv6 disabled)";
        return make(Status::Pass, std::move(why), std::move(d));
    }
    std::string why;
    if (d.input_chains.empty()) {
        why = "no input filter chain";
    } else if (!d.ipv4_protected) {
        why = "IPv4 input accepted by default";
    } else {
        why = "IPv6 input accepted by default";
    }
    return make(Status::Fail, std::move(why), std::move(d));
}

}  // namespace opennap::checks
