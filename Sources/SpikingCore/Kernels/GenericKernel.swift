/// The generic per-sample driver of ``NetworkEngine``: any ``SpikingNetwork`` forward through
/// time, and backward (backpropagation through time) with each neuron model's adjoint. It is
/// generic over ``NeuronModel``, so the compiler specialises the time loop for each model and
/// dispatch happens once per layer and sample. The loops that touch memory through pointers
/// (row gathers and scatters of the weight matrices) are in this file.
struct GenericKernel: @unchecked Sendable {
    /// One hidden (or spiking output) layer, with its effective weights and decays.
    struct Layer {
        let neuron: any NeuronModel
        let inputs: Int
        let neurons: Int
        let weights: [Float]
        let recurrent: [Float]?
        let decay: [Float]
    }

    let steps: Int
    let layers: [Layer]
    let readoutKind: Readout.Kind
    let readoutWeights: [Float]
    let readoutDecay: [Float]
    let outputLayer: Layer?
    let classes: Int
    /// Where each parameter's gradient starts in a flat gradient buffer (parameter order).
    let layerOffsets: [(w: Int, v: Int?, tau: Int)]
    let readoutOffsets: (w: Int, tau: Int)
    let gradientCount: Int

    init(_ network: SpikingNetwork) {
        steps = network.steps
        var offset = 0
        var offsets: [(Int, Int?, Int)] = []
        layers = network.layers.map { layer in
            let w = offset
            offset += layer.weights.count
            var v: Int?
            if let r = layer.recurrent { v = offset; offset += r.count }
            offsets.append((w, v, offset))
            offset += layer.tau.count
            return Layer(neuron: layer.neuron, inputs: layer.inputs, neurons: layer.neurons,
                         weights: layer.weights.effectiveValues, recurrent: layer.recurrent?.effectiveValues,
                         decay: layer.decays(dtMs: network.dtMs))
        }
        layerOffsets = offsets
        readoutOffsets = (offset, offset + network.readout.weights.count)
        offset += network.readout.weights.count + network.readout.tau.count
        gradientCount = offset
        readoutKind = network.readout.kind
        readoutWeights = network.readout.weights.effectiveValues
        readoutDecay = network.readout.decays(dtMs: network.dtMs)
        classes = network.classes
        if let neuron = network.readout.neuron, network.readout.kind == .spikeCount {
            outputLayer = Layer(neuron: neuron, inputs: network.readout.inputs, neurons: classes, weights: readoutWeights,
                                recurrent: nil, decay: readoutDecay)
        } else {
            outputLayer = nil
        }
    }

    /// The input of a layer for one sample: bit-packed spikes or the dense output of the layer below.
    enum Input {
        case raster(UnsafePointer<UInt64>, wordsPerStep: Int)
        case dense([Float])
    }

    /// What the forward pass of one sample leaves for the backward pass.
    struct Record {
        var outputs: [[Float]] = []  // per hidden layer, steps x neurons spikes
        var currents: [[Float]] = []
        var tapes: [Any] = []  // per hidden layer, [State] before each step
        var readoutInput: [Float] = []  // the top layer's spikes after dropout
        var dropoutFactor: [Float]?  // per spike of the top layer: 0 or 1 / (1 - p)
        var readoutCurrent: [Float] = []  // steps x classes
        var readoutMembrane: [Float] = []  // steps x classes (integrator) or spikes (spiking output)
        var readoutTape: Any?
        var scores: [Float] = []
    }

    // MARK: forward

