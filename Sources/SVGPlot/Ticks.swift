import Foundation

/// Tick positions inside `range` spaced by 1, 2 or 5 × 10^k, with a count as close as possible to `n`.
///
/// Candidate steps around `span / (n - 1)` are compared by how far their tick count is from `n`
/// (as a ratio); on a tie the finer step wins. Ticks are exact decimals (0.3, not 0.30000000000000004).
/// A degenerate range is widened around its value; a non-finite one gives no ticks.
/// For example 0...1 with n = 6 gives 0, 0.2, …, 1 and -90...90 with n = 7 gives -80, -60, …, 80.
public func niceTicks(_ range: ClosedRange<Double>, approximately n: Int) -> [Double] {
    var lower = range.lowerBound
    var upper = range.upperBound
    guard lower.isFinite, upper.isFinite else { return [] }
    if lower == upper {
        let half = lower == 0 ? 1 : abs(lower) * 0.1
        lower -= half
        upper += half
    }
    let target = Double(max(n, 2))
    // Divided before subtracting so that ranges spanning most of Double's range do not overflow.
    let roughStep = upper / (target - 1) - lower / (target - 1)
    guard roughStep.isFinite, roughStep > 0 else { return [] }
    let exponent = Int(floor(log10(roughStep)))
    var best: [Double] = []
    var bestScore = Double.infinity
    for power in (exponent - 1)...(exponent + 1) {
        for mantissa in [1, 2, 5] {
            let ticks = ticksWithStep(mantissa: mantissa, power: power, from: lower, to: upper)
            guard !ticks.isEmpty else { continue }
            let score = abs(log(Double(ticks.count) / target))
            if score < bestScore - 1e-9 {
                best = ticks
                bestScore = score
            }
        }
    }
    return best
}

/// Multiples of `mantissa × 10^power` within `lower...upper`, or none if there would be more than 1000.
private func ticksWithStep(mantissa: Int, power: Int, from lower: Double, to upper: Double) -> [Double] {
    let scale = pow(10, Double(abs(power)))
    let step = power >= 0 ? Double(mantissa) * scale : Double(mantissa) / scale
    let first = (lower / step - 1e-9).rounded(.up)
    let last = (upper / step + 1e-9).rounded(.down)
    guard last >= first, last - first < 1000 else { return [] }
    return stride(from: first, through: last, by: 1).map { multiple in
        let scaled = multiple * Double(mantissa)
        return power >= 0 ? scaled * scale : scaled / scale
    }
}

/// Labels for `ticks` without floating-point noise, using as many decimals as the smallest gap between
/// ticks needs ("0", "0.2", "-90"). When the largest magnitude is at least 1e5 or below 1e-3 the labels
/// use Python-style scientific notation ("1e-05", "2.5e+06"); zero is always "0".
public func tickLabels(_ ticks: [Double]) -> [String] {
    let finite = ticks.filter(\.isFinite)
    let largest = finite.map(abs).max() ?? 0
    let sorted = Array(Set(finite)).sorted()
    let gaps = zip(sorted, sorted.dropFirst()).map { $1 - $0 }
    let step = gaps.min() ?? (largest > 0 ? pow(10, floor(log10(largest))) : 1)
    let scientific = largest >= 1e5 || (largest > 0 && largest < 1e-3)
    return ticks.map { value in
        guard value.isFinite else { return String(value) }
        return scientific ? scientificLabel(value, step: step) : fixedLabel(value, decimals: decimals(for: step, limit: 6))
    }
}

/// The fewest decimals (up to `limit`) that write multiples of `step` exactly.
private func decimals(for step: Double, limit: Int) -> Int {
    for count in 0..<limit {
        let scaled = step * pow(10, Double(count))
        if abs(scaled - scaled.rounded()) <= 1e-6 * max(1, scaled) { return count }
    }
    return limit
}

/// `value` with `decimals` decimals, never "-0".
private func fixedLabel(_ value: Double, decimals: Int) -> String {
    let text = String(format: "%.\(decimals)f", value)
    return Double(text) == 0 ? String(format: "%.\(decimals)f", 0.0) : text
}

/// `value` as mantissa and two-digit signed exponent ("1e-05", "2.5e+06"), trailing zeros dropped.
private func scientificLabel(_ value: Double, step: Double) -> String {
    guard value != 0 else { return "0" }
    var exponent = Int(floor(log10(abs(value))))
    let places = decimals(for: step / pow(10, Double(exponent)), limit: 3)
    var mantissa = (value / pow(10, Double(exponent)) * pow(10, Double(places))).rounded() / pow(10, Double(places))
    if abs(mantissa) >= 10 {
        mantissa /= 10
        exponent += 1
    }
    var text = String(format: "%.\(places)f", mantissa)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    let exponentDigits = String(abs(exponent))
    return text + "e" + (exponent < 0 ? "-" : "+") + (exponentDigits.count < 2 ? "0" : "") + exponentDigits
}
