import Foundation
import SpikelocOutput
import XCTest

/// Interrupting training (SIGINT, SIGTERM, SIGKILL) and resuming gives the same final run as
/// never interrupting it.
final class ResumeTests: XCTestCase {
    let settings = ["--epochs", "8", "--train-batches", "32", "--validation-batches", "8", "--test-batches", "2", "--seed", "4"]

    func uninterrupted(_ dir: URL) throws -> URL {
        let run = dir.appendingPathComponent("straight")
        let r = try CommandRunner.run(["train", "--output", run.path] + settings)
        XCTAssertEqual(r.status, 0, r.stderr)
        return run
    }

    /// Starts training, waits for the first checkpoint, sends `sig` and returns the result.
    func interrupted(_ run: URL, signal sig: Int32) throws -> CommandRunner.Result {
        let (p, out, err) = try CommandRunner.start(["train", "--output", run.path, "--threads", "1"] + settings)
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors").path
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && p.isRunning && Date() < deadline { usleep(2000) }
        XCTAssertTrue(p.isRunning, "training finished before it could be interrupted")
        kill(p.processIdentifier, sig)
        return CommandRunner.finish(p, out, err)
    }

    func assertSameRun(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let modelA = try Data(contentsOf: a.appendingPathComponent("model.safetensors"))
        let modelB = try Data(contentsOf: b.appendingPathComponent("model.safetensors"))
        XCTAssertTrue(modelA == modelB, "model.safetensors differs", file: file, line: line)
        var ma = try JSONFiles.read(RunMetrics.self, from: a.appendingPathComponent("metrics.json"))
        var mb = try JSONFiles.read(RunMetrics.self, from: b.appendingPathComponent("metrics.json"))
        for m in [\RunMetrics.wallSeconds] { ma[keyPath: m] = 0; mb[keyPath: m] = 0 }
        ma.epochSeconds = []; mb.epochSeconds = []
        ma.threads = 0; mb.threads = 0
        XCTAssertEqual(ma, mb, "metrics differ", file: file, line: line)
    }

    func testSIGINTThenResumeIsBitIdentical() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let straight = try uninterrupted(dir)
        let run = dir.appendingPathComponent("interrupted")
        let r = try interrupted(run, signal: SIGINT)
        XCTAssertEqual(r.status, 130, r.stderr)
        XCTAssertTrue(r.stderr.contains("Resume with: spikeloc train --resume \(run.path)"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("model.safetensors").path))
        let resumed = try CommandRunner.run(["train", "--resume", run.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("Resuming"), resumed.stdout)
        try assertSameRun(straight, run)
    }

    func testSIGTERMExitsWith143AndSIGKILLLeavesAValidCheckpoint() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let straight = try uninterrupted(dir)
        let term = dir.appendingPathComponent("term")
        XCTAssertEqual(try interrupted(term, signal: SIGTERM).status, 143)
        let killed = dir.appendingPathComponent("killed")
        let r = try interrupted(killed, signal: SIGKILL)
        XCTAssertEqual(r.status, SIGKILL, "terminated by the signal")
        XCTAssertNoThrow(try Checkpoint.load(from: killed.appendingPathComponent("checkpoint.safetensors")))
        for run in [term, killed] {
            let resumed = try CommandRunner.run(["train", "--resume", run.path, "--threads", "2"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            try assertSameRun(straight, run)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: run.path).filter { $0.hasSuffix(".tmp") }
            XCTAssertEqual(leftovers, [], "temporary files of a killed write are cleaned up on resume")
        }
    }

    func testResumeNeedsACheckpoint() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CommandRunner.run(["train", "--resume", dir.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("checkpoint.safetensors") && r.stderr.contains("no such file"), r.stderr)
    }
}
