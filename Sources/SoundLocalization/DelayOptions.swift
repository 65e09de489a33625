import Foundation
import SpikingCore

extension ExperimentConfig {
    /// Phase delays of the fibres of each ear.
    public enum PhaseDelays: String, Codable, Sendable, CaseIterable {
        /// `linspace(0, pi/2, anfPerEar)` (the seed notebook's).
        case linear
        /// Every fibre 0 (the DCLS notebook: the network learns its own delays).
        case none
    }

    /// Which weight layers learn a delay per synapse (DCLS).
    public enum DelayMode: String, Codable, Sendable, CaseIterable {
        /// No learned delays.
        case none
        /// Input-to-hidden and hidden-to-output (the DCLS notebook).
        case dcls
        /// Input-to-hidden only.
        case dclsInput = "dcls-input"
    }

    /// The learning-rate schedule of the delay positions.
    public enum PositionSchedule: String, Codable, Sendable, CaseIterable {
        /// PyTorch's `CosineAnnealingLR(T_max = epochs)`, stepped per epoch (the DCLS notebook).
        case cosine
        /// `--position-lr` throughout.
        case constant
    }

    /// The learning-rate schedule of the weights.
    public enum LRSchedule: String, Codable, Sendable, CaseIterable {
        /// `--lr` throughout (the seed notebook).
        case constant
        /// PyTorch's `OneCycleLR(max_lr = --lr, total_steps = epochs)` with cosine annealing and
        /// Adam's beta1 cycled, stepped per epoch (the DCLS notebook).
        case oneCycle = "one-cycle"
    }

    /// How the weights are initialised.
    public enum WeightInit: String, Codable, Sendable, CaseIterable {
        /// Uniform in `+-1/sqrt(columns)` (the seed notebook's PyTorch quirk; `--w1-bound`, `--w2-bound`).
        case notebook
        /// Kaiming-uniform for ReLU, `+-sqrt(6 / fan_in)` with `fan_in` the layer's inputs (the DCLS notebook).
        case kaiming
    }

    /// Whether the input layer learns delays.
    public var inputDelays: Bool { delays != .none }
    /// Whether the read-out learns delays.
    public var readoutDelays: Bool { delays == .dcls }

    /// Taps of the delay kernels: `maxDelayMs / dtMs` steps, made odd by adding one if even
    /// (the notebook: 30 ms -> 31, 25 -> 25, 35 -> 35).
    public var delayTaps: Int {
        let n = Int((maxDelayMs / dtMs).rounded())
        return n % 2 == 1 ? n : n + 1
    }

    /// The weights' schedule in use.
    public var effectiveLRSchedule: LRSchedule { lrSchedule ?? (delays == .none ? .constant : .oneCycle) }
    /// The weight initialisation in use.
    public var effectiveWeightInit: WeightInit { weightInit ?? (delays == .none ? .notebook : .kaiming) }
    /// The Gaussian width of the delay kernels in the first epoch.
    public var effectiveDelaySigmaStart: Double { delaySigmaStart ?? Double(delayTaps / 2) }
    /// Epochs over which the width shrinks.
    public var effectiveDelaySigmaEpochs: Int { delaySigmaEpochs ?? epochs / 4 }

    /// The Gaussian width used in epoch `epoch` (0-based), as the notebook computes it: after each
    /// epoch `e < sigmaEpochs` whose width is above the floor, the width (float32) is multiplied by
    /// `(floor / start)^(1 / sigmaEpochs)` (rounded to float32).
    public func delaySigma(epoch: Int) -> Float {
        let start = effectiveDelaySigmaStart, n = effectiveDelaySigmaEpochs
        var sigma = Float(start)
        guard n > 0, start > 0 else { return sigma }
        let factor = Float(pow(delaySigmaFloor / start, 1 / Double(n)))
        for _ in 0 ..< min(epoch, n) where Double(sigma) > delaySigmaFloor { sigma *= factor }
        return sigma
    }

