import SoundLocalization
import SpikingCore
import XCTest

/// ``ExperimentConfig/validate()`` refuses every non-finite, out-of-range or overflowing value
/// without trapping, and runs that do not fit in memory, before anything is allocated.
final class ConfigLimitsTests: XCTestCase {
    func option(_ body: (inout ExperimentConfig) -> Void) -> String? {
        var c = ExperimentConfig()
        body(&c)
        do { try c.validate(testSets: 1, threads: 2, memoryLimit: 1e12); return nil } catch let e as ConfigError { return e.option } catch {
            return "unexpected \(error)"
        }
    }

    func testEveryFloatingOptionRefusesNaNAndInfinity() {
        let doubles: [(WritableKeyPath<ExperimentConfig, Double>, String)] = [
            (\.dtMs, "--dt-ms"), (\.durationMs, "--duration-ms"), (\.stimulusFrequencyHz, "--stimulus-frequency-hz"),
            (\.rateMaxHz, "--rate-max-hz"), (\.envelopePower, "--envelope-power"), (\.tauMs, "--tau-ms"), (\.ieRatio, "--ie-ratio"),
            (\.lr, "--lr"), (\.adamBeta1, "--adam-beta1"), (\.adamBeta2, "--adam-beta2"), (\.adamEpsilon, "--adam-epsilon"),
        ]
        for (key, name) in doubles {
            for bad in [Double.nan, .infinity, -.infinity] { XCTAssertEqual(option { $0[keyPath: key] = bad }, name, "\(name) = \(bad)") }
        }
        let floats: [(WritableKeyPath<ExperimentConfig, Float>, String)] = [
            (\.threshold, "--threshold"), (\.surrogateBeta, "--surrogate-beta"), (\.outputScale, "--output-scale"),
        ]
        for (key, name) in floats {
            for bad in [Float.nan, .infinity, -.infinity] { XCTAssertEqual(option { $0[keyPath: key] = bad }, name, "\(name) = \(bad)") }
        }
    }

    func testSizesAreCheckedBeforeAnyConversion() {
        XCTAssertEqual(option { $0.dtMs = 1e-300 }, "--duration-ms / --dt-ms")
        XCTAssertEqual(option { $0.durationMs = 1e300 }, "--duration-ms / --dt-ms")
        XCTAssertEqual(option { $0.dtMs = .leastNonzeroMagnitude }, "--duration-ms / --dt-ms")
        XCTAssertEqual(option { $0.dtMs = 1e300 }, "--duration-ms")
        XCTAssertEqual(option { $0.durationMs = 1.4 }, "--duration-ms", "rounds to 1 step")
        XCTAssertEqual(option { $0.batchSize = 1 << 62; $0.trainBatches = 2 }, "--batch-size")
        XCTAssertEqual(option { $0.batchSize = Int.max; $0.trainBatches = Int.max }, "--batch-size")
        XCTAssertEqual(option { $0.batchSize = 1 << 31; $0.testBatches = 1 << 31 }, "--batch-size x --test-batches")
        XCTAssertEqual(option { $0.classes = 1_000_000_000 }, "--classes")
        XCTAssertEqual(option { $0.classes = 1 }, "--classes")
        XCTAssertEqual(option { $0.hidden = 100_000_000 }, "--hidden")
        XCTAssertEqual(option { $0.hidden = Int.min }, "--hidden")
        XCTAssertEqual(option { $0.anfPerEar = Int.max }, "--anf-per-ear")
        XCTAssertEqual(option { $0.anfPerEar = 100_000; $0.durationMs = 100_000 }, "--anf-per-ear", "inputs x steps >= 2^32")
        XCTAssertEqual(option { $0.epochs = Int.max }, "--epochs")
        XCTAssertEqual(option { $0.earlyStopWindow = Int.max }, "--early-stop-window")
        XCTAssertEqual(option { $0.earlyStopAfter = -1 }, "--early-stop-after")
        XCTAssertNil(option { $0.earlyStopAfter = Int.max })
        XCTAssertNil(option { _ in })
        XCTAssertNoThrow(try ExperimentConfig().validate())
        var c = ExperimentConfig()
        XCTAssertThrowsError(try c.validate(testSets: 0)) { XCTAssertEqual(($0 as? ConfigError)?.option, "--test-sets") }
        XCTAssertThrowsError(try c.validate(testSets: 1_000_000, testSetsOption: "--repeats")) {
            XCTAssertEqual(($0 as? ConfigError)?.option, "--repeats")
        }
        XCTAssertThrowsError(try c.validate(testSets: 1, threads: 0)) { XCTAssertEqual(($0 as? ConfigError)?.option, "--threads") }
        c.hidden = 0
        XCTAssertThrowsError(try c.validateValues())
    }

    /// The estimate of the default run (measured peak of a 1-epoch `train`: 40 MiB), and the
    /// refusal of a run that does not fit, naming the options of its largest part.
    func testMemoryEstimate() throws {
        let d = ExperimentConfig().memoryEstimate(testSets: 1, threads: 2)
        XCTAssertEqual(d[.rasters], 8192 * 100 * 4 * 8, "training + validation samples x steps x 4 words x 8 bytes")
        XCTAssertEqual(d[.workspaces], 8 * ((3 * 100 + 200 + 12 + 2) * 32 * 4 + 8 * 12), "8 chunks of 8 samples")
        XCTAssertEqual(d[.confusion], 3 * 12 * (12 * 8 + 32))
        XCTAssertEqual(d.total / 1_048_576, 49.5, accuracy: 0.1)
        XCTAssertEqual(MemoryEstimate.format(d.total), "49.5 MiB")
        XCTAssertEqual(ExperimentConfig().memoryEstimate(testSets: 1, threads: 64)[.workspaces], 8 * d[.workspaces], "one per thread at least")

        var big = ExperimentConfig()
        big.batchSize = 1_000_000; big.trainBatches = 1000
        XCTAssertEqual(big.memoryEstimate(testSets: 1, threads: 2).largest.part, .rasters)
        XCTAssertThrowsError(try big.validate(testSets: 1, threads: 2, memoryLimit: 64 * 1_073_741_824)) { error in
            let e = error as? ConfigError
            XCTAssertEqual(e?.option, MemoryEstimate.Part.rasters.options)
            XCTAssertTrue(e?.message.contains("3.1 TiB") == true && e?.message.contains("64.0 GiB") == true, "\(error)")
        }
        XCTAssertNoThrow(try ExperimentConfig().validate(testSets: 1, threads: 2, memoryLimit: 64 * 1_048_576))
        XCTAssertThrowsError(try ExperimentConfig().validate(testSets: 1, threads: 2, memoryLimit: 32 * 1_048_576))
        var classes = ExperimentConfig()
        classes.classes = 1000
        XCTAssertGreaterThan(classes.memoryEstimate(testSets: 1000, threads: 2)[.confusion], 8e9, "1002 matrices of 10^6 counts")
        XCTAssertGreaterThan(SystemMemory.limit, 0)
    }
}
