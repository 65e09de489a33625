import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The elements of a parsed XML document (an SVG file, the report page), so tests can count and
/// inspect what spikeloc writes. Shared by the test targets.
public final class XMLInspector: NSObject, XMLParserDelegate {
    public struct Element {
        public let name: String
        public let attributes: [String: String]
        /// Names of the enclosing elements, outermost first.
        public let ancestorNames: [String]
        /// Classes of the enclosing elements, innermost last.
        public let ancestorClasses: [String]
        /// Positions in ``XMLInspector/elements`` of the enclosing elements, innermost last.
        public let ancestors: [Int]
        public internal(set) var text = ""
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public private(set) var elements: [Element] = []
    private var open: [Int] = []

    /// Parses `xml` (called `name` in error messages), throwing when it is not well-formed.
    public static func parse(_ xml: String, name: String = "document") throws -> XMLInspector {
        let inspector = XMLInspector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = inspector
        guard parser.parse() else {
            throw ParseError(description: "\(name) is not well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "unknown error") at line \(parser.lineNumber)")
        }
        return inspector
    }

    /// Elements called `name`, optionally only those whose `class` attribute is `className`.
    public func elements(_ name: String, class className: String? = nil) -> [Element] {
        elements.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
    }

    public func count(_ name: String, class className: String? = nil) -> Int {
        elements(name, class: className).count
    }

    public var root: Element? { elements.first }

    /// The elements inside `ancestor` (at any depth), in document order.
    public func descendants(of ancestor: Int) -> [Element] {
        elements.filter { $0.ancestors.contains(ancestor) }
    }

    /// Positions in ``elements`` of the elements called `name`, optionally only those of class `className`.
    public func indices(_ name: String, class className: String? = nil) -> [Int] {
        elements.indices.filter { elements[$0].name == name && (className == nil || elements[$0].attributes["class"] == className) }
    }

    /// `attribute` of `element`, or else of its nearest enclosing element that sets it, as SVG inherits
    /// presentation attributes such as `font-size` and `text-anchor`.
    public func inherited(_ attribute: String, of element: Element) -> String? {
        element.attributes[attribute] ?? element.ancestors.reversed().lazy.compactMap { self.elements[$0].attributes[attribute] }.first
    }

    public func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let ancestorClasses = open.compactMap { elements[$0].attributes["class"] }
        elements.append(Element(name: elementName, attributes: attributeDict, ancestorNames: open.map { elements[$0].name },
                                ancestorClasses: ancestorClasses, ancestors: open))
        open.append(elements.count - 1)
    }

    public func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        open.removeLast()
    }

    public func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }
}
