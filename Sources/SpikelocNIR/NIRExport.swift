import Foundation
import SpikingCore

/// Converts a `SpikingNetwork` into a NIR graph
/// `Input -> Linear -> LIF [-> Linear -> LIF ...] -> Linear -> LI (or LIF) -> Output`.
///
/// NIR describes continuous-time neurons; every importer discretises them with a forward-Euler
/// step `D` (the reader's step): `v' = (1 - D/tau) v + (D/tau) (v_leak + r I)`. Written as
///
///     tau = D / (1 - alpha),  r = 1,  v_leak = 0,  v_threshold = (1 - alpha) threshold,  v_reset = 0
///
/// with `alpha = exp(-dt / tau_spikeloc)` (double precision; spikeloc runs it as float32), that
/// step is `v' = alpha v + (1 - alpha) I`: spikeloc's membrane times `(1 - alpha)`, with the
/// threshold scaled alike, so the reader's standard discrete LIF (integrate, spike when
/// `v > v_threshold`, reset to 0 at once) spikes exactly when spikeloc's `current`-timing LIF
/// does. `D` is the reader's business (snnTorch's importer assumes 0.1 ms, Norse takes it as an
/// argument); it does not change the model, only the numbers written.
public enum NIRExport {
    /// A graph and what the caller should tell the user.
    public struct Result: Sendable {
        /// The graph.
        public var graph: NIRGraph
        /// Warnings (the notebook-LIF approximation), one line each.
        public var warnings: [String]
    }

    /// The node names spikeloc writes for `layers` hidden layers and a read-out of `kind`:
    /// `input`, `w1`, `lif1`, ..., `w{L+1}`, `li` (or `lif_out`), `output`.
    static func names(layers: Int, spikingReadout: Bool) -> [String] {
        var names = ["input"]
        for l in 1 ... layers { names += ["w\(l)", "lif\(l)"] }
        names += ["w\(layers + 1)", spikingReadout ? "lif_out" : "li", "output"]
        return names
    }

