/// Binary spike trains of many samples, bit-packed: for each sample and time step, one bit per
/// channel in 64-bit words. This is the form the sparse kernels read directly.
///
/// Every access is checked: a sample, step or channel out of range stops with a precondition
/// failure naming it, and the padding bits of each step's last word (channels `channels ..<
/// 64 * wordsPerStep`) are never set, so the kernels can read the words without checking
/// channels themselves.
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
    /// Read-only outside SpikingCore: set spikes with the subscript, ``setSample(_:words:)`` or a
    /// ``SampleWriter``.
    public internal(set) var words: [UInt64]

    /// An empty (silent) raster.
    public init(samples: Int, steps: Int, channels: Int) {
        self.init(samples: samples, steps: steps, channels: channels,
                  uncheckedWords: [UInt64](repeating: 0, count: Self.wordCount(samples: samples, steps: steps, channels: channels)))
    }

    /// A raster over `words` of the right count whose padding bits are 0.
    private init(samples: Int, steps: Int, channels: Int, uncheckedWords words: [UInt64]) {
        self.samples = samples
        self.steps = steps
        self.channels = channels
        wordsPerStep = Self.wordsPerStep(channels: channels)
        self.words = words
    }

    /// `ceil(channels / 64)`.
    private static func wordsPerStep(channels: Int) -> Int { channels / 64 + (channels % 64 == 0 ? 0 : 1) }

    /// The number of words of a raster of this shape, checked.
    private static func wordCount(samples: Int, steps: Int, channels: Int) -> Int {
        precondition(samples >= 0 && steps >= 0 && channels >= 0,
                     "SpikeRaster: samples (\(samples)), steps (\(steps)) and channels (\(channels)) must be >= 0")
        let wordsPerStep = wordsPerStep(channels: channels)
        let (perSample, o1) = steps.multipliedReportingOverflow(by: wordsPerStep)
        let (total, o2) = samples.multipliedReportingOverflow(by: perSample)
        precondition(!o1 && !o2, "SpikeRaster: \(samples) samples x \(steps) steps x \(wordsPerStep) words overflow Int")
        return total
    }

    /// A raster over given words (`samples x steps x wordsPerStep` of them, laid out as ``words``);
    /// the padding bits of each step's last word must be 0.
    public init(samples: Int, steps: Int, channels: Int, words: [UInt64]) {
        let count = Self.wordCount(samples: samples, steps: steps, channels: channels)
        self.init(samples: samples, steps: steps, channels: channels, uncheckedWords: words)
        precondition(words.count == count,
                     "SpikeRaster: \(words.count) words given; \(samples) samples x \(steps) steps x \(wordsPerStep) words per step need \(count)")
        Self.checkPadding(words[...], steps: steps, wordsPerStep: wordsPerStep, mask: paddingMask)
    }

    /// Words of one sample: `steps x wordsPerStep`.
    public var wordsPerSample: Int { steps * wordsPerStep }

    /// Index of the first word of `sample` (in `0 ..< samples`).
    public func sampleOffset(_ sample: Int) -> Int {
        checkSample(sample)
        return sample * wordsPerSample
    }

    /// Whether `channel` spikes at `step` in `sample`.
    public subscript(sample: Int, step: Int, channel: Int) -> Bool {
        get {
            let (index, bit) = location(sample, step, channel)
            return words[index] & bit != 0
        }
        set {
            let (index, bit) = location(sample, step, channel)
            if newValue { words[index] |= bit } else { words[index] &= ~bit }
        }
    }

    /// The channels that spike at `step` in `sample`, in increasing order.
    public func activeChannels(sample: Int, step: Int) -> [Int] {
        checkSample(sample)
        checkStep(step)
        var result: [Int] = []
        let base = sample * wordsPerSample + step * wordsPerStep
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

    /// Replaces the spikes of `sample` by `words` (``wordsPerSample`` of them, step after step,
    /// as in ``words``); the padding bits of each step's last word must be 0.
    public mutating func setSample<C: Collection>(_ sample: Int, words newWords: C) where C.Element == UInt64 {
        checkSample(sample)
        precondition(newWords.count == wordsPerSample,
                     "SpikeRaster.setSample: \(newWords.count) words given; a sample has \(steps) steps x \(wordsPerStep) words = \(wordsPerSample)")
        let start = sample * wordsPerSample
        words.replaceSubrange(start ..< start + wordsPerSample, with: newWords)
        Self.checkPadding(words[start ..< start + wordsPerSample], steps: steps, wordsPerStep: wordsPerStep, mask: paddingMask)
    }

    /// Silences every channel of `sample`.
    public mutating func clearSample(_ sample: Int) {
        checkSample(sample)
        let start = sample * wordsPerSample
        for i in start ..< start + wordsPerSample { words[i] = 0 }
    }

    /// Gives `body` a ``SampleWriter`` for the samples `range` only.
    public mutating func withSampleWriter<R>(for range: Range<Int>, _ body: (inout SampleWriter) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= samples,
                     "SpikeRaster: samples \(range) out of range 0 ..< \(samples)")
        let (steps, channels, wordsPerStep) = (steps, channels, wordsPerStep)
        return try words.withUnsafeMutableBufferPointer { buffer in
            var writer = SampleWriter(buffer: buffer, samples: range, steps: steps, channels: channels, wordsPerStep: wordsPerStep)
            return try body(&writer)
        }
    }

    /// Writes the samples in parallel: `body(range, &writer)` is called once for each chunk of
    /// `chunkSize` consecutive samples (the last may be shorter), on up to `threads` threads (see
    /// ``ParallelChunks``), with a writer that can change only the samples of its chunk.
    public mutating func writeSamples(
        chunkSize: Int, threads: Int, _ body: (_ samples: Range<Int>, _ writer: inout SampleWriter) -> Void
    ) {
        let (samples, steps, channels) = (samples, steps, channels)
        words.withUnsafeMutableBufferPointer { buffer in
            Self.writeChunks(of: buffer, samples: samples, steps: steps, channels: channels, chunkSize: chunkSize,
                             threads: threads, zeroing: false, body)
        }
    }

    /// A raster written in parallel, as ``writeSamples(chunkSize:threads:_:)`` does, without first
    /// zeroing the whole of it on the calling thread: each chunk's words are zeroed by its worker
    /// right before `body` writes them (while they are in that core's cache), so every word is
    /// defined whatever `body` does.
    public static func writing(
        samples: Int, steps: Int, channels: Int, chunkSize: Int, threads: Int,
        _ body: (_ samples: Range<Int>, _ writer: inout SampleWriter) -> Void
    ) -> SpikeRaster {
        let total = wordCount(samples: samples, steps: steps, channels: channels)
        let words = [UInt64](unsafeUninitializedCapacity: total) { buffer, count in
            writeChunks(of: buffer, samples: samples, steps: steps, channels: channels, chunkSize: chunkSize,
                        threads: threads, zeroing: true, body)
            count = total
        }
        return SpikeRaster(samples: samples, steps: steps, channels: channels, uncheckedWords: words)
    }

    /// Calls `body` for each chunk of `chunkSize` samples of `buffer` in parallel, with a writer
    /// for that chunk, after zeroing the chunk's words (initialising them) when `zeroing`.
    private static func writeChunks(
        of buffer: UnsafeMutableBufferPointer<UInt64>, samples: Int, steps: Int, channels: Int, chunkSize: Int,
        threads: Int, zeroing: Bool, _ body: (_ samples: Range<Int>, _ writer: inout SampleWriter) -> Void
    ) {
        precondition(chunkSize > 0, "SpikeRaster: chunkSize must be positive, got \(chunkSize)")
        let wordsPerStep = wordsPerStep(channels: channels), perSample = steps * wordsPerStep
        let chunks = samples / chunkSize + (samples % chunkSize == 0 ? 0 : 1)
        ParallelChunks.run(count: chunks, threads: threads) { chunk, _ in
            let range = chunk * chunkSize ..< min(samples, (chunk + 1) * chunkSize)
            if zeroing { (buffer.baseAddress! + range.lowerBound * perSample).initialize(repeating: 0, count: range.count * perSample) }
            var writer = SampleWriter(buffer: buffer, samples: range, steps: steps, channels: channels, wordsPerStep: wordsPerStep)
            body(range, &writer)
        }
    }

    /// Bits of the last word of a step that are not channels.
    var paddingMask: UInt64 { channels % 64 == 0 ? 0 : ~UInt64(0) << UInt64(channels % 64) }

    private static func checkPadding(_ words: ArraySlice<UInt64>, steps: Int, wordsPerStep: Int, mask: UInt64) {
        guard mask != 0 else { return }
        var i = words.startIndex + wordsPerStep - 1
        while i < words.endIndex {
            precondition(words[i] & mask == 0, "SpikeRaster: a padding bit (a channel >= channels) is set")
            i += wordsPerStep
        }
    }

    @inline(__always) private func checkSample(_ sample: Int) {
        precondition(sample >= 0 && sample < samples, "SpikeRaster: sample \(sample) out of range 0 ..< \(samples)")
    }

    @inline(__always) private func checkStep(_ step: Int) {
        precondition(step >= 0 && step < steps, "SpikeRaster: step \(step) out of range 0 ..< \(steps)")
    }

    @inline(__always) private func location(_ sample: Int, _ step: Int, _ channel: Int) -> (Int, UInt64) {
        checkSample(sample)
        checkStep(step)
        precondition(channel >= 0 && channel < channels, "SpikeRaster: channel \(channel) out of range 0 ..< \(channels)")
        return (sample * wordsPerSample + step * wordsPerStep + channel / 64, UInt64(1) << UInt64(channel % 64))
    }
}

