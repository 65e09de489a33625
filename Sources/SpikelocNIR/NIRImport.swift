import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore

/// Converts a NIR graph of a shape spikeloc can run,
/// `Input -> Linear (or Affine with a zero bias) -> LIF [-> Linear -> LIF ...] -> Linear -> LI or LIF -> Output`,
/// into a `SpikingNetwork`: the inverse of ``NIRExport``.
///
/// A LIF or LI node read with the reader's step `D` is the forward-Euler step
/// `v' = alpha v + (1 - alpha) r I` with `alpha = 1 - D / tau`; spikeloc's time constant is
/// `-dt / ln(alpha)` and its threshold `v_threshold / (r (1 - alpha))` (its membrane is the NIR
/// membrane divided by `r (1 - alpha)`). Where that threshold differs between the neurons of a
/// layer, the layer gets threshold 1 and each neuron's input weights are divided by its own
/// threshold (the same spikes); where `r (1 - alpha)` differs between the units of an LI
/// read-out, each unit's weights are multiplied by its factor relative to the first (the same
/// class decisions). `v_leak` and `v_reset` must be 0. Hidden neurons get spike timing `current`,
/// the standard discrete LIF NIR describes, unless the file's metadata says spikeloc wrote it from
/// a notebook-LIF model (`spike_timing` `previous`): then that model comes back as it was.
public enum NIRImport {
    /// A converted network and what the caller should tell the user.
    public struct Result: Sendable {
        /// The network.
        public var network: SpikingNetwork
        /// Notes (rescaled weights, restored timing), one line each.
        public var notes: [String]
    }

