import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a saved model on fresh test sets.",
        discussion: """
        Without --seed the test sets come from the model's training seed, skipping the set `train` reported; with \
        --seed S they are sets 0..<N of seed S. The stimulus and network options replace the model's stored \
        configuration, so that weights trained elsewhere can be scored with their own settings (an explicit time \
        constant replaces learned ones); the weights fix the numbers of inputs, hidden neurons and classes.
        """)

    @Option(help: "A model.safetensors written by spikeloc (or tensors w1 [inputs, hidden], w2 [hidden, classes] from elsewhere).")
    var model: String
    @Option(help: "Seed of the test sets.") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Batches per test set (default: the model's configuration).") var testBatches: Int?
    @Option(parsing: .unconditional, help: "Number of test sets, each with its own IPDs, noise and phase offset.") var repeats = 1
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(parsing: .unconditional, help: "Phase-delay noise of the test sets, radians (default 0: clean).") var phaseJitter: Double?
    @OptionGroup(title: "Stimulus") var stimulus: StimulusOptions
    @OptionGroup(title: "Network") var networkOptions: NetworkOptions
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try Console.guarded {
            guard repeats > 0 else { throw ConfigError(option: "--repeats", message: "must be a positive whole number, got \(repeats)") }
            let threads = try threading.count()
            let saved = try SavedModel.load(from: URL(fileURLWithPath: model))
            var config = saved.config
            if let testBatches { config.testBatches = testBatches }
            stimulus.apply(to: &config)
            networkOptions.apply(to: &config)
            try config.validate(testSets: repeats, testSetsOption: "--repeats", threads: threads)
            if let phaseJitter {
                guard phaseJitter.isFinite, phaseJitter >= 0 else {
                    throw ConfigError(option: "--phase-jitter", message: "must be a finite number >= 0, got \(phaseJitter)")
                }
            }
            guard config.inputs == saved.w1.rows, config.hidden == saved.w1.columns, config.classes == saved.w2.columns else {
                throw ConfigError(option: "--anf-per-ear, --hidden, --classes",
                                  message: "must match the model's weights (\(saved.w1.rows) inputs, \(saved.w1.columns) hidden, \(saved.w2.columns) classes)")
            }
            let exp = Experiment(config)
            let engine = NetworkEngine(threads: threads)
            var network = exp.network(effectiveW1: saved.w1, effectiveW2: saved.w2)
            // the model's learned delay positions always stay; its learned time constants unless replaced
            let keepTau = !networkOptions.setsTimeConstants
            network.parameters = zip(network.parameters, saved.network.parameters).map { new, old in
                guard new.name == old.name, new.shape == old.shape,
                      new.name.hasPrefix("p") || (keepTau && new.name.hasPrefix("tau")) else { return new }
                var p = new
                p.setValues(old.values)
                return p
            }
            if let sigma = saved.network.delaySigma { network.setDelaySigma(sigma) }
            let evaluations = exp.evaluateTestSets(network, seed: seed ?? config.seed, count: repeats,
                                                   first: seed == nil ? 1 : 0, phaseJitter: phaseJitter ?? 0, engine: engine)
            let report = EvaluationReport(model: model, evaluations: evaluations, config: config)
            if json {
                print(String(decoding: JSONFiles.encode(report), as: UTF8.self))
            } else {
                for (i, e) in evaluations.enumerated() {
                    print(String(format: "test set %d: accuracy %.1f%%, absolute error %.2f deg, midpoint error %.2f deg",
                                 i + 1, e.accuracy, e.absErrorDeg, e.midpointErrorDeg))
                }
                print(String(format: "Chance accuracy level: %.1f%%", 100 / Double(config.classes)))
                print(String(format: "Test accuracy: %.1f%% +- %.1f (mean +- std over %d sets of %d samples), absolute error %.2f deg, midpoint error %.2f deg",
                             report.testAccuracy, report.testAccuracyStd, repeats, config.testSamples, report.testAbsErrorDeg,
                             report.testMidpointErrorDeg))
                print("Model: \(config.variantDescription)")
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
    var testMidpointErrorDeg: Double
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
        testMidpointErrorDeg = Summary(evaluations.map(\.midpointErrorDeg)).mean
        testAccuracies = evaluations.map(\.accuracy)
        testAbsErrorsDeg = evaluations.map(\.absErrorDeg)
        chanceAccuracy = 100 / Double(config.classes)
        testConfusion = evaluations[0].confusion
    }
}
