import Foundation
import SpikingCore

/// A float64 scalar implementation of docs/core-model.md, forward and backward through time,
/// written independently of the engine (one adaptive-LIF formula for every neuron kind, plain
/// nested loops, no SIMD): the oracle the generic driver is checked against on odd shapes.
struct BPTTOracle {
    struct Neuron {
        var timing: SpikeTiming
        var reset: ResetRule
        var threshold: Double
        var beta: Double  // 0: no adaptation
        var rho: Double
        var surrogateBeta: Double
    }

    struct Layer {
        var neuron: Neuron
        var w: [[Double]]  // [pre][post]
        var v: [[Double]]?  // [pre][post]
        var tauMs: [Double]
    }

    var layers: [Layer]
    var readoutKind: Readout.Kind
    var readoutW: [[Double]]
    var readoutTauMs: [Double]
    var outputNeuron: Neuron?
    var steps: Int
    var dtMs: Double
    var scale: Double
    var penalty: (c: Double, min: Double, max: Double)?
    var dropout: Dropout?

    /// Forward record of one spiking layer.
    struct Trace {
        var v, s, a, current, y: [[Double]]  // [t][j]; v, s, a before step t
        var minMargin = Double.infinity
    }

    static func sig(_ x: Double, _ b: Double) -> Double { 1 / (1 + exp(-b * x)) }
    static func dsig(_ x: Double, _ b: Double) -> Double { let s = sig(x, b); return b * s * (1 - s) }

    func runSpiking(_ n: Neuron, input: [[Double]], w: [[Double]], v rec: [[Double]]?, alpha: [Double]) -> Trace {
        let size = w[0].count
        var tr = Trace(v: [], s: [], a: [], current: [], y: [])
        var v = [Double](repeating: 0, count: size), s = v, a = v
        var yPrev = [Double](repeating: 0, count: size)
        for t in 0 ..< steps {
            var cur = [Double](repeating: 0, count: size)
            for i in input[t].indices where input[t][i] != 0 { for j in 0 ..< size { cur[j] += input[t][i] * w[i][j] } }
            if let rec { for i in 0 ..< size where yPrev[i] != 0 { for j in 0 ..< size { cur[j] += yPrev[i] * rec[i][j] } } }
            tr.v.append(v); tr.s.append(s); tr.a.append(a); tr.current.append(cur)
            var y = [Double](repeating: 0, count: size)
            for j in 0 ..< size {
                let theta = n.threshold + n.beta * a[j]
                if n.timing == .previous {
                    y[j] = s[j]
                    let u = alpha[j] * v[j] + cur[j]
                    let newV = n.reset == .zero ? u * (1 - s[j]) : u - theta * s[j]
                    tr.minMargin = min(tr.minMargin, abs(v[j] - theta))
                    let newS: Double = v[j] - theta > 0 ? 1 : 0
                    a[j] = n.rho * a[j] + (1 - n.rho) * newS
                    s[j] = newS
                    v[j] = newV
                } else {
                    let u = alpha[j] * v[j] + cur[j]
                    tr.minMargin = min(tr.minMargin, abs(u - theta))
                    y[j] = u - theta > 0 ? 1 : 0
                    v[j] = n.reset == .zero ? u * (1 - y[j]) : u - theta * y[j]
                    a[j] = n.rho * a[j] + (1 - n.rho) * y[j]
                }
            }
            tr.y.append(y)
            yPrev = y
        }
        return tr
    }

    /// dL/dcurrent[t][j] and dL/dalpha[j] of a spiking layer, given dL/dy[t][j]; adds the recurrent
    /// contribution into gy of the step before and the recurrent weight gradient into gRec.
    func backSpiking(_ n: Neuron, _ tr: Trace, gy: inout [[Double]], alpha: [Double], v rec: [[Double]]?,
                     gRec: inout [[Double]]) -> (gI: [[Double]], gAlpha: [Double]) {
        let size = alpha.count
        var gI = [[Double]](repeating: [Double](repeating: 0, count: size), count: steps)
        var gAlpha = [Double](repeating: 0, count: size)
        var gv = [Double](repeating: 0, count: size), gs = gv, ga = gv  // w.r.t. state after the step
        for t in stride(from: steps - 1, through: 0, by: -1) {
            for j in 0 ..< size {
                let v = tr.v[t][j], s = tr.s[t][j], a = tr.a[t][j], I = tr.current[t][j]
                let theta = n.threshold + n.beta * a
                let u = alpha[j] * v + I
                var nv = 0.0, ns = 0.0, na = 0.0, nI = 0.0, nAlpha = 0.0
                if n.timing == .previous {
                    // v' = u (1-s) | u - theta s ; s' = H(v - theta) ; a' = rho a + (1-rho) s' ; y = s
                    let dsNew = gs[j] + ga[j] * (1 - n.rho)
                    let d = BPTTOracle.dsig(v - theta, n.surrogateBeta)
                    let gu = n.reset == .zero ? gv[j] * (1 - s) : gv[j]
                    ns = gy[t][j] + (n.reset == .zero ? -gv[j] * u : -gv[j] * theta)
                    na = ga[j] * n.rho + dsNew * d * (-n.beta) + (n.reset == .subtract ? -gv[j] * s * n.beta : 0)
                    nv = gu * alpha[j] + dsNew * d
                    nI = gu
                    nAlpha = gu * v
                } else {
                    let y: Double = u - theta > 0 ? 1 : 0
                    let d = BPTTOracle.dsig(u - theta, n.surrogateBeta)
                    let gyTotal = gy[t][j] + ga[j] * (1 - n.rho) + (n.reset == .zero ? -gv[j] * u : -gv[j] * theta)
                    let gu = (n.reset == .zero ? gv[j] * (1 - y) : gv[j]) + gyTotal * d
                    na = ga[j] * n.rho + gyTotal * d * (-n.beta) + (n.reset == .subtract ? -gv[j] * y * n.beta : 0)
                    nv = gu * alpha[j]
                    ns = 0
                    nI = gu
                    nAlpha = gu * v
                }
                gv[j] = nv; gs[j] = ns; ga[j] = na
                gI[t][j] = nI
                gAlpha[j] += nAlpha
            }
            if let rec, t > 0 {
                for i in 0 ..< size {
                    for j in 0 ..< size {
                        gy[t - 1][i] += rec[i][j] * gI[t][j]
                        gRec[i][j] += tr.y[t - 1][i] * gI[t][j]
                    }
                }
            }
        }
        return (gI, gAlpha)
    }

