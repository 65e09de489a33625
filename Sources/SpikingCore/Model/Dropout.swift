/// Inverted dropout of the spikes that the last hidden layer sends to the read-out, during
/// training: each spike is kept with probability `1 - p` and then scaled by `1 / (1 - p)`. The
/// mask is a pure function of ``key``, the sample's index in its raster, the step and the unit
/// (``keeps(sampleKey:element:)``), so it does not depend on threads or batch order.
public struct Dropout: Equatable, Sendable {
    /// Probability `p` of dropping a spike, in `[0, 1)`.
    public var probability: Double
    /// The mask's key (derive one per batch from the run's seed).
    public var key: UInt64

    /// A dropout of probability `p` with a mask key.
    public init(probability: Double, key: UInt64) {
        precondition((0 ..< 1).contains(probability), "Dropout: probability must lie in [0, 1), got \(probability)")
        self.probability = probability
        self.key = key
    }

    /// The factor on a kept spike, `1 / (1 - p)` rounded to float.
    public var scale: Float { Float(1 / (1 - probability)) }

    /// The key of one sample's mask.
    public func sampleKey(_ sample: Int) -> UInt64 {
        SplitMix64.mix(key ^ SplitMix64.mix(UInt64(sample) &+ 0x9E37_79B9_7F4A_7C15))
    }

    /// Whether element `element` (`step * units + unit`) of the sample with key `sampleKey` is kept:
    /// `u >= p` for `u = (mix(sampleKey + element * golden) >> 11) * 2^-53`.
    @inlinable
    public func keeps(sampleKey: UInt64, element: Int) -> Bool {
        let bits = SplitMix64.mix(sampleKey &+ UInt64(element) &* 0x9E37_79B9_7F4A_7C15) >> 11
        return Double(bits) * 0x1p-53 >= probability
    }
}
