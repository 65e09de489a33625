import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest
import XMLTestSupport

final class ReportTests: XCTestCase {
    static let figureFiles = [
        "fig1-stimulus.svg", "fig2-loss.svg", "fig3-ipd-histograms.svg", "fig4-confusion.svg",
        "fig5a-hidden-spikes.svg", "fig5b-hidden-tuning.svg", "fig6-output.svg", "fig7-weights.svg",
    ]

    /// A small trained run saved as `spikeloc train` saves it, in a fresh temporary folder.
    struct Run {
        let folder: RunFolder
        let config: ExperimentConfig
        let metrics: RunMetrics
        let model: SavedModel

        func svg(_ name: String) throws -> String {
            try String(contentsOf: folder.url.appendingPathComponent(name), encoding: .utf8)
        }

        func parsed(_ name: String) throws -> XMLInspector {
            try XMLInspector.parse(svg(name), name: name)
        }
    }

    private var folders: [URL] = []

    override func tearDown() {
        for url in folders { try? FileManager.default.removeItem(at: url) }
        super.tearDown()
    }

    /// Trains 3 epochs on 128 samples as `spikeloc train` does (``TrainingRun``), then rewrites the
    /// metrics with `edit` applied.
    func makeRun(seed: UInt64 = 4, edit: (inout RunMetrics) -> Void = { _ in }) throws -> Run {
        var config = ExperimentConfig()
        config.batchSize = 16; config.trainBatches = 8; config.validationBatches = 2; config.testBatches = 16; config.epochs = 3
        config.seed = seed
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-report-\(getpid())-\(folders.count)")
        folders.append(url)
        var run = try TrainingRun(config: config, folder: try RunFolder.prepare(url, force: true), threads: 2)
        try run.train()
        var metrics = try run.finish(wallSeconds: 1.5).metrics
        edit(&metrics)
        try JSONFiles.write(metrics, to: run.folder.metrics)
        return Run(folder: run.folder, config: config, metrics: metrics, model: try SavedModel.load(from: run.folder.model))
    }

    /// The run's test set 0, rerun with the hidden layer recorded, as the report does.
    func testActivity(_ run: Run) -> EvaluatedSet {
        let exp = Experiment(run.config)
        let set = exp.testSet(seed: run.config.seed, index: 0)
        return exp.evaluate(run.model.network, on: set.data, offset: set.offset, engine: NetworkEngine(threads: 1), recordHidden: true)
    }

    /// Number of events ("M" commands) of a raster's path.
    func events(_ path: XMLInspector.Element) -> Int {
        path.attributes["d", default: ""].filter { $0 == "M" }.count
    }

    // MARK: Files

