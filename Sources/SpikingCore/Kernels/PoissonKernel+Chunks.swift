extension PoissonKernel {
    /// What distinguishes the byte kernels (``Bytes32`` with AVX2, ``Bytes64`` with AVX-512):
    /// how wide a compare is, and how a step's comparison bytes (pass 2) and compares (pass 3) are
    /// computed. ``RunChunks`` runs the chunks and the other passes.
    protocol ByteCompare {
        /// Channels per compare: 32 or 64.
        static var width: Int { get }
        /// Channels per vector of pass 2: the shared table's bytes are copied in whole vectors.
        static var vectorChannels: Int { get }
        associatedtype Hashes: SIMD where Hashes.Scalar == UInt64
        /// `0, 1, 2, ...`: a vector of block hashes' counter offsets.
        static var hashLanes: Hashes { get }
        /// The kernel for one sample, its channel phases in `scratch`.
        init(_ args: Arguments, _ scratch: ChunkScratch)
        /// Pass 2 for one step of time phase `(timeSin, timeCos)`: the comparison bytes into `row`
        /// and `256 p` into `scaled` of the channels from `first` (a multiple of ``vectorChannels``).
        func thresholds<E: Envelope>(_ envelope: E, timeSin: Float, timeCos: Float, from first: Int,
                                     row: UnsafeMutableRawPointer, scaled: UnsafeMutablePointer<Float>)
        /// Pass 3 for step `i` of the chunk: writes its raster words to `out` and lists its groups
        /// with ties after the first `ties` (``ChunkScratch/listTies(_:group:at:)``); returns the
        /// list's new length.
        func compare(hashRow: UnsafeRawPointer, thresholdRow: UnsafeRawPointer, out: UnsafeMutablePointer<UInt64>,
                     step i: Int, scratch: ChunkScratch, ties: Int) -> Int
    }

    /// A byte kernel: one sample's spikes in chunks of ``chunkSteps`` steps, each in four passes
    /// over buffers that stay in L1 (``ChunkScratch``):
    /// 1. the block hashes of the chunk, several per vector: the counters of consecutive steps are
    ///    consecutive, so the hashes of a chunk are one run, and byte `c` of a step's row is the
    ///    top byte of channel `c`'s uniform;
    /// 2. the comparison bytes of ``threshold(_:)`` and `256 p` (the shared table's bytes copied
    ///    where it covers whole vectors);
    /// 3. `top < threshold` fires, `top == threshold` is a tie, `K.width` channels per compare;
    ///    groups with ties are listed;
    /// 4. the listed ties (about one lane in 256), decided by their next 24 bits.
    /// No pass waits on another's latency or on a mispredicted tie branch. The same bits as
    /// ``RunPortable``, tested.
    struct RunChunks<K: ByteCompare>: EnvelopeOperation {
        let args: Arguments

        func callAsFunction<E: Envelope>(_ envelope: E) {
            args.withSharedTable { run(envelope, tableThresholds: $0, tableScaled: $1) }
        }

        /// The kernel, with the shared table's `steps x (args.shared?.channels ?? 0)` bytes and `256 p`.
        @inline(__always)
        private func run<E: Envelope>(_ envelope: E, tableThresholds: UnsafePointer<UInt8>?, tableScaled: UnsafePointer<Float>?) {
            let (noise, sample, words, wordsPerStep) = (args.noise, args.sample, args.words, args.wordsPerStep)
            let steps = args.timeSin.count, blocks = (args.channelSin.count + 7) / 8
            let scratch = ChunkScratch(args, width: K.width)
            defer { scratch.deallocate() }
            let kernel = K(args, scratch)
            let padded = scratch.paddedChannels
            // channels below `tabled` are copied from the shared table, whole vectors of pass 2
            let tableWidth = args.shared?.channels ?? 0, tabled = tableWidth / K.vectorChannels * K.vectorChannels
            var t0 = 0
            while t0 < steps {
                let n = min(PoissonKernel.chunkSteps, steps &- t0)
                // 1. hashes of the counters (sample steps + t0) blocks ..< + n blocks
                scratch.hashBlocks(noise, first: (sample &* steps &+ t0) &* blocks, count: n &* blocks, lanes: K.hashLanes)
                // 2. comparison bytes and 256 p
                for i in 0 ..< n {
                    let t = t0 &+ i, row = scratch.thresholdRows + i &* padded
                    if let tableThresholds {
                        let from = UnsafeRawPointer(tableThresholds + t &* tableWidth)
                        for c in stride(from: 0, to: tabled, by: 16) {
                            (row + c).storeBytes(of: from.loadUnaligned(fromByteOffset: c, as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                        }
                    }
                    kernel.thresholds(envelope, timeSin: args.timeSin[t], timeCos: args.timeCos[t], from: tabled,
                                      row: row, scaled: scratch.scaledRows + i &* padded)
                }
                // 3. compares; groups with ties listed
                var ties = 0
                for i in 0 ..< n {
                    ties = kernel.compare(hashRow: scratch.hashRows + i &* scratch.rowBytes, thresholdRow: scratch.thresholdRows + i &* padded,
                                          out: words + (t0 &+ i) &* wordsPerStep, step: i, scratch: scratch, ties: ties)
                }
                // 4. ties: the next 24 bits decide
                scratch.decideTies(ties, t0: t0, width: K.width, groups: padded / K.width, words: words, wordsPerStep: wordsPerStep,
                                   scaled: tableScaled, tableWidth: tableWidth, tabled: tabled)
                t0 &+= n
            }
        }
    }

    /// Steps per chunk of the byte kernels' passes (``ChunkScratch``).
    static let chunkSteps = 16

    /// The buffers of the byte kernels' passes over a chunk of ``chunkSteps`` steps, one
    /// allocation per sample: the channels' phases (zero past the last channel, up to whole groups
    /// of `width` channels, the kernels' compare width); the chunk's rows of hash bytes (one byte
    /// per channel in whole blocks of eight, the rows consecutive, with a vector of padding that
    /// the last group's loads may read); its rows of comparison bytes and of `256 p`, whole
    /// groups each; and the list of groups with ties (their tie lanes and their place).
    struct ChunkScratch {
        let channelSin, channelCos: UnsafeMutableRawPointer
        let hashRows, thresholdRows: UnsafeMutableRawPointer
        let scaledRows: UnsafeMutablePointer<Float>
        let tiePending: UnsafeMutablePointer<UInt64>
        let tieGroup: UnsafeMutablePointer<Int>
        /// Bytes from one step's hash row to the next: whole blocks of eight channels.
        let rowBytes: Int
        /// Channels of a comparison row (bytes) and of a `256 p` row (floats): whole groups.
        let paddedChannels: Int
        private let base: UnsafeMutableRawPointer

        init(_ args: Arguments, width: Int) {
            let channels = args.channelSin.count, chunk = PoissonKernel.chunkSteps
            paddedChannels = (channels + width - 1) / width * width
            rowBytes = 8 * ((channels + 7) / 8)
            let phaseBytes = 4 * paddedChannels, hashBytes = chunk * rowBytes + 64, thresholdBytes = chunk * paddedChannels
            let scaledBytes = 4 * chunk * paddedChannels, ties = chunk * (paddedChannels / width)
            base = UnsafeMutableRawPointer.allocate(byteCount: 2 * phaseBytes + hashBytes + thresholdBytes + scaledBytes + 16 * ties,
                                                    alignment: 64)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: 2 * phaseBytes + hashBytes + thresholdBytes)
            let (sin, cos) = (base, base + phaseBytes)
            args.channelSin.withUnsafeBytes { sin.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            args.channelCos.withUnsafeBytes { cos.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            (channelSin, channelCos) = (sin, cos)
            hashRows = base + 2 * phaseBytes
            thresholdRows = hashRows + hashBytes
            scaledRows = (thresholdRows + thresholdBytes).bindMemory(to: Float.self, capacity: chunk * paddedChannels)
            tiePending = (thresholdRows + thresholdBytes + scaledBytes).bindMemory(to: UInt64.self, capacity: ties)
            tieGroup = UnsafeMutableRawPointer(tiePending + ties).bindMemory(to: Int.self, capacity: ties)
        }

        /// Pass 1: the hashes of the `count` consecutive block counters from `first` into the hash
        /// rows, `V.scalarCount` per vector (`lanes` is `0, 1, 2, ...`).
        @inline(__always)
        func hashBlocks<V: SIMD>(_ noise: FixedNoise, first: Int, count: Int, lanes: V) where V.Scalar == UInt64 {
            let width = V.scalarCount
            let vectors = hashRows.bindMemory(to: V.self, capacity: (PoissonKernel.chunkSteps * rowBytes + 64) / MemoryLayout<V>.stride)
            let base = V(repeating: noise.counterBase), step = V(repeating: UInt64(width))
            var g = V(repeating: UInt64(first)) &+ lanes
            for v in 0 ..< (count &+ width &- 1) / width {
                vectors[v] = SplitMix64.mix(base ^ g)
                g &+= step
            }
        }

        /// Pass 3's list: puts group `group` (steps from the chunk's first times groups per step,
        /// plus the group in its step) with its tie lanes `pending` at place `count` and returns
        /// the list's new length: `count + 1` if any lane ties, else `count` (without a branch).
        @inline(__always)
        func listTies(_ pending: UInt64, group: Int, at count: Int) -> Int {
            tiePending[count] = pending
            tieGroup[count] = group
            return count &+ Int(truncatingIfNeeded: (pending | (0 &- pending)) >> 63)
        }

        /// Pass 4: decides the `count` listed ties of the chunk that starts at step `t0` by their
        /// next 24 bits, as ``RunPortable`` does, and sets the bits of those that fire in `words`
        /// (`wordsPerStep` per step; groups of `width` channels, `groups` per step). `256 p` of the
        /// channels below `tabled` comes from the shared table's `scaled` (`tableWidth` per step),
        /// of the others from the chunk's rows.
        @inline(__always)
        func decideTies(
            _ count: Int, t0: Int, width: Int, groups: Int, words: UnsafeMutablePointer<UInt64>, wordsPerStep: Int,
            scaled table: UnsafePointer<Float>?, tableWidth: Int, tabled: Int
        ) {
            let blocks = rowBytes / 8
            for k in 0 ..< count {
                var pending = tiePending[k]
                let i = tieGroup[k] / groups, group = tieGroup[k] &- i &* groups, t = t0 &+ i
                let fromTable = table.map { $0 + t &* tableWidth } ?? UnsafePointer(scaledRows)
                let computed = UnsafePointer(scaledRows + i &* paddedChannels)
                let first = width &* group  // the channel of lane 0
                let word = words + (t &* wordsPerStep &+ first >> 6)
                var fires = word.pointee
                repeat {
                    let lane = pending.trailingZeroBitCount
                    pending &= pending &- 1
                    let c = first &+ lane
                    let hash = hashRows.load(fromByteOffset: 8 &* (i &* blocks &+ c >> 3), as: UInt64.self)
                    let top = Float((hash >> UInt64(8 &* (c & 7))) & 0xFF)
                    let q = (c < tabled ? fromTable : computed)[c]
                    let bit: UInt64 = Float(FixedNoise.fineBits(hash: hash, lane: c & 7)) * 0x1p-24 < q - top ? 1 : 0
                    fires |= bit << UInt64(c & 63)
                } while pending != 0
                word.pointee = fires
            }
        }

        func deallocate() { base.deallocate() }
    }

}
