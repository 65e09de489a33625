/// Binary spike trains of many samples, bit-packed: for each sample and time step, one bit per
/// channel in 64-bit words. This is the form the sparse kernels read directly.
public struct SpikeRaster: Equatable, Sendable {
    /// Number of samples.
    public let samples: Int
    /// Number of time steps per sample.
    public let steps: Int
    /// Number of channels (input fibres or neurons).
    public let channels: Int
    /// Words per time step: `ceil(channels / 64)`.
    public let wordsPerStep: Int
    /// The bits, sample after sample, step after step; bit `c % 64` of word `c / 64` is channel `c`.
    public var words: [UInt64]

    /// An empty (silent) raster.
    public init(samples: Int, steps: Int, channels: Int) {
        self.samples = samples
        self.steps = steps
        self.channels = channels
        wordsPerStep = (channels + 63) / 64
        words = [UInt64](repeating: 0, count: samples * steps * wordsPerStep)
    }

    /// Index of the first word of `sample`.
    public func sampleOffset(_ sample: Int) -> Int { sample * steps * wordsPerStep }

    /// Whether `channel` spikes at `step` in `sample`.
    public subscript(sample: Int, step: Int, channel: Int) -> Bool {
        get {
            let word = words[sampleOffset(sample) + step * wordsPerStep + channel / 64]
            return word >> UInt64(channel % 64) & 1 == 1
        }
        set {
            let index = sampleOffset(sample) + step * wordsPerStep + channel / 64
            let bit = UInt64(1) << UInt64(channel % 64)
            if newValue { words[index] |= bit } else { words[index] &= ~bit }
        }
    }

    /// The channels that spike at `step` in `sample`, in increasing order.
    public func activeChannels(sample: Int, step: Int) -> [Int] {
        var result: [Int] = []
        let base = sampleOffset(sample) + step * wordsPerStep
        for w in 0 ..< wordsPerStep {
            var bits = words[base + w]
            while bits != 0 {
                result.append(w * 64 + bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
        return result
    }

    /// Total number of spikes.
    public var spikeCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
