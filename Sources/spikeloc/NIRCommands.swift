import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocNIR
import SpikelocOutput
import SpikingCore
#if NIR
import SpikelocNIRHDF5
#endif

/// NIR support is behind the package trait `NIR` (it needs libhdf5); without it these commands
/// exist, parse their options and say in one line how to turn it on (exit status 2).
enum NIRSupport {
    static let howToEnable = "NIR support is not built in: install libhdf5 (apt-get install libhdf5-dev) and build with the package trait NIR (swift build -c release --traits NIR)"

    /// One line for a graph: "Input(200) -> Linear(30x200) -> LIF(30) -> ... -> Output(12)".
    static func describe(_ graph: NIRGraph) -> String {
        var order: [String] = []
        var next: [String: String] = [:]
        for e in graph.edges { next[e.source] = e.target }
        var name = graph.nodes.first { if case .input = $0.value { return true } else { return false } }?.key
        while let n = name, !order.contains(n) { order.append(n); name = next[n] }
        return order.map { n -> String in
            switch graph.nodes[n]! {
            case let .input(s): return "Input(\(s.map(String.init).joined(separator: "x")))"
            case let .output(s): return "Output(\(s.map(String.init).joined(separator: "x")))"
            case let .linear(w): return "Linear(\(w.rows)x\(w.columns))"
            case let .affine(w, _): return "Affine(\(w.rows)x\(w.columns))"
            case let .lif(p): return "LIF(\(p.tau.count))"
            case let .li(p): return "LI(\(p.tau.count))"
            case let .unsupported(t): return t
            }
        }.joined(separator: " -> ")
    }

    static func checkStep(_ dtMs: Double) throws {
        guard dtMs > 0, dtMs.isFinite, dtMs <= 1e6 else {
            throw ConfigError(option: "--dt-ms", message: "must be a positive number of milliseconds, got \(dtMs)")
        }
    }

    static func checkOutput(_ path: String, force: Bool) throws {
        if !force, FileManager.default.fileExists(atPath: path) {
            throw NIROutputError(path: path, reason: "the file exists (--force overwrites it)")
        }
    }
}

/// An output file of `export` or `import` that cannot be written (status 1).
struct NIROutputError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot write \(path): \(reason)" }
}

extension Console {
    /// ``Console/guarded(_:)`` that also reports NIR errors (status 1) under `subject`.
    static func guardedNIR(subject: String, _ body: () throws -> Void) throws {
        try guarded {
            do {
                try body()
            } catch let e as NIRError {
                error("spikeloc: error: \(subject): \(e)")
                throw ExitCode(1)
            } catch let e as NIROutputError {
                error("spikeloc: error: \(e)")
                throw ExitCode(1)
            }
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a saved model as a NIR graph (HDF5) for snnTorch, Norse and other NIR readers.",
        discussion: "Writes Input -> Linear -> LIF -> Linear -> LI -> Output with parameters for a reader that steps by --dt-ms (snnTorch's importer assumes 0.1 ms, Norse takes its dt as an argument). A model with the notebook's LIF (spike timing 'previous') is exported as the standard discrete LIF, an approximation, with a warning. Needs the package trait NIR.")

    @Option(help: "A model.safetensors written by spikeloc.") var model: String
    @Option(help: "The NIR file to write.") var output: String
    @Option(name: .customLong("dt-ms"), parsing: .unconditional, help: "The time step (ms) of the simulator that will read the file.") var dtMs = 1.0
    @Flag(help: "Overwrite an existing output file.") var force = false

    func run() throws {
        try Console.guardedNIR(subject: model) {
            try NIRSupport.checkStep(dtMs)
            #if NIR
            try NIRSupport.checkOutput(output, force: force)
            let saved = try SavedModel.load(from: URL(fileURLWithPath: model))
            let result = try NIRExport.graph(saved.network, readerDtMs: dtMs)
            for w in result.warnings { Console.error(w) }
            do { try NIRFile.write(result.graph, to: output) } catch let e as NIRError {
                throw NIROutputError(path: output, reason: e.reason)
            }
            let timing = result.graph.metadata["spike_timing"].flatMap { if case let .string(s) = $0 { return s } else { return nil } } ?? "?"
            print("wrote \(output): \(NIRSupport.describe(result.graph)); spike timing \(timing); parameters for a reader step of \(dtMs) ms")
            #else
            throw ConfigError(option: "export:", message: NIRSupport.howToEnable)
            #endif
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a NIR graph (HDF5) as a spikeloc model.",
        discussion: "Reads Input -> Linear (or Affine without bias) -> LIF -> Linear -> LI or LIF -> Output, float32 or float64, fixed or variable-length strings, gzip-compressed or not, and writes a model.safetensors; anything else is refused naming the node. Needs the package trait NIR.")

    @Option(help: "The NIR file to read.") var nir: String
    @Option(help: "The model.safetensors to write.") var output: String
    @Option(name: .customLong("dt-ms"), parsing: .unconditional, help: "The time step (ms) the file's parameters were written for.") var dtMs = 1.0
    @Flag(help: "Overwrite an existing output file.") var force = false

    func run() throws {
        try Console.guardedNIR(subject: nir) {
            try NIRSupport.checkStep(dtMs)
            #if NIR
            try NIRSupport.checkOutput(output, force: force)
            let graph = try NIRFile.read(path: nir)
            let result = try NIRImport.network(graph, readerDtMs: dtMs)
            let (saved, notes) = try NIRImport.savedModel(result.network)
            for n in result.notes + notes { Console.error(n) }
            try saved.save(to: URL(fileURLWithPath: output))
            let neuron = result.network.layers[0].neuron as? LIFNeuron
            print("wrote \(output): \(NIRSupport.describe(graph)); \(saved.config.inputs) inputs, \(saved.config.hidden) hidden (spike timing \(neuron?.timing.rawValue ?? "?")), \(saved.config.classes) classes, read-out \(result.network.readout.kind.rawValue)")
            #else
            throw ConfigError(option: "import:", message: NIRSupport.howToEnable)
            #endif
        }
    }
}
