/// One axis of a panel: its visible data range and the ticks inside it with their labels.
struct Axis {
    let range: ClosedRange<Double>
    let ticks: [Double]
    let labels: [String]

    /// Keeps the `candidates` that lie in `range` (allowing for rounding) and labels them.
    init(range: ClosedRange<Double>, candidates: [Double]) {
        let slack = (range.upperBound - range.lowerBound) * 1e-9
        self.range = range
        ticks = candidates.filter { $0 >= range.lowerBound - slack && $0 <= range.upperBound + slack }
        labels = tickLabels(ticks)
    }

    /// How far along the range `value` lies: 0 at the lower bound, 1 at the upper.
    func fraction(_ value: Double) -> Double {
        (value - range.lowerBound) / (range.upperBound - range.lowerBound)
    }

    /// Estimated rendered widths of the tick labels.
    func labelWidths(fontSize: Double) -> [Double] {
        labels.map { Style.textWidth($0, fontSize: fontSize) }
    }

    /// A tick count suited to an axis `length` points long, `spacing` points per tick, within 3...9.
    static func tickCount(length: Double, spacing: Double) -> Int {
        min(max(Int(length / spacing), 3), 9)
    }
}
