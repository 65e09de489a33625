import Foundation

/// A Poisson spike encoder locked to the phase of a sinusoid: channel `i` spikes at step `t` with
/// probability `peak * ((1 + sin(theta)) / 2) ^ power`, `theta = a_t + b_i`, where `a_t` is a phase
/// per time step and `b_i` a phase per channel, or with the exact integral of that rate (power 2)
/// over the time bin. The uniform each comparison uses is fixed per element (``FixedNoise``): the
/// "Poisson noise" stays while the phases change.
public struct PhaseLockedPoisson: Equatable, Sendable {
    /// Spike probability per step at the peak of the envelope (rate x step); the kernel uses it
    /// rounded to single precision.
    public var peakProbability: Double
    /// Exponent of the envelope; higher values give sharper phase locking.
    public var envelopePower: Double

    /// For the integral envelope, the tone's phase advance per step `delta = 2 pi f dt`; the
    /// probability is then `peak / delta * integral of ((1 + sin)/2)^2 over [theta, theta + delta]`,
    /// the expected number of spikes of the bin (the paper's basic model). `nil`: the rate at the
    /// bin's start.
    public var integralPhasePerStep: Double?

    /// An encoder with the given peak probability and envelope exponent.
    public init(peakProbability: Double, envelopePower: Double, integralPhasePerStep: Double? = nil) {
        precondition(integralPhasePerStep == nil || envelopePower == 2, "PhaseLockedPoisson: the integral envelope needs power 2")
        precondition(integralPhasePerStep.map { $0 > 0 && $0.isFinite } ?? true, "PhaseLockedPoisson: the phase per step must be positive")
        self.peakProbability = peakProbability
        self.envelopePower = envelopePower
        self.integralPhasePerStep = integralPhasePerStep
    }

    /// The exponent when it is a small whole number (computed by repeated multiplication).
    var integerPower: Int? {
        envelopePower == envelopePower.rounded() && (0 ... 16).contains(envelopePower) ? Int(envelopePower) : nil
    }

    /// Which implementation of the encoding loop runs; all give the same spikes.
    public enum Kernel: Sendable, CaseIterable {
        /// The fastest of ``availableKernels``.
        case fastest
        /// Eight channels at a time in portable SIMD code, on every CPU.
        case portable
        /// 32 channels per byte compare with AVX2 intrinsics, in builds with `SPIKELOC_AVX2`
        /// (x86-64 CPUs with AVX2; see Package.swift).
        case avx2
        /// 64 channels per byte compare, 16-lane probabilities and 8-lane hashes with AVX-512, in
        /// builds with `SPIKELOC_AVX512` (x86-64 CPUs with AVX-512 F, BW, DQ and VL).
        case avx512
    }

    /// The kernels this build has, slowest first (``Kernel/fastest`` is the last).
    public static var availableKernels: [Kernel] {
        var kernels: [Kernel] = [.portable]
        #if SPIKELOC_AVX2
        kernels.append(.avx2)
        #endif
        #if SPIKELOC_AVX512
        kernels.append(.avx512)
        #endif
        return kernels
    }

