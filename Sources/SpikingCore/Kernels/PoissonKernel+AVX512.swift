#if SPIKELOC_AVX512
import _Builtin_intrinsics.intel

extension PoissonKernel {
    /// The AVX-512 kernel: ``RunBytes`` 64 channels (one raster word) at a time, in chunks of
    /// ``PoissonKernel/chunkSteps`` steps, each in four passes over buffers that stay in L1
    /// (``PoissonKernel/ChunkScratch``):
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
            let scratch = ChunkScratch(args, width: 64)
            defer { scratch.deallocate() }
            let (rowBytes, thresholdBytes, chunk) = (scratch.rowBytes, scratch.paddedChannels, PoissonKernel.chunkSteps)
            let (hashRows, thresholdRows, scaledRows) = (scratch.hashRows, scratch.thresholdRows, scratch.scaledRows)
            let (tiePending, tieWord) = (scratch.tiePending, scratch.tieGroup)
            let sb = scratch.channelSin.bindMemory(to: SIMD16<Float>.self, capacity: segments)
            let cb = scratch.channelCos.bindMemory(to: SIMD16<Float>.self, capacity: segments)
            // segments below `firstComputed` are copied from the shared table
            let tableWidth = args.shared?.channels ?? 0, firstComputed = tableWidth / 16
            let lastValid = channels % 64 == 0 ? ~UInt64(0) : ~(~UInt64(0) << UInt64(channels % 64))
            var t0 = 0
            while t0 < steps {
                let n = min(chunk, steps &- t0)
                // 1. hashes of the counters (sample steps + t0) blocks ..< + n blocks
                scratch.hashBlocks(noise, first: (sample &* steps &+ t0) &* blocks, count: n &* blocks, lanes: SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7))
                // 2. comparison bytes and 256 p
                for i in 0 ..< n {
                    let t = t0 &+ i, row = thresholdRows + i &* thresholdBytes, scaled = scaledRows + i &* thresholdBytes
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
                    let computed = UnsafePointer(scaledRows + i &* thresholdBytes)
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
