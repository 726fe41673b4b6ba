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

    /// What bash offers for a command line whose last word is being completed; with
    /// `environment`, bash runs with exactly those variables (`env -i`).
    func bashCompletions(_ words: [String], script: String, environment: [String]? = nil) throws -> [String] {
        let quoted = words.map { "'" + $0 + "'" }.joined(separator: " ")
        let program = """
            source "$1" || exit 9
            COMP_WORDS=(\(quoted)); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()
            _redirect_catcher
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let bash = ["/bin/bash", "--norc", "-c", program, "bash", script]
        let result =
            if let environment { try Self.run("/usr/bin/env", ["-i"] + environment + bash) } else { try Self.run(bash[0], Array(bash.dropFirst())) }
        #expect(result.status == 0, "\(result.output)")
        return result.output.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesCommandsOptionsAndValues() throws {
        let script = try scriptFile(.bash)
        defer { try? FileManager.default.removeItem(atPath: script) }
        #expect(
            try bashCompletions(["redirect-catcher", ""], script: script) == [
                "run", "check-config", "status", "token", "signin", "refresh", "rejected", "git-credential", "kubectl-credential",
                "demo", "help", "--help", "--version",
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
        #expect(try bashCompletions(["redirect-catcher", "token", "--format", ""], script: script) == TokenFormat.allCases.map(\.rawValue))
        let directory = (script as NSString).deletingLastPathComponent + "/"
        let files = try bashCompletions(["redirect-catcher", "check-config", "--config", script], script: script)
        #expect(files == [script], "\(directory)")
    }

    /// The directory of the `redirect-catcher` that `swift build` put next to the test bundle:
    /// the completion scripts run it by name to list the accounts.
    static let binaryDirectory: String? = {
        for start in [URL(fileURLWithPath: CommandLine.arguments[0]), Bundle.main.bundleURL] {
            var directory = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("redirect-catcher").path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                    FileManager.default.isExecutableFile(atPath: candidate)
                {
                    return directory.path
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// A config home with `config.json` holding `text`; returned for XDG_CONFIG_HOME.
    static func configHome(_ text: String) throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("rc-names-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/redirect-catcher", withIntermediateDirectories: true)
        try text.write(toFile: home + "/redirect-catcher/config.json", atomically: true, encoding: .utf8)
        return home
    }

    static let namesConfig = """
        {"// a comment": 1, "accounts": {
          "work": {"client_id": "x", "tokens": {"graph": {"scopes": ["a"]}, "// note": {}}},
          "home": {"client_id": "y"}, "// off": {}, "bad name": {}}}
        """

    /// The environment for a shell that completes from `home`'s config with the built binary.
    static func shellEnvironment(_ home: String) throws -> [String] {
        let directory = try #require(binaryDirectory)
        return ["PATH=\(directory):/usr/bin:/bin", "XDG_CONFIG_HOME=\(home)", "HOME=\(home)"]
    }

    @Test(.enabled(if: binaryDirectory != nil)) func bashCompletesAccountNamesFromTheConfig() throws {
        let script = try scriptFile(.bash)
        let home = try Self.configHome(Self.namesConfig)
        defer {
            try? FileManager.default.removeItem(atPath: script)
            try? FileManager.default.removeItem(atPath: home)
        }
        func complete(_ words: [String]) throws -> [String] {
            try bashCompletions(words, script: script, environment: Self.shellEnvironment(home))
        }
        #expect(try complete(["redirect-catcher", "token", ""]) == ["work", "work.graph", "home"])
        #expect(try complete(["redirect-catcher", "refresh", "w"]) == ["work", "work.graph"])
        #expect(try complete(["redirect-catcher", "signin", ""]) == ["work", "home"])
        // Only the first argument; options still complete; status takes no name.
        #expect(try complete(["redirect-catcher", "token", "work", ""]) == [])
        #expect(try complete(["redirect-catcher", "token", "--"]) == ["--format", "--user", "--host", "--port", "--help", "--version"])
        #expect(try complete(["redirect-catcher", "status", ""]) == ["--json", "--help", "--version"])
        // A broken config completes nothing, and says nothing.
        try "{\"accounts\": {\"work\": ".write(toFile: home + "/redirect-catcher/config.json", atomically: true, encoding: .utf8)
        #expect(try complete(["redirect-catcher", "token", ""]) == [])
        try FileManager.default.removeItem(atPath: home + "/redirect-catcher/config.json")
        #expect(try complete(["redirect-catcher", "token", ""]) == [])
    }

    @Test(.enabled(if: binaryDirectory != nil && installed("fish") != nil)) func fishCompletesAccountNamesFromTheConfig() throws {
        let script = try scriptFile(.fish)
        let home = try Self.configHome(Self.namesConfig)
        defer {
            try? FileManager.default.removeItem(atPath: script)
            try? FileManager.default.removeItem(atPath: home)
        }
        let fish = try #require(Self.installed("fish"))
        func complete(_ line: String) throws -> [String] {
            let result = try Self.run(
                "/usr/bin/env", ["-i"] + Self.shellEnvironment(home) + [fish, "--no-config", "-c", "source $argv[1]; complete -C '\(line)'", script])
            #expect(result.status == 0, "\(result.output)")
            return result.output.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }
        }
        #expect(try complete("redirect-catcher token ").sorted() == ["home", "work", "work.graph"])
        #expect(try complete("redirect-catcher refresh work.").sorted() == ["work.graph"])
        #expect(try complete("redirect-catcher signin ").sorted() == ["home", "work"])
        #expect(try complete("redirect-catcher token work ") == [])
        try "not json".write(toFile: home + "/redirect-catcher/config.json", atomically: true, encoding: .utf8)
        #expect(try complete("redirect-catcher token ") == [])
    }

    @Test(.enabled(if: binaryDirectory != nil)) func completeNamesIsQuietOnAnyProblem() throws {
        let binary = try #require(Self.binaryDirectory) + "/redirect-catcher"
        let home = try Self.configHome(Self.namesConfig)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let path = home + "/redirect-catcher/config.json"
        #expect(try Self.run(binary, ["complete-names", "--config", path]) == (0, "work\nwork.graph\nhome\n"))
        #expect(try Self.run(binary, ["complete-names", "--accounts", "--config", path]) == (0, "work\nhome\n"))
        for broken in ["", "[]", "{\"accounts\": []}", "{\"accounts\": {\"a\": ", "\u{FF}"] {
            try broken.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try Self.run(binary, ["complete-names", "--config", path]) == (0, ""), "\(broken)")
        }
        #expect(try Self.run(binary, ["complete-names", "--config", home + "/missing.json"]) == (0, ""))
        #expect(try Self.run(binary, ["complete-names", "--config", home]) == (0, ""))
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
        // A header of its own, no Markdown, the config keys and where to read more.
        #expect(!text.output.contains("BSD") && text.output.contains("General Commands Manual"))
        #expect(!text.output.contains("`"))
        for heading in ["CONFIGURATION", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"] {
            #expect(text.output.contains("\n" + heading + "\n"), "\(heading)")
        }
        for expected in ["systemd.unit(5)", "journalctl(1)", "README.md", "HTTPS_PROXY", "NO_PROXY", "WATCHDOG_USEC", "LISTEN_FDS"] {
            #expect(flat.contains(expected), "\(expected)")
        }
    }

    /// Every key of the README's table of config keys is in the man page's CONFIGURATION list,
    /// and the other way round, so that neither can gain a key the other lacks.
    @Test func theManualListsTheREADMEsConfigKeys() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## The config file").dropFirst().first)
        var readmeKeys: Set<String> = []
        for line in section.components(separatedBy: "\n").prefix(while: { !$0.hasPrefix("## ") }) where line.hasPrefix("| `") {
            let cell = line.dropFirst(2).prefix { $0 != "|" }
            for key in cell.components(separatedBy: ",") {
                readmeKeys.insert(key.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`")))
            }
        }
        let manualKeys = Set(table.configuration.flatMap { $0.term.components(separatedBy: ", ") })
        #expect(!readmeKeys.isEmpty)
        #expect(readmeKeys == manualKeys)
    }
}

extension LogLevel {
    static var names: [String] { allCases.map(\.rawValue) }
}
