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

    /// Whether training is over (early stop or all epochs done), given the epoch limit.
    public func isFinished(epochs: Int) -> Bool { earlyStopEpoch != nil || epoch >= epochs }
}
