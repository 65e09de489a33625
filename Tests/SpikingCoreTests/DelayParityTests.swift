import Foundation
import SpikingCore
import XCTest

/// Learned delays (DCLS) against the community's own code: `Fixtures/dcls_parity.json`, written by
/// `reference/dcls_fixtures.py` through the `dcls` package's `Dcls1d` ('gauss') and the notebook's
/// 'max' kernel, and checked by an independent float64 NumPy backpropagation
/// (`reference/check_dcls_fixture.py`).
final class DelayParityTests: XCTestCase {
    struct Fixture: Decodable { var cases: [Case] }

    struct Case: Decodable {
        var name: String
        var steps: Int
        var dtMs: Double
        var inputs: Int
        var hidden: Int
        var classes: Int
        var tauMs: Float
        var surrogateBeta: Float
        var outputScale: Float
        var batch: Int
        var taps: Int
        var layersDelayed: String
        var version: DelaySynapse.Kernel
        var sigma: Float
        var w1: [Float]
        var p1: [Float]
        var w2: [Float]
        var p2: [Float]?
        var spikes: [[[Int]]]
        var labels: [Int]
        var scores: [Float]
        var loss: Float
        var hiddenSpikeCounts: [Int]
        var minMargin: Double
        var gradients: [String: [Float]]
    }

    static func network(_ c: Case) -> SpikingNetwork {
        let neuron = LIFNeuron(threshold: 1, timing: .previous, reset: .zero, surrogate: SigmoidSurrogate(beta: c.surrogateBeta))
        let d1 = DelaySynapse(positions: Matrix(rows: c.inputs, columns: c.hidden, values: c.p1), taps: c.taps, sigma: c.sigma,
                              kernel: c.version)
        let d2 = c.p2.map {
            DelaySynapse(positions: Matrix(rows: c.hidden, columns: c.classes, values: $0), taps: c.taps, sigma: c.sigma, kernel: c.version)
        }
        let layer = SpikingLayer(neuron: neuron, weights: Matrix(rows: c.inputs, columns: c.hidden, values: c.w1), tauMs: [c.tauMs],
                                 delays: d1)
        let readout = Readout(kind: .sum, weights: Matrix(rows: c.hidden, columns: c.classes, values: c.w2), tauMs: [c.tauMs], delays: d2)
        return SpikingNetwork(inputs: c.inputs, layers: [layer], readout: readout, steps: c.steps, dtMs: c.dtMs)
    }

    static func raster(_ c: Case) -> SpikeRaster {
        var r = SpikeRaster(samples: c.batch, steps: c.steps, channels: c.inputs)
        for (n, sample) in c.spikes.enumerated() { for (t, active) in sample.enumerated() { for i in active { r[n, t, i] = true } } }
        return r
    }

    func testFixtureCoversBothKernelsAndTheNotebookShapes() throws {
        let f = try loadFixture(Fixture.self, "dcls_parity")
        XCTAssertEqual(Set(f.cases.map(\.version)), [.gauss, .max])
        XCTAssertEqual(Set(f.cases.map(\.taps)), [5, 25, 31, 35])
        XCTAssertTrue(f.cases.contains { $0.layersDelayed == "input" && $0.p2 == nil })
        XCTAssertTrue(f.cases.contains { $0.sigma == 15 && $0.taps == 31 && $0.inputs == 200 })
        // both layouts of the engine: full blocks (wide kernels) and windows of 8 and 16 taps (narrow)
        let spans = Dictionary(uniqueKeysWithValues: f.cases.map { ($0.name, Self.network($0).layers[0].delays!.nonZeroTapSpan) })
        XCTAssertEqual(spans["notebook-early"], 31)
        XCTAssertLessThanOrEqual(spans["notebook-late"]!, 8)
        XCTAssertTrue((9 ... 16).contains(spans["notebook-mid"]!), "\(spans)")
        XCTAssertEqual(Self.network(f.cases.first { $0.name == "notebook-mid" }!).readout.delays!.nonZeroTapSpan, spans["notebook-mid"])
        for c in f.cases {
            XCTAssertGreaterThan(c.minMargin, 1e-4, c.name)
            XCTAssertTrue(c.hiddenSpikeCounts.allSatisfy { $0 > 0 }, c.name)
        }
    }

