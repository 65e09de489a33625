import Foundation
import SoundLocalization

/// `report.html`: the summary table and every figure inlined as SVG, in one self-contained page
/// (no scripts, images, fonts or links). The page is also well-formed XML.
struct ReportHTML {
    let data: ReportData
    let figures: [ReportFigure]

    var html: String {
        let config = data.config
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>spikeloc run report: \(escaped(data.folder.url.lastPathComponent))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            <h1>spikeloc run report</h1>
            <p>Run folder <code>\(escaped(data.folder.url.path))</code>: a spiking network of \
            \(config.inputs) input fibres, \(config.hidden) leaky integrate-and-fire units and \(config.classes) \
            read-out units, trained to tell the interaural phase difference (IPD) of a \
            \(ReportStyle.number(config.stimulusFrequencyHz)) Hz tone.</p>
            <h2>Summary</h2>
            <div class="summary">
            <div>
            <h3>Results</h3>
            \(resultsTable)
            </div>
            <div>
            <h3>Configuration</h3>
            \(configTable)
            </div>
            </div>

            """
        for figure in figures {
            page += """
                <h2>\(escaped(figure.heading))</h2>
                <p>\(escaped(figure.caption)) <span class="file">(\(escaped(figure.fileName)))</span></p>
                <figure>
                \(figure.figure.svg())</figure>

                """
        }
        page += """
            <p class="footer">Written by spikeloc \(escaped(SpikelocVersion.current)). \
            Rebuild with <code>spikeloc report \(escaped(data.folder.url.path))</code>.</p>
            </body>
            </html>

            """
        return page
    }

    /// Results of the run, from `metrics.json`, and of the report's own test-set run.
    private var resultsTable: String {
        let m = data.metrics
        let samples = data.config.testSamples
        let testSpread = m.testSets > 1
            ? String(format: "%.1f%% ± %.1f", m.testAccuracy, m.testAccuracyStd) + " (mean ± std, \(m.testSets) sets of \(samples))"
            : String(format: "%.1f%%", m.testAccuracy) + " (1 set of \(samples) samples)"
        let stop = m.earlyStopEpoch.map { "\($0) (early stop)" } ?? "\(m.epochsRun) (no early stop)"
        let best = m.bestEpoch.map { epoch in
            "\(epoch)" + (m.validationLoss.indices.contains(epoch - 1)
                ? String(format: " (validation loss %.4f)", m.validationLoss[epoch - 1]) : "")
        } ?? "none"
        let recomputed = data.test.evaluation
        func taus(_ values: [Float]) -> String {
            let sorted = values.sorted()
            return String(format: "%.2f to %.2f ms (median %.2f) over %d units", sorted.first ?? 0, sorted.last ?? 0,
                          sorted.isEmpty ? 0 : sorted[sorted.count / 2], values.count)
        }
        var rows = [
            ("Model", data.config.variantDescription),
            ("Test accuracy", testSpread),
            ("Test absolute error", String(format: "%.2f°", m.testAbsErrorDeg)),
            ("Test midpoint error", String(format: "%.2f° (true against predicted class midpoint)", m.testMidpointErrorDeg)),
            ("Training accuracy", String(format: "%.1f%%", m.trainAccuracy)),
            ("Training absolute error", String(format: "%.2f°", m.trainAbsErrorDeg)),
            ("Training midpoint error", String(format: "%.2f°", m.trainMidpointErrorDeg)),
            ("Chance level", String(format: "%.1f%%", m.chanceAccuracy)),
            ("Best epoch", best),
            ("Stopping epoch", stop),
            ("Tested weights", m.testedWeights),
            ("Wall time", String(format: "%.1f s", m.wallSeconds)),
            ("Seed", "\(m.seed)"),
            ("Threads", "\(m.threads)"),
            ("spikeloc version", m.spikelocVersion),
            ("Figures 5 and 6", String(format: "test set 1 rerun: %.1f%%, %.2f°", recomputed.accuracy, recomputed.absErrorDeg)),
        ]
        if !m.learnedTauHiddenMs.isEmpty { rows.insert(("Learned hidden time constants", taus(m.learnedTauHiddenMs)), at: 8) }
        if !m.learnedTauOutputMs.isEmpty { rows.insert(("Learned output time constants", taus(m.learnedTauOutputMs)), at: 9) }
        for d in m.learnedDelays {
            rows.append(("Learned delays \(d.layer)", String(format: "mean %.2f ms, sd %.2f ms, range %.0f-%.0f ms", d.meanMs, d.stdMs, d.minMs, d.maxMs)))
        }
        if m.spikelocVersion != SpikelocVersion.current {
            rows.append(("Report written by", "spikeloc \(SpikelocVersion.current)"))
        }
        return "<table class=\"results\">\n"
            + rows.map { "<tr><th>\(escaped($0))</th><td>\(escaped($1))</td></tr>\n" }.joined()
            + "</table>"
    }

    /// Every configuration value under its `config.json` key, three to a row.
    private var configTable: String {
        /// An optional's wrapped value, or "default" when the option is unset.
        func text(_ value: Any) -> String {
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional else { return "\(value)" }
            return mirror.children.first.map { "\($0.value)" } ?? "default"
        }
        let entries = Mirror(reflecting: data.config).children.compactMap { child in
            child.label.map { (snakeCase($0), text(child.value)) }
        }
        var table = "<table class=\"config\">\n"
        for start in stride(from: 0, to: entries.count, by: 3) {
            table += "<tr>"
            for (key, value) in entries[start ..< min(start + 3, entries.count)] {
                table += "<th>\(escaped(key))</th><td>\(escaped(value))</td>"
            }
            table += "</tr>\n"
        }
        return table + "</table>"
    }

    private static let css = """
        body { font-family: sans-serif; color: #222; max-width: 1170px; margin: 16px auto; padding: 0 12px; }
        h1 { font-size: 26px; margin: 0 0 8px; }
        h2 { font-size: 20px; margin: 28px 0 4px; border-bottom: 1px solid #ccc; }
        h3 { font-size: 16px; margin: 16px 0 4px; }
        p { font-size: 15px; line-height: 1.4; margin: 4px 0 8px; }
        .file, .footer { color: #666; }
        .summary { display: flex; flex-wrap: wrap; column-gap: 48px; }
        figure { margin: 0; }
        figure > svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
        table { border-collapse: collapse; font-size: 14px; }
        th, td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid #e4e4e4; }
        th { font-weight: normal; color: #555; }
        table.results td { font-weight: bold; }
        table.config td { font-family: monospace; padding-right: 28px; }
        """
}

/// `text` with the characters that HTML and XML reserve escaped.
private func escaped(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// A camelCase name in snake_case, as spikeloc's JSON files write keys ("dtMs" to "dt_ms").
private func snakeCase(_ name: String) -> String {
    name.reduce(into: "") { result, character in
        result += character.isUppercase ? "_" + character.lowercased() : String(character)
    }
}
