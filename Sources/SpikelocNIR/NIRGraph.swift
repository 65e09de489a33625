/// A NIR graph (Neuromorphic Intermediate Representation, the `nir` Python package's `NIRGraph`)
/// of the node kinds spikeloc reads and writes, independent of the file format. `NIRFile` (module
/// `SpikelocNIRHDF5`, package trait `NIR`) reads and writes it as HDF5 in the layout of
/// `nir.write`; ``NIRExport`` and ``NIRImport`` convert between it and a `SpikingNetwork`.
///
/// Units are NIR's: time constants in seconds. Weights are float32 `[out, in]` (NIR's and
/// PyTorch's order; spikeloc stores `[in, out]`), every other parameter a float64 vector.
public struct NIRGraph: Equatable, Sendable {
    /// The `version` string of the file (`nir.version` of the writer).
    public var version: String
    /// The nodes by name.
    public var nodes: [String: NIRNode]
    /// The edges, `(source, target)`, in file order.
    public var edges: [NIREdge]
    /// The graph's metadata (`node/metadata/` in the file).
    public var metadata: [String: NIRValue]

    /// A graph.
    public init(version: String = NIRGraph.writtenVersion, nodes: [String: NIRNode], edges: [NIREdge],
                metadata: [String: NIRValue] = [:]) {
        self.version = version
        self.nodes = nodes
        self.edges = edges
        self.metadata = metadata
    }

    /// The NIR version spikeloc writes: the `nir` package release whose layout it follows.
    public static let writtenVersion = "1.0.8"
}

/// One directed edge of a ``NIRGraph``.
public struct NIREdge: Equatable, Sendable {
    /// Name of the source node.
    public var source: String
    /// Name of the target node.
    public var target: String

    /// An edge.
    public init(_ source: String, _ target: String) {
        self.source = source
        self.target = target
    }
}

/// A metadata value: what spikeloc writes and what it keeps when reading.
public enum NIRValue: Equatable, Sendable {
    /// A string.
    case string(String)
    /// A float64 scalar.
    case number(Double)
    /// A float64 vector.
    case numbers([Double])
    /// An int64 scalar.
    case integer(Int64)
}

/// A float32 matrix `[rows, columns]`, row-major (a NIR weight: rows = outputs).
public struct NIRMatrix: Equatable, Sendable {
    /// Rows (outputs).
    public var rows: Int
    /// Columns (inputs).
    public var columns: Int
    /// The values, row-major.
    public var values: [Float]

    /// A matrix; `values.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "NIRMatrix: \(values.count) values for \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }
}

/// NIR's leaky integrate-and-fire neuron (`nir.LIF`):
/// `tau dv/dt = (v_leak - v) + r I`, a spike when `v > v_threshold`, then `v = v_reset`.
public struct NIRLIF: Equatable, Sendable {
    /// Membrane time constants (s).
    public var tau: [Double]
    /// Resistances.
    public var r: [Double]
    /// Leak potentials.
    public var vLeak: [Double]
    /// Thresholds.
    public var vThreshold: [Double]
    /// Reset potentials.
    public var vReset: [Double]

    /// A LIF node's parameters (one value per neuron each).
    public init(tau: [Double], r: [Double], vLeak: [Double], vThreshold: [Double], vReset: [Double]) {
        self.tau = tau
        self.r = r
        self.vLeak = vLeak
        self.vThreshold = vThreshold
        self.vReset = vReset
    }
}

/// NIR's leaky integrator (`nir.LI`): `tau dv/dt = (v_leak - v) + r I`.
public struct NIRLI: Equatable, Sendable {
    /// Time constants (s).
    public var tau: [Double]
    /// Resistances.
    public var r: [Double]
    /// Leak potentials.
    public var vLeak: [Double]

    /// An LI node's parameters (one value per unit each).
    public init(tau: [Double], r: [Double], vLeak: [Double]) {
        self.tau = tau
        self.r = r
        self.vLeak = vLeak
    }
}

/// One node of a ``NIRGraph``.
public enum NIRNode: Equatable, Sendable {
    /// The graph's input, with its shape.
    case input(shape: [Int64])
    /// The graph's output, with its shape.
    case output(shape: [Int64])
    /// `y = W x`, `W` `[out, in]`.
    case linear(weight: NIRMatrix)
    /// `y = W x + b`.
    case affine(weight: NIRMatrix, bias: [Double])
    /// A layer of LIF neurons.
    case lif(NIRLIF)
    /// A layer of leaky integrators.
    case li(NIRLI)
    /// A node of another NIR type (`Delay`, `CubaLIF`, `Conv2d`, a nested `NIRGraph`, ...): read
    /// so that the conversion can name it, never converted.
    case unsupported(type: String)

    /// The NIR type name, as in the file's `type` dataset.
    public var typeName: String {
        switch self {
        case .input: return "Input"
        case .output: return "Output"
        case .linear: return "Linear"
        case .affine: return "Affine"
        case .lif: return "LIF"
        case .li: return "LI"
        case let .unsupported(type): return type
        }
    }
}

/// A graph or file that spikeloc cannot use, or a network NIR cannot express: one line.
public struct NIRError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the node or feature.
    public var reason: String

    /// An error.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
