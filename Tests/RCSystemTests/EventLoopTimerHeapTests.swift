import RCSystem
import Testing

/// Cancelled timers behind a live one that is due sooner: the benchmark's figure 8 (idle
/// connections with deadlines, and short-lived clients that each schedule and cancel one).
@Suite struct EventLoopTimerHeapTests {
    @Test func cancelledTimersDoNotPileUpAndLiveOnesStillRunInOrder() throws {
        let heapSizes = Recorder<Int>()
        let fired = Recorder<Int64>()
        let finished = Latch()
        let thread = try LoopThread { loop in
            // Live timers already due, in random order, each followed by many cancelled
            // ones due later: the cancelled entries can only surface after the live ones.
            let start = loop.now.adding(seconds: -100)
            var random = SystemRandomNumberGenerator()
            for _ in 0..<300 {
                let offset = Int64.random(in: 0..<50_000, using: &random)
                loop.schedule(at: start.adding(milliseconds: offset)) { fired.append(offset) }
                for _ in 0..<30 {
                    loop.cancel(loop.schedule(at: start.adding(seconds: 1000)) {})
                }
            }
            heapSizes.append(loop.timerHeapCount)
            loop.schedule(at: start.adding(milliseconds: 50_000)) { finished.open() }
        }
        #expect(finished.wait())
        #expect(thread.stop())
        // 9,000 cancelled entries went in; at most twice the live timers (or 64) remain.
        #expect((heapSizes.values.first ?? .max) <= 2 * 300)
        #expect(fired.values.count == 300)
        #expect(fired.values == fired.values.sorted())
    }
}

@Suite struct EventLoopPauseTests {
    /// A paused descriptor is not reported until the pause ends, then is again; a paused
    /// descriptor that was unregistered meanwhile stays unregistered.
    @Test func pauseReadingSilencesADescriptorForAWhile() throws {
        let loop = try EventLoop()
        let (a, b) = socketPair(nonBlocking: true)
        _ = try b.write(Array("x".utf8), from: 0)
        var reports: [Instant] = []
        var pausedAt: Instant?
        try loop.register(a.rawValue, interest: .read) { _ in
            reports.append(loop.now)
            if pausedAt == nil {
                pausedAt = loop.now
                loop.pauseReading(a.rawValue, seconds: 0.05)
            } else {
                loop.stop()
            }
        }
        loop.run()
        #expect(reports.count == 2)
        if let start = pausedAt, let last = reports.last {
            #expect(last.seconds(since: start) >= 0.05)
        }
        loop.unregister(a.rawValue)
        loop.pauseReading(a.rawValue, seconds: 0.01)  // not registered: nothing to pause or resume
        #expect(loop.registeredCount == 0)
    }
}