    func testReportWritesEveryFigureAndThePageIntoTheRunFolder() throws {
        let run = try makeRun()
        let written = try RunReport.write(run: run.folder, threads: 2)
        XCTAssertEqual(written.map(\.lastPathComponent), Self.figureFiles + ["report.html"])
        for url in written {
            XCTAssertEqual(url.deletingLastPathComponent().path, run.folder.url.path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), url.lastPathComponent)
        }
    }

    func testEverySVGIsWellFormedWithItsPanels() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let panels = [8, 1, 2, 2, 3, 2, 2, 3]
        for (name, expected) in zip(Self.figureFiles, panels) {
            let svg = try run.parsed(name)
            XCTAssertEqual(svg.elements.first?.name, "svg", name)
            XCTAssertEqual(svg.elements.first?.attributes["xmlns"], "http://www.w3.org/2000/svg", name)
            XCTAssertEqual(svg.count("g", class: "panel"), expected, "\(name) panels")
            XCTAssertEqual(svg.count("text", class: "figure-title"), 1, "\(name) title")
            for panel in 0 ..< expected {
                XCTAssertFalse(svg.elements("text", class: "title")[panel].text.isEmpty, "\(name) panel \(panel) title")
            }
            XCTAssertEqual(svg.count("text", class: "axis-label"), 2 * expected, "\(name): x and y label on every panel")
        }
    }

    func testReportIsTheSameWhateverTheThreads() throws {
        let run = try makeRun()
        let first = try RunReport.write(run: run.folder, threads: 1).map { try Data(contentsOf: $0) }
        let second = try RunReport.write(run: run.folder, threads: 2).map { try Data(contentsOf: $0) }
        XCTAssertEqual(first, second)
    }

    func testMissingOrBrokenInputsNameTheFile() throws {
        let run = try makeRun()
        let empty = RunFolder(url: run.folder.url.appendingPathComponent("missing"))
        XCTAssertThrowsError(try RunReport.write(run: empty, threads: 1)) { error in
            XCTAssertTrue((error as? ModelFileError)?.path.hasSuffix("missing/model.safetensors") == true, "\(error)")
        }
        try FileManager.default.removeItem(at: run.folder.metrics)
        XCTAssertThrowsError(try RunReport.write(run: run.folder, threads: 1)) { error in
            XCTAssertTrue("\(error)".contains("metrics.json: cannot be read (no such file)"), "\(error)")
        }
        try Data("{\"seed\": 1}".utf8).write(to: run.folder.metrics)
        XCTAssertThrowsError(try RunReport.write(run: run.folder, threads: 1)) { error in
            XCTAssertTrue(error is JSONFileError && "\(error)".contains("metrics.json: train_confusion must be 12 x 12"), "\(error)")
        }
    }

    // MARK: Figures

    /// Figure 1 draws every input spike of 8 IPDs from -90 to 90 degrees, both ears marked.
    func testStimulusFigureDrawsEverySpikeOfBothEars() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let svg = try run.parsed("fig1-stimulus.svg")
        let ipds = (0 ..< 8).map { -Double.pi / 2 + Double.pi * Double($0) / 7 }
        let raster = Experiment(run.config).stimulus.spikes(
            for: IPDDataset(ipds: ipds, noise: Experiment.noise(seed: run.config.seed, set: 0)),
            offset: RandomStream.examples.unitDouble(seed: run.config.seed), threads: 1)
        let paths = svg.elements("path", class: "events")
        XCTAssertEqual(paths.count, 8)
        for (sample, path) in paths.enumerated() {
            let spikes = (0 ..< raster.steps).reduce(0) { $0 + raster.activeChannels(sample: sample, step: $1).count }
            XCTAssertGreaterThan(spikes, 1000, "the rasters are not empty (the notebook's are)")
            XCTAssertEqual(events(path), spikes, "panel \(sample)")
        }
        XCTAssertEqual(svg.elements("text", class: "title").map(\.text),
                       ["-90°", "-64°", "-39°", "-13°", "13°", "39°", "64°", "90°"].map { "IPD = " + $0 })
        XCTAssertEqual(svg.elements("text", class: "separator-label").map(\.text), Array(repeating: ["left ear", "right ear"], count: 8).flatMap { $0 })
        XCTAssertEqual(try run.svg("fig1-stimulus.svg"), RunReport.examplesFigure(config: run.config, threads: 1).svg())
        var otherSeed = run.config
        otherSeed.seed += 1
        XCTAssertNotEqual(try run.svg("fig1-stimulus.svg"), RunReport.examplesFigure(config: otherSeed, threads: 1).svg())
    }

    /// Figure 2: two loss curves with a marker per epoch, the best epoch and the early stop.
    func testLossFigureMarksBestEpochAndEarlyStop() throws {
        let run = try makeRun { $0.earlyStopEpoch = 3 }
        _ = try RunReport.write(run: run.folder, threads: 2)
        let svg = try run.parsed("fig2-loss.svg")
        XCTAssertEqual(svg.count("path", class: "line"), 2)
        XCTAssertEqual(svg.count("circle", class: "marker"), 2 * 3)
        XCTAssertEqual(svg.count("line", class: "reference"), 2)
        let legend = Set(svg.elements("text").map(\.text))
        XCTAssertTrue(legend.isSuperset(of: ["training", "validation", "best epoch (\(run.metrics.bestEpoch!))", "early stop (3)"]), "\(legend)")

        let plain = try makeRun()
        _ = try RunReport.write(run: plain.folder, threads: 2)
        XCTAssertEqual(try plain.parsed("fig2-loss.svg").count("line", class: "reference"), 1, "no early stop, no line")
    }

    /// Figures 3 and 4: one bar per class for true and estimated IPDs, one cell per pair of classes.
    func testHistogramsAndConfusionMatricesHaveOneMarkPerClass() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let classes = run.config.classes
        let bars = try run.parsed("fig3-ipd-histograms.svg").elements("rect", class: "bar")
        XCTAssertEqual(bars.count, 2 * 2 * classes)
        for confusion in [run.metrics.trainConfusion, run.metrics.testConfusion] {
            for column in 0 ..< classes { XCTAssertGreaterThan(confusion.reduce(0) { $0 + $1[column] }, 0, "every class has samples") }
        }
        let confusion = try run.parsed("fig4-confusion.svg")
        XCTAssertEqual(confusion.count("rect", class: "cell"), 2 * classes * classes)
        XCTAssertEqual(confusion.count("g", class: "colorbar"), 2)
    }

    /// Figure 5: the hidden spikes of the chosen samples, and one tuning cell per unit and IPD bin.
    func testHiddenLayerFiguresShowEverySpikeAndUnit() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let activity = testActivity(run)
        let hidden = run.config.hidden
        let spikes = try run.parsed("fig5a-hidden-spikes.svg")
        let titles = spikes.elements("text", class: "title").map(\.text)
        XCTAssertEqual(titles.count, 3)
        var expected = 0
        for (title, target) in zip(titles, [-60.0, 0, 60]) {
            let sample = Int(title.split(separator: ":")[0].split(separator: " ").last!)!
            let ipd = activity.data.ipds[sample] * 180 / Double.pi
            XCTAssertTrue(activity.data.ipds.allSatisfy { abs($0 * 180 / Double.pi - target) >= abs(ipd - target) },
                          "\(title) is the sample closest to \(target) degrees")
            expected += Int(activity.scores.hiddenCounts[sample * hidden ..< (sample + 1) * hidden].reduce(0, +))
        }
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(spikes.elements("path", class: "events").map(events).reduce(0, +), expected, "every hidden spike drawn")

        let tuning = try run.parsed("fig5b-hidden-tuning.svg")
        XCTAssertEqual(tuning.count("rect", class: "cell"), hidden * 18, "one cell per unit and 10-degree bin")
        XCTAssertEqual(tuning.count("g", class: "colorbar"), 1)
        XCTAssertLessThanOrEqual(tuning.count("path", class: "line"), 6)
    }

    /// Figure 6: one cell per output unit and IPD bin, one curve per output unit.
    func testOutputFigureHasOneCurvePerOutputUnit() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let svg = try run.parsed("fig6-output.svg")
        XCTAssertEqual(svg.count("rect", class: "cell"), run.config.classes * 18)
        XCTAssertEqual(svg.count("path", class: "line"), run.config.classes)
        XCTAssertEqual(svg.count("text", class: "annotation"), run.config.classes, "each curve labelled with its class")
    }

    /// Figure 7: one cell per weight, both ears of w1 and all of w2.
    func testWeightFigureHasOneCellPerWeight() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let svg = try run.parsed("fig7-weights.svg")
        XCTAssertEqual(svg.count("rect", class: "cell"), run.config.inputs * run.config.hidden + run.config.hidden * run.config.classes)
        XCTAssertEqual(svg.count("g", class: "colorbar"), 3)
    }

    // MARK: The page

    /// report.html is well-formed, inlines every figure file as it is and reaches for nothing outside itself.
    func testReportPageIsSelfContained() throws {
        let run = try makeRun()
        _ = try RunReport.write(run: run.folder, threads: 2)
        let html = try String(contentsOf: run.folder.report, encoding: .utf8)
        let page = try XMLInspector.parse(html, name: "report.html")
        XCTAssertEqual(page.elements.first?.name, "html")
        XCTAssertEqual(page.elements("svg").filter { !$0.ancestorNames.contains("svg") }.count, Self.figureFiles.count)
        for name in Self.figureFiles {
            XCTAssertTrue(html.contains(try run.svg(name)), "\(name) inlined as written")
        }
        let fetching: Set = ["script", "link", "img", "image", "iframe", "object", "embed", "use", "audio", "video", "source", "a"]
        XCTAssertEqual(page.elements.filter { fetching.contains($0.name) }.map(\.name), [])
        for element in page.elements {
            for (attribute, value) in element.attributes where attribute != "xmlns" {
                XCTAssertFalse(["href", "src", "xlink:href", "srcset", "action"].contains(attribute), "\(element.name) \(attribute)")
                XCTAssertFalse(value.contains("url("), "\(element.name) \(attribute)=\(value)")
            }
        }
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        for reference in ["http:", "https:", "file:", "url(", "@import", "<script"] {
            XCTAssertFalse(withoutNamespace.contains(reference), reference)
        }
    }

    /// The summary table holds the results, the run's facts and every configuration value.
    func testReportSummaryHoldsResultsAndEveryConfigurationValue() throws {
        let run = try makeRun { $0.earlyStopEpoch = 3 }
        _ = try RunReport.write(run: run.folder, threads: 2)
        let page = try XMLInspector.parse(String(contentsOf: run.folder.report, encoding: .utf8), name: "report.html")
        var table: [String: String] = [:]
        let cells = page.elements.filter { ($0.name == "th" || $0.name == "td") && !$0.ancestorNames.contains("svg") }
        var index = 0
        while index + 1 < cells.count {
            if cells[index].name == "th", cells[index + 1].name == "td" { table[cells[index].text] = cells[index + 1].text }
            index += 1
        }
        let m = run.metrics
        XCTAssertEqual(table["Test accuracy"], String(format: "%.1f%%", m.testAccuracy) + " (1 set of \(run.config.testSamples) samples)")
        XCTAssertEqual(table["Test absolute error"], String(format: "%.2f°", m.testAbsErrorDeg))
        XCTAssertEqual(table["Training accuracy"], String(format: "%.1f%%", m.trainAccuracy))
        XCTAssertEqual(table["Training absolute error"], String(format: "%.2f°", m.trainAbsErrorDeg))
        XCTAssertEqual(table["Chance level"], "8.3%")
        XCTAssertEqual(table["Best epoch"]?.hasPrefix("\(m.bestEpoch!) (validation loss "), true)
        XCTAssertEqual(table["Stopping epoch"], "3 (early stop)")
        XCTAssertEqual(table["Wall time"], "1.5 s")
        XCTAssertEqual(table["Seed"], "4")
        XCTAssertEqual(table["spikeloc version"], SpikelocVersion.current)
        let activity = testActivity(run).evaluation
        XCTAssertEqual(table["Figures 5 and 6"], String(format: "test set 1 rerun: %.1f%%, %.2f°", activity.accuracy, activity.absErrorDeg))
        XCTAssertEqual(activity.confusion, m.testConfusion, "the report reruns the test set the metrics come from")
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONFiles.encode(run.config)) as? [String: Any]).keys
        for key in keys where key != "format_version" { XCTAssertNotNil(table[key], "configuration value \(key)") }
        XCTAssertEqual(table["batch_size"], "16")
        XCTAssertEqual(table["test_weights"], "best")
    }
}

