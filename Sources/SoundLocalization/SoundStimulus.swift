import Foundation
import SpikingCore

/// The notebook's stimulus (`input_signal`): a tone heard by `anfPerEar` auditory nerve fibres per
/// ear with phase delays `linspace(0, pi/2, anfPerEar)`, the right ear shifted by the IPD, each
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
        encoder = PhaseLockedPoisson(peakProbability: config.rateMaxHz * dt, envelopePower: config.envelopePower)
        let n = config.anfPerEar
        let step = n > 1 ? (Double.pi / 2) / Double(n - 1) : 0
        phaseDelays = (0 ..< n).map { $0 == n - 1 && n > 1 ? Double.pi / 2 : Double($0) * step }
    }

    /// Input channels (both ears).
    public var channels: Int { 2 * anfPerEar }

    /// Phase of the tone at step `t` for a given offset, `2 pi (f t dt + offset)`.
    public func timePhase(step t: Int, offset: Double) -> Double {
        2 * Double.pi * (frequency * (Double(t) * dt) + offset)
    }

    /// Phase of channel `channel` for a sample of IPD `ipd` (its delay, plus the IPD on the right ear).
    public func channelPhase(_ channel: Int, ipd: Double) -> Double {
        channel < anfPerEar ? phaseDelays[channel] : phaseDelays[channel - anfPerEar] + ipd
    }

    /// The spike probability of one element by the notebook's direct formula, in double precision.
    public func probability(ipd: Double, step: Int, channel: Int, offset: Double) -> Double {
        encoder.probability(phase: timePhase(step: step, offset: offset) + channelPhase(channel, ipd: ipd))
    }

    /// The spikes of every sample of `dataset` for one phase offset, built in parallel.
    public func spikes(for dataset: IPDDataset, offset: Double, threads: Int) -> SpikeRaster {
        var raster = SpikeRaster(samples: dataset.count, steps: steps, channels: channels)
        let phases = (0 ..< steps).map { timePhase(step: $0, offset: offset) }
        let timeSin = phases.map { Float(sin($0)) }, timeCos = phases.map { Float(cos($0)) }
        let delaySin = phaseDelays.map { sin($0) }, delayCos = phaseDelays.map { cos($0) }
        raster.writeSamples(chunkSize: 64, threads: threads) { samples, writer in
            var channelSin = [Float](repeating: 0, count: channels)
            var channelCos = channelSin
            for n in samples {
                let ipd = dataset.ipds[n]
                let si = sin(ipd), ci = cos(ipd)
                for k in 0 ..< anfPerEar {
                    channelSin[k] = Float(delaySin[k])
                    channelCos[k] = Float(delayCos[k])
                    // sin and cos of delay + ipd by the addition formula, in double precision
                    channelSin[anfPerEar + k] = Float(delaySin[k] * ci + delayCos[k] * si)
                    channelCos[anfPerEar + k] = Float(delayCos[k] * ci - delaySin[k] * si)
                }
                encoder.encode(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos,
                               stream: dataset.stream(n), into: &writer, sample: n)
            }
        }
        return raster
    }
}
