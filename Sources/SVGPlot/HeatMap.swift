/// A matrix drawn as coloured cells over a data-space extent, like matplotlib's `imshow(extent=…)`,
/// with an optional colour bar to the right of the axes. Each finite cell is a `<rect class="cell">`;
/// non-finite cells are left empty (transparent), as matplotlib does with NaN.
public struct HeatMap: Sendable {
    /// Where row 0 of ``values`` is drawn.
    public enum Origin: Sendable {
        /// Row 0 at the bottom (the low end of ``HeatMap/yExtent``).
        case lower
        /// Row 0 at the top, as an image is stored.
        case upper
    }

    /// Rows × columns; all rows have the same length.
    public var values: [[Double]]
    /// Data x span of all columns together: column `c` covers the `c`-th of `columns` equal parts.
    public var xExtent: ClosedRange<Double>
    /// Data y span of all rows together.
    public var yExtent: ClosedRange<Double>
    public var origin: Origin
    public var colorMap: ColorMap
    /// Values mapped to the ends of the colour map; nil uses the finite minimum and maximum.
    public var valueRange: ClosedRange<Double>?
    public var showsColorBar: Bool
    /// Text along the colour bar, e.g. "firing rate (Hz)".
    public var colorBarLabel: String

    /// - Precondition: every row of `values` has the same count.
    public init(
        values: [[Double]], xExtent: ClosedRange<Double>, yExtent: ClosedRange<Double>,
        origin: Origin = .lower, colorMap: ColorMap = .viridis, valueRange: ClosedRange<Double>? = nil,
        showsColorBar: Bool = true, colorBarLabel: String = ""
    ) {
        precondition(Set(values.map(\.count)).count <= 1, "HeatMap rows must have equal lengths")
        self.values = values
        self.xExtent = xExtent
        self.yExtent = yExtent
        self.origin = origin
        self.colorMap = colorMap
        self.valueRange = valueRange
        self.showsColorBar = showsColorBar
        self.colorBarLabel = colorBarLabel
    }

    /// ``valueRange``, or the finite data range (widened by 0.5 either way when all values are equal).
    var resolvedValueRange: ClosedRange<Double> {
        if let valueRange, valueRange.upperBound > valueRange.lowerBound { return valueRange }
        let finite = values.joined().filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        return low < high ? low...high : (low - 0.5)...(high + 0.5)
    }
}
