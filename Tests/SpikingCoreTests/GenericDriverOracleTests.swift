import Foundation
import SpikingCore
import XCTest

/// The generic driver against the float64 oracle (``BPTTOracle``), for every layer kind,
/// read-out and loss term over odd shapes: identical spikes; loss, scores and gradients to
/// float32 accuracy.
final class GenericDriverOracleTests: XCTestCase {
    struct Variant {
        var name: String
        var timing: SpikeTiming = .previous
        var reset: ResetRule = .zero
        var adaptation: Float = 0
        var recurrent = false
        var twoLayers = false
        var readout: Readout.Kind = .sum
        var perNeuronTau = false
        var penalty = false
        var dropout = false
    }

    static let variants: [Variant] = [
        Variant(name: "notebook"),
        Variant(name: "standard", timing: .current),
        Variant(name: "standard-subtract", timing: .current, reset: .subtract),
        Variant(name: "notebook-subtract", reset: .subtract),
        Variant(name: "adaptive-previous-subtract", reset: .subtract, adaptation: 1),
        Variant(name: "adaptive-current", timing: .current, adaptation: 1),
        Variant(name: "recurrent", recurrent: true),
        Variant(name: "recurrent-standard-adaptive", timing: .current, reset: .subtract, adaptation: 0.5, recurrent: true),
        Variant(name: "two-layers", twoLayers: true),
        Variant(name: "two-layers-recurrent", recurrent: true, twoLayers: true),
        Variant(name: "max", readout: .max),
        Variant(name: "last", readout: .last),
        Variant(name: "mean", readout: .mean),
        Variant(name: "spike-count", readout: .spikeCount),
        Variant(name: "per-neuron-tau", perNeuronTau: true),
        Variant(name: "rate-penalty", penalty: true),
        Variant(name: "dropout", dropout: true),
        Variant(name: "dropout-two-layers-penalty", twoLayers: true, penalty: true, dropout: true),
    ]

