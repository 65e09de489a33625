/// The non-spiking read-out layer of the notebook: a leaky integrator `v(t+1) = alpha v(t) + I(t)`
/// started at 0, updated `steps - 1` times and recorded at all `steps` points, whose class score is
/// the sum of the record over time.
///
/// Because the layer is linear, that sum is a fixed weighting of the inputs over time:
/// `sum_t v(t) = sum_k c_k I(k)` with `c_k = sum_{j=0}^{steps-2-k} alpha^j` for `k < steps - 1`
/// and `c_{steps-1} = 0` (the last input is never integrated). ``timeWeights`` holds the `c_k`,
/// which lets the kernels compute the score, and its gradient, without a time loop.
public struct LeakyIntegratorReadout: Equatable, Sendable {
    /// Membrane decay per step, `exp(-dt / tau)`.
    public var alpha: Float
    /// Number of recorded time points.
    public let steps: Int
    /// `c_k`, the weight of the input at step `k` in the time-summed membrane.
    public let timeWeights: [Float]

    /// A read-out with the given decay over `steps` time points.
    public init(alpha: Float, steps: Int) {
        self.alpha = alpha
        self.steps = steps
        var weights = [Float](repeating: 0, count: steps)
        var c: Float = 0
        for k in stride(from: steps - 2, through: 0, by: -1) {
            c = c * alpha + 1
            weights[k] = c
        }
        timeWeights = weights
    }

    /// One step of the integrator: a pure function of the membrane and the input current.
    public func step(_ v: [Float], current: [Float]) -> [Float] {
        zip(v, current).map { alpha * $0 + $1 }
    }

    /// The recorded membrane over time for input currents `currents[t][unit]`, by explicit steps
    /// (the reference the closed form of ``timeWeights`` is tested against).
    public func evolve(_ currents: [[Float]]) -> [[Float]] {
        var v = [Float](repeating: 0, count: currents.first?.count ?? 0)
        var record = [v]
        for t in 0 ..< steps - 1 {
            v = step(v, current: currents[t])
            record.append(v)
        }
        return record
    }
}
