/// The hot loops of ``NetworkEngine``: one sample through the network, forward and backward.
///
/// The hot loops with unsafe pointers live in this folder (`Kernels/`).
/// Hidden neurons are processed 32 at a time, as a ``Quad`` of four `SIMD8<Float>` held in
/// registers through the time loop (padding lanes stay at zero). Each sample's bit-packed input
/// is first turned into spike lists, the fibres that spike at each step
/// (``buildSpikeLists(_:input:ws:)``, branch-free), so that the time loops of every block of
/// neurons, forward and backward, leave one loop per step instead of one per word. The input
/// current is a gather-sum of the weight rows of the step's spiking fibres into two accumulators
/// (even and odd spikes, added at the end), and its weight gradient the matching scatter-add.
/// Multiply-adds are never fused, so results do not depend on the CPU's instruction set.
///
/// The per-sample record (`pre`, the membrane before the reset, and `spk`, the spikes) is laid
/// out block by block (`block * steps + 4 * t`), so that a block's time loop runs over
/// contiguous memory whatever the number of neurons; the membrane after the reset is recomputed
/// from them in the backward pass (the same float operation as in the forward pass).
#if SPIKELOC_AVX512
import _Builtin_intrinsics.intel
#endif
#if !_endian(little)
#error("SampleKernel.buildSpikeLists reads the raster's words byte by byte, little-endian")
#endif

enum SampleKernel {
    /// Shapes and constants shared by all samples of one call.
    struct Layout {
        let steps: Int
        let wordsPerStep: Int
        /// Lane groups of eight hidden neurons, a multiple of four.
        let groups: Int
        /// Vectors from one input's row of `w1` (and of its gradient) to the next: `groups`, plus
        /// two when `groups` is a multiple of 16, so that rows are not a multiple of 512 bytes
        /// apart (at 4096 bytes, 1000 hidden neurons, every row fell into the same sets of the L1
        /// cache and the scatter-add missed it on nearly every row).
        var rowStride: Int { Self.rowStride(groups: groups) }

        /// ``rowStride`` for `groups` lane groups.
        static func rowStride(groups: Int) -> Int { groups % 16 == 0 ? groups + 2 : groups }
        let classes: Int
        let inputs: Int
        let alpha: Float
        let threshold: Float
        let surrogate: SigmoidSurrogate
        /// Whether the backward pass skips the subnormal arithmetic of terms that cannot change
        /// their sum (`Quad.membraneGradient`; the same bits either way).
        let dropsNegligibleTerms: Bool
    }

    /// Index of the first vector of step `t` of the block starting at group `block` in the record.
    @inline(__always) static func record(_ l: Layout, block: Int, step t: Int) -> Int {
        block &* l.steps &+ t &* 4
    }

