import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of a well-formed XML document (an SVG file or the report page), for counting marks.
final class ParsedXML: NSObject, XMLParserDelegate {
    struct Element {
        let name: String
        let attributes: [String: String]
        /// Names of the enclosing elements, outermost first.
        let ancestors: [String]
        var text = ""

        var className: String? { attributes["class"] }
    }

    struct NotWellFormed: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []

    /// Parses `text` with FoundationXML's `XMLParser`, throwing when it is not well-formed.
    static func parse(_ text: String, name: String) throws -> ParsedXML {
        let document = ParsedXML()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = document
        guard parser.parse() else {
            throw NotWellFormed(description: "\(name) is not well-formed XML at line \(parser.lineNumber): "
                + (parser.parserError.map { "\($0)" } ?? "unknown error"))
        }
        return document
    }

    /// Elements called `name`, optionally only those of class `className`.
    func elements(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (className == nil || $0.className == className) }
    }

    func count(_ name: String, class className: String? = nil) -> Int {
        elements(name, class: className).count
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(Element(name: elementName, attributes: attributeDict, ancestors: open.map { elements[$0].name }))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}
