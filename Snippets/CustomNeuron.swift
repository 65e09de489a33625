// A neuron model of your own in one type: a LIF neuron with a refractory trace that raises its
// threshold after each spike (r' = rho r + s, threshold 1 + r), forward step and adjoint.
import SpikingCore

struct RefractoryLIF: NeuronModel, Equatable {
    var rho: Float = 0.5
    var surrogate = SigmoidSurrogate()

    struct State: NeuronState, Equatable {
        var v: Float, r: Float
        static var zero: State { State(v: 0, r: 0) }
        static func + (a: State, b: State) -> State { State(v: a.v + b.v, r: a.r + b.r) }
        static func - (a: State, b: State) -> State { State(v: a.v - b.v, r: a.r - b.r) }
    }

    func step(_ s: inout State, current: Float, decay: Float) -> Float {
        let u = decay * s.v + current
        let y = surrogate.spike(u - 1 - s.r)
        s.v = u * (1 - y)
        s.r = rho * s.r + y
        return y
    }

    func adjoint(state s: State, current: Float, decay: Float, gradientAfter g: State,
                 gradientOfSpike gy: Float) -> NeuronAdjoint<State> {
        let u = decay * s.v + current
        let y = surrogate.spike(u - 1 - s.r)
        let d = surrogate.derivative(u - 1 - s.r)
        let gradY = gy - g.v * u + g.r            // y enters the output, the reset and the trace
        let gradU = g.v * (1 - y) + gradY * d
        let gradR = g.r * rho - gradY * d
        return NeuronAdjoint(state: State(v: gradU * decay, r: gradR), current: gradU, decay: gradU * s.v)
    }

    var summary: String { "refractory LIF (rho \(rho))" }
}

// It plugs into any layer; the engine's generic driver is specialised for it.
var rng = Xoshiro256StarStar(seed: 2)
var input = SpikeRaster(samples: 16, steps: 40, channels: 32)
for n in 0 ..< 16 { for t in 0 ..< 40 { for c in 0 ..< 32 where c / 16 == n % 2 && rng.nextUnitDouble() < 0.3 { input[n, t, c] = true } } }
let layer = SpikingLayer(neuron: RefractoryLIF(), weights: .uniform(rows: 32, columns: 12, bound: 0.6, using: &rng), tauMs: [5])
let readout = Readout(weights: .uniform(rows: 12, columns: 2, bound: 0.5, using: &rng), tauMs: [5])
var network = SpikingNetwork(inputs: 32, layers: [layer], readout: readout, steps: 40, dtMs: 1)
let engine = NetworkEngine(threads: 1)
var adam = Adam(learningRate: 0.01)
var losses: [Double] = []
for _ in 0 ..< 10 {
    let result = engine.lossAndGradients(network, raster: input, samples: Array(0 ..< 16), labels: (0 ..< 16).map { $0 % 2 },
                                         loss: ClassificationLoss(outputScale: 0.05))
    adam.update(&network, gradients: result)
    losses.append(result.loss)
}
print("refractory LIF: loss \(losses[0]) -> \(losses[9])")
// snippet.hide
precondition(losses[9] < losses[0], "training the custom neuron should lower the loss")