    /// The NIR graph of `network` for a reader that steps by `readerDtMs` milliseconds.
    /// Throws ``NIRError`` naming the feature NIR cannot express: an adaptive threshold, another
    /// neuron model, a subtractive reset, recurrent weights, learned synaptic delays, a max or last read-out.
    public static func graph(_ network: SpikingNetwork, readerDtMs: Double = 1) throws -> Result {
        guard readerDtMs > 0, readerDtMs.isFinite else { throw NIRError("--dt-ms must be positive and finite, got \(readerDtMs)") }
        let net = network.withEffectiveWeights
        let d = readerDtMs / 1000  // NIR's unit: seconds
        var warnings: [String] = []
        var nodes: [String: NIRNode] = [:]
        var metadata: [String: NIRValue] = [:]
        var timings: Set<SpikeTiming> = []

        func lifNode(_ neuron: any NeuronModel, tauMs: [Float], what: String) throws -> (NIRLIF, LIFNeuron, [Double]) {
            guard let lif = neuron as? LIFNeuron else {
                if neuron is AdaptiveLIFNeuron {
                    throw NIRError("\(what) has an adaptive threshold, which NIR cannot express (no NIR neuron adapts its threshold)")
                }
                throw NIRError("\(what) runs \(neuron.summary), which spikeloc cannot write as NIR (only LIF neurons)")
            }
            guard lif.reset == .zero else {
                throw NIRError("\(what) uses a subtractive reset, which NIR cannot express (NIR's LIF resets to v_reset)")
            }
            let alphas = try alphas(tauMs, dtMs: net.dtMs, what: what)
            timings.insert(lif.timing)
            return (NIRLIF(tau: alphas.map { d / (1 - $0) }, r: ones(alphas.count), vLeak: zeros(alphas.count),
                           vThreshold: alphas.map { (1 - $0) * Double(lif.threshold) }, vReset: zeros(alphas.count)), lif, alphas)
        }

        if net.hasDelays {
            throw NIRError("the model has learned synaptic delays (DCLS), one per synapse; NIR's Delay node delays whole channels, so spikeloc does not export them. Export a model trained without --delays")
        }
        let spiking = net.readout.kind == .spikeCount
        let names = names(layers: net.layers.count, spikingReadout: spiking)
        nodes["input"] = .input(shape: [Int64(net.inputs)])
        for (l, layer) in net.layers.enumerated() {
            let what = "layer \(l + 1)"
            if layer.recurrent != nil {
                throw NIRError("\(what) has recurrent weights (v\(l + 1)), which spikeloc does not export to NIR")
            }
            nodes["w\(l + 1)"] = .linear(weight: transposed(layer.weights.matrix))
            let (node, lif, alphas) = try lifNode(layer.neuron, tauMs: layer.tau.values, what: what)
            nodes["lif\(l + 1)"] = .lif(node)
            metadata["alpha_lif\(l + 1)"] = .numbers(alphas)
            metadata["threshold_lif\(l + 1)"] = .number(Double(lif.threshold))
        }
        let readout = net.readout
        let w = "w\(net.layers.count + 1)"
        nodes[w] = .linear(weight: transposed(readout.weights.matrix))
        let rule: String
        switch readout.kind {
        case .max, .last:
            throw NIRError("the read-out '\(readout.kind.rawValue)' (\(readout.kind == .max ? "maximum" : "last value") of the membrane over time) cannot be expressed in NIR; export a model with the read-out 'sum' or 'mean'")
        case .sum, .mean:
            let alphas = try alphas(readout.tau.values, dtMs: net.dtMs, what: "the read-out")
            // r = 1 when the units share one time constant. Otherwise each unit's output would
            // carry its own factor 1 - alpha_c and the argmax over classes would change, so
            // r_c = (1 - alpha_0) / (1 - alpha_c) leaves one common factor 1 - alpha_0.
            let r = alphas.allSatisfy({ $0 == alphas[0] }) ? ones(alphas.count) : alphas.map { (1 - alphas[0]) / (1 - $0) }
            nodes["li"] = .li(NIRLI(tau: alphas.map { d / (1 - $0) }, r: r, vLeak: zeros(alphas.count)))
            metadata["alpha_li"] = .numbers(alphas)
            rule = "class = argmax over the \(readout.classes) outputs of the LI output summed over the first \(net.steps - 1) of the \(net.steps) steps (spikeloc's score\(readout.kind == .mean ? " times \(net.steps)" : ""): its integrator starts at 0 and records \(net.steps) values, so the input of the last step never reaches it); ties go to the lowest class"
        case .spikeCount:
            guard let neuron = readout.neuron else { throw NIRError("the spike-count read-out has no neuron model") }
            let (node, lif, alphas) = try lifNode(neuron, tauMs: readout.tau.values, what: "the read-out")
            nodes["lif_out"] = .lif(node)
            metadata["alpha_lif_out"] = .numbers(alphas)
            metadata["threshold_lif_out"] = .number(Double(lif.threshold))
            rule = "class = argmax over the \(readout.classes) outputs of the output spikes counted over all \(net.steps) steps; ties go to the lowest class"
        }
        nodes["output"] = .output(shape: [Int64(readout.classes)])

        let timing: SpikeTiming = timings.contains(.previous) ? .previous : .current
        metadata["generator"] = .string("spikeloc")
        metadata["dt"] = .number(d)
        metadata["spikeloc_dt"] = .number(net.dtMs / 1000)
        metadata["steps"] = .integer(Int64(net.steps))
        metadata["spike_timing"] = .string(timing.rawValue)
        metadata["reset"] = .string("zero")
        metadata["readout"] = .string(readout.kind.rawValue)
        metadata["readout_rule"] = .string(rule)
        metadata["parameters"] = .string("written for a reader that steps by dt = \(d) s with forward Euler: tau = dt / (1 - alpha), r = 1, v_leak = 0, v_threshold = (1 - alpha) threshold, v_reset = 0, so that one step is v' = alpha v + (1 - alpha) I (spikeloc's membrane times 1 - alpha); an LI read-out whose units have different time constants has r_c = (1 - alpha_0) / (1 - alpha_c) instead, so that every output is spikeloc's times the same 1 - alpha_0, alpha = exp(-spikeloc_dt / tau_spikeloc) in double precision (spikeloc runs it as float32)")
        if timing == .previous {
            let text = "approximation: this model was trained with the notebook's LIF (spike timing 'previous': the spike is read from the membrane before the step and the reset lands a step later), which NIR cannot express; the graph is the standard discrete LIF (spike and reset in the same step), so simulators agree with spikeloc on most but not all class decisions"
            metadata["approximation"] = .string(text)
            warnings.append("warning: the model uses the notebook's LIF (spike timing 'previous'), which NIR cannot express; the exported graph is the standard discrete LIF, an approximation: other simulators will disagree with spikeloc on some class decisions (13 % for the notebook's network in scripts/nir-roundtrip.sh)")
        }
        let edges = zip(names, names.dropFirst()).map { NIREdge($0, $1) }
        return Result(graph: NIRGraph(nodes: nodes, edges: edges, metadata: metadata), warnings: warnings)
    }

    /// `alpha = exp(-dt / tau)` of each time constant (ms), in double precision.
    static func alphas(_ tauMs: [Float], dtMs: Double, what: String) throws -> [Double] {
        try tauMs.map { tau in
            let alpha = exp(-dtMs / Double(tau))
            guard alpha < 1, alpha.isFinite else {
                throw NIRError("\(what) has the time constant \(tau) ms, too long for dt \(dtMs) ms (alpha rounds to 1; NIR's tau would be infinite)")
            }
            return alpha
        }
    }

    static func transposed(_ m: Matrix) -> NIRMatrix {
        var values = [Float](repeating: 0, count: m.values.count)
        for r in 0 ..< m.rows {
            for c in 0 ..< m.columns { values[c * m.rows + r] = m.values[r * m.columns + c] }
        }
        return NIRMatrix(rows: m.columns, columns: m.rows, values: values)
    }

    static func ones(_ n: Int) -> [Double] { [Double](repeating: 1, count: n) }
    static func zeros(_ n: Int) -> [Double] { [Double](repeating: 0, count: n) }
}
