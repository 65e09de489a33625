/// The hot loops of ``NetworkEngine``: one sample through the network, forward and backward.
///
/// This file, ``PoissonKernel`` and ``SIMDMath`` are the only places that use unsafe pointers.
/// Hidden neurons are processed 32 at a time, as a ``Quad`` of four `SIMD8<Float>` held in
/// registers through the time loop (padding lanes stay at zero). The input current is a
/// gather-sum of the weight rows of the inputs that spike, read straight from the bit-packed
/// raster, and its weight gradient the matching scatter-add. Multiply-adds are never fused, so
/// results do not depend on the CPU's instruction set.
enum SampleKernel {
    /// Shapes and constants shared by all samples of one call.
    struct Layout {
        let steps: Int
        let wordsPerStep: Int
        /// Lane groups of eight hidden neurons, a multiple of four.
        let groups: Int
        let classes: Int
        let alpha: Float
        let threshold: Float
        let surrogate: SigmoidSurrogate
    }

    /// Runs one sample forward: the LIF time loop with its input currents, recording what the
    /// backward pass needs, and the time-weighted spike count `z`; writes `scale * z . w2` to `logits`.
    static func forward(
        _ l: Layout, input: UnsafePointer<UInt64>, w1: UnsafePointer<SIMD8<Float>>,
        w2t: UnsafePointer<SIMD8<Float>>, timeWeights: UnsafePointer<Float>, scale: Float,
        ws: ChunkWorkspace, logits: UnsafeMutablePointer<Float>
    ) {
        let g = l.groups
        let pre = ws.pre, mem = ws.mem, spk = ws.spk
        let thr = Quad(repeating: l.threshold)
        let last = l.steps - 1  // the input of the last step is never integrated
        for block in stride(from: 0, to: g, by: 4) {
            var v = Quad.zero, s = Quad.zero, z = Quad.zero
            Quad.zero.store(to: spk + block)
            for t in 0 ..< last {
                var current = Quad.zero
                let words = input + t &* l.wordsPerStep
                for w in 0 ..< l.wordsPerStep {
                    var bits = words[w]
                    while bits != 0 {
                        current += Quad(w1 + ((w &* 64 &+ bits.trailingZeroBitCount) &* g &+ block))
                        bits &= bits &- 1
                    }
                }
                let i = t &* g &+ block
                let a = l.alpha * v + current
                a.store(to: pre + i)
                v.store(to: mem + i)
                z += timeWeights[t] * s  // s is the spike recorded at step t
                let fired = v.step(above: thr)
                v = a * (1 - s)
                s = fired
                s.store(to: spk + i + g)
            }
            z.store(to: ws.z + block)
        }
        for c in 0 ..< l.classes {
            var acc = SIMD8<Float>.zero
            for k in 0 ..< g { acc += ws.z[k] * w2t[c * g + k] }
            logits[c] = scale * acc.sum()
        }
    }

