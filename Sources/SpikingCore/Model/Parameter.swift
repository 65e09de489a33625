/// One named tensor of a network: its raw values, the rule that turns them into the values the
/// network uses, and whether training changes it. Adam, Dale's law, checkpoints and model files
/// all iterate a network's ``SpikingNetwork/parameters``.
public struct Parameter: Equatable, Sendable {
    /// The tensor's name (`w1`, `v1`, `tau1`, ...; see docs/core-model.md).
    public var name: String
    /// The shape, e.g. `[inputs, neurons]` for input-major weights.
    public let shape: [Int]
    /// The raw values, row-major; the network uses ``effectiveValues``.
    public private(set) var values: [Float]
    /// How raw values become the values in use.
    public let constraint: ParameterConstraint
    /// Whether the optimiser changes this tensor.
    public var isLearnable: Bool

    /// A parameter; `values.count` must equal the product of `shape`.
    public init(name: String, shape: [Int], values: [Float], constraint: ParameterConstraint = .none, isLearnable: Bool = true) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Parameter \(name): negative dimension in \(shape)")
        precondition(values.count == shape.reduce(1, *),
                     "Parameter \(name): \(values.count) values for shape \(shape)")
        constraint.check(shape: shape, name: name)
        self.name = name
        self.shape = shape
        self.values = values
        self.constraint = constraint
        self.isLearnable = isLearnable
    }

    /// A two-dimensional parameter over a matrix.
    public init(name: String, matrix: Matrix, constraint: ParameterConstraint = .none, isLearnable: Bool = true) {
        self.init(name: name, shape: [matrix.rows, matrix.columns], values: matrix.values,
                  constraint: constraint, isLearnable: isLearnable)
    }

    /// Number of values.
    public var count: Int { values.count }

    /// Replaces the raw values (same count), applying the constraint's clamp if it has one.
    public mutating func setValues(_ newValues: [Float]) {
        precondition(newValues.count == values.count,
                     "Parameter \(name): \(newValues.count) values for \(values.count)")
        values = constraint.clamped(newValues)
    }

    /// The values the network uses.
    public var effectiveValues: [Float] { constraint.effective(values, shape: shape) }

    /// The raw values as a matrix (two-dimensional parameters only).
    public var matrix: Matrix {
        precondition(shape.count == 2, "Parameter \(name) has shape \(shape), not a matrix")
        return Matrix(rows: shape[0], columns: shape[1], values: values)
    }

    /// The effective values as a matrix (two-dimensional parameters only).
    public var effectiveMatrix: Matrix {
        precondition(shape.count == 2, "Parameter \(name) has shape \(shape), not a matrix")
        return Matrix(rows: shape[0], columns: shape[1], values: effectiveValues)
    }

    /// The gradient with respect to the raw values, from the gradient with respect to the
    /// effective values (the chain rule through the constraint).
    public func rawGradient(_ effectiveGradient: [Float]) -> [Float] {
        precondition(effectiveGradient.count == values.count,
                     "Parameter \(name): gradient of \(effectiveGradient.count) values for \(values.count)")
        return constraint.chain(effectiveGradient, values: values, shape: shape)
    }

    /// True when every value is finite.
    public var isFinite: Bool { values.allSatisfy(\.isFinite) }
}
