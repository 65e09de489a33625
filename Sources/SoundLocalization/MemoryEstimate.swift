import Foundation
import SpikingCore

/// The memory a training run of a configuration needs, estimated from its sizes before anything
/// is allocated (all in floating point, so no size can overflow), in bytes, by part.
public struct MemoryEstimate: Equatable, Sendable {
    /// The parts of the estimate, each with the options that size it.
    public enum Part: String, CaseIterable, Sendable {
        case rasters = "stimulus rasters"
        case workspaces = "network workspaces"
        case weights = "weights and optimiser"
        case scores = "scores and data sets"
        case confusion = "confusion matrices"
        case report = "report figures"
        case base = "program"

        /// The options that size this part.
        public var options: String {
            switch self {
            case .rasters: return "--batch-size, --train-batches, --validation-batches, --test-batches, --duration-ms / --dt-ms, --anf-per-ear"
            case .workspaces: return "--hidden, --anf-per-ear, --duration-ms / --dt-ms, --batch-size, --threads"
            case .weights: return "--hidden, --anf-per-ear, --classes"
            case .scores: return "--batch-size, --train-batches, --validation-batches, --test-batches, --classes"
            case .confusion: return "--classes, --test-sets"
            case .report: return "--hidden, --anf-per-ear, --classes"
            case .base: return "(none)"
            }
        }
    }

    /// Bytes of each part.
    public var parts: [Part: Double]

    /// Bytes of one part.
    public subscript(part: Part) -> Double { parts[part] ?? 0 }

    /// Total bytes.
    public var total: Double { parts.values.reduce(0, +) }

    /// The largest part and the options that size it.
    public var largest: (part: Part, options: String) {
        let part = Part.allCases.max { self[$0] < self[$1] }!
        return (part, part.options)
    }

    /// `bytes` in binary units, e.g. "41.2 MiB".
    public static func format(_ bytes: Double) -> String {
        var value = bytes, unit = 0
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        if !value.isFinite || value >= 1024 { return String(format: "%.3g bytes", bytes) }
        return unit == 0 ? "\(Int(value)) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}

extension ExperimentConfig {
    /// The memory a `train` run of this configuration needs when it evaluates `testSets` test
    /// sets on `threads` threads: the largest allocations of the code as it is, in bytes.
    ///
    /// - stimulus rasters: the training and validation sets of an epoch, 1 bit per sample, step
    ///   and input, in whole 64-bit words per step, as `bench` holds them (`train`, `evaluate` and
    ///   sweeps build eight batches at a time, so for them this part is an upper bound);
    /// - network workspaces: one per chunk of 8 samples of a batch (at least one per thread),
    ///   each `(3 x steps + inputs + classes + 2)` vectors of the hidden layer padded to 32 neurons;
    /// - weights and optimiser: about ten copies of `w1` and `w2` (weights, best weights, Adam's
    ///   moments, gradients, the copy of an epoch in progress) and three padded copies;
    /// - scores and data sets: the scores of the largest set, IPDs, labels and batch order, the
    ///   hidden record of the report's test set;
    /// - confusion matrices: `classes^2` counts for the training set, each test set and the report;
    /// - report figures: about 200 bytes of SVG and HTML for each weight and confusion cell;
    /// - the program itself (runtime, libraries, buffers): 20 MiB.
    public func memoryEstimate(testSets: Int = 1, threads: Int = ParallelChunks.availableCores) -> MemoryEstimate {
        // every size as a Double: the product of huge values is large, never an overflow
        let steps = (durationMs / dtMs).rounded(), inputs = 2 * Double(anfPerEar)
        let hidden = Double(hidden), classes = Double(classes), batch = Double(batchSize)
        let train = batch * Double(trainBatches), validation = batch * Double(validationBatches), test = batch * Double(testBatches)
        let wordsPerStep = (inputs / 64).rounded(.up), paddedHidden = (hidden / 32).rounded(.up) * 32
        let sampleBytes = steps * wordsPerStep * 8
        let rasters = max(train + validation, test) * sampleBytes
        let workspaceCount = max((batch / 8).rounded(.up), Double(threads))
        let workspaces = workspaceCount * ((3 * steps + inputs + classes + 2) * paddedHidden * 4 + 8 * classes)
        let weightCount = inputs * hidden + hidden * classes
        let weights = 10 * weightCount * 4 + 3 * (inputs + classes) * paddedHidden * 4
        let largestSet = max(train, validation, test)
        let scores = largestSet * classes * 4 * 2 + (train + validation + test) * 24
            + test * (hidden * 4 + steps * (hidden / 64).rounded(.up) * 8)
        let confusion = (Double(testSets) + 2) * classes * (classes * 8 + 32)
        let report = 200 * (weightCount + 2 * classes * classes)
        return MemoryEstimate(parts: [
            .rasters: rasters, .workspaces: workspaces, .weights: weights, .scores: scores,
            .confusion: confusion, .report: report, .base: 20 * 1024 * 1024,
        ])
    }
}

/// How much memory a run may use: the machine's physical memory, or the limit of the control
/// group the process runs in (a container's limit), whichever is smaller.
public enum SystemMemory {
    /// The limit in bytes.
    public static var limit: Double { limits.bytes }

    /// Where ``limit`` comes from, for messages ("of physical memory", "allowed by the cgroup").
    public static var limitSource: String { limits.source }

    private static var limits: (bytes: Double, source: String) {
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        if let cgroup = cgroupLimit(), cgroup < physical || physical <= 0 { return (cgroup, "this process's cgroup allows") }
        return physical > 0 ? (physical, "of physical memory") : (16 * 1024 * 1024 * 1024, "assumed (physical memory unknown)")
    }

    private static func cgroupLimit() -> Double? {
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                  let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
            else { continue }
            return value
        }
        return nil
    }
}