    /// Runs one sample backward after ``forward(_:input:w1:w2t:timeWeights:scale:ws:logits:)``,
    /// given `dLoss/dLogits`; accumulates the gradients of the effective weights into the
    /// workspace (`gradW1`, `gradW2t`).
    static func backward(
        _ l: Layout, input: UnsafePointer<UInt64>, w2t: UnsafePointer<SIMD8<Float>>,
        timeWeights: UnsafePointer<Float>, scale: Float, gradLogits: UnsafePointer<Float>, ws: ChunkWorkspace
    ) {
        let g = l.groups
        let pre = ws.pre, mem = ws.mem, spk = ws.spk, z = ws.z, q = ws.q, gradW1 = ws.gradW1
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
            var gv = Quad.zero, gs = Quad.zero
            for t in stride(from: l.steps - 2, through: 0, by: -1) {
                let i = t &* g &+ block
                let notS = 1 - Quad(UnsafePointer(spk + i))
                let gradCurrent = gv * notS
                let gradSpike = timeWeights[t] * qb - gv * Quad(UnsafePointer(pre + i))
                gv = gradCurrent * l.alpha + gs * (Quad(UnsafePointer(mem + i)) - thr).surrogateDerivative(l.surrogate)
                gs = gradSpike
                guard gradCurrent.isNonZero else { continue }
                let words = input + t &* l.wordsPerStep
                for w in 0 ..< l.wordsPerStep {
                    var bits = words[w]
                    while bits != 0 {
                        let target = gradW1 + ((w &* 64 &+ bits.trailingZeroBitCount) &* g &+ block)
                        (Quad(UnsafePointer(target)) + gradCurrent).store(to: target)
                        bits &= bits &- 1
                    }
                }
            }
        }
    }

    /// Counts, for one sample after ``forward``, the spikes of every hidden neuron (padding lanes
    /// included) into `counts`, and sets bit `j` of `raster[t * wordsPerStep + j / 64]` when
    /// neuron `j` spikes at step `t` (when `raster` is given).
    static func hiddenSpikes(
        _ l: Layout, ws: ChunkWorkspace, counts: UnsafeMutablePointer<SIMD8<Float>>,
        raster: UnsafeMutablePointer<UInt64>?, rasterWordsPerStep: Int
    ) {
        for k in 0 ..< l.groups {
            var total = SIMD8<Float>.zero
            for t in 0 ..< l.steps {
                let s = ws.spk[t * l.groups + k]
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

/// Thirty-two floats as four `SIMD8<Float>`: the state of 32 hidden neurons, kept in registers.
struct Quad {
    var a, b, c, d: SIMD8<Float>

    static let zero = Quad(a: .zero, b: .zero, c: .zero, d: .zero)

    @inline(__always) init(a: SIMD8<Float>, b: SIMD8<Float>, c: SIMD8<Float>, d: SIMD8<Float>) {
        self.a = a; self.b = b; self.c = c; self.d = d
    }

    @inline(__always) init(repeating x: Float) {
        let v = SIMD8<Float>(repeating: x)
        self.init(a: v, b: v, c: v, d: v)
    }

    /// Loads four consecutive vectors.
    @inline(__always) init(_ p: UnsafePointer<SIMD8<Float>>) {
        self.init(a: p[0], b: p[1], c: p[2], d: p[3])
    }

    @inline(__always) func store(to p: UnsafeMutablePointer<SIMD8<Float>>) {
        p[0] = a; p[1] = b; p[2] = c; p[3] = d
    }

    /// The surrogate's pseudo-derivative of every lane.
    @inline(__always) func surrogateDerivative(_ s: SigmoidSurrogate) -> Quad {
        Quad(a: s.derivative(a), b: s.derivative(b), c: s.derivative(c), d: s.derivative(d))
    }

    /// 1 where the lane is above `threshold`, else 0.
    @inline(__always) func step(above threshold: Quad) -> Quad {
        Quad(a: SIMD8.zero.replacing(with: 1, where: a .> threshold.a),
             b: SIMD8.zero.replacing(with: 1, where: b .> threshold.b),
             c: SIMD8.zero.replacing(with: 1, where: c .> threshold.c),
             d: SIMD8.zero.replacing(with: 1, where: d .> threshold.d))
    }

    /// Whether any lane is not zero.
    @inline(__always) var isNonZero: Bool {
        SIMDMath.anyNonZero(a.bitPattern | b.bitPattern | c.bitPattern | d.bitPattern)
    }

    @inline(__always) static func + (x: Quad, y: Quad) -> Quad { Quad(a: x.a + y.a, b: x.b + y.b, c: x.c + y.c, d: x.d + y.d) }
    @inline(__always) static func - (x: Quad, y: Quad) -> Quad { Quad(a: x.a - y.a, b: x.b - y.b, c: x.c - y.c, d: x.d - y.d) }
    @inline(__always) static func * (x: Quad, y: Quad) -> Quad { Quad(a: x.a * y.a, b: x.b * y.b, c: x.c * y.c, d: x.d * y.d) }
    @inline(__always) static func * (x: Float, y: Quad) -> Quad { Quad(a: x * y.a, b: x * y.b, c: x * y.c, d: x * y.d) }
    @inline(__always) static func * (x: Quad, y: Float) -> Quad { Quad(a: x.a * y, b: x.b * y, c: x.c * y, d: x.d * y) }
    @inline(__always) static func - (x: Float, y: Quad) -> Quad { Quad(a: x - y.a, b: x - y.b, c: x - y.c, d: x - y.d) }
    @inline(__always) static func += (x: inout Quad, y: Quad) { x = x + y }
}
