#if NIR
import Foundation
import SpikelocNIR

/// libhdf5 trusts the structure of the files it reads: some damaged files make it crash
/// (seen with 1.10.8: a segmentation fault on a few flipped bytes). So ``NIRFile/read(path:)``
/// reads in a child process (`fork`) that sends the graph back through a pipe; a child that
/// crashes or hangs becomes a one-line ``NIRError`` about a damaged file, never a crash of the
/// caller. The library lock is held across the fork, so no other thread is inside libhdf5 then.
enum IsolatedRead {
    /// How long a child may take before it is killed (a damaged file can make libhdf5 loop).
    static let timeoutSeconds: Int32 = 60

    static func read(path: String, body: @escaping () throws -> NIRGraph) throws -> NIRGraph {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw NIRError("cannot read the file: \(String(cString: strerror(errno)))") }
        let pid: pid_t = HDF5.locked { fork() }
        if pid == 0 {
            close(fds[0])
            var out = GraphCoder()
            do {
                let graph = try body()
                out.put(UInt8(1))
                out.put(graph)
            } catch {
                out = GraphCoder()
                out.put(UInt8(0))
                out.put("\(error)")
            }
            var offset = 0
            out.bytes.withUnsafeBytes { raw in
                while offset < raw.count {
                    let n = write(fds[1], raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; _exit(3) }
                    offset += n
                }
            }
            _exit(0)
        }
        close(fds[1])
        guard pid > 0 else {
            close(fds[0])
            throw NIRError("cannot read the file: cannot start a reader process (\(String(cString: strerror(errno))))")
        }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = Date().addingTimeInterval(TimeInterval(timeoutSeconds))
        var timedOut = false
        while true {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            let ready = poll(&p, 1, remaining)
            if ready < 0 { if errno == EINTR { continue }; break }
            if ready == 0 { timedOut = true; kill(pid, SIGKILL); break }
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; break }
            if n == 0 { break }
            data.append(contentsOf: buffer[0 ..< n])
        }
        close(fds[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut { throw NIRError("cannot read the file: libhdf5 did not finish within \(timeoutSeconds) s (a damaged file)") }
        let signal = status & 0x7f
        if signal != 0 { throw NIRError("cannot read the file: libhdf5 crashed on it (signal \(signal)); the file is damaged") }
        var input = GraphDecoder(bytes: data)
        guard let tag: UInt8 = input.get() else { throw NIRError("cannot read the file: the reader process failed (status \((status >> 8) & 0xff))") }
        if tag == 0 {
            guard let message: String = input.get() else { throw NIRError("cannot read the file: the reader process failed") }
            throw NIRError(message)
        }
        guard let graph = input.graph() else { throw NIRError("cannot read the file: the reader process failed") }
        return graph
    }
}

/// A compact binary form of a ``NIRGraph`` for the pipe between the reader process and its parent.
struct GraphCoder {
    var bytes: [UInt8] = []