    /// Writes the spike lists of one sample into the workspace: for each step `t < steps - 1`
    /// (the input of the last step is never integrated) the spiking fibres,
    /// `rows[stepStart[t] ..< stepStart[t + 1]]`, in increasing order. Branch-free: each byte of
    /// the step's channels stores its (up to) eight fibres from a table and advances by its
    /// popcount (the raster's padding bits are zero); on AVX-512, sixteen fibres per compress.
    static func buildSpikeLists(_ l: Layout, input: UnsafePointer<UInt64>, ws: ChunkWorkspace) {
        #if SPIKELOC_AVX512
        // sixteen fibres at a time: their indices compressed by the step's 16 bits (vpcompressd)
        let stepStart = ws.stepStart, rows = UnsafeMutableRawPointer(ws.rows)
        let halves = UnsafeRawPointer(input)
        let chunks = (l.inputs + 15) / 16, stride = l.wordsPerStep &* 8
        let first = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), sixteen = SIMD16<UInt32>(repeating: 16)
        var n = 0
        let last = l.steps - 1
        for t in 0 ..< last {
            stepStart[t] = Int32(truncatingIfNeeded: n)
            let step = halves + t &* stride
            var indices = first
            for chunk in 0 ..< chunks {
                let bits = step.loadUnaligned(fromByteOffset: 2 &* chunk, as: UInt16.self)
                let packed = _mm512_maskz_compress_epi32(bits, unsafeBitCast(indices, to: __m512i.self))
                rows.storeBytes(of: packed, toByteOffset: n &* 4, as: __m512i.self)
                n &+= bits.nonzeroBitCount
                indices &+= sixteen
            }
        }
        stepStart[last] = Int32(truncatingIfNeeded: n)
        #else
        let stepStart = ws.stepStart, rows = UnsafeMutableRawPointer(ws.rows), table = byteTable
        let bytes = UnsafeRawPointer(input)
        let bytesPerStep = (l.inputs + 7) / 8, stride = l.wordsPerStep &* 8
        var n = 0
        let last = l.steps - 1
        let eight = SIMD8<UInt32>(repeating: 8)
        for t in 0 ..< last {
            stepStart[t] = Int32(truncatingIfNeeded: n)
            let step = bytes + t &* stride
            var base = SIMD8<UInt32>.zero
            for b in 0 ..< bytesPerStep {
                let byte = Int(step.load(fromByteOffset: b, as: UInt8.self))
                let entry = SIMD8<UInt32>(truncatingIfNeeded: table[byte]) &+ base
                rows.storeBytes(of: entry, toByteOffset: n &* 4, as: SIMD8<UInt32>.self)
                n &+= byte.nonzeroBitCount
                base &+= eight
            }
        }
        stepStart[last] = Int32(truncatingIfNeeded: n)
        #endif
    }

    /// For each byte value, the positions of its set bits in increasing order (then zeros).
    nonisolated(unsafe) static let byteTable: UnsafePointer<SIMD8<UInt8>> = {
        let table = UnsafeMutablePointer<SIMD8<UInt8>>.allocate(capacity: 256)
        for b in 0 ..< 256 {
            var entry = SIMD8<UInt8>.zero
            var k = 0
            for bit in 0 ..< 8 where b & (1 << bit) != 0 {
                entry[k] = UInt8(bit)
                k += 1
            }
            table[b] = entry
        }
        return UnsafePointer(table)
    }()

    /// Runs one sample forward after ``buildSpikeLists(_:input:ws:)``: the LIF time loop with its
    /// input currents, recording what the backward pass needs when `record` is true (and nothing
    /// otherwise), and the time-weighted spike count `z`; writes `scale * z . w2` to `logits`.
    @inline(__always)
    static func forward(
        _ l: Layout, w1: UnsafePointer<SIMD8<Float>>, w2t: UnsafePointer<SIMD8<Float>>,
        timeWeights: UnsafePointer<Float>, scale: Float, ws: ChunkWorkspace, logits: UnsafeMutablePointer<Float>,
        record: Bool
    ) {
        let g = l.groups, rowStride = l.rowStride
        let pre = ws.pre, spk = ws.spk, rows = ws.rows, stepStart = ws.stepStart
        let thr = Quad(repeating: l.threshold)
        let last = l.steps - 1  // the input of the last step is never integrated
        for block in stride(from: 0, to: g, by: 4) {
            var v = Quad.zero, s = Quad.zero, z = Quad.zero
            let base = block &* l.steps
            if record { Quad.zero.store(to: spk + base) }
            let w = w1 + block
            var k = Int(stepStart[0])
            for t in 0 ..< last {
                let end = Int(stepStart[t &+ 1])
                var c0 = Quad.zero, c1 = Quad.zero
                while k &+ 1 < end {
                    c0 += Quad(w + Int(rows[k]) &* rowStride)
                    c1 += Quad(w + Int(rows[k &+ 1]) &* rowStride)
                    k &+= 2
                }
                if k < end {
                    c0 += Quad(w + Int(rows[k]) &* rowStride)
                    k &+= 1
                }
                let a = l.alpha * v + (c0 + c1)
                z += timeWeights[t] * s  // s is the spike recorded at step t
                let fired = v.step(above: thr)
                v = a * (1 - s)
                s = fired
                if record {
                    a.store(to: pre + (base &+ t &* 4))
                    s.store(to: spk + (base &+ (t &+ 1) &* 4))
                }
            }
            z.store(to: ws.z + block)
        }
        for c in 0 ..< l.classes {
            var acc = SIMD8<Float>.zero
            for k in 0 ..< g { acc += ws.z[k] * w2t[c * g + k] }
            logits[c] = scale * acc.sum()
        }
    }

    /// ``forward(_:w1:w2t:timeWeights:scale:ws:logits:record:)`` recording the backward pass's needs.
    static func forwardRecording(
        _ l: Layout, w1: UnsafePointer<SIMD8<Float>>, w2t: UnsafePointer<SIMD8<Float>>,
        timeWeights: UnsafePointer<Float>, scale: Float, ws: ChunkWorkspace, logits: UnsafeMutablePointer<Float>
    ) {
        forward(l, w1: w1, w2t: w2t, timeWeights: timeWeights, scale: scale, ws: ws, logits: logits, record: true)
    }

    /// ``forward(_:w1:w2t:timeWeights:scale:ws:logits:record:)`` recording nothing (scores only).
    static func forwardScores(
        _ l: Layout, w1: UnsafePointer<SIMD8<Float>>, w2t: UnsafePointer<SIMD8<Float>>,
        timeWeights: UnsafePointer<Float>, scale: Float, ws: ChunkWorkspace, logits: UnsafeMutablePointer<Float>
    ) {
        forward(l, w1: w1, w2t: w2t, timeWeights: timeWeights, scale: scale, ws: ws, logits: logits, record: false)
    }

    /// Runs one sample backward after ``forwardRecording(_:w1:w2t:timeWeights:scale:ws:logits:)``, given `dLoss/dLogits`; accumulates the gradients of the
    /// effective weights into the workspace (`gradW1`, `gradW2t`).
    static func backward(
        _ l: Layout, w2t: UnsafePointer<SIMD8<Float>>,
        timeWeights: UnsafePointer<Float>, scale: Float, gradLogits: UnsafePointer<Float>, ws: ChunkWorkspace
    ) {
        let g = l.groups, rowStride = l.rowStride
        let pre = ws.pre, spk = ws.spk, z = ws.z, q = ws.q, gradW1 = ws.gradW1
        q.update(repeating: .zero, count: g)
        for c in 0 ..< l.classes {
            let gc = scale * gradLogits[c]
            for k in 0 ..< g {
                ws.gradW2t[c * g + k] += z[k] * gc
                q[k] += w2t[c * g + k] * gc
            }
        }
        let thr = Quad(repeating: l.threshold)
        for block in stride(from: 0, to: g, by: 4) {
            let qb = Quad(UnsafePointer(q + block))
            let base = block &* l.steps
            var gv = Quad.zero, gs = Quad.zero
            let rows = ws.rows, stepStart = ws.stepStart
            // steps - 2 down to 0 (a reversed range: the optimiser left `stride(from:through:by:)` with a
            // negative step a call per step, behind a `vzeroupper` that spilled the loop's vectors)
            for t in (0 ..< l.steps - 1).reversed() {
                let r = base &+ t &* 4
                let notS = 1 - Quad(UnsafePointer(spk + r))
                let gradCurrent = gv * notS
                let a = Quad(UnsafePointer(pre + r))
                // the membrane at step t (after the reset), as the forward pass computed it
                let mem = t > 0 ? Quad(UnsafePointer(pre + (r &- 4))) * (1 - Quad(UnsafePointer(spk + (r &- 4)))) : .zero
                let gradSpike = timeWeights[t] * qb - gv * a
                gv = Quad.membraneGradient(gradCurrent, alpha: l.alpha, gs, mem - thr, l.surrogate,
                                           droppingNegligibleTerms: l.dropsNegligibleTerms)
                gs = gradSpike
                guard gradCurrent.isNonZero else { continue }
                // the scatter-add into the rows of the fibres that spike at step t
                for k in Int(stepStart[t]) ..< Int(stepStart[t &+ 1]) {
                    let target = gradW1 + (Int(rows[k]) &* rowStride &+ block)
                    (Quad(UnsafePointer(target)) + gradCurrent).store(to: target)
                }
            }
        }
    }

    /// Counts, for one sample after a recording forward pass, the spikes of every hidden neuron
    /// (padding lanes included) into `counts`, and sets bit `j` of `raster[t * wordsPerStep + j / 64]`
    /// when neuron `j` spikes at step `t` (when `raster` is given).
    static func hiddenSpikes(
        _ l: Layout, ws: ChunkWorkspace, counts: UnsafeMutablePointer<SIMD8<Float>>,
        raster: UnsafeMutablePointer<UInt64>?, rasterWordsPerStep: Int
    ) {
        for k in 0 ..< l.groups {
            var total = SIMD8<Float>.zero
            let block = k / 4 * 4
            for t in 0 ..< l.steps {
                let s = ws.spk[record(l, block: block, step: t) + k - block]
                total += s
                guard let raster else { continue }
                for lane in 0 ..< 8 where s[lane] != 0 {
                    let j = k * 8 + lane
                    raster[t * rasterWordsPerStep + j / 64] |= UInt64(1) << UInt64(j % 64)
                }
            }
            counts[k] = total
        }
    }
}

