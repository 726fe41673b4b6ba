// swift-tools-version: 6.0
import PackageDescription

/// Every Swift target is built in Swift 6 language mode with strict concurrency and
/// `ExistentialAny`; warnings are treated as a defect (CI builds with -warnings-as-errors).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "redirect-catcher",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "redirect-catcher", targets: ["redirect-catcher"]),
        // For the fuzz package in Fuzz/ (which depends on this one by path); nothing else uses it.
        .library(name: "RCFuzzable", targets: ["RCHTTP", "RCJSON", "RCOAuth", "RCDaemon"]),
    ],
    targets: [
        // Layer 1: C.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "CShim"),
        // Layer 2: system calls, sockets, poll, clocks, threads.
        .target(name: "RCSystem", dependencies: ["CShim"], swiftSettings: swiftSettings),
        // Layer 3: SHA-256, random bytes, TLS streams.
        .target(name: "RCCrypto", dependencies: ["COpenSSL", "RCSystem"], swiftSettings: swiftSettings),
        // Layer 4: pure HTTP/1.1 and JSON, no I/O.
        .target(name: "RCHTTP", swiftSettings: swiftSettings),
        .target(name: "RCJSON", swiftSettings: swiftSettings),
        // Layer 5: pure OAuth protocol.
        .target(name: "RCOAuth", dependencies: ["RCCrypto", "RCHTTP", "RCJSON"], swiftSettings: swiftSettings),
        // Layer 6: the daemon.
        .target(
            name: "RCDaemon",
            dependencies: ["RCSystem", "RCCrypto", "RCHTTP", "RCJSON", "RCOAuth"],
            swiftSettings: swiftSettings
        ),
        // The strict provider behind `redirect-catcher demo` and the end-to-end tests.
        .target(
            name: "RCTestProvider",
            dependencies: ["RCSystem", "RCCrypto", "RCHTTP", "RCJSON", "RCOAuth"],
            swiftSettings: swiftSettings
        ),
        // Layer 7: the executable, and its pure command line parser (a table of commands, from
        // which help, completion scripts and the man page are made too).
        .target(name: "RCCommandLine", swiftSettings: swiftSettings),
        .executableTarget(
            name: "redirect-catcher",
            dependencies: ["RCCommandLine", "RCDaemon", "RCTestProvider", "RCSystem", "RCCrypto", "RCHTTP", "RCJSON"],
            swiftSettings: swiftSettings
        ),
        // What several test targets share: a seeded PRNG, the umask lock, socket stand-ins.
        .target(name: "RCTestSupport", dependencies: ["RCSystem"], path: "Tests/RCTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "RCSystemTests", dependencies: ["RCSystem", "RCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RCCryptoTests", dependencies: ["RCCrypto"], swiftSettings: swiftSettings),
        .testTarget(name: "RCHTTPTests", dependencies: ["RCHTTP", "RCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RCJSONTests", dependencies: ["RCJSON", "RCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RCOAuthTests", dependencies: ["RCOAuth", "RCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "RCCommandLineTests", dependencies: ["RCCommandLine", "RCTestSupport"], swiftSettings: swiftSettings),
        // The real command table and what the executable does with a command line.
        .testTarget(name: "CommandLineTests", dependencies: ["redirect-catcher", "RCCommandLine", "RCDaemon"], swiftSettings: swiftSettings),
        .testTarget(name: "RCDaemonTests", dependencies: ["RCDaemon", "RCTestProvider", "RCTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["RCSystem", "RCCrypto", "RCHTTP", "RCJSON", "RCTestProvider"],
            swiftSettings: swiftSettings
        ),
    ]
)
