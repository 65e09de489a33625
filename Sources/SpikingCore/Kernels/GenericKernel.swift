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
        /// Floats per row of the weights and currents: `neurons` rounded up to eight.
        let stride: Int
        let weights: [Float]
        let recurrent: [Float]?
        let decay: [Float]
        /// The input connections' delays, if they have them (then `weights` is unused).
        let delay: DelayKernel?
    }

    /// Where a parameter's gradient is in the flat buffer and how to read it out.
    enum SlotKind {
        /// `rows x columns` values in rows of `stride` floats.
        case plain
        /// A time constant: the decays' buffer holds its decay's gradient.
        case tau
        /// The weights or the positions of a delayed projection, from its kernels' gradient.
        case delayWeights(DelayKernel), delayPositions(DelayKernel)
    }

    struct Slot {
        let offset, rows, columns, stride: Int
        let kind: SlotKind
    }

    let steps: Int
    let layers: [Layer]
    let readoutKind: Readout.Kind
    let readoutWeights: [Float]
    let readoutDecay: [Float]
    let readoutDelay: DelayKernel?
    let outputLayer: Layer?
    let classes: Int
    /// Floats per row of the read-out's weights and currents: `classes` rounded up to eight.
    let classStride: Int
    /// Where each parameter's gradient starts in the flat gradient buffer, in its padded layout
    /// (rows of `stride` floats; parameter order).
    let layerOffsets: [(w: Int, v: Int?, tau: Int)]
    let readoutOffsets: (w: Int, tau: Int)
    /// Each parameter's place in the buffer, in parameter order.
    let slots: [Slot]
    let gradientCount: Int

    /// `n` rounded up to a multiple of eight: rows are whole eight-lane blocks.
    static func padded(_ n: Int) -> Int { (n + 7) / 8 * 8 }

    /// A row-major `rows x columns` matrix with each row padded with zeros to `stride`.
    static func pad(_ values: [Float], rows: Int, columns: Int, stride: Int) -> [Float] {
        var out = [Float](repeating: 0, count: rows * stride)
        for r in 0 ..< rows { for c in 0 ..< columns { out[r * stride + c] = values[r * columns + c] } }
        return out
    }

    /// The kernel of `network`; delay kernels compute their tables on `threads` threads.
    init(_ network: SpikingNetwork, threads: Int = 1) {
        steps = network.steps
        var offset = 0
        var offsets: [(Int, Int?, Int)] = []
        var slots: [Slot] = []
        layers = network.layers.map { layer in
            let n = layer.neurons, stride = Self.padded(n)
            let w = offset
            let delay = layer.delays.map {
                DelayKernel($0, weights: layer.weights.effectiveValues, inputs: layer.inputs, neurons: n, stride: stride, threads: threads)
            }
            if let delay {
                slots.append(Slot(offset: offset, rows: layer.inputs, columns: n, stride: stride, kind: .delayWeights(delay)))
                offset += delay.gradientSize
            } else {
                slots.append(Slot(offset: offset, rows: layer.inputs, columns: n, stride: stride, kind: .plain))
                offset += layer.inputs * stride
            }
            var v: Int?
            if layer.recurrent != nil {
                v = offset
                slots.append(Slot(offset: offset, rows: n, columns: n, stride: stride, kind: .plain))
                offset += n * stride
            }
            if let delay { slots.append(Slot(offset: w, rows: layer.inputs, columns: n, stride: stride, kind: .delayPositions(delay))) }
            offsets.append((w, v, offset))
            slots.append(Slot(offset: offset, rows: 1, columns: n, stride: n, kind: .tau))
            offset += n
            return Layer(neuron: layer.neuron, inputs: layer.inputs, neurons: n, stride: stride,
                         weights: delay == nil ? Self.pad(layer.weights.effectiveValues, rows: layer.inputs, columns: n, stride: stride) : [],
                         recurrent: layer.recurrent.map { Self.pad($0.effectiveValues, rows: n, columns: n, stride: stride) },
                         decay: layer.decays(dtMs: network.dtMs), delay: delay)
        }
        layerOffsets = offsets
        classes = network.classes
        self.classStride = Self.padded(network.classes)
        let top = network.readout.inputs, classCount = network.classes, classStride = Self.padded(network.classes)
        let readoutDelay = network.readout.delays.map {
            DelayKernel($0, weights: network.readout.weights.effectiveValues, inputs: top, neurons: classCount, stride: classStride,
                        threads: threads)
        }
        let readoutSize = readoutDelay?.gradientSize ?? top * classStride
        readoutOffsets = (offset, offset + readoutSize)
        if let readoutDelay {
            slots.append(Slot(offset: offset, rows: top, columns: classes, stride: classStride, kind: .delayWeights(readoutDelay)))
            slots.append(Slot(offset: offset, rows: top, columns: classes, stride: classStride, kind: .delayPositions(readoutDelay)))
        } else {
            slots.append(Slot(offset: offset, rows: top, columns: classes, stride: classStride, kind: .plain))
        }
        slots.append(Slot(offset: offset + readoutSize, rows: 1, columns: classes, stride: classes, kind: .tau))
        offset += readoutSize + classes
        gradientCount = offset
        self.slots = slots
        self.readoutDelay = readoutDelay
        readoutKind = network.readout.kind
        readoutWeights = readoutDelay == nil
            ? Self.pad(network.readout.weights.effectiveValues, rows: top, columns: classes, stride: classStride) : []
        readoutDecay = network.readout.decays(dtMs: network.dtMs)
        if let neuron = network.readout.neuron, network.readout.kind == .spikeCount {
            outputLayer = Layer(neuron: neuron, inputs: top, neurons: classes, stride: classStride, weights: readoutWeights,
                                recurrent: nil, decay: readoutDecay, delay: readoutDelay)
        } else {
            outputLayer = nil
        }
    }

    /// The input of a layer for one sample: bit-packed spikes or the dense output of the layer below.
    enum Input {
        case raster(UnsafePointer<UInt64>, wordsPerStep: Int)
        case dense([Float])
        /// The raster as each input's spike steps (for a delayed first layer).
        case spikeTimes(DelayKernel.SpikeTimes)
    }

    /// What the forward pass of one sample leaves for the backward pass.
    struct Record {
        var outputs: [[Float]] = []  // per hidden layer, steps x neurons spikes
        var currents: [[Float]] = []
        var tapes: [Any] = []  // per hidden layer, [State] before each step
        var inputSpikes: DelayKernel.SpikeTimes?  // the raster's spike steps, when the first layer's Gaussian delays use them
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
        if let delay = layers[0].delay, !delay.spreadsRaster {  // else the kernel reads the bits (the backward pass lists them)
            let spikes = DelayKernel.SpikeTimes(bits: input, wordsPerStep: wordsPerStep, steps: steps, inputs: layers[0].inputs)
            record.inputSpikes = spikes
            below = .spikeTimes(spikes)
        }
        for layer in layers {
            let (y, current, tape) = runLayer(layer, input: below)
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
            let (y, current, tape) = runLayer(output, input: .dense(last))
            record.readoutCurrent = current
            record.readoutMembrane = y
            record.readoutTape = tape
            record.scores = [Float](repeating: 0, count: classes)
            for t in 0 ..< steps { for c in 0 ..< classes { record.scores[c] += y[t * classes + c] } }
            return record
        }
        let cs = classStride
        var current = [Float](repeating: 0, count: steps * cs)
        if let delay = readoutDelay {
            current.withUnsafeMutableBufferPointer { delay.spread(dense: last, steps: steps, into: $0.baseAddress!) }
        } else {
            readoutWeights.withUnsafeBufferPointer { w in
                current.withUnsafeMutableBufferPointer { cur in
                    for t in 0 ..< steps {
                        Self.gather(dense: last, offset: t * top, count: top, weights: w.baseAddress!, columns: cs,
                                    into: cur.baseAddress! + t * cs)
                    }
                }
            }
        }
        var membrane = [Float](repeating: 0, count: steps * classes)
        for t in 0 ..< steps - 1 {
            for c in 0 ..< classes {
                membrane[(t + 1) * classes + c] = readoutDecay[c] * membrane[t * classes + c] + current[t * cs + c]
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

    /// Runs one layer over all steps, with the time loop specialised for spikeloc's neuron models
    /// (a model of another module runs the unspecialised generic loop).
    private func runLayer(_ layer: Layer, input: Input) -> ([Float], [Float], Any) {
        switch layer.neuron {
        case let n as LIFNeuron: return runLayer(n, layer, input: input)
        case let n as AdaptiveLIFNeuron: return runLayer(n, layer, input: input)
        default: return runLayer(layer.neuron, layer, input: input)
        }
    }

    /// Runs one layer of neuron model `N` over all steps.
    private func runLayer<N: NeuronModel>(_ neuron: N, _ layer: Layer, input: Input) -> ([Float], [Float], Any) {
        let n = layer.neurons, total = steps * n
        var y = [Float](repeating: 0, count: total)
        var current = [Float](repeating: 0, count: steps * layer.stride)
        var tape = [N.State](repeating: .zero, count: total)
        var state = [N.State](repeating: .zero, count: n)
        let recurrent = layer.recurrent ?? []
        var dense: [Float] = []
        var bits: UnsafePointer<UInt64>?, wordsPerStep = 0
        var spikes: DelayKernel.SpikeTimes?
        switch input {
        case let .raster(b, w): bits = b; wordsPerStep = w
        case let .dense(x): dense = x
        case let .spikeTimes(s): spikes = s
        }
        if let delay = layer.delay {
            current.withUnsafeMutableBufferPointer { cp in
                if let spikes {
                    delay.spread(spikes: spikes, steps: steps, into: cp.baseAddress!)
                } else if let bits {
                    delay.spread(raster: bits, wordsPerStep: wordsPerStep, steps: steps, into: cp.baseAddress!)
                } else {
                    delay.spread(dense: dense, steps: steps, into: cp.baseAddress!)
                }
            }
            bits = nil
            dense = []
        }
        y.withUnsafeMutableBufferPointer { yp in
            current.withUnsafeMutableBufferPointer { cp in
                tape.withUnsafeMutableBufferPointer { tp in
                    state.withUnsafeMutableBufferPointer { sp in
                        layer.weights.withUnsafeBufferPointer { w in
                            layer.decay.withUnsafeBufferPointer { decay in
                                recurrent.withUnsafeBufferPointer { v in
                                    dense.withUnsafeBufferPointer { x in
                                        Self.forwardLoop(
                                            neuron, steps: steps, neurons: n, stride: layer.stride, inputs: layer.inputs, bits: bits,
                                            wordsPerStep: wordsPerStep,
                                            dense: x.isEmpty ? nil : x.baseAddress, weights: w.baseAddress, recurrent: layer.recurrent == nil ? nil : v.baseAddress,
                                            decay: decay.baseAddress!, y: yp.baseAddress!, current: cp.baseAddress!,
                                            tape: tp.baseAddress!, state: sp.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (y, current, tape)
    }

    /// The time loop of one layer: currents from the input (bits or dense values) and the
    /// recurrent weights, then every neuron's step, recording the state before it.
    private static func forwardLoop<N: NeuronModel>(
        _ neuron: N, steps: Int, neurons n: Int, stride: Int, inputs: Int, bits: UnsafePointer<UInt64>?, wordsPerStep: Int,
        dense: UnsafePointer<Float>?, weights: UnsafePointer<Float>?, recurrent: UnsafePointer<Float>?, decay: UnsafePointer<Float>,
        y: UnsafeMutablePointer<Float>, current: UnsafeMutablePointer<Float>, tape: UnsafeMutablePointer<N.State>,
        state: UnsafeMutablePointer<N.State>
    ) {
        for t in 0 ..< steps {
            let row = current + t &* stride
            if let bits, let weights {
                gather(bits: bits + t &* wordsPerStep, words: wordsPerStep, weights: weights, columns: stride, into: row)
            } else if let dense, let weights {
                gather(dense: dense + t &* inputs, count: inputs, weights: weights, columns: stride, into: row)
            }
            if let recurrent, t > 0 {
                gather(dense: y + (t &- 1) &* n, count: n, weights: recurrent, columns: stride, into: row)
            }
            let record = tape + t &* n, out = y + t &* n
            for j in 0 ..< n {
                record[j] = state[j]
                out[j] = neuron.step(&state[j], current: row[j], decay: decay[j])
            }
        }
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
        let cs = classStride
        var gradOut = [Float](repeating: 0, count: steps * cs)  // dL / dI_out[t], rows of cs
        if let output = outputLayer {
            var gradY = [Float](repeating: 0, count: steps * classes)
            for t in 0 ..< steps { for c in 0 ..< classes { gradY[t * classes + c] = gradScores[c] } }
            gradOut = backLayer(output, tape: record.readoutTape!, current: record.readoutCurrent,
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
                    gradOut[t * cs + c] = lambda
                    gradDecay += lambda * record.readoutMembrane[t * classes + c]
                    lambda = weightOfStep[t * classes + c] * gradScores[c] + readoutDecay[c] * lambda
                }
                decayGradients[readoutOffsets.tau + c] += gradDecay
            }
        }
        // read-out weights and the gradient of the top layer's spikes
        var gradY = [Float](repeating: 0, count: steps * top)
        let last = record.readoutInput
        if let delay = readoutDelay {
            gradOut.withUnsafeBufferPointer { go in
                gradY.withUnsafeMutableBufferPointer { gy in
                    delay.collect(dense: last, steps: steps, gradCurrent: go.baseAddress!, into: gradients + readoutOffsets.w,
                                  gradX: gy.baseAddress!)
                }
            }
        } else {
            readoutWeights.withUnsafeBufferPointer { w in
                gradOut.withUnsafeBufferPointer { go in
                    gradY.withUnsafeMutableBufferPointer { gy in
                        for t in 0 ..< steps {
                            let g = go.baseAddress! + t * cs
                            Self.scatter(dense: last, offset: t * top, count: top, gradient: g, columns: cs,
                                         into: gradients + readoutOffsets.w)
                            Self.propagate(g, weights: w.baseAddress!, rows: top, columns: cs, into: gy.baseAddress! + t * top)
                        }
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
            let gradCurrent = backLayer(layer, tape: record.tapes[l], current: record.currents[l],
                                        outputs: record.outputs[l], gradY: &gradY,
                                        gradRecurrent: offsets.v.map { gradients + $0 }, decayGradients: decayGradients + offsets.tau)
            var gradBelow = [Float](repeating: 0, count: l > 0 ? steps * layer.inputs : 0)
            if let delay = layer.delay {
                gradCurrent.withUnsafeBufferPointer { gc in
                    if l == 0 {
                        let spikes = record.inputSpikes
                            ?? DelayKernel.SpikeTimes(bits: input, wordsPerStep: wordsPerStep, steps: steps, inputs: layer.inputs)
                        delay.collect(spikes: spikes, steps: steps, gradCurrent: gc.baseAddress!, into: gradients + offsets.w)
                    } else {
                        gradBelow.withUnsafeMutableBufferPointer { gb in
                            delay.collect(dense: record.outputs[l - 1], steps: steps, gradCurrent: gc.baseAddress!,
                                          into: gradients + offsets.w, gradX: gb.baseAddress!)
                        }
                    }
                }
                gradY = gradBelow
                continue
            }
            layer.weights.withUnsafeBufferPointer { w in
                gradCurrent.withUnsafeBufferPointer { gc in
                    for t in 0 ..< steps {
                        let g = gc.baseAddress! + t * layer.stride
                        if l == 0 {
                            Self.scatter(bits: input + t * wordsPerStep, words: wordsPerStep, gradient: g, columns: layer.stride,
                                         into: gradients + offsets.w)
                        } else {
                            Self.scatter(dense: record.outputs[l - 1], offset: t * layer.inputs, count: layer.inputs,
                                         gradient: g, columns: layer.stride, into: gradients + offsets.w)
                            gradBelow.withUnsafeMutableBufferPointer { gb in
                                Self.propagate(g, weights: w.baseAddress!, rows: layer.inputs, columns: layer.stride,
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
    private func backLayer(
        _ layer: Layer, tape: Any, current: [Float], outputs: [Float], gradY: inout [Float],
        gradRecurrent: UnsafeMutablePointer<Float>?, decayGradients: UnsafeMutablePointer<Float>
    ) -> [Float] {
        switch layer.neuron {
        case let n as LIFNeuron:
            return backLayer(n, layer, tape: tape, current: current, outputs: outputs, gradY: &gradY,
                             gradRecurrent: gradRecurrent, decayGradients: decayGradients)
        case let n as AdaptiveLIFNeuron:
            return backLayer(n, layer, tape: tape, current: current, outputs: outputs, gradY: &gradY,
                             gradRecurrent: gradRecurrent, decayGradients: decayGradients)
        default:
            return backLayer(layer.neuron, layer, tape: tape, current: current, outputs: outputs, gradY: &gradY,
                             gradRecurrent: gradRecurrent, decayGradients: decayGradients)
        }
    }

    private func backLayer<N: NeuronModel>(
        _ neuron: N, _ layer: Layer, tape: Any, current: [Float], outputs: [Float], gradY: inout [Float],
        gradRecurrent: UnsafeMutablePointer<Float>?, decayGradients: UnsafeMutablePointer<Float>
    ) -> [Float] {
        let tape = tape as! [N.State]
        let n = layer.neurons
        precondition(tape.count == steps * n && current.count == steps * layer.stride && gradY.count == steps * n && outputs.count == steps * n)
        var gradCurrent = [Float](repeating: 0, count: steps * layer.stride)
        var lambda = [N.State](repeating: .zero, count: n)
        let recurrent = layer.recurrent ?? []
        tape.withUnsafeBufferPointer { tp in
            current.withUnsafeBufferPointer { cp in
                outputs.withUnsafeBufferPointer { op in
                    gradY.withUnsafeMutableBufferPointer { gy in
                        gradCurrent.withUnsafeMutableBufferPointer { gc in
                            lambda.withUnsafeMutableBufferPointer { lp in
                                layer.decay.withUnsafeBufferPointer { decay in
                                    recurrent.withUnsafeBufferPointer { v in
                                        Self.backwardLoop(
                                            neuron, steps: steps, neurons: n, stride: layer.stride, tape: tp.baseAddress!, current: cp.baseAddress!,
                                            outputs: op.baseAddress!, decay: decay.baseAddress!,
                                            recurrent: layer.recurrent == nil ? nil : v.baseAddress, gradY: gy.baseAddress!,
                                            gradCurrent: gc.baseAddress!, lambda: lp.baseAddress!,
                                            gradRecurrent: gradRecurrent, decayGradients: decayGradients)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return gradCurrent
    }

    /// The reverse time loop of one layer: every neuron's adjoint, then for a recurrent layer the
    /// recurrent weights' gradient and the gradient of the spikes of the step before.
    private static func backwardLoop<N: NeuronModel>(
        _ neuron: N, steps: Int, neurons n: Int, stride: Int, tape: UnsafePointer<N.State>, current: UnsafePointer<Float>,
        outputs: UnsafePointer<Float>, decay: UnsafePointer<Float>, recurrent: UnsafePointer<Float>?,
        gradY: UnsafeMutablePointer<Float>, gradCurrent: UnsafeMutablePointer<Float>, lambda: UnsafeMutablePointer<N.State>,
        gradRecurrent: UnsafeMutablePointer<Float>?, decayGradients: UnsafeMutablePointer<Float>
    ) {
        for t in Swift.stride(from: steps - 1, through: 0, by: -1) {
            let base = t &* n, row = t &* stride
            for j in 0 ..< n {
                let a = neuron.adjoint(state: tape[base &+ j], current: current[row &+ j], decay: decay[j],
                                       gradientAfter: lambda[j], gradientOfSpike: gradY[base &+ j])
                lambda[j] = a.state
                gradCurrent[row &+ j] = a.current
                decayGradients[j] += a.decay
            }
            if let recurrent, let gradRecurrent, t > 0 {
                let g = gradCurrent + row
                scatter(dense: outputs + (base &- n), count: n, gradient: g, columns: stride, into: gradRecurrent)
                propagate(g, weights: recurrent, rows: n, columns: stride, into: gradY + (base &- n))
            }
        }
    }

    /// The gradients of the parameters (effective values, unpadded, parameter order) from the
    /// padded buffer; each time constant's entry holds its decay's gradient from `decays`.
    func unpad(_ padded: [Float], decays: [Float]) -> [[Float]] {
        var chained: [Int: (weights: [Float], positions: [Float])] = [:]
        return slots.map { slot in
            switch slot.kind {
            case let .delayWeights(delay), let .delayPositions(delay):
                if chained[slot.offset] == nil {
                    chained[slot.offset] = delay.chain(Array(padded[slot.offset ..< slot.offset + delay.gradientSize]))
                }
                if case .delayWeights = slot.kind { return chained[slot.offset]!.weights }
                return chained[slot.offset]!.positions
            case .plain, .tau:
                var out = [Float](repeating: 0, count: slot.rows * slot.columns)
                let source = if case .tau = slot.kind { decays } else { padded }
                for r in 0 ..< slot.rows { for c in 0 ..< slot.columns { out[r * slot.columns + c] = source[slot.offset + r * slot.stride + c] } }
                return out
            }
        }
    }

    // MARK: row loops

    /// `out += weights[i, :]` for every channel `i` set in `words` bits, in increasing `i`.
    @inline(__always)
    static func gather(bits: UnsafePointer<UInt64>, words: Int, weights: UnsafePointer<Float>, columns: Int,
                       into out: UnsafeMutablePointer<Float>) {
        for w in 0 ..< words {
            var b = bits[w]
            while b != 0 {
                add(weights + (w &* 64 &+ b.trailingZeroBitCount) &* columns, into: out, count: columns)
                b &= b &- 1
            }
        }
    }

    /// `out += x[i] * weights[i, :]` for every non-zero `x[offset + i]`, `i < count`, in increasing `i`.
    @inline(__always)
    static func gather(dense x: [Float], offset: Int, count: Int, weights: UnsafePointer<Float>, columns: Int,
                       into out: UnsafeMutablePointer<Float>) {
        precondition(offset >= 0 && offset + count <= x.count)
        x.withUnsafeBufferPointer { gather(dense: $0.baseAddress! + offset, count: count, weights: weights, columns: columns, into: out) }
    }

    /// `out += x[i] * weights[i, :]` for every non-zero `x[i]`, `i < count`, in increasing `i`.
    @inline(__always)
    static func gather(dense x: UnsafePointer<Float>, count: Int, weights: UnsafePointer<Float>, columns: Int,
                       into out: UnsafeMutablePointer<Float>) {
        for i in 0 ..< count {
            let xi = x[i]
            guard xi != 0 else { continue }
            let row = weights + i &* columns
            if xi == 1 {
                add(row, into: out, count: columns)
            } else {
                add(row, times: xi, into: out, count: columns)
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
                add(gradient, into: grad + (w &* 64 &+ b.trailingZeroBitCount) &* columns, count: columns)
                b &= b &- 1
            }
        }
    }

    /// `grad[i, :] += x[offset + i] * gradient` for every non-zero `x[offset + i]`.
    @inline(__always)
    static func scatter(dense x: [Float], offset: Int, count: Int, gradient: UnsafePointer<Float>, columns: Int,
                        into grad: UnsafeMutablePointer<Float>) {
        precondition(offset >= 0 && offset + count <= x.count)
        x.withUnsafeBufferPointer { scatter(dense: $0.baseAddress! + offset, count: count, gradient: gradient, columns: columns, into: grad) }
    }

    /// `grad[i, :] += x[i] * gradient` for every non-zero `x[i]`, `i < count`.
    @inline(__always)
    static func scatter(dense x: UnsafePointer<Float>, count: Int, gradient: UnsafePointer<Float>, columns: Int,
                        into grad: UnsafeMutablePointer<Float>) {
        for i in 0 ..< count {
            let xi = x[i]
            guard xi != 0 else { continue }
            add(gradient, times: xi, into: grad + i &* columns, count: columns)
        }
    }

    /// `out[i] += sum_j weights[i, j] * gradient[j]` for every row `i`.
    @inline(__always)
    static func propagate(_ gradient: UnsafePointer<Float>, weights: UnsafePointer<Float>, rows: Int, columns: Int,
                          into out: UnsafeMutablePointer<Float>) {
        for i in 0 ..< rows {
            let row = weights + i &* columns
            var acc = SIMD8<Float>.zero
            var j = 0
            while j &+ 8 <= columns {
                acc += UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                    * UnsafeRawPointer(gradient + j).loadUnaligned(as: SIMD8<Float>.self)
                j &+= 8
            }
            var s = acc.sum()
            while j < columns { s += row[j] * gradient[j]; j &+= 1 }
            out[i] += s
        }
    }

    /// `dst[j] += src[j]` for `j < count`, eight lanes at a time (each lane the scalar operation).
    @inline(__always)
    static func add(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j &+ 8 <= count {
            let sum = UnsafeRawPointer(dst + j).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + j).storeBytes(of: sum, as: SIMD8<Float>.self)
            j &+= 8
        }
        while j < count { dst[j] += src[j]; j &+= 1 }  // rows are padded to whole blocks: not reached
    }


    /// `dst[j] += x * src[j]` for `j < count`, eight lanes at a time.
    @inline(__always)
    static func add(_ src: UnsafePointer<Float>, times x: Float, into dst: UnsafeMutablePointer<Float>, count: Int) {
        var j = 0
        while j &+ 8 <= count {
            let sum = UnsafeRawPointer(dst + j).loadUnaligned(as: SIMD8<Float>.self) + x * UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + j).storeBytes(of: sum, as: SIMD8<Float>.self)
            j &+= 8
        }
        while j < count { dst[j] += x * src[j]; j &+= 1 }
    }
}
