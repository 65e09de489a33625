import Foundation
import SpikingCore

/// The notebook's stimulus (`input_signal`): a tone heard by `anfPerEar` auditory nerve fibres per
/// ear with phase delays `linspace(0, pi/2, anfPerEar)` (or none), the right ear shifted by the IPD, each
/// fibre a Poisson process with probability `rate_max * dt * ((1 + sin(theta)) / 2)^power` per step
/// and `theta = 2 pi (f t + offset) + delay (+ ipd)`. Channels `0 ..< anfPerEar` are the left ear.
public struct SoundStimulus: Equatable, Sendable {
    /// Time steps per sample.
    public let steps: Int
    /// Fibres per ear.
    public let anfPerEar: Int
    /// Time step in seconds.
    public let dt: Double
    /// Tone frequency in hertz.
    public let frequency: Double
    /// The Poisson encoder.
    public let encoder: PhaseLockedPoisson
    /// Phase delay of each fibre of one ear, radians.
    public let phaseDelays: [Double]

    /// The stimulus of a configuration.
    public init(_ config: ExperimentConfig) {
        steps = config.steps
        anfPerEar = config.anfPerEar
        dt = config.dtMs / 1000
        frequency = config.stimulusFrequencyHz
        encoder = PhaseLockedPoisson(
            peakProbability: config.rateMaxHz * dt, envelopePower: config.envelopePower,
            integralPhasePerStep: config.envelope == .integral ? 2 * Double.pi * config.stimulusFrequencyHz * dt : nil)
        let n = config.anfPerEar
        let step = n > 1 ? (Double.pi / 2) / Double(n - 1) : 0
        phaseDelays = config.phaseDelays == .none
            ? Array(repeating: 0, count: n) : (0 ..< n).map { $0 == n - 1 && n > 1 ? Double.pi / 2 : Double($0) * step }
    }

    /// Input channels (both ears).
    public var channels: Int { 2 * anfPerEar }

    /// Phase of the tone at step `t` for a given offset, `2 pi (f t dt + offset)`.
    public func timePhase(step t: Int, offset: Double) -> Double {
        2 * Double.pi * (frequency * (Double(t) * dt) + offset)
    }

    /// Phase of channel `channel` for a sample of IPD `ipd` (its delay plus its noise, if any, plus
    /// the IPD on the right ear).
    public func channelPhase(_ channel: Int, ipd: Double, jitter: [Double] = []) -> Double {
        let delay = phaseDelays[channel % anfPerEar] + (jitter.isEmpty ? 0 : jitter[channel])
        return channel < anfPerEar ? delay : delay + ipd
    }

    /// The spike probability of one element by the notebook's direct formula, in double precision.
    public func probability(ipd: Double, step: Int, channel: Int, offset: Double, jitter: [Double] = []) -> Double {
        encoder.probability(phase: timePhase(step: step, offset: offset) + channelPhase(channel, ipd: ipd, jitter: jitter))
    }

    /// The phase offset of sample `n` of `dataset` when the stimulus is built with `offset`.
    public func offset(of n: Int, in dataset: IPDDataset, shared offset: Double) -> Double {
        dataset.sampleOffsets?[n] ?? offset
    }

    /// The spikes of every sample of `dataset` (or of the listed `samples`, in that order: sample
    /// `k` of the raster is `samples[k]` of the data set, with the same spikes), built in parallel,
    /// with phase offset `offset` (in cycles) shared by the samples, or each sample's own
    /// (``IPDDataset/sampleOffsets``), and the data set's phase-delay noise (``IPDDataset/phaseJitter``).
    public func spikes(for dataset: IPDDataset, samples: [Int]? = nil, offset: Double, threads: Int) -> SpikeRaster {
        precondition(dataset.phaseJitter.isEmpty || dataset.phaseJitter.count == channels,
                     "SoundStimulus: \(dataset.phaseJitter.count) jitter values for \(channels) fibres")
        precondition(dataset.sampleOffsets.map { $0.count == dataset.count } ?? true, "SoundStimulus: one offset per sample")
        precondition(samples?.allSatisfy { (0 ..< dataset.count).contains($0) } ?? true, "SoundStimulus: a sample outside the data set")
        func timeTables(_ offset: Double) -> ([Float], [Float]) {
            let phases = (0 ..< steps).map { timePhase(step: $0, offset: offset) }
            return (phases.map { Float(sin($0)) }, phases.map { Float(cos($0)) })
        }
        let shared = timeTables(offset)
        let delays = (0 ..< channels).map { phaseDelays[$0 % anfPerEar] + (dataset.phaseJitter.isEmpty ? 0 : dataset.phaseJitter[$0]) }
        let delaySin = delays.map { sin($0) }, delayCos = delays.map { cos($0) }
        // the left ear's phases are the same in every sample: under a shared offset, its
        // probabilities are one table for the whole call
        let left = dataset.sampleOffsets == nil
            ? encoder.sharedChannels(timeSin: shared.0, timeCos: shared.1,
                                     channelSin: delaySin.prefix(anfPerEar).map { Float($0) },
                                     channelCos: delayCos.prefix(anfPerEar).map { Float($0) })
            : nil
        return SpikeRaster.writing(samples: samples?.count ?? dataset.count, steps: steps, channels: channels,
                                   chunkSize: 64, threads: threads) { slots, writer in
            // the left ear's phases, then each sample's right ear after them
            var channelSin = delaySin.map { Float($0) }, channelCos = delayCos.map { Float($0) }
            for slot in slots {
                let n = samples?[slot] ?? slot
                let ipd = dataset.ipds[n]
                let si = sin(ipd), ci = cos(ipd)
                channelSin.withUnsafeMutableBufferPointer { channelSin in
                    channelCos.withUnsafeMutableBufferPointer { channelCos in
                        for r in anfPerEar ..< channels {
                            // sin and cos of delay + ipd by the addition formula, in double precision
                            channelSin[r] = Float(delaySin[r] * ci + delayCos[r] * si)
                            channelCos[r] = Float(delayCos[r] * ci - delaySin[r] * si)
                        }
                    }
                }
                let time = dataset.sampleOffsets.map { timeTables($0[n]) } ?? shared
                encoder.encode(timeSin: time.0, timeCos: time.1, channelSin: channelSin, channelCos: channelCos,
                               noise: dataset.noise, into: &writer, sample: slot, noiseSample: n, shared: left)
            }
        }
    }
}
