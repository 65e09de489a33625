import XCTest
import XMLTestSupport
import SVGPlot

/// Axis ranges, ticks and margins of panels, checked on the rendered SVG: the range an axis shows is read
/// from where its labelled ticks sit in the frame, and text positions from the `<text>` elements.
final class PanelLayoutTests: XCTestCase {
    /// `panel` alone in a 400 × 300 figure.
    private func render(_ panel: Panel) throws -> (panel: RenderedPanel, xml: XMLInspector) {
        let xml = try XMLInspector.parse(Figure(width: 400, height: 300, panels: [panel]).svg())
        let panels = try RenderedPanel.all(in: xml)
        XCTAssertEqual(panels.count, 1)
        return (try XCTUnwrap(panels.first), xml)
    }

    /// Compares ranges to within 0.1 % of the expected span, the precision that two-decimal coordinates allow.
    private func assertRange(
        _ actual: ClosedRange<Double>, _ expected: ClosedRange<Double>, _ message: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let accuracy = (expected.upperBound - expected.lowerBound) * 1e-3
        XCTAssertEqual(actual.lowerBound, expected.lowerBound, accuracy: accuracy, "\(actual) \(message)", file: file, line: line)
        XCTAssertEqual(actual.upperBound, expected.upperBound, accuracy: accuracy, "\(actual) \(message)", file: file, line: line)
    }

    func testAutomaticRangePadsDataByFivePercent() throws {
        let (panel, xml) = try render(Panel(marks: [.line(LineSeries(x: [0, 10], y: [-1, 1]))]))
        assertRange(try panel.xRange, -0.5...10.5)
        assertRange(try panel.yRange, -1.1...1.1)
        // The line's ends sit a 5 % margin (of the data span) inside the frame.
        let d = try XCTUnwrap(xml.elements("path", class: "line").first?.attributes["d"])
        let points = d.split { $0 == "M" || $0 == "L" }.map { $0.split(separator: " ").compactMap { Double($0) } }
        XCTAssertEqual(points.count, 2, d)
        let frame = panel.frame
        XCTAssertEqual(points[0][0], frame.minX + frame.width * 0.5 / 11, accuracy: 0.01)
        XCTAssertEqual(points[0][1], frame.maxY - frame.height * 0.1 / 2.2, accuracy: 0.01)
        XCTAssertEqual(points[1][0], frame.maxX - frame.width * 0.5 / 11, accuracy: 0.01)
        XCTAssertEqual(points[1][1], frame.minY + frame.height * 0.1 / 2.2, accuracy: 0.01)
    }

    func testHistogramBaseAndHeatMapExtentAreNotPadded() throws {
        let (histogram, xml) = try render(Panel(marks: [.histogram(Histogram(edges: [0, 1, 2], counts: [3, 10]))]))
        assertRange(try histogram.yRange, 0...10.5, "the base is not padded, the top is")
        assertRange(try histogram.xRange, -0.1...2.1)
        let bars = xml.elements("rect", class: "bar")
        XCTAssertEqual(bars.count, 2)
        for bar in bars {
            let bottom = Double(bar.attributes["y"]!)! + Double(bar.attributes["height"]!)!
            XCTAssertEqual(bottom, histogram.frame.maxY, accuracy: 0.01, "bars stand on the bottom of the axes")
        }

        let (heatMap, heatMapXML) = try render(Panel(marks: [.heatMap(HeatMap(values: [[1]], xExtent: -90...90, yExtent: 0...5))]))
        assertRange(try heatMap.xRange, -90...90)
        assertRange(try heatMap.yRange, 0...5)
        let cell = try XCTUnwrap(heatMapXML.elements("rect", class: "cell").first?.attributes)
        let cellBox = Box(x: Double(cell["x"]!)!, y: Double(cell["y"]!)!, width: Double(cell["width"]!)!, height: Double(cell["height"]!)!)
        for (actual, expected) in [
            (cellBox.minX, heatMap.frame.minX), (cellBox.maxX, heatMap.frame.maxX),
            (cellBox.minY, heatMap.frame.minY), (cellBox.maxY, heatMap.frame.maxY),
        ] {
            XCTAssertEqual(actual, expected, accuracy: 0.011, "the single cell fills the axes: \(cellBox) in \(heatMap.frame)")
        }
    }

    func testExplicitRangesAndTicksWin() throws {
        let (panel, _) = try render(Panel(
            xRange: -90...90, yRange: 0...1, xTicks: [-90, -45, 0, 45, 90, 135], marks: [.line(LineSeries(x: [0, 5], y: [0, 5]))]))
        XCTAssertEqual(panel.xTicks.map(\.label), ["-90", "-45", "0", "45", "90"], "ticks outside the range are dropped")
        XCTAssertEqual(panel.xTicks.first?.position ?? .nan, panel.frame.minX, accuracy: 0.01)
        XCTAssertEqual(panel.xTicks.last?.position ?? .nan, panel.frame.maxX, accuracy: 0.01)
        assertRange(try panel.xRange, -90...90)
        assertRange(try panel.yRange, 0...1, "the given range, not the data's 0...5")
        XCTAssertEqual(panel.yTicks.first?.label, "0.0")
    }

