/// Text placed at a data-space point; it is not clipped to the axes.
public struct Annotation: Sendable {
    /// Which end of the text sits at the anchor point.
    public enum Alignment: String, Sendable {
        case start, middle, end
    }

    public var text: String
    public var x: Double
    public var y: Double
    public var alignment: Alignment
    public var color: String
    public var fontSize: Double

    public init(_ text: String, x: Double, y: Double, alignment: Alignment = .start, color: String = "#000000", fontSize: Double = 10) {
        self.text = text
        self.x = x
        self.y = y
        self.alignment = alignment
        self.color = color
        self.fontSize = fontSize
    }
}
