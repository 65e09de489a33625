#if SPIKELOC_AVX2
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX2 kernel: 32 channels per byte compare, in chunks of ``PoissonKernel/chunkSteps``
    /// steps, each in four passes over buffers that stay in L1 (``PoissonKernel/ChunkScratch``), as
    /// in ``RunBytes64``:
    /// 1. the block hashes of the chunk, four per vector (one run of counters; byte `c` of a
    ///    step's row is the top byte of channel `c`'s uniform);
    /// 2. the comparison bytes of ``threshold(_:)`` and `256 p`, four blocks per vector (the
    ///    shared table's bytes copied where it covers whole groups of 32 channels);
    /// 3. per group of 32 channels `top <= threshold` and `top == threshold`; `vpmovmskb` gives
    ///    the raster's half words; groups with ties are listed;
    /// 4. the listed ties (about one lane in 256), decided by their next 24 bits.
    /// The same bits as ``RunPortable``, tested.
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
            guard channels > 0 else { return words.update(repeating: 0, count: steps * wordsPerStep) }
            precondition(wordsPerStep == (channels + 63) / 64)  // every word of the sample is written below
            let blocks = (channels + 7) / 8, groups = (channels + 31) / 32
            let scratch = ChunkScratch(args, width: 32)
            defer { scratch.deallocate() }
            let (rowBytes, thresholdBytes, chunk) = (scratch.rowBytes, scratch.paddedChannels, PoissonKernel.chunkSteps)
            let (hashRows, thresholdRows, scaledRows) = (scratch.hashRows, scratch.thresholdRows, scratch.scaledRows)
            let (tiePending, tieGroup) = (scratch.tiePending, scratch.tieGroup)
            let sb = scratch.channelSin.bindMemory(to: SIMD8<Float>.self, capacity: 4 &* groups)
            let cb = scratch.channelCos.bindMemory(to: SIMD8<Float>.self, capacity: 4 &* groups)
            // groups below `firstComputed` are copied from the shared table
            let tableWidth = args.shared?.channels ?? 0, firstComputed = tableWidth / 32
            let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
            let lastValid = channels % 32 == 0 ? ~UInt32(0) : ~(~UInt32(0) << UInt32(channels % 32))
            var t0 = 0
            while t0 < steps {
                let n = min(chunk, steps &- t0)
                // 1. hashes of the counters (sample steps + t0) blocks ..< + n blocks
                scratch.hashBlocks(noise, first: (sample &* steps &+ t0) &* blocks, count: n &* blocks, lanes: SIMD4<UInt64>(0, 1, 2, 3))
                // 2. comparison bytes and 256 p
                for i in 0 ..< n {
                    let t = t0 &+ i, row = thresholdRows + i &* thresholdBytes, scaled = scaledRows + i &* thresholdBytes
                    if let tableThresholds {
                        let from = tableThresholds + t &* tableWidth
                        for group in 0 ..< firstComputed {
                            (row + 32 &* group).storeBytes(of: UnsafeRawPointer(from + 32 &* group).loadUnaligned(as: SIMD32<UInt8>.self), as: SIMD32<UInt8>.self)
                        }
                    }
                    let sa = SIMD8<Float>(repeating: args.timeSin[t]), ca = SIMD8<Float>(repeating: args.timeCos[t])
                    for group in firstComputed ..< groups {
                        let b = 4 &* group
                        @inline(__always) func truncated(_ k: Int) -> __m256i {
                            let q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[b &+ k], channelCos: cb[b &+ k])
                            UnsafeMutableRawPointer(scaled + 8 &* (b &+ k)).storeBytes(of: q, as: SIMD8<Float>.self)
                            // clamped to [0, 255] (NaN -> 0: maxps returns its second operand), truncated
                            return _mm256_cvttps_epi32(_mm256_min_ps(_mm256_max_ps(q, _mm256_setzero_ps()), _mm256_set1_ps(255)))
                        }
                        let low = _mm256_packus_epi32(truncated(0), truncated(1)), high = _mm256_packus_epi32(truncated(2), truncated(3))
                        (row + 32 &* group).storeBytes(of: _mm256_permutevar8x32_epi32(_mm256_packus_epi16(low, high), order), as: __m256i.self)
                    }
                }
                // 3. compares, half words straight into the raster; groups with ties listed
                var ties = 0
                for i in 0 ..< n {
                    let hashRow = hashRows + i &* rowBytes, thresholdRow = thresholdRows + i &* thresholdBytes
                    let halves = UnsafeMutableRawPointer(words + (t0 &+ i) &* wordsPerStep)
                    for group in 0 ..< groups {
                        let top = hashRow.loadUnaligned(fromByteOffset: 32 &* group, as: __m256i.self)
                        let threshold = thresholdRow.load(fromByteOffset: 32 &* group, as: __m256i.self)
                        let atMost = _mm256_cmpeq_epi8(_mm256_min_epu8(top, threshold), top)  // top <= threshold
                        let valid = group == groups &- 1 ? lastValid : ~UInt32(0)
                        let pending = UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(top, threshold))) & valid
                        halves.storeBytes(of: UInt32(bitPattern: _mm256_movemask_epi8(atMost)) & ~pending & valid,
                                          toByteOffset: 4 &* group, as: UInt32.self)
                        tiePending[ties] = UInt64(pending)
                        tieGroup[ties] = i &* groups &+ group
                        ties &+= Int(truncatingIfNeeded: (pending | (0 &- pending)) >> 31)  // branch-free: 1 if any tie
                    }
                    if groups & 1 == 1 { halves.storeBytes(of: 0, toByteOffset: 4 &* groups, as: UInt32.self) }
                }
                // 4. ties: the next 24 bits decide
                for k in 0 ..< ties {
                    var pending = UInt32(truncatingIfNeeded: tiePending[k])
                    let i = tieGroup[k] / groups, group = tieGroup[k] &- i &* groups, t = t0 &+ i
                    let half = UnsafeMutableRawPointer(words + t &* wordsPerStep) + 4 &* group
                    var fires = half.load(as: UInt32.self)
                    let fromTable = tableScaled.map { $0 + t &* tableWidth } ?? UnsafePointer(scaledRows)
                    let computed = UnsafePointer(scaledRows + i &* thresholdBytes)
                    repeat {
                        let lane = pending.trailingZeroBitCount
                        pending &= pending &- 1
                        let c = 32 &* group &+ lane
                        let hash = hashRows.load(fromByteOffset: 8 &* (i &* blocks &+ c >> 3), as: UInt64.self)
                        let top = Float((hash >> UInt64(8 &* (c & 7))) & 0xFF)
                        let q = (c < 32 &* firstComputed ? fromTable : computed)[c]
                        let bit: UInt32 = Float(FixedNoise.fineBits(hash: hash, lane: c & 7)) * 0x1p-24 < q - top ? 1 : 0
                        fires |= bit << UInt32(lane)
                    } while pending != 0
                    half.storeBytes(of: fires, as: UInt32.self)
                }
                t0 &+= n
            }
        }
    }
}
#endif