    func testZeroWidthRangeIsWidened() throws {
        let (panel, _) = try render(Panel(yRange: 2...2, marks: [.line(LineSeries(x: [3, 3], y: [2, 2]))]))
        assertRange(try panel.xRange, 2.7...3.3, "a single x value is widened by 10 % either way")
        assertRange(try panel.yRange, 1.8...2.2, "so is an explicit zero-width range")
    }

    /// Tick labels, axis labels, the title and a colour bar fit into each cell of a grid, without touching
    /// the axes, the colour bar or one another, however narrow the cell and however long the labels.
    func testTextStaysInsideItsCellWithoutOverlapping() throws {
        for cellWidth in [160.0, 240, 400, 900] {
            let panel = Panel(title: "t", xLabel: "time (ms)", yLabel: "rate (Hz)", marks: [
                .line(LineSeries(x: [0.00123, 1234.5], y: [-100000, 250000])),
                .heatMap(HeatMap(values: [[0, 1]], xExtent: 0...1, yExtent: 0...1, colorBarLabel: "value")),
            ])
            let figure = Figure(width: cellWidth * 2, height: 400, rows: 2, columns: 2, panels: Array(repeating: panel, count: 4))
            let panels = try RenderedPanel.all(in: XMLInspector.parse(figure.svg()))
            XCTAssertEqual(panels.count, 4)
            for (index, rendered) in panels.enumerated() {
                let context = "cell width \(cellWidth), panel \(index)"
                let cell = Box(x: Double(index % 2) * cellWidth, y: Double(index / 2) * 200, width: cellWidth, height: 200)
                XCTAssertTrue(cell.contains(rendered.frame), "\(context): axes \(rendered.frame) outside \(cell)")
                XCTAssertGreaterThan(rendered.frame.width, 0, context)
                XCTAssertGreaterThan(rendered.frame.height, 0, context)
                let colorBar = try XCTUnwrap(rendered.colorBar, context)
                XCTAssertTrue(cell.contains(colorBar), "\(context): colour bar \(colorBar) outside \(cell)")
                XCTAssertFalse(colorBar.overlaps(rendered.frame), "\(context): colour bar \(colorBar) on the axes \(rendered.frame)")

                XCTAssertGreaterThanOrEqual(rendered.xTicks.count, 2, "\(context): \(rendered.xTicks.map(\.label))")
                XCTAssertGreaterThanOrEqual(rendered.yTicks.count, 2, "\(context): \(rendered.yTicks.map(\.label))")
                let texts = rendered.texts.map(\.text)
                for expected in ["t", "time (ms)", "rate (Hz)", "value"] {
                    XCTAssertTrue(texts.contains(expected), "\(context): no \(expected) in \(texts)")
                }
                for text in rendered.texts {
                    XCTAssertTrue(cell.contains(text.box), "\(context): \(text) outside \(cell)")
                    XCTAssertFalse(text.box.overlaps(rendered.frame), "\(context): \(text) on the axes \(rendered.frame)")
                    XCTAssertFalse(text.box.overlaps(colorBar), "\(context): \(text) on the colour bar \(colorBar)")
                }
                for (i, a) in rendered.texts.enumerated() {
                    for b in rendered.texts[(i + 1)...] {
                        XCTAssertFalse(a.box.overlaps(b.box), "\(context): \(a) overlaps \(b)")
                    }
                }
            }
        }
    }

    /// In the four-panel demo every text lies inside the canvas; the text around the axes (titles, axis
    /// and tick labels, colour bars) overlaps neither other text nor any axes, and legends stay inside their axes.
    func testDemoFigureTextFitsWithoutOverlapping() throws {
        let figure = DemoFigure.make()
        let xml = try XMLInspector.parse(figure.svg())
        let canvas = Box(x: 0, y: 0, width: figure.width, height: figure.height)
        XCTAssertEqual(xml.root?.attributes["viewBox"], "0 0 900 680")
        let panels = try RenderedPanel.all(in: xml)
        XCTAssertEqual(panels.count, 4)

        let figureTitle = try xml.elements("text", class: "figure-title").map { try RenderedText($0, in: xml) }
        XCTAssertEqual(figureTitle.map(\.text), [figure.title])
        var outer = figureTitle
        for panel in panels {
            for text in panel.texts {
                XCTAssertTrue(canvas.contains(text.box), "\(text) outside the canvas")
                if text.classes.contains("legend") {
                    XCTAssertTrue(panel.frame.contains(text.box), "legend \(text) outside its axes \(panel.frame)")
                } else if !["annotation", "separator-label"].contains(text.classes.first) {
                    outer.append(text)
                }
            }
        }
        XCTAssertEqual(outer.filter { $0.classes.first == "axis-label" }.count, 8)
        XCTAssertEqual(outer.filter { $0.classes.first == "title" }.count, 4)
        for text in outer {
            XCTAssertTrue(canvas.contains(text.box), "\(text) outside the canvas")
            for panel in panels {
                XCTAssertFalse(text.box.overlaps(panel.frame), "\(text) on the axes \(panel.frame)")
            }
        }
        for (i, a) in outer.enumerated() {
            for b in outer[(i + 1)...] {
                XCTAssertFalse(a.box.overlaps(b.box), "\(a) overlaps \(b)")
            }
        }
    }
}
