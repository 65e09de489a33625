/// The data extents of a panel's marks, from which axis ranges are chosen when the panel gives none.
struct DataBounds {
    /// One axis' extent, plus whether its ends are "sticky" (matplotlib's term): a heat map's extent or a
    /// histogram's base is not padded past.
    struct Extent {
        private(set) var lower = Double.infinity
        private(set) var upper = -Double.infinity
        private var sticky: Set<Double> = []

        mutating func include(_ value: Double) {
            guard value.isFinite else { return }
            lower = min(lower, value)
            upper = max(upper, value)
        }

        mutating func include(_ values: [Double]) {
            for value in values { include(value) }
        }

        mutating func includeSticky(_ value: Double) {
            include(value)
            if value.isFinite { sticky.insert(value) }
        }

        /// The extent with a 5 % margin on each non-sticky side; 0...1 when empty.
        var axisRange: ClosedRange<Double> {
            guard lower <= upper else { return 0...1 }
            guard lower < upper else { return widened(lower...upper) }
            let margin = (upper - lower) * 0.05
            let low = sticky.contains(lower) ? lower : lower - margin
            let high = sticky.contains(upper) ? upper : upper + margin
            return low...high
        }
    }

    private(set) var x = Extent()
    private(set) var y = Extent()

    init(marks: [Mark]) {
        for mark in marks {
            switch mark {
            case .line(let series):
                for (px, py) in zip(series.x, series.y) where px.isFinite && py.isFinite {
                    x.include(px)
                    y.include(py)
                }
            case .reference(let line):
                x.include(line.x)
            case .histogram(let histogram):
                x.include(histogram.edges)
                y.includeSticky(0)
                y.include(histogram.counts)
            case .heatMap(let map):
                x.includeSticky(map.xExtent.lowerBound)
                x.includeSticky(map.xExtent.upperBound)
                y.includeSticky(map.yExtent.lowerBound)
                y.includeSticky(map.yExtent.upperBound)
            case .raster(let raster):
                x.include(raster.x)
                y.include(raster.y)
                y.include(raster.separators.map(\.y))
            case .annotation:
                break
            }
        }
    }
}

/// `range` itself, or widened around its single value when it has zero width.
func widened(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
    guard range.lowerBound == range.upperBound else { return range }
    let value = range.lowerBound
    let half = value == 0 ? 1 : abs(value) * 0.1
    return (value - half)...(value + half)
}
