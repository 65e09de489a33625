import SpikingCore

extension ExperimentConfig {
    /// How the phase offsets of the tone are drawn.
    public enum OffsetMode: String, Codable, Sendable, CaseIterable {
        /// A new offset every epoch for the training and the validation set, shared by the
        /// samples of a set (the seed notebook, "noise offsets in every iteration").
        case epoch
        /// One offset per data set, fixed for the whole run (almost every other community notebook).
        case dataset
        /// Every sample its own offset, fixed for the run.
        case sample
    }

    /// How the spike probability of a time bin is computed.
    public enum Envelope: String, Codable, Sendable, CaseIterable {
        /// `rate_max dt ((1 + sin theta) / 2)^power` at the start of the bin (the seed notebook).
        case power
        /// The exact integral of the rate over the bin (the paper's basic model; power 2 only).
        case integral
    }

    /// Which rows Dale's law makes inhibitory.
    public enum DaleMaskKind: String, Codable, Sendable, CaseIterable {
        /// The first `ceil(ie_ratio rows)` rows (the seed notebook, IE-neuron-distribution).
        case contiguous
        /// `int(ie_ratio rows)` rows drawn without replacement from the run's seed (Dales_law).
        case random
    }

    /// Weight matrices that are used as `|w|` (excitatory only).
    public enum Excitatory: String, Codable, Sendable, CaseIterable {
        /// None.
        case none
        /// The input-to-hidden weights (every fibre excitatory).
        case inputs
        /// The hidden-to-output weights (every hidden neuron excitatory).
        case hidden
        /// Both.
        case all

        var inputs: Bool { self == .inputs || self == .all }
        var hidden: Bool { self == .hidden || self == .all }
    }

    /// A named starting configuration.
    public enum Preset: String, Codable, Sendable, CaseIterable {
        /// The paper's basic model (time-constant-solutions.ipynb).
        case paperBasic = "paper-basic"
        /// Learned synaptic delays in both layers (Quick_Start_Delay_DCLS.ipynb): no phase delays,
        /// delays up to 30 ms, and the notebook's schedules (the defaults of `--delays dcls`),
        /// trained to the end of the schedule (no early stopping).
        case dcls
    }

    /// The configuration of a preset; options given explicitly are applied on top of it.
    public static func preset(_ preset: Preset) -> ExperimentConfig {
        var c = ExperimentConfig()
        c.preset = preset
        switch preset {
        case .paperBasic:
            c.stimulusFrequencyHz = 50
            c.envelope = .integral
            c.hidden = 8
            c.tauMs = 2
            c.readout = .sum  // the notebook's mean over 100 steps = 0.01 x sum: the output scale
            c.outputScale = 0.01
            c.ratePenalty = 2.4849066497880004  // ln 12
            c.batchSize = 128
            c.trainBatches = 128
            c.validationBatches = 32
            c.testBatches = 32
            c.epochs = 100
            c.lr = 0.001
            c.offsetMode = .dataset
            c.earlyStop = false
            c.testWeights = .final  // no validation in the notebook: the weights after the last epoch
        case .dcls:
            c.delays = .dcls
            c.phaseDelays = .none
            c.maxDelayMs = 30
            c.lr = 0.005  // the one-cycle peak: 5 x the notebook's LR of 0.001
            // The notebook also checks its early-stopping rule, which with a new phase offset every
            // epoch stops in the middle of the one-cycle schedule (48-84 epochs, at a high learning
            // rate): 84.2 % over seeds 0-4 against 87-88 % with the whole schedule (README).
            // `--early-stop on` reproduces the notebook literally.
            c.earlyStop = false
        }
        return c
    }

    /// The variant in words, for reports ("adaptive threshold, subtractive reset, max read-out"),
    /// or "the seed notebook's model" when nothing differs.
    public var variantDescription: String {
        var parts: [String] = []
        if let preset { parts.append("preset \(preset.rawValue)") }
        if spikeTiming == .current { parts.append("standard LIF (spike from the current membrane)") }
        if adaptiveThreshold > 0 { parts.append("adaptive threshold (beta \(adaptiveThreshold), tau \(adaptationTauMs) ms)") }
        if reset == .subtract { parts.append("subtractive reset") }
        if readout != .sum { parts.append("\(readout.rawValue) read-out") }
        if tauHiddenMs != nil || tauOutputMs != nil { parts.append("tau \(hiddenTauMs) ms hidden, \(outputTauMs) ms output") }
        if learnTau { parts.append("learned time constants") }
        if dales { parts.append("Dale's law (\(daleMask.rawValue) mask, \(ieRatio) inhibitory)") }
        if excitatory != .none { parts.append("excitatory-only \(excitatory.rawValue) weights") }
        if ratePenalty > 0 { parts.append("rate penalty \(ratePenalty) (\(penaltyRateMinHz)-\(penaltyRateMaxHz) Hz)") }
        if hiddenDropout > 0 { parts.append("hidden dropout \(hiddenDropout)") }
        if phaseJitter > 0 { parts.append("phase-delay jitter \(phaseJitter) rad") }
        if envelope == .integral { parts.append("integral envelope") }
        if offsetMode != .epoch { parts.append("\(offsetMode.rawValue) phase offsets") }
        if !earlyStop { parts.append("no early stopping") }
        if phaseDelays == .none { parts.append("no phase delays") }
        if delays != .none {
            parts.append("learned delays (\(delays.rawValue), up to \(maxDelayMs) ms: \(delayTaps) taps)")
        }
        if effectiveLRSchedule != .constant { parts.append("\(effectiveLRSchedule.rawValue) learning rate") }
        if effectiveWeightInit != .notebook { parts.append("\(effectiveWeightInit.rawValue) initialisation") }
        return parts.isEmpty ? "the seed notebook's model" : parts.joined(separator: ", ")
    }
}
