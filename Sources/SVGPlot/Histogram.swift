/// Bars over bins `edges[i]..<edges[i + 1]` with heights `counts[i]`, filled semi-transparently so
/// several histograms in one panel stay visible through each other. Each bar is a `<rect class="bar">`.
public struct Histogram: Sendable {
    public var edges: [Double]
    public var counts: [Double]
    /// Fill colour; nil takes the next colour of ``Palette/tab10``.
    public var color: String?
    /// Legend text; nil keeps the histogram out of the legend.
    public var label: String?
    /// Fill opacity in 0...1.
    public var opacity: Double

    /// - Precondition: `edges.count == counts.count + 1`.
    public init(edges: [Double], counts: [Double], color: String? = nil, label: String? = nil, opacity: Double = 0.5) {
        precondition(edges.count == counts.count + 1, "Histogram needs one more edge than counts")
        self.edges = edges
        self.counts = counts
        self.color = color
        self.label = label
        self.opacity = opacity
    }
}
