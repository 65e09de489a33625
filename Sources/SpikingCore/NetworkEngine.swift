import Foundation

/// Runs a ``SpikingNetwork`` on batches of samples from a ``SpikeRaster``: the loss and its
/// exact gradient (backpropagation through time), or the class scores alone.
///
/// Any network runs on the generic driver, which is specialised for each ``NeuronModel``. The
/// seed notebook's network (one layer of notebook LIF neurons with one time constant, no
/// recurrence, a time-summed integrator read-out, no rate penalty) runs on a hand-tuned kernel
/// instead, tested against the generic driver: identical spikes, and scores, losses and gradients
/// equal up to float32 summation order.
///
/// A batch is cut into chunks of ``chunkSize`` samples that are processed in parallel; each chunk
/// sums its samples' gradients in order and the chunks are summed in order, so the results are
/// bit-identical for any number of threads. The engine owns reusable buffers, so reuse one
/// engine for many batches; it is not safe to use one engine from two threads at once. On Linux
/// (glibc) the first engine makes `malloc` keep freed memory in the process, so that each batch
/// reuses the last one's buffers instead of faulting them in again (see `AllocatorTuning`).
public final class NetworkEngine {
    /// Samples per parallel work item (fixed, so that results do not depend on `threads`).
    public static let chunkSize = 8

    /// Threads used for each batch.
    public var threads: Int

    /// Whether the notebook's hand-tuned kernel runs the networks it can run (default `true`);
    /// `false` runs every network on the generic driver (for tests and benchmarks).
    public var usesNotebookKernel = true

    /// Whether the notebook kernel's backward pass skips the subnormal arithmetic of surrogate
    /// terms too small to change the sum they are added to (default `true`; the results are the
    /// same bits either way, `false` computes every term and is slower in exact arithmetic; for
    /// tests). See `Quad.membraneGradient` in `Kernels/SampleKernel.swift`.
    public var dropsNegligibleTerms = true

    private var workspaces: [ChunkWorkspace] = []
    private var workspaceShape: [Int] = []

    /// An engine using `threads` threads.
    public init(threads: Int) {
        self.threads = max(1, threads)
        _ = AllocatorTuning.keepsFreedMemory
    }

    /// Whether ``lossAndGradients(_:raster:samples:labels:loss:dropout:)`` and ``scores(_:raster:samples:recordHidden:)``
    /// run `network` on the notebook's kernel.
    public func runsNotebookKernel(_ network: SpikingNetwork, loss: ClassificationLoss? = nil) -> Bool {
        guard usesNotebookKernel, network.layers.count == 1, let layer = network.layers.first,
              let neuron = layer.neuron as? LIFNeuron, neuron.timing == .previous, neuron.reset == .zero,
              layer.recurrent == nil, layer.delays == nil, network.readout.delays == nil,
              !layer.tau.isLearnable, Set(layer.tau.values).count == 1,
              network.readout.kind == .sum, !network.readout.tau.isLearnable, Set(network.readout.tau.values).count == 1
        else { return false }
        return (loss?.ratePenalty?.weight ?? 0) == 0 && Self.spikeListsFit(network)
    }

    /// Whether a sample's spikes can be counted in Int32 (the notebook kernel's spike lists).
    static func spikeListsFit(_ network: SpikingNetwork) -> Bool {
        let (spikes, overflow) = (network.steps - 1).multipliedReportingOverflow(by: network.inputs)
        return !overflow && spikes < Int(Int32.max) - 8
    }