    /// Encodes sample `sample` of the writer's raster (which it clears first), given `sin` and
    /// `cos` of the time phases (one per step of the raster) and of the channel phases (one per
    /// channel). `sin(a + b)` is built by the addition formula in single precision, so a comparison
    /// that lies within about 1e-7 of the boundary may differ from ``probability(phase:)``. The
    /// noise is that of sample `noiseSample` of the data set (default: `sample`), so that a raster
    /// can hold any subset of a data set's samples with the spikes they have in the whole set.
    /// `shared`, built by ``sharedChannels(timeSin:timeCos:channelSin:channelCos:)`` for these
    /// time phases and the first channels' phases, saves computing those channels' probabilities
    /// (the spikes are the same with or without it).
    public func encode(
        timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float], noise: FixedNoise,
        into writer: inout SampleWriter, sample: Int, noiseSample: Int? = nil,
        shared: SharedChannels? = nil, kernel: Kernel = .fastest
    ) {
        precondition(timeSin.count == writer.steps && timeCos.count == writer.steps,
                     "PhaseLockedPoisson.encode: \(timeSin.count) sines and \(timeCos.count) cosines of time phases for \(writer.steps) steps")
        precondition(channelSin.count == writer.channels && channelCos.count == writer.channels,
                     "PhaseLockedPoisson.encode: \(channelSin.count) sines and \(channelCos.count) cosines of channel phases for \(writer.channels) channels")
        if let shared {
            func same(_ a: ArraySlice<Float>, _ b: [Float]) -> Bool {
                a.count == b.count && a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 } }
            }
            precondition(shared.encoder == self && shared.channels <= channelSin.count
                         && same(timeSin[...], shared.timeSin) && same(timeCos[...], shared.timeCos)
                         && same(channelSin[..<shared.channels], shared.channelSin)
                         && same(channelCos[..<shared.channels], shared.channelCos),
                         "PhaseLockedPoisson.encode: the shared table was built for other phases or another encoder")
        }
        precondition(kernel == .fastest || Self.availableKernels.contains(kernel),
                     "PhaseLockedPoisson.encode: this build has no \(kernel) kernel (it has \(Self.availableKernels))")
        PoissonKernel.encode(self, timeSin: timeSin, timeCos: timeCos, channelSin: channelSin,
                             channelCos: channelCos, noise: noise, sample: noiseSample ?? sample, words: writer.sampleWords(sample),
                             wordsPerStep: writer.wordsPerStep, shared: shared,
                             kernel: kernel == .fastest ? Self.availableKernels.last! : kernel)
    }

    /// Encodes sample `sample` of `raster`, as the ``SampleWriter`` form does.
    public func encode(
        timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float], noise: FixedNoise,
        into raster: inout SpikeRaster, sample: Int, kernel: Kernel = .fastest
    ) {
        raster.withSampleWriter(for: sample ..< sample + 1) { writer in
            encode(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos, noise: noise,
                   into: &writer, sample: sample, kernel: kernel)
        }
    }

    /// The table of the channels that every sample encoded with these time phases shares (the
    /// first `channelSin.count` channels, rounded down to a multiple of eight): their `256 p` and
    /// its comparison byte at every step. In the sound stimulus, the left ear's channels under a
    /// phase offset shared by the data set. The portable kernel does not read it.
    public func sharedChannels(timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float]) -> SharedChannels {
        precondition(timeSin.count == timeCos.count && channelSin.count == channelCos.count,
                     "PhaseLockedPoisson.sharedChannels: as many sines as cosines")
        let k = channelSin.count / 8 * 8
        let sin = Array(channelSin.prefix(k)), cos = Array(channelCos.prefix(k))
        let table = PoissonKernel.withEnvelope(
            of: self, PoissonKernel.BuildShared(timeSin: timeSin, timeCos: timeCos, channelSin: sin, channelCos: cos))
        return SharedChannels(encoder: self, timeSin: timeSin, timeCos: timeCos, channelSin: sin, channelCos: cos,
                              scaled: table.scaled, thresholds: table.thresholds)
    }

    /// The probabilities of the channels that every sample of a data set shares, at every step
    /// (``sharedChannels(timeSin:timeCos:channelSin:channelCos:)``).
    public struct SharedChannels: Sendable {
        /// The encoder it was built for.
        public let encoder: PhaseLockedPoisson
        /// The time phases it was built for.
        public let timeSin: [Float], timeCos: [Float]
        /// The shared channels' phases.
        public let channelSin: [Float], channelCos: [Float]
        /// `256 p`, `steps x channels`.
        let scaled: [Float]
        /// The comparison bytes of ``PoissonKernel/threshold(_:)``, `steps x channels`.
        let thresholds: [UInt8]

        /// The number of shared channels (a multiple of eight).
        public var channels: Int { channelSin.count }
    }

    /// The spike probability at total phase `phase`, by the direct formula in double precision.
    public func probability(phase theta: Double) -> Double {
        guard let delta = integralPhasePerStep else { return peakProbability * Foundation.pow(0.5 * (1 + sin(theta)), envelopePower) }
        let theta2 = theta + delta
        return peakProbability / (16 * delta) * (-sin(2 * theta2) - 8 * cos(theta2) + sin(2 * theta) + 8 * cos(theta) + 6 * delta)
    }
}