/// ``TuningCurves`` on hand-made inputs whose answer is known.
final class ReportTuningCurvesTests: XCTestCase {
    private func degrees(_ d: Double) -> Double { d * Double.pi / 180 }

    /// Hand-made spike counts with a known answer: rates, preferred IPDs and order are exact.
    func testHandMadeCountsGiveKnownRatesAndOrder() {
        // Four bins of 45 degrees; two samples per bin, plus one at exactly +90 degrees (the last bin).
        let ipds = [-67.5, -67.5, -22.5, -22.5, 22.5, 22.5, 67.5, 67.5, 90].map(degrees)
        // Unit 0 peaks in bin 2, unit 1 never fires, unit 2 peaks in bin 0.
        let counts: [[Float]] = [
            [1, 0, 4], [1, 0, 2],
            [2, 0, 1], [2, 0, 1],
            [5, 0, 0], [3, 0, 0],
            [0, 0, 1], [0, 0, 0],
            [3, 0, 2],
        ]
        let tuning = TuningCurves.firingRates(ipds: ipds, spikeCounts: counts.flatMap { $0 }, units: 3, bins: 4, duration: 0.1)
        XCTAssertEqual(tuning.bins, 4)
        XCTAssertEqual(tuning.centres.map { ($0 * 180 / Double.pi * 1e9).rounded() / 1e9 }, [-67.5, -22.5, 22.5, 67.5])
        XCTAssertEqual(tuning.responses[0], [10, 20, 40, 10], "mean count / 0.1 s, the +90 degree sample in the last bin")
        XCTAssertEqual(tuning.responses[1], [0, 0, 0, 0])
        XCTAssertEqual(tuning.responses[2], [30, 10, 0, 10])
        XCTAssertEqual(tuning.preferredIPD[0]!, degrees(22.5), accuracy: 1e-12)
        XCTAssertNil(tuning.preferredIPD[1], "a silent unit prefers nothing")
        XCTAssertEqual(tuning.preferredIPD[2]!, degrees(-67.5), accuracy: 1e-12)
        XCTAssertEqual(tuning.order, [2, 0, 1])
    }

