import Foundation
import SoundLocalization
import SpikingCore
import XCTest

/// The fixed noise of a run: no two elements of the training, validation and test sets share a
/// draw (issue 11; before 0.2.0, samples whose random 32-bit streams lay close together saw the
/// same uniforms, shifted).
final class NoiseIndependenceTests: XCTestCase {
    /// Every element's noise comes from its own 64-bit hash: across the training set, the
    /// validation set and three test sets of each of four seeds, no hash repeats.
    func testNoTwoElementsShareNoise() {
        var config = ExperimentConfig()
        config.batchSize = 64; config.trainBatches = 6; config.validationBatches = 6; config.testBatches = 2
        for seed: UInt64 in 0 ..< 4 {
            config.seed = seed
            let exp = Experiment(config)
            let sets = [exp.trainingSet, exp.validationSet] + (0 ..< 3).map { exp.testSet(seed: seed, index: $0).data }
            XCTAssertEqual(Set(sets.map(\.noise.set)).count, sets.count, "one set number per data set")
            var seen = Set<UInt64>()
            var total = 0
            let steps = config.steps, blocks = (config.inputs + 7) / 8
            for data in sets {
                for n in 0 ..< data.count {
                    for t in 0 ..< steps {
                        for b in 0 ..< blocks {
                            seen.insert(data.noise.blockHash(sample: n, step: t, block: b, steps: steps, blocks: blocks))
                            total += 1
                        }
                    }
                }
            }
            XCTAssertEqual(seen.count, total, "seed \(seed): \(total - seen.count) shared noise draws")
        }
    }

    /// The old flaw, checked directly on the uniforms: two training samples never see the same
    /// sequence of uniforms shifted against each other.
    func testNoShiftedOverlapBetweenSamples() {
        var config = ExperimentConfig()
        config.batchSize = 64; config.trainBatches = 8
        let data = Experiment(config).trainingSet
        // the first 64 uniforms of every sample, as a signature; a shifted copy would repeat them
        var firstWindow = [[Double]: Int]()
        for n in 0 ..< data.count {
            let window = (0 ..< 64).map { data.noise.uniform(sample: n, step: $0 / 200, channel: $0 % 200, steps: 100, channels: 200) }
            XCTAssertNil(firstWindow[window], "samples \(firstWindow[window] ?? -1) and \(n) share their noise")
            firstWindow[window] = n
        }
        // and no sample's start reappears anywhere inside another sample
        let starts = Set((0 ..< data.count).map { data.noise.uniform(sample: $0, step: 0, channel: 0, steps: 100, channels: 200) })
        var repeats = 0
        for n in 0 ..< 64 {
            for e in 1 ..< 20_000 where starts.contains(data.noise.uniform(sample: n, step: e / 200, channel: e % 200, steps: 100, channels: 200)) {
                repeats += 1
            }
        }
        // 32-bit uniforms: chance coincidences of single values are possible (~0.15 expected), runs are not
        XCTAssertLessThanOrEqual(repeats, 3)
    }

    /// Configurations whose counters would not fit are refused.
    func testCounterRangeIsChecked() {
        var config = ExperimentConfig()
        config.batchSize = 1 << 20; config.trainBatches = 1 << 17
        XCTAssertThrowsError(try config.validateValues())
    }
}
