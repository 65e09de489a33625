import Foundation
import SpikingCore
import SVGPlot

/// Figure 7: the model's effective weights as heat maps, hidden units in the order of figure 5.
/// w1 is split by ear with its fibres along their phase delay; w2 has the output units along their class.
/// Each colour scale is symmetric about zero, so zero has the same colour in every panel of a matrix.
enum WeightFigure {
    static func make(_ data: ReportData) -> Figure {
        let order = data.hiddenTuning.order
        let w1 = data.model.w1, w2 = data.model.w2
        let fibres = data.config.anfPerEar
        // Fibre k of an ear has phase delay 90 k / (fibres - 1) degrees: cells are centred on the delays.
        let half = fibres > 1 ? 45 / Double(fibres - 1) : 0.5
        let w1Range = symmetricRange(w1.values), w2Range = symmetricRange(w2.values)
        let hiddenExtent = -0.5 ... Double(order.count) - 0.5
        let ears = [("Left ear", 0), ("Right ear", fibres)].map { title, first in
            Panel(
                title: "w1, \(title.lowercased())", xLabel: "phase delay of the input fibre (°)",
                yLabel: "hidden unit (by preferred IPD)", xTicks: stride(from: 0.0, through: 90, by: 15).map { $0 },
                marks: [.heatMap(HeatMap(
                    values: order.map { unit in (first ..< first + fibres).map { Double(w1[$0, unit]) } },
                    xExtent: -half ... 90 + half, yExtent: hiddenExtent, valueRange: w1Range, colorBarLabel: "weight"))])
        }
        let output = Panel(
            title: "w2", xLabel: "output unit (its class, °)", yLabel: "hidden unit (by preferred IPD)",
            xTicks: ReportStyle.ipdTicks,
            marks: [.heatMap(HeatMap(
                values: order.map { unit in (0 ..< w2.columns).map { Double(w2[unit, $0]) } },
                xExtent: -90 ... 90, yExtent: hiddenExtent, valueRange: w2Range, colorBarLabel: "weight"))])
        return Figure(width: ReportStyle.width, height: 440, columns: 3, title: "Weights", panels: ears + [output])
    }

    /// `-m...m` for the largest magnitude `m` of `values` (`-1...1` when all are zero).
    private static func symmetricRange(_ values: [Float]) -> ClosedRange<Double> {
        let largest = Double(values.lazy.map(abs).max() ?? 0)
        return largest > 0 ? -largest ... largest : -1 ... 1
    }
}