    /// The loss of `labels` for the given samples of `raster` (``ClassificationLoss``: the mean
    /// softmax cross-entropy of `outputScale * scores` plus the rate penalty) and its gradient with
    /// respect to every parameter of `network` (raw values, through their constraints; zero for
    /// time constants that are not learnable).
    ///
    /// `dropout`, when given, drops spikes of the last hidden layer on their way to the read-out
    /// (training only); the mask of a sample depends on its index in `raster`.
    public func lossAndGradients(
        _ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], labels: [Int], loss: ClassificationLoss,
        dropout: Dropout? = nil
    ) -> LossAndGradients {
        check(network, raster: raster, samples: samples)
        precondition(labels.count == samples.count, "NetworkEngine: \(labels.count) labels for \(samples.count) samples")
        for label in labels {
            precondition((0 ..< network.classes).contains(label), "NetworkEngine: label \(label) outside 0 ..< \(network.classes)")
        }
        if runsNotebookKernel(network, loss: loss), (dropout?.probability ?? 0) == 0 {
            return notebookLossAndGradients(network, raster: raster, samples: samples, labels: labels, outputScale: loss.outputScale)
        }
        return genericLossAndGradients(network, raster: raster, samples: samples, labels: labels, loss: loss, dropout: dropout)
    }

    /// The class scores (unscaled), `samples.count x classes` row-major, and, if asked, each
    /// sample's spike counts and spike raster of the first hidden layer.
    public func scores(
        _ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], recordHidden: Bool = false
    ) -> Scores {
        check(network, raster: raster, samples: samples, allowEmpty: true)
        if runsNotebookKernel(network) {
            return notebookScores(network, raster: raster, samples: samples, recordHidden: recordHidden)
        }
        return genericScores(network, raster: raster, samples: samples, recordHidden: recordHidden)
    }

    private func check(_ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], allowEmpty: Bool = false) {
        precondition(raster.channels == network.inputs && raster.steps == network.steps,
                     "NetworkEngine: raster of \(raster.channels) channels x \(raster.steps) steps for a network of \(network.inputs) x \(network.steps)")
        precondition(allowEmpty || !samples.isEmpty, "NetworkEngine: no samples")
        for n in samples {
            precondition((0 ..< raster.samples).contains(n), "NetworkEngine: sample \(n) outside 0 ..< \(raster.samples)")
        }
    }

    private func chunkCount(_ n: Int) -> Int { (n + Self.chunkSize - 1) / Self.chunkSize }

    private func chunkRange(_ chunk: Int, _ n: Int) -> Range<Int> {
        chunk * Self.chunkSize ..< min(n, (chunk + 1) * Self.chunkSize)
    }

    // MARK: generic driver

    private func genericLossAndGradients(
        _ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], labels: [Int], loss: ClassificationLoss,
        dropout: Dropout?
    ) -> LossAndGradients {
        let kernel = GenericKernel(network, threads: threads)
        let chunks = chunkCount(samples.count)
        let batch = samples.count
        // the rate penalty needs the batch's spike counts first: a forward pass of its own
        var penalty: Float = 0
        var perSpike: [[Float]] = []
        if let rate = loss.ratePenalty, rate.weight > 0 {
            var chunkCounts = [[[Float]]](repeating: [], count: chunks)
            raster.words.withUnsafeBufferPointer { words in
                chunkCounts.withUnsafeMutableBufferPointer { out in
                    ParallelChunks.run(count: chunks, threads: threads) { chunk, _ in
                        var counts = network.layers.map { [Float](repeating: 0, count: $0.neurons) }
                        for n in chunkRange(chunk, batch) {
                            let record = kernel.forward(words.baseAddress! + raster.sampleOffset(samples[n]), wordsPerStep: raster.wordsPerStep)
                            for l in counts.indices {
                                let size = counts[l].count
                                for t in 0 ..< network.steps { for j in 0 ..< size { counts[l][j] += record.outputs[l][t * size + j] } }
                            }
                        }
                        out[chunk] = counts
                    }
                }
            }
            let seconds = Float(Double(network.steps) * network.dtMs / 1000)
            for l in network.layers.indices {
                var counts = [Float](repeating: 0, count: network.layers[l].neurons)
                for chunk in chunkCounts { for j in counts.indices { counts[j] += chunk[l][j] } }
                let result = rate.evaluate(counts: counts, batch: batch, durationSeconds: seconds)
                penalty += result.penalty
                perSpike.append(result.perSpike)
            }
        }
        let size = kernel.gradientCount
        var chunkGradients = [[Float]](repeating: [], count: chunks)
        var chunkDecays = [[Float]](repeating: [], count: chunks)
        var losses = [Double](repeating: 0, count: batch)
        let invBatch = 1 / Float(batch)
        raster.words.withUnsafeBufferPointer { words in
            losses.withUnsafeMutableBufferPointer { lossOut in
                chunkGradients.withUnsafeMutableBufferPointer { gradOut in
                    chunkDecays.withUnsafeMutableBufferPointer { decayOut in
                        ParallelChunks.run(count: chunks, threads: threads) { chunk, _ in
                            var gradients = [Float](repeating: 0, count: size)
                            var decays = [Float](repeating: 0, count: size)
                            for n in chunkRange(chunk, batch) {
                                let input = words.baseAddress! + raster.sampleOffset(samples[n])
                                let record = kernel.forward(input, wordsPerStep: raster.wordsPerStep, dropout: dropout, sample: samples[n])
                                let (l, g) = SoftmaxCrossEntropy.lossAndGradient(
                                    logits: record.scores.map { loss.outputScale * $0 }, label: labels[n], gradScale: invBatch)
                                lossOut[n] = Double(l)
                                gradients.withUnsafeMutableBufferPointer { gp in
                                    decays.withUnsafeMutableBufferPointer { dp in
                                        kernel.backward(record, input: input, wordsPerStep: raster.wordsPerStep,
                                                        gradScores: g.map { loss.outputScale * $0 }, gradPerSpike: perSpike,
                                                        gradients: gp.baseAddress!, decayGradients: dp.baseAddress!)
                                    }
                                }
                            }
                            gradOut[chunk] = gradients
                            decayOut[chunk] = decays
                        }
                    }
                }
            }
        }
        // the chunks' sums in chunk order (the same for any thread count), in parallel over ranges;
        // the decays' buffer only has entries at the time constants
        var effective = [Float](repeating: 0, count: size)
        var decays = [Float](repeating: 0, count: size)
        let perItem = 16_384, items = (size + perItem - 1) / perItem
        chunkGradients.withUnsafeBufferPointer { parts in
            effective.withUnsafeMutableBufferPointer { out in
                ParallelChunks.run(count: items, threads: items > 1 ? threads : 1) { item, _ in
                    let range = item * perItem ..< min(size, (item + 1) * perItem)
                    for part in parts { part.withUnsafeBufferPointer { p in for i in range { out[i] += p[i] } } }
                }
            }
        }
        for slot in kernel.slots {
            guard case .tau = slot.kind else { continue }
            for chunk in 0 ..< chunks { for i in slot.offset ..< slot.offset + slot.columns { decays[i] += chunkDecays[chunk][i] } }
        }
        // unpad; time constants from the decays: d alpha / d tau = alpha dt / tau^2
        let parameters = network.parameters
        let gradients = zip(parameters, kernel.unpad(effective, decays: decays)).map { p, g -> [Float] in
            guard p.name.hasPrefix("tau") else { return p.rawGradient(g) }
            return (0 ..< p.count).map { j in
                let tau = Double(p.values[j])
                let alpha = exp(-network.dtMs / tau)
                return Float(Double(g[j]) * alpha * network.dtMs / (tau * tau))
            }
        }
        return LossAndGradients(loss: losses.reduce(0, +) / Double(batch) + Double(penalty), penalty: Double(penalty),
                                names: network.parameters.map(\.name), gradients: gradients)
    }

    private func genericScores(_ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], recordHidden: Bool) -> Scores {
        let kernel = GenericKernel(network, threads: threads)
        let classes = network.classes, hidden = network.layers[0].neurons, steps = network.steps
        var result = Scores(samples: samples.count, classes: classes, hidden: recordHidden ? hidden : 0, steps: steps)
        var records = [[Float]](repeating: [], count: samples.count)
        raster.words.withUnsafeBufferPointer { words in
            result.values.withUnsafeMutableBufferPointer { out in
                result.hiddenCounts.withUnsafeMutableBufferPointer { countsOut in
                    records.withUnsafeMutableBufferPointer { recordsOut in
                        ParallelChunks.run(count: chunkCount(samples.count), threads: threads) { chunk, _ in
                            for n in chunkRange(chunk, samples.count) {
                                let record = kernel.forward(words.baseAddress! + raster.sampleOffset(samples[n]), wordsPerStep: raster.wordsPerStep)
                                for c in 0 ..< classes { out[n * classes + c] = record.scores[c] }
                                guard recordHidden else { continue }
                                let y = record.outputs[0]
                                for j in 0 ..< hidden {
                                    var count: Float = 0
                                    for t in 0 ..< steps { count += y[t * hidden + j] }
                                    countsOut[n * hidden + j] = count
                                }
                                recordsOut[n] = y
                            }
                        }
                    }
                }
            }
        }
        if recordHidden {
            for n in 0 ..< samples.count {
                for t in 0 ..< steps { for j in 0 ..< hidden where records[n][t * hidden + j] != 0 { result.hiddenRaster[n, t, j] = true } }
            }
        }
        return result
    }

    // MARK: the notebook's kernel

    private func notebookLossAndGradients(
        _ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], labels: [Int], outputScale: Float
    ) -> LossAndGradients {
        let prepared = Prepared(network, raster: raster, dropsNegligibleTerms: dropsNegligibleTerms)
        let chunks = chunkCount(samples.count)
        let ws = workspaces(for: prepared, count: chunks)
        var losses = [Double](repeating: 0, count: samples.count)
        let invBatch = 1 / Float(samples.count)
        let classes = network.classes
        losses.withUnsafeMutableBufferPointer { lossOut in
            prepared.withPointers { p in
                ParallelChunks.run(count: chunks, threads: threads) { chunk, _ in
                    let w = ws[chunk]
                    w.clearGradients()
                    for n in chunkRange(chunk, samples.count) {
                        SampleKernel.buildSpikeLists(prepared.layout, input: p.raster + raster.sampleOffset(samples[n]), ws: w)
                        SampleKernel.forwardRecording(prepared.layout, w1: p.w1, w2t: p.w2t,
                                                      timeWeights: p.timeWeights, scale: outputScale, ws: w, logits: w.logits)
                        let logits = Array(UnsafeBufferPointer(start: w.logits, count: classes))
                        let (l, g) = SoftmaxCrossEntropy.lossAndGradient(logits: logits, label: labels[n], gradScale: invBatch)
                        lossOut[n] = Double(l)
                        for c in 0 ..< classes { w.gradLogits[c] = g[c] }
                        SampleKernel.backward(prepared.layout, w2t: p.w2t, timeWeights: p.timeWeights,
                                              scale: outputScale, gradLogits: w.gradLogits, ws: w)
                    }
                }
            }
        }
        let (g1, g2) = prepared.gradients(summing: ws[0 ..< chunks], threads: threads)
        let parameters = network.parameters
        let gradients = parameters.map { p -> [Float] in
            switch p.name {
            case "w1": return p.rawGradient(g1.values)
            case "w2": return p.rawGradient(g2.values)
            default: return [Float](repeating: 0, count: p.count)
            }
        }
        return LossAndGradients(loss: losses.reduce(0, +) / Double(samples.count), penalty: 0,
                                names: parameters.map(\.name), gradients: gradients)
    }

    private func notebookScores(_ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], recordHidden: Bool) -> Scores {
        let prepared = Prepared(network, raster: raster, dropsNegligibleTerms: dropsNegligibleTerms)
        let chunks = chunkCount(samples.count)
        let workers = max(1, min(threads, chunks))  // no gradients here: one workspace per worker
        let ws = workspaces(for: prepared, count: workers)
        let l = prepared.layout
        let classes = network.classes, hidden = prepared.hidden
        var result = Scores(samples: samples.count, classes: classes, hidden: recordHidden ? hidden : 0, steps: network.steps)
        let rasterWordsPerStep = result.hiddenRaster.wordsPerStep
        var hiddenWords = [UInt64](repeating: 0, count: recordHidden ? samples.count * l.steps * rasterWordsPerStep : 0)
        result.values.withUnsafeMutableBufferPointer { out in
            result.hiddenCounts.withUnsafeMutableBufferPointer { countsOut in
                hiddenWords.withUnsafeMutableBufferPointer { rasterOut in
                    prepared.withPointers { p in
                        ParallelChunks.run(count: chunks, threads: threads) { chunk, worker in
                            let w = ws[worker]
                            let counts = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: l.groups)
                            defer { counts.deallocate() }
                            for n in chunkRange(chunk, samples.count) {
                                SampleKernel.buildSpikeLists(l, input: p.raster + raster.sampleOffset(samples[n]), ws: w)
                                guard recordHidden else {
                                    SampleKernel.forwardScores(l, w1: p.w1, w2t: p.w2t, timeWeights: p.timeWeights, scale: 1,
                                                               ws: w, logits: out.baseAddress! + n * classes)
                                    continue
                                }
                                SampleKernel.forwardRecording(l, w1: p.w1, w2t: p.w2t, timeWeights: p.timeWeights, scale: 1,
                                                              ws: w, logits: out.baseAddress! + n * classes)
                                let rasterWords = l.steps * rasterWordsPerStep
                                SampleKernel.hiddenSpikes(l, ws: w, counts: counts,
                                                          raster: rasterOut.baseAddress! + n * rasterWords,
                                                          rasterWordsPerStep: rasterWordsPerStep)
                                for j in 0 ..< hidden { countsOut[n * hidden + j] = counts[j / 8][j % 8] }
                            }
                        }
                    }
                }
            }
        }
        if recordHidden {
            for n in 0 ..< samples.count {
                for t in 0 ..< l.steps {
                    for word in 0 ..< rasterWordsPerStep {
                        var bits = hiddenWords[(n * l.steps + t) * rasterWordsPerStep + word]
                        while bits != 0 {
                            result.hiddenRaster[n, t, word * 64 + bits.trailingZeroBitCount] = true
                            bits &= bits &- 1
                        }
                    }
                }
            }
        }
        return result
    }

    private func workspaces(for p: Prepared, count: Int) -> [ChunkWorkspace] {
        let shape = [p.layout.steps, p.layout.groups, p.inputs, p.layout.classes]
        if shape != workspaceShape { workspaces = []; workspaceShape = shape }
        while workspaces.count < count {
            workspaces.append(ChunkWorkspace(steps: shape[0], groups: shape[1], inputs: shape[2], classes: shape[3]))
        }
        return workspaces
    }
}

