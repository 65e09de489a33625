/// Vectorised elementary functions for the kernels.
public enum SIMDMath {
    /// `e^x` on eight lanes, accurate to about 2 ulp (Cody-Waite range reduction and the
    /// Cephes `expf` polynomial). Inputs are clamped to [-87.3, 88], so the result is always
    /// finite and positive. Deterministic: the same bits on every thread.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let low = SIMD8<Float>(repeating: -87.3), high = SIMD8<Float>(repeating: 88)
        let clamped = x.replacing(with: low, where: x .< low).replacing(with: high, where: x .> high)
        // round to nearest by the 1.5 * 2^23 trick: the low mantissa bits of `shifted` hold n
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        // 2^n as a float: (n + 127) << 23, with n read from the mantissa of `shifted`
        let nBits = shifted.bitPattern &- magic.bitPattern
        let scale = SIMD8<Float>(bitPattern: (nBits &+ 127) &<< 23)
        return y * scale
    }
}

extension SIMDMath {
    /// Whether any lane is not zero, by an OR tree (which compiles to a few shuffles, where the
    /// standard library's `any(_:)` extracts lane by lane).
    @inlinable @inline(__always)
    public static func anyNonZero(_ v: SIMD8<UInt32>) -> Bool {
        let four = v.lowHalf | v.highHalf, two = four.lowHalf | four.highHalf
        return two[0] | two[1] != 0
    }
}

extension SIMD8 where Scalar == Float {
    /// The lanes' bit patterns.
    @inlinable
    var bitPattern: SIMD8<UInt32> { unsafeBitCast(self, to: SIMD8<UInt32>.self) }

    /// Floats from bit patterns.
    @inlinable
    init(bitPattern: SIMD8<UInt32>) { self = unsafeBitCast(bitPattern, to: SIMD8<Float>.self) }
}
