import Foundation
import XCTest

/// Loads a JSON fixture written by `reference/spikeloc_reference.py fixtures`.
func loadFixture<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
    let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(type, from: Data(contentsOf: url))
}

/// Asserts that `actual` matches `expected` to `tolerance` relative to the tensor's size:
/// `max |actual - expected| <= tolerance * max |expected|` (so entries that are tiny next to the
/// largest, where float32 summation order alone moves the last digits, are judged on that scale).
func assertClose(
    _ actual: [Float], _ expected: [Float], relative tolerance: Float, _ what: String, allowZero: Bool = false, floor: Float = 0,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
    let largest = max(expected.map(abs).max() ?? 0, floor)
    var worst: Float = 0
    var worstIndex = -1
    for (i, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > worst {
        worst = abs(a - e)
        worstIndex = i
    }
    if allowZero && largest == 0 {
        XCTAssertEqual(worst, 0, "\(what): expected all zero", file: file, line: line)
        return
    }
    XCTAssertGreaterThan(largest, 0, what, file: file, line: line)
    XCTAssertLessThanOrEqual(worst / largest, tolerance,
                             "\(what): worst error \(worst) at index \(worstIndex), largest entry \(largest)", file: file, line: line)
}
