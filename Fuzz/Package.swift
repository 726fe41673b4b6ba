// swift-tools-version: 6.0
import PackageDescription

/// libFuzzer targets for the parsers that read hostile bytes. A package of its own so that
/// the main build never sees the fuzzer flags:
///
///     swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
///
/// `scripts/fuzz` builds and runs them.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// A path dependency is known by its directory's name, which is whatever the clone is called.
let rootDirectory = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "redirect-catcher"
let libraries: [Target.Dependency] = ["FuzzDriver", .product(name: "RCFuzzable", package: rootDirectory)]

let package = Package(
    name: "redirect-catcher-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(name: "fuzz-http-request", dependencies: libraries, swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-form", dependencies: libraries, swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-token-response", dependencies: libraries, swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-config", dependencies: libraries, swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-device-authorization", dependencies: libraries, swiftSettings: swiftSettings),
        .executableTarget(name: "fuzz-state", dependencies: libraries, swiftSettings: swiftSettings),
    ]
)
