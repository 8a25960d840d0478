#include "opennap/soh/error.h"

#include <string>

namespace opennap::soh {

std::string_view to_string(Errc e) noexcept {
    switch (e) {
        case Errc::Truncated:
            return "truncated";
        case Errc::LengthOverrun:
            return "length overrun";
        case Errc::BadType:
            return "bad type";
        case Errc::BadVendor:
            return "bad vendor";
        case Errc::BadLength:
            return "bad length";
        case Errc::BadValue:
            return "bad value";
        case Errc::UnknownInnerType:
            return "unknown inner type";
        case Errc::ContentTypeNotSoh:
            return "content type not SoH";
        case Errc::MissingField:
            return "missing field";
        case Errc::LimitExceeded:
            return "limit exceeded";
        case Errc::TrailingBytes:
            return "trailing bytes";
        case Errc::WrongDirection:
            return "wrong direction";
        case Errc::NotRecognised:
            return "not recognised";
    }
    return "unknown error";
}

std::string_view to_string(Field f) noexcept {
    switch (f) {
        case Field::Message:
            return "message";
        case Field::OuterHeader:
            return "SoH outer header";
        case Field::InnerHeader:
            return "SoH inner header";
        case Field::ModeSubHeader:
            return "SoH mode sub-header";
        case Field::Tlv:
            return "TLV";
        case Field::SystemSoh:
            return "SSoH";
        case Field::MsAttribute:
            return "MS attribute";
        case Field::ReportEntry:
            return "SoHReportEntry";
        case Field::AttributeValue:
            return "attribute value";
        case Field::WshaEntry:
            return "WSHA entry";
        case Field::PeapTlv:
            return "PEAP TLV";
        case Field::EapHeader:
            return "EAP header";
        case Field::RadiusAttribute:
            return "RADIUS attribute";
        case Field::DhcpOption:
            return "DHCP option";
        case Field::LinuxEntry:
            return "Linux SHA entry";
    }
    return "field";
}

namespace {

std::string where(const DecodeError& e) {
    std::string s;
    if (e.entry == 0) {
        s = "SSoH: ";
    } else if (e.entry > 0) {
        s = "SoHReportEntry " + std::to_string(e.entry) + ": ";
    }
    switch (e.field) {
        case Field::Tlv:
        case Field::AttributeValue:
            s += "TLV " + std::to_string(e.type);
            break;
        case Field::MsAttribute:
            s += "MS attribute " + std::to_string(e.type);
            break;
        case Field::PeapTlv:
            s += "PEAP TLV " + std::to_string(e.type);
            break;
        case Field::RadiusAttribute:
            s += "RADIUS attribute " + std::to_string(e.type);
            break;
        case Field::DhcpOption:
            s += "DHCP option " + std::to_string(e.type);
            break;
        case Field::LinuxEntry:
            s += "Linux SHA entry";
            if (e.type != 0)
                s += " type " + std::to_string(e.type);
            break;
        case Field::WshaEntry:
            s += "WSHA entry";
            if (e.type != 0)
                s += " TLV " + std::to_string(e.type);
            break;
        default:
            s += std::string(to_string(e.field));
            break;
    }
    return s;
}

std::string container(const DecodeError& e) {
    if (e.entry == 0)
        return "the SSoH end";
    if (e.entry > 0)
        return "the entry end";
    switch (e.field) {
        case Field::MsAttribute:
            return "the MS attribute block end";
        case Field::AttributeValue:
            return "the value end";
        default:
            return "the end of its container";
    }
}

}  // namespace

std::string DecodeError::message() const {
    const std::string at = " at offset " + std::to_string(offset);
    const std::string w = where(*this);
    switch (code) {
        case Errc::Truncated:
            return w + ": truncated, need " + std::to_string(value) + " bytes but only " +
                   std::to_string(limit) + " remain" + at;
        case Errc::LengthOverrun:
            return w + " length " + std::to_string(value) + " runs past " + container(*this) + at +
                   " (" + std::to_string(limit) + " bytes available)";
        case Errc::BadType:
            return w + ": unexpected type " + std::to_string(value) + at;
        case Errc::BadVendor:
            return w + ": unexpected vendor id " + std::to_string(value) + at;
        case Errc::BadLength:
            return w + ": length " + std::to_string(value) + " is not valid here" + at;
        case Errc::BadValue:
            return w + ": value " + std::to_string(value) + " is not valid" + at;
        case Errc::UnknownInnerType:
            return w + ": unknown inner type " + std::to_string(value) + at + " (message ignored)";
        case Errc::ContentTypeNotSoh:
            return w + ": content type " + std::to_string(value) + " is not 0" + at +
                   " (message ignored)";
        case Errc::MissingField:
            return w + ": required field missing" + at;
        case Errc::LimitExceeded:
            return w + ": " + std::to_string(value) + " exceeds the limit of " +
                   std::to_string(limit) + at;
        case Errc::TrailingBytes:
            return w + ": " + std::to_string(value) + " unexpected trailing bytes" + at;
        case Errc::WrongDirection:
            return w + ": wrong message direction" + at;
        case Errc::NotRecognised:
            return w + ": format not recognised" + at;
    }
    return w + ": error" + at;
}

}  // namespace opennap::soh