/// Write access to some samples of a ``SpikeRaster`` (from ``SpikeRaster/withSampleWriter(for:_:)``
/// or ``SpikeRaster/writeSamples(chunkSize:threads:_:)``), checked like the raster itself. It is
/// valid only inside the closure that received it.
public struct SampleWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt64>
    /// The samples this writer may change.
    public let samples: Range<Int>
    /// Time steps per sample.
    public let steps: Int
    /// Channels per step.
    public let channels: Int
    /// Words per time step.
    public let wordsPerStep: Int

    init(buffer: UnsafeMutableBufferPointer<UInt64>, samples: Range<Int>, steps: Int, channels: Int, wordsPerStep: Int) {
        precondition(samples.upperBound * steps * wordsPerStep <= buffer.count)
        self.buffer = buffer
        self.samples = samples
        self.steps = steps
        self.channels = channels
        self.wordsPerStep = wordsPerStep
    }

    /// Whether `channel` spikes at `step` in `sample` (one of ``samples``).
    public subscript(sample: Int, step: Int, channel: Int) -> Bool {
        get {
            let (index, bit) = location(sample, step, channel)
            return buffer[index] & bit != 0
        }
        set {
            let (index, bit) = location(sample, step, channel)
            if newValue { buffer[index] |= bit } else { buffer[index] &= ~bit }
        }
    }

    /// The words of `sample` (one of ``samples``), `steps x wordsPerStep`, for the kernels of this
    /// module, which set no padding bit.
    func sampleWords(_ sample: Int) -> UnsafeMutableBufferPointer<UInt64> {
        precondition(samples.contains(sample), "SampleWriter: sample \(sample) out of range \(samples)")
        let size = steps * wordsPerStep
        return UnsafeMutableBufferPointer(rebasing: buffer[sample * size ..< (sample + 1) * size])
    }

    private func location(_ sample: Int, _ step: Int, _ channel: Int) -> (Int, UInt64) {
        precondition(samples.contains(sample), "SampleWriter: sample \(sample) out of range \(samples)")
        precondition(step >= 0 && step < steps, "SampleWriter: step \(step) out of range 0 ..< \(steps)")
        precondition(channel >= 0 && channel < channels, "SampleWriter: channel \(channel) out of range 0 ..< \(channels)")
        return ((sample * steps + step) * wordsPerStep + channel / 64, UInt64(1) << UInt64(channel % 64))
    }
}
