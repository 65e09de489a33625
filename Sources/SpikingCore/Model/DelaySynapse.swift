import Foundation

/// Learned transmission delays on every connection of a weight matrix: dilated convolution with
/// learnable spacings (DCLS, Hammouamri, Khalfaoui-Hassani and Masquelier 2023), as the
/// community's `Quick_Start_Delay_DCLS` notebook uses it. See docs/core-model.md, "Delay synapses".
///
/// Connection `(i, j)` has a weight `w[i, j]` (the layer's weights) and a real position
/// `p[i, j]` in `-m ... m`, `m = taps / 2`. Its kernel over the delays `d = 0 ..< taps` (steps)
/// is `K[d] = w * X[taps - 1 - d]` with, at tap `k`,
///
/// - ``Kernel-swift.enum/gauss`` (training): `X[k] = G[k] / (sum_k G[k] + 1e-7)`,
///   `G[k] = exp(-((k - p - m) / (|sigma| + 0.27))^2 / 2)`, with taps whose `G[k]` is below
///   float32 resolution of the sum (`2^-24 sum_k G[k]`) set to zero;
/// - ``Kernel-swift.enum/max`` (evaluation): one tap at `k = clamp(round(p), -m, m) + m`, i.e. an
///   integer delay `d = m - clamp(round(p), -m, m)`, of weight `1 / (1 + 1e-7)` in float32.
///
/// The current of a post-synaptic unit at step `t` is `sum_i sum_d K_ij[d] x_i[t - d]`.
public struct DelaySynapse: Equatable, Sendable {
    /// How positions become tap weights.
    public enum Kernel: String, Sendable, Codable, CaseIterable {
        /// A normalised Gaussian of width `|sigma| + 0.27` around the position (differentiable).
        case gauss
        /// The rounded position only (integer delays; no gradient for positions).
        case max
    }

    /// Positions, `[inputs, neurons]`, kept within `-maxShift ... maxShift` after every change.
    public var positions: Parameter
    /// Taps of the kernel, odd: delays `0 ..< taps` steps.
    public let taps: Int
    /// The Gaussian's `sigma` (not trained; the training schedule shrinks it).
    public var sigma: Float
    /// The kernel in use.
    public var kernel: Kernel

    /// Delay synapses with the given positions; `taps` must be odd and positive.
    public init(positions: Matrix, taps: Int, sigma: Float, kernel: Kernel = .gauss, learnable: Bool = true) {
        precondition(taps > 0 && taps % 2 == 1, "DelaySynapse: the number of taps must be odd and positive, got \(taps)")
        precondition(sigma.isFinite, "DelaySynapse: sigma must be finite")
        let m = Float(taps / 2)
        self.positions = Parameter(name: "p", matrix: positions, constraint: .within(-m, m), isLearnable: learnable)
        self.taps = taps
        self.sigma = sigma
        self.kernel = kernel
    }

    /// The largest position magnitude, `taps / 2`.
    public var maxShift: Int { taps / 2 }

    /// The weight of a single tap of the ``Kernel-swift.enum/max`` kernel: `1 / (1 + 1e-7)` in
    /// float32, as the notebook's normalisation computes it.
    public static let maxTapWeight: Float = { let one: Float = 1; return one / (one + 1e-7) }()

    /// The integer delay (steps) of a position under the ``Kernel-swift.enum/max`` kernel:
    /// `maxShift - clamp(round(p), -maxShift, maxShift)`, rounding halves to even as PyTorch does.
    public func integerDelay(position p: Float) -> Int {
        let m = Float(maxShift)
        let r = Swift.min(Swift.max(p.rounded(.toNearestOrEven), -m), m)
        return maxShift - Int(r)
    }

    /// The integer delays (steps) of every connection, `[inputs, neurons]` row-major.
    public var integerDelays: [Int] { positions.values.map { integerDelay(position: $0) } }

    /// The normalised tap weights `X` of a position, indexed by delay `d` (`X[taps - 1 - d]`).
    public func tapWeights(position p: Float) -> [Float] {
        var out = [Float](repeating: 0, count: taps)
        out.withUnsafeMutableBufferPointer { tapWeights(position: p, into: $0.baseAddress!) }
        return out
    }

    /// The most consecutive delays any connection's non-zero taps span. The engine runs kernels
    /// spanning at most 16 taps (narrow Gaussians, late in training) as windows of 8 or 16 taps
    /// per connection instead of full blocks of `taps` delays.
    public var nonZeroTapSpan: Int {
        positions.values.reduce(0) { span, p in
            Swift.max(span, tapWeights(position: p).withUnsafeBufferPointer { Self.nonZeroTaps($0.baseAddress!, count: taps)?.count ?? 0 })
        }
    }

    /// The delays from the first to the last non-zero tap weight of one connection (`x[0 ..< count]`), if any.
    @inline(__always)
    static func nonZeroTaps(_ x: UnsafePointer<Float>, count: Int) -> ClosedRange<Int>? {
        var lo = 0, hi = count &- 1
        while lo < count && x[lo] == 0 { lo &+= 1 }
        guard lo < count else { return nil }
        while x[hi] == 0 { hi &-= 1 }
        return lo ... hi
    }

    /// Writes the normalised tap weights of a position, by delay, into `out[0 ..< taps]`.
    func tapWeights(position p: Float, into out: UnsafeMutablePointer<Float>) {
        switch kernel {
        case .max:
            for d in 0 ..< taps { out[d] = 0 }
            out[integerDelay(position: p)] = Self.maxTapWeight
        case .gauss:
            let centre = p + Float(maxShift), width = abs(sigma) + 0.27
            // exp(-z^2 / 2) is exactly 0 in float32 for z above about 14.4: taps farther than 15
            // widths from the centre are 0 without computing them
            let reach = 15 * width
            var sum: Float = 0
            for k in 0 ..< taps {
                let offset = Float(k) - centre
                var g: Float = 0
                if abs(offset) <= reach {
                    let z = offset / width, e = -0.5 * (z * z)
                    if e >= -110 { g = Foundation.exp(e) }
                }
                out[taps - 1 - k] = g
                sum += g
            }
            // Taps below float32 resolution of the sum change no sum they enter; they are set to
            // zero, which keeps subnormal numbers (very slow arithmetic) out of the kernels.
            let negligible = sum * 0x1p-24, norm = sum + 1e-7
            for d in 0 ..< taps where out[d] != 0 { out[d] = out[d] < negligible ? 0 : out[d] / norm }
        }
    }

    /// The gradients of a connection's weight and position from the gradient of its kernel
    /// (`gradKernel[d]`, by delay), given its weight and normalised tap weights `x` (by delay).
    /// The position's gradient is 0 under the ``Kernel-swift.enum/max`` kernel (rounding). Only the
    /// delays in `range` are read: outside it `g` or `x` must be 0 (their terms would add zeros).
    func chain(gradKernel g: UnsafePointer<Float>, tapWeights x: UnsafePointer<Float>, weight w: Float,
               position p: Float, delays range: Range<Int>) -> (weight: Float, position: Float) {
        var gw: Float = 0
        for d in range { gw += g[d] * x[d] }
        guard kernel == .gauss else { return (gw, 0) }
        // X = G / S: dL/dG_m = (W gK_m - W gw) / S; dG_m / dp = G_m z_m / width; G_m / S = X_m
        let centre = p + Float(maxShift), width = abs(sigma) + 0.27
        var gp: Float = 0
        for d in range {
            let z = (Float(taps - 1 - d) - centre) / width
            gp += (g[d] - gw) * x[d] * z
        }
        return (gw, w * gp / width)
    }
}
