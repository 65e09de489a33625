import SpikingCore

/// The independent random streams of an experiment. Every random number is derived from the
/// seed, a stream and, where it changes, the epoch or test-set index, so nothing depends on the
/// order things run in, and a resumed run draws exactly what an uninterrupted one would.
public enum RandomStream: UInt64, Sendable {
    case initialWeights = 1
    case trainIPDs, trainUniforms, validationIPDs, validationUniforms
    case testIPDs, testUniforms, testOffset
    case trainOffset, validationOffset, shuffle, trainEvaluationOffset, examples
    // streams of the variants (appended: the ones above keep their numbers)
    case trainJitter, validationJitter, testJitter
    case trainSampleOffsets, validationSampleOffsets, testSampleOffsets
    case dropout, daleMask
    case delayPositions

    /// The 64-bit key of this stream for `seed` and optional indices (epoch, test set).
    public func key(seed: UInt64, _ indices: Int...) -> UInt64 { key(seed, indices) }

    /// A generator for this stream.
    public func generator(seed: UInt64, _ indices: Int...) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: key(seed, indices))
    }

    /// One uniform draw in [0, 1) from this stream (like one `np.random.rand()`): a phase offset.
    public func unitDouble(seed: UInt64, _ indices: Int...) -> Double {
        var g = Xoshiro256StarStar(seed: key(seed, indices))
        return g.nextUnitDouble()
    }

    private func key(_ seed: UInt64, _ indices: [Int]) -> UInt64 {
        indices.reduce(SplitMix64.key(seed, rawValue)) { SplitMix64.key($0, UInt64($1)) }
    }
}
