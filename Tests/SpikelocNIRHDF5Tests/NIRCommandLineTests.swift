#if NIR
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

/// `spikeloc export` and `spikeloc import` built with the trait NIR, as a user runs them.
final class NIRCommandLineTests: XCTestCase {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    func run(_ args: [String]) throws -> Result {
        let p = Process()
        p.executableURL = Bundle.main.bundleURL.appendingPathComponent("spikeloc")
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func testExportImportAndTheirErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-nir-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = ExperimentConfig()
        config.anfPerEar = 5
        config.hidden = 4
        config.classes = 3
        var g = Xoshiro256StarStar(seed: 8)
        let model = SavedModel(config: config, w1: .uniform(rows: 10, columns: 4, bound: 1, using: &g), w2: .uniform(rows: 4, columns: 3, bound: 1, using: &g))
        let modelPath = dir.appendingPathComponent("model.safetensors").path, nirPath = dir.appendingPathComponent("model.nir").path
        try model.save(to: URL(fileURLWithPath: modelPath))

        let export = try run(["export", "--model", modelPath, "--output", nirPath])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stderr.hasPrefix("warning: the model uses the notebook's LIF"), export.stderr)
        XCTAssertTrue(export.stdout.contains("Input(10) -> Linear(4x10) -> LIF(4) -> Linear(3x4) -> LI(3) -> Output(3)"), export.stdout)
        let again = try run(["export", "--model", modelPath, "--output", nirPath])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("the file exists (--force overwrites it)"), again.stderr)

        let back = dir.appendingPathComponent("back.safetensors").path
        let imported = try run(["import", "--nir", nirPath, "--output", back])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let reloaded = try SavedModel.load(from: URL(fileURLWithPath: back))
        XCTAssertEqual(reloaded.w1, model.w1)
        XCTAssertEqual(reloaded.w2, model.w2)
        XCTAssertEqual(reloaded.config.tauMs, 5)

        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: dir.appendingPathComponent("bad.nir").path))
        let bad = try run(["import", "--nir", dir.appendingPathComponent("bad.nir").path, "--output", dir.appendingPathComponent("x.safetensors").path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        XCTAssertTrue(bad.stderr.hasPrefix("spikeloc: error: ") && bad.stderr.contains("not an HDF5 file"), bad.stderr)
        let missing = try run(["export", "--model", dir.appendingPathComponent("none.safetensors").path, "--output", dir.appendingPathComponent("y.nir").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
    }
}
#endif
