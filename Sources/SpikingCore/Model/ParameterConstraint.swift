/// How a ``Parameter``'s raw values become the values a network uses.
public enum ParameterConstraint: Equatable, Sendable {
    /// Used as they are.
    case none
    /// Dale's law: `|w| * sign(row)`, one sign (+1 excitatory, -1 inhibitory) per row, i.e. per
    /// presynaptic unit of an input-major weight matrix. The gradient of `|w|` is 0 at 0, as in PyTorch.
    case signedRows([Float])
    /// Excitatory only: `|w|` (the community's excitatory-only experiments).
    case nonNegative
    /// Kept at or above `minimum` by clamping after every change (time constants).
    case atLeast(Float)
    /// Kept within `lower ... upper` by clamping after every change (delay positions).
    case within(Float, Float)

    func check(shape: [Int], name: String) {
        if case let .signedRows(signs) = self {
            precondition(shape.count == 2 && signs.count == shape[0],
                         "Parameter \(name): \(signs.count) row signs for shape \(shape)")
            precondition(signs.allSatisfy { $0 == 1 || $0 == -1 }, "Parameter \(name): row signs must be +1 or -1")
        }
    }

    func effective(_ values: [Float], shape: [Int]) -> [Float] {
        switch self {
        case .none, .atLeast, .within: return values
        case .nonNegative: return values.map(abs)
        case let .signedRows(signs):
            let columns = shape[1]
            var result = values
            for r in 0 ..< shape[0] {
                for c in 0 ..< columns { result[r * columns + c] = abs(values[r * columns + c]) * signs[r] }
            }
            return result
        }
    }

    func chain(_ gradient: [Float], values: [Float], shape: [Int]) -> [Float] {
        func sgn(_ w: Float) -> Float { w > 0 ? 1 : (w < 0 ? -1 : 0) }
        switch self {
        case .none, .atLeast, .within: return gradient
        case .nonNegative: return zip(gradient, values).map { $0 * sgn($1) }
        case let .signedRows(signs):
            let columns = shape[1]
            var result = gradient
            for r in 0 ..< shape[0] {
                for c in 0 ..< columns {
                    let i = r * columns + c
                    result[i] = gradient[i] * signs[r] * sgn(values[i])
                }
            }
            return result
        }
    }

    func clamped(_ values: [Float]) -> [Float] {
        switch self {
        case let .atLeast(minimum): return values.map { $0.isNaN ? $0 : Swift.max($0, minimum) }
        case let .within(lower, upper): return values.map { $0.isNaN ? $0 : Swift.min(Swift.max($0, lower), upper) }
        default: return values
        }
    }
}
