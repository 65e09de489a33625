/// A delayed projection (``DelaySynapse``) laid out for ``GenericKernel``: for every input `i` one
/// block of `taps x stride` floats whose row `d` holds the kernels `K_ij[d]` of delay `d` for all
/// post-synaptic units `j` (padded to `stride`). A spike of input `i` at step `t` adds the block
/// to the current rows `t ..< t + taps`.
///
/// Spiking inputs are processed input by input (the block stays in L1): each current row sums the
/// input's spikes inside its window in registers and is written once, and the backward pass sums
/// the gradient rows at each delay over the input's spike times in registers. The
/// ``DelaySynapse/Kernel-swift.enum/max`` kernel (evaluation) has one tap per connection and adds
/// single weights instead of blocks. The loops that touch memory through pointers are in this file.
struct DelayKernel: @unchecked Sendable {
    let synapse: DelaySynapse
    /// Threads for the tables and ``chain(_:)``.
    let threads: Int
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
    let blocks: AlignedFloats
    /// The ``DelaySynapse/Kernel-swift.enum/max`` kernel's one tap: each connection's delay (steps),
    /// `[inputs, neurons]` (empty for the Gaussian kernel).
    let delays: [Int]
    /// The ``DelaySynapse/Kernel-swift.enum/max`` kernel's one tap: its weight, `[inputs, neurons]`.
    let singleTaps: [Float]
    /// The ``DelaySynapse/Kernel-swift.enum/max`` kernel by lanes, when it has at most 32 taps: each
    /// connection's delay as the bit `1 << (31 - d)` of a spike window and its weight, `[inputs][stride]`
    /// (weight 0 in the padding lanes); empty otherwise.
    let maxLanes: (bits: [UInt32], weights: [Float])
    /// Narrow Gaussian kernels: the taps per connection (8 or 16) that hold all its non-zero taps,
    /// or 0 when the kernels are wide (then the blocks are used).
    let window: Int
    /// Narrow kernels: the first delay of each connection's window, `[inputs, neurons]`.
    let windowStart: [Int]
    /// Narrow kernels: each connection's kernel over its window, `[inputs][neurons][window]`.
    let windowed: [Float]

    /// Floats per input's block.
    var blockSize: Int { taps * stride }

    /// Floats of the kernels' gradient: `[inputs][taps][stride]` for full blocks, or
    /// `[inputs][neurons][window]` for windows.
    var gradientSize: Int { window > 0 ? inputs * neurons * window : inputs * blockSize }

    /// The kernels of `synapse` with `weights` (`[inputs, neurons]`), rows of `stride` floats; the
    /// tables are computed on `threads` threads (input by input: the same values for any count).
    init(_ synapse: DelaySynapse, weights: [Float], inputs: Int, neurons: Int, stride: Int, threads: Int = 1) {
        precondition(weights.count == inputs * neurons && synapse.positions.count == inputs * neurons,
                     "DelayKernel: \(weights.count) weights and \(synapse.positions.count) positions for \(inputs) x \(neurons)")
        self.synapse = synapse
        self.threads = threads
        self.inputs = inputs
        self.neurons = neurons
        self.stride = stride
        taps = synapse.taps
        self.weights = weights
        let taps = synapse.taps, positions = synapse.positions.values
        let parts = Swift.min(inputs, 16)
        func inputRange(_ part: Int) -> Range<Int> { part * inputs / parts ..< (part + 1) * inputs / parts }
        // the tap weights and, for the Gaussian, each connection's first non-zero tap and the
        // widest span of non-zero taps (per part, then the largest)
        var x = [Float](repeating: 0, count: inputs * neurons * taps)
        var starts = [Int](repeating: 0, count: inputs * neurons), spans = [Int](repeating: 0, count: parts)
        x.withUnsafeMutableBufferPointer { xp in
            starts.withUnsafeMutableBufferPointer { sp in
                spans.withUnsafeMutableBufferPointer { pp in
                    let out = xp.baseAddress!, first = sp.baseAddress!, span = pp.baseAddress!
                    ParallelChunks.run(count: parts, threads: threads) { part, _ in
                        for c in inputRange(part).lowerBound &* neurons ..< inputRange(part).upperBound &* neurons {
                            let row = out + c &* taps
                            synapse.tapWeights(position: positions[c], into: row)
                            guard synapse.kernel == .gauss, let range = DelaySynapse.nonZeroTaps(row, count: taps) else { continue }
                            first[c] = range.lowerBound
                            span[part] = Swift.max(span[part], range.count)
                        }
                    }
                }
            }
        }
        tapWeights = x
        if synapse.kernel == .max {
            delays = positions.map { synapse.integerDelay(position: $0) }
            singleTaps = weights.map { $0 * DelaySynapse.maxTapWeight }
        } else {
            delays = []
            singleTaps = []
        }
        if synapse.kernel == .max, taps <= 32, stride % 8 == 0 {
            var d = [UInt32](repeating: 0, count: inputs * stride), w = [Float](repeating: 0, count: inputs * stride)
            for i in 0 ..< inputs {
                for j in 0 ..< neurons {
                    d[i * stride + j] = UInt32(1) << UInt32(31 - delays[i * neurons + j])
                    w[i * stride + j] = singleTaps[i * neurons + j]
                }
            }
            maxLanes = (d, w)
        } else {
            maxLanes = ([], [])
        }
        // Narrow Gaussians (late in training) touch a few delays each: a window per connection
        // then replaces the full block (a few vector operations per spike instead of `taps`).
        let span = spans.max() ?? 0
        let width = span <= 8 ? 8 : 16
        if synapse.kernel == .gauss, span <= 16, width < taps, neurons * width <= taps * stride {
            window = width
            windowStart = starts
            var w = [Float](repeating: 0, count: inputs * neurons * width)
            w.withUnsafeMutableBufferPointer { wp in
                let out = wp.baseAddress!
                ParallelChunks.run(count: parts, threads: threads) { part, _ in
                    for c in inputRange(part).lowerBound &* neurons ..< inputRange(part).upperBound &* neurons {
                        for m in 0 ..< width where starts[c] &+ m < taps { out[c &* width &+ m] = weights[c] * x[c &* taps &+ starts[c] &+ m] }
                    }
                }
            }
            windowed = w
        } else {
            window = 0
            windowStart = []
            windowed = []
        }
        // the full blocks, unless the kernels are windows
        let k = AlignedFloats(zeros: window == 0 ? inputs * taps * stride : 0)
        if window == 0 {
            let out = k.pointer
            ParallelChunks.run(count: parts, threads: threads) { part, _ in
                for i in inputRange(part) {
                    for j in 0 ..< neurons {
                        let c = i &* neurons &+ j, w = weights[c]
                        for d in 0 ..< taps { out[(i &* taps &+ d) &* stride &+ j] = w * x[c &* taps &+ d] }
                    }
                }
            }
        }
        blocks = k
    }

