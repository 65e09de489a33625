import Foundation
import SoundLocalization
import SVGPlot

/// The report of a training run: every figure as its own SVG file in the run folder, and
/// `report.html`, a self-contained page with a summary table and all figures inlined.
public enum RunReport {
    /// Reads `model.safetensors` and `metrics.json` of `run`, reruns the model on test set 0 of
    /// the run's seed (deterministic, whatever `threads`), and writes the figures and `report.html`
    /// into the folder. Returns the written files, `report.html` last.
    ///
    /// Throws ``ModelFileError`` or ``JSONFileError`` naming a missing or invalid input file, and
    /// ``OutputError`` for a file that cannot be written.
    public static func write(run: RunFolder, threads: Int) throws -> [URL] {
        let data = try ReportData(folder: run, threads: threads)
        let figures = Self.figures(data, threads: threads)
        var written: [URL] = []
        for figure in figures {
            let url = run.url.appendingPathComponent(figure.fileName)
            try FileProblem.writeAtomically(Data(figure.figure.svg().utf8), to: url)
            written.append(url)
        }
        try FileProblem.writeAtomically(Data(ReportHTML(data: data, figures: figures).html.utf8), to: run.report)
        return written + [run.report]
    }

    /// Figure 1 alone: input spike rasters of both ears for 8 IPDs from -90 to 90 degrees, drawn
    /// with the noise and phase offset of the configuration seed's ``RandomStream/examples`` stream.
    public static func examplesFigure(config: ExperimentConfig, threads: Int) -> Figure {
        StimulusFigure.make(config: config, threads: threads)
    }

    /// The report's figures in order.
    private static func figures(_ data: ReportData, threads: Int) -> [ReportFigure] {
        let config = data.config
        let samples = "\(data.test.data.count) samples of test set 1"
        return [
            ReportFigure(
                fileName: "fig1-stimulus.svg", heading: "1. Stimulus examples",
                caption: "Input spikes for \(StimulusFigure.shown) IPDs from -90° to 90°: \(config.anfPerEar) fibres per ear, "
                    + "each phase-locked to the \(ReportStyle.number(config.stimulusFrequencyHz)) Hz tone with its own phase delay; "
                    + "the right ear is shifted by the IPD.",
                figure: StimulusFigure.make(config: config, threads: threads)),
            ReportFigure(
                fileName: "fig2-loss.svg", heading: "2. Training curves",
                caption: "Mean training and validation loss per epoch; the \(data.metrics.testedWeights) weights were tested.",
                figure: TrainingFigures.loss(data.metrics)),
            ReportFigure(
                fileName: "fig3-ipd-histograms.svg", heading: "3. True versus estimated IPD",
                caption: "How many samples have each true IPD class and how many are estimated as each class.",
                figure: TrainingFigures.histograms(data.metrics, classes: data.experiment.classes)),
            ReportFigure(
                fileName: "fig4-confusion.svg", heading: "4. Confusion matrices",
                caption: "Share of the samples of each true IPD class (column) estimated as each class (row); "
                    + "a perfect classifier fills the diagonal.",
                figure: TrainingFigures.confusion(data.metrics)),
            ReportFigure(
                fileName: "fig5a-hidden-spikes.svg", heading: "5. Hidden layer: spikes",
                caption: "Hidden spikes for three test samples; units are ordered by the IPD they fire most for, "
                    + "so a unit's height tells its preferred IPD.",
                figure: ActivityFigures.hiddenSpikes(data)),
            ReportFigure(
                fileName: "fig5b-hidden-tuning.svg", heading: "5. Hidden layer: tuning curves",
                caption: "Firing rate of every hidden unit against IPD, over the \(samples) "
                    + "in \(ReportData.tuningBins) bins of \(180 / ReportData.tuningBins)°.",
                figure: ActivityFigures.hiddenTuning(data)),
            ReportFigure(
                fileName: "fig6-output.svg", heading: "6. Output layer",
                caption: "Mean time-summed membrane of each output unit against IPD (\(samples)); "
                    + "the unit with the largest sum is the estimate.",
                figure: ActivityFigures.output(data)),
            ReportFigure(
                fileName: "fig7-weights.svg", heading: "7. Weights",
                caption: "Effective input (w1) and output (w2) weights, hidden units in the order of figure 5.",
                figure: WeightFigure.make(data)),
        ] + delayFigures(data)
    }

    /// Figures 8 and 9 of a model with learned delays.
    private static func delayFigures(_ data: ReportData) -> [ReportFigure] {
        let projections = DelayFigures.projections(data)
        guard !projections.isEmpty else { return [] }
        let fields = projections.enumerated().map { k, p in
            ReportFigure(
                fileName: "fig8\(k == 0 ? "a" : "b")-delays-\(k == 0 ? "input" : "output").svg",
                heading: "8. Learned delays, \(p.title)",
                caption: "Receptive fields as in the paper: the delay (ms, the evaluation kernel's integer delay) of every synapse "
                    + "onto a few \(p.post)s against the presynaptic unit, red for positive and blue for negative weights.",
                figure: DelayFigures.receptiveFields(p))
        }
        return fields + [ReportFigure(
            fileName: "fig9-delay-histograms.svg", heading: "9. Delay histograms",
            caption: "How many synapses of each delayed layer have each delay.",
            figure: DelayFigures.histograms(projections, dtMs: data.config.dtMs))]
    }
}
