#if NIR
import CHDF5
import Foundation
import SpikelocNIR

/// A thin, checked layer over libhdf5's C API: just what NIR files need. Every call that can fail
/// is checked and turned into an ``NIRError`` naming the object's path in the file; libhdf5's own
/// error printing is switched off. libhdf5 (the serial build) is not thread-safe, so every use
/// goes through ``HDF5/locked(_:)``.
enum HDF5 {
    private static let lock = NSLock()
    private nonisolated(unsafe) static var initialised = false

    /// Runs `body` holding the library lock, after switching off libhdf5's error printing.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        prepare()
        return try body()
    }

    /// Initialises the library and switches off its error printing (once; called under the lock,
    /// or in a reader process that has the library to itself).
    static func prepare() {
        if !initialised {
            H5open()
            H5Eset_auto2(spikeloc_h5e_default(), nil, nil)
            initialised = true
        }
    }

    /// Closes an identifier of any kind (file, group, dataset, dataspace, type, property list).
    static func close(_ id: hid_t) {
        guard id >= 0 else { return }
        switch H5Iget_type(id) {
        case H5I_FILE: H5Fclose(id)
        case H5I_GROUP: H5Gclose(id)
        case H5I_DATASET: H5Dclose(id)
        case H5I_DATASPACE: H5Sclose(id)
        case H5I_DATATYPE: H5Tclose(id)
        case H5I_GENPROP_LST: H5Pclose(id)
        default: break
        }
    }

    /// A variable-length UTF-8 string type (caller closes).
    static func variableStringType() -> hid_t {
        let t = H5Tcopy(spikeloc_h5t_c_s1())
        H5Tset_size(t, spikeloc_h5t_variable())
        H5Tset_cset(t, H5T_CSET_UTF8)
        return t
    }
}

// MARK: - Writing

/// Writes groups and datasets the way h5py does for `nir.write`.
struct HDF5Writer {
    let file: hid_t

    static func create(path: String) throws -> HDF5Writer {
        let id = H5Fcreate(path, spikeloc_h5f_acc_trunc(), spikeloc_h5p_default(), spikeloc_h5p_default())
        guard id >= 0 else { throw NIRError("cannot create the HDF5 file \(path)") }
        return HDF5Writer(file: id)
    }

    func close() throws {
        guard H5Fclose(file) >= 0 else { throw NIRError("cannot finish writing the HDF5 file") }
    }

    func group(_ parent: hid_t, _ name: String) throws -> hid_t {
        let id = H5Gcreate2(parent, name, spikeloc_h5p_default(), spikeloc_h5p_default(), spikeloc_h5p_default())
        guard id >= 0 else { throw NIRError("cannot create the group '\(name)'") }
        return id
    }

    /// A scalar or array of variable-length UTF-8 strings (`h5py.string_dtype()`), uncompressed.
    func strings(_ parent: hid_t, _ name: String, _ values: [String], shape: [Int]?) throws {
        let type = HDF5.variableStringType()
        defer { H5Tclose(type) }
        let space = try dataspace(shape)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(parent, name, type, space, spikeloc_h5p_default(), spikeloc_h5p_default(), spikeloc_h5p_default())
        guard dataset >= 0 else { throw NIRError("cannot create the dataset '\(name)'") }
        defer { H5Dclose(dataset) }
        let cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let status = cStrings.withUnsafeBufferPointer { buffer in
            H5Dwrite(dataset, type, spikeloc_h5s_all(), spikeloc_h5s_all(), spikeloc_h5p_default(), buffer.baseAddress)
        }
        guard status >= 0 else { throw NIRError("cannot write the dataset '\(name)'") }
    }

