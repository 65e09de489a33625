// swift-tools-version:6.1
import PackageDescription
import Foundation

/// Native code generation for the hot kernels, because the default x86-64 target has no AVX and
/// the SIMD kernels run much slower without: `-target-cpu skylake-avx512` where the CPU has
/// AVX-512 (F, BW, DQ, VL: the kernels' 16-lane vectors become single registers), else
/// `-target-cpu haswell` (AVX2, FMA, BMI). Enabled only when all of these hold:
/// - the building machine is an x86-64 CPU whose /proc/cpuinfo reports avx2, fma, bmi1 and bmi2;
/// - SPIKELOC_PORTABLE is not 1 (set it to build a binary that runs on any x86-64 CPU);
///   SPIKELOC_TARGET_CPU=haswell (or skylake-avx512) chooses the target instead of the building
///   machine's flags, e.g. to build on an AVX-512 machine for AVX2-only cluster nodes;
/// - spikeloc is not being loaded as a versioned dependency of another package (see
///   `isDependencyCheckout`). SwiftPM refuses a versioned dependency on a package whose products
///   use unsafe flags, even ones behind a build-setting condition or a package trait, so a
///   dependent gets the portable build; it can ask for native code with
///   `-Xswiftc -target-cpu -Xswiftc haswell` on its own command line (README, "Use as a library").
/// The kernels never fuse multiply-adds themselves, so results are the same either way.
/// The same conditions define `SPIKELOC_AVX2` (and `SPIKELOC_AVX512`), under which the stimulus
/// kernel uses AVX2 (AVX-512) intrinsics, byte compares and their bit masks, beside the portable
/// SIMD code it is tested against.
func nativeFlags() -> [SwiftSetting] {
    #if arch(x86_64)
    if ProcessInfo.processInfo.environment["SPIKELOC_PORTABLE"] == "1" { return [] }
    if isDependencyCheckout() { return [] }
    let avx2: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"]), .define("SPIKELOC_AVX2")]
    let avx512: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"]), .define("SPIKELOC_AVX2"), .define("SPIKELOC_AVX512")]
    switch ProcessInfo.processInfo.environment["SPIKELOC_TARGET_CPU"] {
    case nil, "": break
    case "haswell": return avx2
    case "skylake-avx512": return avx512
    case let other?: fatalError("SPIKELOC_TARGET_CPU=\(other): use haswell or skylake-avx512 (or SPIKELOC_PORTABLE=1)")
    }
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    guard flags.isSuperset(of: ["avx2", "fma", "bmi1", "bmi2"]) else { return [] }
    return flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) ? avx512 : avx2
    #else
    return []
    #endif
}

/// Whether this manifest is being read as another package's source-control or registry
/// dependency rather than as the package being built (the root) or a local `path:` dependency.
/// SwiftPM evaluates a dependency's manifest with `Context.packageDirectory` set to "/" (while
/// resolving versions, straight from the repository) and then to its checkout,
/// `<scratch>/checkouts/<name>` (Xcode: `SourcePackages/checkouts/<name>`), or for a registry
/// package `<scratch>/registry/downloads/<scope>/<name>/<version>`. Unsafe flags are allowed for
/// the root and for `path:` dependencies, refused for the others.
func isDependencyCheckout() -> Bool {
    let parts = URL(fileURLWithPath: Context.packageDirectory).standardizedFileURL.pathComponents
    guard parts.count >= 2 else { return true }
    if parts[parts.count - 2] == "checkouts" { return true }
    if let i = parts.firstIndex(of: "registry"), i + 1 < parts.count, parts[i + 1] == "downloads" { return true }
    return false
}

/// NIR (Neuromorphic Intermediate Representation) files are HDF5, read and written with the C
/// library libhdf5 (Debian: `apt-get install libhdf5-dev`). That part is behind the package trait
/// `NIR`, off by default, so that `swift build` and `swift test` need nothing but Swift:
/// `swift build -c release --traits NIR` (and `swift test -c release --traits NIR`) turn it on.
/// Without the trait the `SpikelocNIRHDF5` module and its tests compile to nothing (their sources
/// are wrapped in `#if NIR`) and nothing links libhdf5; `spikeloc export` and `import` then say
/// how to enable it. The conversion between networks and NIR graphs (`SpikelocNIR`) is plain
/// Swift and always built and tested.
let nirTrait = "NIR"

