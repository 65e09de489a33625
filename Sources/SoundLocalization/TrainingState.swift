import SpikingCore

/// Everything a training run has, between two epochs: enough to continue it exactly.
public struct TrainingState: Equatable, Sendable {
    /// The current network.
    public var network: SpikingNetwork
    /// A copy of the network after the epoch with the lowest validation loss.
    public var best: SpikingNetwork
    /// The optimiser, with its moments and step count.
    public var optimizer: Adam
    /// The delay positions' own optimiser (networks with delays), or `nil`.
    public var positionOptimizer: Adam?
    /// Epochs completed.
    public var epoch: Int = 0
    /// Mean training loss of each completed epoch.
    public var trainLoss: [Double] = []
    /// Mean validation loss of each completed epoch.
    public var validationLoss: [Double] = []
    /// Lowest validation loss so far (the notebook starts from 1e10).
    public var bestValidationLoss: Double = 1e10
    /// Epoch (0-based) of ``best``, or `nil` before any improvement.
    public var bestEpoch: Int?
    /// Epoch (0-based) at which early stopping triggered, if it did.
    public var earlyStopEpoch: Int?
    /// Wall time of each completed epoch in seconds.
    public var epochSeconds: [Double] = []

    /// The state before the first epoch.
    public init(network: SpikingNetwork, optimizer: Adam, positionOptimizer: Adam? = nil) {
        self.network = network
        best = network
        self.optimizer = optimizer
        self.positionOptimizer = positionOptimizer
    }

    /// Sets what the configuration's schedules prescribe for epoch `epoch`: the weights' learning
    /// rate and Adam beta1, the positions' learning rate and the delays' Gaussian width.
    public mutating func applySchedules(of config: ExperimentConfig, epoch: Int) {
        let schedule = config.weightSchedule(epoch: epoch)
        optimizer.learningRate = schedule.lr
        optimizer.beta1 = schedule.beta1
        positionOptimizer?.learningRate = config.positionLearningRate(epoch: epoch)
        if network.hasDelays { network.setDelaySigma(config.delaySigma(epoch: epoch)) }
    }

    /// One optimiser step on `network`: the delay positions with their own optimiser, if any,
    /// everything else with ``optimizer``.
    public mutating func step(_ gradients: LossAndGradients) {
        guard positionOptimizer != nil else { return optimizer.update(&network, gradients: gradients) }
        optimizer.update(&network, gradients: gradients, where: { !Self.isPosition($0) })
        positionOptimizer!.update(&network, gradients: gradients, where: Self.isPosition)
    }

    /// Whether a parameter is a delay position (trained by the positions' own optimiser).
    public static func isPosition(_ p: Parameter) -> Bool { p.name.hasPrefix("p") }

    /// Whether training is over (early stop or all epochs done), given the epoch limit.
    public func isFinished(epochs: Int) -> Bool { earlyStopEpoch != nil || epoch >= epochs }
}
