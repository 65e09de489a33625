/// A polyline through `(x[i], y[i])`; a non-finite point breaks the line, as in matplotlib.
public struct LineSeries: Sendable {
    public var x: [Double]
    public var y: [Double]
    /// "#rrggbb" or any SVG colour; nil takes the next colour of ``Palette/tab10``.
    public var color: String?
    /// Legend text; nil keeps the series out of the legend.
    public var label: String?
    public var dashed: Bool
    /// Draws a small filled circle (class "marker") at every point inside the axes.
    public var markers: Bool
    /// Stroke width in points.
    public var lineWidth: Double

    /// - Precondition: `x` and `y` have the same count.
    public init(
        x: [Double], y: [Double], color: String? = nil, label: String? = nil,
        dashed: Bool = false, markers: Bool = false, lineWidth: Double = 1.5
    ) {
        precondition(x.count == y.count, "LineSeries needs as many x as y values")
        self.x = x
        self.y = y
        self.color = color
        self.label = label
        self.dashed = dashed
        self.markers = markers
        self.lineWidth = lineWidth
    }
}
