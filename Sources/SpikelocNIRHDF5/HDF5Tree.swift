#if NIR
import CHDF5
import Foundation
import SpikelocNIR

/// A tree of HDF5 groups and datasets, written as h5py writes them: numeric arrays
/// gzip-compressed (level 4, one chunk), scalars and strings uncompressed, strings
/// variable-length UTF-8 unless asked for fixed length. ``NIRFile`` writes NIR graphs with it;
/// tests write damaged or unusual files with it.
public indirect enum HDF5Tree: Equatable, Sendable {
    /// A group and its members.
    case group([String: HDF5Tree])
    /// float32 values; `shape` nil for a scalar.
    case float32([Float], shape: [Int]?)
    /// float64 values; `shape` nil for a scalar.
    case float64([Double], shape: [Int]?)
    /// int64 values; `shape` nil for a scalar.
    case int64([Int64], shape: [Int]?)
    /// Variable-length UTF-8 strings; `shape` nil for a scalar.
    case strings([String], shape: [Int]?)
    /// Fixed-length, NUL-padded ASCII strings of `length` bytes (NumPy's `S` type).
    case fixedStrings([String], length: Int, shape: [Int]?)

    /// Writes the members of a root group to `path` atomically (a temporary file in the same
    /// folder, renamed). Throws ``NIRError``.
    public static func write(_ root: [String: HDF5Tree], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        do {
            try HDF5.locked {
                let w = try HDF5Writer.create(path: temp)
                do {
                    try write(root, in: w.file, with: w)
                    try w.close()
                } catch {
                    _ = try? w.close()
                    throw error
                }
            }
            guard rename(temp, path) == 0 else { throw NIRError("cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch {
            unlink(temp)
            throw error
        }
    }

    private static func write(_ members: [String: HDF5Tree], in parent: hid_t, with w: HDF5Writer) throws {
        for name in members.keys.sorted() {
            switch members[name]! {
            case let .group(children):
                let g = try w.group(parent, name)
                defer { H5Gclose(g) }
                try write(children, in: g, with: w)
            case let .float32(x, shape):
                try w.numbers(parent, name, x, shape: shape, fileType: spikeloc_h5t_ieee_f32le(), memoryType: spikeloc_h5t_native_float())
            case let .float64(x, shape):
                try w.float64(parent, name, x, shape: shape)
            case let .int64(x, shape):
                try w.int64(parent, name, x, shape: shape)
            case let .strings(s, shape):
                try w.strings(parent, name, s, shape: shape)
            case let .fixedStrings(s, length, shape):
                try w.fixedStrings(parent, name, s, length: length, shape: shape)
            }
        }
    }
}
#endif
