import Foundation
import XCTest
import SVGPlot

final class TicksTests: XCTestCase {
    private func assertTicks(_ actual: [Double], _ expected: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, "\(actual)", file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a, e, accuracy: 1e-12, "\(actual)", file: file, line: line)
        }
    }

    func testUnitRangeStepsByTwoTenths() {
        assertTicks(niceTicks(0...1, approximately: 6), [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    func testAzimuthRangeUsesTwentyDegreeSteps() {
        assertTicks(niceTicks(-90...90, approximately: 7), [-80, -60, -40, -20, 0, 20, 40, 60, 80])
    }

    func testZeroToHundredFifty() {
        assertTicks(niceTicks(0...150, approximately: 4), [0, 50, 100, 150])
        assertTicks(niceTicks(0...150, approximately: 6), [0, 20, 40, 60, 80, 100, 120, 140])
    }

    func testTicksAreExactDecimals() {
        let ticks = niceTicks(0...0.3, approximately: 4)
        assertTicks(ticks, [0, 0.1, 0.2, 0.3])
        XCTAssertEqual(ticks.last, 0.3, "0.3 itself, not 3 * 0.1")
    }

    func testStepsAreOneTwoFiveTimesPowerOfTenAndInsideRange() {
        let ranges: [ClosedRange<Double>] = [0...1, -90...90, 0...150, 0.0013...0.0271, -3.7...12.2, 1e5...3.4e6, 0...7, 17...19]
        for range in ranges {
            for n in 3...9 {
                let ticks = niceTicks(range, approximately: n)
                XCTAssertGreaterThanOrEqual(ticks.count, 2, "\(range) n=\(n)")
                XCTAssertTrue(ticks.allSatisfy { range.contains($0) }, "\(range) n=\(n): \(ticks)")
                let step = ticks[1] - ticks[0]
                let mantissa = step / pow(10, floor(log10(step)))
                XCTAssertTrue([1.0, 2, 5].contains { abs($0 - mantissa) < 1e-9 }, "\(range) n=\(n): step \(step)")
                XCTAssertLessThanOrEqual(Double(ticks.count), Double(n) * 2 + 1, "\(range) n=\(n): \(ticks)")
            }
        }
    }

    func testDegenerateAndNonFiniteRanges() {
        XCTAssertTrue(niceTicks(5...5, approximately: 5).contains(5))
        XCTAssertTrue(niceTicks(0...0, approximately: 5).contains(0))
        XCTAssertEqual(niceTicks(-Double.infinity...0, approximately: 5), [])
        let huge = niceTicks(-1e308...1e308, approximately: 5)
        XCTAssertEqual(huge.count, 5, "\(huge)")
    }

    func testLabelsHaveNoFloatNoise() {
        XCTAssertEqual(tickLabels([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(tickLabels([-90, -60, -30, 0, 30, 60, 90]), ["-90", "-60", "-30", "0", "30", "60", "90"])
        XCTAssertEqual(tickLabels([0.1 * 3]), ["0.3"])
        XCTAssertEqual(tickLabels([0, 0.25, 0.5]), ["0.00", "0.25", "0.50"])
        XCTAssertEqual(tickLabels([-1e-17, 0.5, 1]), ["0.0", "0.5", "1.0"], "no negative zero")
    }

    func testLabelsUseScientificNotationOnlyForExtremeMagnitudes() {
        XCTAssertEqual(tickLabels([0, 1e-5, 2e-5, 3e-5]), ["0", "1e-05", "2e-05", "3e-05"])
        XCTAssertEqual(tickLabels([1e-5, 1.5e-5, 2e-5]), ["1e-05", "1.5e-05", "2e-05"])
        XCTAssertEqual(tickLabels([0, 5e5, 1e6, 1.5e6]), ["0", "5e+05", "1e+06", "1.5e+06"])
        XCTAssertEqual(tickLabels([0, 20000, 40000]), ["0", "20000", "40000"])
        XCTAssertEqual(tickLabels([0.001, 0.002]), ["0.001", "0.002"])
    }
}
