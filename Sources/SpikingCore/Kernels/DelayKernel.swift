/// A delayed projection (``DelaySynapse``) laid out for ``GenericKernel``: for every input `i` one
/// block of `taps x stride` floats whose row `d` holds the kernels `K_ij[d]` of delay `d` for all
/// post-synaptic units `j` (padded to `stride`). A spike of input `i` at step `t` adds the block
/// to the current rows `t ..< t + taps`, which are contiguous: one long vector add per spike. The
/// backward pass mirrors it. The loops that touch memory through pointers are in this file.
struct DelayKernel: @unchecked Sendable {
    let synapse: DelaySynapse
    let inputs: Int
    let neurons: Int
    /// Floats per current row: `neurons` rounded up to eight.
    let stride: Int
    let taps: Int
    /// The effective weights, `[inputs, neurons]`.
    let weights: [Float]
    /// Normalised tap weights by delay, `[inputs][neurons][taps]`.
    let tapWeights: [Float]
    /// The kernels by delay, `[inputs][taps][stride]`.
    let blocks: [Float]

    /// Floats per input's block.
    var blockSize: Int { taps * stride }

    init(_ synapse: DelaySynapse, weights: [Float], inputs: Int, neurons: Int, stride: Int) {
        precondition(weights.count == inputs * neurons && synapse.positions.count == inputs * neurons,
                     "DelayKernel: \(weights.count) weights and \(synapse.positions.count) positions for \(inputs) x \(neurons)")
        self.synapse = synapse
        self.inputs = inputs
        self.neurons = neurons
        self.stride = stride
        taps = synapse.taps
        self.weights = weights
        let taps = synapse.taps, positions = synapse.positions.values
        var x = [Float](repeating: 0, count: inputs * neurons * taps)
        var k = [Float](repeating: 0, count: inputs * taps * stride)
        x.withUnsafeMutableBufferPointer { xp in
            k.withUnsafeMutableBufferPointer { kp in
                for i in 0 ..< inputs {
                    for j in 0 ..< neurons {
                        let c = i &* neurons &+ j
                        let row = xp.baseAddress! + c &* taps
                        synapse.tapWeights(position: positions[c], into: row)
                        let w = weights[c]
                        for d in 0 ..< taps { kp[(i &* taps &+ d) &* stride &+ j] = w * row[d] }
                    }
                }
            }
        }
        tapWeights = x
        blocks = k
    }

    /// Rows of a block that land inside `steps` when the spike is at step `t`.
    @inline(__always)
    private func rows(from t: Int, steps: Int) -> Int { Swift.min(taps, steps &- t) }

    // MARK: forward

    /// `current[t + d, :] += K_i[d, :]` for every input `i` spiking at `t` (bits, `steps` rows of `stride`).
    func spread(bits: UnsafePointer<UInt64>, wordsPerStep: Int, steps: Int, into current: UnsafeMutablePointer<Float>) {
        blocks.withUnsafeBufferPointer { kp in
            let k = kp.baseAddress!
            for t in 0 ..< steps {
                let n = rows(from: t, steps: steps) &* stride
                let row = current + t &* stride
                let words = bits + t &* wordsPerStep
                for w in 0 ..< wordsPerStep {
                    var b = words[w]
                    while b != 0 {
                        let i = w &* 64 &+ b.trailingZeroBitCount
                        GenericKernel.add(k + i &* blockSize, into: row, count: n)
                        b &= b &- 1
                    }
                }
            }
        }
    }

    /// `current[t + d, :] += x[t, i] K_i[d, :]` for every non-zero `x[t, i]` (`x` is `steps x inputs`).
    func spread(dense x: [Float], steps: Int, into current: UnsafeMutablePointer<Float>) {
        precondition(x.count == steps * inputs, "DelayKernel: \(x.count) inputs for \(steps) x \(inputs)")
        blocks.withUnsafeBufferPointer { kp in
            x.withUnsafeBufferPointer { xp in
                let k = kp.baseAddress!
                for t in 0 ..< steps {
                    let n = rows(from: t, steps: steps) &* stride
                    let row = current + t &* stride
                    for i in 0 ..< inputs {
                        let xi = xp[t &* inputs &+ i]
                        guard xi != 0 else { continue }
                        if xi == 1 {
                            GenericKernel.add(k + i &* blockSize, into: row, count: n)
                        } else {
                            GenericKernel.add(k + i &* blockSize, times: xi, into: row, count: n)
                        }
                    }
                }
            }
        }
    }

