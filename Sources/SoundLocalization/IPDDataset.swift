import SpikingCore

/// A data set of the notebook: true IPDs and the fixed Poisson uniforms of every sample. The
/// uniforms are not stored: they are regenerated from ``uniformsKey`` (``CounterUniforms``), which
/// is what lets the spikes be rebuilt every epoch over the same noise at little memory cost.
public struct IPDDataset: Equatable, Sendable {
    /// True IPD of each sample, radians, uniform in (-pi/2, pi/2).
    public var ipds: [Double]
    /// Key of the samples' uniforms.
    public var uniformsKey: UInt64

    /// A data set over given IPDs and uniforms key.
    public init(ipds: [Double], uniformsKey: UInt64) {
        self.ipds = ipds
        self.uniformsKey = uniformsKey
    }

    /// `count` samples with IPDs `rand() * pi - pi/2` from `ipdGenerator`, as `random_ipd_input_signal`.
    public static func random(count: Int, ipdGenerator: inout Xoshiro256StarStar, uniformsKey: UInt64) -> IPDDataset {
        IPDDataset(ipds: (0 ..< count).map { _ in ipdGenerator.nextUnitDouble() * Double.pi - Double.pi / 2 },
                   uniformsKey: uniformsKey)
    }

    /// Number of samples.
    public var count: Int { ipds.count }

    /// The class of every sample.
    public func labels(_ classes: IPDClasses) -> [Int] { ipds.map { classes.label(Float($0)) } }

    /// The uniforms stream of sample `n`.
    public func stream(_ n: Int) -> UInt32 { CounterUniforms.streamKey(uniformsKey, item: n) }
}
