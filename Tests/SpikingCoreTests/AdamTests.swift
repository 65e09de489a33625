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
        var p = [Parameter(name: "p", shape: [f.params0.count], values: f.params0)]
        for (step, g) in f.grads.enumerated() {
            adam.update(&p, gradients: [g])
            for (a, e) in zip(p[0].values, f.params[step]) {
                // PyTorch's operation order (lerp, addcmul, addcdiv): equal to the last bit or two
                XCTAssertLessThanOrEqual(abs(a - e), 2 * e.ulp, "step \(step + 1): \(a) vs \(e)")
            }
        }
        XCTAssertEqual(adam.step, 3)
    }

    /// The first step moves every parameter with a non-zero gradient by about `lr` against its gradient.
    func testFirstStepIsLearningRateSized() {
        var adam = Adam(learningRate: 0.01)
        var p = [Parameter(name: "p", shape: [3], values: [1, 1, 1])]
        adam.update(&p, gradients: [[2, -0.5, 0]])
        XCTAssertEqual(p[0].values[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(p[0].values[1], 1.01, accuracy: 1e-6)
        XCTAssertEqual(p[0].values[2], 1)
    }

    /// Fixed parameters are left alone; a clamped parameter stays at its floor.
    func testFixedAndClampedParameters() {
        var adam = Adam(learningRate: 1)
        var p = [Parameter(name: "w", shape: [2], values: [1, 1], isLearnable: false),
                 Parameter(name: "tau", shape: [2], values: [0.5, 5], constraint: .atLeast(0.1))]
        adam.update(&p, gradients: [[1, 1], [10, -1]])
        XCTAssertEqual(p[0].values, [1, 1])
        XCTAssertEqual(p[1].values[0], 0.1, "clamped at the floor")
        XCTAssertEqual(p[1].values[1], 6, accuracy: 1e-5)
        XCTAssertNil(adam.moments["w"])
        XCTAssertEqual(adam.moments["tau"]?.first.count, 2)
    }
}
