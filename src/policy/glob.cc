// Machine-name patterns (include/opennap/policy/glob.h).
#include "opennap/policy/glob.h"

namespace opennap::policy {

namespace {

constexpr char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

Glob::Glob(std::string_view pattern) : pattern_(pattern) {
    for (char& c : pattern_) {
        c = lower(c);
    }
}

bool Glob::match(std::string_view name) const noexcept {
    // Iterative matching: on a mismatch, go back to the last `*` and let it swallow one more
    // character. Each `*` only ever moves forward, so this is O(pattern × name).
    const std::string_view p = pattern_;
    std::size_t pi = 0;
    std::size_t ni = 0;
    std::size_t star = std::string_view::npos;
    std::size_t star_ni = 0;
    while (ni < name.size()) {
        if (pi < p.size() && (p[pi] == '?' || p[pi] == lower(name[ni])) && p[pi] != '*') {
            ++pi;
            ++ni;
        } else if (pi < p.size() && p[pi] == '*') {
            star = pi++;
            star_ni = ni;
        } else if (star != std::string_view::npos) {
            pi = star + 1;
            ni = ++star_ni;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') {
        ++pi;
    }
    return pi == p.size();
}

}  // namespace opennap::policy
