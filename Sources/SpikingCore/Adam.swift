import Foundation

/// The Adam optimiser (Kingma and Ba 2015) with the arithmetic of PyTorch's `torch.optim.Adam`
/// (single-tensor path, no weight decay, no AMSGrad): moments updated with `lerp` and
/// `addcmul`, bias corrections computed in double precision, and the update
/// `p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)`.
public struct Adam: Equatable, Sendable {
    /// Learning rate.
    public var learningRate: Double
    /// Decay of the first moment.
    public var beta1: Double
    /// Decay of the second moment.
    public var beta2: Double
    /// Added to the denominator.
    public var epsilon: Double
    /// Steps taken so far.
    public var step: Int = 0
    /// First moments, one array per parameter tensor.
    public var firstMoments: [[Float]] = []
    /// Second moments, one array per parameter tensor.
    public var secondMoments: [[Float]] = []

    /// An optimiser with PyTorch's defaults but for the learning rate.
    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Applies one step to `parameters` (each tensor flattened) with their `gradients`.
    public mutating func update(_ parameters: inout [Matrix], gradients: [Matrix]) {
        precondition(parameters.count == gradients.count)
        if firstMoments.isEmpty {
            firstMoments = parameters.map { [Float](repeating: 0, count: $0.values.count) }
            secondMoments = firstMoments
        }
        step += 1
        let bc1 = 1 - pow(beta1, Double(step))
        let bc2Sqrt = (1 - pow(beta2, Double(step))).squareRoot()
        let stepSize = Float(learningRate / bc1)
        let weight1 = Float(1 - beta1), keep2 = Float(beta2), weight2 = Float(1 - beta2)
        let bc2 = Float(bc2Sqrt), eps = Float(epsilon)
        for t in parameters.indices {
            precondition(gradients[t].values.count == parameters[t].values.count)
            gradients[t].values.withUnsafeBufferPointer { g in
                parameters[t].values.withUnsafeMutableBufferPointer { p in
                    firstMoments[t].withUnsafeMutableBufferPointer { m in
                        secondMoments[t].withUnsafeMutableBufferPointer { v in
                            AdamKernel.update(p, g, m, v, weight1: weight1, keep2: keep2, weight2: weight2,
                                      bc2: bc2, eps: eps, stepSize: stepSize)
                        }
                    }
                }
            }
        }
    }
}
