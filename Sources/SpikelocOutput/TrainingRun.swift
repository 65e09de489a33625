import Foundation
import SoundLocalization
import SpikingCore

/// One training run, from its configuration to a finished run folder: train with a checkpoint
/// after every epoch, then evaluate, and write the model, the metrics and the report. The command
/// line, `sweep` and the tests all run training through this type.
public struct TrainingRun {
    /// The run's configuration.
    public let config: ExperimentConfig
    /// Its folder.
    public let folder: RunFolder
    /// Worker threads (results do not depend on it).
    public let threads: Int
    /// Test sets to evaluate at the end.
    public let testSets: Int
    /// The experiment of the configuration.
    public let experiment: Experiment
    /// The trainer.
    public let trainer: Trainer
    /// The training state (after the epochs done so far).
    public private(set) var state: TrainingState
    /// Whether the run continues from a checkpoint.
    public let isResumed: Bool

    /// A new run of a valid configuration in `folder` (prepared: see ``RunFolder/prepare(_:force:)``);
    /// writes `config.json`.
    public init(config: ExperimentConfig, folder: RunFolder, threads: Int, testSets: Int = 1) throws {
        precondition(threads > 0 && testSets > 0)
        try JSONFiles.write(config, to: folder.config)
        let experiment = Experiment(config)
        let trainer = Trainer(experiment: experiment, engine: NetworkEngine(threads: threads))
        self.init(config: config, folder: folder, threads: threads, testSets: testSets, experiment: experiment,
                  trainer: trainer, state: trainer.initialState(), isResumed: false)
    }

    /// The run in `folder`, continued from its checkpoint with the configuration saved there.
    public init(resuming folder: RunFolder, threads: Int, testSets: Int = 1) throws {
        precondition(threads > 0 && testSets > 0)
        let checkpoint = try Checkpoint.load(from: folder.checkpoint)
        _ = try RunFolder.prepare(folder.url, force: true)  // still writable?
        let experiment = Experiment(checkpoint.config)
        let trainer = Trainer(experiment: experiment, engine: NetworkEngine(threads: threads))
        self.init(config: checkpoint.config, folder: folder, threads: threads, testSets: testSets, experiment: experiment,
                  trainer: trainer, state: checkpoint.state, isResumed: true)
    }

    private init(config: ExperimentConfig, folder: RunFolder, threads: Int, testSets: Int, experiment: Experiment,
                 trainer: Trainer, state: TrainingState, isResumed: Bool) {
        self.config = config
        self.folder = folder
        self.threads = threads
        self.testSets = testSets
        self.experiment = experiment
        self.trainer = trainer
        self.state = state
        self.isResumed = isResumed
    }

    /// Whether training is over (early stop or every epoch done).
    public var isTrained: Bool { state.isFinished(epochs: config.epochs) }

    /// Trains until the run is finished, writing the checkpoint after every epoch. Throws
    /// ``TrainingError/interrupted(afterEpochs:)`` when `shouldStop` answers true (the checkpoint
    /// holds the last complete epoch), and ``TrainingError/nonFinite(epoch:batch:what:)`` on
    /// divergence, after saving the best model so far.
    public mutating func train(
        observe: (TrainingEvent) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws {
        do {
            while !isTrained {
                try trainer.runEpoch(&state, observe: observe, shouldStop: shouldStop)
                try Checkpoint(config: config, state: state).save(to: folder.checkpoint)
            }
        } catch let error as TrainingError {
            if case .nonFinite = error, state.bestEpoch != nil {
                try SavedModel(config: config, network: state.best).save(to: folder.model)
            }
            throw error
        }
    }

    /// Evaluates the trained network (training set with a fresh offset, and ``testSets`` test
    /// sets) and writes `model.safetensors`, `metrics.json`, the figures and `report.html`.
    /// `wallSeconds` is the time the whole run took, for the metrics. Returns the metrics and the
    /// report's files (the figures, then `report.html`).
    public func finish(wallSeconds: Double) throws -> (metrics: RunMetrics, reportFiles: [URL]) {
        precondition(isTrained, "TrainingRun.finish before training is over")
        let network = trainer.finalNetwork(state)
        let engine = trainer.engine
        let trainEval = experiment.evaluate(
            network, on: experiment.trainingSet, offset: experiment.trainEvaluationOffset,
            engine: engine)
        let tests = experiment.evaluateTestSets(network, seed: config.seed, count: testSets, engine: engine)
        let metrics = RunMetrics(config: config, state: state, threads: threads, train: trainEval.evaluation,
                                 tests: tests, wallSeconds: wallSeconds, network: network)
        try SavedModel(config: config, network: network).save(to: folder.model)
        try JSONFiles.write(metrics, to: folder.metrics)
        return (metrics, try RunReport.write(run: folder, threads: threads))
    }
}
