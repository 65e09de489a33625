import Foundation
import XCTest

/// Runs the real `spikeloc` executable built next to the test bundle.
struct CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL {
        Bundle.main.bundleURL.appendingPathComponent("spikeloc")
    }

    /// Starts `spikeloc args...` and returns the running process with its output pipes.
    static func start(_ args: [String]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs `spikeloc args...` to completion.
    static func run(_ args: [String]) throws -> Result {
        let (p, out, err) = try start(args)
        return finish(p, out, err)
    }

    /// Waits for a started process and collects its output.
    static func finish(_ p: Process, _ out: Pipe, _ err: Pipe) -> Result {
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    /// A fresh empty folder under the temporary directory.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Small, fast training settings.
    static let small = ["--batch-size", "16", "--train-batches", "4", "--validation-batches", "2", "--test-batches", "2"]
}
