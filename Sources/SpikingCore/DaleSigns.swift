/// Fixed signs that make every presynaptic neuron either excitatory (+1) or inhibitory (-1)
/// (Dale's law). The effective weight is `|w| * sign` of its row, so training can change a
/// weight's size but never its sign.
public struct DaleSigns: Equatable, Sendable {
    /// Sign of each row of the input-to-hidden weights (one per input).
    public var inputSigns: [Float]
    /// Sign of each row of the hidden-to-output weights (one per hidden neuron).
    public var hiddenSigns: [Float]

    /// The notebook's mask (`get_dales_mask`): the *first* rows are inhibitory, as many as
    /// `torch.arange(ie_ratio * rows)` yields, i.e. `ceil(ieRatio * rows)` computed in double
    /// precision (so 0.1 x 30 = 3.0000000000000004 gives 4 inhibitory rows, as in PyTorch).
    public static func notebook(inputs: Int, hidden: Int, ieRatio: Double) -> DaleSigns {
        DaleSigns(inputSigns: mask(rows: inputs, ieRatio: ieRatio), hiddenSigns: mask(rows: hidden, ieRatio: ieRatio))
    }

    /// Signs of `rows` rows with the first `ceil(ieRatio * rows)` inhibitory.
    public static func mask(rows: Int, ieRatio: Double) -> [Float] {
        let inhibitory = min(rows, Int((ieRatio * Double(rows)).rounded(.up)))
        return (0 ..< rows).map { $0 < inhibitory ? -1 : 1 }
    }

    /// Creates signs from explicit row signs.
    public init(inputSigns: [Float], hiddenSigns: [Float]) {
        self.inputSigns = inputSigns
        self.hiddenSigns = hiddenSigns
    }
}

extension Matrix {
    /// `|w| * sign(row)` for every entry: the weights a Dale's-law network actually uses.
    public func signed(byRow signs: [Float]) -> Matrix {
        var result = self
        for r in 0 ..< rows {
            for c in 0 ..< columns { result[r, c] = abs(self[r, c]) * signs[r] }
        }
        return result
    }

    /// The chain rule through `|w| * sign`: `g * sign * sgn(w)`, with PyTorch's `sgn(0) = 0`.
    public func chainThroughSigned(byRow signs: [Float], weights: Matrix) -> Matrix {
        var result = self
        for r in 0 ..< rows {
            for c in 0 ..< columns {
                let w = weights[r, c]
                let sgn: Float = w > 0 ? 1 : (w < 0 ? -1 : 0)
                result[r, c] = self[r, c] * signs[r] * sgn
            }
        }
        return result
    }
}
