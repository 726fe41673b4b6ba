import Glibc
import RCSystem

/// Keeps the sign-ins across restarts, crashes and upgrades (systemd's file descriptor store)
/// and, with `persist`, reboots (the person's `save` and `load` commands). Never a file.
///
/// - **The file descriptor store.** After each change of what must survive, at most once per
///   loop turn, the state goes into a fresh sealed memfd that is sent with `FDSTORE=1` and
///   `FDNAME=state`, after `FDSTOREREMOVE=1` for the previous one: systemd removes every
///   descriptor of a name, so the old goes first and the new is never caught by it. The
///   manager passes it back at the next start in `LISTEN_FDS`, named `state`. Without
///   `NOTIFY_SOCKET` (run by hand) nothing is sent.
/// - **`persist`.** `save` gets the state on stdin when it changed, at most once per
///   `saveInterval`, on a thread of its own, and at stop; `load` prints it at start. The
///   store wins when both have a state: it is at least as new.
///
/// Lives on the loop thread. Nothing it logs holds a token: decoding errors never quote the
/// bytes, and a command's stderr is logged by its first line only.
final class RestartState {
    /// The name the state's descriptor has in the store (`FDNAME=`, `LISTEN_FDNAMES`).
    static let storeName = "state"
    static let loadTimeout = 10.0
    static let saveTimeout = 10.0
    static let saveInterval = 10.0

    /// Where a restored state came from.
    enum Source: String {
        case store = "systemd's file descriptor store"
        case load = "persist.load"
    }

    private let loop: EventLoop
    private let logger: Logger
    private let notify: SystemdNotify
    private let environment: [String]
    /// The commands in force (a reload may change them).
    var persist: PersistCommands?
    /// The accounts' state as it is now, in config order.
    private let collect: () -> [SavedState.Account]

    private var flushScheduled = false
    /// What the store holds now (nil: not known, so the next change writes).
    private var stored: [SavedState.Account]?
    /// What `save` last took successfully, or what `load` printed. nil after a `load` that
    /// failed: what `save` keeps is then unknown, perhaps good (a keyring still locked), so it
    /// is not overwritten with nothing; a sign-in replaces it.
    private var saved: [SavedState.Account]?
    private var saving = false
    /// A change came while `save` ran: it runs again after, whatever its outcome. A failed
    /// `save` with no change since waits for the next change, so that a keyring that stays
    /// locked does not start a process every 10 s.
    private var changedWhileSaving = false
    /// True while a `save` runs on its thread, for `stop` to wait on (the loop has stopped by
    /// then, so the completion that clears `saving` never runs).
    private let saveRunning = Locked(false)
    private var lastSaveStarted: Instant?
    private var saveTimer: EventLoop.TimerID?
    private let saveFailures: RateLimitedLog

    init(
        loop: EventLoop, logger: Logger, notify: SystemdNotify, persist: PersistCommands?, environment: [String: String],
        collect: @escaping () -> [SavedState.Account]
    ) {
        self.loop = loop
        self.logger = logger
        self.notify = notify
        self.persist = persist
        self.environment = NotifyHook.passedVariables.compactMap { name in environment[name].map { name + "=" + $0 } }
        self.collect = collect
        self.saveFailures = RateLimitedLog(event: "save_failed", intervalSeconds: 60, scheduler: loop, logger: logger)
    }

    // MARK: Start

    /// The state to restore: the store's, else what `load` prints, else none. Every problem is
    /// logged (`restore_failed`) and gives no state: the daemon starts anyway.
    func load(passed: [FileDescriptor]) -> (state: SavedState, source: Source)? {
        var fromStore: SavedState?
        for fd in passed {
            defer { fd.close() }
            let bytes: [UInt8]?
            do {
                bytes = try SealedMemory.read(fd, limit: SavedState.maxBytes)
            } catch {
                logger.error("restore_failed", "cannot read the state systemd kept: \(error); starting without it", ["SOURCE": "fdstore"])
                continue
            }
            switch bytes.map(SavedState.decode) ?? .failure(.tooLarge(SavedState.maxBytes + 1)) {
            case .success(let state):
                // Two when a removal was lost: the newer wins.
                if state.savedAt >= fromStore?.savedAt ?? .min { fromStore = state }
            case .failure(let reason):
                logger.error(
                    "restore_failed", "the state systemd kept is unusable: \(reason); starting without it", ["SOURCE": "fdstore"])
            }
        }
        if let fromStore {
            stored = fromStore.accounts
            return (fromStore, .store)
        }
        guard let persist else { return nil }
        return runLoad(persist.load).map { ($0, .load) }
    }

