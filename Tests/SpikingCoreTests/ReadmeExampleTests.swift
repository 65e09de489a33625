import Foundation
import SpikingCore
import XCTest

/// The library example of the README, kept compiling and checked to do something.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeExampleTrainsAStep() {
        var rng = Xoshiro256StarStar(seed: 1)
        var input = SpikeRaster(samples: 32, steps: 50, channels: 64)
        for n in 0 ..< 32 { for t in 0 ..< 50 { for c in 0 ..< 64 where (c / 16 == n % 4) && rng.nextUnitDouble() < 0.3 { input[n, t, c] = true } } }
        let hidden = SpikingLayer(neuron: LIFNeuron(), weights: .uniform(rows: 64, columns: 20, bound: 0.3, using: &rng), tauMs: [5])
        let readout = Readout(kind: .sum, weights: .uniform(rows: 20, columns: 4, bound: 0.3, using: &rng), tauMs: [5])
        let network = SpikingNetwork(inputs: 64, layers: [hidden], readout: readout, steps: 50, dtMs: 1)
        let engine = NetworkEngine(threads: 2)
        let labels = (0 ..< 32).map { $0 % 4 }
        let loss = ClassificationLoss(outputScale: 0.01)
        let result = engine.lossAndGradients(network, raster: input, samples: Array(0 ..< 32), labels: labels, loss: loss)
        var optimizer = Adam(learningRate: 0.005)
        var trained = network
        optimizer.update(&trained, gradients: result)

        XCTAssertEqual(result.loss, log(4.0), accuracy: 0.1, "about log(4) at the start")
        XCTAssertGreaterThan(result["w1"]!.map(abs).max()!, 0)
        let after = engine.lossAndGradients(trained, raster: input, samples: Array(0 ..< 32), labels: labels, loss: loss).loss
        XCTAssertLessThan(after, result.loss, "one Adam step lowers the loss")
    }
}
