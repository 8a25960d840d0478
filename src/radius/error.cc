#include "opennap/radius/error.h"

#include <string>

namespace opennap::radius {

std::string_view to_string(Errc e) noexcept {
    switch (e) {
        case Errc::Truncated:
            return "truncated";
        case Errc::BadLength:
            return "bad length";
        case Errc::LengthOverrun:
            return "length overrun";
        case Errc::TooLong:
            return "too long";
        case Errc::BadCode:
            return "bad code";
        case Errc::WrongCode:
            return "wrong code";
        case Errc::BadType:
            return "bad type";
        case Errc::BadVendor:
            return "bad vendor";
        case Errc::BadValue:
            return "bad value";
        case Errc::Duplicate:
            return "duplicate";
        case Errc::Missing:
            return "missing";
        case Errc::BadSecret:
            return "bad secret";
        case Errc::Crypto:
            return "crypto failure";
        case Errc::Soh:
            return "SoH codec error";
    }
    return "unknown error";
}

std::string_view to_string(Field f) noexcept {
    switch (f) {
        case Field::Packet:
            return "packet";
        case Field::Code:
            return "code";
        case Field::Length:
            return "length";
        case Field::Authenticator:
            return "authenticator";
        case Field::Attribute:
            return "attribute";
        case Field::Value:
            return "value";
        case Field::VendorSpecific:
            return "vendor-specific";
        case Field::SubAttribute:
            return "sub-attribute";
        case Field::Secret:
            return "secret";
    }
    return "field";
}

namespace {

using std::to_string;

// "attribute 3 (type 26, vendor 311) sub-attribute 2 (vendor type 55)", "packet Length", ...
std::string where(const Error& e) {
    if (e.attribute != 0) {
        std::string s = "attribute " + to_string(e.attribute) + " (type " + to_string(e.type);
        if (e.field == Field::SubAttribute || e.vendor != 0) {
            s += ", vendor " + to_string(e.vendor);
        }
        s += ")";
        if (e.sub_attribute != 0) {
            s += " sub-attribute " + to_string(e.sub_attribute) + " (vendor type " +
                 to_string(e.vendor_type) + ")";
        }
        return s;
    }
    switch (e.field) {
        case Field::Code:
            return "packet code";
        case Field::Length:
            return "packet Length";
        case Field::Authenticator:
            return "packet Authenticator";
        case Field::Secret:
            return "shared secret";
        default:
            break;
    }
    if (e.type != 0) {
        std::string s = "attribute type " + to_string(e.type);
        if (e.vendor != 0) {
            s += " vendor " + to_string(e.vendor) + " vendor type " + to_string(e.vendor_type);
        }
        return s;
    }
    return "packet";
}

}  // namespace

std::string Error::message() const {
    const std::string w = where(*this);
    const std::string at = " at offset " + to_string(offset);
    const std::string v = to_string(value);
    const std::string l = to_string(limit);
    switch (code) {
        case Errc::Truncated:
            if (field == Field::Packet) {
                return "packet of " + v + " octets is shorter than the " + l + "-octet header";
            }
            if (field == Field::Length) {
                return w + " " + v + at + " exceeds the " + l + "-octet datagram";
            }
            return w + at + " is truncated: " + v + " octets left where " + l + " are needed";
        case Errc::BadLength:
            if (value < limit) {
                return w + " length " + v + at + " is below " + l;
            }
            return w + " length " + v + at + " is not valid here (expected " + l + ")";
        case Errc::LengthOverrun:
            return w + " length " + v + at + " runs past the end of its container (" + l +
                   " octets left)";
        case Errc::TooLong:
            return w + " length " + v + at + " is above the maximum of " + l;
        case Errc::BadCode:
            return w + " " + v + at + " is not a known RADIUS code";
        case Errc::WrongCode:
            return w + " " + v + at + " is not allowed here" +
                   (limit == 0 ? std::string() : " (in answer to code " + l + ")");
        case Errc::BadType:
            return w + at + ": type " + v + " is not allowed here";
        case Errc::BadVendor:
            return w + at + ": vendor " + v + " where vendor " + l + " was expected";
        case Errc::BadValue:
            return w + " value " + v + at + " is not valid";
        case Errc::Duplicate:
            return w + at + " repeats an attribute allowed once";
        case Errc::Missing:
            return w + " is required but missing";
        case Errc::BadSecret:
            return "the shared secret is empty";
        case Errc::Crypto:
            return "OpenSSL MD5 / HMAC-MD5 is unavailable or failed";
        case Errc::Soh:
            return w + at + ": " + (soh ? soh->message() : std::string("SoH codec error"));
    }
    return w + at + ": error";
}

}  // namespace opennap::radius
