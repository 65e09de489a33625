/// Draws one ``Panel`` into its cell of a figure.
///
/// Marks are drawn inside a nested `<svg>` viewport covering the axes, which clips them to the axes
/// without needing an `id` (so several figures can be inlined into one HTML page without clashes).
struct PanelRenderer {
    let panel: Panel
    let layout: PanelLayout
    /// The colour of each mark, with ``Palette/tab10`` filled in for lines and histograms without one.
    let colors: [String]

    init(panel: Panel, cell: Rect) {
        self.panel = panel
        layout = PanelLayout(panel: panel, cell: cell)
        var next = 0
        colors = panel.marks.map { mark in
            let own: String?
            switch mark {
            case .line(let series): own = series.color
            case .histogram(let histogram): own = histogram.color
            case .reference(let line): return line.color
            case .raster(let raster): return raster.color
            case .annotation(let annotation): return annotation.color
            case .heatMap: return ""
            }
            if let own { return own }
            defer { next += 1 }
            return Palette.tab10[next % Palette.tab10.count]
        }
    }

    func render(into svg: inout SVGBuilder) {
        let plot = layout.plot
        svg.open("g", ["class": "panel"])
        svg.open("svg", [
            "x": plot.x, "y": plot.y, "width": plot.width, "height": plot.height,
            "viewBox": [plot.x, plot.y, plot.width, plot.height].map(svgNumber).joined(separator: " "),
            "overflow": "hidden",
        ])
        for (mark, color) in zip(panel.marks, colors) {
            switch mark {
            case .line(let series): draw(series, color: color, into: &svg)
            case .reference(let line): draw(line, into: &svg)
            case .histogram(let histogram): draw(histogram, color: color, into: &svg)
            case .heatMap(let map): draw(map, into: &svg)
            case .raster(let raster): draw(raster, into: &svg)
            case .annotation: break
            }
        }
        svg.close("svg")
        drawAxes(into: &svg)
        for case .annotation(let annotation) in panel.marks {
            svg.element("text", [
                "class": "annotation", "x": layout.px(annotation.x), "y": layout.py(annotation.y),
                "text-anchor": annotation.alignment.rawValue, "fill": annotation.color, "font-size": annotation.fontSize,
            ], text: annotation.text)
        }
        let legend = Legend(marks: panel.marks, colors: colors)
        if !legend.entries.isEmpty {
            legend.render(into: &svg, frame: legend.frame(in: layout, at: panel.legendPosition, marks: panel.marks))
        }
        layout.colorBar?.render(into: &svg, beside: plot)
        svg.close("g")
    }

    // MARK: Marks

    private func draw(_ series: LineSeries, color: String, into svg: inout SVGBuilder) {
        var path = ""
        var penDown = false
        for (x, y) in zip(series.x, series.y) {
            guard x.isFinite && y.isFinite else {
                penDown = false
                continue
            }
            path += (penDown ? "L" : "M") + svgNumber(layout.px(x)) + " " + svgNumber(layout.py(y))
            penDown = true
        }
        if !path.isEmpty {
            svg.element("path", [
                "class": "line", "d": path, "fill": "none", "stroke": color, "stroke-width": series.lineWidth,
                "stroke-linejoin": "round", "stroke-dasharray": series.dashed ? "6 3" : "none",
            ])
        }
        guard series.markers else { return }
        svg.open("g", ["fill": color])
        for (x, y) in zip(series.x, series.y) where layout.x.range.contains(x) && layout.y.range.contains(y) {
            svg.element("circle", ["class": "marker", "cx": layout.px(x), "cy": layout.py(y), "r": 2.5])
        }
        svg.close("g")
    }

    private func draw(_ line: ReferenceLine, into svg: inout SVGBuilder) {
        guard layout.x.range.contains(line.x) else { return }
        let x = layout.px(line.x)
        svg.element("line", [
            "class": "reference", "x1": x, "y1": layout.plot.y, "x2": x, "y2": layout.plot.maxY,
            "stroke": line.color, "stroke-width": 1.2, "stroke-dasharray": line.dashed ? "6 3" : "none",
        ])
    }

    private func draw(_ histogram: Histogram, color: String, into svg: inout SVGBuilder) {
        svg.open("g", ["class": "histogram", "fill": color, "fill-opacity": histogram.opacity])
        let base = layout.py(0)
        for (bin, count) in histogram.counts.enumerated() {
            let left = layout.px(histogram.edges[bin])
            let right = layout.px(histogram.edges[bin + 1])
            let top = layout.py(count.isFinite ? count : 0)
            svg.element("rect", [
                "class": "bar", "x": min(left, right), "y": min(top, base),
                "width": abs(right - left), "height": abs(base - top),
            ])
        }
        svg.close("g")
    }

