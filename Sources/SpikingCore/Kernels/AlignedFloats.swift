/// Floats that start on a 64-byte boundary (a cache line), so that the kernels' rows of a multiple
/// of 16 floats never straddle two lines (an array's elements start 16 or 48 bytes into a line,
/// and a load across two lines costs two).
final class AlignedFloats: @unchecked Sendable {
    /// The number of floats.
    let count: Int
    /// The first float; valid while this buffer lives.
    let pointer: UnsafeMutablePointer<Float>

    /// `count` zeros.
    init(zeros count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(1, count) * 4, alignment: 64)
            .bindMemory(to: Float.self, capacity: Swift.max(1, count))
        pointer.initialize(repeating: 0, count: count)
    }

    /// The floats as vectors of eight (`count / 8` of them).
    var vectors: UnsafeMutablePointer<SIMD8<Float>> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: SIMD8<Float>.self)
    }

    deinit { pointer.deallocate() }
}
