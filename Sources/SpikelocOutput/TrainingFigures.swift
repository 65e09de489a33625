import Foundation
import SoundLocalization
import SVGPlot

/// Figures 2 to 4, drawn from `metrics.json` alone: the loss curves and, as the notebook's
/// `report_accuracy` shows them for the training and the test set, the IPD histograms and the
/// confusion matrices.
enum TrainingFigures {
    /// Figure 2: training and validation loss per epoch with the best epoch and any early stop.
    static func loss(_ metrics: RunMetrics) -> Figure {
        let epochs = metrics.trainLoss.indices.map { Double($0 + 1) }
        let markers = epochs.count <= 40
        var marks: [Mark] = [
            .line(LineSeries(x: epochs, y: metrics.trainLoss, color: ReportStyle.trainColor, label: "training", markers: markers)),
            .line(LineSeries(x: epochs, y: metrics.validationLoss, color: ReportStyle.validationColor,
                             label: "validation", markers: markers)),
        ]
        if let best = metrics.bestEpoch {
            marks.append(.reference(ReferenceLine(x: Double(best), color: ReportStyle.bestColor, label: "best epoch (\(best))")))
        }
        if let stop = metrics.earlyStopEpoch {
            marks.append(.reference(ReferenceLine(x: Double(stop), color: ReportStyle.stopColor, label: "early stop (\(stop))")))
        }
        let last = Double(max(epochs.count, 2))
        return Figure(
            width: ReportStyle.width * 0.6, height: 380, title: "Training curves",
            panels: [Panel(title: "Mean loss per epoch", xLabel: "epoch", yLabel: "cross-entropy loss (nats)",
                           xRange: 0.5 ... last + 0.5, marks: marks)])
    }

    /// Figure 3: histograms of the true and the estimated IPD class, training and test set.
    static func histograms(_ metrics: RunMetrics, classes: IPDClasses) -> Figure {
        let edges = classes.edges.map(ReportStyle.degrees)
        let panels = sets(metrics).map { set in
            let counts = ClassCounts(confusion: set.confusion)
            return Panel(
                title: set.title, xLabel: "IPD (°)", yLabel: "samples", xTicks: ReportStyle.ipdTicks,
                marks: [
                    .histogram(Histogram(edges: edges, counts: counts.truth, color: ReportStyle.trainColor, label: "true")),
                    .histogram(Histogram(edges: edges, counts: counts.estimated, color: ReportStyle.validationColor,
                                         label: "estimated")),
                ])
        }
        return Figure(width: ReportStyle.width, height: 380, columns: 2, title: "True versus estimated IPD", panels: panels)
    }

    /// Figure 4: the confusion matrices, each column (true class) normalised to sum to one.
    static func confusion(_ metrics: RunMetrics) -> Figure {
        let panels = sets(metrics).map { set in
            Panel(
                title: set.title, xLabel: "true IPD (°)", yLabel: "estimated IPD (°)",
                xTicks: ReportStyle.ipdTicks, yTicks: ReportStyle.ipdTicks,
                marks: [.heatMap(HeatMap(values: columnNormalised(set.confusion), xExtent: -90 ... 90, yExtent: -90 ... 90,
                                         valueRange: 0 ... 1, colorBarLabel: "fraction of the true class"))])
        }
        return Figure(width: ReportStyle.width, height: 480, columns: 2, title: "Confusion matrices", panels: panels)
    }

    /// `confusion[estimated][true]` divided by its column sums; NaN (drawn empty) for a class without samples.
    private static func columnNormalised(_ confusion: [[Int]]) -> [[Double]] {
        let totals = ClassCounts(confusion: confusion).truth
        return confusion.map { row in zip(row, totals).map { count, total in total > 0 ? Double(count) / total : .nan } }
    }

    /// The training and the test set's confusion matrix with panel titles.
    private static func sets(_ metrics: RunMetrics) -> [(title: String, confusion: [[Int]])] {
        let test = metrics.testSets > 1 ? "Test set 1 of \(metrics.testSets)" : "Test set"
        return [
            (String(format: "Training set: accuracy %.1f%%", metrics.trainAccuracy), metrics.trainConfusion),
            (test + String(format: ": accuracy %.1f%%", metrics.testAccuracies.first ?? metrics.testAccuracy),
             metrics.testConfusion),
        ]
    }
}

/// Samples per true and per estimated class of a `confusion[estimated][true]` matrix.
struct ClassCounts {
    /// Column sums: samples of each true class.
    let truth: [Double]
    /// Row sums: samples estimated as each class.
    let estimated: [Double]

    init(confusion: [[Int]]) {
        estimated = confusion.map { Double($0.reduce(0, +)) }
        truth = (0 ..< (confusion.first?.count ?? 0)).map { column in Double(confusion.reduce(0) { $0 + $1[column] }) }
    }
}
