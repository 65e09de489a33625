import SpikingCore
import XCTest

/// ``SubnormalMode``: flushing is set and restored on the calling thread, and the workers of
/// ``ParallelChunks`` compute in the caller's mode.
final class SubnormalModeTests: XCTestCase {
    /// 1e-30 * 1e-10 = 1e-40: a subnormal float, computed at run time (not folded by the compiler).
    static let factors: [Float] = ["1e-30", "1e-10"].map { Float($0)! }

    @inline(never)
    static func tinyProduct() -> Float { factors[0] * factors[1] }

    func testFlushingIsScopedToTheCall() throws {
        try XCTSkipUnless(SubnormalMode.isSupported)
        XCTAssertFalse(SubnormalMode.isFlushing)
        XCTAssertTrue(Self.tinyProduct().isSubnormal)
        let inside = SubnormalMode.flushingToZero { (SubnormalMode.isFlushing, Self.tinyProduct()) }
        XCTAssertTrue(inside.0)
        XCTAssertEqual(inside.1, 0)
        XCTAssertFalse(SubnormalMode.isFlushing, "restored")
        XCTAssertTrue(Self.tinyProduct().isSubnormal)
        XCTAssertTrue(SubnormalMode.flushingToZero(false) { Self.tinyProduct() }.isSubnormal, "flush: false changes nothing")
    }

    func testParallelWorkersComputeInTheCallersMode() throws {
        try XCTSkipUnless(SubnormalMode.isSupported)
        for flush in [true, false] {
            var results = [Float](repeating: -1, count: 64)
            results.withUnsafeMutableBufferPointer { out in
                SubnormalMode.flushingToZero(flush) {
                    ParallelChunks.run(count: 64, threads: 2) { item, _ in
                        for _ in 0 ..< 1000 { out[item] = Self.tinyProduct() }  // long enough for both threads to take items
                    }
                }
            }
            XCTAssertTrue(results.allSatisfy { flush ? $0 == 0 : $0.isSubnormal }, "flush \(flush): \(Set(results))")
        }
        XCTAssertFalse(SubnormalMode.isFlushing)
    }
}
