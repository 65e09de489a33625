import Foundation
import XMLTestSupport

/// An axis-aligned box in figure coordinates (SVG user units, y pointing down).
struct Box: CustomStringConvertible {
    var minX: Double
    var minY: Double
    var maxX: Double
    var maxY: Double

    init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        (self.minX, self.minY, self.maxX, self.maxY) = (minX, minY, maxX, maxY)
    }

    init(x: Double, y: Double, width: Double, height: Double) {
        self.init(minX: x, minY: y, maxX: x + width, maxY: y + height)
    }

    var width: Double { maxX - minX }
    var height: Double { maxY - minY }

    /// Whether `other` lies inside this box; `slack` allows for coordinates rounded to two decimals.
    func contains(_ other: Box, slack: Double = 0.01) -> Bool {
        other.minX >= minX - slack && other.maxX <= maxX + slack && other.minY >= minY - slack && other.maxY <= maxY + slack
    }

    /// Whether the two boxes share an area (touching edges do not count).
    func overlaps(_ other: Box, slack: Double = 0.01) -> Bool {
        minX < other.maxX - slack && other.minX < maxX - slack && minY < other.maxY - slack && other.minY < maxY - slack
    }

    var description: String {
        "(\(minX), \(minY))–(\(maxX), \(maxY))"
    }
}

/// A `<text>` element with the box its glyphs are expected to cover.
///
/// Widths are estimated as SVGPlot sizes its margins: 0.6 em per character, a little more than the average
/// glyph of a sans-serif font (digits are 0.556 em in Helvetica and Arial). Glyphs reach 0.8 em above the
/// baseline and 0.2 em below it. Text anchors and `rotate(-90 x y)` transforms are taken into account.
struct RenderedText: CustomStringConvertible {
    let text: String
    /// The element's own class, if any, then the classes of its enclosing elements, innermost first.
    let classes: [String]
    let box: Box

    var description: String { "\"\(text)\" \(classes.first ?? "") at \(box)" }

    struct UnsupportedError: Error, CustomStringConvertible {
        let description: String
    }

    init(_ element: XMLInspector.Element, in xml: XMLInspector) throws {
        guard let x = element.attributes["x"].flatMap(Double.init), let y = element.attributes["y"].flatMap(Double.init),
              let fontSize = xml.inherited("font-size", of: element).flatMap(Double.init)
        else { throw UnsupportedError(description: "text without x, y or font-size: \(element)") }
        let width = Double(element.text.count) * fontSize * 0.6
        let along: (start: Double, end: Double)
        switch xml.inherited("text-anchor", of: element) ?? "start" {
        case "start": along = (0, width)
        case "middle": along = (-width / 2, width / 2)
        case "end": along = (-width, 0)
        case let anchor: throw UnsupportedError(description: "text-anchor \(anchor)")
        }
        let across = (top: -0.8 * fontSize, bottom: 0.2 * fontSize)
        switch element.attributes["transform"] {
        case nil:
            box = Box(minX: x + along.start, minY: y + across.top, maxX: x + along.end, maxY: y + across.bottom)
        case "rotate(-90 \(element.attributes["x"]!) \(element.attributes["y"]!))":
            // Turned a quarter anticlockwise about the anchor: the text runs upwards, its top faces left.
            box = Box(minX: x + across.top, minY: y - along.end, maxX: x + across.bottom, maxY: y - along.start)
        case let transform?:
            throw UnsupportedError(description: "transform \(transform)")
        }
        text = element.text
        classes = (element.attributes["class"].map { [$0] } ?? []) + element.ancestorClasses.reversed()
    }
}

/// One `<g class="panel">` of a rendered figure, read back from its SVG: the axes frame, the ticks with
/// their labels, and every text, so layout can be checked without SVGPlot's internals.
struct RenderedPanel {
    struct Tick {
        let label: String
        /// The label read as a number.
        let value: Double
        /// Figure x (for x ticks) or y (for y ticks) coordinate of the tick mark.
        let position: Double
    }

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    /// The `<rect class="frame">` around the axes.
    let frame: Box
    let xTicks: [Tick]
    let yTicks: [Tick]
    /// All texts of the panel, colour bar and legend included, in document order.
    let texts: [RenderedText]
    /// The outline of the colour bar, if the panel has one.
    let colorBar: Box?

