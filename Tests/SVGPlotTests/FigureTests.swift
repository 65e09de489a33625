import Foundation
import XCTest
import XMLTestSupport
import SVGPlot

final class FigureTests: XCTestCase {
    private func render(_ panels: Panel..., title: String = "") throws -> (svg: String, xml: XMLInspector) {
        let svg = Figure(width: 480, height: 360, rows: 1, columns: panels.count, title: title, panels: panels).svg()
        return (svg, try XMLInspector.parse(svg))
    }

    func testRootIsStandaloneSVG() throws {
        let (_, xml) = try render(Panel(marks: [.line(LineSeries(x: [0, 1], y: [0, 1]))]))
        let root = try XCTUnwrap(xml.root)
        XCTAssertEqual(root.name, "svg")
        XCTAssertEqual(root.attributes["xmlns"], "http://www.w3.org/2000/svg")
        XCTAssertEqual(root.attributes["width"], "480")
        XCTAssertEqual(root.attributes["height"], "360")
        XCTAssertEqual(root.attributes["viewBox"], "0 0 480 360")
        XCTAssertEqual(root.attributes["font-family"], "sans-serif")
    }

    func testHeatMapHasOneCellPerMatrixEntry() throws {
        let values = (0..<3).map { row in (0..<5).map { Double(row * 5 + $0) } }
        for origin in [HeatMap.Origin.lower, .upper] {
            let (_, xml) = try render(Panel(marks: [.heatMap(HeatMap(values: values, xExtent: 0...5, yExtent: 0...3, origin: origin))]))
            XCTAssertEqual(xml.count("rect", class: "cell"), 15)
        }
    }

    func testHeatMapOriginDecidesWhereRowZeroGoes() throws {
        let values = [[0.0], [1.0]]
        for (origin, lowestIsRowZero) in [(HeatMap.Origin.lower, true), (.upper, false)] {
            let (_, xml) = try render(Panel(marks: [.heatMap(HeatMap(values: values, xExtent: 0...1, yExtent: 0...2, origin: origin))]))
            let cells = xml.elements("rect", class: "cell").sorted { Double($0.attributes["y"]!)! > Double($1.attributes["y"]!)! }
            XCTAssertEqual(cells.count, 2)
            // SVG y grows downwards, so the first of these is the lowest cell on screen.
            XCTAssertEqual(cells[0].attributes["fill"], lowestIsRowZero ? "#440154" : "#fde725")
        }
    }

    func testHeatMapCellsTileWithoutGaps() throws {
        let values = (0..<7).map { row in (0..<9).map { Double(row + $0) } }
        let (_, xml) = try render(Panel(marks: [.heatMap(HeatMap(values: values, xExtent: -90...90, yExtent: 0...1))]))
        let cells = xml.elements("rect", class: "cell")
        let xs = Set(cells.map { Double($0.attributes["x"]!)! })
        let rights = Set(cells.map { ((Double($0.attributes["x"]!)! + Double($0.attributes["width"]!)!) * 100).rounded() / 100 })
        XCTAssertEqual(xs.count, 9)
        XCTAssertEqual(rights.subtracting(xs).count, 1, "each cell's right edge is the next cell's left edge")
    }

    func testNonFiniteHeatMapCellsAreLeftEmpty() throws {
        let (_, xml) = try render(Panel(marks: [.heatMap(HeatMap(values: [[1, .nan], [2, 3]], xExtent: 0...2, yExtent: 0...2))]))
        XCTAssertEqual(xml.count("rect", class: "cell"), 3)
    }

    func testHistogramHasOneBarPerBinPerSeries() throws {
        let edges = [0.0, 1, 2, 3, 4, 5, 6, 7]
        let (_, xml) = try render(Panel(marks: [
            .histogram(Histogram(edges: edges, counts: [1, 4, 9, 0, 3, 2, 1], label: "a")),
            .histogram(Histogram(edges: edges, counts: [2, 2, 2, 2, 2, 2, 2], label: "b")),
        ]))
        XCTAssertEqual(xml.count("rect", class: "bar"), 14)
        let groups = xml.elements("g", class: "histogram")
        XCTAssertEqual(groups.count, 2)
        XCTAssertEqual(groups.map { $0.attributes["fill"] }, [Palette.tab10[0], Palette.tab10[1]])
        XCTAssertTrue(groups.allSatisfy { Double($0.attributes["fill-opacity"]!)! < 1 }, "overlaid bars stay see-through")
    }

