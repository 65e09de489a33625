import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a polite stop request that training checks after every batch.
/// A second signal ends the process at once (files are written atomically, so nothing is left
/// half-written).
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var signalNumber: Int32?
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening for SIGINT and SIGTERM.
    init() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [unowned self] in self.receive(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    var received: Int32? { lock.withLock { signalNumber } }

    private func receive(_ sig: Int32) {
        let first = lock.withLock { () -> Bool in
            defer { if signalNumber == nil { signalNumber = sig } }
            return signalNumber == nil
        }
        if first {
            FileHandle.standardError.write(Data("\n\(sig == SIGINT ? "SIGINT" : "SIGTERM") received: stopping after this batch (send it again to quit now)\n".utf8))
        } else {
            exit(128 + sig)
        }
    }
}
