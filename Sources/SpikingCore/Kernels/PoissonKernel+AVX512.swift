#if SPIKELOC_AVX512
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX-512 kernel: ``RunBytes`` 64 channels (one raster word) at a time, in chunks of
    /// ``chunkSteps`` steps, each in four passes over buffers that stay in L1:
    /// 1. the block hashes of the chunk, eight per vector: the counters of consecutive steps are
    ///    consecutive, so the hashes of a chunk are one run, and byte `c` of a step's row is the
    ///    top byte of channel `c`'s uniform;
    /// 2. the comparison bytes of ``threshold(_:)`` and `256 p`, sixteen channels per vector (the
    ///    shared table's bytes copied where it covers whole vectors);
    /// 3. per raster word one unsigned byte compare for the spikes and one for the ties, straight
    ///    into mask registers; words with ties are listed;
    /// 4. the listed ties (about one lane in 256), decided by their next 24 bits.
    /// No pass waits on another's latency or on a mispredicted tie branch. The same bits as
    /// ``RunPortable``, tested.
    struct RunBytes64: EnvelopeOperation {
        let args: Arguments

        /// Steps per chunk.
        static let chunkSteps = 16

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
            let blocks = (channels + 7) / 8, segments = (channels + 15) / 16
            // a step's row of hash bytes: one byte per channel, whole blocks; its row of comparison
            // bytes: whole (aligned) words
            let rowBytes = 8 &* blocks, thresholdBytes = 64 &* wordsPerStep, chunk = Self.chunkSteps
            // segments below `firstComputed` are copied from the shared table
            let tableWidth = args.shared?.channels ?? 0, firstComputed = tableWidth / 16
            // one allocation: channel phases, hashes (with a vector of padding that the last
            // word's loads may read), comparison bytes, 256 p, the tie list
            let phaseBytes = 64 &* segments, rowsBytes = chunk &* rowBytes &+ 64, thresholdRowsBytes = chunk &* thresholdBytes
            let scaledBytes = 64 &* chunk &* segments, tieCount = chunk &* wordsPerStep
            let total = 2 &* phaseBytes &+ rowsBytes &+ thresholdRowsBytes &+ scaledBytes &+ 16 &* tieCount
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
            defer { scratch.deallocate() }
            scratch.initializeMemory(as: UInt8.self, repeating: 0, count: 2 &* phaseBytes &+ rowsBytes &+ thresholdRowsBytes)
            let sb = scratch.bindMemory(to: SIMD16<Float>.self, capacity: segments)
            let cb = (scratch + phaseBytes).bindMemory(to: SIMD16<Float>.self, capacity: segments)
            args.channelSin.withUnsafeBytes { UnsafeMutableRawPointer(sb).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            args.channelCos.withUnsafeBytes { UnsafeMutableRawPointer(cb).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            let hashRows = scratch + 2 &* phaseBytes, thresholdRows = hashRows + rowsBytes
            let scaledRows = (thresholdRows + thresholdRowsBytes).bindMemory(to: Float.self, capacity: 16 &* chunk &* segments)
            let tiePending = (thresholdRows + thresholdRowsBytes + scaledBytes).bindMemory(to: UInt64.self, capacity: tieCount)
            let tieWord = UnsafeMutableRawPointer(tiePending + tieCount).bindMemory(to: Int.self, capacity: tieCount)
            let hashVectors = hashRows.bindMemory(to: SIMD8<UInt64>.self, capacity: rowsBytes / 64)
            let lastValid = channels % 64 == 0 ? ~UInt64(0) : ~(~UInt64(0) << UInt64(channels % 64))
            let keyAndSet = noise.counterBase
            var t0 = 0
            while t0 < steps {
                let n = min(chunk, steps &- t0)
                // 1. hashes of the counters (sample steps + t0) blocks ..< + n blocks
                var g = SIMD8<UInt64>(repeating: UInt64((sample &* steps &+ t0) &* blocks)) &+ SIMD8(0, 1, 2, 3, 4, 5, 6, 7)
                for v in 0 ..< (n &* blocks &+ 7) / 8 {
                    hashVectors[v] = SplitMix64.mix(SIMD8(repeating: keyAndSet) ^ g)
                    g &+= SIMD8(repeating: 8)
                }
                // 2. comparison bytes and 256 p
                for i in 0 ..< n {
                    let t = t0 &+ i, row = thresholdRows + i &* thresholdBytes, scaled = scaledRows + i &* 16 &* segments
                    if let tableThresholds {
                        let from = tableThresholds + t &* tableWidth
                        for s in 0 ..< firstComputed {
                            (row + 16 &* s).storeBytes(of: UnsafeRawPointer(from + 16 &* s).loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                        }
                    }
                    let sa = SIMD16<Float>(repeating: args.timeSin[t]), ca = SIMD16<Float>(repeating: args.timeCos[t])
                    for s in firstComputed ..< segments {
                        let q = PoissonKernel.scaledProbability(envelope, timeSin: sa, timeCos: ca, channelSin: sb[s], channelCos: cb[s])
                        UnsafeMutableRawPointer(scaled + 16 &* s).storeBytes(of: q, as: SIMD16<Float>.self)
                        // NaN and negative -> 0 (maxps returns its second operand), then truncate;
                        // 256 and above (also 2^32 - 1 for the largest) saturate to 255 in the narrowing
                        let whole = _mm512_cvttps_epu32(_mm512_max_ps(q, _mm512_setzero_ps()))
                        (row + 16 &* s).storeBytes(of: unsafeBitCast(_mm512_cvtusepi32_epi8(whole), to: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                    }
                }
                // 3. compares; words with ties listed
                var ties = 0
                for i in 0 ..< n {
                    let hashRow = hashRows + i &* rowBytes, thresholdRow = thresholdRows + i &* thresholdBytes
                    let out = words + (t0 &+ i) &* wordsPerStep
                    for word in 0 ..< wordsPerStep {
                        let top = hashRow.loadUnaligned(fromByteOffset: 64 &* word, as: SIMD64<UInt8>.self)
                        let threshold = thresholdRow.load(fromByteOffset: 64 &* word, as: SIMD64<UInt8>.self)
                        let valid = word == wordsPerStep &- 1 ? lastValid : ~UInt64(0)
                        out[word] = _mm512_movepi8_mask(unsafeBitCast(top .< threshold, to: __m512i.self)) & valid
                        let pending = _mm512_movepi8_mask(unsafeBitCast(top .== threshold, to: __m512i.self)) & valid
                        tiePending[ties] = pending
                        tieWord[ties] = i &* wordsPerStep &+ word
                        ties &+= Int(truncatingIfNeeded: (pending | (0 &- pending)) >> 63)  // branch-free: 1 if any tie
                    }
                }
                // 4. ties: the next 24 bits decide
                for k in 0 ..< ties {
                    var pending = tiePending[k]
                    let i = tieWord[k] / wordsPerStep, word = tieWord[k] &- i &* wordsPerStep, t = t0 &+ i
                    let out = words + (t &* wordsPerStep &+ word)
                    var fires = out.pointee
                    let fromTable = tableScaled.map { $0 + t &* tableWidth } ?? UnsafePointer(scaledRows)
                    let computed = UnsafePointer(scaledRows + i &* 16 &* segments)
                    repeat {
                        let lane = pending.trailingZeroBitCount
                        pending &= pending &- 1
                        let c = 64 &* word &+ lane
                        let hash = hashRows.load(fromByteOffset: 8 &* (i &* blocks &+ c >> 3), as: UInt64.self)
                        let top = Float((hash >> UInt64(8 &* (c & 7))) & 0xFF)
                        let q = (c < 16 &* firstComputed ? fromTable : computed)[c]
                        let bit: UInt64 = Float(FixedNoise.fineBits(hash: hash, lane: c & 7)) * 0x1p-24 < q - top ? 1 : 0
                        fires |= bit << UInt64(lane)
                    } while pending != 0
                    out.pointee = fires
                }
                t0 &+= n
            }
        }
    }
}
#endif
