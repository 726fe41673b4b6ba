import RCSystem

/// A warning that anyone on the machine can trigger at will (a forged callback, a wrong
/// `Host`), logged at most once per interval so that another local process cannot flood the
/// journal, with the number of lines it held back said when the interval ends.
///
/// Only the log is limited: every request is still answered and nothing else changes.
final class RateLimitedLog {
    private let scheduler: any Scheduler
    private let logger: Logger
    private let event: String
    private let intervalSeconds: Double
    private var lastLogged: Instant?
    private var suppressed = 0
    private var summaryTimer: EventLoop.TimerID?

    init(event: String, intervalSeconds: Double = 1, scheduler: any Scheduler, logger: Logger) {
        self.event = event
        self.intervalSeconds = intervalSeconds
        self.scheduler = scheduler
        self.logger = logger
    }

    /// Logs `message` as a warning now, or counts it for the summary at the end of the interval.
    func warning(_ message: String, _ fields: [String: String] = [:]) {
        // A summary that is due but whose timer has not run yet (the loop served this request
        // first) goes out now, and this message counts towards the next one: one line per interval.
        if suppressed > 0, let lastLogged, scheduler.now.seconds(since: lastLogged) >= intervalSeconds { summarize() }
        if let lastLogged, scheduler.now.seconds(since: lastLogged) < intervalSeconds {
            suppressed += 1
            if summaryTimer == nil {
                summaryTimer = scheduler.schedule(at: lastLogged.adding(seconds: intervalSeconds)) { [weak self] in
                    self?.summarize()
                }
            }
            return
        }
        lastLogged = scheduler.now
        logger.warning(event, message, fields)
    }

    private func summarize() {
        if let summaryTimer { scheduler.cancel(summaryTimer) }
        summaryTimer = nil
        guard suppressed > 0 else { return }
        let count = suppressed
        suppressed = 0
        // The summary starts the next interval, so a steady flood logs one line of each kind per interval.
        lastLogged = scheduler.now
        logger.warning(
            event, "\(count) more like the last were not logged in the last \(Self.format(intervalSeconds)) s",
            ["SUPPRESSED": String(count)])
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
