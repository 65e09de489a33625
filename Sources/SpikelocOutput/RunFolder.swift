import Foundation

/// The folder of one training run and the files in it.
public struct RunFolder: Sendable {
    /// The folder.
    public let url: URL

    /// `model.safetensors`.
    public var model: URL { url.appendingPathComponent("model.safetensors") }
    /// `metrics.json`.
    public var metrics: URL { url.appendingPathComponent("metrics.json") }
    /// `config.json`.
    public var config: URL { url.appendingPathComponent("config.json") }
    /// `checkpoint.safetensors`.
    public var checkpoint: URL { url.appendingPathComponent("checkpoint.safetensors") }
    /// `report.html`.
    public var report: URL { url.appendingPathComponent("report.html") }

    /// A run folder at `url` (nothing is created).
    public init(url: URL) { self.url = url }

    /// `runs/seed<SEED>-<yyyyMMdd-HHmmss>` under the current directory.
    public static func defaultURL(seed: UInt64, date: Date = Date()) -> URL {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.locale = Locale(identifier: "en_US_POSIX")
        return URL(fileURLWithPath: "runs").appendingPathComponent("seed\(seed)-\(f.string(from: date))")
    }

    /// Creates the folder (and its parents) and checks that it can be written, before any work
    /// starts. A folder that already holds a run is refused unless `force` is set.
    public static func prepare(_ url: URL, force: Bool) throws -> RunFolder {
        let folder = RunFolder(url: url)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RunFolderError(path: url.path, reason: "exists and is not a folder") }
            let holdsRun = [folder.model, folder.metrics, folder.checkpoint, folder.config].contains { fm.fileExists(atPath: $0.path) }
            if holdsRun && !force {
                throw RunFolderError(path: url.path, reason: "already holds a run; use --force to overwrite it, --resume to continue it, or another --output")
            }
        } else {
            do { try fm.createDirectory(at: url, withIntermediateDirectories: true) } catch {
                throw RunFolderError(path: url.path, reason: "cannot be created (\(FileProblem.describe(error)))")
            }
        }
        // temporary files of atomic writes that a killed process left behind
        for name in (try? fm.contentsOfDirectory(atPath: url.path)) ?? [] where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            try? fm.removeItem(at: url.appendingPathComponent(name))
        }
        let probe = url.appendingPathComponent(".spikeloc-write-test")
        do { try FileProblem.writeAtomically(Data(), to: probe) } catch let e as OutputError {
            throw RunFolderError(path: url.path, reason: "is not writable (\(e.reason))")
        }
        try? fm.removeItem(at: probe)
        return folder
    }
}

/// A run folder that cannot be used.
public struct RunFolderError: Error, CustomStringConvertible {
    /// The folder.
    public var path: String
    /// Why.
    public var reason: String
    public var description: String { "output folder \(path) \(reason)" }
}
