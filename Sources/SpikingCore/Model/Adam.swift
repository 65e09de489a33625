import Foundation

/// The Adam optimiser (Kingma and Ba 2015) with the arithmetic of PyTorch's `torch.optim.Adam`
/// (single-tensor path, no weight decay, no AMSGrad): moments updated with `lerp` and
/// `addcmul`, bias corrections computed in double precision, and the update
/// `p += (-lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps)` (PyTorch's `addcdiv`).
/// It keeps one pair of moments per learnable parameter, by name, and checks every shape.
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
    public private(set) var step: Int = 0
    /// First and second moments of each parameter updated so far, by parameter name.
    public private(set) var moments: [String: Moments] = [:]

    /// The moments of one parameter.
    public struct Moments: Equatable, Sendable {
        /// First moments.
        public var first: [Float]
        /// Second moments.
        public var second: [Float]

        /// Moments; both arrays must have the same length.
        public init(first: [Float], second: [Float]) {
            precondition(first.count == second.count, "Adam.Moments: \(first.count) first and \(second.count) second moments")
            self.first = first
            self.second = second
        }
    }

    /// An optimiser with PyTorch's defaults but for the learning rate.
    public init(learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Restores a saved state (a checkpoint): the step count and the moments by parameter name.
    public mutating func restore(step: Int, moments: [String: Moments]) {
        precondition(step >= 0, "Adam: negative step \(step)")
        self.step = step
        self.moments = moments
    }

    /// Applies one step to the learnable `parameters` with their `gradients` (one per parameter,
    /// in the same order, each as long as its parameter; those of fixed parameters are ignored).
    public mutating func update(_ parameters: inout [Parameter], gradients: [[Float]]) {
        update(&parameters, gradients: gradients, where: { _ in true })
    }

    /// Applies one step to the learnable `parameters` for which `include` is true (a parameter
    /// group: e.g. delay positions with their own optimiser and learning rate).
    public mutating func update(_ parameters: inout [Parameter], gradients: [[Float]], where include: (Parameter) -> Bool) {
        precondition(parameters.count == gradients.count, "Adam: \(gradients.count) gradients for \(parameters.count) parameters")
        for (p, g) in zip(parameters, gradients) {
            precondition(g.count == p.count, "Adam: gradient of \(g.count) values for \(p.name) of \(p.count)")
            if let m = moments[p.name], p.isLearnable {
                precondition(m.first.count == p.count, "Adam: moments of \(m.first.count) values for \(p.name) of \(p.count)")
            }
        }
        step += 1
        let bc1 = 1 - pow(beta1, Double(step))
        let bc2Sqrt = (1 - pow(beta2, Double(step))).squareRoot()
        let stepSize = Float(learningRate / bc1)
        let weight1 = Float(1 - beta1), keep2 = Float(beta2), weight2 = Float(1 - beta2)
        let bc2 = Float(bc2Sqrt), eps = Float(epsilon)
        for t in parameters.indices where parameters[t].isLearnable && include(parameters[t]) {
            let name = parameters[t].name
            var m = moments[name] ?? Moments(first: [Float](repeating: 0, count: parameters[t].count),
                                             second: [Float](repeating: 0, count: parameters[t].count))
            var values = parameters[t].values
            gradients[t].withUnsafeBufferPointer { g in
                values.withUnsafeMutableBufferPointer { p in
                    m.first.withUnsafeMutableBufferPointer { m1 in
                        m.second.withUnsafeMutableBufferPointer { m2 in
                            AdamKernel.update(p, g, m1, m2, weight1: weight1, keep2: keep2, weight2: weight2,
                                              bc2: bc2, eps: eps, stepSize: stepSize)
                        }
                    }
                }
            }
            moments[name] = m
            parameters[t].setValues(values)
        }
    }

    /// Applies one step to the learnable parameters of `network`.
    public mutating func update(_ network: inout SpikingNetwork, gradients: LossAndGradients) {
        update(&network, gradients: gradients, where: { _ in true })
    }

    /// Applies one step to the learnable parameters of `network` for which `include` is true.
    public mutating func update(_ network: inout SpikingNetwork, gradients: LossAndGradients, where include: (Parameter) -> Bool) {
        var parameters = network.parameters
        precondition(gradients.names == parameters.map(\.name), "Adam: gradients of \(gradients.names) for parameters \(parameters.map(\.name))")
        update(&parameters, gradients: gradients.gradients, where: include)
        network.parameters = parameters
    }
}
