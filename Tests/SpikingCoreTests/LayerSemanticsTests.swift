import Foundation
import SpikingCore
import XCTest

/// The notebook's hand-tuned kernel against the generic driver, and the neuron models' steps.
final class LayerSemanticsTests: XCTestCase {
    /// A notebook network of a given shape with random spikes.
    func notebookCase(inputs: Int, hidden: Int, steps: Int, samples: Int, seed: UInt64, signs: Bool = false)
        -> (SpikingNetwork, SpikeRaster, [Int]) {
        var rng = Xoshiro256StarStar(seed: seed)
        var raster = SpikeRaster(samples: samples, steps: steps, channels: inputs)
        for n in 0 ..< samples { for t in 0 ..< steps { for i in 0 ..< inputs where rng.nextUnitDouble() < 0.2 { raster[n, t, i] = true } } }
        let bound = 2 / Float(Double(inputs) * 0.2).squareRoot()
        let w1 = Matrix.uniform(rows: inputs, columns: hidden, bound: bound, using: &rng)
        let w2 = Matrix.uniform(rows: hidden, columns: 7, bound: 0.5, using: &rng)
        let s = signs ? (DaleMask.contiguous(rows: inputs, ieRatio: 0.3), DaleMask.contiguous(rows: hidden, ieRatio: 0.3)) : nil
        let net = SpikingNetwork.notebook(w1: w1, w2: w2, tauMs: 5, dtMs: 1, steps: steps, signs: s)
        return (net, raster, (0 ..< samples).map { _ in Int(rng.next() % 7) })
    }

    /// Identical spikes; scores, loss and gradients equal up to float32 summation order, over the
    /// shapes the kernel's blocking treats differently (hidden not a multiple of 8 or 32, several
    /// blocks of 32, inputs across 64-bit words, two steps).
    func testNotebookKernelAgreesWithGenericDriver() {
        let kernel = NetworkEngine(threads: 2)
        let generic = NetworkEngine(threads: 2)
        generic.usesNotebookKernel = false
        for (k, shape) in [(200, 30, 100), (65, 33, 50), (130, 65, 20), (1, 1, 2), (63, 100, 30), (64, 32, 3)].enumerated() {
            let (net, raster, labels) = notebookCase(inputs: shape.0, hidden: shape.1, steps: shape.2, samples: 19,
                                                     seed: UInt64(k), signs: k % 2 == 1)
            let what = "\(shape)"
            XCTAssertTrue(kernel.runsNotebookKernel(net), what)
            XCTAssertFalse(generic.runsNotebookKernel(net), what)
            let samples = Array(0 ..< 19)
            let a = kernel.scores(net, raster: raster, samples: samples, recordHidden: true)
            let b = generic.scores(net, raster: raster, samples: samples, recordHidden: true)
            XCTAssertEqual(a.hiddenRaster, b.hiddenRaster, "\(what): identical spikes")
            XCTAssertEqual(a.hiddenCounts, b.hiddenCounts, what)
            if shape.1 > 1 { XCTAssertGreaterThan(a.hiddenRaster.spikeCount, 0, "\(what): the test needs spikes") }
            assertClose(a.values, b.values, relative: 1e-6, "\(what) scores", allowZero: true)
            let loss = ClassificationLoss(outputScale: 0.01)
            let ga = kernel.lossAndGradients(net, raster: raster, samples: samples, labels: labels, loss: loss)
            let gb = generic.lossAndGradients(net, raster: raster, samples: samples, labels: labels, loss: loss)
            XCTAssertEqual(ga.loss, gb.loss, accuracy: 1e-6 * abs(gb.loss), what)
            XCTAssertEqual(ga.names, gb.names)
            for (name, (x, y)) in zip(ga.names, zip(ga.gradients, gb.gradients)) where !name.hasPrefix("tau") {
                assertClose(x, y, relative: 1e-6, "\(what) d/d\(name)", allowZero: true)
            }
        }
    }