    /// The panels of `xml`, in document order.
    static func all(in xml: XMLInspector) throws -> [RenderedPanel] {
        try xml.indices("g", class: "panel").map { try RenderedPanel(xml: xml, panel: $0) }
    }

    private init(xml: XMLInspector, panel: Int) throws {
        let contents = xml.descendants(of: panel)
        let frames = contents.filter { $0.name == "rect" && $0.attributes["class"] == "frame" }
        guard frames.count == 1 else { throw FormatError(description: "\(frames.count) frames in a panel") }
        frame = try Self.box(frames[0])

        // Tick marks: "M x y v length" below the x axis, "M x y h -length" left of the y axis.
        let marks = contents.first { $0.name == "path" && $0.attributes["class"] == "ticks" }?.attributes["d"] ?? ""
        var xMarks: [Double] = []
        var yMarks: [Double] = []
        for subpath in marks.split(separator: "M") {
            let scanner = Scanner(string: String(subpath))
            guard let x = scanner.scanDouble(), let y = scanner.scanDouble() else {
                throw FormatError(description: "tick path \(marks)")
            }
            switch scanner.scanCharacter() {
            case "v": xMarks.append(x)
            case "h": yMarks.append(y)
            default: throw FormatError(description: "tick path \(marks)")
            }
        }
        func labels(anchor: String) -> [XMLInspector.Element] {
            contents.filter { text in
                text.name == "text" && text.ancestorClasses.last == "tick-labels" && xml.inherited("text-anchor", of: text) == anchor
            }
        }
        func ticks(_ labels: [XMLInspector.Element], _ marks: [Double]) throws -> [Tick] {
            guard labels.count == marks.count else {
                throw FormatError(description: "\(marks.count) tick marks but \(labels.count) labels")
            }
            return try zip(labels, marks).map { label, position in
                guard let value = Double(label.text) else { throw FormatError(description: "tick label \(label.text)") }
                return Tick(label: label.text, value: value, position: position)
            }
        }
        let xLabels = labels(anchor: "middle")
        for (label, mark) in zip(xLabels, xMarks) where label.attributes["x"].flatMap(Double.init) != mark {
            throw FormatError(description: "x tick label \(label.text) is not centred on its tick at \(mark)")
        }
        xTicks = try ticks(xLabels, xMarks)
        yTicks = try ticks(labels(anchor: "end"), yMarks)

        texts = try contents.filter { $0.name == "text" }.map { try RenderedText($0, in: xml) }
        colorBar = try contents.first { $0.name == "rect" && $0.ancestorClasses.last == "colorbar" }.map(Self.box)
    }

    private static func box(_ rect: XMLInspector.Element) throws -> Box {
        let values = ["x", "y", "width", "height"].compactMap { rect.attributes[$0].flatMap(Double.init) }
        guard values.count == 4 else { throw FormatError(description: "rect \(rect.attributes)") }
        return Box(x: values[0], y: values[1], width: values[2], height: values[3])
    }

    /// The data x range shown, from where the first and last x ticks sit in the frame.
    var xRange: ClosedRange<Double> {
        get throws {
            guard let first = xTicks.first, let last = xTicks.last, last.value != first.value else {
                throw FormatError(description: "need two x ticks to tell the range")
            }
            let perUnit = (last.position - first.position) / (last.value - first.value)
            return (first.value - (first.position - frame.minX) / perUnit)...(first.value + (frame.maxX - first.position) / perUnit)
        }
    }

    /// The data y range shown, from where the first and last y ticks sit in the frame (data y grows upwards).
    var yRange: ClosedRange<Double> {
        get throws {
            guard let first = yTicks.first, let last = yTicks.last, last.value != first.value else {
                throw FormatError(description: "need two y ticks to tell the range")
            }
            let perUnit = (first.position - last.position) / (last.value - first.value)
            return (first.value - (frame.maxY - first.position) / perUnit)...(first.value + (first.position - frame.minY) / perUnit)
        }
    }
}