    mutating func put(_ x: UInt8) { bytes.append(x) }
    mutating func put(_ x: Int) { withUnsafeBytes(of: Int64(x).littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func put(_ x: Int64) { withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func put(_ s: String) { put(s.utf8.count); bytes.append(contentsOf: s.utf8) }
    mutating func put(_ xs: [Double]) { put(xs.count); for x in xs { put(Int64(bitPattern: x.bitPattern)) } }
    mutating func put(_ xs: [Int64]) { put(xs.count); for x in xs { put(x) } }
    mutating func put(_ xs: [Float]) {
        put(xs.count)
        for x in xs { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    }

    mutating func put(_ g: NIRGraph) {
        put(g.version)
        put(g.edges.count)
        for e in g.edges { put(e.source); put(e.target) }
        put(g.metadata.count)
        for (k, v) in g.metadata {
            put(k)
            switch v {
            case let .string(s): put(UInt8(0)); put(s)
            case let .number(x): put(UInt8(1)); put([x])
            case let .numbers(xs): put(UInt8(2)); put(xs)
            case let .integer(n): put(UInt8(3)); put(n)
            }
        }
        put(g.nodes.count)
        for (name, n) in g.nodes {
            put(name)
            switch n {
            case let .input(s): put(UInt8(0)); put(s)
            case let .output(s): put(UInt8(1)); put(s)
            case let .linear(w): put(UInt8(2)); put(w.rows); put(w.columns); put(w.values)
            case let .affine(w, b): put(UInt8(3)); put(w.rows); put(w.columns); put(w.values); put(b)
            case let .lif(p): put(UInt8(4)); put(p.tau); put(p.r); put(p.vLeak); put(p.vThreshold); put(p.vReset)
            case let .li(p): put(UInt8(5)); put(p.tau); put(p.r); put(p.vLeak)
            case let .unsupported(t): put(UInt8(6)); put(t)
            }
        }
    }
}

struct GraphDecoder {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func raw(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= bytes.count - offset else { return nil }
        defer { offset += n }
        return bytes[offset ..< offset + n]
    }

    mutating func get() -> UInt8? { raw(1)?.first }
    mutating func get() -> Int64? {
        guard let b = raw(8) else { return nil }
        return b.reversed().reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
    mutating func count() -> Int? {
        guard let n: Int64 = get(), n >= 0, n <= Int64(bytes.count) else { return nil }
        return Int(n)
    }
    mutating func get() -> String? {
        guard let n = count(), let b = raw(n) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
    mutating func get() -> [Double]? {
        guard let n = count() else { return nil }
        var xs: [Double] = []
        for _ in 0 ..< n { guard let v: Int64 = get() else { return nil }; xs.append(Double(bitPattern: UInt64(bitPattern: v))) }
        return xs
    }
    mutating func get() -> [Int64]? {
        guard let n = count() else { return nil }
        var xs: [Int64] = []
        for _ in 0 ..< n { guard let v: Int64 = get() else { return nil }; xs.append(v) }
        return xs
    }
    mutating func get() -> [Float]? {
        guard let n = count(), let b = raw(4 * n) else { return nil }
        var xs = [Float](repeating: 0, count: n)
        for i in 0 ..< n {
            let base = b.startIndex + 4 * i
            let bits = UInt32(b[base]) | UInt32(b[base + 1]) << 8 | UInt32(b[base + 2]) << 16 | UInt32(b[base + 3]) << 24
            xs[i] = Float(bitPattern: bits)
        }
        return xs
    }
    mutating func matrix() -> NIRMatrix? {
        guard let r = count(), let c = count(), let v: [Float] = get(), r.multipliedReportingOverflow(by: c) == (v.count, false) else { return nil }
        return NIRMatrix(rows: r, columns: c, values: v)
    }

    mutating func graph() -> NIRGraph? {
        guard let version: String = get(), let e = count() else { return nil }
        var edges: [NIREdge] = []
        for _ in 0 ..< e { guard let s: String = get(), let t: String = get() else { return nil }; edges.append(NIREdge(s, t)) }
        guard let m = count() else { return nil }
        var metadata: [String: NIRValue] = [:]
        for _ in 0 ..< m {
            guard let k: String = get(), let tag: UInt8 = get() else { return nil }
            switch tag {
            case 0: guard let s: String = get() else { return nil }; metadata[k] = .string(s)
            case 1: guard let x: [Double] = get(), x.count == 1 else { return nil }; metadata[k] = .number(x[0])
            case 2: guard let x: [Double] = get() else { return nil }; metadata[k] = .numbers(x)
            case 3: guard let n: Int64 = get() else { return nil }; metadata[k] = .integer(n)
            default: return nil
            }
        }
        guard let n = count() else { return nil }
        var nodes: [String: NIRNode] = [:]
        for _ in 0 ..< n {
            guard let name: String = get(), let tag: UInt8 = get() else { return nil }
            switch tag {
            case 0: guard let s: [Int64] = get() else { return nil }; nodes[name] = .input(shape: s)
            case 1: guard let s: [Int64] = get() else { return nil }; nodes[name] = .output(shape: s)
            case 2: guard let w = matrix() else { return nil }; nodes[name] = .linear(weight: w)
            case 3: guard let w = matrix(), let b: [Double] = get() else { return nil }; nodes[name] = .affine(weight: w, bias: b)
            case 4:
                guard let tau: [Double] = get(), let r: [Double] = get(), let leak: [Double] = get(), let th: [Double] = get(),
                      let reset: [Double] = get() else { return nil }
                nodes[name] = .lif(NIRLIF(tau: tau, r: r, vLeak: leak, vThreshold: th, vReset: reset))
            case 5:
                guard let tau: [Double] = get(), let r: [Double] = get(), let leak: [Double] = get() else { return nil }
                nodes[name] = .li(NIRLI(tau: tau, r: r, vLeak: leak))
            case 6: guard let t: String = get() else { return nil }; nodes[name] = .unsupported(type: t)
            default: return nil
            }
        }
        return NIRGraph(version: version, nodes: nodes, edges: edges, metadata: metadata)
    }
}
#endif