    func testLegendAppearsIffAMarkHasALabel() throws {
        let unlabelled = try render(Panel(marks: [
            .line(LineSeries(x: [0, 1], y: [0, 1])),
            .reference(ReferenceLine(x: 0.5)),
            .histogram(Histogram(edges: [0, 1], counts: [1])),
        ]))
        XCTAssertEqual(unlabelled.xml.count("g", class: "legend"), 0)

        let labelled = try render(Panel(marks: [
            .line(LineSeries(x: [0, 1], y: [0, 1], label: "train")),
            .reference(ReferenceLine(x: 0.5, label: "best epoch")),
            .histogram(Histogram(edges: [0, 1], counts: [1])),
        ]))
        XCTAssertEqual(labelled.xml.count("g", class: "legend"), 1)
        let legendTexts = labelled.xml.elements("text").filter { $0.ancestorClasses.contains("legend") }.map(\.text)
        XCTAssertEqual(legendTexts, ["train", "best epoch"])
    }

    func testBestLegendCornerAvoidsTheData() throws {
        /// Which halves of the axes the legend box lies in, for a labelled line through `(x, y)`.
        func legendSide(_ x: [Double], _ y: [Double]) throws -> (left: Bool, top: Bool) {
            let (_, xml) = try render(Panel(marks: [.line(LineSeries(x: x, y: y, label: "accuracy"))]))
            let frame = try XCTUnwrap(xml.elements("rect", class: "frame").first?.attributes)
            let box = try XCTUnwrap(xml.elements("rect").first { $0.ancestorClasses.last == "legend" }?.attributes)
            let value = { (attributes: [String: String], key: String) in Double(attributes[key]!)! }
            return (
                value(box, "x") < value(frame, "x") + value(frame, "width") / 2,
                value(box, "y") < value(frame, "y") + value(frame, "height") / 2)
        }
        let falling = try legendSide([0, 1, 2, 3], [3, 2, 1, 0])
        XCTAssertFalse(falling.left)
        XCTAssertTrue(falling.top)
        let rising = try legendSide([0, 1, 2, 3], [0, 1, 2, 3])
        XCTAssertTrue(rising.left)
        XCTAssertTrue(rising.top)
        // Along the top, then straight down the right edge: only the lower left corner is free.
        let highThenDrop = try legendSide([0, 3, 3], [3, 3, 0])
        XCTAssertTrue(highThenDrop.left)
        XCTAssertFalse(highThenDrop.top)
    }

    func testSpecialCharactersAreEscaped() throws {
        let tricky = "a < b & \"c\" > 'd'"
        let (svg, xml) = try render(
            Panel(title: tricky, xLabel: "x & y", yLabel: "<y>", marks: [
                .line(LineSeries(x: [0, 1], y: [1, 2], label: "R&D \"fit\"")),
                .annotation(Annotation("</text><script>", x: 0.5, y: 1.5)),
            ]),
            title: "fig <1>")
        let texts = xml.elements("text").map(\.text)
        for expected in [tricky, "x & y", "<y>", "R&D \"fit\"", "</text><script>", "fig <1>"] {
            XCTAssertTrue(texts.contains(expected), "missing \(expected) in \(texts)")
        }
        XCTAssertEqual(xml.count("script"), 0)
        XCTAssertFalse(svg.contains("<script"))
    }

    func testControlCharactersAreDropped() throws {
        let (_, xml) = try render(Panel(title: "bell\u{7}here"))
        XCTAssertTrue(xml.elements("text").contains { $0.text == "bellhere" })
    }

