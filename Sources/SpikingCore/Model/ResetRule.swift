/// What a spike does to the membrane.
public enum ResetRule: String, Sendable, Codable, CaseIterable {
    /// Multiplied by `1 - s`: back to zero (the notebook's).
    case zero
    /// The threshold is subtracted.
    case subtract
}
