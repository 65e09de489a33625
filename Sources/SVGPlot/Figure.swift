import Foundation

/// A canvas holding panels in a grid, rendered as a standalone SVG document.
///
/// The SVG uses only inline attributes, the generic "sans-serif" font family and no `id`s, scripts,
/// images or external references, so it can be saved as a file or inlined as-is into an HTML page.
public struct Figure: Sendable {
    /// Canvas size in points (SVG user units).
    public var width: Double
    public var height: Double
    public var rows: Int
    public var columns: Int
    /// Drawn centred above all panels; empty for none.
    public var title: String
    /// Filled into the grid row by row; at most `rows × columns`.
    public var panels: [Panel]

    public init(width: Double = 640, height: Double = 480, rows: Int = 1, columns: Int = 1, title: String = "", panels: [Panel] = []) {
        self.width = width
        self.height = height
        self.rows = rows
        self.columns = columns
        self.title = title
        self.panels = panels
    }

    /// The complete SVG document, with `xmlns`, `width`, `height` and `viewBox` on the root element.
    /// - Precondition: `rows` and `columns` are positive and `panels` fit into the grid.
    public func svg() -> String {
        precondition(rows > 0 && columns > 0, "Figure needs at least one row and one column")
        precondition(panels.count <= rows * columns, "Figure has more panels than grid cells")
        var svg = SVGBuilder()
        svg.open("svg", [
            "xmlns": "http://www.w3.org/2000/svg", "width": width, "height": height,
            "viewBox": "0 0 \(svgNumber(width)) \(svgNumber(height))",
            "font-family": "sans-serif", "font-size": Style.tickFontSize,
        ])
        svg.element("rect", ["width": width, "height": height, "fill": "#ffffff"])
        var top = 0.0
        if !title.isEmpty {
            svg.element("text", [
                "class": "figure-title", "x": width / 2, "y": Style.gap * 2 + Style.figureTitleFontSize * 0.8,
                "font-size": Style.figureTitleFontSize, "text-anchor": "middle",
            ], text: title)
            top = Style.figureTitleFontSize + Style.gap * 3
        }
        let cellWidth = width / Double(columns)
        let cellHeight = (height - top) / Double(rows)
        for (index, panel) in panels.enumerated() {
            let cell = Rect(
                x: Double(index % columns) * cellWidth, y: top + Double(index / columns) * cellHeight,
                width: cellWidth, height: cellHeight)
            PanelRenderer(panel: panel, cell: cell).render(into: &svg)
        }
        svg.close("svg")
        return svg.markup
    }

    /// Writes ``svg()`` to `url` as UTF-8, atomically.
    public func write(to url: URL) throws {
        try Data(svg().utf8).write(to: url, options: .atomic)
    }
}
