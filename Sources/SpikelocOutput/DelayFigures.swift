import Foundation
import SpikingCore
import SVGPlot

/// Figures 8 and 9 of a model with learned delays (DCLS): the paper's receptive fields (delay
/// against presynaptic unit for a few post-synaptic units, coloured by the sign of the weight)
/// for each delayed layer, and the histograms of all delays. Delays are the evaluation kernel's
/// integer delays (``DelaySynapse/integerDelay(position:)``) times the time step.
enum DelayFigures {
    static let excitatoryColor = "#d62728"
    static let inhibitoryColor = "#1f77b4"

    /// One delayed projection: its name, the units on each side, weights and delays in ms.
    struct Projection {
        var title: String
        var pre: String
        var post: String
        var inputs: Int
        var outputs: Int
        var weights: [Float]
        var delaysMs: [Double]
        /// Post-synaptic units to draw, in the order of their panels.
        var shown: [(unit: Int, label: String)]
        var maxDelayMs: Double
    }

    /// The delayed projections of the report's model (empty without delays).
    static func projections(_ data: ReportData) -> [Projection] {
        let network = data.model.network, dt = data.config.dtMs
        var result: [Projection] = []
        let order = data.hiddenTuning.order
        if let d = network.layers[0].delays {
            // five hidden units spread over the range of preferred IPDs (figure 5's order)
            let picks = (0 ..< min(5, order.count)).map { order[$0 * (order.count - 1) / max(1, min(5, order.count) - 1)] }
            result.append(Projection(
                title: "input → hidden", pre: "input fibre (left ear 0-\(data.config.anfPerEar - 1), right ear after)",
                post: "hidden unit", inputs: network.inputs, outputs: network.layers[0].neurons,
                weights: network.layers[0].weights.effectiveValues, delaysMs: d.integerDelays.map { Double($0) * dt },
                shown: picks.map { ($0, "hidden unit \($0)") }, maxDelayMs: Double(d.taps - 1) * dt))
        }
        if let d = network.readout.delays {
            let classes = network.classes
            let picks = (0 ..< min(5, classes)).map { $0 * (classes - 1) / max(1, min(5, classes) - 1) }
            let classSet = data.experiment.classes
            result.append(Projection(
                title: "hidden → output", pre: "hidden unit", post: "output unit", inputs: network.readout.inputs, outputs: classes,
                weights: network.readout.weights.effectiveValues, delaysMs: d.integerDelays.map { Double($0) * dt },
                shown: picks.map { ($0, "output unit \($0) (\(ReportStyle.number(ReportStyle.degrees(classSet.midpoint($0))))°)") }, maxDelayMs: Double(d.taps - 1) * dt))
        }
        return result
    }

    /// The receptive fields of one projection: one panel per shown unit.
    static func receptiveFields(_ p: Projection) -> Figure {
        let panels = p.shown.map { shown -> Panel in
            var excitatory: (x: [Double], y: [Double]) = ([], []), inhibitory: (x: [Double], y: [Double]) = ([], [])
            for i in 0 ..< p.inputs {
                let c = i * p.outputs + shown.unit
                guard p.weights[c] != 0 else { continue }
                // a non-finite point between two points breaks the line: markers only
                if p.weights[c] > 0 {
                    excitatory.x += [Double(i), .nan]
                    excitatory.y += [p.delaysMs[c], .nan]
                } else {
                    inhibitory.x += [Double(i), .nan]
                    inhibitory.y += [p.delaysMs[c], .nan]
                }
            }
            return Panel(
                title: shown.label, xLabel: p.pre, yLabel: "delay (ms)",
                xRange: -0.5 ... Double(p.inputs) - 0.5, yRange: -0.5 ... p.maxDelayMs + 0.5,
                marks: [
                    .line(LineSeries(x: excitatory.x, y: excitatory.y, color: excitatoryColor, label: "w > 0", markers: true, lineWidth: 0)),
                    .line(LineSeries(x: inhibitory.x, y: inhibitory.y, color: inhibitoryColor, label: "w < 0", markers: true, lineWidth: 0)),
                ])
        }
        return Figure(width: ReportStyle.width, height: 320, columns: min(panels.count, 5),
                      title: "Learned delays, \(p.title)", panels: panels)
    }

    /// The histograms of every delay of each projection.
    static func histograms(_ projections: [Projection], dtMs: Double) -> Figure {
        let panels = projections.map { p -> Panel in
            let bins = Int((p.maxDelayMs / dtMs).rounded()) + 1
            var counts = [Double](repeating: 0, count: bins)
            for d in p.delaysMs { counts[min(bins - 1, max(0, Int((d / dtMs).rounded())))] += 1 }
            let edges = (0 ... bins).map { (Double($0) - 0.5) * dtMs }
            let mean = p.delaysMs.reduce(0, +) / Double(max(1, p.delaysMs.count))
            return Panel(
                title: "\(p.title): \(p.delaysMs.count) synapses, mean \(ReportStyle.number(mean)) ms", xLabel: "delay (ms)",
                yLabel: "synapses",
                marks: [.histogram(Histogram(edges: edges, counts: counts, color: excitatoryColor))])
        }
        return Figure(width: ReportStyle.width * 0.8, height: 320, columns: panels.count, title: "Delay histograms", panels: panels)
    }
}
