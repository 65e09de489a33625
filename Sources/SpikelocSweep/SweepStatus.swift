import Foundation

/// Where a sweep stands, from its folder alone (`spikeloc sweep DIR --status`).
public struct SweepStatus: Sendable, CustomStringConvertible {
    /// The folder.
    public let folder: SweepFolder
    /// Its manifest.
    public let manifest: SweepManifest
    /// Every run with its state.
    public let states: [(run: SweepRunSpec, state: SweepRunState)]
    /// Run folders of earlier grids.
    public let others: [String]
    /// Names listed per state at most.
    public static let listed = 8

    public init(folder: SweepFolder) throws {
        self.folder = folder
        manifest = try folder.readManifest()
        states = manifest.runs.map { ($0, folder.state(of: $0)) }
        others = folder.otherRunFolders(manifest)
    }

    /// Runs in `state`.
    public func count(_ state: SweepRunState) -> Int { states.filter { $0.state == state }.count }

    /// Whether every run is done or diverged.
    public var isComplete: Bool { states.allSatisfy { $0.state == .done || $0.state == .diverged } }

    public var description: String {
        let points = manifest.runs.count / max(manifest.grid.seeds.count, 1)
        var lines = ["Sweep \(folder.url.path): \(manifest.runs.count) runs (\(points) settings x \(manifest.grid.seeds.count) seeds)"]
        for state in SweepRunState.allCases {
            let runs = states.filter { $0.state == state }.map(\.run)
            var line = "  " + state.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0) + "\(runs.count)"
            if state != .done && !runs.isEmpty {
                let notes = runs.prefix(Self.listed).map { run -> String in
                    switch state {
                    case .running: return run.name + (folder.holder(of: run).map { " (\($0))" } ?? "")
                    case .failed, .diverged: return run.name + (folder.readOutcome(run).map { ": \($0.message)" } ?? "")
                    default: return run.name
                    }
                }
                line += "\n" + notes.map { "      " + $0 }.joined(separator: "\n")
                if runs.count > Self.listed { line += "\n      ... and \(runs.count - Self.listed) more" }
            }
            lines.append(line)
        }
        if !others.isEmpty {
            lines.append("  \(others.count) run folders of earlier grids are kept under runs/ but are not part of this grid")
        }
        if let submission = SlurmArray.lastSubmission(folder) {
            lines.append("Slurm: last submitted \(submission); task output in \(folder.logsFolder.path)/")
        }
        if isComplete {
            lines.append("Complete: results.csv, summary.csv and sweep.html hold every run.")
        } else {
            lines.append("Not complete: `spikeloc sweep \(folder.url.path)` runs what is left here (or `--submit` on Slurm): it resumes interrupted runs and retries failed ones.")
        }
        return lines.joined(separator: "\n")
    }
}
