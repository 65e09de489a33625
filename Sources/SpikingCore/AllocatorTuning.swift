#if canImport(Glibc)
import Glibc
#endif

/// Keeps freed memory in the process (Linux, glibc).
///
/// glibc's `malloc` maps blocks of 128 KiB and more separately and unmaps them when they are freed,
/// and returns the free top of its heaps to the kernel. The engine's per-batch buffers (each chunk's
/// gradients, the delay kernels' tap tables) are of that size, so every batch faulted them in again
/// page by page: about 190 000 page faults and 13-17 % of the time of a training batch of the
/// learned-delay model. ``NetworkEngine`` therefore raises both thresholds once per process to
/// 32 MiB (glibc's own upper limit for its adaptive threshold): freed buffers are reused by the
/// next batch. Peak memory is unchanged (measured: default `spikeloc train` 42.6 MB either way);
/// larger trim thresholds let the heap grow through fragmentation (55 MB at 256 MiB).
enum AllocatorTuning {
    /// Whether the thresholds were raised (`false` off glibc, where nothing is changed).
    static let keepsFreedMemory: Bool = {
        #if canImport(Glibc)
        // mallopt is not in Swift's Glibc module; M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (<malloc.h>)
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        return mallopt(-3, 32 << 20) == 1 && mallopt(-1, 32 << 20) == 1
        #else
        return false
        #endif
    }()
}