extension SIMD16 where Scalar == Float {
    /// The lanes' absolute values (the sign bits cleared).
    @inline(__always) var magnitudes: SIMD16<Float> {
        unsafeBitCast(unsafeBitCast(self, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7FFF_FFFF), to: SIMD16<Float>.self)
    }
}

/// Thirty-two floats, the state of 32 hidden neurons kept in registers: two `SIMD16<Float>`,
/// which the compiler keeps as four 8-lane registers on AVX2 and two 16-lane ones on AVX-512
/// (the same lane-wise float operations either way).
struct Quad {
    var low, high: SIMD16<Float>

    static let zero = Quad(low: .zero, high: .zero)

    @inline(__always) init(low: SIMD16<Float>, high: SIMD16<Float>) {
        self.low = low; self.high = high
    }

    @inline(__always) init(repeating x: Float) {
        self.init(low: SIMD16(repeating: x), high: SIMD16(repeating: x))
    }

    /// Loads four consecutive vectors.
    @inline(__always) init(_ p: UnsafePointer<SIMD8<Float>>) {
        let raw = UnsafeRawPointer(p)
        self.init(low: raw.loadUnaligned(as: SIMD16<Float>.self), high: raw.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self))
    }

    @inline(__always) func store(to p: UnsafeMutablePointer<SIMD8<Float>>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: low, as: SIMD16<Float>.self)
        raw.storeBytes(of: high, toByteOffset: 64, as: SIMD16<Float>.self)
    }

    /// `gradCurrent * alpha + gs * surrogate.derivative(x)`, the same bits, without computing on
    /// subnormal numbers where the derivative's term cannot change the sum (every operation that
    /// reads or makes a subnormal float takes the processor's slow path, and a trained network's
    /// neurons far below the threshold make them in every backward step).
    ///
    /// Where `-beta x >= 80`, `derivative(x) < beta e^-80 < beta 2^-115` (mostly subnormal). If
    /// there `y = gradCurrent * alpha` is a normal float and `|gs| beta < |y| 2^88`, then
    /// `|gs * derivative(x)|` is below `|y| 2^-26`, a quarter of `y`'s ulp, so the sum rounds to
    /// `y`, which `y + gs * 0` gives without subnormals: those lanes' derivative is replaced by 0
    /// (and computed at `x = 0`). If any such lane has a zero, subnormal or non-finite `y` or a
    /// huge or non-finite `gs`, all 32 lanes take the plain formula.
    @inline(__always)
    static func membraneGradient(
        _ gradCurrent: Quad, alpha: Float, _ gs: Quad, _ x: Quad, _ surrogate: SigmoidSurrogate, droppingNegligibleTerms: Bool
    ) -> Quad {
        let y = gradCurrent * alpha
        let beta = surrogate.beta
        let limit = SIMD16<Float>(repeating: 80)
        let tinyLow = -beta * x.low .>= limit, tinyHigh = -beta * x.high .>= limit
        @inline(__always) func negligible(_ y: SIMD16<Float>, _ gs: SIMD16<Float>) -> SIMDMask<SIMD16<Int32>> {
            let absY = y.magnitudes, absGs = gs.magnitudes
            return (absGs * beta .< absY * 0x1p88) .& (absY .>= SIMD16(repeating: 0x1p-126))
        }
        let dropping = droppingNegligibleTerms && beta > 0 && beta.isFinite && anyLane(tinyLow, tinyHigh)
            && !anyLane(tinyLow .& .!negligible(y.low, gs.low), tinyHigh .& .!negligible(y.high, gs.high))
        guard dropping else { return y + gs * x.surrogateDerivative(surrogate) }
        let safe = Quad(low: x.low.replacing(with: 0, where: tinyLow), high: x.high.replacing(with: 0, where: tinyHigh))
        let d = safe.surrogateDerivative(surrogate)
        return y + gs * Quad(low: d.low.replacing(with: 0, where: tinyLow), high: d.high.replacing(with: 0, where: tinyHigh))
    }

    /// Whether any lane of either mask is set.
    @inline(__always)
    static func anyLane(_ a: SIMDMask<SIMD16<Int32>>, _ b: SIMDMask<SIMD16<Int32>>) -> Bool {
        let bits = SIMD16<UInt32>.zero.replacing(with: ~0, where: a) | SIMD16<UInt32>.zero.replacing(with: ~0, where: b)
        return SIMDMath.anyNonZero(bits.lowHalf | bits.highHalf)
    }

    /// The surrogate's pseudo-derivative of every lane. Transparent: with `@inline(__always)` the
    /// optimiser left it a call in the backward pass, behind a `vzeroupper` that spilled the
    /// loop's vectors around it.
    @_transparent func surrogateDerivative(_ s: SigmoidSurrogate) -> Quad {
        Quad(low: SIMD16(lowHalf: s.derivative(low.lowHalf), highHalf: s.derivative(low.highHalf)),
             high: SIMD16(lowHalf: s.derivative(high.lowHalf), highHalf: s.derivative(high.highHalf)))
    }

    /// 1 where the lane is above `threshold`, else 0.
    @inline(__always) func step(above threshold: Quad) -> Quad {
        Quad(low: SIMD16.zero.replacing(with: 1, where: low .> threshold.low),
             high: SIMD16.zero.replacing(with: 1, where: high .> threshold.high))
    }

    /// Whether any lane is not zero.
    @inline(__always) var isNonZero: Bool {
        let bits = unsafeBitCast(low, to: SIMD16<UInt32>.self) | unsafeBitCast(high, to: SIMD16<UInt32>.self)
        return SIMDMath.anyNonZero(bits.lowHalf | bits.highHalf)
    }

    @inline(__always) static func + (x: Quad, y: Quad) -> Quad { Quad(low: x.low + y.low, high: x.high + y.high) }
    @inline(__always) static func - (x: Quad, y: Quad) -> Quad { Quad(low: x.low - y.low, high: x.high - y.high) }
    @inline(__always) static func * (x: Quad, y: Quad) -> Quad { Quad(low: x.low * y.low, high: x.high * y.high) }
    @inline(__always) static func * (x: Float, y: Quad) -> Quad { Quad(low: x * y.low, high: x * y.high) }
    @inline(__always) static func * (x: Quad, y: Float) -> Quad { Quad(low: x.low * y, high: x.high * y) }
    @inline(__always) static func - (x: Float, y: Quad) -> Quad { Quad(low: x - y.low, high: x - y.high) }
    @inline(__always) static func += (x: inout Quad, y: Quad) { x = x + y }
}
