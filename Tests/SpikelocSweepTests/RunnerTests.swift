import Foundation
import SoundLocalization
import SpikelocOutput
import SpikelocSweep
import XCTest

/// The runner trains what is left and nothing else: finished runs are skipped, interrupted ones
/// resume from their checkpoints (ending bit-identical), failed ones are retried, diverged ones
/// are kept as results.
final class RunnerTests: XCTestCase {
    let parser = FakeParser()

    /// Records the runner's events.
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var events: [SweepRunner.Event] = []
        func add(_ event: SweepRunner.Event) { lock.withLock { events.append(event) } }
        var started: [(String, Int?)] {
            lock.withLock { events.compactMap { if case let .started(run, after) = $0 { return (run.name, after) } else { return nil } } }
        }
        var epochs: Int { lock.withLock { events.filter { if case .epoch = $0 { return true } else { return false } }.count } }
    }

    func prepared(_ set: [String], seeds: String = "0-1", fixed: [String] = tinyArguments, name: String = "sweep") throws -> (SweepFolder, SweepManifest) {
        let folder = SweepFolder(url: try temporaryFolder(self, name))
        let plan = try SweepPlan(grid: SweepRequest(setEntries: set, seeds: seeds, fixedArguments: fixed).grid(parser: parser), parser: parser)
        return (folder, try folder.prepare(plan, force: false))
    }

    @discardableResult
    func run(_ folder: SweepFolder, _ manifest: SweepManifest, jobs: Int = 2, stopAfterEpochs: Int? = nil) throws -> (SweepRunner.Report, Events) {
        let events = Events()
        let runner = SweepRunner(folder: folder, manifest: manifest, jobs: jobs, holder: "test")
        let report = try runner.run(manifest.runs, observe: events.add, shouldStop: { stopAfterEpochs.map { events.epochs >= $0 } ?? false })
        return (report, events)
    }

    func contents(_ folder: SweepFolder) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for url in [folder.summary, folder.page] { files[url.lastPathComponent] = try Data(contentsOf: url) }
        // results.csv without its wall-time column
        let results = try String(contentsOf: folder.results, encoding: .utf8).split(separator: "\n").map { line in
            String(line[line.startIndex ..< line.lastIndex(of: ",")!])
        }
        files["results.csv"] = Data(results.joined(separator: "\n").utf8)
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.runsFolder.path) {
            files[name + "/model.safetensors"] = try Data(contentsOf: folder.runsFolder.appendingPathComponent(name).appendingPathComponent("model.safetensors"))
        }
        return files
    }

    func testSkipsFinishedRunsAndResumesInterruptedOnesBitIdentically() throws {
        let (folder, manifest) = try prepared(["tau-ms=2,5"])
        let (report, events) = try run(folder, manifest)
        XCTAssertEqual(report.progress.done, 4)
        XCTAssertFalse(report.interrupted)
        XCTAssertEqual(events.started.count, 4)
        XCTAssertTrue(events.started.allSatisfy { $0.1 == nil })
        let first = try contents(folder)
        XCTAssertEqual(first.keys.filter { $0.hasSuffix("model.safetensors") }.count, 4)

        // again: nothing to do, nothing changes
        let (again, events2) = try run(folder, manifest)
        XCTAssertEqual(again.progress.done, 4)
        XCTAssertEqual(events2.started.count, 0)
        XCTAssertEqual(try contents(folder), first)

        // a run killed after training, before its report: resumed from its finished checkpoint
        let victim = folder.runFolder(manifest.runs[2])
        try FileManager.default.removeItem(at: victim.metrics)
        try FileManager.default.removeItem(at: victim.report)
        XCTAssertEqual(folder.state(of: manifest.runs[2]), .interrupted)
        let (_, events3) = try run(folder, manifest)
        XCTAssertEqual(events3.started.map(\.0), [manifest.runs[2].name])
        XCTAssertEqual(events3.started.first?.1, 2)
        XCTAssertEqual(try contents(folder), first)

        // the same sweep stopped after 3 epochs in all, then continued: the same results
        let (other, otherManifest) = try prepared(["tau-ms=2,5"], name: "sweep")
        let (stopped, _) = try run(other, otherManifest, jobs: 1, stopAfterEpochs: 3)  // one job: which run the stop lands in does not depend on scheduling
        XCTAssertTrue(stopped.interrupted)
        let states = otherManifest.runs.map { other.state(of: $0) }
        XCTAssertTrue(states.contains(.interrupted), "\(states)")
        XCTAssertFalse(states.allSatisfy { $0 == .done })
        let (finished, events4) = try run(other, otherManifest, jobs: 1)
        XCTAssertEqual(finished.progress.done, 4)
        XCTAssertTrue(events4.started.contains { $0.1 == 1 }, "a run resumed after epoch 1: \(events4.started)")
        XCTAssertEqual(try contents(other), first)
    }

    func testFailedRunsAreRetriedAndDivergedRunsKept() throws {
        let (folder, manifest) = try prepared(["lr=0.005,1e30"], seeds: "0")
        // block the first run's folder with a file: it fails
        let blocked = folder.runFolder(manifest.runs[0]).url
        try Data("x".utf8).write(to: blocked)
        let (report, _) = try run(folder, manifest)
        XCTAssertEqual(report.progress.failed, 1)
        XCTAssertEqual(report.progress.diverged, 1)
        XCTAssertEqual(folder.state(of: manifest.runs[0]), .failed)
        XCTAssertEqual(folder.state(of: manifest.runs[1]), .diverged)
        XCTAssertTrue(folder.readOutcome(manifest.runs[0])?.message.contains("not a folder") ?? false)
        XCTAssertTrue(folder.readOutcome(manifest.runs[1])?.message.contains("diverged") ?? false)
        var results = try String(contentsOf: folder.results, encoding: .utf8)
        XCTAssertTrue(results.contains("\"lr=0.005,seed=0\",0.005,0,failed,,"), results)
        XCTAssertTrue(results.contains("\"lr=1e30,seed=0\",1e30,0,diverged,,"), results)

        try FileManager.default.removeItem(at: blocked)
        let (retry, events) = try run(folder, manifest)
        XCTAssertEqual(events.started.map(\.0), [manifest.runs[0].name], "the failed run is retried, the diverged one is not")
        XCTAssertEqual(retry.progress.done, 1)
        XCTAssertEqual(retry.progress.diverged, 1)
        XCTAssertNil(folder.readOutcome(manifest.runs[0]))
        results = try String(contentsOf: folder.results, encoding: .utf8)
        XCTAssertTrue(results.contains("\"lr=0.005,seed=0\",0.005,0,done,"), results)
    }

    func testARunLockedByAnotherProcessIsLeftToIt() throws {
        let (folder, manifest) = try prepared(["tau-ms=2"], seeds: "0-1")
        let lock = try XCTUnwrap(FileLock.tryAcquire(folder.lock(manifest.runs[0]), holder: "elsewhere pid 1 task 3"))
        XCTAssertEqual(folder.state(of: manifest.runs[0]), .running)
        XCTAssertNil(try FileLock.tryAcquire(folder.lock(manifest.runs[0])))
        let status = try SweepStatus(folder: folder)
        XCTAssertTrue(status.description.contains("tau-ms=2,seed=0 (elsewhere pid 1 task 3)"), status.description)
        let (report, events) = try run(folder, manifest)
        XCTAssertEqual(events.started.map(\.0), [manifest.runs[1].name])
        XCTAssertEqual(report.progress.elsewhere, 1)
        XCTAssertEqual(report.progress.done, 1)
        lock.release()
        XCTAssertEqual(folder.state(of: manifest.runs[0]), .missing)
        XCTAssertFalse(try SweepStatus(folder: folder).isComplete)
    }

    func testAChangedGridKeepsItsRunsAndRefusesFoldersOfOtherSettings() throws {
        let url = try temporaryFolder(self)
        let folder = SweepFolder(url: url)
        func prepare(_ set: [String], fixed: [String] = ["--epochs", "2"], force: Bool = false) throws -> SweepManifest {
            try folder.prepare(SweepPlan(grid: SweepRequest(setEntries: set, seeds: "0", fixedArguments: fixed).grid(parser: parser), parser: parser), force: force)
        }
        let first = try prepare(["tau-ms=2,5"])
        for run in first.runs {  // as a started run leaves its folder
            _ = try RunFolder.prepare(folder.runFolder(run).url, force: false)
            try JSONFiles.write(run.config, to: folder.runFolder(run).config)
        }
        // more values and a new axis whose first value is the default: the old runs keep their folders
        let second = try prepare(["tau-ms=2,5,8", "hidden=30,10"])
        XCTAssertEqual(second.runs.count, 6)
        XCTAssertEqual(second.runs.filter { $0.values[1] == "30" }.map(\.name), ["tau-ms=2,seed=0", "tau-ms=5,seed=0", "tau-ms=8,hidden=30,seed=0"])
        XCTAssertEqual(try folder.readManifest(), second)
        // other fixed options: the old folders hold runs of other settings
        assertSweepError(["tau-ms=2,seed=0 holds a run with other settings", "--force"]) { try prepare(["tau-ms=2,5"], fixed: ["--epochs", "3"]) }
        let forced = try prepare(["tau-ms=2,5"], fixed: ["--epochs", "3"], force: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.runFolder(forced.runs[0]).url.path))
        XCTAssertEqual(folder.otherRunFolders(forced), [])
    }
}