    func testDelayedNetworkMatchesTheDCLSPackage() throws {
        let f = try loadFixture(Fixture.self, "dcls_parity")
        let engine = NetworkEngine(threads: 2)
        for c in f.cases {
            let network = Self.network(c), raster = Self.raster(c)
            let samples = Array(0 ..< c.batch)
            XCTAssertFalse(engine.runsNotebookKernel(network), c.name)
            let loss = ClassificationLoss(outputScale: c.outputScale)
            let result = engine.lossAndGradients(network, raster: raster, samples: samples, labels: c.labels, loss: loss)
            XCTAssertEqual(Float(result.loss), c.loss, accuracy: 1e-5 * abs(c.loss), c.name)
            let scores = engine.scores(network, raster: raster, samples: samples, recordHidden: true)
            assertClose(scores.values, c.scores, relative: 1e-5, "\(c.name) scores")
            for n in samples {
                let count = scores.hiddenCounts[n * c.hidden ..< (n + 1) * c.hidden].reduce(0, +)
                XCTAssertEqual(Int(count), c.hiddenSpikeCounts[n], "\(c.name) hidden spikes of sample \(n)")
            }
            for (name, expected) in c.gradients {
                let actual = try XCTUnwrap(result[name], "\(c.name): no gradient \(name)")
                if c.version == .max && name.hasPrefix("p") {
                    XCTAssertTrue(actual.allSatisfy { $0 == 0 }, "\(c.name) d/d\(name): rounding has no gradient")
                }
                assertClose(actual, expected, relative: 1e-5, "\(c.name) d/d\(name)", allowZero: true)
            }
        }
    }

    /// The same network answers the same on one thread and on two (chunks are summed in order).
    func testDelayedGradientsAreIdenticalForAnyThreadCount() throws {
        let f = try loadFixture(Fixture.self, "dcls_parity")
        let c = try XCTUnwrap(f.cases.first { $0.name.contains("early") })
        var raster = SpikeRaster(samples: 16, steps: c.steps, channels: c.inputs)
        for n in 0 ..< 16 { for (t, active) in c.spikes[n % c.batch].enumerated() { for i in active { raster[n, (t + n) % c.steps, i] = true } } }
        let labels = (0 ..< 16).map { $0 % c.classes }
        let network = Self.network(c), loss = ClassificationLoss(outputScale: c.outputScale)
        let one = NetworkEngine(threads: 1).lossAndGradients(network, raster: raster, samples: Array(0 ..< 16), labels: labels, loss: loss)
        let two = NetworkEngine(threads: 2).lossAndGradients(network, raster: raster, samples: Array(0 ..< 16), labels: labels, loss: loss)
        XCTAssertEqual(one.loss, two.loss)
        XCTAssertEqual(one.gradients, two.gradients)
    }

