/// The training loss of a classifier: the mean softmax cross-entropy of `outputScale * score`
/// over a batch, plus an optional firing-rate penalty on the hidden layers (docs/core-model.md).
public struct ClassificationLoss: Equatable, Sendable {
    /// Factor on the scores before the softmax (the notebook's 0.01).
    public var outputScale: Float
    /// The firing-rate penalty, or `nil`.
    public var ratePenalty: RatePenalty?

    /// A loss.
    public init(outputScale: Float = 0.01, ratePenalty: RatePenalty? = nil) {
        precondition(outputScale.isFinite, "ClassificationLoss: output scale must be finite")
        self.outputScale = outputScale
        self.ratePenalty = ratePenalty
    }
}

/// The paper's firing-rate regulariser, as its code computes it: for each hidden layer of `N`
/// units, `fr_j = spikes_j / (batch * duration)` in Hz over the batch and
/// `P = mean_j(c * (relu(fr_j - minHz) / (maxHz - minHz))^2) / N`, summed over the layers.
public struct RatePenalty: Equatable, Sendable {
    /// Weight `c` (the paper used ln 12).
    public var weight: Float
    /// Rate below which nothing is charged, Hz.
    public var minHz: Float
    /// Rate at which the charge reaches `c`, Hz.
    public var maxHz: Float

    /// A penalty; `maxHz` must exceed `minHz`.
    public init(weight: Float, minHz: Float = 100, maxHz: Float = 200) {
        precondition(weight >= 0 && weight.isFinite, "RatePenalty: weight must be >= 0, got \(weight)")
        precondition(maxHz > minHz && minHz.isFinite && maxHz.isFinite, "RatePenalty: need max > min, got \(minHz), \(maxHz)")
        self.weight = weight
        self.minHz = minHz
        self.maxHz = maxHz
    }

    /// The penalty of one layer from its units' spike counts over a batch of `batch` samples of
    /// `durationSeconds` each, and its derivative with respect to each single spike of each unit.
    public func evaluate(counts: [Float], batch: Int, durationSeconds: Float) -> (penalty: Float, perSpike: [Float]) {
        let n = Float(counts.count)
        let norm = Float(batch) * durationSeconds
        let span = maxHz - minHz
        var total: Float = 0
        var perSpike = [Float](repeating: 0, count: counts.count)
        for (j, count) in counts.enumerated() {
            let excess = Swift.max(count / norm - minHz, 0) / span
            total += weight * excess * excess
            perSpike[j] = weight * 2 * excess / span / norm / n / n
        }
        return (total / n / n, perSpike)
    }
}
