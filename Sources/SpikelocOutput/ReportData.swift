import Foundation
import SoundLocalization
import SpikingCore

/// Everything the report of one run shows: the saved model and metrics, and the model's activity
/// on the run's first test set (the set `metrics.json`'s test confusion matrix comes from).
struct ReportData {
    /// IPD bins of the tuning curves (10 degrees wide).
    static let tuningBins = 18

    let folder: RunFolder
    let model: SavedModel
    let metrics: RunMetrics
    let experiment: Experiment
    /// Test set 0 of the run's seed, with the hidden layer recorded.
    let test: EvaluatedSet
    /// Hidden firing rates (Hz) against IPD.
    let hiddenTuning: TuningCurves
    /// Mean time-summed output membrane against IPD.
    let outputTuning: TuningCurves

    /// Reads the model and metrics of `folder` and runs the model on test set 0 of its seed.
    /// Throws ``ModelFileError`` or ``JSONFileError`` naming the file that is missing or invalid.
    init(folder: RunFolder, threads: Int) throws {
        self.folder = folder
        model = try SavedModel.load(from: folder.model)
        metrics = try JSONFiles.read(RunMetrics.self, from: folder.metrics)
        let config = model.config
        try Self.check(metrics, classes: config.classes, file: folder.metrics)
        experiment = Experiment(config)
        let set = experiment.testSet(seed: config.seed, index: 0)
        test = experiment.evaluate(model.network, on: set.data, offset: set.offset,
                                   engine: NetworkEngine(threads: threads), recordHidden: true)
        hiddenTuning = .firingRates(ipds: set.data.ipds, spikeCounts: test.scores.hiddenCounts, units: config.hidden,
                                    bins: Self.tuningBins, duration: Double(config.steps) * config.dtMs / 1000)
        outputTuning = TuningCurves(ipds: set.data.ipds, values: test.scores.values, units: config.classes,
                                    bins: Self.tuningBins)
    }

    var config: ExperimentConfig { model.config }

    /// What the figures need of the metrics (which decode with defaults for missing keys): losses
    /// of every epoch and `classes x classes` confusion matrices.
    private static func check(_ m: RunMetrics, classes: Int, file: URL) throws {
        func fail(_ reason: String) -> JSONFileError { JSONFileError(reason: "\(file.path): \(reason)") }
        guard m.trainLoss.count == m.validationLoss.count else {
            throw fail("train_loss has \(m.trainLoss.count) epochs but validation_loss \(m.validationLoss.count)")
        }
        for (key, confusion) in [("train_confusion", m.trainConfusion), ("test_confusion", m.testConfusion)] {
            guard confusion.count == classes, confusion.allSatisfy({ $0.count == classes }) else {
                throw fail("\(key) must be \(classes) x \(classes) (one row and column per class of the model), got \(confusion.count) rows")
            }
        }
    }
}
