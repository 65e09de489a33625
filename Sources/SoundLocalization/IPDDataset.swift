import Foundation
import SpikingCore

/// A data set of the notebook: true IPDs and the fixed Poisson uniforms of every sample. The
/// uniforms are not stored: they are regenerated from ``noise`` (``FixedNoise``), which is what
/// lets the spikes be rebuilt every epoch over the same noise at little memory cost.
public struct IPDDataset: Equatable, Sendable {
    /// True IPD of each sample, radians, uniform in (-pi/2, pi/2).
    public var ipds: [Double]
    /// The samples' fixed noise.
    public var noise: FixedNoise
    /// Noise added to the phase delays of the `2 x anfPerEar` fibres (radians; empty: none),
    /// fixed for the data set (Noise_robustness).
    public var phaseJitter: [Double] = []
    /// Each sample's own phase offset (in cycles, `[0, 1)`), fixed for the data set; `nil` when
    /// the samples share the offset the stimulus is built with (``ExperimentConfig/OffsetMode``).
    public var sampleOffsets: [Double]?

    /// A data set over given IPDs and uniforms key.
    public init(ipds: [Double], noise: FixedNoise) {
        self.ipds = ipds
        self.noise = noise
    }

    /// `count` samples with IPDs `rand() * pi - pi/2` from `ipdGenerator`, as `random_ipd_input_signal`.
    public static func random(count: Int, ipdGenerator: inout Xoshiro256StarStar, noise: FixedNoise) -> IPDDataset {
        precondition(count >= 0, "IPDDataset: negative count \(count)")
        return IPDDataset(ipds: (0 ..< count).map { _ in ipdGenerator.nextUnitDouble() * Double.pi - Double.pi / 2 },
                   noise: noise)
    }

    /// Number of samples.
    public var count: Int { ipds.count }

    /// The class of every sample.
    public func labels(_ classes: IPDClasses) -> [Int] { ipds.map { classes.label(Float($0)) } }


    /// Gaussian noise of standard deviation `sigma` for `count` fibres (Box-Muller on `generator`).
    public static func jitter(count: Int, sigma: Double, using generator: inout Xoshiro256StarStar) -> [Double] {
        (0 ..< count).map { _ in
            let u1 = 1 - generator.nextUnitDouble(), u2 = generator.nextUnitDouble()  // u1 in (0, 1]
            return sigma * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
        }
    }
}
