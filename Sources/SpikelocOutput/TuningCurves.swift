import Foundation

/// How each unit of a layer responds to the interaural phase difference: its mean response per
/// sample in equal IPD bins over (-90, 90) degrees, the IPD it prefers, and the units ordered by it.
public struct TuningCurves: Equatable, Sendable {
    /// The `bins + 1` bin edges in radians, from -pi/2 to pi/2.
    public let edges: [Double]
    /// `responses[unit][bin]`: the mean response of the unit over the samples whose IPD falls in the
    /// bin, times the scale it was computed with; NaN for a bin without samples.
    public let responses: [[Double]]
    /// The centre of each unit's bin of highest response (the lowest such bin on a tie), radians;
    /// nil for a unit that responds the same in every bin (e.g. one that never fires).
    public let preferredIPD: [Double?]
    /// The units by increasing preferred IPD, then those without a preference (by index).
    /// Units that prefer the same bin are ordered by their response-weighted mean IPD (each bin
    /// weighted by the unit's response above its minimum), then by index: broad units that all
    /// peak in an end bin still line up by where the bulk of their response lies.
    public let order: [Int]

    /// Tuning curves of `units` units from one row of `values` per sample (`ipds.count x units`,
    /// row-major), each response multiplied by `scale`. A sample at exactly pi/2 counts in the last bin.
    /// - Precondition: `values.count == ipds.count * units`, `units > 0` and `bins > 0`.
    public init(ipds: [Double], values: [Float], units: Int, bins: Int, scale: Double = 1) {
        precondition(units > 0 && bins > 0, "TuningCurves needs at least one unit and one bin")
        precondition(values.count == ipds.count * units, "TuningCurves needs one row of values per IPD")
        let edges = (0 ... bins).map { Double($0) / Double(bins) * Double.pi - Double.pi / 2 }
        var sums = [[Double]](repeating: [Double](repeating: 0, count: bins), count: units)
        var samples = [Int](repeating: 0, count: bins)
        for (n, ipd) in ipds.enumerated() {
            let bin = min(bins - 1, max(0, Int(((ipd + Double.pi / 2) / Double.pi * Double(bins)).rounded(.down))))
            samples[bin] += 1
            for unit in 0 ..< units { sums[unit][bin] += Double(values[n * units + unit]) }
        }
        let responses = sums.map { unitSums in
            zip(unitSums, samples).map { sum, count in count > 0 ? sum / Double(count) * scale : .nan }
        }
        let centres = Self.centres(edges)
        let tuned = responses.map { Tuned(curve: $0, centres: centres) }
        self.edges = edges
        self.responses = responses
        preferredIPD = tuned.map { $0?.peak }
        order = (0 ..< units).sorted { a, b in
            switch (tuned[a], tuned[b]) {
            case let (x?, y?): return (x.peak, x.mean, a) < (y.peak, y.mean, b)
            case (nil, nil): return a < b
            case (_?, nil): return true
            case (nil, _?): return false
            }
        }
    }

    /// Firing rates in hertz from spike counts (`ipds.count x units`) over stimuli `duration` seconds long.
    public static func firingRates(ipds: [Double], spikeCounts: [Float], units: Int, bins: Int, duration: Double) -> TuningCurves {
        TuningCurves(ipds: ipds, values: spikeCounts, units: units, bins: bins, scale: 1 / duration)
    }

    /// The number of IPD bins.
    public var bins: Int { edges.count - 1 }

    /// The centre of each bin, radians.
    public var centres: [Double] { Self.centres(edges) }

    private static func centres(_ edges: [Double]) -> [Double] {
        zip(edges, edges.dropFirst()).map { ($0 + $1) / 2 }
    }
}

/// Where a curve that is not flat peaks, and its response-weighted mean IPD.
private struct Tuned {
    let peak: Double
    let mean: Double

    /// Nil for a curve whose finite responses are all equal.
    init?(curve: [Double], centres: [Double]) {
        let finite = curve.filter(\.isFinite)
        guard let high = finite.max(), let low = finite.min(), high > low, let best = curve.firstIndex(of: high) else { return nil }
        let weights = curve.map { $0.isFinite ? $0 - low : 0 }
        peak = centres[best]
        mean = zip(weights, centres).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
    }
}
