import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the sound-localisation network (the notebook's experiment by default).")

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var threading: ThreadOptions
    @Option(help: "Run folder for the model, metrics and report (default: runs/seed<SEED>-<date>-<time>).")
    var output: String?
    @Flag(help: "Overwrite an existing run folder.") var force = false
    @Option(help: "Test sets to evaluate after training (each with its own phase offset); figures are their mean.")
    var testSets = 1

    func run() throws {
        try Console.guarded {
            let start = Date()
            let config = try experiment.config()
            guard testSets > 0 else { throw ConfigError(option: "--test-sets", message: "must be a positive whole number, got \(testSets)") }
            let threads = try threading.count()
            let folder = try RunFolder.prepare(output.map { URL(fileURLWithPath: $0) } ?? RunFolder.defaultURL(seed: config.seed), force: force)
            try JSONFiles.write(config, to: folder.config)

            let exp = Experiment(config)
            let engine = NetworkEngine(threads: threads)
            let trainer = Trainer(experiment: exp, engine: engine)
            var state = trainer.initialState()
            print("Training \(config.inputs) inputs -> \(config.hidden) LIF -> \(config.classes) outputs on \(config.trainSamples) samples, seed \(config.seed), \(threads) threads\(config.dales ? ", Dale's law" : "")")
            let bar = ProgressBar()
            while !state.isFinished(epochs: config.epochs) {
                try trainer.runEpoch(&state, observe: { event in
                    switch event {
                    case let .batch(e, b, n, loss):
                        if b % 8 == 7 || b == n - 1 {
                            bar.update(label: "epoch \(e + 1)/\(config.epochs)", done: b + 1, total: n, note: String(format: "loss %.4f", loss))
                        }
                    case let .epoch(e, train, validation, improved, seconds):
                        bar.clear()
                        print(String(format: "epoch %3d  train loss %.4f  validation loss %.4f%@  %.2f s", e + 1, train, validation, improved ? " *" : "  ", seconds))
                    case let .earlyStop(e, best):
                        print("Early stop after epoch \(e + 1): no validation improvement on epoch \(best + 1) for \(config.earlyStopWindow - 1) epochs")
                    }
                })
            }
            let network = trainer.finalNetwork(state)
            let trainEval = exp.evaluate(network, on: exp.trainingSet,
                                         offset: RandomStream.trainEvaluationOffset.unitDouble(seed: config.seed), engine: engine)
            let tests = exp.evaluateTestSets(network, seed: config.seed, count: testSets, engine: engine)
            let accuracy = Summary(tests.map(\.accuracy)), error = Summary(tests.map(\.absErrorDeg))
            let tested = config.testWeights == .best ? "best (epoch \((state.bestEpoch ?? 0) + 1))" : "final"
            print(String(format: "Chance accuracy level: %.1f%%", 100 / Double(config.classes)))
            print(String(format: "Train classifier accuracy: %.1f%%, absolute error: %.2f deg", trainEval.evaluation.accuracy, trainEval.evaluation.absErrorDeg))
            if testSets == 1 {
                print(String(format: "Test classifier accuracy: %.1f%%, absolute error: %.2f deg", accuracy.mean, error.mean))
                print("  (\(tested) weights, 1 test set of \(config.testSamples) samples with one phase offset; it moves by about 2 points from set to set: use --test-sets N or `spikeloc evaluate --repeats N`)")
            } else {
                print(String(format: "Test classifier accuracy: %.1f%% +- %.1f, absolute error: %.2f deg", accuracy.mean, accuracy.std, error.mean))
                print("  (\(tested) weights, mean +- std over \(testSets) test sets of \(config.testSamples) samples)")
            }
            try SavedModel(config: config, network: network).save(to: folder.model)
            let metrics = RunMetrics(config: config, state: state, threads: threads, train: trainEval.evaluation,
                                     tests: tests, wallSeconds: Date().timeIntervalSince(start))
            try JSONFiles.write(metrics, to: folder.metrics)
            print("Wrote \(folder.url.path)/: model.safetensors, metrics.json, config.json (\(String(format: "%.1f", metrics.wallSeconds)) s)")
        }
    }
}
