import Foundation

/// The hot loop of ``PhaseLockedPoisson``: one sample's spikes, eight channels at a time.
enum PoissonKernel {
    /// Writes the spikes of one sample into `words` (`steps x wordsPerStep`, cleared first).
    static func encode(
        _ encoder: PhaseLockedPoisson, timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float],
        stream: UInt32, words: UnsafeMutablePointer<UInt64>, wordsPerStep: Int
    ) {
        let channels = channelSin.count, steps = timeSin.count
        let blocks = (channels + 7) / 8
        words.update(repeating: 0, count: steps * wordsPerStep)
        let laneBits = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
        let peak = SIMD8<Float>(repeating: Float(encoder.peakProbability))
        let integerPower = encoder.integerPower
        channelSin.withUnsafeBufferPointer { bs in
            channelCos.withUnsafeBufferPointer { bc in
                for t in 0 ..< steps {
                    let sa = SIMD8<Float>(repeating: timeSin[t]), ca = SIMD8<Float>(repeating: timeCos[t])
                    let row = words + t * wordsPerStep
                    for block in 0 ..< blocks {
                        let first = block * 8
                        let lanes = min(8, channels - first)
                        var sb = SIMD8<Float>.zero, cb = SIMD8<Float>.zero
                        if lanes == 8 {
                            sb = UnsafeRawPointer(bs.baseAddress! + first).loadUnaligned(as: SIMD8<Float>.self)
                            cb = UnsafeRawPointer(bc.baseAddress! + first).loadUnaligned(as: SIMD8<Float>.self)
                        } else {
                            for k in 0 ..< lanes { sb[k] = bs[first + k]; cb[k] = bc[first + k] }
                        }
                        let x = sa * cb + ca * sb  // sin(a + b)
                        let q = 0.5 * (1 + x)
                        var envelope: SIMD8<Float>
                        switch integerPower {
                        case 2?: envelope = q * q
                        case let n?:
                            envelope = SIMD8(repeating: 1)
                            for _ in 0 ..< n { envelope *= q }
                        case nil:
                            envelope = q
                            for k in 0 ..< 8 { envelope[k] = Float(Foundation.pow(Double(q[k]), encoder.envelopePower)) }
                        }
                        let p = peak * envelope
                        let u = CounterUniforms.uniforms(stream: stream, index: UInt32(truncatingIfNeeded: t * channels + first))
                        var mask = u .< p
                        if lanes < 8 { mask = mask .& (SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) .< UInt32(lanes)) }
                        // the lanes' bits, OR-reduced as a tree (which compiles to a few shuffles)
                        let bits = unsafeBitCast(mask, to: SIMD8<UInt32>.self) & laneBits
                        let four = bits.lowHalf | bits.highHalf, two = four.lowHalf | four.highHalf
                        let byte = UInt64(two[0] | two[1])
                        row[block / 8] |= byte << UInt64(8 * (block % 8))
                    }
                }
            }
        }
    }
}
