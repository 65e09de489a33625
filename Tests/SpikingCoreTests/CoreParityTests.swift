import Foundation
import SpikingCore
import XCTest

/// Every layer kind, read-out and loss term of the generic driver against PyTorch autograd
/// (`Fixtures/core_parity.json`, written by `reference/core_fixtures.py` from docs/core-model.md).
final class CoreParityTests: XCTestCase {
    struct Fixture: Decodable { var cases: [Case] }

    struct LayerSpec: Decodable {
        var neurons: Int
        var timing: SpikeTiming
        var reset: ResetRule
        var threshold: Float
        var adaptation: Float
        var thresholdTauMs: Double
        var tauMs: [Float]
        var w: [Float]
        var v: [Float]?
    }

    struct ReadoutSpec: Decodable {
        var kind: Readout.Kind
        var classes: Int
        var tauMs: [Float]
        var w: [Float]
        var timing: SpikeTiming
        var reset: ResetRule
        var threshold: Float
        var adaptation: Float
        var thresholdTauMs: Double
    }

    struct Penalty: Decodable { var c, rateMinHz, rateMaxHz: Float }

    struct Case: Decodable {
        var name: String
        var steps: Int
        var dtMs: Double
        var inputs: Int
        var surrogateBeta: Float
        var outputScale: Float
        var batch: Int
        var layers: [LayerSpec]
        var readout: ReadoutSpec
        var ratePenalty: Penalty?
        var spikes: [[[Int]]]
        var labels: [Int]
        var scores: [Float]
        var loss: Float
        var penalty: Float
        var hiddenSpikeCounts: [Int]
        var outputSpikeCount: Int
        var minMargin: Double
        var gradients: [String: [Float]]
    }

    static func neuron(timing: SpikeTiming, reset: ResetRule, threshold: Float, adaptation: Float, thresholdTauMs: Double,
                       dtMs: Double, beta: Float) -> any NeuronModel {
        let surrogate = SigmoidSurrogate(beta: beta)
        guard adaptation > 0 else { return LIFNeuron(threshold: threshold, timing: timing, reset: reset, surrogate: surrogate) }
        return AdaptiveLIFNeuron(threshold: threshold, beta: adaptation, rho: Float(exp(-dtMs / thresholdTauMs)),
                                 timing: timing, reset: reset, surrogate: surrogate)
    }

    static func network(_ c: Case) -> SpikingNetwork {
        var below = c.inputs
        let layers = c.layers.map { l -> SpikingLayer in
            defer { below = l.neurons }
            return SpikingLayer(
                neuron: neuron(timing: l.timing, reset: l.reset, threshold: l.threshold, adaptation: l.adaptation,
                               thresholdTauMs: l.thresholdTauMs, dtMs: c.dtMs, beta: c.surrogateBeta),
                weights: Matrix(rows: below, columns: l.neurons, values: l.w),
                recurrent: l.v.map { Matrix(rows: l.neurons, columns: l.neurons, values: $0) },
                tauMs: l.tauMs, learnTau: true)
        }
        let r = c.readout
        let readout = Readout(
            kind: r.kind, weights: Matrix(rows: below, columns: r.classes, values: r.w), tauMs: r.tauMs, learnTau: true,
            neuron: r.kind == .spikeCount
                ? neuron(timing: r.timing, reset: r.reset, threshold: r.threshold, adaptation: r.adaptation,
                         thresholdTauMs: r.thresholdTauMs, dtMs: c.dtMs, beta: c.surrogateBeta) : nil)
        return SpikingNetwork(inputs: c.inputs, layers: layers, readout: readout, steps: c.steps, dtMs: c.dtMs)
    }

    static func raster(_ c: Case) -> SpikeRaster {
        var r = SpikeRaster(samples: c.batch, steps: c.steps, channels: c.inputs)
        for (n, sample) in c.spikes.enumerated() { for (t, active) in sample.enumerated() { for i in active { r[n, t, i] = true } } }
        return r
    }

    func testFixtureCoversEveryKind() throws {
        let f = try loadFixture(Fixture.self, "core_parity")
        let names = Set(f.cases.map(\.name))
        for required in ["notebook", "standard-zero", "standard-subtract", "notebook-subtract", "adaptive-previous-subtract",
                         "adaptive-current-zero", "recurrent", "two-hidden", "per-neuron-tau", "max", "last", "mean",
                         "spike-count", "rate-penalty"] {
            XCTAssertTrue(names.contains(required), required)
        }
        for c in f.cases where c.name != "tiny-1-1-2" {
            XCTAssertGreaterThan(c.minMargin, 1e-4, c.name)
            XCTAssertTrue(c.hiddenSpikeCounts.allSatisfy { $0 > 0 }, c.name)
        }
        XCTAssertGreaterThan(f.cases.first { $0.name == "rate-penalty" }!.penalty, 0)
    }

    func testGenericDriverMatchesPyTorch() throws {
        let f = try loadFixture(Fixture.self, "core_parity")
        let engine = NetworkEngine(threads: 2)
        for c in f.cases {
            let network = Self.network(c), raster = Self.raster(c)
            let samples = Array(0 ..< c.batch)
            let loss = ClassificationLoss(
                outputScale: c.outputScale,
                ratePenalty: c.ratePenalty.map { RatePenalty(weight: $0.c, minHz: $0.rateMinHz, maxHz: $0.rateMaxHz) })
            XCTAssertFalse(engine.runsNotebookKernel(network, loss: loss), "learnable taus run on the generic driver")
            let result = engine.lossAndGradients(network, raster: raster, samples: samples, labels: c.labels, loss: loss)
            XCTAssertEqual(Float(result.loss), c.loss, accuracy: 1e-5 * abs(c.loss), c.name)
            XCTAssertEqual(Float(result.penalty), c.penalty, accuracy: 1e-5 * max(abs(c.penalty), 1e-6), c.name)
            let scores = engine.scores(network, raster: raster, samples: samples, recordHidden: true)
            assertClose(scores.values, c.scores, relative: 1e-5, "\(c.name) scores", allowZero: true)
            XCTAssertEqual(scores.hiddenRaster.spikeCount, c.hiddenSpikeCounts[0], "\(c.name) first-layer spikes")
            if c.readout.kind == .spikeCount {
                XCTAssertEqual(Int(scores.values.reduce(0, +)), c.outputSpikeCount, "\(c.name) output spikes")
            }
            XCTAssertEqual(Set(c.gradients.keys), Set(result.names), c.name)
            for (name, expected) in c.gradients {
                assertClose(result[name]!, expected, relative: 1e-5, "\(c.name) d/d\(name)", allowZero: true)
            }
        }
    }
}
