/// A spike raster: one short vertical tick per event `(x[i], y[i])`, e.g. time against neuron index.
///
/// To keep files small, all events of a raster are drawn as a single `<path class="events">` with one
/// `M x y v h` subpath per event inside the axes. Optional ``separators`` split the rows into labelled blocks.
public struct Raster: Sendable {
    /// A horizontal line at `y` whose label names the block of rows from this line up to the next one;
    /// the label is written just above the line at the left edge of the axes.
    public struct Separator: Sendable {
        public var y: Double
        public var label: String

        public init(y: Double, label: String) {
            self.y = y
            self.label = label
        }
    }

    public var x: [Double]
    public var y: [Double]
    public var color: String
    /// Legend text; nil keeps the raster out of the legend.
    public var label: String?
    public var separators: [Separator]

    /// - Precondition: `x` and `y` have the same count.
    public init(x: [Double], y: [Double], color: String = "#000000", label: String? = nil, separators: [Separator] = []) {
        precondition(x.count == y.count, "Raster needs as many x as y values")
        self.x = x
        self.y = y
        self.color = color
        self.label = label
        self.separators = separators
    }
}