    /// Bins without samples are NaN and ignored; units peaking in the same bin are ordered by where
    /// the rest of their response lies; a tie for the peak goes to the lower bin.
    func testEmptyBinsTiesAndEqualPeaks() {
        // Six bins of 30 degrees; samples in bins 0, 2 and 4 only.
        let ipds = [-75.0, -15, 45].map(degrees)
        // Unit 0 peaks at -75 with a tail to the right; unit 1 peaks at -75 alone; unit 2 peaks equally at -75 and 45.
        let values: [Float] = [
            5, 5, 3,
            2, 0, 0,
            0, 0, 3,
        ]
        let tuning = TuningCurves(ipds: ipds, values: values, units: 3, bins: 6)
        XCTAssertEqual(tuning.responses[1].map(\.isNaN), [false, true, false, true, false, true])
        XCTAssertEqual(tuning.preferredIPD[0]!, degrees(-75), accuracy: 1e-12)
        XCTAssertEqual(tuning.preferredIPD[1]!, degrees(-75), accuracy: 1e-12)
        XCTAssertEqual(tuning.preferredIPD[2]!, degrees(-75), accuracy: 1e-12, "a tie for the peak goes to the lower bin")
        XCTAssertEqual(tuning.order, [1, 0, 2], "same peak: ordered by response-weighted mean IPD")
    }

