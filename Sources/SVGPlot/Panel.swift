/// One set of axes: marks drawn in data space with ticks, axis labels, a title, a legend (shown when
/// any mark has a label) and, for a heat map, a colour bar.
public struct Panel: Sendable {
    public var title: String
    /// Include the unit, e.g. "time (ms)".
    public var xLabel: String
    public var yLabel: String
    /// Visible x range; nil fits the data with 5 % margins (none past a heat map's extent or a histogram's base).
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Tick positions; nil chooses ``niceTicks(_:approximately:)`` for the axis length. Ticks outside the range are dropped.
    public var xTicks: [Double]?
    public var yTicks: [Double]?
    public var legendPosition: LegendPosition
    public var marks: [Mark]

    public init(
        title: String = "", xLabel: String = "", yLabel: String = "",
        xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
        xTicks: [Double]? = nil, yTicks: [Double]? = nil,
        legendPosition: LegendPosition = .best, marks: [Mark] = []
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xRange = xRange
        self.yRange = yRange
        self.xTicks = xTicks
        self.yTicks = yTicks
        self.legendPosition = legendPosition
        self.marks = marks
    }
}
