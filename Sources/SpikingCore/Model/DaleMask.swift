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
