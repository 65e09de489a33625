/// When a LIF neuron's spike is read from its membrane.
public enum SpikeTiming: String, Sendable, Codable, CaseIterable {
    /// The seed notebook's order: the spike emitted at step `t` was decided on the membrane of
    /// the step before, and its reset lands one step later still.
    case previous
    /// The standard discrete LIF: integrate, then spike on the new membrane and reset at once.
    case current
}
