import Foundation
import SpikingCore
import XCTest

/// The fast kernels against the plain step functions of the layers.
final class LayerSemanticsTests: XCTestCase {
    /// The engine's hidden spikes equal those of ``LIFLayer/step(_:current:)`` run step by step.
    func testKernelMatchesLIFStepFunction() {
        var rng = Xoshiro256StarStar(seed: 7)
        let inputs = 40, hidden = 13, steps = 30
        var raster = SpikeRaster(samples: 3, steps: steps, channels: inputs)
        for n in 0 ..< 3 { for t in 0 ..< steps { for i in 0 ..< inputs where rng.nextUnitDouble() < 0.2 { raster[n, t, i] = true } } }
        let w1 = Matrix.uniform(rows: inputs, columns: hidden, bound: 0.6, using: &rng)
        let w2 = Matrix.uniform(rows: hidden, columns: 4, bound: 0.5, using: &rng)
        let layer = LIFLayer(alpha: 0.8)
        let net = SpikingNetwork(w1: w1, w2: w2, hidden: layer, readout: LeakyIntegratorReadout(alpha: 0.8, steps: steps))
        let scores = NetworkEngine(threads: 1).scores(net, raster: raster, samples: [0, 1, 2], recordHidden: true)
        var total = 0
        for n in 0 ..< 3 {
            var state = LIFLayer.State(count: hidden)
            var currents: [[Float]] = []
            for t in 0 ..< steps {
                // the spike recorded at step t is the one emitted by the update of step t - 1
                for j in 0 ..< hidden { XCTAssertEqual(scores.hiddenRaster[n, t, j], state.s[j] == 1, "sample \(n) step \(t) unit \(j)") }
                var current = [Float](repeating: 0, count: hidden)
                for i in raster.activeChannels(sample: n, step: t) { for j in 0 ..< hidden { current[j] += w1[i, j] } }
                currents.append(state.s.indices.map { j in state.s[j] })
                total += state.s.reduce(0) { $0 + Int($1) }
                state = layer.step(state, current: current)
            }
            // class scores: sum over time of the read-out driven by the recorded spikes
            let drive = currents.map { s in (0 ..< 4).map { c in (0 ..< hidden).reduce(Float(0)) { $0 + s[$1] * w2[$1, c] } } }
            let record = net.readout.evolve(drive)
            for c in 0 ..< 4 {
                let sum = record.reduce(Float(0)) { $0 + $1[c] }
                XCTAssertEqual(scores.values[n * 4 + c], sum, accuracy: 1e-4 * max(1, abs(sum)))
            }
        }
        XCTAssertGreaterThan(total, 20, "the test needs hidden spikes to mean anything")
    }

    /// `sum_t v(t)` of the read-out equals the closed form with ``LeakyIntegratorReadout/timeWeights``.
    func testReadoutTimeWeightsEqualExplicitIntegration() {
        let readout = LeakyIntegratorReadout(alpha: Float(exp(-0.2)), steps: 100)
        XCTAssertEqual(readout.timeWeights[99], 0, "the last input is never integrated")
        XCTAssertEqual(readout.timeWeights[98], 1)
        for k in [0, 17, 50, 98] {
            var impulse = [[Float]](repeating: [0], count: 100)
            impulse[k] = [1]
            let sum = readout.evolve(impulse).reduce(Float(0)) { $0 + $1[0] }
            XCTAssertEqual(readout.timeWeights[k], sum, accuracy: 1e-5, "k = \(k)")
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
        XCTAssertEqual(DaleSigns.mask(rows: 200, ieRatio: 0.5).filter { $0 < 0 }.count, 100)
        XCTAssertEqual(DaleSigns.mask(rows: 30, ieRatio: 0.5).prefix(15), ArraySlice(repeating: -1, count: 15))
        XCTAssertEqual(DaleSigns.mask(rows: 12, ieRatio: 0.3).filter { $0 < 0 }.count, 4, "0.3 x 12 = 3.5999999999999996")
        XCTAssertEqual(DaleSigns.mask(rows: 30, ieRatio: 0.25).filter { $0 < 0 }.count, 8, "arange(7.5) has 8 elements")
        XCTAssertEqual(DaleSigns.mask(rows: 12, ieRatio: 0).filter { $0 < 0 }.count, 0)
        XCTAssertEqual(DaleSigns.mask(rows: 12, ieRatio: 1).filter { $0 < 0 }.count, 12)
    }

    func testCounterUniformsAreUniformAndStable() {
        var bins = [Int](repeating: 0, count: 16)
        let n = 160_000
        for i in 0 ..< n / 8 {
            let u = CounterUniforms.uniforms(stream: 12345, index: UInt32(i * 8))
            for k in 0 ..< 8 {
                XCTAssertEqual(u[k], CounterUniforms.uniform(stream: 12345, index: UInt32(i * 8 + k)))
                bins[Int(u[k] * 16)] += 1
            }
        }
        let expected = Double(n) / 16
        let chi2 = bins.reduce(0.0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        XCTAssertLessThan(chi2, 37.7, "chi-square with 15 degrees of freedom, p = 0.001")
        XCTAssertNotEqual(CounterUniforms.uniform(stream: 1, index: 0), CounterUniforms.uniform(stream: 2, index: 0))
    }
}
