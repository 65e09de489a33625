import SVGPlot

/// Sizes, colours and angle formatting shared by the report's figures.
enum ReportStyle {
    /// Width of every figure in points: fits a 1200-pixel-wide browser window at full size.
    static let width = 1150.0
    /// IPD axis ticks in degrees.
    static let ipdTicks = stride(from: -90.0, through: 90, by: 30).map { $0 }
    static let trainColor = Palette.tab10[0]
    static let validationColor = Palette.tab10[1]
    static let bestColor = Palette.tab10[2]
    static let stopColor = Palette.tab10[3]

    /// `radians` in degrees.
    static func degrees(_ radians: Double) -> Double { radians * 180 / Double.pi }

    /// `radians` as whole degrees, e.g. "-64°".
    static func degreeText(_ radians: Double) -> String {
        let rounded = Int(degrees(radians).rounded())
        return "\(rounded)°"
    }

    /// `value` without a trailing ".0" ("20", "0.5").
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// A viridis colour for item `index` of `count`, stopping short of the pale yellow end so lines stay visible on white.
    static func sequentialColor(_ index: Int, of count: Int) -> String {
        ColorMap.viridis.color(count > 1 ? 0.85 * Double(index) / Double(count - 1) : 0)
    }
}
