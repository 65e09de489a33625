/// Vectorised elementary functions for the kernels.
public enum SIMDMath {
    /// `e^x` on eight lanes, accurate to about 2 ulp (Cody-Waite range reduction and the
    /// Cephes `expf` polynomial). Inputs are clamped to [-87.3, 88], so the result is always
    /// finite and positive. Deterministic: the same bits on every thread.
    @inlinable
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.0))
        let n = (clamped * 1.442_695_04).rounded(.toNearestOrEven)
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        let scale = SIMD8<UInt32>(truncatingIfNeeded: SIMD8<Int32>(n) &+ 127) &<< 23
        return y * unsafeBitCast(scale, to: SIMD8<Float>.self)
    }
}
