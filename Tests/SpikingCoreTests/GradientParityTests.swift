import SpikingCore
import XCTest

/// The hand-written forward and backward pass against PyTorch autograd on the notebook's model
/// (fixture made by `reference/spikeloc_reference.py fixtures`).
final class GradientParityTests: XCTestCase {
    struct Fixture: Decodable {
        var steps, inputs, hidden, classes: Int
        var alpha: Float
        var beta: Float
        var outputScale: Float
        var cases: [Case]
    }

    struct Case: Decodable {
        var name: String
        var dales: Bool
        var ieRatio: Double
        var batch: Int
        var spikes: [[Int]]
        var labels: [Int]
        var w1, w2: [Float]
        var loss: Float
        var gradW1, gradW2: [Float]
        var hiddenSpikeCount: Int
        var minMargin: Float
        var outputSum: [Float]
    }

    func network(_ f: Fixture, _ c: Case) -> SpikingNetwork {
        SpikingNetwork(
            w1: Matrix(rows: f.inputs, columns: f.hidden, values: c.w1),
            w2: Matrix(rows: f.hidden, columns: f.classes, values: c.w2),
            signs: c.dales ? DaleSigns.notebook(inputs: f.inputs, hidden: f.hidden, ieRatio: c.ieRatio) : nil,
            hidden: LIFLayer(alpha: f.alpha, surrogate: SigmoidSurrogate(beta: f.beta)),
            readout: LeakyIntegratorReadout(alpha: f.alpha, steps: f.steps))
    }

    func raster(_ f: Fixture, _ c: Case) -> SpikeRaster {
        var r = SpikeRaster(samples: c.batch, steps: f.steps, channels: f.inputs)
        for (row, active) in c.spikes.enumerated() {
            for i in active { r[row / f.steps, row % f.steps, i] = true }
        }
        return r
    }

    func testFixtureIsNotDecidedByRounding() throws {
        let f = try loadFixture(Fixture.self, "gradient_parity")
        XCTAssertEqual(f.cases.map(\.name), ["plain", "dales"])
        for c in f.cases {
            XCTAssertGreaterThan(c.minMargin, 1e-4, c.name)
            XCTAssertGreaterThan(c.hiddenSpikeCount, 200, c.name)
        }
    }

    func testLossAndGradientsMatchPyTorch() throws {
        let f = try loadFixture(Fixture.self, "gradient_parity")
        for c in f.cases {
            let net = network(f, c)
            let r = raster(f, c)
            let engine = NetworkEngine(threads: 1)
            let samples = Array(0 ..< c.batch)
            let result = engine.lossAndGradients(net, raster: r, samples: samples, labels: c.labels, outputScale: f.outputScale)
            XCTAssertEqual(Float(result.loss), c.loss, accuracy: 1e-5 * abs(c.loss), c.name)
            assertClose(result.w1.values, c.gradW1, relative: 1e-5, "\(c.name) dL/dw1")
            assertClose(result.w2.values, c.gradW2, relative: 1e-5, "\(c.name) dL/dw2")

            let scores = engine.scores(net, raster: r, samples: samples, recordHidden: true)
            assertClose(scores.values, c.outputSum, relative: 1e-5, "\(c.name) output sums")
            XCTAssertEqual(scores.hiddenRaster.spikeCount, c.hiddenSpikeCount, c.name)
            XCTAssertEqual(Int(scores.hiddenCounts.reduce(0, +)), c.hiddenSpikeCount, c.name)
        }
    }

    func testGradientsAreBitIdenticalForAnyThreadCount() throws {
        let f = try loadFixture(Fixture.self, "gradient_parity")
        let c = f.cases[1]
        let net = network(f, c), r = raster(f, c)
        // 3 copies of the batch: more chunks than threads
        let samples = (0 ..< 3 * c.batch).map { $0 % c.batch }
        let labels = samples.map { c.labels[$0] }
        let one = NetworkEngine(threads: 1).lossAndGradients(net, raster: r, samples: samples, labels: labels, outputScale: 0.01)
        for threads in [2, 3, 5] {
            let many = NetworkEngine(threads: threads).lossAndGradients(net, raster: r, samples: samples, labels: labels, outputScale: 0.01)
            XCTAssertEqual(one.loss, many.loss)
            XCTAssertEqual(one.w1, many.w1, "threads \(threads)")
            XCTAssertEqual(one.w2, many.w2, "threads \(threads)")
        }
    }
}
