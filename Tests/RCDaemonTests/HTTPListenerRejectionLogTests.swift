import RCHTTP
import Testing

@testable import RCDaemon

/// The listener's rejection log: a flood of forged callbacks costs the journal one line per
/// second and a count, never one line per request.
struct HTTPListenerRejectionLogTests {
    private func makeLog() -> (RateLimitedLog, ManualScheduler, MemoryLogSink) {
        let scheduler = ManualScheduler()
        let sink = MemoryLogSink()
        let log = RateLimitedLog(event: "callback_rejected", scheduler: scheduler, logger: Logger(minimumLevel: .debug, sink: sink))
        return (log, scheduler, sink)
    }

    @Test func aFloodLogsOneLineThenACountWhenTheIntervalEnds() {
        let (log, scheduler, sink) = makeLog()
        for _ in 0..<500 { log.warning("rejected a sign-in response: unknown state") }
        #expect(sink.events.count == 1)
        scheduler.advance(by: 1)
        #expect(sink.events.count == 2)
        let summary = sink.events.last
        #expect(summary?.fields["SUPPRESSED"] == "499", "\(String(describing: summary))")
        #expect(summary?.event == "callback_rejected")
        #expect(summary?.level == .warning)
    }

    @Test func aSteadyFloodLogsAtMostOneLinePerInterval() {
        let (log, scheduler, sink) = makeLog()
        for _ in 0..<100 {
            for _ in 0..<10 { log.warning("rejected") }
            scheduler.advance(by: 0.1)
        }
        // 10 s of flood: the first line, then at most one summary per second.
        #expect(sink.events.count <= 12, "\(sink.events.count) lines")
        let counted = sink.events.compactMap { $0.fields["SUPPRESSED"].flatMap { Int($0) } }.reduce(0, +)
        scheduler.advance(by: 2)
        let total = sink.events.filter { $0.fields["SUPPRESSED"] == nil }.count
            + sink.events.compactMap { $0.fields["SUPPRESSED"].flatMap { Int($0) } }.reduce(0, +)
        #expect(total == 1000, "every rejection is logged or counted (counted \(counted) before the last summary)")
    }

    @Test func rareRejectionsAreEachLogged() {
        let (log, scheduler, sink) = makeLog()
        for index in 0..<5 {
            log.warning("rejected \(index)")
            scheduler.advance(by: 1.5)
        }
        #expect(sink.events.map(\.message) == (0..<5).map { "rejected \($0)" })
        #expect(scheduler.timerDeadlines.isEmpty)
    }

    @Test func fetchMetadataFromAnotherSiteCannotStartASignIn() {
        #expect(Daemon.isTopLevelNavigation(HTTPHeaders()))
        #expect(Daemon.isTopLevelNavigation(HTTPHeaders([("Sec-Fetch-Site", "none")])))
        #expect(Daemon.isTopLevelNavigation(HTTPHeaders([("Sec-Fetch-Site", "same-origin")])))
        #expect(!Daemon.isTopLevelNavigation(HTTPHeaders([("Sec-Fetch-Site", "cross-site")])))
        #expect(!Daemon.isTopLevelNavigation(HTTPHeaders([("Sec-Fetch-Site", "same-site")])))
        #expect(!Daemon.isTopLevelNavigation(HTTPHeaders([("Sec-Fetch-Site", "none"), ("Sec-Fetch-Site", "cross-site")])))
    }
}

extension HTTPListenerRejectionLogTests {
    /// The loop may serve a request before it runs the summary timer that is already due.
    @Test func aSummaryThatIsDueWhenTheNextRejectionArrivesStillKeepsOneLinePerInterval() {
        let (log, scheduler, sink) = makeLog()
        log.warning("first")
        log.warning("second")
        scheduler.jump(by: 1.2)
        log.warning("third")
        #expect(sink.events.count == 2, "\(sink.events.map(\.message))")
        #expect(sink.events.last?.fields["SUPPRESSED"] == "1")
        scheduler.advance(by: 1)
        #expect(sink.events.last?.fields["SUPPRESSED"] == "1", "the third was neither logged nor counted")
        #expect(sink.events.count == 3)
    }
}
