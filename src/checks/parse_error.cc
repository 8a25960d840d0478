#include "opennap/checks/parse_error.h"

namespace opennap::checks {

std::string ParseError::to_string() const {
    std::string s;
    if (line != 0) {
        s = "line " + std::to_string(line) + " (offset " + std::to_string(offset) + ")";
    } else {
        s = "offset " + std::to_string(offset);
    }
    if (!field.empty()) {
        s += ": " + field;
    }
    return s + ": " + message;
}

}  // namespace opennap::checks
