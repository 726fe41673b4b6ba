import Glibc
import RCTestSupport
import Testing

@testable import RCDaemon

@Suite struct LoggerTests {
    @Test func levelsBelowTheMinimumAreDropped() {
        let sink = MemoryLogSink()
        let logger = Logger(minimumLevel: .notice, sink: sink)
        logger.debug("d", "debug")
        logger.info("i", "info")
        logger.notice("n", "notice")
        logger.warning("w", "warning")
        logger.error("e", "error")
        #expect(sink.events.map(\.event) == ["n", "w", "e"])
        #expect(sink.events.map(\.level) == [.notice, .warning, .error])
        let everything = MemoryLogSink()
        let all = Logger(minimumLevel: .debug, sink: everything)
        for level in LogLevel.allCases { all.log(level, level.rawValue, "x") }
        #expect(everything.events.count == LogLevel.allCases.count)
    }

    @Test func levelOrderAndPriorities() {
        #expect(LogLevel.allCases.sorted() == [.debug, .info, .notice, .warning, .error])
        #expect(LogLevel.allCases.map(\.priority) == [7, 6, 5, 4, 3])
    }

    @Test func eventsCarryTheirNameAccountAndSanitisedFields() {
        let sink = MemoryLogSink()
        let logger = Logger(minimumLevel: .debug, sink: sink)
        logger.warning("refresh_failed", "line one\nforged: line two", account: "work", ["ERROR_CODE": "x\r\ny", "EVENT": "spoof"])
        let event = sink.events[0]
        #expect(event.message == "line one forged: line two")
        #expect(event.fields == ["EVENT": "refresh_failed", "ACCOUNT": "work", "ERROR_CODE": "x  y"])
        logger.info("started", "no account")
        #expect(sink.events[1].fields == ["EVENT": "started"])
    }

    @Test(arguments: [
        ("plain text", "plain text"),
        ("a\r\nb", "a  b"),
        ("nul\0byte", "nul byte"),
        ("\u{1B}[31mred\u{1B}[0m", " [31mred [0m"),
        ("tab\there", "tab here"),
        ("del\u{7F}c1\u{85}", "del c1 "),
        ("ünïcødé ✓", "ünïcødé ✓"),
    ])
    func sanitize(_ input: String, _ expected: String) {
        #expect(Logger.sanitize(input) == expected)
    }

    /// The sink writes to fd 2; fd 2 is pointed at a pipe for the one write, and anything else
    /// that reached the pipe meanwhile (another test's output) is passed on to the real stderr.
    @Test func stderrSinkWritesJournalPriorityPrefixedLines() {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let saved = dup(2)
        fflush(nil)
        dup2(ends[1], 2)
        StderrLogSink().write(LogEvent(level: .warning, event: "x", message: "refresh failed ✓", fields: [:]))
        StderrLogSink().write(LogEvent(level: .error, event: "y", message: "second", fields: [:]))
        dup2(saved, 2)
        close(saved)
        close(ends[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(ends[0], &buffer, buffer.count)
            if n <= 0 { break }
            output += buffer.prefix(n)
        }
        close(ends[0])
        let text = String(decoding: output, as: UTF8.self)
        let mine = ["<4>refresh failed ✓\n", "<3>second\n"]
        var others = text
        for line in mine {
            #expect(text.contains(line))
            if let range = others.range(of: line) { others.removeSubrange(range) }
        }
        #expect(text.firstRange(of: mine[0])!.lowerBound < text.firstRange(of: mine[1])!.lowerBound)
        if !others.isEmpty { _ = others.withCString { write(2, $0, strlen($0)) } }
    }
}

@Suite struct SystemdNotifyTests {
    @Test func sendsNewlineSeparatedAssignmentsToAPathSocket() throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let path = base + "/notify"
        let receiver = try DatagramReceiver(path: path)
        let notify = SystemdNotify(environment: ["NOTIFY_SOCKET": path])
        #expect(notify.socketPath == path)
        notify.send("READY=1", "STATUS=x")
        #expect(receiver.receive() == "READY=1\nSTATUS=x")
        notify.send("STOPPING=1")
        #expect(receiver.receive() == "STOPPING=1")
    }

    @Test func sendsToAnAbstractSocket() throws {
        let name = "@rc-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let receiver = try DatagramReceiver(path: name)
        SystemdNotify(environment: ["NOTIFY_SOCKET": name]).send("READY=1", "STATUS=x")
        #expect(receiver.receive() == "READY=1\nSTATUS=x")
    }

    @Test func withoutTheVariableNothingHappens() {
        #expect(SystemdNotify(environment: [:]).socketPath == nil)
        #expect(SystemdNotify(environment: ["NOTIFY_SOCKET": ""]).socketPath == nil)
        SystemdNotify(environment: [:]).send("READY=1")
        // A socket that is gone is ignored, as sd_notify does.
        SystemdNotify(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"]).send("READY=1")
    }
}
