import Foundation
import XCTest

/// `spikeloc export` and `import` as a user runs them, in a build with or without the package
/// trait NIR (the NIR-only cases are in SpikelocNIRHDF5Tests).
final class NIRCommandTests: XCTestCase {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ args: [String]) throws -> Result {
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

    func testInvalidStepIsAnOptionError() throws {
        let r = try Self.run(["export", "--model", "m.safetensors", "--output", "m.nir", "--dt-ms", "0"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "spikeloc: error: --dt-ms must be a positive number of milliseconds, got 0.0\n")
    }

    #if !NIR
    func testWithoutTheTraitTheCommandsSayHowToEnableNIR() throws {
        for args in [["export", "--model", "m.safetensors", "--output", "m.nir"], ["import", "--nir", "m.nir", "--output", "m.safetensors"]] {
            let r = try Self.run(args)
            XCTAssertEqual(r.status, 2, args[0])
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("apt-get install libhdf5-dev") && r.stderr.contains("--traits NIR"), r.stderr)
        }
    }
    #endif
}