/// The loss of a batch and its gradient with respect to every parameter of the network.
public struct LossAndGradients: Sendable {
    /// The total loss (mean cross-entropy plus the penalty).
    public var loss: Double
    /// The rate penalty's part of ``loss``.
    public var penalty: Double
    /// The parameters' names, in the network's order.
    public var names: [String]
    /// The gradient of each parameter (raw values), in the network's order.
    public var gradients: [[Float]]

    /// The gradient of the parameter called `name`.
    public subscript(name: String) -> [Float]? {
        names.firstIndex(of: name).map { gradients[$0] }
    }
}

/// Class scores of many samples, with optional records of the hidden layer.
public struct Scores: Sendable {
    /// Number of samples.
    public let samples: Int
    /// Number of classes.
    public let classes: Int
    /// `samples x classes` time-summed read-out membranes, row-major.
    public var values: [Float]
    /// `samples x hidden` spike counts of the hidden neurons (empty unless recorded).
    public var hiddenCounts: [Float]
    /// Hidden spikes over time (one "sample" per input sample; empty unless recorded).
    public var hiddenRaster: SpikeRaster

    init(samples: Int, classes: Int, hidden: Int, steps: Int) {
        self.samples = samples
        self.classes = classes
        values = [Float](repeating: 0, count: samples * classes)
        hiddenCounts = [Float](repeating: 0, count: samples * hidden)
        hiddenRaster = SpikeRaster(samples: hidden > 0 ? samples : 0, steps: steps, channels: hidden)
    }

