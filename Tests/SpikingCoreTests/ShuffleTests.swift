import SpikingCore
import XCTest

/// spikeloc's own bounded integers and Fisher-Yates shuffle. The literal values were computed by an
/// independent Python implementation of xoshiro256** (seeded by SplitMix64), Lemire's method and
/// Durstenfeld's shuffle; a change here changes every seeded run.
final class ShuffleTests: XCTestCase {
    func testBoundedIntegersArePinned() {
        var g = Xoshiro256StarStar(seed: 42)
        let values = [1, 2, 3, 10, 1000, (1 << 63) + 1, UInt64.max].map { g.nextInt(below: $0) }
        XCTAssertEqual(values, [0, 0, 2, 9, 991, 7_099_593_415_032_875_292, 13_267_978_908_934_200_753])
    }

    func testFirstShuffleOfAFixedSeedIsPinned() {
        var g = Xoshiro256StarStar(seed: 42)
        var a = Array(0 ..< 10)
        a.fisherYatesShuffle(using: &g)
        XCTAssertEqual(a, [9, 1, 4, 2, 8, 7, 6, 5, 3, 0])
        var slice = Array(100 ..< 110)[...]
        var h = Xoshiro256StarStar(seed: 42)
        slice.fisherYatesShuffle(using: &h)
        XCTAssertEqual(Array(slice), [109, 101, 104, 102, 108, 107, 106, 105, 103, 100], "same positions for any collection")
        var empty: [Int] = [], one = [7]
        empty.fisherYatesShuffle(using: &g)
        one.fisherYatesShuffle(using: &g)
        XCTAssertEqual(empty, [])
        XCTAssertEqual(one, [7])
    }

    func testBoundedIntegersAreUniform() {
        var g = Xoshiro256StarStar(seed: 5)
        var bins = [Int](repeating: 0, count: 7)
        let n = 70_000
        for _ in 0 ..< n { bins[Int(g.nextInt(below: 7))] += 1 }
        let expected = Double(n) / 7
        let chi2 = bins.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        XCTAssertLessThan(chi2, 22.5, "chi-square with 6 degrees of freedom, p = 0.001")
    }

    func testEveryPermutationIsEquallyLikely() {
        var g = Xoshiro256StarStar(seed: 11)
        var counts: [[Int]: Int] = [:]
        let n = 60_000
        for _ in 0 ..< n {
            var a = [0, 1, 2]
            a.fisherYatesShuffle(using: &g)
            counts[a, default: 0] += 1
        }
        XCTAssertEqual(counts.count, 6)
        let expected = Double(n) / 6
        let chi2 = counts.values.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        XCTAssertLessThan(chi2, 20.5, "chi-square with 5 degrees of freedom, p = 0.001")
    }
}
