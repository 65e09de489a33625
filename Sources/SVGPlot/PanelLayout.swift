/// Where a panel's axes go inside its cell, and the ticks of each axis.
///
/// Margins are sized from estimated text widths so tick labels, axis labels, the title and a colour bar
/// fit inside the cell without overlapping each other.
struct PanelLayout {
    let plot: Rect
    let x: Axis
    let y: Axis
    let colorBar: ColorBar?

    init(panel: Panel, cell: Rect) {
        let bounds = DataBounds(marks: panel.marks)
        let xRange = panel.xRange.map(widened) ?? bounds.x.axisRange
        let yRange = panel.yRange.map(widened) ?? bounds.y.axisRange

        let titleSpace = panel.title.isEmpty ? 0 : Style.titleFontSize + Style.gap * 2
        let top = cell.y + Style.gap * 2 + titleSpace
        let xLabelSpace = panel.xLabel.isEmpty ? 0 : Style.gap * 1.5 + Style.labelFontSize
        let bottom = cell.maxY - (Style.tickLength + Style.gap + Style.tickFontSize + xLabelSpace + Style.gap * 2)
        let height = max(bottom - top, 20)

        y = Axis(range: yRange, candidates: panel.yTicks
            ?? niceTicks(yRange, approximately: Axis.tickCount(length: height, spacing: 40)))
        colorBar = panel.marks.lazy.compactMap { mark -> HeatMap? in
            if case .heatMap(let map) = mark, map.showsColorBar { return map }
            return nil
        }.first.map { ColorBar(heatMap: $0, height: height) }

        let yLabelSpace = panel.yLabel.isEmpty ? 0 : Style.labelFontSize + Style.gap * 1.5
        let yTickLabelWidth = y.labelWidths(fontSize: Style.tickFontSize).max() ?? 0
        var left = cell.x + Style.gap * 2 + yLabelSpace + yTickLabelWidth + Style.gap + Style.tickLength
        var right = cell.maxX - Style.gap * 3 - (colorBar?.width ?? 0)
        // x tick labels are centred on their ticks; the outer ones may stick out past the axes.
        let leftLimit = cell.x + Style.gap
        let rightLimit = colorBar == nil ? cell.maxX - Style.gap : right + ColorBar.gap - Style.gap
        var xAxis = Self.xAxis(panel: panel, range: xRange, width: right - left)
        for _ in 0..<2 {
            let widths = xAxis.labelWidths(fontSize: Style.tickFontSize)
            guard let first = xAxis.ticks.first, let last = xAxis.ticks.last else { break }
            let firstEdge = left + xAxis.fraction(first) * (right - left) - widths[0] / 2
            let lastEdge = left + xAxis.fraction(last) * (right - left) + widths[widths.count - 1] / 2
            guard firstEdge < leftLimit || lastEdge > rightLimit else { break }
            left += max(0, leftLimit - firstEdge)
            right -= max(0, lastEdge - rightLimit)
            xAxis = Self.xAxis(panel: panel, range: xRange, width: right - left)
        }
        x = xAxis
        plot = Rect(x: left, y: top, width: max(right - left, 20), height: height)
    }

    /// Figure x coordinate of data value `value`.
    func px(_ value: Double) -> Double {
        plot.x + x.fraction(value) * plot.width
    }

    /// Figure y coordinate of data value `value` (data y grows upwards).
    func py(_ value: Double) -> Double {
        plot.maxY - y.fraction(value) * plot.height
    }

    /// The panel's x ticks, or automatic ones thinned until neighbouring labels no longer overlap.
    private static func xAxis(panel: Panel, range: ClosedRange<Double>, width: Double) -> Axis {
        if let ticks = panel.xTicks { return Axis(range: range, candidates: ticks) }
        var count = Axis.tickCount(length: width, spacing: 70)
        while true {
            let axis = Axis(range: range, candidates: niceTicks(range, approximately: count))
            let widths = axis.labelWidths(fontSize: Style.tickFontSize)
            let fits = axis.ticks.indices.dropFirst().allSatisfy { index in
                let distance = (axis.fraction(axis.ticks[index]) - axis.fraction(axis.ticks[index - 1])) * width
                return distance >= (widths[index] + widths[index - 1]) / 2 + Style.gap * 2
            }
            if fits || count <= 2 { return axis }
            count -= 1
        }
    }
}
