// A machine-name pattern for network policies: `*` matches any run of characters (including
// none), `?` exactly one character, every other character itself. Matching ignores ASCII case
// (machine names are DNS / NetBIOS names). No character classes, no escapes: machine names
// cannot contain `*` or `?`.
//
// The pattern is lower-cased once when it is built; match() allocates nothing and runs in
// O(pattern × name) at worst (the usual single-star backtracking, no recursion).
#pragma once

#include <string>
#include <string_view>

namespace opennap::policy {

class Glob {
  public:
    Glob() = default;
    explicit Glob(std::string_view pattern);

    [[nodiscard]] bool match(std::string_view name) const noexcept;
    // The pattern as written (lower-cased).
    [[nodiscard]] const std::string& pattern() const noexcept { return pattern_; }

    friend bool operator==(const Glob&, const Glob&) = default;

  private:
    std::string pattern_;
};

}  // namespace opennap::policy
