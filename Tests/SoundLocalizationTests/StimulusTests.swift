import Foundation
import SoundLocalization
import SpikingCore
import XCTest

final class StimulusTests: XCTestCase {
    let config = ExperimentConfig()

    /// The notebook's formula, written out: p = 600 Hz * 1 ms * ((1 + sin theta) / 2)^2.
    func testProbabilityFollowsNotebookFormula() {
        let s = SoundStimulus(config)
        XCTAssertEqual(s.phaseDelays.count, 100)
        XCTAssertEqual(s.phaseDelays[0], 0)
        XCTAssertEqual(s.phaseDelays[99], Double.pi / 2)
        XCTAssertEqual(s.phaseDelays[1], Double.pi / 2 / 99, accuracy: 1e-15)
        let ipd = 0.3, offset = 0.25
        for (t, ch) in [(0, 0), (10, 5), (37, 150), (99, 199)] {
            let delay = Double.pi / 2 / 99 * Double(ch % 100)
            let theta = 2 * Double.pi * (20 * Double(t) * 0.001 + offset) + delay + (ch >= 100 ? ipd : 0)
            let expected = 600 * 0.001 * pow(0.5 * (1 + sin(theta)), 2)
            XCTAssertEqual(s.probability(ipd: ipd, step: t, channel: ch, offset: offset), expected, accuracy: 1e-12)
        }
    }

    /// The fast generator (addition formula, counter uniforms) gives exactly the spikes of the
    /// direct formula `u < p` except where `u` lies within float rounding (1e-6) of `p`.
    func testFastSpikesEqualDirectFormula() {
        let s = SoundStimulus(config)
        var g = Xoshiro256StarStar(seed: 3)
        let data = IPDDataset.random(count: 24, ipdGenerator: &g, noise: FixedNoise(key: 99, set: 1))
        for offset in [0.0, 0.6180339887] {
            let raster = s.spikes(for: data, offset: offset, threads: 2)
            var mismatches = 0, spikes = 0
            for n in 0 ..< data.count {
                for t in 0 ..< s.steps {
                    for ch in 0 ..< s.channels {
                        let u = data.noise.uniform(sample: n, step: t, channel: ch, steps: s.steps, channels: s.channels)
                        let p = s.probability(ipd: data.ipds[n], step: t, channel: ch, offset: offset)
                        let direct = Double(u) < p
                        if direct { spikes += 1 }
                        if direct != raster[n, t, ch] {
                            mismatches += 1
                            XCTAssertLessThan(abs(Double(u) - p), 1e-6, "a mismatch away from the boundary at \(n), \(t), \(ch)")
                        }
                    }
                }
            }
            XCTAssertLessThanOrEqual(mismatches, 2)
            // mean of 0.6 * ((1 + sin)/2)^2 over a period is 0.6 * 3/8 = 0.225
            XCTAssertEqual(Double(spikes) / Double(data.count * s.steps * s.channels), 0.225, accuracy: 0.01)
        }
    }

