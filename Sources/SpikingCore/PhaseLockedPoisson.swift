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

    /// Encodes sample `sample` of the writer's raster (which it clears first), given `sin` and
    /// `cos` of the time phases (one per step of the raster) and of the channel phases (one per
    /// channel). `sin(a + b)` is built by the addition formula in single precision, so a comparison
    /// that lies within about 1e-7 of the boundary may differ from ``probability(phase:)``. The
    /// noise is that of sample `noiseSample` of the data set (default: `sample`), so that a raster
    /// can hold any subset of a data set's samples with the spikes they have in the whole set.
    public func encode(
        timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float], noise: FixedNoise,
        into writer: inout SampleWriter, sample: Int, noiseSample: Int? = nil
    ) {
        precondition(timeSin.count == writer.steps && timeCos.count == writer.steps,
                     "PhaseLockedPoisson.encode: \(timeSin.count) sines and \(timeCos.count) cosines of time phases for \(writer.steps) steps")
        precondition(channelSin.count == writer.channels && channelCos.count == writer.channels,
                     "PhaseLockedPoisson.encode: \(channelSin.count) sines and \(channelCos.count) cosines of channel phases for \(writer.channels) channels")
        PoissonKernel.encode(self, timeSin: timeSin, timeCos: timeCos, channelSin: channelSin,
                             channelCos: channelCos, noise: noise, sample: noiseSample ?? sample, words: writer.sampleWords(sample),
                             wordsPerStep: writer.wordsPerStep)
    }

    /// Encodes sample `sample` of `raster`, as the ``SampleWriter`` form does.
    public func encode(
        timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float], noise: FixedNoise,
        into raster: inout SpikeRaster, sample: Int
    ) {
        raster.withSampleWriter(for: sample ..< sample + 1) { writer in
            encode(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos, noise: noise,
                   into: &writer, sample: sample)
        }
    }

    /// The spike probability at total phase `phase`, by the direct formula in double precision.
    public func probability(phase theta: Double) -> Double {
        guard let delta = integralPhasePerStep else { return peakProbability * Foundation.pow(0.5 * (1 + sin(theta)), envelopePower) }
        let theta2 = theta + delta
        return peakProbability / (16 * delta) * (-sin(2 * theta2) - 8 * cos(theta2) + sin(2 * theta) + 8 * cos(theta) + 6 * delta)
    }
}