    /// The steps at which each input spikes, in increasing order: `times[starts[i] ..< starts[i + 1]]`.
    struct SpikeTimes {
        var starts: [Int]
        var times: [Int32]

        init(bits: UnsafePointer<UInt64>, wordsPerStep: Int, steps: Int, inputs: Int) {
            // each input's spike count, for 64 inputs at a time in bit-sliced counters (bit p of
            // input i's count in bit i of plane p): no branch per spike
            var counts = [Int](repeating: 0, count: inputs + 1)
            let planes = Swift.max(1, Int.bitWidth - steps.leadingZeroBitCount)
            var plane = [UInt64](repeating: 0, count: planes)
            for w in 0 ..< wordsPerStep {
                for p in 0 ..< planes { plane[p] = 0 }
                for t in 0 ..< steps {
                    var carry = bits[t &* wordsPerStep &+ w]
                    for p in 0 ..< planes {
                        let next = plane[p] & carry
                        plane[p] ^= carry
                        carry = next
                    }
                }
                for i in w &* 64 ..< Swift.min(inputs, w &* 64 &+ 64) {
                    var n = 0
                    for p in 0 ..< planes { n |= Int((plane[p] >> UInt64(i &- w &* 64)) & 1) << p }
                    counts[i + 1] = n
                }
            }
            for i in 0 ..< inputs { counts[i + 1] &+= counts[i] }
            starts = counts
            var next = counts
            var times = [Int32](repeating: 0, count: counts[inputs])
            times.withUnsafeMutableBufferPointer { out in
                for t in 0 ..< steps {
                    for w in 0 ..< wordsPerStep {
                        var b = bits[t &* wordsPerStep &+ w]
                        while b != 0 {
                            let i = w &* 64 &+ b.trailingZeroBitCount
                            out[next[i]] = Int32(truncatingIfNeeded: t)
                            next[i] &+= 1
                            b &= b &- 1
                        }
                    }
                }
            }
            self.times = times
        }
    }

    /// Rows of a block that land inside `steps` when the spike is at step `t`.
    @inline(__always)
    private func rows(from t: Int, steps: Int) -> Int { Swift.min(taps, steps &- t) }

    // MARK: forward

    /// `current[t + d, :] += K_i[d, :]` for every input `i` spiking at `t` (`steps` rows of `stride`).
    func spread(spikes: SpikeTimes, steps: Int, into current: UnsafeMutablePointer<Float>) {
        precondition(spikes.starts.count == inputs + 1, "DelayKernel: spike times of \(spikes.starts.count - 1) inputs for \(inputs)")
        spikes.times.withUnsafeBufferPointer { tp in
            if synapse.kernel == .max {  // more than 32 taps (else the raster's bits are read)
                spreadMaxScalar(spikes, times: tp.baseAddress!, steps: steps, into: current)
                return
            }
            if window > 0 {
                spreadWindows(spikes, times: tp.baseAddress!, steps: steps, into: current)
                return
            }
            for i in 0 ..< inputs where spikes.starts[i + 1] > spikes.starts[i] {
                let times = tp.baseAddress! + spikes.starts[i], count = spikes.starts[i + 1] &- spikes.starts[i]
                let block = blocks.pointer + i &* blockSize
                var column = 0
                while column &+ 32 <= stride {
                    spreadColumns32(times: times, count: count, block: block + column, steps: steps,
                                  into: current + column)
                    column &+= 32
                }
                while column < stride {
                    spreadColumns8(times: times, count: count, block: block + column, steps: steps,
                                  into: current + column)
                    column &+= 8
                }
            }
        }
    }