    private func runLoad(_ argv: [String]) -> SavedState? {
        let program = argv.first ?? ""
        let conversation: ChildProcess.Conversation
        do {
            conversation = try ChildProcess.converse(
                argv, environment: environment, input: [], timeoutSeconds: Self.loadTimeout, maxOutput: SavedState.maxBytes,
                captureErrors: true)
        } catch {
            restoreFailed("cannot run persist.load \(program): \(error)", status: nil, stderr: [])
            return nil
        }
        let outcome = conversation.outcome
        if conversation.outputTooLong {
            restoreFailed("persist.load \(program) printed more than \(SavedState.maxBytes) bytes", status: outcome.termination, stderr: conversation.errorOutput)
            return nil
        }
        if outcome.timedOut {
            restoreFailed(
                "persist.load \(program) did not finish within \(Int(Self.loadTimeout)) s; stopped it", status: outcome.termination,
                stderr: conversation.errorOutput)
            return nil
        }
        guard outcome.termination == .exited(0) else {
            restoreFailed("persist.load \(program) failed", status: outcome.termination, stderr: conversation.errorOutput)
            return nil
        }
        // Nothing printed: nothing kept yet (the first start).
        if conversation.output.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            saved = []
            logger.info("restored", "persist.load \(program) printed no state: nothing to restore", ["SOURCE": "persist"])
            return nil
        }
        switch SavedState.decode(conversation.output) {
        case .success(let state):
            saved = state.accounts
            return state
        case .failure(let reason):
            restoreFailed("what persist.load \(program) printed is unusable: \(reason)", status: outcome.termination, stderr: conversation.errorOutput)
            return nil
        }
    }

    private func restoreFailed(_ what: String, status: ChildProcess.Termination?, stderr: [UInt8]) {
        var fields = ["SOURCE": "persist"]
        var message = what
        if let status { fields["EXIT_STATUS"] = status.description }
        if let line = Self.firstLine(stderr) {
            fields["STDERR"] = line
            message += " (\(status?.description ?? "not started"); stderr: \(line))"
        } else if let status {
            message += " (\(status))"
        }
        logger.error("restore_failed", message + "; every account starts signed out", fields)
    }

    /// The first non-empty line of a command's stderr, cleaned for the journal and cut short.
    static func firstLine(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { !$0.allSatisfy(\.isWhitespace) }) else { return nil }
        let clean = Logger.sanitize(String(line))
        return clean.count > 200 ? String(clean.prefix(200)) + "…" : clean
    }

    /// Restores each account whose fingerprint matches, logs `restored`, and returns why each
    /// configured account that was left out was.
    func restore(_ state: SavedState, source: Source, into accounts: [Account]) -> [String: String] {
        var restored: [String] = []
        var leftOut: [(name: String, why: String)] = []
        let byName = Dictionary(state.accounts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // An application (client credentials) keeps nothing: its credential gets new tokens.
        for account in accounts where !account.isApplication {
            guard let saved = byName[account.name] else {
                leftOut.append((account.name, "not signed in when the state was saved"))
                continue
            }
            guard saved.fingerprint == SavedState.fingerprint(account.settings) else {
                leftOut.append((account.name, "its settings changed since the state was saved"))
                continue
            }
            account.restore(saved)
            if case .needsSignIn(let reason) = account.state.session {
                leftOut.append((account.name, reason))
            } else {
                restored.append(account.name)
            }
        }
        let configured = Set(accounts.map(\.name))
        for saved in state.accounts where !configured.contains(saved.name) {
            leftOut.append((saved.name, "no longer configured"))
        }
        let left = leftOut.map { "\($0.name) (\($0.why))" }.joined(separator: ", ")
        logger.notice(
            "restored",
            "restored \(restored.count) account(s) from \(source.rawValue)\(restored.isEmpty ? "" : ": " + restored.joined(separator: ", "))\(leftOut.isEmpty ? "" : "; left out: " + left)",
            [
                "SOURCE": source == .store ? "fdstore" : "persist", "RESTORED": restored.joined(separator: ","),
                "LEFT_OUT": leftOut.map(\.name).joined(separator: ","),
            ])
        var reasons: [String: String] = [:]
        for entry in leftOut where configured.contains(entry.name) { reasons[entry.name] = entry.why }
        return reasons
    }

    // MARK: Changes

    /// Something that must survive changed: the store is written on the next loop turn (once,
    /// however many changes this turn brings), and `save` runs within `saveInterval`.
    func changed() {
        // Run by hand without `persist`: nothing to keep, not even a timer.
        guard !flushScheduled, notify.socketPath != nil || persist != nil else { return }
        flushScheduled = true
        loop.schedule(at: loop.now) { [weak self] in
            guard let self else { return }
            self.flushScheduled = false
            self.flush()
        }
    }

    private func flush() {
        let accounts = collect()
        if notify.socketPath != nil && accounts != stored { store(accounts) }
        if persist != nil && accounts != saved && !(accounts.isEmpty && saved == nil) { scheduleSave() }
    }

    /// Hands `accounts` to systemd in a fresh sealed memfd, replacing the previous one.
    private func store(_ accounts: [SavedState.Account]) {
        let removed = notify.send(["FDSTOREREMOVE=1", "FDNAME=\(Self.storeName)"], passing: [])
        guard !accounts.isEmpty else {
            if removed { stored = accounts }
            return
        }
        let bytes = SavedState(savedAt: Self.wallNow(), accounts: accounts).encoded()
        do {
            let fd = try SealedMemory.make(bytes, name: "redirect-catcher-state")
            defer { fd.close() }
            guard notify.send(["FDSTORE=1", "FDNAME=\(Self.storeName)", "FDPOLL=0"], passing: [fd.rawValue]) else {
                throw SystemError("sendmsg(NOTIFY_SOCKET)", errno: 0)
            }
            stored = accounts
            logger.debug("state_stored", "the state of \(accounts.count) account(s) is in systemd's file descriptor store", ["SOURCE": "fdstore"])
        } catch {
            stored = nil
            saveFailures.warning("cannot hand the state to systemd's file descriptor store: \(error); a restart will need sign-ins", ["SOURCE": "fdstore"])
        }
    }

    private func scheduleSave() {
        if saving { changedWhileSaving = true }
        guard !saving, saveTimer == nil else { return }
        let now = loop.now
        if let last = lastSaveStarted, now.seconds(since: last) < Self.saveInterval {
            saveTimer = loop.schedule(at: last.adding(seconds: Self.saveInterval)) { [weak self] in
                self?.saveTimer = nil
                self?.flush()
            }
            return
        }
        guard let persist else { return }
        let accounts = collect()
        let bytes = SavedState(savedAt: Self.wallNow(), accounts: accounts).encoded()
        saving = true
        changedWhileSaving = false
        lastSaveStarted = now
        let (argv, environment, running) = (persist.save, self.environment, saveRunning)
        running.withLock { $0 = true }
        loop.offload({
            let failure = Self.runSave(argv, environment: environment, input: bytes)
            running.withLock { $0 = false }
            return failure
        }) { [weak self] failure in
            guard let self else { return }
            self.saving = false
            if let failure {
                self.saveFailures.warning(failure.message + "; the next change tries again", failure.fields)
            } else {
                self.saved = accounts
                self.logger.debug("state_saved", "persist.save took the state of \(accounts.count) account(s)", ["SOURCE": "persist"])
            }
            if self.changedWhileSaving { self.flush() }
        }
    }

    struct SaveFailure: Sendable {
        let message: String
        let fields: [String: String]
    }

    private static func runSave(_ argv: [String], environment: [String], input: [UInt8]) -> SaveFailure? {
        let program = argv.first ?? ""
        do {
            let conversation = try ChildProcess.converse(
                argv, environment: environment, input: input, timeoutSeconds: saveTimeout, maxOutput: 65536, captureErrors: true)
            let outcome = conversation.outcome
            guard outcome.timedOut || outcome.termination != .exited(0) else { return nil }
            var fields = ["SOURCE": "persist", "EXIT_STATUS": outcome.termination.description]
            let line = firstLine(conversation.errorOutput)
            if let line { fields["STDERR"] = line }
            let what = outcome.timedOut ? "did not finish within \(Int(saveTimeout)) s; stopped it" : "failed"
            return SaveFailure(
                message: "persist.save \(program) \(what) (\(outcome.termination)\(line.map { "; stderr: " + $0 } ?? ""))", fields: fields)
        } catch {
            return SaveFailure(message: "cannot run persist.save \(program): \(error)", fields: ["SOURCE": "persist"])
        }
    }

    // MARK: Stop

    /// At stop: the store gets any change of the last loop turn, and `save` the latest state
    /// (waiting for it here: the loop has stopped).
    func stop() {
        let accounts = collect()
        if notify.socketPath != nil && accounts != stored { store(accounts) }
        guard let persist, accounts != saved, !(accounts.isEmpty && saved == nil) else { return }
        // A save still running would race this one to the same place: it ends first (its
        // own time limit bounds the wait).
        let deadline = Instant.deadline(afterSeconds: Self.saveTimeout + 5)
        while saveRunning.withLock({ $0 }) && Instant.now(.monotonic) < deadline {
            var pause = timespec(tv_sec: 0, tv_nsec: 20_000_000)
            nanosleep(&pause, nil)
        }
        let bytes = SavedState(savedAt: Self.wallNow(), accounts: accounts).encoded()
        if let failure = Self.runSave(persist.save, environment: environment, input: bytes) {
            logger.warning("save_failed", failure.message, failure.fields)
        } else {
            saved = accounts
        }
    }

    static func wallNow() -> Int64 { Instant.now(.wall).nanoseconds / 1_000_000_000 }
}
