import Foundation
import SoundLocalization
import SVGPlot

/// Figures 5 and 6, from the model's activity on the first test set: hidden spikes, hidden tuning
/// curves and output responses against IPD. Hidden units are ordered by preferred IPD throughout.
enum ActivityFigures {
    /// IPDs (degrees) near which the spike-raster samples are picked.
    private static let rasterTargets = [-60.0, 0, 60]
    /// Hidden units drawn as separate tuning curves.
    private static let exampleUnits = 6

    /// Figure 5a: hidden spikes of the test samples whose IPDs lie closest to ``rasterTargets``.
    static func hiddenSpikes(_ data: ReportData) -> Figure {
        let order = data.hiddenTuning.order
        let rank = ranks(order)
        let raster = data.test.scores.hiddenRaster
        let silent = order.count - data.hiddenTuning.preferredIPD.compactMap { $0 }.count
        let separators = silent > 0 ? [Raster.Separator(y: Double(order.count - silent) - 0.5, label: "no preferred IPD")] : []
        let panels = rasterSamples(data.test.data.ipds).map { sample in
            var time: [Double] = [], unit: [Double] = []
            for step in 0 ..< raster.steps {
                for channel in raster.activeChannels(sample: sample, step: step) {
                    time.append(Double(step) * data.config.dtMs)
                    unit.append(Double(rank[channel]))
                }
            }
            return Panel(
                title: "Test sample \(sample): IPD = \(ReportStyle.degreeText(data.test.data.ipds[sample]))",
                xLabel: "time (ms)", yLabel: "hidden unit (by preferred IPD)",
                xRange: 0 ... Double(data.config.steps) * data.config.dtMs, yRange: -0.5 ... Double(order.count) - 0.5,
                marks: [.raster(Raster(x: time, y: unit, separators: separators))])
        }
        return Figure(width: ReportStyle.width, height: 400, columns: panels.count,
                      title: "Hidden layer spikes (\(order.count) units)", panels: panels)
    }

    /// Figure 5b: every hidden unit's firing rate against IPD as a heat map, and a few units as curves.
    static func hiddenTuning(_ data: ReportData) -> Figure {
        let tuning = data.hiddenTuning
        let units = tuning.order.count
        let map = HeatMap(
            values: tuning.order.map { tuning.responses[$0] }, xExtent: -90 ... 90, yExtent: -0.5 ... Double(units) - 0.5,
            colorBarLabel: "firing rate (Hz)")
        let preferring = tuning.order.filter { tuning.preferredIPD[$0] != nil }
        let shown = evenlySpaced(preferring, count: exampleUnits)
        let centres = tuning.centres.map(ReportStyle.degrees)
        let curves = shown.enumerated().map { index, unit in
            Mark.line(LineSeries(
                x: centres, y: tuning.responses[unit], color: ReportStyle.sequentialColor(index, of: shown.count),
                label: "unit \(unit), prefers \(ReportStyle.degreeText(tuning.preferredIPD[unit]!))", markers: true))
        }
        // Head room above the curves for the legend.
        let highest = shown.flatMap { tuning.responses[$0] }.filter(\.isFinite).max() ?? 0
        return Figure(width: ReportStyle.width, height: 440, columns: 2, title: "Hidden layer tuning to IPD", panels: [
            Panel(title: "All units, by preferred IPD", xLabel: "IPD (°)", yLabel: "hidden unit (by preferred IPD)",
                  xTicks: ReportStyle.ipdTicks, marks: [.heatMap(map)]),
            Panel(title: "Tuning curves of \(shown.count) units", xLabel: "IPD (°)", yLabel: "firing rate (Hz)",
                  xRange: -90 ... 90, yRange: highest > 0 ? 0 ... highest * 1.5 : nil, xTicks: ReportStyle.ipdTicks,
                  marks: curves),
        ])
    }

    /// Figure 6: each output unit's mean time-summed membrane against IPD, as a heat map and as
    /// curves labelled at their peaks with the centre of the unit's class.
    static func output(_ data: ReportData) -> Figure {
        let tuning = data.outputTuning
        let classes = data.experiment.classes
        let centres = tuning.centres.map(ReportStyle.degrees)
        var curves: [Mark] = []
        var labels: [Mark] = []
        for (unit, response) in tuning.responses.enumerated() {
            let color = ReportStyle.sequentialColor(unit, of: classes.count)
            curves.append(.line(LineSeries(x: centres, y: response, color: color)))
            if let peak = response.filter(\.isFinite).max(), let bin = response.firstIndex(of: peak) {
                labels.append(.annotation(Annotation(ReportStyle.degreeText(classes.midpoint(unit)), x: centres[bin], y: peak,
                                                     alignment: .middle, color: color)))
            }
        }
        let finite = tuning.responses.joined().filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 0
        return Figure(width: ReportStyle.width, height: 480, columns: 2, title: "Output layer responses to IPD", panels: [
            Panel(title: "Output units against IPD", xLabel: "IPD (°)", yLabel: "output unit (its class, °)",
                  xTicks: ReportStyle.ipdTicks, yTicks: ReportStyle.ipdTicks,
                  marks: [.heatMap(HeatMap(values: tuning.responses, xExtent: -90 ... 90, yExtent: -90 ... 90,
                                           colorBarLabel: "mean summed membrane"))]),
            Panel(title: "One curve per output unit, labelled with its class", xLabel: "IPD (°)",
                  yLabel: "mean summed membrane", xRange: -90 ... 90,
                  yRange: high > low ? low - 0.05 * (high - low) ... high + 0.1 * (high - low) : nil,
                  xTicks: ReportStyle.ipdTicks, marks: curves + labels),
        ])
    }

    /// `ranks[unit]`: the position of each unit in `order`.
    private static func ranks(_ order: [Int]) -> [Int] {
        var ranks = [Int](repeating: 0, count: order.count)
        for (position, unit) in order.enumerated() { ranks[unit] = position }
        return ranks
    }

    /// For each of ``rasterTargets``, the first sample whose IPD lies closest to it.
    private static func rasterSamples(_ ipds: [Double]) -> [Int] {
        rasterTargets.compactMap { target in
            ipds.indices.min { abs(ReportStyle.degrees(ipds[$0]) - target) < abs(ReportStyle.degrees(ipds[$1]) - target) }
        }
    }

    /// Up to `count` items of `items`, evenly spaced from the first to the last.
    private static func evenlySpaced(_ items: [Int], count: Int) -> [Int] {
        guard items.count > count, count > 1 else { return items }
        return (0 ..< count).map { items[Int((Double($0) * Double(items.count - 1) / Double(count - 1)).rounded())] }
    }
}
