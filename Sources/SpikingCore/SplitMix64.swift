/// The SplitMix64 generator (Steele, Lea and Flood 2014): a tiny 64-bit generator used to expand
/// one seed into well-mixed keys and to seed ``Xoshiro256StarStar``.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    public var state: UInt64

    /// Creates a generator whose first output depends only on `seed`.
    public init(seed: UInt64) { state = seed }

    /// Returns the next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser: a bijective mixing of 64 bits.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// ``mix(_:)->UInt64`` on every lane.
    @inlinable @inline(__always)
    public static func mix<V: SIMD>(_ value: V) -> V where V.Scalar == UInt64 {
        var z = value
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// Derives an independent 64-bit key from a seed and a list of labels, e.g.
    /// `key(seed, 3, 17)` for "stream 3, item 17". Different label lists give unrelated keys.
    public static func key(_ seed: UInt64, _ labels: UInt64...) -> UInt64 {
        var k = mix(seed ^ 0x5851_F42D_4C95_7F2D)
        for label in labels { k = mix(k ^ mix(label &+ 0x9E37_79B9_7F4A_7C15)) }
        return k
    }
}
