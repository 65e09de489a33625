import Foundation

/// A safetensors file (the format of Hugging Face's `safetensors` package): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range,
/// and the raw little-endian data. Only `F32` tensors are supported, which is all spikeloc writes.
public struct Safetensors: Equatable, Sendable {
    /// A float32 tensor.
    public struct Tensor: Equatable, Sendable {
        /// Dimensions.
        public var shape: [Int]
        /// Values in row-major order.
        public var values: [Float]

        /// A tensor; `values.count` must be the product of `shape`.
        public init(shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count)
            self.shape = shape
            self.values = values
        }
    }

    /// The tensors by name.
    public var tensors: [String: Tensor]
    /// The free-form string metadata (`__metadata__`).
    public var metadata: [String: String]

    /// A file of given tensors and metadata.
    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Largest header spikeloc accepts (the reference implementation's limit is 100 MB).
    public static let maximumHeaderBytes = 100_000_000

    /// Parses a file's bytes; throws ``SafetensorsError`` with a one-line reason on any malformed input.
    public init(data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw SafetensorsError("file is \(bytes.count) bytes long, shorter than the 8-byte header length")
        }
        let headerLength = bytes[0 ..< 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SafetensorsError("header length \(headerLength) runs past the end of the \(bytes.count)-byte file (truncated?)")
        }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw SafetensorsError("header length \(headerLength) exceeds the limit of \(Self.maximumHeaderBytes) bytes")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(bytes[8 ..< headerEnd]))
        } catch {
            throw SafetensorsError("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw SafetensorsError("header is not a JSON object") }
        let dataSize = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (name, entry) in header {
            if name == "__metadata__" {
                guard let m = entry as? [String: Any] else { throw SafetensorsError("__metadata__ is not an object") }
                for (key, value) in m {
                    guard let s = value as? String else { throw SafetensorsError("metadata value of '\(key)' is not a string") }
                    metadata[key] = s
                }
                continue
            }
            guard let info = entry as? [String: Any] else { throw SafetensorsError("entry '\(name)' is not an object") }
            guard let dtype = info["dtype"] as? String else { throw SafetensorsError("tensor '\(name)' has no dtype") }
            guard dtype == "F32" else { throw SafetensorsError("tensor '\(name)' has dtype \(dtype); expected F32 (float32)") }
            guard let shapeValues = info["shape"] as? [Any], let shape = Self.integers(shapeValues), shape.allSatisfy({ $0 >= 0 })
            else { throw SafetensorsError("tensor '\(name)' has no valid shape (a list of non-negative integers)") }
            guard let offsetValues = info["data_offsets"] as? [Any], let offsets = Self.integers(offsetValues), offsets.count == 2
            else { throw SafetensorsError("tensor '\(name)' has no valid data_offsets (two integers)") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw SafetensorsError("tensor '\(name)' has data_offsets [\(begin), \(end)] outside the \(dataSize)-byte data section")
            }
            var count = 1
            for d in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, product <= dataSize else {
                    throw SafetensorsError("tensor '\(name)' has shape \(shape), larger than the data section")
                }
                count = product
            }
            guard end - begin == count * 4 else {
                throw SafetensorsError("tensor '\(name)' has shape \(shape) (\(count * 4) bytes) but data_offsets span \(end - begin) bytes")
            }
            let start = headerEnd + begin
            var values = [Float](repeating: 0, count: count)
            for i in 0 ..< count {
                let o = start + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            tensors[name] = Tensor(shape: shape, values: values)
            ranges.append((begin, end, name))
        }
        ranges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw SafetensorsError("tensors '\(a.2)' and '\(b.2)' overlap in the data section")
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and parses a file.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafetensorsError("cannot be read (\(readFailureReason(error)))")
        }
        try self.init(data: data)
    }

    /// The file's bytes: tensors sorted by name, header padded with spaces to a multiple of 8 bytes.
    public func serialized() -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            for v in tensors[name]!.values {
                var bits = v.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for v in values {
            guard let d = (v as? NSNumber)?.doubleValue, d.magnitude < 1e15, let n = Int(exactly: d) else { return nil }
            result.append(n)
        }
        return result
    }
}

/// A malformed safetensors file.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public var reason: String
    /// An error with a one-line reason (visible to spikeloc's own modules, which reject files
    /// that parse but do not hold what they expect).
    package init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A short reason for a failed read ("no such file", "permission denied", ...). The same wording
/// as the read cases of SpikelocOutput's `FileProblem.describe`, repeated so this module needs nothing else.
func readFailureReason(_ error: Error) -> String {
    let ns = error as NSError
    if ns.domain == NSCocoaErrorDomain {
        switch CocoaError.Code(rawValue: ns.code) {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
        case .fileReadNoPermission: return "permission denied"
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
