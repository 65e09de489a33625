/// Where a panel's legend goes inside its axes.
public enum LegendPosition: Sendable {
    /// The corner whose legend box covers the fewest line segments, bars, events and reference lines,
    /// like matplotlib's `loc="best"`; ties go to upper right, upper left, lower left, lower right in that order.
    case best
    case upperRight, upperLeft, lowerRight, lowerLeft
}
