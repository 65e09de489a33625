import SpikingCore
import XCTest

final class AdamTests: XCTestCase {
    struct Fixture: Decodable {
        var lr: Double
        var params0: [Float]
        var grads: [[Float]]
        var params: [[Float]]
    }

    /// Three steps of ``Adam`` against `torch.optim.Adam` (fixture from the reference script).
    func testMatchesPyTorchOverThreeSteps() throws {
        let f = try loadFixture(Fixture.self, "adam_steps")
        var adam = Adam(learningRate: f.lr)
        var p = [Matrix(rows: 1, columns: f.params0.count, values: f.params0)]
        for (step, g) in f.grads.enumerated() {
            adam.update(&p, gradients: [Matrix(rows: 1, columns: g.count, values: g)])
            for (a, e) in zip(p[0].values, f.params[step]) {
                XCTAssertEqual(a, e, accuracy: 1e-6 * max(1, abs(e)), "step \(step + 1)")
            }
        }
        XCTAssertEqual(adam.step, 3)
    }

    /// The first step moves every parameter with a non-zero gradient by about `lr` against its gradient.
    func testFirstStepIsLearningRateSized() {
        var adam = Adam(learningRate: 0.01)
        var p = [Matrix(rows: 1, columns: 3, values: [1, 1, 1])]
        adam.update(&p, gradients: [Matrix(rows: 1, columns: 3, values: [2, -0.5, 0])])
        XCTAssertEqual(p[0].values[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(p[0].values[1], 1.01, accuracy: 1e-6)
        XCTAssertEqual(p[0].values[2], 1)
    }
}
