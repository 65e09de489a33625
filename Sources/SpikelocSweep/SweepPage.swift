import Foundation
import SoundLocalization
import SpikelocOutput
import SVGPlot

/// `sweep.html`: one self-contained page (inline SVG and CSS; no scripts, images or fonts) with
/// where the sweep stands, a figure per swept option (test accuracy and error against it, mean and
/// spread over the seeds, one line per value of the other swept options), the summary table and
/// every run linked to its own report. It is well-formed XML, in the style of the run report, and
/// holds nothing that differs between two runs of the same sweep (no dates, times or absolute
/// paths), so the same sweep run anywhere gives the same page.
struct SweepPage {
    let folder: SweepFolder
    let manifest: SweepManifest
    let rows: [SweepRow]
    let groups: [SweepGroup]

    /// Width of every figure, as the run report's.
    static let width = 1150.0
    /// At most this many lines in one panel.
    static let maxLines = 10

    var grid: SweepGrid { manifest.grid }

    var html: String {
        let name = folder.url.lastPathComponent
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>spikeloc sweep: \(escaped(name))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <h1>spikeloc sweep</h1>
            <p>Sweep <code>\(escaped(name))</code>: \(rows.count) runs, \(groups.count) \(groups.count == 1 ? "setting" : "settings") \
            × \(grid.seeds.count) \(grid.seeds.count == 1 ? "seed" : "seeds"), each an ordinary run folder under \
            <code>runs/</code> with its own report.</p>
            <h2>Summary</h2>
            <div class="summary">
            <div>
            <h3>Runs</h3>
            \(statusTable)
            </div>
            <div>
            <h3>Grid</h3>
            \(gridTable)
            </div>
            </div>

            """
        for (index, axis) in grid.axes.enumerated() {
            let plot = SweepPlot(grid: grid, groups: groups, axis: index)
            page += """
                <h2>\(index + 1). Against \(escaped(axis.option))</h2>
                <p>\(escaped(plot.caption))</p>
                <figure>
                \(plot.figure.svg())</figure>

                """
        }
        page += """
            <h2>Settings</h2>
            <p>Mean ± sample standard deviation over the done runs of each setting (count); accuracies in percent, \
            errors in degrees: the error is the true IPD against the midpoint of the estimated class, the midpoint \
            error the distance between the true and the estimated class midpoints (zero when the class is right). \
            Also in <code>summary.csv</code>.</p>
            \(summaryTable)
            <h2>Runs</h2>
            <p>Every run with a link to its report. Also in <code>results.csv</code>.</p>
            \(resultsTable)
            <p class="footer">Written by spikeloc \(escaped(SpikelocVersion.current)). <code>spikeloc sweep \(escaped(name))</code> \
            runs what is left and rebuilds this page; <code>spikeloc sweep \(escaped(name)) --status</code> tells where it stands.</p>
            </body>
            </html>

            """
        return page
    }

    private var statusTable: String {
        var counts: [SweepRunState: Int] = [:]
        for row in rows { counts[row.state, default: 0] += 1 }
        var table = "<table class=\"results\">\n"
        for state in SweepRunState.allCases where counts[state] != nil || state == .done {
            table += "<tr><th>\(state.rawValue)</th><td>\(counts[state] ?? 0) of \(rows.count)</td></tr>\n"
        }
        return table + "</table>"
    }

    private var gridTable: String {
        var entries = grid.axes.map { ($0.option, $0.values.joined(separator: ", ")) }
        entries.append(("seeds", SeedList.text(grid.seeds)))
        entries.append(("fixed options", grid.fixedArguments.isEmpty ? "(train's defaults)" : grid.fixedArguments.joined(separator: " ")))
        entries.append(("test sets per run", "\(grid.testSets)"))
        return "<table class=\"config\">\n"
            + entries.map { "<tr><th>\(escaped($0))</th><td>\(escaped($1))</td></tr>\n" }.joined()
            + "</table>"
    }

    private var summaryTable: String {
        let measures: [(String, SweepMeasure, String)] = [
            ("test accuracy", .testAccuracy, "%.1f"), ("test error", .testAbsErrorDeg, "%.2f"),
            ("test midpoint error", .testMidpointErrorDeg, "%.2f"),
            ("training accuracy", .trainAccuracy, "%.1f"), ("training error", .trainAbsErrorDeg, "%.2f"),
            ("epochs", .epochsRun, "%.1f"),
        ]
        var table = "<table class=\"runs\">\n<tr>"
        table += grid.axes.map { "<th>\(escaped($0.option))</th>" }.joined() + "<th>count</th>"
        table += measures.map { "<th>\($0.0)</th>" }.joined() + "</tr>\n"
        for group in groups {
            table += "<tr>" + group.values.map { "<td>\(escaped($0))</td>" }.joined()
            table += "<td>\(group.done.count) of \(group.rows.count)</td>"
            for (_, measure, format) in measures {
                if let s = group.summary(measure.value) {
                    table += "<td>" + String(format: format, s.mean) + (group.done.count > 1 ? " ± " + String(format: format, s.std) : "") + "</td>"
                } else {
                    table += "<td></td>"
                }
            }
            table += "</tr>\n"
        }
        return table + "</table>"
    }

    private var resultsTable: String {
        var table = "<table class=\"runs\">\n<tr><th>run</th>"
        table += grid.axes.map { "<th>\(escaped($0.option))</th>" }.joined()
        table += "<th>seed</th><th>status</th><th>test accuracy</th><th>test error</th><th>training accuracy</th><th>epochs (best)</th></tr>\n"
        for row in rows {
            let link = row.state == .done
                ? "<a href=\"runs/\(escaped(row.run.name))/report.html\">\(escaped(row.run.name))</a>" : escaped(row.run.name)
            table += "<tr><td>\(link)</td>" + row.run.values.map { "<td>\(escaped($0))</td>" }.joined()
            table += "<td>\(row.run.seed)</td><td>\(row.state.rawValue)</td>"
            if let m = row.metrics {
                table += "<td>" + String(format: "%.1f%%", m.testAccuracy) + "</td><td>" + String(format: "%.2f°", m.testAbsErrorDeg)
                    + "</td><td>" + String(format: "%.1f%%", m.trainAccuracy) + "</td><td>\(m.epochsRun)"
                    + (m.bestEpoch.map { " (\($0))" } ?? "") + "</td>"
            } else {
                table += "<td colspan=\"4\">\(escaped(row.message ?? ""))</td>"
            }
            table += "</tr>\n"
        }
        return table + "</table>"
    }

    /// The run report's look, with wide tables for the runs.
    private static let css = """
        body { font-family: sans-serif; color: #222; max-width: 1170px; margin: 16px auto; padding: 0 12px; }
        h1 { font-size: 26px; margin: 0 0 8px; }
        h2 { font-size: 20px; margin: 28px 0 4px; border-bottom: 1px solid #ccc; }
        h3 { font-size: 16px; margin: 16px 0 4px; }
        p { font-size: 15px; line-height: 1.4; margin: 4px 0 8px; }
        .footer { color: #666; }
        .summary { display: flex; flex-wrap: wrap; column-gap: 48px; }
        figure { margin: 0; }
        figure > svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
        table { border-collapse: collapse; font-size: 14px; }
        th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #e4e4e4; }
        th { font-weight: normal; color: #555; }
        table.results td { font-weight: bold; }
        table.config td { font-family: monospace; padding-right: 28px; }
        table.runs td { font-variant-numeric: tabular-nums; }
        table.runs th { font-weight: bold; color: #333; }
        """
}

/// The figure of one swept option: test accuracy and test error against its values.
struct SweepPlot {
    let grid: SweepGrid
    let groups: [SweepGroup]
    /// Index of the swept option on the x axis.
    let axis: Int

    /// The option's values as numbers, when all of them are.
    var numericValues: [Double]? {
        let numbers = grid.axes[axis].values.compactMap(Double.init)
        return numbers.count == grid.axes[axis].values.count && numbers.allSatisfy(\.isFinite) ? numbers : nil
    }

    /// Axes that tell the lines apart: every other swept option while that makes at most
    /// ``SweepPage/maxLines`` lines, else the other option with the fewest values.
    var lineAxes: (axes: [Int], pooled: [Int]) {
        let others = grid.axes.indices.filter { $0 != axis }
        let combinations = others.reduce(1) { $0 * grid.axes[$1].values.count }
        if combinations <= SweepPage.maxLines { return (others, []) }
        guard let fewest = others.min(by: { grid.axes[$0].values.count < grid.axes[$1].values.count }),
              grid.axes[fewest].values.count <= SweepPage.maxLines else { return ([], others) }
        return ([fewest], others.filter { $0 != fewest })
    }

    var caption: String {
        let option = grid.axes[axis].option
        var text = "Test accuracy and absolute error against \(option): the mean over the seeds"
        text += grid.seeds.count > 1 ? " with a bar of ± one sample standard deviation" : " (one seed)"
        let lineCount = lineAxes.axes.reduce(1) { $0 * grid.axes[$1].values.count }
        if grid.seeds.count > 1 && lineCount > 1 { text += " (the lines drawn slightly apart)" }
        let (lines, pooled) = lineAxes
        if !lines.isEmpty { text += "; one line per value of " + lines.map { grid.axes[$0].option }.joined(separator: " and ") }
        if !pooled.isEmpty { text += "; pooled over " + pooled.map { grid.axes[$0].option }.joined(separator: ", ") + " (too many combinations to draw)" }
        return text + "."
    }

    var figure: Figure {
        Figure(width: SweepPage.width, height: 400, columns: 2, title: "Against \(grid.axes[axis].option)", panels: [
            panel(.testAccuracy, title: "Test accuracy", yLabel: "test accuracy (%)"),
            panel(.testAbsErrorDeg, title: "Test absolute error", yLabel: "test absolute error (°)"),
        ])
    }

    private func panel(_ measure: SweepMeasure, title: String, yLabel: String) -> Panel {
        let axisValues = grid.axes[axis].values
        let numbers = numericValues
        let xs = numbers ?? axisValues.indices.map(Double.init)
        let (lineAxes, _) = self.lineAxes
        // the lines: every combination of the line axes' values
        let lineKeys: [[Int]] = lineAxes.reduce([[]]) { partial, a in partial.flatMap { p in grid.axes[a].values.indices.map { p + [$0] } } }
        var marks: [Mark] = []
        var low = Double.infinity, high = -Double.infinity
        // lines side by side around each value, a little apart, so that their bars do not hide each other
        let step = lineKeys.count > 1 && grid.seeds.count > 1
            ? (numbers != nil ? max((xs.max()! - xs.min()!) * 0.008, 1e-12) : 0.05) : 0
        for (lineIndex, key) in lineKeys.enumerated() {
            let color = Palette.tab10[lineIndex % Palette.tab10.count]
            let shift = step * (Double(lineIndex) - Double(lineKeys.count - 1) / 2)
            var means: [Double] = []
            var bars: [(x: Double, low: Double, high: Double)] = []
            for (valueIndex, x) in xs.enumerated() {
                let values = groups.filter { group in
                    group.values[axis] == axisValues[valueIndex]
                        && zip(lineAxes, key).allSatisfy { group.values[$0] == grid.axes[$0].values[$1] }
                }.flatMap(\.done).map(measure.value)
                guard !values.isEmpty else { means.append(.nan); continue }
                let s = Summary(values)
                means.append(s.mean)
                low = min(low, s.mean - s.std)
                high = max(high, s.mean + s.std)
                if values.count > 1 { bars.append((x + shift, s.mean - s.std, s.mean + s.std)) }
            }
            let label = lineAxes.isEmpty ? nil : zip(lineAxes, key).map { "\(grid.axes[$0].option)=\(grid.axes[$0].values[$1])" }.joined(separator: ", ")
            marks.append(.line(LineSeries(x: xs.map { $0 + shift }, y: means, color: color, label: label, markers: true)))
            for bar in bars {
                marks.append(.line(LineSeries(x: [bar.x, bar.x], y: [bar.low, bar.high], color: color, lineWidth: 1)))
            }
        }
        var panel = Panel(title: title, xLabel: grid.axes[axis].option, yLabel: yLabel, marks: marks)
        if numbers != nil {
            if xs.count <= 12 { panel.xTicks = xs }
        } else {
            // categories: no numeric ticks, their names written along the bottom of the axes
            if !low.isFinite { low = 0; high = 1 }
            let span = max(high - low, 1e-9)
            panel.yRange = (low - 0.15 * span) ... (high + 0.08 * span)
            panel.xRange = -0.5 ... Double(xs.count) - 0.5
            panel.xTicks = []
            for (index, value) in axisValues.enumerated() {
                marks.append(.annotation(Annotation(value, x: Double(index), y: low - 0.1 * span, alignment: .middle, color: "#444444", fontSize: 11)))
            }
            panel.marks = marks
        }
        return panel
    }
}

/// `text` with the characters that HTML and XML reserve escaped.
func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