let package = Package(
    name: "spikeloc",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SpikingCore", targets: ["SpikingCore"]),
        .library(name: "SoundLocalization", targets: ["SoundLocalization"]),
        .library(name: "SVGPlot", targets: ["SVGPlot"]),
        .library(name: "Safetensors", targets: ["Safetensors"]),
        .library(name: "SpikelocOutput", targets: ["SpikelocOutput"]),
        .library(name: "SpikelocNIR", targets: ["SpikelocNIR"]),
        // NIRFile (HDF5); empty unless the dependent enables the trait: .package(..., traits: ["NIR"]).
        .library(name: "SpikelocNIRHDF5", targets: ["SpikelocNIRHDF5"]),
        .executable(name: "spikeloc", targets: ["spikeloc"]),
    ],
    traits: [
        .trait(name: nirTrait, description: "NIR export and import (spikeloc export/import); needs libhdf5 (apt-get install libhdf5-dev)"),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target SpikingCore` (README, "Use as a library").
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `spikeloc sweep FILE.toml` (README, "Sweeps").
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .target(name: "SpikingCore", swiftSettings: nativeFlags()),
        .target(name: "SoundLocalization", dependencies: ["SpikingCore"], swiftSettings: nativeFlags()),
        .target(name: "SVGPlot"),
        .target(name: "Safetensors"),
        .target(name: "SpikelocOutput", dependencies: ["SpikingCore", "SoundLocalization", "SVGPlot", "Safetensors"]),
        .target(
            name: "SpikelocSweep",
            dependencies: ["SoundLocalization", "SpikelocOutput", "SVGPlot", .product(name: "TOMLKit", package: "TOMLKit")]),
        .target(name: "SpikelocNIR", dependencies: ["SpikingCore", "SoundLocalization", "SpikelocOutput"]),
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .target(
            name: "SpikelocNIRHDF5",
            dependencies: ["SpikelocNIR", .target(name: "CHDF5", condition: .when(traits: [nirTrait]))]),
        .executableTarget(
            name: "spikeloc",
            dependencies: [
                "SpikingCore", "SoundLocalization", "SpikelocOutput", "SpikelocSweep", "SpikelocNIR",
                .target(name: "SpikelocNIRHDF5", condition: .when(traits: [nirTrait])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The Swift half of scripts/nir-roundtrip.sh (trains a standard-LIF model, dumps spikes and
        // spikeloc's decisions for the Python simulators); not a product.
        .executableTarget(
            name: "spikeloc-nir-check",
            dependencies: ["SpikingCore", "SoundLocalization", "SpikelocOutput", "SpikelocNIR",
                           .target(name: "SpikelocNIRHDF5", condition: .when(traits: [nirTrait]))],
            path: "Sources/NIRCheck"),
        .testTarget(name: "SpikingCoreTests", dependencies: ["SpikingCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SoundLocalizationTests", dependencies: ["SoundLocalization", "SpikingCore"]),
        .target(name: "XMLTestSupport", path: "Tests/XMLTestSupport"),
        .testTarget(name: "SVGPlotTests", dependencies: ["SVGPlot", "XMLTestSupport"]),
        .testTarget(
            name: "SpikelocOutputTests", dependencies: ["SpikelocOutput", "SoundLocalization", "SpikingCore", "SVGPlot", "XMLTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "SpikelocCLITests", dependencies: ["SpikelocOutput", "SoundLocalization", "SpikingCore"]),
        .testTarget(name: "SpikelocSweepTests", dependencies: ["SpikelocSweep", "SpikelocOutput", "SoundLocalization", "XMLTestSupport"]),
        .testTarget(name: "SpikelocNIRTests", dependencies: ["SpikelocNIR", "SpikelocOutput", "SoundLocalization", "SpikingCore"]),
        .testTarget(
            name: "SpikelocNIRHDF5Tests",
            dependencies: ["SpikelocNIR", "SpikelocOutput", "SoundLocalization", "SpikingCore",
                           .target(name: "SpikelocNIRHDF5", condition: .when(traits: [nirTrait]))],
            resources: [.copy("Fixtures")]),
    ]
)
