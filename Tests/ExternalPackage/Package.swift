// swift-tools-version:6.0
// A package that uses spikeloc the way another project would: by version, through its products.
// scripts/external-package-test.sh runs it against a tagged clone of this repository (SPIKELOC_URL);
// without SPIKELOC_URL it depends on the enclosing repository, which then needs a tag 0.1.0 or later.
import Foundation
import PackageDescription

let spikelocURL = ProcessInfo.processInfo.environment["SPIKELOC_URL"]
    ?? URL(fileURLWithPath: Context.packageDirectory).appendingPathComponent("../..").standardizedFileURL.absoluteString

let package = Package(
    name: "spikeloc-external-test",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: spikelocURL, from: "0.1.0"),
    ],
    targets: [
        .executableTarget(
            name: "ExternalUse",
            dependencies: [
                .product(name: "SpikingCore", package: "spikeloc"),
                .product(name: "Safetensors", package: "spikeloc"),
            ]),
    ]
)
