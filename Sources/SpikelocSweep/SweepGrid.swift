import Foundation
import SoundLocalization

/// An invalid sweep request or sweep folder: one line that names the entry at fault.
public struct SweepError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong, naming the entry (`--set tau-ms=2,x: ...`, `grid.tau-ms in tau.toml: ...`).
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// One swept `train` option and its values, as the user wrote them.
public struct SweepAxis: Codable, Equatable, Sendable {
    /// The option's long name without dashes (`tau-ms`).
    public var option: String
    /// Its values, in order, as text (`["2", "5", "10"]`).
    public var values: [String]
    /// Where it came from, for error messages (`--set tau-ms=2,5`); not saved.
    public var source: String

    public init(option: String, values: [String], source: String) {
        self.option = option
        self.values = values
        self.source = source
    }

    private enum CodingKeys: String, CodingKey { case option, values }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        option = try c.decode(String.self, forKey: .option)
        values = try c.decode([String].self, forKey: .values)
        source = "--set \(option)=\(values.joined(separator: ","))"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(option, forKey: .option)
        try c.encode(values, forKey: .values)
    }

    public static func == (a: SweepAxis, b: SweepAxis) -> Bool { a.option == b.option && a.values == b.values }

    /// An axis from a command-line entry `NAME=V1,V2,...` (`--set tau-ms=2,5,10`); the name may
    /// start with `--`. Throws a ``SweepError`` naming the entry for a missing `=`, an empty name,
    /// an empty list or value, or a value given twice.
    public static func parse(setEntry entry: String) throws -> SweepAxis {
        let source = "--set \(entry)"
        guard let equals = entry.firstIndex(of: "=") else {
            throw SweepError("\(source): expected NAME=VALUE[,VALUE...], e.g. --set tau-ms=2,5,10")
        }
        var name = String(entry[..<equals]).trimmingCharacters(in: .whitespaces)
        if name.hasPrefix("--") { name.removeFirst(2) }
        let list = String(entry[entry.index(after: equals)...])
        let values = list.isEmpty ? [] : list.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let axis = SweepAxis(option: name, values: values, source: source)
        try axis.check()
        return axis
    }

    /// Checks the name and the values (not whether `train` accepts them: see ``SweepPlan``).
    public func check() throws {
        guard !option.isEmpty else { throw SweepError("\(source): the option name is empty") }
        guard option.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw SweepError("\(source): '\(option)' is not an option name")
        }
        guard !values.isEmpty else { throw SweepError("\(source): the list of values is empty") }
        if values.contains(where: \.isEmpty) { throw SweepError("\(source): a value is empty") }
        var seen = Set<String>()
        for value in values where !seen.insert(value).inserted {
            throw SweepError("\(source): the value \(value) is given twice")
        }
    }
}

/// Seed lists as the command line and sweep files write them: `0-4`, `0,2,7`, `0-4,10-12`.
public enum SeedList {
    /// The seeds of `text`, in order; throws a ``SweepError`` (quoting `source`) for anything that
    /// is not a non-negative whole number or an ascending range, for an empty list and for a seed
    /// given twice.
    public static func parse(_ text: String, source: String) throws -> [UInt64] {
        var seeds: [UInt64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            let bounds = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let first = UInt64(bounds[0]), let last = bounds.count == 2 ? UInt64(bounds[1]) : first else {
                throw SweepError("\(source): '\(item)' is not a seed or a range of seeds (e.g. 0-4)")
            }
            guard first <= last else { throw SweepError("\(source): the range \(item) is empty") }
            guard last - first < 1_000_000 else { throw SweepError("\(source): the range \(item) has more than 10^6 seeds") }
            seeds += Array(first ... last)
        }
        try check(seeds, source: source)
        return seeds
    }

    /// Checks that `seeds` is not empty and has no seed twice.
    public static func check(_ seeds: [UInt64], source: String) throws {
        guard !seeds.isEmpty else { throw SweepError("\(source): the list of seeds is empty") }
        var seen = Set<UInt64>()
        for seed in seeds where !seen.insert(seed).inserted {
            throw SweepError("\(source): seed \(seed) is given twice")
        }
    }

    /// `seeds` written back compactly (`0-4,7`).
    public static func text(_ seeds: [UInt64]) -> String {
        var parts: [String] = []
        var index = 0
        while index < seeds.count {
            var end = index
            while end + 1 < seeds.count, seeds[end + 1] == seeds[end] + 1 { end += 1 }
            parts.append(end > index + 1 ? "\(seeds[index])-\(seeds[end])" : (index ... end).map { "\(seeds[$0])" }.joined(separator: ","))
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}

/// What a sweep runs: `train` options common to every run, the swept options, and the seeds.
/// Every combination of the axes' values is a point, and every point runs once per seed.
public struct SweepGrid: Codable, Equatable, Sendable {
    /// `train` options for every run, as command-line arguments (`["--epochs", "10", "--dales"]`).
    public var fixedArguments: [String]
    /// The swept options, outermost first.
    public var axes: [SweepAxis]
    /// The seeds; each point runs once per seed.
    public var seeds: [UInt64]
    /// Test sets every run evaluates after training (`train --test-sets`).
    public var testSets: Int

    public init(fixedArguments: [String] = [], axes: [SweepAxis] = [], seeds: [UInt64] = [0], testSets: Int = 1) {
        self.fixedArguments = fixedArguments
        self.axes = axes
        self.seeds = seeds
        self.testSets = testSets
    }

    /// Number of runs: the product of the axes' lengths times the seeds.
    public var runCount: Int { axes.reduce(seeds.count) { $0 * $1.values.count } }

    /// Every combination of the axes' values (indices into each axis's values), first axis
    /// outermost.
    public var points: [[Int]] {
        axes.reduce([[]]) { partial, axis in partial.flatMap { prefix in axis.values.indices.map { prefix + [$0] } } }
    }

    /// Whether two axes share an option; throws naming the second.
    func checkAxes() throws {
        var seen = Set<String>()
        for axis in axes where !seen.insert(axis.option).inserted {
            throw SweepError("\(axis.source): \(axis.option) is swept twice")
        }
    }
}

/// Names of run folders: `tau-ms=2,readout=sum,seed=0`, readable and safe in a path.
public enum RunName {
    /// The folder name of the run with `values` of `axes` and `seed`.
    public static func make(axes: [SweepAxis], values: [String], seed: UInt64) -> String {
        let parts = zip(axes, values).map { "\($0.option)=\(safe($1))" } + ["seed=\(seed)"]
        let name = parts.joined(separator: ",")
        guard name.utf8.count > 200 else { return name }
        // too long for some file systems: a readable start and a hash of the whole name
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(decoding: Array(name.utf8.prefix(160)), as: UTF8.self).filter { $0 != "\u{FFFD}" }
            + "-" + String(hash, radix: 16)
    }

    /// `value` with every character that is awkward in a path replaced by `_`.
    static func safe(_ value: String) -> String {
        String(value.map { c in c.isLetter || c.isNumber || "+-._".contains(c) ? c : "_" })
    }
}
