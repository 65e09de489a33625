#if SPIKELOC_AVX512
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX-512 kernel: ``RunBytes`` 64 channels (one raster word) at a time. Per step, the
    /// block hashes eight per vector, the comparison bytes of ``threshold(_:)`` sixteen channels
    /// per vector (from the shared table where it covers all sixteen), and per word one unsigned
    /// byte compare for the spikes and one for the ties, straight into mask registers. The same
    /// bits as ``RunPortable``, tested.
    struct RunBytes64: EnvelopeOperation {
        let args: Arguments

        func callAsFunction<E: Envelope>(_ envelope: E) {
            args.withSharedTable { run(envelope, tableThresholds: $0, tableScaled: $1) }
        }

        /// The kernel, with the shared table's `steps x (args.shared?.channels ?? 0)` bytes and `256 p`.
        @inline(__always)
        private func run<E: Envelope>(_ envelope: E, tableThresholds: UnsafePointer<UInt8>?, tableScaled: UnsafePointer<Float>?) {
            let (noise, sample, words, wordsPerStep) = (args.noise, args.sample, args.words, args.wordsPerStep)
            let channels = args.channelSin.count, steps = args.timeSin.count
            let blocks = (channels + 7) / 8, segments = (channels + 15) / 16
            guard channels > 0 else { return words.update(repeating: 0, count: steps * wordsPerStep) }
            precondition(wordsPerStep == (channels + 63) / 64)  // every word of the sample is written below
            // segments of sixteen channels below `tabled` come from the shared table
            let tableWidth = args.shared?.channels ?? 0, tabled = tableWidth / 16 * 16
            let sb = PoissonKernel.paddedBlocks(args.channelSin, blocks: 4 * wordsPerStep, as: SIMD16<Float>.self)
            let cb = PoissonKernel.paddedBlocks(args.channelCos, blocks: 4 * wordsPerStep, as: SIMD16<Float>.self)
            // one step's hashes and comparison bytes, one vector per raster word
            let hashes = UnsafeMutablePointer<SIMD8<UInt64>>.allocate(capacity: wordsPerStep)
            let thresholds = UnsafeMutablePointer<SIMD64<UInt8>>.allocate(capacity: wordsPerStep)
            defer { hashes.deallocate(); thresholds.deallocate() }
            let lastValid = channels % 64 == 0 ? ~UInt64(0) : ~(~UInt64(0) << UInt64(channels % 64))
            for t in 0 ..< steps {
                let sa = SIMD16<Float>(repeating: args.timeSin[t]), ca = SIMD16<Float>(repeating: args.timeCos[t])
                let tableRow = tableThresholds.map { $0 + t &* tableWidth }
                for word in 0 ..< wordsPerStep {
                    @inline(__always) func segment(_ k: Int) -> SIMD16<UInt8> {
                        let s = 4 &* word &+ k, c = 16 &* s
                        if c &+ 16 <= tabled { return UnsafeRawPointer(tableRow! + c).loadUnaligned(as: SIMD16<UInt8>.self) }
                        guard s < segments else { return .zero }
                        let q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[s], channelCos: cb[s])
                        // clamp to [0, 255] (NaN -> 0: maxps returns its second operand), truncate, narrow
                        let clamped = _mm512_min_ps(_mm512_max_ps(q, _mm512_setzero_ps()), _mm512_set1_ps(255))
                        return unsafeBitCast(_mm512_cvtusepi32_epi8(_mm512_cvttps_epu32(clamped)), to: SIMD16<UInt8>.self)
                    }
                    thresholds[word] = SIMD64(lowHalf: SIMD32(lowHalf: segment(0), highHalf: segment(1)),
                                              highHalf: SIMD32(lowHalf: segment(2), highHalf: segment(3)))
                }
                for word in 0 ..< wordsPerStep {
                    hashes[word] = noise.blockHashes(sample: sample, step: t, block: 8 &* word, steps: steps, blocks: blocks, as: SIMD8<UInt64>.self)
                }
                let row = words + t * wordsPerStep
                for word in 0 ..< wordsPerStep {
                    let top = unsafeBitCast(hashes[word], to: SIMD64<UInt8>.self), threshold = thresholds[word]
                    let valid = word == wordsPerStep &- 1 ? lastValid : ~UInt64(0)
                    var fires = _mm512_movepi8_mask(unsafeBitCast(top .< threshold, to: __m512i.self)) & valid
                    var pending = _mm512_movepi8_mask(unsafeBitCast(top .== threshold, to: __m512i.self)) & valid
                    while pending != 0 {  // about one lane in 256: the next 24 bits decide
                        let lane = pending.trailingZeroBitCount
                        pending &= pending &- 1
                        let c = 64 &* word &+ lane
                        let hash = hashes[word][lane >> 3], top = Float((hash >> UInt64(8 &* (c & 7))) & 0xFF)
                        let q: Float
                        if c < tabled {
                            q = tableScaled![t &* tableWidth &+ c]
                        } else {
                            q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[c >> 4], channelCos: cb[c >> 4])[c & 15]
                        }
                        if Float(FixedNoise.fineBits(hash: hash, lane: c & 7)) * 0x1p-24 < q - top { fires |= 1 << UInt64(lane) }
                    }
                    row[word] = fires
                }
            }
        }
    }
}
#endif
