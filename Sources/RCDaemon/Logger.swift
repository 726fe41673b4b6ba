import Glibc
import RCSystem
import Synchronization

/// One thing that happened, as the journal should record it: a priority, an event name
/// (`signin_needed`, `signed_in`, `refreshed`, ...), a line for people, and fields such as
/// `ACCOUNT` and `ERROR_CODE`. Never a secret: callers pass summaries, not tokens.
public struct LogEvent: Sendable, Equatable {
    public let level: LogLevel
    public let event: String
    public let message: String
    public let fields: [String: String]
}

/// Where log events go.
public protocol LogSink: Sendable {
    func write(_ event: LogEvent)
}

/// The daemon's logger: filters by level, strips control characters (so provider text
/// cannot forge log lines), and hands events to its sink. Safe to use from any thread.
public struct Logger: Sendable {
    public let sink: any LogSink
    /// Shared by every copy of this logger (accounts, listeners and threads each hold one), so
    /// that a new level from a reload reaches all of them at once.
    private let level: LevelSetting

    public init(minimumLevel: LogLevel = .info, sink: any LogSink = StderrLogSink()) {
        self.level = LevelSetting(minimumLevel)
        self.sink = sink
    }

    /// The least important level that is logged.
    public var minimumLevel: LogLevel { level.value }

    /// Changes the level for this logger and every copy of it (a reload's `log_level`).
    public func setMinimumLevel(_ new: LogLevel) { level.value = new }

    public func log(_ level: LogLevel, _ event: String, _ message: String, account: String? = nil, _ fields: [String: String] = [:]) {
        guard level >= minimumLevel else { return }
        var all = fields.mapValues(Logger.sanitize)
        all["EVENT"] = event
        if let account { all["ACCOUNT"] = account }
        sink.write(LogEvent(level: level, event: event, message: Logger.sanitize(message), fields: all))
    }

    public func debug(_ event: String, _ message: String, account: String? = nil, _ fields: [String: String] = [:]) {
        log(.debug, event, message, account: account, fields)
    }
    public func info(_ event: String, _ message: String, account: String? = nil, _ fields: [String: String] = [:]) {
        log(.info, event, message, account: account, fields)
    }
    public func notice(_ event: String, _ message: String, account: String? = nil, _ fields: [String: String] = [:]) {
        log(.notice, event, message, account: account, fields)
    }
    public func warning(_ event: String, _ message: String, account: String? = nil, _ fields: [String: String] = [:]) {
        log(.warning, event, message, account: account, fields)
    }
    public func error(_ event: String, _ message: String, account: String? = nil, _ fields: [String: String] = [:]) {
        log(.error, event, message, account: account, fields)
    }

    /// Replaces control characters (including CR and LF) with spaces: one event, one line.
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }
}

/// Writes one line per event to stderr. When stderr is the journal (`JOURNAL_STREAM` matches) or
/// is not a terminal, each line starts with `<N>`, the journal priority, which systemd's
/// stderr-to-journal stream understands (sd-daemon(3)); in a terminal, where a person reads
/// it, warnings and errors say so in words instead.
public struct StderrLogSink: LogSink {
    public let priorityPrefixes: Bool

    public init(priorityPrefixes: Bool? = nil) {
        self.priorityPrefixes =
            priorityPrefixes
            ?? (JournalLogSink.isJournalStream(getenv("JOURNAL_STREAM").map { String(cString: $0) }) || isatty(2) == 0)
    }

    /// The line for `event`, newline included.
    public func line(for event: LogEvent) -> String {
        if priorityPrefixes { return "<\(event.level.priority)>\(event.message)\n" }
        switch event.level {
        case .warning, .error: return "\(event.level.rawValue): \(event.message)\n"
        case .debug, .info, .notice: return event.message + "\n"
        }
    }

    public func write(_ event: LogEvent) {
        var line = Array(line(for: event).utf8)
        // One write(2) per line keeps lines whole when several threads log.
        line.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = retryingEINTR { Glibc.write(2, raw.baseAddress.map { $0 + offset }, raw.count - offset) }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// Keeps events in memory, for tests that assert on what was logged and that no secret was.
public final class MemoryLogSink: LogSink {
    private let storage = Locked<[LogEvent]>([])

    public init() {}

    public func write(_ event: LogEvent) {
        storage.withLock { $0.append(event) }
    }

    public var events: [LogEvent] { storage.withLock { $0 } }
}

/// A log level that any thread may read and change: one atomic load per log call, since a
/// debug line is considered for every token fetch.
private final class LevelSetting: Sendable {
    private let index: Atomic<Int>

    init(_ level: LogLevel) { index = Atomic(Self.index(of: level)) }

    private static let levels = LogLevel.allCases

    var value: LogLevel {
        get { Self.levels[index.load(ordering: .relaxed)] }
        set { index.store(Self.index(of: newValue), ordering: .relaxed) }
    }

    private static func index(of level: LogLevel) -> Int {
        levels.firstIndex(of: level) ?? 0
    }
}
