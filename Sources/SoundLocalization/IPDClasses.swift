/// The notebook's mapping between interaural phase differences (radians, in (-pi/2, pi/2)) and
/// `count` classes of equal width (15 degrees for 12 classes).
public struct IPDClasses: Equatable, Sendable {
    /// Number of classes.
    public let count: Int

    /// Classes of width `180 / count` degrees.
    public init(count: Int) { self.count = count }

    /// The class of an IPD: `((ipd + pi/2) * count / pi).long()` in single precision as in
    /// PyTorch, clamped to the last class (an IPD that rounds to pi/2 in `Float`, which the
    /// notebook would turn into an invalid class `count`). PyTorch rounds `np.pi` to the nearest
    /// float (0x40490FDB); Swift's `Float.pi` is rounded toward zero (0x40490FDA), which moves
    /// some IPDs within a few ulp of a class edge into the neighbouring class.
    public func label(_ ipd: Float) -> Int {
        let x = (ipd + Self.halfPi) * Float(count) / Self.pi
        return min(count - 1, max(0, Int(x)))
    }

    /// pi and pi/2 rounded to the nearest `Float`, as PyTorch's float32 arithmetic uses them.
    static let pi = Float(Double.pi), halfPi = Float(Double.pi / 2)

    /// The midpoint of a class in radians (`continuise`), in double precision as the notebook.
    public func midpoint(_ label: Int) -> Double {
        (Double(label) + 0.5) / Double(count) * Double.pi - Double.pi / 2
    }

    /// The lower edges of the classes and the upper edge of the last, in radians.
    public var edges: [Double] {
        (0 ... count).map { Double($0) / Double(count) * Double.pi - Double.pi / 2 }
    }
}
