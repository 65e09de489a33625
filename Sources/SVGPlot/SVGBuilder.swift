/// Accumulates SVG markup one element per line, escaping every attribute value and text.
struct SVGBuilder {
    private(set) var markup = ""

    /// Appends an empty element, or one holding `text`.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, any SVGAttributeValue>, text: String? = nil) {
        markup += "<" + name
        append(attributes)
        if let text {
            markup += ">" + escapeXML(text) + "</" + name + ">\n"
        } else {
            markup += "/>\n"
        }
    }

    /// Opens a container element; balance it with ``close(_:)``.
    mutating func open(_ name: String, _ attributes: KeyValuePairs<String, any SVGAttributeValue>) {
        markup += "<" + name
        append(attributes)
        markup += ">\n"
    }

    mutating func close(_ name: String) {
        markup += "</" + name + ">\n"
    }

    private mutating func append(_ attributes: KeyValuePairs<String, any SVGAttributeValue>) {
        for (key, value) in attributes {
            markup += " " + key + "=\"" + escapeXML(value.svgText) + "\""
        }
    }
}

/// A value written as an SVG attribute: numbers are rounded to two decimals to keep files small.
protocol SVGAttributeValue {
    var svgText: String { get }
}

extension String: SVGAttributeValue {
    var svgText: String { self }
}

extension Int: SVGAttributeValue {
    var svgText: String { String(self) }
}

extension Double: SVGAttributeValue {
    var svgText: String { svgNumber(self) }
}

/// `value` rounded to two decimals without trailing zeros ("12", "12.5", "-0.25").
/// Non-finite values become "0"; magnitudes are capped at 1e9 so coordinates of far off-plot points stay short.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let hundredths = Int((min(max(value, -1e9), 1e9) * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let magnitude = abs(hundredths)
    let whole = String(magnitude / 100)
    let fraction = magnitude % 100
    if fraction == 0 { return sign + whole }
    if fraction % 10 == 0 { return sign + whole + "." + String(fraction / 10) }
    return sign + whole + (fraction < 10 ? ".0" : ".") + String(fraction)
}

/// `value` rounded the way ``svgNumber(_:)`` writes it, so widths computed from rounded edges tile exactly.
func svgRounded(_ value: Double) -> Double {
    (value * 100).rounded() / 100
}

/// Escapes the XML special characters and drops control characters that XML 1.0 forbids.
func escapeXML(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&apos;"
        case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
        default:
            if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                escaped.unicodeScalars.append(scalar)
            }
        }
    }
    return escaped
}
