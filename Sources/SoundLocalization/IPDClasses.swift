/// The notebook's mapping between interaural phase differences (radians, in (-pi/2, pi/2)) and
/// `count` classes of equal width (15 degrees for 12 classes).
public struct IPDClasses: Equatable, Sendable {
    /// Number of classes.
    public let count: Int

    /// Classes of width `180 / count` degrees.
    public init(count: Int) { self.count = count }

    /// The class of an IPD: `((ipd + pi/2) * count / pi).long()` in single precision as in
    /// PyTorch, clamped to the last class (an IPD that rounds to pi/2 in `Float`, which the
    /// notebook would turn into an invalid class `count`).
    public func label(_ ipd: Float) -> Int {
        let x = (ipd + Float.pi / 2) * Float(count) / Float.pi
        return min(count - 1, max(0, Int(x)))
    }

    /// The midpoint of a class in radians (`continuise`), in double precision as the notebook.
    public func midpoint(_ label: Int) -> Double {
        (Double(label) + 0.5) / Double(count) * Double.pi - Double.pi / 2
    }

    /// The lower edges of the classes and the upper edge of the last, in radians.
    public var edges: [Double] {
        (0 ... count).map { Double($0) / Double(count) * Double.pi - Double.pi / 2 }
    }
}
