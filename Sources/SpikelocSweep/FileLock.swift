import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file (`flock`), held while a run trains or the tables are
/// rewritten. The kernel releases it when the holder exits, however it exits (kill -9 included),
/// so a lock never outlives its process; on NFS, Linux maps it to a POSIX lock that the server
/// arbitrates between nodes.
public final class FileLock: @unchecked Sendable {
    private var fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { release() }

    /// Takes the lock on `url` (created if needed) without waiting; nil when another process or
    /// another lock object holds it. `holder` is written into the file for `--status`.
    public static func tryAcquire(_ url: URL, holder: String? = nil) throws -> FileLock? {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SweepError("cannot open the lock file \(url.path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK { return nil }
            throw SweepError("cannot lock \(url.path): \(String(cString: strerror(error)))")
        }
        if let holder {
            let bytes = Array((holder + "\n").utf8)
            _ = ftruncate(fd, 0)
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return FileLock(fd: fd)
    }

    /// Takes the lock on `url`, waiting for it.
    public static func acquire(_ url: URL) throws -> FileLock {
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SweepError("cannot open the lock file \(url.path): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let error = errno
                close(fd)
                throw SweepError("cannot lock \(url.path): \(String(cString: strerror(error)))")
            }
        }
        return FileLock(fd: fd)
    }

    /// Whether some process holds the lock on `url` (false when the file does not exist).
    public static func isHeld(_ url: URL) -> Bool {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    /// Releases the lock (also done when the object goes away).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }
}
