import Foundation
import SoundLocalization
import SVGPlot

/// Figure 1, the notebook's `show_examples`: the input spikes of both ears for IPDs evenly spaced
/// from -90 to 90 degrees, drawn with fresh noise and phase offset from ``RandomStream/examples``.
enum StimulusFigure {
    /// Number of example IPDs (panels, in two rows).
    static let shown = 8

    /// The example IPDs in radians, `linspace(-pi/2, pi/2, shown)`.
    private static var ipds: [Double] {
        (0 ..< shown).map { -Double.pi / 2 + Double.pi * Double($0) / Double(shown - 1) }
    }

    static func make(config: ExperimentConfig, threads: Int) -> Figure {
        let stimulus = SoundStimulus(config)
        let data = IPDDataset(ipds: ipds, noise: Experiment.noise(seed: config.seed, set: 0))
        let raster = stimulus.spikes(for: data, offset: RandomStream.examples.unitDouble(seed: config.seed), threads: threads)
        let ears = [
            Raster.Separator(y: -0.5, label: "left ear"),
            Raster.Separator(y: Double(stimulus.anfPerEar) - 0.5, label: "right ear"),
        ]
        let panels = data.ipds.enumerated().map { sample, ipd in
            var time: [Double] = [], fibre: [Double] = []
            for step in 0 ..< raster.steps {
                for channel in raster.activeChannels(sample: sample, step: step) {
                    time.append(Double(step) * config.dtMs)
                    fibre.append(Double(channel))
                }
            }
            return Panel(
                title: "IPD = \(ReportStyle.degreeText(ipd))", xLabel: "time (ms)", yLabel: "input fibre",
                xRange: 0 ... Double(config.steps) * config.dtMs, yRange: -0.5 ... Double(stimulus.channels) - 0.5,
                marks: [.raster(Raster(x: time, y: fibre, separators: ears))])
        }
        return Figure(
            width: ReportStyle.width, height: 620, rows: 2, columns: shown / 2,
            title: "Input spikes of the \(stimulus.channels) auditory nerve fibres for \(shown) IPDs (seed \(config.seed))",
            panels: panels)
    }
}
