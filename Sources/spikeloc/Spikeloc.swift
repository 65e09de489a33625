import ArgumentParser

@main
struct Spikeloc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikeloc",
        abstract: "Train and evaluate spiking neural networks that localise sound by interaural phase difference.",
        discussion: "Defaults reproduce the notebook \"Noise offsets in every iteration\" of the SNN sound localization project.",
        subcommands: [Train.self, Evaluate.self, Report.self, Examples.self, Bench.self])
}