    /// A new offset changes the spikes while the uniforms (the Poisson noise) stay the same.
    func testOffsetChangesPerEpochOverFixedUniforms() {
        let exp = Experiment(config)
        let o0 = RandomStream.trainOffset.unitDouble(seed: 0, 0), o1 = RandomStream.trainOffset.unitDouble(seed: 0, 1)
        XCTAssertNotEqual(o0, o1)
        XCTAssertNotEqual(RandomStream.validationOffset.unitDouble(seed: 0, 0), o0)
        let small = IPDDataset(ipds: Array(exp.trainingSet.ipds.prefix(8)), noise: exp.trainingSet.noise)
        let a = exp.stimulus.spikes(for: small, offset: o0, threads: 1)
        let b = exp.stimulus.spikes(for: small, offset: o1, threads: 1)
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a, exp.stimulus.spikes(for: small, offset: o0, threads: 2), "same offset, same spikes")
        // where the probability does not change, neither does the spike: same uniforms
        var sameP = 0
        for n in 0 ..< 8 {
            for t in 0 ..< 100 {
                for ch in 0 ..< 200 {
                    let pa = exp.stimulus.probability(ipd: small.ipds[n], step: t, channel: ch, offset: o0)
                    let pb = exp.stimulus.probability(ipd: small.ipds[n], step: t, channel: ch, offset: o1)
                    let u = small.noise.uniform(sample: n, step: t, channel: ch, steps: 100, channels: 200)
                    if (u < pa) == (u < pb) && abs(u - pa) > 1e-6 && abs(u - pb) > 1e-6 {
                        sameP += 1
                        XCTAssertEqual(a[n, t, ch], b[n, t, ch])
                    }
                }
            }
        }
        XCTAssertGreaterThan(sameP, 100_000)
    }

    /// The trainer builds a few batches' spikes at a time: a raster of listed samples holds the
    /// spikes they have in the whole set (their own noise, not their slot's), and scores of
    /// consecutive parts concatenate to the scores of the whole.
    func testSpikesOfListedSamplesEqualThoseOfTheWholeSet() {
        let exp = Experiment(config)
        let data = IPDDataset(ipds: Array(exp.trainingSet.ipds.prefix(40)), noise: exp.trainingSet.noise)
        let whole = exp.stimulus.spikes(for: data, offset: 0.3, threads: 2)
        let listed = [17, 3, 39, 3, 0]
        let part = exp.stimulus.spikes(for: data, samples: listed, offset: 0.3, threads: 2)
        XCTAssertEqual(part.samples, listed.count)
        for (k, n) in listed.enumerated() {
            XCTAssertEqual(part.words[part.sampleOffset(k) ..< part.sampleOffset(k) + part.wordsPerSample],
                           whole.words[whole.sampleOffset(n) ..< whole.sampleOffset(n) + whole.wordsPerSample], "sample \(n)")
        }
        XCTAssertNotEqual(part.words[0 ..< part.wordsPerSample], whole.words[0 ..< whole.wordsPerSample], "slot 0 is sample 17")
        let network = exp.initialNetwork(), engine = NetworkEngine(threads: 2)
        let all = engine.scores(network, raster: whole, samples: Array(0 ..< 40), recordHidden: true)
        let halves = [0 ..< 24, 24 ..< 40].map { r in
            engine.scores(network, raster: exp.stimulus.spikes(for: data, samples: Array(r), offset: 0.3, threads: 1),
                          samples: Array(0 ..< r.count), recordHidden: true)
        }
        let joined = Scores(concatenating: halves)
        XCTAssertEqual(joined.values, all.values)
        XCTAssertEqual(joined.hiddenCounts, all.hiddenCounts)
        XCTAssertEqual(joined.hiddenRaster, all.hiddenRaster)
        XCTAssertGreaterThan(all.hiddenCounts.reduce(0, +), 0)
    }

    func testClassEdgesAndMidpoints() {
        let c = IPDClasses(count: 12)
        XCTAssertEqual(c.edges.count, 13)
        XCTAssertEqual(c.edges[0] * 180 / .pi, -90, accuracy: 1e-9)
        XCTAssertEqual(c.edges[1] * 180 / .pi, -75, accuracy: 1e-9)
        XCTAssertEqual(c.midpoint(0) * 180 / .pi, -82.5, accuracy: 1e-9)
        XCTAssertEqual(c.midpoint(11) * 180 / .pi, 82.5, accuracy: 1e-9)
        XCTAssertEqual(c.label(Float(-Double.pi / 2 + 1e-4)), 0)
        XCTAssertEqual(c.label(Float(-76 * Double.pi / 180)), 0)
        XCTAssertEqual(c.label(Float(-74 * Double.pi / 180)), 1)
        XCTAssertEqual(c.label(0.001), 6)
        XCTAssertEqual(c.label(-0.001), 5)
        XCTAssertEqual(c.label(Float(Double.pi / 2)), 11, "clamped: the notebook would produce class 12")
        // at the edges, pi rounded to nearest (PyTorch's float32 pi, 0x40490FDB), not toward zero
        // (Swift's Float.pi, 0x40490FDA): expected classes from NumPy float32 arithmetic with
        // np.float32(np.pi); Float.pi would give 2, 8, 11, 0 and 8
        XCTAssertEqual(c.label(Float(bitPattern: 0xBF49_0FDB)), 3, "-pi/4 in float32")
        XCTAssertEqual(c.label(Float(bitPattern: 0x3F06_0A8F)), 7)
        XCTAssertEqual(c.label(Float(bitPattern: 0x3FA7_8D35)), 10)
        XCTAssertEqual(c.label(Float(bitPattern: 0xBFA7_8D36)), 1)
        XCTAssertEqual(c.label(Float(bitPattern: 0x3F49_0FD8)), 9)
        XCTAssertEqual(c.label(Float(bitPattern: 0xBFC9_0FDB)), 0, "-pi/2 in float32")
        // a perfect classifier still scores 3.75 degrees on average: the mean distance to a midpoint
        var g = Xoshiro256StarStar(seed: 1)
        let ipds = (0 ..< 20000).map { _ in g.nextUnitDouble() * .pi - .pi / 2 }
        let perfect = Evaluation(trueIPDs: ipds, predictions: ipds.map { c.label(Float($0)) }, classes: c)
        XCTAssertEqual(perfect.accuracy, 100)
        XCTAssertEqual(perfect.absErrorDeg, 3.75, accuracy: 0.05)
        XCTAssertEqual(perfect.confusion.joined().reduce(0, +), 20000)
    }

    func testEarlyStoppingRule() {
        // epochs 0...11 improving, then flat: stops once the best is the oldest of the last 10
        var history = (0 ..< 12).map { 1.0 - Double($0) * 0.01 }
        XCTAssertFalse(Trainer.shouldStopEarly(validationLoss: history, window: 10, after: 10))
        for _ in 0 ..< 8 { history.append(2); XCTAssertFalse(Trainer.shouldStopEarly(validationLoss: history, window: 10, after: 10)) }
        history.append(2)
        XCTAssertTrue(Trainer.shouldStopEarly(validationLoss: history, window: 10, after: 10))
        // never before epoch 11, even when the first loss is the lowest
        let flat = [Double](repeating: 1, count: 11)
        XCTAssertFalse(Trainer.shouldStopEarly(validationLoss: flat, window: 10, after: 10))
        XCTAssertTrue(Trainer.shouldStopEarly(validationLoss: flat + [1], window: 10, after: 10), "ties go to the oldest")
    }

    func testConfigValidationNamesTheOption() {
        var c = ExperimentConfig()
        c.batchSize = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigError)?.option, "--batch-size") }
        c = ExperimentConfig()
        c.ieRatio = 1.5
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigError)?.option, "--ie-ratio") }
        c = ExperimentConfig()
        c.tauMs = -1
        XCTAssertThrowsError(try c.validate()) { XCTAssertEqual(($0 as? ConfigError)?.option, "--tau-ms") }
        XCTAssertNoThrow(try ExperimentConfig().validate())
    }

    func testInitialWeightsUseNotebookBounds() {
        let net = Experiment(config).initialNetwork()
        XCTAssertEqual(net.inputWeights.rows, 200); XCTAssertEqual(net.inputWeights.columns, 30)
        XCTAssertEqual(net.readoutWeights.rows, 30); XCTAssertEqual(net.readoutWeights.columns, 12)
        let b1 = Float(1 / 30.0.squareRoot()), b2 = Float(1 / 12.0.squareRoot())
        XCTAssertLessThanOrEqual(net.inputWeights.values.map(abs).max()!, b1)
        XCTAssertGreaterThan(net.inputWeights.values.map(abs).max()!, 0.95 * b1)
        XCTAssertLessThanOrEqual(net.readoutWeights.values.map(abs).max()!, b2)
        XCTAssertGreaterThan(net.readoutWeights.values.map(abs).max()!, 0.9 * b2)
        XCTAssertEqual(net.inputWeights, Experiment(config).initialNetwork().inputWeights, "same seed, same weights")
    }
}
