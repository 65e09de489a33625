import ArgumentParser
import Foundation
import SpikelocOutput

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rebuild the figures and report.html of a saved run from its model and metrics.",
        discussion: "Reads RUN_DIR/model.safetensors and RUN_DIR/metrics.json, reruns the model on the run's first test set and writes the figures (fig*.svg) and report.html into RUN_DIR.")

    @Argument(help: "A run folder written by `spikeloc train`.") var runDir: String
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        try Console.guarded {
            let written = try RunReport.write(run: RunFolder(url: URL(fileURLWithPath: runDir)), threads: threading.count())
            print("Wrote \(written.last!.path) and \(written.count - 1) figures:")
            for url in written.dropLast() { print("  \(url.lastPathComponent)") }
        }
    }
}
