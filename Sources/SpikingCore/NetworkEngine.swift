/// Runs a ``SpikingNetwork`` on batches of samples from a ``SpikeRaster``: the loss and its
/// exact gradient (hand-written backward pass through time), or the class scores alone.
///
/// A batch is cut into chunks of ``chunkSize`` samples that are processed in parallel; each chunk
/// sums its samples' gradients in order and the chunks are summed in order, so the results are
/// bit-identical for any number of threads. The engine owns reusable buffers, so reuse one
/// engine for many batches; it is not safe to use one engine from two threads at once.
public final class NetworkEngine {
    /// Samples per parallel work item (fixed, so that results do not depend on `threads`).
    public static let chunkSize = 8

    /// Threads used for each batch.
    public var threads: Int

    private var workspaces: [ChunkWorkspace] = []
    private var workspaceShape: [Int] = []

    /// An engine using `threads` threads.
    public init(threads: Int) {
        self.threads = max(1, threads)
    }

    /// The mean negative log-likelihood of `labels` under `log_softmax(outputScale * scores)` over
    /// the given samples of `raster`, and its gradients with respect to `network.w1` and `network.w2`.
    public func lossAndGradients(
        _ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], labels: [Int], outputScale: Float
    ) -> (loss: Double, w1: Matrix, w2: Matrix) {
        precondition(samples.count == labels.count && !samples.isEmpty)
        let prepared = Prepared(network, raster: raster)
        let chunks = chunkCount(samples.count)
        let ws = workspaces(for: prepared, count: chunks)
        var losses = [Double](repeating: 0, count: samples.count)
        let invBatch = 1 / Float(samples.count)
        losses.withUnsafeMutableBufferPointer { lossOut in
            prepared.withPointers { p in
                ParallelChunks.run(count: chunks, threads: threads) { chunk, _ in
                    let w = ws[chunk]
                    w.clearGradients()
                    for n in chunkRange(chunk, samples.count) {
                        let input = p.raster + raster.sampleOffset(samples[n])
                        SampleKernel.forward(prepared.layout, input: input, w1: p.w1, w2t: p.w2t,
                                             timeWeights: p.timeWeights, scale: outputScale, ws: w, logits: w.logits)
                        lossOut[n] = Double(SoftmaxCrossEntropy.lossAndGradient(
                            logits: w.logits, count: network.classes, label: labels[n], gradScale: invBatch,
                            gradient: w.gradLogits))
                        SampleKernel.backward(prepared.layout, input: input, w2t: p.w2t, timeWeights: p.timeWeights,
                                              scale: outputScale, gradLogits: w.gradLogits, ws: w)
                    }
                }
            }
        }
        let (g1, g2) = prepared.gradients(summing: ws[0 ..< chunks])
        let grads = network.parameterGradients(effectiveW1: g1, effectiveW2: g2)
        return (losses.reduce(0, +) / Double(samples.count), grads.w1, grads.w2)
    }

    /// The class scores (the time-summed read-out membrane, unscaled), `samples.count x classes`
    /// row-major, and, if asked, each sample's hidden spike counts and hidden spike raster.
    public func scores(
        _ network: SpikingNetwork, raster: SpikeRaster, samples: [Int], recordHidden: Bool = false
    ) -> Scores {
        let prepared = Prepared(network, raster: raster)
        let chunks = chunkCount(samples.count)
        let workers = max(1, min(threads, chunks))  // no gradients here: one workspace per worker
        let ws = workspaces(for: prepared, count: workers)
        let l = prepared.layout
        let classes = network.classes, hidden = network.hiddenCount
        var result = Scores(
            samples: samples.count, classes: classes, hidden: recordHidden ? hidden : 0, steps: network.steps)
        result.values.withUnsafeMutableBufferPointer { out in
            result.hiddenCounts.withUnsafeMutableBufferPointer { countsOut in
                result.hiddenRaster.words.withUnsafeMutableBufferPointer { rasterOut in
                    prepared.withPointers { p in
                        ParallelChunks.run(count: chunks, threads: threads) { chunk, worker in
                            let w = ws[worker]
                            let counts = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: l.groups)
                            defer { counts.deallocate() }
                            for n in chunkRange(chunk, samples.count) {
                                SampleKernel.forward(l, input: p.raster + raster.sampleOffset(samples[n]),
                                                     w1: p.w1, w2t: p.w2t, timeWeights: p.timeWeights, scale: 1,
                                                     ws: w, logits: out.baseAddress! + n * classes)
                                guard recordHidden else { continue }
                                let rasterWords = l.steps * ((hidden + 63) / 64)
                                SampleKernel.hiddenSpikes(l, ws: w, counts: counts,
                                                          raster: rasterOut.baseAddress! + n * rasterWords,
                                                          rasterWordsPerStep: (hidden + 63) / 64)
                                for j in 0 ..< hidden { countsOut[n * hidden + j] = counts[j / 8][j % 8] }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    private func chunkCount(_ n: Int) -> Int { (n + Self.chunkSize - 1) / Self.chunkSize }

    private func chunkRange(_ chunk: Int, _ n: Int) -> Range<Int> {
        chunk * Self.chunkSize ..< min(n, (chunk + 1) * Self.chunkSize)
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
    var w1: [SIMD8<Float>]
    var w2t: [SIMD8<Float>]
    let timeWeights: [Float]
    let raster: [UInt64]

    init(_ network: SpikingNetwork, raster: SpikeRaster) {
        precondition(raster.channels == network.inputs && raster.steps == network.steps,
                     "raster of \(raster.channels) channels x \(raster.steps) steps for a network of \(network.inputs) x \(network.steps)")
        let groups = (network.hiddenCount + 31) / 32 * 4  // whole blocks of 32 neurons
        layout = SampleKernel.Layout(
            steps: network.steps, wordsPerStep: raster.wordsPerStep, groups: groups, classes: network.classes,
            alpha: network.hidden.alpha, threshold: network.hidden.threshold, surrogate: network.hidden.surrogate)
        inputs = network.inputs
        hidden = network.hiddenCount
        let e1 = network.effectiveW1, e2 = network.effectiveW2
        w1 = [SIMD8<Float>](repeating: .zero, count: inputs * groups)
        for i in 0 ..< inputs { for j in 0 ..< hidden { w1[i * groups + j / 8][j % 8] = e1[i, j] } }
        w2t = [SIMD8<Float>](repeating: .zero, count: network.classes * groups)
        for c in 0 ..< network.classes { for j in 0 ..< hidden { w2t[c * groups + j / 8][j % 8] = e2[j, c] } }
        timeWeights = network.readout.timeWeights
        self.raster = raster.words
    }

    struct Pointers {
        let w1, w2t: UnsafePointer<SIMD8<Float>>
        let timeWeights: UnsafePointer<Float>
        let raster: UnsafePointer<UInt64>
    }

    func withPointers<R>(_ body: (Pointers) -> R) -> R {
        w1.withUnsafeBufferPointer { w1 in
            w2t.withUnsafeBufferPointer { w2t in
                timeWeights.withUnsafeBufferPointer { tw in
                    raster.withUnsafeBufferPointer { r in
                        body(Pointers(w1: w1.baseAddress!, w2t: w2t.baseAddress!, timeWeights: tw.baseAddress!,
                                      raster: r.baseAddress!))
                    }
                }
            }
        }
    }

    /// Sums the chunks' effective-weight gradients in chunk order into unpadded matrices.
    func gradients(summing chunks: ArraySlice<ChunkWorkspace>) -> (Matrix, Matrix) {
        let groups = layout.groups
        var g1 = [SIMD8<Float>](repeating: .zero, count: inputs * groups)
        var g2 = [SIMD8<Float>](repeating: .zero, count: layout.classes * groups)
        for ws in chunks {
            for i in g1.indices { g1[i] += ws.gradW1[i] }
            for i in g2.indices { g2[i] += ws.gradW2t[i] }
        }
        var m1 = Matrix(rows: inputs, columns: hidden)
        for i in 0 ..< inputs { for j in 0 ..< hidden { m1[i, j] = g1[i * groups + j / 8][j % 8] } }
        var m2 = Matrix(rows: hidden, columns: layout.classes)
        for c in 0 ..< layout.classes { for j in 0 ..< hidden { m2[j, c] = g2[c * groups + j / 8][j % 8] } }
        return (m1, m2)
    }
}