    func forward(_ input: UnsafePointer<UInt64>, wordsPerStep: Int, dropout: Dropout? = nil, sample: Int = 0) -> Record {
        var record = Record()
        var below = Input.raster(input, wordsPerStep: wordsPerStep)
        for layer in layers {
            let (y, current, tape) = runLayer(layer.neuron, layer, input: below)
            record.outputs.append(y)
            record.currents.append(current)
            record.tapes.append(tape)
            below = .dense(y)
        }
        var last = record.outputs[record.outputs.count - 1]
        let top = layers[layers.count - 1].neurons
        if let dropout, dropout.probability > 0 {
            let key = dropout.sampleKey(sample), scale = dropout.scale
            let factor = (0 ..< last.count).map { dropout.keeps(sampleKey: key, element: $0) ? scale : 0 }
            for i in last.indices { last[i] *= factor[i] }
            record.dropoutFactor = factor
        }
        record.readoutInput = last
        if let output = outputLayer {
            let (y, current, tape) = runLayer(output.neuron, output, input: .dense(last))
            record.readoutCurrent = current
            record.readoutMembrane = y
            record.readoutTape = tape
            record.scores = [Float](repeating: 0, count: classes)
            for t in 0 ..< steps { for c in 0 ..< classes { record.scores[c] += y[t * classes + c] } }
            return record
        }
        var current = [Float](repeating: 0, count: steps * classes)
        readoutWeights.withUnsafeBufferPointer { w in
            current.withUnsafeMutableBufferPointer { cur in
                for t in 0 ..< steps {
                    Self.gather(dense: last, offset: t * top, count: top, weights: w.baseAddress!, columns: classes,
                                into: cur.baseAddress! + t * classes)
                }
            }
        }
        var membrane = [Float](repeating: 0, count: steps * classes)
        for t in 0 ..< steps - 1 {
            for c in 0 ..< classes {
                membrane[(t + 1) * classes + c] = readoutDecay[c] * membrane[t * classes + c] + current[t * classes + c]
            }
        }
        var scores = [Float](repeating: 0, count: classes)
        for c in 0 ..< classes {
            switch readoutKind {
            case .sum, .mean:
                var s: Float = 0
                for t in 0 ..< steps { s += membrane[t * classes + c] }
                scores[c] = readoutKind == .mean ? s / Float(steps) : s
            case .max:
                var m = membrane[c]
                for t in 1 ..< steps { m = Swift.max(m, membrane[t * classes + c]) }
                scores[c] = m
            case .last:
                scores[c] = membrane[(steps - 1) * classes + c]
            case .spikeCount:
                preconditionFailure("spike-count read-out without an output layer")
            }
        }
        record.readoutCurrent = current
        record.readoutMembrane = membrane
        record.scores = scores
        return record
    }

    /// Runs one layer of neuron model `N` over all steps.
    private func runLayer<N: NeuronModel>(_ neuron: N, _ layer: Layer, input: Input) -> ([Float], [Float], [N.State]) {
        let n = layer.neurons
        var y = [Float](repeating: 0, count: steps * n)
        var current = [Float](repeating: 0, count: steps * n)
        var tape = [N.State](repeating: .zero, count: steps * n)
        var state = [N.State](repeating: .zero, count: n)
        layer.weights.withUnsafeBufferPointer { w in
            current.withUnsafeMutableBufferPointer { cur in
                for t in 0 ..< steps {
                    let row = cur.baseAddress! + t * n
                    switch input {
                    case let .raster(bits, wordsPerStep):
                        Self.gather(bits: bits + t * wordsPerStep, words: wordsPerStep, weights: w.baseAddress!, columns: n, into: row)
                    case let .dense(x):
                        Self.gather(dense: x, offset: t * layer.inputs, count: layer.inputs, weights: w.baseAddress!, columns: n, into: row)
                    }
                    if let v = layer.recurrent, t > 0 {
                        v.withUnsafeBufferPointer { v in
                            Self.gather(dense: y, offset: (t - 1) * n, count: n, weights: v.baseAddress!, columns: n, into: row)
                        }
                    }
                    for j in 0 ..< n {
                        tape[t * n + j] = state[j]
                        y[t * n + j] = neuron.step(&state[j], current: row[j], decay: layer.decay[j])
                    }
                }
            }
        }
        return (y, current, tape)
    }

    // MARK: backward

