import ArgumentParser
import Foundation
import SpikelocOutput

struct Examples: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the input spikes of both ears for 8 IPDs from -90 to 90 degrees (figure 1 of the report).",
        discussion: "The noise and phase offset come from --seed; the other experiment options shape the stimulus.")

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var threading: ThreadOptions
    @Option(help: "The SVG file to write.") var output: String

    func run() throws {
        try Console.guarded {
            let figure = RunReport.examplesFigure(config: try experiment.config(), threads: try threading.count())
            let url = URL(fileURLWithPath: output)
            try FileProblem.writeAtomically(Data(figure.svg().utf8), to: url)
            print("Wrote \(url.path)")
        }
    }
}
