// A network of your own on your own spikes: the loss and its gradients on one batch, then one
// step of Adam.
import SpikingCore

var rng = Xoshiro256StarStar(seed: 1)
var input = SpikeRaster(samples: 32, steps: 50, channels: 64)      // bit-packed spikes
// Your spikes here; these: sample n (class n % 4) fires at random on its class's 16 channels.
for n in 0 ..< 32 {
    for t in 0 ..< 50 {
        for c in 0 ..< 64 where c / 16 == n % 4 && rng.nextUnitDouble() < 0.3 { input[n, t, c] = true }
    }
}
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
// Not shown in the docs. This file is also the README's library example (keep the two the same);
// `swift build` compiles it, the DocC article "Getting started" shows it, and CI runs it, so
// check that it did something.
var trained = network
trained.w1 = parameters[0]
trained.w2 = parameters[1]
let after = engine.lossAndGradients(
    trained, raster: input, samples: Array(0 ..< 32), labels: labels, outputScale: 0.01).loss
print("loss \(loss), after one Adam step \(after)")
precondition(after < loss, "one Adam step should lower the loss")
