/// The buffers one chunk of samples needs, allocated once and reused for every batch:
/// the forward record of one sample (`pre`, `mem`, `spk`: `steps x groups` vectors each) and the
/// chunk's gradient sums.
final class ChunkWorkspace: @unchecked Sendable {
    let pre, mem, spk: UnsafeMutablePointer<SIMD8<Float>>
    let z, q: UnsafeMutablePointer<SIMD8<Float>>
    let gradW1, gradW2t: UnsafeMutablePointer<SIMD8<Float>>
    let gradW1Count, gradW2tCount: Int
    let logits, gradLogits: UnsafeMutablePointer<Float>
    private let vectors: [UnsafeMutablePointer<SIMD8<Float>>]

    init(steps: Int, groups: Int, inputs: Int, classes: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<SIMD8<Float>> {
            let p = UnsafeMutablePointer<SIMD8<Float>>.allocate(capacity: max(count, 1))
            p.initialize(repeating: .zero, count: max(count, 1))
            return p
        }
        pre = buffer(steps * groups); mem = buffer(steps * groups); spk = buffer(steps * groups)
        z = buffer(groups); q = buffer(groups)
        gradW1Count = inputs * groups
        gradW2tCount = classes * groups
        gradW1 = buffer(gradW1Count); gradW2t = buffer(gradW2tCount)
        vectors = [pre, mem, spk, z, q, gradW1, gradW2t]
        logits = .allocate(capacity: classes)
        logits.initialize(repeating: 0, count: classes)
        gradLogits = .allocate(capacity: classes)
        gradLogits.initialize(repeating: 0, count: classes)
    }

    func clearGradients() {
        gradW1.update(repeating: .zero, count: gradW1Count)
        gradW2t.update(repeating: .zero, count: gradW2tCount)
    }

    deinit {
        for p in vectors { p.deallocate() }
        logits.deallocate()
        gradLogits.deallocate()
    }
}
