import Foundation
import SoundLocalization
import SpikingCore
import XCTest

/// The DCLS notebook's schedules as PyTorch computes them (`OneCycleLR(max_lr 0.005,
/// total_steps 150)`, `CosineAnnealingLR(T_max 150)` on lr 0.1, and the sigma decay), values
/// printed by torch 2.15 for the epochs listed.
final class DelayScheduleTests: XCTestCase {
    func testOneCycleMatchesPyTorch() {
        let c = ExperimentConfig.preset(.dcls)
        XCTAssertEqual(c.effectiveLRSchedule, .oneCycle)
        let torch: [(Int, Double, Double)] = [
            (0, 0.00019999999999999966, 0.95), (1, 0.0002061149249353916, 0.9498726057305127), (44, 0.005, 0.85),
            (45, 0.004998881085184435, 0.8500223783858248), (100, 0.0022386898871154994, 0.9052264231633826), (149, 2e-08, 0.95),
        ]
        for (e, lr, beta1) in torch {
            let s = c.weightSchedule(epoch: e)
            XCTAssertEqual(s.lr, lr, accuracy: lr * 1e-12, "epoch \(e)")
            XCTAssertEqual(s.beta1, beta1, accuracy: 1e-12, "epoch \(e)")
        }
        XCTAssertEqual(ExperimentConfig().weightSchedule(epoch: 7).lr, 0.005, "constant without delays")
    }

    func testCosinePositionRateMatchesPyTorch() {
        let c = ExperimentConfig.preset(.dcls)
        let torch: [(Int, Double)] = [(0, 0.1), (1, 0.09998903417374227), (44, 0.08022995574311877), (45, 0.07938926261462367),
                                      (100, 0.024999999999999998), (149, 1.0965826257725021e-05)]
        for (e, lr) in torch { XCTAssertEqual(c.positionLearningRate(epoch: e), lr, accuracy: lr * 1e-12, "epoch \(e)") }
    }

    func testSigmaShrinksToTheFloorIn37Epochs() {
        let c = ExperimentConfig.preset(.dcls)
        XCTAssertEqual(c.delayTaps, 31)
        XCTAssertEqual(c.delaySigma(epoch: 0), 15)
        XCTAssertEqual(Double(c.delaySigma(epoch: 1)), 15 * 0.8932296912444969, accuracy: 1e-5)
        XCTAssertEqual(c.delaySigma(epoch: 37), 0.22999973595142365, "torch's float32 value after 37 steps")
        XCTAssertEqual(c.delaySigma(epoch: 149), c.delaySigma(epoch: 37))
        var short = c
        short.maxDelayMs = 25
        XCTAssertEqual(short.delayTaps, 25)
        XCTAssertEqual(short.delaySigma(epoch: 0), 12)
        short.maxDelayMs = 35
        XCTAssertEqual(short.delayTaps, 35)
    }

    func testPresetRemovesPhaseDelaysAndUsesKaimingWeightsAndSmallPositions() {
        let c = ExperimentConfig.preset(.dcls)
        XCTAssertEqual(c.delays, .dcls)
        XCTAssertFalse(c.earlyStop, "the whole one-cycle schedule")
        XCTAssertTrue(SoundStimulus(c).phaseDelays.allSatisfy { $0 == 0 })
        XCTAssertEqual(SoundStimulus(ExperimentConfig()).phaseDelays.last, Double.pi / 2)
        let network = Experiment(c).initialNetwork()
        let w1 = network.layers[0].weights.values, w2 = network.readout.weights.values
        XCTAssertLessThanOrEqual(w1.map(abs).max()!, Float((6.0 / 200).squareRoot()))
        XCTAssertGreaterThan(w1.map(abs).max()!, 0.9 * Float((6.0 / 200).squareRoot()))
        XCTAssertGreaterThan(w2.map(abs).max()!, 0.9 * Float((6.0 / 30).squareRoot()))
        let p1 = network.layers[0].delays!.positions.values
        let mean = p1.reduce(0, +) / Float(p1.count)
        let sd = (p1.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(p1.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(sd, 0.5, accuracy: 0.03)
        XCTAssertEqual(network.parameters.map(\.name), ["w1", "p1", "tau1", "w2", "p2", "tau2"])
        var input = c
        input.delays = .dclsInput
        XCTAssertEqual(Experiment(input).initialNetwork().parameters.map(\.name), ["w1", "p1", "tau1", "w2", "tau2"])
    }

    func testDelayOptionsAreChecked() {
        var c = ExperimentConfig.preset(.dcls)
        c.maxDelayMs = 100
        XCTAssertThrowsError(try c.validateValues()) { XCTAssertEqual(($0 as? ConfigError)?.option, "--max-delay-ms") }
        c = .preset(.dcls)
        c.epochs = 3
        XCTAssertThrowsError(try c.validateValues()) { XCTAssertEqual(($0 as? ConfigError)?.option, "--one-cycle-pct-start") }
        c.lrSchedule = .constant
        XCTAssertNoThrow(try c.validateValues())
        c = .preset(.dcls)
        c.positionLr = 0
        XCTAssertThrowsError(try c.validateValues()) { XCTAssertEqual(($0 as? ConfigError)?.option, "--position-lr") }
    }

    /// A configuration file written before delays existed decodes to a model without them.
    func testOldConfigurationDecodesWithoutDelays() throws {
        let json = #"{"format_version": 1, "hidden": 30, "lr": 0.005}"#
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let c = try decoder.decode(ExperimentConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.delays, .none)
        XCTAssertEqual(c.phaseDelays, .linear)
        XCTAssertEqual(c.effectiveLRSchedule, .constant)
        XCTAssertEqual(c, ExperimentConfig())
    }
}
