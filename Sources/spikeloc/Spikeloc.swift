import ArgumentParser
import Foundation

@main
struct Spikeloc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikeloc",
        abstract: "Train and evaluate spiking neural networks that localise sound by interaural phase difference.",
        discussion: "Defaults reproduce the notebook \"Noise offsets in every iteration\" of the SNN sound localization project.",
        subcommands: [Train.self, Evaluate.self, Report.self, Examples.self, Bench.self, Sweep.self, Export.self, Import.self])

    /// Parses and runs a command; a command-line syntax error (unknown option, missing or
    /// malformed value) is one line on standard error, like every other error, with status 64.
    static func main() {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }  // --help, --version
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid command line"
            Console.error("spikeloc: error: \(message) (see 'spikeloc help')")
            Foundation.exit(code.rawValue)
        }
        do {
            var command = command
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
