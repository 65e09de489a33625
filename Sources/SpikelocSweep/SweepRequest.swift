import Foundation

/// A grid as a command asks for it: an optional sweep file, `--set` entries, `--seeds`, and
/// `train` options given for every run; the command line wins over the file.
public struct SweepRequest: Sendable {
    /// The sweep file, if any.
    public var file: SweepFile?
    /// `--set NAME=V1,V2` entries, in order.
    public var setEntries: [String] = []
    /// `--seeds`, as written.
    public var seeds: String?
    /// `train` options for every run, as command-line arguments.
    public var fixedArguments: [String] = []
    /// `--test-sets`.
    public var testSets: Int?

    public init(file: SweepFile? = nil, setEntries: [String] = [], seeds: String? = nil, fixedArguments: [String] = [], testSets: Int? = nil) {
        self.file = file
        self.setEntries = setEntries
        self.seeds = seeds
        self.fixedArguments = fixedArguments
        self.testSets = testSets
    }

    /// Whether the request names a grid at all.
    public var isEmpty: Bool { file == nil && setEntries.isEmpty && seeds == nil && fixedArguments.isEmpty && testSets == nil }

    /// The grid: the file's options (less those the command line gives), then the command line's;
    /// the file's axes with each `--set` replacing the file's axis of its option or coming after
    /// them; `--seeds`, else the file's seeds, else seed 0. Throws a ``SweepError`` naming the
    /// entry (which train options exist is checked by ``SweepPlan``).
    public func grid(parser: TrainOptionParser) throws -> SweepGrid {
        var grid = SweepGrid()
        let commandLineNames = Set(SweepPlan.optionNames(in: fixedArguments))
        if let file {
            for (name, value) in file.options where !commandLineNames.contains(name) {
                if name == "seed" || name == "seeds" {
                    throw SweepError("options.\(name) in \(file.path): give the seeds as a top-level key, seeds = \"0-4\"")
                }
                if name == "test-sets" {
                    guard let count = Int(value) else { throw SweepError("options.test-sets in \(file.path): expected a whole number") }
                    grid.testSets = count
                    continue
                }
                grid.fixedArguments += try parser.arguments(option: name, value: value, source: "options.\(name) in \(file.path)")
            }
            grid.axes = file.axes
            if let seeds = file.seeds { grid.seeds = seeds }
            if let testSets = file.testSets { grid.testSets = testSets }
        }
        grid.fixedArguments += fixedArguments
        for entry in setEntries {
            let axis = try SweepAxis.parse(setEntry: entry)
            if let index = grid.axes.firstIndex(where: { $0.option == axis.option }), !grid.axes[index].source.hasPrefix("--set") {
                grid.axes[index] = axis
            } else {
                grid.axes.append(axis)
            }
        }
        if let seeds { grid.seeds = try SeedList.parse(seeds, source: "--seeds \(seeds)") }
        if let testSets { grid.testSets = testSets }
        return grid
    }
}
