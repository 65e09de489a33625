// swift-tools-version:6.0
import PackageDescription
import Foundation

/// Native code generation for the hot kernels: enabled only when the building machine is an
/// x86-64 CPU that reports AVX2 and FMA (read from /proc/cpuinfo), because the default x86-64
/// target has neither. Set SPIKELOC_PORTABLE=1 to build a binary that runs on any x86-64 CPU.
/// The kernels never fuse multiply-adds themselves, so results are the same either way.
func nativeFlags() -> [SwiftSetting] {
    #if arch(x86_64)
    if ProcessInfo.processInfo.environment["SPIKELOC_PORTABLE"] == "1" { return [] }
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    guard flags.isSuperset(of: ["avx2", "fma", "bmi1", "bmi2"]) else { return [] }
    return [.unsafeFlags(["-target-cpu", "haswell"])]
    #else
    return []
    #endif
}

let package = Package(
    name: "spikeloc",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "SpikingCore", targets: ["SpikingCore"]),
        .library(name: "SoundLocalization", targets: ["SoundLocalization"]),
        .library(name: "SVGPlot", targets: ["SVGPlot"]),
        .executable(name: "spikeloc", targets: ["spikeloc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "SpikingCore", swiftSettings: nativeFlags()),
        .target(name: "SoundLocalization", dependencies: ["SpikingCore"], swiftSettings: nativeFlags()),
        .target(name: "SVGPlot"),
        .target(name: "SpikelocOutput", dependencies: ["SpikingCore", "SoundLocalization", "SVGPlot"]),
        .executableTarget(
            name: "spikeloc",
            dependencies: [
                "SpikingCore", "SoundLocalization", "SpikelocOutput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "SpikingCoreTests", dependencies: ["SpikingCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SoundLocalizationTests", dependencies: ["SoundLocalization", "SpikingCore"]),
        .target(name: "XMLTestSupport", path: "Tests/XMLTestSupport"),
        .testTarget(name: "SVGPlotTests", dependencies: ["SVGPlot", "XMLTestSupport"]),
        .testTarget(
            name: "SpikelocOutputTests", dependencies: ["SpikelocOutput", "SoundLocalization", "SpikingCore", "SVGPlot", "XMLTestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "SpikelocCLITests", dependencies: ["SpikelocOutput", "SoundLocalization", "SpikingCore"]),
    ]
)