    /// The weights' learning rate and Adam beta1 in epoch `epoch` (0-based).
    public func weightSchedule(epoch: Int) -> (lr: Double, beta1: Double) {
        guard effectiveLRSchedule == .oneCycle else { return (lr, adamBeta1) }
        // torch.optim.lr_scheduler.OneCycleLR, two phases, cosine annealing, stepped once per epoch
        func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double { end + (start - end) / 2 * (cos(Double.pi * pct) + 1) }
        let initial = lr / oneCycleDivFactor, minimum = initial / oneCycleFinalDivFactor
        let peakStep = oneCyclePctStart * Double(epochs) - 1, lastStep = Double(epochs - 1)
        let s = Double(epoch)
        if s <= peakStep {
            let pct = s / peakStep
            return (anneal(initial, lr, pct), anneal(oneCycleBeta1Max, oneCycleBeta1Min, pct))
        }
        let pct = (s - peakStep) / (lastStep - peakStep)
        return (anneal(lr, minimum, pct), anneal(oneCycleBeta1Min, oneCycleBeta1Max, pct))
    }

    /// The positions' learning rate in epoch `epoch` (0-based): PyTorch's `CosineAnnealingLR`
    /// recursion `lr_e = lr_{e-1} (1 + cos(pi e / T)) / (1 + cos(pi (e - 1) / T))`, `T = epochs`.
    public func positionLearningRate(epoch: Int) -> Double {
        guard positionSchedule == .cosine else { return positionLr }
        let t = Double(epochs)
        var rate = positionLr
        for e in stride(from: 1, through: epoch, by: 1) {
            rate = (1 + cos(Double.pi * Double(e) / t)) / (1 + cos(Double.pi * Double(e - 1) / t)) * rate
        }
        return rate
    }

    func validateDelayValues() throws {
        for (value, option) in [(maxDelayMs, "--max-delay-ms"), (delaySigmaFloor, "--delay-sigma-floor"),
                                (delayPositionSd, "--delay-position-sd"), (positionLr, "--position-lr"),
                                (oneCyclePctStart, "--one-cycle-pct-start"), (oneCycleDivFactor, "--one-cycle-div-factor"),
                                (oneCycleFinalDivFactor, "--one-cycle-final-div-factor"), (oneCycleBeta1Min, "--one-cycle-beta1-min"),
                                (oneCycleBeta1Max, "--one-cycle-beta1-max"), (delaySigmaStart ?? 0, "--delay-sigma-start")] {
            guard value.isFinite else { throw ConfigError(option: option, message: "must be a finite number, got \(value)") }
        }
        if delays != .none {
            guard maxDelayMs >= dtMs else {
                throw ConfigError(option: "--max-delay-ms", message: "must be at least one time step (--dt-ms \(dtMs)), got \(maxDelayMs)")
            }
            guard delayTaps < steps else {
                throw ConfigError(option: "--max-delay-ms",
                                  message: "makes \(delayTaps) delay taps for \(steps) time steps; use fewer than the steps")
            }
        }
        for (value, option) in [(delaySigmaFloor, "--delay-sigma-floor"), (delayPositionSd, "--delay-position-sd"),
                                (delaySigmaStart ?? 0, "--delay-sigma-start")] {
            guard value >= 0 else { throw ConfigError(option: option, message: "must be a number >= 0, got \(value)") }
        }
        guard positionLr > 0 else { throw ConfigError(option: "--position-lr", message: "must be a positive number, got \(positionLr)") }
        if let n = delaySigmaEpochs, !(0 ... Limits.epochs).contains(n) {
            throw ConfigError(option: "--delay-sigma-epochs", message: "must be a whole number in [0, \(Limits.epochs)], got \(n)")
        }
        for (value, option) in [(oneCycleBeta1Min, "--one-cycle-beta1-min"), (oneCycleBeta1Max, "--one-cycle-beta1-max")] {
            guard (0 ..< 1).contains(value) else { throw ConfigError(option: option, message: "must lie in [0, 1), got \(value)") }
        }
        for (value, option) in [(oneCycleDivFactor, "--one-cycle-div-factor"), (oneCycleFinalDivFactor, "--one-cycle-final-div-factor")] {
            guard value > 0 else { throw ConfigError(option: option, message: "must be a positive number, got \(value)") }
        }
        if effectiveLRSchedule == .oneCycle {
            let peak = oneCyclePctStart * Double(epochs) - 1
            guard peak >= 1, peak < Double(epochs - 1) else {
                throw ConfigError(option: "--one-cycle-pct-start",
                                  message: "times --epochs must give a peak epoch between 1 and the last epoch (\(epochs - 1)), got \(peak); use more epochs or another share")
            }
        }
    }
}
