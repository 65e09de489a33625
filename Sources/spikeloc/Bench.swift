import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the parts of a training epoch on the given settings.",
        discussion: "Reports medians over --epochs timed epochs after one warm-up epoch. `scripts/bench-vs-pytorch.sh` runs this and the PyTorch reference one after the other and prints the ratios.")

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var threading: ThreadOptions
    @Option(name: .customLong("repeat"), parsing: .unconditional, help: "Timed epochs.") var timedEpochs = 5
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Run every network on the generic driver, even the notebook's (to compare it with the hand-tuned kernel).")
    var generic = false
    @Option(parsing: .unconditional, help: "With delays: time every epoch at this Gaussian width (15 is the first epoch's, 0.23 the last ones').")
    var delaySigma: Double?

    struct Result: Codable {
        var stimulusMs: Double
        var trainBatchMs: Double
        var valBatchMs: Double
        var epochMs: Double
        var peakRssMb: Double
        var projected150EpochsS: Double
        var threads: Int
        var hidden: Int
        var anfPerEar: Int
        var batchSize: Int
        var kernel: String
        var delays: String
        var delaySigma: Double?
        var flushSubnormals: Bool
    }

    func run() throws {
        try Console.guarded {
            guard (1 ... 100_000).contains(timedEpochs) else {
                throw ConfigError(option: "--repeat", message: "must be a whole number in [1, 100000], got \(timedEpochs)")
            }
            let threads = try threading.count()
            var config = try experiment.config(threads: threads)
            config.earlyStopAfter = Int.max / 2  // never stop early while timing
            if let delaySigma {
                guard config.delays != .none else { throw ConfigError(option: "--delay-sigma", message: "needs --delays (or --preset dcls)") }
                config.delaySigmaStart = delaySigma
                config.delaySigmaEpochs = 0
                try config.validateValues()
            }
            let exp = Experiment(config)
            let engine = NetworkEngine(threads: threads)
            engine.usesNotebookKernel = !generic
            let trainer = Trainer(experiment: exp, engine: engine)
            var state = trainer.initialState()
            try trainer.runEpoch(&state)  // warm-up

            var stimulus: [Double] = [], trainBatch: [Double] = [], valBatch: [Double] = [], epoch: [Double] = []
            let trainLabels = exp.trainingSet.labels(exp.classes)
            let valLabels = exp.validationSet.labels(exp.classes)
            try SubnormalMode.flushingToZero(config.flushSubnormals) {  // as training does
                for e in 0 ..< timedEpochs {
                    var raster = SpikeRaster(samples: 0, steps: 0, channels: 0), valRaster = raster
                    stimulus.append(time {
                        raster = exp.stimulus.spikes(for: exp.trainingSet, offset: 0.1 * Double(e), threads: threads)
                        valRaster = exp.stimulus.spikes(for: exp.validationSet, offset: 0.2 * Double(e), threads: threads)
                    })
                    var timed = state
                    trainBatch.append(time {
                        for b in 0 ..< config.trainBatches {
                            let samples = Array(b * config.batchSize ..< (b + 1) * config.batchSize)
                            timed.step(engine.lossAndGradients(timed.network, raster: raster, samples: samples,
                                                               labels: samples.map { trainLabels[$0] }, loss: exp.loss))
                        }
                    } / Double(config.trainBatches))
                    let evaluated = timed.network.withDelayKernel(.max)
                    valBatch.append(time {
                        for b in 0 ..< config.validationBatches {
                            let samples = Array(b * config.batchSize ..< (b + 1) * config.batchSize)
                            let s = engine.scores(evaluated, raster: valRaster, samples: samples)
                            var loss = 0.0
                            for (k, n) in samples.enumerated() {
                                let logits = (0 ..< config.classes).map { config.outputScale * s.values[k * config.classes + $0] }
                                loss += Double(SoftmaxCrossEntropy.loss(logits: logits, label: valLabels[n]))
                            }
                            precondition(loss.isFinite)
                        }
                    } / Double(config.validationBatches))
                    epoch.append(try time { try trainer.runEpoch(&state) })
                }
            }
            var usage = rusage()
            getrusage(0, &usage)  // RUSAGE_SELF
            let epochMs = median(epoch)
            let result = Result(
                stimulusMs: median(stimulus), trainBatchMs: median(trainBatch), valBatchMs: median(valBatch), epochMs: epochMs,
                peakRssMb: Double(usage.ru_maxrss) / 1024, projected150EpochsS: epochMs * 150 / 1000, threads: threads,
                hidden: config.hidden, anfPerEar: config.anfPerEar, batchSize: config.batchSize,
                kernel: engine.runsNotebookKernel(state.network, loss: exp.loss) ? "notebook" : "generic",
                delays: config.delays.rawValue, delaySigma: state.network.delaySigma.map(Double.init),
                flushSubnormals: config.flushSubnormals)
            if json {
                print(String(decoding: JSONFiles.encode(result), as: UTF8.self).replacingOccurrences(of: "\n", with: ""))
            } else {
                let delays = result.delaySigma.map { ", delays \(config.delays.rawValue) (\(config.delayTaps) taps, sigma \($0))" } ?? ""
                print("spikeloc \(SpikelocVersion.current), \(threads) threads, hidden \(config.hidden), \(config.anfPerEar) fibres per ear, batch \(config.batchSize), \(result.kernel) kernel\(delays)\(config.flushSubnormals ? ", subnormals flushed to zero" : ""); medians of \(timedEpochs) epochs")
                print(String(format: "stimulus rebuild (train + validation): %8.2f ms", result.stimulusMs))
                print(String(format: "training batch (fwd + bwd + Adam):     %8.3f ms", result.trainBatchMs))
                print(String(format: "validation batch (fwd + loss):         %8.3f ms", result.valBatchMs))
                print(String(format: "full epoch:                            %8.2f ms", result.epochMs))
                print(String(format: "peak memory (max RSS):                 %8.1f MB", result.peakRssMb))
                print(String(format: "projected 150-epoch run:               %8.2f s", result.projected150EpochsS))
            }
        }
    }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    private func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
