/// Row signs for Dale's law (``ParameterConstraint/signedRows(_:)``): every presynaptic unit is
/// either excitatory (+1) or inhibitory (-1).
public enum DaleMask {
    /// The seed notebook's mask (`get_dales_mask`): the *first* rows are inhibitory, as many as
    /// `torch.arange(ie_ratio * rows)` yields, i.e. `ceil(ieRatio * rows)` computed in double
    /// precision (so 0.1 x 30 = 3.0000000000000004 gives 4 inhibitory rows, as in PyTorch).
    public static func contiguous(rows: Int, ieRatio: Double) -> [Float] {
        precondition(rows >= 0 && (0 ... 1).contains(ieRatio), "DaleMask: rows \(rows), ieRatio \(ieRatio)")
        let inhibitory = min(rows, Int((ieRatio * Double(rows)).rounded(.up)))
        return (0 ..< rows).map { $0 < inhibitory ? -1 : 1 }
    }
}

extension DaleMask {
    /// The Dales_law notebook's mask (`np.random.choice(rows, int(ie_ratio * rows), replace=False)`):
    /// `int(ieRatio * rows)` rows, drawn without replacement with `generator`, are inhibitory.
    public static func random(rows: Int, ieRatio: Double, using generator: inout Xoshiro256StarStar) -> [Float] {
        precondition(rows >= 0 && (0 ... 1).contains(ieRatio), "DaleMask: rows \(rows), ieRatio \(ieRatio)")
        let inhibitory = min(rows, Int(ieRatio * Double(rows)))
        var order = Array(0 ..< rows)
        order.fisherYatesShuffle(using: &generator)
        var signs = [Float](repeating: 1, count: rows)
        for row in order.prefix(inhibitory) { signs[row] = -1 }
        return signs
    }
}
