/// A vertical line across the whole axes at `x`, e.g. "best epoch" or "early stop".
public struct ReferenceLine: Sendable {
    public var x: Double
    public var color: String
    /// Legend text; nil keeps the line out of the legend.
    public var label: String?
    public var dashed: Bool

    public init(x: Double, color: String = "#7f7f7f", label: String? = nil, dashed: Bool = true) {
        self.x = x
        self.color = color
        self.label = label
        self.dashed = dashed
    }
}