    struct Result {
        var loss = 0.0
        var penalty = 0.0
        var scores: [[Double]] = []
        var gradients: [String: [Double]] = [:]
        var hiddenSpikes: [[[[Double]]]] = []  // [sample][layer][t][j]
        var minMargin = Double.infinity
    }

    func alphas(_ taus: [Double]) -> [Double] { taus.map { exp(-dtMs / $0) } }

    /// Loss, scores and gradients (w.r.t. effective weights and the time constants in ms) over a batch.
    func run(inputs: [[[Double]]], labels: [Int]) -> Result {
        let batch = inputs.count
        let classes = readoutW[0].count
        var res = Result()
        var traces: [[Trace]] = []
        var outTraces: [Trace?] = []
        var membranes: [[[Double]]] = []
        var dropped: [[[Double]]] = []  // the top layer's spikes as the read-out receives them
        for (sampleIndex, x) in inputs.enumerated() {
            var below = x
            var sampleTraces: [Trace] = []
            for layer in layers {
                let tr = runSpiking(layer.neuron, input: below, w: layer.w, v: layer.v, alpha: alphas(layer.tauMs))
                res.minMargin = min(res.minMargin, tr.minMargin)
                sampleTraces.append(tr)
                below = tr.y
            }
            traces.append(sampleTraces)
            res.hiddenSpikes.append(sampleTraces.map(\.y))
            if let d = dropout {
                let key = d.sampleKey(sampleIndex)
                let size = below[0].count
                for t in 0 ..< steps { for j in 0 ..< size {
                    below[t][j] *= d.keeps(sampleKey: key, element: t * size + j) ? Double(d.scale) : 0
                } }
            }
            dropped.append(below)
            var score = [Double](repeating: 0, count: classes)
            if let out = outputNeuron {
                let tr = runSpiking(out, input: below, w: readoutW, v: nil, alpha: alphas(readoutTauMs))
                res.minMargin = min(res.minMargin, tr.minMargin)
                for t in 0 ..< steps { for c in 0 ..< classes { score[c] += tr.y[t][c] } }
                outTraces.append(tr)
                membranes.append([])
            } else {
                let alpha = alphas(readoutTauMs)
                var m = [[Double]](repeating: [Double](repeating: 0, count: classes), count: steps)
                for t in 0 ..< steps - 1 {
                    for c in 0 ..< classes {
                        var cur = 0.0
                        for j in below[t].indices { cur += below[t][j] * readoutW[j][c] }
                        m[t + 1][c] = alpha[c] * m[t][c] + cur
                    }
                }
                for c in 0 ..< classes {
                    switch readoutKind {
                    case .sum: score[c] = (0 ..< steps).reduce(0) { $0 + m[$1][c] }
                    case .mean: score[c] = (0 ..< steps).reduce(0) { $0 + m[$1][c] } / Double(steps)
                    case .max: score[c] = (0 ..< steps).map { m[$0][c] }.max()!
                    case .last: score[c] = m[steps - 1][c]
                    case .spikeCount: fatalError()
                    }
                }
                outTraces.append(nil)
                membranes.append(m)
            }
            res.scores.append(score)
        }
        // penalty and its per-spike gradient
        var perSpike: [[Double]] = layers.map { [Double](repeating: 0, count: $0.w[0].count) }
        if let p = penalty {
            for l in layers.indices {
                let size = layers[l].w[0].count
                let norm = Double(batch) * Double(steps) * dtMs / 1000
                for j in 0 ..< size {
                    var count = 0.0
                    for n in 0 ..< batch { for t in 0 ..< steps { count += traces[n][l].y[t][j] } }
                    let excess = max(count / norm - p.min, 0) / (p.max - p.min)
                    res.penalty += p.c * excess * excess / Double(size) / Double(size)
                    perSpike[l][j] = p.c * 2 * excess / (p.max - p.min) / norm / Double(size) / Double(size)
                }
            }
        }
        // gradients
        var gW = layers.map { l in l.w.map { [Double](repeating: 0, count: $0.count) } }
        var gV = layers.map { l in (l.v ?? []).map { [Double](repeating: 0, count: $0.count) } }
        var gAlpha = layers.map { [Double](repeating: 0, count: $0.tauMs.count) }
        var gWout = readoutW.map { [Double](repeating: 0, count: $0.count) }
        var gAlphaOut = [Double](repeating: 0, count: classes)
        for n in 0 ..< batch {
            let z = res.scores[n].map { $0 * scale }
            let mx = z.max()!
            let lse = log(z.reduce(0) { $0 + exp($1 - mx) }) + mx
            res.loss += (lse - z[labels[n]]) / Double(batch)
            let gScore = (0 ..< classes).map { c in (exp(z[c] - lse) - (c == labels[n] ? 1 : 0)) / Double(batch) * scale }
            var gOutCurrent = [[Double]](repeating: [Double](repeating: 0, count: classes), count: steps)
            let top = dropped[n]
            if let out = outputNeuron, let tr = outTraces[n] {
                var gy = [[Double]](repeating: gScore, count: steps)
                var unused: [[Double]] = []
                let r = backSpiking(out, tr, gy: &gy, alpha: alphas(readoutTauMs), v: nil, gRec: &unused)
                gOutCurrent = r.gI
                for c in 0 ..< classes { gAlphaOut[c] += r.gAlpha[c] }
            } else {
                let m = membranes[n], alpha = alphas(readoutTauMs)
                for c in 0 ..< classes {
                    var dv = [Double](repeating: 0, count: steps)  // d score / d m[t]
                    switch readoutKind {
                    case .sum: dv = dv.map { _ in 1 }
                    case .mean: dv = dv.map { _ in 1 / Double(steps) }
                    case .last: dv[steps - 1] = 1
                    case .max:
                        var best = 0
                        for t in 1 ..< steps where m[t][c] > m[best][c] { best = t }
                        dv[best] = 1
                    case .spikeCount: fatalError()
                    }
                    // m[t+1] = alpha m[t] + I[t]
                    var lam = dv[steps - 1] * gScore[c]
                    for t in stride(from: steps - 2, through: 0, by: -1) {
                        gOutCurrent[t][c] = lam
                        gAlphaOut[c] += lam * m[t][c]
                        lam = dv[t] * gScore[c] + alpha[c] * lam
                    }
                }
            }
            var gy = [[Double]](repeating: [Double](repeating: 0, count: top[0].count), count: steps)
            for t in 0 ..< steps {
                for j in top[t].indices {
                    for c in 0 ..< classes {
                        gWout[j][c] += top[t][j] * gOutCurrent[t][c]
                        gy[t][j] += readoutW[j][c] * gOutCurrent[t][c]
                    }
                }
            }
            if let d = dropout {  // the read-out sees spike x factor: chain the factor
                let key = d.sampleKey(n)
                for t in 0 ..< steps { for j in gy[t].indices {
                    gy[t][j] *= d.keeps(sampleKey: key, element: t * gy[t].count + j) ? Double(d.scale) : 0
                } }
            }
            for l in stride(from: layers.count - 1, through: 0, by: -1) {
                let layer = layers[l]
                for t in 0 ..< steps { for j in gy[t].indices { gy[t][j] += perSpike[l][j] } }
                let r = backSpiking(layer.neuron, traces[n][l], gy: &gy, alpha: alphas(layer.tauMs), v: layer.v, gRec: &gV[l])
                for j in r.gAlpha.indices { gAlpha[l][j] += r.gAlpha[j] }
                let below = l == 0 ? inputs[n] : traces[n][l - 1].y
                var gBelow = [[Double]](repeating: [Double](repeating: 0, count: layer.w.count), count: steps)
                for t in 0 ..< steps {
                    for i in layer.w.indices {
                        for j in layer.w[i].indices {
                            gW[l][i][j] += below[t][i] * r.gI[t][j]
                            gBelow[t][i] += layer.w[i][j] * r.gI[t][j]
                        }
                    }
                }
                gy = gBelow
            }
        }
        res.loss += res.penalty
        func tauGrad(_ gA: [Double], _ taus: [Double]) -> [Double] {
            zip(gA, taus).map { g, tau in g * exp(-dtMs / tau) * dtMs / (tau * tau) }
        }
        for l in layers.indices {
            res.gradients["w\(l + 1)"] = gW[l].flatMap { $0 }
            if layers[l].v != nil { res.gradients["v\(l + 1)"] = gV[l].flatMap { $0 } }
            res.gradients["tau\(l + 1)"] = tauGrad(gAlpha[l], layers[l].tauMs)
        }
        res.gradients["w\(layers.count + 1)"] = gWout.flatMap { $0 }
        res.gradients["tau\(layers.count + 1)"] = tauGrad(gAlphaOut, readoutTauMs)
        return res
    }
}
