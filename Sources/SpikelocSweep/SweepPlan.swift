import Foundation
import SoundLocalization

/// How `train` reads its options. The command line provides it (it owns `train`'s option
/// parser), so every `train` option, including ones added later, can be swept without any change
/// here.
public protocol TrainOptionParser: Sendable {
    /// Whether `train` has an option with the long name `name` (no dashes), and of which kind.
    func kind(of name: String) -> TrainOptionKind?
    /// The configuration `train` would run with `arguments`, checked as `train` checks it for one
    /// run on `threads` threads with `testSets` test sets. Throws an error whose description is
    /// one line.
    func config(arguments: [String], testSets: Int, threads: Int) throws -> ExperimentConfig
}

/// The kinds of `train` options.
public enum TrainOptionKind: Sendable {
    /// Takes a value (`--tau-ms 5`).
    case option
    /// On or off (`--dales`).
    case flag
}

/// Options of `train` that cannot be set per run, and why.
public let unsweepableOptions: [String: String] = [
    "threads": "each run uses --threads-per-run threads (default 1)",
    "output": "run folders are named by the sweep; use the sweep's --output",
    "force": "use the sweep's --force",
    "resume": "re-running the sweep resumes its runs",
    "help": "not a training option",
]

extension TrainOptionParser {
    /// The command-line arguments that give `option` the value `value`: `--NAME=VALUE` for an
    /// option; for a flag, `--NAME` for true and nothing (or `--no-NAME` where it exists) for
    /// false. Throws a ``SweepError`` starting with `source` for an unknown option or a flag
    /// value that is not true or false.
    public func arguments(option: String, value: String, source: String) throws -> [String] {
        if let reason = unsweepableOptions[option] {
            throw SweepError("\(source): --\(option) cannot be set per run (\(reason))")
        }
        switch kind(of: option) {
        case nil:
            throw SweepError("\(source): train has no option --\(option)")
        case .option:
            return ["--\(option)=\(value)"]
        case .flag:
            switch value.lowercased() {
            case "true", "yes", "on", "1": return ["--\(option)"]
            case "false", "no", "off", "0": return kind(of: "no-\(option)") == .flag ? ["--no-\(option)"] : []
            default: throw SweepError("\(source): --\(option) is a flag; its values are true and false, got '\(value)'")
            }
        }
    }
}

/// One run of a sweep: where it lives, what it sweeps and its full configuration.
public struct SweepRunSpec: Codable, Equatable, Sendable {
    /// Its folder under `runs/` (`tau-ms=2,seed=0`).
    public var name: String
    /// Its value of each axis, in the grid's order.
    public var values: [String]
    /// Its seed.
    public var seed: UInt64
    /// The configuration `train` runs with these options.
    public var config: ExperimentConfig

    public init(name: String, values: [String], seed: UInt64, config: ExperimentConfig) {
        self.name = name
        self.values = values
        self.seed = seed
        self.config = config
    }
}

/// A grid checked against `train`'s options and expanded into runs, each with its configuration.
public struct SweepPlan: Sendable {
    /// The grid.
    public let grid: SweepGrid
    /// The runs: points in grid order (first axis outermost), each point's seeds together.
    public let runs: [SweepRunSpec]

    /// Checks `grid` against `parser` and expands it. Every entry is tried on its own first, so
    /// an error names the entry at fault: the fixed options, then each value of each axis, then
    /// the combinations. Throws a ``SweepError``; nothing is written.
    public init(grid: SweepGrid, parser: TrainOptionParser, threadsPerRun: Int = 1) throws {
        var grid = grid
        // `seed` swept like any option is the seed list
        if let index = grid.axes.firstIndex(where: { $0.option == "seed" }) {
            let axis = grid.axes.remove(at: index)
            var seeds: [UInt64] = []
            for value in axis.values {
                guard let seed = UInt64(value) else { throw SweepError("\(axis.source): '\(value)' is not a seed (a whole number >= 0)") }
                seeds.append(seed)
            }
            grid.seeds = seeds
        }
        try SeedList.check(grid.seeds, source: "--seeds")
        for axis in grid.axes { try axis.check() }
        try grid.checkAxes()
        guard (1 ... ExperimentConfig.Limits.testSets).contains(grid.testSets) else {
            throw SweepError("--test-sets must be a whole number in [1, \(ExperimentConfig.Limits.testSets)], got \(grid.testSets)")
        }
        let fixedNames = Self.optionNames(in: grid.fixedArguments)
        if fixedNames.contains("seed") {
            throw SweepError("--seed: give the seeds of a sweep with --seeds (e.g. --seeds 0-4)")
        }
        for name in fixedNames {
            if let reason = unsweepableOptions[name] { throw SweepError("--\(name) cannot be set per run (\(reason))") }
        }
        for axis in grid.axes where fixedNames.contains(axis.option) {
            throw SweepError("\(axis.source): --\(axis.option) is also given as a fixed option")
        }
        func config(_ arguments: [String], _ what: String) throws -> ExperimentConfig {
            do {
                return try parser.config(arguments: arguments, testSets: grid.testSets, threads: threadsPerRun)
            } catch let error as SweepError {
                throw SweepError("\(what): \(error.message)")
            } catch {
                throw SweepError("\(what): \(String(describing: error).split(separator: "\n").first ?? "invalid")")
            }
        }
        let fixedWhat = grid.fixedArguments.isEmpty ? "train's defaults" : "the fixed options \(grid.fixedArguments.joined(separator: " "))"
        _ = try config(grid.fixedArguments, fixedWhat)
        var axisArguments: [[[String]]] = []
        for axis in grid.axes {
            var perValue: [[String]] = []
            for value in axis.values {
                let arguments = try parser.arguments(option: axis.option, value: value, source: axis.source)
                _ = try config(grid.fixedArguments + arguments, "\(axis.source): value \(value)")
                perValue.append(arguments)
            }
            axisArguments.append(perValue)
        }
        var runs: [SweepRunSpec] = []
        var names: [String: [String]] = [:]
        for point in grid.points {
            let values = zip(grid.axes, point).map { $0.values[$1] }
            let arguments = grid.fixedArguments + zip(axisArguments, point).flatMap { $0[$1] }
            let pointName = zip(grid.axes, values).map { "\($0.option)=\($1)" }.joined(separator: ",")
            let base = try config(arguments, pointName.isEmpty ? "the run" : "the point \(pointName)")
            for seed in grid.seeds {
                var runConfig = base
                runConfig.seed = seed
                let name = RunName.make(axes: grid.axes, values: values, seed: seed)
                if let other = names[name] {
                    throw SweepError("the values \(other.joined(separator: ",")) and \(values.joined(separator: ",")) give the same run folder name \(name)")
                }
                names[name] = values
                runs.append(SweepRunSpec(name: name, values: values, seed: seed, config: runConfig))
            }
        }
        self.grid = grid
        self.runs = runs
    }

    /// The long option names in `arguments` (`--epochs 10 --dales` gives epochs and dales).
    static func optionNames(in arguments: [String]) -> [String] {
        arguments.compactMap { argument in
            guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
            return String(argument.dropFirst(2).prefix { $0 != "=" })
        }
    }
}
