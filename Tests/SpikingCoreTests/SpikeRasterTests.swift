import SpikingCore
import Testing
import XCTest

/// The raster's checked access: bits land where they should, the padding bits of a step's last
/// word stay 0, and writing through ``SampleWriter`` (sequentially or in parallel) gives the same
/// words as the subscript.
final class SpikeRasterTests: XCTestCase {
    func testSubscriptSetsTheRightBitAndNoPadding() {
        var r = SpikeRaster(samples: 3, steps: 4, channels: 70)
        XCTAssertEqual(r.wordsPerStep, 2)
        XCTAssertEqual(r.wordsPerSample, 8)
        r[2, 3, 69] = true
        r[0, 0, 0] = true
        r[1, 2, 64] = true
        XCTAssertEqual(r.words[2 * 8 + 3 * 2 + 1], 1 << 5)
        XCTAssertEqual(r.words[0], 1)
        XCTAssertEqual(r.words[1 * 8 + 2 * 2 + 1], 1)
        XCTAssertEqual(r.spikeCount, 3)
        XCTAssertEqual(r.activeChannels(sample: 1, step: 2), [64])
        XCTAssertEqual(r.sampleOffset(2), 16)
        r[2, 3, 69] = false
        XCTAssertEqual(r.spikeCount, 2)
    }

    func testSetAndClearSample() {
        var r = SpikeRaster(samples: 2, steps: 2, channels: 70)
        r.setSample(1, words: [1, 0x3F, 0, 1 << 5])
        XCTAssertEqual(r.activeChannels(sample: 1, step: 0), [0, 64, 65, 66, 67, 68, 69])
        XCTAssertEqual(r.activeChannels(sample: 1, step: 1), [69])
        XCTAssertEqual(r.activeChannels(sample: 0, step: 0), [])
        XCTAssertEqual(SpikeRaster(samples: 2, steps: 2, channels: 70, words: r.words), r)
        r.clearSample(1)
        XCTAssertEqual(r.spikeCount, 0)
    }

    func testWritersMatchTheSubscript() {
        var expected = SpikeRaster(samples: 10, steps: 5, channels: 130)
        var rng = Xoshiro256StarStar(seed: 9)
        var bits: [(Int, Int, Int)] = []
        for n in 0 ..< 10 { for t in 0 ..< 5 { for c in 0 ..< 130 where rng.nextUnitDouble() < 0.1 { bits.append((n, t, c)) } } }
        for (n, t, c) in bits { expected[n, t, c] = true }
        var parallel = SpikeRaster(samples: 10, steps: 5, channels: 130)
        parallel.writeSamples(chunkSize: 3, threads: 2) { samples, writer in
            XCTAssertEqual(writer.samples, samples)
            for (n, t, c) in bits where samples.contains(n) { writer[n, t, c] = true }
        }
        XCTAssertEqual(parallel, expected)
        // a raster built by `writing` is the same, and words its body leaves alone are 0, not
        // whatever the allocation held (samples 7 ..< 10 are never written here)
        for _ in 0 ..< 3 {
            let written = SpikeRaster.writing(samples: 10, steps: 5, channels: 130, chunkSize: 3, threads: 2) { samples, writer in
                XCTAssertEqual(writer.samples, samples)
                for (n, t, c) in bits where samples.contains(n) && n < 7 { writer[n, t, c] = true }
            }
            for n in 0 ..< 10 { for t in 0 ..< 5 {
                XCTAssertEqual(written.activeChannels(sample: n, step: t), n < 7 ? expected.activeChannels(sample: n, step: t) : [])
            } }
            XCTAssertEqual(written.words.count, expected.words.count)
        }
        var one = SpikeRaster(samples: 10, steps: 5, channels: 130)
        one.withSampleWriter(for: 4 ..< 6) { writer in
            for (n, t, c) in bits where (4 ..< 6).contains(n) { writer[n, t, c] = true }
            XCTAssertTrue(writer[4, bits.first { $0.0 == 4 }!.1, bits.first { $0.0 == 4 }!.2])
        }
        for n in 0 ..< 10 { for t in 0 ..< 5 {
            XCTAssertEqual(one.activeChannels(sample: n, step: t), (4 ..< 6).contains(n) ? expected.activeChannels(sample: n, step: t) : [])
        } }
    }

