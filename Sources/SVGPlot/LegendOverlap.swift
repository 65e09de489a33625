/// Counts how much of a panel's data a candidate legend box would hide, to place the legend where it hides least.
struct LegendOverlap {
    let layout: PanelLayout
    let box: Rect

    /// Line segments, histogram bars, raster events and reference lines that touch the box.
    /// Heat maps fill the whole axes and annotations are ignored, so they do not sway the choice.
    func count(_ marks: [Mark]) -> Int {
        marks.reduce(0) { total, mark in
            switch mark {
            case .line(let series):
                let points = zip(series.x, series.y).map { (x: layout.px($0), y: layout.py($1)) }
                return total + zip(points, points.dropFirst()).filter { start, end in
                    start.x.isFinite && start.y.isFinite && end.x.isFinite && end.y.isFinite && touches(start, end)
                }.count
            case .reference(let line):
                let x = layout.px(line.x)
                return total + (x >= box.x && x <= box.maxX ? 1 : 0)
            case .histogram(let histogram):
                return total + histogram.counts.indices.filter { bin in
                    let left = layout.px(histogram.edges[bin])
                    let right = layout.px(histogram.edges[bin + 1])
                    let top = layout.py(histogram.counts[bin])
                    return min(left, right) < box.maxX && max(left, right) > box.x && top < box.maxY && layout.py(0) > box.y
                }.count
            case .raster(let raster):
                return total + zip(raster.x, raster.y).filter { x, y in
                    let px = layout.px(x)
                    let py = layout.py(y)
                    return px >= box.x && px <= box.maxX && py >= box.y && py <= box.maxY
                }.count
            case .heatMap, .annotation:
                return total
            }
        }
    }

    /// Whether the segment from `start` to `end` passes through the box (Liang–Barsky clipping).
    private func touches(_ start: (x: Double, y: Double), _ end: (x: Double, y: Double)) -> Bool {
        let dx = end.x - start.x
        let dy = end.y - start.y
        var enter = 0.0
        var leave = 1.0
        for (p, q) in [(-dx, start.x - box.x), (dx, box.maxX - start.x), (-dy, start.y - box.y), (dy, box.maxY - start.y)] {
            if p == 0 {
                if q < 0 { return false }
            } else if p < 0 {
                enter = max(enter, q / p)
            } else {
                leave = min(leave, q / p)
            }
            if enter > leave { return false }
        }
        return true
    }
}