    /// A scalar or array of fixed-length NUL-padded strings of `length` bytes, uncompressed.
    func fixedStrings(_ parent: hid_t, _ name: String, _ values: [String], length: Int, shape: [Int]?) throws {
        let type = H5Tcopy(spikeloc_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, length)
        H5Tset_strpad(type, H5T_STR_NULLPAD)
        let space = try dataspace(shape)
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(parent, name, type, space, spikeloc_h5p_default(), spikeloc_h5p_default(), spikeloc_h5p_default())
        guard dataset >= 0 else { throw NIRError("cannot create the dataset '\(name)'") }
        defer { H5Dclose(dataset) }
        var bytes = [UInt8](repeating: 0, count: values.count * length)
        for (i, s) in values.enumerated() {
            for (j, b) in s.utf8.prefix(length).enumerated() { bytes[i * length + j] = b }
        }
        let status = bytes.withUnsafeBytes { raw in
            H5Dwrite(dataset, type, spikeloc_h5s_all(), spikeloc_h5s_all(), spikeloc_h5p_default(), raw.baseAddress)
        }
        guard status >= 0 else { throw NIRError("cannot write the dataset '\(name)'") }
    }

    /// A numeric dataset: `shape` nil for a scalar (uncompressed, as h5py writes Python numbers),
    /// else an array compressed with gzip (level 4, h5py's default) in one chunk, as `nir.write`
    /// writes NumPy arrays.
    func numbers<T>(_ parent: hid_t, _ name: String, _ values: [T], shape: [Int]?, fileType: hid_t, memoryType: hid_t) throws {
        let space = try dataspace(shape)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(spikeloc_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        if let shape, !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) {
            let dims = shape.map { hsize_t($0) }
            guard H5Pset_chunk(dcpl, Int32(dims.count), dims) >= 0, H5Pset_deflate(dcpl, 4) >= 0 else {
                throw NIRError("cannot set up compression for the dataset '\(name)'")
            }
        }
        let dataset = H5Dcreate2(parent, name, fileType, space, spikeloc_h5p_default(), dcpl, spikeloc_h5p_default())
        guard dataset >= 0 else { throw NIRError("cannot create the dataset '\(name)'") }
        defer { H5Dclose(dataset) }
        let status = values.withUnsafeBytes { raw in
            H5Dwrite(dataset, memoryType, spikeloc_h5s_all(), spikeloc_h5s_all(), spikeloc_h5p_default(), raw.baseAddress)
        }
        guard status >= 0 else { throw NIRError("cannot write the dataset '\(name)'") }
    }

    func float32(_ parent: hid_t, _ name: String, _ values: [Float], shape: [Int]) throws {
        try numbers(parent, name, values, shape: shape, fileType: spikeloc_h5t_ieee_f32le(), memoryType: spikeloc_h5t_native_float())
    }

    func float64(_ parent: hid_t, _ name: String, _ values: [Double], shape: [Int]?) throws {
        try numbers(parent, name, values, shape: shape, fileType: spikeloc_h5t_ieee_f64le(), memoryType: spikeloc_h5t_native_double())
    }

    func int64(_ parent: hid_t, _ name: String, _ values: [Int64], shape: [Int]?) throws {
        try numbers(parent, name, values, shape: shape, fileType: spikeloc_h5t_std_i64le(), memoryType: spikeloc_h5t_native_int64())
    }

    private func dataspace(_ shape: [Int]?) throws -> hid_t {
        let space: hid_t
        if let shape {
            let dims = shape.map { hsize_t($0) }
            space = H5Screate_simple(Int32(dims.count), dims, nil)
        } else {
            space = H5Screate(H5S_SCALAR)
        }
        guard space >= 0 else { throw NIRError("cannot create a dataspace") }
        return space
    }
}

// MARK: - Reading

/// What one dataset holds, read into memory with its shape.
enum HDF5Value {
    /// Floating-point values (float32 or float64 in the file), with the file's element size.
    case floats([Double], shape: [Int], bytes: Int)
    /// Integer values.
    case integers([Int64], shape: [Int])
    /// Strings (fixed or variable length).
    case strings([String], shape: [Int])

    var shape: [Int] {
        switch self {
        case let .floats(_, shape, _), let .integers(_, shape), let .strings(_, shape): return shape
        }
    }

    /// "float32 [30, 200]", "string []", ...
    var summary: String {
        switch self {
        case let .floats(_, shape, bytes): return "float\(bytes * 8) \(shape)"
        case let .integers(_, shape): return "int64 \(shape)"
        case let .strings(_, shape): return "string \(shape)"
        }
    }
}

/// Reads groups and datasets, checking every size before it allocates.
struct HDF5Reader {
    let file: hid_t

