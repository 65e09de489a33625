import Foundation
import SpikingCore
import XCTest

/// The byte-compare kernels (AVX2, AVX-512 builds) against the portable one: the same spikes for every
/// envelope, for peaks that never reach, exceed or go below the comparison range, for channel
/// counts that are not whole blocks or groups, with shared tables of every width, and for runs of
/// steps that are one partial chunk of the kernels (16 steps), whole chunks, or both.
final class PoissonKernelTests: XCTestCase {
    func testByteKernelGivesThePortableSpikesBitForBit() throws {
        let fast = PhaseLockedPoisson.availableKernels.filter { $0 != .portable }
        try XCTSkipIf(fast.isEmpty, "this build has only the portable kernel")
        #if arch(x86_64)
        XCTAssertTrue(fast.contains(.avx2) || ProcessInfo.processInfo.environment["SPIKELOC_PORTABLE"] == "1",
                      "a native x86-64 build on a CPU with AVX2 has the AVX2 kernel")
        #endif
        var rng = Xoshiro256StarStar(seed: 21)
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
            for (channels, steps) in [(200, 40), (70, 16), (37, 7), (8, 33), (1, 40)] {
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
                    func encoded(_ kernel: PhaseLockedPoisson.Kernel, _ table: PhaseLockedPoisson.SharedChannels?) -> SpikeRaster {
                        var raster = SpikeRaster(samples: 3, steps: steps, channels: channels)
                        for sample in 0 ..< 3 {
                            raster.withSampleWriter(for: sample ..< sample + 1) {
                                encoder.encode(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos,
                                               noise: noise, into: &$0, sample: sample, noiseSample: 5 * sample + 1,
                                               shared: table, kernel: kernel)
                            }
                        }
                        return raster
                    }
                    let portable = encoded(.portable, nil)
                    for kernel in fast {
                        let words = encoded(kernel, shared).words
                        let differing = zip(words, portable.words).filter { $0 != $1 }.count
                        XCTAssertTrue(words == portable.words,
                                      "\(kernel): \(differing) of \(words.count) words differ (\(encoder), \(channels) channels, \(prefix) shared)")
                    }
                    spikes += portable.spikeCount
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 6 * 16)
        XCTAssertGreaterThan(spikes, 100_000)
    }
}