    /// The network of `graph`, read with step `readerDtMs` (the `D` the file was written for) and
    /// run by spikeloc with step `dtMs` for `steps` steps (the file's metadata `spikeloc_dt` and
    /// `steps`, where spikeloc wrote it, take precedence over the defaults).
    /// Throws ``NIRError`` naming the node and what is unsupported.
    public static func network(_ graph: NIRGraph, readerDtMs: Double = 1, dtMs: Double? = nil, steps: Int? = nil) throws -> Result {
        guard readerDtMs > 0, readerDtMs.isFinite else { throw NIRError("--dt-ms must be positive and finite, got \(readerDtMs)") }
        let d = readerDtMs / 1000
        let chain = try self.chain(graph)
        var notes: [String] = []

        let fromSpikeloc = graph.metadata["generator"] == .string("spikeloc")
        var timing = SpikeTiming.current
        if fromSpikeloc, graph.metadata["spike_timing"] == .string(SpikeTiming.previous.rawValue) {
            timing = .previous
            notes.append("note: the file says spikeloc exported it from a notebook-LIF model (spike timing 'previous'); the model is imported with that timing again")
        }
        var modelDtMs = dtMs ?? 1
        if dtMs == nil, fromSpikeloc, case let .number(seconds)? = graph.metadata["spikeloc_dt"], seconds > 0, seconds * 1000 <= 1e6 {
            modelDtMs = seconds * 1000
        }
        var modelSteps = steps ?? 100
        if steps == nil, fromSpikeloc, case let .integer(n)? = graph.metadata["steps"], n >= 2, n <= Int64(ExperimentConfig.Limits.steps) {
            modelSteps = Int(n)
        }

        guard case let .input(inputShape) = graph.nodes[chain[0]]! else { fatalError("chain starts at the input") }
        guard inputShape.count == 1, inputShape[0] > 0, inputShape[0] <= Int64(Int32.max) else {
            throw NIRError("node '\(chain[0])' (Input): shape \(inputShape); spikeloc reads a one-dimensional input of at least one channel")
        }
        var size = Int(inputShape[0])
        var layers: [SpikingLayer] = []
        var readout: Readout?
        var i = 1
        while i < chain.count - 1 {
            let (wName, nName) = (chain[i], chain[i + 1])
            let weight = try weightMatrix(graph.nodes[wName]!, name: wName, inputs: size)
            let isLast = i + 2 == chain.count - 1
            let n = weight.rows
            switch graph.nodes[nName]! {
            case let .lif(p):
                try check(p, name: nName, size: n)
                let alphas = try alphas(p.tau, d: d, name: nName)
                var thresholds = (0 ..< n).map { p.vThreshold[$0] / (p.r[$0] * (1 - alphas[$0])) }
                guard thresholds.allSatisfy({ $0 > 0 && $0.isFinite && $0 < Double(Float.greatestFiniteMagnitude) }) else {
                    throw NIRError("node '\(nName)' (LIF): v_threshold must be positive (with r > 0)")
                }
                var w = transposed(weight)
                if !nearlyEqual(thresholds) {
                    // Per-neuron thresholds: threshold 1, each neuron's weights divided by its own.
                    for c in 0 ..< n {
                        for r in 0 ..< w.rows { w.values[r * n + c] = Float(Double(w.values[r * n + c]) / thresholds[c]) }
                    }
                    thresholds = [Double](repeating: 1, count: n)
                    notes.append("note: node '\(nName)' has different thresholds per neuron; imported with threshold 1 and each neuron's input weights divided by its threshold")
                }
                let taus = try spikelocTaus(alphas, dtMs: modelDtMs, name: nName)
                let neuron = LIFNeuron(threshold: Float(thresholds[0]), timing: timing, reset: .zero)
                if isLast {
                    readout = Readout(kind: .spikeCount, weights: w, tauMs: taus, neuron: neuron)
                } else {
                    layers.append(SpikingLayer(neuron: neuron, weights: w, tauMs: taus))
                }
            case let .li(p):
                guard isLast else {
                    throw NIRError("node '\(nName)' (LI): a leaky integrator is supported only as the read-out (the last node before the output); hidden layers must be LIF")
                }
                try check(p, name: nName, size: n)
                let alphas = try alphas(p.tau, d: d, name: nName)
                let factors = (0 ..< n).map { p.r[$0] * (1 - alphas[$0]) }
                guard factors.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw NIRError("node '\(nName)' (LI): r must be positive") }
                var w = transposed(weight)
                if !nearlyEqual(factors) {
                    for c in 0 ..< n {
                        for r in 0 ..< w.rows { w.values[r * n + c] = Float(Double(w.values[r * n + c]) * factors[c] / factors[0]) }
                    }
                    notes.append("note: node '\(nName)' has a different r (1 - alpha) per unit; imported with each unit's weights scaled by it relative to the first unit (the same class decisions)")
                }
                readout = Readout(kind: .sum, weights: w, tauMs: try spikelocTaus(alphas, dtMs: modelDtMs, name: nName))
            default:
                throw NIRError("node '\(nName)' (\(graph.nodes[nName]!.typeName)): expected \(isLast ? "LI or LIF" : "LIF") after the weights '\(wName)'")
            }
            size = n
            i += 2
        }
        guard let readout, !layers.isEmpty else {
            throw NIRError("the graph has no hidden LIF layer; spikeloc reads Input -> Linear -> LIF -> Linear -> LI or LIF -> Output")
        }
        guard case let .output(outputShape) = graph.nodes[chain.last!]!, outputShape == [Int64(readout.classes)] else {
            throw NIRError("node '\(chain.last!)' (Output): shape \(outputShapeText(graph.nodes[chain.last!]!)); expected [\(readout.classes)], the size of the node before it")
        }
        let network = SpikingNetwork(inputs: layers[0].inputs, layers: layers, readout: readout, steps: modelSteps, dtMs: modelDtMs)
        return Result(network: network, notes: notes)
    }

    /// A spikeloc model of an imported network: the configuration is built from the network's
    /// sizes and time constants (two ears of `inputs / 2` fibres; the rest of the configuration,
    /// the stimulus and training settings, the notebook's defaults). Throws ``NIRError`` when
    /// spikeloc's model files cannot hold the network (more than one hidden layer, an odd number
    /// of inputs).
    public static func savedModel(_ network: SpikingNetwork) throws -> (model: SavedModel, notes: [String]) {
        guard network.layers.count == 1 else {
            throw NIRError("the graph has \(network.layers.count) hidden LIF layers; spikeloc's model files hold one")
        }
        guard network.inputs % 2 == 0 else {
            throw NIRError("the input has \(network.inputs) channels; spikeloc's sound-localisation models have two ears of equal size (an even number)")
        }
        var notes: [String] = []
        var config = ExperimentConfig()
        config.anfPerEar = network.inputs / 2
        config.hidden = network.layers[0].neurons
        config.classes = network.classes
        config.dtMs = network.dtMs
        config.durationMs = Double(network.steps) * network.dtMs
        let hiddenTaus = network.layers[0].tau.values, outputTaus = network.readout.tau.values
        config.tauMs = Double(hiddenTaus[0])
        guard let neuron = network.layers[0].neuron as? LIFNeuron else { throw NIRError("the hidden layer is not a LIF layer") }
        config.threshold = neuron.threshold

        // The imported network's neuron, reset, read-out and time constants, as configuration.
        config.spikeTiming = neuron.timing
        config.reset = neuron.reset
        config.readout = network.readout.kind
        config.tauHiddenMs = Double(hiddenTaus[0])
        config.tauOutputMs = Double(outputTaus[0])
        if network.readout.kind != .sum && network.readout.kind != .spikeCount { config.outputScale = 1 }

        do { try config.validate() } catch let e as ConfigError { throw NIRError("the imported model's configuration: \(e)") }
        // Per-neuron time constants (or hidden and output ones that differ) are stored as tensors.
        var net = network
        if !(hiddenTaus.allSatisfy { $0 == hiddenTaus[0] } && outputTaus.allSatisfy { $0 == hiddenTaus[0] }) {
            net.parameters = net.parameters.map { p in
                var q = p
                if p.name.hasPrefix("tau") { q.isLearnable = true }
                return q
            }
            notes.append("note: the time constants differ between neurons; they are stored per neuron (tensors tau1, tau2)")
        }
        return (SavedModel(config: config, network: net), notes)
    }

    // MARK: - Structure

    /// The node names from the input to the output, after checking that the graph is such a chain.
    static func chain(_ graph: NIRGraph) throws -> [String] {
        let expected = "spikeloc reads Input -> Linear -> LIF -> Linear -> LI or LIF -> Output"
        for name in graph.nodes.keys.sorted() {
            if case let .unsupported(type) = graph.nodes[name]! {
                throw NIRError("node '\(name)' (\(type)): unsupported node type; \(expected)")
            }
        }
        var seen: Set<[String]> = []
        var outgoing: [String: [String]] = [:], incoming: [String: [String]] = [:]
        for e in graph.edges {
            for end in [e.source, e.target] where graph.nodes[end] == nil {
                throw NIRError("edge '\(e.source)' -> '\(e.target)' names node '\(end)', which the graph does not have")
            }
            guard seen.insert([e.source, e.target]).inserted else {
                throw NIRError("edge '\(e.source)' -> '\(e.target)' appears twice")
            }
            outgoing[e.source, default: []].append(e.target)
            incoming[e.target, default: []].append(e.source)
        }
        let inputs = graph.nodes.filter { if case .input = $0.value { return true } else { return false } }.keys.sorted()
        let outputs = graph.nodes.filter { if case .output = $0.value { return true } else { return false } }.keys.sorted()
        guard inputs.count == 1 else { throw NIRError("the graph has \(inputs.count) Input nodes\(inputs.isEmpty ? "" : " (\(inputs.joined(separator: ", ")))"); spikeloc reads one") }
        guard outputs.count == 1 else { throw NIRError("the graph has \(outputs.count) Output nodes\(outputs.isEmpty ? "" : " (\(outputs.joined(separator: ", ")))"); spikeloc reads one") }
        for name in graph.nodes.keys.sorted() {
            let ins = incoming[name] ?? [], outs = outgoing[name] ?? []
            if ins.count > 1 {
                throw NIRError("node '\(name)' (\(graph.nodes[name]!.typeName)) has \(ins.count) incoming edges (from \(ins.joined(separator: ", "))); spikeloc reads a chain without recurrence or branches")
            }
            if outs.count > 1 {
                throw NIRError("node '\(name)' (\(graph.nodes[name]!.typeName)) has \(outs.count) outgoing edges (to \(outs.joined(separator: ", "))); spikeloc reads a chain without recurrence or branches")
            }
        }
        var chain = [inputs[0]]
        var visited: Set<String> = [inputs[0]]
        if let into = incoming[inputs[0]]?.first { throw NIRError("node '\(inputs[0])' (Input) has an incoming edge from '\(into)'") }
        while let next = outgoing[chain.last!]?.first {
            guard visited.insert(next).inserted else {
                throw NIRError("node '\(next)' (\(graph.nodes[next]!.typeName)) closes a cycle (recurrence), which spikeloc does not import")
            }
            chain.append(next)
        }
        guard chain.last == outputs[0] else {
            throw NIRError("node '\(chain.last!)' (\(graph.nodes[chain.last!]!.typeName)) has no outgoing edge; the path from '\(inputs[0])' does not reach the Output '\(outputs[0])'")
        }
        if let stray = graph.nodes.keys.sorted().first(where: { !visited.contains($0) }) {
            throw NIRError("node '\(stray)' (\(graph.nodes[stray]!.typeName)) is not on the path from the input to the output")
        }
        guard chain.count >= 6, chain.count % 2 == 0 else {
            throw NIRError("the path \(chain.joined(separator: " -> ")) does not have the shape Input -> (weights -> neurons) x N -> Output; \(expected)")
        }
        return chain
    }

    // MARK: - Parameters

    static func weightMatrix(_ node: NIRNode, name: String, inputs: Int) throws -> NIRMatrix {
        let weight: NIRMatrix
        switch node {
        case let .linear(w): weight = w
        case let .affine(w, bias):
            guard bias.count == w.rows else {
                throw NIRError("node '\(name)' (Affine): bias of \(bias.count) values for \(w.rows) outputs")
            }
            guard bias.allSatisfy({ $0 == 0 }) else {
                throw NIRError("node '\(name)' (Affine): a non-zero bias is unsupported (spikeloc's layers have no bias)")
            }
            weight = w
        default:
            throw NIRError("node '\(name)' (\(node.typeName)): expected Linear (or Affine with a zero bias) here")
        }
        guard weight.columns == inputs else {
            throw NIRError("node '\(name)' (\(node.typeName)): weight has shape [\(weight.rows), \(weight.columns)]; expected \(inputs) columns (the size of the node before it)")
        }
        guard weight.rows > 0 else { throw NIRError("node '\(name)' (\(node.typeName)): weight has no rows") }
        guard weight.values.allSatisfy(\.isFinite) else { throw NIRError("node '\(name)' (\(node.typeName)): weight has non-finite values") }
        return weight
    }

    static func check(_ p: NIRLIF, name: String, size: Int) throws {
        for (field, v) in [("tau", p.tau), ("r", p.r), ("v_leak", p.vLeak), ("v_threshold", p.vThreshold), ("v_reset", p.vReset)] {
            guard v.count == size else { throw NIRError("node '\(name)' (LIF): \(field) has \(v.count) values; expected \(size), the size of the weights before it") }
            guard v.allSatisfy(\.isFinite) else { throw NIRError("node '\(name)' (LIF): \(field) has non-finite values") }
        }
        guard p.vLeak.allSatisfy({ $0 == 0 }) else { throw NIRError("node '\(name)' (LIF): a non-zero v_leak is unsupported") }
        guard p.vReset.allSatisfy({ $0 == 0 }) else { throw NIRError("node '\(name)' (LIF): a non-zero v_reset is unsupported (spikeloc resets to 0)") }
        guard p.r.allSatisfy({ $0 > 0 }) else { throw NIRError("node '\(name)' (LIF): r must be positive") }
    }

    static func check(_ p: NIRLI, name: String, size: Int) throws {
        for (field, v) in [("tau", p.tau), ("r", p.r), ("v_leak", p.vLeak)] {
            guard v.count == size else { throw NIRError("node '\(name)' (LI): \(field) has \(v.count) values; expected \(size), the size of the weights before it") }
            guard v.allSatisfy(\.isFinite) else { throw NIRError("node '\(name)' (LI): \(field) has non-finite values") }
        }
        guard p.vLeak.allSatisfy({ $0 == 0 }) else { throw NIRError("node '\(name)' (LI): a non-zero v_leak is unsupported") }
        guard p.r.allSatisfy({ $0 > 0 }) else { throw NIRError("node '\(name)' (LI): r must be positive") }
    }

    /// `alpha = 1 - D / tau` of each time constant; each must exceed the step `D`.
    static func alphas(_ tau: [Double], d: Double, name: String) throws -> [Double] {
        try tau.map { t in
            guard t > d else {
                throw NIRError("node '\(name)': tau \(t) s is not longer than the reader's step \(d) s (--dt-ms); the neuron would not decay like spikeloc's")
            }
            return 1 - d / t
        }
    }

    /// spikeloc's time constants (ms) for decays `alpha` per step `dtMs`.
    static func spikelocTaus(_ alphas: [Double], dtMs: Double, name: String) throws -> [Float] {
        try alphas.map { a in
            let tau = Float(-dtMs / log(a))
            guard tau.isFinite, tau >= SpikingLayer.minimumTauMs else {
                throw NIRError("node '\(name)': its decay per step \(a) gives the time constant \(tau) ms, outside spikeloc's range")
            }
            return tau
        }
    }

    /// Whether the values agree to 1e-9 relative (what double rounding leaves of equal values).
    static func nearlyEqual(_ values: [Double]) -> Bool {
        values.allSatisfy { abs($0 - values[0]) <= 1e-9 * abs(values[0]) }
    }

    static func transposed(_ m: NIRMatrix) -> Matrix {
        var values = [Float](repeating: 0, count: m.values.count)
        for r in 0 ..< m.rows {
            for c in 0 ..< m.columns { values[c * m.rows + r] = m.values[r * m.columns + c] }
        }
        return Matrix(rows: m.columns, columns: m.rows, values: values)
    }

    static func outputShapeText(_ node: NIRNode) -> String {
        if case let .output(shape) = node { return "\(shape)" }
        return "?"
    }
}
