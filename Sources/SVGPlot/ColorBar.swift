/// The colour scale of a heat map, drawn to the right of its panel's axes with ticks and a label.
struct ColorBar {
    static let gap = 12.0
    static let barWidth = 12.0
    /// Number of colour bands the bar is drawn with.
    static let steps = 128

    let colorMap: ColorMap
    let axis: Axis
    let label: String

    /// A colour bar for `heatMap` beside axes `height` points tall.
    init(heatMap: HeatMap, height: Double) {
        let range = heatMap.resolvedValueRange
        colorMap = heatMap.colorMap
        axis = Axis(range: range, candidates: niceTicks(range, approximately: Axis.tickCount(length: height, spacing: 45)))
        label = heatMap.colorBarLabel
    }

    /// Horizontal space the colour bar takes to the right of the axes.
    var width: Double {
        let labels = axis.labelWidths(fontSize: Style.tickFontSize).max() ?? 0
        let title = label.isEmpty ? 0 : Style.gap * 1.5 + Style.labelFontSize
        return Self.gap + Self.barWidth + Style.tickLength + Style.gap + labels + title
    }

    func render(into svg: inout SVGBuilder, beside plot: Rect) {
        let bar = Rect(x: plot.maxX + Self.gap, y: plot.y, width: Self.barWidth, height: plot.height)
        svg.open("g", ["class": "colorbar"])
        svg.open("g", ["shape-rendering": "crispEdges"])
        for step in 0..<Self.steps {
            let top = svgRounded(bar.maxY - bar.height * Double(step + 1) / Double(Self.steps))
            let bottom = svgRounded(bar.maxY - bar.height * Double(step) / Double(Self.steps))
            let color = colorMap.color((Double(step) + 0.5) / Double(Self.steps))
            svg.element("rect", ["x": bar.x, "y": top, "width": bar.width, "height": bottom - top, "fill": color])
        }
        svg.close("g")
        svg.element("rect", [
            "x": bar.x, "y": bar.y, "width": bar.width, "height": bar.height,
            "fill": "none", "stroke": Style.axisColor, "stroke-width": 0.8,
        ])
        var ticks = ""
        for tick in axis.ticks {
            ticks += "M" + svgNumber(bar.maxX) + " " + svgNumber(bar.maxY - axis.fraction(tick) * bar.height) + "h" + svgNumber(Style.tickLength)
        }
        if !ticks.isEmpty {
            svg.element("path", ["d": ticks, "stroke": Style.axisColor, "stroke-width": 0.8])
        }
        let labelX = bar.maxX + Style.tickLength + Style.gap
        for (tick, text) in zip(axis.ticks, axis.labels) {
            let y = bar.maxY - axis.fraction(tick) * bar.height + Style.baselineOffset(fontSize: Style.tickFontSize)
            svg.element("text", ["x": labelX, "y": y], text: text)
        }
        if !label.isEmpty {
            let widest = axis.labelWidths(fontSize: Style.tickFontSize).max() ?? 0
            let x = labelX + widest + Style.gap * 1.5 + Style.labelFontSize * 0.8
            svg.element("text", [
                "x": x, "y": bar.midY, "font-size": Style.labelFontSize, "text-anchor": "middle",
                "transform": "rotate(-90 \(svgNumber(x)) \(svgNumber(bar.midY)))",
            ], text: label)
        }
        svg.close("g")
    }
}
