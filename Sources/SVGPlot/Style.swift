/// Text sizes and spacings shared by all panels, close to matplotlib's defaults.
enum Style {
    static let tickFontSize = 10.0
    static let labelFontSize = 11.0
    static let titleFontSize = 12.0
    static let figureTitleFontSize = 14.0
    static let legendFontSize = 10.0
    static let annotationFontSize = 10.0
    static let tickLength = 3.5
    /// Gap between a tick and its label, or between neighbouring text blocks.
    static let gap = 4.0
    static let axisColor = "#000000"

    /// Estimated rendered width of `text`: sans-serif glyphs average about 0.6 em.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// Offset from a line's vertical centre to its baseline.
    static func baselineOffset(fontSize: Double) -> Double {
        fontSize * 0.35
    }
}
