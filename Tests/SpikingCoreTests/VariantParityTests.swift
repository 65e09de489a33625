import Foundation
import SpikingCore
import XCTest

/// The community's network variants (constraints on the weights, dropout, the paper's basic
/// network) against the PyTorch reference (`Fixtures/variant_parity.json`, written by
/// `reference/spikeloc_reference.py fixtures`): loss and gradients of the raw weights.
final class VariantParityTests: XCTestCase {
    struct Fixture: Decodable { var gradients: [Case] }

    struct Case: Decodable {
        var name: String
        var steps: Int
        var dtMs: Double
        var inputs: Int
        var surrogateBeta: Float
        var outputScale: Float
        var batch: Int
        var layers: [CoreParityTests.LayerSpec]
        var readout: CoreParityTests.ReadoutSpec
        var ratePenalty: CoreParityTests.Penalty?
        var constraints: [String: String]
        var inhibitoryRows: [String: [Int]]?
        var dropoutP: Double?
        var dropoutKey: String?
        var dropoutMask: [Float]?
        var spikes: [[[Int]]]
        var labels: [Int]
        var scores: [Float]
        var loss: Float
        var penalty: Float
        var hiddenSpikeCounts: [Int]
        var gradients: [String: [Float]]
    }

    func constraint(_ c: Case, _ name: String, rows: Int) -> ParameterConstraint {
        switch c.constraints[name] {
        case "signed-rows":
            var signs = [Float](repeating: 1, count: rows)
            for r in c.inhibitoryRows?[name] ?? [] { signs[r] = -1 }
            return .signedRows(signs)
        case "non-negative": return .nonNegative
        default: return .none
        }
    }

    func network(_ c: Case) -> SpikingNetwork {
        let l = c.layers[0], r = c.readout
        let layer = SpikingLayer(
            neuron: LIFNeuron(threshold: l.threshold, timing: l.timing, reset: l.reset, surrogate: SigmoidSurrogate(beta: c.surrogateBeta)),
            weights: Matrix(rows: c.inputs, columns: l.neurons, values: l.w),
            weightConstraint: constraint(c, "w1", rows: c.inputs), tauMs: l.tauMs)
        let readout = Readout(kind: r.kind, weights: Matrix(rows: l.neurons, columns: r.classes, values: r.w),
                              weightConstraint: constraint(c, "w2", rows: l.neurons), tauMs: r.tauMs)
        return SpikingNetwork(inputs: c.inputs, layers: [layer], readout: readout, steps: c.steps, dtMs: c.dtMs)
    }

    func testVariantsMatchPyTorch() throws {
        let f = try loadFixture(Fixture.self, "variant_parity")
        XCTAssertEqual(Set(f.gradients.map(\.name)),
                       ["dale-random", "excitatory-all", "excitatory-inputs", "excitatory-hidden", "dropout", "paper-basic-network"])
        let engine = NetworkEngine(threads: 2)
        for c in f.gradients {
            let net = network(c)
            var raster = SpikeRaster(samples: c.batch, steps: c.steps, channels: c.inputs)
            for (n, sample) in c.spikes.enumerated() { for (t, active) in sample.enumerated() { for i in active { raster[n, t, i] = true } } }
            let dropout = c.dropoutP.map { Dropout(probability: $0, key: UInt64(c.dropoutKey!)!) }
            if let dropout, let mask = c.dropoutMask {  // the keyed mask, element by element
                let hidden = c.layers[0].neurons
                for n in 0 ..< c.batch {
                    let key = dropout.sampleKey(n)
                    for e in 0 ..< c.steps * hidden {
                        XCTAssertEqual(dropout.keeps(sampleKey: key, element: e), mask[n * c.steps * hidden + e] != 0, "\(c.name) mask \(n) \(e)")
                    }
                }
            }
            let loss = ClassificationLoss(
                outputScale: c.outputScale,
                ratePenalty: c.ratePenalty.map { RatePenalty(weight: $0.c, minHz: $0.rateMinHz, maxHz: $0.rateMaxHz) })
            let result = engine.lossAndGradients(net, raster: raster, samples: Array(0 ..< c.batch), labels: c.labels, loss: loss,
                                                 dropout: dropout)
            XCTAssertEqual(Float(result.loss), c.loss, accuracy: 1e-5 * abs(c.loss), c.name)
            XCTAssertEqual(Float(result.penalty), c.penalty, accuracy: 1e-5 * max(abs(c.penalty), 1e-6), c.name)
            for name in ["w1", "w2"] {
                assertClose(result[name]!, c.gradients[name]!, relative: 1e-5, "\(c.name) d/d\(name)")
            }
            if dropout == nil {  // the fixture's scores include the dropout; evaluation has none
                let scores = engine.scores(net, raster: raster, samples: Array(0 ..< c.batch), recordHidden: true)
                assertClose(scores.values, c.scores, relative: 1e-5, "\(c.name) scores")
                XCTAssertEqual(scores.hiddenRaster.spikeCount, c.hiddenSpikeCounts[0], c.name)
            }
        }
    }
}