    /// The most elements spikeloc reads from one dataset (the largest NIR weight it could run is
    /// far smaller); a larger one is refused before anything is allocated.
    static let maximumElements = 1 << 27

    static func open(path: String) throws -> HDF5Reader {
        guard FileManager.default.isReadableFile(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw NIRError(exists ? (isDirectory.boolValue ? "is a folder" : "permission denied") : "no such file")
        }
        guard H5Fis_hdf5(path) > 0 else { throw NIRError("not an HDF5 file (a NIR file is HDF5)") }
        let id = H5Fopen(path, spikeloc_h5f_acc_rdonly(), spikeloc_h5p_default())
        guard id >= 0 else { throw NIRError("cannot open the HDF5 file (truncated or damaged)") }
        return HDF5Reader(file: id)
    }

    func close() { H5Fclose(file) }

    enum Kind { case group, dataset, other }

    /// The names of a group's members with their kinds, sorted by name.
    func members(_ group: hid_t, path: String) throws -> [(name: String, kind: Kind)] {
        var info = H5G_info_t()
        guard H5Gget_info(group, &info) >= 0 else { throw NIRError("cannot list the group '\(path)' (damaged file)") }
        guard info.nlinks <= 100_000 else { throw NIRError("the group '\(path)' has \(info.nlinks) members; too many for a NIR graph spikeloc can run") }
        var result: [(String, Kind)] = []
        for i in 0 ..< info.nlinks {
            let length = H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, spikeloc_h5p_default())
            guard length >= 0, length < 4096 else { throw NIRError("cannot read the member names of '\(path)' (damaged file)") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, spikeloc_h5p_default()) >= 0 else {
                throw NIRError("cannot read the member names of '\(path)' (damaged file)")
            }
            let name = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let object = H5Oopen(group, name, spikeloc_h5p_default())
            guard object >= 0 else { throw NIRError("cannot open '\(path)/\(name)' (damaged file or broken link)") }
            defer { HDF5.close(object) }
            switch H5Iget_type(object) {
            case H5I_GROUP: result.append((name, .group))
            case H5I_DATASET: result.append((name, .dataset))
            default: result.append((name, .other))
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    func openGroup(_ parent: hid_t, _ name: String, path: String) throws -> hid_t {
        let id = H5Gopen2(parent, name, spikeloc_h5p_default())
        guard id >= 0 else { throw NIRError("cannot open the group '\(path)' (damaged file)") }
        return id
    }

    /// Reads the dataset `name` of `parent` (`path` names it in errors).
    func read(_ parent: hid_t, _ name: String, path: String) throws -> HDF5Value {
        let dataset = H5Dopen2(parent, name, spikeloc_h5p_default())
        guard dataset >= 0 else { throw NIRError("cannot open the dataset '\(path)' (damaged file)") }
        defer { H5Dclose(dataset) }
        try checkFilters(dataset, path: path)
        let space = H5Dget_space(dataset)
        guard space >= 0 else { throw NIRError("cannot read the shape of '\(path)' (damaged file)") }
        defer { H5Sclose(space) }
        let shape: [Int]
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: shape = []
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0, rank <= 8 else { throw NIRError("'\(path)' has \(rank) dimensions; spikeloc reads at most 2") }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            guard H5Sget_simple_extent_dims(space, &dims, nil) == rank else { throw NIRError("cannot read the shape of '\(path)' (damaged file)") }
            guard dims.allSatisfy({ $0 <= hsize_t(Self.maximumElements) }) else {
                throw NIRError("'\(path)' has shape \(dims); too large")
            }
            shape = dims.map { Int($0) }
        default: throw NIRError("'\(path)' is an empty (null) dataset")
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, count <= Self.maximumElements else { throw NIRError("'\(path)' has shape \(shape); too large") }
        let type = H5Dget_type(dataset)
        guard type >= 0 else { throw NIRError("cannot read the type of '\(path)' (damaged file)") }
        defer { H5Tclose(type) }
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            guard size == 4 || size == 8 else { throw NIRError("'\(path)' holds \(size * 8)-bit floats; spikeloc reads float32 and float64") }
            var values = [Double](repeating: 0, count: count)
            try readRaw(dataset, memoryType: spikeloc_h5t_native_double(), into: &values, path: path)
            return .floats(values, shape: shape, bytes: size)
        case H5T_INTEGER:
            var values = [Int64](repeating: 0, count: count)
            try readRaw(dataset, memoryType: spikeloc_h5t_native_int64(), into: &values, path: path)
            return .integers(values, shape: shape)
        case H5T_STRING:
            return .strings(try readStrings(dataset, type: type, count: count, path: path), shape: shape)
        default:
            throw NIRError("'\(path)' has a data type spikeloc does not read (not a float, integer or string)")
        }
    }

    private func readRaw<T>(_ dataset: hid_t, memoryType: hid_t, into values: inout [T], path: String) throws {
        guard !values.isEmpty else { return }
        let status = values.withUnsafeMutableBytes { raw in
            H5Dread(dataset, memoryType, spikeloc_h5s_all(), spikeloc_h5s_all(), spikeloc_h5p_default(), raw.baseAddress)
        }
        guard status >= 0 else { throw NIRError("cannot read the values of '\(path)' (damaged or truncated file)") }
    }

    private func readStrings(_ dataset: hid_t, type: hid_t, count: Int, path: String) throws -> [String] {
        guard count > 0 else { return [] }
        let cset = H5Tget_cset(type)
        if H5Tis_variable_str(type) > 0 {
            let memory = H5Tcopy(spikeloc_h5t_c_s1())
            defer { H5Tclose(memory) }
            H5Tset_size(memory, spikeloc_h5t_variable())
            H5Tset_cset(memory, cset)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let status = pointers.withUnsafeMutableBytes { raw in
                H5Dread(dataset, memory, spikeloc_h5s_all(), spikeloc_h5s_all(), spikeloc_h5p_default(), raw.baseAddress)
            }
            defer { pointers.forEach { if let p = $0 { H5free_memory(p) } } }
            guard status >= 0 else { throw NIRError("cannot read the strings of '\(path)' (damaged or truncated file)") }
            return pointers.map { $0.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } ?? "" }
        }
        let size = H5Tget_size(type)
        guard size > 0, size <= 65536 else { throw NIRError("'\(path)' holds strings of \(size) bytes; too long") }
        let (total, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow, total <= Self.maximumElements else { throw NIRError("'\(path)' is too large") }
        let memory = H5Tcopy(spikeloc_h5t_c_s1())
        defer { H5Tclose(memory) }
        H5Tset_size(memory, size)
        H5Tset_cset(memory, cset)
        H5Tset_strpad(memory, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: total)
        try readRaw(dataset, memoryType: memory, into: &bytes, path: path)
        let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
        return (0 ..< count).map { i in
            var s = bytes[i * size ..< (i + 1) * size]
            if let end = s.firstIndex(of: 0) { s = s[..<end] }
            if spacePadded { while s.last == 0x20 { s = s.dropLast() } }
            return String(decoding: s, as: UTF8.self)
        }
    }

    /// Refuses filters other than gzip (deflate), shuffle and the Fletcher-32 checksum, naming them.
    private func checkFilters(_ dataset: hid_t, path: String) throws {
        let plist = H5Dget_create_plist(dataset)
        guard plist >= 0 else { throw NIRError("cannot read the storage of '\(path)' (damaged file)") }
        defer { H5Pclose(plist) }
        let n = H5Pget_nfilters(plist)
        guard n >= 0, n < 64 else { throw NIRError("cannot read the filters of '\(path)' (damaged file)") }
        for i in 0 ..< UInt32(n) {
            var flags: UInt32 = 0
            var elements = 8
            var values = [UInt32](repeating: 0, count: 8)
            var name = [CChar](repeating: 0, count: 128)
            var config: UInt32 = 0
            let id = H5Pget_filter2(plist, i, &flags, &elements, &values, name.count, &name, &config)
            guard id >= 0 else { throw NIRError("cannot read the filters of '\(path)' (damaged file)") }
            guard id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32 else {
                let label = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw NIRError("'\(path)' is compressed with the filter \(id)\(label.isEmpty ? "" : " (\(label))"); spikeloc reads gzip-compressed or uncompressed datasets")
            }
        }
    }
}
#endif
