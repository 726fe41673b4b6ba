import RCTestSupport
import Testing

@testable import RCCommandLine

/// Random command lines made of real words, near misses and junk: the parser never crashes,
/// and every line either parses into something the table allows or is one usage error line.
@Suite struct ParserFuzzTests {
    static let words = [
        "serve", "get", "help", "--config", "--config=", "--config=/x", "--level", "low", "high", "loud", "--level=high",
        "--port", "--port=80", "80", "-1", "65536", "abc", "--verbose", "--verbose=1", "--internal", "--json", "--help",
        "-h", "--version", "--", "-", "", "--generate-completion-script", "bash", "zsh", "ksh", "--generate-manual",
        "--date", "2024-02-29", "2023-02-29", "=", "--=", "---", "-x", "seve", "--jsn", "é", "--é=ü", "\u{0}", "a b",
    ]

    @Test func randomCommandLinesParseOrFailWithOneLine() {
        var random = SplitMix64(seed: 0xC0DE_0001)
        var parsed = 0
        var failed = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...6, using: &random)
            let arguments = (0..<count).map { _ in Self.argument(using: &random) }
            do {
                let outcome = try CommandLineParser.parse(arguments, table: Sample.table)
                parsed += 1
                if case .command(let invocation) = outcome { check(invocation, from: arguments) }
                if case .help(let command?) = outcome { #expect(Sample.table.command(named: command) != nil) }
            } catch {
                failed += 1
                let line = error.description
                #expect(line.hasPrefix("Error: ") && line.hasSuffix(" --help'."), "\(arguments): \(line)")
                #expect(!line.contains("\n") || arguments.contains { $0.contains("\n") }, "\(arguments)")
            }
        }
        // Both branches were exercised.
        #expect(parsed > 1000 && failed > 1000, "parsed \(parsed), failed \(failed)")
    }

    /// A word from the list, mutated now and then, or random characters.
    static func argument(using random: inout SplitMix64) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            let alphabet = Array("-=abc-/ \u{0}é\n0129")
            return String((0..<Int.random(in: 0...5, using: &random)).map { _ in alphabet.randomElement(using: &random) ?? "-" })
        case 1:
            var characters = Array(words.randomElement(using: &random) ?? "")
            if !characters.isEmpty { characters.remove(at: Int.random(in: 0..<characters.count, using: &random)) }
            return String(characters)
        default:
            return words.randomElement(using: &random) ?? ""
        }
    }

    /// What a parsed command must satisfy: a command of the table, every required argument
    /// present, every value acceptable to its option.
    func check(_ invocation: Invocation, from arguments: [String]) {
        guard let command = Sample.table.command(named: invocation.command) else {
            Issue.record("\(arguments): unknown command \(invocation.command)")
            return
        }
        for argument in command.arguments where !argument.isOptional {
            #expect(invocation.argument(argument.name) != nil, "\(arguments)")
        }
        for (name, value) in invocation.values {
            guard let option = command.options.first(where: { $0.name == name }), case .value(let spec) = option.kind else {
                Issue.record("\(arguments): value for \(name)")
                continue
            }
            #expect(spec.type.accepts(value), "\(arguments): \(name)=\(value)")
        }
        for flag in invocation.flags {
            #expect(command.options.contains { $0.name == flag && $0.kind == .flag }, "\(arguments): flag \(flag)")
        }
    }
}
