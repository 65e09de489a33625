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
        /// Positions in ``XMLInspector/elements`` of the enclosing elements, innermost last.
        let ancestors: [Int]
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

    /// The elements inside `ancestor` (at any depth), in document order.
    func descendants(of ancestor: Int) -> [Element] {
        elements.filter { $0.ancestors.contains(ancestor) }
    }

    /// Positions in ``elements`` of the elements called `name`, optionally only those of class `className`.
    func indices(_ name: String, class className: String? = nil) -> [Int] {
        elements.indices.filter { elements[$0].name == name && (className == nil || elements[$0].attributes["class"] == className) }
    }

    /// `attribute` of `element`, or else of its nearest enclosing element that sets it, as SVG inherits
    /// presentation attributes such as `font-size` and `text-anchor`.
    func inherited(_ attribute: String, of element: Element) -> String? {
        element.attributes[attribute] ?? element.ancestors.reversed().lazy.compactMap { self.elements[$0].attributes[attribute] }.first
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let ancestorClasses = open.compactMap { elements[$0].attributes["class"] }
        elements.append(Element(name: elementName, attributes: attributeDict, ancestorClasses: ancestorClasses, ancestors: open))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}
