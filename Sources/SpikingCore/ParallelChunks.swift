import Dispatch
import Foundation

/// Runs a fixed list of work items on up to `threads` threads. Items are handed out one at a
/// time to whichever worker is free (so a worker that wakes up late still gets its share), but
/// each item always covers the same samples and writes only its own results, and callers combine
/// the items' results in item order: the results are bit-identical whatever the number of threads.
///
/// The calling thread is worker 0; the others come from a pool of threads that live as long as
/// the process and sleep between calls (so a batch costs one wake-up per helper, not a thread
/// hand-off by Dispatch). A call made while the pool is busy (from another thread, or nested in
/// an item) runs on `DispatchQueue.concurrentPerform` instead. Every worker computes in the
/// caller's floating-point environment (e.g. ``SubnormalMode/flushingToZero(_:_:)``).
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
        let environment = UncheckedBox(SubnormalMode.current)  // the workers compute as the caller does
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body)
            let work = UncheckedBox({ (worker: Int) in
                SubnormalMode.with(environment.value) {
                    while let item = queue.next() { shared.value(item, worker) }
                }
            })
            if WorkerPool.shared.run(workers: workers, work.value) { return }
            DispatchQueue.concurrentPerform(iterations: workers) { worker in work.value(worker) }
        }
    }

    /// The number of cores the system reports.
    public static var availableCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// Threads that stay alive and run one job at a time: `job(worker)` on workers `1 ..< workers`
/// while the caller runs `job(0)`.
private final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let busy = NSLock()  // held by the one caller whose job runs
    private let condition = NSCondition()  // guards everything below
    private var generation = 0
    private var job: ((Int) -> Void)?
    private var helpers = 0  // workers 1 ... helpers take part in the current job
    private var pending = 0
    private var started = 0

    /// Runs `job` on `workers` threads (the caller is worker 0) and returns true, or returns
    /// false at once when the pool is busy.
    func run(workers: Int, _ job: @escaping (Int) -> Void) -> Bool {
        guard busy.try() else { return false }
        defer { busy.unlock() }
        condition.lock()
        while started < workers - 1 {
            started += 1
            let index = started
            let thread = Thread { [unowned self] in self.serve(index) }
            thread.name = "spikeloc worker \(index)"
            thread.start()
        }
        self.job = job
        helpers = workers - 1
        pending = workers - 1
        generation += 1
        condition.broadcast()
        condition.unlock()
        job(0)
        condition.lock()
        spin { pending == 0 }
        while pending > 0 { condition.wait() }
        self.job = nil
        condition.unlock()
        return true
    }

    /// With the lock held: checks `done` (under the lock) for a short while before the caller
    /// sleeps on the condition. Jobs come back to back (a batch's parallel steps, then the next
    /// batch), and waking a sleeping thread takes tens of microseconds, a tenth of a small job.
    private func spin(until done: () -> Bool) {
        for _ in 0 ..< Self.spins where !done() {
            condition.unlock()
            condition.lock()
        }
    }

    /// Lock round trips before sleeping: about 50 microseconds.
    private static let spins = 2000

    private func serve(_ index: Int) {
        var seen = 0
        condition.lock()
        while true {
            spin { generation != seen }
            while generation == seen { condition.wait() }
            seen = generation
            guard index <= helpers, let job else { continue }
            condition.unlock()
            job(index)
            condition.lock()
            pending -= 1
            if pending == 0 { condition.broadcast() }
        }
    }
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