    /// The integer-delay kernel of at most 32 taps runs as bit windows in registers; with more taps
    /// it adds one weight per connection and spike. The same delays with 31 and with 33 taps (every
    /// position moved by one) give bit-identical scores: the fast path against the plain one.
    func testMaxKernelBitWindowsMatchTheScalarPathBitForBit() {
        var rng = SplitMix64(seed: 7)
        let inputs = 37, hidden = 30, classes = 5, steps = 60
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
        let w1 = (0 ..< inputs * hidden).map { _ in uniform() - 0.45 }, w2 = (0 ..< hidden * classes).map { _ in uniform() - 0.5 }
        // integer positions plus less than a half (rounding does not depend on the shift); every delay used
        let p1 = (0 ..< inputs * hidden).map { Float($0 % 31 - 15) + 0.8 * (uniform() - 0.5) }
        let p2 = (0 ..< hidden * classes).map { Float($0 % 31 - 15) + 0.8 * (uniform() - 0.5) }
        func network(taps: Int, shift: Float) -> SpikingNetwork {
            let neuron = LIFNeuron(threshold: 1, timing: .previous, reset: .zero, surrogate: SigmoidSurrogate(beta: 5))
            let d1 = DelaySynapse(positions: Matrix(rows: inputs, columns: hidden, values: p1.map { $0 + shift }), taps: taps, sigma: 0,
                                  kernel: .max)
            let d2 = DelaySynapse(positions: Matrix(rows: hidden, columns: classes, values: p2.map { $0 + shift }), taps: taps, sigma: 0,
                                  kernel: .max)
            let layer = SpikingLayer(neuron: neuron, weights: Matrix(rows: inputs, columns: hidden, values: w1), tauMs: [20], delays: d1)
            let readout = Readout(kind: .sum, weights: Matrix(rows: hidden, columns: classes, values: w2), tauMs: [20], delays: d2)
            return SpikingNetwork(inputs: inputs, layers: [layer], readout: readout, steps: steps, dtMs: 1)
        }
        var raster = SpikeRaster(samples: 6, steps: steps, channels: inputs)
        for n in 0 ..< 6 { for t in 0 ..< steps { for i in 0 ..< inputs where uniform() < 0.1 + 0.05 * Float(n) { raster[n, t, i] = true } } }
        let engine = NetworkEngine(threads: 1)
        let short = network(taps: 31, shift: 0), long = network(taps: 33, shift: 1)
        XCTAssertEqual(short.layers[0].delays!.integerDelays, long.layers[0].delays!.integerDelays)
        let a = engine.scores(short, raster: raster, samples: Array(0 ..< 6), recordHidden: true)
        let b = engine.scores(long, raster: raster, samples: Array(0 ..< 6), recordHidden: true)
        XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern))
        XCTAssertEqual(a.hiddenCounts, b.hiddenCounts)
        XCTAssertGreaterThan(a.hiddenCounts.reduce(0, +), 100, "the hidden layer spikes")
    }

    func testMaxKernelRoundsHalvesToEvenAndClamps() {
        let d = DelaySynapse(positions: Matrix(rows: 1, columns: 1), taps: 31, sigma: 0, kernel: .max)
        // delay = 15 - clamp(round(p), -15, 15)
        for (p, delay) in [(Float(0.5), 15), (-0.5, 15), (1.5, 13), (-1.5, 17), (2.5, 13), (14.5, 1), (-14.5, 29), (15.5, 0),
                           (-17.25, 30), (20.75, 0), (0.49, 15), (0.51, 14)] as [(Float, Int)] {
            XCTAssertEqual(d.integerDelay(position: p), delay, "position \(p)")
            let x = d.tapWeights(position: p)
            XCTAssertEqual(x.firstIndex { $0 != 0 }, delay, "position \(p)")
            XCTAssertEqual(x.filter { $0 != 0 }, [DelaySynapse.maxTapWeight])
        }
        XCTAssertEqual(DelaySynapse.maxTapWeight, 1 - 0x1p-23, "1 / (1 + 1e-7) in float32")
    }

    func testGaussianKernelIsNormalisedAndCentredOnThePosition() {
        let d = DelaySynapse(positions: Matrix(rows: 1, columns: 1), taps: 31, sigma: 0.23, kernel: .gauss)
        let x = d.tapWeights(position: 4.3)  // centre at tap 19.3, delay 30 - 19.3 = 10.7
        XCTAssertEqual(x.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(x.indices.max { x[$0] < x[$1] }, 11)
        XCTAssertGreaterThan(x[11], x[10])
        let wide = DelaySynapse(positions: Matrix(rows: 1, columns: 1), taps: 31, sigma: 15, kernel: .gauss).tapWeights(position: 0)
        XCTAssertEqual(wide[0], wide[30], accuracy: 1e-7, "symmetric about the middle delay")
        XCTAssertGreaterThan(wide.min()!, 0.01)
    }

    func testPositionsAreClampedWhenSet() {
        var d = DelaySynapse(positions: Matrix(rows: 1, columns: 3), taps: 25, sigma: 1)
        d.positions.setValues([-40, 3.25, 12.5])
        XCTAssertEqual(d.positions.values, [-12, 3.25, 12])
    }
}
