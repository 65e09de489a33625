import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the sound-localisation network (the notebook's experiment by default).",
        discussion: """
        A checkpoint is written to the run folder after every epoch. SIGINT or SIGTERM stops after the current \
        batch (exit status 130 or 143); `--resume RUN_DIR` continues from the last complete epoch and ends \
        bit-identical to an uninterrupted run. A NaN or infinite loss or weight stops with exit status 3.
        """)

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var threading: ThreadOptions
    @Option(help: "Run folder for the model, metrics, checkpoint and report (default: runs/seed<SEED>-<date>-<time>).")
    var output: String?
    @Flag(help: "Overwrite an existing run folder.") var force = false
    @Option(help: "Continue the run in this folder from its checkpoint (its configuration is used; other experiment options are ignored).")
    var resume: String?
    @Option(parsing: .unconditional, help: "Test sets to evaluate after training (each with its own phase offset); figures are their mean.")
    var testSets = 1

    func run() throws {
        try Console.guarded {
            let start = Date()
            guard testSets > 0 else { throw ConfigError(option: "--test-sets", message: "must be a positive whole number, got \(testSets)") }
            let threads = try threading.count()
            var run = try prepare(threads: threads)
            let config = run.config, folder = run.folder
            if run.isResumed {
                print("Resuming \(folder.url.path) after epoch \(run.state.epoch) of at most \(config.epochs), \(threads) threads")
            } else {
                print("Training \(config.inputs) inputs -> \(config.hidden) LIF -> \(config.classes) outputs on \(config.trainSamples) samples, seed \(config.seed), \(threads) threads")
                print("Model: \(config.variantDescription)")
            }
            let stop = StopRequest()
            let bar = ProgressBar()
            do {
                try run.train(observe: { event in
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
                }, shouldStop: { stop.received != nil })
            } catch TrainingError.interrupted(let epochs) {
                bar.clear()
                let sig = stop.received ?? SIGINT
                Console.error("spikeloc: interrupted after \(epochs) complete epochs; the checkpoint in \(folder.url.path) holds them.")
                Console.error("Resume with: spikeloc train --resume \(folder.url.path)")
                throw ExitCode(128 + sig)
            } catch let error as TrainingError {
                bar.clear()
                if let best = run.state.bestEpoch {
                    Console.error("spikeloc: kept the checkpoint of epoch \(run.state.epoch) and the best model so far (epoch \(best + 1)) in \(folder.url.path)")
                }
                throw error
            }
            let (metrics, report) = try run.finish(wallSeconds: Date().timeIntervalSince(start))
            let state = run.state
            let tested = config.testWeights == .best ? "best (epoch \((state.bestEpoch ?? 0) + 1))" : "final"
            print(String(format: "Chance accuracy level: %.1f%%", metrics.chanceAccuracy))
            print(String(format: "Train classifier accuracy: %.1f%%, absolute error: %.2f deg, midpoint error: %.2f deg", metrics.trainAccuracy, metrics.trainAbsErrorDeg, metrics.trainMidpointErrorDeg))
            if testSets == 1 {
                print(String(format: "Test classifier accuracy: %.1f%%, absolute error: %.2f deg, midpoint error: %.2f deg", metrics.testAccuracy, metrics.testAbsErrorDeg, metrics.testMidpointErrorDeg))
                print("  (\(tested) weights; 1 test set of \(config.testSamples) samples, one phase offset: about 2 points")
                print("   from set to set; --test-sets N or `spikeloc evaluate --repeats N` average several)")
            } else {
                print(String(format: "Test classifier accuracy: %.1f%% +- %.1f, absolute error: %.2f deg, midpoint error: %.2f deg", metrics.testAccuracy, metrics.testAccuracyStd, metrics.testAbsErrorDeg, metrics.testMidpointErrorDeg))
                print("  (\(tested) weights, mean +- std over \(testSets) test sets of \(config.testSamples) samples)")
            }
            print("Wrote \(folder.url.path)/: model.safetensors, metrics.json, config.json, checkpoint.safetensors (\(String(format: "%.1f", metrics.wallSeconds)) s)")
            print("Wrote \(folder.report.path) and \(report.count - 1) figures (spikeloc report \(folder.url.path) rebuilds them)")
        }
    }

    /// The run: a new one, or the one in `--resume` continued from its checkpoint.
    private func prepare(threads: Int) throws -> TrainingRun {
        guard let resume else {
            let config = try experiment.config(testSets: testSets, threads: threads)
            let folder = try RunFolder.prepare(output.map { URL(fileURLWithPath: $0) } ?? RunFolder.defaultURL(seed: config.seed), force: force)
            return try TrainingRun(config: config, folder: folder, threads: threads, testSets: testSets)
        }
        guard output == nil else { throw ConfigError(option: "--output", message: "cannot be combined with --resume (the run continues in its own folder)") }
        let run = try TrainingRun(resuming: RunFolder(url: URL(fileURLWithPath: resume)), threads: threads, testSets: testSets)
        try run.config.validate(testSets: testSets, threads: threads)
        return run
    }
}
