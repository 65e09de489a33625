import Foundation

/// The hot loops of ``PhaseLockedPoisson``: one sample's spikes, eight channels at a time
/// (``RunPortable``, every CPU), or 32 (64) at a time by byte compares where the build has AVX2
/// (AVX-512): ``RunChunks`` (`PoissonKernel+Chunks.swift`) with the passes of
/// `PoissonKernel+AVX2.swift` or `PoissonKernel+AVX512.swift`. All give the same bits.
enum PoissonKernel {
    /// The arguments of one sample's encoding.
    struct Arguments {
        let timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float]
        let noise: FixedNoise
        let sample: Int
        let words: UnsafeMutablePointer<UInt64>
        let wordsPerStep: Int
        let shared: PhaseLockedPoisson.SharedChannels?

        /// Calls `body` with the shared table's comparison bytes and `256 p` (`steps x
        /// shared.channels` each), or with nils without a table.
        @inline(__always)
        func withSharedTable<R>(_ body: (UnsafePointer<UInt8>?, UnsafePointer<Float>?) -> R) -> R {
            guard let shared else { return body(nil, nil) }
            return shared.thresholds.withUnsafeBufferPointer { thresholds in
                shared.scaled.withUnsafeBufferPointer { scaled in body(thresholds.baseAddress, scaled.baseAddress) }
            }
        }
    }

    /// Writes the spikes of sample `sample` (its noise counters) into `buffer` (`steps x
    /// wordsPerStep` words, cleared first); bits past the last channel stay 0.
    static func encode(
        _ encoder: PhaseLockedPoisson, timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float],
        noise: FixedNoise, sample: Int, words buffer: UnsafeMutableBufferPointer<UInt64>, wordsPerStep: Int,
        shared: PhaseLockedPoisson.SharedChannels?, kernel: PhaseLockedPoisson.Kernel
    ) {
        precondition(timeSin.count == timeCos.count && channelSin.count == channelCos.count)
        // the raster's layout: the byte kernels write every word of the sample
        precondition(buffer.count == timeSin.count * wordsPerStep && wordsPerStep == (channelSin.count + 63) / 64)
        guard let words = buffer.baseAddress else { return }
        guard !channelSin.isEmpty else { return words.update(repeating: 0, count: buffer.count) }
        let args = Arguments(timeSin: timeSin, timeCos: timeCos, channelSin: channelSin, channelCos: channelCos,
                             noise: noise, sample: sample, words: words, wordsPerStep: wordsPerStep, shared: shared)
        switch kernel {
        case .avx512:
            #if SPIKELOC_AVX512
            withEnvelope(of: encoder, RunChunks<Bytes64>(args: args))
            #else
            preconditionFailure("PoissonKernel: this build has no AVX-512 kernel")
            #endif
        case .avx2:
            #if SPIKELOC_AVX2
            withEnvelope(of: encoder, RunChunks<Bytes32>(args: args))
            #else
            preconditionFailure("PoissonKernel: this build has no AVX2 kernel")
            #endif
        case .portable:
            withEnvelope(of: encoder, RunPortable(args: args))
        case .fastest:
            preconditionFailure("PoissonKernel: .fastest is resolved by PhaseLockedPoisson.encode")
        }
    }

    /// Something done with the encoder's envelope, specialised for each kind.
    protocol EnvelopeOperation {
        associatedtype Result
        func callAsFunction<E: Envelope>(_ envelope: E) -> Result
    }

    /// Calls `operation` with the envelope of `encoder`, chosen once so that loops have no branch for it.
    static func withEnvelope<O: EnvelopeOperation>(of encoder: PhaseLockedPoisson, _ operation: O) -> O.Result {
        let peak = Float(encoder.peakProbability)
        if let delta = encoder.integralPhasePerStep { return operation(Integral(peak: peak, delta: delta)) }
        switch encoder.integerPower {
        case 2?: return operation(Square(peak: peak))
        case let n?: return operation(WholePower(peak: peak, n: n))
        case nil: return operation(RealPower(peak: peak, power: encoder.envelopePower))
        }
    }

    /// `256 p` on 8 or 16 lanes at time phase `a` (its sine and cosine) and channel phases `b`:
    /// `sin(a + b)` and `cos(a + b)` by the addition formula, in single precision, without fused
    /// multiply-adds. One definition for every path, so they compare the same numbers.
    @inline(__always)
    static func scaledProbability<E: Envelope, V: SIMD>(
        _ envelope: E, timeSin sa: V, timeCos ca: V, channelSin sb: V, channelCos cb: V
    ) -> V where V.Scalar == Float {
        let sinTheta = sa * cb + ca * sb  // sin(a + b)
        let cosTheta = ca * cb - sa * sb  // cos(a + b), dropped unless the envelope uses it
        return 256 * envelope(sin: sinTheta, cos: cosTheta)  // exact scaling
    }

    /// A channel's phases padded to whole blocks of eight (or sixteen) lanes, 0 past the last channel.
    static func paddedBlocks<V: SIMD>(_ values: [Float], blocks: Int, as type: V.Type) -> [V] where V.Scalar == Float {
        precondition(values.count <= blocks * V.scalarCount)
        var b = [V](repeating: .zero, count: blocks)
        b.withUnsafeMutableBytes { target in values.withUnsafeBytes { target.copyMemory(from: $0) } }
        return b
    }

    /// The spike probability on 8 or 16 lanes from `sin` and `cos` of the phase, chosen once per
    /// sample so the loop has no branch for it.
    protocol Envelope { func callAsFunction<V: SIMD>(sin: V, cos: V) -> V where V.Scalar == Float }

    /// `peak ((1 + sin) / 2)^2`.
    struct Square: Envelope {
        let peak: Float
        @inline(__always) func callAsFunction<V: SIMD>(sin: V, cos: V) -> V where V.Scalar == Float {
            let q = 0.5 * (1 + sin)
            return peak * (q * q)
        }
    }

    /// `peak ((1 + sin) / 2)^n` for a small whole `n`.
    struct WholePower: Envelope {
        let peak: Float
        let n: Int
        @inline(__always) func callAsFunction<V: SIMD>(sin: V, cos: V) -> V where V.Scalar == Float {
            let q = 0.5 * (1 + sin)
            var r = V(repeating: 1)
            for _ in 0 ..< n { r *= q }
            return peak * r
        }
    }

    /// `peak ((1 + sin) / 2)^power` for any real power.
    struct RealPower: Envelope {
        let peak: Float
        let power: Double
        func callAsFunction<V: SIMD>(sin: V, cos: V) -> V where V.Scalar == Float {
            let q = 0.5 * (1 + sin)
            var r = q
            for k in r.indices { r[k] = Float(Foundation.pow(Double(q[k]), power)) }
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
        @inline(__always) func callAsFunction<V: SIMD>(sin s: V, cos c: V) -> V where V.Scalar == Float {
            let s2: V = s * cosDelta + c * sinDelta  // theta + delta
            let c2: V = c * cosDelta - s * sinDelta
            let start: V = (2 * s + 8) * c  // sin 2 theta + 8 cos theta
            let end: V = (2 * s2 + 8) * c2
            return scale * ((start - end) + sixDelta)
        }
    }

    /// The portable kernel: per block of eight channels, `256 p` against the top byte of each
    /// uniform as floats, the tie lanes by their next 24 bits, the lanes' bits gathered four
    /// blocks at a time.
    struct RunPortable: EnvelopeOperation {
        let args: Arguments

        func callAsFunction<E: Envelope>(_ envelope: E) {
            let (noise, sample, words, wordsPerStep) = (args.noise, args.sample, args.words, args.wordsPerStep)
            let channels = args.channelSin.count, steps = args.timeSin.count
            let blocks = (channels + 7) / 8
            words.update(repeating: 0, count: steps * wordsPerStep)
            let laneBits = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
            // lanes past the last channel are masked off
            let sb = PoissonKernel.paddedBlocks(args.channelSin, blocks: blocks, as: SIMD8<Float>.self)
            let cb = PoissonKernel.paddedBlocks(args.channelCos, blocks: blocks, as: SIMD8<Float>.self)
            var valid = [SIMD8<UInt32>](repeating: .zero, count: blocks)
            for c in 0 ..< channels { valid[c / 8][c % 8] = ~0 }
            for t in 0 ..< steps {
                let sa = SIMD8<Float>(repeating: args.timeSin[t]), ca = SIMD8<Float>(repeating: args.timeCos[t])
                let row = words + t * wordsPerStep
                var pending = SIMD8<UInt32>.zero
                for block in 0 ..< blocks {
                    let q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[block], channelCos: cb[block])
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
}

extension PoissonKernel {
    /// The byte a uniform's top byte is compared with: `min(floor(q), 255)` for `q = 256 p >= 0`,
    /// 0 for negative or NaN `q`. `top < threshold` is exactly `top + 1 <= q`, and `top ==
    /// threshold` exactly the tie `top <= q < top + 1` (or, for `q >= 256`, `top = 255`, which
    /// the next bits then always fire; for `q < 0` or NaN, `top = 0`, which they never fire).
    @inline(__always)
    static func threshold(_ q: SIMD8<Float>) -> SIMD8<UInt8> {
        var c = q.replacing(with: 0, where: .!(q .>= 0))
        c = c.replacing(with: 255, where: c .> 255)
        // a whole number in [0, 255] plus 2^23 is exact, and its low mantissa bits are that number
        let whole = c.rounded(.down) + 8_388_608
        return SIMD8<UInt8>(truncatingIfNeeded: whole.bitPattern)
    }

    /// Builds ``PhaseLockedPoisson/SharedChannels``' table: `256 p` and its threshold byte for
    /// every step and shared channel.
    struct BuildShared: EnvelopeOperation {
        let timeSin: [Float], timeCos: [Float], channelSin: [Float], channelCos: [Float]

        func callAsFunction<E: Envelope>(_ envelope: E) -> (scaled: [Float], thresholds: [UInt8]) {
            let channels = channelSin.count, blocks = channels / 8
            let sb = PoissonKernel.paddedBlocks(channelSin, blocks: blocks, as: SIMD8<Float>.self), cb = PoissonKernel.paddedBlocks(channelCos, blocks: blocks, as: SIMD8<Float>.self)
            var scaled = [Float](), thresholds = [UInt8]()
            scaled.reserveCapacity(timeSin.count * channels)
            thresholds.reserveCapacity(timeSin.count * channels)
            for t in timeSin.indices {
                let sa = SIMD8<Float>(repeating: timeSin[t]), ca = SIMD8<Float>(repeating: timeCos[t])
                for block in 0 ..< blocks {
                    let q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[block], channelCos: cb[block])
                    let b = PoissonKernel.threshold(q)
                    for k in 0 ..< 8 {
                        scaled.append(q[k])
                        thresholds.append(b[k])
                    }
                }
            }
            return (scaled, thresholds)
        }
    }
}