    /// A hand-made Jeffress network: each hidden unit sums 20 left and 20 right fibres whose phase
    /// delays differ by its design IPD, so their spikes coincide only at that IPD, and its weights put
    /// the threshold between coincident and staggered input. The tuning curves find the design IPDs
    /// (within one 12-degree bin, for Poisson noise) and order the units by them.
    func testJeffressNetworkIsTunedToItsDesignIPDs() {
        let design = [-48.0, -24, 0, 24, 48]
        var config = ExperimentConfig()
        config.hidden = design.count
        let experiment = Experiment(config)
        let fibres = config.anfPerEar
        let delayStep = 90.0 / Double(fibres - 1)
        var w1 = Matrix(rows: config.inputs, columns: config.hidden)
        for (unit, ipd) in design.enumerated() {
            let shift = Int((ipd / delayStep).rounded())  // left fibre a meets right fibre a - shift
            for left in max(shift, 0) ..< max(shift, 0) + 20 {
                w1[left, unit] = 0.17 / 20
                w1[fibres + left - shift, unit] = 0.17 / 20
            }
        }
        let network = experiment.network(effectiveW1: w1, effectiveW2: Matrix(rows: config.hidden, columns: config.classes))
        let ipds = (0 ..< 3600).map { degrees(-90 + 0.05 * (Double($0) + 0.5)) }
        let data = IPDDataset(ipds: ipds, noise: FixedNoise(key: 12345, set: 1))
        // Averaged over four tone phases: the 100 ms stimulus holds two tone cycles, and with a single
        // phase the membrane's start from rest would favour some IPDs over others.
        let engine = NetworkEngine(threads: 2)
        var counts = [Float](repeating: 0, count: ipds.count * config.hidden)
        for offset in [0.0, 0.25, 0.5, 0.75] {
            let hidden = experiment.evaluate(network, on: data, offset: offset, engine: engine, recordHidden: true).scores.hiddenCounts
            for i in counts.indices { counts[i] += hidden[i] / 4 }
        }
        let tuning = TuningCurves.firingRates(ipds: ipds, spikeCounts: counts, units: config.hidden, bins: 15, duration: 0.1)
        for (unit, ipd) in design.enumerated() {
            XCTAssertEqual(tuning.preferredIPD[unit].map { $0 * 180 / Double.pi } ?? .infinity, ipd, accuracy: 12,
                           "unit \(unit) designed for \(ipd) degrees")
            XCTAssertGreaterThan(tuning.responses[unit].max()!, 5, "unit \(unit) fires at its IPD")
            XCTAssertEqual(ipd < 0 ? tuning.responses[unit].last! : tuning.responses[unit].first!, 0,
                           "unit \(unit) is silent at the far end of the IPD range")
        }
        XCTAssertEqual(tuning.order, Array(0 ..< design.count))
    }
}
