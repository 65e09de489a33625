import Foundation

/// Short, human descriptions of file-system errors and the atomic write spikeloc uses.
public enum FileProblem {
    /// A short reason for a failed file operation ("no such file", "permission denied", ...).
    public static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
            case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            case .fileReadCorruptFile: return "unreadable contents"
            default: break
            }
        }
        if let posix = ns.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// Writes `data` to `url` atomically: a temporary file in the same folder is written,
    /// flushed to disk and renamed over the target, so a crash leaves either the old file or the
    /// new one, never a partial file.
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError(path: url.path, reason: String(cString: strerror(errno))) }
        var ok = true
        var reason = ""
        data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; ok = false; reason = String(cString: strerror(errno)); return }
                written += n
            }
        }
        if ok && fsync(fd) != 0 { ok = false; reason = String(cString: strerror(errno)) }
        close(fd)
        guard ok, rename(temp.path, url.path) == 0 else {
            if ok { reason = String(cString: strerror(errno)) }
            unlink(temp.path)
            throw OutputError(path: url.path, reason: reason)
        }
    }
}

/// A file that could not be written.
public struct OutputError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// Why.
    public var reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}
