// A network of your own on your own spikes: one loss and gradient evaluation and one Adam step.
// This is the README's library example; `swift build` compiles it, and the DocC article
// "Getting started" shows it.
import SpikingCore

var rng = Xoshiro256StarStar(seed: 1)
var input = SpikeRaster(samples: 32, steps: 50, channels: 64)      // bit-packed spikes
for sample in 0 ..< 32 { input[sample, sample % 50, sample % 64] = true }   // your spikes here
let network = SpikingNetwork(
    w1: .uniform(rows: 64, columns: 20, bound: 0.3, using: &rng),
    w2: .uniform(rows: 20, columns: 4, bound: 0.3, using: &rng),
    hidden: LIFLayer(tau: 0.005, dt: 0.001),
    readout: LeakyIntegratorReadout(alpha: 0.8, steps: 50))
let engine = NetworkEngine(threads: 2)
let labels = (0 ..< 32).map { $0 % 4 }
let (loss, gradW1, gradW2) = engine.lossAndGradients(
    network, raster: input, samples: Array(0 ..< 32), labels: labels, outputScale: 0.01)
var optimizer = Adam(learningRate: 0.005)
var parameters = [network.w1, network.w2]
optimizer.update(&parameters, gradients: [gradW1, gradW2])
// snippet.hide
print("loss \(loss), Adam step \(optimizer.step)")
