import Foundation
import SVGPlot

/// A four-panel figure using every kind of mark, resembling a spikeloc training summary.
enum DemoFigure {
    static func make() -> Figure {
        Figure(width: 900, height: 680, rows: 2, columns: 2, title: "spikeloc — training summary", panels: [
            lossPanel(), histogramPanel(), confusionPanel(), rasterPanel(),
        ])
    }

    private static func lossPanel() -> Panel {
        let epochs = (1...40).map(Double.init)
        let train = epochs.map { 2.2 * exp(-$0 / 9) + 0.18 }
        let validation = epochs.map { 2.2 * exp(-$0 / 10) + 0.3 + 0.0004 * ($0 - 22) * ($0 - 22) * ($0 > 22 ? 1 : 0) }
        return Panel(
            title: "Loss", xLabel: "epoch", yLabel: "cross-entropy loss (nats)",
            marks: [
                .line(LineSeries(x: epochs, y: train, label: "training")),
                .line(LineSeries(x: epochs, y: validation, label: "validation", markers: true)),
                .reference(ReferenceLine(x: 24, color: "#2ca02c", label: "best epoch")),
                .reference(ReferenceLine(x: 34, color: "#d62728", label: "early stop")),
                .annotation(Annotation("validation loss rises", x: 33, y: 0.62, alignment: .end)),
            ])
    }

    private static func histogramPanel() -> Panel {
        let edges = stride(from: -70.0, through: -40.0, by: 2.5).map { $0 }
        let before = edges.dropLast().map { 120 * exp(-pow(($0 + 61) / 5, 2)) }
        let after = edges.dropLast().map { 90 * exp(-pow(($0 + 52) / 6, 2)) }
        return Panel(
            title: "Membrane potential at stimulus offset", xLabel: "membrane potential (mV)", yLabel: "neurons",
            marks: [
                .histogram(Histogram(edges: edges, counts: before, label: "before training")),
                .histogram(Histogram(edges: edges, counts: after, label: "after training")),
            ])
    }

    private static func confusionPanel() -> Panel {
        let classes = 12
        let values = (0..<classes).map { truth in
            (0..<classes).map { predicted in exp(-Double((truth - predicted) * (truth - predicted)) / 1.5) }
        }
        return Panel(
            title: "Confusion matrix", xLabel: "true azimuth (°)", yLabel: "predicted azimuth (°)",
            xTicks: stride(from: -90.0, through: 90, by: 30).map { $0 },
            yTicks: stride(from: -90.0, through: 90, by: 30).map { $0 },
            marks: [
                .heatMap(HeatMap(values: values, xExtent: -90...90, yExtent: -90...90, valueRange: 0...1, colorBarLabel: "fraction of trials")),
                .annotation(Annotation("diagonal = correct", x: -80, y: 75, color: "#ffffff")),
            ])
    }

    private static func rasterPanel() -> Panel {
        var x: [Double] = []
        var y: [Double] = []
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for neuron in 0..<80 {
            let rate = neuron < 40 ? 0.02 + 0.0015 * Double(neuron) : 0.08 - 0.0012 * Double(neuron - 40)
            for millisecond in 0..<200 where uniform() < rate {
                x.append(Double(millisecond) + uniform())
                y.append(Double(neuron))
            }
        }
        return Panel(
            title: "Input spikes, one trial", xLabel: "time (ms)", yLabel: "input neuron",
            marks: [
                .raster(Raster(x: x, y: y, separators: [
                    Raster.Separator(y: -0.5, label: "left ear"), Raster.Separator(y: 39.5, label: "right ear"),
                ])),
            ])
    }
}
