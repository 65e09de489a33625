import Dispatch
import Foundation

/// Runs a fixed list of work items on up to `threads` threads. Items are handed out one at a
/// time to whichever worker is free (so a worker that wakes up late still gets its share), but
/// each item always covers the same samples and writes only its own results, and callers combine
/// the items' results in item order: the results are bit-identical whatever the number of threads.
public enum ParallelChunks {
    /// Calls `body(item, worker)` once for every item in `0 ..< count`, spread over `threads`
    /// threads; `worker` (in `0 ..< threads`) identifies the thread's share of scratch buffers.
    public static func run(count: Int, threads: Int, _ body: (_ item: Int, _ worker: Int) -> Void) {
        let workers = max(1, min(threads, count))
        if workers == 1 {
            for item in 0 ..< count { body(item, 0) }
            return
        }
        let queue = ItemQueue(count: count)
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while let item = queue.next() { shared.value(item, worker) }
            }
        }
    }

    /// The number of cores the system reports.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Hands out the items `0 ..< count` in order, each once.
private final class ItemQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextItem = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.withLock {
            guard nextItem < count else { return nil }
            defer { nextItem += 1 }
            return nextItem
        }
    }
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
