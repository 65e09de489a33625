#if SPIKELOC_AVX512
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX-512 passes of ``RunChunks``: comparison bytes sixteen channels per vector, and per
    /// raster word (64 channels) one unsigned byte compare for the spikes and one for the ties,
    /// straight into mask registers.
    struct Bytes64: ByteCompare {
        static let width = 64, vectorChannels = 16
        static var hashLanes: SIMD8<UInt64> { SIMD8(0, 1, 2, 3, 4, 5, 6, 7) }
        /// The channel phases, sixteen per vector.
        let sb, cb: UnsafeMutablePointer<SIMD16<Float>>
        let segments, wordsPerStep: Int
        /// The valid bits of a step's last word.
        let lastValid: UInt64

        init(_ args: Arguments, _ scratch: ChunkScratch) {
            let channels = args.channelSin.count
            segments = (channels + 15) / 16
            wordsPerStep = args.wordsPerStep
            sb = scratch.channelSin.bindMemory(to: SIMD16<Float>.self, capacity: segments)
            cb = scratch.channelCos.bindMemory(to: SIMD16<Float>.self, capacity: segments)
            lastValid = channels % 64 == 0 ? ~UInt64(0) : ~(~UInt64(0) << UInt64(channels % 64))
        }

        @inline(__always)
        func thresholds<E: Envelope>(_ envelope: E, timeSin: Float, timeCos: Float, from first: Int,
                                     row: UnsafeMutableRawPointer, scaled: UnsafeMutablePointer<Float>) {
            let sa = SIMD16<Float>(repeating: timeSin), ca = SIMD16<Float>(repeating: timeCos)
            for s in first / 16 ..< segments {
                let q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[s], channelCos: cb[s])
                UnsafeMutableRawPointer(scaled + 16 &* s).storeBytes(of: q, as: SIMD16<Float>.self)
                // NaN and negative -> 0 (maxps returns its second operand), then truncate;
                // 256 and above (also 2^32 - 1 for the largest) saturate to 255 in the narrowing
                let whole = _mm512_cvttps_epu32(_mm512_max_ps(q, _mm512_setzero_ps()))
                (row + 16 &* s).storeBytes(of: unsafeBitCast(_mm512_cvtusepi32_epi8(whole), to: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
            }
        }

        @inline(__always)
        func compare(hashRow: UnsafeRawPointer, thresholdRow: UnsafeRawPointer, out: UnsafeMutablePointer<UInt64>,
                     step i: Int, scratch: ChunkScratch, ties: Int) -> Int {
            var ties = ties
            for word in 0 ..< wordsPerStep {
                let top = hashRow.loadUnaligned(fromByteOffset: 64 &* word, as: SIMD64<UInt8>.self)
                let threshold = thresholdRow.load(fromByteOffset: 64 &* word, as: SIMD64<UInt8>.self)
                let valid = word == wordsPerStep &- 1 ? lastValid : ~UInt64(0)
                out[word] = _mm512_movepi8_mask(unsafeBitCast(top .< threshold, to: __m512i.self)) & valid
                let pending = _mm512_movepi8_mask(unsafeBitCast(top .== threshold, to: __m512i.self)) & valid
                ties = scratch.listTies(pending, group: i &* wordsPerStep &+ word, at: ties)
            }
            return ties
        }
    }
}
#endif
