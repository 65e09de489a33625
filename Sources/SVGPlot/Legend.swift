/// The key of a panel: one row per labelled mark, in a translucent box in a corner of the axes.
struct Legend {
    /// The small sample drawn left of each label.
    enum Swatch {
        case line(dashed: Bool, markers: Bool, width: Double)
        case patch(opacity: Double)
        case tick
    }

    struct Entry {
        let label: String
        let color: String
        let swatch: Swatch
    }

    static let padding = 5.0
    static let swatchWidth = 22.0
    static let rowHeight = Style.legendFontSize + 5
    /// Distance from the axes' corner.
    static let inset = 6.0

    let entries: [Entry]

    /// Entries for the labelled marks, `colors[i]` being the resolved colour of `marks[i]`.
    init(marks: [Mark], colors: [String]) {
        entries = zip(marks, colors).compactMap { mark, color in
            switch mark {
            case .line(let series):
                return series.label.map {
                    Entry(label: $0, color: color, swatch: .line(dashed: series.dashed, markers: series.markers, width: series.lineWidth))
                }
            case .reference(let line):
                return line.label.map { Entry(label: $0, color: color, swatch: .line(dashed: line.dashed, markers: false, width: 1.2)) }
            case .histogram(let histogram):
                return histogram.label.map { Entry(label: $0, color: color, swatch: .patch(opacity: histogram.opacity)) }
            case .raster(let raster):
                return raster.label.map { Entry(label: $0, color: color, swatch: .tick) }
            case .heatMap, .annotation:
                return nil
            }
        }
    }

    /// The legend's box when placed at `position` (``LegendPosition/best`` is resolved against `marks`).
    func frame(in layout: PanelLayout, at position: LegendPosition, marks: [Mark]) -> Rect {
        let plot = layout.plot
        let textWidth = entries.map { Style.textWidth($0.label, fontSize: Style.legendFontSize) }.max() ?? 0
        let width = Self.padding * 2 + Self.swatchWidth + Style.gap * 1.5 + textWidth
        let height = Self.padding * 2 + Self.rowHeight * Double(entries.count)
        let left = plot.x + Self.inset
        let right = plot.maxX - Self.inset - width
        let top = plot.y + Self.inset
        let bottom = plot.maxY - Self.inset - height
        switch position {
        case .upperRight: return Rect(x: right, y: top, width: width, height: height)
        case .upperLeft: return Rect(x: left, y: top, width: width, height: height)
        case .lowerRight: return Rect(x: right, y: bottom, width: width, height: height)
        case .lowerLeft: return Rect(x: left, y: bottom, width: width, height: height)
        case .best:
            let corners: [LegendPosition] = [.upperRight, .upperLeft, .lowerLeft, .lowerRight]
            let frames = corners.map { frame(in: layout, at: $0, marks: marks) }
            let overlaps = frames.map { LegendOverlap(layout: layout, box: $0).count(marks) }
            return frames[overlaps.indices.min { overlaps[$0] < overlaps[$1] }!]
        }
    }

    func render(into svg: inout SVGBuilder, frame: Rect) {
        let (x, y, width, height) = (frame.x, frame.y, frame.width, frame.height)
        svg.open("g", ["class": "legend", "font-size": Style.legendFontSize])
        svg.element("rect", [
            "x": x, "y": y, "width": width, "height": height, "rx": 2,
            "fill": "#ffffff", "fill-opacity": 0.8, "stroke": "#cccccc", "stroke-width": 0.8,
        ])
        for (row, entry) in entries.enumerated() {
            let midY = y + Self.padding + Self.rowHeight * (Double(row) + 0.5)
            let swatchX = x + Self.padding
            switch entry.swatch {
            case .line(let dashed, let markers, let lineWidth):
                svg.element("line", [
                    "x1": swatchX, "y1": midY, "x2": swatchX + Self.swatchWidth, "y2": midY,
                    "stroke": entry.color, "stroke-width": lineWidth, "stroke-dasharray": dashed ? "6 3" : "none",
                ])
                if markers {
                    svg.element("circle", ["cx": swatchX + Self.swatchWidth / 2, "cy": midY, "r": 2.5, "fill": entry.color])
                }
            case .patch(let opacity):
                svg.element("rect", [
                    "x": swatchX, "y": midY - 4, "width": Self.swatchWidth, "height": 8,
                    "fill": entry.color, "fill-opacity": opacity,
                ])
            case .tick:
                svg.element("line", [
                    "x1": swatchX + Self.swatchWidth / 2, "y1": midY - 4, "x2": swatchX + Self.swatchWidth / 2, "y2": midY + 4,
                    "stroke": entry.color, "stroke-width": 1,
                ])
            }
            svg.element("text", [
                "x": swatchX + Self.swatchWidth + Style.gap * 1.5,
                "y": midY + Style.baselineOffset(fontSize: Style.legendFontSize),
            ], text: entry.label)
        }
        svg.close("g")
    }
}