    /// The encoder fills exactly its sample, clears it first, and never sets padding bits, even
    /// at probability 1 on a channel count that is not a multiple of 64.
    func testEncoderWritesOnlyItsSampleAndNoPadding() {
        let encoder = PhaseLockedPoisson(peakProbability: 1, envelopePower: 0)  // spikes everywhere
        let steps = 3, channels = 70
        let ts = [Float](repeating: 0, count: steps), tc = [Float](repeating: 1, count: steps)
        let cs = [Float](repeating: 0, count: channels), cc = [Float](repeating: 1, count: channels)
        var r = SpikeRaster(samples: 3, steps: steps, channels: channels)
        r[0, 1, 5] = true
        r[1, 1, 5] = true
        encoder.encode(timeSin: ts, timeCos: tc, channelSin: cs, channelCos: cc, noise: FixedNoise(key: UInt64(7), set: 1), into: &r, sample: 1)
        XCTAssertEqual(r.activeChannels(sample: 0, step: 1), [5], "other samples untouched")
        for t in 0 ..< steps { XCTAssertEqual(r.activeChannels(sample: 1, step: t), Array(0 ..< channels)) }
        XCTAssertEqual(r.spikeCount, 1 + steps * channels, "no padding bit set")
        XCTAssertEqual(r.activeChannels(sample: 2, step: 0), [])
    }
}

/// Out-of-range access stops the process with a precondition failure instead of touching memory.
@Suite struct SpikeRasterPreconditionTests {
    @Test func channelPastTheEnd() async {
        await #expect(processExitsWith: .failure) {
            var r = SpikeRaster(samples: 1, steps: 2, channels: 200)
            r[0, 0, 250] = true
        }
    }

    @Test func stepPastTheEnd() async {
        await #expect(processExitsWith: .failure) {
            let r = SpikeRaster(samples: 1, steps: 2, channels: 200)
            _ = r[0, 2, 0]
        }
    }

    @Test func negativeSample() async {
        await #expect(processExitsWith: .failure) {
            _ = SpikeRaster(samples: 1, steps: 2, channels: 200).activeChannels(sample: -1, step: 0)
        }
    }

    @Test func paddingBitsInGivenWords() async {
        await #expect(processExitsWith: .failure) {
            var r = SpikeRaster(samples: 1, steps: 1, channels: 70)
            r.setSample(0, words: [0, 1 << 6])
        }
    }

    @Test func wrongWordCount() async {
        await #expect(processExitsWith: .failure) {
            _ = SpikeRaster(samples: 1, steps: 1, channels: 70, words: [0])
        }
    }

    @Test func writerOutsideItsSamples() async {
        await #expect(processExitsWith: .failure) {
            var r = SpikeRaster(samples: 4, steps: 1, channels: 8)
            r.withSampleWriter(for: 0 ..< 2) { $0[2, 0, 0] = true }
        }
    }

    @Test func encoderWithTooFewChannelPhases() async {
        await #expect(processExitsWith: .failure) {
            var r = SpikeRaster(samples: 1, steps: 1, channels: 70)
            PhaseLockedPoisson(peakProbability: 0.5, envelopePower: 2).encode(
                timeSin: [0], timeCos: [1], channelSin: [0], channelCos: [1], noise: FixedNoise(key: UInt64(0), set: 1), into: &r, sample: 0)
        }
    }

    @Test func encoderOnSamplePastTheEnd() async {
        await #expect(processExitsWith: .failure) {
            var r = SpikeRaster(samples: 1, steps: 1, channels: 1)
            PhaseLockedPoisson(peakProbability: 0.5, envelopePower: 2).encode(
                timeSin: [0], timeCos: [1], channelSin: [0], channelCos: [1], noise: FixedNoise(key: UInt64(0), set: 1), into: &r, sample: 1)
        }
    }
}