    /// (inputs, hidden, steps) covering the shapes the kernels treat specially.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 2), (63, 31, 3), (65, 33, 100), (130, 65, 3), (63, 1, 100), (1, 33, 3), (130, 31, 2), (65, 65, 100),
    ]

    struct Case {
        var network: SpikingNetwork
        var oracle: BPTTOracle
        var raster: SpikeRaster
        var inputs: [[[Double]]]
        var labels: [Int]
        var loss: ClassificationLoss
        var dropout: Dropout?
    }

    /// A random case; `nil` when some spike decision lies too close to its threshold to be
    /// compared between float32 and float64.
    static func makeCase(_ v: Variant, inputs: Int, hidden: Int, steps: Int, seed: UInt64) -> Case? {
        var rng = Xoshiro256StarStar(seed: seed)
        let classes = 5, batch = 3, dt = 1.0
        let density = 0.3
        var raster = SpikeRaster(samples: batch, steps: steps, channels: inputs)
        var x = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: inputs), count: steps), count: batch)
        for n in 0 ..< batch { for t in 0 ..< steps { for i in 0 ..< inputs where rng.nextUnitDouble() < density {
            raster[n, t, i] = true; x[n][t][i] = 1
        } } }
        let labels = (0 ..< batch).map { _ in Int(rng.next() % UInt64(classes)) }
        let rho = Float(exp(-dt / 7.0))
        func neuron() -> any NeuronModel {
            v.adaptation > 0
                ? AdaptiveLIFNeuron(threshold: 1, beta: v.adaptation, rho: rho, timing: v.timing, reset: v.reset)
                : LIFNeuron(threshold: 1, timing: v.timing, reset: v.reset)
        }
        let oracleNeuron = BPTTOracle.Neuron(timing: v.timing, reset: v.reset, threshold: 1, beta: Double(v.adaptation),
                                             rho: Double(rho), surrogateBeta: 5)
        func taus(_ n: Int) -> [Float] {
            v.perNeuronTau ? (0 ..< n).map { _ in rng.nextFloat(in: 2 ..< 20) } : [Float](repeating: 5, count: n)
        }
        func toDouble(_ m: Matrix) -> [[Double]] { (0 ..< m.rows).map { r in (0 ..< m.columns).map { Double(m[r, $0]) } } }
        let sizes = v.twoLayers ? [hidden, max(1, hidden / 2 + 1)] : [hidden]
        var layers: [SpikingLayer] = [], oracleLayers: [BPTTOracle.Layer] = []
        var below = inputs
        let gain: Float = v.penalty ? 3 : 1.5
        for size in sizes {
            let w = Matrix.uniform(rows: below, columns: size, bound: gain / Float(Double(below) * density).squareRoot(), using: &rng)
            let rec = v.recurrent ? Matrix.uniform(rows: size, columns: size, bound: 0.5, using: &rng) : nil
            let tau = taus(size)
            layers.append(SpikingLayer(neuron: neuron(), weights: w, recurrent: rec, tauMs: tau, learnTau: true))
            oracleLayers.append(BPTTOracle.Layer(neuron: oracleNeuron, w: toDouble(w), v: rec.map(toDouble), tauMs: tau.map(Double.init)))
            below = size
        }
        let w2 = Matrix.uniform(rows: below, columns: classes, bound: v.readout == .spikeCount ? 2 : 0.5, using: &rng)
        let outTau = taus(classes)
        let readout = Readout(kind: v.readout, weights: w2, tauMs: outTau, learnTau: true,
                              neuron: v.readout == .spikeCount ? LIFNeuron() : nil)
        let network = SpikingNetwork(inputs: inputs, layers: layers, readout: readout, steps: steps, dtMs: dt)
        let scale: Float = v.readout == .spikeCount ? 0.5 : 0.1
        let penalty = v.penalty ? RatePenalty(weight: Float(log(12.0)), minHz: 100, maxHz: 200) : nil
        let oracle = BPTTOracle(
            layers: oracleLayers, readoutKind: v.readout, readoutW: toDouble(w2), readoutTauMs: outTau.map(Double.init),
            outputNeuron: v.readout == .spikeCount
                ? BPTTOracle.Neuron(timing: .previous, reset: .zero, threshold: 1, beta: 0, rho: 0, surrogateBeta: 5) : nil,
            steps: steps, dtMs: dt, scale: Double(scale), penalty: penalty.map { (Double($0.weight), 100, 200) })
        var o = oracle
        let dropout = v.dropout ? Dropout(probability: 0.4, key: seed &* 31 &+ 7) : nil
        o.dropout = dropout
        let c = Case(network: network, oracle: o, raster: raster, inputs: x, labels: labels,
                     loss: ClassificationLoss(outputScale: scale, ratePenalty: penalty), dropout: dropout)
        return o.run(inputs: x, labels: labels).minMargin > 5e-5 ? c : nil
    }

    func testGenericDriverMatchesFloat64Oracle() {
        let engine = NetworkEngine(threads: 2)
        engine.usesNotebookKernel = false
        var checked = 0, withSpikes = 0
        for (k, v) in Self.variants.enumerated() {
            for (s, shape) in Self.shapes.enumerated() {
                let (inputs, hidden, steps) = shape
                guard let c = (0 ..< 40).lazy.compactMap({ Self.makeCase(v, inputs: inputs, hidden: hidden, steps: steps,
                                                                         seed: UInt64(1000 * k + 50 * s + $0)) }).first
                else { XCTFail("\(v.name) \(shape): no case with a safe margin"); continue }
                let what = "\(v.name) \(inputs)x\(hidden)x\(steps)"
                let expected = c.oracle.run(inputs: c.inputs, labels: c.labels)
                let samples = Array(0 ..< c.labels.count)
                let result = engine.lossAndGradients(c.network, raster: c.raster, samples: samples, labels: c.labels, loss: c.loss, dropout: c.dropout)
                let scores = engine.scores(c.network, raster: c.raster, samples: samples, recordHidden: true)
                // spikes of the first layer, exactly
                var spikes = 0
                for n in samples {
                    for t in 0 ..< steps {
                        for j in 0 ..< hidden {
                            let fired = expected.hiddenSpikes[n][0][t][j] == 1
                            spikes += fired ? 1 : 0
                            XCTAssertEqual(scores.hiddenRaster[n, t, j], fired, "\(what): spike n \(n) t \(t) j \(j)")
                        }
                    }
                }
                if spikes > 0 { withSpikes += 1 }
                var evaluation = c.oracle
                evaluation.dropout = nil  // scores are evaluation: no dropout
                let expectedScores = evaluation.run(inputs: c.inputs, labels: c.labels).scores
                assertClose(scores.values, expectedScores.flatMap { $0 }.map(Float.init), relative: 1e-5, "\(what) scores",
                            allowZero: true)
                XCTAssertEqual(result.loss, expected.loss, accuracy: 1e-5 * max(1, abs(expected.loss)), what)
                XCTAssertEqual(result.penalty, expected.penalty, accuracy: 1e-5 * max(1e-3, abs(expected.penalty)), what)
                for p in c.network.parameters {
                    guard let e = expected.gradients[p.name], let g = result[p.name] else {
                        XCTFail("\(what): no gradient for \(p.name)"); continue
                    }
                    assertClose(g, e.map(Float.init), relative: hidden == 1 ? 1e-3 : 1e-4, "\(what) d/d\(p.name)",
                                allowZero: true, floor: 1e-3)
                    // hidden 1: every gradient flows through one neuron, and float32's 1 - sig(5x) of
                    // a membrane far from threshold (the notebook's arithmetic) carries ~1e-4 relative error
                }
                checked += 1
            }
        }
        XCTAssertEqual(checked, Self.variants.count * Self.shapes.count)
        XCTAssertGreaterThan(withSpikes, checked * 2 / 3, "most cases must have hidden spikes to mean anything")
    }

    /// The penalty case really charges something (the gain is chosen for it).
    func testRatePenaltyCaseIsActive() {
        let v = Self.variants.first { $0.penalty }!
        let c = (0 ..< 40).lazy.compactMap { Self.makeCase(v, inputs: 65, hidden: 33, steps: 100, seed: 77 + UInt64($0)) }.first!
        XCTAssertGreaterThan(c.oracle.run(inputs: c.inputs, labels: c.labels).penalty, 1e-4)
    }
}