    /// The ``DelaySynapse/Kernel-swift.enum/max`` kernel, one weight per connection and spike:
    /// `current[t + d_ij, j] += w_ij` for every spike of input `i` at `t`, input by input.
    func spreadMaxScalar(_ spikes: SpikeTimes, times: UnsafePointer<Int32>, steps: Int, into current: UnsafeMutablePointer<Float>) {
        // each connection's target as an offset from its spike's row: d stride + j, inside the
        // rows while t stride + offset < steps stride (j < stride)
        let limit = steps &* stride
        let offsets = (0 ..< inputs &* neurons).map { delays[$0] &* stride &+ $0 % neurons }
        offsets.withUnsafeBufferPointer { op in
            singleTaps.withUnsafeBufferPointer { wp in
                for i in 0 ..< inputs {
                    let o = op.baseAddress! + i &* neurons, w = wp.baseAddress! + i &* neurons
                    for k in spikes.starts[i] ..< spikes.starts[i + 1] {
                        let base = Int(times[k]) &* stride
                        for j in 0 ..< neurons {
                            let target = base &+ o[j]
                            if target < limit { current[target] += w[j] }
                        }
                    }
                }
            }
        }
    }

    /// Whether the first layer's kernel reads the raster's bits (``spread(raster:wordsPerStep:steps:into:)``,
    /// the integer-delay kernel of at most 32 taps) rather than each input's spike steps.
    var spreadsRaster: Bool { !maxLanes.bits.isEmpty }

    /// The integer-delay kernel from the raster's bits (`steps` rows of `wordsPerStep` words, input
    /// `i` in bit `i % 64` of word `i / 64`): the sums of ``spreadMaxScalar(_:times:steps:into:)``
    /// in the same order (bit for bit), row by row in registers. Bit `31 - d` of a 32-bit window of
    /// input `i`'s spike train at row `t` is its spike at `t - d`; each lane tests the bit of its
    /// delay and adds its weight or 0. Each current row sums its inputs in input order, as the
    /// scalar form's additions into that row come in input order (one spike of an input per row
    /// and connection).
    func spread(raster bits: UnsafePointer<UInt64>, wordsPerStep: Int, steps: Int, into current: UnsafeMutablePointer<Float>) {
        precondition(spreadsRaster, "DelayKernel: only the integer-delay kernel of at most 32 taps reads the raster")
        var trains = SpikeTrains(inputs: inputs, steps: steps)
        let rowBytes = trains.rowBytes
        trains.bytes.withUnsafeMutableBufferPointer { bp in
            for t in 0 ..< steps {
                for w in 0 ..< wordsPerStep {
                    var b = bits[t &* wordsPerStep &+ w]
                    while b != 0 {
                        SpikeTrains.set(bp.baseAddress!, rowBytes: rowBytes, input: w &* 64 &+ b.trailingZeroBitCount, step: t)
                        b &= b &- 1
                    }
                }
            }
        }
        spreadMaxBits(trains, steps: steps, into: current)
    }

    /// Each input's spike train as a little-endian bit string, the spike at step `t` in bit
    /// `t + 32` (zeros before: no spikes before step 0), with room for a 64-bit read at every row.
    struct SpikeTrains {
        let rowBytes: Int
        var bytes: [UInt8]

        init(inputs: Int, steps: Int) {
            rowBytes = ((steps + 32 + 7) / 8 + 8 + 7) / 8 * 8
            bytes = [UInt8](repeating: 0, count: inputs * rowBytes)
        }

        /// Sets the bit of input `i`'s spike at step `t` in `bytes` (rows of `rowBytes`).
        @inline(__always)
        static func set(_ bytes: UnsafeMutablePointer<UInt8>, rowBytes: Int, input i: Int, step t: Int) {
            let bit = t &+ 32
            bytes[i &* rowBytes &+ bit >> 3] |= UInt8(1) << UInt8(bit & 7)
        }
    }

