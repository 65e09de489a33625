import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model on fresh test sets.",
        discussion: "Without --seed the test sets come from the model's training seed, skipping the set `train` reported; with --seed S they are sets 0..<N of seed S.")

    @Option(help: "A model.safetensors written by spikeloc (or tensors w1 [inputs, hidden], w2 [hidden, classes] from elsewhere).")
    var model: String
    @Option(help: "Seed of the test sets.") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Batches per test set (default: the model's configuration).") var testBatches: Int?
    @Option(parsing: .unconditional, help: "Number of test sets, each with its own IPDs, noise and phase offset.") var repeats = 1
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try Console.guarded {
            guard repeats > 0 else { throw ConfigError(option: "--repeats", message: "must be a positive whole number, got \(repeats)") }
            let threads = try threading.count()
            let saved = try SavedModel.load(from: URL(fileURLWithPath: model))
            var config = saved.config
            if let testBatches { config.testBatches = testBatches }
            try config.validate(testSets: repeats, testSetsOption: "--repeats", threads: threads)
            let exp = Experiment(config)
            let engine = NetworkEngine(threads: threads)
            let network = saved.network
            let evaluations = exp.evaluateTestSets(network, seed: seed ?? config.seed, count: repeats,
                                                   first: seed == nil ? 1 : 0, engine: engine)
            let report = EvaluationReport(model: model, evaluations: evaluations, config: config)
            if json {
                print(String(decoding: JSONFiles.encode(report), as: UTF8.self))
            } else {
                for (i, e) in evaluations.enumerated() {
                    print(String(format: "test set %d: accuracy %.1f%%, absolute error %.2f deg", i + 1, e.accuracy, e.absErrorDeg))
                }
                print(String(format: "Chance accuracy level: %.1f%%", 100 / Double(config.classes)))
                print(String(format: "Test accuracy: %.1f%% +- %.1f (mean +- std over %d sets of %d samples), absolute error %.2f deg",
                             report.testAccuracy, report.testAccuracyStd, repeats, config.testSamples, report.testAbsErrorDeg))
            }
        }
    }
}

/// What `evaluate --json` prints.
struct EvaluationReport: Codable {
    var model: String
    var testSets: Int
    var samplesPerSet: Int
    var testAccuracy: Double
    var testAccuracyStd: Double
    var testAbsErrorDeg: Double
    var testAccuracies: [Double]
    var testAbsErrorsDeg: [Double]
    var chanceAccuracy: Double
    var testConfusion: [[Int]]

    init(model: String, evaluations: [Evaluation], config: ExperimentConfig) {
        self.model = model
        testSets = evaluations.count
        samplesPerSet = config.testSamples
        let a = Summary(evaluations.map(\.accuracy))
        testAccuracy = a.mean
        testAccuracyStd = a.std
        testAbsErrorDeg = Summary(evaluations.map(\.absErrorDeg)).mean
        testAccuracies = evaluations.map(\.accuracy)
        testAbsErrorsDeg = evaluations.map(\.absErrorDeg)
        chanceAccuracy = 100 / Double(config.classes)
        testConfusion = evaluations[0].confusion
    }
}
