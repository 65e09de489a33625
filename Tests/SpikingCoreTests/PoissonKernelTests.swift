import Foundation
import SpikingCore
import XCTest

/// The byte-compare kernel (AVX2 builds) against the portable one: the same spikes for every
/// envelope, for peaks that never reach, exceed or go below the comparison range, for channel
/// counts that are not whole blocks or groups, and with shared tables of every width.
final class PoissonKernelTests: XCTestCase {
    func testByteKernelGivesThePortableSpikesBitForBit() throws {
        try XCTSkipUnless(PhaseLockedPoisson.hasByteKernel, "this build has only the portable kernel")
        var rng = Xoshiro256StarStar(seed: 21)
        let steps = 40
        let encoders = [
            PhaseLockedPoisson(peakProbability: 0.6, envelopePower: 2),
            PhaseLockedPoisson(peakProbability: 0.9, envelopePower: 3),
            PhaseLockedPoisson(peakProbability: 0.7, envelopePower: 1.5),
            PhaseLockedPoisson(peakProbability: 0.6, envelopePower: 2, integralPhasePerStep: 0.1257),
            PhaseLockedPoisson(peakProbability: 1.4, envelopePower: 1),  // 256 p up to 358: top byte 255 ties
            PhaseLockedPoisson(peakProbability: -0.3, envelopePower: 1),  // p < 0: never
        ]
        var spikes = 0, cases = 0
        for encoder in encoders {
            for channels in [200, 70, 37, 8, 1] {
                let timeSin = (0 ..< steps).map { _ in Float.random(in: -1 ... 1, using: &rng) }
                let timeCos = timeSin.map { sqrt(1 - $0 * $0) }
                var channelSin = (0 ..< channels).map { _ in Float.random(in: -1 ... 1, using: &rng) }
                var channelCos = channelSin.map { -sqrt(1 - $0 * $0) }
                if channels > 30 { (channelSin[29], channelCos[29]) = (.nan, .nan) }  // NaN probabilities: no spikes
                let noise = FixedNoise(key: rng.next(), set: 3)
                for prefix in Set([0, 8, 64, 100, channels].filter { $0 <= channels }) {
                    let shared = prefix == 0 ? nil : encoder.sharedChannels(
                        timeSin: timeSin, timeCos: timeCos,
                        channelSin: Array(channelSin.prefix(prefix)), channelCos: Array(channelCos.prefix(prefix)))
                    var fast = SpikeRaster(samples: 3, steps: steps, channels: channels), portable = fast
                    for (kernel, table) in [(PhaseLockedPoisson.Kernel.fastest, shared), (.portable, nil)] {
                        for sample in 0 ..< 3 {
                            if kernel == .fastest {
                                fast.withSampleWriter(for: sample ..< sample + 1) {
                                    encoder.encode(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos,
                                                   noise: noise, into: &$0, sample: sample, noiseSample: 5 * sample + 1, shared: table)
                                }
                            } else {
                                portable.withSampleWriter(for: sample ..< sample + 1) {
                                    encoder.encode(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos,
                                                   noise: noise, into: &$0, sample: sample, noiseSample: 5 * sample + 1, kernel: .portable)
                                }
                            }
                        }
                    }
                    XCTAssertEqual(fast, portable, "\(encoder), \(channels) channels, \(prefix) shared")
                    spikes += portable.spikeCount
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 6 * 16)
        XCTAssertGreaterThan(spikes, 100_000)
    }
}