    /// The scores of consecutive batches as one: the samples of `parts` in order (all of the
    /// same classes, and hidden records of the same shape or none).
    public init(concatenating parts: [Scores]) {
        precondition(!parts.isEmpty, "Scores: nothing to concatenate")
        let first = parts[0], raster = first.hiddenRaster
        precondition(parts.allSatisfy { $0.classes == first.classes && $0.hiddenRaster.steps == raster.steps
                         && $0.hiddenRaster.channels == raster.channels && ($0.hiddenRaster.samples > 0) == (raster.samples > 0) },
                     "Scores: parts of different shapes")
        samples = parts.reduce(0) { $0 + $1.samples }
        classes = first.classes
        values = parts.flatMap(\.values)
        hiddenCounts = parts.flatMap(\.hiddenCounts)
        hiddenRaster = SpikeRaster(samples: raster.samples > 0 ? samples : 0, steps: raster.steps, channels: raster.channels,
                                   words: parts.flatMap(\.hiddenRaster.words))
    }

    /// The predicted class of sample `n`: the first class with the highest score.
    public func prediction(_ n: Int) -> Int {
        var best = 0
        for c in 1 ..< classes where values[n * classes + c] > values[n * classes + best] { best = c }
        return best
    }
}

/// The network's effective weights laid out for the kernels (padded to lane groups of eight).
private struct Prepared {
    let layout: SampleKernel.Layout
    let inputs: Int
    let hidden: Int
    /// `inputs x layout.rowStride` vectors, 64-byte aligned (a 16-lane load of a row never straddles two cache lines).
    let w1: AlignedFloats
    var w2t: [SIMD8<Float>]
    let timeWeights: [Float]
    let raster: [UInt64]