    func testDemoFigureIsSelfContained() throws {
        let svg = DemoFigure.make().svg()
        let xml = try XMLInspector.parse(svg)
        XCTAssertEqual(svg.components(separatedBy: "http").count - 1, 1, "only the xmlns declaration")
        XCTAssertTrue(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        for forbidden in ["script", "image", "foreignObject", "use", "style", "a"] {
            XCTAssertEqual(xml.count(forbidden), 0, forbidden)
        }
        for forbidden in ["href", "url(", "@import", "id="] {
            XCTAssertFalse(svg.contains(forbidden), forbidden)
        }
    }

    func testNumbersHaveAtMostTwoDecimals() throws {
        let svg = DemoFigure.make().svg()
        let xml = try XMLInspector.parse(svg)
        let longDecimal = try NSRegularExpression(pattern: "[0-9]\\.[0-9]{3,}")
        for element in xml.elements {
            for (name, value) in element.attributes {
                let range = NSRange(value.startIndex..., in: value)
                XCTAssertNil(longDecimal.firstMatch(in: value, range: range), "\(element.name) \(name)=\(value)")
            }
        }
    }

    func testRasterDrawsOneSubpathPerVisibleEvent() throws {
        let (_, xml) = try render(Panel(
            xRange: 0...100, yRange: -0.5...3.5,
            marks: [.raster(Raster(x: [1, 5, 50, 99, 150], y: [0, 1, 2, 3, 1], separators: [Raster.Separator(y: 1.5, label: "right ear")]))]))
        let path = try XCTUnwrap(xml.elements("path", class: "events").first?.attributes["d"])
        XCTAssertEqual(path.filter { $0 == "M" }.count, 4, "the event at x = 150 is outside the axes")
        XCTAssertEqual(xml.count("line", class: "separator"), 1)
        XCTAssertEqual(xml.elements("text", class: "separator-label").map(\.text), ["right ear"])
    }

    func testLineMarkersAndBreaks() throws {
        let (_, xml) = try render(Panel(marks: [
            .line(LineSeries(x: [0, 1, 2, 3, 4], y: [1, 2, .nan, 3, 4], markers: true)),
        ]))
        let path = try XCTUnwrap(xml.elements("path", class: "line").first?.attributes["d"])
        XCTAssertEqual(path.filter { $0 == "M" }.count, 2, "NaN splits the line")
        XCTAssertEqual(xml.count("circle", class: "marker"), 4)
    }

    func testReferenceLinesOutsideTheRangeAreSkipped() throws {
        let (_, xml) = try render(Panel(xRange: 0...10, marks: [
            .line(LineSeries(x: [0, 10], y: [0, 1])),
            .reference(ReferenceLine(x: 5)),
            .reference(ReferenceLine(x: 12)),
        ]))
        XCTAssertEqual(xml.count("line", class: "reference"), 1)
    }

    func testUncolouredSeriesFollowTheColourCycle() throws {
        let (_, xml) = try render(Panel(marks: [
            .line(LineSeries(x: [0, 1], y: [0, 1])),
            .line(LineSeries(x: [0, 1], y: [1, 0], color: "#123456")),
            .line(LineSeries(x: [0, 1], y: [1, 1])),
        ]))
        XCTAssertEqual(xml.elements("path", class: "line").map { $0.attributes["stroke"] }, [Palette.tab10[0], "#123456", Palette.tab10[1]])
    }

    func testColorBarHasTicksAndLabel() throws {
        let (_, xml) = try render(Panel(marks: [
            .heatMap(HeatMap(values: [[0, 1], [2, 3]], xExtent: 0...1, yExtent: 0...1, valueRange: 0...1, colorBarLabel: "rate (Hz)")),
        ]))
        let colorBarTexts = xml.elements("text").filter { $0.ancestorClasses.contains("colorbar") }.map(\.text)
        XCTAssertEqual(colorBarTexts, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "rate (Hz)"])
        let hidden = try render(Panel(marks: [.heatMap(HeatMap(values: [[0]], xExtent: 0...1, yExtent: 0...1, showsColorBar: false))]))
        XCTAssertEqual(hidden.xml.count("g", class: "colorbar"), 0)
    }

    func testWriteStoresTheSVG() throws {
        let figure = DemoFigure.make()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("svgplot-demo.svg")
        try figure.write(to: url)
        // Left in the temporary directory so the demo can be looked at.
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), figure.svg())
    }

    /// Coordinates are written rounded to two decimals without trailing zeros; non-finite ones become 0 and
    /// huge ones are capped. The canvas size shows this on the root element and the background.
    func testNumbersAreRoundedToTwoDecimals() throws {
        let cases: [(Double, String)] = [
            (3.14159, "3.14"), (2.5, "2.5"), (0.05, "0.05"), (480, "480"), (-1.999, "-2"), (-0.001, "0"),
            (.nan, "0"), (.infinity, "0"), (1e300, "1000000000"),
        ]
        for (value, expected) in cases {
            let xml = try XMLInspector.parse(Figure(width: value, height: 7.001).svg())
            let root = try XCTUnwrap(xml.root)
            XCTAssertEqual(root.attributes["width"], expected, "\(value)")
            XCTAssertEqual(root.attributes["viewBox"], "0 0 \(expected) 7", "\(value)")
            let background = try XCTUnwrap(xml.elements("rect").first)
            XCTAssertEqual(background.attributes["width"], expected, "\(value)")
        }
    }
}
