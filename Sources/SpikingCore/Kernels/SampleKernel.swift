/// The hot loops of ``NetworkEngine``: one sample through the network, forward and backward.
///
/// This file and ``SIMDMath`` are the only places that use unsafe pointers. Hidden neurons are
/// processed eight at a time (`SIMD8<Float>`, `groups` lane groups, padding lanes held at zero).
/// The input projection is a gather-sum of the weight rows of the inputs that spike, read
/// straight from the bit-packed raster, and its weight gradient the matching scatter-add.
/// Multiply-adds are never fused, so results do not depend on the CPU's instruction set.
@usableFromInline
enum SampleKernel {
    /// Shapes and constants shared by all samples of one call.
    struct Layout {
        let steps: Int
        let wordsPerStep: Int
        let groups: Int
        let classes: Int
        let alpha: Float
        let threshold: Float
        let surrogate: SigmoidSurrogate
    }

    /// Runs one sample forward: input currents, the LIF time loop (recording what the backward
    /// pass needs) and the time-weighted spike count `z`; writes `scale * z . w2` to `logits`.
    static func forward(
        _ l: Layout, input: UnsafePointer<UInt64>, w1: UnsafePointer<SIMD8<Float>>,
        w2t: UnsafePointer<SIMD8<Float>>, timeWeights: UnsafePointer<Float>, scale: Float,
        ws: ChunkWorkspace, logits: UnsafeMutablePointer<Float>
    ) {
        let g = l.groups
        let cur = ws.cur, pre = ws.pre, mem = ws.mem, spk = ws.spk, z = ws.z
        let last = l.steps - 1  // the input of the last step is never integrated
        for t in 0 ..< last {
            let row = cur + t * g
            row.update(repeating: .zero, count: g)
            let words = input + t * l.wordsPerStep
            for w in 0 ..< l.wordsPerStep {
                var bits = words[w]
                while bits != 0 {
                    let weights = w1 + (w * 64 + bits.trailingZeroBitCount) * g
                    bits &= bits &- 1
                    for k in 0 ..< g { row[k] += weights[k] }
                }
            }
        }
        let thr = SIMD8<Float>(repeating: l.threshold)
        for k in 0 ..< g {
            var v = SIMD8<Float>.zero
            var s = SIMD8<Float>.zero
            var zk = SIMD8<Float>.zero
            spk[k] = .zero
            for t in 0 ..< last {
                let a = l.alpha * v + cur[t * g + k]
                pre[t * g + k] = a
                mem[t * g + k] = v
                zk += timeWeights[t] * s  // s is the spike recorded at step t
                let fired = SIMD8<Float>.zero.replacing(with: 1, where: v .> thr)
                v = a * (1 - s)
                s = fired
                spk[(t + 1) * g + k] = s
            }
            z[k] = zk
        }
        for c in 0 ..< l.classes {
            var acc = SIMD8<Float>.zero
            for k in 0 ..< g { acc += z[k] * w2t[c * g + k] }
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
        let pre = ws.pre, mem = ws.mem, spk = ws.spk, z = ws.z
        let q = ws.q, gv = ws.gv, gs = ws.gs, gh = ws.gh
        for k in 0 ..< g { q[k] = .zero; gv[k] = .zero; gs[k] = .zero }
        for c in 0 ..< l.classes {
            let gc = scale * gradLogits[c]
            for k in 0 ..< g {
                ws.gradW2t[c * g + k] += z[k] * gc
                q[k] += w2t[c * g + k] * gc
            }
        }
        let thr = SIMD8<Float>(repeating: l.threshold)
        for t in stride(from: l.steps - 2, through: 0, by: -1) {
            let ct = timeWeights[t]
            var any = false
            for k in 0 ..< g {
                let i = t * g + k
                let notS = 1 - spk[i]
                let gradCurrent = gv[k] * notS
                let gradSpike = ct * q[k] - gv[k] * pre[i]
                gv[k] = gradCurrent * l.alpha + gs[k] * l.surrogate.derivative(mem[i] - thr)
                gs[k] = gradSpike
                gh[k] = gradCurrent
                any = any || gradCurrent != .zero
            }
            guard any else { continue }
            let words = input + t * l.wordsPerStep
            for w in 0 ..< l.wordsPerStep {
                var bits = words[w]
                while bits != 0 {
                    let target = ws.gradW1 + (w * 64 + bits.trailingZeroBitCount) * g
                    bits &= bits &- 1
                    for k in 0 ..< g { target[k] += gh[k] }
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

/// The buffers one chunk of samples needs, allocated once and reused for every batch.
final class ChunkWorkspace: @unchecked Sendable {
    let cur, pre, mem, spk: UnsafeMutablePointer<SIMD8<Float>>
    let z, q, gv, gs, gh: UnsafeMutablePointer<SIMD8<Float>>
    let gradW1, gradW2t: UnsafeMutablePointer<SIMD8<Float>>
    let gradW1Count, gradW2tCount: Int
    let logits, gradLogits: UnsafeMutablePointer<Float>
    private let all: [UnsafeMutablePointer<SIMD8<Float>>]

    init(steps: Int, groups: Int, inputs: Int, classes: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<SIMD8<Float>> {
            let p = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: max(count, 1))
            p.initialize(repeating: .zero, count: max(count, 1))
            return p
        }
        cur = buffer(steps * groups); pre = buffer(steps * groups)
        mem = buffer(steps * groups); spk = buffer(steps * groups)
        z = buffer(groups); q = buffer(groups); gv = buffer(groups); gs = buffer(groups); gh = buffer(groups)
        gradW1Count = inputs * groups
        gradW2tCount = classes * groups
        gradW1 = buffer(gradW1Count); gradW2t = buffer(gradW2tCount)
        all = [cur, pre, mem, spk, z, q, gv, gs, gh, gradW1, gradW2t]
        logits = .allocate(capacity: classes)
        logits.initialize(repeating: 0, count: classes)
        gradLogits = .allocate(capacity: classes)
        gradLogits.initialize(repeating: 0, count: classes)
    }

    func clearGradients() {
        gradW1.update(repeating: .zero, count: gradW1Count)
        gradW2t.update(repeating: .zero, count: gradW2tCount)
    }

    deinit {
        for p in all { p.deallocate() }
        logits.deallocate()
        gradLogits.deallocate()
    }
}
