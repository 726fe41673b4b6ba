/// How much the daemon logs; ordered by severity, so `level >= .warning` reads naturally.
///
/// The names are syslog's (and so the journal's) priorities that a per-user daemon needs.
public enum LogLevel: String, Sendable, Comparable, CaseIterable {
    case debug, info, notice, warning, error

    private var severity: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .notice: 2
        case .warning: 3
        case .error: 4
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.severity < rhs.severity }
}
