import Foundation
import RCCommandLine
import RCDaemon
import Testing

@testable import redirect_catcher

/// The completion scripts and the man page, tried in the programs that read them.
@Suite struct ShellCompletionTests {
    let table = RedirectCatcher.table

    /// Runs `program arguments` and returns its exit status and output (stdout and stderr).
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func installed(_ program: String) -> String? {
        ["/usr/bin/", "/bin/", "/usr/local/bin/"].map { $0 + program }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func scriptFile(_ shell: CompletionShell) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rc-completion-\(UUID().uuidString)").path
        try CompletionScript.render(table, shell: shell).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What bash offers for a command line whose last word is being completed.
    func bashCompletions(_ words: [String], script: String) throws -> [String] {
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let program = """
            source "$1" || exit 9
            COMP_WORDS=(\(quoted)); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
            _redirect_catcher
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try Self.run("/bin/bash", ["--norc", "-c", program, "bash", script])
        #expect(result.status == 0, "\(result.output)")
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesCommandsOptionsAndValues() throws {
        let script = try scriptFile(.bash)
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(
            try bashCompletions(["redirect-catcher", ""], script: script) == [
                "run", "check-config", "status", "token", "signin", "refresh", "demo", "help", "--help", "--version",
            ])
        #expect(try bashCompletions(["redirect-catcher", "ch"], script: script) == ["check-config"])
        #expect(try bashCompletions(["redirect-catcher", "help", "s"], script: script) == ["status", "signin"])
        #expect(
            try bashCompletions(["redirect-catcher", "run", "--"], script: script) == [
                "--config", "--log-level", "--help", "--version",
            ])
        #expect(try bashCompletions(["redirect-catcher", "run", "--log-level", ""], script: script) == LogLevel.names)
        #expect(try bashCompletions(["redirect-catcher", "run", "--log-level", "=", "w"], script: script) == ["warning"])
        #expect(try bashCompletions(["redirect-catcher", "run", "--log-level=n"], script: script) == ["--log-level=notice"])
        #expect(try bashCompletions(["redirect-catcher", "demo", "--w"], script: script) == ["--walkthrough"])
        #expect(try bashCompletions(["redirect-catcher", "demo", "--p"], script: script) == ["--port"])
        #expect(try bashCompletions(["redirect-catcher", "token", ""], script: script) == [])
        let directory = (script as NSString).deletingLastPathComponent + "/"
        let files = try bashCompletions(["redirect-catcher", "check-config", "--config", script], script: script)
        #expect(files == [script], "\(directory)")
    }

    @Test(.enabled(if: installed("zsh") != nil)) func zshReadsItsScript() throws {
        let script = try scriptFile(.zsh)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let result = try Self.run(try #require(Self.installed("zsh")), ["-n", script])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(.enabled(if: installed("fish") != nil)) func fishCompletes() throws {
        let script = try scriptFile(.fish)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let fish = try #require(Self.installed("fish"))
        func complete(_ line: String) throws -> [String] {
            let result = try Self.run(fish, ["--no-config", "-c", "source $argv[1]; complete -C '\(line)'", script])
            #expect(result.status == 0, "\(result.output)")
            return result.output.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }
        }
        #expect(try complete("redirect-catcher ch") == ["check-config"])
        #expect(try complete("redirect-catcher run --log-level ") == LogLevel.names.sorted())
        #expect(try complete("redirect-catcher status --j") == ["--json"])
    }

    @Test(.enabled(if: installed("groff") != nil)) func groffRendersTheManualWithoutWarnings() throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("rc-\(UUID().uuidString).1").path
        defer { try? FileManager.default.removeItem(atPath: page) }
        try ManualPage.render(table, date: try #require(ManualDate(iso: "2025-11-21"))).write(
            toFile: page, atomically: true, encoding: .utf8)
        let result = try Self.run(try #require(Self.installed("groff")), ["-mdoc", "-ww", "-z", "-Tutf8", page])
        #expect(result.status == 0 && result.output.isEmpty, "\(result.output)")
        // Plain text: no bold or underline by overstriking or escape sequences.
        let text = try Self.run(
            try #require(Self.installed("groff")), ["-mdoc", "-Tascii", "-P-c", "-P-b", "-P-o", "-P-u", page])
        let flat = text.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let missing = table.commands.flatMap(\.visibleOptions).map(\.spelling).filter { !flat.contains($0 + " ") }
        #expect(missing.isEmpty)
        #expect(flat.contains("redirect-catcher demo [--port port] [--token-lifetime token-lifetime] [--walkthrough]"))
        #expect(flat.contains("November 21, 2025"))
    }
}

extension LogLevel {
    static var names: [String] { allCases.map(\.rawValue) }
}
