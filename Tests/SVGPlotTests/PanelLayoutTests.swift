import XCTest
@testable import SVGPlot

final class PanelLayoutTests: XCTestCase {
    private let cell = Rect(x: 0, y: 0, width: 400, height: 300)

    func testAutomaticRangePadsDataByFivePercent() {
        let layout = PanelLayout(panel: Panel(marks: [.line(LineSeries(x: [0, 10], y: [-1, 1]))]), cell: cell)
        XCTAssertEqual(layout.x.range.lowerBound, -0.5, accuracy: 1e-12)
        XCTAssertEqual(layout.x.range.upperBound, 10.5, accuracy: 1e-12)
        XCTAssertEqual(layout.y.range.lowerBound, -1.1, accuracy: 1e-12)
    }

    func testHistogramBaseAndHeatMapExtentAreNotPadded() {
        let histogram = PanelLayout(panel: Panel(marks: [.histogram(Histogram(edges: [0, 1, 2], counts: [3, 10]))]), cell: cell)
        XCTAssertEqual(histogram.y.range.lowerBound, 0)
        XCTAssertEqual(histogram.y.range.upperBound, 10.5, accuracy: 1e-12)
        let heatMap = PanelLayout(panel: Panel(marks: [.heatMap(HeatMap(values: [[1]], xExtent: -90...90, yExtent: 0...5))]), cell: cell)
        XCTAssertEqual(heatMap.x.range, -90...90)
        XCTAssertEqual(heatMap.y.range, 0...5)
    }

    func testExplicitRangesAndTicksWin() {
        let panel = Panel(xRange: -90...90, yRange: 0...1, xTicks: [-90, -45, 0, 45, 90, 135], marks: [.line(LineSeries(x: [0, 5], y: [0, 5]))])
        let layout = PanelLayout(panel: panel, cell: cell)
        XCTAssertEqual(layout.x.range, -90...90)
        XCTAssertEqual(layout.x.ticks, [-90, -45, 0, 45, 90], "ticks outside the range are dropped")
        XCTAssertEqual(layout.y.labels.first, "0.0")
    }

    func testAxesStayInsideTheCellAndXTickLabelsDoNotOverlap() {
        for width in [160.0, 240, 400, 900] {
            let narrow = Rect(x: 20, y: 10, width: width, height: 200)
            let panel = Panel(title: "t", xLabel: "time (ms)", yLabel: "rate (Hz)", marks: [
                .line(LineSeries(x: [0.00123, 1234.5], y: [-100000, 250000])),
                .heatMap(HeatMap(values: [[0, 1]], xExtent: 0...1, yExtent: 0...1, colorBarLabel: "value")),
            ])
            let layout = PanelLayout(panel: panel, cell: narrow)
            XCTAssertGreaterThan(layout.plot.x, narrow.x)
            XCTAssertLessThan(layout.plot.maxX, narrow.maxX)
            XCTAssertGreaterThan(layout.plot.y, narrow.y)
            XCTAssertLessThan(layout.plot.maxY, narrow.maxY)
            let widths = layout.x.labelWidths(fontSize: Style.tickFontSize)
            for index in layout.x.ticks.indices.dropFirst() {
                let gap = layout.px(layout.x.ticks[index]) - layout.px(layout.x.ticks[index - 1])
                XCTAssertGreaterThan(gap, (widths[index] + widths[index - 1]) / 2, "width \(width): \(layout.x.labels)")
            }
            XCTAssertGreaterThanOrEqual(layout.x.ticks.count, 2)
        }
    }
}