    /// The kernel's backward pass drops the surrogate terms of neurons far below the threshold
    /// (`NetworkEngine.dropsNegligibleTerms`) only where they cannot change a sum: loss and
    /// gradients are the same bits as with every term computed, in exact and in flushed
    /// arithmetic, on networks whose membranes reach far below the threshold (strong, mixed
    /// weights), for two surrogate slopes.
    func testDroppedNegligibleTermsLeaveGradientsBitIdentical() {
        var rng = Xoshiro256StarStar(seed: 31)
        let inputs = 120, hidden = 40, steps = 60
        var raster = SpikeRaster(samples: 24, steps: steps, channels: inputs)
        for n in 0 ..< 24 { for t in 0 ..< steps { for i in 0 ..< inputs where rng.nextUnitDouble() < 0.25 { raster[n, t, i] = true } } }
        let labels = (0 ..< 24).map { _ in Int(rng.next() % 7) }
        let w2 = Matrix.uniform(rows: hidden, columns: 7, bound: 0.5, using: &rng)
        var tested = 0
        for (bound, beta) in [(Float(1.5), Float(5)), (3, 5), (1.5, 20)] {
            let w1 = Matrix.uniform(rows: inputs, columns: hidden, bound: bound, using: &rng)
            var neuron = LIFNeuron()
            neuron.surrogate = SigmoidSurrogate(beta: beta)
            let net = SpikingNetwork.notebook(w1: w1, w2: w2, tauMs: 5, dtMs: 1, steps: steps, neuron: neuron)
            let fast = NetworkEngine(threads: 2), plain = NetworkEngine(threads: 2)
            plain.dropsNegligibleTerms = false
            XCTAssertTrue(fast.runsNotebookKernel(net))
            for flush in [false, true] where !flush || SubnormalMode.isSupported {
                let loss = ClassificationLoss(outputScale: 0.01)
                let a = SubnormalMode.flushingToZero(flush) {
                    fast.lossAndGradients(net, raster: raster, samples: Array(0 ..< 24), labels: labels, loss: loss)
                }
                let b = SubnormalMode.flushingToZero(flush) {
                    plain.lossAndGradients(net, raster: raster, samples: Array(0 ..< 24), labels: labels, loss: loss)
                }
                XCTAssertEqual(a.loss.bitPattern, b.loss.bitPattern)
                for (x, y) in zip(a.gradients, b.gradients) {
                    XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern), "bound \(bound), beta \(beta), flush \(flush)")
                }
                XCTAssertGreaterThan(a.gradients[0].filter { $0 != 0 }.count, a.gradients[0].count / 4, "the test needs gradients")
                tested += 1
            }
        }
        XCTAssertGreaterThanOrEqual(tested, 3)
    }

    /// Anything but the notebook's network runs on the generic driver.
    func testOnlyTheNotebookNetworkRunsOnTheKernel() {
        let engine = NetworkEngine(threads: 1)
        let (net, _, _) = notebookCase(inputs: 10, hidden: 4, steps: 5, samples: 1, seed: 1)
        XCTAssertTrue(engine.runsNotebookKernel(net))
        XCTAssertFalse(engine.runsNotebookKernel(net, loss: ClassificationLoss(ratePenalty: RatePenalty(weight: 1))))
        var learned = net
        var p = learned.parameters
        p[1].isLearnable = true
        learned.parameters = p
        XCTAssertFalse(engine.runsNotebookKernel(learned), "learnable tau")
        let w1 = net.inputWeights, w2 = net.readoutWeights
        XCTAssertFalse(engine.runsNotebookKernel(.notebook(w1: w1, w2: w2, steps: 5, neuron: LIFNeuron(timing: .current))))
        XCTAssertFalse(engine.runsNotebookKernel(.notebook(w1: w1, w2: w2, steps: 5, neuron: LIFNeuron(reset: .subtract))))
        let maxReadout = SpikingNetwork(inputs: 10, layers: net.layers, readout: Readout(kind: .max, weights: w2, tauMs: [5]), steps: 5, dtMs: 1)
        XCTAssertFalse(engine.runsNotebookKernel(maxReadout))
    }

    /// The notebook LIF, step by step: the spike of a crossing is emitted one step later and the
    /// reset lands one step after that; the standard LIF spikes and resets at once.
    func testLIFStepTimings() {
        let notebook = LIFNeuron()
        var s = LIFNeuron.State.zero
        var out: [Float] = []
        for current: Float in [1.5, 0, 0, 0] { out.append(notebook.step(&s, current: current, decay: 0.5)) }
        XCTAssertEqual(out, [0, 0, 1, 0], "crossing at step 0 (v = 1.5 after it), spike emitted at step 2")
        let standard = LIFNeuron(timing: .current)
        s = .zero
        out = []
        for current: Float in [1.5, 0, 0.9, 0.9] { out.append(standard.step(&s, current: current, decay: 0.5)) }
        XCTAssertEqual(out, [1, 0, 0, 1], "spike at the crossing, membrane back to 0: 0.9, then 0.45 + 0.9")
        let subtract = LIFNeuron(timing: .current, reset: .subtract)
        s = .zero
        _ = subtract.step(&s, current: 1.5, decay: 0.5)
        XCTAssertEqual(s.v, 0.5, "1.5 - threshold")
    }

    /// The adaptive threshold rises after a spike and blocks a spike the plain LIF would fire.
    func testAdaptiveThresholdRises() {
        let alif = AdaptiveLIFNeuron(beta: 1, rho: 0.9, timing: .current)
        var s = AdaptiveLIFNeuron.State.zero
        XCTAssertEqual(alif.step(&s, current: 1.2, decay: 0.5), 1)
        XCTAssertEqual(s.a, 0.1, accuracy: 1e-6, "a = (1 - rho) after one spike")
        XCTAssertEqual(alif.step(&s, current: 1.05, decay: 0.5), 0, "1.05 < 1 + 0.1")
        var plain = LIFNeuron.State.zero
        let lif = LIFNeuron(timing: .current)
        _ = lif.step(&plain, current: 1.2, decay: 0.5)
        XCTAssertEqual(lif.step(&plain, current: 1.05, decay: 0.5), 1)
    }

    /// The time weights of the summed integrator equal explicit integration.
    func testReadoutTimeWeightsEqualExplicitIntegration() {
        let alpha = Float(exp(-0.2))
        let weights = Readout.timeWeights(alpha: alpha, steps: 100)
        XCTAssertEqual(weights[99], 0, "the last input is never integrated")
        XCTAssertEqual(weights[98], 1)
        for k in [0, 17, 50, 98] {
            var v: Float = 0, sum: Float = 0
            for t in 0 ..< 99 { v = alpha * v + (t == k ? 1 : 0); sum += v }
            XCTAssertEqual(weights[k], sum, accuracy: 1e-5, "k = \(k)")
        }
    }

    func testSIMDExpIsAccurate() {
        var worst: Float = 0
        for i in 0 ..< 2000 {
            let x = Float(i) * 0.09 - 90
            let e = SIMDMath.exp(SIMD8(repeating: x))[0]
            let ref = Foundation.exp(x)
            if ref > 1e-37 && ref < 1e37 { worst = max(worst, abs(e - ref) / ref) }
            XCTAssertTrue(e.isFinite && e >= 0, "exp(\(x)) = \(e)")
        }
        XCTAssertLessThan(worst, 4e-7)
    }

    func testSurrogateDerivativeMatchesFormula() {
        let s = SigmoidSurrogate(beta: 5)
        for x: Float in [-3, -1, -0.1, 0, 0.2, 2] {
            let sig = 1 / (1 + Foundation.exp(-5 * x))
            XCTAssertEqual(s.derivative(x), 5 * sig * (1 - sig), accuracy: 1e-6)
            XCTAssertEqual(s.derivative(SIMD8(repeating: x))[3], s.derivative(x), accuracy: 1e-6)
        }
        XCTAssertEqual(s.spike(0), 0)
        XCTAssertEqual(s.spike(1e-7), 1)
    }

    func testDaleMaskRoundsUpLikeTorchArange() {
        XCTAssertEqual(DaleMask.contiguous(rows: 200, ieRatio: 0.5).filter { $0 < 0 }.count, 100)
        XCTAssertEqual(DaleMask.contiguous(rows: 30, ieRatio: 0.5).prefix(15), ArraySlice(repeating: -1, count: 15))
        XCTAssertEqual(DaleMask.contiguous(rows: 12, ieRatio: 0.3).filter { $0 < 0 }.count, 4, "0.3 x 12 = 3.5999999999999996")
        XCTAssertEqual(DaleMask.contiguous(rows: 30, ieRatio: 0.25).filter { $0 < 0 }.count, 8, "arange(7.5) has 8 elements")
        XCTAssertEqual(DaleMask.contiguous(rows: 12, ieRatio: 0).filter { $0 < 0 }.count, 0)
        XCTAssertEqual(DaleMask.contiguous(rows: 12, ieRatio: 1).filter { $0 < 0 }.count, 12)
    }

    /// The fixed noise's uniforms are uniform (top byte and fine bits) and differ between sets.
    func testFixedNoiseIsUniformAndStable() {
        let noise = FixedNoise(key: 12345, set: 1)
        var bins = [Int](repeating: 0, count: 16), fineBins = [Int](repeating: 0, count: 16)
        let n = 160_000
        for i in 0 ..< n {
            let u = noise.uniform(sample: i / 2000, step: (i / 200) % 10, channel: i % 200, steps: 10, channels: 200)
            XCTAssertTrue((0 ..< 1).contains(u))
            bins[Int(u * 16)] += 1
            fineBins[Int((u * 256 - (u * 256).rounded(.down)) * 16)] += 1
        }
        let expected = Double(n) / 16
        for b in [bins, fineBins] {
            let chi2 = b.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            XCTAssertLessThan(chi2, 37.7, "chi-square with 15 degrees of freedom, p = 0.001")
        }
        XCTAssertEqual(noise.uniform(sample: 3, step: 4, channel: 5, steps: 10, channels: 200),
                       noise.uniform(sample: 3, step: 4, channel: 5, steps: 10, channels: 200))
        XCTAssertNotEqual(noise.uniform(sample: 0, step: 0, channel: 0, steps: 10, channels: 200),
                          FixedNoise(key: 12345, set: 2).uniform(sample: 0, step: 0, channel: 0, steps: 10, channels: 200))
    }
}