    private func draw(_ map: HeatMap, into svg: inout SVGBuilder) {
        let rows = map.values.count
        let columns = map.values.first?.count ?? 0
        guard rows > 0, columns > 0 else { return }
        let values = map.resolvedValueRange
        // Cell edges are rounded once so neighbouring cells share them exactly and leave no seams.
        let xEdges = (0...columns).map { column in
            svgRounded(layout.px(map.xExtent.lowerBound
                + (map.xExtent.upperBound - map.xExtent.lowerBound) * Double(column) / Double(columns)))
        }
        let yEdges = (0...rows).map { row in
            let fraction = Double(row) / Double(rows)
            let span = map.yExtent.upperBound - map.yExtent.lowerBound
            let value = map.origin == .lower ? map.yExtent.lowerBound + span * fraction : map.yExtent.upperBound - span * fraction
            return svgRounded(layout.py(value))
        }
        svg.open("g", ["class": "heatmap", "shape-rendering": "crispEdges"])
        for (row, rowValues) in map.values.enumerated() {
            for (column, value) in rowValues.enumerated() where value.isFinite {
                let t = (value - values.lowerBound) / (values.upperBound - values.lowerBound)
                svg.element("rect", [
                    "class": "cell",
                    "x": min(xEdges[column], xEdges[column + 1]), "y": min(yEdges[row], yEdges[row + 1]),
                    "width": abs(xEdges[column + 1] - xEdges[column]), "height": abs(yEdges[row + 1] - yEdges[row]),
                    "fill": map.colorMap.color(t),
                ])
            }
        }
        svg.close("g")
    }

    private func draw(_ raster: Raster, into svg: inout SVGBuilder) {
        // Ticks are 80 % of a row tall (rows being one y unit apart), kept between 1 and 6 points.
        let tickHeight = min(max(0.8 * layout.plot.height / (layout.y.range.upperBound - layout.y.range.lowerBound), 1), 6)
        var path = ""
        for (x, y) in zip(raster.x, raster.y) where layout.x.range.contains(x) && layout.y.range.contains(y) {
            path += "M" + svgNumber(layout.px(x)) + " " + svgNumber(layout.py(y) - tickHeight / 2) + "v" + svgNumber(tickHeight)
        }
        if !path.isEmpty {
            svg.element("path", ["class": "events", "d": path, "stroke": raster.color, "stroke-width": 1])
        }
        for separator in raster.separators {
            let y = layout.py(separator.y)
            svg.element("line", [
                "class": "separator", "x1": layout.plot.x, "y1": y, "x2": layout.plot.maxX, "y2": y,
                "stroke": "#555555", "stroke-width": 0.8,
            ])
            svg.element("text", [
                // The baseline sits high enough for descenders and the halo to clear the line.
                "class": "separator-label", "x": layout.plot.x + Style.gap, "y": y - Style.gap * 1.5,
                "font-size": Style.annotationFontSize, "fill": "#333333",
                "stroke": "#ffffff", "stroke-width": 3, "stroke-linejoin": "round", "paint-order": "stroke",
            ], text: separator.label)
        }
    }

    // MARK: Axes

    /// The frame, ticks, tick labels, axis labels and title.
    private func drawAxes(into svg: inout SVGBuilder) {
        let plot = layout.plot
        svg.element("rect", [
            "class": "frame", "x": plot.x, "y": plot.y, "width": plot.width, "height": plot.height,
            "fill": "none", "stroke": Style.axisColor, "stroke-width": 0.8,
        ])
        var ticks = ""
        for tick in layout.x.ticks {
            ticks += "M" + svgNumber(layout.px(tick)) + " " + svgNumber(plot.maxY) + "v" + svgNumber(Style.tickLength)
        }
        for tick in layout.y.ticks {
            ticks += "M" + svgNumber(plot.x) + " " + svgNumber(layout.py(tick)) + "h" + svgNumber(-Style.tickLength)
        }
        if !ticks.isEmpty {
            svg.element("path", ["class": "ticks", "d": ticks, "stroke": Style.axisColor, "stroke-width": 0.8])
        }

        let xLabelY = plot.maxY + Style.tickLength + Style.gap + Style.tickFontSize * 0.8
        svg.open("g", ["class": "tick-labels", "text-anchor": "middle"])
        for (tick, label) in zip(layout.x.ticks, layout.x.labels) {
            svg.element("text", ["x": layout.px(tick), "y": xLabelY], text: label)
        }
        svg.close("g")
        svg.open("g", ["class": "tick-labels", "text-anchor": "end"])
        for (tick, label) in zip(layout.y.ticks, layout.y.labels) {
            svg.element("text", [
                "x": plot.x - Style.tickLength - Style.gap,
                "y": layout.py(tick) + Style.baselineOffset(fontSize: Style.tickFontSize),
            ], text: label)
        }
        svg.close("g")

        if !panel.xLabel.isEmpty {
            let y = xLabelY + Style.gap * 1.5 + Style.labelFontSize
            svg.element("text", [
                "class": "axis-label", "x": plot.midX, "y": y, "font-size": Style.labelFontSize, "text-anchor": "middle",
            ], text: panel.xLabel)
        }
        if !panel.yLabel.isEmpty {
            let widest = layout.y.labelWidths(fontSize: Style.tickFontSize).max() ?? 0
            let x = plot.x - Style.tickLength - Style.gap - widest - Style.gap * 1.5
            svg.element("text", [
                "class": "axis-label", "x": x, "y": plot.midY, "font-size": Style.labelFontSize, "text-anchor": "middle",
                "transform": "rotate(-90 \(svgNumber(x)) \(svgNumber(plot.midY)))",
            ], text: panel.yLabel)
        }
        if !panel.title.isEmpty {
            svg.element("text", [
                "class": "title", "x": plot.midX, "y": plot.y - Style.gap * 2, "font-size": Style.titleFontSize,
                "text-anchor": "middle",
            ], text: panel.title)
        }
    }
}
