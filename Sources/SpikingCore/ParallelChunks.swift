import Dispatch
import Foundation

/// Runs a fixed list of work items on up to `threads` threads. Each item always covers the same
/// samples and writes only its own buffers, and callers combine the items' results in item
/// order, so the results are bit-identical whatever the number of threads.
public enum ParallelChunks {
    /// Calls `body(item)` once for every item in `0 ..< count`, spread over `threads` threads.
    public static func run(count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for item in 0 ..< count { body(item) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var item = worker
                while item < count {
                    shared.value(item)
                    item += workers
                }
            }
        }
    }

    /// The number of cores the system reports.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
