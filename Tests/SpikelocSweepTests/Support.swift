import Foundation
import SoundLocalization
import SpikelocSweep
import XCTest

/// A stand-in for `train`'s option parser with a few options, as the command line's
/// `TrainOptions` reads them (`--name=value`, `--name value`, flags).
struct FakeParser: TrainOptionParser {
    nonisolated(unsafe) static let options: [String: WritableKeyPath<ExperimentConfig, Double>] = [
        "tau-ms": \.tauMs, "lr": \.lr, "ie-ratio": \.ieRatio, "dt-ms": \.dtMs, "duration-ms": \.durationMs,
    ]
    nonisolated(unsafe) static let integers: [String: WritableKeyPath<ExperimentConfig, Int>] = [
        "hidden": \.hidden, "epochs": \.epochs, "batch-size": \.batchSize, "train-batches": \.trainBatches,
        "validation-batches": \.validationBatches, "test-batches": \.testBatches,
    ]

    func kind(of name: String) -> TrainOptionKind? {
        if name == "dales" || name == "no-dales" { return .flag }
        return Self.options[name] != nil || Self.integers[name] != nil || name == "seed" ? .option : nil
    }

    func config(arguments: [String], testSets: Int, threads: Int) throws -> ExperimentConfig {
        var c = ExperimentConfig()
        var index = 0
        while index < arguments.count {
            var name = String(arguments[index].dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            index += 1
            if name == "dales" { c.dales = true; continue }
            if name == "no-dales" { c.dales = false; continue }
            if value == nil { value = arguments[index]; index += 1 }
            if let path = Self.options[name] {
                guard let number = Double(value!) else { throw SweepError("The value '\(value!)' is invalid for '--\(name)'") }
                c[keyPath: path] = number
            } else if let path = Self.integers[name] {
                guard let number = Int(value!) else { throw SweepError("The value '\(value!)' is invalid for '--\(name)'") }
                c[keyPath: path] = number
            } else if name == "seed" {
                c.seed = UInt64(value!)!
            } else {
                throw SweepError("Unknown option '--\(name)'")
            }
        }
        try c.validate(testSets: testSets, threads: threads)
        return c
    }
}

/// Tiny training settings: a run takes a fraction of a second.
let tinyArguments = ["--epochs", "2", "--batch-size", "16", "--train-batches", "4", "--validation-batches", "2", "--test-batches", "2"]

/// A fresh empty folder, removed after the test.
func temporaryFolder(_ test: XCTestCase, _ name: String = "sweep") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-sweep-tests-\(UUID().uuidString)")
        .appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    return url
}

/// Asserts that `body` throws a ``SweepError`` whose message contains every text of `expected`.
func assertSweepError<T>(_ expected: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("no error; expected one with \(expected)", file: file, line: line)
    } catch let error as SweepError {
        for text in expected { XCTAssertTrue(error.message.contains(text), "'\(text)' missing in: \(error.message)", file: file, line: line) }
        XCTAssertFalse(error.message.contains("\n"), "one line: \(error.message)", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}
