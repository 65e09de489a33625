/// A dense row-major matrix of `Float`, the storage of every weight and gradient.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The `rows * columns` entries, row after row.
    public var values: [Float]

    /// A matrix of zeros.
    public init(rows: Int, columns: Int) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
    }

    /// A matrix over existing row-major values; `values.count` must be `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "Matrix: \(values.count) values for \(rows) x \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix with entries drawn uniformly from `-bound ..< bound`, row after row.
    public static func uniform(rows: Int, columns: Int, bound: Float, using rng: inout Xoshiro256StarStar) -> Matrix {
        Matrix(rows: rows, columns: columns,
               values: (0 ..< rows * columns).map { _ in rng.nextFloat(in: -bound ..< bound) })
    }

    /// The entry at `row`, `column`.
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// True when every entry is finite.
    public var isFinite: Bool { values.allSatisfy { $0.isFinite } }
}
