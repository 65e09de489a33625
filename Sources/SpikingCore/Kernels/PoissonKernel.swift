import Foundation

/// The hot loop of ``PhaseLockedPoisson``: one sample's spikes, eight channels at a time.
enum PoissonKernel {
    /// Writes the spikes of one sample into `buffer` (`steps x wordsPerStep` words, cleared first);
    /// bits past the last channel stay 0.
    static func encode(
        _ encoder: PhaseLockedPoisson, timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float],
        stream: UInt32, words buffer: UnsafeMutableBufferPointer<UInt64>, wordsPerStep: Int
    ) {
        precondition(timeSin.count == timeCos.count && channelSin.count == channelCos.count)
        precondition(buffer.count == timeSin.count * wordsPerStep && channelSin.count <= wordsPerStep * 64)
        guard let words = buffer.baseAddress else { return }
        switch encoder.integerPower {
        case 2?: run(Square(), encoder, timeSin, timeCos, channelSin, channelCos, stream, words, wordsPerStep)
        case let n?: run(WholePower(n: n), encoder, timeSin, timeCos, channelSin, channelCos, stream, words, wordsPerStep)
        case nil: run(RealPower(power: encoder.envelopePower), encoder, timeSin, timeCos, channelSin, channelCos, stream, words, wordsPerStep)
        }
    }

    /// `q^power` on eight lanes, chosen once per sample so the loop has no branch for it.
    protocol Envelope { func callAsFunction(_ q: SIMD8<Float>) -> SIMD8<Float> }

    struct Square: Envelope {
        @inline(__always) func callAsFunction(_ q: SIMD8<Float>) -> SIMD8<Float> { q * q }
    }

    struct WholePower: Envelope {
        let n: Int
        @inline(__always) func callAsFunction(_ q: SIMD8<Float>) -> SIMD8<Float> {
            var r = SIMD8<Float>(repeating: 1)
            for _ in 0 ..< n { r *= q }
            return r
        }
    }

    struct RealPower: Envelope {
        let power: Double
        func callAsFunction(_ q: SIMD8<Float>) -> SIMD8<Float> {
            var r = q
            for k in 0 ..< 8 { r[k] = Float(Foundation.pow(Double(q[k]), power)) }
            return r
        }
    }

    @inline(__always)
    private static func run<E: Envelope>(
        _ envelope: E, _ encoder: PhaseLockedPoisson, _ timeSin: [Float], _ timeCos: [Float], _ channelSin: [Float],
        _ channelCos: [Float], _ stream: UInt32, _ words: UnsafeMutablePointer<UInt64>, _ wordsPerStep: Int
    ) {
        let channels = channelSin.count, steps = timeSin.count
        let blocks = (channels + 7) / 8
        words.update(repeating: 0, count: steps * wordsPerStep)
        let laneBits = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        let peak = SIMD8<Float>(repeating: Float(encoder.peakProbability))
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
                let x = sa * cb[block] + ca * sb[block]  // sin(a + b)
                let p = peak * envelope(0.5 * (1 + x))
                let u = CounterUniforms.uniforms(stream: stream, index: UInt32(truncatingIfNeeded: t &* channels &+ block &* 8))
                let mask = unsafeBitCast(u .< p, to: SIMD8<UInt32>.self) & valid[block]
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
