// A network of your own on your own spikes: 64 inputs -> 24 LIF neurons -> 16 recurrent
// adaptive-threshold neurons -> 4 classes (spike counts of the read-out's membrane summed over
// time), trained with Adam for a few steps.
import SpikingCore

var rng = Xoshiro256StarStar(seed: 1)
var input = SpikeRaster(samples: 32, steps: 50, channels: 64)      // bit-packed spikes
// Your spikes here; these: sample n (class n % 4) fires at random on its class's 16 channels.
for n in 0 ..< 32 {
    for t in 0 ..< 50 {
        for c in 0 ..< 64 where c / 16 == n % 4 && rng.nextUnitDouble() < 0.3 { input[n, t, c] = true }
    }
}
let first = SpikingLayer(
    neuron: LIFNeuron(timing: .current, reset: .subtract),
    weights: .uniform(rows: 64, columns: 24, bound: 0.5, using: &rng), tauMs: [10])
let second = SpikingLayer(
    neuron: AdaptiveLIFNeuron(beta: 1, rho: 0.95, timing: .current),
    weights: .uniform(rows: 24, columns: 16, bound: 0.6, using: &rng),
    recurrent: .uniform(rows: 16, columns: 16, bound: 0.2, using: &rng),
    tauMs: [10], learnTau: true)                                       // per-neuron tau, trained
let readout = Readout(kind: .sum, weights: .uniform(rows: 16, columns: 4, bound: 0.5, using: &rng), tauMs: [10])
var network = SpikingNetwork(inputs: 64, layers: [first, second], readout: readout, steps: 50, dtMs: 1)

let engine = NetworkEngine(threads: 2)
let labels = (0 ..< 32).map { $0 % 4 }
let loss = ClassificationLoss(outputScale: 0.05)
var optimizer = Adam(learningRate: 0.01)
for step in 0 ..< 20 {
    let result = engine.lossAndGradients(network, raster: input, samples: Array(0 ..< 32), labels: labels, loss: loss)
    optimizer.update(&network, gradients: result)                    // every learnable parameter
    if step % 5 == 0 { print("step \(step): loss \(result.loss)") }
}
let scores = engine.scores(network, raster: input, samples: Array(0 ..< 32))
let correct = (0 ..< 32).filter { scores.prediction($0) == labels[$0] }.count
print("\(correct) of 32 right; learned time constants \(network.parameter("tau2")!.values.prefix(4))")
// snippet.hide
// Not shown in the docs. This file is also the README's library example (keep the two the same);
// `swift build` compiles it, the DocC article "Getting started" shows it, and CI runs it, so
// check that it learned something.
precondition(correct >= 24, "the example network should learn its four classes")
precondition(network.parameter("tau2")!.values != [Float](repeating: 10, count: 16), "tau2 is learnable")
