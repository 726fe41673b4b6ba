/// What systemd sees of the daemon besides READY=1: the status line and the watchdog.
extension Daemon {
    /// `2 signed in, 1 failing: graph, 1 needs sign-in: dynamics`: what
    /// `systemctl --user status` shows.
    func statusLine() -> String {
        var signedIn = 0
        var failing: [String] = []
        var waiting: [String] = []
        for account in accounts.accounts {
            switch account.standing {
            case .signedIn: signedIn += 1
            case .needsSignIn: waiting.append(account.name)
            case .failing: failing.append(account.name)
            }
        }
        var parts = ["\(signedIn) signed in"]
        if !failing.isEmpty { parts.append("\(failing.count) failing: " + failing.joined(separator: ", ")) }
        if !waiting.isEmpty { parts.append("\(waiting.count) needs sign-in: " + waiting.joined(separator: ", ")) }
        return parts.joined(separator: ", ")
    }

    /// Sends STATUS= when the line changed (an account signed in, refreshed, started failing
    /// or needs the person). Before READY=1 and during a reload it waits: READY=1 carries it.
    func publishStatus() {
        guard lastStatus != nil, !reloadInProgress else { return }
        let line = statusLine()
        guard line != lastStatus else { return }
        lastStatus = line
        notify.send("STATUS=\(line)")
    }

    /// With `WatchdogSec=`, pings from a timer on the event loop itself: a loop that stops
    /// turning stops pinging, and systemd restarts the daemon. Without it, no timer at all,
    /// so an idle daemon still never wakes.
    func startWatchdog() {
        guard let interval = notify.watchdogPingInterval else { return }
        logger.debug("watchdog", "pinging the systemd watchdog every \(interval) s")
        pingWatchdog(every: interval)
    }

    private func pingWatchdog(every interval: Double) {
        notify.send("WATCHDOG=1")
        loop.schedule(at: loop.now.adding(seconds: interval)) { [weak self] in
            self?.pingWatchdog(every: interval)
        }
    }
}