    init(_ network: SpikingNetwork, raster: SpikeRaster, dropsNegligibleTerms: Bool) {
        let layer = network.layers[0]
        let neuron = layer.neuron as! LIFNeuron
        let groups = (layer.neurons + 31) / 32 * 4  // whole blocks of 32 neurons
        layout = SampleKernel.Layout(
            steps: network.steps, wordsPerStep: raster.wordsPerStep, groups: groups, classes: network.classes,
            inputs: network.inputs, alpha: layer.decays(dtMs: network.dtMs)[0], threshold: neuron.threshold, surrogate: neuron.surrogate,
            dropsNegligibleTerms: dropsNegligibleTerms)
        inputs = network.inputs
        hidden = layer.neurons
        precondition(NetworkEngine.spikeListsFit(network), "NetworkEngine: too many inputs x steps for the notebook kernel")
        let e1 = layer.weights.effectiveValues, e2 = network.readout.weights.effectiveMatrix
        let stride = layout.rowStride
        let padded = AlignedFloats(zeros: network.inputs * stride * 8)
        e1.withUnsafeBufferPointer { source in
            PaddedLayout.pad(source, rows: network.inputs, columns: layer.neurons,
                             into: UnsafeMutableBufferPointer(start: padded.vectors, count: network.inputs * stride), stride: stride)
        }
        w1 = padded
        w2t = [SIMD8<Float>](repeating: .zero, count: network.classes * groups)
        for c in 0 ..< network.classes { for j in 0 ..< hidden { w2t[c * groups + j / 8][j % 8] = e2[j, c] } }
        timeWeights = Readout.timeWeights(alpha: network.readout.decays(dtMs: network.dtMs)[0], steps: network.steps)
        self.raster = raster.words
    }

