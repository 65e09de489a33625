import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput

/// Output helpers of the command-line tool: standard error, one-line failures and the progress bar.
enum Console {
    /// Writes a line to standard error.
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Runs a command's body; known failures become one line on standard error and an exit status.
    static func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let e as ConfigError {
            error("spikeloc: error: \(e)")
            throw ExitCode(2)
        } catch let e as ModelFileError {
            error("spikeloc: error: model file \(e)")
            throw ExitCode(1)
        } catch let e as JSONFileError {
            error("spikeloc: error: \(e)")
            throw ExitCode(1)
        } catch let e as OutputError {
            error("spikeloc: error: \(e)")
            throw ExitCode(1)
        } catch let e as RunFolderError {
            error("spikeloc: error: \(e)")
            throw ExitCode(1)
        } catch let e as TrainingError {
            error("spikeloc: error: \(e)")
            throw ExitCode(3)
        }
    }
}

/// A one-line progress bar on standard error, drawn only when standard error is a terminal.
struct ProgressBar {
    let enabled = isatty(2) == 1
    let width = 30

    /// Redraws the bar for `done` of `total` with a trailing note.
    func update(label: String, done: Int, total: Int, note: String) {
        guard enabled else { return }
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) \(note)\u{1B}[K".utf8))
    }

    /// Erases the bar.
    func clear() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
