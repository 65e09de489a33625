import Foundation

/// The surrogate gradient of the notebook's spike function: the forward pass is the Heaviside
/// step `x > 0`, the backward pass multiplies by the derivative of a sigmoid of slope `beta`,
/// `beta * sig(beta x) * (1 - sig(beta x))` (Zenke and Ganguli's SuperSpike family).
public struct SigmoidSurrogate: Equatable, Sendable, Codable {
    /// Steepness of the sigmoid; the notebook uses 5.
    public var beta: Float

    /// A surrogate of the given steepness.
    public init(beta: Float = 5) { self.beta = beta }

    /// The forward pass: 1 when `x > 0`, else 0.
    @inlinable public func spike(_ x: Float) -> Float { x > 0 ? 1 : 0 }

    /// The pseudo-derivative used in the backward pass, computed as the notebook does.
    @inlinable public func derivative(_ x: Float) -> Float {
        let s = 1 / (1 + Foundation.exp(-beta * x))
        return beta * s * (1 - s)
    }

    /// The pseudo-derivative on eight lanes (the kernels' form, with ``SIMDMath/exp(_:)``).
    @inlinable @inline(__always)
    public func derivative(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let s = 1 / (1 + SIMDMath.exp(-beta * x))
        return beta * s * (1 - s)
    }
}

