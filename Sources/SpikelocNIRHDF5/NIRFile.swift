#if NIR
import CHDF5
import Foundation
import SpikelocNIR

/// NIR graphs as HDF5 files, in the layout the `nir` Python package's `nir.write` produces:
///
///     version                         string "1.0.8"
///     node/type                       string "NIRGraph"
///     node/edges                      strings [E, 2]
///     node/metadata/<key>             anything (optional)
///     node/nodes/<name>/type          string: Input, Output, Linear, Affine, LIF, LI, ...
///     node/nodes/<name>/<field>       exactly that type's fields (weights [out, in], parameters
///                                     as vectors, shapes int64), gzip-compressed
///     node/nodes/<name>/metadata/...  anything (optional)
///
/// Strings are variable-length UTF-8 when written; when read they may be fixed or variable
/// length, numbers float32 or float64, datasets compressed with gzip or not. Anything else is
/// refused with a one-line ``NIRError`` naming the node and what is unsupported.
public enum NIRFile {
    /// Writes `graph` to `path` (atomically: a temporary file in the same folder, renamed).
    public static func write(_ graph: NIRGraph, to path: String) throws {
        try HDF5Tree.write(try tree(of: graph), to: path)
    }

    /// The HDF5 tree `nir.write` would write for `graph`.
    public static func tree(of graph: NIRGraph) throws -> [String: HDF5Tree] {
        var metadata: [String: HDF5Tree] = [:]
        for (key, value) in graph.metadata {
            switch value {
            case let .string(s): metadata[key] = .strings([s], shape: nil)
            case let .number(x): metadata[key] = .float64([x], shape: nil)
            case let .numbers(xs): metadata[key] = .float64(xs, shape: [xs.count])
            case let .integer(n): metadata[key] = .int64([n], shape: nil)
            }
        }
        var nodes: [String: HDF5Tree] = [:]
        for (name, n) in graph.nodes {
            var g: [String: HDF5Tree] = ["type": .strings([n.typeName], shape: nil)]
            func vector(_ x: [Double]) -> HDF5Tree { .float64(x, shape: [x.count]) }
            switch n {
            case let .input(shape), let .output(shape):
                g["shape"] = .int64(shape, shape: [shape.count])
            case let .linear(weight):
                g["weight"] = .float32(weight.values, shape: [weight.rows, weight.columns])
            case let .affine(weight, bias):
                g["weight"] = .float32(weight.values, shape: [weight.rows, weight.columns])
                g["bias"] = vector(bias)
            case let .lif(p):
                g["tau"] = vector(p.tau); g["r"] = vector(p.r); g["v_leak"] = vector(p.vLeak)
                g["v_threshold"] = vector(p.vThreshold); g["v_reset"] = vector(p.vReset)
            case let .li(p):
                g["tau"] = vector(p.tau); g["r"] = vector(p.r); g["v_leak"] = vector(p.vLeak)
            case let .unsupported(type):
                throw NIRError("node '\(name)' (\(type)): spikeloc does not write this node type")
            }
            nodes[name] = .group(g)
        }
        var node: [String: HDF5Tree] = [
            "type": .strings(["NIRGraph"], shape: nil),
            "edges": .strings(graph.edges.flatMap { [$0.source, $0.target] }, shape: [graph.edges.count, 2]),
            "nodes": .group(nodes),
        ]
        if !metadata.isEmpty { node["metadata"] = .group(metadata) }
        return ["version": .strings([graph.version], shape: nil), "node": .group(node)]
    }

    /// Reads the graph in the file at `path`, in a child process (see ``IsolatedRead``): a
    /// damaged file that makes libhdf5 crash is reported as a ``NIRError`` like any other.
    public static func read(path: String) throws -> NIRGraph {
        try IsolatedRead.read(path: path) {
            HDF5.prepare()
            let r = try HDF5Reader.open(path: path)
            defer { r.close() }
            return try read(with: r)
        }
    }

    /// The fields each node type has (besides `type` and an optional `metadata` group); the
    /// second set lists those that may be missing (`nir.read` defaults `v_reset` to 0).
    static let fields: [String: (required: Set<String>, optional: Set<String>)] = [
        "Input": (["shape"], []),
        "Output": (["shape"], []),
        "Linear": (["weight"], []),
        "Affine": (["weight", "bias"], []),
        "LIF": (["tau", "r", "v_leak", "v_threshold"], ["v_reset"]),
        "LI": (["tau", "r", "v_leak"], []),
    ]