    /// Accumulates into `gradients` (flat, parameter order; the decays' gradients in `decayGradients`,
    /// same offsets as the time constants) the gradient of the sample's loss, given the gradient
    /// of the loss with respect to its scores and, per hidden layer, with respect to each single
    /// spike of each neuron (the rate penalty; empty when there is none).
    func backward(
        _ record: Record, input: UnsafePointer<UInt64>, wordsPerStep: Int, gradScores: [Float], gradPerSpike: [[Float]],
        gradients: UnsafeMutablePointer<Float>, decayGradients: UnsafeMutablePointer<Float>
    ) {
        let top = layers[layers.count - 1].neurons
        var gradOut = [Float](repeating: 0, count: steps * classes)  // dL / dI_out[t]
        if let output = outputLayer {
            var gradY = [Float](repeating: 0, count: steps * classes)
            for t in 0 ..< steps { for c in 0 ..< classes { gradY[t * classes + c] = gradScores[c] } }
            gradOut = backLayer(output.neuron, output, tape: record.readoutTape!, current: record.readoutCurrent,
                                outputs: record.readoutMembrane, gradY: &gradY,
                                gradRecurrent: nil, decayGradients: decayGradients + readoutOffsets.tau)
        } else {
            var weightOfStep = [Float](repeating: 0, count: steps * classes)  // d score / d v[t]
            for c in 0 ..< classes {
                switch readoutKind {
                case .sum: for t in 0 ..< steps { weightOfStep[t * classes + c] = 1 }
                case .mean: for t in 0 ..< steps { weightOfStep[t * classes + c] = 1 / Float(steps) }
                case .last: weightOfStep[(steps - 1) * classes + c] = 1
                case .max:
                    var best = 0
                    for t in 1 ..< steps where record.readoutMembrane[t * classes + c] > record.readoutMembrane[best * classes + c] { best = t }
                    weightOfStep[best * classes + c] = 1
                case .spikeCount: preconditionFailure("spike-count read-out without an output layer")
                }
            }
            for c in 0 ..< classes {
                var lambda = weightOfStep[(steps - 1) * classes + c] * gradScores[c]
                var gradDecay: Float = 0
                for t in stride(from: steps - 2, through: 0, by: -1) {
                    gradOut[t * classes + c] = lambda
                    gradDecay += lambda * record.readoutMembrane[t * classes + c]
                    lambda = weightOfStep[t * classes + c] * gradScores[c] + readoutDecay[c] * lambda
                }
                decayGradients[readoutOffsets.tau + c] += gradDecay
            }
        }
        // read-out weights and the gradient of the top layer's spikes
        var gradY = [Float](repeating: 0, count: steps * top)
        let last = record.readoutInput
        readoutWeights.withUnsafeBufferPointer { w in
            gradOut.withUnsafeBufferPointer { go in
                gradY.withUnsafeMutableBufferPointer { gy in
                    for t in 0 ..< steps {
                        let g = go.baseAddress! + t * classes
                        Self.scatter(dense: last, offset: t * top, count: top, gradient: g, columns: classes,
                                     into: gradients + readoutOffsets.w)
                        Self.propagate(g, weights: w.baseAddress!, rows: top, columns: classes, into: gy.baseAddress! + t * top)
                    }
                }
            }
        }
        if let factor = record.dropoutFactor { for i in gradY.indices { gradY[i] *= factor[i] } }
        for l in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[l]
            let n = layer.neurons
            if l < gradPerSpike.count, !gradPerSpike[l].isEmpty {
                for t in 0 ..< steps { for j in 0 ..< n { gradY[t * n + j] += gradPerSpike[l][j] } }
            }
            let offsets = layerOffsets[l]
            let gradCurrent = backLayer(layer.neuron, layer, tape: record.tapes[l], current: record.currents[l],
                                        outputs: record.outputs[l], gradY: &gradY,
                                        gradRecurrent: offsets.v.map { gradients + $0 }, decayGradients: decayGradients + offsets.tau)
            var gradBelow = [Float](repeating: 0, count: l > 0 ? steps * layer.inputs : 0)
            layer.weights.withUnsafeBufferPointer { w in
                gradCurrent.withUnsafeBufferPointer { gc in
                    for t in 0 ..< steps {
                        let g = gc.baseAddress! + t * n
                        if l == 0 {
                            Self.scatter(bits: input + t * wordsPerStep, words: wordsPerStep, gradient: g, columns: n,
                                         into: gradients + offsets.w)
                        } else {
                            Self.scatter(dense: record.outputs[l - 1], offset: t * layer.inputs, count: layer.inputs,
                                         gradient: g, columns: n, into: gradients + offsets.w)
                            gradBelow.withUnsafeMutableBufferPointer { gb in
                                Self.propagate(g, weights: w.baseAddress!, rows: layer.inputs, columns: n,
                                               into: gb.baseAddress! + t * layer.inputs)
                            }
                        }
                    }
                }
            }
            gradY = gradBelow
        }
    }

    /// The backward pass through one layer of neuron model `N`: returns `dL/dI[t]` for every step,
    /// adds the decays' gradients, and for a recurrent layer the recurrent weights' gradient and
    /// the recurrent contribution to `gradY` of the step before.
    private func backLayer<N: NeuronModel>(
        _ neuron: N, _ layer: Layer, tape: Any, current: [Float], outputs: [Float], gradY: inout [Float],
        gradRecurrent: UnsafeMutablePointer<Float>?, decayGradients: UnsafeMutablePointer<Float>
    ) -> [Float] {
        let tape = tape as! [N.State]
        let n = layer.neurons
        var gradCurrent = [Float](repeating: 0, count: steps * n)
        var lambda = [N.State](repeating: .zero, count: n)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for j in 0 ..< n {
                let a = neuron.adjoint(state: tape[t * n + j], current: current[t * n + j], decay: layer.decay[j],
                                       gradientAfter: lambda[j], gradientOfSpike: gradY[t * n + j])
                lambda[j] = a.state
                gradCurrent[t * n + j] = a.current
                decayGradients[j] += a.decay
            }
            if let v = layer.recurrent, let gradRecurrent, t > 0 {
                v.withUnsafeBufferPointer { v in
                    gradCurrent.withUnsafeBufferPointer { gc in
                        let g = gc.baseAddress! + t * n
                        Self.scatter(dense: outputs, offset: (t - 1) * n, count: n, gradient: g, columns: n, into: gradRecurrent)
                        gradY.withUnsafeMutableBufferPointer { gy in
                            Self.propagate(g, weights: v.baseAddress!, rows: n, columns: n, into: gy.baseAddress! + (t - 1) * n)
                        }
                    }
                }
            }
        }
        return gradCurrent
    }

    // MARK: row loops

    /// `out += weights[i, :]` for every channel `i` set in `words` bits, in increasing `i`.
    @inline(__always)
    static func gather(bits: UnsafePointer<UInt64>, words: Int, weights: UnsafePointer<Float>, columns: Int,
                       into out: UnsafeMutablePointer<Float>) {
        for w in 0 ..< words {
            var b = bits[w]
            while b != 0 {
                let row = weights + (w &* 64 &+ b.trailingZeroBitCount) &* columns
                for j in 0 ..< columns { out[j] += row[j] }
                b &= b &- 1
            }
        }
    }

    /// `out += x[i] * weights[i, :]` for every non-zero `x[offset + i]`, `i < count`, in increasing `i`.
    @inline(__always)
    static func gather(dense x: [Float], offset: Int, count: Int, weights: UnsafePointer<Float>, columns: Int,
                       into out: UnsafeMutablePointer<Float>) {
        for i in 0 ..< count {
            let xi = x[offset + i]
            guard xi != 0 else { continue }
            let row = weights + i &* columns
            if xi == 1 {
                for j in 0 ..< columns { out[j] += row[j] }
            } else {
                for j in 0 ..< columns { out[j] += xi * row[j] }
            }
        }
    }

    /// `grad[i, :] += gradient` for every channel `i` set in `words` bits.
    @inline(__always)
    static func scatter(bits: UnsafePointer<UInt64>, words: Int, gradient: UnsafePointer<Float>, columns: Int,
                        into grad: UnsafeMutablePointer<Float>) {
        for w in 0 ..< words {
            var b = bits[w]
            while b != 0 {
                let row = grad + (w &* 64 &+ b.trailingZeroBitCount) &* columns
                for j in 0 ..< columns { row[j] += gradient[j] }
                b &= b &- 1
            }
        }
    }

    /// `grad[i, :] += x[offset + i] * gradient` for every non-zero `x[offset + i]`.
    @inline(__always)
    static func scatter(dense x: [Float], offset: Int, count: Int, gradient: UnsafePointer<Float>, columns: Int,
                        into grad: UnsafeMutablePointer<Float>) {
        for i in 0 ..< count {
            let xi = x[offset + i]
            guard xi != 0 else { continue }
            let row = grad + i &* columns
            for j in 0 ..< columns { row[j] += xi * gradient[j] }
        }
    }

    /// `out[i] += sum_j weights[i, j] * gradient[j]` for every row `i`.
    @inline(__always)
    static func propagate(_ gradient: UnsafePointer<Float>, weights: UnsafePointer<Float>, rows: Int, columns: Int,
                          into out: UnsafeMutablePointer<Float>) {
        for i in 0 ..< rows {
            let row = weights + i &* columns
            var s: Float = 0
            for j in 0 ..< columns { s += row[j] * gradient[j] }
            out[i] += s
        }
    }
}
