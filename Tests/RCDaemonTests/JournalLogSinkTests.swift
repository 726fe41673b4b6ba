import Glibc
import RCSystem
import RCTestSupport
import Testing

@testable import RCDaemon

/// The native journal protocol, checked against a stand-in journal socket the test binds: the
/// bytes that arrive are exactly what journald would parse.
@Suite struct JournalLogSinkTests {
    /// One datagram as bytes (the binary form is not UTF-8), or nil after a second.
    static func receiveBytes(_ receiver: DatagramReceiver) -> [UInt8]? {
        var pfd = pollfd(fd: receiver.fd.rawValue, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 1000) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(receiver.fd.rawValue, &buffer, buffer.count, 0)
        return n < 0 ? nil : Array(buffer.prefix(n))
    }

    /// A stand-in journal at a fresh path, the sink pointed at it, and a memory fallback.
    static func standIn(_ body: (DatagramReceiver, JournalLogSink, MemoryLogSink) throws -> Void) throws {
        let base = makeTemporaryDirectory()
        defer { removeTree(base) }
        let receiver = try DatagramReceiver(path: base + "/socket")
        let fallback = MemoryLogSink()
        try body(receiver, JournalLogSink(socketPath: base + "/socket", fallback: fallback), fallback)
    }

    @Test func aLoggedEventArrivesWithExactlyItsFields() throws {
        try Self.standIn { receiver, sink, fallback in
            let logger = Logger(minimumLevel: .debug, sink: sink)
            logger.error(
                "refresh_failed", "account dynamics: the provider refused the refresh token", account: "dynamics",
                ["ERROR_CODE": "invalid_grant", "CORRELATION_ID": "c0ffee", "HTTP_STATUS": "400"])
            let expected = """
                PRIORITY=3
                SYSLOG_IDENTIFIER=redirect-catcher
                MESSAGE=account dynamics: the provider refused the refresh token
                EVENT=refresh_failed
                ACCOUNT=dynamics
                CORRELATION_ID=c0ffee
                ERROR_CODE=invalid_grant
                HTTP_STATUS=400

                """
            #expect(Self.receiveBytes(receiver) == Array(expected.utf8))
            #expect(fallback.events.isEmpty)
        }
    }

    /// token_served and the other debug events carry priority 7, so `journalctl -p info`
    /// hides them even when the log level lets them through.
    @Test(arguments: LogLevel.allCases)
    func everyLevelIsItsPriority(_ level: LogLevel) throws {
        try Self.standIn { receiver, sink, _ in
            Logger(minimumLevel: .debug, sink: sink).log(level, "token_served", "served", account: "a")
            let text = Self.receiveBytes(receiver).map { String(decoding: $0, as: UTF8.self) }
            #expect(text == "PRIORITY=\(level.priority)\nSYSLOG_IDENTIFIER=redirect-catcher\nMESSAGE=served\nEVENT=token_served\nACCOUNT=a\n")
        }
    }

    @Test func aValueWithANewlineIsSentInTheBinaryForm() throws {
        try Self.standIn { receiver, sink, _ in
            sink.write(LogEvent(level: .info, event: "x", message: "two\nlines", fields: ["DETAIL": "a\n"]))
            var expected = Array("PRIORITY=6\nSYSLOG_IDENTIFIER=redirect-catcher\nMESSAGE\n".utf8)
            expected += [9, 0, 0, 0, 0, 0, 0, 0] + Array("two\nlines\n".utf8)
            expected += Array("EVENT=x\nDETAIL\n".utf8) + [2, 0, 0, 0, 0, 0, 0, 0] + Array("a\n\n".utf8)
            #expect(Self.receiveBytes(receiver) == expected)
        }
    }

    @Test func fieldsJournaldWouldRejectOrThatReplaceOursAreLeftOut() {
        let event = LogEvent(
            level: .warning, event: "e", message: "m",
            fields: [
                "EVENT": "forged", "lower": "1", "_PID": "1", "9LIVES": "1", "WITH-DASH": "1", "PRIORITY": "0",
                "MESSAGE": "forged", "SYSLOG_IDENTIFIER": "sshd", "": "1", String(repeating: "A", count: 65): "1",
                String(repeating: "B", count: 64): "kept", "OK_2": "kept",
            ])
        let text = String(decoding: JournalLogSink.entry(for: event), as: UTF8.self)
        #expect(text == "PRIORITY=4\nSYSLOG_IDENTIFIER=redirect-catcher\nMESSAGE=m\nEVENT=e\n\(String(repeating: "B", count: 64))=kept\nOK_2=kept\n")
    }

    @Test func withoutAJournalTheEventGoesToTheFallback() {
        let fallback = MemoryLogSink()
        let event = LogEvent(level: .notice, event: "signin_needed", message: "open it", fields: ["EVENT": "signin_needed"])
        JournalLogSink(socketPath: "/nonexistent/journal/socket", fallback: fallback).write(event)
        #expect(fallback.events == [event])
    }

    /// A datagram larger than the socket's send buffer fails with EMSGSIZE; the event must not
    /// vanish with it.
    @Test func anEntryTooLargeForADatagramGoesToTheFallback() throws {
        try Self.standIn { receiver, sink, fallback in
            let event = LogEvent(level: .info, event: "big", message: String(repeating: "x", count: 4 << 20), fields: [:])
            sink.write(event)
            #expect(fallback.events == [event])
            sink.write(LogEvent(level: .info, event: "small", message: "after", fields: ["EVENT": "small"]))
            let text = Self.receiveBytes(receiver).map { String(decoding: $0, as: UTF8.self) }
            #expect(text == "PRIORITY=6\nSYSLOG_IDENTIFIER=redirect-catcher\nMESSAGE=after\nEVENT=small\n")
        }
    }

    @Test func journalStreamMustNameTheDescriptorItself() {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        var info = stat()
        #expect(fstat(ends[1], &info) == 0)
        let value = "\(info.st_dev):\(info.st_ino)"
        #expect(JournalLogSink.isJournalStream(value, descriptor: ends[1]))
        var other: [Int32] = [0, 0]
        #expect(pipe(&other) == 0)
        defer {
            close(other[0])
            close(other[1])
        }
        #expect(!JournalLogSink.isJournalStream(value, descriptor: other[1]))
        for malformed in [nil, "", ":", "\(info.st_dev)", "\(info.st_dev):\(info.st_ino):0", "x:\(info.st_ino)", "\(info.st_dev): \(info.st_ino)"] {
            #expect(!JournalLogSink.isJournalStream(malformed, descriptor: ends[1]))
        }
        #expect(!JournalLogSink.isJournalStream(value, descriptor: -1))
    }

    @Test func theDaemonUsesTheJournalOnlyWhenStderrIsTheJournalStream() {
        var info = stat()
        #expect(fstat(2, &info) == 0)
        #expect(JournalLogSink.sink(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino)"]) is JournalLogSink)
        #expect(JournalLogSink.sink(environment: ["JOURNAL_STREAM": "\(info.st_dev):\(info.st_ino &+ 1)"]) is StderrLogSink)
        #expect(JournalLogSink.sink(environment: [:]) is StderrLogSink)
    }
}