    private static func read(with r: HDF5Reader) throws -> NIRGraph {
        let root = try r.members(r.file, path: "")
        try expect(root, datasets: ["version"], groups: ["node"], where: "the file's top level")
        let version = try string(r.read(r.file, "version", path: "version"), path: "version")

        let node = try r.openGroup(r.file, "node", path: "node")
        defer { H5Gclose(node) }
        let nodeMembers = try r.members(node, path: "node")
        try expect(nodeMembers, datasets: ["type", "edges"], groups: ["nodes"], optionalGroups: ["metadata"], where: "the group 'node'")
        let type = try string(r.read(node, "type", path: "node/type"), path: "node/type")
        guard type == "NIRGraph" else { throw NIRError("node/type is '\(type)'; expected 'NIRGraph'") }

        let edgeValue = try r.read(node, "edges", path: "node/edges")
        guard case let .strings(edgeStrings, shape) = edgeValue, shape.count == 2 && shape[1] == 2 || shape == [0] else {
            throw NIRError("node/edges is \(edgeValue.summary); expected strings [E, 2]")
        }
        let edges = stride(from: 0, to: edgeStrings.count, by: 2).map { NIREdge(edgeStrings[$0], edgeStrings[$0 + 1]) }

        var metadata: [String: NIRValue] = [:]
        if nodeMembers.contains(where: { $0.name == "metadata" }) {
            let meta = try r.openGroup(node, "metadata", path: "node/metadata")
            defer { H5Gclose(meta) }
            for (key, kind) in try r.members(meta, path: "node/metadata") where kind == .dataset {
                switch try r.read(meta, key, path: "node/metadata/\(key)") {
                case let .strings(s, shape) where shape.isEmpty: metadata[key] = .string(s[0])
                case let .floats(x, shape, _) where shape.isEmpty: metadata[key] = .number(x[0])
                case let .floats(x, shape, _) where shape.count == 1: metadata[key] = .numbers(x)
                case let .integers(n, shape) where shape.isEmpty: metadata[key] = .integer(n[0])
                default: break  // other metadata is kept in the file's own terms only
                }
            }
        }

        let nodesGroup = try r.openGroup(node, "nodes", path: "node/nodes")
        defer { H5Gclose(nodesGroup) }
        var nodes: [String: NIRNode] = [:]
        for (name, kind) in try r.members(nodesGroup, path: "node/nodes") {
            guard kind == .group else { throw NIRError("node/nodes/\(name) is not a group; every node is one") }
            let g = try r.openGroup(nodesGroup, name, path: "node/nodes/\(name)")
            defer { H5Gclose(g) }
            nodes[name] = try readNode(g, name: name, reader: r)
        }
        return NIRGraph(version: version, nodes: nodes, edges: edges, metadata: metadata)
    }

    private static func readNode(_ g: hid_t, name: String, reader r: HDF5Reader) throws -> NIRNode {
        let path = "node/nodes/\(name)"
        let members = try r.members(g, path: path)
        guard members.contains(where: { $0.name == "type" && $0.kind == .dataset }) else {
            throw NIRError("node '\(name)' has no 'type'")
        }
        let type = try string(r.read(g, "type", path: "\(path)/type"), path: "\(path)/type")
        guard let expected = fields[type] else { return .unsupported(type: type) }
        let what = "node '\(name)' (\(type))"
        var values: [String: HDF5Value] = [:]
        for (member, kind) in members where member != "type" {
            if member == "metadata" {
                guard kind == .group else { throw NIRError("\(what): 'metadata' is not a group") }
                continue
            }
            guard expected.required.contains(member) || expected.optional.contains(member) else {
                throw NIRError("\(what): unexpected \(kind == .group ? "group" : "dataset") '\(member)' (a \(type) node has \((expected.required.union(expected.optional)).sorted().joined(separator: ", ")))")
            }
            guard kind == .dataset else { throw NIRError("\(what): '\(member)' is not a dataset") }
            values[member] = try r.read(g, member, path: "\(path)/\(member)")
        }
        if let missing = expected.required.sorted().first(where: { values[$0] == nil }) {
            throw NIRError("\(what): missing dataset '\(missing)'")
        }
        func vector(_ field: String) throws -> [Double] {
            guard case let .floats(x, shape, _) = values[field]!, shape.count <= 1 else {
                throw NIRError("\(what): '\(field)' is \(values[field]!.summary); expected a float vector")
            }
            return x
        }
        switch type {
        case "Input", "Output":
            guard case let .integers(shape, dims) = values["shape"]!, dims.count == 1 else {
                throw NIRError("\(what): 'shape' is \(values["shape"]!.summary); expected an int64 vector")
            }
            return type == "Input" ? .input(shape: shape) : .output(shape: shape)
        case "Linear", "Affine":
            guard case let .floats(w, shape, _) = values["weight"]!, shape.count == 2 else {
                throw NIRError("\(what): 'weight' is \(values["weight"]!.summary); expected a float matrix [out, in]")
            }
            let weight = NIRMatrix(rows: shape[0], columns: shape[1], values: w.map { Float($0) })
            return type == "Linear" ? .linear(weight: weight) : .affine(weight: weight, bias: try vector("bias"))
        case "LIF":
            let threshold = try vector("v_threshold")
            let reset = values["v_reset"] == nil ? [Double](repeating: 0, count: threshold.count) : try vector("v_reset")
            return .lif(NIRLIF(tau: try vector("tau"), r: try vector("r"), vLeak: try vector("v_leak"), vThreshold: threshold, vReset: reset))
        case "LI":
            return .li(NIRLI(tau: try vector("tau"), r: try vector("r"), vLeak: try vector("v_leak")))
        default:
            return .unsupported(type: type)
        }
    }

    private static func expect(_ members: [(name: String, kind: HDF5Reader.Kind)], datasets: Set<String>, groups: Set<String>,
                               optionalGroups: Set<String> = [], where place: String) throws {
        for (name, kind) in members {
            if datasets.contains(name) {
                guard kind == .dataset else { throw NIRError("\(place): '\(name)' is not a dataset") }
            } else if groups.contains(name) || optionalGroups.contains(name) {
                guard kind == .group else { throw NIRError("\(place): '\(name)' is not a group") }
            } else {
                throw NIRError("\(place): unexpected \(kind == .group ? "group" : "dataset") '\(name)' (a NIR file has only version and node/...; extra data belongs under metadata/)")
            }
        }
        let names = Set(members.map(\.name))
        if let missing = datasets.union(groups).sorted().first(where: { !names.contains($0) }) {
            throw NIRError("\(place): missing '\(missing)'\(place == "the file's top level" ? " (not a NIR file?)" : "")")
        }
    }

    private static func string(_ value: HDF5Value, path: String) throws -> String {
        guard case let .strings(s, shape) = value, shape.isEmpty || shape == [1] else {
            throw NIRError("'\(path)' is \(value.summary); expected a string")
        }
        return s[0]
    }
}
#endif
