/// The buffers one chunk of samples needs, allocated once and reused for every batch: the
/// spike lists of one sample (see ``SampleKernel``), its forward record (`pre`, `spk`:
/// `steps x groups` vectors each, block by block), and the chunk's gradient sums.
final class ChunkWorkspace: @unchecked Sendable {
    let pre, spk: UnsafeMutablePointer<SIMD8<Float>>
    let z, q: UnsafeMutablePointer<SIMD8<Float>>
    let gradW1, gradW2t: UnsafeMutablePointer<SIMD8<Float>>
    let gradW1Count, gradW2tCount: Int
    let logits, gradLogits: UnsafeMutablePointer<Float>
    /// Spike lists: `rows[stepStart[t] ..< stepStart[t + 1]]` are the fibres spiking at step `t`.
    let stepStart: UnsafeMutablePointer<Int32>
    let rows: UnsafeMutablePointer<UInt32>
    private let vectors: [UnsafeMutablePointer<SIMD8<Float>>]

    init(steps: Int, groups: Int, inputs: Int, classes: Int) {
        // 64-byte aligned, so that the kernels' 16-lane loads of a row never straddle two cache lines
        func buffer<T>(_ count: Int, _ zero: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<T>.stride, alignment: 64)
                .bindMemory(to: T.self, capacity: max(count, 1))
            p.initialize(repeating: zero, count: max(count, 1))
            return p
        }
        pre = buffer(steps * groups, .zero); spk = buffer(steps * groups, .zero)
        z = buffer(groups, .zero); q = buffer(groups, .zero)
        gradW1Count = inputs * SampleKernel.Layout.rowStride(groups: groups)
        gradW2tCount = classes * groups
        gradW1 = buffer(gradW1Count, .zero); gradW2t = buffer(gradW2tCount, .zero)
        vectors = [pre, spk, z, q, gradW1, gradW2t]
        logits = buffer(classes, 0)
        gradLogits = buffer(classes, 0)
        let spikes = max(steps - 1, 0) * inputs
        stepStart = buffer(steps + 1, 0)
        rows = buffer(spikes + 16, 0)  // slack for the unconditional 8- or 16-entry writes
    }

    func clearGradients() {
        gradW1.update(repeating: .zero, count: gradW1Count)
        gradW2t.update(repeating: .zero, count: gradW2tCount)
    }

    deinit {
        for p in vectors { p.deallocate() }
        logits.deallocate()
        gradLogits.deallocate()
        stepStart.deallocate()
        rows.deallocate()
    }
}
