/// Counter-based uniform random numbers: the uniform for element `index` of stream `key` is a
/// pure function of the two, so a fixed set of "Poisson uniforms" can be regenerated exactly,
/// in any order and on any thread, instead of being stored.
///
/// The element hash is Chris Wellons' `triple32`, a bijection on 32-bit integers with very low
/// bias, applied to `key + index * golden`. Uniforms have 23 random bits (the top bits of the
/// hash as the mantissa of a float in [1, 2), minus 1) and lie in [0, 1).
public enum CounterUniforms {
    /// The 32-bit stream key of item `item` (e.g. a sample) of the stream family `key`.
    public static func streamKey(_ key: UInt64, item: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: SplitMix64.key(key, UInt64(item)) >> 32)
    }

    /// The uniform for element `index` of the stream with key `stream`.
    @inlinable
    public static func uniform(stream: UInt32, index: UInt32) -> Float {
        Float(bitPattern: triple32(stream &+ index &* 0x9E37_79B9) >> 9 | 0x3F80_0000) - 1
    }

    /// Eight consecutive uniforms, elements `index ..< index + 8` of the stream.
    @inlinable @inline(__always)
    public static func uniforms(stream: UInt32, index: UInt32) -> SIMD8<Float> {
        let lanes = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) &+ index
        let h = triple32(SIMD8(repeating: stream) &+ lanes &* 0x9E37_79B9)
        return unsafeBitCast(h &>> 9 | 0x3F80_0000, to: SIMD8<Float>.self) - 1
    }

    /// `triple32` on one value.
    @inlinable
    public static func triple32(_ value: UInt32) -> UInt32 {
        var x = value
        x ^= x >> 17; x &*= 0xED5A_D4BB
        x ^= x >> 11; x &*= 0xAC4C_1B51
        x ^= x >> 15; x &*= 0x3184_8BAB
        x ^= x >> 14
        return x
    }

    /// `triple32` on eight lanes.
    @inlinable @inline(__always)
    public static func triple32(_ value: SIMD8<UInt32>) -> SIMD8<UInt32> {
        var x = value
        x ^= x &>> 17; x &*= 0xED5A_D4BB
        x ^= x &>> 11; x &*= 0xAC4C_1B51
        x ^= x &>> 15; x &*= 0x3184_8BAB
        x ^= x &>> 14
        return x
    }
}
