import Foundation

/// Finds the `redirect-catcher` executable that `swift build` put next to the test bundle
/// (`.build/debug/redirect-catcher`), so the tests run the real binary, not an in-process copy.
enum DaemonBinary {
    /// `REDIRECT_CATCHER_BINARY` overrides the search, for CI layouts that differ.
    static func path() throws -> String {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["REDIRECT_CATCHER_BINARY"] {
            guard fileManager.isExecutableFile(atPath: override) else {
                throw HarnessFailure("REDIRECT_CATCHER_BINARY=\(override) is not an executable file")
            }
            return override
        }
        var candidates: [URL] = []
        for start in [URL(fileURLWithPath: CommandLine.arguments[0]), Bundle.main.bundleURL, Bundle.main.executableURL].compactMap({ $0 }) {
            // The bundle may be `.build/debug/X.xctest` (a file on Linux) or a directory inside
            // it; walk up a few levels and look for a sibling executable.
            var directory = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("redirect-catcher"))
                directory = directory.deletingLastPathComponent()
            }
        }
        if let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0.path) && !isDirectory($0.path) }) {
            return found.path
        }
        let searched = Set(candidates.map { $0.deletingLastPathComponent().path }).sorted().joined(separator: ", ")
        throw HarnessFailure(
            "the redirect-catcher executable was not found next to the test bundle (searched \(searched)): run `swift build` first")
    }

    private static func isDirectory(_ path: String) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &flag) && flag.boolValue
    }
}
