/// The xoshiro256** generator (Blackman and Vigna 2018): fast, 256 bits of state, seedable, and
/// the same sequence on every platform, which the standard library's generator does not promise.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// Creates a generator from a 64-bit seed, expanded with ``SplitMix64`` as the authors advise.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// Returns the next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform `Double` in [0, 1) with 53 random bits, like NumPy's `random.rand`.
    @inlinable
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform `Float` in [a, b): a 24-bit uniform scaled to the interval.
    @inlinable
    public mutating func nextFloat(in range: Range<Float>) -> Float {
        let u = Float(next() >> 40) * 0x1p-24
        return range.lowerBound + u * (range.upperBound - range.lowerBound)
    }
}
