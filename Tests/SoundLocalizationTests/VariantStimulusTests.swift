import Foundation
import SoundLocalization
import SpikingCore
import XCTest

/// The stimulus variants and the paper's error metric against the PyTorch reference
/// (`Tests/SpikingCoreTests/Fixtures/variant_parity.json`), and the variants' data sets.
final class VariantStimulusTests: XCTestCase {
    struct Fixture: Decodable {
        var stimulus: [StimulusCase]
        var midpointError: Midpoint
    }

    struct StimulusCase: Decodable {
        var name: String
        var anfPerEar, steps: Int
        var dtMs, rateMaxHz, envelopePower, stimulusFrequencyHz, phi0: Double
        var envelope: ExperimentConfig.Envelope
        var ipds: [Double]
        var jitter: [Double]?
        var probability: [[[Double]]]
    }

    struct Midpoint: Decodable {
        var classes: Int
        var trueIpds: [Float]
        var predictedClasses: [Int]
        var accuracyPercent, absErrorDeg, midpointErrorDeg: Double
    }

    func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SpikingCoreTests/Fixtures/variant_parity.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: Data(contentsOf: url))
    }

    func config(_ c: StimulusCase) -> ExperimentConfig {
        var config = ExperimentConfig()
        config.anfPerEar = c.anfPerEar; config.durationMs = Double(c.steps) * c.dtMs; config.dtMs = c.dtMs
        config.rateMaxHz = c.rateMaxHz; config.envelopePower = c.envelopePower; config.envelope = c.envelope
        config.stimulusFrequencyHz = c.stimulusFrequencyHz
        return config
    }

    /// Every element's probability (power and integral envelopes, with phase-delay noise) equals
    /// the reference's, and the kernel's spikes follow it with the fixed noise.
    func testProbabilitiesMatchReference() throws {
        for c in try fixture().stimulus {
            let s = SoundStimulus(config(c))
            let jitter = c.jitter ?? []
            for (n, ipd) in c.ipds.enumerated() {
                for t in 0 ..< c.steps {
                    for ch in 0 ..< 2 * c.anfPerEar {
                        XCTAssertEqual(s.probability(ipd: ipd, step: t, channel: ch, offset: c.phi0, jitter: jitter),
                                       c.probability[n][t][ch], accuracy: 1e-12, "\(c.name) \(n) \(t) \(ch)")
                    }
                }
            }
            var data = IPDDataset(ipds: c.ipds, noise: FixedNoise(key: 5, set: 1))
            data.phaseJitter = jitter
            let raster = s.spikes(for: data, offset: c.phi0, threads: 1)
            var mismatches = 0
            for (n, _) in c.ipds.enumerated() {
                for t in 0 ..< c.steps {
                    for ch in 0 ..< 2 * c.anfPerEar {
                        let u = data.noise.uniform(sample: n, step: t, channel: ch, steps: c.steps, channels: 2 * c.anfPerEar)
                        let p = c.probability[n][t][ch]
                        if (u < p) != raster[n, t, ch] {
                            mismatches += 1
                            XCTAssertLessThan(abs(u - p), 1e-6, "\(c.name): a mismatch away from the boundary")
                        }
                    }
                }
            }
            XCTAssertLessThanOrEqual(mismatches, 1, c.name)
        }
    }

    /// The integral envelope over a full period averages to the power envelope's mean (3/8 of the
    /// peak) and never exceeds the peak.
    func testIntegralEnvelopeIntegratesTheRate() {
        var config = ExperimentConfig()
        config.envelope = .integral
        config.stimulusFrequencyHz = 50
        let s = SoundStimulus(config)
        let samples = (0 ..< 20).map { s.probability(ipd: 0, step: $0, channel: 0, offset: 0) }  // one 20 ms period
        XCTAssertEqual(samples.reduce(0, +) / 20, 0.6 * 3 / 8, accuracy: 1e-12)
        XCTAssertLessThanOrEqual(samples.max()!, 0.6)
    }

    func testMidpointErrorMatchesReference() throws {
        let m = try fixture().midpointError
        let e = Evaluation(trueIPDs: m.trueIpds.map(Double.init), predictions: m.predictedClasses, classes: IPDClasses(count: m.classes))
        XCTAssertEqual(e.accuracy, m.accuracyPercent, accuracy: 1e-9)
        XCTAssertEqual(e.absErrorDeg, m.absErrorDeg, accuracy: 1e-9)
        XCTAssertEqual(e.midpointErrorDeg, m.midpointErrorDeg, accuracy: 1e-9)
    }

    /// Offsets: epoch mode changes every epoch, dataset mode never, sample mode gives each sample
    /// its own; jitter is drawn for training and validation only.
    func testOffsetModesAndJitter() {
        var config = ExperimentConfig()
        config.batchSize = 8; config.trainBatches = 2; config.validationBatches = 2; config.testBatches = 1
        let epoch = Experiment(config)
        XCTAssertNotEqual(epoch.trainingOffset(epoch: 0), epoch.trainingOffset(epoch: 1))
        XCTAssertNil(epoch.trainingSet.sampleOffsets)
        XCTAssertTrue(epoch.trainingSet.phaseJitter.isEmpty)
        config.offsetMode = .dataset
        let dataset = Experiment(config)
        XCTAssertEqual(dataset.trainingOffset(epoch: 0), dataset.trainingOffset(epoch: 7))
        XCTAssertNotEqual(dataset.trainingOffset(epoch: 0), dataset.validationOffset(epoch: 0))
        XCTAssertEqual(dataset.trainEvaluationOffset, dataset.trainingOffset(epoch: 0), "training accuracy on the training spikes")
        config.offsetMode = .sample
        config.phaseJitter = 0.3
        let sample = Experiment(config)
        let offsets = try! XCTUnwrap(sample.trainingSet.sampleOffsets)
        XCTAssertEqual(Set(offsets).count, 16)
        XCTAssertEqual(sample.trainingSet.phaseJitter.count, 200)
        XCTAssertNotEqual(sample.trainingSet.phaseJitter, sample.validationSet.phaseJitter)
        let sd = (sample.trainingSet.phaseJitter.map { $0 * $0 }.reduce(0, +) / 200).squareRoot()
        XCTAssertEqual(sd, 0.3, accuracy: 0.06)
        XCTAssertTrue(sample.testSet(seed: 0, index: 0).data.phaseJitter.isEmpty, "test sets are clean")
        XCTAssertEqual(sample.testSet(seed: 0, index: 0, phaseJitter: 0.2).data.phaseJitter.count, 200)
        // per-sample offsets: a sample's spikes are those of a shared offset equal to its own
        let raster = sample.stimulus.spikes(for: sample.trainingSet, offset: 0, threads: 1)
        var one = sample.trainingSet
        one.sampleOffsets = nil
        let shared = sample.stimulus.spikes(for: one, offset: offsets[3], threads: 1)
        for t in 0 ..< 100 { for ch in 0 ..< 200 { XCTAssertEqual(raster[3, t, ch], shared[3, t, ch]) } }
    }

    /// The experiment builds the configured network: neuron, reset, read-out, constraints, taus.
    func testExperimentBuildsTheConfiguredNetwork() {
        var config = ExperimentConfig()
        config.batchSize = 8; config.trainBatches = 1; config.validationBatches = 1; config.testBatches = 1
        config.spikeTiming = .current; config.reset = .subtract; config.adaptiveThreshold = 1; config.thresholdTauMs = 7
        config.readout = .spikeCount; config.tauHiddenMs = 2; config.tauOutputMs = 20; config.learnTau = true
        config.dales = true; config.daleMask = .random; config.ieRatio = 0.25; config.excitatory = .hidden
        config.w1Bound = 0.05
        let net = Experiment(config).initialNetwork()
        let neuron = net.layers[0].neuron as! AdaptiveLIFNeuron
        XCTAssertEqual(neuron.timing, .current)
        XCTAssertEqual(neuron.reset, .subtract)
        XCTAssertEqual(neuron.rho, Float(exp(-1.0 / 7)))
        XCTAssertEqual(net.readout.kind, .spikeCount)
        XCTAssertNotNil(net.readout.neuron as? LIFNeuron)
        XCTAssertEqual(net.layers[0].tau.values, [Float](repeating: 2, count: 30))
        XCTAssertEqual(net.readout.tau.values, [Float](repeating: 20, count: 12))
        XCTAssertTrue(net.layers[0].tau.isLearnable && net.readout.tau.isLearnable)
        guard case let .signedRows(signs) = net.layers[0].weights.constraint else { return XCTFail("Dale's law on w1") }
        XCTAssertEqual(signs.filter { $0 < 0 }.count, 50, "int(0.25 x 200) random rows")
        XCTAssertNotEqual(Array(signs.prefix(50)), [Float](repeating: -1, count: 50), "not the first rows")
        XCTAssertEqual(net.readout.weights.constraint, .nonNegative, "excitatory hidden units")
        XCTAssertLessThanOrEqual(net.inputWeights.values.map(abs).max()!, 0.05)
        XCTAssertEqual(Experiment(config).initialNetwork(), net, "the random mask comes from the seed")
        XCTAssertFalse(NetworkEngine(threads: 1).runsNotebookKernel(net))
        XCTAssertEqual(config.variantDescription,
                       "standard LIF (spike from the current membrane), adaptive threshold (beta 1.0, tau 7.0 ms), subtractive reset, spike-count read-out, tau 2.0 ms hidden, 20.0 ms output, learned time constants, Dale's law (random mask, 0.25 inhibitory), excitatory-only hidden weights")
        XCTAssertEqual(ExperimentConfig().variantDescription, "the seed notebook's model")
    }
}
