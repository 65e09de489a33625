import XCTest
import SVGPlot

final class ColorMapTests: XCTestCase {
    func testViridisMatchesMatplotlib() {
        XCTAssertEqual(ColorMap.viridis.color(0), "#440154")
        XCTAssertEqual(ColorMap.viridis.color(0.5), "#21918c")
        XCTAssertEqual(ColorMap.viridis.color(1), "#fde725")
        XCTAssertEqual(ColorMap.viridis.color(0.25), "#3b528b")
        XCTAssertEqual(ColorMap.viridis.color(0.75), "#5ec962")
    }

    func testInputIsClamped() {
        XCTAssertEqual(ColorMap.viridis.color(-3), "#440154")
        XCTAssertEqual(ColorMap.viridis.color(7), "#fde725")
        XCTAssertEqual(ColorMap.viridis.color(.nan), "#440154")
        XCTAssertEqual(ColorMap.grayReversed.color(-1), "#ffffff")
        XCTAssertEqual(ColorMap.grayReversed.color(2), "#000000")
    }

    func testGrayReversedRunsFromWhiteToBlack() {
        XCTAssertEqual(ColorMap.grayReversed.color(0), "#ffffff")
        XCTAssertEqual(ColorMap.grayReversed.color(0.5), "#808080")
        XCTAssertEqual(ColorMap.grayReversed.color(1), "#000000")
    }

    /// Viridis is designed to brighten monotonically; a mistyped table entry would break that.
    func testViridisLuminanceIncreasesMonotonically() throws {
        var previous = -1.0
        for step in 0...255 {
            let hex = ColorMap.viridis.color((Double(step) + 0.5) / 256)
            let value = try XCTUnwrap(UInt32(hex.dropFirst(), radix: 16))
            let (r, g, b) = (Double(value >> 16), Double(value >> 8 & 0xff), Double(value & 0xff))
            let luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
            XCTAssertGreaterThan(luminance, previous - 0.5, "entry \(step) \(hex)")
            previous = luminance
        }
    }
}
