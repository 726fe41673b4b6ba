import RCSystem

/// Runs the person's `notify_command` when an account needs them (a sign-in, or a permanent
/// error only they can fix), so that `notify-send` or a mail tells them without a look at
/// the journal.
///
/// The command runs on a thread of its own (spawn, wait, kill after the time limit), never on
/// the event loop. A command that hangs or a provider that flaps cannot pile up processes: at
/// most one run per account at a time, and at most one per account and event within
/// `minimumInterval` of the same episode. An episode is what the account was told between
/// two tokens: once it gets a token again, the next problem is news and runs at once.
final class NotifyHook: Sendable {
    /// What happened, as the command sees it in its environment.
    struct Notice: Sendable, Equatable {
        let account: String
        /// `signin_needed`, `signin_due` or `refresh_failed`.
        let event: String
        let signInURL: String
        /// One line for a person, the same words as the journal's.
        let message: String
        /// Changes whenever the account receives a token (`Account.generation`).
        let episode: Int
    }

    /// The daemon's variables a desktop notifier or mailer needs to reach the person's session.
    static let passedVariables = ["PATH", "HOME", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "XDG_RUNTIME_DIR"]

    private struct State {
        var running: Set<String> = []
        var lastRun: [String: (at: Instant, episode: Int)] = [:]
    }

    let command: [String]
    private let baseEnvironment: [String]
    private let logger: Logger
    private let timeoutSeconds: Double
    private let killGraceSeconds: Double
    private let minimumInterval: Double
    private let clock: @Sendable () -> Instant
    private let state = Locked(State())

    init(
        command: [String], environment: [String: String], logger: Logger, timeoutSeconds: Double = 10,
        killGraceSeconds: Double = 2, minimumInterval: Double = 60, clock: @escaping @Sendable () -> Instant = { .now(.boot) }
    ) {
        self.command = command
        self.baseEnvironment = Self.passedVariables.compactMap { name in environment[name].map { name + "=" + $0 } }
        self.logger = logger
        self.timeoutSeconds = timeoutSeconds
        self.killGraceSeconds = killGraceSeconds
        self.minimumInterval = minimumInterval
        self.clock = clock
    }

    /// The command's whole environment for `notice`: the passed variables and the notice's.
    func environment(for notice: Notice) -> [String] {
        baseEnvironment + [
            "REDIRECT_CATCHER_ACCOUNT=" + notice.account,
            "REDIRECT_CATCHER_EVENT=" + notice.event,
            "REDIRECT_CATCHER_SIGNIN_URL=" + notice.signInURL,
            "REDIRECT_CATCHER_MESSAGE=" + Logger.sanitize(notice.message),
        ]
    }

    /// Starts the command for `notice` on its own thread unless the limits above hold it
    /// back; returns whether it started. `completion` (for tests) gets the outcome, or the
    /// spawn error, on that thread.
    @discardableResult
    func run(_ notice: Notice, completion: (@Sendable (Result<ChildProcess.Outcome, SystemError>) -> Void)? = nil) -> Bool {
        let key = notice.account + "\u{0}" + notice.event
        let now = clock()
        let admitted = state.withLock { state in
            guard !state.running.contains(notice.account) else { return false }
            if let last = state.lastRun[key], last.episode == notice.episode, now.seconds(since: last.at) < minimumInterval {
                return false
            }
            state.running.insert(notice.account)
            state.lastRun[key] = (now, notice.episode)
            return true
        }
        guard admitted else {
            logger.debug(
                "notify_skipped", "account \(notice.account): notify_command not run for \(notice.event): it ran moments ago or is still running",
                account: notice.account, ["NOTIFY_EVENT": notice.event])
            return false
        }
        let command = self.command
        let environment = environment(for: notice)
        let (timeout, grace, logger) = (timeoutSeconds, killGraceSeconds, self.logger)
        let body: @Sendable () -> Void = { [self] in
            let result = Result { () throws(SystemError) in
                try ChildProcess.run(command, environment: environment, timeoutSeconds: timeout, killGraceSeconds: grace)
            }
            state.withLock { _ = $0.running.remove(notice.account) }
            Self.log(result, notice: notice, program: command[0], timeout: timeout, logger: logger)
            completion?(result)
        }
        do {
            try ThreadSpawn.detached(body)
        } catch {
            state.withLock { _ = $0.running.remove(notice.account) }
            logger.warning(
                "notify_failed", "account \(notice.account): cannot start a thread for notify_command: \(error)", account: notice.account)
            return false
        }
        return true
    }

    /// One line per run; the command line itself is not logged (it is the person's, and may
    /// hold an address or a key), only its program name.
    private static func log(
        _ result: Result<ChildProcess.Outcome, SystemError>, notice: Notice, program: String, timeout: Double, logger: Logger
    ) {
        let fields = ["NOTIFY_EVENT": notice.event]
        switch result {
        case .success(let outcome) where outcome.timedOut:
            logger.warning(
                "notify_failed",
                "account \(notice.account): notify_command \(program) still running after \(Int(timeout.rounded(.up))) s; stopped it (\(outcome.termination))",
                account: notice.account, fields.merging(["NOTIFY_STATUS": outcome.termination.description]) { a, _ in a })
        case .success(let outcome) where outcome.termination != .exited(0):
            logger.warning(
                "notify_failed", "account \(notice.account): notify_command \(program) failed: \(outcome.termination)",
                account: notice.account, fields.merging(["NOTIFY_STATUS": outcome.termination.description]) { a, _ in a })
        case .success:
            logger.debug("notified", "account \(notice.account): notify_command ran for \(notice.event)", account: notice.account, fields)
        case .failure(let error):
            logger.warning(
                "notify_failed", "account \(notice.account): cannot run notify_command: \(error)", account: notice.account, fields)
        }
    }
}
