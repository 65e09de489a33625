import SpikingCore
import XCTest

/// The hand-written forward and backward pass against PyTorch autograd on the notebook's model
/// (fixture made by `reference/spikeloc_reference.py fixtures`).
final class GradientParityTests: XCTestCase {
    struct Fixture: Decodable {
        var steps, inputs, hidden, classes: Int
        var tauMs, dtMs: Double
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
        SpikingNetwork.notebook(
            w1: Matrix(rows: f.inputs, columns: f.hidden, values: c.w1),
            w2: Matrix(rows: f.hidden, columns: f.classes, values: c.w2),
            tauMs: f.tauMs, dtMs: f.dtMs, steps: f.steps, neuron: LIFNeuron(surrogate: SigmoidSurrogate(beta: f.beta)),
            signs: c.dales ? (DaleMask.contiguous(rows: f.inputs, ieRatio: c.ieRatio), DaleMask.contiguous(rows: f.hidden, ieRatio: c.ieRatio)) : nil)
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

    /// Both the notebook's kernel and the generic driver match autograd.
    func testLossAndGradientsMatchPyTorch() throws {
        let f = try loadFixture(Fixture.self, "gradient_parity")
        for c in f.cases {
            let net = network(f, c)
            XCTAssertEqual(net.layers[0].decays(dtMs: f.dtMs)[0], f.alpha, "alpha computed in double, used in float")
            let r = raster(f, c)
            for generic in [false, true] {
                let engine = NetworkEngine(threads: 1)
                engine.usesNotebookKernel = !generic
                XCTAssertEqual(engine.runsNotebookKernel(net), !generic)
                let what = "\(c.name) \(generic ? "generic" : "notebook kernel")"
                let samples = Array(0 ..< c.batch)
                let result = engine.lossAndGradients(net, raster: r, samples: samples, labels: c.labels,
                                                     loss: ClassificationLoss(outputScale: f.outputScale))
                XCTAssertEqual(Float(result.loss), c.loss, accuracy: 1e-5 * abs(c.loss), what)
                assertClose(result["w1"]!, c.gradW1, relative: 1e-5, "\(what) dL/dw1")
                assertClose(result["w2"]!, c.gradW2, relative: 1e-5, "\(what) dL/dw2")

                let scores = engine.scores(net, raster: r, samples: samples, recordHidden: true)
                assertClose(scores.values, c.outputSum, relative: 1e-5, "\(what) output sums")
                XCTAssertEqual(scores.hiddenRaster.spikeCount, c.hiddenSpikeCount, what)
                XCTAssertEqual(Int(scores.hiddenCounts.reduce(0, +)), c.hiddenSpikeCount, what)
            }
        }
    }

    func testGradientsAreBitIdenticalForAnyThreadCount() throws {
        let f = try loadFixture(Fixture.self, "gradient_parity")
        let c = f.cases[1]
        let net = network(f, c), r = raster(f, c)
        // 3 copies of the batch: more chunks than threads
        let samples = (0 ..< 3 * c.batch).map { $0 % c.batch }
        let labels = samples.map { c.labels[$0] }
        for generic in [false, true] {
            func engine(_ threads: Int) -> NetworkEngine {
                let e = NetworkEngine(threads: threads)
                e.usesNotebookKernel = !generic
                return e
            }
            let loss = ClassificationLoss(outputScale: 0.01)
            let one = engine(1).lossAndGradients(net, raster: r, samples: samples, labels: labels, loss: loss)
            for threads in [2, 3, 5] {
                let many = engine(threads).lossAndGradients(net, raster: r, samples: samples, labels: labels, loss: loss)
                XCTAssertEqual(one.loss, many.loss)
                XCTAssertEqual(one.gradients, many.gradients, "threads \(threads), generic \(generic)")
            }
        }
    }
}
