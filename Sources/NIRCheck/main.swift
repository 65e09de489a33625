// spikeloc-nir-check: the Swift half of scripts/nir-roundtrip.sh (package trait NIR).
//
//   spikeloc-nir-check train-current --output DIR [--seed S] [--epochs N] [--threads N]
//       Trains the notebook's experiment (its defaults and seed) with the standard discrete LIF
//       (spike timing 'current') through the library API and writes DIR/model.nir for the reader
//       steps 1 ms and 0.1 ms (model-dt1.nir, model-dt0.1.nir). Until `spikeloc train` has
//       --spike-timing (issue 9), this is how such a model is made: a model.safetensors cannot
//       record the timing yet.
//   spikeloc-nir-check dump --nir FILE [--dt-ms D] --output DIR [--test-sets N] [--seed S]
//       Imports FILE (a notebook-LIF model exported by spikeloc comes back as it was), draws N test
//       sets of the model's configuration from seed S (default 1000; sets of 2048 samples), runs
//       spikeloc on them and writes DIR/spikes.bin (uint8 [samples, steps, ceil(inputs/8)], the
//       input spikes bit-packed along the channels, most significant bit first as numpy.packbits),
//       DIR/labels.bin and DIR/predictions.bin (int64), DIR/scores.bin (float32 [samples, classes])
//       and DIR/info.json.
#if NIR
import Foundation
import SoundLocalization
import SpikelocNIR
import SpikelocNIRHDF5
import SpikelocOutput
import SpikingCore

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("spikeloc-nir-check: \(message)\n".utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("usage: spikeloc-nir-check train-current|dump ...") }
arguments.removeFirst()
var options: [String: String] = [:]
while let key = arguments.first, key.hasPrefix("--"), arguments.count >= 2 {
    options[String(key.dropFirst(2))] = arguments[1]
    arguments.removeFirst(2)
}
guard arguments.isEmpty else { fail("unexpected arguments \(arguments)") }
@MainActor func option(_ name: String) -> String {
    guard let v = options[name] else { fail("\(command) needs --\(name)") }
    return v
}
let threads = Int(options["threads"] ?? "") ?? ProcessInfo.processInfo.activeProcessorCount
let output = URL(fileURLWithPath: option("output"))
try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

@MainActor func write<T>(_ values: [T], _ name: String) throws {
    try values.withUnsafeBytes { try Data($0).write(to: output.appendingPathComponent(name)) }
}

do {
    switch command {
    case "train-current":
        var config = ExperimentConfig()
        config.seed = UInt64(options["seed"] ?? "0") ?? 0
        if let e = options["epochs"].flatMap(Int.init) { config.epochs = e }
        try config.validate()
        let experiment = Experiment(config)
        let trainer = Trainer(experiment: experiment, engine: NetworkEngine(threads: threads))
        var state = trainer.initialState()
        // The notebook's network with the standard discrete LIF instead of the notebook's timing.
        let n = state.network
        let hidden = n.layers[0]
        let old = hidden.neuron as! LIFNeuron
        let layer = SpikingLayer(neuron: LIFNeuron(threshold: old.threshold, timing: .current, reset: old.reset, surrogate: old.surrogate),
                                 weights: hidden.weights.matrix, weightConstraint: hidden.weights.constraint, tauMs: hidden.tau.values)
        let network = SpikingNetwork(inputs: n.inputs, layers: [layer], readout: n.readout, steps: n.steps, dtMs: n.dtMs)
        state = TrainingState(network: network, optimizer: state.optimizer)
        let start = Date()
        while !state.isFinished(epochs: config.epochs) {
            try trainer.runEpoch(&state)
            print(String(format: "epoch %d: train loss %.4f, validation loss %.4f", state.epoch, state.trainLoss.last!, state.validationLoss.last!))
        }
        let final = trainer.finalNetwork(state)
        let test = experiment.testSet(seed: config.seed, index: 0)
        let e = experiment.evaluate(final, on: test.data, offset: test.offset, engine: trainer.engine).evaluation
        print(String(format: "trained %d epochs (best %d) in %.0f s; test accuracy %.1f%% (one set of %d)", state.epoch,
                     (state.bestEpoch ?? 0) + 1, Date().timeIntervalSince(start), e.accuracy, config.testSamples))
        for dt in [1.0, 0.1] {
            let path = output.appendingPathComponent("model-dt\(dt == 1 ? "1" : "0.1").nir").path
            try NIRFile.write(try NIRExport.graph(final, readerDtMs: dt).graph, to: path)
            print("wrote \(path)")
        }
    case "dump":
        let dt = Double(options["dt-ms"] ?? "1") ?? 1
        let imported = try NIRImport.network(try NIRFile.read(path: option("nir")), readerDtMs: dt)
        imported.notes.forEach { print($0) }
        let network = imported.network
        let config = try NIRImport.savedModel(network).model.config
        let experiment = Experiment(config)
        let engine = NetworkEngine(threads: threads)
        let sets = Int(options["test-sets"] ?? "4") ?? 4
        let seed = UInt64(options["seed"] ?? "1000") ?? 1000
        let bytesPerStep = (network.inputs + 7) / 8
        var spikes: [UInt8] = [], labels: [Int64] = [], predictions: [Int64] = [], scores: [Float] = []
        var accuracies: [Double] = []
        for index in 0 ..< sets {
            let set = experiment.testSet(seed: seed, index: index)
            let raster = experiment.stimulus.spikes(for: set.data, offset: set.offset, threads: engine.threads)
            let s = engine.scores(network, raster: raster, samples: Array(0 ..< set.data.count))
            for sample in 0 ..< set.data.count {
                for t in 0 ..< network.steps {
                    var packed = [UInt8](repeating: 0, count: bytesPerStep)
                    for c in 0 ..< network.inputs where raster[sample, t, c] { packed[c / 8] |= 0x80 >> UInt8(c % 8) }
                    spikes += packed
                }
                predictions.append(Int64(s.prediction(sample)))
            }
            labels += set.data.labels(experiment.classes).map(Int64.init)
            scores += s.values
            let e = Evaluation(trueIPDs: set.data.ipds, predictions: (0 ..< set.data.count).map(s.prediction), classes: experiment.classes)
            accuracies.append(e.accuracy)
        }
        try write(spikes, "spikes.bin")
        try write(labels, "labels.bin")
        try write(predictions, "predictions.bin")
        try write(scores, "scores.bin")
        let neuron = network.layers[0].neuron as? LIFNeuron
        let info: [String: Any] = [
            "samples": labels.count, "steps": network.steps, "inputs": network.inputs, "classes": network.classes,
            "spike_timing": neuron?.timing.rawValue ?? "?", "test_sets": sets, "seed": seed,
            "spikeloc_accuracy": accuracies.reduce(0, +) / Double(sets),
        ]
        try JSONSerialization.data(withJSONObject: info, options: [.sortedKeys]).write(to: output.appendingPathComponent("info.json"))
        print(String(format: "spikeloc (timing %@): accuracy %.2f%% on %d samples", neuron?.timing.rawValue ?? "?", accuracies.reduce(0, +) / Double(sets), labels.count))
    default:
        fail("unknown command \(command)")
    }
} catch {
    fail("\(error)")
}
#else
import Foundation
FileHandle.standardError.write(Data("spikeloc-nir-check needs the package trait NIR (swift build -c release --traits NIR)\n".utf8))
exit(2)
#endif
