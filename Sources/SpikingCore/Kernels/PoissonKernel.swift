import Foundation

/// The hot loop of ``PhaseLockedPoisson``: one sample's spikes, eight channels at a time.
enum PoissonKernel {
    /// Writes the spikes of sample `sample` (its noise counters) into `buffer` (`steps x
    /// wordsPerStep` words, cleared first); bits past the last channel stay 0.
    static func encode(
        _ encoder: PhaseLockedPoisson, timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float],
        noise: FixedNoise, sample: Int, words buffer: UnsafeMutableBufferPointer<UInt64>, wordsPerStep: Int
    ) {
        precondition(timeSin.count == timeCos.count && channelSin.count == channelCos.count)
        precondition(buffer.count == timeSin.count * wordsPerStep && channelSin.count <= wordsPerStep * 64)
        guard let words = buffer.baseAddress else { return }
        let peak = Float(encoder.peakProbability)
        let args = (timeSin, timeCos, channelSin, channelCos, noise, sample, words, wordsPerStep)
        if let delta = encoder.integralPhasePerStep {
            run(Integral(peak: peak, delta: delta), args)
            return
        }
        switch encoder.integerPower {
        case 2?: run(Square(peak: peak), args)
        case let n?: run(WholePower(peak: peak, n: n), args)
        case nil: run(RealPower(peak: peak, power: encoder.envelopePower), args)
        }
    }

    /// The spike probability on eight lanes from `sin` and `cos` of the phase, chosen once per
    /// sample so the loop has no branch for it.
    protocol Envelope { func callAsFunction(sin: SIMD8<Float>, cos: SIMD8<Float>) -> SIMD8<Float> }

    /// `peak ((1 + sin) / 2)^2`.
    struct Square: Envelope {
        let peak: Float
        @inline(__always) func callAsFunction(sin: SIMD8<Float>, cos: SIMD8<Float>) -> SIMD8<Float> {
            let q = 0.5 * (1 + sin)
            return peak * (q * q)
        }
    }

    /// `peak ((1 + sin) / 2)^n` for a small whole `n`.
    struct WholePower: Envelope {
        let peak: Float
        let n: Int
        @inline(__always) func callAsFunction(sin: SIMD8<Float>, cos: SIMD8<Float>) -> SIMD8<Float> {
            let q = 0.5 * (1 + sin)
            var r = SIMD8<Float>(repeating: 1)
            for _ in 0 ..< n { r *= q }
            return peak * r
        }
    }

    /// `peak ((1 + sin) / 2)^power` for any real power.
    struct RealPower: Envelope {
        let peak: Float
        let power: Double
        func callAsFunction(sin: SIMD8<Float>, cos: SIMD8<Float>) -> SIMD8<Float> {
            let q = 0.5 * (1 + sin)
            var r = q
            for k in 0 ..< 8 { r[k] = Float(Foundation.pow(Double(q[k]), power)) }
            return peak * r
        }
    }

    /// The exact integral of `rate ((1 + sin)/2)^2` over the bin from `theta` to `theta + delta`
    /// (`delta = 2 pi f dt`): `peak / (16 delta) (-sin 2 theta2 - 8 cos theta2 + sin 2 theta + 8 cos theta + 6 delta)`.
    struct Integral: Envelope {
        let scale: Float, sinDelta: Float, cosDelta: Float, sixDelta: Float
        init(peak: Float, delta: Double) {
            scale = Float(Double(peak) / (16 * delta))
            sinDelta = Float(Foundation.sin(delta))
            cosDelta = Float(Foundation.cos(delta))
            sixDelta = Float(6 * delta)
        }
        @inline(__always) func callAsFunction(sin s: SIMD8<Float>, cos c: SIMD8<Float>) -> SIMD8<Float> {
            let s2: SIMD8<Float> = s * cosDelta + c * sinDelta  // theta + delta
            let c2: SIMD8<Float> = c * cosDelta - s * sinDelta
            let start: SIMD8<Float> = (2 * s + 8) * c  // sin 2 theta + 8 cos theta
            let end: SIMD8<Float> = (2 * s2 + 8) * c2
            return scale * ((start - end) + sixDelta)
        }
    }

    @inline(__always)
    private static func run<E: Envelope>(
        _ envelope: E,
        _ args: ([Float], [Float], [Float], [Float], FixedNoise, Int, UnsafeMutablePointer<UInt64>, Int)
    ) {
        let (timeSin, timeCos, channelSin, channelCos, noise, sample, words, wordsPerStep) = args
        let channels = channelSin.count, steps = timeSin.count
        let blocks = (channels + 7) / 8
        words.update(repeating: 0, count: steps * wordsPerStep)
        let laneBits = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        // the channel phases, padded to whole blocks; lanes past the last channel are masked off
        var sb = [SIMD8<Float>](repeating: .zero, count: blocks), cb = sb
        var valid = [SIMD8<UInt32>](repeating: .zero, count: blocks)
        for c in 0 ..< channels {
            sb[c / 8][c % 8] = channelSin[c]
            cb[c / 8][c % 8] = channelCos[c]
            valid[c / 8][c % 8] = ~0
        }
        for t in 0 ..< steps {
            let sa = SIMD8<Float>(repeating: timeSin[t]), ca = SIMD8<Float>(repeating: timeCos[t])
            let row = words + t * wordsPerStep
            var pending = SIMD8<UInt32>.zero
            for block in 0 ..< blocks {
                let sinTheta = sa * cb[block] + ca * sb[block]  // sin(a + b)
                let cosTheta = ca * cb[block] - sa * sb[block]  // cos(a + b), dropped unless the envelope uses it
                let q = 256 * envelope(sin: sinTheta, cos: cosTheta)  // exact scaling
                let hash = noise.blockHash(sample: sample, step: t, block: block, steps: steps, blocks: blocks)
                let top = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: unsafeBitCast(hash, to: SIMD8<UInt8>.self)))
                // u = (top + fine) / 256 < p: certain when top + 1 <= 256 p, impossible when top > 256 p
                let fires = top + 1 .<= q
                var mask = SIMD8<UInt32>.zero.replacing(with: ~0, where: fires) & valid[block]
                let ties = SIMD8<UInt32>.zero.replacing(with: ~0, where: (top .<= q) .& .!fires) & valid[block]
                if SIMDMath.anyNonZero(ties) {  // about one lane in 256: the next 24 bits decide
                    for lane in 0 ..< 8 where ties[lane] != 0
                        && Float(FixedNoise.fineBits(hash: hash, lane: lane)) * 0x1p-24 < q[lane] - top[lane] {
                        mask[lane] = ~0
                    }
                }
                // lane k of block b is bit 8 (b % 4) + k of a 32-bit half word: collect four
                // blocks with vector ORs, then reduce the lanes once (a few shuffles)
                pending |= mask & (laneBits &<< UInt32(8 &* (block & 3)))
                if block & 3 == 3 || block == blocks &- 1 {
                    let four = pending.lowHalf | pending.highHalf, two = four.lowHalf | four.highHalf
                    row[block >> 3] |= UInt64(two[0] | two[1]) << UInt64(32 &* (block >> 2 & 1))
                    pending = .zero
                }
            }
        }
    }
}
