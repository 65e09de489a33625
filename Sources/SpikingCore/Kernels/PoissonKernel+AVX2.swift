#if SPIKELOC_AVX2
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX2 kernel: per step, the block hashes of the step (their bytes are the uniforms' top
    /// bytes, channel by channel; four hashes per vector) against the comparison bytes of
    /// ``threshold(_:)`` (from the shared table where given, else from
    /// ``scaledProbability(_:timeSin:timeCos:channelSin:channelCos:)``, four blocks per vector),
    /// 32 channels per compare: `top < threshold` fires, `top == threshold` is a tie that the next
    /// 24 bits decide exactly as in ``RunPortable``. The masks come out as 32-bit words
    /// (`vpmovmskb`), the raster's half words. The same bits as ``RunPortable``, tested.
    struct RunBytes: EnvelopeOperation {
        let args: Arguments

        func callAsFunction<E: Envelope>(_ envelope: E) {
            args.withSharedTable { run(envelope, tableThresholds: $0, tableScaled: $1) }
        }

        /// The kernel, with the shared table's `steps x (args.shared?.channels ?? 0)` bytes and `256 p`.
        @inline(__always)
        private func run<E: Envelope>(_ envelope: E, tableThresholds: UnsafePointer<UInt8>?, tableScaled: UnsafePointer<Float>?) {
            let (noise, sample, words, wordsPerStep) = (args.noise, args.sample, args.words, args.wordsPerStep)
            let channels = args.channelSin.count, steps = args.timeSin.count
            let blocks = (channels + 7) / 8, groups = (channels + 31) / 32
            words.update(repeating: 0, count: steps * wordsPerStep)
            guard channels > 0 else { return }
            // channels below `tabled` come from the shared table; groups from `firstGroup` are computed
            let tableWidth = args.shared?.channels ?? 0, firstGroup = tableWidth / 32, tabled = 32 * firstGroup
            let sb = PoissonKernel.paddedBlocks(args.channelSin, blocks: 4 * groups, as: SIMD8<Float>.self)
            let cb = PoissonKernel.paddedBlocks(args.channelCos, blocks: 4 * groups, as: SIMD8<Float>.self)
            // one step's hashes and comparison bytes, padded to whole groups of 32 channels
            let hashes = UnsafeMutablePointer<SIMD4<UInt64>>.allocate(capacity: groups)
            let thresholds = UnsafeMutablePointer<__m256i>.allocate(capacity: groups)
            defer { hashes.deallocate(); thresholds.deallocate() }
            let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
            let lastValid = channels % 32 == 0 ? ~UInt32(0) : ~(~UInt32(0) << UInt32(channels % 32))
            for t in 0 ..< steps {
                let sa = SIMD8<Float>(repeating: args.timeSin[t]), ca = SIMD8<Float>(repeating: args.timeCos[t])
                for group in firstGroup ..< groups {
                    let b = 4 &* group
                    let b0 = PoissonKernel.truncated(envelope, timeSin: sa, timeCos: ca, channelSin: sb[b], channelCos: cb[b])
                    let b1 = PoissonKernel.truncated(envelope, timeSin: sa, timeCos: ca, channelSin: sb[b &+ 1], channelCos: cb[b &+ 1])
                    let b2 = PoissonKernel.truncated(envelope, timeSin: sa, timeCos: ca, channelSin: sb[b &+ 2], channelCos: cb[b &+ 2])
                    let b3 = PoissonKernel.truncated(envelope, timeSin: sa, timeCos: ca, channelSin: sb[b &+ 3], channelCos: cb[b &+ 3])
                    let low = _mm256_packus_epi32(b0, b1), high = _mm256_packus_epi32(b2, b3)
                    thresholds[group] = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(low, high), order)
                }
                for group in 0 ..< groups {
                    hashes[group] = noise.blockHashes(sample: sample, step: t, block: 4 &* group, steps: steps, blocks: blocks, as: SIMD4<UInt64>.self)
                }
                let row = words + t * wordsPerStep
                for group in 0 ..< groups {
                    let top = unsafeBitCast(hashes[group], to: __m256i.self)
                    let threshold: __m256i
                    if group < firstGroup {
                        let tableRow: UnsafePointer<UInt8> = tableThresholds! + t &* tableWidth
                        threshold = UnsafeRawPointer(tableRow + 32 &* group).loadUnaligned(as: __m256i.self)
                    } else {
                        threshold = thresholds[group]
                    }
                    let atMost = _mm256_cmpeq_epi8(_mm256_min_epu8(top, threshold), top)  // top <= threshold
                    let equal = _mm256_cmpeq_epi8(top, threshold)
                    let valid = group == groups &- 1 ? lastValid : ~UInt32(0)
                    let ties = UInt32(bitPattern: _mm256_movemask_epi8(equal)) & valid
                    var fires = UInt32(bitPattern: _mm256_movemask_epi8(atMost)) & ~ties & valid
                    var pending = ties
                    while pending != 0 {  // about one lane in 256: the next 24 bits decide
                        let lane = pending.trailingZeroBitCount
                        pending &= pending &- 1
                        let c = 32 &* group &+ lane
                        let hash = hashes[group][lane >> 3], top = Float((hash >> UInt64(8 &* (c & 7))) & 0xFF)
                        let q = c < tabled
                            ? tableScaled![t &* tableWidth &+ c]
                            : PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[c >> 3], channelCos: cb[c >> 3])[c & 7]
                        if Float(FixedNoise.fineBits(hash: hash, lane: c & 7)) * 0x1p-24 < q - top { fires |= 1 << UInt32(lane) }
                    }
                    row[group >> 1] |= UInt64(fires) << UInt64(32 &* (group & 1))
                }
            }
        }
    }

    /// The comparison bytes of one block as 32-bit lanes: `256 p` clamped to [0, 255] (NaN -> 0,
    /// as `maxps` returns its second operand), truncated; ``threshold(_:)`` in AVX2.
    @inline(__always)
    static func truncated<E: Envelope>(
        _ envelope: E, timeSin sa: SIMD8<Float>, timeCos ca: SIMD8<Float>, channelSin sb: SIMD8<Float>, channelCos cb: SIMD8<Float>
    ) -> __m256i {
        let q = scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb, channelCos: cb)
        return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(q, _mm256_setzero_ps()), _mm256_set1_ps(255)))
    }
}
#endif
