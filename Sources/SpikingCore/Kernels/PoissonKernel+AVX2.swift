#if SPIKELOC_AVX2
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX2 passes of ``RunChunks``: comparison bytes four blocks of eight channels at a time,
    /// and per group of 32 channels `top <= threshold` and `top == threshold`, whose
    /// `vpmovmskb` masks are the raster's half words.
    struct Bytes32: ByteCompare {
        static let width = 32, vectorChannels = 32
        static var hashLanes: SIMD4<UInt64> { SIMD4(0, 1, 2, 3) }
        /// The channel phases, eight per vector.
        let sb, cb: UnsafeMutablePointer<SIMD8<Float>>
        let groups: Int
        /// The valid bits of a step's last group.
        let lastValid: UInt32

        init(_ args: Arguments, _ scratch: ChunkScratch) {
            let channels = args.channelSin.count
            groups = (channels + 31) / 32
            sb = scratch.channelSin.bindMemory(to: SIMD8<Float>.self, capacity: 4 &* groups)
            cb = scratch.channelCos.bindMemory(to: SIMD8<Float>.self, capacity: 4 &* groups)
            lastValid = channels % 32 == 0 ? ~UInt32(0) : ~(~UInt32(0) << UInt32(channels % 32))
        }

        @inline(__always)
        func thresholds<E: Envelope>(_ envelope: E, timeSin: Float, timeCos: Float, from first: Int,
                                     row: UnsafeMutableRawPointer, scaled: UnsafeMutablePointer<Float>) {
            let sa = SIMD8<Float>(repeating: timeSin), ca = SIMD8<Float>(repeating: timeCos)
            let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
            for group in first / 32 ..< groups {
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

        @inline(__always)
        func compare(hashRow: UnsafeRawPointer, thresholdRow: UnsafeRawPointer, out: UnsafeMutablePointer<UInt64>,
                     step i: Int, scratch: ChunkScratch, ties: Int) -> Int {
            var ties = ties
            let halves = UnsafeMutableRawPointer(out)
            for group in 0 ..< groups {
                let top = hashRow.loadUnaligned(fromByteOffset: 32 &* group, as: __m256i.self)
                let threshold = thresholdRow.load(fromByteOffset: 32 &* group, as: __m256i.self)
                let atMost = _mm256_cmpeq_epi8(_mm256_min_epu8(top, threshold), top)  // top <= threshold
                let valid = group == groups &- 1 ? lastValid : ~UInt32(0)
                let pending = UInt32(bitPattern: _mm256_movemask_epi8(_mm256_cmpeq_epi8(top, threshold))) & valid
                halves.storeBytes(of: UInt32(bitPattern: _mm256_movemask_epi8(atMost)) & ~pending & valid,
                                  toByteOffset: 4 &* group, as: UInt32.self)
                ties = scratch.listTies(UInt64(pending), group: i &* groups &+ group, at: ties)
            }
            // an odd number of groups leaves the last word's high half
            if groups & 1 == 1 { halves.storeBytes(of: 0, toByteOffset: 4 &* groups, as: UInt32.self) }
            return ties
        }
    }
}
#endif
