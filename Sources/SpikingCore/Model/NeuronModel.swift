/// The dynamics of one spiking neuron model: a pure forward step and, beside it, its adjoint for
/// backpropagation through time. One conforming type per model, one file each (see
/// ``LIFNeuron`` and ``AdaptiveLIFNeuron``); the generic driver of ``NetworkEngine`` is
/// specialised for each by the compiler, so a model costs no dynamic dispatch per step.
///
/// A step takes the neuron's state before step `t`, its input current `I[t]` and its decay
/// `alpha = exp(-dt / tau)`, returns the spike `y[t]` it emits at step `t` (0 or 1) and leaves the
/// state after the step. The adjoint gets the same state *before* the step, and the gradients of
/// the loss with respect to the state *after* it and to `y[t]`; it returns the gradients with
/// respect to the state before, the current and the decay.
public protocol NeuronModel: Sendable {
    /// Everything the neuron carries from one step to the next.
    associatedtype State: NeuronState

    /// One forward step; returns the emitted spike.
    func step(_ state: inout State, current: Float, decay: Float) -> Float

    /// The adjoint of ``step(_:current:decay:)`` at `state` (the state before the step).
    func adjoint(
        state: State, current: Float, decay: Float, gradientAfter: State, gradientOfSpike: Float
    ) -> NeuronAdjoint<State>

    /// A description for reports ("LIF, spike from the previous membrane, reset to zero").
    var summary: String { get }

    /// Whether `other` is the same model with the same constants.
    func isEqual(to other: any NeuronModel) -> Bool
}

extension NeuronModel where Self: Equatable {
    public func isEqual(to other: any NeuronModel) -> Bool { (other as? Self) == self }
}

/// A neuron's state: a value with a resting (all-zero) form and the arithmetic adjoints need.
public protocol NeuronState: Sendable, AdditiveArithmetic {}

/// The gradients an adjoint step returns.
public struct NeuronAdjoint<State: NeuronState>: Sendable {
    /// With respect to the state before the step.
    public var state: State
    /// With respect to the input current.
    public var current: Float
    /// With respect to the decay `alpha`.
    public var decay: Float

    /// The three gradients.
    @inlinable
    public init(state: State, current: Float, decay: Float) {
        self.state = state
        self.current = current
        self.decay = decay
    }
}