    // MARK: backward

    /// `gradKernel_i[d, :] += gradCurrent[t + d, :]` for every input `i` spiking at `t`.
    func collect(bits: UnsafePointer<UInt64>, wordsPerStep: Int, steps: Int, gradCurrent: UnsafePointer<Float>,
                 into gradKernel: UnsafeMutablePointer<Float>) {
        for t in 0 ..< steps {
            let n = rows(from: t, steps: steps) &* stride
            let g = gradCurrent + t &* stride
            let words = bits + t &* wordsPerStep
            for w in 0 ..< wordsPerStep {
                var b = words[w]
                while b != 0 {
                    let i = w &* 64 &+ b.trailingZeroBitCount
                    GenericKernel.add(g, into: gradKernel + i &* blockSize, count: n)
                    b &= b &- 1
                }
            }
        }
    }

    /// `gradKernel_i[d, :] += x[t, i] gradCurrent[t + d, :]`, and `gradX[t, i] += sum_{d, j}
    /// K_i[d, j] gradCurrent[t + d, j]` for every step and input (when `gradX` is given).
    func collect(dense x: [Float], steps: Int, gradCurrent: UnsafePointer<Float>, into gradKernel: UnsafeMutablePointer<Float>,
                 gradX: UnsafeMutablePointer<Float>?) {
        precondition(x.count == steps * inputs, "DelayKernel: \(x.count) inputs for \(steps) x \(inputs)")
        blocks.withUnsafeBufferPointer { kp in
            x.withUnsafeBufferPointer { xp in
                let k = kp.baseAddress!
                for t in 0 ..< steps {
                    let n = rows(from: t, steps: steps) &* stride
                    let g = gradCurrent + t &* stride
                    for i in 0 ..< inputs {
                        let xi = xp[t &* inputs &+ i]
                        if xi != 0 { GenericKernel.add(g, times: xi, into: gradKernel + i &* blockSize, count: n) }
                        if let gradX { gradX[t &* inputs &+ i] += Self.dot(k + i &* blockSize, g, count: n) }
                    }
                }
            }
        }
    }

    /// The gradients of the weights and the positions (`[inputs, neurons]` each) from the
    /// gradient of the kernels (`[inputs][taps][stride]`, by delay).
    func chain(_ gradKernel: [Float]) -> (weights: [Float], positions: [Float]) {
        precondition(gradKernel.count == blocks.count, "DelayKernel: kernel gradient of \(gradKernel.count) values for \(blocks.count)")
        var gw = [Float](repeating: 0, count: inputs * neurons)
        var gp = [Float](repeating: 0, count: inputs * neurons)
        var column = [Float](repeating: 0, count: taps)
        let positions = synapse.positions.values
        gradKernel.withUnsafeBufferPointer { g in
            tapWeights.withUnsafeBufferPointer { x in
                column.withUnsafeMutableBufferPointer { col in
                    for i in 0 ..< inputs {
                        for j in 0 ..< neurons {
                            for d in 0 ..< taps { col[d] = g[(i &* taps &+ d) &* stride &+ j] }
                            let c = i &* neurons &+ j
                            let r = synapse.chain(gradKernel: col.baseAddress!, tapWeights: x.baseAddress! + c &* taps,
                                                  weight: weights[c], position: positions[c])
                            gw[c] = r.weight
                            gp[c] = r.position
                        }
                    }
                }
            }
        }
        return (gw, gp)
    }

    /// `sum_j a[j] b[j]`, eight lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>.zero
        var j = 0
        while j &+ 8 <= count {
            acc += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Float>.self)
            j &+= 8
        }
        var s = acc.sum()
        while j < count { s += a[j] * b[j]; j &+= 1 }
        return s
    }
}