    struct Pointers {
        let w1, w2t: UnsafePointer<SIMD8<Float>>
        let timeWeights: UnsafePointer<Float>
        let raster: UnsafePointer<UInt64>
    }

    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        defer { withExtendedLifetime(w1) {} }
        return w2t.withUnsafeBufferPointer { w2t in
            timeWeights.withUnsafeBufferPointer { tw in
                raster.withUnsafeBufferPointer { r in
                    body(Pointers(w1: UnsafePointer(w1.vectors), w2t: w2t.baseAddress!, timeWeights: tw.baseAddress!,
                                  raster: r.baseAddress!))
                }
            }
        }
    }

    /// Sums the chunks' effective-weight gradients in chunk order into unpadded matrices (the
    /// rows of `w1` in parallel: each row's sum has the same order whatever the threads).
    func gradients(summing chunks: ArraySlice<ChunkWorkspace>, threads: Int) -> (Matrix, Matrix) {
        let groups = layout.groups, stride = layout.rowStride, inputs = inputs, hidden = hidden
        var g1 = [SIMD8<Float>](repeating: .zero, count: inputs * stride)
        var g2 = [SIMD8<Float>](repeating: .zero, count: layout.classes * groups)
        var m1 = Matrix(rows: inputs, columns: hidden)
        let parts1 = chunks.map { UnsafePointer($0.gradW1) }, parts2 = chunks.map { UnsafePointer($0.gradW2t) }
        let rowsPerItem = max(1, 4096 / groups)  // about 128 KB of each chunk per item
        let items = (inputs + rowsPerItem - 1) / rowsPerItem
        g1.withUnsafeMutableBufferPointer { sum in
            m1.values.withUnsafeMutableBufferPointer { out in
                ParallelChunks.run(count: items, threads: items > 1 ? threads : 1) { item, _ in
                    let rows = item * rowsPerItem ..< min(inputs, (item + 1) * rowsPerItem)
                    PaddedLayout.accumulate(parts1, range: rows.lowerBound * stride ..< rows.upperBound * stride, into: sum.baseAddress!)
                    PaddedLayout.unpad(UnsafeBufferPointer(rebasing: sum[rows.lowerBound * stride ..< rows.upperBound * stride]),
                                       rows: rows.count, stride: stride,
                                       into: UnsafeMutableBufferPointer(rebasing: out[rows.lowerBound * hidden ..< rows.upperBound * hidden]),
                                       columns: hidden)
                }
            }
        }
        g2.withUnsafeMutableBufferPointer { PaddedLayout.accumulate(parts2, range: 0 ..< $0.count, into: $0.baseAddress!) }
        var m2 = Matrix(rows: hidden, columns: layout.classes)
        for c in 0 ..< layout.classes { for j in 0 ..< hidden { m2[j, c] = g2[c * groups + j / 8][j % 8] } }
        return (m1, m2)
    }
}
