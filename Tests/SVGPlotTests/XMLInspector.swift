import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of a parsed XML document, so tests can count what an SVG contains.
final class XMLInspector: NSObject, XMLParserDelegate {
    struct Element {
        let name: String
        let attributes: [String: String]
        /// Classes of the enclosing elements, innermost last.
        let ancestorClasses: [String]
        var text = ""
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var elements: [Element] = []
    private var open: [Int] = []

    /// Parses `xml`, throwing when it is not well-formed.
    static func parse(_ xml: String) throws -> XMLInspector {
        let inspector = XMLInspector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = inspector
        guard parser.parse() else {
            throw ParseError(description: "not well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "unknown error") at line \(parser.lineNumber)")
        }
        return inspector
    }

    /// Elements called `name`, optionally only those whose `class` attribute is `className`.
    func elements(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
    }

    func count(_ name: String, class className: String? = nil) -> Int {
        elements(name, class: className).count
    }

    var root: Element? { elements.first }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let ancestors = open.compactMap { elements[$0].attributes["class"] }
        open.append(elements.count)
        elements.append(Element(name: elementName, attributes: attributeDict, ancestorClasses: ancestors))
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}