    /// The register loops of ``spread(raster:wordsPerStep:steps:into:)``: the window of row `t` is
    /// the 32 bits of a train from bit `t + 1` (delays 31 ... 0).
    private func spreadMaxBits(_ spikeTrains: SpikeTrains, steps: Int, into current: UnsafeMutablePointer<Float>) {
        let rowBytes = spikeTrains.rowBytes, trains = spikeTrains.bytes
        trains.withUnsafeBufferPointer { bp in
            maxLanes.bits.withUnsafeBufferPointer { dp in
                maxLanes.weights.withUnsafeBufferPointer { wp in
                    let bits = UnsafeRawPointer(bp.baseAddress!)
                    let d = UnsafeRawPointer(dp.baseAddress!), w = UnsafeRawPointer(wp.baseAddress!)
                    let laneBytes = stride &* 4
                    var column = 0
                    while column < stride {
                        let wide = column &+ 32 <= stride  // four registers per row, else one
                        // two rows at a time: each row's sum over the inputs is a chain of additions
                        // in input order; two rows give eight independent chains (their latency hidden)
                        var t = 0
                        while t < steps {
                            let b0 = (t &+ 1) >> 3, s0 = UInt64((t &+ 1) & 7), b1 = (t &+ 2) >> 3, s1 = UInt64((t &+ 2) & 7)
                            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                            var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
                            for i in 0 ..< inputs {
                                let train = i &* rowBytes
                                let m0 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: bits.loadUnaligned(fromByteOffset: train &+ b0, as: UInt64.self) >> s0))
                                let m1 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: bits.loadUnaligned(fromByteOffset: train &+ b1, as: UInt64.self) >> s1))
                                let at = i &* laneBytes &+ column &* 4
                                var lane = d.loadUnaligned(fromByteOffset: at, as: SIMD8<UInt32>.self)
                                var weight = w.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
                                a0 += Self.select(m0, lane, weight)
                                c0 += Self.select(m1, lane, weight)
                                guard wide else { continue }
                                lane = d.loadUnaligned(fromByteOffset: at &+ 32, as: SIMD8<UInt32>.self)
                                weight = w.loadUnaligned(fromByteOffset: at &+ 32, as: SIMD8<Float>.self)
                                a1 += Self.select(m0, lane, weight)
                                c1 += Self.select(m1, lane, weight)
                                lane = d.loadUnaligned(fromByteOffset: at &+ 64, as: SIMD8<UInt32>.self)
                                weight = w.loadUnaligned(fromByteOffset: at &+ 64, as: SIMD8<Float>.self)
                                a2 += Self.select(m0, lane, weight)
                                c2 += Self.select(m1, lane, weight)
                                lane = d.loadUnaligned(fromByteOffset: at &+ 96, as: SIMD8<UInt32>.self)
                                weight = w.loadUnaligned(fromByteOffset: at &+ 96, as: SIMD8<Float>.self)
                                a3 += Self.select(m0, lane, weight)
                                c3 += Self.select(m1, lane, weight)
                            }
                            Self.addRow(current + t &* stride + column, a0, a1, a2, a3, wide: wide)
                            if t &+ 1 < steps { Self.addRow(current + (t &+ 1) &* stride + column, c0, c1, c2, c3, wide: wide) }
                            t &+= 2
                        }
                        column &+= wide ? 32 : 8
                    }
                }
            }
        }
    }

    /// `row[0 ..< 8] += a0` and, when `wide`, the next 24 lanes `+= a1, a2, a3`.
    @inline(__always)
    private static func addRow(_ row: UnsafeMutablePointer<Float>, _ a0: SIMD8<Float>, _ a1: SIMD8<Float>, _ a2: SIMD8<Float>,
                               _ a3: SIMD8<Float>, wide: Bool) {
        let r = UnsafeMutableRawPointer(row)
        r.storeBytes(of: r.loadUnaligned(as: SIMD8<Float>.self) + a0, as: SIMD8<Float>.self)
        guard wide else { return }
        r.storeBytes(of: r.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) + a1, toByteOffset: 32, as: SIMD8<Float>.self)
        r.storeBytes(of: r.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self) + a2, toByteOffset: 64, as: SIMD8<Float>.self)
        r.storeBytes(of: r.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self) + a3, toByteOffset: 96, as: SIMD8<Float>.self)
    }

    /// `a0 += row[0 ..< 8]`, `a1 += row[8 ..< 16]`, `a2 += row[16 ..< 24]`, `a3 += row[24 ..< 32]`.
    @inline(__always)
    private static func accumulate(_ row: UnsafePointer<Float>, _ a0: inout SIMD8<Float>, _ a1: inout SIMD8<Float>,
                                   _ a2: inout SIMD8<Float>, _ a3: inout SIMD8<Float>) {
        let r = UnsafeRawPointer(row)
        a0 += r.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
        a1 += r.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        a2 += r.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
        a3 += r.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
    }

    /// The lanes' weights where the window `m` has a spike at the lane's delay (its bit in `bits`), else 0.
    @inline(__always)
    private static func select(_ m: SIMD8<UInt32>, _ bits: SIMD8<UInt32>, _ weights: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>().replacing(with: weights, where: m & bits .== bits)
    }

    /// One input's spikes, one column block of 32 lanes (four registers): every current row in
    /// reach of a spike gets the sum over the spikes in its window, `sum_k K[t - t_k]`, added once.
    @inline(__always)
    private func spreadColumns32(times: UnsafePointer<Int32>, count: Int, block: UnsafePointer<Float>, steps: Int,
                                 into current: UnsafeMutablePointer<Float>) {
        var first = 0
        var t = Int(times[0])
        let end = Swift.min(Int(times[count &- 1]) &+ taps, steps)
        while t < end {
            while first < count && Int(times[first]) &+ taps <= t { first &+= 1 }
            if Int(times[first]) > t { t = Int(times[first]); continue }  // a gap longer than the kernel
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var k = first
            while k < count && Int(times[k]) <= t {
                Self.accumulate(block + (t &- Int(times[k])) &* stride, &a0, &a1, &a2, &a3)
                k &+= 1
            }
            Self.addRow(current + t &* stride, a0, a1, a2, a3, wide: true)
            t &+= 1
        }
    }

    /// ``spreadColumns32(times:count:block:steps:into:)`` for a block of 8 lanes.
    @inline(__always)
    private func spreadColumns8(times: UnsafePointer<Int32>, count: Int, block: UnsafePointer<Float>, steps: Int,
                                into current: UnsafeMutablePointer<Float>) {
        var first = 0
        var t = Int(times[0])
        let end = Swift.min(Int(times[count &- 1]) &+ taps, steps)
        while t < end {
            while first < count && Int(times[first]) &+ taps <= t { first &+= 1 }
            if Int(times[first]) > t { t = Int(times[first]); continue }
            var a0 = SIMD8<Float>()
            var k = first
            while k < count && Int(times[k]) <= t {
                a0 += UnsafeRawPointer(block + (t &- Int(times[k])) &* stride).loadUnaligned(as: SIMD8<Float>.self)
                k &+= 1
            }
            let row = UnsafeMutableRawPointer(current + t &* stride)
            row.storeBytes(of: row.loadUnaligned(as: SIMD8<Float>.self) + a0, as: SIMD8<Float>.self)
            t &+= 1
        }
    }

    /// `current[t + d, :] += x[t, i] K_i[d, :]` for every non-zero `x[t, i]` (`x` is `steps x inputs`).
    func spread(dense x: [Float], steps: Int, into current: UnsafeMutablePointer<Float>) {
        precondition(x.count == steps * inputs, "DelayKernel: \(x.count) inputs for \(steps) x \(inputs)")
        if window > 0 { return spreadWindows(dense: x, steps: steps, into: current) }
        x.withUnsafeBufferPointer { xp in
            let k = blocks.pointer
            for t in 0 ..< steps {
                let n = rows(from: t, steps: steps) &* stride
                let row = current + t &* stride
                for i in 0 ..< inputs {
                    let xi = xp[t &* inputs &+ i]
                    guard xi != 0 else { continue }
                    if synapse.kernel == .max {
                        for j in 0 ..< neurons {
                            let target = t &+ delays[i &* neurons &+ j]
                            if target < steps { current[target &* stride &+ j] += xi * singleTaps[i &* neurons &+ j] }
                        }
                    } else if xi == 1 {
                        GenericKernel.add(k + i &* blockSize, into: row, count: n)
                    } else {
                        GenericKernel.add(k + i &* blockSize, times: xi, into: row, count: n)
                    }
                }
            }
        }
    }

    // MARK: backward

    /// `gradKernel_i[d, :] += gradCurrent[t + d, :]` for every input `i` spiking at `t`.
    func collect(spikes: SpikeTimes, steps: Int, gradCurrent: UnsafePointer<Float>, into gradKernel: UnsafeMutablePointer<Float>) {
        precondition(spikes.starts.count == inputs + 1, "DelayKernel: spike times of \(spikes.starts.count - 1) inputs for \(inputs)")
        spikes.times.withUnsafeBufferPointer { tp in
            if window > 0 {
                collectWindows(spikes, times: tp.baseAddress!, steps: steps, gradCurrent: gradCurrent, into: gradKernel)
                return
            }
            for i in 0 ..< inputs where spikes.starts[i + 1] > spikes.starts[i] {
                let times = tp.baseAddress! + spikes.starts[i], count = spikes.starts[i + 1] &- spikes.starts[i]
                let block = gradKernel + i &* blockSize
                var column = 0
                while column &+ 32 <= stride {
                    collectColumns32(times: times, count: count, gradCurrent: gradCurrent + column, steps: steps,
                                   into: block + column)
                    column &+= 32
                }
                while column < stride {
                    collectColumns8(times: times, count: count, gradCurrent: gradCurrent + column, steps: steps,
                                   into: block + column)
                    column &+= 8
                }
            }
        }
    }

    /// One input's spikes, one column block of 32 lanes: `gradKernel[d] += sum_k gradCurrent[t_k + d]`
    /// for every delay, summed in registers.
    @inline(__always)
    private func collectColumns32(times: UnsafePointer<Int32>, count: Int, gradCurrent: UnsafePointer<Float>, steps: Int,
                                  into block: UnsafeMutablePointer<Float>) {
        for d in 0 ..< taps {
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var k = 0
            while k < count {
                let t = Int(times[k]) &+ d
                if t >= steps { break }  // times increase
                Self.accumulate(gradCurrent + t &* stride, &a0, &a1, &a2, &a3)
                k &+= 1
            }
            Self.addRow(block + d &* stride, a0, a1, a2, a3, wide: true)
        }
    }

    /// ``collectColumns32(times:count:gradCurrent:steps:into:)`` for a block of 8 lanes.
    @inline(__always)
    private func collectColumns8(times: UnsafePointer<Int32>, count: Int, gradCurrent: UnsafePointer<Float>, steps: Int,
                                 into block: UnsafeMutablePointer<Float>) {
        for d in 0 ..< taps {
            var a0 = SIMD8<Float>()
            var k = 0
            while k < count {
                let t = Int(times[k]) &+ d
                if t >= steps { break }
                a0 += UnsafeRawPointer(gradCurrent + t &* stride).loadUnaligned(as: SIMD8<Float>.self)
                k &+= 1
            }
            let row = UnsafeMutableRawPointer(block + d &* stride)
            row.storeBytes(of: row.loadUnaligned(as: SIMD8<Float>.self) + a0, as: SIMD8<Float>.self)
        }
    }

    /// `gradKernel_i[d, :] += x[t, i] gradCurrent[t + d, :]`, and `gradX[t, i] += sum_{d, j}
    /// K_i[d, j] gradCurrent[t + d, j]` for every step and input (when `gradX` is given).
    func collect(dense x: [Float], steps: Int, gradCurrent: UnsafePointer<Float>, into gradKernel: UnsafeMutablePointer<Float>,
                 gradX: UnsafeMutablePointer<Float>?) {
        precondition(x.count == steps * inputs, "DelayKernel: \(x.count) inputs for \(steps) x \(inputs)")
        if window > 0 { return collectWindows(dense: x, steps: steps, gradCurrent: gradCurrent, into: gradKernel, gradX: gradX) }
        x.withUnsafeBufferPointer { xp in
            let k = blocks.pointer
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

    /// The gradients of the weights and the positions (`[inputs, neurons]` each) from the
    /// gradient of the kernels (`[inputs][taps][stride]`, by delay).
    func chain(_ gradKernel: [Float]) -> (weights: [Float], positions: [Float]) {
        precondition(gradKernel.count == gradientSize,
                     "DelayKernel: kernel gradient of \(gradKernel.count) values for \(gradientSize)")
        var gw = [Float](repeating: 0, count: inputs * neurons)
        var gp = [Float](repeating: 0, count: inputs * neurons)
        let positions = synapse.positions.values, parts = Swift.min(inputs, 16)
        gradKernel.withUnsafeBufferPointer { g in
            tapWeights.withUnsafeBufferPointer { x in
                gw.withUnsafeMutableBufferPointer { gwp in
                    gp.withUnsafeMutableBufferPointer { gpp in
                        let gwOut = gwp.baseAddress!, gpOut = gpp.baseAddress!
                        ParallelChunks.run(count: parts, threads: threads) { part, _ in
                            var column = [Float](repeating: 0, count: taps)
                            column.withUnsafeMutableBufferPointer { col in
                                for i in part * inputs / parts ..< (part + 1) * inputs / parts {
                                    for j in 0 ..< neurons {
                                        let c = i &* neurons &+ j
                                        var range = 0 ..< taps
                                        if window > 0 {  // taps outside the window have zero weight: their terms are zeros
                                            range = windowStart[c] ..< Swift.min(taps, windowStart[c] &+ window)
                                            for d in range { col[d] = g[c &* window &+ d &- windowStart[c]] }
                                        } else {
                                            for d in 0 ..< taps { col[d] = g[(i &* taps &+ d) &* stride &+ j] }
                                        }
                                        let r = synapse.chain(gradKernel: col.baseAddress!, tapWeights: x.baseAddress! + c &* taps,
                                                              weight: weights[c], position: positions[c], delays: range)
                                        gwOut[c] = r.weight
                                        gpOut[c] = r.position
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (gw, gp)
    }

    // MARK: narrow kernels (windows)

    /// Rows of the neuron-major scratch layout: room for a window past the last step.
    private func windowRows(steps: Int) -> Int { steps &+ taps &+ window }

    /// `current[t, :] += scratch[:, t]`: the neuron-major sums back into the step-major rows.
    private func addTransposed(_ scratch: UnsafePointer<Float>, rows: Int, steps: Int, into current: UnsafeMutablePointer<Float>) {
        for t in 0 ..< steps {
            for j in 0 ..< neurons { current[t &* stride &+ j] += scratch[j &* rows &+ t] }
        }
    }

    /// `row[0 ..< window] += v` as one or two eight-lane vectors.
    @inline(__always)
    private func addWindow(_ v: UnsafePointer<Float>, scale: Float, into row: UnsafeMutablePointer<Float>) {
        let src = UnsafeRawPointer(v), dst = UnsafeMutableRawPointer(row)
        dst.storeBytes(of: dst.loadUnaligned(as: SIMD8<Float>.self) + scale * src.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        if window == 16 {
            dst.storeBytes(of: dst.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                + scale * src.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
        }
    }

    /// Narrow kernels, spiking inputs: each spike adds each connection's window to the
    /// post-synaptic unit's current at the window's delays (neuron-major, then transposed).
    private func spreadWindows(_ spikes: SpikeTimes, times: UnsafePointer<Int32>, steps: Int, into current: UnsafeMutablePointer<Float>) {
        let rows = windowRows(steps: steps)
        var scratch = [Float](repeating: 0, count: neurons * rows)
        scratch.withUnsafeMutableBufferPointer { sp in
            if window == 16 {
                spreadWindows(spikes, times: times, rows: rows, wide: true, into: sp.baseAddress!)
            } else {
                spreadWindows(spikes, times: times, rows: rows, wide: false, into: sp.baseAddress!)
            }
            addTransposed(UnsafePointer(sp.baseAddress!), rows: rows, steps: steps, into: current)
        }
    }

    /// The loops of ``spreadWindows(_:times:steps:into:)`` into the neuron-major scratch, for windows
    /// of 16 (`wide`) or 8 taps (a constant where it is inlined).
    @inline(__always)
    private func spreadWindows(_ spikes: SpikeTimes, times: UnsafePointer<Int32>, rows: Int, wide: Bool,
                               into out: UnsafeMutablePointer<Float>) {
        windowed.withUnsafeBufferPointer { wp in
            windowStart.withUnsafeBufferPointer { lp in
                for i in 0 ..< inputs {
                    let first = spikes.starts[i], last = spikes.starts[i + 1]
                    guard last > first else { continue }
                    let kernels = UnsafeRawPointer(wp.baseAddress! + i &* neurons &* window), starts = lp.baseAddress! + i &* neurons
                    // units innermost: consecutive stores go to different rows, so no load waits
                    // on an overlapping store of the spike before (store forwarding)
                    for k in first ..< last {
                        let t = Int(times[k])
                        var row = out + t
                        for j in 0 ..< neurons {
                            let dst = UnsafeMutableRawPointer(row + starts[j]), src = kernels + j &* window &* 4
                            dst.storeBytes(of: dst.loadUnaligned(as: SIMD8<Float>.self) + src.loadUnaligned(as: SIMD8<Float>.self),
                                           as: SIMD8<Float>.self)
                            if wide {
                                dst.storeBytes(of: dst.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                                    + src.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
                            }
                            row += rows
                        }
                    }
                }
            }
        }
    }

    /// Narrow kernels, dense inputs (the layer below's spikes, possibly scaled by dropout).
    private func spreadWindows(dense x: [Float], steps: Int, into current: UnsafeMutablePointer<Float>) {
        let rows = windowRows(steps: steps)
        var scratch = [Float](repeating: 0, count: neurons * rows)
        scratch.withUnsafeMutableBufferPointer { sp in
            windowed.withUnsafeBufferPointer { wp in
                let out = sp.baseAddress!
                for t in 0 ..< steps {
                    for i in 0 ..< inputs {
                        let xi = x[t &* inputs &+ i]
                        guard xi != 0 else { continue }
                        for j in 0 ..< neurons {
                            let c = i &* neurons &+ j
                            addWindow(wp.baseAddress! + c &* window, scale: xi, into: out + (j &* rows &+ windowStart[c] &+ t))
                        }
                    }
                }
                addTransposed(UnsafePointer(out), rows: rows, steps: steps, into: current)
            }
        }
    }

    /// The gradient of the current, neuron-major with zero rows past the last step.
    private func transposedGradient(_ gradCurrent: UnsafePointer<Float>, steps: Int) -> [Float] {
        let rows = windowRows(steps: steps)
        var g = [Float](repeating: 0, count: neurons * rows)
        for t in 0 ..< steps { for j in 0 ..< neurons { g[j &* rows &+ t] = gradCurrent[t &* stride &+ j] } }
        return g
    }

    /// Narrow kernels, spiking inputs: each connection's window gradient is the sum over the
    /// input's spikes of the post-synaptic gradient at the window's delays (`[inputs][neurons][window]`).
    private func collectWindows(_ spikes: SpikeTimes, times: UnsafePointer<Int32>, steps: Int, gradCurrent: UnsafePointer<Float>,
                                into gradKernel: UnsafeMutablePointer<Float>) {
        let rows = windowRows(steps: steps)
        let g = transposedGradient(gradCurrent, steps: steps)
        g.withUnsafeBufferPointer { gp in
            if window == 16 {
                collectWindows(spikes, times: times, rows: rows, gradient: gp.baseAddress!, wide: true, into: gradKernel)
            } else {
                collectWindows(spikes, times: times, rows: rows, gradient: gp.baseAddress!, wide: false, into: gradKernel)
            }
        }
    }

    /// The loops of ``collectWindows(_:times:steps:gradCurrent:into:)`` over the neuron-major
    /// gradient, for windows of 16 (`wide`) or 8 taps. Four units share a pass over the input's
    /// spikes, each summing in its own registers (four chains of additions in flight, each in
    /// spike order).
    @inline(__always)
    private func collectWindows(_ spikes: SpikeTimes, times: UnsafePointer<Int32>, rows: Int, gradient: UnsafePointer<Float>,
                                wide: Bool, into gradKernel: UnsafeMutablePointer<Float>) {
        @inline(__always)
        func add(_ a: SIMD8<Float>, _ b: SIMD8<Float>, to c: Int) {
            let out = UnsafeMutableRawPointer(gradKernel + c &* window)
            out.storeBytes(of: out.loadUnaligned(as: SIMD8<Float>.self) + a, as: SIMD8<Float>.self)
            if wide { out.storeBytes(of: out.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) + b, toByteOffset: 32, as: SIMD8<Float>.self) }
        }
        windowStart.withUnsafeBufferPointer { lp in
            for i in 0 ..< inputs {
                let first = spikes.starts[i], last = spikes.starts[i + 1]
                guard last > first else { continue }
                var j = 0
                while j &+ 4 <= neurons {
                    let c = i &* neurons &+ j
                    let r0 = gradient + (j &* rows &+ lp[c]), r1 = gradient + ((j &+ 1) &* rows &+ lp[c &+ 1])
                    let r2 = gradient + ((j &+ 2) &* rows &+ lp[c &+ 2]), r3 = gradient + ((j &+ 3) &* rows &+ lp[c &+ 3])
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                    var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
                    for k in first ..< last {
                        let t = Int(times[k])
                        a0 += UnsafeRawPointer(r0 + t).loadUnaligned(as: SIMD8<Float>.self)
                        a1 += UnsafeRawPointer(r1 + t).loadUnaligned(as: SIMD8<Float>.self)
                        a2 += UnsafeRawPointer(r2 + t).loadUnaligned(as: SIMD8<Float>.self)
                        a3 += UnsafeRawPointer(r3 + t).loadUnaligned(as: SIMD8<Float>.self)
                        if wide {
                            b0 += UnsafeRawPointer(r0 + t).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                            b1 += UnsafeRawPointer(r1 + t).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                            b2 += UnsafeRawPointer(r2 + t).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                            b3 += UnsafeRawPointer(r3 + t).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        }
                    }
                    add(a0, b0, to: c)
                    add(a1, b1, to: c &+ 1)
                    add(a2, b2, to: c &+ 2)
                    add(a3, b3, to: c &+ 3)
                    j &+= 4
                }
                while j < neurons {
                    let c = i &* neurons &+ j
                    let r0 = gradient + (j &* rows &+ lp[c])
                    var a0 = SIMD8<Float>(), b0 = SIMD8<Float>()
                    for k in first ..< last {
                        let r = UnsafeRawPointer(r0 + Int(times[k]))
                        a0 += r.loadUnaligned(as: SIMD8<Float>.self)
                        if wide { b0 += r.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) }
                    }
                    add(a0, b0, to: c)
                    j &+= 1
                }
            }
        }
    }

    /// Narrow kernels, dense inputs: the windows' gradients and, when asked, the gradient of the
    /// inputs, `gradX[t, i] += sum_j sum_m window_ij[m] gradCurrent[t + start_ij + m, j]`.
    private func collectWindows(dense x: [Float], steps: Int, gradCurrent: UnsafePointer<Float>, into gradKernel: UnsafeMutablePointer<Float>,
                                gradX: UnsafeMutablePointer<Float>?) {
        let rows = windowRows(steps: steps)
        let g = transposedGradient(gradCurrent, steps: steps)
        g.withUnsafeBufferPointer { gp in
            x.withUnsafeBufferPointer { xp in
                if window == 16 {
                    collectWindows(dense: xp.baseAddress!, steps: steps, rows: rows, gradient: gp.baseAddress!, wide: true,
                                   into: gradKernel, gradX: gradX)
                } else {
                    collectWindows(dense: xp.baseAddress!, steps: steps, rows: rows, gradient: gp.baseAddress!, wide: false,
                                   into: gradKernel, gradX: gradX)
                }
            }
        }
    }

    /// The loops of ``collectWindows(dense:steps:gradCurrent:into:gradX:)`` for windows of 16
    /// (`wide`) or 8 taps; two inputs at a time, each summing its `gradX` over the units in its
    /// own register (two chains of additions in flight, each in unit order).
    @inline(__always)
    private func collectWindows(dense x: UnsafePointer<Float>, steps: Int, rows: Int, gradient: UnsafePointer<Float>, wide: Bool,
                                into gradKernel: UnsafeMutablePointer<Float>, gradX: UnsafeMutablePointer<Float>?) {
        windowed.withUnsafeBufferPointer { wp in
            windowStart.withUnsafeBufferPointer { lp in
                let kernels = wp.baseAddress!
                /// The window gradient's share of one connection at step `t`, and its term of `gradX`.
                @inline(__always)
                func connection(_ c: Int, _ j: Int, _ t: Int, _ xi: Float, _ acc: inout SIMD8<Float>) {
                    let row = gradient + (j &* rows &+ lp[c] &+ t)
                    if xi != 0 {
                        let out = UnsafeMutableRawPointer(gradKernel + c &* window), r = UnsafeRawPointer(row)
                        out.storeBytes(of: out.loadUnaligned(as: SIMD8<Float>.self) + xi * r.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                        if wide {
                            out.storeBytes(of: out.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                                + xi * r.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), toByteOffset: 32, as: SIMD8<Float>.self)
                        }
                    }
                    guard gradX != nil else { return }
                    let r = UnsafeRawPointer(row), k = UnsafeRawPointer(kernels + c &* window)
                    acc += k.loadUnaligned(as: SIMD8<Float>.self) * r.loadUnaligned(as: SIMD8<Float>.self)
                    if wide { acc += k.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) * r.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) }
                }
                for t in 0 ..< steps {
                    var i = 0
                    while i &+ 2 <= inputs {
                        let x0 = x[t &* inputs &+ i], x1 = x[t &* inputs &+ i &+ 1]
                        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
                        for j in 0 ..< neurons {
                            connection(i &* neurons &+ j, j, t, x0, &acc0)
                            connection((i &+ 1) &* neurons &+ j, j, t, x1, &acc1)
                        }
                        if let gradX {
                            gradX[t &* inputs &+ i] += acc0.sum()
                            gradX[t &* inputs &+ i &+ 1] += acc1.sum()
                        }
                        i &+= 2
                    }
                    if i < inputs {
                        let xi = x[t &* inputs &+ i]
                        var acc = SIMD8<Float>()
                        for j in 0 ..< neurons { connection(i &* neurons &+ j, j, t, xi, &acc) }
                        if let gradX { gradX[t &* inputs &+ i] += acc.sum() }
                    }
                }
            }
        }
    }

    /// `sum_j a[j] b[j]` for `count` a multiple of eight, in four independent eight-lane sums
    /// (added up at the end), so that the multiply-adds overlap instead of waiting on each other.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var byte = 0
        let bytes = count &* 4
        while byte &+ 128 <= bytes {
            s0 += ra.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: byte &+ 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: byte &+ 32, as: SIMD8<Float>.self)
            s2 += ra.loadUnaligned(fromByteOffset: byte &+ 64, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: byte &+ 64, as: SIMD8<Float>.self)
            s3 += ra.loadUnaligned(fromByteOffset: byte &+ 96, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: byte &+ 96, as: SIMD8<Float>.self)
            byte &+= 128
        }
        while byte < bytes {
            s0 += ra.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: byte, as: SIMD8<Float>.self)
            byte &+= 32
        }
        return ((s0 + s1) + (s2 + s3)).sum()
    }
}
